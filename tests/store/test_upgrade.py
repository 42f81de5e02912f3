"""Schema versions and `python -m lib upgrade`, from a store built by schema version 1 (fixtures/schema_v1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h3
import pandas as pd
import pytest

from lib.constants import H3_RESOLUTIONS
from lib.ingest import load as ingest
from lib.ingest import spatial
from lib.store import versions
from lib.store.connection import connect
from tests.conftest import ROOT

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema_v1"
COLS = [f"h3_{r}" for r in H3_RESOLUTIONS]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ
    )


@pytest.fixture
def v1(tmp_path) -> Path:
    """A DuckDB file holding the schema-1 fixture."""
    path = tmp_path / "v1.duckdb"
    store = connect(str(path))
    store.execute(f"IMPORT DATABASE '{FIXTURE}'")
    store.close()
    return path


def _wrong_cells(store, table: str) -> int:
    """Rows whose cell at some resolution is not the one holding their point (h3, row by row)."""
    rows = store.query(f"SELECT latitude, longitude, {', '.join(COLS)} FROM {table} WHERE latitude IS NOT NULL")
    return sum(
        any(getattr(r, f"h3_{res}") != h3.latlng_to_cell(r.latitude, r.longitude, res) for res in H3_RESOLUTIONS)
        for r in rows.itertuples()
    )


def test_the_fixture_is_a_version_1_store_with_old_cells(v1):
    store = connect(str(v1), read_only=True)
    assert versions.version(store) == 1
    assert _wrong_cells(store, "incidents") > 0
    store.close()


def test_commands_refuse_an_older_store_and_say_what_to_run(v1, tmp_path):
    csv = tmp_path / "one.csv"
    csv.write_text("id,date,offense,latitude,longitude\n1,2024-01-01 10:00,THEFT,41.88,-87.63\n")
    for args in (("load", "incidents", str(csv)), ("publish", "--out", str(tmp_path / "site"))):
        run = cli(*args, "--db", str(v1))
        assert run.returncode == 2
        assert "schema version 1" in run.stderr and "python -m lib upgrade" in run.stderr
        assert "Traceback" not in run.stderr
    store = connect(str(v1), read_only=True)
    assert store.scalar("SELECT count(*) FROM loads") == 2  # nothing was loaded
    assert not (tmp_path / "site").exists()
    store.close()


def test_upgrade_migrates_in_place_and_recomputes_the_cells(v1):
    before = connect(str(v1), read_only=True)
    counts = {t: before.scalar(f"SELECT count(*) FROM {t}") for t in ("incidents", "events", "loads")}
    ids = before.query("SELECT incident_id, occurred_at, offense FROM incidents ORDER BY incident_id")
    before.close()

    run = cli("upgrade", "--db", str(v1))
    assert run.returncode == 0, run.stderr
    assert "from schema version 1 to 2" in run.stdout

    store = connect(str(v1))
    assert versions.version(store) == versions.CURRENT
    assert {t: store.scalar(f"SELECT count(*) FROM {t}") for t in counts} == counts
    pd.testing.assert_frame_equal(
        store.query("SELECT incident_id, occurred_at, offense FROM incidents ORDER BY incident_id"), ids
    )
    assert _wrong_cells(store, "incidents") == 0
    assert _wrong_cells(store, "events") == 0
    store.close()
    again = cli("upgrade", "--db", str(v1))
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert cli("info", "--db", str(v1)).returncode == 0


def test_a_failed_upgrade_leaves_the_store_as_it_was(v1):
    store = connect(str(v1))
    old = store.query(f"SELECT incident_id, {', '.join(COLS)} FROM incidents ORDER BY incident_id")

    def recompute_then_fail(s):
        spatial.recompute_h3_cells(s)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        versions.upgrade(store, {"h3_cells": recompute_then_fail})
    assert versions.version(store) == 1
    assert versions.TABLE not in store.tables()
    pd.testing.assert_frame_equal(
        store.query(f"SELECT incident_id, {', '.join(COLS)} FROM incidents ORDER BY incident_id"), old
    )
    store.close()


def test_a_new_store_is_current_and_a_newer_one_is_refused(duck):
    from lib.store import schema

    schema.create_tables(duck)
    assert versions.version(duck) == versions.CURRENT
    versions.check(duck)
    versions.stamp(duck, versions.CURRENT + 1, "from the future")
    with pytest.raises(versions.OutdatedStore, match="newer"):
        versions.check(duck)


def test_upgrade_on_postgresql(pg, tmp_path):
    csv = tmp_path / "few.csv"
    csv.write_text(
        "id,date,offense,latitude,longitude\n"
        "1,2019-01-01 10:00,THEFT,41.8781,-87.6298\n2,2019-01-02 11:00,BATTERY,41.7943,-87.5907\n"
    )
    ingest.load(pg, "incidents", str(csv))
    # Schema 1 as such stores held it: no version table, coarser cells as parents of the finest.
    pg.execute(f"DROP TABLE {versions.TABLE}")
    for res in (7, 8, 9):
        pg.execute(f"UPDATE incidents SET h3_{res} = :c WHERE incident_id = '2'", {"c": "87" + "f" * 13})
    assert versions.version(pg) == 1 and _wrong_cells(pg, "incidents") == 1
    steps = versions.upgrade(pg, {"h3_cells": spatial.recompute_h3_cells})
    assert [s.version for s in steps] == [2]
    assert versions.version(pg) == versions.CURRENT
    assert _wrong_cells(pg, "incidents") == 0
