"""Emerging hot spots: sfdep's classification rules as a table, Mann-Kendall, and the whole pipeline."""

import h3
import numpy as np
import pandas as pd
import pymannkendall
import pytest

from lib.stats import emerging, hotspots

H, C, N = 3.0, -3.0, 0.5  # a significant hot z, a significant cold z, an unremarkable z


def series(pattern):
    """'..HH' -> z-scores and significance: H hot, C cold, . not significant (z 0.5), n not significant z -0.5."""
    z = [{"H": H, "C": C, ".": N, "n": -N}[ch] for ch in pattern]
    return z, [ch in "HC" for ch in pattern]


# (pattern of 10 slices, Mann-Kendall tau, its p, expected category): Esri's definitions, one row per category.
CASES = [
    (".........H", 0.3, 0.20, "new hot spot"),
    (".........C", -0.3, 0.20, "new cold spot"),
    ("..C......H", 0.3, 0.20, "new hot spot"),  # never *hot* before: an earlier cold spot does not matter
    (".......HHH", 0.5, 0.01, "consecutive hot spot"),
    (".......CCC", -0.5, 0.01, "consecutive cold spot"),
    ("HHHHHHHHHH", 0.6, 0.01, "intensifying hot spot"),
    ("CCCCCCCCCC", -0.6, 0.01, "intensifying cold spot"),
    ("HHHHHHHHHH", 0.1, 0.60, "persistent hot spot"),
    ("CCCCCCCCCC", -0.1, 0.60, "persistent cold spot"),
    ("HHHHHHHHHH", -0.6, 0.01, "diminishing hot spot"),
    ("CCCCCCCCCC", 0.6, 0.01, "diminishing cold spot"),
    ("..C...H..H", 0.2, 0.40, "oscillating hot spot"),
    ("..H...C..C", -0.2, 0.40, "oscillating cold spot"),
    ("HHHHHHHHHn", -0.5, 0.01, "historical hot spot"),
    ("CCCCCCCCC.", 0.5, 0.01, "historical cold spot"),
    ("..H..H...H", 0.0, 0.90, "sporadic hot spot"),
    ("C....C...C", 0.0, 0.90, "sporadic cold spot"),
    ("..........", 0.0, 1.00, "no pattern detected"),
    # Esri: the final slice not a significant hot spot is enough for historical (sfdep wanted z < 0).
    ("HHHHHHHHH.", -0.5, 0.01, "historical hot spot"),
    # Esri: sporadic needs the final slice hot (sfdep did not): on and off, not hot at the end, is no pattern.
    ("..H..H....", 0.0, 0.90, "no pattern detected"),
    # Hot 15 of 16 slices, the last not significant: historical (it came out "no pattern" before).
    ("HHHHHHHHHHHHHHH.", -0.4, 0.03, "historical hot spot"),
    # Order matters: 90% hot with no significant trend is persistent before it can be historical.
    ("HHHHHHHHHn", -0.1, 0.60, "persistent hot spot"),
    # A run of hot slices after an earlier hot slice is not "consecutive".
    ("H......HHH", 0.5, 0.01, "sporadic hot spot"),
    # Exactly 90% hot, with an earlier cold slice: oscillating needs under 90%, so not oscillating.
    ("CHHHHHHHHH", 0.6, 0.01, "intensifying hot spot"),
    # The final slice's own pattern wins where a hot and a cold definition both hold.
    ("HHHHHHHHHC", -0.5, 0.01, "new cold spot"),
]


@pytest.mark.parametrize("pattern, tau, tau_p, expected", CASES)
def test_classification_rules(pattern, tau, tau_p, expected):
    z, sig = series(pattern)
    assert emerging.classify(z, sig, tau, tau_p, alpha=0.05) == expected


def test_every_category_is_reachable():
    reached = {row[3] for row in CASES}
    assert reached == set(emerging.CATEGORIES) | {emerging.NO_PATTERN}


def test_mann_kendall_is_pymannkendall():
    z = np.array([0.1, 0.4, 0.2, 0.9, 1.3, 1.1, 1.8, 2.2, 2.0, 2.9])
    tau, p = emerging.mann_kendall(z)
    ref = pymannkendall.original_test(z)
    assert (tau, p) == (pytest.approx(ref.Tau), pytest.approx(ref.p))
    assert tau > 0 and p < 0.05
    assert emerging.mann_kendall([1.0] * 10) == (0.0, 1.0)


def test_slices_are_whole_weeks_months_or_quarters():
    months = emerging.slice_starts("2019-01-01", "2020-01-01", "month")
    assert len(months) == 12 and months[0] == pd.Timestamp("2019-01-01")
    weeks = emerging.slice_starts("2019-01-02", "2019-02-01", "week")  # Wednesday to Friday
    assert list(weeks.strftime("%Y-%m-%d")) == ["2019-01-07", "2019-01-14", "2019-01-21"]
    assert len(emerging.slice_starts("2019-02-15", "2020-01-01", "quarter")) == 3


def test_a_cluster_appearing_in_the_last_month_is_a_new_hot_spot():
    centre = "8928308280fffff"
    cells = sorted(h3.grid_disk(centre, 3))
    starts = pd.date_range("2019-01-01", periods=12, freq="MS")
    rng = np.random.default_rng(1)
    rows = []
    for s in starts:
        for c in cells:
            n = rng.poisson(2)
            if s == starts[-1] and h3.grid_distance(centre, c) <= 1:
                n += 30
            rows.append((c, s, n))
    counts = pd.DataFrame(rows, columns=["cell", "slice", "incidents"])
    result = emerging.emerging(counts, cells, starts).set_index("cell")
    assert result.loc[centre, "category"] == "new hot spot"
    assert result.loc[centre, "hot_slices"] == 1
    assert result["incidents"].sum() == counts["incidents"].sum()


def test_refuses_fewer_than_ten_slices():
    cells = sorted(h3.grid_disk("8928308280fffff", 3))
    starts = pd.date_range("2019-01-01", periods=9, freq="MS")
    counts = pd.DataFrame({"cell": cells * 9, "slice": np.repeat(starts, len(cells)), "incidents": 3})
    with pytest.raises(hotspots.NotEnoughData, match="at least 10 whole time slices"):
        emerging.emerging(counts, cells, starts)


# -- the space-time Gi* against Getis and Ord's formula, written out in numpy -------------------------


@pytest.mark.parametrize("time_step", [0, 1, 2])
def test_space_time_gi_star_is_the_formula_over_the_whole_cube(time_step):
    """z_it = (sum of the neighbourhood - xbar * W) / (S * sqrt((N W - W^2) / (N - 1))), over every bin of the cube."""
    cells = sorted(h3.grid_disk("8928308280fffff", 2))
    rng = np.random.default_rng(3)
    cube = rng.poisson(3, (len(cells), 6)).astype(float)
    graph = hotspots.contiguity(cells)
    z = emerging.space_time_z(cube, graph, time_step)
    index = {c: i for i, c in enumerate(graph.unique_ids)}
    x = cube.ravel()
    n, xbar, sd = x.size, x.mean(), x.std()  # S with divisor N, as Getis and Ord (1992)
    expected = np.zeros_like(cube)
    for c in cells:
        i = index[c]
        near = [index[d] for d in h3.grid_disk(c, 1) if d in index]
        for t in range(cube.shape[1]):
            slices = range(max(0, t - time_step), t + 1)
            total = sum(cube[j, s] for j in near for s in slices)
            w = len(near) * len(slices)
            expected[i, t] = (total - xbar * w) / (sd * np.sqrt((n * w - w * w) / (n - 1)))
    np.testing.assert_allclose(z, expected, rtol=1e-10)


# -- a space-time cube for each of the 17 outcomes -----------------------------------------------------

CENTRE = "8928308280fffff"
N_SLICES = 12


def _cube(cluster, background: float = 2.0, seed: int = 0):
    """Counts per cell and month (one per entry of ``cluster``): Poisson(background) everywhere, ``cluster[t]``
    in the centre and its ring."""
    cells = sorted(h3.grid_disk(CENTRE, 4))
    starts = pd.date_range("2019-01-01", periods=len(cluster), freq="MS")
    rng = np.random.default_rng(seed)
    rows = []
    for t, s in enumerate(starts):
        for c in cells:
            n = cluster[t] if h3.grid_distance(CENTRE, c) <= 1 else rng.poisson(background)
            rows.append((c, s, int(n)))
    return pd.DataFrame(rows, columns=["cell", "slice", "incidents"]), cells, starts


HI, BG = 14, 2  # hot cluster counts against a background of 2 a month
LO, BG_COLD = 0, 12  # cold cluster counts against a background of 12 a month
CUBES = {
    # hot spots: background 2 a month; the centre and its ring carry the counts given per month
    "new hot spot": ([BG] * 11 + [HI], BG),
    "consecutive hot spot": ([BG] * 8 + [HI] * 4, BG),
    "intensifying hot spot": ([8 + 2 * t for t in range(N_SLICES)], BG),
    "persistent hot spot": ([12, 15] * 6, BG),
    "diminishing hot spot": ([32 - 2 * t for t in range(N_SLICES)], BG),
    "sporadic hot spot": ([BG, HI, BG, BG, BG, HI, BG, BG, BG, BG, BG, HI], BG),
    "oscillating hot spot": ([BG, LO, LO, BG, BG, HI, BG, BG, BG, BG, BG, HI], BG),
    # 20 months: hot for 18 (90%), fading, then quiet for the last two
    "historical hot spot": ([40 - t for t in range(18)] + [BG, BG], BG),
    # cold spots: background 12 a month; the centre and its ring go quiet
    "new cold spot": ([BG_COLD] * 11 + [LO], BG_COLD),
    "consecutive cold spot": ([BG_COLD] * 8 + [LO] * 4, BG_COLD),
    "intensifying cold spot": ([6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 0], BG_COLD),
    "persistent cold spot": ([2, 1] * 6, BG_COLD),
    "diminishing cold spot": ([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6], BG_COLD),
    "sporadic cold spot": ([BG_COLD, LO, BG_COLD, BG_COLD, BG_COLD, LO] + [BG_COLD] * 5 + [LO], BG_COLD),
    "oscillating cold spot": ([BG_COLD, 40, 40, BG_COLD, BG_COLD, LO] + [BG_COLD] * 5 + [LO], BG_COLD),
    "historical cold spot": ([t // 3 for t in range(18)] + [BG_COLD, BG_COLD], BG_COLD),
    "no pattern detected": ([BG] * N_SLICES, BG),
}


def test_there_is_a_cube_for_every_outcome():
    assert set(CUBES) == set(emerging.CATEGORIES) | {emerging.NO_PATTERN}


@pytest.mark.parametrize("expected", list(CUBES))
def test_each_outcome_from_its_own_space_time_cube(expected):
    cluster, background = CUBES[expected]
    counts, cells, starts = _cube(cluster, background)
    result = emerging.emerging(counts, cells, starts).set_index("cell")
    assert result.loc[CENTRE, "category"] == expected, result.loc[CENTRE].to_dict()
    assert result["incidents"].sum() == counts["incidents"].sum()
