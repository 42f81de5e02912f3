"""Every request goes through dashboard.py's router, even a deep link to a freshly started server."""

import sys

import pytest

from tests.conftest import ROOT, screenshot, start_app, stop_app

PLAIN = (sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"))


def test_no_page_script_sits_directly_in_pages():
    # Streamlit would run such a script directly for the first deep link, bypassing the router.
    assert sorted(p.name for p in (ROOT / "pages").glob("*.py")) == []


@pytest.mark.parametrize("how", ["make run", "plain streamlit run"])
def test_a_deep_link_to_a_fresh_server_is_routed(embedded_db, tmp_path, page, how):
    command = ("-m", "lib", "serve") if how == "make run" else PLAIN[1:]
    proc, url = start_app(embedded_db, tmp_path, command=command)
    try:
        page.goto(f"{url}/about")  # the very first request this server sees
        page.get_by_text("About this dashboard").wait_for(timeout=60_000)
        nav = page.locator("[data-testid='stSidebarNav']")
        # The router's titles for a visitor, not the file names Streamlit would list on its own
        # (no navigation at all while About is the only public page installed).
        nav = nav.inner_text() if nav.count() else ""
        assert "about" not in nav and "map" not in nav.lower()
        if how == "make run":
            assert page.get_by_text("Page not found").count() == 0
            screenshot(page, "router_deep_link")
    finally:
        stop_app(proc)


def test_a_staff_deep_link_to_a_fresh_server_asks_for_sign_in(embedded_db, tmp_path, page):
    # Were the first request run outside the router, it would render the Map page with no sign-in.
    proc, url = start_app(embedded_db, tmp_path)
    try:
        page.goto(f"{url}/map?layers=areas")
        page.locator("h1", has_text="Staff sign-in").wait_for(timeout=60_000)
        page.get_by_role("button", name="Sign in").wait_for()
        assert page.get_by_text("Map explorer").count() == 0
    finally:
        stop_app(proc)
