"""Programme impact: DiD recovers a known effect, WDD matches a hand computation, ITS a known step; refusals."""

import math

import numpy as np
import pandas as pd
import pytest

from lib.stats import impact


def synthetic_panel(
    effect: float,
    seed: int,
    n_areas: int = 30,
    n_treated: int = 10,
    months: int = 36,
    start_month: int = 18,
    counts: bool = True,
) -> tuple[pd.DataFrame, list[str], list[str], pd.Timestamp]:
    """Areas with their own level, a shared seasonal swing and trend, and ``effect`` on the treated after the start.

    Counts are Poisson with mean level * season * trend * (1 + effect if treated and after);
    scores are level + season + effect (points) + normal noise.
    """
    rng = np.random.default_rng(seed)
    areas = [str(100 + i) for i in range(n_areas)]
    treated = areas[:n_treated]
    month_index = pd.date_range("2016-01-01", periods=months, freq="MS")
    start = month_index[start_month]
    level = {a: rng.uniform(15, 60) for a in areas}
    rows = []
    for a in areas:
        for i, m in enumerate(month_index):
            season = 1 + 0.15 * math.sin(2 * math.pi * m.month / 12)
            after = a in treated and m >= start
            if counts:
                mu = level[a] * season * math.exp(-0.004 * i) * ((1 + effect) if after else 1)
                rows.append((a, m, float(rng.poisson(mu))))
            else:
                rows.append((a, m, 40 + level[a] / 3 + 3 * season + (effect if after else 0) + rng.normal(0, 2)))
    return pd.DataFrame(rows, columns=["area", "month", "y"]), treated, areas[n_treated:], start


def test_did_recovers_a_known_fall_within_its_interval():
    panel, treated, comparison, start = synthetic_panel(-0.20, seed=7)
    r = impact.did(panel, treated, comparison, start, area_label="beats")
    assert r.low <= -0.20 <= r.high
    assert r.high < 0, "a 20% fall on 10 areas x 18 months is clearly detected"
    assert "fell an estimated" in r.sentence and "95% CI" in r.sentence
    assert r.table.set_index(["group", "period"]).loc[("treated", "after"), "areas"] == 10


def test_did_interval_covers_the_true_effect_in_most_replications():
    covered = 0
    for seed in range(30):
        panel, treated, comparison, start = synthetic_panel(
            0.10, seed=seed, n_areas=16, n_treated=6, months=24, start_month=12
        )
        r = impact.did(panel, treated, comparison, start)
        covered += r.low <= 0.10 <= r.high
    # Nominal 95%; with 16 clusters the cluster-robust interval runs a little narrow.
    assert covered >= 24


def test_did_with_population_offset_estimates_the_rate_ratio():
    panel, treated, comparison, start = synthetic_panel(-0.25, seed=3)
    pop = pd.Series({a: 1000.0 + 37 * i for i, a in enumerate(sorted(panel["area"].unique()))})
    r = impact.did(panel, treated, comparison, start, population=pop)
    assert r.low <= -0.25 <= r.high


def test_did_on_scores_recovers_points():
    panel, treated, comparison, start = synthetic_panel(5.0, seed=11, counts=False)
    r = impact.did(panel, treated, comparison, start, outcome="Trust score", counts=False)
    assert r.scale == "points"
    assert r.low <= 5.0 <= r.high and r.low > 0
    assert "rose an estimated" in r.sentence and "points" in r.sentence


def test_did_without_effect_says_it_cannot_tell():
    panel, treated, comparison, start = synthetic_panel(0.0, seed=5)
    r = impact.did(panel, treated, comparison, start)
    assert r.low < 0 < r.high
    assert "cannot tell an effect from chance" in r.sentence


def test_did_warns_when_pre_trends_differ():
    panel, treated, comparison, start = synthetic_panel(0.0, seed=2)
    # Treated areas climb 4% a month before the start: not parallel.
    t = panel["area"].isin(treated) & (panel["month"] < start)
    months_in = (panel["month"].dt.year * 12 + panel["month"].dt.month) - (2016 * 12 + 1)
    panel.loc[t, "y"] = np.round(panel.loc[t, "y"] * np.exp(0.04 * months_in[t]))
    r = impact.did(panel, treated, comparison, start)
    assert any("already moving differently" in n for n in r.notes)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(start="2016-04-01"), "Too little data before the start"),
        (dict(start="2018-11-01"), "Too little data after the start"),
        (dict(comparison=[]), "at least one comparison area"),
        (dict(treated=[]), "at least one treated area"),
        (dict(comparison=["100", "120"]), "both treated and comparison"),
    ],
)
def test_did_refuses_with_the_reason(change, message):
    panel, treated, comparison, start = synthetic_panel(0.0, seed=1)
    args = dict(treated=treated, comparison=comparison, start=start) | change
    with pytest.raises(impact.ImpactError, match=message):
        impact.did(panel, args["treated"], args["comparison"], args["start"])


def test_areas_without_any_incident_are_left_out_and_said_so():
    panel, treated, comparison, start = synthetic_panel(0.0, seed=1)
    panel.loc[panel["area"] == comparison[0], "y"] = 0
    r = impact.did(panel, treated, comparison, start)
    assert any(comparison[0] in n and "Left out" in n for n in r.notes)


def test_wdd_matches_a_hand_computation():
    # Target 1 area, control 2 areas (weight 2), buffer 1, buffer control 3 areas (weight 3).
    r = impact.wdd((120, 90), (200, 210), (60, 70), (150, 140), weights=(1, 2, 1, 3))
    d_t, d_c, d_d, d_cd = 90 - 120, (210 - 200) / 2, 70 - 60, (140 - 150) / 3
    expected = d_t - d_c + d_d - d_cd  # -21.667
    var = 120 + 90 + (200 + 210) / 4 + 60 + 70 + (150 + 140) / 9
    assert r.estimate == pytest.approx(expected)
    assert r.se == pytest.approx(math.sqrt(var))
    assert r.low == pytest.approx(expected - 1.959964 * math.sqrt(var), abs=1e-4)
    assert r.p_value == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(abs(expected) / math.sqrt(var) / math.sqrt(2)))))
    assert "fewer than the comparison suggests" in r.sentence


def test_wdd_reproduces_wheeler_and_ratcliffe_2018():
    """The paper's worked example (Crime Science 7:11; also ptools' test "Est & Variance Paper"):
    target 207 -> 110, control 308 -> 318, displacement buffer 178 -> 157, its control 150 -> 140:
    WDD = -118, variance 1,568, z = -2.98, 95% CI -196 to -40."""
    r = impact.wdd((207, 110), (308, 318), (178, 157), (150, 140))
    assert r.estimate == -118
    assert r.se**2 == pytest.approx(1568)
    assert round(r.estimate / r.se, 2) == -2.98
    assert (round(r.low), round(r.high)) == (-196, -40)


def test_wdd_without_buffer_is_the_local_difference():
    r = impact.wdd((50, 30), (40, 38))
    assert r.estimate == -18 and r.se == pytest.approx(math.sqrt(158))
    assert "without a displacement buffer" in r.sentence


def test_wdd_refuses_negative_counts_and_empty_data():
    with pytest.raises(impact.ImpactError, match="must not be negative"):
        impact.wdd((-1, 3), (2, 2))
    with pytest.raises(impact.ImpactError, match="All counts are zero"):
        impact.wdd((0, 0), (0, 0))


def test_wdd_counts_need_full_periods():
    panel, treated, comparison, start = synthetic_panel(0.0, seed=1, months=24, start_month=20)
    with pytest.raises(impact.ImpactError, match="needs 12 months"):
        impact.wdd_counts(panel, {"target": treated, "control": comparison}, start, 12)


def test_its_finds_a_known_step():
    rng = np.random.default_rng(4)
    months = pd.date_range("2015-01-01", periods=48, freq="MS")
    start = months[30]
    mu = [200 * (1 + 0.2 * math.sin(2 * math.pi * m.month / 12)) * (0.75 if m >= start else 1) for m in months]
    series = pd.DataFrame({"month": months, "y": rng.poisson(mu).astype(float)})
    r = impact.its(series, start)
    assert r.level.low <= -0.25 <= r.level.high and r.level.high < 0
    assert r.slope.low <= 0 <= r.slope.high
    post = r.series[r.series["post"] == 1]
    assert (post["counterfactual"] > post["fitted"]).all(), "the continued pre-trend runs above the fall"
    assert r.series["fitted_low"].le(r.series["fitted"]).all() and r.series["fitted"].le(r.series["fitted_high"]).all()


def test_its_refuses_short_series():
    months = pd.date_range("2018-01-01", periods=20, freq="MS")
    series = pd.DataFrame({"month": months, "y": 10.0})
    with pytest.raises(impact.ImpactError, match="Too little data before the start"):
        impact.its(series, months[6])
    with pytest.raises(impact.ImpactError, match="Too little data after the start"):
        impact.its(series, months[17])


def test_suggested_comparisons_share_the_treated_course():
    panel, treated, comparison, start = synthetic_panel(0.0, seed=9)
    # Half the comparison areas drift up 5% a month before the start: not parallel.
    drifting = comparison[::2]
    t = panel["area"].isin(drifting)
    k = (panel["month"].dt.year * 12 + panel["month"].dt.month) - (2016 * 12 + 1)
    panel.loc[t, "y"] = np.round(panel.loc[t, "y"] * np.exp(0.05 * k[t]))
    found = impact.suggest_comparisons(panel, treated, start, k=5)
    assert len(found) == 5
    assert not set(found["area"]) & set(drifting)
    assert not set(found["area"]) & set(treated)


def test_neighbours_touch_the_target(embedded_store):
    assert impact.neighbours(embedded_store, "beat", ["823"]) == ["813", "822", "824", "825", "831", "833"]
    near8 = impact.neighbours(embedded_store, "district", ["8"])
    assert {"7", "9"} <= set(near8) and "8" not in near8 and "1" not in near8


def test_named_programmes_are_saved_and_checked(embedded_store):
    impact.save_programme(embedded_store, "Summer walks", "beat", "2018-06-01", ["823", "825"], "foot patrol")
    impact.save_programme(embedded_store, "Summer walks", "beat", "2018-07-01", ["823"])
    assert impact.programmes(embedded_store) == [
        {"name": "Summer walks", "level": "beat", "start": "2018-07-01", "areas": ["823"], "note": ""}
    ]
    with pytest.raises(impact.ImpactError, match="Choose the areas"):
        impact.save_programme(embedded_store, "Empty", "beat", "2018-01-01", [])


def test_did_on_the_embedded_data_runs_end_to_end(embedded_store):
    panel = impact.count_panel(embedded_store, "district", "Chicago aggravated assaults", "2014-01-01", "2017-01-01")
    assert panel.groupby("area")["month"].nunique().eq(36).all(), "every district and month present"
    r = impact.did(panel, ["7", "11"], ["9", "10", "15", "25"], "2016-01-01", area_label="districts")
    assert r.low < r.estimate < r.high and "districts" in r.sentence
    trust = impact.score_panel(embedded_store, "district", "TRUST", "2016-01-01", "2019-01-01")
    with pytest.raises(impact.ImpactError, match="Too little data before the start"):
        impact.did(trust, ["7"], ["9"], "2017-12-01", counts=False)


def test_its_interval_covers_the_true_step_in_most_replications():
    covered = 0
    for seed in range(60):
        rng = np.random.default_rng(100 + seed)
        months = pd.date_range("2015-01-01", periods=48, freq="MS")
        start = months[30]
        mu = [150 * math.exp(0.2 * math.sin(2 * math.pi * m.month / 12)) * (0.8 if m >= start else 1) for m in months]
        r = impact.its(pd.DataFrame({"month": months, "y": rng.poisson(mu).astype(float)}), start)
        covered += r.level.low <= -0.2 <= r.level.high
    # Plain Newey-West covered about 80% here; benchmarks/its_coverage.py measures the model over 1,000 series.
    assert covered >= 52


# -- the interrupted time series' noise model (Zeger 1988) -------------------------------------------------


def _design(n):
    t = np.arange(n, dtype=float)
    return np.column_stack([np.ones(n), t / n, (t >= n / 2).astype(float)])


def test_sandwich_without_latent_noise_is_the_poisson_glm_covariance():
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    X = _design(48)
    y = rng.poisson(np.exp(3 + 0.2 * X[:, 1] - 0.3 * X[:, 2]))
    fit = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    np.testing.assert_allclose(impact.sandwich(X, fit.fittedvalues, 0.0, 0.0), fit.cov_params(), rtol=1e-6)
    # Scores: with no autocorrelation the sandwich is sigma2 (X'X)^-1, OLS's covariance.
    np.testing.assert_allclose(
        impact.sandwich(X, np.zeros(48), 2.5, 0.0, counts=False), 2.5 * np.linalg.inv(X.T @ X), rtol=1e-10
    )


def test_sandwich_by_hand_with_an_ar1_latent():
    """B X' (M + s2 M R M) X B written out element by element for a 3-month series."""
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    mu, s2, rho = np.array([10.0, 12.0, 15.0]), 0.04, 0.5
    cov_y = np.array([[mu[i] * (i == j) + s2 * mu[i] * mu[j] * rho ** abs(i - j) for j in range(3)] for i in range(3)])
    bread = np.linalg.inv(X.T @ np.diag(mu) @ X)
    np.testing.assert_allclose(impact.sandwich(X, mu, s2, rho), bread @ X.T @ cov_y @ X @ bread, rtol=1e-12)


def test_noise_moments_recover_the_latent_variance_and_autocorrelation():
    """On a long series (800 months) drawn from Zeger's model the moment estimates come back to the truth."""
    rng = np.random.default_rng(7)
    n, rho_u, sd = 800, 0.6, 0.25
    var = sd**2 / (1 - rho_u**2)
    u = np.empty(n)
    u[0] = rng.normal(0, math.sqrt(var))
    for i in range(1, n):
        u[i] = rho_u * u[i - 1] + rng.normal(0, sd)
    X = _design(n)
    mu = np.exp(3 + 0.3 * X[:, 1] - 0.2 * X[:, 2])
    y = rng.poisson(mu * np.exp(u - var / 2))
    import statsmodels.api as sm

    fitted = sm.GLM(y, X, family=sm.families.Poisson()).fit().fittedvalues
    sigma2, rho = impact.noise_moments(y, X, fitted)
    # Latent e = exp(u - var/2): Var e = exp(var) - 1, Corr(e_t, e_t+1) = (exp(rho_u var) - 1) / (exp(var) - 1).
    true_s2 = math.expm1(var)
    true_rho = math.expm1(rho_u * var) / true_s2
    assert sigma2 == pytest.approx(true_s2, rel=0.15)
    assert rho == pytest.approx(true_rho, abs=0.06)
    # Scores: Gaussian AR(1) errors.
    e = np.empty(n)
    e[0] = rng.normal(0, 2 / math.sqrt(1 - 0.49))
    for i in range(1, n):
        e[i] = 0.7 * e[i - 1] + rng.normal(0, 2)
    yy = X @ np.array([60.0, 3.0, -2.0]) + e
    resid_fit = X @ np.linalg.lstsq(X, yy, rcond=None)[0]
    s2g, rhog = impact.noise_moments(yy, X, resid_fit, counts=False)
    assert s2g == pytest.approx(4 / (1 - 0.49), rel=0.15) and rhog == pytest.approx(0.7, abs=0.05)


def test_its_widens_its_interval_for_correlated_months():
    """The same series with its months made to move together: a wider interval, and a note saying why."""
    months = pd.date_range("2015-01-01", periods=48, freq="MS")
    start = months[30]
    rng = np.random.default_rng(12)
    base = 80 * np.where(months >= start, 0.8, 1.0)
    u = np.zeros(48)
    for i in range(1, 48):
        u[i] = 0.7 * u[i - 1] + rng.normal(0, 0.15)
    white = impact.its(pd.DataFrame({"month": months, "y": rng.poisson(base).astype(float)}), start)
    correlated = impact.its(pd.DataFrame({"month": months, "y": rng.poisson(base * np.exp(u)).astype(float)}), start)
    assert (correlated.level.high - correlated.level.low) > 1.3 * (white.level.high - white.level.low)
    assert any("Consecutive months are correlated" in n for n in correlated.notes)
