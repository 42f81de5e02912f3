"""Complaints and the Accountability page: loading all 131,142 complaint rows, and the page's computations.

Run: ``python benchmarks/complaints.py`` (builds a private store in a temporary folder: the district and
beat layers, then the three accountability files of shared/data through the ordinary load). Figures
are written into benchmarks/README.md by hand, with the machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.accountability import data, findings, measures  # noqa: E402
from lib.ingest import embedded  # noqa: E402
from lib.ingest import load as ingest  # noqa: E402
from lib.store.connection import connect  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def timed(label: str, fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<64} {best * 1000:>9.0f} ms")
    return result


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    store = connect(str(folder / "bench.duckdb"))
    for src in embedded.SOURCES[:2]:  # the district and beat layers, so complaints get their areas
        ingest.load(store, src.kind, embedded.EMBEDDED_DIR / src.file, level=src.level, source_name=src.raw)
    for src in embedded.SOURCES:
        if src.kind in ("complaints", "allegations", "commendations"):
            started = time.perf_counter()
            report = ingest.load(store, src.kind, SHARED / src.raw, maps=dict(src.maps), dataset=src.dataset)
            print(
                f"load {src.raw.split('/')[-1]:<52} {(time.perf_counter() - started) * 1000:>9.0f} ms  "
                f"({report.rows_read:,} read, {report.rows_loaded:,} loaded)"
            )
    dataset = "Chicago complaints"
    c = timed("read complaints with category and district", lambda: data.complaints(store, dataset, "district"))
    a = timed("read allegations with district", lambda: data.allegations(store, dataset, "district"))
    w = timed("read awards", lambda: data.commendations(store, "Chicago police awards", "district"))
    lo, hi = data.span(store, dataset)
    as_of = data.as_of(store, dataset)

    def page() -> None:
        # What one rerun of the page computes once its frames are cached.
        view = c.assign(category=measures.top(c["category"], 6))
        measures.monthly(view, lo, hi, "category")
        findings.sustained_share(a)
        findings.sustained_share(a.assign(category=measures.top(a["category"], 10)), ["category"])
        findings.outcomes(a)
        measures.time_to_close(c)
        measures.time_to_close(c, "area")
        measures.backlog(c, as_of)
        measures.rates(c, data.population(store, "district"))
        measures.awards_monthly(w.assign(award_type=measures.top(w["award_type"], 6)))
        measures.by_area_and_year(c, w)

    timed("the page's computations (all sections, whole period)", page)
    timed("sustained share with Wilson interval by category", lambda: findings.sustained_share(a, ["category"]))
    timed("time to close by district", lambda: measures.time_to_close(c, "area"))


if __name__ == "__main__":
    main()
