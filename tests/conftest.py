"""Shared fixtures: stores on both engines, the embedded store, a served app and a real browser.

PostgreSQL tests use a server at $DASHBOARD_TEST_POSTGRES (default: the local
one on 127.0.0.1:5432); each test gets its own database, dropped afterwards.
Where no server or no Chromium is reachable those tests skip with the reason,
unless DASHBOARD_REQUIRE_POSTGRES / DASHBOARD_REQUIRE_BROWSER is set (CI sets
both), in which case they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from lib.ingest import embedded
from lib.store.connection import connect

# AppTest runs read .streamlit/config.toml, whose production setting hides an error's message; a failing
# test should show it. Served apps (start_app) get the production setting back.
SHOW_ERRORS = "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"
os.environ.setdefault(SHOW_ERRORS, "full")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "tests" / "artifacts"
PG_ADMIN = os.environ.get("DASHBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Markers follow from the fixtures a test uses, so a new test cannot forget its own: `make check`
# deselects both (-m "not browser and not postgres").
BROWSER_FIXTURES = {"browser", "page"}


def pytest_collection_modifyitems(items):
    """Mark each test ``browser`` (it drives Chromium) and ``postgres`` (it needs the server) by its fixtures."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if "pg" in names or params.get("any_store") == "postgresql":
            item.add_marker(pytest.mark.postgres)


def _unavailable(what: str, reason: str, flag: str):
    if os.environ.get(flag):
        pytest.fail(f"{what} is required here ({flag} is set) but unavailable: {reason}")
    pytest.skip(f"{what} unavailable: {reason}")


@pytest.fixture
def duck(tmp_path):
    """An empty DuckDB store in a fresh file."""
    store = connect(str(tmp_path / "store.duckdb"))
    yield store
    store.close()


def _pg_admin():
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL", f"{PG_ADMIN}: {exc}".strip(), "DASHBOARD_REQUIRE_POSTGRES")


@pytest.fixture
def pg():
    """An empty PostgreSQL store in a database of its own, dropped afterwards."""
    admin = _pg_admin()
    name = f"dashboard_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE DATABASE {name}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    store = connect(url)
    try:
        yield store
    finally:
        store.close()
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(params=["duckdb", "postgresql"])
def any_store(request):
    """An empty store on each engine: the same test runs against both."""
    return request.getfixturevalue("duck" if request.param == "duckdb" else "pg")


@pytest.fixture(scope="session")
def embedded_db(tmp_path_factory) -> Path:
    """A DuckDB file built once from the embedded data with its public releases (copy it before writing).

    Built once for the whole run, also across xdist workers (they share the base
    temp folder's parent; a file lock makes the others wait): the releases'
    audits take a minute or two of CPU.
    """
    import fcntl

    from lib.public import release

    root = tmp_path_factory.getbasetemp()
    shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    path = shared / "embedded-shared" / "embedded.duckdb"
    path.parent.mkdir(exist_ok=True)
    with open(path.parent / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path.parent / "done").exists():
            if path.exists():
                path.unlink()
            store = connect(str(path))
            embedded.build(store)
            release.refresh(store)
            store.close()
            (path.parent / "done").write_text("ok")
    return path


@pytest.fixture(scope="session")
def released_db(embedded_db) -> Path:
    """The embedded store with the public release of every incident dataset (``embedded_db`` holds them)."""
    return embedded_db


@pytest.fixture
def app_db(embedded_db) -> Path:
    """The store file the AppTest app runs over (a copy of it): the embedded one, unless a test module overrides."""
    return embedded_db


@pytest.fixture
def embedded_store(embedded_db, tmp_path):
    """A private, writable copy of the embedded store."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(embedded_db, path)
    store = connect(str(path))
    yield store
    store.close()


# Staff sign in (lib/app/access.py, lib/app/users.py). Tests use a users file of their own with one user per
# role, named after the role, all with this password; never the developer's .streamlit/users.yaml.
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def users_file(tmp_path_factory) -> Path:
    """A users file with the users viewer, analyst and admin (password PASSWORD)."""
    from lib.app import access, users

    path = tmp_path_factory.mktemp("users") / "users.yaml"
    for role in access.ROLES:
        users.add(role, role, PASSWORD, path)
    return path


def signed_in_as(at, role: str | None, users_file: Path) -> None:
    """Start an AppTest session signed in as the test user of ``role`` (None: not signed in)."""
    from lib.app import users, widgets

    if role is not None:
        user = users.load(users_file)[role]
        at.session_state[widgets._SESSION_KEY] = {"name": user.name, "fingerprint": users.fingerprint(user)}


@pytest.fixture
def app_env(app_db, users_file, tmp_path, monkeypatch):
    """Point the app (AppTest) at a private copy of the embedded store (``app_db``) and the test users file."""
    path = tmp_path / "app.duckdb"
    shutil.copy(app_db, path)
    monkeypatch.setenv("DASHBOARD_DB", str(path))
    monkeypatch.setenv("DASHBOARD_USERS_FILE", str(users_file))
    from lib.app import cached

    cached._open.clear()
    import streamlit as st

    st.cache_data.clear()
    yield path
    cached._open.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    db: Path | str,
    folder: Path,
    env: dict | None = None,
    command: tuple[str, ...] = ("-m", "lib", "serve"),
    log: Path | None = None,
) -> tuple[subprocess.Popen, str]:
    """The app as `make run` serves it, on a free port over a copy of ``db``; returns (process, URL).

    ``db`` may be a postgresql:// URL, served as it is. ``log``: a file for the server's output (else a pipe,
    read only if it fails to start).
    """
    if str(db).startswith("postgresql://"):
        path = db
    else:
        path = folder / "served.duckdb"
        shutil.copy(db, path)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            *command,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != SHOW_ERRORS}, "DASHBOARD_DB": str(path), **(env or {})},
        stdout=open(log, "wb") if log else subprocess.PIPE,  # noqa: SIM115 - the process keeps it
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    output = log.read_bytes() if log else proc.stdout.read()
    pytest.fail(f"streamlit did not start: {output.decode()[-2000:]}")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def served_app(embedded_db, users_file, tmp_path_factory):
    """The app served over a copy of the embedded store for the whole session; yields its URL.

    Its users are the test users file's (``sign_in`` below signs a browser page in).
    """
    proc, url = start_app(embedded_db, tmp_path_factory.mktemp("served"), env={"DASHBOARD_USERS_FILE": str(users_file)})
    yield url
    stop_app(proc)


def sign_in(page, url: str, role: str = "analyst", password: str = PASSWORD) -> None:
    """Open ``url`` in a fresh browser session and sign in as the test user of ``role`` there.

    A staff URL answers a visitor who is not signed in with a sign-in form in place of the page; after
    signing in, the page itself opens, with the link's query parameters. On a public URL the form
    is in the sidebar's "Staff sign-in".
    """
    page.goto(url)
    main_form = "[data-testid='stMain'] [data-testid='stForm']"
    page.locator(f"{main_form}, [data-testid='stSidebar'] [data-testid='stExpander']").first.wait_for(timeout=60_000)
    form = page.locator(main_form)
    if form.count() == 0:
        page.get_by_text("Staff sign-in").click()
        form = page.locator("[data-testid='stSidebar'] [data-testid='stForm']")
    form.get_by_label("Name").fill(role)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in").click()
    page.locator("[data-testid='stSidebar']").get_by_text("Signed in as").wait_for(timeout=60_000)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    if not Path(CHROMIUM).exists():
        _unavailable("Chromium", f"{CHROMIUM} not found (apt-get install chromium)", "DASHBOARD_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot under tests/artifacts/ (CI keeps the folder)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def run_page(app_env, users_file):
    """Run one page of the app through AppTest: ``run_page("pages/staff/data.py", dataset="x")``.

    Keyword arguments become URL query parameters, as when a shared link is opened. The session is
    signed in with the least role the page needs (lib/app/access.py), or ``as_role`` ("viewer" ...; None:
    not signed in).
    """
    from streamlit.testing.v1 import AppTest

    from lib.app import access

    def run(page: str = "pages/public/transparency.py", as_role: str | None = "least", **query) -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
        role = access.required_role(page) if as_role == "least" else as_role
        signed_in_as(at, role, users_file)
        for key, value in query.items():
            at.query_params[key] = value
        # Before a first run AppTest finds pages by file name only, missing a custom url_path
        # ("event-log"): it would silently render the default page.
        at.run()
        if page == access.default_page(access.pages_for(role), role).path:
            return at  # "/" opened it
        at.switch_page(page)
        return at.run()

    return run
