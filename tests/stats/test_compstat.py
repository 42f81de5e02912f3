"""The two-count change test (compstat.change_p): against scipy's exact test, by hand, and calibrated."""

import numpy as np
import pytest
from scipy import stats

from lib.stats import compstat


@pytest.mark.parametrize(("current", "previous"), [(40, 25), (3, 9), (0, 4), (7, 7), (120, 80), (1, 0)])
def test_mid_p_is_the_exact_p_less_the_probability_of_the_observed_split(current, previous):
    """For equal periods the two-sided mid-p is binomtest's p minus P(X = the smaller count)."""
    n = current + previous
    exact = stats.binomtest(current, n, 0.5).pvalue
    expected = 1.0 if current == previous else exact - stats.binom.pmf(min(current, previous), n, 0.5)
    assert compstat.change_p(current, previous) == pytest.approx(expected, abs=1e-12)


def test_mid_p_by_brute_force_sum_with_unequal_periods():
    """366 days against 365: the tails summed term by term from the binomial formula."""
    from math import comb

    c, prev, ratio = 30, 18, 366 / 365
    n, p = c + prev, ratio / (1 + ratio)
    pmf = [comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    lower = sum(pmf[:c]) + pmf[c] / 2
    upper = sum(pmf[c + 1 :]) + pmf[c] / 2
    assert compstat.change_p(c, prev, ratio) == pytest.approx(min(1.0, 2 * min(lower, upper)), rel=1e-10)


def test_vectorised_over_areas():
    cur, prev = np.array([0, 5, 50, 200]), np.array([0, 5, 30, 260])
    p = compstat.change_p(cur, prev)
    assert p.shape == (4,)
    assert p[0] == 1.0 and p[1] == 1.0
    assert [compstat.change_signal(a, b) for a, b in zip(cur, prev)] == [
        "no clear change",
        "no clear change",
        "watch (up)",
        "real decrease",
    ]


@pytest.mark.parametrize("rate", [5, 20, 100, 500])
def test_false_flag_rate_is_within_a_point_of_the_stated_level(rate):
    """Equal rates in both periods: the share flagged at each level is that level, give or take a point."""
    rng = np.random.default_rng(rate)
    a, b = rng.poisson(rate, 20_000), rng.poisson(rate, 20_000)
    p = compstat.change_p(a, b)
    assert abs(np.mean(p < compstat.WATCH_P) - compstat.WATCH_P) < 0.01
    assert abs(np.mean(p < compstat.SIGNAL_P) - compstat.SIGNAL_P) < 0.01
