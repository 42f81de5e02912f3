"""JSON inputs as portals' APIs give them: an array of records, JSON Lines, GeoJSON points."""

from __future__ import annotations

import gzip
import json

import pytest

from lib.ingest import load as ingest
from lib.ingest.readers import InputError, read_table


def test_an_array_of_records_loads_as_incidents(duck, tmp_path):
    records = [
        {
            "case_number": "JA1",
            "date": "2023-04-01T10:00:00.000",
            "primary_type": "THEFT",
            "beat": "0111",
            "latitude": "41.88",
            "longitude": "-87.63",
            "location": {"type": "Point", "coordinates": [-87.63, 41.88]},
        },
        {
            "case_number": "JA2",
            "date": "2023-04-02T11:30:00.000",
            "primary_type": "BATTERY",
            "beat": "0112",
            "latitude": None,
            "longitude": None,
        },
    ]
    path = tmp_path / "api.json"
    path.write_text(json.dumps(records))
    report = ingest.load(duck, "incidents", path)
    assert report.format == "JSON (array of records)"
    assert (report.rows_loaded, report.rows_not_geocoded) == (2, 1)
    assert report.mapping["offense"] == "primary_type" and report.mapping["incident_id"] == "case_number"


def test_json_lines_load_as_events_and_a_bad_line_is_named(duck, tmp_path):
    lines = [
        {"title": "Beat 111 meeting", "start": "2023-05-01 18:00", "location": "Library"},
        {"title": "Coffee with a Cop", "start": "2023-05-03 09:00", "location": "Cafe"},
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    assert ingest.load(duck, "events", path).rows_loaded == 2
    path.write_text(json.dumps(lines[0]) + "\n{not json\n")
    with pytest.raises(InputError, match="malformed at line 2"):
        read_table(path)


def test_geojson_points_load_as_stations_with_their_coordinates(duck, tmp_path):
    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "District 1", "district": "1"},
                "geometry": {"type": "Point", "coordinates": [-87.627, 41.858]},
            },
            {
                "type": "Feature",
                "properties": {"name": "District 2", "district": "2"},
                "geometry": {"type": "Point", "coordinates": [-87.619, 41.802]},
            },
        ],
    }
    path = tmp_path / "stations.geojson.gz"
    path.write_bytes(gzip.compress(json.dumps(layer).encode()))
    report = ingest.load(duck, "stations", path)
    assert report.format == "GeoJSON points, gzip" and report.rows_not_geocoded == 0
    stored = duck.query("SELECT name, latitude, longitude FROM stations ORDER BY name")
    assert stored.values.tolist() == [["District 1", 41.858, -87.627], ["District 2", 41.802, -87.619]]


def test_json_that_is_no_table_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}'
    )
    with pytest.raises(InputError, match="load it as boundaries"):
        read_table(path)
    path.write_text("[1, 2, 3]")
    with pytest.raises(InputError, match="not of records"):
        read_table(path)
    path.write_text('[{"a": 1}, ')
    with pytest.raises(InputError, match="malformed at line 1"):
        read_table(path)
