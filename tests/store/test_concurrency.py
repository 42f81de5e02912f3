"""Loads, publishing and `info` beside the live app on the same store (lib/store/connection.py).

DuckDB lets one process write a file at a time; the store's connections are short-lived so the app,
the command line and the nightly job take turns, and a writer that cannot get its turn says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lib.store.connection import StoreBusy, connect
from tests.browser.test_browser import wait_for_app
from tests.conftest import ROOT, screenshot, start_app, stop_app


def cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _incidents(path: Path) -> int:
    store = connect(str(path), read_only=True)
    try:
        return int(store.scalar('SELECT sum("count") FROM incidents'))
    finally:
        store.close()


def _visit(page, url: str) -> str | None:
    """Open the Transparency page; the error it shows, if any."""
    page.goto(url)
    wait_for_app(page, timeout=120_000)
    if page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count():
        return page.inner_text("[data-testid='stMain']")[:500]
    return None


def _while_visiting(page, url: str, *args: str) -> tuple[subprocess.CompletedProcess, list[str], int]:
    """Run a CLI command while a visitor keeps reloading the page; (its result, errors shown, visits)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lib", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    errors, visits = [], 0
    while proc.poll() is None or visits == 0:
        error = _visit(page, url)
        errors += [error] if error else []
        visits += 1
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), errors, visits


def test_load_publish_and_info_run_while_the_app_serves_the_store(embedded_db, users_file, page, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    proc, url = start_app(embedded_db, served, env={"DASHBOARD_USERS_FILE": str(users_file)})
    db = served / "served.duckdb"
    csv = tmp_path / "nightly.csv"
    assert cli("demo", "--incidents", "60000", "--seed", "3", "--csv", str(csv)).returncode == 0
    before = _incidents(db)
    site = tmp_path / "site"
    try:
        assert _visit(page, url) is None  # the app has the store open
        load, load_errors, load_visits = _while_visiting(
            page, url, "load", "incidents", str(csv), "--dataset", "nightly", "--db", str(db)
        )
        publish, publish_errors, _ = _while_visiting(page, url, "publish", "--out", str(site), "--db", str(db))
        info, info_errors, _ = _while_visiting(page, url, "info", "--json", "--db", str(db))
        for step in (load, publish, info):
            assert step.returncode == 0, step.stderr[-2000:]
            assert "Traceback" not in step.stderr
        assert not load_errors + publish_errors + info_errors
        assert load_visits >= 2  # the page was served during the load, not only after it
        assert (site / "index.html").exists()
        assert "nightly" in {d["dataset"] for d in json.loads(info.stdout)["loads"]}
        assert _incidents(db) == before + 60000
        screenshot(page, "store-load-beside-the-app")
    finally:
        stop_app(proc)


def test_readers_see_a_load_whole_or_not_at_all(embedded_db, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    csv = tmp_path / "more.csv"
    assert cli("demo", "--incidents", "40000", "--seed", "5", "--csv", str(csv)).returncode == 0
    before = _incidents(db)
    loading = subprocess.Popen(
        [sys.executable, "-m", "lib", "load", "incidents", str(csv), "--dataset", "more", "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = set()
    reader = connect(str(db), read_only=True)
    while loading.poll() is None:
        seen.add(int(reader.scalar('SELECT sum("count") FROM incidents')))
        time.sleep(0.05)
    seen.add(int(reader.scalar('SELECT sum("count") FROM incidents')))
    reader.close()
    assert loading.returncode == 0, loading.stderr.read()[-2000:]
    assert seen == {before, before + 40000}


def test_a_writer_that_cannot_get_its_turn_says_so_and_changes_nothing(embedded_db, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    csv = tmp_path / "small.csv"
    csv.write_text("id,date,offense,latitude,longitude\n1,2024-01-01 10:00,THEFT,41.88,-87.63\n")
    before = _incidents(db)
    holder = connect(str(db))
    with holder.transaction():  # e.g. another load's long transaction
        holder.execute("UPDATE loads SET messages = messages")
        started = time.monotonic()
        run = cli("load", "incidents", str(csv), "--db", str(db), env={"DASHBOARD_LOCK_TIMEOUT": "2"})
        waited = time.monotonic() - started
    holder.close()
    assert run.returncode == 2
    assert "busy" in run.stderr and "DASHBOARD_LOCK_TIMEOUT" in run.stderr
    assert "Traceback" not in run.stderr
    assert waited >= 2
    assert _incidents(db) == before


def test_a_reader_waits_for_a_writer_within_the_timeout(embedded_db, tmp_path, monkeypatch):
    db = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, db)
    monkeypatch.setenv("DASHBOARD_LOCK_TIMEOUT", "1")
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from lib.store.connection import connect; s = connect(sys.argv[1]);\n"
            "with s.transaction():\n    s.execute('UPDATE loads SET messages = messages'); print('held', flush=True);"
            " time.sleep(4)",
            str(db),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "held"
    reader = connect(str(db), read_only=True)
    with pytest.raises(StoreBusy, match="DASHBOARD_LOCK_TIMEOUT"):
        reader.scalar("SELECT count(*) FROM loads")
    reader.lock_timeout = 30
    assert reader.scalar("SELECT count(*) FROM loads") > 0  # its turn comes when the writer commits
    writer.wait(timeout=30)
    reader.close()


def test_postgresql_keeps_each_process_within_its_pool(pg, monkeypatch):
    monkeypatch.setenv("DASHBOARD_POOL_SIZE", "2")
    store = connect(pg.url)
    store.execute("CREATE TABLE t (a BIGINT)")
    store.execute("INSERT INTO t SELECT generate_series(1, 1000)")
    peak = []
    results = []

    def work() -> None:
        for _ in range(5):
            results.append(store.scalar("SELECT sum(a) FROM t, pg_sleep(0.05)"))
            peak.append(
                pg.scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND query LIKE 'SELECT sum(a)%'"
                )
            )

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    assert results == [500500] * 40
    assert max(peak) <= 2
