"""Text from data is text on the public surfaces: the static site, its files and its CSV downloads.

The store is the embedded one with hostile strings (tests/hostile_data.py): two districts named
``<img src=x onerror=alert(1)>`` and ``<script>alert(2)</script>``, and upcoming events whose titles and
venues start like spreadsheet formulas. The site published from it must show those strings as written,
run none of them (Chromium, with a dialog handler that fails the test), and write no CSV cell that a
spreadsheet would run.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import re
import threading
from pathlib import Path

import pytest

from lib.public import publish
from lib.store.connection import connect
from lib.store.text import FORMULA_START
from tests import hostile_data

NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@pytest.fixture(scope="module")
def hostile(embedded_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "store.duckdb"
    return path, hostile_data.make(embedded_db, path)


@pytest.fixture(scope="module")
def site(hostile, tmp_path_factory) -> Path:
    path, _ = hostile
    out = tmp_path_factory.mktemp("hostile_site") / "site"
    store = connect(str(path), read_only=True)
    try:
        publish.publish(store, out, level="district")
    finally:
        store.close()
    return out


def _csv_cells(site: Path):
    for path in sorted(site.rglob("*.csv")):
        for row in csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")):
            for cell in row:
                yield path.relative_to(site).as_posix(), cell


def test_no_published_csv_cell_runs_as_a_formula(site):
    cells = list(_csv_cells(site))
    assert len(cells) > 1000
    running = [(f, c) for f, c in cells if c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)]
    assert running == [], running[:10]
    # The hostile titles and venues are there, each with its apostrophe; negative numbers stay numbers.
    written = {c for _, c in cells}
    for text in hostile_data.FORMULAS + hostile_data.VENUES:
        assert "'" + text in written, text
    negatives = [c for c in written if NUMBER.fullmatch(c) and c.startswith("-")]
    assert negatives, "the site has negative numbers (changes against last year)"
    assert not [c for c in written if c.startswith("'") and NUMBER.fullmatch(c[1:])]


def test_area_names_reach_the_pages_only_escaped(site):
    for page in ("index.html", "es/index.html"):
        html = (site / page).read_text("utf-8")
        for name in hostile_data.NAMES:
            assert name not in html, page
        # The area picker lists them as text, and the page's JSON island holds no "<" at all.
        assert "(&lt;img src=x onerror=alert(1)&gt;)</option>" in html
        island = html.split('<script id="site-config" type="application/json">', 1)[1].split("</script>", 1)[0]
        assert "<" not in island and json.loads(island)["lang"] in ("en", "es")
    # The data files carry the names as JSON strings, for site.js to insert as text.
    areas = json.loads((site / "data" / "en" / "areas.json").read_text("utf-8"))
    labels = [r[areas["columns"].index("label")] for r in areas["rows"]]
    assert any(hostile_data.IMG in label for label in labels) and any(hostile_data.SCRIPT in label for label in labels)


def test_site_js_draws_data_as_text_only():
    """Every way site.js puts data on the page is a text node; innerHTML only ever empties a node."""
    js = (publish.TEMPLATES / "site.js").read_text("utf-8")
    assert re.findall(r"innerHTML\s*=\s*([^;]+);", js) == ['""'] * js.count("innerHTML")
    assert "bindTooltip(el(" in js and "bindTooltip(text" not in js
    assert "insertAdjacentHTML" not in js and "outerHTML" not in js and "document.write" not in js


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_no_script_runs_from_a_name_in_the_browser(browser, served, hostile):
    _, info = hostile
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served + "/")
    page.wait_for_function("document.getElementById('status').hidden", timeout=60_000)
    # Every area outline's tooltip, opened as a pointer would open it.
    paths = page.locator("#map path.leaflet-interactive")
    tips = []
    for i in range(min(paths.count(), 60)):
        paths.nth(i).dispatch_event("mouseover")
        tip = page.locator(".leaflet-tooltip")
        if tip.count():
            tips.append(tip.last.text_content())
    assert any(hostile_data.IMG in t for t in tips) and any(hostile_data.SCRIPT in t for t in tips), tips
    # The bar chart of areas names them in its labels, as text.
    assert hostile_data.IMG in page.locator("#fig-crime_by_area .js-plotly-plot").text_content()
    # An area's own view: its name in the heading, the title and the figures.
    page.goto(served + f"/?area={info['codes'][0]}")
    page.wait_for_function("document.getElementById('status').hidden", timeout=60_000)
    assert hostile_data.IMG in page.locator("#scope").text_content()
    assert hostile_data.IMG in page.title()
    page.wait_for_timeout(500)
    assert (
        page.evaluate("document.querySelectorAll('img[src=\"x\"], main script, .leaflet-tooltip script').length") == 0
    )
    assert dialogs == []
    context.close()
