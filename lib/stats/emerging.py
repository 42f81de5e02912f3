"""Emerging hot spots: space-time Gi* over a cube of cells and time slices, a Mann-Kendall trend, Esri's categories.

The incidents of a study area are counted per H3 cell and time slice (week,
month or quarter): the space-time cube. As in Esri's Emerging Hot Spot Analysis:

1. **Space-time Gi-star**. Each bin (cell i, slice t) is compared with its
   space-time neighbourhood: the cell and its six neighbours (first-order H3
   contiguity, binary weights) in slice t and in the ``time_step`` slices
   before it (Esri's "neighborhood time step", 1 by default; 0 analyses each
   slice on its own). The global window is the entire cube: the z-score is
   Getis and Ord's Gi* with the mean and standard deviation of every bin of
   the cube, computed by esda ``G_Local`` on the space-time graph
   (``W = A (x) B``, the spatial contiguity A with self-links and the band B of
   the current and previous slices).
2. **Significance**. Two-sided p-values of the z-scores, corrected by the
   false discovery rate (Benjamini-Hochberg) over all bins of the cube; a bin
   is a significant hot (cold) spot where the adjusted p is at most
   ``alpha`` (``EMERGING_ALPHA``, 0.05) and z > 0 (z < 0).
3. **Trend**. The Mann-Kendall test (``pymannkendall.original_test``) of each
   cell's series of z-scores: tau and its two-sided p; a trend is significant
   where p < alpha.
4. **Categories**, with Esri's definitions ("How Emerging Hot Spot Analysis
   works"), for n slices, "hot" meaning a significant hot spot:

   ======================  ================================================================
   new                     hot in the final slice, never hot before
   consecutive             a single uninterrupted run of at least two hot slices ending with
                           the final one, never hot before the run, under 90% of slices hot
   intensifying            hot in at least 90% of slices including the final one, z trending
                           up significantly
   persistent              hot in at least 90% of slices, no significant trend
   diminishing             hot in at least 90% of slices including the final one, z trending
                           down significantly
   sporadic                hot in the final slice, on and off before, under 90% of slices hot,
                           never a cold spot
   oscillating             hot in the final slice, a cold spot in some earlier slice, under 90%
                           of slices hot
   historical              not hot in the final slice, hot in at least 90% of slices
   ======================  ================================================================

   and the same for cold spots (z trending down means intensifying for a cold
   spot). The hot rules are tried in this order, then the cold ones (the cold
   ones first when the final slice is a cold spot, so that the final slice's
   own pattern wins where a hot and a cold definition both hold, e.g. a cell
   hot for 90% of the time that turns cold at the end is a new cold spot, not a
   historical hot spot); "no pattern detected" where none holds.

Where this departs from R's sfdep (``R/emerging-hostpot-classifications.R``),
it follows Esri: historical needs the final slice not to be a hot spot (sfdep:
final z below 0), sporadic needs the final slice to be a hot spot (sfdep does
not), intensifying counts hot slices only (sfdep counts cold ones too) and the
90% bounds are "under 90%" throughout.

References
----------
Esri, "How Emerging Hot Spot Analysis works", ArcGIS Pro documentation (Space Time Pattern Mining).
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of distance statistics.
Geographical Analysis 24(3), 189-206.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57(1), 289-300.
Mann, H. B. (1945). Nonparametric tests against trend. Econometrica 13, 245-259.
Kendall, M. G. (1975). Rank Correlation Methods. Griffin.
Parry, J. (2022). sfdep: Spatial Dependence for Simple Features, R package (MIT).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from lib.constants import EMERGING_ALPHA, EMERGING_TIME_STEP, MIN_TIME_SLICES
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


def _final_run(flags: np.ndarray) -> int:
    """Length of the run of True that ends with the final slice."""
    run = 0
    for f in flags[::-1]:
        if not f:
            break
        run += 1
    return run


def _rules(kind: str, same: np.ndarray, other: np.ndarray, up: bool, down: bool, no_trend: bool):
    """Esri's eight definitions for ``kind`` ("hot" or "cold"), in Esri's order.

    ``same`` flags the slices significant of this kind, ``other`` those of the
    other kind; ``up`` is a significant trend towards this kind (z rising for
    hot spots, falling for cold ones), ``down`` away from it.
    """
    n = len(same)
    share = same.sum() / n
    final = bool(same[-1])
    run = _final_run(same)
    before_run = same[: n - run].any()
    return (
        (f"new {kind} spot", final and not same[:-1].any()),
        (f"consecutive {kind} spot", run >= 2 and not before_run and share < 0.9),
        (f"intensifying {kind} spot", share >= 0.9 and final and up),
        (f"persistent {kind} spot", share >= 0.9 and no_trend),
        (f"diminishing {kind} spot", share >= 0.9 and final and down),
        (f"sporadic {kind} spot", final and share < 0.9 and not other.any()),
        (f"oscillating {kind} spot", final and share < 0.9 and other[:-1].any()),
        (f"historical {kind} spot", not final and share >= 0.9),
    )


def classify(z, sig, tau: float, tau_p: float, alpha: float = EMERGING_ALPHA) -> str:
    """Esri's emerging hot spot category of one cell (see the module docstring).

    Parameters
    ----------
    z : array of float
        Space-time Gi* z-scores of the cell, oldest slice first.
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
    >>> classify([3] * 9 + [1.2], [True] * 9 + [False], tau=-0.5, tau_p=0.01)  # hot 9 of 10, not at the end
    'historical hot spot'
    """
    z = np.asarray(z, dtype="float64")
    sig = np.asarray(sig, dtype="bool")
    hot, cold = sig & (z > 0), sig & (z < 0)
    trend = bool(tau_p < alpha)
    rising, falling = trend and tau > 0, trend and tau < 0
    hot_rules = _rules("hot", hot, cold, rising, falling, not trend)
    cold_rules = _rules("cold", cold, hot, falling, rising, not trend)
    rules = cold_rules + hot_rules if cold[-1] else hot_rules + cold_rules
    return next((name for name, holds in rules if holds), NO_PATTERN)


def space_time_graph(graph, n_slices: int, time_step: int = EMERGING_TIME_STEP):
    """The space-time neighbourhoods of a cube as a libpysal Graph.

    Bin (cell i, slice t) has index ``t * n_cells + i``; its neighbours are the
    bins (j, s) with j in i's spatial neighbourhood (self included, from
    ``graph``) and ``t - time_step <= s <= t``: Esri's space-time window looks
    back, never forward.

    >>> import h3
    >>> g = hotspots.contiguity(sorted(h3.grid_disk("8928308280fffff", 1)))
    >>> st = space_time_graph(g, 3, time_step=1)
    >>> st.cardinalities.to_numpy().reshape(3, 7)[:, 0].tolist()  # a ring cell: 4 bins, then 8 with the slice before
    [4, 8, 8]
    """
    from libpysal.graph import Graph

    if time_step < 0:
        raise ValueError("The neighbourhood time step must be 0 or more slices.")
    spatial = graph.sparse.tocsr()
    band = sparse.diags(
        [np.ones(n_slices - k) for k in range(min(time_step, n_slices - 1) + 1)],
        [-k for k in range(min(time_step, n_slices - 1) + 1)],
        shape=(n_slices, n_slices),
    )
    cube = sparse.kron(band, spatial, format="csr")
    cube.data[:] = 1.0
    return Graph.from_sparse(cube, ids=np.arange(cube.shape[0]))


def space_time_z(cube: np.ndarray, graph, time_step: int = EMERGING_TIME_STEP) -> np.ndarray:
    """Space-time Gi* z-scores of a cube (cells x slices, aligned with ``graph.unique_ids``), same shape.

    The global window is the whole cube (esda ``G_Local`` over every bin).
    """
    import esda

    n_cells, n_slices = cube.shape
    y = cube.T.reshape(-1).astype("float64")  # slice by slice, the graph's order
    if y.sum() == 0 or np.ptp(y) == 0:
        return np.zeros(cube.shape)
    st = space_time_graph(graph, n_slices, time_step)
    g = esda.G_Local(y, st, transform="B", star=None, permutations=0)
    return np.asarray(g.Zs, dtype="float64").reshape(n_slices, n_cells).T


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
    counts: pd.DataFrame,
    cells,
    starts: pd.DatetimeIndex,
    graph=None,
    alpha: float = EMERGING_ALPHA,
    time_step: int = EMERGING_TIME_STEP,
) -> pd.DataFrame:
    """Emerging hot spot category of every cell (see the module docstring).

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
    alpha : float
        Level of the FDR-adjusted p of each bin and of the Mann-Kendall trend.
    time_step : int
        Previous slices in each bin's neighbourhood (Esri's neighborhood time step; 0: each slice alone).

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
    z = space_time_z(cube, graph, time_step)
    p = 2 * stats.norm.sf(np.abs(z))
    sig = (stats.false_discovery_control(p.reshape(-1), method="bh") <= alpha).reshape(p.shape)
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
