"""The area panel's CompStat figures, checked by hand against the raw rows of a few Chicago areas."""

from math import comb

import pandas as pd
import pytest

from lib.ingest import offense_groups
from lib.maps import area_panel
from lib.stats import compstat
from lib.store.filters import IncidentFilter

ASSAULTS = "Chicago aggravated assaults"  # newest record Dec 31, 2019


def raw_times(store, level, code):
    return store.query(
        f'SELECT occurred_at FROM incidents WHERE dataset = :d AND "lvl_{level}" = :c', {"d": ASSAULTS, "c": code}
    )["occurred_at"]


def mid_p(a: int, b: int) -> float:
    """Two-sided mid-p of a against b (equal periods), summed term by term: X ~ Binomial(a + b, 1/2)."""
    n = a + b
    if n == 0:
        return 1.0
    pmf = [comb(n, k) / 2**n for k in range(n + 1)]
    lower, upper = sum(pmf[:a]) + pmf[a] / 2, sum(pmf[a + 1 :]) + pmf[a] / 2
    return min(1.0, 2 * min(lower, upper))


def expected_signal(a, b, p):
    if p < 0.01:
        return "real increase" if a > b else "real decrease"
    if p < 0.05:
        return "watch (up)" if a > b else "watch (down)"
    return "no clear change"


def between(times, lo, hi):
    return int(((times >= pd.Timestamp(lo)) & (times < pd.Timestamp(hi))).sum())


@pytest.mark.parametrize("level, code", [("district", "11"), ("district", "1"), ("beat", "1121")])
def test_compstat_table_by_hand(embedded_store, level, code):
    flt = IncidentFilter(dataset=ASSAULTS, start="2019-01-01", end="2020-01-01")
    panel = area_panel.panel(embedded_store, flt, level, code, offense_groups.Grouping())
    assert panel.as_of == pd.Timestamp("2019-12-31")
    times = raw_times(embedded_store, level, code)
    # Windows written out by hand: they end on Dec 31, 2019 and compare with the same weekdays
    # 52 weeks earlier; year to date compares with Jan 1 to Dec 31, 2018.
    expected = {
        "7-day": (between(times, "2019-12-25", "2020-01-01"), between(times, "2018-12-26", "2019-01-02")),
        "28-day": (between(times, "2019-12-04", "2020-01-01"), between(times, "2018-12-05", "2019-01-02")),
        "Year to date": (between(times, "2019-01-01", "2020-01-01"), between(times, "2018-01-01", "2019-01-01")),
    }
    table = panel.compstat.set_index("period")
    for period, (now, before) in expected.items():
        assert (table.loc[period, "this year"], table.loc[period, "last year"]) == (now, before)
        assert table.loc[period, "p"] == pytest.approx(mid_p(now, before), abs=1e-4)
        assert table.loc[period, "signal"] == expected_signal(now, before, mid_p(now, before))
    assert table.loc["Year to date", "this year"] > 0
    # The weekly trend covers the 52 weeks (364 days) to Dec 31: Jan 2 to Dec 31, 2019.
    assert panel.weekly["this_year"].sum() == between(times, "2019-01-02", "2020-01-01")
    assert panel.weekly["last_year"].sum() == between(times, "2018-01-03", "2019-01-02")
    assert panel.groups.iloc[0]["group"] == "Assault and battery"


def test_compstat_ends_on_the_view_end_when_earlier(embedded_store):
    flt = IncidentFilter(dataset=ASSAULTS, start="2018-01-01", end="2018-07-01")
    panel = area_panel.panel(embedded_store, flt, "district", "11", offense_groups.Grouping())
    assert panel.as_of == pd.Timestamp("2018-06-30")
    assert panel.compstat.iloc[0]["dates"].startswith("Jun 24, 2018 to Jun 30, 2018")


def test_weekly_is_zero_filled(embedded_store):
    flt = IncidentFilter(dataset=ASSAULTS, level="beat", areas=("no such beat",))
    weeks = compstat.weekly(embedded_store, flt, "2019-12-31")
    assert len(weeks) == 52 and weeks[["this_year", "last_year"]].sum().sum() == 0


def test_unknown_area_has_no_panel(embedded_store):
    flt = IncidentFilter(dataset=ASSAULTS, start="2019-01-01", end="2020-01-01")
    assert area_panel.panel(embedded_store, flt, "district", "99", offense_groups.Grouping()) is None
