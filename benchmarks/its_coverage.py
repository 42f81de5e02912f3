"""Coverage of the interrupted time series' 95% intervals: 1,000 simulated series for each kind of noise.

Each series is a monthly count around 40 a month with a trend, a 12-month season, a 15% fall at the
start and a change of trend of +1% a month after it, and one of three noises:

- white: Poisson counts;
- over-dispersed: Poisson-gamma (negative binomial) counts, variance mu + mu**2 / 10;
- AR(1): Poisson counts around a latent log-normal AR(1) with rho 0.5 (innovation sd 0.12),
  which doubles the variance and makes consecutive months correlated.

``lib.stats.impact.its`` is run on each, as the Programme impact page runs it, and the share of
intervals holding the true level change and the true trend change is counted. Two lengths: the
page's default window (24 months before, 12 after) and 60 months (36 before, 24 after).

    python benchmarks/its_coverage.py [--series 1000] [--seed 0]

Prints a Markdown table (copied into benchmarks/README.md). Not a timed test.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.stats import impact  # noqa: E402

LEVEL, SLOPE = math.log(0.85), 0.01  # on the log scale: a 15% fall, then +1% a month


def means(before: int, after: int) -> tuple[pd.DatetimeIndex, np.ndarray]:
    months = pd.date_range("2014-01-01", periods=before + after, freq="MS")
    t = np.arange(len(months))
    post = (t >= before).astype(float)
    since = np.where(post == 1, t - before, 0.0)
    season = 0.15 * np.sin(2 * np.pi * months.month.to_numpy() / 12)
    return months, np.exp(math.log(40) + 0.003 * t + LEVEL * post + SLOPE * since + season)


def draw(rng, mu: np.ndarray, noise: str) -> np.ndarray:
    n = len(mu)
    if noise == "white":
        return rng.poisson(mu)
    if noise == "over-dispersed":
        return rng.poisson(mu * rng.gamma(10, 1 / 10, n))
    sd, rho = 0.12, 0.5
    var = sd**2 / (1 - rho**2)
    e = np.empty(n)
    e[0] = rng.normal(0, math.sqrt(var))
    for i in range(1, n):
        e[i] = rho * e[i - 1] + rng.normal(0, sd)
    return rng.poisson(mu * np.exp(e - var / 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    se = math.sqrt(0.95 * 0.05 / args.series)
    print(f"{args.series:,} series per cell (seed {args.seed}); Monte Carlo SE of a 95% coverage {se:.1%}.\n")
    print(
        "| months (before + after) | noise | level change covered | trend change covered | median CI width, level | time per fit |"
    )
    print("|---|---|---|---|---|---|")
    for before, after in ((24, 12), (36, 24)):
        months, mu = means(before, after)
        start = months[before]
        for noise in ("white", "over-dispersed", "AR(1)"):
            rng = np.random.default_rng(args.seed)
            level = trend = 0
            widths, elapsed = [], 0.0
            for _ in range(args.series):
                y = draw(rng, mu, noise).astype(float)
                t0 = time.perf_counter()
                r = impact.its(pd.DataFrame({"month": months, "y": y}), start)
                elapsed += time.perf_counter() - t0
                level += math.log1p(r.level.low) <= LEVEL <= math.log1p(r.level.high)
                trend += math.log1p(r.slope.low) <= SLOPE <= math.log1p(r.slope.high)
                widths.append(r.level.high - r.level.low)
            print(
                f"| {before} + {after} | {noise} | {level / args.series:.1%} | {trend / args.series:.1%} "
                f"| {np.median(widths) * 100:.0f} points | {elapsed / args.series * 1000:.0f} ms |",
                flush=True,
            )


if __name__ == "__main__":
    main()
