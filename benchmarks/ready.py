"""What one poll of GET /ready costs: `python -m lib ready --serve` against a store, requests one after another.

Each request opens the store read-only, runs the checks (store, schema, data, and the release: the data
version's hash over the loads and incidents, then the stored release read back) and closes it. The store
should hold a current release for the dataset (`python -m lib release --dataset NAME --db DB` first), or
the figures are those of a 503.

    .venv/bin/python benchmarks/ready.py --db DB [--dataset NAME] [--requests 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy.test_deploy import _free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--dataset")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    port = _free_port()
    cmd = [sys.executable, "-m", "lib", "ready", "--serve", "--port", str(port), "--db", args.db]
    proc = subprocess.Popen(cmd + (["--dataset", args.dataset] if args.dataset else []), cwd=ROOT)
    url = f"http://127.0.0.1:{port}/ready"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("the readiness server did not start") from None
                time.sleep(0.2)
        times, statuses = [], set()
        load = os.getloadavg()[0]
        for _ in range(args.requests + 1):
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=60) as r:
                    status, body = r.status, r.read()
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read()
            times.append(time.perf_counter() - t0)
            statuses.add((status, json.dumps(json.loads(body)["checks"])))
        times = times[1:]  # the first pays the imports of the release's modules
        print(f"{args.requests} polls, load average {load:.1f} -> {os.getloadavg()[0]:.1f}: {statuses}")
        print(f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
