"""Incident filters as SQL: one WHERE clause, with parameters, for every page and engine.

>>> f = IncidentFilter(dataset="caps", start="2019-01-01", hours=(8, 9))
>>> f.where()
('dataset = :dataset AND occurred_at >= :start AND has_time AND extract(hour FROM occurred_at) IN (SELECT unnest(CAST(:hours AS INTEGER[])))', {'dataset': 'caps', 'start': Timestamp('2019-01-01 00:00:00'), 'hours': [8, 9]})
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from lib.store.schema import level_column


@dataclass(frozen=True)
class IncidentFilter:
    dataset: str | None = None
    start: str | pd.Timestamp | None = None  # inclusive
    end: str | pd.Timestamp | None = None  # exclusive
    offenses: tuple[str, ...] = ()  # raw offense names
    weekdays: tuple[int, ...] = ()  # 0 = Monday ... 6 = Sunday (ISO - 1)
    hours: tuple[int, ...] = ()  # 0-23
    level: str | None = None
    areas: tuple[str, ...] = ()
    extra: tuple[tuple[str, object], ...] = field(default=())

    def with_(self, **changes) -> IncidentFilter:
        return replace(self, **changes)

    def where(self, prefix: str = "") -> tuple[str, dict]:
        """SQL condition (``TRUE`` when empty) and its parameters; ``prefix`` qualifies columns."""
        p = prefix
        parts: list[str] = []
        params: dict = {}
        if self.dataset:
            parts.append(f"{p}dataset = :dataset")
            params["dataset"] = self.dataset
        if self.start is not None:
            parts.append(f"{p}occurred_at >= :start")
            params["start"] = pd.Timestamp(self.start)
        if self.end is not None:
            parts.append(f"{p}occurred_at < :end")
            params["end"] = pd.Timestamp(self.end)
        if self.offenses:
            parts.append(f"{p}offense IN (SELECT unnest(CAST(:offenses AS TEXT[])))")
            params["offenses"] = list(self.offenses)
        if self.weekdays:
            # isodow: Monday = 1 ... Sunday = 7 in both DuckDB and PostgreSQL.
            parts.append(f"extract(isodow FROM {p}occurred_at) IN (SELECT unnest(CAST(:isodows AS INTEGER[])))")
            params["isodows"] = [d + 1 for d in self.weekdays]
        if self.hours:
            parts.append(
                f"{p}has_time AND extract(hour FROM {p}occurred_at) IN (SELECT unnest(CAST(:hours AS INTEGER[])))"
            )
            params["hours"] = list(self.hours)
        if self.level and self.areas:
            parts.append(f'{p}"{level_column(self.level)}" IN (SELECT unnest(CAST(:areas AS TEXT[])))')
            params["areas"] = list(self.areas)
        return (" AND ".join(parts) or "TRUE"), params
