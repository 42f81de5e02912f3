"""deploy/nginx/dashboard.conf with Debian's nginx in front of a served app: the dashboard works through it
(pages, websocket, sign-in), and what is internal does not: metrics, the agent API, nginx's version, and
a client's own X-Forwarded-For (the throttle would count a made-up address)."""

from __future__ import annotations

import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser.test_browser import wait_for_app
from tests.conftest import ROOT, screenshot, sign_in, start_app, stop_app
from tests.deploy.test_deploy import start_nginx

SITE = ROOT / "deploy" / "nginx" / "dashboard.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _site(app_port: int, port: int) -> str:
    """The site as shipped, pointed at this test's app and listening on a loopback port; the files nginx
    serves itself (Streamlit's web client, the map component, Leaflet) from this checkout."""
    text = SITE.read_text()
    assert "server 127.0.0.1:8501;" in text and "listen 80;" in text, "the test rewrites these two lines"
    text = text.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{app_port};")
    return text.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("/opt/dashboard", str(ROOT))


@pytest.fixture
def proxied(embedded_db, users_file, tmp_path):
    """(URL through nginx, the app's log)."""
    if not Path(NGINX).exists():
        pytest.skip("nginx not installed (apt-get install nginx)")
    log = tmp_path / "server.log"
    proc, app_url = start_app(embedded_db, tmp_path, env={"DASHBOARD_USERS_FILE": str(users_file)}, log=log)
    port = _free_port()
    conf = tmp_path / "nginx"
    # As the deployment test starts it: Debian's mime.types (the web client's scripts need their type).
    nginx = start_nginx(conf, _site(int(app_url.rsplit(":", 1)[1]), port))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or nginx.poll() is not None:
                    pytest.fail(f"nginx did not start: {(conf / 'error.log').read_text()}")
                time.sleep(0.3)
        yield url, log
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        stop_app(proc)


def _status(url: str, **headers) -> int:
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_internal_endpoints_stay_behind_the_proxy(proxied):
    url, _ = proxied
    response = urllib.request.urlopen(f"{url}/_stcore/health", timeout=10)
    assert response.status == 200 and response.headers["Server"] == "nginx"  # no version
    for path in (
        "/_stcore/metrics",
        "/_stcore/metrics/",
        "/_stcore//metrics",
        "/_stcore/%6detrics",
        "/_stcore/metrics?families=session_events",
        "/_stcore/agent/openapi.json",
        "/_stcore/agent/mcp",
    ):
        assert _status(url + path) == 404, path


def test_the_dashboard_works_through_the_proxy_and_a_forged_address_counts_for_nothing(browser, proxied):
    url, log = proxied
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, extra_http_headers={"X-Forwarded-For": "203.0.113.77"}
    )
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, "proxy_transparency")
    sign_in(page, f"{url}/overview", "viewer")  # a form post over the websocket, through nginx
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == "Community policing at a glance"
    logged = log.read_text()
    assert "Sign-in: password checked for 'viewer' from local: right" in logged  # nginx's address, not the forged one
    assert "203.0.113.77" not in logged
    context.close()
