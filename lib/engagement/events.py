"""Engagement events: what was held, where, when, for how long, and where it was missing.

Every count here is of events **held**: calendar entries typed ``Cancelled``
(lib/engagement/types.py) are left out. Events count once per area they serve
(lib/engagement/areas.py): a meeting for beats 823 and 825 is one event in each
beat and one in district 8, so beat counts can add up to more than the
district's.

The functions that read the store are the public interface for other pages
(public transparency page, presenter deck): :func:`events_held` (events per
area and period) and :func:`upcoming` (the next events), besides the
Engagement page's tables. None of them imports Streamlit.

Hours are the scheduled length (end minus start) where the calendar gives an
end between 15 minutes and 12 hours after the start; other events count for
no hours, and the share of events with a usable length is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib.engagement import areas as event_areas
from lib.engagement import types as event_types
from lib.store.schema import incident_total, level_column

FREQS = {"week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}
MIN_HOURS, MAX_HOURS = 0.25, 12.0


# -- events ----------------------------------------------------------------------


def events(
    store, start=None, end=None, datasets: list[str] | None = None, rules: tuple[event_types.Rule, ...] | None = None
) -> pd.DataFrame:
    """Events (start inclusive, end exclusive) with their type, length in hours and whether cancelled.

    Columns: the ``events`` table's identifying and descriptive columns, the
    ``lvl_<level>`` codes, ``type``, ``hours`` (NaN where unknown) and
    ``cancelled``.
    """
    if "events" not in store.tables():
        return pd.DataFrame(columns=["dataset", "event_id", "title", "type", "starts_at", "hours", "cancelled"])
    levels = [c for c in store.columns("events") if c.startswith("lvl_")]
    where, params = ["TRUE"], {}
    if start is not None:
        where.append("starts_at >= :start")
        params["start"] = pd.Timestamp(start).to_pydatetime()
    if end is not None:
        where.append("starts_at < :end")
        params["end"] = pd.Timestamp(end).to_pydatetime()
    if datasets:
        where.append("dataset IN (SELECT unnest(CAST(:datasets AS TEXT[])))")
        params["datasets"] = list(datasets)
    cols = ", ".join(
        [
            "dataset",
            "event_id",
            "title",
            "event_type",
            "description",
            "starts_at",
            "ends_at",
            "area",
            "location",
            "latitude",
            "longitude",
            "attendance",
            *[f'"{c}"' for c in levels],
        ]
    )
    frame = store.query(f"SELECT {cols} FROM events WHERE {' AND '.join(where)} ORDER BY starts_at", params)
    frame["type"] = event_types.event_types(frame, rules or event_types.load(store))
    hours = (frame["ends_at"] - frame["starts_at"]).dt.total_seconds() / 3600
    frame["hours"] = hours.where((hours >= MIN_HOURS) & (hours <= MAX_HOURS))
    frame["cancelled"] = frame["type"] == event_types.CANCELLED
    return frame


def links(store, frame: pd.DataFrame) -> pd.DataFrame:
    """The event-area link of ``frame`` (see lib/engagement/areas.py)."""
    return event_areas.links(frame, event_areas.area_codes(store), event_areas.parent_table(store))


def held(frame: pd.DataFrame) -> pd.DataFrame:
    """Events that took place (not cancelled)."""
    return frame[~frame["cancelled"]] if "cancelled" in frame else frame


def datasets(store) -> pd.DataFrame:
    """Event datasets with their number of events and span."""
    if "events" not in store.tables():
        return pd.DataFrame(columns=["dataset", "events", "first", "last"])
    return store.query(
        "SELECT dataset, count(*) AS events, min(starts_at) AS first, max(starts_at) AS last "
        "FROM events GROUP BY dataset ORDER BY count(*) DESC, dataset"
    )


def levels(store) -> list[str]:
    """Boundary levels, finest first."""
    codes = event_areas.area_codes(store)
    return sorted(codes, key=lambda lvl: -len(codes[lvl]))


def area_names(store, level: str) -> pd.DataFrame:
    """code, name of every area of ``level`` (codes sorted as numbers where they are numbers)."""
    frame = store.query("SELECT code, name FROM boundaries WHERE level = :l", {"l": level})
    key = pd.to_numeric(frame["code"], errors="coerce")
    return frame.assign(_k=key).sort_values(["_k", "code"]).drop(columns="_k").reset_index(drop=True)


# -- counts ------------------------------------------------------------------------


def _periods(when: pd.Series, freq: str) -> pd.Series:
    alias = FREQS.get(freq, freq)
    if alias.startswith("W"):
        return when.dt.to_period("W-SUN").dt.start_time
    return when.dt.to_period(alias[0]).dt.start_time


OTHER_TYPES = "All other types"


def over_time(frame: pd.DataFrame, freq: str = "month", top: int | None = None) -> pd.DataFrame:
    """Events held and hours per period and type (period, type, events, hours).

    With ``top``, types beyond the ``top`` most frequent are grouped as
    "All other types" (a chart can tell at most about eight colours apart).
    """
    done = held(frame)
    if done.empty:
        return pd.DataFrame(columns=["period", "type", "events", "hours"])
    if top is not None:
        keep = done["type"].value_counts().index[:top]
        done = done.assign(type=done["type"].where(done["type"].isin(keep), OTHER_TYPES))
    out = (
        done.assign(period=_periods(done["starts_at"], freq))
        .groupby(["period", "type"], as_index=False)
        .agg(events=("event_id", "size"), hours=("hours", "sum"))
    )
    return out.sort_values(["period", "events"], ascending=[True, False]).reset_index(drop=True)


def _linked(frame: pd.DataFrame, link: pd.DataFrame, level: str) -> pd.DataFrame:
    at = link[link["level"] == level][["dataset", "event_id", "code"]]
    return held(frame).merge(at, on=["dataset", "event_id"])


def by_area(frame: pd.DataFrame, link: pd.DataFrame, level: str, names: pd.DataFrame) -> pd.DataFrame:
    """Per area of ``level`` (all of them, zeros included): events held, hours, attendance, main types."""
    rows = _linked(frame, link, level)
    agg = rows.groupby("code").agg(
        events=("event_id", "size"),
        hours=("hours", "sum"),
        attendance=("attendance", lambda s: s.dropna().sum() if s.notna().any() else np.nan),
        first=("starts_at", "min"),
        last=("starts_at", "max"),
    )
    top = (
        rows.groupby(["code", "type"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["code", "n"], ascending=[True, False])
        .groupby("code")
        .head(3)
        .assign(label=lambda d: d["type"] + " (" + d["n"].astype(str) + ")")
        .groupby("code")["label"]
        .agg(", ".join)
        .rename("main types")
    )
    out = names.set_index("code").join(agg).join(top)
    out["events"] = out["events"].fillna(0).astype(int)
    out["hours"] = out["hours"].fillna(0.0).round(1)
    out.index.name = level
    return out.reset_index()


def area_period(
    frame: pd.DataFrame, link: pd.DataFrame, level: str, codes: list[str], start, end, freq: str = "month"
) -> pd.DataFrame:
    """Events held and hours per area and period, every area and period present (zeros filled)."""
    rows = _linked(frame, link, level)
    days = pd.Series(pd.date_range(pd.Timestamp(start), pd.Timestamp(end) - pd.Timedelta(days=1), freq="D"))
    periods = pd.DatetimeIndex(_periods(days, freq).unique())
    grid = pd.MultiIndex.from_product([periods, codes], names=["period", "area"])
    counts = (
        rows.assign(period=_periods(rows["starts_at"], freq))
        .groupby(["period", "code"])
        .agg(events=("event_id", "size"), hours=("hours", "sum"))
    )
    counts.index.names = ["period", "area"]
    out = counts.reindex(grid).fillna({"events": 0, "hours": 0.0}).reset_index()
    out["events"] = out["events"].astype(int)
    return out


def coverage(
    frame: pd.DataFrame, link: pd.DataFrame, level: str, codes: list[str], start, end, freq: str = "quarter"
) -> pd.DataFrame:
    """Share of the level's areas with at least one event held, per period."""
    grid = area_period(frame, link, level, codes, start, end, freq)
    out = (
        grid.groupby("period")
        .agg(areas_with_events=("events", lambda s: int((s > 0).sum())), areas=("area", "size"))
        .reset_index()
    )
    out["share"] = out["areas_with_events"] / out["areas"]
    return out


def attendance_summary(frame: pd.DataFrame) -> dict:
    """Events held, how many have attendance recorded, and the attendance totals of those."""
    done = held(frame)
    rec = done["attendance"].dropna()
    return {
        "events": int(len(done)),
        "with_attendance": int(len(rec)),
        "share_recorded": len(rec) / len(done) if len(done) else np.nan,
        "total": int(rec.sum()) if len(rec) else 0,
        "mean": float(rec.mean()) if len(rec) else np.nan,
        "median": float(rec.median()) if len(rec) else np.nan,
        "with_hours": int(done["hours"].notna().sum()),
        "hours": float(done["hours"].sum()),
    }


# -- the public interface ---------------------------------------------------------------


def events_held(
    store,
    level: str,
    start,
    end,
    freq: str = "month",
    types: list[str] | None = None,
    datasets: list[str] | None = None,
) -> pd.DataFrame:
    """Events held per area of ``level`` and period, zeros included: period, area, events, hours.

    Parameters
    ----------
    level : str
        A loaded boundary level (beat, district ...).
    start, end : date-like
        Period covered, start inclusive, end exclusive.
    freq : str
        week, month, quarter or year.
    types : list of str, optional
        Only these event types (names from lib/engagement/types.py).
    """
    frame = events(store, start, end, datasets)
    if types:
        frame = frame[frame["type"].isin(types)]
    codes = list(area_names(store, level)["code"])
    return area_period(frame, links(store, frame), level, codes, start, end, freq)


def upcoming(
    store, now=None, days: int = 30, level: str | None = None, area: str | None = None, limit: int = 50
) -> pd.DataFrame:
    """The next events (not cancelled) from ``now`` to ``days`` later, optionally in one area.

    Columns: starts_at, ends_at, type, title, location, areas (the codes of
    ``level`` it serves, or of the finest level), dataset, event_id.
    """
    now = pd.Timestamp(now) if now is not None else pd.Timestamp.now()
    frame = held(events(store, now, now + pd.Timedelta(days=days)))
    link = links(store, frame)
    lvl = level or (levels(store) or [None])[0]
    at = link[link["level"] == lvl]
    if area is not None:
        frame = frame[frame["event_id"].isin(at[at["code"] == str(area)]["event_id"])]
    served = at.groupby(["dataset", "event_id"])["code"].agg(", ".join).rename("areas").reset_index()
    out = frame.merge(served, on=["dataset", "event_id"], how="left")
    cols = ["starts_at", "ends_at", "type", "title", "location", "areas", "dataset", "event_id"]
    return out.sort_values("starts_at")[cols].head(limit).reset_index(drop=True)


# -- incidents, scores and population per area ---------------------------------------------


def incidents_by_area_month(
    store, level: str, dataset: str, start, end, offenses: list[str] | None = None
) -> pd.DataFrame:
    """Incidents per area of ``level`` and month (month, area, incidents); areas without incidents absent."""
    if "incidents" not in store.tables() or not dataset:
        return pd.DataFrame(columns=["month", "area", "incidents"])
    col = level_column(level)
    where = ["dataset = :d", "occurred_at >= :s", "occurred_at < :e", f'"{col}" IS NOT NULL']
    params = {"d": dataset, "s": pd.Timestamp(start).to_pydatetime(), "e": pd.Timestamp(end).to_pydatetime()}
    if offenses:
        where.append("offense IN (SELECT unnest(CAST(:offenses AS TEXT[])))")
        params["offenses"] = list(offenses)
    return store.query(
        f"SELECT date_trunc('month', occurred_at) AS month, \"{col}\" AS area, {incident_total()} AS incidents "
        f"FROM incidents WHERE {' AND '.join(where)} GROUP BY 1, 2 ORDER BY 1, 2",
        params,
    )


def score_measures(store, level: str) -> list[str]:
    """TRUST and SAFETY where monthly scores exist at ``level``."""
    if "survey_scores" not in store.tables():
        return []
    found = store.query(
        "SELECT DISTINCT measure FROM survey_scores WHERE level = :l AND period_days >= 28 "
        "AND measure IN ('TRUST', 'SAFETY')",
        {"l": level},
    )
    return sorted(found["measure"], key=["TRUST", "SAFETY"].index)


def scores_by_area_month(store, level: str, start, end, measures=("TRUST", "SAFETY")) -> pd.DataFrame:
    """Monthly scores per area (month, area, one column per measure); empty where none are loaded."""
    if "survey_scores" not in store.tables():
        return pd.DataFrame(columns=["month", "area", *measures])
    long = store.query(
        "SELECT date_trunc('month', period_start) AS month, area, measure, avg(value) AS value FROM survey_scores "
        "WHERE level = :l AND period_days >= 28 AND measure IN (SELECT unnest(CAST(:m AS TEXT[]))) "
        "AND period_start >= :s AND period_start < :e GROUP BY 1, 2, 3",
        {
            "l": level,
            "m": list(measures),
            "s": pd.Timestamp(start).to_pydatetime(),
            "e": pd.Timestamp(end).to_pydatetime(),
        },
    )
    if long.empty:
        return pd.DataFrame(columns=["month", "area", *measures])
    wide = long.pivot_table(index=["month", "area"], columns="measure", values="value").reset_index()
    wide.columns.name = None
    return wide


def population(store, level: str) -> pd.Series:
    """Residents per area code of ``level`` (total population), empty when none is loaded."""
    if "population" not in store.tables():
        return pd.Series(dtype=float)
    frame = store.query(
        "SELECT area, sum(population) AS population FROM population "
        "WHERE level = :l AND dimension = 'total' GROUP BY area",
        {"l": level},
    )
    return frame.set_index("area")["population"]


def population_margins(store, level: str, areas: list[str] | None = None) -> pd.DataFrame:
    """Residents per demographic dimension and category (summed over ``areas``, or all areas)."""
    if "population" not in store.tables():
        return pd.DataFrame(columns=["dimension", "category", "population"])
    where, params = "level = :l AND dimension <> 'total'", {"l": level}
    if areas:
        where += " AND area IN (SELECT unnest(CAST(:a AS TEXT[])))"
        params["a"] = list(areas)
    return store.query(
        f"SELECT dimension, category, sum(population) AS population FROM population "
        f"WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2",
        params,
    )


# -- joined views ----------------------------------------------------------------------------


def area_month(
    store, level: str, start, end, incident_dataset: str | None, frame: pd.DataFrame, link: pd.DataFrame
) -> pd.DataFrame:
    """One row per area and month: events held, hours, attendance, incidents, and TRUST/SAFETY where loaded."""
    names = area_names(store, level)
    grid = area_period(frame, link, level, list(names["code"]), start, end, "month").rename(columns={"period": "month"})
    rows = _linked(frame, link, level)
    att = (
        rows.dropna(subset=["attendance"])
        .assign(month=_periods(rows["starts_at"], "month"))
        .groupby(["month", "code"])["attendance"]
        .sum()
        .rename("attendance")
        .reset_index()
        .rename(columns={"code": "area"})
    )
    out = grid.merge(att, on=["month", "area"], how="left")
    inc = incidents_by_area_month(store, level, incident_dataset, start, end)
    out = out.merge(inc, on=["month", "area"], how="left")
    out["incidents"] = out["incidents"].fillna(0).astype(int) if incident_dataset else np.nan
    scores = scores_by_area_month(store, level, start, end)
    if not scores.empty:
        out = out.merge(scores, on=["month", "area"], how="left")
    out = out.merge(names.rename(columns={"code": "area"}), on="area", how="left")
    first = ["month", "area", "name", "events", "hours", "attendance", "incidents"]
    return out[first + [c for c in out.columns if c not in first]]


def coverage_gaps(
    store, level: str, start, end, incident_dataset: str | None, frame: pd.DataFrame, link: pd.DataFrame
) -> pd.DataFrame:
    """Areas ranked by need (many incidents, low trust) against engagement (few events held).

    Each area gets percentile ranks among the level's areas (0 = lowest, 1 =
    highest): ``need`` is the mean of the incident rank (per 1,000 residents
    where population is loaded) and, where trust scores exist at this level, of
    the inverted trust rank; ``engagement`` is the rank of events held.
    ``gap = need - engagement`` runs from -1 to 1; the largest gaps come first.
    """
    table = by_area(frame, link, level, area_names(store, level))[[level, "name", "events", "hours"]]
    table = table.rename(columns={level: "area"})
    inc = incidents_by_area_month(store, level, incident_dataset, start, end)
    table["incidents"] = (
        table["area"].map(inc.groupby("area")["incidents"].sum()).fillna(0).astype(int) if incident_dataset else np.nan
    )
    pop = population(store, level)
    need_parts = []
    if incident_dataset:
        if not pop.empty:
            table["incidents_per_1000"] = table["incidents"] / table["area"].map(pop) * 1000
            need_parts.append(table["incidents_per_1000"].rank(pct=True))
        else:
            need_parts.append(table["incidents"].rank(pct=True))
    scores = scores_by_area_month(store, level, start, end, ("TRUST",))
    if not scores.empty and "TRUST" in scores:
        table["trust"] = table["area"].map(scores.groupby("area")["TRUST"].mean()).round(1)
        table.attrs["trust_period"] = f"{scores['month'].min():%b %Y} to {scores['month'].max():%b %Y}"
        need_parts.append(1 - table["trust"].rank(pct=True) + table["trust"].rank(pct=True).min())
    if not need_parts:
        table["need"] = np.nan
    else:
        table["need"] = pd.concat(need_parts, axis=1).mean(axis=1, skipna=True)
    table["engagement"] = table["events"].rank(pct=True)
    table["gap"] = (table["need"] - table["engagement"]).round(3)
    table["need"] = table["need"].round(3)
    table["engagement"] = table["engagement"].round(3)
    return table.sort_values(["gap", "incidents"], ascending=[False, False], na_position="last").reset_index(drop=True)


def nesting(store, level: str) -> tuple[str | None, pd.DataFrame]:
    """The level ``level`` nests in (e.g. beat -> district) and each area's parent (code, parent_code)."""
    if "boundary_parents" not in store.tables():
        return None, pd.DataFrame(columns=["code", "parent_code"])
    found = store.query("SELECT parent_level, code, parent_code FROM boundary_parents WHERE level = :l", {"l": level})
    if found.empty:
        return None, pd.DataFrame(columns=["code", "parent_code"])
    parent = sorted(found["parent_level"].unique())[0]
    return parent, found[found["parent_level"] == parent][["code", "parent_code"]].reset_index(drop=True)


def participation_report(store, people: pd.DataFrame, link: pd.DataFrame, level: str) -> dict:
    """Participation measures from sign-in records (see lib/stats/participation.py).

    Returns summary (dict), retention (quarters), reach (per area of
    ``level``, per 1,000 residents where population is loaded) and
    representativeness: a list of (dimension, table, D, note), one per
    demographic dimension recorded on the sheets and loaded as a population margin.
    """
    from lib.engagement import attendance
    from lib.stats import participation
    from lib.store import settings

    served = people.merge(link[link["level"] == level], on=["dataset", "event_id"])
    reach = participation.reach(served.groupby("code")["attendee_hash"].nunique(), population(store, level))
    margins = population_margins(store, level)
    rep = []
    for dim, rows in attendance.demographics(people).groupby("dimension"):
        pop = margins[margins["dimension"] == dim].set_index("category")["population"]
        if pop.empty:
            rep.append((dim, pd.DataFrame(), None, f"No population margin for {dim} is loaded to compare with."))
            continue
        table, d, note = participation.representativeness(
            rows.groupby("category").size(), pop, settings.get("min_public_count")
        )
        rep.append((dim, table, d, note))
    return {
        "summary": participation.summary(people),
        "retention": participation.retention(people),
        "reach": reach,
        "representativeness": rep,
    }
