"""Sign-in in Chromium: a visitor asking for any staff URL gets a sign-in form and nothing of the page;
an analyst signs in through that form and the page opens, with the link's view.

And the attacks of issue 19, against served apps: twenty racing wrong passwords for one name (DuckDB, and
two app processes on one PostgreSQL database) get no more password checks than the throttle allows; a
staff download reaches only the signed-in tab that clicked it (not curl, not another browser, not after
sign-out, removal or closing the tab); a visitor's websocket receives no traceback, path, version or
staff page name, even when a crafted message makes the page fail.
"""

import re
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from lib.app import access, users, widgets
from tests.browser.test_browser import wait_for_app
from tests.conftest import PASSWORD, ROOT, screenshot, sign_in, start_app, stop_app

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
    assert page.locator("h1").all_inner_texts() == [widgets.PROMPT_TITLE]
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
    assert page.locator("h1").all_inner_texts() == [widgets.PROMPT_TITLE]
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
    page.locator("h1", has_text=widgets.PROMPT_TITLE).wait_for(timeout=60_000)
    wait_for_app(page)  # the map's elements leave the page when the run ends
    page.wait_for_function(f"() => document.querySelectorAll({CONTENT!r}).length === 0", timeout=30_000)


# ---- Served apps of their own, with their own users file and a log the tests read.


@dataclass
class App:
    url: str
    log: Path
    users: Path

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def own_apps(embedded_db, users_file, tmp_path):
    """``own_apps(n, db)``: n app processes on one store (default: a copy of the embedded DuckDB)."""
    own = tmp_path / "users.yaml"
    shutil.copy(users_file, own)
    procs = []

    def start(n: int = 1, db=None) -> list[App]:
        apps = []
        for _ in range(n):
            folder = tmp_path / f"app{len(procs)}"
            folder.mkdir()
            log = folder / "server.log"
            proc, url = start_app(db or embedded_db, folder, env={"DASHBOARD_USERS_FILE": str(own)}, log=log)
            procs.append(proc)
            apps.append(App(url, log, own))
        return apps

    yield start
    for proc in procs:
        stop_app(proc)


# ---- 1. The throttle holds against twenty attempts sent at the same moment.

MAIN_FORM = "[data-testid='stMain'] [data-testid='stForm']"
WRONG, HELD = "Wrong name or password", "Too many sign-in attempts"


def _race(browser, apps: list[App], n: int = 20) -> list[str]:
    """``n`` browsers, each with the sign-in form of /map open, click "Sign in" at the same instant with a
    wrong password for "analyst" (spread over ``apps``). Returns what each was told."""
    contexts = [browser.new_context() for _ in range(n)]
    pages = [c.new_page() for c in contexts]
    try:
        for i, page in enumerate(pages):
            page.goto(f"{apps[i % len(apps)].url}/map", wait_until="commit")
        for page in pages:
            form = page.locator(MAIN_FORM)
            form.get_by_label("Name").fill("analyst", timeout=90_000)
            form.get_by_label("Password", exact=True).fill(PASSWORD + " but wrong")
        at = pages[0].evaluate("Date.now()") + 3000  # every click is scheduled before then
        for page in pages:
            page.locator(MAIN_FORM).get_by_role("button", name="Sign in").evaluate(
                "(button, at) => setTimeout(() => button.click(), at - Date.now())", at
            )
        told = []
        for page in pages:
            answer = page.locator("[data-testid='stAlert']", has_text=re.compile(f"{WRONG}|{HELD}"))
            answer.first.wait_for(timeout=120_000)
            told.append(answer.first.inner_text())
        held = [page for page, t in zip(pages, told) if HELD in t]
        if held:
            screenshot(held[0], "signin_race_refused")
        return told
    finally:
        for c in contexts:
            c.close()


def _checked(apps: list[App]) -> int:
    """Password checks for "analyst" the servers logged (lib/app/widgets.py logs each one)."""
    return sum(a.logged().count("Sign-in: password checked for 'analyst'") for a in apps)


def _assert_allowance(told: list[str], apps: list[App]) -> None:
    wrong = sum(WRONG in t for t in told)
    held = [t for t in told if HELD in t]
    assert wrong + len(held) == len(told) == 20
    assert 1 <= wrong <= users.LIMITS[0].free, told  # at most three passwords were checked ...
    assert _checked(apps) == wrong  # ... as the servers' logs say too
    assert all("for this name" in t for t in held)


def test_twenty_racing_attempts_check_at_most_the_allowance_on_duckdb(browser, own_apps):
    apps = own_apps(1)
    _assert_allowance(_race(browser, apps), apps)


def test_twenty_racing_attempts_on_two_app_processes_share_the_postgresql_count(browser, own_apps, pg):
    from lib.ingest import embedded

    embedded.build(pg)
    apps = own_apps(2, db=pg.url)  # two processes, one database: the count is the store's
    _assert_allowance(_race(browser, apps), apps)
    assert pg.scalar("SELECT attempts FROM sign_in_throttle WHERE scope = 'name' AND key = 'analyst'") == _checked(apps)


# ---- 2. A staff download reaches the signed-in tab that clicked it, and nothing else.


def _fetch(url: str) -> int:
    """The status a client with no cookies (curl) gets."""
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def _download(page) -> tuple[str, bytes]:
    """Click the Map's "Download map areas (CSV)": the link the browser was given, and the file it saved."""
    button = page.get_by_role("button", name="Download map areas (CSV)")
    if not button.is_visible():
        page.get_by_text("Table behind the map").click()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    return info.value.url, Path(info.value.path()).read_bytes()


def _until(check, timeout: float = 20.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def test_a_staff_download_reaches_only_the_signed_in_tab(browser, own_apps):
    (app,) = own_apps(1)
    analyst = browser.new_context(accept_downloads=True)
    page = analyst.new_page()
    sign_in(page, f"{app.url}/map?layers=areas&level=district", "analyst")
    page.get_by_text("Map explorer", exact=True).wait_for(timeout=90_000)
    wait_for_app(page)
    link, saved = _download(page)
    screenshot(page, "signin_staff_download")
    assert saved.startswith(b"code,name,incidents") and saved.count(b"\n") > 10  # the staff table, built on click
    assert re.fullmatch(rf"{app.url}/media/[0-9a-f]+\.csv", link)
    assert page.request.get(link).body() == saved  # the same tab may fetch it again, for a minute

    assert _fetch(link) == 404  # curl, no cookies
    other = browser.new_context()
    stranger = other.new_page()
    stranger.goto(app.url)
    wait_for_app(stranger)
    assert stranger.request.get(link).status == 404  # another browser, with a cookie of its own
    other.close()

    second, _ = _download(page)
    assert second != link  # the same table downloaded again: a new link, derived from nothing in it

    page.get_by_role("button", name="Sign out").click()
    page.locator("h1", has_text=widgets.PROMPT_TITLE).wait_for(timeout=60_000)
    assert page.request.get(second).status == 404  # sign-out ends it

    form = page.locator(MAIN_FORM)
    form.get_by_label("Name").fill("analyst")
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    page.get_by_text("Map explorer", exact=True).wait_for(timeout=90_000)
    wait_for_app(page)
    assert page.request.get(second).status == 404  # signing in again does not revive it
    third, _ = _download(page)
    assert page.request.get(third).status == 200
    users.remove("analyst", app.users)
    assert page.request.get(third).status == 404  # removal ends it at once, before any click

    users.add("analyst", "analyst", PASSWORD, app.users)
    again = analyst.new_page()
    sign_in(again, f"{app.url}/map?layers=areas&level=district", "analyst")
    page.close()
    again.get_by_text("Map explorer", exact=True).wait_for(timeout=90_000)
    wait_for_app(again)
    fourth, _ = _download(again)
    assert again.request.get(fourth).status == 200
    again.close()  # closing the tab ends it (the cookie is still the browser's)
    checker = analyst.new_page()
    assert _until(lambda: checker.request.get(fourth).status == 404)
    analyst.close()


# ---- 3. A visitor's websocket: nothing internal, even when a crafted message makes the page fail.


class Wire:
    """The websocket of one page, through Playwright: every ForwardMsg it receives, and a way to send."""

    def __init__(self, page):
        self.received: list[bytes] = []
        self.sent: list[BackMsg] = []
        self._server = None
        page.route_web_socket(re.compile(r".*/_stcore/stream$"), self._route)

    def _route(self, ws) -> None:
        self._server = server = ws.connect_to_server()

        def up(message) -> None:
            msg = BackMsg()
            msg.ParseFromString(message)
            self.sent.append(msg)
            server.send(message)

        def down(message) -> None:
            self.received.append(message)
            ws.send(message)

        ws.on_message(up)
        server.on_message(down)

    def messages(self) -> list[ForwardMsg]:
        out = []
        for data in self.received:
            msg = ForwardMsg()
            msg.ParseFromString(data)
            out.append(msg)
        return out

    def send(self, msg: BackMsg) -> None:
        self._server.send(msg.SerializeToString())


FAILED = "[data-testid='stException']"  # Streamlit's own exception box


def _internal(wire: Wire) -> list[str]:
    """Everything internal the visitor's websocket carried: tracebacks, paths, versions, staff pages."""
    import platform

    import streamlit

    text = b"\n".join(wire.received).decode("utf-8", errors="replace")
    found = [
        word
        for word in ("Traceback", str(ROOT), "site-packages", "/work/", '.py"', ".py,", streamlit.__version__)
        if word in text
    ]
    if platform.python_version() in text:
        found.append("the Python version")
    staff = {p.title for p in access.PAGES if not p.public}
    for msg in wire.messages():
        kind = msg.WhichOneof("type")
        pages = msg.navigation.app_pages if kind == "navigation" else msg.new_session.app_pages
        if kind in ("navigation", "new_session"):
            found += [f"staff page {p.page_name!r}" for p in pages if p.page_name in staff]
        if kind == "delta" and msg.delta.new_element.WhichOneof("type") == "exception":
            found.append("an exception element")
    return found


def _crash_with_a_crafted_rerun(wire: Wire) -> None:
    """Rerun the page with a number where each text input's value should be: Streamlit passes the wire's
    type through, and the page's own code fails on it (the visitor's "crafted websocket rerun")."""
    inputs = [
        m.delta.new_element.text_input.id
        for m in wire.messages()
        if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == "text_input"
    ]
    rerun = next(m for m in reversed(wire.sent) if m.WhichOneof("type") == "rerun_script")
    crafted = BackMsg()
    crafted.CopyFrom(rerun)
    crafted.rerun_script.page_script_hash = [
        m.navigation.page_script_hash for m in wire.messages() if m.WhichOneof("type") == "navigation"
    ][-1]
    del crafted.rerun_script.widget_states.widgets[:]
    for widget in dict.fromkeys(inputs):
        crafted.rerun_script.widget_states.widgets.add(id=widget, double_value=1.5)
    wire.send(crafted)


def test_a_visitor_receives_no_traceback_path_version_or_staff_page_name(browser, own_apps):
    (app,) = own_apps(1)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    wire = Wire(page)
    for path in ("", "about", "map", "users", "transparency"):
        page.goto(f"{app.url}/{path}")
        wait_for_app(page)
    staff_urls = {p.url_path for p in access.PAGES if not p.public}
    sent_urls = {
        p.url_pathname for m in wire.messages() if m.WhichOneof("type") == "navigation" for p in m.navigation.app_pages
    }
    assert sent_urls & staff_urls <= {"map", "users"}  # only the staff addresses the visitor typed, echoed
    assert _internal(wire) == []

    before = app.logged().count("Page run failed")
    _crash_with_a_crafted_rerun(wire)
    page.locator(f"{FAILED}, [data-testid='stAlert']:has-text('Something went wrong')").first.wait_for(timeout=60_000)
    assert _internal(wire) == []
    screenshot(page, "signin_visitor_error_message")
    reference = re.search(r"reference: (\w+)", page.get_by_text("Something went wrong").inner_text()).group(1)
    assert _until(lambda: f"Page run failed (reference {reference})" in app.logged())  # the details: in the log
    assert app.logged().count("Page run failed") == before + 1
    assert "Traceback" in app.logged()
    assert page.locator("[data-testid='stException']").count() == 0
    assert _internal(wire) == []
    context.close()


def test_a_visitor_is_told_the_data_is_unreachable_and_not_where_it_is(browser, own_apps):
    (app,) = own_apps(1, db="postgresql://postgres@127.0.0.1:1/dashboard_nowhere")  # the store is down
    context = browser.new_context()
    page = context.new_page()
    wire = Wire(page)
    page.goto(app.url)
    page.locator(f"{FAILED}, [data-testid='stAlert']").first.wait_for(timeout=60_000)
    assert _internal(wire) == []
    page.get_by_text("The dashboard cannot reach its data right now").wait_for()
    text = b"\n".join(wire.received).decode("utf-8", errors="replace")
    assert "127.0.0.1:1" not in text and "postgresql" not in text and "dashboard_nowhere" not in text
    assert _internal(wire) == []
    assert "StoreError" in app.logged()
    context.close()


def test_metrics_answer_only_a_scraper_on_this_machine(served_app):
    assert b"session_events" in urllib.request.urlopen(f"{served_app}/_stcore/metrics", timeout=10).read()
    for header in ({"X-Forwarded-For": "198.51.100.4"}, {"X-Real-IP": "198.51.100.4"}, {"Forwarded": "for=x"}):
        request = urllib.request.Request(f"{served_app}/_stcore/metrics", headers=header)
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(request, timeout=10)
