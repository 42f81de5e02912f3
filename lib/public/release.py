"""The public release: every incident count the public sees, computed once per dataset and data version.

A release holds counts of incidents per area x period x category for every
boundary level at once (finest areas, the coarser levels, the city), for whole
calendar months, quarters, years and year to date, all ending on the last
complete month before the publication cutoff (:func:`lib.public.privacy.public_cutoff`).
Every published number is a sum of *release cells* and every total is exactly
the sum of its parts:

- **Areas.** Each finest area (beat) belongs to one area of each coarser level:
  the parent recorded at load time in ``boundary_parents`` (the coarser area
  covering most of its surface, :func:`lib.ingest.spatial.parents`), or, where
  none is recorded, the coarser area holding most of its incidents. A coarser
  area's count is the sum of its beats' counts, so a district's figure can
  differ from a count of incidents by their own district code. Incidents with no
  finest area (off the map, unknown code) sit in the ``none`` row of every level,
  so each level adds up to the city.
- **Periods.** The release spans the current year's complete months and the
  whole previous calendar year (the span the public pages show), from the first
  complete month of data (the month of the first record when it falls in that
  month's first week). Year to date runs from 1 January to the end of the last
  complete month, and the comparison ("same dates last year") over the same
  months of the previous year. A comparison exists only where the data covers
  both: a dataset with one year of data publishes none (:attr:`Release.comparison`).
- **Categories.** The offense groups (:mod:`lib.ingest.offense_groups`) for
  incidents that may be shown below area level, and one category for every
  sensitive incident (sexual, domestic, juvenile: :func:`lib.public.privacy.is_sensitive`).
  Categories are published for the city; areas show all offenses only (an area's
  monthly count by offense group is mostly 0-4, and hiding them all cost minutes).

Privacy holds for all of it together (:mod:`lib.public.disclosure`): counts of
1 to ``min_count - 1`` are hidden, complementary cells are chosen by a mixed
integer programme over all linked tables, and an attacker's linear programme
checks every hidden count before the release may be served or published.

The release is kept in the store (tables ``public_release`` and
``public_release_areas``, keyed by dataset and version); :func:`ensure` builds it
when missing, :func:`stored` reads the one that passed its audit.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from lib.ingest import offense_groups
from lib.public import privacy
from lib.public.privacy import Rules
from lib.store.schema import incident_total, level_column
from lib.store.text import csv_safe

NONE_AREA = "none"  # incidents with no finest area, at every level
CITY_LEVEL = "city"
CITY_AREA = "city"
ALL = "all"  # the category of every incident
SENSITIVE = "Sexual, domestic and juvenile"
MEASURE = "incidents"
HIDDEN_SMALL = "small"
HIDDEN_COMPLEMENTARY = "complementary"
PERIOD_KINDS = ("month", "quarter", "year", "ytd")
YEARS = 2  # the current year and the one before it

RELEASE_COLUMNS = (
    "dataset",
    "level",
    "area",
    "period_start",
    "period_end",
    "category",
    "measure",
    "value",
    "hidden",
)
AREA_COLUMNS = ("level", "area", "name", "parent_level", "parent_area")
TABLE = "public_release"
AREAS_TABLE = "public_release_areas"
META_TABLE = "public_release_meta"


@dataclass
class Period:
    """A whole period of the release: its kind, first and last day (inclusive) and which months it sums."""

    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    months: tuple[int, ...]  # indices into the release's month list

    @property
    def year(self) -> int:
        return self.start.year


@dataclass
class Release:
    """One dataset's public counts at one data version, with the suppression and the audit that passed."""

    dataset: str
    version: str
    as_of: pd.Timestamp | None  # the last public day
    last_month: pd.Timestamp | None  # the first day of the last complete month
    comparison: bool  # whether year to date has a same-dates-last-year to compare with
    cells: pd.DataFrame  # RELEASE_COLUMNS plus period (kind)
    areas: pd.DataFrame  # AREA_COLUMNS
    levels: list[str]  # finest first, city last
    audit: dict = field(default_factory=dict)  # disclosure.AuditResult as a dict
    built_at: str = ""
    extra: dict = field(default_factory=dict)  # figures beside the counts (lib/public/complaints.py: medians)
    _index: dict | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return bool(self.audit.get("passed"))

    # -- reading ----------------------------------------------------------------------------

    def select(self, level: str, period: str | None = None, category: str = ALL, area: str | None = None):
        """Cells of one level (and period kind, category, area), in release order."""
        c = self.cells
        mask = (c["level"] == level) & (c["category"] == category)
        if period is not None:
            mask &= c["period"] == period
        if area is not None:
            mask &= c["area"] == str(area)
        return c[mask]

    def by_period(self, level: str, kind: str, start, category: str = ALL) -> dict[str, tuple[int | None, str]]:
        """area -> (value or None when hidden, hidden reason) of one level, period and category.

        Indexed once per release: a public page reads dozens of these per view.
        """
        if self._index is None:
            c = self.cells
            index: dict = {}
            for lvl, knd, st, cat, area, v, h in zip(
                c["level"], c["period"], c["period_start"], c["category"], c["area"], c["value"], c["hidden"]
            ):
                index.setdefault((lvl, knd, pd.Timestamp(st), cat), {})[str(area)] = (None if h else int(v), str(h))
            self._index = index
        return self._index.get((level, kind, pd.Timestamp(start), category), {})

    def value(self, level: str, area: str, kind: str, start, category: str = ALL):
        """One cell: (value or None when hidden, hidden flag), or None when the release has no such cell."""
        c = self.cells
        hit = c[
            (c["level"] == level)
            & (c["area"] == str(area))
            & (c["period"] == kind)
            & (c["period_start"] == pd.Timestamp(start))
            & (c["category"] == category)
        ]
        if hit.empty:
            return None
        row = hit.iloc[0]
        return (None if row["hidden"] else int(row["value"]), row["hidden"])

    # -- files ------------------------------------------------------------------------------

    def release_csv(self) -> str:
        """``release.csv``: one row per cell (docs/methods.md, "The public release"); no cell runs as a formula."""
        out = self.cells[list(RELEASE_COLUMNS)].copy()
        out["period_start"] = out["period_start"].dt.strftime("%Y-%m-%d")
        out["period_end"] = out["period_end"].dt.strftime("%Y-%m-%d")
        out["value"] = [("" if h else str(int(v))) for v, h in zip(out["value"], out["hidden"])]
        buf = io.StringIO()
        csv_safe(out).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()

    def areas_csv(self) -> str:
        """``areas.csv``: every area of the release with its parent (names from the data, neutralised)."""
        buf = io.StringIO()
        csv_safe(self.areas[list(AREA_COLUMNS)]).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()

    def summary(self) -> str:
        """One line: cells, hidden cells and the audit's verdict."""
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"Release of {self.dataset!r}: {len(self.cells):,} cells, {self.audit.get('small', 0):,} hidden as "
            f"fewer than {self.audit.get('min_count', 5)}, {self.audit.get('complementary', 0):,} complementary; "
            f"attacker's audit {verdict}."
        )


# -- the area tree ---------------------------------------------------------------------------


def boundary_levels(store) -> list[str]:
    """Loaded boundary levels, finest (most areas) first."""
    if "boundaries" not in store.tables():
        return []
    frame = store.query("SELECT level, count(*) AS n FROM boundaries GROUP BY level ORDER BY n DESC, level")
    return list(frame["level"])


def area_tree(store, dataset: str | None = None) -> tuple[list[str], pd.DataFrame, dict[str, dict[str, str]]]:
    """(levels finest first ending with "city", areas.csv rows, finest code -> {level: area}).

    A finest area takes, at each coarser level, the parent recorded at load
    time (largest overlap); where none is recorded, the area of that level
    holding most of its incidents; failing both, ``none``. Every level has a
    ``none`` row for incidents with no finest area.
    """
    levels = boundary_levels(store)
    bounds = (
        store.query("SELECT level, code, name FROM boundaries")
        if levels
        else pd.DataFrame(columns=["level", "code", "name"])
    )
    names = {(r.level, str(r.code)): (r.name if isinstance(r.name, str) else None) for r in bounds.itertuples()}
    parents = (
        store.query("SELECT level, code, parent_level, parent_code FROM boundary_parents")
        if "boundary_parents" in store.tables()
        else pd.DataFrame(columns=["level", "code", "parent_level", "parent_code"])
    )
    recorded = {(r.level, str(r.code), r.parent_level): str(r.parent_code) for r in parents.itertuples()}
    chain = levels + [CITY_LEVEL]
    finest = levels[0] if levels else None
    codes = sorted((c for (lvl, c) in names if lvl == finest), key=_code_key)
    assign: dict[str, dict[str, str]] = {}
    by_incidents = _majority_parents(store, finest, levels[1:], dataset) if finest and len(levels) > 1 else {}
    for code in codes:
        up: dict[str, str] = {}
        child_level, child_code = finest, code
        for lvl in levels[1:]:
            parent = recorded.get((child_level, child_code, lvl)) or recorded.get((finest, code, lvl))
            if parent is None or (lvl, parent) not in names:
                parent = by_incidents.get((code, lvl))
            up[lvl] = parent if parent is not None and (lvl, parent) in names else NONE_AREA
            child_level, child_code = lvl, up[lvl]
        up[CITY_LEVEL] = CITY_AREA
        assign[code] = up
    # The levels must nest: an area above the first coarser level takes the parent of its first member.
    for i in range(2, len(levels)):
        lvl, below = levels[i], levels[i - 1]
        first: dict[str, str] = {}
        for code in codes:
            assign[code][lvl] = first.setdefault(assign[code][below], assign[code][lvl])
    assign[NONE_AREA] = {lvl: NONE_AREA for lvl in levels[1:]} | {CITY_LEVEL: CITY_AREA}
    rows = []
    for i, lvl in enumerate(chain):
        parent_level = chain[i + 1] if i + 1 < len(chain) else ""
        if lvl == CITY_LEVEL:
            rows.append((CITY_LEVEL, CITY_AREA, "City", "", ""))
            continue
        members = {}
        for code, up in assign.items():
            mine = code if lvl == finest else up[lvl]
            members.setdefault(mine, up[parent_level] if parent_level else "")
        for area in sorted((a for a in members if a != NONE_AREA), key=_code_key) + [NONE_AREA]:
            if area not in members:
                continue
            name = "No area recorded" if area == NONE_AREA else (names.get((lvl, area)) or "")
            rows.append((lvl, area, name, parent_level, members[area]))
    areas = pd.DataFrame(rows, columns=list(AREA_COLUMNS))
    return chain, areas, assign


def _code_key(code: str):
    n = pd.to_numeric(pd.Series([code]), errors="coerce").iloc[0]
    return (0, float(n), str(code)) if pd.notna(n) else (1, 0.0, str(code))


def _majority_parents(store, finest: str, coarser: list[str], dataset: str | None) -> dict:
    """(finest code, level) -> the area of ``level`` holding most of the finest area's incidents."""
    if "incidents" not in store.tables():
        return {}
    cols = store.columns("incidents")
    out = {}
    for lvl in coarser:
        fc, pc = level_column(finest), level_column(lvl)
        if fc not in cols or pc not in cols:
            continue
        frame = store.query(
            f'SELECT "{fc}" AS code, "{pc}" AS parent, {incident_total()} AS n FROM incidents '
            f'WHERE "{fc}" IS NOT NULL AND "{pc}" IS NOT NULL GROUP BY 1, 2'
        )
        for r in frame.sort_values(["n", "parent"], ascending=[False, True]).drop_duplicates("code").itertuples():
            out[(str(r.code), lvl)] = str(r.parent)
    return out


# -- periods -----------------------------------------------------------------------------------


def window(store, dataset: str, rules: Rules) -> tuple[list[pd.Timestamp], pd.Timestamp | None]:
    """(the release's months as first days, the last public day): whole months, previous year onward."""
    cutoff = privacy.public_cutoff(store, dataset, rules)
    if cutoff is None:
        return [], None
    first = store.scalar("SELECT min(occurred_at) FROM incidents WHERE dataset = :d", {"d": dataset})
    first = pd.Timestamp(first).normalize()
    # The first whole month of data: the month of the first record when that record falls in its first week
    # (an extract from 1 January rarely opens with an incident at midnight), else the month after.
    month = first.replace(day=1)
    cover = month if first.day <= 7 else (month + pd.offsets.MonthBegin(1)).normalize()
    end = pd.Timestamp(cutoff).normalize().replace(day=1)  # first day after the last complete month
    if end <= cover:
        return [], cutoff - pd.Timedelta(days=1)
    last = end - pd.offsets.MonthBegin(1)
    start = max(cover, pd.Timestamp(year=last.year - (YEARS - 1), month=1, day=1))
    return list(pd.date_range(start, last, freq="MS")), cutoff - pd.Timedelta(days=1)


def periods(months: list[pd.Timestamp]) -> tuple[list[Period], bool]:
    """The release's periods (months, whole quarters, whole years, year to date) and whether a comparison exists.

    Year to date runs from 1 January to the end of the last complete month; the
    previous year's is over the same months. Both exist only when their January
    is in the data (no partial periods), and the comparison only when both do.
    """
    out: list[Period] = []
    index = {m: i for i, m in enumerate(months)}
    for m, i in index.items():
        out.append(Period("month", m, m + pd.offsets.MonthEnd(0), (i,)))
    years = sorted({m.year for m in months})
    for y in years:
        for q in range(4):
            qm = [pd.Timestamp(year=y, month=3 * q + k + 1, day=1) for k in range(3)]
            if all(x in index for x in qm):
                out.append(Period("quarter", qm[0], qm[-1] + pd.offsets.MonthEnd(0), tuple(index[x] for x in qm)))
        ym = [pd.Timestamp(year=y, month=k, day=1) for k in range(1, 13)]
        if all(x in index for x in ym):
            out.append(Period("year", ym[0], ym[-1] + pd.offsets.MonthEnd(0), tuple(index[x] for x in ym)))
    comparison = False
    if months:
        last = months[-1]
        for y in (last.year, last.year - 1):
            ym = [pd.Timestamp(year=y, month=k, day=1) for k in range(1, last.month + 1)]
            if all(x in index for x in ym):
                out.append(Period("ytd", ym[0], ym[-1] + pd.offsets.MonthEnd(0), tuple(index[x] for x in ym)))
                comparison = comparison or y == last.year - 1
        comparison = comparison and any(p.kind == "ytd" and p.year == last.year for p in out)
    return out, comparison


# -- the counts ----------------------------------------------------------------------------------


def base_counts(store, dataset: str, finest: str | None, months: list[pd.Timestamp], codes: set[str]) -> pd.DataFrame:
    """Incidents per finest area (``none`` off the tree), month and category: code, month, category, n."""
    if not months:
        return pd.DataFrame(columns=["code", "month", "category", "n"])
    col = level_column(finest) if finest else None
    code_sql = f'"{col}"' if col and col in store.columns("incidents") else "NULL"
    frame = store.query(
        f"SELECT {code_sql} AS code, date_trunc('month', occurred_at) AS month, offense, "
        f"{privacy.sensitive_sql()} AS sensitive, {incident_total()} AS n FROM incidents "
        "WHERE dataset = :d AND occurred_at >= :s AND occurred_at < :e GROUP BY 1, 2, 3, 4",
        {"d": dataset, "s": months[0], "e": months[-1] + pd.offsets.MonthBegin(1)},
    )
    grouping = offense_groups.load(store)
    group = {o: grouping.group_of(o) for o in frame["offense"].dropna().unique()}
    sensitive = frame["sensitive"].astype(bool) | frame["offense"].map(
        lambda o: group.get(o) in offense_groups.SENSITIVE_GROUPS
    ).fillna(False).astype(bool)
    frame["category"] = np.where(sensitive, SENSITIVE, frame["offense"].map(group).fillna(offense_groups.OTHER))
    frame["code"] = [
        str(c) if c is not None and not pd.isna(c) and str(c) in codes else NONE_AREA for c in frame["code"]
    ]
    frame["month"] = pd.to_datetime(frame["month"]).dt.tz_localize(None).dt.normalize()
    out = frame.groupby(["code", "month", "category"], as_index=False)["n"].sum()
    out["n"] = out["n"].astype("int64")
    return out


def version(store, dataset: str, rules: Rules) -> str:
    """The data version: what the release depends on (loads, boundaries, offense groups, rules), hashed."""
    parts = [dataset, repr(rules), repr(offense_groups.load(store).key())]
    if "loads" in store.tables():
        loads = store.query(
            "SELECT load_id, kind, dataset, rows_loaded FROM loads WHERE (kind = 'incidents' AND dataset = :d) "
            "OR kind = 'boundaries' ORDER BY load_id",
            {"d": dataset},
        )
        parts.append(loads.to_csv(index=False))
    parts.append(str(privacy.public_cutoff(store, dataset, rules)))
    if "incidents" in store.tables():
        parts.append(
            str(store.rows(f"SELECT count(*), {incident_total()} FROM incidents WHERE dataset = :d", {"d": dataset}))
        )
    if "boundary_parents" in store.tables():
        parts.append(str(store.scalar("SELECT count(*) FROM boundary_parents")))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def compute(store, dataset: str, rules: Rules | None = None) -> Release:
    """Build the release of ``dataset``: counts, suppression and the attacker's audit (not stored)."""
    from lib.public import disclosure

    rules = rules or Rules.from_settings()
    chain, areas, assign = area_tree(store, dataset)
    months, as_of = window(store, dataset, rules)
    pers, comparison = periods(months)
    finest = chain[0] if len(chain) > 1 else None
    base = base_counts(store, dataset, finest, months, set(assign) - {NONE_AREA})
    categories = sorted(set(base["category"])) if not base.empty else []
    if len(categories) < 2:  # one category is all offenses: its rows would repeat them
        categories = []
    model = disclosure.Model.build(chain, assign, months, pers, categories, base, rules.min_count)
    result = disclosure.protect(model, rules.min_count)
    cells = model.cells.copy()
    cells["hidden"] = np.where(
        result.primary[cells["uid"].to_numpy()] & result.hidden[cells["uid"].to_numpy()],
        HIDDEN_SMALL,
        np.where(result.hidden[cells["uid"].to_numpy()], HIDDEN_COMPLEMENTARY, ""),
    )
    cells.insert(0, "dataset", dataset)
    cells["measure"] = MEASURE
    cells = cells[[*RELEASE_COLUMNS, "period", "uid"]].reset_index(drop=True)
    audit = result.summary() | {"min_count": int(rules.min_count)}
    return Release(
        dataset=dataset,
        version=version(store, dataset, rules),
        as_of=as_of,
        last_month=months[-1] if months else None,
        comparison=comparison,
        cells=cells,
        areas=areas,
        levels=chain,
        audit=audit,
        built_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


# -- the store ---------------------------------------------------------------------------------------

_CELL_TYPES = {
    "dataset": "text",
    "version": "text",
    "level": "text",
    "area": "text",
    "period": "text",
    "period_start": "date",
    "period_end": "date",
    "category": "text",
    "measure": "text",
    "value": "int",
    "hidden": "text",
}
_AREA_TYPES = {"dataset": "text", "version": "text"} | {c: "text" for c in AREA_COLUMNS}
_META_TYPES = {"dataset": "text", "version": "text", "built_at": "text", "passed": "int", "body": "text"}


def _create(store) -> None:
    existing = store.tables()
    for table, types in ((TABLE, _CELL_TYPES), (AREAS_TABLE, _AREA_TYPES), (META_TABLE, _META_TYPES)):
        if table not in existing:
            defs = ", ".join(f'"{c}" {store.type(t)}' for c, t in types.items())
            store.execute(f"CREATE TABLE {table} ({defs})")


def save(store, rel: Release) -> None:
    """Store ``rel`` (replacing the dataset's earlier releases), in one transaction."""
    cells = rel.cells.assign(version=rel.version)
    cells["value"] = cells["value"].astype("int64")
    cells["period_start"] = cells["period_start"].dt.date
    cells["period_end"] = cells["period_end"].dt.date
    areas = rel.areas.assign(dataset=rel.dataset, version=rel.version)
    meta = {
        "as_of": None if rel.as_of is None else str(pd.Timestamp(rel.as_of).date()),
        "last_month": None if rel.last_month is None else str(pd.Timestamp(rel.last_month).date()),
        "comparison": rel.comparison,
        "levels": rel.levels,
        "audit": rel.audit,
        "extra": rel.extra,
    }
    with store.transaction():
        _create(store)
        for table in (TABLE, AREAS_TABLE, META_TABLE):
            store.execute(f"DELETE FROM {table} WHERE dataset = :d", {"d": rel.dataset})
        for table, frame, types in (
            (TABLE, cells[list(_CELL_TYPES)], _CELL_TYPES),
            (AREAS_TABLE, areas[list(_AREA_TYPES)], _AREA_TYPES),
            (
                META_TABLE,
                pd.DataFrame(
                    [[rel.dataset, rel.version, rel.built_at, int(rel.passed), json.dumps(meta, default=str)]],
                    columns=list(_META_TYPES),
                ),
                _META_TYPES,
            ),
        ):
            store.stage("staged_release", frame, types)
            store.execute(f"INSERT INTO {table} SELECT * FROM staged_release")
            store.drop_stage("staged_release")


def stored(
    store, dataset: str, rules: Rules | None = None, passed_only: bool = True, current: str | None = None
) -> Release | None:
    """The stored release of ``dataset`` for the current data version: the one that passed its audit,
    or with ``passed_only=False`` also one that failed (to say why nothing is shown). ``current``: the
    current version where it is not an incident dataset's (:func:`lib.public.complaints.version`)."""
    if META_TABLE not in store.tables():
        return None
    meta = store.query(
        f"SELECT version, built_at, passed, body FROM {META_TABLE} WHERE dataset = :d"
        + (" AND passed = 1" if passed_only else ""),
        {"d": dataset},
    )
    if meta.empty:
        return None
    ver = str(meta["version"].iloc[0])
    if ver != (current or version(store, dataset, rules or Rules.from_settings())):
        return None
    key = (getattr(store, "url", ""), dataset, ver, str(meta["built_at"].iloc[0]))
    if key in _READ:  # the same stored release: read and indexed once per process
        return _READ[key]
    body = json.loads(meta["body"].iloc[0])
    cells = store.query(
        f"SELECT level, area, period, period_start, period_end, category, measure, value, hidden FROM {TABLE} "
        "WHERE dataset = :d AND version = :v",
        {"d": dataset, "v": ver},
    )
    cells.insert(0, "dataset", dataset)
    cells["period_start"] = pd.to_datetime(cells["period_start"])
    cells["period_end"] = pd.to_datetime(cells["period_end"])
    cells["hidden"] = cells["hidden"].fillna("").astype(str)
    cells["value"] = cells["value"].astype("int64")
    areas = store.query(
        f"SELECT {', '.join(AREA_COLUMNS)} FROM {AREAS_TABLE} WHERE dataset = :d AND version = :v",
        {"d": dataset, "v": ver},
    ).fillna("")
    rel = Release(
        dataset=dataset,
        version=ver,
        as_of=pd.Timestamp(body["as_of"]) if body.get("as_of") else None,
        last_month=pd.Timestamp(body["last_month"]) if body.get("last_month") else None,
        comparison=bool(body.get("comparison")),
        cells=cells[[*RELEASE_COLUMNS, "period"]],
        areas=areas,
        levels=list(body.get("levels", [])),
        audit=body.get("audit", {}),
        built_at=str(meta["built_at"].iloc[0]),
        extra=body.get("extra", {}),
    )
    if getattr(store, "url", ":memory:") != ":memory:":
        while len(_READ) >= 4:  # a few datasets' current releases; older versions fall out
            _READ.pop(next(iter(_READ)))
        _READ[key] = rel
    return rel


# The stored releases last read, by (store, dataset, version, built at): callers never change them.
_READ: dict = {}


def ensure(store, dataset: str, rules: Rules | None = None) -> Release:
    """The current release of ``dataset``, passed or failed: the stored one, else computed and stored.

    A release that fails its audit is stored as failed, so that it is not
    computed again for every visitor and the reason can be read; callers that
    show or write figures check :attr:`Release.passed` (:func:`check`). A store
    opened read-only keeps the computed release in this process only.
    """
    rules = rules or Rules.from_settings()
    rel = stored(store, dataset, rules, passed_only=False)
    if rel is not None:
        return rel
    key = (getattr(store, "url", id(store)), dataset, version(store, dataset, rules))
    if getattr(store, "read_only", False):
        if key not in _UNSTORED:
            _UNSTORED[key] = compute(store, dataset, rules)
        return _UNSTORED[key]
    rel = compute(store, dataset, rules)
    save(store, rel)
    return rel


_UNSTORED: dict = {}  # releases computed for read-only stores, by (store, dataset, version)


def refresh(store, names: list[str] | None = None, say=None) -> list[Release]:
    """Compute and store the release of each incident dataset (``names``, else all) that is not current,
    and the complaints and commendations releases (:mod:`lib.public.complaints`).

    Run after a load, a removal or a boundary change (the CLI and the Data page
    do), so that no visitor waits for a release. ``say`` receives one line per
    dataset. Releases of datasets no longer loaded are dropped.
    """
    from lib.public import complaints

    rules = Rules.from_settings()
    loaded = datasets(store)
    out = []
    for name in names if names is not None else loaded:
        if name not in loaded:
            continue
        rel = ensure(store, name, rules)
        out.append(rel)
        if say is not None:
            say(rel.summary())
    out += complaints.refresh(store, rules, say)
    keep = set(loaded) | set(complaints.keys(store))
    if META_TABLE in store.tables() and not getattr(store, "read_only", False):
        gone = [r[0] for r in store.rows(f"SELECT DISTINCT dataset FROM {META_TABLE}") if r[0] not in keep]
        if gone:
            with store.transaction():
                for table in (TABLE, AREAS_TABLE, META_TABLE):
                    for name in gone:
                        store.execute(f"DELETE FROM {table} WHERE dataset = :d", {"d": name})
    return out


def touched(kind: str, dataset: str) -> list[str] | None:
    """The incident datasets whose release a load of ``kind`` into ``dataset`` changes (None: every one).

    For :func:`refresh`: incidents change their own dataset's release, boundaries every one (the area
    tree), complaints and commendations none (their own releases are refreshed every time).
    """
    if kind == "incidents":
        return [dataset]
    return None if kind == "boundaries" else []


def datasets(store) -> list[str]:
    """The incident datasets a release can be computed for."""
    if "incidents" not in store.tables():
        return []
    return [r[0] for r in store.rows("SELECT DISTINCT dataset FROM incidents ORDER BY dataset")]


class ReleaseError(ValueError):
    """A release that did not pass its audit was asked to be written."""


def failure_text(rel: Release) -> str:
    audit = rel.audit
    return (
        f"The attacker's audit of the release of {rel.dataset!r} pins {audit.get('pinned_count', '?')} hidden "
        f"count(s) to fewer than {audit.get('min_values', 3)} possible values (cells, min, max: "
        f"{audit.get('pinned', [])[:5]}), so no file was written. Raise min_public_count or report this "
        "to the maintainers with the dataset."
    )


def check(rel: Release) -> None:
    """Raise :class:`ReleaseError` unless ``rel`` may be published: its audit passed and no shown cell is small."""
    if not rel.passed:
        raise ReleaseError(failure_text(rel))
    shown = rel.cells["hidden"] == ""
    small = shown & (rel.cells["value"] >= 1) & (rel.cells["value"] < int(rel.audit.get("min_count", 5)))
    if small.any():
        raise ReleaseError(f"The release shows {int(small.sum())} count(s) under the minimum; nothing was written.")


def export(rel: Release, out) -> list:
    """Write ``release.csv`` and ``areas.csv`` of a release that passed its audit into the folder ``out``.

    With several datasets in one folder, each pair is prefixed by a slug of its dataset. Raises
    :class:`ReleaseError`, writing nothing, when the release may not be published (:func:`check`).
    """
    check(rel)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in rel.dataset.lower()).strip("_")
    paths = [folder / f"{slug}_release.csv", folder / f"{slug}_areas.csv"]
    paths[0].write_text(rel.release_csv(), encoding="utf-8")
    paths[1].write_text(rel.areas_csv(), encoding="utf-8")
    return paths
