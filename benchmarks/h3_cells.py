"""H3 cells at load time: the cost of computing every resolution from the coordinates, before and after.

Three ways of finding the cells of resolutions 7-10 for the distinct points of a synthetic export
(``python -m lib demo``): the old way (resolution 10 per point, coarser ones as its parents: fast but
wrong for 6-7% of points), a loop of ``h3.latlng_to_cell`` per resolution (right), and h3ronpy's
vectorised ``coordinates_to_cells`` (right; what ``lib/ingest/spatial.h3_cells`` uses).

    python benchmarks/h3_cells.py [--incidents 1000000]

Prints a Markdown table (copied into benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h3
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.constants import H3_RESOLUTIONS  # noqa: E402
from lib.ingest import demo, spatial  # noqa: E402


def parents(points: pd.DataFrame) -> pd.DataFrame:
    fine = [h3.latlng_to_cell(a, b, 10) for a, b in zip(points["latitude"], points["longitude"])]
    out = pd.DataFrame({"h3_10": fine})
    for res in (7, 8, 9):
        lookup = {c: h3.cell_to_parent(c, res) for c in set(fine)}
        out[f"h3_{res}"] = out["h3_10"].map(lookup)
    return out


def loop(points: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            f"h3_{r}": [h3.latlng_to_cell(a, b, r) for a, b in zip(points["latitude"], points["longitude"])]
            for r in H3_RESOLUTIONS
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = demo.write_csv(Path(tmp) / "demo.csv", args.incidents, seed=0)
        frame = pd.read_csv(path, usecols=["latitude", "longitude"])
    points = spatial.distinct_points(frame["latitude"], frame["longitude"])
    print(f"{args.incidents:,} synthetic incidents, {len(points):,} distinct points.\n")
    print("| method | time | points in the wrong cell (res 7 / 8 / 9) |")
    print("|---|---|---|")
    right = None
    for name, fn in (
        ("h3ronpy, every resolution from the coordinates (now)", spatial.h3_cells),
        ("loop of h3.latlng_to_cell, every resolution", loop),
        ("res 10 per point, coarser as parents (before)", parents),
    ):
        t0 = time.perf_counter()
        cells = fn(points).reset_index(drop=True)
        elapsed = time.perf_counter() - t0
        right = cells if right is None else right
        wrong = " / ".join(f"{(cells[f'h3_{r}'] != right[f'h3_{r}']).mean():.1%}" for r in (7, 8, 9))
        print(f"| {name} | {elapsed:.2f} s | {wrong} |")


if __name__ == "__main__":
    main()
