"""The Map page in Chromium: every layer draws (with a screenshot each), clicks open panels, pans do not rerun."""

import time

import pytest

from tests.browser.test_browser import wait_for_app
from tests.conftest import screenshot, sign_in

SAMPLE = "Chicago+crimes+(3%25+sample)"

# (screenshot name, URL query, legend title that must show, what the layer must have drawn)
LAYERS = [
    ("areas_count", "layers=areas&level=beat", "Incidents by beat", "path.leaflet-interactive"),
    ("areas_change", "layers=areas&measure=change", "Change against last year by district", "path.leaflet-interactive"),
    ("heat", "layers=heat", "Incidents per km² (kernel density)", "img.leaflet-image-layer"),
    ("hotspots", "layers=hotspots", "Hot spots: Getis-Ord Gi*", "path.leaflet-interactive"),
    (
        "emerging",
        "layers=emerging&res=8&from=2017-01-01&to=2019-12-31",
        "Emerging hot spots",
        "path.leaflet-interactive",
    ),
    ("events_stations", "layers=events,stations&from=2017-01-01&to=2017-12-31", "Community events", ".marker-cluster"),
    (
        "trust",
        "layers=trust&from=2018-01-01&to=2018-12-31",
        "Trust score (mean answer x 10)",
        "path.leaflet-interactive",
    ),
    (
        "points",
        f"dataset={SAMPLE}&layers=points&level=beat&areas=1121,1122&from=2017-01-01&to=2019-09-29",
        "Incident locations",
        ".marker-cluster",
    ),
]


def map_frame(page, timeout=60):
    """The map's frame once Leaflet has drawn it and its legend."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".map-legend") or frame.query_selector(".leaflet-control-layers"):
                    return frame
            except Exception:  # a frame navigating away
                pass
        time.sleep(0.2)
    raise AssertionError("the map did not draw")


@pytest.mark.parametrize("name, query, legend, drawn", LAYERS, ids=[row[0] for row in LAYERS])
def test_each_layer_draws_with_its_legend(served_app, page, name, query, legend, drawn):
    sign_in(page, f"{served_app}/map?{query}", "viewer")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_selector(drawn, timeout=30_000)
    assert legend in frame.locator(".map-legend").inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    page.wait_for_timeout(500)
    assert screenshot(page, f"map_{name}").stat().st_size > 20_000


def test_clicking_an_area_opens_its_panel(served_app, page):
    sign_in(page, f"{served_app}/map?layers=areas&level=district", "viewer")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_selector("path.leaflet-interactive")
    # A point that lies inside one district's polygon (its bounding box centre, checked by hit-testing).
    # Waited for: the frame takes its full height a moment after the layers are drawn.
    point = frame.wait_for_function(
        """() => {
        for (const el of document.querySelectorAll('path.leaflet-interactive')) {
            const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (document.elementFromPoint(x, y) === el) return [x, y];
        }
        return null; }""",
        timeout=30_000,
    ).json_value()
    box = page.locator("iframe").first.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url("**panel=*", timeout=30_000)
    wait_for_app(page)
    page.get_by_text("CompStat as of").wait_for(timeout=30_000)
    page.get_by_text("Weekly incidents, 52 weeks to").first.wait_for(timeout=30_000)  # drawn after the table
    screenshot(page, "map_area_panel")


def test_a_filter_change_redraws_the_layers_in_place_and_panning_does_not_rerun(served_app, page):
    sign_in(page, f"{served_app}/map?layers=hotspots", "viewer")
    wait_for_app(page)
    frame = map_frame(page)
    frame.wait_for_selector("path.leaflet-interactive")
    before = frame.locator(".map-legend").inner_text()
    # Mark the map's frame element and its Leaflet container: a remounted map would come without the marks.
    page.locator("iframe").first.evaluate("el => { el.__mark = 'kept'; }")
    frame.evaluate("() => { document.querySelector('.leaflet-container').__mark = 'kept'; }")
    # Watch for the "running" indicator while the map is dragged and zoomed.
    page.evaluate("""() => { window.__reruns = 0;
        new MutationObserver(() => { if (document.querySelector('[data-testid="stStatusWidget"]')) window.__reruns++; })
            .observe(document.body, {childList: true, subtree: true}); }""")
    box = page.locator("iframe").first.bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 350, box["y"] + 380, steps=8)
    page.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(2500)
    assert page.evaluate("window.__reruns") == 0
    assert "days=" not in page.url
    view = "() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }"
    panned = frame.evaluate(view)
    hexagons = frame.locator("path.leaflet-interactive").count()

    page.get_by_role("button", name="Mon", exact=True).click()
    page.wait_for_url("**days=mon*", timeout=30_000)
    deadline = time.time() + 60
    after = before
    while time.time() < deadline and after == before:
        time.sleep(0.2)
        after = frame.locator(".map-legend").inner_text(timeout=5_000)
    assert after != before  # the legend follows the new layer (fewer incidents, other hexagon counts)
    assert frame.locator(".map-legend").count() == 1  # the old legend went with its layer
    assert page.locator("iframe").first.evaluate("el => el.__mark") == "kept"  # the same frame element
    assert frame.evaluate("() => document.querySelector('.leaflet-container').__mark") == "kept"
    assert frame.evaluate(view) == panned  # pan and zoom kept
    assert frame.locator("path.leaflet-interactive").count() != hexagons  # the hexagons were redrawn
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "map_filtered_monday")

    # Back to every day (a filter seen before: its layer comes from the cache): the first picture again.
    page.get_by_role("button", name="Mon", exact=True).click()
    page.wait_for_url(lambda url: "days=" not in url, timeout=60_000)
    deadline = time.time() + 60
    again = after
    while time.time() < deadline and again != before:
        time.sleep(0.2)
        again = frame.locator(".map-legend").inner_text(timeout=5_000)
    assert again == before
    assert frame.locator("path.leaflet-interactive").count() == hexagons
    assert frame.locator(".map-legend").count() == 1
    assert frame.evaluate(view) == panned
    assert page.locator("[data-testid='stException']").count() == 0


def test_typing_an_area_code_and_enter_picks_that_area(served_app, page):
    # Streamlit's default fuzzy match took "11" for every district name with two 1s in it, and Enter
    # picked its "Select 11 matches" entry: eleven districts instead of one.
    sign_in(page, f"{served_app}/map?layers=areas", "viewer")
    wait_for_app(page)
    box = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(has_text="Areas (district)")
    box.locator("input").click()
    box.locator("input").type("11")
    page.locator("[role='option']").first.wait_for()
    assert not [o for o in page.locator("[role='option']").all_inner_texts() if o.startswith("Select")]
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URL(location.href).searchParams.get('areas') !== null", timeout=60_000)
    wait_for_app(page)
    assert page.evaluate("new URL(location.href).searchParams.get('areas')") == "11"
