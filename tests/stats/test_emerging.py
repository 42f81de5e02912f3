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


# (pattern of 10 slices, Mann-Kendall tau, its p, expected category): one row per rule, in sfdep's order.
CASES = [
    (".........H", 0.3, 0.20, "new hot spot"),
    (".........C", -0.3, 0.20, "new cold spot"),
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
    ("..H..H....", 0.0, 0.90, "sporadic hot spot"),
    ("C....C....", 0.0, 0.90, "sporadic cold spot"),
    ("..........", 0.0, 1.00, "no pattern detected"),
    # Order matters: 90% hot with no significant trend is persistent before it can be historical.
    ("HHHHHHHHHn", -0.1, 0.60, "persistent hot spot"),
    # A run of hot slices after an earlier significant slice is not "consecutive".
    ("H......HHH", 0.5, 0.01, "sporadic hot spot"),
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
