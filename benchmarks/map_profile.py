"""Profile: where the server's time goes on the Map page's filter changes (py-spy on the server process).

Serves the app (``python -m lib serve``) on a benchmark store, signs in and opens the Map page in
Chromium, then samples the server with py-spy while the reader changes the weekday filter (each
change a new filter: Mon, then Mon and Tue, ...), and, with ``--back``, goes back to filters seen
before. Prints the busiest frames (inclusive and own time, as a share of the samples taken while
the page ran) and the bytes the browser received per change (websocket frames).

py-spy is a tool of this benchmark only, not a requirement of the app:

    .venv/bin/pip install py-spy   # 0.4.x
    python benchmarks/map_profile.py --db /tmp/map_bench.duckdb [--changes 5] [--back] [--out DIR]

The store is the one benchmarks/map_explorer.py builds (``--incidents``). Figures go in
benchmarks/README.md ("Where a filter change goes").
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import map_explorer as bench  # noqa: E402

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def collapse(raw: Path, top: int = 25) -> tuple[int, list, list]:
    """(samples of the script thread, [(frame, inclusive share)], [(frame, own share)]) from py-spy's raw output."""
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "_run_script_thread" not in stack:  # the script thread (the page's reruns); not the event loop
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        if "code_to_exec" in stack:  # from the app's script down
            frames = frames[next(i for i, f in enumerate(frames) if "code_to_exec" in f) + 1 :]
        for frame in dict.fromkeys(frames):  # a recursive frame counts once per sample
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    if not total:
        return 0, [], []
    return (
        total,
        [(f, n / total) for f, n in inclusive.most_common(top)],
        [(f, n / total) for f, n in own.most_common(top)],
    )


def run(db: Path, changes: int, back: bool, out: Path, rate: int) -> dict:
    from playwright.sync_api import sync_playwright

    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    proc, url = bench.serve(
        ("-m", "lib", "serve"), {"DASHBOARD_DB": str(db), "DASHBOARD_USERS_FILE": str(bench.bench_users())}, ROOT
    )
    result: dict = {"received": [], "times": []}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=bench.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            received = [0]

            def on_ws(ws):
                ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

            page.on("websocket", on_ws)
            page.goto(f"{url}/map?dataset={bench.SYNTHETIC.replace(' ', '+')}")
            form = page.locator("[data-testid='stMain'] [data-testid='stForm']")
            form.wait_for(timeout=300_000)
            form.get_by_label("Name").fill("bench")
            form.get_by_label("Password", exact=True).fill(bench.BENCH_PASSWORD)
            form.get_by_role("button", name="Sign in").click()
            bench.wait_drawn(page, ".map-legend", 300)
            time.sleep(1)
            raw = out / "map_profile.txt"
            spy = subprocess.Popen(
                [py_spy, "record", "--pid", str(proc.pid), "--rate", str(rate), "--format", "raw", "-o", str(raw)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(2)  # py-spy attached
            days = DAYS[:changes]
            steps = [days[: i + 1] for i in range(len(days))]
            if back:  # back to views seen before: one weekday at a time, off again
                steps += [days[: i + 1] for i in reversed(range(len(days) - 1))]
            shown: tuple = ()
            for chosen in steps:
                (extra,) = set(chosen) ^ set(shown)
                received[0] = 0
                t = time.perf_counter()
                page.get_by_role("button", name=extra, exact=True).click()
                bench.wait_drawn(page, ".map-legend", 120, text=f"2019, {'/'.join(chosen)};", fresh=False)
                result["times"].append(time.perf_counter() - t)
                time.sleep(0.5)  # the rest of the rerun's messages
                result["received"].append(received[0])
                shown = chosen
            result["steps"] = ["/".join(s) for s in steps]
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    total, incl, own = collapse(raw)
    result.update(samples=total, inclusive=incl, own=own, rate=rate)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/map_bench.duckdb")
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--back", action="store_true", help="then go back through the filters seen before")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--out", default="/tmp")
    args = parser.parse_args()
    r = run(Path(args.db), args.changes, args.back, Path(args.out), args.rate)
    print(f"load average {open('/proc/loadavg').read().split()[:3]}")
    for step, t, b in zip(r["steps"], r["times"], r["received"]):
        print(f"{step:28s} {t:6.2f} s to the redrawn map, {b / 1e3:8.1f} kB received")
    print(f"{r['samples']} samples of the script thread ({r['samples'] / r['rate']:.2f} s)")
    print("inclusive:")
    for frame, share in r["inclusive"]:
        print(f"  {share:6.1%}  {frame}")
    print("own:")
    for frame, share in r["own"]:
        print(f"  {share:6.1%}  {frame}")


if __name__ == "__main__":
    main()
