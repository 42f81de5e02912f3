"""CompStat comparisons: this period against the same period last year, with a test made for two counts.

Conventions (see docs/methods.md):

- 7-day and 28-day windows end on the as-of date and are compared with the
  windows 52 weeks (364 days) earlier, so weekdays line up (ISO weeks);
- year-to-date runs from 1 January to the as-of date, against 1 January to the
  same date last year;
- percent change misleads on small counts, so the counts are shown and a
  change is flagged by the p-value of the exact conditional test for two
  Poisson counts (:func:`change_p`, mid-p): "real increase" or "real decrease"
  below ``SIGNAL_P`` (0.01), "watch" below ``WATCH_P`` (0.05). Each level is
  the share of unchanged areas flagged by chance: about 1 in 100 and 1 in 20
  (benchmarks/change_test.py checks it from 5 to 500 incidents a period).

Worked example: 40 incidents this 28 days against 25 last year. Of the 65,
40 fall in this period where 32.5 were expected if the rate had not changed;
the two-sided mid-p is 0.064: no clear change. 50 against 25 gives p = 0.004,
a real increase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lib.constants import SIGNAL_P, WATCH_P
from lib.store.filters import IncidentFilter
from lib.store.schema import incident_total

# How the thresholds read on staff surfaces (legend notes, the area panel, the Overview).
THRESHOLDS_TEXT = (
    f"by the exact test for two counts: real where p < {SIGNAL_P:g} (about 1 in {1 / SIGNAL_P:.0f} areas "
    f"whose rate did not change is flagged by chance), watch where p < {WATCH_P:g} (1 in {1 / WATCH_P:.0f})"
)


def change_p(current, previous, ratio=1.0):
    """Two-sided p-value that two Poisson counts come from the same rate: the exact conditional test, mid-p.

    Given the total ``n = current + previous``, ``current`` is binomial with ``p = ratio / (1 + ratio)``
    under equal rates, where ``ratio`` is the current period's length over the previous one's (1 for
    equal periods). The two-sided mid-p value doubles the smaller tail, counting the observed value
    half: ``2 * min(P(X < c) + P(X = c) / 2, P(X > c) + P(X = c) / 2)``, capped at 1. Unlike the exact
    test's p (``scipy.stats.binomtest``), which is conservative on small counts (a 5% test flags 2.6%
    of unchanged pairs at 5 a period), the mid-p test's false-flag rate stays within a point of its
    level from 5 to 500 a period (benchmarks/README.md).

    Parameters
    ----------
    current, previous : int or array of int
        The two counts.
    ratio : float or array
        Length (exposure) of the current period over the previous one's.

    Returns
    -------
    float or ndarray
        The p-value; 1 where both counts are 0.

    References
    ----------
    Lancaster, H. O. (1961). Significance tests in discrete distributions. JASA 56, 223-234.
    Agresti, A. (2013). Categorical Data Analysis, 3rd ed., sections 1.1.4 and 1.4.5. Wiley.

    Examples
    --------
    40 incidents this 28 days against 25 last year: 65 in all, 40 of them now, where 32.5 were expected.

    >>> round(float(change_p(40, 25)), 3)
    0.064
    >>> float(change_p(0, 0))
    1.0
    """
    c = np.asarray(current, dtype="float64")
    n = c + np.asarray(previous, dtype="float64")
    q = np.asarray(ratio, dtype="float64")
    p = q / (1.0 + q)
    half = 0.5 * stats.binom.pmf(c, n, p)
    lower = stats.binom.cdf(c - 1, n, p) + half
    upper = stats.binom.sf(c, n, p) + half
    out = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    out = np.where(n > 0, out, 1.0)
    return float(out) if out.ndim == 0 else out


def change_signal(current, previous, ratio=1.0) -> str:
    """Plain words for a change in counts, by the two-count test of :func:`change_p`.

    >>> change_signal(40, 25), change_signal(42, 25), change_signal(50, 25), change_signal(25, 50)
    ('no clear change', 'watch (up)', 'real increase', 'real decrease')
    """
    p = change_p(current, previous, ratio)
    up = current * 1.0 > previous * ratio
    if p < SIGNAL_P:
        return "real increase" if up else "real decrease"
    if p < WATCH_P:
        return "watch (up)" if up else "watch (down)"
    return "no clear change"


@dataclass(frozen=True)
class Window:
    name: str
    start: pd.Timestamp  # inclusive
    end: pd.Timestamp  # exclusive
    prev_start: pd.Timestamp
    prev_end: pd.Timestamp

    def label(self) -> str:
        last = self.end - pd.Timedelta(days=1)
        prev_last = self.prev_end - pd.Timedelta(days=1)
        return f"{self.start:%b %-d, %Y} to {last:%b %-d, %Y} vs {self.prev_start:%b %-d, %Y} to {prev_last:%b %-d, %Y}"


def windows(as_of) -> list[Window]:
    """The 7-day, 28-day and year-to-date windows ending on ``as_of`` (a date, inclusive)."""
    day = pd.Timestamp(as_of).normalize()
    end = day + pd.Timedelta(days=1)
    year = pd.Timedelta(days=364)
    out = []
    for days, name in ((7, "7-day"), (28, "28-day")):
        start = end - pd.Timedelta(days=days)
        out.append(Window(name, start, end, start - year, end - year))
    jan1 = pd.Timestamp(year=day.year, month=1, day=1)
    prev_jan1 = pd.Timestamp(year=day.year - 1, month=1, day=1)
    prev_day = _same_day_last_year(day)
    out.append(Window("Year to date", jan1, end, prev_jan1, prev_day + pd.Timedelta(days=1)))
    return out


def _same_day_last_year(day: pd.Timestamp) -> pd.Timestamp:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def as_of(store, flt: IncidentFilter) -> pd.Timestamp | None:
    """The newest incident date under the filter (its dataset), the end of every window."""
    where, params = flt.with_(start=None, end=None).where()
    value = store.scalar(f"SELECT max(occurred_at) FROM incidents WHERE {where}", params)
    return None if value is None else pd.Timestamp(value).normalize()


def table(store, flt: IncidentFilter, day) -> pd.DataFrame:
    """Counts per window, this year and last, with the change, its p-value and its signal; one query.

    Columns: period, dates, this year, last year, change, change %, p (the two-sided mid-p of
    :func:`change_p`, with the windows' lengths as the exposure ratio: a year to date that spans
    29 February is one day longer than last year's), signal (:func:`change_signal`).
    """
    wins = windows(day)
    where, params = flt.with_(start=None, end=None).where()
    selects = []
    for i, w in enumerate(wins):
        params.update({f"s{i}": w.start, f"e{i}": w.end, f"ps{i}": w.prev_start, f"pe{i}": w.prev_end})
        selects.append(f"{incident_total(f'occurred_at >= :s{i} AND occurred_at < :e{i}')} AS c{i}")
        selects.append(f"{incident_total(f'occurred_at >= :ps{i} AND occurred_at < :pe{i}')} AS p{i}")
    lo = min(w.prev_start for w in wins)
    params["lo"] = lo
    row = store.rows(f"SELECT {', '.join(selects)} FROM incidents WHERE {where} AND occurred_at >= :lo", params)[0]
    records = []
    for i, w in enumerate(wins):
        cur, prev = int(row[2 * i]), int(row[2 * i + 1])
        ratio = (w.end - w.start) / (w.prev_end - w.prev_start)
        records.append(
            {
                "period": w.name,
                "dates": w.label(),
                "this year": cur,
                "last year": prev,
                "change": cur - prev,
                "change %": (cur - prev) / prev * 100 if prev else np.nan,
                "p": float(change_p(cur, prev, ratio)),
                "signal": change_signal(cur, prev, ratio),
            }
        )
    return pd.DataFrame(records)


def weekly(store, flt: IncidentFilter, day, weeks: int = 52) -> pd.DataFrame:
    """Incidents per 7-day week ending on ``day``, this year and the same weeks 52 weeks earlier.

    Weeks end on the as-of date (as the 7-day window does), so the newest
    week is whole. Columns: week_end (the week's last day), this_year,
    last_year.
    """
    end = pd.Timestamp(day).normalize() + pd.Timedelta(days=1)
    start = end - pd.Timedelta(weeks=weeks)
    year = pd.Timedelta(days=364)
    where, params = flt.with_(start=None, end=None).where()
    params.update({"lo": start - year, "hi": end})
    daily = store.query(
        f"SELECT date_trunc('day', occurred_at) AS day, {incident_total()} AS n FROM incidents WHERE {where} "
        "AND occurred_at >= :lo AND occurred_at < :hi GROUP BY date_trunc('day', occurred_at)",
        params,
    )
    days = (
        pd.Series(daily["n"].to_numpy(), index=pd.DatetimeIndex(daily["day"]))
        if len(daily)
        else pd.Series(dtype="int64")
    )
    ends = [end - pd.Timedelta(weeks=k) for k in range(weeks, 0, -1)]

    def total(lo, hi):
        return int(days[(days.index >= lo) & (days.index < hi)].sum()) if len(days) else 0

    rows = [
        (
            e + pd.Timedelta(weeks=1) - pd.Timedelta(days=1),
            total(e, e + pd.Timedelta(weeks=1)),
            total(e - year, e + pd.Timedelta(weeks=1) - year),
        )
        for e in ends
    ]
    return pd.DataFrame(rows, columns=["week_end", "this_year", "last_year"])
