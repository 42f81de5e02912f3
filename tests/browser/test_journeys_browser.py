"""Three staff journeys in Chromium, each from the first open to the answer the user came for (issue 15).

A commander finds a district's hot spots and its panel on the Map and shares the link; a presenter builds
a district's deck for this year to date and downloads it as PDF and PowerPoint; a records clerk loads a
new department's export and sees it offered on the public page, while a file without dates loads nothing.
Each journey keeps screenshots under tests/artifacts/ (journey_*.png).
"""

import io
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from lib.app import access
from tests.browser.test_browser import wait_for_app
from tests.browser.test_map_browser import map_frame
from tests.conftest import ARTIFACTS, screenshot, sign_in, start_app, stop_app

SLOW = 300_000  # ms: a release's audit, a deck's charts or Gi* on two shared cores


def _tall_screenshot(page, name: str):
    """The whole page (Streamlit scrolls inside its main block: grow the window to its height), then back."""
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 80, 8_000)})
    page.wait_for_timeout(1000)
    path = screenshot(page, name)
    page.set_viewport_size(size)
    return path


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# ---- 1. The commander: a district's hot spots and its panel, and a link that reopens them.

# A point inside the polygon of the area ``code`` (an area layer feature, not a hexagon) that a click reaches:
# sampled over the polygon's box and hit-tested, since hot spot hexagons lie over parts of it.
_AREA_POINT = """(code) => {
    const paths = [];
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.code !== undefined && !('cell' in p) && l._path) paths.push([String(p.code), l._path]);
    });
    paths.sort((a, b) => (b[0] === code) - (a[0] === code));
    for (const [c, el] of paths) {
        const r = el.getBoundingClientRect();
        for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
            const x = r.left + r.width * i / 12, y = r.top + r.height * j / 12;
            if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue;
            if (document.elementFromPoint(x, y) === el) return [c, x, y];
        }
    }
    return null; }"""


def _incidents_in_district(dataset: str, first: str, last: str, code: str) -> int:
    """Incidents of an embedded dataset from ``first`` to ``last`` (inclusive) whose point lies in district ``code``."""
    import gzip

    import geopandas as gpd

    from lib.ingest import embedded

    src = next(s for s in embedded.SOURCES if s.dataset == dataset)
    layer = next(s for s in embedded.SOURCES if s.kind == "boundaries" and s.level == "district")
    raw = pd.read_parquet(embedded.EMBEDDED_DIR / src.file)
    when = pd.to_datetime(raw["date"])
    raw = raw[(when >= pd.Timestamp(first)) & (when < pd.Timestamp(last) + pd.Timedelta(days=1))]
    with gzip.open(embedded.EMBEDDED_DIR / layer.file) as f:
        districts = gpd.read_file(f).to_crs(4326)
    district = districts[districts["dist_num"].astype(str) == code]
    points = gpd.GeoDataFrame(raw, geometry=gpd.points_from_xy(raw["longitude"], raw["latitude"]), crs=4326)
    return int(points.within(district.union_all()).sum())


def _open_map(page):
    wait_for_app(page, SLOW)
    frame = map_frame(page, timeout=SLOW / 1000)
    frame.wait_for_selector("path.leaflet-interactive", timeout=SLOW)
    return frame


def test_a_commander_finds_a_districts_hot_spots_and_its_panel_and_shares_the_link(served_app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, served_app, "viewer")
        wait_for_app(page, SLOW)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Map").click()
        page.get_by_role("heading", name="Map explorer").wait_for(timeout=SLOW)
        _open_map(page)

        # The district by its number, typed into the sidebar's area box and taken with Enter.
        box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(
            has_text="Areas (district)"
        )
        box.locator("input").click()
        box.locator("input").type("11")
        page.locator("[role='option']").first.wait_for()
        page.keyboard.press("Enter")
        page.wait_for_function("() => new URL(location.href).searchParams.get('areas') === '11'", timeout=SLOW)
        page.keyboard.press("Escape")
        frame = _open_map(page)
        caption = page.locator("[data-testid='stCaptionContainer']").filter(has_text="incidents (").first
        caption.wait_for(timeout=SLOW)
        words = caption.inner_text()
        head = re.match(
            r"(.+?), (\w{3} \d+, \d{4}) to (\w{3} \d+, \d{4}), .*district 11: ([\d,]+) incidents \(([\d,]+)", words
        )
        assert head, words
        dataset, first, last, total, located = head.groups()
        # The district's count, recomputed from the embedded file: its points inside district 11's polygon.
        assert int(total.replace(",", "")) == _incidents_in_district(dataset, first, last, "11")
        # The hot spot layer is drawn (hexagons) with its legend's confidence bins.
        legend = frame.locator(".map-legend").inner_text()
        assert "Hot spots: Getis-Ord Gi*" in legend, legend
        assert "hexagons of" in legend and "FDR-corrected" in legend, legend
        # The legend counts the incidents in the analysed hexagons; the rest are accounted for under the map.
        analysed = int(re.search(r"([\d,]+) incidents; FDR", legend).group(1).replace(",", ""))
        note = page.locator("[data-testid='stCaptionContainer']").filter(has_text="Hot spots (Gi*)")
        left_out = re.search(r"([\d,]+) incidents lie in hexagons", note.inner_text()) if note.count() else None
        assert analysed + (int(left_out.group(1).replace(",", "")) if left_out else 0) == int(located.replace(",", ""))
        assert page.locator("[data-testid='stException']").count() == 0
        screenshot(page, "journey_commander_district_hotspots")

        # A click on the district opens its panel: CompStat counts and the period they cover.
        point = frame.wait_for_function(_AREA_POINT, arg="11", timeout=60_000).json_value()
        code, x, y = point
        iframe = page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
        page.mouse.click(iframe["x"] + x, iframe["y"] + y)
        page.wait_for_url(f"**panel={code}*", timeout=SLOW)
        wait_for_app(page, SLOW)
        heading = page.get_by_text(re.compile(r"CompStat as of \w{3} \d{1,2}, \d{4}"))
        heading.wait_for(timeout=SLOW)
        assert f"({code})" in heading.inner_text() or f"District {code}" in heading.inner_text()
        panel = page.locator("[data-testid='stDataFrame']").first
        panel.wait_for(timeout=SLOW)
        page.get_by_text("Weekly incidents, 52 weeks to").first.wait_for(timeout=SLOW)
        page.get_by_text("Top offense groups").wait_for(timeout=SLOW)
        page.wait_for_timeout(1500)
        heading.scroll_into_view_if_needed()
        page.locator("[data-testid='stMain']").evaluate("el => el.scrollBy(0, -80)")
        page.wait_for_timeout(500)
        screenshot(page, "journey_commander_panel")
        shared = page.url
        query = _query(shared)
        assert (query.get("areas"), query.get("panel")) == ("11", code)
        assert "hotspots" in query.get("layers", "")
    finally:
        context.close()

    # The link, opened by a colleague in a browser of their own: the same district, layers and panel.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, shared, "viewer")
        frame = _open_map(page)
        assert "Hot spots: Getis-Ord Gi*" in frame.locator(".map-legend").inner_text()
        box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(
            has_text="Areas (district)"
        )
        assert "11" in box.inner_text()
        page.get_by_text(re.compile(r"CompStat as of")).wait_for(timeout=SLOW)
        for key in ("areas", "panel", "layers", "from", "to"):
            assert _query(page.url).get(key) == query.get(key), key
        wait_for_app(page, SLOW)
        screenshot(page, "journey_commander_link_reopened")
    finally:
        context.close()


# ---- 2. The presenter: a district's deck for this year to date, as PDF and PowerPoint.

PUBLIC_URL = "https://www.example.gov/policing/transparency"


@pytest.fixture
def presenter_app(embedded_db, users_file, tmp_path):
    """A server whose department has set its public address (DASHBOARD_PUBLIC_URL)."""
    env = {"DASHBOARD_USERS_FILE": str(users_file), "DASHBOARD_PUBLIC_URL": PUBLIC_URL}
    proc, url = start_app(embedded_db, tmp_path, env=env)
    yield url
    stop_app(proc)


def _pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the select box labelled ``label`` by typing it, as a keyboard user does."""
    name = page.locator("label").filter(has_text=re.compile(rf"^{re.escape(label)}$"))
    box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").filter(has=name)
    box.locator("input").click()
    box.locator("input").type(option)
    page.locator("[role='option']").filter(has_text=re.compile(rf"^{re.escape(option)}$")).first.click()


def _download(page, label: str) -> bytes:
    with page.expect_download(timeout=SLOW) as info:
        page.get_by_role("button", name=label).click()
    with open(info.value.path(), "rb") as f:
        return f.read()


def _pdf_pages(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def _pdf_page_png(data: bytes, index: int, name: str) -> None:
    """Keep one page of the PDF as a PNG beside the screenshots, to look at."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf[index].render(scale=1.5).to_pil().save(ARTIFACTS / f"{name}.png")
    finally:
        pdf.close()


def _pptx_slides(data: bytes) -> list[str]:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    return ["\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in deck.slides]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_a_presenter_builds_a_districts_deck_and_downloads_it_as_pdf_and_powerpoint(presenter_app, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, presenter_app, "viewer")
        wait_for_app(page, SLOW)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Presenter").click()
        page.get_by_role("heading", name="Presenter").wait_for(timeout=SLOW)
        wait_for_app(page, SLOW)
        _pick(page, "Areas", "District")
        wait_for_app(page, SLOW)
        _pick(page, "Area", "District 11")
        page.wait_for_function("() => new URL(location.href).searchParams.get('deck_area') === '11'", timeout=SLOW)
        # The slides below are those of the district chosen, not the first district's left from the last run.
        page.get_by_text(re.compile(r"^1\. Community policing: District 11$")).wait_for(timeout=SLOW)
        wait_for_app(page, SLOW)
        # This year to date: from 1 January of the year the "To" date is in.
        dates = page.locator("[data-testid='stDateInput']")
        start = dates.filter(has_text="From").locator("input").input_value()
        end = dates.filter(has_text="To (inclusive)").locator("input").input_value()
        assert start == f"{end[:4]}-01-01", (start, end)
        # The closing slide's address is the department's public one, not this laptop's.
        assert page.get_by_role("textbox", name="Public page address (closing slide)").input_value() == PUBLIC_URL

        status = page.get_by_text(re.compile(r"\d+ of \d+ slides shown")).inner_text()
        shown = int(re.search(r"(\d+) of \d+ slides shown", status).group(1))
        # The crime slide's row: its title and, under it, its message with the period's figures (the release's
        # cells: a count may read "fewer than 5" or "not shown").
        row = page.locator("[data-testid='stColumn']").filter(
            has_text=re.compile(r"\d+\. Crime compared with last year")
        )
        crime_message = row.last.locator("[data-testid='stCaptionContainer']").inner_text()
        assert re.search(r"(\d[\d,]* incidents|fewer than 5 incidents|not shown)", crime_message), crime_message
        assert "(hidden)" not in row.last.inner_text()
        # A district's months are large counts, shown as they are: recomputed from the embedded file, this year
        # to date and the same months last year.
        dataset = _query(page.url)["deck_dataset"]
        counts = [int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b(?!%)", crime_message)]
        last_year = f"{int(end[:4]) - 1}{end[4:]}"
        assert counts[0] == _incidents_in_district(dataset, start, end, "11"), crime_message
        assert counts[-1] == _incidents_in_district(dataset, f"{int(start[:4]) - 1}-01-01", last_year, "11"), (
            crime_message
        )
        assert page.locator("[data-testid='stException']").count() == 0
        _tall_screenshot(page, "journey_presenter_deck")

        pdf = _download(page, "PDF")
        assert pdf.startswith(b"%PDF")
        pdf_pages = _pdf_pages(pdf)
        assert len(pdf_pages) == shown  # one page per slide shown
        pptx = _download(page, "PowerPoint")
        assert zipfile.is_zipfile(io.BytesIO(pptx))
        slides = _pptx_slides(pptx)
        assert len(slides) == shown
        # The crime slide says the same in the page, the PDF and the PowerPoint; the closing slide gives the address.
        message = _squash(crime_message)
        assert any(message in _squash(p) for p in pdf_pages), message
        _pdf_page_png(
            pdf, next(i for i, p in enumerate(pdf_pages) if message in _squash(p)), "journey_presenter_pdf_crime"
        )
        _pdf_page_png(pdf, len(pdf_pages) - 1, "journey_presenter_pdf_closing")
        assert any(message in _squash(s) for s in slides), message
        assert PUBLIC_URL in _squash(pdf_pages[-1]) and PUBLIC_URL in _squash(slides[-1])
    finally:
        context.close()


# ---- 3. The records clerk: a new department's export, loaded and offered to the public; a bad file loads nothing.

DATASET = "Lakeview Township incidents"
TITLE = "Lakeview Township Police Department, Calls for service 2019"


@pytest.fixture
def clerk_app(embedded_db, users_file, tmp_path):
    """A server of its own: the loads must not change what other browser tests see."""
    proc, url = start_app(embedded_db, tmp_path, env={"DASHBOARD_USERS_FILE": str(users_file)})
    yield url, tmp_path / "served.duckdb"
    stop_app(proc)


def _export(n: int = 400, seed: int = 15) -> pd.DataFrame:
    """A made-up department's export: its own column names, US dates, points inside the city's districts."""
    rng = np.random.default_rng(seed)
    hours = rng.integers(0, 300 * 24, n)
    return pd.DataFrame(
        {
            "Rpt No": [f"LT-{i:05d}" for i in range(n)],
            "When Happened": (pd.Timestamp("2019-01-01") + pd.to_timedelta(hours, unit="h")).strftime("%m/%d/%Y %H:%M"),
            "Nature Of Call": rng.choice(["THEFT", "BATTERY", "BURGLARY", "CRIMINAL DAMAGE"], n),
            "Geo Y": rng.uniform(41.75, 41.95, n).round(5),
            "Geo X": rng.uniform(-87.72, -87.62, n).round(5),
        }
    )


def _map_column(page, field: str, column: str) -> None:
    """Pick the file's ``column`` for ``field`` under "Columns for each field"."""
    label = page.locator("label").filter(has_text=re.compile(rf"^{re.escape(field)}( \(required\))?$"))
    box = page.locator("[data-testid='stMultiSelect']").filter(has=label)
    box.locator("input").click()
    box.locator("input").type(column)
    page.locator("[role='option']").filter(has_text=column).first.click()
    page.keyboard.press("Escape")
    wait_for_app(page, SLOW)


def _fill(page, label: str, value: str) -> None:
    box = page.get_by_role("textbox", name=label)
    box.fill(value)
    box.press("Enter")
    wait_for_app(page, SLOW)


def _loads(db) -> pd.DataFrame:
    from lib.store import provenance
    from lib.store.connection import connect

    store = connect(str(db), read_only=True)
    try:
        return provenance.loads(store)
    finally:
        store.close()


def test_a_records_clerk_loads_a_new_departments_export_and_the_public_page_offers_it(clerk_app, browser, tmp_path):
    url, db = clerk_app
    export = _export()
    good = tmp_path / "lakeview_township_cfs_2019.csv"
    export.to_csv(good, index=False)
    # What the clerk should see loaded, recomputed from the file: rows with a readable date and an offense.
    when = pd.to_datetime(export["When Happened"], format="%m/%d/%Y %H:%M", errors="coerce")
    expected = int((when.notna() & export["Nature Of Call"].notna()).sum())
    bad = tmp_path / "lakeview_township_no_dates.csv"
    export.drop(columns=["When Happened"]).to_csv(bad, index=False)

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, url, "analyst")
        wait_for_app(page, SLOW)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Data").click()
        page.get_by_role("heading", name="Load data").wait_for(timeout=SLOW)
        wait_for_app(page, SLOW)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(good))
        page.get_by_text("Columns for each field").wait_for(timeout=SLOW)
        wait_for_app(page, SLOW)
        # The export's own names: the page asks for the date and the coordinates; the offense it found itself.
        for field, column in (
            ("incident_id", "Rpt No"),
            ("occurred_at", "When Happened"),
            ("latitude", "Geo Y"),
            ("longitude", "Geo X"),
        ):
            _map_column(page, field, column)
        _fill(page, "Dataset name", DATASET)
        _fill(page, "Source name on public pages", TITLE)
        page.get_by_text(f"{expected:,} usable").wait_for(timeout=SLOW)
        _tall_screenshot(page, "journey_clerk_mapped")
        before = len(_loads(db))

        page.get_by_role("button", name="Load into the store").click()
        page.get_by_text(f"Loaded {expected:,} rows").wait_for(timeout=SLOW)
        release = page.get_by_text(re.compile(rf"Release of '{re.escape(DATASET)}': [\d,]+ cells"))
        release.wait_for(timeout=SLOW)
        line = release.inner_text()
        assert "attacker's audit passed" in line, line
        assert int(re.search(r"([\d,]+) cells", line).group(1).replace(",", "")) > 0
        wait_for_app(page, SLOW)
        summary = page.locator("[data-testid='stCode']").inner_text()
        assert f"{good.name} -> incidents" in summary
        assert f"period             {when.min():%Y-%m-%d} to {when.max():%Y-%m-%d}" in summary, summary
        _tall_screenshot(page, "journey_clerk_loaded")
        loads = _loads(db)
        assert len(loads) == before + 1
        assert loads.iloc[0]["dataset"] == DATASET and int(loads.iloc[0]["rows_loaded"]) == expected

        # A file without its date column: a clear message, and nothing loaded.
        page.get_by_role("button", name=f"Remove {good.name}").click()
        wait_for_app(page, SLOW)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
        page.locator(f"[data-testid='stFileChipName'][title='{bad.name}']").wait_for(timeout=SLOW)
        wait_for_app(page, SLOW)
        error = page.locator("[data-testid='stAlert']").filter(has_text="Nothing was loaded")
        error.wait_for(timeout=SLOW)
        assert re.search(r"date|occurred", error.inner_text(), re.I), error.inner_text()
        assert page.get_by_role("button", name="Load into the store").count() == 0
        _tall_screenshot(page, "journey_clerk_bad_file")
        assert len(_loads(db)) == len(loads)
    finally:
        context.close()

    # A resident, in a browser of their own, finds the new department's figures offered on the public page.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{url}/{access.default_page(access.pages_for(None), None).url_path}")
        wait_for_app(page, SLOW)
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="Crime data").first
        box.click()
        options = page.locator("[role='option']").all_inner_texts()
        assert DATASET in options, options
        page.locator("[role='option']").filter(has_text=DATASET).click()
        page.wait_for_function(
            "(d) => new URL(location.href).searchParams.get('dataset') === d", arg=DATASET, timeout=SLOW
        )
        wait_for_app(page, SLOW)
        assert page.locator("[data-testid='stException']").count() == 0
        text = page.locator("[data-testid='stMain']").inner_text()
        assert TITLE in text
        # The citywide count, recomputed from the file: whole months up to the last one complete before the
        # publication lag (7 days before the newest report), all large enough to be shown.
        cutoff = when.max().normalize() - pd.Timedelta(days=7)
        last = (cutoff + pd.Timedelta(days=1)).replace(day=1) - pd.Timedelta(days=1)
        public = int((when < last + pd.Timedelta(days=1)).sum())
        assert f"Crime figures run to {last.day} {last:%B %Y}" in text
        assert f"In the whole city, {public:,} incidents were reported from January to {last:%B %Y}" in text, text
        _tall_screenshot(page, "journey_clerk_transparency")
    finally:
        context.close()
