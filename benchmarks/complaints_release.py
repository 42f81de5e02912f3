"""The complaints and commendations release (lib/public/complaints.py) on the embedded data: time and cells.

For each release key of the embedded store: wall and CPU time (user + system) of ``complaints.compute``,
cells, shown, hidden small and complementary, per measure.

    .venv/bin/python benchmarks/complaints_release.py [--db STORE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an embedded store (built in a temporary folder when omitted)")
    args = parser.parse_args()
    from lib.ingest import embedded
    from lib.public import complaints
    from lib.public.privacy import Rules
    from lib.store.connection import connect

    db = args.db
    if db is None:
        db = str(Path(tempfile.mkdtemp()) / "embedded.duckdb")
        store = connect(db)
        embedded.build(store)
        store.close()
    store = connect(db, read_only=True)
    for key in complaints.keys(store):
        t0, c0 = time.perf_counter(), time.process_time()
        rel = complaints.compute(store, key, Rules())
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        cells = rel.cells
        out = {
            "release": key,
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
            "passed": rel.passed,
            "medians": len(rel.extra.get("medians", [])),
        }
        for measure, grp in cells.groupby("measure"):
            out[measure] = {
                "cells": len(grp),
                "shown": int((grp["hidden"] == "").sum()),
                "small": int((grp["hidden"] == "small").sum()),
                "complementary": int((grp["hidden"] == "complementary").sum()),
            }
        print(json.dumps(out))


if __name__ == "__main__":
    main()
