"""Did a programme go with a change? Difference-in-differences, WDD and interrupted time series.

Three standard designs for place-based programmes, each reported with its
95% interval and the caveat that association is not causation: areas that
get a programme differ from those that do not in ways no model sees.

- **Difference-in-differences** (:func:`did`): monthly counts per area as a
  Poisson GLM with area and month fixed effects, ``y ~ treated_post + C(area)
  + C(month)`` (offset log population where loaded), cluster-robust errors by
  area; the estimate is the rate ratio exp(b) of treated areas after the start,
  relative to comparison areas, with t quantiles on (areas - 1) degrees of
  freedom. Scores (trust, safety) use the same design as a linear model, in points. Wooldridge (2023), "Simple approaches to nonlinear
  difference-in-differences with panel data", Econometrics Journal 26(3):
  C31-C66, shows the Poisson form keeps the DiD interpretation for counts.
  Areas with no incident in the whole window add nothing to a fixed-effects
  Poisson likelihood and are left out (as ``ppmlhdfe`` does).
- **Weighted displacement difference** (:func:`wdd`), Wheeler & Ratcliffe
  (2018), "A simple weighted displacement difference test to evaluate place
  based crime interventions", Crime Science 7:11: WDD = dT - dC + dD - dCd,
  the before-after change in the target area T, its control C, the
  displacement buffer D around the target and the buffer's control Cd;
  SE = sqrt of the sum of the eight counts (Poisson variances).
- **Interrupted time series** (:func:`its`): segmented Poisson regression of
  the treated areas' monthly total, ``y ~ t + post + t_since + sin + cos``
  (one 12-month harmonic when there are 24 months or more), with errors from
  Zeger's (1988) model for autocorrelated counts (a latent noise with a
  variance and an AR(1) correlation, estimated by moments corrected for the
  regression) and t quantiles on the effective number of months; Bernal,
  Cummins & Gasparrini (2017), "Interrupted time series regression for the
  evaluation of public health interventions: a tutorial", Int. J.
  Epidemiology 46(1): 348-355.

Each design refuses, with the reason (``ImpactError``), where there is too
little data before or after the start.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import optimize, stats

from lib.store.schema import incident_total, level_column

MIN_PRE_MONTHS = 6  # DiD: months before the start with data
MIN_POST_MONTHS = 3
ITS_MIN_PRE = 12  # ITS: at least a year before, to see the trend and the season
ITS_MIN_POST = 6
FEW_CLUSTERS = 20  # below this many areas, cluster-robust intervals run narrow (Cameron & Miller 2015)
Z95 = 1.959963984540054
CAVEAT = (
    "Association is not causation: areas that get a programme differ from others in ways the "
    "model cannot see, and other things changed at the same time."
)
PROGRAMMES_DOCUMENT = "programmes"


class ImpactError(ValueError):
    """The design cannot be estimated on these data; the message says why and what would help."""


# -- panels ---------------------------------------------------------------------------------


def months(start, end) -> pd.DatetimeIndex:
    """Month starts from the month of ``start`` up to (not including) ``end``."""
    first = pd.Timestamp(start).to_period("M").start_time
    return pd.date_range(first, pd.Timestamp(end) - pd.Timedelta(days=1), freq="MS")


def count_panel(store, level: str, dataset: str, start, end, offenses: list[str] | None = None) -> pd.DataFrame:
    """Incidents per area of ``level`` and month, every area and month present: area, month, y."""
    col = level_column(level)
    where = ["dataset = :d", "occurred_at >= :s", "occurred_at < :e", f'"{col}" IS NOT NULL']
    params = {"d": dataset, "s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()}
    if offenses:
        where.append("offense IN (SELECT unnest(CAST(:o AS TEXT[])))")
        params["o"] = list(offenses)
    counts = store.query(
        f"SELECT \"{col}\" AS area, date_trunc('month', occurred_at) AS month, {incident_total()} AS y FROM incidents "
        f"WHERE {' AND '.join(where)} GROUP BY 1, 2",
        params,
    )
    codes = store.query("SELECT code FROM boundaries WHERE level = :l", {"l": level})["code"]
    grid = pd.MultiIndex.from_product([list(codes), months(start, end)], names=["area", "month"])
    out = counts.set_index(["area", "month"])["y"].reindex(grid, fill_value=0).reset_index()
    out["y"] = out["y"].astype(float)
    return out


def score_panel(store, level: str, measure: str, start, end) -> pd.DataFrame:
    """Monthly scores (e.g. TRUST) per area of ``level``: area, month, y; months without a score absent."""
    frame = store.query(
        "SELECT area, date_trunc('month', period_start) AS month, avg(value) AS y FROM survey_scores "
        "WHERE level = :l AND measure = :m AND period_days >= 28 AND period_start >= :s AND period_start < :e "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        {"l": level, "m": measure, "s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()},
    )
    return frame


def neighbours(store, level: str, codes: list[str]) -> list[str]:
    """Areas of ``level`` that touch any of ``codes`` (not themselves): the displacement buffer."""
    from lib.ingest import spatial

    rows = store.query("SELECT code, name, geometry FROM boundaries WHERE level = :l", {"l": level})
    layer = spatial.layer_from_rows(rows).to_crs(spatial.EQUAL_AREA)
    inner = layer[layer["code"].isin(codes)]
    if inner.empty:
        return []
    # 20 m of tolerance: neighbouring polygons are drawn with small gaps and overlaps.
    zone = inner.geometry.buffer(20).union_all()
    touching = layer[layer.geometry.intersects(zone) & ~layer["code"].isin(codes)]
    return sorted(touching["code"], key=lambda c: (len(c), c))


# -- comparison areas -------------------------------------------------------------------------


def suggest_comparisons(
    panel: pd.DataFrame, treated: list[str], start, k: int = 5, exclude: list[str] | None = None, min_mean: float = 1.0
) -> pd.DataFrame:
    """Areas whose pre-period course is closest to the treated areas' (parallel trends).

    Each series is the monthly outcome before ``start`` on the log scale
    (log1p for counts), smoothed over 3 months and centred on its own mean:
    what is compared is the shape over time, since the area effects absorb
    levels. ``distance`` is the root mean squared difference from the treated
    areas' mean course; ``level_ratio`` compares average levels. Areas with
    fewer than ``min_mean`` incidents a month are too noisy to judge and are
    skipped, as are ``exclude`` (e.g. the treated areas' neighbours, where
    displacement would contaminate the comparison).
    """
    pre = panel[panel["month"] < pd.Timestamp(start)]
    wide = pre.pivot_table(index="month", columns="area", values="y")
    if wide.empty or not set(treated) & set(wide.columns):
        return pd.DataFrame(columns=["area", "distance", "level_ratio", "pre_mean"])
    logged = np.log1p(wide.clip(lower=0))
    smooth = logged.rolling(3, min_periods=1, center=True).mean()
    target = smooth[[c for c in treated if c in smooth]].mean(axis=1)
    target_c = target - target.mean()
    skip = set(treated) | set(exclude or [])
    rows = []
    for area in smooth.columns:
        if area in skip or wide[area].mean() < min_mean:
            continue
        s = smooth[area]
        ok = s.notna() & target_c.notna()
        if ok.sum() < 3:
            continue
        dist = float(np.sqrt((((s[ok] - s[ok].mean()) - target_c[ok]) ** 2).mean()))
        rows.append(
            (
                area,
                dist,
                float(wide[area].mean() / wide[[c for c in treated if c in wide]].mean().mean()),
                float(wide[area].mean()),
            )
        )
    out = pd.DataFrame(rows, columns=["area", "distance", "level_ratio", "pre_mean"])
    return out.sort_values("distance").head(k).reset_index(drop=True)


# -- difference-in-differences -----------------------------------------------------------------------


@dataclass
class Estimate:
    """One design's result, with its interval and the words a reader needs."""

    design: str
    outcome: str
    estimate: float  # rate ratio - 1 (counts) or points (scores)
    low: float
    high: float
    p_value: float
    scale: str  # "percent" or "points"
    sentence: str
    notes: list[str] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    coef: float = np.nan
    se: float = np.nan

    @property
    def significant(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def _pct(x: float) -> str:
    return f"{x * 100:+.0f}%"


def _check_window(panel: pd.DataFrame, start, min_pre: int, min_post: int, what: str) -> tuple[int, int]:
    have = panel.dropna(subset=["y"])["month"].drop_duplicates()
    pre = int((have < pd.Timestamp(start)).sum())
    post = int((have >= pd.Timestamp(start)).sum())
    if pre < min_pre:
        raise ImpactError(
            f"Too little data before the start for {what}: {pre} month(s) with data before "
            f"{pd.Timestamp(start):%B %Y}, at least {min_pre} needed. Choose a later start or a "
            "longer window."
        )
    if post < min_post:
        raise ImpactError(
            f"Too little data after the start for {what}: {post} month(s) with data from "
            f"{pd.Timestamp(start):%B %Y} on, at least {min_post} needed. Choose an earlier start "
            "or wait for more data."
        )
    return pre, post


def did(
    panel: pd.DataFrame,
    treated: list[str],
    comparison: list[str],
    start,
    outcome: str = "Incidents",
    counts: bool = True,
    population: pd.Series | None = None,
    area_label: str = "areas",
) -> Estimate:
    """Difference-in-differences with area and month effects and cluster-robust errors.

    Parameters
    ----------
    panel : DataFrame
        area, month, y (counts, or scores when ``counts`` is False).
    treated, comparison : list of str
        Area codes; they must not overlap.
    start : date-like
        First month of the programme.
    population : Series, optional
        Residents per area: the Poisson model then has offset log(population).

    Returns
    -------
    Estimate
        For counts, ``estimate`` is the rate ratio minus 1 (-0.12 = 12% fewer
        than expected from the comparison areas); for scores, a difference in points.

    Notes
    -----
    Poisson: ``smf.glm("y ~ tp + C(area) + C(month)", family=Poisson, offset=log(pop))
    .fit(cov_type="cluster", cov_kwds={"groups": area})``; OLS for scores.
    Also reported: a pre-period test of parallel trends (treated-by-time
    interaction before the start).
    """
    treated, comparison = [str(a) for a in treated], [str(a) for a in comparison]
    if not treated:
        raise ImpactError("Choose at least one treated area.")
    _check_window(panel[panel["area"].isin(treated)], start, MIN_PRE_MONTHS, MIN_POST_MONTHS, "the treated areas")
    if not comparison:
        raise ImpactError("Choose at least one comparison area (or take the suggested ones).")
    both = set(treated) & set(comparison)
    if both:
        raise ImpactError(f"Areas {', '.join(sorted(both))} are both treated and comparison: choose one role each.")
    data = panel[panel["area"].isin(treated + comparison)].dropna(subset=["y"]).copy()
    notes = []
    if counts:
        totals = data.groupby("area")["y"].sum()
        empty = sorted(totals[totals <= 0].index)
        if empty:
            notes.append(f"Left out (no incidents in the window, no information for this model): {', '.join(empty)}.")
            data = data[~data["area"].isin(empty)]
    start = pd.Timestamp(start)
    data["treated"] = data["area"].isin(treated).astype(int)
    data["post"] = (data["month"] >= start).astype(int)
    data["tp"] = data["treated"] * data["post"]
    for group, name in ((treated, "treated"), (comparison, "comparison")):
        left = data[data["area"].isin(group)]
        if left.empty:
            raise ImpactError(f"None of the {name} areas has data in this window.")
        _check_window(left, start, MIN_PRE_MONTHS, MIN_POST_MONTHS, f"the {name} areas")
    if counts and data.loc[data["treated"] == 1, "y"].sum() == 0:
        raise ImpactError("The treated areas have no incidents in this window: nothing to compare.")
    n_clusters = data["area"].nunique()
    offset = None
    if population is not None and not population.empty and counts:
        pop = data["area"].map(population)
        if pop.notna().all() and (pop > 0).all():
            offset = np.log(pop.astype(float))
        else:
            notes.append("Population is missing for some areas: counts are modelled without the population offset.")
    groups = pd.factorize(data["area"])[0]
    formula = "y ~ tp + C(area) + C(month)"
    if counts:
        model = smf.glm(formula, data=data, family=sm.families.Poisson(), offset=offset)
    else:
        model = smf.ols(formula, data=data)
    # t quantiles on G - 1 degrees of freedom (use_t): the small-cluster correction of Cameron & Miller (2015).
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    b, se = float(fit.params["tp"]), float(fit.bse["tp"])
    p = float(fit.pvalues["tp"])
    ci_lo, ci_hi = (float(v) for v in fit.conf_int(alpha=0.05).loc["tp"])
    if n_clusters < FEW_CLUSTERS:
        notes.append(
            f"Only {n_clusters} areas: cluster-robust intervals are too narrow with few clusters "
            "(Cameron & Miller 2015); read the interval as a lower bound on the uncertainty."
        )
    trend_p = _pretrend_p(data, start, counts, offset)
    if trend_p is not None and trend_p < 0.05:
        notes.append(
            f"Before the start, treated and comparison areas were already moving differently "
            f"(pre-trend test p = {trend_p:.3f}): the comparison may not show what would have happened."
        )
    table = _group_table(data, counts)
    label = area_label
    if counts:
        est, lo, hi = math.exp(b) - 1, math.exp(ci_lo) - 1, math.exp(ci_hi) - 1
        verb = "fell" if est < 0 else "rose"
        sentence = (
            f"{outcome} in the treated {label} {verb} an estimated {abs(est) * 100:.0f}% relative to the "
            f"comparison {label} (95% CI {_pct(lo)} to {_pct(hi)})"
        )
        scale = "percent"
    else:
        est, lo, hi = b, ci_lo, ci_hi
        verb = "rose" if est > 0 else "fell"
        sentence = (
            f"{outcome} in the treated {label} {verb} an estimated {abs(est):.1f} points relative to the "
            f"comparison {label} (95% CI {lo:+.1f} to {hi:+.1f})"
        )
        scale = "points"
    sentence += f" from {start:%B %Y}"
    sentence += (
        "."
        if (lo > 0 or hi < 0)
        else ": the interval includes no change, so the data cannot tell an effect from chance."
    )
    return Estimate("Difference-in-differences", outcome, est, lo, hi, p, scale, sentence, notes, table, b, se)


def _pretrend_p(data: pd.DataFrame, start, counts: bool, offset) -> float | None:
    """p-value of a treated-by-time slope before the start (None when it cannot be fitted)."""
    pre = data[data["month"] < start].copy()
    if pre["month"].nunique() < 3 or pre["treated"].nunique() < 2:
        return None
    pre["t"] = (pre["month"].dt.year * 12 + pre["month"].dt.month).astype(float)
    pre["t"] -= pre["t"].mean()
    pre["tt"] = pre["t"] * pre["treated"]
    groups = pd.factorize(pre["area"])[0]
    try:
        if counts:
            off = offset[pre.index] if offset is not None else None
            fit = smf.glm("y ~ tt + C(area) + C(month)", data=pre, family=sm.families.Poisson(), offset=off).fit(
                cov_type="cluster", cov_kwds={"groups": groups}
            )
        else:
            fit = smf.ols("y ~ tt + C(area) + C(month)", data=pre).fit(cov_type="cluster", cov_kwds={"groups": groups})
        return float(fit.pvalues["tt"])
    except (ValueError, np.linalg.LinAlgError):
        return None


def _group_table(data: pd.DataFrame, counts: bool) -> pd.DataFrame:
    """Mean per area and month, by group and period: the four numbers behind the DiD."""
    t = (
        data.assign(
            group=np.where(data["treated"] == 1, "treated", "comparison"),
            period=np.where(data["post"] == 1, "after", "before"),
        )
        .groupby(["group", "period"])
        .agg(areas=("area", "nunique"), months=("month", "nunique"), mean=("y", "mean"))
        .reset_index()
    )
    t["mean"] = t["mean"].round(2)
    t = t.rename(columns={"mean": "mean per area-month" if counts else "mean score"})
    return t.sort_values(["group", "period"], ascending=[False, False]).reset_index(drop=True)


# -- weighted displacement difference ---------------------------------------------------------------


def wdd(
    target: tuple[float, float],
    control: tuple[float, float],
    buffer: tuple[float, float] | None = None,
    buffer_control: tuple[float, float] | None = None,
    weights: tuple[float, float, float, float] = (1, 1, 1, 1),
    outcome: str = "Incidents",
) -> Estimate:
    """Weighted displacement difference (Wheeler & Ratcliffe 2018).

    Parameters
    ----------
    target, control, buffer, buffer_control : (before, after)
        Counts over two periods of equal length. Without a buffer, the test
        is the local WDD of target and control.
    weights : (target, control, buffer, buffer control)
        Area weights, as in Wheeler's ``ptools::wdd``: each count is divided
        by its weight (and its variance by the weight squared). With a control
        made of 20 areas for a target of 5, weight 4 puts the control on the
        target's scale. The estimate is then in the target's (and buffer's) incidents.

    Returns
    -------
    Estimate
        ``estimate`` = (dT - dC) + (dD - dCd), each d = after - before on its
        weighted scale; negative means fewer incidents than expected, net of
        displacement into the buffer. SE = sqrt(sum of count / weight^2).

    Examples
    --------
    The worked example of the paper's form, all weights 1:

    >>> r = wdd((100, 80), (200, 190), (50, 55), (120, 118))
    >>> r.estimate, round(r.se, 2)
    (-3.0, 30.22)
    """
    parts = [("target", target, weights[0]), ("control", control, weights[1])]
    if buffer is not None and buffer_control is not None:
        parts += [("buffer", buffer, weights[2]), ("buffer control", buffer_control, weights[3])]
    for name, (before, after), w in parts:
        if before < 0 or after < 0:
            raise ImpactError(f"The {name} counts must not be negative.")
        if not w > 0:
            raise ImpactError(f"The {name} weight must be positive.")
    d = {name: (after - before) / w for name, (before, after), w in parts}
    value = d["target"] - d["control"]
    if "buffer" in d:
        value += d["buffer"] - d["buffer control"]
    var = sum((before + after) / w**2 for _, (before, after), w in parts)
    if var <= 0:
        raise ImpactError("All counts are zero: there is nothing to compare.")
    se = math.sqrt(var)
    z = value / se
    p = float(2 * stats.norm.sf(abs(z)))
    lo, hi = value - Z95 * se, value + Z95 * se
    table = pd.DataFrame(
        [(n, b, a, a - b, w, round((a - b) / w, 2)) for n, (b, a), w in parts],
        columns=["areas", "before", "after", "change", "weight", "weighted change"],
    )
    net = "net of displacement to the buffer" if "buffer" in d else "without a displacement buffer"
    verb = "fewer" if value < 0 else "more"
    sentence = (
        f"{outcome}: {abs(value):,.0f} {verb} than the comparison suggests, {net} "
        f"(WDD {value:+,.0f}, 95% CI {lo:+,.0f} to {hi:+,.0f})"
    )
    sentence += (
        "." if (lo > 0 or hi < 0) else ": the interval includes zero, so the data cannot tell an effect from chance."
    )
    return Estimate(
        "Weighted displacement difference",
        outcome,
        float(value),
        lo,
        hi,
        p,
        "incidents",
        sentence,
        [],
        table,
        float(value),
        se,
    )


def wdd_counts(
    panel: pd.DataFrame, groups: dict[str, list[str]], start, months_each: int
) -> dict[str, tuple[float, float]]:
    """(before, after) totals of each group of areas over ``months_each`` months either side of ``start``."""
    start = pd.Timestamp(start)
    before = (panel["month"] >= start - pd.DateOffset(months=months_each)) & (panel["month"] < start)
    after = (panel["month"] >= start) & (panel["month"] < start + pd.DateOffset(months=months_each))
    have_before = panel.loc[before, "month"].nunique()
    have_after = panel.loc[after, "month"].nunique()
    if have_before < months_each or have_after < months_each:
        raise ImpactError(
            f"The WDD needs {months_each} months of data before and after the start; there are "
            f"{have_before} before and {have_after} after. Shorten the periods or move the start."
        )
    for name in ("target", "control"):
        if not groups.get(name):
            raise ImpactError(
                f"The WDD needs {'treated' if name == 'target' else 'comparison'} areas; none are chosen."
            )
    out = {}
    for name, codes in groups.items():
        sel = panel["area"].isin(codes)
        out[name] = (float(panel.loc[sel & before, "y"].sum()), float(panel.loc[sel & after, "y"].sum()))
    return out


# -- interrupted time series -----------------------------------------------------------------------


@dataclass
class ItsResult:
    level: Estimate  # the step at the start
    slope: Estimate  # the change in monthly trend
    series: pd.DataFrame  # month, y, fitted, fitted_low, fitted_high, counterfactual, post
    notes: list[str]


def its(series: pd.DataFrame, start, outcome: str = "Incidents", counts: bool = True) -> ItsResult:
    """Segmented regression of one monthly series around ``start``, with errors that hold under autocorrelation.

    Parameters
    ----------
    series : DataFrame
        month, y (the treated areas' monthly total or mean score).

    Notes
    -----
    ``y ~ t + post + t_since (+ sin12 + cos12)``: a Poisson GLM for counts, OLS
    for scores. Months are not independent (a bad month is often followed by
    another), so the errors follow Zeger's (1988) parameter-driven model: for
    counts ``y_t | e_t ~ Poisson(mu_t e_t)`` with a latent ``e_t`` of variance
    ``sigma2`` and autocorrelation ``rho ** |t - s|``, so that
    ``Cov(y) = diag(mu) + sigma2 * diag(mu) R diag(mu)``; for scores
    ``Cov(y) = sigma2 * R``. The coefficients are the GLM's (consistent under
    this model); ``sigma2`` and ``rho`` are found by the method of moments from
    the residuals, matching their lag-0 and lag-1 sums to what the model
    expects *after* the regression has absorbed part of the noise
    (``E[r r'] = Q Cov(y) Q'``, ``Q`` the residual projection), which removes
    most of the downward bias of the plain estimates in short series (:func:`noise_moments`).
    The covariance of the coefficients is the sandwich
    ``B X' Cov(y) X B`` (:func:`sandwich`), and intervals use t quantiles on
    ``n_eff - p`` degrees of freedom, ``n_eff = n (1 - r1) / (1 + r1)`` with r1
    the noise's month-to-month correlation (Santer et al. 2000).
    benchmarks/its_coverage.py measures the intervals' coverage over 1,000
    simulated series with white, over-dispersed and AR(1) noise.

    References
    ----------
    Zeger, S. L. (1988). A regression model for time series of counts. Biometrika 75(4), 621-629.
    Santer, B. D. et al. (2000). Statistical significance of trends and trend differences in
    layer-average atmospheric temperature time series. J. Geophys. Res. 105(D6), 7337-7356.
    Bernal, J. L., Cummins, S. and Gasparrini, A. (2017). Interrupted time series regression for the
    evaluation of public health interventions: a tutorial. Int. J. Epidemiology 46(1), 348-355.
    """
    data = series.dropna(subset=["y"]).sort_values("month").reset_index(drop=True).copy()
    start = pd.Timestamp(start)
    _check_window(data, start, ITS_MIN_PRE, ITS_MIN_POST, "an interrupted time series")
    if counts and data["y"].sum() <= 0:
        raise ImpactError("The treated areas have no incidents in this window: there is no series to model.")
    data["t"] = np.arange(len(data), dtype=float)
    data["post"] = (data["month"] >= start).astype(float)
    t0 = float(data.loc[data["post"] == 1, "t"].iloc[0])
    data["t_since"] = np.where(data["post"] == 1, data["t"] - t0, 0.0)
    notes = []
    terms = "t + post + t_since"
    if len(data) >= 24:
        angle = 2 * np.pi * data["month"].dt.month / 12
        data["sin12"], data["cos12"] = np.sin(angle), np.cos(angle)
        terms += " + sin12 + cos12"
    else:
        notes.append("Fewer than 24 months: no seasonal terms, so a seasonal swing may read as a change.")
    if counts:
        fit = smf.glm(f"y ~ {terms}", data=data, family=sm.families.Poisson()).fit()
    else:
        fit = smf.ols(f"y ~ {terms}", data=data).fit()
    X = np.asarray(fit.model.exog)
    y = data["y"].to_numpy(dtype="float64")
    mu = np.asarray(fit.fittedvalues, dtype="float64")
    sigma2, rho = noise_moments(y, X, mu, counts)
    cov = sandwich(X, mu, sigma2, rho, counts)
    r1 = _lag1(mu, sigma2, rho, counts)
    n, k = X.shape
    dof = max(n * (1 - r1) / (1 + r1) - k, 4.0)
    q = float(stats.t.ppf(0.975, dof))
    if r1 > 0.05:
        notes.append(
            f"Consecutive months are correlated (r = {r1:.2f}, Zeger's model): the intervals allow for it, "
            f"as if there were {n * (1 - r1) / (1 + r1):.0f} independent months rather than {n}."
        )
    names = list(fit.params.index)  # Intercept, then the terms in the formula's order
    params = fit.params.to_numpy()

    def band(frame: pd.DataFrame) -> pd.DataFrame:
        Xf = np.column_stack([np.ones(len(frame))] + [frame[c].to_numpy(dtype="float64") for c in names[1:]])
        eta = Xf @ params
        se = np.sqrt(np.einsum("ij,jk,ik->i", Xf, cov, Xf))
        link = np.exp if counts else (lambda v: v)
        return pd.DataFrame({"mean": link(eta), "low": link(eta - q * se), "high": link(eta + q * se)})

    pred = band(data)
    cf = band(data.assign(post=0.0, t_since=0.0))
    out = data[["month", "y", "post"]].copy()
    out["fitted"] = pred["mean"].to_numpy()
    out["fitted_low"] = pred["low"].to_numpy()
    out["fitted_high"] = pred["high"].to_numpy()
    out["counterfactual"] = np.where(data["post"] == 1, cf["mean"].to_numpy(), np.nan)
    results = []
    for term, what in (("post", "level at the start"), ("t_since", "trend per month")):
        i = names.index(term)
        b, se = float(params[i]), float(math.sqrt(cov[i, i]))
        p = float(2 * stats.t.sf(abs(b / se), dof)) if se > 0 else 1.0
        ci_lo, ci_hi = b - q * se, b + q * se
        if counts:
            est, lo, hi = math.exp(b) - 1, math.exp(ci_lo) - 1, math.exp(ci_hi) - 1
            words = (
                f"{outcome}: {what} changed by an estimated {_pct(est)} (95% CI {_pct(lo)} to {_pct(hi)})"
                if term == "post"
                else f"{outcome}: the monthly trend changed by {est * 100:+.1f}% a month (95% CI "
                f"{lo * 100:+.1f}% to {hi * 100:+.1f}%)"
            )
            scale = "percent"
        else:
            est, lo, hi = b, ci_lo, ci_hi
            words = f"{outcome}: {what} changed by an estimated {est:+.1f} points (95% CI {lo:+.1f} to {hi:+.1f})"
            scale = "points"
        words += "." if (lo > 0 or hi < 0) else ", an interval that includes no change."
        results.append(
            Estimate("Interrupted time series", outcome, est, lo, hi, p, scale, words, [], pd.DataFrame(), b, se)
        )
    return ItsResult(results[0], results[1], out, notes)


def _residual_projection(X: np.ndarray, mu: np.ndarray, counts: bool) -> np.ndarray:
    """``Q`` with residuals ``y - mu_hat ~= Q (y - mu)``: ``I - M X (X'MX)^-1 X'``, M = diag(mu) for counts, I else."""
    m = mu if counts else np.ones(len(mu))
    MX = m[:, None] * X
    return np.eye(len(mu)) - MX @ np.linalg.solve(X.T @ MX, X.T)


def _noise_parts(mu: np.ndarray, rho: float, counts: bool) -> tuple[np.ndarray, np.ndarray]:
    """The model's covariance of y as ``fixed + sigma2 * scaled``: Poisson part and latent AR(1) part."""
    n = len(mu)
    lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    corr = rho**lags
    if counts:
        return np.diag(mu), corr * np.outer(mu, mu)
    return np.zeros((n, n)), corr


def noise_moments(y, X, mu, counts: bool = True, max_rho: float = 0.95) -> tuple[float, float]:
    """Variance and lag-1 autocorrelation of the latent noise, by moments corrected for the regression.

    The residuals ``r = y - mu_hat`` have ``E[r r'] = Q Cov(y) Q'`` (see :func:`its`).
    ``sigma2`` matches ``sum r_t**2`` to its expectation for a given ``rho``; ``rho``
    then matches ``sum r_t r_(t+1)`` to its own (a root in [0, max_rho]; 0 when
    the residuals show no positive correlation). Negative autocorrelation, rare
    in monthly crime counts, is taken as none (the conservative side).

    Returns
    -------
    (sigma2, rho)

    Examples
    --------
    Poisson counts with no extra noise at all: no latent variance, no correlation.

    >>> t = np.arange(40.0)
    >>> X = np.column_stack([np.ones(40), t])
    >>> noise_moments(np.full(40, 20.0), X, np.full(40, 20.0))
    (0.0, 0.0)
    """
    y, mu, X = np.asarray(y, dtype="float64"), np.asarray(mu, dtype="float64"), np.asarray(X, dtype="float64")
    Q = _residual_projection(X, mu, counts)
    r = y - mu
    s0, s1 = float(r @ r), float(r[1:] @ r[:-1])
    fixed, _ = _noise_parts(mu, 0.0, counts)
    QFQ = Q @ fixed @ Q.T
    a0, a1 = np.trace(QFQ), np.trace(QFQ, offset=1)

    seen: dict[float, tuple[float, float]] = {}

    def expected(rho: float) -> tuple[float, float]:
        """Lag-0 and lag-1 traces of Q S Q' (S the latent part at ``rho``), with one matrix product."""
        if rho not in seen:
            QS = Q @ _noise_parts(mu, rho, counts)[1]
            seen[rho] = float(np.sum(QS * Q)), float(np.sum(QS[:-1] * Q[1:]))
        return seen[rho]

    def sigma2_at(rho: float) -> float:
        return max((s0 - a0) / expected(rho)[0], 0.0)

    def gap(rho: float) -> float:
        return a1 + sigma2_at(rho) * expected(rho)[1] - s1

    if sigma2_at(0.0) <= 0:
        return 0.0, 0.0
    if gap(0.0) >= 0:
        rho = 0.0
    elif gap(max_rho) <= 0:
        rho = max_rho
    else:
        rho = float(optimize.brentq(gap, 0.0, max_rho, xtol=1e-6))
    return sigma2_at(rho), rho


def sandwich(X, mu, sigma2: float, rho: float, counts: bool = True) -> np.ndarray:
    """Covariance of the regression coefficients under the noise model: ``B X' Cov(y) X B``.

    ``B = (X' diag(mu) X)^-1`` for the Poisson GLM, ``(X'X)^-1`` for OLS.
    """
    X, mu = np.asarray(X, dtype="float64"), np.asarray(mu, dtype="float64")
    fixed, scaled = _noise_parts(mu, rho, counts)
    m = mu if counts else np.ones(len(mu))
    bread = np.linalg.inv(X.T @ (m[:, None] * X))
    return bread @ X.T @ (fixed + sigma2 * scaled) @ X @ bread


def _lag1(mu: np.ndarray, sigma2: float, rho: float, counts: bool) -> float:
    """Month-to-month correlation of the whole noise (Poisson and latent) under the fitted model."""
    if sigma2 <= 0 or rho <= 0:
        return 0.0
    if not counts:
        return float(rho)
    var = mu + sigma2 * mu**2
    covs = sigma2 * rho * mu[1:] * mu[:-1]
    return float(np.mean(covs / np.sqrt(var[1:] * var[:-1])))


# -- named programmes -----------------------------------------------------------------------------


def programmes(store) -> list[dict]:
    """Named interventions saved in the app: name, level, start, areas, note."""
    if "documents" not in store.tables():
        return []
    body = store.scalar("SELECT body FROM documents WHERE name = :n", {"n": PROGRAMMES_DOCUMENT})
    return json.loads(body) if body else []


def save_programme(store, name: str, level: str, start, areas: list[str], note: str = "") -> None:
    """Add or replace a named intervention (checked: a name, a start date and at least one area)."""
    from lib.store import schema

    name = (name or "").strip()
    if not name:
        raise ImpactError("Give the programme a name.")
    if not areas:
        raise ImpactError("Choose the areas where the programme ran.")
    try:
        day = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise ImpactError(f"The start date {start!r} is not a date.") from exc
    items = [p for p in programmes(store) if p["name"] != name]
    items.append(
        {"name": name, "level": level, "start": f"{day:%Y-%m-%d}", "areas": [str(a) for a in areas], "note": note}
    )
    with store.transaction():
        schema.create_tables(store)
        store.execute("DELETE FROM documents WHERE name = :n", {"n": PROGRAMMES_DOCUMENT})
        store.execute(
            "INSERT INTO documents (name, body, updated_at) VALUES (:n, :b, :t)",
            {"n": PROGRAMMES_DOCUMENT, "b": json.dumps(items), "t": pd.Timestamp.now().floor("s").to_pydatetime()},
        )


def wdd_groups(store, level: str, target: list[str], control: list[str]) -> tuple[dict[str, list[str]], tuple]:
    """The four WDD area groups and their weights.

    The buffer is the target's neighbouring areas; the buffer's control is the
    control's neighbours, leaving out the target, the control and the buffer.
    Weights put each control on its counterpart's scale by the number of
    areas (control: areas in control / areas in target; buffer control:
    areas in it / areas in the buffer).
    """
    buffer = [c for c in neighbours(store, level, target) if c not in control]
    taken = set(target) | set(control) | set(buffer)
    buffer_control = [c for c in neighbours(store, level, control) if c not in taken]
    groups = {"target": list(target), "control": list(control), "buffer": buffer, "buffer control": buffer_control}
    n = {k: max(len(v), 1) for k, v in groups.items()}
    weights = (1.0, n["control"] / n["target"], 1.0, n["buffer control"] / n["buffer"])
    return groups, weights


def type_programme(frame: pd.DataFrame, link: pd.DataFrame, level: str, event_type: str) -> pd.DataFrame:
    """Areas of ``level`` where events of ``event_type`` were held: area, events, first (date of the first)."""
    done = frame[(frame["type"] == event_type) & ~frame.get("cancelled", False)]
    at = link[link["level"] == level].merge(done[["dataset", "event_id", "starts_at"]], on=["dataset", "event_id"])
    out = at.groupby("code").agg(events=("event_id", "size"), first=("starts_at", "min")).reset_index()
    return out.rename(columns={"code": "area"}).sort_values("events", ascending=False).reset_index(drop=True)


def programme_types(frame: pd.DataFrame, link: pd.DataFrame, level: str, n_areas: int) -> pd.DataFrame:
    """Event types with the number of areas of ``level`` they were held in, the best candidates first.

    A programme held nearly everywhere leaves no comparison areas, so types
    held in at most half of the areas come first (most events first), then the rest.
    """
    done = frame[~frame["cancelled"]] if "cancelled" in frame else frame
    at = link[link["level"] == level].merge(done[["dataset", "event_id", "type"]], on=["dataset", "event_id"])
    out = at.groupby("type").agg(areas=("code", "nunique"), events=("event_id", "nunique")).reset_index()
    out["comparable"] = out["areas"] <= n_areas / 2
    return out.sort_values(["comparable", "events"], ascending=[False, False]).reset_index(drop=True)


def wdd_design(
    store,
    panel: pd.DataFrame,
    level: str,
    treated: list[str],
    comparison: list[str],
    start,
    months_each: int,
    outcome: str = "Incidents",
) -> tuple[Estimate, dict[str, list[str]]]:
    """The WDD of a programme's areas: groups from the boundaries (see :func:`wdd_groups`), counts from ``panel``.

    Where the buffer or its control is empty (every neighbour is treated or a
    comparison area), the local WDD of target and control is reported instead,
    with a note saying so.
    """
    groups, weights = wdd_groups(store, level, treated, comparison)
    counts = wdd_counts(panel, groups, start, months_each)
    notes = [
        "Standard errors assume Poisson counts; with seasonal or over-dispersed counts they understate "
        "the uncertainty (Wheeler & Ratcliffe 2018)."
    ]
    if groups["buffer"] and groups["buffer control"]:
        result = wdd(counts["target"], counts["control"], counts["buffer"], counts["buffer control"], weights, outcome)
    else:
        result = wdd(counts["target"], counts["control"], weights=weights, outcome=outcome)
        empty = "buffer" if not groups["buffer"] else "buffer's control"
        notes.insert(
            0,
            f"No displacement term: the {empty} has no areas left (its neighbours are all treated or "
            "comparison areas), so this is the local WDD of target and control only.",
        )
    result.notes = notes
    return result, groups
