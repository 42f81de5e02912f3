"""Sign-in in Chromium: a visitor asking for any staff URL gets a sign-in form and nothing of the page;
an analyst signs in through that form and the page opens, with the link's view."""

import pytest

from lib.app import access
from tests.browser.test_browser import wait_for_app
from tests.conftest import PASSWORD, ROOT, screenshot, sign_in

STAFF = [p for p in access.PAGES if not p.public and (ROOT / p.path).exists()]
# What reached a browser when a page's own content rendered: charts, maps, tables, metrics, uploads.
CONTENT = (
    "[data-testid='stPlotlyChart'], iframe, [data-testid='stDataFrame'], [data-testid='stMetric'], "
    "[data-testid='stFileUploader'], [data-testid='stSelectbox'], [data-testid='stTabs']"
)


def _nav(page) -> str:
    """The sidebar navigation's text ("" when Streamlit shows none: a single visible page)."""
    nav = page.locator("[data-testid='stSidebarNav']")
    return nav.inner_text() if nav.count() else ""


@pytest.mark.parametrize("spec", STAFF, ids=lambda s: s.url_path)
def test_a_visitor_gets_no_staff_page_by_url(served_app, page, spec):
    page.goto(f"{served_app}/{spec.url_path}?dataset=Chicago+crimes+(3%25+sample)&layers=points&role=admin")
    wait_for_app(page)
    assert page.locator("h1").all_inner_texts() == [f"{spec.title}: staff only"]
    assert page.locator("[data-testid='stMain']").get_by_role("button", name="Sign in").count() == 1
    assert page.locator(CONTENT).count() == 0, "a chart, map, table or widget of the page reached the visitor"
    assert page.locator("[data-testid='stException']").count() == 0
    nav = _nav(page)
    assert not any(p.title in nav for p in STAFF)
    if spec.url_path == "map":
        screenshot(page, "signin_form_on_a_staff_url")


def test_the_public_navigation_and_the_analyst_navigation(served_app, page):
    page.goto(served_app)
    wait_for_app(page)
    visitor = _nav(page)
    # "/" opens the visitor's home page under its own address, which a shared link can use.
    assert page.url.split("?")[0] == f"{served_app}/{access.default_page(access.pages_for(None), None).url_path}"
    public = [p.title for p in access.pages_for(None)]
    assert len(public) == 1 or all(title in visitor for title in public)
    page.get_by_text("Staff sign-in").click()
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign in").wait_for()
    page.wait_for_timeout(800)  # the expander's opening animation
    screenshot(page, "signin_navigation_visitor")
    assert not any(p.title in visitor for p in STAFF)

    sign_in(page, served_app, "analyst")
    wait_for_app(page)
    analyst = _nav(page)
    screenshot(page, "signin_navigation_analyst")
    expected = [p.title for p in access.pages_for("analyst")]
    assert all(title in analyst for title in expected)
    assert "Users" not in analyst  # admin only
    assert page.locator("h1").first.inner_text() == "Community policing at a glance"
    assert page.url.split("?")[0] == f"{served_app}/overview"


def test_an_analyst_signs_in_on_a_map_link_and_the_map_opens(served_app, page):
    link = f"{served_app}/map?layers=areas&level=district"
    page.goto(link)
    wait_for_app(page)
    form = page.locator("[data-testid='stMain'] [data-testid='stForm']")
    form.get_by_label("Name").fill("analyst")
    form.get_by_label("Password", exact=True).fill(PASSWORD + "x")
    form.get_by_role("button", name="Sign in").click()
    page.get_by_text("Wrong name or password").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator("h1").all_inner_texts() == ["Map: staff only"]
    screenshot(page, "signin_wrong_password")

    form.get_by_label("Name").fill("analyst")
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    page.get_by_text("Map explorer", exact=True).wait_for(timeout=90_000)
    wait_for_app(page)
    assert page.url.startswith(f"{served_app}/map?") and "level=district" in page.url
    assert "Signed in as analyst" in page.locator("[data-testid='stSidebar']").inner_text()
    page.locator("iframe").first.wait_for(timeout=60_000)  # the map
    screenshot(page, "signin_analyst_on_the_map")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("Map: staff only").wait_for(timeout=60_000)
    wait_for_app(page)  # the map's elements leave the page when the run ends
    page.wait_for_function(f"() => document.querySelectorAll({CONTENT!r}).length === 0", timeout=30_000)
