"""Time to build every public figure of the Transparency page (lib/public_figures.all_figures) for the city.

On a copy of the embedded Chicago store (built once into a temporary folder), each language is built
cold (first call in the process for that language) and then again (warm: DuckDB's caches, not ours; the
page itself caches each figure per data version, so a surge of visitors costs one build per view).
Also times one beat's figures (what an area search costs) and the page's one public map's HTML size.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.ingest import embedded
from lib.public import figures as pf
from lib.public import map as public_map  # noqa: E402
from lib.public.privacy import Rules  # noqa: E402
from lib.store.connection import connect  # noqa: E402


def timed(fn, repeat: int = 3) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times[0], times[1:]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = connect(str(Path(tmp) / "bench.duckdb"))
        t0 = time.perf_counter()
        embedded.build(store)
        print(f"embedded store built in {time.perf_counter() - t0:.1f} s")
        rules = Rules()
        ds = pf.default_dataset(store)
        for lang in ("en", "es"):
            first, rest = timed(lambda: pf.all_figures(store, lang, rules=rules))
            print(f"all public figures, city, {lang}: first {first:.2f} s, then {statistics.median(rest):.2f} s")

        def beat():
            for name in ("crime_trend", "hotspots", "trust_trend", "engagement", "upcoming_events"):
                fn = getattr(pf, name)
                if name in ("crime_trend", "hotspots"):
                    fn(store, ds, "en", level="beat", area="1121", rules=rules)
                elif name == "upcoming_events":
                    fn(store, "en", level="beat", area="1121")
                else:
                    fn(store, "en", level="beat", area="1121", rules=rules)

        first, rest = timed(beat)
        print(f"one beat's figures (area search): first {first:.2f} s, then {statistics.median(rest):.2f} s")
        first, rest = timed(lambda: pf.find_area(store, "1200 W Madison", "beat"), repeat=5)
        print(f"find_area('1200 W Madison'): {statistics.median(rest) * 1000:.0f} ms")
        hot = pf.hotspots(store, ds, "en", rules=rules)
        m = public_map.build(hot, public_map.outlines(store, "district"), "District", "en")
        print(f"public map HTML: {len(public_map.html(m).encode()) / 1024:.0f} kB")
        store.close()


if __name__ == "__main__":
    main()
