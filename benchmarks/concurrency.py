"""Transparency page under concurrent visitors: one app process against two behind nginx (deploy/nginx/dashboard.conf).

Bounded and on loopback only: a copy of the embedded store (DuckDB; app processes only read it, and
DuckDB lets several processes read one file), app processes started as `python -m lib serve`, Debian's
nginx with the shipped site file (ports and folders rewritten as in tests/deploy/test_deploy.py), and
headless Chromium. Each visitor is a new browser (its own route cookie, so nginx spreads them over the
processes). Time to content: from navigation until the page's title is drawn and Streamlit shows
neither its running indicator nor skeletons. Every process is warmed by one visit first (the page
caches its figures per data version), so the figures are for a page whose figures are built.

    .venv/bin/python benchmarks/concurrency.py [--visitors 1 10] [--timeout 180] [--client browser|protocol]

``--client protocol`` replaces Chromium by a client of Streamlit's own protocol: each visitor opens the
app's websocket (/_stcore/stream) through nginx, asks for a run of the page (a ``rerun_script`` BackMsg,
streamlit's protobufs) and is timed until the run's ``script_finished`` message; an exception element or a
run that does not finish is an error. It costs the machine almost nothing, so with two cores and fifty
visitors the figures are the servers', not the browsers'. It fetches no HTML, JavaScript or fonts (nginx
serves those, deploy/nginx/dashboard.conf) and draws nothing, so browser figures are longer.
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


async def protocol_visit(url: str, timeout: float, page: str = "transparency") -> float | None:
    """Seconds from opening the websocket to the page's run finished, or None for an error or a timeout."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
                ask = BackMsg()
                ask.rerun_script.page_name = page
                await ws.send(ask.SerializeToString())
                while True:
                    msg = ForwardMsg()
                    msg.ParseFromString(await ws.recv())
                    kind = msg.WhichOneof("type")
                    if kind == "delta" and msg.delta.new_element.WhichOneof("type") == "exception":
                        return None
                    if kind == "script_finished":
                        if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                            return time.perf_counter() - t0
                        if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                            return None
    except Exception:
        return None


async def protocol_wave(url: str, n: int, timeout: float, warm: list[str]) -> list[float | None]:
    for direct in warm:
        await protocol_visit(direct, timeout)
    return list(await asyncio.gather(*(protocol_visit(url, timeout) for _ in range(n))))


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--client", choices=("browser", "protocol"), default="browser")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--db", help="A built store to copy (default: build the embedded data and its releases)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = tmp / "bench.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            store = connect(str(db))
            embedded.build(store)
            from lib.public import release

            release.refresh(store)  # as `python -m lib setup` does: the public page reads the releases
            store.close()
        what = "time to content" if args.client == "browser" else "websocket open to script_finished"
        print(f"{os.cpu_count()} cores; Transparency page, {what} (s), client {args.client}, warmed processes")
        print("| processes | visitors | median | 95th percentile | errors | wall | load average before / after |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for processes in args.processes:
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
                    load0 = Path("/proc/loadavg").read_text().split()[0]
                    t0 = time.perf_counter()
                    runner = wave if args.client == "browser" else protocol_wave
                    results = asyncio.run(runner(url, n, args.timeout, warm))
                    wall = time.perf_counter() - t0
                    load1 = Path("/proc/loadavg").read_text().split()[0]
                    warm = []
                    ok = [r for r in results if r is not None]
                    med = f"{statistics.median(ok):.2f}" if ok else "-"
                    top = f"{p95(ok):.2f}" if ok else "-"
                    row = f"| {processes} | {n} | {med} | {top} | {len(results) - len(ok)} | {wall:.0f} s | {load0} / {load1} |"
                    print(row, flush=True)
            finally:
                nginx.terminate()
                nginx.wait(timeout=10)
                for proc, _ in apps:
                    proc.terminate()
                    proc.wait(timeout=20)
                shutil.rmtree(conf, ignore_errors=True)


if __name__ == "__main__":
    main()
