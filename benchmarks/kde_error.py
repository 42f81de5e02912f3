"""Heat surface error against a brute-force quartic sum over the raw incidents: city, every district, every beat.

For each selection (Chicago aggravated assaults, 2019, on the embedded data) the surface the Map draws
is compared, at every pixel centre where the direct density is above 5% of its peak, with the direct
quartic sum over the incidents' own coordinates (weighted by ``count``). Two inputs are compared:
the incidents' own coordinates (what the Map uses now) and the same incidents snapped to H3
resolution-10 centres (what it used before).

    python benchmarks/kde_error.py [--db FILE]

Prints a Markdown table (copied into benchmarks/README.md). Builds the embedded store in a
temporary folder when no --db is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h3
import numpy as np
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.ingest import embedded  # noqa: E402
from lib.maps import data as map_data  # noqa: E402
from lib.stats import kde  # noqa: E402
from lib.store.connection import connect  # noqa: E402
from lib.store.filters import IncidentFilter  # noqa: E402

DATASET = "Chicago aggravated assaults"


def errors(store, flt) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Relative errors (own coordinates, snapped to H3 centres) at the pixels above 5% of the peak."""
    where, params = flt.where()
    raw = store.query(
        f'SELECT latitude, longitude, "count" AS n, h3_10 FROM incidents WHERE {where} AND latitude IS NOT NULL', params
    )
    if raw["n"].sum() < 20:
        return None
    pts = map_data.kde_points(store, flt)
    t = time.perf_counter()
    own = kde.surface(pts["latitude"], pts["longitude"], pts["weight"])
    elapsed = time.perf_counter() - t
    snapped_cells = raw.groupby("h3_10")["n"].sum()
    centres = np.array([h3.cell_to_latlng(c) for c in snapped_cells.index])
    # The old input, with the bandwidth the surface uses, so only the positions differ.
    snapped = kde.surface(centres[:, 0], centres[:, 1], snapped_cells.to_numpy(), bandwidth_m=own.bandwidth_m)
    out = []
    for surface in (own, snapped):
        plat, plon = surface.pixel_centres()
        to_utm = Transformer.from_crs("EPSG:4326", surface.crs, always_xy=True)
        px, py = to_utm.transform(plon.ravel(), plat.ravel())
        x, y = to_utm.transform(raw["longitude"].to_numpy(), raw["latitude"].to_numpy())
        w = raw["n"].to_numpy(dtype="float64")
        direct = np.concatenate(
            [kde.density_at(px[i : i + 100], py[i : i + 100], x, y, own.bandwidth_m, w) for i in range(0, len(px), 100)]
        )
        direct *= 1e6
        high = direct > 0.05 * direct.max()
        out.append(np.abs(surface.density.ravel()[high] / direct[high] - 1))
    return out[0], out[1], own.bandwidth_m, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.db:
        store = connect(args.db, read_only=True)
    else:
        tmp = tempfile.mkdtemp()
        store = connect(str(Path(tmp) / "embedded.duckdb"))
        embedded.build(store)
    year = IncidentFilter(dataset=DATASET, start="2019-01-01", end="2020-01-01")
    print(f"{DATASET}, 2019; error = |surface / direct sum - 1| at pixel centres above 5% of the peak.\n")
    print(
        "| selection | areas | bandwidth (median) | own coordinates: median / worst error "
        "| snapped to H3 res-10 centres: median / worst | surface time (median) |"
    )
    print("|---|---|---|---|---|---|")
    for level in (None, "district", "beat"):
        codes = [None] if level is None else list(map_data.areas(store, level)["code"])
        own_all, snap_all, bws, times, n = [], [], [], [], 0
        for code in codes:
            flt = year if code is None else year.with_(level=level, areas=(code,))
            found = errors(store, flt)
            if found is None:
                continue
            own, snapped, bw, elapsed = found
            own_all.append(own)
            snap_all.append(snapped)
            bws.append(bw)
            times.append(elapsed)
            n += 1
        own, snapped = np.concatenate(own_all), np.concatenate(snap_all)
        print(
            f"| {level or 'city'} | {n} | {np.median(bws):,.0f} m | {np.median(own):.2%} / {own.max():.2%} "
            f"| {np.median(snapped):.1%} / {snapped.max():.0%} | {np.median(times) * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
