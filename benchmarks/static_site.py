"""The published public site under Debian's nginx with the shipped settings: requests per second and latency.

1. `python -m lib publish` of a store into a temporary folder (or --site: a site published before).
2. Debian's nginx (/usr/sbin/nginx) with deploy/nginx/dashboard.conf, its ports and folders rewritten as in
   tests/deploy/test_deploy.py (gzip, gzip_static and the cache headers as shipped), ``worker_processes auto``
   as in Debian's own nginx.conf; the site at /site/ through the ``current`` link, as the nightly job leaves it.
3. For each target (the city page, the largest JSON and the largest CSV of the site), a Python client hammers
   it for a bounded time: worker processes, each with threads that keep one HTTP/1.1 connection open and ask
   for gzip like a browser. Reports requests per second, p50/p95 latency, bytes per response and the load
   average before and after. The client runs on the same cores as nginx, so the figures are a floor.

Usage: python benchmarks/static_site.py [--db DB | --site DIR] [--seconds 8] [--processes 2] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy.test_deploy import NGINX, _free_port, site_conf  # noqa: E402


def publish(db: str | None, out: Path) -> float:
    """Publish into ``out``; seconds the whole command took."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "lib", "publish", "--out", str(out)] + (["--db", db] if db else [])
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"publish failed: {done.stderr[-2000:]}")
    return time.perf_counter() - t0


def start_nginx(conf: Path, site: str) -> subprocess.Popen:
    """Debian's nginx in the foreground, files under ``conf``, as many workers as cores (Debian's default)."""
    conf.mkdir(exist_ok=True)
    (conf / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {conf / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (conf / "nginx.conf").write_text(
        f"daemon off; worker_processes auto; pid {conf / 'nginx.pid'}; error_log {conf / 'error.log'};\n"
        + ("user root;\n" if os.geteuid() == 0 else "")  # workers read the temporary folder (0700)
        + "events { worker_connections 1024; }\n"
        + "http { include /etc/nginx/mime.types; default_type application/octet-stream; sendfile on;\n"
        + f"  access_log off; {temp} include {conf / 'site.conf'}; }}\n"
    )
    return subprocess.Popen([NGINX, "-e", str(conf / "error.log"), "-p", str(conf), "-c", str(conf / "nginx.conf")])


def _hammer(args: tuple[int, str, int, float, float]) -> tuple[list[float], int, int]:
    """One client process: ``threads`` keep-alive connections asking for ``path`` from ``begin`` until ``until``."""
    port, path, threads, begin, until = args
    latencies: list[float] = []
    counts = {"errors": 0, "bytes": 0}
    lock = threading.Lock()

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, errors, size = [], 0, 0
        time.sleep(max(begin - time.time(), 0))
        while time.time() < until:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    errors += 1
                mine.append(time.perf_counter() - t0)
                size = len(body)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["bytes"] = size

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, counts["errors"], counts["bytes"]


def measure(port: int, path: str, seconds: float, processes: int, threads: int) -> dict:
    load_before = os.getloadavg()[0]
    with multiprocessing.Pool(processes) as pool:
        # A short warm-up (connections, page cache), not counted.
        pool.map(_hammer, [(port, path, threads, 0.0, time.time() + 0.5)] * processes)
        begin = time.time() + 0.3  # every process and thread started before the clock runs
        results = pool.map(_hammer, [(port, path, threads, begin, begin + seconds)] * processes)
    latencies = sorted(x for lat, _, _ in results for x in lat)
    errors = sum(e for _, e, _ in results)
    q = statistics.quantiles(latencies, n=100)
    return {
        "path": path,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "errors": errors,
        "bytes": max(b for _, _, b in results),
        "load": (load_before, os.getloadavg()[0]),
    }


def largest(site: Path, suffix: str) -> Path:
    return max((p for p in site.rglob(f"*{suffix}") if p.is_file()), key=lambda p: p.stat().st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="The store to publish (default: $DASHBOARD_DB or data/dashboard.duckdb).")
    parser.add_argument("--site", help="A site published before: serve it instead of publishing.")
    parser.add_argument("--seconds", type=float, default=8.0, help="Per target (default 8; three targets).")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="Connections per client process.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="static-site-") as tmp:
        tmp = Path(tmp)
        root = tmp / "site"
        (root / "releases").mkdir(parents=True)
        if args.site:
            site = Path(args.site).resolve()
        else:
            site = root / "releases" / "bench"
            print(f"publish: {publish(args.db, site):.1f} s", flush=True)
        (root / "current").symlink_to(site)
        port = _free_port()
        nginx = start_nginx(tmp / "nginx", site_conf([_free_port(), _free_port()], port, root))
        try:
            deadline = time.time() + 20
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/site/", timeout=2)
                    break
                except OSError:
                    if time.time() > deadline or nginx.poll() is not None:
                        raise SystemExit((tmp / "nginx" / "error.log").read_text()) from None
                    time.sleep(0.2)
            targets = ["index.html", str(largest(site, ".json").relative_to(site))]
            targets.append(str(largest(site, ".csv").relative_to(site)))
            print(
                f"{args.processes} client processes x {args.threads} keep-alive connections, {args.seconds:g} s each,"
                f" Accept-Encoding: gzip; {os.cpu_count()} cores"
            )
            print("| file | raw size | sent (gzip) | requests/s | p50 | p95 | errors | load average before/after |")
            print("|---|---|---|---|---|---|---|---|")
            for rel in targets:
                r = measure(port, f"/site/{rel}", args.seconds, args.processes, args.threads)
                print(
                    f"| `{rel}` | {(site / rel).stat().st_size / 1024:,.0f} kB | {r['bytes'] / 1024:,.1f} kB"
                    f" | {r['rps']:,.0f} | {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['errors']}"
                    f" | {r['load'][0]:.1f} / {r['load'][1]:.1f} |",
                    flush=True,
                )
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


if __name__ == "__main__":
    main()
