"""Gi* hot spots: a hand-computed grid, agreement with esda called directly, FDR bins, refusals."""

import math

import esda
import h3
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from numpy.testing import assert_allclose
from scipy import stats

from lib.stats import hotspots

CENTRE = "8928308280fffff"  # an H3 resolution-9 cell; any cell would do


def patch(radius=3):
    return sorted(h3.grid_disk(CENTRE, radius))


def cluster_counts(cells):
    """20 incidents in the centre and its six neighbours, 2 everywhere else."""
    return [20 if h3.grid_distance(CENTRE, c) <= 1 else 2 for c in cells]


def test_gi_star_matches_a_hand_computed_grid():
    cells = patch()  # 37 hexagons
    result = hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": cluster_counts(cells)})).set_index("cell")
    # By hand: n = 37, sum x = 7*20 + 30*2 = 200, mean = 5.405405, sum x^2 = 7*400 + 30*4 = 2920,
    # S = sqrt(2920/37 - 5.405405^2) = 7.049859.
    # Centre: W = 7 (itself and 6 neighbours, all 20): sum wx = 140,
    # z = (140 - 7 * 5.405405) / (7.049859 * sqrt((37*7 - 49) / 36)) = 102.162162 / 17.027027 = 6.000000
    assert_allclose(result.loc[CENTRE, "z"], 6.000000, rtol=1e-6)
    # A corner of the outer ring touches 3 cells of the patch (all 2): W = 4, sum wx = 8,
    # z = (8 - 4 * 5.405405) / (7.049859 * sqrt((37*4 - 16) / 36)) = -13.621622 / 13.499452 = -1.009050
    corner = next(c for c in cells if len(set(h3.grid_ring(c, 1)) & set(cells)) == 3)
    assert_allclose(result.loc[corner, "z"], -1.009050, rtol=1e-6)
    assert result.loc[CENTRE, "bin"] == 3 and result.loc[CENTRE, "label"] == "Hot spot, 99% confidence"
    assert result.loc[corner, "bin"] == 0


def test_gi_star_agrees_with_esda_called_directly():
    rng = np.random.default_rng(7)
    cells = sorted(h3.grid_disk(CENTRE, 12))  # 469 hexagons
    counts = rng.poisson(3, len(cells)) + np.array([15 if h3.grid_distance(CENTRE, c) <= 2 else 0 for c in cells])
    ours = hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": counts})).set_index("cell")
    graph = Graph.build_h3(cells, order=1, weight="binary")
    theirs = esda.G_Local(counts.astype(float), graph, transform="B", star=True, permutations=0)
    z = pd.Series(theirs.Zs, index=list(graph.unique_ids))
    assert_allclose(ours.loc[z.index, "z"], z, rtol=1e-10)
    # p is esda's one-sided p_norm doubled.
    assert_allclose(ours.loc[z.index, "p"], 2 * pd.Series(theirs.p_norm, index=z.index), rtol=1e-10)


def test_bins_apply_benjamini_hochberg_to_the_analytic_p_values():
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.normal(0, 1, 2000), [-3.6, 5.0, 2.4]])
    bins = hotspots.confidence_bins(z)
    adjusted = stats.false_discovery_control(2 * stats.norm.sf(np.abs(z)), method="bh")
    expected = np.where(adjusted <= 0.01, 3, np.where(adjusted <= 0.05, 2, np.where(adjusted <= 0.10, 1, 0)))
    assert (bins == expected * np.sign(z)).all()
    # Uncorrected, z = 2.4 is significant at 95% and z = -3.6 at 99%; among 2,003 tests neither is.
    assert 2 * stats.norm.sf(2.4) < 0.05 and bins[-1] == 0
    assert 2 * stats.norm.sf(3.6) < 0.01 and bins[-3] == 0
    assert bins[-2] == 3


def test_refuses_below_30_cells_or_60_incidents():
    cells = patch(2)  # 19 cells
    with pytest.raises(hotspots.NotEnoughData, match="at least 30 hexagons"):
        hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": [10] * len(cells)}))
    cells = patch(3)  # 37 cells, 59 incidents
    counts = [2] * 22 + [1] * 15
    assert sum(counts) == 59
    with pytest.raises(hotspots.NotEnoughData, match="at least 60 incidents"):
        hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": counts}))


def test_an_island_cell_keeps_a_neighbourhood_of_itself():
    cells = patch(3)
    island = h3.latlng_to_cell(0.0, 0.0, 9)
    graph = hotspots.contiguity(cells + [island])
    assert graph.n == len(cells) + 1
    assert graph.sparse.shape == (38, 38)
    result = hotspots.gi_star(
        pd.DataFrame({"cell": cells + [island], "incidents": cluster_counts(cells) + [2]}), graph
    ).set_index("cell")
    assert math.isfinite(result.loc[island, "z"])


def test_equal_counts_everywhere_find_nothing():
    cells = patch(3)
    result = hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": [5] * len(cells)}))
    assert (result["z"] == 0).all() and (result["bin"] == 0).all()


def test_summary_counts_cells_and_incidents_per_bin():
    cells = patch(3)
    result = hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": cluster_counts(cells)}))
    table = hotspots.summary(result).set_index("bin")
    assert table["cells"].sum() == 37 and table["incidents"].sum() == 200
    assert table.loc[3, "cells"] == 1


def test_fdr_bins_match_benjamini_hochberg_by_hand():
    """BH written out: sort the p-values, p_(k) * m / k, the running minimum from the largest down."""
    z = np.array([4.0, -3.3, 2.9, 2.2, 1.7, -1.2, 0.4, 0.1, -0.3, 2.6])
    p = 2 * stats.norm.sf(np.abs(z))
    m = len(p)
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(adjusted_sorted, 1)
    expected = [
        (3 if a <= 0.01 else 2 if a <= 0.05 else 1 if a <= 0.10 else 0) * int(np.sign(v)) for a, v in zip(adjusted, z)
    ]
    assert hotspots.confidence_bins(z).tolist() == expected
    assert expected[:4] == [3, -3, 2, 1]  # 2.2 alone would be 95% significant (p 0.028); after FDR it is 90%
