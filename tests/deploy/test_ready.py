"""Readiness over HTTP (`python -m lib ready --serve`, lib/app/ready.py): what a proxy or monitor polls at /ready,
directly and through Debian's nginx with deploy/nginx/dashboard.conf."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lib.public import release
from lib.store.connection import connect
from tests.deploy.test_deploy import NGINX, _free_port, site_conf, start_nginx, start_ready, stop
from tests.public.test_release import _rows, _store
from tests.store.test_upgrade import FIXTURE


def get(url: str) -> tuple[int, dict, dict]:
    """(status, headers, the JSON body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def add_load(store, load_id: int, dataset: str = "t") -> None:
    store.execute(
        "INSERT INTO loads (load_id, kind, dataset, rows_loaded, loaded_at) "
        "VALUES (:i, 'incidents', :d, 1, CAST(current_timestamp AS TIMESTAMP))",
        {"i": load_id, "d": dataset},
    )


def test_ready_answers_200_once_the_release_is_current_and_503_naming_what_is_not(tmp_path):
    db = tmp_path / "store.duckdb"
    port = _free_port()
    server = start_ready(db, port)
    url = f"http://127.0.0.1:{port}/ready"
    try:
        # No store yet: the first check fails and nothing else is tried.
        status, headers, body = get(url)
        assert status == 503 and body == {"ready": False, "failed": ["store"], "checks": {"store": "failed"}}
        assert headers["Cache-Control"] == "no-store"

        # Data loaded, but no public release computed for it.
        store = _store(connect(str(db)), _rows(7, "2018-01-01", "2019-10-08"))
        store.drop_stage("staged")  # which holds the file for writing until dropped
        add_load(store, 1)
        status, _, body = get(url)
        assert status == 503 and body["failed"] == ["release"]
        assert body["checks"] == {"store": "ok", "schema": "ok", "data": "ok", "release": "failed"}

        # The release computed and audited for this data version: ready.
        assert release.ensure(store, "t").passed
        status, _, body = get(url)
        assert status == 200 and body == {
            "ready": True,
            "failed": [],
            "checks": {"store": "ok", "schema": "ok", "data": "ok", "release": "ok"},
        }

        # Twenty polls at once (a burst, or a flood through nginx) share runs of the checks: all answer the same.
        with ThreadPoolExecutor(20) as pool:
            burst = list(pool.map(lambda _: get(url), range(20)))
        assert {(status, json.dumps(body)) for status, _, body in burst} == {(200, json.dumps(body))}

        # A new load: the stored release is of an older data version, so not current any more.
        add_load(store, 2)
        status, _, body = get(url)
        assert status == 503 and body["failed"] == ["release"]
        # Off /ready: 404. HEAD answers like GET, without a body.
        assert get(f"http://127.0.0.1:{port}/")[0] == 404
        head = urllib.request.Request(url, method="HEAD")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(head, timeout=30)
        assert refused.value.code == 503 and refused.value.read() == b""
        store.close()
    finally:
        journal = stop(server)
    # The journal has a line per change of readiness, with the details the HTTP answer leaves out.
    lines = [line for line in journal.splitlines() if " dashboard.ready " in line]
    assert "readiness at http://127.0.0.1:" in lines[0]
    changes = [line.split(" dashboard.ready ", 1)[1] for line in lines[1:]]
    assert [c.split(":")[0] for c in changes] == [
        "WARNING not ready",
        "WARNING not ready",
        "INFO ready",
        "WARNING not ready",
    ]
    assert "There is no store" in changes[0]
    assert "python -m lib release --dataset 't'" in changes[1]


def test_ready_refuses_a_store_of_an_older_schema_and_answers_through_nginx(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed (apt-get install nginx)")
    old = tmp_path / "v1.duckdb"
    store = connect(str(old))
    store.execute(f"IMPORT DATABASE '{FIXTURE}'")
    store.close()
    site_root = tmp_path / "site"
    ready_port, nginx_port = _free_port(), _free_port()
    conf_text = site_conf([_free_port(), _free_port()], nginx_port, site_root, ready_port=ready_port)
    server = start_ready(old, ready_port, "--site", str(site_root / "current"), "--max-age-hours", "30")
    nginx = start_nginx(tmp_path / "nginx", conf_text)
    try:
        deadline = time.time() + 20
        while True:  # nginx answers (the site folder is empty: 404)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{nginx_port}/site/", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                assert nginx.poll() is None and time.time() < deadline, "nginx did not start"
                time.sleep(0.2)
        direct = get(f"http://127.0.0.1:{ready_port}/ready")
        proxied = get(f"http://127.0.0.1:{nginx_port}/ready")
        for status, _, body in (direct, proxied):
            assert status == 503
            assert body == {"ready": False, "failed": ["schema"], "checks": {"store": "ok", "schema": "failed"}}
        assert proxied[1]["Cache-Control"] == "no-store"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        journal = stop(server)
    assert "python -m lib upgrade" in journal
