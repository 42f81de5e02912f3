"""The shape of lib/ (docs/architecture.md): packages by domain, one import direction, Streamlit in lib.app only."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
]
PACKAGES = {"store", "ingest", "stats", "maps", "trust", "engagement", "public", "deck", "app", "accountability"}


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(LINT, cwd=folder, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("lib/store/schema.py", "from lib.app import cached", "lib/ packages import downwards only"),
        ("lib/stats/kde.py", "from lib.public import privacy", "lib/ packages import downwards only"),
        ("lib/trust/scores.py", "from lib.engagement import events", "lib/ packages import downwards only"),
        ("lib/public/i18n.py", "import streamlit", "only lib.app imports Streamlit"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(tmp_path, module, line, contract):
    """The contracts are not vacuous: one wrong-way import in a copy of the project fails the check."""
    shutil.copytree(ROOT / "lib", tmp_path / "lib", ignore=shutil.ignore_patterns("__pycache__", "locales"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout
    assert f"{contract} BROKEN" in result.stdout


def test_lib_top_level_holds_only_the_entry_modules_and_packages():
    modules = {p.name for p in (ROOT / "lib").glob("*.py")}
    assert modules == {"__init__.py", "__main__.py", "cli.py", "constants.py"}
    packages = {p.name for p in (ROOT / "lib").iterdir() if (p / "__init__.py").exists()}
    assert packages == PACKAGES


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_package_says_what_it_owns_and_may_import(package):
    doc = (ROOT / "lib" / package / "__init__.py").read_text()
    assert doc.startswith('"""') and "import" in doc.split('"""')[1]


def test_tests_mirror_the_packages():
    folders = {p.name for p in (ROOT / "tests").iterdir() if (p / "__init__.py").exists()}
    assert PACKAGES - {"store"} <= folders
