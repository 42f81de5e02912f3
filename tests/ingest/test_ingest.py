"""Loading files: formats, validation, bad input, atomicity and idempotence, on both engines."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from lib.ingest import load as ingest
from lib.ingest.embedded import EMBEDDED_DIR
from lib.ingest.readers import InputError

# Two square "beats" side by side inside one "district", around Chicago's Loop.
BEATS = gpd.GeoDataFrame(
    {"beat_num": ["0111", "0112"], "district": ["1", "1"]},
    geometry=[box(-87.64, 41.87, -87.62, 41.89), box(-87.62, 41.87, -87.60, 41.89)],
    crs=4326,
)
DISTRICTS = gpd.GeoDataFrame({"dist_num": ["1"]}, geometry=[box(-87.66, 41.85, -87.58, 41.91)], crs=4326)

INCIDENTS_CSV = """case_no,occurred,offense,beat,block,lat,lon,weapon
A1,06/01/2019 13:45,THEFT,111,001XX W MADISON ST,41.88,-87.63,none
A2,06/02/2019 08:00,BATTERY,112,001XX E MONROE ST,41.88,-87.61,hands
A3,06/03/2019 22:10,THEFT,112,,,,
A4,not a date,THEFT,111,,41.88,-87.63,
A5,06/05/2019 09:00,ROBBERY,111,,0,0,gun
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def layer_file(tmp_path: Path, gdf: gpd.GeoDataFrame, name: str = "layer.geojson") -> Path:
    path = tmp_path / name
    gdf.to_file(path, driver="GeoJSON")
    return path


def snapshot(store) -> dict[str, str]:
    """Every table's full content, to prove a failed load changed nothing."""
    out = {}
    for table in sorted(store.tables()):
        frame = store.query(f"SELECT * FROM {table}")
        out[table] = frame.sort_values(list(frame.columns)).to_csv(index=False) if len(frame) else ""
    return out


@pytest.fixture
def loaded(any_store, tmp_path):
    """A store on each engine with the two beats, the district and the small incident file."""
    ingest.load(any_store, "boundaries", layer_file(tmp_path, DISTRICTS, "d.geojson"), level="district")
    ingest.load(any_store, "boundaries", layer_file(tmp_path, BEATS, "b.geojson"), level="beat")
    report = ingest.load(any_store, "incidents", write(tmp_path, "inc.csv", INCIDENTS_CSV))
    return any_store, report


def test_counts_rejects_and_geocoding(loaded):
    store, report = loaded
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 4, 1)
    assert report.rows_not_geocoded == 2  # A3 has no coordinates, A5 had (0, 0)
    assert report.rejects.iloc[0]["row_number"] == 5  # A4: header is row 1
    assert "unusable occurred at 'not a date'" in report.rejects.iloc[0]["reason"]
    assert any("coordinates are 0" in m for m in report.messages)
    assert report.area_level == "beat"


def test_points_get_areas_and_cells_and_unplaced_rows_keep_their_area(loaded):
    store, _ = loaded
    rows = store.query(
        "SELECT incident_id, lvl_beat, lvl_district, h3_9, records, attributes FROM incidents ORDER BY incident_id"
    ).set_index("incident_id")
    assert rows.loc["A1", "lvl_beat"] == "111" and rows.loc["A2", "lvl_beat"] == "112"
    # No coordinates, but a beat code: counted in its beat and, through nesting, its district.
    assert rows.loc["A3", "lvl_beat"] == "112" and rows.loc["A3", "lvl_district"] == "1"
    assert rows["lvl_district"].eq("1").all()
    assert rows.loc["A1", "h3_9"].startswith("89") and pd.isna(rows.loc["A3", "h3_9"])
    assert json.loads(rows.loc["A2", "attributes"]) == {"weapon": "hands"}


def test_loading_the_same_file_twice_adds_nothing(loaded, tmp_path):
    store, first = loaded
    before = snapshot(store)
    again = ingest.load(store, "incidents", write(tmp_path, "inc.csv", INCIDENTS_CSV))
    assert (again.rows_loaded, again.rows_duplicate) == (0, first.rows_loaded)
    after = snapshot(store)
    assert after["incidents"] == before["incidents"]


def test_files_without_ids_are_idempotent_and_keep_identical_rows(any_store, tmp_path):
    text = "date,offense,beat\n2019-01-01,THEFT,111\n2019-01-01,THEFT,111\n2019-01-02,ARSON,112\n"
    first = ingest.load(any_store, "incidents", write(tmp_path, "noid.csv", text))
    second = ingest.load(any_store, "incidents", write(tmp_path, "noid.csv", text))
    assert first.rows_loaded == 3, "two identical lines are two records"
    assert (second.rows_loaded, second.rows_duplicate) == (0, 3)


def test_rows_sharing_an_incident_id_become_one_incident(any_store, tmp_path):
    text = (
        "INCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,VIC_SEX,OFFENSE\n"
        "9,2021-05-27,21:30:00,M,ASSAULT\n9,2021-05-27,21:30:00,F,ROBBERY\n10,2021-05-28,01:00:00,M,ASSAULT\n"
    )
    report = ingest.load(any_store, "incidents", write(tmp_path, "victims.csv", text))
    assert (report.rows_read, report.rows_loaded, report.rows_merged) == (3, 2, 1)
    assert report.rows_loaded + report.rows_rejected + report.rows_merged + report.rows_duplicate == report.rows_read
    row = any_store.query("SELECT records, attributes FROM incidents WHERE incident_id = '9'").iloc[0]
    assert row["records"] == 2
    assert json.loads(row["attributes"])["offenses"] == "ASSAULT; ROBBERY"
    assert any("merged" in m for m in report.messages)


def test_split_date_and_hour_columns_make_one_timestamp(any_store, tmp_path):
    text = "Occurrence Date,Occurrence Hour,NIBRS Description,Beat\n2018-06-01,07,Simple assault,10H70\n"
    ingest.load(any_store, "incidents", write(tmp_path, "rms.csv", text))
    row = any_store.query("SELECT occurred_at, has_time, offense, area FROM incidents").iloc[0]
    assert row["occurred_at"] == pd.Timestamp("2018-06-01 07:00")
    assert bool(row["has_time"]) and row["offense"] == "SIMPLE ASSAULT" and row["area"] == "10H70"


def test_set_gives_one_value_and_crs_places_projected_rows(any_store, tmp_path):
    # Chicago's State Plane (EPSG:3435, feet): the Loop is near x=1176000, y=1900000.
    text = "id,date,X_COORD_CD,Y_COORD_CD\n1,2019-01-01,1176000,1900000\n"
    report = ingest.load(
        any_store, "incidents", write(tmp_path, "xy.csv", text), sets={"offense": "Shooting"}, crs="EPSG:3435"
    )
    row = any_store.query("SELECT offense, latitude, longitude FROM incidents").iloc[0]
    assert row["offense"] == "SHOOTING"
    assert 41.8 < row["latitude"] < 41.95 and -87.7 < row["longitude"] < -87.55
    assert report.rows_not_geocoded == 0


def test_swapped_coordinates_are_put_right(any_store, tmp_path):
    lines = ["id,date,offense,lat,lon"] + [f"{i},2019-01-01,THEFT,41.88,-87.63" for i in range(20)]
    lines.append("99,2019-01-01,THEFT,-87.63,41.88")
    report = ingest.load(any_store, "incidents", write(tmp_path, "swap.csv", "\n".join(lines) + "\n"))
    row = any_store.query("SELECT latitude, longitude FROM incidents WHERE incident_id = '99'").iloc[0]
    assert (row["latitude"], row["longitude"]) == (41.88, -87.63)
    assert any("swapped" in m for m in report.messages)


def test_a_new_boundary_layer_reassigns_what_is_stored(any_store, tmp_path):
    ingest.load(any_store, "incidents", write(tmp_path, "inc.csv", INCIDENTS_CSV))
    assert "lvl_beat" not in any_store.columns("incidents")
    ingest.load(any_store, "boundaries", layer_file(tmp_path, BEATS), level="beat")
    counts = any_store.query("SELECT lvl_beat, count(*) AS n FROM incidents GROUP BY lvl_beat ORDER BY lvl_beat")
    assert dict(zip(counts["lvl_beat"], counts["n"])) == {"111": 2, "112": 2}
    # Replacing the layer with one beat only re-assigns again.
    ingest.load(any_store, "boundaries", layer_file(tmp_path, BEATS.iloc[:1], "one.geojson"), level="beat")
    assert any_store.scalar("SELECT count(*) FROM incidents WHERE lvl_beat = '112'") == 0
    assert any_store.scalar("SELECT count(*) FROM boundaries WHERE level = 'beat'") == 1


@pytest.mark.parametrize("fmt", ["shapefile-zip", "gpkg", "kml", "projected-geojson", "geojson-gz"])
def test_boundary_formats_and_crs(duck, tmp_path, fmt):
    layer = BEATS
    if fmt == "shapefile-zip":
        folder = tmp_path / "shp"
        folder.mkdir()
        layer.to_file(folder / "beats.shp")
        path = tmp_path / "beats.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
    elif fmt == "gpkg":
        path = tmp_path / "beats.gpkg"
        layer.to_file(path, driver="GPKG")
    elif fmt == "kml":
        path = tmp_path / "beats.kml"
        layer.to_file(path, driver="KML")
    elif fmt == "projected-geojson":
        path = layer_file(tmp_path, layer.to_crs(3435))
    else:
        path = tmp_path / "beats.geojson.gz"
        path.write_bytes(gzip.compress(layer_file(tmp_path, layer).read_bytes()))
    report = ingest.load(duck, "boundaries", path, level="beat", maps={"code": "beat_num"})
    assert report.rows_loaded == 2
    areas = duck.query("SELECT code, area_km2 FROM boundaries ORDER BY code")
    assert list(areas["code"]) == ["111", "112"]
    # 0.02 x 0.02 degrees near 41.88 N is about 2.22 km x 1.66 km.
    assert areas["area_km2"].round(1).tolist() == [3.7, 3.7]


def test_invalid_polygons_are_repaired(duck, tmp_path):
    bowtie = Polygon([(-87.64, 41.87), (-87.62, 41.89), (-87.62, 41.87), (-87.64, 41.89)])
    layer = gpd.GeoDataFrame({"beat": ["1"]}, geometry=[bowtie], crs=4326)
    report = ingest.load(duck, "boundaries", layer_file(tmp_path, layer), level="beat")
    assert any("Repaired 1 invalid" in m for m in report.messages)
    assert duck.scalar("SELECT area_km2 FROM boundaries") > 0


@pytest.mark.parametrize(
    "name, payload, encoding",
    [
        (
            "semicolon_latin1.csv",
            "Fecha;Delito;Distrito\n01/06/2019;ROBO CON VIOLENCIA;Centro\n02/06/2019;HURTO;Peñón\n",
            "cp1252",
        ),
        ("tabs.tsv", "date\toffense\tbeat\n2019-06-01\tTHEFT\t111\n2019-06-02\tARSON\t112\n", "utf-8"),
        ("bom.csv", "\ufeffdate,offense\n2019-06-01,THEFT\n2019-06-02,ARSON\n", "utf-8"),
        ("utf16.txt", "\ufeffdate\toffense\n2019-06-01\tTHEFT\n2019-06-02\tARSON\n", "utf-16-le"),
        (
            "preamble.csv",
            "Report generated 2019-07-01 by RMS\n\ndate,offense,beat\n2019-06-01,THEFT,1\n2019-06-02,ARSON,2\n",
            "utf-8",
        ),
    ],
)
def test_csv_dialects(duck, tmp_path, name, payload, encoding):
    maps = {"occurred_at": "Fecha", "offense": "Delito", "area": "Distrito"} if "Fecha" in payload else None
    report = ingest.load(duck, "incidents", write(tmp_path, name, payload, encoding), maps=maps)
    assert report.rows_loaded == 2
    offenses = set(duck.query("SELECT offense FROM incidents")["offense"])
    assert offenses in ({"THEFT", "ARSON"}, {"ROBO CON VIOLENCIA", "HURTO"})
    if "Peñón" in payload:
        assert "PEÑÓN" in set(duck.query("SELECT area FROM incidents")["area"])


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "gz", "zip"])
def test_other_table_formats(duck, tmp_path, fmt):
    frame = pd.DataFrame({"date": ["2019-06-01 10:00", "2019-06-02 11:00"], "offense": ["THEFT", "ARSON"]})
    path = tmp_path / f"file.{fmt}"
    if fmt == "xlsx":
        with pd.ExcelWriter(path) as writer:
            pd.DataFrame([["Extract of 2019-07-01"]]).to_excel(writer, index=False, header=False)
        frame.to_excel(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path)
    elif fmt == "gz":
        path.write_bytes(gzip.compress(frame.to_csv(index=False).encode()))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("extract.csv", frame.to_csv(index=False))
    assert ingest.load(duck, "incidents", path).rows_loaded == 2


BAD_INPUT = [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"  \n\n", "empty"),
    ("header_only.csv", b"date,offense,beat\n", "header row but no data rows"),
    ("picture.csv", bytes(range(256)) * 40, "binary file"),
    ("report.csv", b"%PDF-1.7\n...", "PDF"),
    ("download.csv", b"<!DOCTYPE html><html><body>Sign in</body></html>", "web page"),
    ("no_offense.csv", b"date,beat\n2019-01-01,111\n", "required field 'offense'"),
    ("two.zip", None, "load one CSV at a time"),
]


@pytest.mark.parametrize("name, payload, message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_refused_and_the_store_is_unchanged(loaded, tmp_path, name, payload, message):
    store, _ = loaded
    before = snapshot(store)
    path = tmp_path / name
    if payload is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.csv", "date,offense\n2019-01-01,X\n")
            archive.writestr("b.csv", "date,offense\n2019-01-01,Y\n")
    else:
        path.write_bytes(payload)
    with pytest.raises(InputError, match=message):
        ingest.load(store, "incidents", path)
    assert snapshot(store) == before


def test_a_mapping_naming_a_missing_column_is_refused(loaded, tmp_path):
    store, _ = loaded
    before = snapshot(store)
    with pytest.raises(InputError, match="no column 'Crime Type'.*Its columns are: case_no, occurred"):
        ingest.load(store, "incidents", write(tmp_path, "inc2.csv", INCIDENTS_CSV), maps={"offense": "Crime Type"})
    assert snapshot(store) == before


def test_a_file_over_the_size_limit_is_refused(loaded, tmp_path, monkeypatch):
    store, _ = loaded
    before = snapshot(store)
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", "1")
    big = "date,offense\n" + "2019-01-01,THEFT\n" * 80_000  # about 1.4 MB
    with pytest.raises(InputError, match="over the limit of 1 MB"):
        ingest.load(store, "incidents", write(tmp_path, "big.csv", big))
    assert snapshot(store) == before


def test_a_load_stopped_midway_leaves_nothing(loaded, tmp_path):
    """A load whose session ends while it writes (the callback raises) rolls back whole."""
    store, _ = loaded
    before = snapshot(store)

    def stop(fraction, text):
        if text == "Recording the load":
            raise KeyboardInterrupt("browser tab closed")

    more = INCIDENTS_CSV.replace("A1,", "B1,").replace("A2,", "B2,")
    with pytest.raises(KeyboardInterrupt):
        ingest.load(store, "incidents", write(tmp_path, "more.csv", more), progress=stop)
    assert snapshot(store) == before
    # And the store still takes the load afterwards.
    assert ingest.load(store, "incidents", write(tmp_path, "more.csv", more)).rows_loaded == 4


def test_a_boundary_load_stopped_midway_leaves_nothing(loaded, tmp_path):
    store, _ = loaded
    before = snapshot(store)

    def stop(fraction, text):
        if text == "Re-assigning stored points":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest.load(
            store, "boundaries", layer_file(tmp_path, BEATS.iloc[:1], "one.geojson"), level="beat", progress=stop
        )
    assert snapshot(store) == before


def test_boundaries_need_a_level_and_a_code_property(duck, tmp_path):
    path = layer_file(tmp_path, BEATS)
    with pytest.raises(InputError, match="--level"):
        ingest.load(duck, "boundaries", path)
    with pytest.raises(InputError, match="No property 'BEAT_ID'.*beat_num, district"):
        ingest.load(duck, "boundaries", path, level="beat", maps={"code": "BEAT_ID"})
    with pytest.raises(InputError, match="is not usable"):
        ingest.load(duck, "boundaries", path, level="Beat Layer!")
    assert duck.tables() == set()


def test_a_table_is_not_a_layer_and_a_layer_is_not_a_table(duck, tmp_path):
    with pytest.raises(InputError, match="not a GIS layer"):
        ingest.load(duck, "boundaries", write(tmp_path, "x.csv", INCIDENTS_CSV).with_suffix(".csv"), level="beat")
    with pytest.raises(InputError, match="holds polygons: load it as boundaries"):
        ingest.load(duck, "incidents", layer_file(tmp_path, BEATS))


def test_events_from_two_extractions_of_one_calendar_merge(any_store, tmp_path):
    first = (
        "district,start,title\n25,2017-12-28T18:30:00,2514 Beat Meeting\n"
        "3,2017-12-28T18:30:00,DAC Meeting\n9,2017-12-28T18:30:00,DAC Meeting\n"
    )
    second = (
        "id,name,start_time\nx/1,2514 Beat Meeting,2017-12-28 18:30\nx/2,DAC Meeting,2017-12-28 18:30\n"
        "x/3,DAC Meeting,2017-12-28 18:30\nx/4,Peer Jury,2018-01-04 17:00\n"
    )
    a = ingest.load(any_store, "events", write(tmp_path, "a.csv", first), dataset="calendar")
    b = ingest.load(any_store, "events", write(tmp_path, "b.csv", second), dataset="calendar")
    assert a.rows_loaded == 3, "the same title at the same time in two districts is two events"
    assert (b.rows_loaded, b.rows_duplicate) == (1, 3)


def test_scores_are_stored_long_with_their_level(any_store, tmp_path):
    text = (
        "CITY,DISTRICT,SAFETY,TRUST,START_DATE,END_DATE\n"
        "chicago,,60.1,58.2,04/01/2021,04/30/2021\nchicago,14,55.0,57.5,04/01/2021,04/30/2021\n"
        "chicago,14,55.0,57.5,04/01/2021,04/30/2021\n"
    )
    report = ingest.load(any_store, "scores", write(tmp_path, "s.csv", text))
    assert (report.rows_loaded, report.rows_merged) == (2, 1)
    rows = any_store.query("SELECT level, area, measure, value, period_days FROM survey_scores ORDER BY level, measure")
    assert rows.values.tolist() == [
        ["city", "CHICAGO", "SAFETY", 60.1, 30],
        ["city", "CHICAGO", "TRUST", 58.2, 30],
        ["district", "14", "SAFETY", 55.0, 30],
        ["district", "14", "TRUST", 57.5, 30],
    ]


def test_population_finds_its_level_from_the_boundaries(loaded, tmp_path):
    store, _ = loaded
    ingest.load(store, "population", write(tmp_path, "pop.csv", "beat,residents\n0111,5000\n0112,4000\n"))
    rows = store.query("SELECT level, area, population FROM population ORDER BY area")
    assert rows.values.tolist() == [["beat", "111", 5000.0], ["beat", "112", 4000.0]]


def test_the_embedded_crimes_sample_loads_whole(duck):
    report = ingest.load(duck, "incidents", EMBEDDED_DIR / "chicago_crimes_sample_2017_2019.parquet")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (25_000, 25_000, 0)
    assert report.mapping["offense"] == "primary_type"
