"""False-flag rates of the change test: equal-rate pairs of Poisson counts, lambda 5 to 500.

Where nothing changed (both periods drawn at the same rate), the share of areas flagged at each
level should be that level: 5% "watch" (p < WATCH_P), 1% "real" (p < SIGNAL_P). The old Poisson z,
``2 * (sqrt(a) - sqrt(b))`` with |z| > 2 and |z| > 3, is shown beside it for comparison.

    python benchmarks/change_test.py [--pairs 200000] [--seed 0]

Prints a Markdown table (copied into benchmarks/README.md). Not a timed test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.stats import compstat  # noqa: E402

RATES = (5, 10, 20, 50, 100, 200, 500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200_000, help="Simulated pairs per rate.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    se = np.sqrt(compstat.WATCH_P * (1 - compstat.WATCH_P) / args.pairs)
    print(f"{args.pairs:,} equal-rate pairs per rate (seed {args.seed}); Monte Carlo SE of a 5% rate {se:.2%}.\n")
    print(
        f"| rate per period | p < {compstat.WATCH_P:g} (watch) | p < {compstat.SIGNAL_P:g} (real) "
        "| old: abs(z) > 2 | old: abs(z) > 3 |"
    )
    print("|---|---|---|---|---|")
    worst = 0.0
    for rate in RATES:
        a, b = rng.poisson(rate, args.pairs), rng.poisson(rate, args.pairs)
        p = compstat.change_p(a, b)
        z = np.abs(2 * (np.sqrt(a) - np.sqrt(b)))
        watch, real = float(np.mean(p < compstat.WATCH_P)), float(np.mean(p < compstat.SIGNAL_P))
        worst = max(worst, abs(watch - compstat.WATCH_P), abs(real - compstat.SIGNAL_P))
        print(f"| {rate} | {watch:.2%} | {real:.2%} | {np.mean(z > 2):.2%} | {np.mean(z > 3):.2%} |")
    print(f"\nLargest departure of the two-count test from its stated level: {worst * 100:.2f} points.")


if __name__ == "__main__":
    main()
