"""Sign-in and roles through AppTest: a public session reaches no staff page by navigation, URL,
query parameter or page switch, and is not told their names; each role sees exactly its pages; a wrong
password is refused, and guessing is slowed down by the throttle in the store."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.app import access, users, widgets
from tests.conftest import PASSWORD, ROOT, signed_in_as

STAFF = [p for p in access.PAGES if not p.public and (ROOT / p.path).exists()]
# What each staff page shows once opened (its title): none of it may reach a public session.
TITLES = {
    "pages/staff/overview.py": "Community policing at a glance",
    "pages/staff/trust.py": "Trust & Safety",
    "pages/staff/engagement.py": "Community engagement",
    "pages/staff/impact.py": "Did a programme go with change?",
    "pages/staff/map.py": "Map explorer",
    "pages/staff/data.py": "Load data",
    "pages/staff/event_log.py": "Event log",
    "pages/staff/users.py": "Users",
    "pages/staff/presenter.py": "Presenter",
    "pages/staff/accountability.py": "Accountability",
}


def _app(as_role: str | None, users_file, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    signed_in_as(at, as_role, users_file)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def _scripts(at: AppTest) -> set[str]:
    """The page scripts the session's navigation holds (the sign-in prompts are functions, not scripts)."""
    return {
        Path(info["script_path"]).relative_to(ROOT).as_posix()
        for info in at._registered_pages.values()
        if info.get("script_path")
    }


def _request(at: AppTest, url_path: str) -> AppTest:
    """Ask for a page by its URL path, as the browser does for /map (Streamlit hashes the url_path)."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    return at.run()


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _text(at: AppTest) -> str:
    parts = [
        *(t.value for t in at.title),
        *(m.value for m in at.markdown),
        *(i.value for i in at.info),
        *(w.value for w in at.warning),
        *(e.value for e in at.error),
        *(c.value for c in at.caption),
        *(s.value for s in at.success),
    ]
    return "\n".join(str(p) for p in parts)


def _nav(at: AppTest) -> dict[str, str]:
    """The session's navigation as its browser receives it: URL path -> page title (hidden pages too)."""
    return {info.get("url_pathname", ""): info["page_name"] for info in at._registered_pages.values()}


def _only_a_sign_in_prompt(at: AppTest, spec) -> None:
    """A sign-in form and why it is there: no widget or figure of the page, and not even its name."""
    assert _titles(at) == [widgets.PROMPT_TITLE]
    assert [i.value.split(".")[0] for i in at.info] == ["This address is a page for signed-in department staff"]
    assert spec.title not in _text(at)
    assert [t.label for t in at.main.text_input] == ["Name", "Password"]
    assert [b.label for b in at.main.button] == ["Sign in"]
    for kind in (
        "dataframe",
        "metric",
        "selectbox",
        "multiselect",
        "tabs",
        "expander",
        "radio",
        "date_input",
        "text_area",
        "checkbox",
        "number_input",
    ):
        assert not getattr(at.main, kind), f"{spec.path}: a {kind} reached a session that may not open it"


def test_every_page_script_has_a_row_in_the_access_table():
    scripts = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").rglob("*.py")}
    assert scripts - {p.path for p in access.PAGES} == set()
    for p in access.PAGES:
        assert p.public == p.path.startswith("pages/public/"), f"{p.path}: public pages live in pages/public/"


def test_staff_pages_guard_themselves():
    # Defence in depth: a staff script run by any route other than the router still checks the role.
    for spec in STAFF:
        assert "widgets.require_role(__file__)" in (ROOT / spec.path).read_text(), spec.path


def test_a_public_session_sees_only_public_pages(app_env, users_file):
    at = _app(None, users_file).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _scripts(at) == {p.path for p in access.pages_for(None)}
    assert _scripts(at) <= {"pages/public/transparency.py", "pages/public/about.py"}
    assert not set(_titles(at)) & set(TITLES.values())
    assert "Staff sign-in" in [e.label for e in at.expander]
    # Nothing of a staff page reaches the browser: neither its title nor its address (hidden pages too).
    public = {p.url_path: p.title for p in access.pages_for(None)}
    assert _nav(at) == {**public, "": "Home"}


@pytest.mark.parametrize("spec", STAFF, ids=lambda s: s.url_path)
def test_a_staff_url_gives_a_public_session_a_sign_in_prompt(app_env, users_file, spec):
    at = _request(_app(None, users_file, dataset="Chicago crimes (3% sample)"), spec.url_path)
    assert not at.exception, [e.value for e in at.exception]
    _only_a_sign_in_prompt(at, spec)
    assert "Staff sign-in" not in [e.label for e in at.expander]  # one form, on the page
    # The one staff address in the navigation is the one asked for, under a neutral title.
    public = {p.url_path: p.title for p in access.pages_for(None)}
    assert _nav(at) == {**public, "": "Home", spec.url_path: widgets.PROMPT_TITLE}


def test_a_viewer_asking_for_an_analyst_page_is_told_which_role_it_needs(app_env, users_file):
    at = _request(_app("viewer", users_file), "data")
    assert _titles(at) == ["Data: analyst role needed"]
    assert _nav(at)["data"] == "Data"  # staff may know the page's name
    assert "event-log" not in _nav(at) and "users" not in _nav(at)  # but get no others they cannot open


@pytest.mark.parametrize("spec", STAFF, ids=lambda s: s.url_path)
def test_a_public_session_cannot_switch_to_a_staff_page(app_env, users_file, spec):
    at = _app(None, users_file).run()
    with pytest.raises(Exception, match="Could not find a navigation page"):
        at.switch_page(spec.path).run()


@pytest.mark.parametrize("spec", STAFF, ids=lambda s: s.url_path)
def test_a_staff_page_script_run_directly_shows_only_a_sign_in_prompt(app_env, users_file, spec):
    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    _only_a_sign_in_prompt(at, spec)


@pytest.mark.parametrize(
    "query",
    [
        {"page": "map"},
        {"page": "pages/staff/data.py"},
        {"role": "admin"},
        {"user": "admin", "role": "admin", "page": "users"},
    ],
)
def test_query_parameters_grant_nothing(app_env, users_file, query):
    at = _app(None, users_file, **query).run()
    assert not at.exception
    assert not set(_titles(at)) & set(TITLES.values())
    assert "Signed in as" not in _text(at)


def test_a_viewer_cannot_open_an_analyst_page_by_running_it(app_env, users_file):
    at = AppTest.from_file(str(ROOT / "pages/staff/data.py"), default_timeout=180)
    signed_in_as(at, "viewer", users_file)
    at.run()
    assert _titles(at) == ["Data: analyst role needed"]
    assert "needs the analyst role; you are signed in as viewer (viewer)" in _text(at)
    assert "Load data" not in _text(at)


@pytest.mark.parametrize("role", access.ROLES)
def test_each_role_sees_exactly_its_pages(app_env, users_file, role):
    expected = {p.path for p in access.PAGES if access.allows(role, p.role) and (ROOT / p.path).exists()}
    at = _app(role, users_file).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _titles(at) == ["Community policing at a glance"]  # the staff default page
    assert f"Signed in as **{role}** ({role}" in _text(at)
    for spec in access.PAGES:
        if not (ROOT / spec.path).exists():
            continue
        if spec.path in expected:
            page = at.switch_page(spec.path).run()
            assert not page.exception, (spec.path, [e.value for e in page.exception])
        else:
            with pytest.raises(Exception, match="Could not find a navigation page"):
                at.switch_page(spec.path).run()
    assert role != "viewer" or "pages/staff/data.py" not in expected
    assert role != "analyst" or ("pages/staff/data.py" in expected and "pages/staff/users.py" not in expected)


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sidebar_sign_in_name").input(name)
    at.text_input(key="sidebar_sign_in_password").input(password)
    at.button(key="FormSubmitter:sidebar_sign_in-Sign in").click()
    return at.run()


def test_signing_in_through_the_form_then_out(app_env, users_file):
    at = _app(None, users_file).run()
    _sign_in(at, "analyst", PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert _titles(at) == ["Community policing at a glance"]
    assert "Signed in as **analyst** (analyst" in _text(at)
    at.switch_page("pages/staff/data.py").run()
    assert _titles(at) == ["Load data"]
    at.button(key="sign_out").click().run()
    assert "Signed in as" not in _text(at)
    assert not set(_titles(at)) & set(TITLES.values())


def test_a_wrong_password_is_refused_with_a_clear_message(app_env, users_file):
    at = _app(None, users_file).run()
    _sign_in(at, "analyst", PASSWORD + "!")
    assert "Wrong name or password: you are not signed in." in _text(at)
    assert "Signed in as" not in _text(at)
    assert not set(_titles(at)) & set(TITLES.values())


def _store_throttle(app_env, clock=time.time) -> users.Throttle:
    """The throttle on the app's own store (the DuckDB file AppTest's app holds open)."""
    from lib.app import cached

    return users.Throttle(cached._open(str(app_env)), clock=clock)


def _hold_back(app_env, attempts: list[tuple[str, str]]) -> None:
    """Record ``attempts`` (name, client) as if made over the last 10 s, each as soon as the throttle let it:
    one beyond a limit's allowance leaves the next attempt a wait of 20 s, longer than an AppTest run."""
    clock = [time.time() - 10.0]
    throttle = _store_throttle(app_env, clock=lambda: clock[0])
    for name, client in attempts:
        while not (admission := throttle.admit(name, client)).admitted:
            clock[0] += admission.wait
    assert abs(clock[0] - time.time()) < 5


def _wait_told(at: AppTest, whose: str) -> int:
    """The seconds the refusal tells the person to wait (20 at most: what _hold_back left, less the run)."""
    found = re.search(rf"Too many sign-in attempts {whose}\. Try again in (\d+) s\b", _text(at))
    assert found, [e.value for e in at.error]
    return int(found.group(1))


def _recorded(app_env) -> list[tuple]:
    return _store_throttle(app_env).store.rows("SELECT scope, key, attempts FROM sign_in_throttle ORDER BY scope")


def test_every_attempt_is_recorded_in_the_store_before_its_password_is_checked(app_env, users_file):
    at = _app(None, users_file).run()
    for _ in range(users.LIMITS[0].free):
        _sign_in(at, "Viewer", "not the password at all")
        assert "Wrong name or password" in _text(at)
    assert _recorded(app_env) == [("client", "local", 3), ("name", "viewer", 3)]  # case-blind; AppTest: "local"
    _sign_in(at, "analyst", PASSWORD)
    assert "Signed in as **analyst**" in _text(at)
    assert _recorded(app_env) == [("client", "local", 3), ("name", "viewer", 3)]  # a success counts for nobody


def test_guessing_one_name_is_slowed_down_in_every_session(app_env, users_file):
    _hold_back(app_env, [("viewer", "203.0.113.5")] * 4)  # from another address, in other sessions
    at = _app(None, users_file).run()
    _sign_in(at, "VIEWER", PASSWORD)  # the right password, but too soon
    assert _wait_told(at, "for this name") in range(5, 21)
    assert "Signed in as" not in _text(at)
    assert ("name", "viewer", 4) in _recorded(app_env)  # the refused attempt was not counted
    _sign_in(at, "analyst", PASSWORD)  # another name is not held up
    assert "Signed in as **analyst**" in _text(at)


def test_spraying_names_from_one_address_is_slowed_down(app_env, users_file):
    _hold_back(app_env, [(f"guess{i}", "local") for i in range(users.LIMITS[1].free + 1)])
    at = _app(None, users_file).run()
    _sign_in(at, "analyst", PASSWORD)  # a name never tried, from the same address
    assert _wait_told(at, "from your network address") in range(5, 21)
    assert "Signed in as" not in _text(at)


def test_a_removed_user_is_signed_out_at_the_next_click(app_env, users_file, tmp_path, monkeypatch):
    own = tmp_path / "users.yaml"
    own.write_bytes(users_file.read_bytes())
    monkeypatch.setenv("DASHBOARD_USERS_FILE", str(own))
    at = _app("analyst", own).run()
    assert "Signed in as **analyst**" in _text(at)
    users.remove("analyst", own)
    at.run()
    assert "Signed in as" not in _text(at)
    assert not set(_titles(at)) & set(TITLES.values())


def _oidc(at: AppTest, email: str | None, roles: dict | None = None, verified=True) -> AppTest:
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "dashboard",
        "client_secret": "s",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
        "roles": roles or {},
    }
    at.user = {"is_logged_in": True, "email": email, "email_verified": verified} if email else {"is_logged_in": False}
    return at


def test_oidc_sign_in_takes_the_role_from_auth_roles(app_env, users_file):
    at = _oidc(_app(None, users_file), "Chief@PD.example.org", {"chief@pd.example.org": "admin"}).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Signed in as **Chief@PD.example.org** (admin" in _text(at)
    at.switch_page("pages/staff/data.py").run()
    assert _titles(at) == ["Load data"]


def test_oidc_domain_rule_and_unverified_addresses(app_env, users_file):
    at = _oidc(_app(None, users_file), "officer@pd.example.org", {"@pd.example.org": "viewer"}).run()
    assert "Signed in as **officer@pd.example.org** (viewer" in _text(at)
    with pytest.raises(Exception, match="Could not find a navigation page"):
        at.switch_page("pages/staff/data.py").run()
    at = _oidc(_app(None, users_file), "officer@pd.example.org", {"@pd.example.org": "viewer"}, verified=False).run()
    assert "has no role on the dashboard" in _text(at)
    assert not set(_titles(at)) & set(TITLES.values())


def test_oidc_without_sign_in_offers_the_provider_button_not_a_password(app_env, users_file):
    at = _oidc(_app(None, users_file), None).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Sign in with your department account" in [b.label for b in at.button]
    assert "Password" not in [t.label for t in at.text_input]
    # A session preset as a local user means nothing when OIDC is configured.
    at = _oidc(_app("admin", users_file), None).run()
    assert "Signed in as" not in _text(at)


def test_an_admin_manages_users_on_the_users_page(app_env, users_file, tmp_path, monkeypatch):
    own = tmp_path / "users.yaml"
    own.write_bytes(users_file.read_bytes())
    monkeypatch.setenv("DASHBOARD_USERS_FILE", str(own))
    at = _app("admin", own).run()
    at.switch_page("pages/staff/users.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.dataframe[0].value["name"]) == ["admin", "analyst", "viewer"]
    before = own.read_bytes()
    form = at.tabs[0]
    form.text_input[0].input("sergeant.ray")
    form.selectbox[0].select("analyst")
    form.text_input[1].input("too short")
    form.text_input[2].input("too short")
    at.button(key="FormSubmitter:users_add-Add user").click().run()
    assert "Not changed: the password is too short: at least 15 characters" in _text(at)
    assert own.read_bytes() == before
    form = at.tabs[0]
    form.text_input[0].input("sergeant.ray")
    form.selectbox[0].select("analyst")
    form.text_input[1].input("a long enough pass phrase")
    form.text_input[2].input("a long enough pass phrase")
    at.button(key="FormSubmitter:users_add-Add user").click().run()
    assert "Added sergeant.ray." in _text(at)
    assert users.load(own)["sergeant.ray"].role == "analyst"
    assert "sergeant.ray" in list(at.dataframe[0].value["name"])
    at.tabs[2].selectbox[0].select("admin")
    at.button(key="FormSubmitter:users_remove-Remove user").click().run()
    assert "you cannot remove yourself" in _text(at)
    assert "admin" in users.load(own)


def test_a_viewer_cannot_save_what_every_user_sees(run_page, app_env):
    from lib.ingest import offense_groups
    from lib.store.connection import connect

    at = run_page("pages/staff/map.py", as_role="viewer")
    button = at.button(key="map_grouping_save")
    assert button.disabled and "needs the analyst role" in button.help
    store = connect(str(app_env))
    assert offense_groups.updated_at(store) == ""  # nothing was written
    store.close()
    at = run_page("pages/staff/trust.py", as_role="viewer", source="survey")
    assert at.button(key="trust_def_save").disabled
    at = run_page("pages/staff/map.py", as_role="analyst")
    assert not at.button(key="map_grouping_save").disabled
