"""Server CPU and time to content per visit of a page, with Streamlit's file watcher on and off.

Builds the embedded store once in a temporary folder, then for each server setting starts the app as
`make run` does (``python -m lib serve``), sends one warm-up visit, and then ``--visits`` visits one after
the other, each from a fresh browser context in headless Chromium. For each visit: the time from
navigation to content (the page's heading drawn and Streamlit's "running" widget gone) and the CPU
seconds the server process used (user + system, from /proc, the process and its threads) between
navigation and a quiet second after content.

    python benchmarks/server_cpu.py [--page transparency] [--visits 5] [--db STORE] [--nginx] [--profile FILE]

``--nginx`` visits through nginx as deployed (deploy/nginx/dashboard.conf serves Streamlit's web client
itself); ``--profile`` samples the server with py-spy during the measured visits and prints its top frames.

Figures are written down in benchmarks/README.md ("Server settings").
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
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

CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
SETTINGS = {
    "file watcher on (auto), run on save (before)": ["--server.fileWatcherType", "auto", "--server.runOnSave", "true"],
    "file watcher off, no run on save (config.toml now)": [],
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (its threads included), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def tree_cpu(pid: int) -> float:
    """CPU of a process and its children (nginx's master and workers)."""
    kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return cpu_seconds(pid) + sum(cpu_seconds(int(k)) for k in kids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lib", "serve", "--server.port", str(port), *extra],
        cwd=ROOT,
        env={**os.environ, "DASHBOARD_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start")


def visit(browser, url: str, pid: int) -> tuple[float, float]:
    """(seconds to content, server CPU seconds) of one visit from a fresh context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    page.goto(url)
    page.wait_for_selector("h1", timeout=120_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=120_000,
    )
    elapsed = time.perf_counter() - t0
    time.sleep(1.0)  # the run's tail (forward messages, session bookkeeping) counts too
    cpu = cpu_seconds(pid) - cpu0
    context.close()
    return elapsed, cpu


def start_profile(pid: int, out: str) -> subprocess.Popen:
    """py-spy sampling the server as collapsed stacks, until SIGINT.

    ``--gil``: only the thread holding the GIL is sampled, so the samples are where Python spends CPU
    (the sleeping file pollers and waiting worker threads drop out); ``--nonblocking``: the server is not
    paused to be sampled.
    """
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    proc = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            "100",
            "--gil",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            out,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # py-spy attaches
    return proc


def print_profile(path: str, top: int = 25) -> None:
    """Top frames by inclusive share of the samples (a frame counted once per stack), and by own share."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = [
            f.split(" (", 1)[0] + " (" + f.split(" (", 1)[1].split(":")[0].rsplit("/", 1)[-1] + ")" if " (" in f else f
            for f in stack.split(";")
        ]
        for f in set(frames):
            inclusive[f] = inclusive.get(f, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    print(f"py-spy: {total} samples")
    print("| frame (inclusive) | share |")
    print("|---|---|")
    for f, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"| `{f}` | {100 * n / total:.0f}% |")
    print("| frame (own time) | share |")
    print("|---|---|")
    for f, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"| `{f}` | {100 * n / total:.0f}% |")


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="transparency", help="URL path of the page (default transparency)")
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--db", help="A built store to copy (default: build the embedded data and its releases)")
    parser.add_argument("--only", help="Run only the settings whose name contains this text (e.g. 'now')")
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="Visit through Debian's nginx with deploy/nginx/dashboard.conf (as deployed: it serves Streamlit's "
        "web client itself); nginx's own CPU is printed too",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="Sample the server with py-spy during the measured visits (collapsed stacks to FILE; top frames printed)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        if args.db:
            shutil.copy(args.db, db)
        else:
            store = connect(str(db))
            embedded.build(store)
            try:  # the public release, as `python -m lib setup` computes it (absent in older versions)
                from lib.public import release

                release.refresh(store)
            except ImportError:
                pass
            store.close()
        rows = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, extra in SETTINGS.items():
                if args.only and args.only not in name:
                    continue
                copy = Path(tmp) / f"served-{len(rows)}.duckdb"
                shutil.copy(db, copy)
                proc, url = serve(copy, extra)
                nginx = None
                if args.nginx:
                    from tests.deploy.test_deploy import _free_port, site_conf, start_nginx

                    port, listen = int(url.rsplit(":", 1)[1]), _free_port()
                    nginx = start_nginx(Path(tmp) / f"nginx-{len(rows)}", site_conf([port, port], listen, Path(tmp)))
                    time.sleep(1.5)
                    url = f"http://127.0.0.1:{listen}"
                    nginx_cpu0 = tree_cpu(nginx.pid)
                try:
                    visit(browser, f"{url}/{args.page}", proc.pid)  # warm-up: the page's caches fill once
                    spy = start_profile(proc.pid, args.profile) if args.profile else None
                    runs = [visit(browser, f"{url}/{args.page}", proc.pid) for _ in range(args.visits)]
                    if spy is not None:
                        spy.send_signal(signal.SIGINT)
                        spy.wait(timeout=60)
                        print_profile(args.profile)
                    if nginx is not None:
                        print(
                            f"nginx CPU per visit (master and workers): {(tree_cpu(nginx.pid) - nginx_cpu0) / args.visits:.3f} s"
                        )
                finally:
                    if nginx is not None:
                        nginx.terminate()
                        nginx.wait(timeout=10)
                    proc.terminate()
                    proc.wait(timeout=30)
                times, cpus = zip(*runs, strict=True)
                rows.append((name, statistics.median(times), statistics.median(cpus), max(cpus)))
            browser.close()
    print(f"page /{args.page}, {args.visits} warm visits per setting, one after the other")
    print("| server setting | time to content (median) | server CPU per visit (median / worst) |")
    print("|---|---|---|")
    for name, t, cpu, worst in rows:
        print(f"| {name} | {t:.2f} s | {cpu:.2f} s / {worst:.2f} s |")


if __name__ == "__main__":
    main()
