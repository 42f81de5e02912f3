"""`python -m lib backup DIR` and `restore DIR` on both engines: the restored store says what the original said."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from lib.ingest import embedded
from lib.store import backup
from tests.conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ
    )


def info(db: str) -> dict:
    run = cli("info", "--json", "--db", db)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    data.pop("store")  # where it is, not what it holds
    return data


def _site(folder) -> dict:
    """The published site's data files (the figures every page draws), less the manifest's time of publishing."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.json"))}
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("generated")
    return {**files, "manifest.json": manifest}


@pytest.fixture
def stores(request, embedded_db, tmp_path):
    """(original, other) store URLs on one engine: a copy of the embedded data and an empty store."""
    if request.param == "duckdb":
        original = tmp_path / "original.duckdb"
        shutil.copy(embedded_db, original)
        return str(original), str(tmp_path / "restored.duckdb")
    pg = request.getfixturevalue("pg")
    other = request.getfixturevalue("pg_other")
    embedded.build(pg)
    return pg.url, other


@pytest.fixture
def pg_other(pg):
    """A second empty PostgreSQL database."""
    import uuid

    import psycopg

    from tests.conftest import PG_ADMIN

    name = f"dashboard_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("stores", ["duckdb", "postgresql"], indirect=True)
def test_a_restored_store_says_what_the_original_said(stores, tmp_path):
    original, other = stores
    folder = tmp_path / "backup"
    made = cli("backup", str(folder), "--db", original)
    assert made.returncode == 0, made.stderr
    before = info(original)
    site_before = tmp_path / "site-before"
    assert cli("publish", "--out", str(site_before), "--db", original).returncode == 0

    # Into another store (a new server), then into the original after a change (undoing it).
    restored = cli("restore", str(folder), "--db", other)
    assert restored.returncode == 0, restored.stderr
    assert info(other) == before
    site_after = tmp_path / "site-after"
    assert cli("publish", "--out", str(site_after), "--db", other).returncode == 0
    assert _site(site_after) == _site(site_before)

    from lib.store.connection import connect

    store = connect(original)
    store.execute("DELETE FROM incidents WHERE load_id = (SELECT min(load_id) FROM incidents)")
    store.close()
    assert info(original) != before
    assert cli("restore", str(folder), "--db", original).returncode == 0
    assert info(original) == before


def test_backup_refuses_a_folder_in_use_and_restore_a_folder_without_a_backup(embedded_db, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("keep me")
    run = cli("backup", str(used), "--db", str(db))
    assert run.returncode == 2 and "not empty" in run.stderr
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
    run = cli("restore", str(used), "--db", str(db))
    assert run.returncode == 2 and "holds no backup" in run.stderr and "Traceback" not in run.stderr


def test_a_restore_that_does_not_match_its_counts_changes_nothing(embedded_db, tmp_path):
    from lib.store.connection import connect

    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    folder = tmp_path / "backup"
    store = connect(str(db))
    manifest = backup.backup(store, folder)
    manifest["tables"]["incidents"] += 1  # a backup damaged since it was made
    (folder / backup.MANIFEST).write_text(json.dumps(manifest))
    store.execute("DELETE FROM loads WHERE load_id = 1")
    left = store.scalar("SELECT count(*) FROM loads")
    with pytest.raises(backup.BackupError, match="as it was"):
        backup.restore(store, folder)
    assert store.scalar("SELECT count(*) FROM loads") == left
    store.close()
