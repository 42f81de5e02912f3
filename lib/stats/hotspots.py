"""Hot spots: Getis-Ord Gi* on H3 cells, with FDR-corrected confidence bins as Esri reports them.

Incidents are counted per H3 cell over the study area (cells with no incident
inside it count as zeros: leaving them out would make every cell look
average). Each cell's neighbourhood is itself and the six cells around it
(first-order contiguity, binary weights), and the statistic is esda's
``G_Local(star=True)`` with its analytic z-score, which for binary weights is
Getis and Ord's Gi*:

    z_i = (sum_j w_ij x_j - xbar * W_i) / (S * sqrt((n * W_i - W_i**2) / (n - 1)))

where ``W_i`` is the number of cells in i's neighbourhood (7 inside the area),
``xbar`` and ``S`` the mean and standard deviation of all n counts.

With thousands of cells some would pass a 95% test by chance alone, so the
two-sided p-values are corrected for multiple testing with the false discovery
rate (Benjamini-Hochberg), on the analytic p-values, as Esri's Optimized Hot
Spot Analysis does: permutation p-values bottom out at 1/(permutations + 1)
and an FDR over 10,000 cells would then reject nothing. Cells are binned
+3/+2/+1 (hot spot at 99/95/90% confidence), 0 (not significant), -1/-2/-3
(cold spot).

Like Esri, the analysis refuses to run on fewer than 30 cells or 60 incidents:
below that the z-scores are not trustworthy.

References
----------
Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use of
distance statistics. Geographical Analysis 24(3), 189-206.
Ord, J. K. and Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. Geographical Analysis 27(4), 286-306.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
JRSS B 57(1), 289-300.
Esri, "How Optimized Hot Spot Analysis works", ArcGIS Pro documentation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from lib.constants import HOTSPOT_BINS, MIN_HOTSPOT_CELLS, MIN_HOTSPOT_INCIDENTS


class NotEnoughData(ValueError):
    """Too few cells or incidents for a trustworthy statistic; the message says what to do."""


def contiguity(cells: Sequence[str]):
    """Binary first-order contiguity between H3 cells, each cell its own neighbour too (for Gi*).

    Built with ``libpysal.graph.Graph.build_h3``. A cell with no neighbour in
    the set (an island) keeps only itself; libpysal 4.14 drops such cells, so
    they are added back as self-only neighbourhoods.

    >>> import h3
    >>> g = contiguity(sorted(h3.grid_disk("8928308280fffff", 1)))
    >>> int(g.cardinalities.sum())  # 7 self-links, 6 centre-ring and 6 ring-ring pairs both ways
    31
    """
    from libpysal.graph import Graph

    ids = list(cells)
    graph = Graph.build_h3(ids, order=1, weight="binary") if len(ids) > 1 else None
    if graph is None or graph.n != len(ids):
        adj = (
            graph.adjacency.reset_index()
            if graph is not None
            else pd.DataFrame(columns=["focal", "neighbor", "weight"])
        )
        adj = adj[adj["weight"] > 0]
        focal = list(adj["focal"]) + ids
        neighbor = list(adj["neighbor"]) + ids
        weight = [1.0] * len(adj) + [1.0] * len(ids)
        order = {c: i for i, c in enumerate(ids)}
        rows = sorted(zip(focal, neighbor, weight), key=lambda r: (order[r[0]], order[r[1]]))
        f, n, w = zip(*rows)
        return Graph.from_arrays(np.array(f), np.array(n), np.array(w))
    return graph.assign_self_weight(1.0)


def check_enough(n_cells: int, n_incidents: int) -> None:
    """Raise NotEnoughData below Esri's minimums (30 cells, 60 incidents)."""
    if n_cells < MIN_HOTSPOT_CELLS:
        raise NotEnoughData(
            f"Hot spot analysis needs at least {MIN_HOTSPOT_CELLS} hexagons in the study area; this view has "
            f"{n_cells}. Choose a finer resolution or a larger area."
        )
    if n_incidents < MIN_HOTSPOT_INCIDENTS:
        raise NotEnoughData(
            f"Hot spot analysis needs at least {MIN_HOTSPOT_INCIDENTS} incidents; these filters leave "
            f"{n_incidents}. Widen the date range or choose more offense groups."
        )


def gi_star_z(counts: np.ndarray, graph) -> np.ndarray:
    """Analytic Gi* z-scores of ``counts`` (aligned with ``graph.unique_ids``) from esda.

    Returns zeros when every count is the same (no variation, nothing to find).
    """
    import esda

    y = np.asarray(counts, dtype="float64")
    if y.sum() == 0 or np.ptp(y) == 0:
        return np.zeros(len(y))
    # star=None: the graph already carries the self-weights (see contiguity).
    g = esda.G_Local(y, graph, transform="B", star=None, permutations=0)
    return np.asarray(g.Zs, dtype="float64")


def confidence_bins(z: np.ndarray) -> np.ndarray:
    """Esri's Gi_Bin: +-3/+-2/+-1 at 99/95/90% confidence after FDR, 0 otherwise.

    The two-sided p-value of each z is adjusted by Benjamini-Hochberg; a cell
    is in bin 3 when its adjusted p is at most 0.01, bin 2 at most 0.05, bin 1
    at most 0.10 (equivalent to comparing the raw p with each level's BH
    critical value).

    >>> confidence_bins(np.array([4.5, 2.1, 0.3, -3.9]))
    array([ 3,  2,  0, -3])
    """
    z = np.asarray(z, dtype="float64")
    if len(z) == 0:
        return np.zeros(0, dtype="int64")
    p = 2 * stats.norm.sf(np.abs(z))
    adjusted = stats.false_discovery_control(p, method="bh")
    level = np.zeros(len(z), dtype="int64")
    for bin_, alpha in sorted(HOTSPOT_BINS.items()):  # 1 (0.10), 2 (0.05), 3 (0.01)
        level[adjusted <= alpha] = bin_
    return level * np.sign(z).astype("int64")


def gi_star(cells: pd.DataFrame, graph=None) -> pd.DataFrame:
    """Gi* hot spots of incident counts per H3 cell.

    Parameters
    ----------
    cells : DataFrame
        ``cell`` (H3 id) and ``incidents`` for every cell of the study area,
        zeros included.
    graph : libpysal Graph, optional
        From :func:`contiguity` on ``cells["cell"]``; built when not given.

    Returns
    -------
    DataFrame
        cell, incidents, z, p (two-sided, unadjusted), p_fdr (BH-adjusted),
        bin (-3..3) and label ("Hot spot, 99% confidence" ...).

    Raises
    ------
    NotEnoughData
        Below 30 cells or 60 incidents.

    Examples
    --------
    A patch of 37 hexagons (three rings around a centre) with 20 incidents in
    the centre and its six neighbours and 2 in every other cell:

    >>> import h3
    >>> centre = "8928308280fffff"
    >>> patch = sorted(h3.grid_disk(centre, 3))
    >>> counts = [20 if h3.grid_distance(centre, c) <= 1 else 2 for c in patch]
    >>> result = gi_star(pd.DataFrame({"cell": patch, "incidents": counts})).set_index("cell")
    >>> round(float(result.loc[centre, "z"]), 2), result.loc[centre, "label"]
    (6.0, 'Hot spot, 99% confidence')
    """
    check_enough(len(cells), int(cells["incidents"].sum()))
    ids = list(cells["cell"])
    graph = graph if graph is not None else contiguity(ids)
    y = cells.set_index("cell")["incidents"].reindex(list(graph.unique_ids)).fillna(0).to_numpy()
    z = gi_star_z(y, graph)
    p = 2 * stats.norm.sf(np.abs(z))
    out = pd.DataFrame(
        {
            "cell": list(graph.unique_ids),
            "incidents": y.astype("int64"),
            "z": z,
            "p": p,
            "p_fdr": stats.false_discovery_control(p, method="bh") if len(p) else p,
            "bin": confidence_bins(z),
        }
    )
    out["label"] = out["bin"].map(bin_label)
    return out


def bin_label(b: int) -> str:
    """Plain words for a confidence bin: 3 -> "Hot spot, 99% confidence"."""
    if b == 0:
        return "Not significant"
    kind = "Hot spot" if b > 0 else "Cold spot"
    return f"{kind}, {int(round((1 - HOTSPOT_BINS[abs(int(b))]) * 100))}% confidence"


def summary(result: pd.DataFrame) -> pd.DataFrame:
    """Cells and incidents per confidence bin, hot to cold (the legend's figures)."""
    rows = []
    for b in (3, 2, 1, 0, -1, -2, -3):
        part = result[result["bin"] == b]
        rows.append({"bin": b, "label": bin_label(b), "cells": len(part), "incidents": int(part["incidents"].sum())})
    return pd.DataFrame(rows)
