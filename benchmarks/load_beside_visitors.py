"""A 1M-row nightly load while visitors browse the Transparency page (issue 17).

Bounded and on loopback only. Three phases on copies of the embedded store (DuckDB):

1. quiet load: `python -m lib load incidents` of N synthetic incidents, nothing else running;
2. quiet visitors: one app process (`python -m lib serve`), V headless Chromium visitors each opening the
   Transparency page again and again for a fixed time;
3. both at once: the same visitors while the same load runs from the command line against the store the
   app serves.

It reports the load's wall time quiet and beside the visitors, and the visitors' median and 95th
percentile time to content (navigation until the title is drawn with no running indicator or skeleton),
with errors (a page showing an exception or error box, or a visit that timed out). The load includes its
own release refresh (the new dataset's public release is computed and audited in the same command), as
a department's nightly job runs it.

    .venv/bin/python benchmarks/load_beside_visitors.py [--incidents 1000000] [--visitors 10] [--quiet-seconds 60]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.concurrency import CHROMIUM, p95, serve, visit  # noqa: E402
from lib.ingest import demo, embedded  # noqa: E402
from lib.store.connection import connect  # noqa: E402


def load_command(csv: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "lib", "load", "incidents", str(csv), "--dataset", "nightly", "--db", str(db)]


def timed_load(csv: Path, db: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(load_command(csv, db), cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return time.perf_counter() - start


async def visitor(browser, url: str, until, timeout: float, times: list[float], errors: list[str]) -> None:
    """Open the page again and again in new contexts (concurrency.visit) while ``until()`` is false."""
    while not until():
        seconds = await visit(browser, url, timeout)
        if seconds is None:
            errors.append("error or timeout")
        else:
            times.append(seconds)


async def browse(url: str, visitors: int, until, timeout: float) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        await visit(browser, url, timeout)  # one visit warms the process
        await asyncio.gather(*(visitor(browser, url, until, timeout, times, errors) for _ in range(visitors)))
        await browser.close()
    return times, errors


def summary(times: list[float], errors: list[str]) -> str:
    if not times:
        return f"no visit finished, {len(errors)} errors"
    return (
        f"{len(times)} visits, median {statistics.median(times):.1f} s, "
        f"95th percentile {p95(times):.1f} s, {len(errors)} errors"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--quiet-seconds", type=float, default=60)
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "base.duckdb"
        store = connect(str(base))
        embedded.build(store)
        store.close()
        csv = demo.write_csv(tmp / "nightly.csv", args.incidents, seed=7)
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)

        shutil.copy(base, tmp / "quiet.duckdb")
        quiet_load = timed_load(csv, tmp / "quiet.duckdb")
        print(f"quiet load of {args.incidents:,} incidents: {quiet_load:.1f} s", flush=True)

        served = tmp / "served.duckdb"
        shutil.copy(base, served)
        proc, port = serve(served, tmp)
        url = f"http://127.0.0.1:{port}/"
        try:
            began: list[float] = []  # the quiet phase's clock starts at the visitors' first look, after the warm-up

            def quiet_over() -> bool:
                if not began:
                    began.append(time.time())
                return time.time() > began[0] + args.quiet_seconds

            quiet = asyncio.run(browse(url, args.visitors, quiet_over, args.timeout))
            print(f"{args.visitors} visitors, nothing else running: {summary(*quiet)}", flush=True)

            start = time.perf_counter()
            load = subprocess.Popen(load_command(csv, served), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            ended: list[float] = []  # when the load's process is first seen finished (polled between visits too)

            def load_done() -> bool:
                if not ended and load.poll() is not None:
                    ended.append(time.perf_counter())
                return bool(ended)

            async def watch() -> None:
                while not load_done():
                    await asyncio.sleep(0.2)

            async def both():
                return (await asyncio.gather(browse(url, args.visitors, load_done, args.timeout), watch()))[0]

            busy = asyncio.run(both())
            out, err = load.communicate()
            busy_load = ended[0] - start
            if load.returncode:
                raise SystemExit(err.decode()[-3000:])
            print(f"{args.visitors} visitors during the load: {summary(*busy)}", flush=True)
            print(
                f"load beside {args.visitors} visitors: {busy_load:.1f} s ({busy_load / quiet_load:.1f}x quiet)",
                flush=True,
            )
            print(f"load average at end {os.getloadavg()[0]:.1f}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
