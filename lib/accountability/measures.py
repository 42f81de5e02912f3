"""What the Accountability page shows, computed from the frames of :mod:`lib.accountability.data`.

Complaints count by when they were received (``received``) and when they were closed (``closed``);
time to close is whole days from receipt to close; the open backlog is aged to the dataset's last
known date, not today, since a released file stops on the day it was extracted. Awards count where
their status is final, or where the export gives no status.

>>> c = pd.DataFrame({"received_at": pd.to_datetime(["2020-01-05", "2020-01-20", "2020-02-01"]),
...                   "closed_at": pd.to_datetime(["2020-02-04", None, "2020-02-11"]), "category": "A"})
>>> time_to_close(c)[["closed", "median_days", "p90_days"]].to_dict("records")
[{'closed': 2, 'median_days': 20.0, 'p90_days': 28.0}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.constants import BACKLOG_BANDS

# Award statuses that count as awarded (upper case); a row with no status counts too.
FINAL_STATUSES = ("FINAL", "APPROVED", "AWARDED", "GRANTED", "COMPLETE", "COMPLETED")
CAUSE_CAVEAT = (
    "Association is not cause: districts differ in population, policing and reporting, and a complaint "
    "count rises with contact as well as with misconduct."
)


def received_in(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, column: str = "received_at"):
    """Rows whose ``column`` falls on a day from ``start`` to ``end``."""
    when = frame[column]
    return frame[(when >= start) & (when < end + pd.Timedelta(days=1))]


def top(values: pd.Series, n: int = 8, other: str = "Other") -> pd.Series:
    """The ``n`` most frequent values kept, the rest called ``other`` (for readable charts)."""
    keep = values.value_counts().index[:n]
    return values.where(values.isin(keep), other)


def monthly(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, by: str | None = None) -> pd.DataFrame:
    """Complaints received and closed per month (and ``by`` group): month, [by], received, closed."""
    keys = [by] if by else []
    parts = []
    for what, column in (("received", "received_at"), ("closed", "closed_at")):
        rows = received_in(frame.dropna(subset=[column]), start, end, column)
        month = rows[column].dt.to_period("M").dt.to_timestamp()
        counted = rows.assign(month=month).groupby(["month", *keys]).size().rename(what)
        parts.append(counted)
    out = pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
    return out.sort_values(["month", *keys]).reset_index(drop=True)


def close_days(frame: pd.DataFrame) -> pd.Series:
    """Whole days from receipt to close of the closed complaints."""
    closed = frame.dropna(subset=["closed_at"])
    return (closed["closed_at"].dt.normalize() - closed["received_at"].dt.normalize()).dt.days


def time_to_close(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Closed complaints, median and 90th percentile of days to close (numpy's linear percentile)."""
    closed = frame.dropna(subset=["closed_at"]).assign(days=close_days(frame))

    def stats(days: pd.Series) -> pd.Series:
        values = days.to_numpy(dtype=float)
        if not len(values):
            return pd.Series({"closed": 0, "median_days": np.nan, "p90_days": np.nan})
        return pd.Series(
            {"closed": len(values), "median_days": np.median(values), "p90_days": np.percentile(values, 90)}
        )

    if not by:
        out = stats(closed["days"]).to_frame().T
    else:
        out = closed.groupby(by)["days"].apply(stats).unstack().reset_index()
        out = out.sort_values(by, key=_code_order if by == "area" else None).reset_index(drop=True)
    out["closed"] = out["closed"].astype(int)
    return out


def band_labels(bands: tuple[int, ...] = BACKLOG_BANDS) -> list[str]:
    """``(0, 90, 180)`` -> ``['under 90 days', '90-179 days', '180 days or more']``."""
    labels = []
    for i, lo in enumerate(bands):
        hi = bands[i + 1] if i + 1 < len(bands) else None
        if lo == 0 and hi is not None:
            labels.append(f"under {hi} days")
        elif hi is None:
            labels.append(f"{lo} days or more")
        else:
            labels.append(f"{lo}-{hi - 1} days")
    return labels


def backlog(frame: pd.DataFrame, as_of: pd.Timestamp, bands: tuple[int, ...] = BACKLOG_BANDS) -> pd.DataFrame:
    """Complaints open on ``as_of`` (received by then, not closed by then) by age: age, open.

    >>> c = pd.DataFrame({"received_at": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-06-01"]),
    ...                   "closed_at": pd.to_datetime(["2020-05-01", None, None])})
    >>> backlog(c, pd.Timestamp("2020-04-15"), (0, 90))["open"].tolist()  # the first still open then
    [1, 1]
    """
    end = as_of.normalize() + pd.Timedelta(days=1)
    still_open = frame["closed_at"].isna() | (frame["closed_at"] >= end)
    open_ = frame[still_open & (frame["received_at"] < end)]
    age = (as_of.normalize() - open_["received_at"].dt.normalize()).dt.days
    labels = band_labels(bands)
    band = pd.cut(age, bins=[*bands, np.inf], right=False, labels=labels)
    counts = band.value_counts().reindex(labels, fill_value=0)
    return pd.DataFrame({"age": labels, "open": counts.to_numpy().astype(int)})


def rates(frame: pd.DataFrame, population: pd.Series | None, incidents: pd.Series | None = None) -> pd.DataFrame:
    """Complaints per area, per 1,000 residents and per 1,000 incidents.

    The resident columns are there only where a population is given (empty where an area's is unknown),
    the incident columns only where incidents are.

    >>> c = pd.DataFrame({"area": ["1", "1", "2"]})
    >>> rates(c, pd.Series({"1": 4000.0}), pd.Series({"1": 100, "2": 50})).to_dict("records")[0]
    {'area': '1', 'complaints': 2, 'residents': 4000.0, 'per_1000_residents': 0.5, 'incidents': 100, 'per_1000_incidents': 20.0}
    """
    out = frame.dropna(subset=["area"]).groupby("area").size().rename("complaints").reset_index()
    if population is not None and len(population):
        out["residents"] = out["area"].map(population).astype(float)
        out["per_1000_residents"] = 1000 * out["complaints"] / out["residents"].where(out["residents"] > 0)
    if incidents is not None:
        out["incidents"] = out["area"].map(incidents).astype("Int64")
        out["per_1000_incidents"] = (
            1000 * out["complaints"] / out["incidents"].astype(float).where(out["incidents"].astype(float) > 0)
        )
    return out.sort_values("area", key=_code_order).reset_index(drop=True)


def _code_order(codes: pd.Series) -> pd.Series:
    """Sort key of area codes: numeric codes in numeric order ("2" before "11"), others after."""
    return pd.to_numeric(codes, errors="coerce").fillna(np.inf)


def counted_awards(awards: pd.DataFrame) -> pd.DataFrame:
    """The award rows that count: status final (FINAL, APPROVED ...) or not given."""
    status = awards["status"].astype("object").str.upper()
    return awards[status.isna() | status.isin(FINAL_STATUSES)]


def awards_monthly(awards: pd.DataFrame, by: str | None = "award_type") -> pd.DataFrame:
    """Counted awards per month (and type): month, [by], awards."""
    counted = counted_awards(awards)
    keys = [by] if by else []
    month = counted["awarded_at"].dt.to_period("M").dt.to_timestamp()
    out = counted.assign(month=month).groupby(["month", *keys]).size().rename("awards").reset_index()
    return out.sort_values(["month", *keys]).reset_index(drop=True)


def by_area_and_year(
    complaints: pd.DataFrame, awards: pd.DataFrame | None = None, trust: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per area and year: complaints received, counted awards (where they carry an area), mean trust score.

    ``trust`` has area, period_start and value (published monthly scores); a year's score is the mean of
    its months. Cells where a source has no data stay empty (not zero): the sources cover different years.
    """
    c = complaints.dropna(subset=["area"])
    out = c.groupby([c["area"], c["received_at"].dt.year.rename("year")]).size().rename("complaints").to_frame()
    parts = [out]
    if awards is not None and len(awards) and awards["area"].notna().any():
        a = counted_awards(awards).dropna(subset=["area"])
        parts.append(a.groupby([a["area"], a["awarded_at"].dt.year.rename("year")]).size().rename("awards").to_frame())
    if trust is not None and len(trust):
        t = trust.assign(year=pd.to_datetime(trust["period_start"]).dt.year)
        parts.append(t.groupby(["area", "year"])["value"].mean().rename("trust").to_frame())
    table = pd.concat(parts, axis=1).reset_index()
    for col in ("complaints", "awards"):
        if col in table:
            table[col] = table[col].astype("Int64")
    return table.sort_values(["area", "year"], key=lambda s: _code_order(s) if s.name == "area" else s).reset_index(
        drop=True
    )


def overlap(*spans: tuple[pd.Timestamp, pd.Timestamp] | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The days every span covers, or None when they do not meet."""
    if any(s is None for s in spans):
        return None
    lo, hi = max(s[0] for s in spans), min(s[1] for s in spans)
    return (lo, hi) if lo <= hi else None
