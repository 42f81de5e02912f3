"""The Map page's aggregations on a tiny store built through the ordinary ingest, on both engines.

Two square zones (A west, B east) nest in one sector S1. Five incidents in
March 2019, one in March 2018, one in June 2019; every figure below is
counted by hand from these rows.
"""

import json

import h3
import numpy as np
import pandas as pd
import pytest

from lib.ingest import load as ingest
from lib.maps import data as map_data
from lib.stats.hotspots import NotEnoughData
from lib.store.filters import IncidentFilter


def square(code, west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"Zone {code}"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


INCIDENTS = """id,date,offense,block,latitude,longitude
1,2019-03-04 10:00,THEFT,001XX N MAIN ST,41.9101,-87.6950
2,2019-03-05 11:00,THEFT,001XX N MAIN ST,41.9103,-87.6948
3,2019-03-20 23:00,BATTERY,002XX N MAIN ST,41.9150,-87.6900
4,2019-03-10 09:00,ROBBERY,,41.9050,-87.6700
5,2019-03-11 09:00,ROBBERY,003XX E OAK ST,41.9120,-87.6650
6,2018-03-15 12:00,THEFT,001XX N MAIN ST,41.9105,-87.6952
7,2019-06-01 12:00,THEFT,001XX N MAIN ST,41.9099,-87.6946
"""


@pytest.fixture
def tiny(any_store, tmp_path):
    zones = {
        "type": "FeatureCollection",
        "features": [square("A", -87.70, 41.90, -87.68, 41.92), square("B", -87.68, 41.90, -87.66, 41.92)],
    }
    sector = {"type": "FeatureCollection", "features": [square("S1", -87.70, 41.90, -87.66, 41.92)]}
    (tmp_path / "zones.geojson").write_text(json.dumps(zones))
    (tmp_path / "sector.geojson").write_text(json.dumps(sector))
    (tmp_path / "incidents.csv").write_text(INCIDENTS)
    (tmp_path / "population.csv").write_text("area,population\nA,1000\nB,2000\n")
    (tmp_path / "events.csv").write_text(
        "title,starts_at,area\nBeat Meeting,2019-03-12 18:00,A\nCoffee with a Cop,2019-05-01 09:00,B\n"
    )
    (tmp_path / "scores.csv").write_text(
        "period_start,period_end,area,TRUST,SAFETY\n"
        "2019-02-01,2019-02-28,A,60,70\n2019-03-01,2019-03-31,A,50,60\n"
        "2019-03-01,2019-03-31,B,40,45\n"
    )
    ingest.load(any_store, "boundaries", tmp_path / "sector.geojson", level="sector")
    ingest.load(any_store, "boundaries", tmp_path / "zones.geojson", level="zone")
    ingest.load(any_store, "incidents", tmp_path / "incidents.csv", dataset="t")
    ingest.load(any_store, "population", tmp_path / "population.csv", level="zone")
    ingest.load(any_store, "events", tmp_path / "events.csv", dataset="e")
    ingest.load(any_store, "scores", tmp_path / "scores.csv", dataset="s")
    return any_store


MARCH = IncidentFilter(dataset="t", start="2019-03-01", end="2019-04-01")


def test_levels_coarsest_first(tiny):
    assert map_data.levels(tiny) == ["sector", "zone"]


def test_area_counts_against_the_same_weeks_last_year(tiny):
    counts = map_data.area_counts(tiny, MARCH, "zone").set_index("code")
    assert counts.loc["A", ["incidents", "last_year", "change"]].tolist() == [3, 1, 2]
    assert counts.loc["B", ["incidents", "last_year", "change"]].tolist() == [2, 0, 2]
    # 3 against 1: X ~ Binomial(4, 1/2), mid-p = 2 * (P(X = 4) + P(X = 3) / 2) = 2 * (1/16 + 2/16) = 3/8.
    assert counts.loc["A", "change_p"] == pytest.approx(3 / 8, abs=1e-12)
    assert counts.loc["B", "change_p"] == pytest.approx(2 * (1 / 4) / 2, abs=1e-12)  # 2 vs 0: 2 * (P(X=2) / 2)
    assert counts["signal"].tolist() == ["no clear change", "no clear change"]
    assert counts.loc["A", "per_1000"] == 3.0 and counts.loc["B", "per_1000"] == 1.0
    assert counts.loc["A", "name"] == "Zone A"


def test_area_counts_respect_the_other_filters(tiny):
    thefts = map_data.area_counts(tiny, MARCH.with_(offenses=("THEFT",)), "zone").set_index("code")
    assert thefts["incidents"].to_dict() == {"A": 2, "B": 0}
    mornings = map_data.area_counts(tiny, MARCH.with_(hours=(9, 10)), "zone").set_index("code")
    assert mornings["incidents"].to_dict() == {"A": 1, "B": 2}


def test_selected_areas_limit_the_areas_shown_at_any_level(tiny):
    in_sector = MARCH.with_(level="sector", areas=("S1",))
    assert sorted(map_data.area_counts(tiny, in_sector, "zone")["code"]) == ["A", "B"]
    only_a = MARCH.with_(level="zone", areas=("A",))
    assert list(map_data.area_counts(tiny, only_a, "zone")["code"]) == ["A"]
    assert map_data.codes_within(tiny, "sector", "zone", ["A"]) == ["S1"]
    assert map_data.codes_within(tiny, "zone", None, []) is None


def test_cells_and_slices(tiny):
    cells = map_data.cell_counts(tiny, MARCH, 9)
    assert cells["incidents"].sum() == 5
    assert set(cells["cell"]) == {
        h3.latlng_to_cell(la, lo, 9)
        for la, lo in [
            (41.9101, -87.6950),
            (41.9103, -87.6948),
            (41.9150, -87.6900),
            (41.9050, -87.6700),
            (41.9120, -87.6650),
        ]
    }
    slices = map_data.slice_counts(tiny, IncidentFilter(dataset="t"), 8, "month")
    per_month = slices.groupby(slices["slice"].dt.strftime("%Y-%m"))["incidents"].sum().to_dict()
    assert per_month == {"2018-03": 1, "2019-03": 5, "2019-06": 1}
    assert map_data.kde_points(tiny, MARCH)["weight"].sum() == 5


def test_a_row_standing_for_several_incidents_counts_that_many_everywhere(tiny):
    """An export of counts: the row of incident 3 stands for 4 incidents in every total on this page."""
    from lib.stats import compstat

    tiny.execute("UPDATE incidents SET count = 4 WHERE incident_id = '3'")
    counts = map_data.area_counts(tiny, MARCH, "zone").set_index("code")
    assert counts.loc["A", "incidents"] == 6  # 1 + 1 + 4
    assert map_data.cell_counts(tiny, MARCH, 9)["incidents"].sum() == 8
    assert map_data.offense_counts(tiny, MARCH).set_index("offense")["incidents"].to_dict() == {
        "BATTERY": 4,
        "ROBBERY": 2,
        "THEFT": 2,
    }
    assert map_data.kde_points(tiny, MARCH)["weight"].sum() == 8
    assert map_data.incident_total(tiny, MARCH) == (8, 8)
    ytd = compstat.table(tiny, IncidentFilter(dataset="t"), "2019-03-31").set_index("period").loc["Year to date"]
    assert (ytd["this year"], ytd["last year"]) == (8, 1)


def test_study_cells_cover_the_areas(tiny, monkeypatch):
    cells = map_data.study_cells(tiny, 9)
    # Two squares of 1.66 km x 2.2 km, about 7.3 km2, in hexagons of 0.105 km2.
    assert 55 < len(cells) < 85
    only_a = map_data.study_cells(tiny, 9, "zone", ["A"])
    assert set(only_a) < set(cells)
    monkeypatch.setattr(map_data, "MAX_STUDY_CELLS", 10)
    with pytest.raises(NotEnoughData, match="coarser resolution"):
        map_data.study_cells(tiny, 9)


def test_incident_points_are_hundred_blocks_never_single_incidents(tiny):
    places, total = map_data.incident_points(tiny, MARCH, limit=10)
    assert total == 4  # three blocks and one incident without a block
    main = places.set_index("place").loc["001XX N MAIN ST"]
    assert main["incidents"] == 2 and main["offenses"] == "THEFT 2"
    # Shown at the mean of every incident of the dataset on that block (incl. 2018 and June), not at one of them.
    assert main["latitude"] == pytest.approx(np.mean([41.9101, 41.9103, 41.9105, 41.9099]))
    unblocked = places[places["block"].isna()].iloc[0]
    assert (unblocked["latitude"], unblocked["longitude"]) == pytest.approx(
        h3.cell_to_latlng(h3.latlng_to_cell(41.9050, -87.6700, 10))
    )
    top, _ = map_data.incident_points(tiny, MARCH, limit=1)
    assert list(top["place"]) == ["001XX N MAIN ST"]


def test_events_without_coordinates_sit_at_their_area_centre(tiny):
    events = map_data.events(tiny, "2019-03-01", "2019-04-01")
    assert list(events["title"]) == ["Beat Meeting"]
    row = events.iloc[0]
    assert row["type"] == "Beat meeting" and row["placed"] == "zone centre" and row["area"] == "A"
    centre = map_data.areas(tiny, "zone").set_index("code").loc["A"]
    assert (row["latitude"], row["longitude"]) == pytest.approx((centre["centroid_lat"], centre["centroid_lon"]))
    assert len(map_data.events(tiny, "2019-01-01", "2020-01-01", "zone", ["B"])) == 1


def test_scores_average_the_months_of_the_period(tiny):
    scores, period = map_data.scores_by_area(tiny, "zone", "2019-02-01", "2019-04-01")
    scores = scores.set_index("code")
    assert scores.loc["A", "TRUST"] == 55.0 and scores.loc["A", "periods"] == 2
    assert scores.loc["B", "SAFETY"] == 45.0
    assert period == "Feb 2019 to Mar 2019"
    later, label = map_data.scores_by_area(tiny, "zone", "2019-06-01", "2019-07-01")
    assert "newest scores before the period" in label and set(later["code"]) == {"A", "B"}
    assert map_data.scores_by_area(tiny, "sector", "2019-02-01", "2019-04-01")[0].empty


def test_total_and_feature_collection(tiny):
    assert map_data.incident_total(tiny, MARCH) == (5, 5)
    counts = map_data.area_counts(tiny, MARCH, "zone")
    fc = map_data.feature_collection(map_data.outlines(tiny, "zone"), counts)
    assert [f["properties"]["code"] for f in fc["features"]] == ["A", "B"]
    assert fc["features"][0]["properties"]["incidents"] == 3
    json.dumps(fc)  # plain JSON: no numpy types, no NaN
    assert fc["features"][0]["properties"]["population"] == 1000
    assert pd.isna(counts["population"]).sum() == 0


def test_area_panel_on_both_engines(tiny):
    from lib.ingest import offense_groups
    from lib.maps import area_panel

    panel = area_panel.panel(tiny, MARCH, "zone", "A", offense_groups.Grouping())
    assert panel.as_of == pd.Timestamp("2019-03-31")  # the view's last day: the data run on to June
    ytd = panel.compstat.set_index("period").loc["Year to date"]
    assert (ytd["this year"], ytd["last year"]) == (3, 1)
    assert panel.weekly["this_year"].sum() == 3 and panel.weekly["last_year"].sum() == 1
    assert panel.groups.set_index("group")["incidents"].to_dict() == {"Theft": 2, "Assault and battery": 1}
    assert list(panel.events["title"]) == ["Beat Meeting"]
