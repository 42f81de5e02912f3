"""Reads of the accountability tables: complaints with their category and areas, allegations, awards.

Every read returns plain frames without any officer or complainant key: the page counts, it never
lists people. Dates are filtered on when a complaint was received (an award: when it was awarded).
"""

from __future__ import annotations

import pandas as pd

from lib.store.schema import level_column


def datasets(store, table: str) -> list[str]:
    """Datasets loaded into ``table`` (complaints or commendations), by name."""
    if table not in store.tables():
        return []
    return list(store.query(f"SELECT DISTINCT dataset FROM {table} ORDER BY dataset")["dataset"])


def levels(store, table: str = "complaints") -> list[str]:
    """Boundary levels the table's rows carry codes of (coarse first where districts are loaded)."""
    if table not in store.tables():
        return []
    have = [c[4:] for c in store.columns(table) if c.startswith("lvl_")]
    filled = [lvl for lvl in have if store.scalar(f'SELECT count("{level_column(lvl)}") FROM {table}')]
    return sorted(filled, key=lambda lvl: (lvl != "district", lvl))


def span(store, dataset: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day a complaint of ``dataset`` was received."""
    if "complaints" not in store.tables():
        return None
    lo, hi = store.rows("SELECT min(received_at), max(received_at) FROM complaints WHERE dataset = :d", {"d": dataset})[
        0
    ]
    return None if lo is None else (pd.Timestamp(lo).normalize(), pd.Timestamp(hi).normalize())


def as_of(store, dataset: str) -> pd.Timestamp | None:
    """The last date the dataset knows of (a receipt or a close): the day its open backlog is aged to."""
    lo = store.scalar(
        "SELECT greatest(max(received_at), max(closed_at)) FROM complaints WHERE dataset = :d", {"d": dataset}
    )
    return None if lo is None else pd.Timestamp(lo).normalize()


def complaints(store, dataset: str, level: str | None = None) -> pd.DataFrame:
    """One row per complaint: complaint_id, received_at, closed_at, category, area (code at ``level``).

    The category is the complaint's own where the file has one, else its most frequent allegation's
    category (ties: the first in alphabetical order).
    """
    area = f'c."{level_column(level)}"' if level else "NULL"
    frame = store.query(
        f"SELECT c.complaint_id, c.received_at, c.closed_at, c.category, {area} AS area "
        "FROM complaints c WHERE c.dataset = :d",
        {"d": dataset},
    )
    if "allegations" in store.tables() and frame["category"].isna().any():
        ranked = store.query(
            "SELECT complaint_id, category, count(*) AS n FROM allegations "
            "WHERE dataset = :d AND category IS NOT NULL GROUP BY complaint_id, category",
            {"d": dataset},
        )
        top = ranked.sort_values(["complaint_id", "n", "category"], ascending=[True, False, True]).drop_duplicates(
            "complaint_id"
        )
        frame["category"] = frame["category"].fillna(
            frame["complaint_id"].map(dict(zip(top.complaint_id, top.category)))
        )
    frame["category"] = frame["category"].fillna("Not recorded")
    for col in ("received_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def allegations(store, dataset: str, level: str | None = None) -> pd.DataFrame:
    """One row per allegation of the dataset's complaints: complaint_id, category, finding, received_at, area."""
    if "allegations" not in store.tables():
        return pd.DataFrame(columns=["complaint_id", "category", "finding", "received_at", "area"])
    area = f'c."{level_column(level)}"' if level else "NULL"
    frame = store.query(
        f"SELECT a.complaint_id, a.category, a.finding, c.received_at, {area} AS area FROM allegations a "
        "LEFT JOIN complaints c ON c.dataset = a.dataset AND c.complaint_id = a.complaint_id WHERE a.dataset = :d",
        {"d": dataset},
    )
    frame["category"] = frame["category"].fillna("Not recorded")
    frame["received_at"] = pd.to_datetime(frame["received_at"])
    return frame


def commendations(store, dataset: str, level: str | None = None) -> pd.DataFrame:
    """One row per award record: awarded_at, award_type, status, area."""
    if "commendations" not in store.tables():
        return pd.DataFrame(columns=["awarded_at", "award_type", "status", "area"])
    cols = store.columns("commendations")
    area = f'"{level_column(level)}"' if level and level_column(level) in cols else "NULL"
    frame = store.query(
        f"SELECT awarded_at, award_type, status, {area} AS area FROM commendations WHERE dataset = :d",
        {"d": dataset},
    )
    frame["awarded_at"] = pd.to_datetime(frame["awarded_at"])
    return frame


def population(store, level: str) -> pd.Series:
    """Residents per area code of ``level`` (total rows only); empty where none is loaded."""
    if "population" not in store.tables():
        return pd.Series(dtype=float)
    frame = store.query(
        "SELECT area, sum(population) AS population FROM population WHERE level = :l AND dimension = 'total' "
        "GROUP BY area",
        {"l": level},
    )
    return frame.set_index("area")["population"]


def incidents(store, level: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Incidents per dataset and area code of ``level`` received between ``start`` and ``end`` (inclusive days)."""
    col = level_column(level)
    if "incidents" not in store.tables() or col not in store.columns("incidents"):
        return pd.DataFrame(columns=["dataset", "area", "incidents", "first", "last"])
    return store.query(
        f'SELECT dataset, "{col}" AS area, CAST(sum("count") AS BIGINT) AS incidents, min(occurred_at) AS first, '
        "max(occurred_at) AS last FROM incidents WHERE occurred_at >= :s AND occurred_at < :e "
        f'AND "{col}" IS NOT NULL GROUP BY dataset, "{col}"',
        {"s": start.to_pydatetime(), "e": (end + pd.Timedelta(days=1)).to_pydatetime()},
    )


def incident_spans(store) -> pd.DataFrame:
    """Each incident dataset's first and last date."""
    if "incidents" not in store.tables():
        return pd.DataFrame(columns=["dataset", "first", "last"])
    return store.query("SELECT dataset, min(occurred_at) AS first, max(occurred_at) AS last FROM incidents GROUP BY 1")
