"""The deployment of docs/deploy.md on this machine: Debian's nginx with deploy/nginx/dashboard.conf in front of
two app processes on one PostgreSQL store, and the nightly job (deploy/nightly.sh) run once."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lib.ingest import embedded
from lib.public import release
from tests.browser.test_browser import wait_for_app
from tests.conftest import ROOT, screenshot, start_app, stop_app

SITE = ROOT / "deploy" / "nginx" / "dashboard.conf"
NIGHTLY = ROOT / "deploy" / "nightly.sh"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_conf(app_ports: list[int], port: int, site_root: Path, ready_port: int | None = None) -> str:
    """The site as shipped, with this test's ports and folders in place of the production ones."""
    text = SITE.read_text()
    ready = "proxy_pass http://127.0.0.1:8500;"
    for line in ("server 127.0.0.1:8501;", "server 127.0.0.1:8502;", "listen 80;", ready):
        assert line in text, f"the test rewrites {line!r}"
    text = text.replace(ready, f"proxy_pass http://127.0.0.1:{ready_port or _free_port()};")
    text = text.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{app_ports[0]};")
    text = text.replace("server 127.0.0.1:8502;", f"server 127.0.0.1:{app_ports[1]};")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("/var/lib/dashboard/site", str(site_root)).replace("/opt/dashboard", str(ROOT))
    return text


def start_nginx(conf: Path, site: str) -> subprocess.Popen:
    """Debian's nginx, as a foreground process with its files under ``conf``; logs which upstream served."""
    conf.mkdir(exist_ok=True)
    (conf / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {conf / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (conf / "nginx.conf").write_text(
        f"daemon off; pid {conf / 'nginx.pid'}; error_log {conf / 'error.log'};\n"
        # Workers read the site from pytest's private temporary folder (0700): run them as its owner.
        + ("user root;\n" if os.geteuid() == 0 else "")
        + "events { worker_connections 512; }\n"
        + "http { include /etc/nginx/mime.types; default_type application/octet-stream;\n"
        + "  log_format upstream '$dashboard_route $request_uri $status $upstream_addr';\n"
        + f"  access_log {conf / 'access.log'} upstream; {temp} include {conf / 'site.conf'}; }}\n"
    )
    return subprocess.Popen([NGINX, "-e", str(conf / "error.log"), "-p", str(conf), "-c", str(conf / "nginx.conf")])


def wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                pytest.fail(f"nginx did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.3)


def start_ready(db, port: int, *args: str) -> subprocess.Popen:
    """`python -m lib ready --serve` on ``port`` against the store ``db``, once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lib", "ready", "--serve", "--port", str(port), "--db", str(db), *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
        except urllib.error.HTTPError:
            return proc  # it answers (404 off /ready)
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"the readiness server did not start: {proc.communicate()[1]}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> str:
    """Stop the server; its journal lines."""
    proc.terminate()
    return proc.communicate(timeout=10)[1]


def _headers(message) -> dict:
    found = {k.lower(): v for k, v in message.items()}
    found["set-cookie"] = message.get_all("Set-Cookie") or []
    return found


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    """(status, headers with every Set-Cookie as a list, body)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, _headers(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, _headers(exc.headers), b""


@pytest.fixture
def deployment(pg, users_file, tmp_path):
    """(URL through nginx, the site root, the nginx folder, the store URL, the app ports)."""
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed (apt-get install nginx)")
    embedded.build(pg)
    release.refresh(pg)  # as `python -m lib setup` does: the public pages read the releases
    env = {"DASHBOARD_USERS_FILE": str(users_file)}
    apps = [start_app(pg.url, tmp_path, env=env, log=tmp_path / f"app{i}.log") for i in range(2)]
    ports = [int(url.rsplit(":", 1)[1]) for _, url in apps]
    port, ready_port = _free_port(), _free_port()
    site_root = tmp_path / "site"
    conf = tmp_path / "nginx"
    nginx = start_nginx(conf, site_conf(ports, port, site_root, ready_port=ready_port))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/_stcore/health", nginx, conf / "error.log")
        yield url, site_root, conf, pg.url, ports, ready_port
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for proc, _ in apps:
            stop_app(proc)


def test_two_app_processes_behind_nginx_and_the_nightly_job(deployment, page, tmp_path):
    url, site_root, conf, db, ports, ready_port = deployment
    extract = tmp_path / "extract.csv"
    assert (
        subprocess.run([sys.executable, "-m", "lib", "demo", "--incidents", "2000", "--csv", str(extract)]).returncode
        == 0
    )

    nightly = subprocess.run(
        ["bash", str(NIGHTLY)],
        env={
            **os.environ,
            "DASHBOARD_DB": db,
            "DASHBOARD_HOME": str(ROOT),
            "DASHBOARD_PYTHON": sys.executable,
            "DASHBOARD_EXTRACT": str(extract),
            "DASHBOARD_EXTRACT_DATASET": "rms",
            "DASHBOARD_SITE_ROOT": str(site_root),
            "DASHBOARD_BACKUP_ROOT": str(tmp_path / "backups"),
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert nightly.returncode == 0, nightly.stderr[-3000:] + nightly.stdout[-2000:]
    # One line each in the journal: the backup, the load, the publish, the swap; then readiness.
    for what in ("dashboard.backup INFO backup ok", "dashboard.load INFO load #", "dashboard.publish INFO publish ok"):
        assert len([line for line in nightly.stderr.splitlines() if what in line]) == 1, what
    assert "dashboard.nightly INFO site" in nightly.stderr
    assert "not ready" not in nightly.stdout and "ok: site published" in nightly.stdout
    assert "ok: the audited public release of 'rms' is current" in nightly.stdout
    assert json.loads((site_root / "current" / "manifest.json").read_text())["dataset"] == "rms"  # the extract's
    assert (site_root / "current").is_symlink()
    assert len(list((tmp_path / "backups").iterdir())) == 1

    # The public site from nginx: the page, its data compressed, cache headers by kind.
    status, headers, body = fetch(f"{url}/site/")
    assert status == 200 and b"<html" in body.lower()
    assert "max-age=300" in headers["cache-control"]
    asset = next(p for p in (site_root / "current" / "assets").iterdir() if p.suffix == ".js")
    status, headers, body = fetch(f"{url}/site/assets/{asset.name}", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == asset.read_bytes()
    assert "max-age=604800" in headers["cache-control"]
    # A figure's CSV download: named as CSV (Debian's mime.types has no csv) and compressed on the fly.
    csv = max((site_root / "current").rglob("*.csv"), key=lambda p: p.stat().st_size)
    status, headers, body = fetch(f"{url}/site/{csv.relative_to(site_root / 'current')}", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-type"] == "text/csv" and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == csv.read_bytes()
    # The vendored Leaflet, otherwise served by the app.
    leaflet = ROOT / "static" / "vendor" / "leaflet-1.9.3" / "leaflet.js"
    status, headers, body = fetch(f"{url}/app/static/vendor/leaflet-1.9.3/leaflet.js", **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == leaflet.read_bytes() and "immutable" in headers["cache-control"]
    # Streamlit's web client and the map component, from the installed packages by nginx itself (no upstream
    # in the log): compressed, the hashed bundle kept a year.
    import streamlit
    import streamlit_folium

    bundle = max((Path(streamlit.__file__).parent / "static" / "static" / "js").glob("index.*.js"), key=os.path.getsize)
    status, headers, body = fetch(f"{url}/static/js/{bundle.name}", **{"Accept-Encoding": "gzip"})
    assert (
        status == 200 and headers.get("content-encoding") == "gzip" and headers["content-type"].endswith("javascript")
    )
    assert gzip.decompress(body) == bundle.read_bytes() and "immutable" in headers["cache-control"]
    frame = Path(streamlit_folium.__file__).parent / "frontend" / "build" / "index.html"
    status, headers, body = fetch(f"{url}/component/streamlit_folium.st_folium/index.html")
    assert status == 200 and body == frame.read_bytes() and "max-age=3600" in headers["cache-control"]
    by_nginx = [line.split() for line in (conf / "access.log").read_text().splitlines()]
    for path in (f"/static/js/{bundle.name}", "/component/streamlit_folium.st_folium/index.html"):
        assert [fields[-1] for fields in by_nginx if fields[1] == path] == ["-"], path
    # Liveness through the proxy, internals not; readiness (deploy/systemd/dashboard-ready.service) from its process.
    assert fetch(f"{url}/_stcore/health")[0] == 200
    assert fetch(f"{url}/ready")[0] == 502  # the readiness process is not running: not ready either
    ready = start_ready(db, ready_port, "--site", str(site_root / "current"), "--max-age-hours", "30")
    try:
        status, headers, body = fetch(f"{url}/ready")
    finally:
        stop(ready)
    assert status == 200 and headers["cache-control"] == "no-store", body
    checks = json.loads(body)["checks"]
    assert checks == dict.fromkeys(("store", "schema", "data", "fresh", "site", "release"), "ok")
    assert fetch(f"{url}/_stcore/metrics")[0] == 404

    # The dashboard through nginx (websocket and all), with the nightly load in it.
    page.goto(url)
    wait_for_app(page, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "deploy-through-nginx")
    # Sticky: a new browser gets a route cookie, one that has it is not given another ...
    [first] = [c for c in fetch(f"{url}/")[1]["set-cookie"] if c.startswith("dashboard_route=")]
    assert "HttpOnly" in first
    again = fetch(f"{url}/", Cookie=first.split(";")[0])[1]["set-cookie"]
    assert not [c for c in again if c.startswith("dashboard_route=")]
    # ... and every request of the browser above (its cookie, its websocket) went to one of the two processes.
    [cookie] = [c["value"] for c in page.context.cookies() if c["name"] == "dashboard_route"]
    page.goto("about:blank")  # nginx logs the websocket when it closes
    time.sleep(2)
    logged = [line.split() for line in (conf / "access.log").read_text().splitlines() if line.startswith(cookie)]
    served = [fields for fields in logged if fields[-1] != "-"]  # not the files nginx served itself (Leaflet)
    assert any("/_stcore/stream" in uri for _, uri, *_ in served)
    upstreams = {fields[-1] for fields in served}
    assert len(upstreams) == 1 and upstreams <= {f"127.0.0.1:{p}" for p in ports}, upstreams
    for p in ports:
        assert fetch(f"http://127.0.0.1:{p}/_stcore/health")[0] == 200
