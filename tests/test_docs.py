"""The README documents what the code does: settings and data kinds are checked against the code."""

import re
from pathlib import Path

from lib.store import settings
from lib.store.schema import KINDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented_with_its_default():
    rows = dict(re.findall(r"^\| `(DASHBOARD_\w+)` \| `([^`]*)` \|", README, flags=re.M))
    for setting in settings.SETTINGS:
        assert setting.env in rows, f"{setting.env} missing from the README's settings table"
        if setting.name not in ("db", "users_file"):  # paths shown relative to the project
            assert rows[setting.env] == str(setting.default)
    assert set(rows) == {s.env for s in settings.SETTINGS}


def test_every_field_of_every_kind_is_in_the_readme_table():
    table = README.split("### Data kinds", 1)[1].split("\n\n", 2)[1]
    for kind in KINDS.values():
        line = next(l for l in table.splitlines() if l.startswith(f"| {kind.name} |"))
        for field in kind.fields:
            shown = f"**{field.name}**" if field.required else field.name
            assert shown in line, f"{kind.name}.{field.name} not documented as {shown}"


def test_list_parameters_carry_their_type():
    """PostgreSQL cannot type a bare list parameter: `unnest(:x)` fails there while DuckDB passes."""
    lib = Path(__file__).resolve().parent.parent / "lib"
    bare = [
        f"{p}: {line.strip()}"
        for p in lib.rglob("*.py")
        for line in p.read_text().splitlines()
        if re.search(r"unnest\(:\w+\)", line)
    ]
    assert bare == []


def test_the_access_table_is_the_one_in_the_code():
    from lib.app import access

    table = README.split("## Sign-in and roles", 1)[1].split("| page | URL | script | needs |", 1)[1]
    rows = re.findall(r"^\| ([^|]+) \| [^|]+ \| `([^`]+)` \| ([^|]+) \|$", table.split("\n\n", 1)[0], flags=re.M)
    assert [(t, path, need.split(":")[0]) for t, path, need in rows] == [
        (p.title, p.path, p.role or "public") for p in access.PAGES
    ]
