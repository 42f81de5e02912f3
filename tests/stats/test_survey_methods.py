"""Survey statistics on tiny hand-built data: indexes, alpha, raking, Kish design effect, intervals, suppression."""

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lib.stats import weighting
from lib.stats.survey_index import cronbach_alpha, index_scores, item_rest_correlations, rescale

# -- indexes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, low, high, reverse, expected",
    [
        (1, 1, 5, False, 0.0),
        (5, 1, 5, False, 100.0),
        (3, 1, 5, False, 50.0),
        (2, 1, 5, True, 75.0),  # reversed: 2 on a negatively worded item = 4
        (9, 1, 5, False, np.nan),  # "don't know"
        (6, 1, 5, False, np.nan),  # off the scale
        (6.5, 0, 10, False, 65.0),  # Sentiment Score: 6.5 on 0-10 is 65
    ],
)
def test_rescale_table(answer, low, high, reverse, expected):
    got = rescale(np.array([[answer]], dtype=float), low, high, missing_codes=[9], reverse=[reverse])[0, 0]
    assert_allclose(got, expected)


def test_high_is_favourable_false_reverses_every_item_but_the_reversed_ones():
    got = rescale(np.array([[1.0, 1.0]]), 1, 5, reverse=[False, True], high_is_favourable=False)
    assert_allclose(got, [[100.0, 0.0]])


def test_index_needs_at_least_half_the_items():
    x = np.array(
        [
            [100, 50, np.nan, np.nan],  # 2 of 4: kept
            [100, np.nan, np.nan, np.nan],  # 1 of 4: missing
            [0, 50, 100, 50],
        ]
    )
    assert_allclose(index_scores(x), [75.0, np.nan, 50.0])
    three = np.array([[80, np.nan, np.nan], [80, 40, np.nan]])
    assert_allclose(index_scores(three), [np.nan, 60.0])  # 2 of 3 needed


def test_cronbach_alpha_by_hand():
    # item variances 5/3, 19/12, 5/3 (sum 59/12), total variance 57/4: alpha = 3/2 (1 - 59/171) = 56/57
    x = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 5, 5], [np.nan, 1, 1]], dtype=float)
    alpha, n = cronbach_alpha(x)
    assert n == 4  # the respondent with a blank is left out
    assert_allclose(alpha, 56 / 57)


def test_item_rest_correlation_finds_an_unreversed_item():
    rng = np.random.default_rng(1)
    trait = rng.normal(size=200)
    x = np.column_stack([trait + rng.normal(0, 0.5, 200) for _ in range(3)] + [-trait + rng.normal(0, 0.5, 200)])
    r = item_rest_correlations(x)
    assert (r[:3] > 0.2).all() and r[3] < -0.5


# -- weighted estimates --------------------------------------------------------------------------


def test_raking_weights_deff_effective_n_and_ci_by_hand():
    """Three women and one man, population half and half: a worked example done on paper.

    Weights (mean 1): women 2/3, man 2. deff = 4 * (3 * 4/9 + 4) / 4^2 = 4/3; n_eff = 3.
    Answers 60, 70, 80 (women) and 40 (man): mean = (2/3 * 210 + 2 * 40) / 4 = 55.
    sum w (y - 55)^2 = 2/3 * (25 + 225 + 625) + 2 * 225 = 3100/3; / sum w = 775/3; * n/(n-1) = 3100/9.
    se = sqrt(3100/9 / 3) = 10.715; 95% CI = 55 -+ 1.96 * 10.715.
    """
    frame = pd.DataFrame({"sex": ["Female", "Female", "Female", "Male"], "y": [60.0, 70.0, 80.0, 40.0]})
    result = weighting.rake(frame, {"sex": {"Female": 500, "Male": 500}})
    assert_allclose(result.weights, [2 / 3, 2 / 3, 2 / 3, 2.0], rtol=1e-6)
    n, deff, n_eff = weighting.kish(result.weights.to_numpy())
    assert n == 4
    assert_allclose([deff, n_eff], [4 / 3, 3.0], rtol=1e-6)
    e = weighting.weighted_estimate(frame["y"].to_numpy(), result.weights.to_numpy())
    se = math.sqrt(3100 / 9 / 3)
    assert_allclose([e.mean, e.se, e.lo, e.hi], [55.0, se, 55 - 1.959964 * se, 55 + 1.959964 * se], rtol=1e-6)
    assert e.status == "suppressed"


def test_two_margin_raking_matches_the_algebraic_solution():
    # Weights w = a_sex * b_age; targets F 60% / young 50%: a_F^2 - 4.3 a_F + 3.6 = 0 (worked in the docstring above).
    frame = pd.DataFrame({"sex": ["F", "F", "F", "M", "M", "M"], "age": ["y", "y", "o", "y", "o", "o"]})
    result = weighting.rake(frame, {"sex": {"F": 60, "M": 40}, "age": {"y": 50, "o": 50}})
    a_f = (4.3 - math.sqrt(4.3**2 - 4 * 3.6)) / 2
    a_m = 3 - 2 * a_f
    b_o = 3.6 / a_f - 2
    assert_allclose(result.weights, [a_f, a_f, a_f * b_o, a_m, a_m * b_o, a_m * b_o], rtol=1e-3)
    w = result.weights
    assert_allclose(w[frame["sex"] == "F"].sum() / w.sum(), 0.6, atol=1e-4)
    assert_allclose(w[frame["age"] == "y"].sum() / w.sum(), 0.5, atol=1e-4)
    assert result.max_error < 0.01


def test_respondents_missing_a_margin_keep_their_sample_share():
    frame = pd.DataFrame({"sex": ["Female", "Female", "Male", None]})
    result = weighting.rake(frame, {"sex": {"Female": 50, "Male": 50}})
    w = result.weights
    assert_allclose(w.iloc[3] / w.sum(), 0.25, atol=1e-6)
    assert_allclose(w.iloc[2], w.iloc[0] + w.iloc[1], rtol=1e-6)
    assert any("did not answer" in n for n in result.notes)


def test_margin_categories_without_respondents_are_reported():
    frame = pd.DataFrame({"race": ["White", "White", "Black"]})
    result = weighting.rake(frame, {"race": {"White": 40, "Black": 40, "Asian": 20}})
    assert_allclose(result.weights, [0.75, 0.75, 1.5])
    assert any("no respondent in Asian" in n for n in result.notes)


@pytest.mark.parametrize("n, status", [(29, "suppressed"), (30, "flagged"), (59, "flagged"), (60, "ok")])
def test_suppression_at_the_thresholds_with_equal_weights(n, status):
    values = np.linspace(40, 80, n)
    e = weighting.weighted_estimate(values, np.full(n, 0.7))
    assert_allclose(e.n_eff, n)
    assert e.status == status
    table = weighting.suppress(weighting.grouped_estimates(pd.DataFrame({"y": values, "w": 1.0}), "y", "w"))
    assert table["status"].iloc[0] == status
    assert np.isnan(table["mean"].iloc[0]) == (status == "suppressed")
    assert table["n"].iloc[0] == n  # the n stays, so readers see why


@pytest.mark.parametrize(
    "weights, status",
    [
        ([1.0] * 40 + [3.0] * 20, "flagged"),  # n = 60 but n_eff = 100^2 / 220 = 45.5
        ([1.0] * 30 + [4.0] * 5, "suppressed"),  # n = 35, n_eff = 50^2 / 110 = 22.7
    ],
)
def test_suppression_uses_the_effective_n_not_the_n(weights, status):
    w = np.array(weights)
    e = weighting.weighted_estimate(np.linspace(0, 100, len(w)), w)
    assert_allclose(e.n_eff, w.sum() ** 2 / (w**2).sum())
    assert e.status == status


def test_grouped_estimates_match_one_at_a_time():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"g": rng.choice(list("abc"), 500), "y": rng.uniform(0, 100, 500), "w": rng.uniform(0.3, 3, 500)}
    )
    frame.loc[::17, "y"] = np.nan
    table = weighting.grouped_estimates(frame, "y", "w", "g").set_index("g")
    for g, rows in frame.groupby("g"):
        one = weighting.weighted_estimate(rows["y"].to_numpy(), rows["w"].to_numpy())
        assert_allclose(
            table.loc[g, ["mean", "se", "n_eff", "deff"]].astype(float), [one.mean, one.se, one.n_eff, one.deff]
        )


def test_change_test():
    a = weighting.Estimate(60.0, 2.0, 0, 0, 200, 150.0, 1.3)
    b = weighting.Estimate(63.0, 2.0, 0, 0, 200, 150.0, 1.3)
    c = weighting.change_test(a, b)
    assert_allclose([c.difference, c.se, c.z], [3.0, math.sqrt(8), 3 / math.sqrt(8)])
    assert c.testable and not c.significant  # 3 points with a 5.5-point margin: noise
    tiny = weighting.Estimate(50.0, 5.0, 0, 0, 20, 20.0, 1.0)
    assert not weighting.change_test(tiny, b).testable
