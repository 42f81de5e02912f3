"""Benchmark: the Map page on 1,000,000 synthetic incidents, against the hand-built HeatMap approach.

Measures, on a store holding the embedded Chicago data plus N synthetic
incidents (``python -m lib demo``; built at --db if missing):

1. Gi* on about 10,000 H3 cells (contiguity graph and statistic, separately);
2. server-side reruns of the Map page through AppTest: the first run, the
   same view again, and filter changes (new filters, process warm);
3. the size of the map's HTML for several layer choices, on 150,000 and on
   1,000,000 incidents;
4. in Chromium: time from a filter change to the redrawn map, for the Map page
   (and, with --before, the Map page of an older checkout), and whether the map's frame was kept,
   and for the hand-built app (benchmarks/apps/handbuilt_heatmap.py: every point
   as a folium HeatMap through st_folium), one after the other in the same run;
   and the hand-built app's server time and HTML size.

    python benchmarks/map_explorer.py [--db /tmp/map_bench.duckdb] [--incidents 1000000] [--repeat 5]
        [--only-browser] [--before DIR]   # DIR: an older checkout, timed in the same browser run

Figures are written down in benchmarks/README.md ("Map explorer").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import h3
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.ingest import demo, embedded
from lib.maps import draw as maps  # noqa: E402
from lib.maps import layers as map_layers
from lib.maps import view as map_view
from lib.stats import hotspots
from lib.store.connection import connect  # noqa: E402

SYNTHETIC = demo.DATASET
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]


def ensure_store(db: Path, n: int) -> None:
    if db.exists():
        return
    store = connect(str(db))
    embedded.build(store)
    demo.load_demo(store, n)
    store.close()


def med(values) -> str:
    return f"{statistics.median(values):.2f} s (max {max(values):.2f} s, {len(values)} runs)"


# -- 1. Gi* ---------------------------------------------------------------------------


def gi_star_10k(repeat: int) -> dict:
    cells = sorted(h3.grid_disk("8928308280fffff", 58))  # 10,267 cells of 0.1 km2
    rng = np.random.default_rng(0)
    centre = h3.cell_to_latlng("8928308280fffff")
    counts = [rng.poisson(2 + 30 * (h3.great_circle_distance(h3.cell_to_latlng(c), centre, "km") < 1.5)) for c in cells]
    frame = pd.DataFrame({"cell": cells, "incidents": counts})
    graph_t, stat_t = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        graph = hotspots.contiguity(cells)
        graph_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = hotspots.gi_star(frame, graph)
        stat_t.append(time.perf_counter() - t)
    return {"cells": len(cells), "graph": graph_t, "gi_star": stat_t, "hot": int((result["bin"] > 0).sum())}


# -- 2. server-side reruns ---------------------------------------------------------------

CONFIGS = {
    "default layers (areas, hot spots, stations)": {},
    "areas, heat, hot spots, events, stations, trust": {"layers": "areas,heat,hotspots,events,stations,trust"},
    "emerging hot spots (3 years, monthly, res 8)": {
        "layers": "emerging",
        "res": "8",
        "from": "2017-01-01",
        "to": "2019-12-31",
    },
}


BENCH_PASSWORD = "benchmark pass phrase, not secret"


def bench_users() -> Path:
    """A users file with one viewer, "bench": the Map page is for signed-in staff (README, Sign-in and roles)."""
    from lib.app import users

    path = Path(tempfile.mkdtemp()) / "users.yaml"
    users.add("bench", "viewer", BENCH_PASSWORD, path)
    return path


def server_side(db: Path, repeat: int) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from lib.app import users, widgets

    os.environ["DASHBOARD_DB"] = str(db)
    os.environ["DASHBOARD_USERS_FILE"] = str(bench_users())
    bench = users.load()["bench"]
    out = {}
    for name, query in CONFIGS.items():
        st.cache_data.clear()  # each configuration starts without cached layers; graphs stay (warm process)
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        at.session_state[widgets._SESSION_KEY] = {"name": bench.name, "fingerprint": users.fingerprint(bench)}
        at.query_params["dataset"] = SYNTHETIC
        for k, v in query.items():
            at.query_params[k] = v
        at.switch_page("pages/staff/map.py")
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        assert not at.exception, [e.value for e in at.exception]
        t = time.perf_counter()
        at.run()
        same = time.perf_counter() - t
        changes = []
        for day in range(repeat):
            at.button_group(key="map_days").set_value([day % 7])
            t = time.perf_counter()
            at.run()
            changes.append(time.perf_counter() - t)
            assert not at.exception, [e.value for e in at.exception]
        groups = []
        for group in ("Theft", "Assault and battery", "Burglary")[: max(1, repeat // 2)]:
            at.multiselect(key="map_groups").set_value([group])
            t = time.perf_counter()
            at.run()
            groups.append(time.perf_counter() - t)
        out[name] = {"first": first, "same": same, "weekday": changes, "group": groups}
    return out


# -- 3. HTML size (2018 unless said) -----------------------------------------------------------------------------

SIZE_CONFIGS = {
    "default (areas by district, hot spots, stations)": ("areas", "hotspots", "stations"),
    "areas by beat, heat, hot spots, events, stations, trust": (
        "areas",
        "heat",
        "hotspots",
        "events",
        "stations",
        "trust",
    ),
    "hot spots at res 10 (40,000 hexagons)": ("hotspots",),
    "emerging (3 years, monthly, res 8)": ("emerging",),
    "incident locations in 2 beats": ("areas", "points"),
    "every layer (emerging at res 8)": ("areas", "heat", "hotspots", "emerging", "events", "stations", "trust"),
}


def map_html(store, dataset: str, layers, **view_changes) -> tuple[int, int]:
    newest = pd.Timestamp(
        store.scalar("SELECT max(occurred_at) FROM incidents WHERE dataset = :d", {"d": dataset})
    ).date()
    view = map_view.default_view(newest, ["district", "beat"]).with_(layers=tuple(layers), **view_changes)
    flt = map_view.incident_filter(view, dataset, None)
    m = maps.new_map(map_layers.bounds(store, view, flt))
    legends = []
    for layer in layers:
        item = map_layers.compute(store, layer, flt, view)
        if item.message:  # not drawn, as on the page (e.g. no trust scores for beats)
            continue
        legends.append(map_layers.draw(m, item, view))
    maps.finish(m, [lg for lg in legends if lg])
    n = int(store.scalar(f"SELECT count(*) FROM incidents WHERE {flt.where()[0]}", flt.where()[1]))
    return maps.html_size(m), n


def html_sizes(db: Path) -> dict:
    store = connect(str(db))
    out = {}
    for dataset in ("Chicago aggravated assaults", SYNTHETIC):
        for name, layers in SIZE_CONFIGS.items():
            changes = {"start": pd.Timestamp("2018-01-01").date(), "end": pd.Timestamp("2018-12-31").date()}
            if "beat" in name:
                changes["level"] = "beat"
            if "res 10" in name:
                changes["res"] = 10
            if "every" in name:
                changes["res"] = 8
            if "emerging" in name and "every" not in name:
                changes.update(res=8, start=pd.Timestamp("2017-01-01").date(), end=pd.Timestamp("2019-12-31").date())
            if "2 beats" in name:
                changes.update(level="beat", areas=("1121", "1122"))
            out[f"{dataset} | {name}"] = map_html(store, dataset, layers, **changes)
    store.close()
    return out


def handbuilt_html(db: Path) -> tuple[int, int]:
    import folium
    from folium.plugins import HeatMap

    store = connect(str(db))
    pts = store.query(
        "SELECT latitude, longitude FROM incidents WHERE dataset = :d AND latitude IS NOT NULL "
        "AND occurred_at >= '2019-01-01'",
        {"d": SYNTHETIC},
    )
    store.close()
    m = folium.Map(location=[41.85, -87.65], zoom_start=11)
    HeatMap(pts.values.tolist(), radius=10).add_to(m)
    return maps.html_size(m), len(pts)


def handbuilt_server(db: Path, app: Path, repeat: int) -> dict:
    from streamlit.testing.v1 import AppTest

    os.environ["DASHBOARD_DB"] = str(db)
    os.environ["DASHBOARD_PROJECT"] = str(ROOT)
    at = AppTest.from_file(str(app), default_timeout=900)
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    changes = []
    back = []
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[:repeat]:
        for choice, times in ((day, changes), ("All", back)):
            at.selectbox(key="day").set_value(choice)
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
    return {"first": first, "weekday": changes, "all days": back}


# -- 4. the browser ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(command, env, cwd) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            *command,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start")


# The hand-built app's map is redrawn in a new frame document each time (streamlit-folium remounts a
# changed map); documents seen before a change are tagged, so only a new one counts. The Map page
# now redraws its layers inside the same document, so there the legend naming the new filter counts.
DRAWN = """([marker, text, fresh]) => {
    const el = (!fresh || !window.__benchSeen) && window.map && document.querySelector(marker);
    return !!el && (!text || el.innerText.includes(text)); }"""


def tag_documents(page) -> None:
    for frame in page.frames:
        try:
            frame.evaluate("() => { window.__benchSeen = true; }")
        except Exception:
            pass


def wait_drawn(page, marker: str, timeout: float, text: str = "", fresh: bool = True) -> None:
    """Poll until a document (an untagged one if ``fresh``) shows a map with ``marker`` (holding ``text``)
    and has painted."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate(DRAWN, [marker, text, fresh]):
                    frame.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                    return
            except Exception:
                continue
        time.sleep(0.05)
    raise TimeoutError(f"no new map with {marker} within {timeout} s")


def map_page_times(page, db: Path, repeat: int, project: Path) -> dict:
    """The Map page served from ``project`` (this checkout, or an older one): first view, then weekday changes."""
    proc, url = serve(
        ("-m", "lib", "serve"), {"DASHBOARD_DB": str(db), "DASHBOARD_USERS_FILE": str(bench_users())}, project
    )
    received = [0]  # bytes the browser received over the app's websocket

    def on_ws(ws):
        ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_ws)
    try:
        page.goto(f"{url}/map?dataset={SYNTHETIC.replace(' ', '+')}")  # the sign-in form, under /map
        form = page.locator("[data-testid='stMain'] [data-testid='stForm']")
        form.wait_for(timeout=300_000)
        form.get_by_label("Name").fill("bench")
        form.get_by_label("Password", exact=True).fill(BENCH_PASSWORD)
        t = time.perf_counter()  # from signing in to the map drawn: the page's first run
        form.get_by_role("button", name="Sign in").click()
        wait_drawn(page, ".map-legend", 300)
        first = time.perf_counter() - t
        page.locator("iframe").first.evaluate("el => { el.__benchMark = 1; }")
        changes, kept, back, sent, sent_back = [], [], [], [], []
        days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[:repeat]
        steps = [(days[i], days[: i + 1], changes, sent) for i in range(len(days))]  # each a new filter
        # then back through the filters seen before (Mon/Tue/Wed, Mon/Tue, Mon): one day off at a time
        steps += [(days[i + 1], days[: i + 1], back, sent_back) for i in reversed(range(len(days) - 1))]
        for day, chosen, times, sizes in steps:
            tag_documents(page)
            received[0] = 0
            t = time.perf_counter()
            page.get_by_role("button", name=day, exact=True).click()
            # The legend names the filter, so the map timed is the new one.
            wait_drawn(page, ".map-legend", 120, text=f"2019, {'/'.join(chosen)};", fresh=False)
            times.append(time.perf_counter() - t)
            kept.append(bool(page.locator("iframe").first.evaluate("el => el.__benchMark === 1")))
            time.sleep(0.5)  # the rest of the rerun's messages
            sizes.append(received[0])
        return {
            "first": first,
            "weekday": changes,
            "frame kept": kept,
            "back": back,
            "bytes": sent,
            "bytes back": sent_back,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def handbuilt_times(page, db: Path, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app.py"
        shutil.copy(ROOT / "benchmarks" / "apps" / "handbuilt_heatmap.py", app)
        static = Path(tmp) / "static" / "vendor"
        shutil.copytree(ROOT / "static" / "vendor", static)
        import folium

        (static / "leaflet-heat").mkdir()
        shutil.copy(Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js", static / "leaflet-heat")
        proc, url = serve(
            ("-m", "streamlit", "run", str(app), "--server.enableStaticServing", "true"),
            {"DASHBOARD_DB": str(db), "DASHBOARD_PROJECT": str(ROOT)},
            tmp,
        )
        try:
            t = time.perf_counter()
            page.goto(url)
            wait_drawn(page, "canvas.leaflet-heatmap-layer", 600)
            first = time.perf_counter() - t
            changes, back = [], []
            for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[:repeat]:
                for choice, times in ((day, changes), ("All", back)):  # its best case, then its worst
                    tag_documents(page)
                    t = time.perf_counter()
                    page.get_by_role("combobox", name="Day of week").click()
                    page.get_by_role("option", name=choice, exact=True).click()
                    wait_drawn(page, "canvas.leaflet-heatmap-layer", 600)
                    times.append(time.perf_counter() - t)
            return {"first": first, "weekday": changes, "all days": back}
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def browser_times(db: Path, repeat: int, before: str | None = None) -> dict:
    """In one run on one store: the Map page before (``before``, an older checkout) and now, and the hand-built app."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        if before:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            out["map page before"] = map_page_times(page, db, repeat, Path(before))
            page.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        out["map page"] = map_page_times(page, db, repeat, ROOT)
        page.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        out["hand-built"] = handbuilt_times(page, db, repeat)
        out["hand-built server"] = handbuilt_server(db, Path(__file__).parent / "apps" / "handbuilt_heatmap.py", 3)
        browser.close()
    return out


PHASES = {
    "gi_star": lambda a: gi_star_10k(a.repeat),
    "html": lambda a: html_sizes(Path(a.db)),
    "handbuilt_html": lambda a: handbuilt_html(Path(a.db)),
    "server": lambda a: server_side(Path(a.db), a.repeat),
    "browser": lambda a: browser_times(Path(a.db), a.repeat, a.before),
}


def run_phase(name: str, args) -> dict:
    """Each phase in its own process: DuckDB allows one process to write a file, and AppTest and
    the servers must not find it held by an earlier phase."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--phase",
                name,
                "--out",
                out.name,
                "--db",
                args.db,
                "--repeat",
                str(args.repeat),
                *(["--before", args.before] if args.before else []),
            ],
            check=True,
        )
        return json.loads(Path(out.name).read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/map_bench.duckdb")
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument(
        "--only-browser", action="store_true", help="only the browser phase (Map page before/now, hand-built app)"
    )
    parser.add_argument(
        "--before",
        help="an older checkout of the project (e.g. `git archive main | tar -x -C DIR`) whose Map page is "
        "timed in the same browser run, before this one",
    )
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        Path(args.out).write_text(json.dumps(PHASES[args.phase](args), default=str))
        return
    ensure_store(Path(args.db), args.incidents)
    results = {}
    if not args.only_browser:
        g = results["gi_star"] = run_phase("gi_star", args)
        print(
            f"Gi* on {g['cells']:,} cells: graph {med(g['graph'])}; statistic and FDR {med(g['gi_star'])}", flush=True
        )

        sizes = results["html"] = run_phase("html", args)
        for name, (size, n) in sizes.items():
            print(f"HTML {name}: {size / 1e6:.2f} MB for {n:,} incidents", flush=True)
        hb_size, hb_n = results["handbuilt_html"] = run_phase("handbuilt_html", args)
        print(f"HTML hand-built HeatMap: {hb_size / 1e6:.2f} MB for {hb_n:,} incidents", flush=True)

        server = results["server"] = run_phase("server", args)
        for name, r in server.items():
            print(
                f"Server {name}: first run {r['first']:.2f} s, same view {r['same']:.2f} s, "
                f"weekday change {med(r['weekday'])}, offense group change {med(r['group'])}",
                flush=True,
            )

    if not args.skip_browser:
        b = results["browser"] = run_phase("browser", args)
        theirs = b["hand-built"]
        for label, key in (("Map page before", "map page before"), ("Map page", "map page")):
            if key in b:
                r = b[key]
                print(
                    f"Browser, {label}: first view {r['first']:.2f} s; filter change to redrawn map "
                    f"{med(r['weekday'])}; back to a filter seen before {med(r['back'])}; "
                    f"map frame kept {sum(r['frame kept'])} of {len(r['frame kept'])} times; received per change "
                    f"{statistics.median(r['bytes']) / 1e3:.0f} kB (new filter), "
                    f"{statistics.median(r['bytes back']) / 1e3:.0f} kB (back)"
                )
        print(
            f"Browser, hand-built: first view {theirs['first']:.2f} s; filter change to one weekday "
            f"{med(theirs['weekday'])}; back to every day {med(theirs['all days'])}"
        )
        for label, key in (("before", "map page before"), ("now", "map page")):
            if key not in b:
                continue
            for case in ("weekday", "all days"):
                print(
                    f"Ratio (hand-built {case} / Map page {label}): "
                    f"{statistics.median(theirs[case]) / statistics.median(b[key]['weekday']):.1f}x"
                )
        hs = b["hand-built server"]
        print(
            f"Hand-built server side: first run {hs['first']:.2f} s, one weekday {med(hs['weekday'])}, "
            f"every day {med(hs['all days'])}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "map_explorer.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
