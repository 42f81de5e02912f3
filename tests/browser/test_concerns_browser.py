"""The public "You said, we did" list in Chromium: the approved concern of the area, in a table, nothing else."""

import shutil

from lib.engagement import concerns
from lib.store.connection import connect
from tests.browser.test_browser import wait_for_app
from tests.conftest import screenshot, start_app, stop_app


def test_the_public_page_shows_the_approved_concern_of_the_area(embedded_db, page, tmp_path):
    path = tmp_path / "concerns.duckdb"
    shutil.copy(embedded_db, path)
    store = connect(str(path))
    said = "Mr Okafor at 4410 W Madison: cars speed past the school"
    a = concerns.raise_concern(store, concerns.Concern("2019-03-04", "beat", "1133", "traffic", said), "Sgt. Ruiz")
    concerns.update(store, a, "done", "Officer Diaz asked CDOT for speed humps", "2019-05-20", "Lt. Boyd")
    concerns.approve(store, a, "analyst Kim", "Speed humps near the school")
    concerns.raise_concern(store, concerns.Concern("2019-04-01", "beat", "1133", "youth", "Not approved words"), "R")
    store.close()
    (tmp_path / "served").mkdir()
    proc, url = start_app(path, tmp_path / "served")
    try:
        page.goto(f"{url}/?level=beat&area=1133")
        wait_for_app(page)
        heading = page.get_by_role("heading", name="You said, we did")
        heading.scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        grid = page.locator("[data-testid='stDataFrame']").filter(has_text="Traffic and speeding")
        grid.wait_for(timeout=30_000)
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        screenshot(page, "concerns_public")
        text = page.locator("[data-testid='stMain']").inner_text()
        for secret in ("Okafor", "4410", "Diaz", "Ruiz", "Boyd", "Kim", "Not approved"):
            assert secret not in text
    finally:
        stop_app(proc)
