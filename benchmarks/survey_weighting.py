"""Benchmark: recomputing weights, indexes and 95% intervals for 100,000 survey responses after a filter change.

Builds a synthetic survey (SYNTHETIC, generated here: 12 monthly waves, 5 areas,
age, sex, race, 3 trust and 6 safety items on 1-5 with 9 = don't know) and a
margins file, loads both through the ordinary ingest into a fresh DuckDB store,
reads the respondents once (what the page caches), then times what a filter
change on the Trust & Safety page recomputes: raking every wave to the margins
of the chosen areas, Cronbach's alpha, and the estimates (overall, by area, by
group, by wave) with their design effects and intervals.

    python benchmarks/survey_weighting.py [--n 100000] [--repeat 5]

Figures are written down in benchmarks/README.md ("Trust and safety").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.ingest import load as ingest
from lib.store.connection import connect  # noqa: E402
from lib.trust import survey_results  # noqa: E402

AREAS = list("ABCDE")
AGES = ["18-34", "35-44", "45-54", "55-64", "65+"]
RACES = ["White", "Black", "Hispanic", "Asian", "Other"]
TRUST = [
    "Police_treat_residents_with_respect_Q5_1",
    "Police_listen_to_residents_concerns_Q5_2",
    "I_trust_the_police_in_my_area_Q5_3",
]
SAFETY = [
    "Safe_in_your_neighborhood_during_the_day_Q6_1",
    "Safe_in_your_neighborhood_at_night_Q6_2",
    "Safe_walking_alone_at_night_Q6_3",
    "Safe_in_parks_Q6_4",
    "Safe_downtown_during_the_day_Q6_5",
    "Safe_downtown_at_night_Q6_6",
]


def synthetic_survey(n: int, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC respondents with a realistic skew (older, white and female respondents over-represented)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "Respondent_ID": np.arange(1, n + 1),
            "Survey_Date": (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "District": rng.choice(AREAS, n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
            "Age_Group": rng.choice(AGES, n, p=[0.12, 0.15, 0.2, 0.25, 0.28]),
            "Gender": rng.choice(["Female", "Male"], n, p=[0.6, 0.4]),
            "Race": rng.choice(RACES, n, p=[0.55, 0.2, 0.1, 0.1, 0.05]),
        }
    )
    mood = rng.normal(0, 1, n)
    for col in TRUST + SAFETY:
        answer = np.clip(np.round(3.4 + 0.9 * mood + rng.normal(0, 0.8, n)), 1, 5).astype(int)
        answer[rng.random(n) < 0.06] = 9
        frame[col] = answer
    return frame


def margins() -> pd.DataFrame:
    """Hand-made population margins per area (equal age/sex/race shares in every area)."""
    rows = []
    pops = dict(zip(AREAS, [90_000, 110_000, 120_000, 100_000, 80_000]))
    shares = {
        "age": dict(zip(AGES, [0.32, 0.18, 0.17, 0.16, 0.17])),
        "sex": {"Female": 0.52, "Male": 0.48},
        "race": dict(zip(RACES, [0.4, 0.3, 0.18, 0.08, 0.04])),
    }
    for area, pop in pops.items():
        rows.append((area, "total", "total", pop))
        for dim, cats in shares.items():
            rows += [(area, dim, cat, round(pop * s)) for cat, s in cats.items()]
    return pd.DataFrame(rows, columns=["area", "dimension", "category", "population"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    synthetic_survey(args.n).to_csv(tmp / "survey.csv", index=False)
    margins().to_csv(tmp / "margins.csv", index=False)
    store = connect(str(tmp / "bench.duckdb"))
    t = time.perf_counter()
    ingest.load(store, "survey", tmp / "survey.csv", dataset="SYNTHETIC survey", synthetic=True)
    ingest.load(store, "population", tmp / "margins.csv", dataset="margins", level="district_bench")
    print(f"load {args.n:,} responses + margins: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    defn, _ = survey_results.definition_for(store, "SYNTHETIC survey")
    print(
        f"suggest the definition: {time.perf_counter() - t:.2f} s "
        f"(margins {defn.margins}, weighting {defn.weighting}, period {defn.period})"
    )
    t = time.perf_counter()
    resp = survey_results.respondents(store, defn)
    pop = survey_results.population(store, defn.margins)
    print(f"read respondents through the definition (cached by the page): {time.perf_counter() - t:.2f} s")
    waves = survey_results.periods_in(resp)
    filters = [(None, None), (waves[-6:], None), (None, ["A", "B"]), (waves[:3], ["C", "D", "E"])]
    times = []
    for _ in range(args.repeat):
        for periods, areas in filters:
            t = time.perf_counter()
            analysis = survey_results.analyse(resp, defn, pop, periods, areas)
            for index in analysis.indexes:
                survey_results.estimates(analysis, index)
                survey_results.estimates(analysis, index, "period")
                survey_results.estimates(analysis, index, "area")
                survey_results.estimates(analysis, index, ["period", "race"])
            times.append((len(analysis.frame), time.perf_counter() - t))
    full = [s for n, s in times if n == len(resp)]
    print(
        f"filter change on all {len(resp):,} responses ({len(waves)} waves raked, 4 dimensions): "
        f"median {np.median(full):.3f} s, max {max(full):.3f} s over {len(full)} runs"
    )
    print(f"all filter changes: median {np.median([s for _, s in times]):.3f} s, max {max(s for _, s in times):.3f} s")
    print(f"weighted: {analysis.method}; largest gap to a margin {analysis.max_error:.3f} points")


if __name__ == "__main__":
    main()
