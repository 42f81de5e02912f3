"""Static publication: time and size of `python -m lib publish`, and how many visitors the result serves.

1. Publishes the embedded Chicago store (built in a temporary folder unless --db is given) for each
   level asked (default: district, the page's default, and beat), timing the whole command.
2. Sizes: the site on disk, and what a first visit to the city page transfers (HTML, CSS, scripts,
   the JSON it fetches), raw and gzipped.
3. Serves the district site with a static server and measures requests per second with `wrk`
   (apt-get install wrk): Python's `http.server` (what docs/operations.md suggests for a try) and, when
   installed, nginx (what a web host or CDN edge does: gzip, the scripts' precompressed .gz copies
   served as they are). The mix replays a first visit's requests, asking for gzip like a browser.

Usage: python benchmarks/publish.py [--db DB] [--levels district,beat] [--seconds 10] [--connections 50]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def first_visit(site: Path, lang: str = "en") -> list[str]:
    """The files a first visit to the city page fetches, in order (from the page and its config)."""
    prefix = "" if lang == "en" else f"{lang}/"
    html = (site / prefix / "index.html").read_text()
    config = json.loads(
        re.search(r'<script id="site-config" type="application/json">(.*?)</script>', html, re.S)
        .group(1)
        .replace("<\\/", "</")
    )
    assets = [m.replace("../", "") for m in re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html)]
    data = [f"data/{lang}/areas.json", "data/outlines.json", "manifest.json", f"data/{lang}/provenance.json"]
    data += [f"data/{lang}/city/{k}.json" for k in config["scopes"]["city"]]
    return [f"{prefix}index.html", *assets, *data]


def sizes(site: Path) -> dict:
    files = [p for p in site.rglob("*") if p.is_file()]
    visit = first_visit(site)
    raw = sum((site / f).stat().st_size for f in visit)
    gz = sum(len(gzip.compress((site / f).read_bytes(), 6)) for f in visit)
    data = [p for p in files if "/data/" in p.as_posix() and p.suffix == ".json"]
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "visit_requests": len(visit),
        "visit_raw": raw,
        "visit_gzip": gz,
        "largest_json": max((p.stat().st_size for p in data), default=0),
        "plotly": (site / "assets/plotly.min.js").stat().st_size,
    }


def publish(db: str, out: Path, level: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "lib", "publish", "--out", str(out), "--db", db, "--level", level],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, proc.stdout.splitlines()[0]


def wrk(url: str, paths: list[str], seconds: int, connections: int, folder: Path) -> dict:
    """wrk over ``paths`` in turn (a Lua script), 2 threads; requests/s, MB/s and latency."""
    script = folder / "mix.lua"
    script.write_text(
        textwrap.dedent("""
        local paths = {%s}
        local i = 0
        request = function()
          i = i %% #paths + 1
          return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})
        end
        done = function(summary, latency, requests)
          io.write(string.format(
            "JSON {\\"requests\\": %%d, \\"errors\\": %%d, \\"p50_ms\\": %%.2f, \\"p99_ms\\": %%.2f}\\n",
            summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
            + summary.errors.write + summary.errors.timeout,
            latency:percentile(50) / 1000, latency:percentile(99) / 1000))
        end
    """)
        % ", ".join(json.dumps("/" + p) for p in paths)
    )
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stats = json.loads(out.split("JSON ", 1)[1].splitlines()[0])
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    mb = float(transfer.group(1)) * {"B": 1e-6, "KB": 1e-3, "MB": 1, "GB": 1e3}[transfer.group(2)]
    return {"req_s": rate, "mb_s": mb, **stats}


def python_server(site: Path):
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(port)
    return proc, f"http://127.0.0.1:{port}"


def nginx_server(site: Path, folder: Path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        return None, None
    port = _port()
    conf = folder / "nginx.conf"
    conf.write_text(
        textwrap.dedent(f"""
        worker_processes 2;
        pid {folder}/nginx.pid;
        error_log {folder}/error.log;
        daemon off;
        events {{ worker_connections 1024; }}
        http {{
          include /etc/nginx/mime.types;
          access_log off;
          sendfile on;
          gzip on; gzip_static on; gzip_comp_level 5;
          gzip_types application/json application/javascript text/css text/csv;
          client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
          fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
          server {{ listen 127.0.0.1:{port}; root {site}; }}
        }}
    """)
    )
    proc = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait(port)
    return proc, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="Store to publish (default: the embedded data, built in a temporary folder).")
    parser.add_argument("--levels", default="district,beat")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_publish_"))
    tmp.chmod(0o755)  # nginx's workers run as another user and must read the site
    try:
        db = args.db
        if not db:
            db = str(tmp / "store.duckdb")
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "lib", "setup", "--db", db], cwd=ROOT, check=True, capture_output=True
            )
            print(f"embedded store built in {time.perf_counter() - t0:.1f} s")
        sites = {}
        for level in args.levels.split(","):
            out = tmp / f"site_{level}"
            seconds, line = publish(db, out, level)
            s = sizes(out)
            sites[level] = out
            print(f"\npublish --level {level}: {seconds:.1f} s (whole command)\n  {line}")
            print(
                f"  site: {s['files']:,} files, {s['bytes'] / 1e6:.1f} MB (plotly.js {s['plotly'] / 1e6:.1f} MB); "
                f"largest data file {s['largest_json'] / 1e3:.0f} kB"
            )
            print(
                f"  first visit to the city page: {s['visit_requests']} requests, {s['visit_raw'] / 1e6:.2f} MB, "
                f"{s['visit_gzip'] / 1e6:.2f} MB gzipped"
            )
        if not shutil.which("wrk"):
            print("\nwrk not found (apt-get install wrk): no load test.")
            return
        site = sites[args.levels.split(",")[0]]
        visit = first_visit(site)
        small = [p for p in visit if not p.endswith("plotly.min.js")]
        for name, start in (
            ("python -m http.server", lambda: python_server(site)),
            ("nginx", lambda: nginx_server(site, tmp)),
        ):
            proc, url = start()
            if proc is None:
                print(f"\n{name}: not installed, skipped")
                continue
            try:
                print(
                    f"\n{name} ({args.connections} connections, {args.seconds} s each, 2 wrk threads on the same "
                    "2 cores):"
                )
                for label, paths in (
                    ("page + data (first visit without plotly.js)", small),
                    ("one figure's JSON", ["data/en/city/crime_trend.json"]),
                    ("whole first visit incl. plotly.js", visit),
                ):
                    r = wrk(url, paths, args.seconds, args.connections, tmp)
                    if r["errors"]:
                        print(f"  {label}: {r['errors']} failed requests: figures not valid (see {tmp}/error.log)")
                        continue
                    views = r["req_s"] / len(paths)
                    print(
                        f"  {label}: {r['req_s']:,.0f} requests/s ({views:,.0f} full sets/s), "
                        f"{r['mb_s']:.1f} MB/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                        f"{r['errors']} errors"
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
