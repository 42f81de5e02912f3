"""Text from data is text in the app: the Transparency page and a staff page over hostile names and titles.

The store is tests/hostile_data.py's: districts named ``<img src=x onerror=alert(1)>``,
``<script>alert(2)</script>`` and ``=HYPERLINK(...)``, upcoming events whose titles and venues start like
formulas. Markdown shows them escaped (never as markup), and every CSV the pages offer, public or
staff, has no cell a spreadsheet would run.
"""

from __future__ import annotations

import csv
import io
import re
import shutil

import pytest

from lib.store.text import FORMULA_START
from tests import hostile_data

NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@pytest.fixture
def app_env(embedded_db, users_file, tmp_path, monkeypatch):
    """conftest's app_env, on the hostile copy of the embedded store (run_page uses it)."""
    path = tmp_path / "app.duckdb"
    hostile_data.make(embedded_db, path)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    monkeypatch.setenv("DASHBOARD_USERS_FILE", str(users_file))
    from lib.app import cached

    cached._open.clear()
    import streamlit as st

    st.cache_data.clear()
    yield path
    cached._open.clear()
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.fixture
def downloads(monkeypatch):
    """Every file a page offers: public buttons as Streamlit stores them, staff ones as their click makes them."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from lib.app import widgets

    files = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    staff = widgets.staff_download

    def staff_capture(label, make, file_name, mime, key, **kw):
        if mime == "text/csv":
            files[file_name] = make()  # what the click would build
        return staff(label, make, file_name, mime, key, **kw)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    monkeypatch.setattr(widgets, "staff_download", staff_capture)
    return files


def _cells(data: bytes):
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) for c in row]


def _running(data: bytes) -> list[str]:
    return [c for c in _cells(data) if c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)]


def _markdown(at) -> list[str]:
    return [x.value for x in (*at.markdown, *at.caption, *at.header, *at.subheader, *at.success)]


def test_transparency_page_shows_hostile_names_as_text(run_page, downloads):
    at = run_page(level="district", area="11")
    assert not at.exception, [e.value for e in at.exception]
    texts = _markdown(at)
    # The chosen area's name reaches the page's markdown only escaped: "\<img src=x onerror=alert(1)\>".
    escaped = r"\<img src=x onerror=alert(1)\>"
    assert any(escaped in t for t in texts), texts[:12]
    assert not any(hostile_data.IMG in t or hostile_data.SCRIPT in t for t in texts)
    # Downloads: every CSV the page offers has no cell that runs, and the names are kept as written.
    csvs = {name: data for name, data in downloads.items() if name and name.endswith(".csv")}
    assert csvs, "the page offers CSV downloads"
    for name, data in csvs.items():
        assert _running(data) == [], name
    where = next(data for name, data in csvs.items() if name.startswith("engagement_by_area"))
    cells = _cells(where)
    assert any(hostile_data.IMG in c for c in cells) and any(hostile_data.SCRIPT in c for c in cells)


def test_transparency_chart_labels_are_escaped_for_plotly(run_page):
    import json

    at = run_page(level="district")
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    labels = [str(y) for spec in specs for trace in spec["data"] for y in (trace.get("y") or []) if isinstance(y, str)]
    assert any("&lt;img src=x onerror=alert(1)&gt;" in y for y in labels), labels[:20]
    assert not any("<img" in y or "<script" in y for y in labels)


def test_staff_downloads_neutralise_formulas_from_names(run_page, downloads):
    at = run_page("pages/staff/engagement.py", eng_level="district", eng_view="By area")
    assert not at.exception, [e.value for e in at.exception]
    data = downloads["events_by_district.csv"]
    cells = _cells(data)
    assert "'" + hostile_data.FORMULA_NAME in cells  # the district's name, with its apostrophe
    assert hostile_data.IMG in cells  # HTML is text in a CSV: kept as written
    assert _running(data) == []
    assert any(NUMBER.fullmatch(c) for c in cells) and not any(
        c.startswith("'") and NUMBER.fullmatch(c[1:]) for c in cells
    )
