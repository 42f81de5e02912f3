"""Real-browser checks: every page renders in Chromium with no exception; a file uploads and loads."""

import pytest

from lib.store import provenance
from lib.store.connection import connect
from tests.conftest import screenshot, sign_in, start_app, stop_app

# (URL path, screenshot name, signed in as): "" opens the visitor's home page, Transparency.
PAGES = [
    ("", "transparency", None),
    ("overview", "overview", "viewer"),
    ("accountability", "accountability", "viewer"),
    ("data", "data", "analyst"),
    ("about", "about", None),
]


def wait_for_app(page, timeout=60_000):
    page.wait_for_selector("h1", timeout=timeout)
    # Streamlit shows a "Running..." widget while the script runs, and skeletons until elements arrive.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout,
    )
    page.wait_for_timeout(1500)  # let charts draw before a screenshot


@pytest.mark.parametrize("path, name, role", PAGES)
def test_page_renders_in_chromium(served_app, page, path, name, role):
    if role is None:
        page.goto(f"{served_app}/{path}")
    else:
        sign_in(page, f"{served_app}/{path}", role)
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.content()
    shot = screenshot(page, f"page_{name}")
    assert shot.stat().st_size > 10_000


def test_overview_shows_headline_figures(served_app, page):
    sign_in(page, f"{served_app}/overview", "viewer")  # on the staff URL's sign-in form
    wait_for_app(page)
    page.get_by_text("Incidents, 2019", exact=True).wait_for()  # the dataset ends on 31 December: the whole year
    assert page.get_by_text("Period:").count() >= 3
    assert page.locator("[data-testid='stMetricValue']").count() >= 3


@pytest.fixture
def own_app(embedded_db, users_file, tmp_path):
    """A server of its own: loading files must not change what other browser tests see."""
    proc, url = start_app(embedded_db, tmp_path, env={"DASHBOARD_USERS_FILE": str(users_file)})
    yield url
    stop_app(proc)


def test_upload_check_and_load_a_file(own_app, page, tmp_path):
    served_app = own_app
    src = tmp_path / "precinct_shootings.csv"
    src.write_text(
        "INCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,PRECINCT,Latitude,Longitude\n"
        "501,2021-05-27,21:30:00,75,41.88,-87.63\n502,2021-05-28,01:10:00,75,41.89,-87.62\n"
        "503,not a date,01:10:00,75,41.89,-87.62\n"
    )
    sign_in(page, f"{served_app}/data", "analyst")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(src))
    page.get_by_text("Columns for each field").wait_for(timeout=60_000)
    # offense is missing in this export: give it one value for the whole file.
    box = page.get_by_role("textbox", name="or one value for offense")
    box.fill("Shooting")
    box.press("Enter")
    page.get_by_text("2 usable").wait_for(timeout=60_000)
    assert page.get_by_text("unusable occurred at 'not a date'").count() >= 1
    # The name public pages give the source: blank shows the one read from the file name.
    title = page.get_by_role("textbox", name="Source name on public pages")
    assert title.get_attribute("placeholder") == "Precinct shootings"
    title.fill("Example Police Department, Shooting incidents 2021")
    title.press("Enter")
    wait_for_app(page)
    screenshot(page, "data_upload_checked")
    page.get_by_role("button", name="Load into the store").click()
    page.get_by_text("Loaded 2 rows").wait_for(timeout=60_000)
    wait_for_app(page)
    screenshot(page, "data_upload_loaded")
    summary = page.locator("[data-testid='stCode']").inner_text()
    assert "precinct_shootings.csv -> incidents" in summary and "rejected                    1" in summary
    store = connect(str(tmp_path / "served.duckdb"), read_only=True)
    try:
        newest = provenance.loads(store, "incidents").iloc[0]
    finally:
        store.close()
    assert (newest["source_name"], newest["source_title"]) == (
        "precinct_shootings.csv",
        "Example Police Department, Shooting incidents 2021",
    )


def test_upload_a_boundary_layer(own_app, page, tmp_path):
    served_app = own_app
    import geopandas as gpd
    from shapely.geometry import box

    layer = gpd.GeoDataFrame(
        {"SECTOR_ID": ["S1", "S2"], "label": ["North", "South"]},
        geometry=[box(-87.7, 41.88, -87.6, 41.95), box(-87.7, 41.80, -87.6, 41.88)],
        crs=4326,
    )
    src = tmp_path / "sectors.geojson"
    layer.to_file(src, driver="GeoJSON")
    sign_in(page, f"{served_app}/data", "analyst")
    wait_for_app(page)
    page.get_by_role("combobox", name="What is in the file?").click()
    page.get_by_role("option", name="boundaries: Polygon layers").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(src))
    level = page.get_by_role("textbox", name="Boundary level name")
    level.wait_for(timeout=60_000)
    level.fill("sector")
    level.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Load into the store").click()
    page.get_by_text("Loaded 2 rows").wait_for(timeout=60_000)
    summary = page.locator("[data-testid='stCode']").inner_text()
    assert "level 'sector'" in summary
    screenshot(page, "data_upload_boundaries")
