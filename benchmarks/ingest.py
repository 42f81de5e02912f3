"""Benchmark the foundation: loading 1,000,000 synthetic incidents, `info`, a month-by-area count.

    python benchmarks/ingest.py [--incidents 1000000] [--postgres URL]

Each load runs in a child process so its wall time and peak memory (max RSS) are its own.
Figures are printed as a Markdown table; benchmarks/README.md keeps the latest ones.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.ingest import demo, embedded
from lib.store import provenance  # noqa: E402
from lib.store.connection import connect  # noqa: E402

MONTH_BY_AREA = (
    "SELECT date_trunc('month', occurred_at) AS month, lvl_beat AS area, count(*) AS n "
    "FROM incidents WHERE dataset = :d GROUP BY 1, 2"
)


def timed_child(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `python -m lib ARGS` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def median_ms(fn, repeat: int = 7) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(n: int, db: str, label: str, csv: Path) -> list[tuple[str, str]]:
    rows = []
    wall, peak = timed_child(["load", "incidents", str(csv), "--dataset", demo.DATASET, "--db", db])
    rows.append((f"{label}: load {n:,} incidents from CSV", f"{wall:.1f} s, peak memory {peak:,.0f} MB"))
    wall, _ = timed_child(["load", "incidents", str(csv), "--dataset", demo.DATASET, "--db", db])
    rows.append((f"{label}: load the same file again (all duplicates)", f"{wall:.1f} s"))
    store = connect(db)
    rows.append((f"{label}: `info` (in process, warm)", f"{median_ms(lambda: provenance.info(store)):.0f} ms"))
    rows.append(
        (
            f"{label}: month-by-beat count over {n:,}",
            f"{median_ms(lambda: store.query(MONTH_BY_AREA, {'d': demo.DATASET})):.0f} ms",
        )
    )
    store.close()
    wall, _ = timed_child(["info", "--db", db])
    rows.append((f"{label}: `python -m lib info` (whole command, incl. start-up)", f"{wall:.2f} s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="also measure a PostgreSQL store (URL of an empty database)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = demo.write_csv(tmp / "synthetic.csv", args.incidents)
        size_mb = csv.stat().st_size / 1e6
        base = tmp / "base.duckdb"
        store = connect(str(base))
        embedded.build(store)
        store.close()
        shutil.copy(base, tmp / "bench.duckdb")
        rows = run(args.incidents, str(tmp / "bench.duckdb"), "DuckDB", csv)
        if args.postgres:
            pg = connect(args.postgres)
            embedded.build(pg)
            pg.close()
            rows += run(args.incidents, args.postgres, "PostgreSQL", csv)
    print(f"| measurement ({size_mb:.0f} MB CSV) | result |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
