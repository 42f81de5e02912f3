"""The access table, the users file and `python -m lib users`: hashes, roles, refusals that change nothing."""

import io
import os
import stat
import subprocess
import sys

import pytest

from lib import cli
from lib.app import access, users
from tests.conftest import ROOT

GOOD = "correct horse battery staple"


@pytest.mark.parametrize(
    "role, needed, allowed",
    [
        (None, None, True),
        (None, "viewer", False),
        ("viewer", "viewer", True),
        ("viewer", "analyst", False),
        ("analyst", "viewer", True),
        ("analyst", "admin", False),
        ("admin", "analyst", True),
        ("boss", "viewer", False),
    ],
)
def test_roles_are_ordered(role, needed, allowed):
    assert access.allows(role, needed) is allowed


def test_pages_by_role_and_missing_scripts_skipped():
    everything = lambda path: True  # noqa: E731
    assert [p.title for p in access.pages_for(None, everything)] == ["Transparency", "About"]
    viewer = {p.title for p in access.pages_for("viewer", everything)}
    assert {"Overview", "Map", "Presenter"} <= viewer and not viewer & {"Data", "Event log", "Users"}
    assert {"Data", "Event log"} <= {p.title for p in access.pages_for("analyst", everything)}
    assert "Users" in {p.title for p in access.pages_for("admin", everything)}
    no_presenter = lambda path: path != "pages/staff/presenter.py"  # noqa: E731
    assert "Presenter" not in {p.title for p in access.pages_for("admin", no_presenter)}
    assert access.default_page(access.pages_for(None, everything), None).title == "Transparency"
    assert access.default_page(access.pages_for("viewer", everything), "viewer").title == "Overview"
    no_transparency = lambda path: "transparency" not in path  # noqa: E731
    assert access.default_page(access.pages_for(None, no_transparency), None).title == "About"


def test_a_script_outside_the_table_needs_admin():
    assert access.required_role("pages/staff/new_page.py") == "admin"
    assert access.required_role(ROOT / "pages/staff/map.py") == "viewer"
    assert access.required_role(str(ROOT / "pages/public/about.py")) is None


def test_passwords_are_argon2id_hashes_and_verify(tmp_path):
    path = tmp_path / "users.yaml"
    users.add("Ann", "analyst", GOOD, path)
    text = path.read_text()
    assert GOOD not in text and "$argon2id$" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    known = users.load(path)
    assert users.verify(known, "ann", GOOD).role == "analyst"  # names are case-blind
    assert users.verify(known, "ann", GOOD + " ") is None
    assert users.verify(known, "bob", GOOD) is None


@pytest.mark.parametrize(
    "action, message",
    [
        (lambda p: users.add("ann", "analyst", GOOD, p), "there is already a user 'ann'"),
        (lambda p: users.add("bob", "boss", GOOD, p), "unknown role 'boss': use one of viewer, analyst, admin"),
        (lambda p: users.add("bob", "viewer", "short", p), "the password is too short: at least 15 characters"),
        (lambda p: users.add("bob", "viewer", " " + GOOD, p), "starts or ends with a space"),
        (lambda p: users.add("bob smith", "viewer", GOOD, p), "the name 'bob smith' cannot be used"),
        (lambda p: users.add("bob", "viewer", None, p), "must be the e-mail address"),
        (lambda p: users.set_role("zed", "admin", p), "there is no user 'zed'"),
        (lambda p: users.remove("zed", p), "there is no user 'zed'"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(tmp_path, action, message):
    path = tmp_path / "users.yaml"
    users.add("ann", "analyst", GOOD, path)
    before = path.read_bytes()
    with pytest.raises(users.UsersError, match=message):
        action(path)
    assert path.read_bytes() == before


def test_an_unreadable_file_says_what_to_do(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("users: [unclosed")
    with pytest.raises(users.UsersError, match="not readable YAML"):
        users.load(path)
    path.write_text("users:\n  ann: {role: chief}\n")
    with pytest.raises(users.UsersError, match="user 'ann' needs a role, one of viewer, analyst, admin"):
        users.load(path)


def test_oidc_roles_by_address_domain_and_users_file():
    known = {"chief@pd.example.org": users.User("chief@pd.example.org", "admin")}
    mapping = {"Ann@PD.example.org": "analyst", "@pd.example.org": "viewer", "x@other.org": "boss"}
    assert users.oidc_role("chief@pd.example.org", True, known, mapping) == "admin"
    assert users.oidc_role("ann@pd.example.org", True, known, mapping) == "analyst"
    assert users.oidc_role("someone@pd.example.org", None, known, mapping) == "viewer"
    assert users.oidc_role("someone@pd.example.org", False, known, mapping) is None  # unverified
    assert users.oidc_role("x@other.org", True, known, mapping) is None  # not a role
    assert users.oidc_role(None, True, known, mapping) is None
    # A password user's name is not an OIDC identity, even when it looks like an address.
    known["eve@pd.example.org"] = users.User("eve@pd.example.org", "admin", "$argon2id$...")
    assert users.oidc_role("eve@pd.example.org", True, known, {}) is None


def test_cli_add_list_role_remove(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "users.yaml")
    monkeypatch.setattr(sys, "stdin", io.StringIO(GOOD + "\n"))
    assert cli.main(["users", "--file", path, "add", "ann", "--role", "analyst", "--password-stdin"]) == 0
    assert cli.main(["users", "--file", path, "add", "chief@pd.example.org", "--role", "admin", "--oidc"]) == 0
    assert cli.main(["users", "--file", path, "role", "ann", "admin"]) == 0
    capsys.readouterr()
    assert cli.main(["users", "--file", path, "list"]) == 0
    out = capsys.readouterr().out
    assert "ann" in out and "admin    password" in out and "OIDC" in out and "argon2" not in out
    assert cli.main(["users", "--file", path, "remove", "ann"]) == 0
    assert list(users.load(path)) == ["chief@pd.example.org"]


def test_cli_refusals_exit_2_and_leave_the_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.yaml"
    users.add("ann", "analyst", GOOD, path)
    before = path.read_bytes()
    for argv, stdin, message in [
        (["add", "bob", "--role", "boss", "--password-stdin"], GOOD, "unknown role 'boss'"),
        (["add", "bob", "--role", "viewer", "--password-stdin"], "short", "the password is too short"),
        (["add", "ann", "--role", "viewer", "--password-stdin"], GOOD, "there is already a user 'ann'"),
        (["remove", "nobody"], "", "there is no user 'nobody'"),
    ]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin + "\n"))
        assert cli.main(["users", "--file", str(path), *argv]) == 2
        err = capsys.readouterr().err
        assert message in err and "The users file is unchanged." in err
        assert path.read_bytes() == before


def test_cli_prompts_twice_for_the_password(tmp_path):
    # A real terminal is not needed: getpass reads the controlling tty, else stdin with a warning.
    path = tmp_path / "users.yaml"
    run = subprocess.run(
        [sys.executable, "-m", "lib", "users", "--file", str(path), "add", "ann", "--role", "viewer"],
        input=f"{GOOD}\n{GOOD}x\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        start_new_session=True,
    )
    assert run.returncode == 2 and "the two passwords differ" in run.stderr
    assert not path.exists()


def test_cli_shows_and_clears_what_the_throttle_holds_back(tmp_path, capsys):
    db = str(tmp_path / "store.duckdb")
    from lib.store.connection import connect

    store = connect(db)
    throttle = users.Throttle(store)
    for _ in range(3):
        throttle.admit("Ann", "198.51.100.7")
    store.close()
    assert cli.main(["users", "throttled", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "1 held back" in out and "name    ann" in out and "3 attempts, next in 10 s" in out
    assert cli.main(["users", "throttled", "--db", db, "--clear", "ANN"]) == 0
    assert "ANN may try again at once." in capsys.readouterr().out
    assert cli.main(["users", "throttled", "--db", db]) == 0
    assert "0 held back" in capsys.readouterr().out
