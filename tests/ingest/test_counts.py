"""Exports of counts: each row stands for its count of incidents, in the load report, `info` and totals."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from lib import cli
from lib.ingest import load as ingest
from lib.ingest.readers import InputError
from lib.store import provenance, schema

BEATS = gpd.GeoDataFrame(
    {"beat_num": ["0111", "0112"]},
    geometry=[box(-87.64, 41.87, -87.62, 41.89), box(-87.62, 41.87, -87.60, 41.89)],
    crs=4326,
)

# A daily count per category and beat, as some portals publish instead of a listing; the last two
# rows have no coordinates, one of them a beat code that no boundary has.
DAILY_COUNTS = """Report Date,Category,Beat,Offense Count,Latitude,Longitude
2023-03-01,THEFT,0111,4,41.88,-87.63
2023-03-01,THEFT,0112,2,41.88,-87.61
2023-03-01,BURGLARY,0111,1,41.88,-87.63
2023-03-02,THEFT,0111,4,41.88,-87.63
2023-03-02,ROBBERY,0112,3,,
2023-03-02,ROBBERY,0999,5,,
"""


def _load(store, tmp_path: Path, text: str, name: str = "counts.csv", kind: str = "incidents", **kw):
    path = tmp_path / name
    path.write_text(text)
    return ingest.load(store, kind, path, **kw)


@pytest.fixture
def counted(duck, tmp_path):
    beats = tmp_path / "beats.geojson"
    BEATS.to_file(beats, driver="GeoJSON")
    ingest.load(duck, "boundaries", beats, level="beat")
    return duck, _load(duck, tmp_path, DAILY_COUNTS)


def test_each_row_stands_for_its_count(counted):
    store, report = counted
    assert report.mapping["count"] == "Offense Count"
    assert (report.rows_loaded, report.incidents_loaded) == (6, 19)
    assert "incidents                  19" in report.summary()
    assert store.scalar(f"SELECT {schema.incident_total()} FROM incidents") == 19
    # Two rows with the same values on two days are distinct rows, not duplicates.
    assert report.rows_duplicate == 0


def test_rows_without_coordinates_count_in_their_area_and_unknown_codes_are_listed(counted):
    store, report = counted
    by_beat = store.query(
        f"SELECT lvl_beat, {schema.incident_total()} AS n FROM incidents GROUP BY lvl_beat ORDER BY lvl_beat"
    )
    assert dict(zip(by_beat["lvl_beat"].fillna("none"), by_beat["n"])) == {"111": 9, "112": 5, "none": 5}
    assert report.unplaced_areas == [("999", 5)]
    assert any("5 incidents carry beat codes no boundary has: 999 (5)" in m for m in report.messages)


def test_info_gives_incidents_beside_rows_as_strict_json(counted, capsys):
    store, _ = counted
    data = provenance.info(store)
    assert data["kinds"]["incidents"]["rows"] == 6 and data["kinds"]["incidents"]["incidents"] == 19
    assert data["loads"][0]["incidents"] == 19
    assert "6 rows (19 incidents)" in provenance.format_info(data)
    assert cli.main(["info", "--json", "--db", store.url]) == 0

    def reject(constant):
        raise ValueError(f"not strict JSON: {constant}")

    parsed = json.loads(capsys.readouterr().out, parse_constant=reject)
    assert parsed["kinds"]["incidents"]["dataset_incidents"] == {"counts": 19}


def test_a_count_that_is_not_a_whole_number_rejects_its_row(duck, tmp_path):
    text = "Date,Offense,Count\n2023-03-01,THEFT,2\n2023-03-02,THEFT,two\n2023-03-03,THEFT,-1\n"
    report = _load(duck, tmp_path, text, maps={"count": "Count"})
    assert (report.rows_loaded, report.rows_rejected, report.incidents_loaded) == (1, 2, 2)
    assert "count is not a whole number" in report.rejects["reason"].iloc[0]


def test_rows_of_one_incident_add_their_counts(duck, tmp_path):
    text = "Incident Number,Date,Offense,Offense Count\nI1,2023-03-01,THEFT,1\nI1,2023-03-01,FRAUD,2\nI2,2023-03-01,THEFT,1\n"
    report = _load(duck, tmp_path, text)
    assert (report.rows_loaded, report.incidents_loaded) == (2, 4)


def test_without_a_count_column_merged_rows_are_one_incident(duck, tmp_path):
    report = _load(duck, tmp_path, "Incident Number,Date,Offense\nI1,2023-03-01,THEFT\nI1,2023-03-01,FRAUD\n")
    assert (report.rows_loaded, report.incidents_loaded) == (1, 1)


def test_scores_never_call_distinct_rows_duplicates(duck, tmp_path):
    # Counts per category loaded as scores by mistake: rows share beat and day but differ in category.
    with pytest.raises(InputError, match="differ in 'Category'.*Load them as incidents"):
        _load(duck, tmp_path, DAILY_COUNTS.replace(",Latitude,Longitude", ",a,b"), kind="scores")
    assert "survey_scores" not in duck.tables() or duck.scalar("SELECT count(*) FROM survey_scores") == 0
    # Rows equal in every column are duplicates.
    text = "Date,Beat,Trust\n2023-03-01,0111,55\n2023-03-01,0111,55\n2023-03-01,0112,60\n"
    report = _load(duck, tmp_path, text, name="s.csv", kind="scores")
    assert report.rows_merged == 1 and any("exact duplicates" in m for m in report.messages)


def test_month_only_dates_are_said_and_recorded(duck, tmp_path):
    months = "".join(f"2022-{m:02d},THEFT\n" for m in range(1, 13)) * 3
    report = _load(duck, tmp_path, "Month,Offense\n" + months, maps={"occurred_at": "Month"})
    assert report.date_precision == "month"
    assert any("months only" in m and "weekdays" in m for m in report.messages)
    assert provenance.date_precision(duck) == "month"
    days = _load(duck, tmp_path, "Date,Offense\n2022-01-03,THEFT\n2022-01-04,THEFT\n", name="d.csv")
    assert days.date_precision == "day" and provenance.date_precision(duck, "d") == "day"
    timed = _load(duck, tmp_path, "Date,Offense\n2022-01-03 10:00,THEFT\n", name="t.csv")
    assert timed.date_precision == "minute"


def test_events_are_merged_only_when_time_title_and_place_agree(duck, tmp_path):
    text = (
        "title,start,location\n"
        "Beat Meeting,2023-05-01 18:00,Library 100 Main St\n"
        "Beat Meeting,2023-05-01 18:00,Church 200 Oak Ave\n"
        "Beat Meeting,2023-05-01 18:00,library 100 main st\n"
    )
    report = _load(duck, tmp_path, text, name="events.csv", kind="events")
    assert (report.rows_loaded, report.rows_merged) == (2, 1)
    again = _load(
        duck, tmp_path, text.replace("Church 200 Oak Ave", "School 5 Elm St"), name="events.csv", kind="events"
    )
    assert (again.rows_loaded, again.rows_duplicate) == (1, 1)
    assert _load(duck, tmp_path, text, name="events.csv", kind="events").rows_duplicate == 2


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("St. Ferdinand's3115 N. Mason", "St. Ferdinand's 3115 N Mason", True),
        ("2255 E. 103rd St.", "District Station, 2255 E. 103rd Street", True),
        ("Salvation Army 8354 W. Foster", "Our Lady Mother of the Church, 8747 W. Lawrence", False),
        ("Main Library", "main library (2nd floor)", True),
        ("Main Library", "Town Hall", False),
        (None, "Town Hall", True),  # a side without a venue does not disagree
    ],
)
def test_when_two_venues_are_one_place(a, b, same):
    from lib.ingest.prepare import places_agree

    assert places_agree({"location": a}, {"location": b}) is same
