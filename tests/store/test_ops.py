"""`python -m lib ready` (readiness for a proxy or monitor) and the operations log's one line per load and publish."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT
from tests.store.test_upgrade import FIXTURE


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ
    )


def _lines(stderr: str, logger: str) -> list[str]:
    return [line for line in stderr.splitlines() if re.match(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {logger}", line)]


def test_ready_follows_the_store_the_data_and_the_site(embedded_db, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    site = tmp_path / "site"
    ok = cli("ready", "--db", str(db), "--max-age-hours", "48")
    assert ok.returncode == 0, ok.stdout
    assert "not ready" not in ok.stdout
    stale = cli("ready", "--db", str(db), "--max-age-hours", "0.0001")
    assert stale.returncode == 1 and "did the nightly job run" in stale.stdout
    unpublished = cli("ready", "--db", str(db), "--site", str(site))
    assert unpublished.returncode == 1 and "no published site" in unpublished.stdout

    published = cli("publish", "--out", str(site), "--db", str(db))
    assert published.returncode == 0, published.stderr
    assert len(_lines(published.stderr, r"dashboard\.publish INFO publish ok")) == 1
    assert cli("ready", "--db", str(db), "--site", str(site)).returncode == 0

    # A load after the site was published: the site is no longer current.
    csv = tmp_path / "new.csv"
    csv.write_text("id,date,offense,latitude,longitude\nn1,2019-06-01 10:00,THEFT,41.88,-87.63\n")
    loaded = cli("load", "incidents", str(csv), "--db", str(db))
    assert loaded.returncode == 0, loaded.stderr
    [line] = _lines(loaded.stderr, r"dashboard\.load")
    assert re.search(r"INFO load #\d+ ok: incidents new\.csv into 'new', 1 read, 1 loaded, 0 rejected", line)
    behind = cli("ready", "--db", str(db), "--site", str(site))
    assert behind.returncode == 1 and "before the newest load" in behind.stdout


def test_ready_says_when_the_store_is_missing_or_outdated(tmp_path):
    missing = cli("ready", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 1 and "There is no store" in missing.stdout
    old = tmp_path / "v1.duckdb"
    from lib.store.connection import connect

    store = connect(str(old))
    store.execute(f"IMPORT DATABASE '{FIXTURE}'")
    store.close()
    outdated = cli("ready", "--db", str(old))
    assert outdated.returncode == 1 and "python -m lib upgrade" in outdated.stdout


def test_a_failed_load_is_one_warning_line(embedded_db, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    bad = tmp_path / "bad.csv"
    bad.write_text("colour,size\nred,3\n")
    run = cli("load", "incidents", str(bad), "--db", str(db))
    assert run.returncode == 2
    [line] = _lines(run.stderr, r"dashboard\.load")
    assert "WARNING load of incidents bad.csv failed, nothing written" in line
