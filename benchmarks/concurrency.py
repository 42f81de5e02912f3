"""Transparency page under concurrent visitors: one app process against two behind nginx (deploy/nginx/dashboard.conf).

Bounded and on loopback only: a copy of the embedded store (DuckDB; app processes only read it, and
DuckDB lets several processes read one file), app processes started as `python -m lib serve`, Debian's
nginx with the shipped site file (ports and folders rewritten as in tests/deploy/test_deploy.py), and
headless Chromium. Each visitor is a new browser (its own route cookie, so nginx spreads them over the
processes). Time to content: from navigation until the page's title is drawn and Streamlit shows
neither its running indicator nor skeletons. Every process is warmed by one visit first (the page
caches its figures per data version), so the figures are for a page whose figures are built.

    .venv/bin/python benchmarks/concurrency.py [--visitors 1 10] [--timeout 180]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.ingest import embedded  # noqa: E402
from lib.store.connection import connect  # noqa: E402
from tests.deploy.test_deploy import _free_port, site_conf, start_nginx  # noqa: E402

CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
READY = (
    "() => document.querySelector('h1') && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
)


def serve(db: Path, folder: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lib", "serve", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, "DASHBOARD_DB": str(db)},
        stdout=open(folder / f"app{port}.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc, port
        except OSError:
            time.sleep(0.5)
    raise SystemExit("an app process did not start")


async def visit(browser, url: str, timeout: float) -> float | None:
    """Seconds to content for one new visitor, or None for an error or a timeout."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    t0 = time.perf_counter()
    try:
        await page.goto(url, timeout=timeout * 1000)
        await page.wait_for_function(READY, timeout=timeout * 1000)
        if await page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count():
            return None
        return time.perf_counter() - t0
    except Exception:
        return None
    finally:
        await context.close()


async def wave(url: str, n: int, timeout: float, warm: list[str]) -> list[float | None]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for direct in warm:
            await visit(browser, direct, timeout)
        results = await asyncio.gather(*(visit(browser, url, timeout) for _ in range(n)))
        await browser.close()
    return list(results)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "bench.duckdb"
        store = connect(str(db))
        embedded.build(store)
        store.close()
        print(f"{os.cpu_count()} cores; Transparency page, time to content (s), each wave on warmed processes")
        print("| processes | visitors | median | 95th percentile | errors |")
        print("| --- | --- | --- | --- | --- |")
        for processes in (1, 2):
            apps = [serve(db, tmp) for _ in range(processes)]
            ports = [port for _, port in apps]
            conf = tmp / f"nginx{processes}"
            listen = _free_port()
            nginx = start_nginx(conf, site_conf([ports[0], ports[-1]], listen, tmp / "site"))
            time.sleep(1)
            url = f"http://127.0.0.1:{listen}/"
            warm = [f"http://127.0.0.1:{p}/" for p in ports]
            try:
                for n in args.visitors:
                    results = asyncio.run(wave(url, n, args.timeout, warm))
                    warm = []
                    ok = [r for r in results if r is not None]
                    med = f"{statistics.median(ok):.1f}" if ok else "-"
                    top = f"{p95(ok):.1f}" if ok else "-"
                    print(f"| {processes} | {n} | {med} | {top} | {len(results) - len(ok)} |", flush=True)
            finally:
                nginx.terminate()
                nginx.wait(timeout=10)
                for proc, _ in apps:
                    proc.terminate()
                    proc.wait(timeout=20)
                shutil.rmtree(conf, ignore_errors=True)


if __name__ == "__main__":
    main()
