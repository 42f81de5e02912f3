"""Survey weights by raking to population margins, and weighted means with honest uncertainty.

Raking (iterative proportional fitting; Deming & Stephan 1940) adjusts each
respondent's weight until the weighted sample matches the population on every
margin at once (age, sex, race/ethnicity, area), without needing the joint
distribution. We use weightipy's RIM implementation.

The uncertainty that weighting adds is measured by Kish's design effect::

    deff  = n * sum(w**2) / sum(w)**2        (1 for equal weights)
    n_eff = n / deff = sum(w)**2 / sum(w**2)

and a weighted mean's 95% interval is ``mean +- 1.96 * s * sqrt(deff / n)``,
i.e. ``1.96 * s / sqrt(n_eff)``, with ``s`` the weighted standard deviation
(Kish 1965, *Survey Sampling*, section 11.7). statsmodels' ``DescrStatsW`` is
not used: it reads weights as frequencies, so a weight of 3 would count as
three respondents and the interval would be far too narrow.

Estimates whose effective n is under 30 are suppressed; 30-59 are flagged
(NCHS Data Presentation Standards for Proportions, 2017).

Example, by hand: answers 60, 80, 40, 100 with weights 1, 1, 2, 0.5::

    sum w = 4.5, sum w^2 = 6.25, n = 4
    mean  = (60 + 80 + 80 + 50) / 4.5 = 60
    deff  = 4 * 6.25 / 4.5^2 = 1.2346;  n_eff = 3.24

>>> e = weighted_estimate(np.array([60.0, 80, 40, 100]), np.array([1, 1, 2, 0.5]))
>>> round(e.mean, 2), round(e.deff, 4), round(e.n_eff, 2), e.status
(60.0, 1.2346, 3.24, 'suppressed')
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.constants import FLAG_EFFECTIVE_N, MIN_EFFECTIVE_N, Z_95

MISSING = "(missing)"

STATUS_TEXT = {
    "ok": "",
    "flagged": f"effective n {MIN_EFFECTIVE_N}-{FLAG_EFFECTIVE_N - 1}: unstable, use with caution",
    "suppressed": f"effective n under {MIN_EFFECTIVE_N}: not shown",
}


def status(n_eff: float) -> str:
    """``'suppressed'`` under 30, ``'flagged'`` from 30 to 59, else ``'ok'``.

    >>> [status(n) for n in (29, 29.99, 30, 59, 59.9, 60)]
    ['suppressed', 'suppressed', 'flagged', 'flagged', 'flagged', 'ok']
    """
    n_eff = round(float(n_eff), 6)  # equal weights give n_eff = n up to rounding
    if not np.isfinite(n_eff) or n_eff < MIN_EFFECTIVE_N:
        return "suppressed"
    if n_eff < FLAG_EFFECTIVE_N:
        return "flagged"
    return "ok"


@dataclass(frozen=True)
class Estimate:
    """A weighted mean with its sample size, design effect and 95% interval."""

    mean: float
    se: float
    lo: float
    hi: float
    n: int
    n_eff: float
    deff: float

    @property
    def status(self) -> str:
        return status(self.n_eff)

    @property
    def shown(self) -> bool:
        return self.status != "suppressed"


def kish(weights: np.ndarray) -> tuple[int, float, float]:
    """``(n, deff, n_eff)`` of a set of weights (Kish 1965).

    >>> kish(np.array([1.0, 1.0, 1.0, 1.0]))
    (4, 1.0, 4.0)
    """
    w = np.asarray(weights, dtype="float64")
    n = len(w)
    if n == 0 or w.sum() <= 0:
        return n, float("nan"), 0.0
    deff = n * float((w**2).sum()) / float(w.sum()) ** 2
    return n, deff, n / deff


def weighted_estimate(values: np.ndarray, weights: np.ndarray | None = None) -> Estimate:
    """Weighted mean of ``values`` (NaN ignored) with Kish's design effect and a 95% interval.

    Parameters
    ----------
    values : ndarray of float
        One value per respondent (e.g. an index on 0-100); NaN where missing.
    weights : ndarray of float, optional
        Survey weights; equal weights when omitted.

    Returns
    -------
    Estimate
        ``se = s * sqrt(deff / n)`` with ``s**2 = sum(w (y - mean)**2) / sum(w) * n / (n - 1)``
        (the ordinary sample variance when weights are equal); ``lo, hi = mean -+ 1.96 se``.

    Notes
    -----
    Kish, L. (1965). *Survey Sampling*. Wiley, section 11.7. The interval
    accounts for unequal weights, not for clustering or stratification.
    """
    frame = pd.DataFrame(
        {
            "y": np.asarray(values, dtype="float64"),
            "w": np.ones(len(values)) if weights is None else np.asarray(weights, dtype="float64"),
        }
    )
    row = grouped_estimates(frame, "y", "w").iloc[0]
    return Estimate(
        *(float(row[c]) for c in ("mean", "se", "lo", "hi")), int(row["n"]), float(row["n_eff"]), float(row["deff"])
    )


def grouped_estimates(frame: pd.DataFrame, value: str, weight: str, by: str | list[str] | None = None) -> pd.DataFrame:
    """:func:`weighted_estimate` for every group of ``by`` at once (vectorised sums; fast on 100,000 rows).

    Returns one row per group with ``mean, se, lo, hi, n, n_eff, deff, status``;
    respondents with a missing value or weight are left out of their group.
    """
    y = frame[value].to_numpy(dtype="float64")
    w = frame[weight].to_numpy(dtype="float64")
    ok = np.isfinite(y) & np.isfinite(w) & (w > 0)
    parts = {"w": w, "w2": w * w, "wy": w * y, "wy2": w * y * y, "n": np.ones(len(y))}
    sums = pd.DataFrame({k: np.where(ok, v, 0.0) for k, v in parts.items()}, index=frame.index)
    if by is None:
        totals = sums.sum().to_frame().T
    else:
        keys = [by] if isinstance(by, str) else list(by)
        totals = sums.groupby([frame[k] for k in keys], observed=True, dropna=True).sum()
    return _finish(totals.reset_index(drop=by is None))


def _finish(t: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = t["wy"] / t["w"]
        # sum w (y - mean)^2 = sum w y^2 - (sum w y)^2 / sum w; clipped at 0 against rounding
        ss = (t["wy2"] - t["wy"] ** 2 / t["w"]).clip(lower=0)
        n = t["n"]
        var = ss / t["w"] * n / (n - 1)
        deff = n * t["w2"] / t["w"] ** 2
        n_eff = t["w"] ** 2 / t["w2"]
        se = np.sqrt(var / n_eff)
    out = t.drop(columns=["w", "w2", "wy", "wy2"]).copy()
    out["mean"], out["se"] = mean, se
    out["lo"], out["hi"] = mean - Z_95 * se, mean + Z_95 * se
    out["n"] = n.astype("int64")
    out["n_eff"], out["deff"] = n_eff.fillna(0.0), deff
    out["status"] = [status(v) for v in out["n_eff"]]
    return out


def suppress(estimates: pd.DataFrame) -> pd.DataFrame:
    """Blank the mean and interval of suppressed rows (the n and effective n stay, so readers see why)."""
    out = estimates.copy()
    hidden = out["status"] == "suppressed"
    out.loc[hidden, ["mean", "se", "lo", "hi"]] = np.nan
    out["note"] = out["status"].map(STATUS_TEXT)
    return out


@dataclass(frozen=True)
class Change:
    """Difference between two independent estimates and whether it exceeds its uncertainty."""

    difference: float
    se: float
    lo: float
    hi: float
    z: float
    significant: bool
    testable: bool
    reason: str = ""


def change_test(before: Estimate, after: Estimate) -> Change:
    """Two-sided z test of ``after.mean - before.mean`` for independent samples (two waves).

    ``se = sqrt(se_before**2 + se_after**2)``; the change is larger than its
    uncertainty when its 95% interval excludes 0 (``|z| > 1.96``). Not tested
    when either estimate is suppressed.

    >>> a = Estimate(60.0, 2.0, 0, 0, 200, 150.0, 1.3)
    >>> b = Estimate(66.0, 2.0, 0, 0, 200, 150.0, 1.3)
    >>> c = change_test(a, b); round(c.z, 2), c.significant
    (2.12, True)
    """
    if not (before.shown and after.shown):
        return Change(
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            np.nan,
            False,
            False,
            f"an estimate has an effective n under {MIN_EFFECTIVE_N}",
        )
    diff = after.mean - before.mean
    se = float(np.hypot(before.se, after.se))
    z = float(diff / se) if se > 0 else np.nan
    return Change(float(diff), se, diff - Z_95 * se, diff + Z_95 * se, z, bool(abs(z) > Z_95), True)


# -- raking -----------------------------------------------------------------------------------


@dataclass
class RakeResult:
    """Weights (mean 1 over the respondents raked) and what the raking did."""

    weights: pd.Series
    dimensions: list[str]
    notes: list[str] = field(default_factory=list)
    max_error: float = 0.0  # largest gap, in percentage points, between a weighted share and its target


def rake(frame: pd.DataFrame, targets: dict[str, dict[str, float]], cap: float | None = None) -> RakeResult:
    """Rake ``frame``'s respondents to population ``targets`` with weightipy.

    Parameters
    ----------
    frame : DataFrame
        One row per respondent, a column per dimension of ``targets`` holding
        its category (missing allowed).
    targets : dict
        ``{dimension: {category: population}}``; counts or shares, normalised per dimension.
    cap : float, optional
        Largest weight allowed (relative to a mean of 1), if any.

    Returns
    -------
    RakeResult
        Weights with mean 1.

    Notes
    -----
    Respondents who did not answer a dimension keep their sample share on it
    (their group's target is its unweighted share and the known categories
    share the rest in the population's proportions), the rule of ANES's
    anesrake (DeBell & Krosnick 2009). Population categories with no
    respondent cannot be weighted up: their share is spread over the others,
    and a note says so. Survey categories absent from the margins are
    treated as missing on that dimension.
    """
    import weightipy as wp

    notes: list[str] = []
    data = pd.DataFrame(index=frame.index)
    scheme: dict[str, dict[str, float]] = {}
    for dim, target in targets.items():
        codes, uniques = pd.factorize(frame[dim], use_na_sentinel=True)
        labels = np.array([str(u) for u in uniques] + [MISSING], dtype=object)
        values = pd.Series(labels[codes], index=frame.index)  # the sentinel -1 picks MISSING
        target = {str(k): float(v) for k, v in target.items() if v and v > 0}
        present = set(labels[np.unique(codes)])
        unknown = sorted(present - set(target) - {MISSING})
        if unknown:
            notes.append(
                f"{dim}: survey categories not in the margins ({', '.join(map(str, unknown))}) "
                "are treated as missing for weighting."
            )
            values = values.where(~values.isin(unknown), MISSING)
            present = (present - set(unknown)) | {MISSING}
        empty = sorted(k for k in target if k not in present)
        if empty:
            notes.append(
                f"{dim}: no respondent in {', '.join(empty)}; their population share is spread "
                "over the other categories."
            )
            target = {k: v for k, v in target.items() if k not in empty}
        if not target:
            notes.append(f"{dim}: no category in common with the margins; not used.")
            continue
        missing_share = float((values == MISSING).mean())
        if missing_share >= 1.0:
            continue
        total = sum(target.values())
        shares = {k: v / total * (1 - missing_share) * 100 for k, v in target.items()}
        if missing_share > 0:
            shares[MISSING] = missing_share * 100
            notes.append(f"{dim}: {missing_share:.0%} did not answer; they keep their sample share on it.")
        data[dim] = values
        scheme[dim] = shares
    if not scheme or len(frame) == 0:
        return RakeResult(pd.Series(1.0, index=frame.index), [], notes + ["No margin could be used: equal weights."])
    rim = wp.scheme_from_dict(scheme, name="rake", rim_params={"cap": cap or 0, "max_iterations": 1000})
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # weightipy prints convergence warnings
        weights = wp.weight(data.reset_index(drop=True), rim)
    weights = pd.Series(weights.to_numpy(dtype="float64"), index=frame.index)
    weights = weights / weights.mean()
    error = 0.0
    for dim, shares in scheme.items():
        got = weights.groupby(data[dim]).sum() / weights.sum() * 100
        error = max(error, float((got.reindex(list(shares)).fillna(0) - pd.Series(shares)).abs().max()))
    if "convergence" in printed.getvalue().lower():
        notes.append(f"Raking did not fully converge (largest gap to a margin {error:.2f} points).")
    return RakeResult(weights, list(scheme), notes, error)
