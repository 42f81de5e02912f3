"""Bounds: bombs, giant lines, damaged archives and nested GeoJSON properties are refused or handled, never a traceback."""

from __future__ import annotations

import gzip
import json
import zipfile

import pytest

from lib import cli
from lib.ingest import load as ingest
from lib.ingest.readers import InputError, read_table


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setenv("DASHBOARD_MAX_UPLOAD_MB", "2")


def test_a_gzip_that_expands_past_the_limit_is_refused(tmp_path, small_limit):
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as fh:  # ~20 KB on disk, 5 MB expanded
        fh.write(b"date,offense\n" + b"2020-01-01,THEFT\n" * 300_000)
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="expands to more than 2 MB.*DASHBOARD_MAX_UPLOAD_MB"):
        read_table(path)


def test_a_zip_member_past_the_limit_is_refused(tmp_path, small_limit):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", b"date,offense\n" + b"2020-01-01,THEFT\n" * 300_000)
    with pytest.raises(InputError, match="expands to more than 2 MB"):
        read_table(path)


def test_damaged_archives_are_refused_with_a_message(tmp_path):
    whole = gzip.compress(
        b"date,offense\n" + b"".join(b"2020-01-%02d,THEFT %d\n" % (i % 28 + 1, i) for i in range(20_000))
    )
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="gzip file is damaged"):
        read_table(cut)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(InputError, match="zip file is damaged"):
        read_table(broken)


def test_a_giant_line_is_refused(tmp_path, capsys):
    path = tmp_path / "one_line.csv"
    path.write_text("date,offense\n2020-01-01," + "x" * 3_000_000 + "\n2020-01-02,THEFT\n")
    assert cli.main(["load", "incidents", str(path), "--db", str(tmp_path / "s.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "million characters" in err and "Traceback" not in err


def test_boundaries_with_list_and_object_properties_load(duck, tmp_path):
    def square(x):
        return {
            "type": "Polygon",
            "coordinates": [[[x, 41.87], [x + 0.02, 41.87], [x + 0.02, 41.89], [x, 41.89], [x, 41.87]]],
        }

    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"tags": ["north", "lake"], "meta": {"source": "gis"}, "label": "Alpha", "code": "A1"},
                "geometry": square(-87.64),
            },
            {
                "type": "Feature",
                "properties": {"tags": [], "meta": {"source": "gis"}, "label": "Beta", "code": "A2"},
                "geometry": square(-87.62),
            },
        ],
    }
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(layer))
    report = ingest.load(duck, "boundaries", path, level="zone")
    assert report.mapping == {"code": "code", "name": "label"}
    assert any("tags, meta" in m for m in report.messages)
    with pytest.raises(InputError, match="'tags' holds lists or objects"):
        ingest.load(duck, "boundaries", path, level="zone", maps={"code": "tags"})
