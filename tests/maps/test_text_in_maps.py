"""Leaflet maps of the app (lib/maps/draw.py, lib/public/map.py) draw names and titles as text, in Chromium.

The maps are rendered as the streamlit-folium component receives them and served with the app's vendored
Leaflet at the same relative place (``../../app/static/vendor``), so no Streamlit is needed to open them.
"""

from __future__ import annotations

import functools
import http.server
import threading

import pandas as pd
import pytest

from lib.maps import draw
from lib.public import figures as public_figures
from lib.public import map as public_map
from lib.store.connection import connect
from lib.store.text import html_text
from tests import hostile_data
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def hostile_store(embedded_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile_maps") / "store.duckdb"
    info = hostile_data.make(embedded_db, path)
    store = connect(str(path), read_only=True)
    yield store, info
    store.close()


def _maps(store, info) -> dict[str, str]:
    """The staff areas and events layers and the public hot spot map, as HTML pages."""
    fc = public_map.outlines(store, "district")
    for f in fc["features"]:
        f["properties"].update({"incidents": 7, "signal": "no clear change"})
    staff = draw.new_map(draw.outline_bounds(fc), tiles="none")
    legends = [draw.add_areas(staff, fc, "count", "district", "2019")]
    now = pd.Timestamp.now()
    events = pd.DataFrame(
        {
            "title": list(hostile_data.NAMES + hostile_data.FORMULAS),
            "type": [hostile_data.SCRIPT] * (len(hostile_data.NAMES) + len(hostile_data.FORMULAS)),
            "starts_at": now,
            "latitude": 41.88,
            "longitude": -87.63,
            "placed": "own location",
        }
    )
    legends.append(draw.add_events(staff, events, "this week"))
    draw.finish(staff, legends)
    hot = public_figures.hotspots(store, info["dataset"], "en", res=8)
    public = public_map.build(hot, fc, "District", "en", tiles="none")
    return {"staff": staff.get_root().render(), "public": public_map.html(public)}


def test_tooltips_are_built_with_text_content(hostile_store):
    pages = _maps(*hostile_store)
    for name, html in pages.items():
        assert "innerHTML=table" not in html.replace(" ", ""), name  # folium's own GeoJsonTooltip
        assert ".textContent = " in html, name
        for hostile in hostile_data.NAMES:
            assert hostile not in html, name  # nowhere raw: JSON data escapes "<", tooltips are escaped
    # The events' tooltips (HTML by design: bold type, line breaks) hold the titles and types escaped.
    assert html_text(hostile_data.SCRIPT) in pages["staff"] and html_text(hostile_data.IMG) in pages["staff"]


@pytest.fixture(scope="module")
def served_maps(hostile_store, tmp_path_factory):
    root = tmp_path_factory.mktemp("maps_site")
    (root / "app" / "static").mkdir(parents=True)
    (root / "app" / "static" / "vendor").symlink_to(ROOT / "static" / "vendor")
    for name, html in _maps(*hostile_store).items():
        (root / "component" / name).mkdir(parents=True)
        (root / "component" / name / "index.html").write_text(html, "utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("name", ["staff", "public"])
def test_no_script_runs_from_a_map_tooltip(browser, served_maps, name):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{served_maps}/component/{name}/index.html")
    page.wait_for_selector("path.leaflet-interactive", timeout=30_000)
    tips = []
    paths = page.locator("path.leaflet-interactive")
    for i in range(paths.count()):
        paths.nth(i).dispatch_event("mouseover")
        tip = page.locator(".leaflet-tooltip")
        if tip.count():
            tips.append(tip.last.text_content())
        paths.nth(i).dispatch_event("mouseout")
    assert tips, "the tooltips opened"
    if name == "staff":  # the names, as written, in the areas' tooltips
        for hostile in hostile_data.NAMES:
            assert any(hostile in t for t in tips), (hostile, tips[:5])
    page.wait_for_timeout(300)
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], .leaflet-tooltip script').length") == 0
    assert dialogs == []
    context.close()
