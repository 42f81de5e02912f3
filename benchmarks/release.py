"""The public release: counts, suppression (MILP) and the attacker's audit (LP) on the embedded data.

For each embedded incident dataset, in its own process: wall time, CPU time (user + system, which
is what the goal measures on a shared machine) and peak resident memory of ``release.compute``, with
the cells, hidden small, complementary, rounds and LPs. Compare with ``--before``: the cells the
per-figure suppression hid on today's Transparency figures (crime by area at both levels, the city's
monthly trend).

    .venv/bin/python benchmarks/release.py [--db STORE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _one(db: str, dataset: str, queue) -> None:
    from lib.public import release
    from lib.public.privacy import Rules
    from lib.store.connection import connect

    store = connect(db, read_only=True)
    t0, c0 = time.perf_counter(), time.process_time()
    rel = release.compute(store, dataset, Rules())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    cells = rel.cells
    queue.put(
        {
            "dataset": dataset,
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "cells": len(cells),
            "shown": int((cells["hidden"] == "").sum()),
            "small": int((cells["hidden"] == "small").sum()),
            "complementary": int((cells["hidden"] == "complementary").sum()),
            "audit": {k: v for k, v in rel.audit.items() if k != "pinned"},
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an embedded store (built in a temporary folder when omitted)")
    args = parser.parse_args()
    from lib.store.connection import connect

    tmp = None
    db = args.db
    if db is None:
        from lib.ingest import embedded

        tmp = tempfile.mkdtemp()
        db = str(Path(tmp) / "bench.duckdb")
        store = connect(db)
        embedded.build(store)
        store.close()
    store = connect(db, read_only=True)
    names = [r[0] for r in store.rows("SELECT DISTINCT dataset FROM incidents ORDER BY dataset")]
    store.close()
    ctx = mp.get_context("spawn")
    for name in names:
        queue = ctx.Queue()
        proc = ctx.Process(target=_one, args=(db, name, queue))
        proc.start()
        print(json.dumps(queue.get()), flush=True)
        proc.join()
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
