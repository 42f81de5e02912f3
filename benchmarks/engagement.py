"""Engagement and programme impact: how long typing, area links, joined views and the impact models take.

Run: ``python benchmarks/engagement.py`` (builds a private copy of the embedded store in a
temporary folder). Figures are written into benchmarks/README.md by hand, with the machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.engagement import areas as event_areas
from lib.engagement import events as engagement
from lib.engagement import log as event_log
from lib.engagement import types as event_types
from lib.ingest import embedded
from lib.stats import impact  # noqa: E402
from lib.store.connection import connect  # noqa: E402


def timed(label: str, fn, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<62} {best * 1000:>9.0f} ms")
    return result


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    store = connect(str(folder / "bench.duckdb"))
    embedded.build(store)
    frame = engagement.events(store, "2016-01-01", "2019-01-01")
    codes, parents = event_areas.area_codes(store), event_areas.parent_table(store)
    print(f"CAPS calendar: {len(frame):,} events, {frame['title'].nunique():,} distinct titles")
    timed("type 6,190 CAPS events (rules)", lambda: event_types.event_types(frame))
    timed("event-area links, 6,190 events", lambda: event_areas.links(frame, codes, parents))
    # 100,000 events: the real titles and places, spread over ten years (a large department's decade).
    big = frame.sample(100_000, replace=True, random_state=1).reset_index(drop=True)
    big["event_id"] = big.index.astype(str)
    big["title"] = big["title"] + pd.Series([f" #{i % 5000}" for i in range(len(big))])  # mostly distinct titles
    timed(
        f"type 100,000 events ({big['title'].nunique():,} distinct titles)",
        lambda: event_types.event_types(big),
        repeat=1,
    )
    timed("event-area links, 100,000 events", lambda: event_areas.links(big, codes, parents), repeat=1)
    timed(
        "engagement.events + links from the store (2016-2018)",
        lambda: engagement.links(store, engagement.events(store, "2016-01-01", "2019-01-01")),
    )
    link = engagement.links(store, frame)
    for level in ("district", "beat"):
        timed(
            f"coverage gaps, {level}",
            lambda: engagement.coverage_gaps(
                store, level, "2016-01-01", "2019-01-01", "Chicago aggravated assaults", frame, link
            ),
        )
        timed(
            f"area-by-month view, {level} (36 months)",
            lambda: engagement.area_month(
                store, level, "2016-01-01", "2019-01-01", "Chicago aggravated assaults", frame, link
            ),
        )
    panel = timed(
        "count panel, 275 beats x 60 months",
        lambda: impact.count_panel(store, "beat", "Chicago aggravated assaults", "2014-01-01", "2019-01-01"),
    )
    treated = ["1522", "1531", "1532", "1533", "2521", "2523"]
    others = [c for c in panel["area"].unique() if c not in treated]
    suggested = timed(
        "suggest 10 comparison beats", lambda: impact.suggest_comparisons(panel, treated, "2016-06-01", 10)
    )
    for n in (10, 50, len(others)):
        comp = list(suggested["area"]) if n == 10 else others[:n]
        timed(
            f"DiD Poisson GLM, 6 treated + {n} comparison beats, 60 months",
            lambda: impact.did(panel, treated, comp, "2016-06-01"),
            repeat=1 if n > 50 else 3,
        )
    series = panel[panel["area"].isin(treated)].groupby("month", as_index=False)["y"].sum()
    timed("interrupted time series, 60 months", lambda: impact.its(series, "2016-06-01"))
    timed(
        "WDD with buffers (neighbours from polygons)",
        lambda: impact.wdd_design(store, panel, "beat", treated, list(suggested["area"]), "2016-06-01", 12),
    )
    types = event_types.types()
    n = [0]

    def record():
        n[0] += 1
        return event_log.record(
            store,
            event_log.EventEntry(
                "Beat meeting",
                pd.Timestamp("2018-06-05 18:30") + pd.Timedelta(days=n[0]),
                area_level="beat",
                area="823",
                attendance=20,
            ),
            "bench",
            types,
        )

    timed("event log: record one event (validate + transaction)", record, repeat=5)
    store.close()


if __name__ == "__main__":
    main()
