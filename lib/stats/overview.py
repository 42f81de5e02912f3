"""Headline figures for the Overview page, each with its period and source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from lib.stats import compstat
from lib.store import provenance
from lib.store.filters import IncidentFilter
from lib.store.schema import incident_total


@dataclass
class Headline:
    label: str
    value: str
    delta: str | None
    period: str
    source: str
    note: str = ""
    ends: dt.date | None = None  # the last day the figure covers (cards ending far apart are said to)


def incident_datasets(store) -> pd.DataFrame:
    """Incident datasets with their size, span and whether they are synthetic, largest first."""
    if "incidents" not in store.tables():
        return pd.DataFrame(columns=["dataset", "n", "first", "last", "synthetic"])
    frame = store.query(
        f"SELECT dataset, {incident_total()} AS n, min(occurred_at) AS first, max(occurred_at) AS last "
        "FROM incidents GROUP BY dataset ORDER BY n DESC, dataset"
    )
    synthetic = set(provenance.loads(store, "incidents").query("synthetic == True")["dataset"])
    frame["synthetic"] = frame["dataset"].isin(synthetic)
    return frame


def incidents_headline(store, dataset: str) -> Headline | None:
    """Year-to-date incidents against the same dates last year, as of the dataset's newest record."""
    flt = IncidentFilter(dataset=dataset)
    day = compstat.as_of(store, flt)
    if day is None:
        return None
    ytd = compstat.table(store, flt, day).set_index("period").loc["Year to date"]
    pct = f"{ytd['change %']:+.1f}% vs last year" if pd.notna(ytd["change %"]) else "no incidents last year"
    # A dataset that ends on 31 December gives a whole year, not a "year to date".
    whole_year = (day.month, day.day) == (12, 31)
    return Headline(
        f"Incidents, {day.year}" if whole_year else "Incidents, year to date",
        f"{ytd['this year']:,}",
        f"{ytd['change']:+,} ({pct})",
        ytd["dates"],
        provenance.sources_line(store, "incidents", dataset),
        f"{ytd['signal'].capitalize()} (two-count test, p = {ytd['p']:.2g}; real where p < {compstat.SIGNAL_P:g}, "
        f"watch where p < {compstat.WATCH_P:g}).",
        pd.Timestamp(day).date(),
    )


def score_headlines(store) -> list[Headline]:
    """Latest citywide monthly SAFETY and TRUST scores and their change over 12 months."""
    if "survey_scores" not in store.tables():
        return []
    frame = store.query(
        "SELECT measure, period_start, period_end, value FROM survey_scores "
        "WHERE level = (SELECT level FROM survey_scores GROUP BY level "
        "ORDER BY count(DISTINCT area), level LIMIT 1) "
        "AND period_days >= 28 AND measure IN ('SAFETY', 'TRUST') ORDER BY period_start"
    )
    out = []
    for measure, rows in frame.groupby("measure", sort=False):
        last = rows.iloc[-1]
        year_before = rows[rows["period_start"] == last["period_start"] - pd.DateOffset(years=1)]
        delta = None
        if not year_before.empty:
            delta = f"{last['value'] - year_before.iloc[0]['value']:+.1f} vs a year before"
        out.append(
            Headline(
                f"{measure.title()} score, citywide",
                f"{last['value']:.1f} / 100",
                delta,
                f"{last['period_start']:%B %Y}",
                provenance.sources_line(store, "scores"),
                "Mean answer on a 0-10 scale times 10: 65 means an average answer of 6.5, not 65%.",
                (last["period_end"] if pd.notna(last["period_end"]) else last["period_start"]).date(),
            )
        )
    return out


def events_headline(store) -> Headline | None:
    """Community events held in the last 12 months of the calendar."""
    if "events" not in store.tables():
        return None
    last = store.scalar("SELECT max(starts_at) FROM events")
    if last is None:
        return None
    last = pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
    start = last - pd.DateOffset(years=1)
    n, with_area, areas = store.rows(
        "SELECT count(*), count(area), count(DISTINCT area) FROM events WHERE starts_at >= :s AND starts_at < :e",
        {"s": start, "e": last},
    )[0]
    window = "FROM events WHERE starts_at >= :s AND starts_at < :e"
    earlier = {"s": start - pd.DateOffset(years=1), "e": start}
    prev = store.scalar(f"SELECT count(*) {window}", earlier)
    notes = []
    # Two years held by different files measure what each file covers (a full calendar against a partial
    # scrape), not the activity: compare only when every file with events in either year spans both.
    spans = store.query(
        "SELECT DISTINCT l.load_id, l.period_start, l.period_end FROM events e JOIN loads l ON l.load_id = e.load_id "
        "WHERE e.starts_at >= :s AND e.starts_at < :e",
        {"s": earlier["s"], "e": last},
    )
    whole = bool(len(spans)) and bool(
        (
            (spans["period_start"] <= earlier["s"] + pd.Timedelta(days=1))
            & (spans["period_end"] >= last - pd.Timedelta(days=1))
        ).all()
    )
    if prev and not whole:
        notes.append("Not compared with the year before: no one file holds both years.")
        prev = None
    if n and with_area >= 0.9 * n:
        notes.append(f"Held in {int(areas)} areas.")
    if not store.scalar("SELECT count(attendance) FROM events"):
        notes.append("Attendance is not recorded in this calendar.")
    return Headline(
        "Community events held",
        f"{int(n):,}",
        f"{int(n) - int(prev):+,} vs the year before" if prev else None,
        f"{start:%b %-d, %Y} to {last - pd.Timedelta(days=1):%b %-d, %Y}",
        provenance.sources_line(store, "events"),
        " ".join(notes),
        (last - pd.Timedelta(days=1)).date(),
    )


def period_warning(cards: list[Headline]) -> str | None:
    """Words for headline figures that end more than a month apart (each source ends where its data ends)."""
    ends = [(c.label, c.ends) for c in cards if c.ends is not None]
    if len(ends) < 2 or (max(e for _, e in ends) - min(e for _, e in ends)).days <= 31:
        return None
    listed = "; ".join(f"{label}: {end:%b %-d, %Y}" for label, end in ends)
    return f"These figures end on different dates, each where its source ends ({listed}). Compare them with care."


def monthly_incidents(store, dataset: str) -> pd.DataFrame:
    """Incidents per month for one dataset (month, incidents)."""
    return store.query(
        f"SELECT date_trunc('month', occurred_at) AS month, {incident_total()} AS incidents FROM incidents "
        "WHERE dataset = :d GROUP BY 1 ORDER BY 1",
        {"d": dataset},
    )
