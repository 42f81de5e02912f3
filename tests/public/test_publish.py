"""The static publication (`python -m lib publish`): privacy of every file, and the site in a real browser.

The site is published once per module, through the command line, from the
embedded Chicago store; the browser tests serve it with a plain static file
server (no app, no database) and block every request that leaves it.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from lib.public import figures as public_figures
from lib.public import i18n, privacy, publish
from lib.store.connection import connect
from tests.conftest import ROOT, screenshot
from tests.privacy_scan import Scanner
from tests.publish_scan import scan, sensitive_incidents

CHANNELS = "https://example.org/complaints?x=1&y=2"  # the department's channels, as the setting gives them
AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1" / "axe.min.js"  # vendored with the public page's tests


# -- the published site -----------------------------------------------------------------


@pytest.fixture(scope="module")
def store_path(embedded_db, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("publish_store") / "store.duckdb"
    shutil.copy(embedded_db, path)
    return path


@pytest.fixture(scope="module")
def site(store_path, tmp_path_factory):
    """The site as `python -m lib publish --out DIR --db DB` writes it; yields (DIR, stdout, stderr)."""
    out = tmp_path_factory.mktemp("published") / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "lib", "publish", "--out", str(out), "--db", str(store_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "DASHBOARD_COMPLAINTS_URL": CHANNELS},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def store(store_path, site):
    s = connect(str(store_path), read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def manifest(site):
    return json.loads((site[0] / "manifest.json").read_text())


def test_publish_command_reports_progress_and_summary(site, manifest):
    out, stdout, stderr = site
    assert "[" in stderr and "%]" in stderr  # progress lines
    assert "Published" in stdout and "files" in stdout and "MB" in stdout and " s." in stdout
    assert "python -m http.server -d" in stdout
    # Both languages, one page each, the vendored scripts (no CDN) and the manifest listing every file.
    for rel in (
        "index.html",
        "es/index.html",
        "assets/plotly.min.js",
        "assets/leaflet/leaflet.js",
        "assets/site.js",
        "assets/site.css",
        "assets/plotly.min.js.gz",
        "data/en/areas.json",
        "data/es/areas.json",
        "data/en/provenance.json",
        "data/outlines.json",
        "data/streets.json",
    ):
        assert (out / rel).is_file(), rel
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == set(manifest["files"])
    assert manifest["rules"]["min_count"] == privacy.Rules.from_settings().min_count
    assert manifest["sources"] and manifest["generated"]
    # Every area of the level has its figures, in each language.
    n_areas = manifest["areas"]
    assert n_areas > 0
    for lang in i18n.LANGS:
        assert len(list((out / "data" / lang / "area").iterdir())) == n_areas
        assert (out / "data" / lang / "city" / "crime_trend.json").is_file()


def _rule_ranges(text: str, rules) -> str:
    """Texts that state the rule ("Months with 1 to 4 incidents show 'fewer than 5'") name no count."""
    return re.sub(rf"\b1 (to|a) {rules.min_count - 1}\b", "1 to N", text)


def test_published_site_reveals_nothing_the_rules_forbid(site, store, manifest):
    """Every file of the site, through the public page's scanner and the site's own (tests/publish_scan.py)."""
    rules = privacy.Rules.from_settings()
    assert len(sensitive_incidents(store, manifest["dataset"])) > 100  # the sample has sensitive incidents
    shared = Scanner(store, rules)
    files = sorted(p for p in site[0].rglob("*") if p.is_file())
    assert len(files) > 400
    for path in files:
        rel = path.relative_to(site[0]).as_posix()
        if path.suffix == ".gz":  # a compressed copy of a file scanned here
            assert gzip.decompress(path.read_bytes()) == path.with_suffix("").read_bytes(), rel
            continue
        if path.suffix == ".csv":
            shared.csv(path.read_bytes(), rel)
        else:
            shared.text(_rule_ranges(path.read_text("utf-8", errors="replace"), rules), rel)
    assert not shared.findings, shared.report()
    findings = scan(site[0], store, manifest["dataset"], rules)
    assert findings == [], "\n".join(findings[:30])


def test_scanner_catches_each_kind_of_leak(site, store, manifest, tmp_path):
    """The scan above can fail: plant each forbidden thing in a copy of the site and it is reported."""
    copy = tmp_path / "site"
    shutil.copytree(site[0], copy)
    block, lat, lon = next(r for r in sensitive_incidents(store, manifest["dataset"]) if r[0] and r[1])
    trend = copy / "data" / "en" / "city" / "crime_trend.json"
    doc = json.loads(trend.read_text())
    count_col = next(c for c in doc["columns"] if f"{c}_suppressed" in doc["columns"])
    doc["rows"][0][doc["columns"].index(count_col)] = 3
    doc["note"] = f"near {block}"
    doc["where"] = {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
    trend.write_text(json.dumps(doc))
    (copy / "data" / "en" / "city" / "extra.csv").write_text("cell,count\n8b2664c1a4b1fff,12\n")
    findings = "\n".join(scan(copy, store, manifest["dataset"], privacy.Rules.from_settings()))
    assert f"count {count_col} = 3" in findings
    assert f"block of a sensitive incident {block.upper()!r}" in findings
    assert "coordinates of a sensitive incident" in findings
    assert "is not an outline or allowed H3 vertex" in findings
    assert "finer than resolution" in findings


def _release_cells(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "release.csv", dtype={"area": str, "value": "Int64", "hidden": str}).fillna({"hidden": ""})


def test_every_crime_count_of_the_site_is_a_release_cell(site, store, manifest):
    """The city trend and every area's trend are the release's month cells, hidden where it hides them."""
    out = site[0]
    cells = _release_cells(out)
    months = cells[(cells["period_start"].str.len() == 10) & (cells["category"] == "all")]
    months = months[months["period_end"].str[:7] == months["period_start"].str[:7]]  # one-month periods
    key = {(r.level, r.area, r.period_start): (r.value, r.hidden) for r in months.itertuples()}
    level = manifest["level"]
    checked = 0
    for scope, (lvl, area) in [("city", ("city", "city"))] + [
        (f"area/{p.name}", (level, p.name)) for p in sorted((out / "data" / "en" / "area").iterdir())[:40]
    ]:
        doc = json.loads((out / "data" / "en" / scope / "crime_trend.json").read_text())
        cols = doc["columns"]
        year = int(doc["labels"]["this_year"])
        for row in doc["rows"]:
            month = row[cols.index("month")]
            for col, y in (("this_year", year), ("last_year", year - 1)):
                hidden = row[cols.index(f"{col}_hidden")]
                value = row[cols.index(col)]
                cell = key.get((lvl, area, f"{y}-{month:02d}-01"))
                if cell is None:  # after the last complete month, or before the data
                    assert value is None and hidden in ("", "missing")
                    continue
                checked += 1
                assert hidden == cell[1], (scope, col, month)
                if not hidden:
                    assert value == cell[0], (scope, col, month)
    assert checked > 400  # the city and 22 districts, 20 months each, less the months before the data
    # The year-to-date table of the areas: each count the release's ytd cell.
    doc = json.loads((out / "data" / "en" / "city" / "crime_by_area.json").read_text())
    cols = doc["columns"]
    ytd = cells[
        (cells["level"] == level) & (cells["category"] == "all") & (cells["period_start"].str.endswith("-01-01"))
    ]
    for row in doc["rows"]:
        code, value, hidden = row[cols.index("code")], row[cols.index("incidents")], row[cols.index("incidents_hidden")]
        match = ytd[(ytd["area"] == code) & (ytd["hidden"] == hidden)]
        assert len(match) >= 1, code
        if not hidden:
            assert value in set(match["value"].dropna().astype(int)), code


def test_the_release_is_linked_from_the_page_with_its_check(site):
    out = site[0]
    html = (out / "index.html").read_text()
    assert 'href="release.csv"' in html and 'href="areas.csv"' in html
    assert "no hidden count can be narrowed to fewer than 3 possible values" in html
    es = (out / "es" / "index.html").read_text()
    assert 'href="../release.csv"' in es and "Todas las cifras en un archivo" in es
    cells = _release_cells(out)
    shown = cells[cells["hidden"] == ""]["value"].dropna()
    assert not shown.between(1, 4).any()
    areas = pd.read_csv(out / "areas.csv", dtype=str)
    assert {"level", "area", "name", "parent_level", "parent_area"} <= set(areas.columns)


def test_the_page_links_the_departments_complaint_channels_in_both_languages(site):
    out = site[0]
    for path, words in (
        ("index.html", "To make a complaint or to commend an officer"),
        ("es/index.html", "Para presentar una queja o felicitar a un agente"),
    ):
        html = (out / path).read_text()
        section = html[html.index('id="section-complaints"') :]
        section = section[: section.index("</section>")]
        assert words in section
        assert '<a href="https://example.org/complaints?x=1&amp;y=2" rel="external">' in section  # escaped


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "The department has not given an address for complaints and commendations."),
        ("es", "El departamento no ha indicado una dirección para quejas y reconocimientos."),
    ],
)
def test_without_the_setting_the_page_says_no_address_was_given(monkeypatch, lang, words):
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    monkeypatch.delenv("DASHBOARD_COMPLAINTS_URL", raising=False)
    env = Environment(loader=FileSystemLoader(publish.TEMPLATES), autoescape=select_autoescape(["html"]))
    areas = pd.DataFrame({"code": ["11"], "label": ["District 11"]})
    html = publish._page(env, lang, "", areas, "district", "x", privacy.Rules(), {}, None)
    section = html[html.index('id="section-complaints"') :]
    assert words in section[: section.index("</section>")] and "<a href" not in section[: section.index("</section>")]


def test_each_district_page_has_its_complaint_figures_from_the_release(site, store):
    from lib.public import complaints

    out = site[0]
    rel = complaints.passed(store, complaints.COMPLAINTS, "Chicago complaints", privacy.Rules())
    c = rel.cells
    for lang in ("en", "es"):
        said = set()
        for code in sorted(set(c[c.level == "district"]["area"]) - {"none"}):
            for key, measure in (
                ("complaints_by_category", complaints.RECEIVED),
                ("complaint_findings", complaints.ALLEGATIONS),
            ):
                doc = json.loads((out / "data" / lang / "area" / code / f"{key}.json").read_text())
                assert doc["title"].endswith(("District " if lang == "en" else "Distrito ") + code)
                frame = pd.DataFrame(doc["rows"], columns=doc["columns"])
                mine = c[(c.measure == measure) & (c.level == "district") & (c.area == code) & (c.category != "all")]
                mine = mine[mine.period.isin(["year", "ytd"])]
                assert len(frame) == len(mine)
                want = sorted((-1 if h else int(v), h) for v, h in zip(mine["value"], mine["hidden"]))
                got = sorted((-1 if pd.isna(v) else int(v), h) for v, h in zip(frame["n"], frame["n_hidden"]))
                assert got == want, (lang, code, key)
                assert not frame["n"].dropna().between(1, 4).any()
                said |= set(frame["n_hidden"])
                csv = (out / "data" / lang / "area" / code / f"{key}.csv").read_text()
                assert csv.splitlines()[0].split(",") == doc["columns"]
        assert "small" in said and "complementary" in said, lang


def test_publish_refuses_a_release_that_failed_its_audit(store_path, tmp_path, monkeypatch):
    """A pinned hidden count: exit with the audit's reason, the previous site untouched."""
    from lib.public import release

    store = connect(str(store_path), read_only=True)
    out = tmp_path / "site"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "index.html").write_text("previous")
    real = release.ensure

    def failed(*args, **kwargs):
        rel = real(*args, **kwargs)
        return dataclasses.replace(rel, audit={**rel.audit, "passed": False, "pinned_count": 1, "pinned": [(0, 2, 2)]})

    monkeypatch.setattr(release, "ensure", failed)
    with pytest.raises(publish.PublishError, match="pins 1 hidden count"):
        publish.publish(store, out)
    assert (out / "index.html").read_text() == "previous"
    store.close()


def test_every_table_is_written_through_the_privacy_guard(store_path, tmp_path, monkeypatch):
    """A figure with a forbidden column stops the publication, and the site published before stays whole."""
    store = connect(str(store_path), read_only=True)
    out = tmp_path / "site"
    out.mkdir()
    (out / "manifest.json").write_text("{}")  # a previous publication
    (out / "index.html").write_text("previous")
    real = public_figures.crime_trend

    def leaky(*args, **kwargs):
        fig = real(*args, **kwargs)
        fig.frame = fig.frame.assign(latitude=41.88)
        return fig

    monkeypatch.setattr(public_figures, "crime_trend", leaky)
    with pytest.raises(privacy.PrivacyError):
        publish.publish(store, out)
    assert (out / "index.html").read_text() == "previous"
    assert not any(p.name.startswith(".site.") for p in tmp_path.iterdir())  # no half-built folder left
    store.close()


def test_postgresql_store_publishes_the_same_site(pg, site, tmp_path):
    """The same figures from a PostgreSQL store: every data file equal, but the load records' times."""
    from lib.ingest import embedded

    embedded.build(pg)
    out = tmp_path / "site_pg"
    publish.publish(pg, out)
    ours = {p.relative_to(out).as_posix() for p in (out / "data").rglob("*") if p.is_file()}
    theirs = {p.relative_to(site[0]).as_posix() for p in (site[0] / "data").rglob("*") if p.is_file()}
    assert ours == theirs
    differ = [rel for rel in sorted(ours) if (out / rel).read_bytes() != (site[0] / rel).read_bytes()]
    assert all("provenance" in rel for rel in differ), differ[:10]


def test_site_writer_refuses_frames_outside_the_guard(tmp_path):
    writer = publish.SiteWriter(tmp_path)
    with pytest.raises(TypeError, match="public_table"):
        writer.json("data/x.json", {"table": pd.DataFrame({"count": [3]})})
    with pytest.raises(privacy.PrivacyError):
        writer.table("data/x", pd.DataFrame({"block": ["017XX W HOWARD ST"], "incidents": [12]}))
    assert not (tmp_path / "data" / "x.csv").exists()


def test_site_text_has_every_language_with_the_same_placeholders():
    from lib.public import site_text

    for key, entry in site_text.TEXT.items():
        assert set(entry) == set(i18n.LANGS), key
        fields = {lang: set(re.findall(r"\{(\w+)\}", text)) for lang, text in entry.items()}
        assert all(f == fields["en"] for f in fields.values()), key
        assert all(text.strip() for text in entry.values()), key


def test_read_cache_answers_once_and_hands_out_copies(store_path):
    inner = connect(str(store_path), read_only=True)
    cache = publish.ReadCache(inner)
    sql = "SELECT level, count(*) AS n FROM boundaries GROUP BY level ORDER BY level"
    first = cache.query(sql)
    first["n"] = -1  # a caller adding to what it read (as some figures do) ...
    assert (cache.query(sql)["n"] > 0).all()  # ... does not change what the next caller reads
    assert len(cache._memo) == 1
    assert cache.scalar("SELECT count(*) FROM boundaries") == inner.scalar("SELECT count(*) FROM boundaries")
    with pytest.raises(RuntimeError, match="only reads"):
        cache.execute("DELETE FROM boundaries")
    inner.close()


@pytest.mark.parametrize(
    "block, street",
    [
        ("017XX W HOWARD ST", "W HOWARD ST"),
        ("0000X N STATE ST", "N STATE ST"),
        ("  100XX  s  ewing  ave ", "S EWING AVE"),
        ("046XX N BROADWAY", "N BROADWAY"),
        ("", None),
        (None, None),
        ("012XX", None),
    ],
)
def test_street_name_drops_the_hundred_block(block, street):
    assert publish.street_name(block) == street


def test_street_index_lists_streets_with_enough_public_incidents(store, manifest):
    rules = privacy.Rules.from_settings()
    index = publish.street_index(store, manifest["dataset"], manifest["level"], rules)
    assert list(index.columns) == ["street", "code"] and len(index) > 100
    assert not index["street"].str.contains(r"\d+XX", regex=True).any()
    # Recount from the raw rows: every (street, area) listed has at least min_count public incidents.
    col = f"lvl_{manifest['level']}"
    raw = store.query(
        f'SELECT block, "{col}" AS code FROM incidents WHERE dataset = :d AND block IS NOT NULL '
        f"AND NOT ({privacy.sensitive_sql()})",
        {"d": manifest["dataset"]},
    )
    raw["street"] = raw["block"].map(publish.street_name)
    counts = raw.groupby(["street", "code"]).size()
    assert (counts.reindex(pd.MultiIndex.from_frame(index)) >= rules.min_count).all()
    # A street with too few incidents in an area is left out there.
    thin = counts[counts < rules.min_count].index
    assert len(thin) and not set(thin) & set(map(tuple, index.itertuples(index=False)))


def test_publish_refuses_an_empty_store_and_a_foreign_folder(tmp_path):
    empty = tmp_path / "empty.duckdb"
    connect(str(empty)).close()
    run = functools.partial(subprocess.run, cwd=ROOT, capture_output=True, text=True, timeout=300)
    proc = run([sys.executable, "-m", "lib", "publish", "--out", str(tmp_path / "site"), "--db", str(empty)])
    assert proc.returncode == 2 and "nothing to publish" in proc.stderr
    assert not (tmp_path / "site").exists()
    proc = run(
        [
            sys.executable,
            "-m",
            "lib",
            "publish",
            "--out",
            str(tmp_path / "site"),
            "--db",
            str(tmp_path / "missing.duckdb"),
        ]
    )
    assert proc.returncode == 2 and "python -m lib setup" in proc.stderr
    assert not (tmp_path / "missing.duckdb").exists()
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me")
    with pytest.raises(publish.PublishError, match="not a published site"):
        publish.publish(connect(str(empty)), mine)
    assert (mine / "letter.txt").read_text() == "keep me"


# -- in a browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(site):
    """The published folder behind a plain static file server; yields its URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            # A page closed while a script was still downloading resets the connection: not a failure.
            if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site[0])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _open(browser, url, width=1280, height=900):
    """A page at ``url`` that may only reach the local server; returns (page, problems)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems: list[str] = []
    local = url.split("/", 3)[:3]
    base = "/".join(local)

    def route(r):
        if r.request.url.startswith(base) or r.request.url.startswith("data:"):
            return r.continue_()
        problems.append(f"outside request: {r.request.url}")
        return r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.goto(url)
    page.wait_for_selector("#fig-crime_trend h3", timeout=30000)
    page.wait_for_function("document.getElementById('status').hidden", timeout=30000)
    return page, problems


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_site_draws_charts_and_map_offline(browser, served):
    page, problems = _open(browser, served + "/")
    assert page.locator(".js-plotly-plot").count() >= 2  # crime by area, crime trend, events ...
    assert page.locator("#map path.leaflet-interactive").count() > 10  # area outlines and hot spot cells
    assert page.locator("#map-legend li").count() >= 3
    assert page.locator("html").get_attribute("lang") == "en"
    # Each chart has its one-sentence summary as its accessible name, and a table.
    for section in page.locator(".figure:has(.js-plotly-plot)").all():
        assert section.locator(".chart").get_attribute("aria-label")
        assert section.locator("table").count() == 1
    # The download links give the figure's own table: the CSV has the JSON's columns and rows.
    links = page.locator("#fig-crime_trend .downloads a")
    csv_text = page.request.get(served + "/" + links.nth(0).get_attribute("href")).text()
    doc = page.request.get(served + "/" + links.nth(1).get_attribute("href")).json()
    assert csv_text.splitlines()[0].split(",") == doc["columns"] and len(csv_text.splitlines()) == len(doc["rows"]) + 1
    assert links.nth(0).get_attribute("download") == "crime_trend_city_en.csv"
    assert problems == []
    screenshot(page, "publish_city_desktop")
    page.context.close()


def test_area_picker_changes_the_figures_and_the_url(browser, served):
    page, problems = _open(browser, served + "/")
    city = page.locator("#fig-crime_trend table").text_content()
    code = page.locator("#area-select option").nth(3).get_attribute("value")
    name = page.locator("#area-select option").nth(3).inner_text()
    page.select_option("#area-select", code)
    page.click("#area-submit")
    page.wait_for_function(f"new URLSearchParams(location.search).get('area') === {json.dumps(code)}")
    page.wait_for_function(f"document.getElementById('scope').textContent.includes({json.dumps(name)})")
    page.wait_for_function("document.getElementById('status').hidden")
    assert page.locator("#fig-crime_trend table").text_content() != city
    assert page.locator("#fig-crime_by_area").count() == 0  # a city-only figure ...
    assert page.locator("#headline .metric").count() == 3  # ... whose row heads the area's page
    # The link reopens the view, and the language switch keeps the area.
    assert f"area={code}" in page.locator("a.lang-link").get_attribute("href")
    page.goto(page.url)
    page.wait_for_function("document.getElementById('status').hidden")
    assert page.locator("#area-select").input_value() == code
    assert problems == []
    page.context.close()


def test_street_search_finds_areas_without_blocks(browser, served, store, manifest):
    page, problems = _open(browser, served + "/")
    index = publish.street_index(store, manifest["dataset"], manifest["level"], privacy.Rules.from_settings())
    street, codes = next((s, list(g["code"])) for s, g in index.groupby("street") if len(g) == 1)
    page.fill("#street-input", f"1234 {street.title()}")
    page.press("#street-input", "Enter")
    link = page.locator("#street-results a").first
    link.wait_for()
    assert page.locator("#street-results a").count() == 1
    link.click()
    page.wait_for_function(f"new URLSearchParams(location.search).get('area') === {json.dumps(codes[0])}")
    page.fill("#street-input", "Nowhere Lane That Does Not Exist")
    page.press("#street-input", "Enter")
    page.wait_for_function("document.getElementById('street-results').textContent.length > 10")
    assert page.locator("#street-results a").count() == 0
    assert problems == []
    page.context.close()


def test_spanish_page_in_spanish(browser, served):
    page, problems = _open(browser, served + "/es/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == i18n.t("page.title", "es") != i18n.t("page.title", "en")
    assert page.locator("#find-heading").inner_text() == i18n.t("search.header", "es")
    assert page.locator("#section-crime-h").inner_text() == i18n.t("section.crime", "es")
    table = page.locator("#fig-crime_by_area table").text_content()
    assert i18n.t("privacy.suppressed", "es") in table or i18n.t("privacy.hidden", "es") in table
    es_title = page.locator("#fig-crime_trend h3").inner_text()
    page_en, _ = _open(browser, served + "/")
    assert es_title != page_en.locator("#fig-crime_trend h3").inner_text()
    page_en.context.close()
    assert problems == []
    screenshot(page, "publish_city_es_desktop")
    page.context.close()


@pytest.mark.parametrize("path, width", [("/", 1280), ("/es/", 1280), ("/?area=AREA", 390), ("/es/", 390)])
def test_axe_finds_no_serious_violations(browser, served, site, path, width):
    if "AREA" in path:
        areas = json.loads((site[0] / "data" / "en" / "areas.json").read_text())
        path = path.replace("AREA", str(areas["rows"][0][areas["columns"].index("code")]))
    page, problems = _open(browser, served + path, width=width)
    page.locator("details.table-details").first.evaluate("d => d.open = true")
    assert _axe(page) == []
    assert problems == []
    page.context.close()


def test_phone_width_has_no_sideways_scrolling(browser, served):
    page, problems = _open(browser, served + "/", width=390, height=844)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#map").bounding_box()
    assert box["width"] <= 390 and box["height"] >= 250
    assert page.locator(".js-plotly-plot").first.bounding_box()["width"] <= 390
    screenshot(page, "publish_city_phone")
    page.goto(served + "/es/")
    page.wait_for_function("document.getElementById('status').hidden")
    screenshot(page, "publish_city_es_phone")
    assert problems == []
    page.context.close()


def test_without_javascript_the_city_figures_are_in_words(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "/es/")
    items = page.locator("noscript li")
    assert items.count() >= 5
    assert i18n.t("trend.title", "es") in items.first.inner_text()
    assert page.locator("noscript a").first.get_attribute("href").startswith("../data/es/city/")
    context.close()


def test_keyboard_reaches_the_skip_link_and_the_controls(browser, served):
    page, problems = _open(browser, served + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.focus("#area-select")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "area-submit"
    page.keyboard.press("Enter")
    page.wait_for_function("new URLSearchParams(location.search).has('area')")
    assert problems == []
    page.context.close()
