"""The docs say what the code does: settings, data kinds, pages and the README's commands are checked
against the code, and every link between the docs reaches its file and heading."""

import re
import shlex
from pathlib import Path

from lib.store import settings
from lib.store.schema import KINDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = {name: (ROOT / "docs" / f"{name}.md").read_text() for name in ("user-guide", "data", "methods", "operations")}


def test_every_setting_is_documented_with_its_default():
    rows = dict(re.findall(r"^\| `(DASHBOARD_\w+)` \| `([^`]*)` \|", DOCS["operations"], flags=re.M))
    for setting in settings.SETTINGS:
        assert setting.env in rows, f"{setting.env} missing from the settings table (docs/operations.md)"
        if setting.name not in ("db", "users_file"):  # paths shown relative to the project
            assert rows[setting.env] == str(setting.default)
    assert set(rows) == {s.env for s in settings.SETTINGS}


def test_every_field_of_every_kind_is_in_the_data_kinds_table():
    table = DOCS["data"].split("### Data kinds", 1)[1].split("\n\n", 2)[1]
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

    table = DOCS["user-guide"].split("## Sign-in and roles", 1)[1].split("| page | URL | script | needs |", 1)[1]
    rows = re.findall(r"^\| ([^|]+) \| [^|]+ \| `([^`]+)` \| ([^|]+) \|$", table.split("\n\n", 1)[0], flags=re.M)
    assert [(t, path, need.split(":")[0]) for t, path, need in rows] == [
        (p.title, p.path, p.role or "public") for p in access.PAGES
    ]


def test_the_readme_gives_the_two_commands_and_the_first_user():
    """A newcomer's first hour: the README's commands exist, and its password rule is the code's."""
    from lib import cli
    from lib.app import users

    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"the Makefile has no {target} target"
    entrance = README.split("## The docs", 1)[0]
    command = re.search(r"^\.venv/bin/python -m lib (users add [^#\n]+)", entrance, flags=re.M).group(1)
    args = cli._parser().parse_args(shlex.split(command))
    assert (args.action, args.role) == ("add", "admin")
    assert f"at least {users.MIN_PASSWORD} characters" in entrance


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_between_the_docs_reaches_its_file_and_heading():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and file.suffix == ".md":
                anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", file.read_text(), flags=re.M)}
                if anchor not in anchors:
                    broken.append(f"{page.name}: {target}")
    assert broken == []
