"""Published trust and safety scores (pre-aggregated, e.g. Chicago's Police Sentiment Scores).

The ingest stores scores long: one row per area, period and measure
(``survey_scores``). This module reads them back as the publisher gave them,
never recomputed, so every value on screen is a published value.

**Measure names.** A published file has top-level measures (``SAFETY``,
``TRUST``, ``T_LISTEN``, ``T_RESPECT``) and breakdowns named
``<measure code>_<DIMENSION>_<CATEGORY>``. The rule (:func:`parse_measure`):

1. the name splits at the first ``_<DIMENSION>_`` (RACE, AGE, SEX, GENDER,
   EDUCATION, INCOME, ETHNICITY); without one it is a top-level measure;
2. the code before it is the top-level measure of that name
   (``T_LISTEN_AGE_LOW`` -> T_LISTEN), else the one-word top-level measure it
   abbreviates (``S_`` -> SAFETY, ``T_`` -> TRUST);
3. the category is the rest, in words (``AFRICAN_AMERICAN`` -> African American).

=============================  ===========  =========  ================
measure                        measure of   dimension  category
=============================  ===========  =========  ================
SAFETY                         SAFETY
S_RACE_AFRICAN_AMERICAN        SAFETY       race       African American
T_AGE_LOW                      TRUST        age        Low
T_LISTEN_EDUCATION_HIGH        T_LISTEN     education  High
T_RESPECT_SEX_FEMALE           T_RESPECT    sex        Female
=============================  ===========  =========  ================

**Periods.** Each row's ``period_days`` tells weekly (7 days) from monthly
(28-31) rows; series never mix them.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from lib.ingest.load import area_level_of
from lib.store import provenance

CAVEAT = (
    "Scores are mean answers on 0-10 questions times 10: 65 means an average answer of 6.5, "
    "not that 65% of residents agree."
)
NO_N = "The publisher gives no respondent counts, so no margin of error can be shown."
DIMENSIONS = ("RACE", "AGE", "SEX", "GENDER", "EDUCATION", "INCOME", "ETHNICITY")
LABELS = {
    "SAFETY": "Safety",
    "TRUST": "Trust",
    "T_LISTEN": "Trust: police listen to residents",
    "T_RESPECT": "Trust: police treat residents with respect",
}
CADENCES = {"weekly": (7, 7), "monthly": (28, 31), "quarterly": (89, 92), "yearly": (365, 366)}
LEVEL_ORDER = ("all", "city", "area", "division", "district", "precinct", "sector", "beat")


def parse_measure(name: str, bases: set[str] | list[str]) -> tuple[str, str | None, str | None]:
    """``(measure of, dimension, category)`` of a published measure name (rule in the module notes).

    >>> bases = {"SAFETY", "TRUST", "T_LISTEN", "T_RESPECT"}
    >>> parse_measure("S_RACE_AFRICAN_AMERICAN", bases)
    ('SAFETY', 'race', 'African American')
    >>> parse_measure("T_LISTEN_AGE_LOW", bases)
    ('T_LISTEN', 'age', 'Low')
    """
    upper = name.upper()
    m = re.search(rf"_({'|'.join(DIMENSIONS)})_", upper)
    if not m:
        return upper, None, None
    head, dim, rest = upper[: m.start()], m.group(1).lower(), upper[m.end() :]
    bases = {b.upper() for b in bases}
    if head in bases:
        base = head
    else:
        words = sorted(b for b in bases if b.startswith(head) and "_" not in b)
        base = words[0] if len(words) == 1 else head
    return base, ("sex" if dim == "gender" else dim), rest.replace("_", " ").title()


def cadence_of(period_days: int) -> str:
    """``7`` -> weekly, ``28``-``31`` -> monthly, ... others ``'<n>-day'``."""
    for name, (lo, hi) in CADENCES.items():
        if lo <= period_days <= hi:
            return name
    return f"{period_days}-day"


def _days(cadence: str) -> tuple[int, int]:
    if cadence in CADENCES:
        return CADENCES[cadence]
    n = int(cadence.split("-")[0])
    return n, n


def datasets(store) -> list[str]:
    if "survey_scores" not in store.tables():
        return []
    return list(store.query("SELECT DISTINCT dataset FROM survey_scores ORDER BY dataset")["dataset"])


def catalog(store, dataset: str) -> pd.DataFrame:
    """Every measure of ``dataset`` parsed: measure, base, dimension, category."""
    names = list(
        store.query("SELECT DISTINCT measure FROM survey_scores WHERE dataset = :d ORDER BY measure", {"d": dataset})[
            "measure"
        ]
    )
    bases = {n for n in names if parse_measure(n, set())[1] is None}
    rows = [(n, *parse_measure(n, bases)) for n in names]
    return pd.DataFrame(rows, columns=["measure", "base", "dimension", "category"])


def levels(store, dataset: str) -> pd.DataFrame:
    """Area levels with their cadences, area counts and date ranges, coarse to fine."""
    frame = store.query(
        "SELECT level, period_days, count(DISTINCT area) AS areas, min(period_start) AS first, "
        "max(period_end) AS last FROM survey_scores WHERE dataset = :d GROUP BY level, period_days",
        {"d": dataset},
    )
    frame["cadence"] = frame["period_days"].map(cadence_of)
    out = frame.groupby(["level", "cadence"], as_index=False).agg(
        areas=("areas", "max"), first=("first", "min"), last=("last", "max")
    )
    rank = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    return out.sort_values(
        ["level", "cadence"],
        key=lambda s: s.map(rank).fillna(50) if s.name == "level" else s,
    ).reset_index(drop=True)


def series(
    store,
    dataset: str,
    base: str,
    level: str,
    cadence: str = "monthly",
    areas: list[str] | None = None,
    dimension: str | None = None,
) -> pd.DataFrame:
    """Published values of ``base`` (or its breakdown by ``dimension``) over time, as published.

    Returns area, period_start, period_end, measure, category, value, n (n is
    missing where the publisher gives none), sorted by area and period.
    """
    cat = catalog(store, dataset)
    if dimension:
        chosen = cat[(cat["base"] == base) & (cat["dimension"] == dimension)]
    else:
        chosen = cat[(cat["measure"] == base)]
    lo, hi = _days(cadence)
    where = "AND area IN (SELECT unnest(CAST(:areas AS TEXT[])))" if areas else ""
    params = {"d": dataset, "l": level, "lo": lo, "hi": hi, "m": list(chosen["measure"])}
    if areas:
        params["areas"] = list(areas)
    frame = store.query(
        "SELECT area, period_start, period_end, measure, value, n FROM survey_scores "
        "WHERE dataset = :d AND level = :l AND period_days BETWEEN :lo AND :hi "
        f"AND measure IN (SELECT unnest(CAST(:m AS TEXT[]))) {where} ORDER BY area, period_start, measure",
        params,
    )
    frame.insert(4, "category", frame["measure"].map(dict(zip(chosen["measure"], chosen["category"]))))
    return frame


def periods(store, dataset: str, level: str, cadence: str = "monthly") -> list[pd.Timestamp]:
    lo, hi = _days(cadence)
    frame = store.query(
        "SELECT DISTINCT period_start FROM survey_scores WHERE dataset = :d AND level = :l "
        "AND period_days BETWEEN :lo AND :hi ORDER BY period_start",
        {"d": dataset, "l": level, "lo": lo, "hi": hi},
    )
    return list(frame["period_start"])


def areas(store, dataset: str, level: str) -> list[str]:
    codes = store.query(
        "SELECT DISTINCT area FROM survey_scores WHERE dataset = :d AND level = :l", {"d": dataset, "l": level}
    )["area"]
    return sorted(codes, key=lambda c: (0, int(c), c) if str(c).isdigit() else (1, 0, str(c)))


def latest_by_area(
    store,
    dataset: str,
    base: str = "TRUST",
    level: str = "district",
    cadence: str = "monthly",
    period: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One published value of ``base`` per area for ``period`` (the latest when None).

    Returns area, period_start, period_end, value, n.
    """
    starts = periods(store, dataset, level, cadence)
    if not starts:
        return pd.DataFrame(columns=["area", "period_start", "period_end", "value", "n"])
    when = pd.Timestamp(period) if period is not None else starts[-1]
    frame = series(store, dataset, base, level, cadence)
    out = frame[frame["period_start"] == when][["area", "period_start", "period_end", "value", "n"]]
    return out.reset_index(drop=True)


def change_by_area(
    store, dataset: str, base: str, level: str, start: pd.Timestamp, end: pd.Timestamp, cadence: str = "monthly"
) -> pd.DataFrame:
    """Per area: the published value at ``start`` and at ``end`` and the change in points (end - start)."""
    frame = series(store, dataset, base, level, cadence)
    a = frame[frame["period_start"] == pd.Timestamp(start)].set_index("area")["value"]
    b = frame[frame["period_start"] == pd.Timestamp(end)].set_index("area")["value"]
    out = pd.DataFrame({"from": a, "to": b}).dropna()
    out["change"] = (out["to"] - out["from"]).round(2)
    return out.reset_index().rename(columns={"index": "area"})


def boundary_level(store, codes: list[str]) -> str | None:
    """The loaded boundary level whose codes match ``codes`` (for maps), if any."""
    if "boundaries" not in store.tables() or not codes:
        return None
    frame = store.query("SELECT level, code FROM boundaries")
    layers = {lvl: set(g["code"]) for lvl, g in frame.groupby("level")}
    return area_level_of(set(codes), layers, min_share=0.8)


def geojson(store, level: str) -> dict:
    """The simplified polygons of a boundary level as a GeoJSON FeatureCollection (properties code, name)."""
    rows = store.query(
        "SELECT code, name, coalesce(geometry_simple, geometry) AS g FROM boundaries WHERE level = :l ORDER BY code",
        {"l": level},
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": code, "properties": {"code": code, "name": name}, "geometry": json.loads(g)}
            for code, name, g in rows.itertuples(index=False)
        ],
    }


def sources(store, dataset: str) -> str:
    return provenance.sources_line(store, "scores", dataset)
