"""Emerging hot spots: Gi* in every time slice, a Mann-Kendall trend per cell, and Esri's categories.

For each time slice (week, month or quarter) the incidents per H3 cell get a
Gi* z-score (lib/stats/hotspots.py: binary contiguity, esda ``G_Local``, star=True),
and a slice's cells are significant where their Benjamini-Hochberg adjusted
two-sided p is at most ``EMERGING_ALPHA`` (0.05). Each cell then has a series
of z-scores over time; the Mann-Kendall test (``pymannkendall.original_test``)
says whether that series trends up or down (tau and its two-sided p).

The category of a cell follows the rules of R's sfdep
(``R/emerging-hostpot-classifications.R``, Parry 2022), which write out
Esri's definitions. With n slices, "hot" meaning significant with z > 0 and
"cold" significant with z < 0, and the rules tried in this order (the first
that holds wins):

============================  ==========================================================
new hot spot                  only the final slice is significant, and it is hot
new cold spot                 only the final slice is significant, and it is cold
consecutive hot spot          the final slice is hot and ends the only run of significant
                              slices; fewer than 90% of slices hot
consecutive cold spot         the same, cold (fewer than 90% of slices cold)
intensifying hot spot         at least 90% of slices hot, the final one significant,
                              z trending up (tau > 0, p < alpha) [1]_
intensifying cold spot        at least 90% of slices cold, the final one significant,
                              z trending down (tau < 0, p <= alpha)
persistent hot spot           at least 90% of slices hot, no significant trend
persistent cold spot          at least 90% of slices cold, no significant trend
diminishing hot spot          at least 90% of slices hot, the final one significant,
                              z trending down
diminishing cold spot         at least 90% of slices cold, the final one significant,
                              z trending up
oscillating hot spot          the final slice hot, at most 90% of slices hot, some
                              earlier slice cold
oscillating cold spot         the final slice cold, under 90% of slices cold, some
                              slice hot
historical hot spot           at least 90% of slices hot, but the final z is below 0
historical cold spot          at least 90% of slices cold, but the final z is above 0
sporadic hot spot             some slices hot, under 90%, never cold
sporadic cold spot            some slices cold, under 90%, never hot
no pattern detected           none of the above (never significant, for one)
============================  ==========================================================

.. [1] sfdep counts every significant slice here, hot or cold; Esri's definition (which
   sfdep writes out) says hot spots, and with sfdep's count a cell that is a cold spot
   throughout and warming would be called an intensifying hot spot. We follow Esri.

Esri's tool also counts the previous time slice into each bin's neighbourhood
(its "neighborhood time step", 1 by default); here each slice is analysed on
its own, as the methods guide prescribes, so results can differ slightly from
ArcGIS on the same data.

References
----------
Esri, "How Emerging Hot Spot Analysis works", ArcGIS Pro documentation.
Parry, J. (2022). sfdep: Spatial Dependence for Simple Features, R package (MIT).
Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13, 245-259.
Kendall, M. G. (1975). Rank Correlation Methods. Griffin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lib.constants import EMERGING_ALPHA, MIN_TIME_SLICES
from lib.stats import hotspots

CATEGORIES: tuple[str, ...] = (
    "new hot spot",
    "new cold spot",
    "consecutive hot spot",
    "consecutive cold spot",
    "intensifying hot spot",
    "intensifying cold spot",
    "persistent hot spot",
    "persistent cold spot",
    "diminishing hot spot",
    "diminishing cold spot",
    "oscillating hot spot",
    "oscillating cold spot",
    "historical hot spot",
    "historical cold spot",
    "sporadic hot spot",
    "sporadic cold spot",
)
NO_PATTERN = "no pattern detected"

FREQUENCIES = {"week": "Weekly", "month": "Monthly", "quarter": "Quarterly"}


def _final_run(sig: np.ndarray) -> int:
    """Length of the run of significant slices that ends with the final slice."""
    run = 0
    for s in sig[::-1]:
        if not s:
            break
        run += 1
    return run


def classify(z, sig, tau: float, tau_p: float, alpha: float = EMERGING_ALPHA) -> str:
    """Esri's emerging hot spot category of one cell, by sfdep's rules (see the module docstring).

    Parameters
    ----------
    z : array of float
        Gi* z-scores of the cell, oldest slice first.
    sig : array of bool
        Whether each slice's z is significant (after FDR).
    tau, tau_p : float
        Mann-Kendall tau of ``z`` and its two-sided p-value.

    Examples
    --------
    >>> classify([0, 0, 0, 3.1], [False, False, False, True], tau=0.5, tau_p=0.3)
    'new hot spot'
    >>> classify([2.5] * 10, [True] * 10, tau=0.0, tau_p=1.0)
    'persistent hot spot'
    """
    z = np.asarray(z, dtype="float64")
    sig = np.asarray(sig, dtype="bool")
    n = len(z)
    hot = sig & (z > 0)
    cold = sig & (z < 0)
    share_hot, share_cold = hot.sum() / n, cold.sum() / n
    last_hot, last_cold = bool(hot[-1]), bool(cold[-1])
    run = _final_run(sig)
    only_final_run = run > 0 and not sig[: n - run].any()
    rules = (
        ("new hot spot", sig.sum() == 1 and last_hot),
        ("new cold spot", sig.sum() == 1 and last_cold),
        ("consecutive hot spot", last_hot and only_final_run and share_hot < 0.9),
        ("consecutive cold spot", last_cold and only_final_run and share_cold < 0.9),
        ("intensifying hot spot", share_hot >= 0.9 and sig[-1] and tau > 0 and tau_p < alpha),
        ("intensifying cold spot", share_cold >= 0.9 and sig[-1] and tau < 0 and tau_p <= alpha),
        ("persistent hot spot", share_hot >= 0.9 and tau_p > alpha),
        ("persistent cold spot", share_cold >= 0.9 and tau_p > alpha),
        ("diminishing hot spot", share_hot >= 0.9 and sig[-1] and tau < 0 and tau_p <= alpha),
        ("diminishing cold spot", share_cold >= 0.9 and sig[-1] and tau > 0 and tau_p <= alpha),
        ("oscillating hot spot", share_hot <= 0.9 and last_hot and cold.any()),
        ("oscillating cold spot", share_cold < 0.9 and last_cold and hot.any()),
        ("historical hot spot", share_hot >= 0.9 and z[-1] < 0),
        ("historical cold spot", share_cold >= 0.9 and z[-1] > 0),
        ("sporadic hot spot", share_hot < 0.9 and not cold.any() and hot.any()),
        ("sporadic cold spot", share_cold < 0.9 and not hot.any() and cold.any()),
    )
    return next((name for name, holds in rules if holds), NO_PATTERN)


def mann_kendall(z) -> tuple[float, float]:
    """Mann-Kendall tau and two-sided p of a series (``pymannkendall.original_test``)."""
    import pymannkendall

    z = np.asarray(z, dtype="float64")
    if np.ptp(z) == 0:
        return 0.0, 1.0
    result = pymannkendall.original_test(z)
    return float(result.Tau), float(result.p)


def slice_starts(start, end, freq: str) -> pd.DatetimeIndex:
    """Starts of the whole slices (week from Monday, month, quarter) inside [start, end).

    >>> list(slice_starts("2019-01-15", "2019-05-01", "month").strftime("%Y-%m"))
    ['2019-02', '2019-03', '2019-04']
    """
    alias = {"week": "W-MON", "month": "MS", "quarter": "QS"}[freq]
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    starts = pd.date_range(start, end, freq=alias)
    step = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}[freq]
    return pd.DatetimeIndex([s for s in starts if s >= start and s + step <= end])


def emerging(
    counts: pd.DataFrame, cells, starts: pd.DatetimeIndex, graph=None, alpha: float = EMERGING_ALPHA
) -> pd.DataFrame:
    """Emerging hot spot category of every cell.

    Parameters
    ----------
    counts : DataFrame
        ``cell``, ``slice`` (the slice's start) and ``incidents``; missing
        combinations are zeros.
    cells : sequence of str
        The study area's H3 cells.
    starts : DatetimeIndex
        The slices to analyse (:func:`slice_starts`).
    graph : libpysal Graph, optional
        :func:`lib.stats.hotspots.contiguity` of ``cells``.

    Returns
    -------
    DataFrame
        cell, incidents, category, tau, mk_p, hot_slices, cold_slices, last_z.

    Raises
    ------
    lib.stats.hotspots.NotEnoughData
        Fewer than 10 slices, 30 cells or 60 incidents.
    """
    if len(starts) < MIN_TIME_SLICES:
        raise hotspots.NotEnoughData(
            f"Emerging hot spots need at least {MIN_TIME_SLICES} whole time slices for a trend; this date range "
            f"the incidents in this range span {len(starts)}. Widen the date range or choose shorter slices."
        )
    cells = list(cells)
    inside = counts[counts["slice"].isin(starts)]
    hotspots.check_enough(len(cells), int(inside["incidents"].sum()))
    graph = graph if graph is not None else hotspots.contiguity(cells)
    ids = list(graph.unique_ids)
    cube = (
        inside.pivot_table(index="cell", columns="slice", values="incidents", aggfunc="sum")
        .reindex(index=ids, columns=starts)
        .fillna(0)
        .to_numpy()
    )
    z = np.column_stack([hotspots.gi_star_z(cube[:, t], graph) for t in range(cube.shape[1])])
    p = 2 * stats.norm.sf(np.abs(z))
    sig = np.column_stack([stats.false_discovery_control(p[:, t], method="bh") <= alpha for t in range(p.shape[1])])
    rows = []
    for i, cell in enumerate(ids):
        if sig[i].any():
            tau, tau_p = mann_kendall(z[i])
            category = classify(z[i], sig[i], tau, tau_p, alpha)
        else:  # never significant: every rule needs a significant slice
            tau, tau_p, category = np.nan, np.nan, NO_PATTERN
        rows.append(
            (
                cell,
                int(cube[i].sum()),
                category,
                tau,
                tau_p,
                int((sig[i] & (z[i] > 0)).sum()),
                int((sig[i] & (z[i] < 0)).sum()),
                float(z[i, -1]),
            )
        )
    return pd.DataFrame(
        rows, columns=["cell", "incidents", "category", "tau", "mk_p", "hot_slices", "cold_slices", "last_z"]
    )
