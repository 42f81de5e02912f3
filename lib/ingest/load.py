"""Load a file into the store: read, map, validate, enrich, write; atomically and idempotently.

A load either lands whole, with its record in ``loads``, or leaves the store
exactly as it was: every write happens in one transaction, and unusable input
is refused (``InputError``) before the transaction begins.

Loading the same file twice adds nothing. Rows are matched on their id within
the dataset (``--dataset``, by default the file's name): the source id where
the export has one, otherwise a hash of the row's content. Events are matched
on start, title and place (area, venue, point: a side that lacks one does not disagree),
so two extractions of one calendar merge and two meetings of one name at one hour do not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lib.ingest import mapping as mapping_mod
from lib.ingest import parse, spatial
from lib.ingest.prepare import Prepared, prepare, repeated_events
from lib.ingest.readers import InputError, Table, read_layer, read_table, scalar_properties
from lib.store import logs, schema, settings
from lib.store.schema import KINDS, level_column

Progress = Callable[[float, str], None]

# Rows that match stored rows: (dataset-scoped) id, or the natural key of events.
_MATCH = {
    "incidents": "t.dataset = s.dataset AND t.incident_id = s.incident_id",
    "survey": "t.dataset = s.dataset AND t.response_id = s.response_id",
    # Events: the same id; repeats by start, title and place are found before (prepare.repeated_events).
    "events": "t.dataset = s.dataset AND t.event_id = s.event_id",
    "stations": "t.dataset = s.dataset AND t.station_id = s.station_id",
    "population": "t.level = s.level AND t.area = s.area AND t.dimension = s.dimension AND t.category = s.category",
    "scores": "t.dataset = s.dataset AND t.score_key = s.score_key AND t.measure = s.measure",
    "complaints": "t.dataset = s.dataset AND t.complaint_id = s.complaint_id",
    "allegations": "t.dataset = s.dataset AND t.allegation_id = s.allegation_id",
    "commendations": "t.dataset = s.dataset AND t.commendation_id = s.commendation_id",
}
# Column that identifies a source row in the staged rows (several stored rows for scores).
_ROW_KEY = {
    "incidents": "incident_id",
    "survey": "response_id",
    "events": "event_id",
    "stations": "station_id",
    "population": "area",
    "scores": "score_key",
    "complaints": "complaint_id",
    "allegations": "allegation_id",
    "commendations": "commendation_id",
}
_LOG = logs.get("load")
_WHEN = {
    "incidents": "occurred_at",
    "survey": "responded_at",
    "events": "starts_at",
    "scores": "period_start",
    "complaints": "received_at",
    "commendations": "awarded_at",
}


@dataclass
class LoadReport:
    kind: str
    dataset: str
    source_name: str
    file_hash: str
    format: str
    mapping: dict[str, str]
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_not_geocoded: int = 0
    rows_merged: int = 0
    rows_duplicate: int = 0
    area_level: str | None = None
    period: tuple = (None, None)
    load_id: int | None = None
    # incidents: how many incidents the loaded rows stand for (the sum of their counts)
    incidents_loaded: int | None = None
    # incidents: "minute", "day" or "month"
    date_precision: str | None = None
    # incidents: (area code, incidents) for codes that no boundary of the area level holds
    unplaced_areas: list[tuple[str, int]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    # the publisher and title a person knows the source by (`load --title`); None: derived from the file name
    source_title: str | None = None
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row_number", "reason", "raw"]))

    def summary(self) -> str:
        """The counts, as printed by ``load`` and shown on the Data page."""
        target = f"level '{self.dataset}'" if self.kind == "boundaries" else f"dataset '{self.dataset}'"
        lines = [
            f"{self.source_name} -> {self.kind} ({target}), read as {self.format}",
            f"  rows read          {self.rows_read:>10,}",
            f"  loaded             {self.rows_loaded:>10,}",
        ]
        if self.incidents_loaded is not None:
            lines.append(f"  incidents          {self.incidents_loaded:>10,}  (the loaded rows' counts)")
        lines.append(f"  rejected           {self.rows_rejected:>10,}")
        if self.kind == "incidents":
            lines.append(f"  merged (same id)   {self.rows_merged:>10,}  (further rows of one incident)")
        elif self.rows_merged:
            lines.append(f"  repeated in file   {self.rows_merged:>10,}")
        lines.append(f"  duplicates skipped {self.rows_duplicate:>10,}  (already in the store)")
        if self.kind in ("incidents", "survey", "events", "stations", "complaints", "commendations"):
            lines.append(
                f"  not geocoded       {self.rows_not_geocoded:>10,}  (kept; counted in area totals when they carry an area)"
            )
        if self.area_level:
            lines.append(f"  area codes are     {self.area_level} codes")
        if self.unplaced_areas:
            lines.append(
                f"  in no {self.area_level or 'boundary'}      {sum(n for _, n in self.unplaced_areas):>10,}  "
                "(incidents whose area code no boundary has; counted citywide)"
            )
        if self.period[0] is not None and not pd.isna(self.period[0]):
            lines.append(f"  period             {self.period[0]:%Y-%m-%d} to {self.period[1]:%Y-%m-%d}")
        if self.date_precision:
            lines.append(f"  dates precise to   {self.date_precision:>10}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        out = {
            k: getattr(self, k)
            for k in (
                "kind",
                "dataset",
                "source_name",
                "file_hash",
                "format",
                "mapping",
                "rows_read",
                "rows_loaded",
                "rows_rejected",
                "rows_not_geocoded",
                "rows_merged",
                "rows_duplicate",
                "area_level",
                "load_id",
                "incidents_loaded",
                "date_precision",
                "messages",
            )
        }
        out["unplaced_areas"] = [[code, int(n)] for code, n in self.unplaced_areas]
        out["period"] = [str(p) if p is not None else None for p in self.period]
        return out


def _noop(fraction: float, text: str) -> None:
    return None


def default_dataset(source_name: str) -> str:
    """``'chicago_crimes_2019.csv.gz'`` -> ``'chicago_crimes_2019'``."""
    name = Path(source_name).name
    for suffix in (".gz", ".zip", ".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or "data"


def plan(
    kind: str,
    path: str | Path,
    maps: dict | None = None,
    sets: dict | None = None,
    crs: str | None = None,
    source_name: str | None = None,
    limit: int | None = None,
    sheet: str | None = None,
) -> tuple[Table, mapping_mod.Mapping, Prepared]:
    """Read, map and validate without writing: what a load would do (the Data page's preview)."""
    if kind not in KINDS or kind == "boundaries":
        raise InputError(f"Unknown kind {kind!r}: use one of {', '.join(KINDS)}.")
    table = read_table(path, source_name, sheet=sheet)
    if limit:
        table.frame = table.frame.head(limit)
    mapping = mapping_mod.detect(kind, table.frame)
    mapping = mapping_mod.apply_overrides(mapping, table.frame, maps, sets)
    mapping_mod.require(mapping, table.frame)
    if crs:
        _check_crs(crs)
    prepared = prepare(kind, table, mapping, tz=settings.get("timezone"), crs=crs)
    return table, mapping, prepared


def _check_crs(crs: str) -> None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(crs)
    except CRSError as exc:
        raise InputError(f"--crs {crs}: not a coordinate system ({exc}). Use a code like EPSG:2263.") from exc


def load(
    store,
    kind: str,
    path: str | Path,
    maps: dict | None = None,
    sets: dict | None = None,
    dataset: str | None = None,
    level: str | None = None,
    crs: str | None = None,
    source_name: str | None = None,
    synthetic: bool = False,
    progress: Progress = _noop,
    replace: bool = False,
    sheet: str | None = None,
    title: str | None = None,
) -> LoadReport:
    """Load one file of ``kind`` into ``store`` and return what happened.

    With ``replace``, the rows of earlier loads of the same dataset and file (same name or same
    content) are taken out in the same transaction, and those loads are marked removed by this one:
    a file loaded with the wrong options is loaded again with the right ones. ``sheet``: an Excel
    sheet's name, or "all". ``title``: the source's name in public text, its publisher and dataset
    title ("City of Chicago, Crimes - 2001 to Present"); without it a name is read from the file name.

    Raises InputError (store untouched) when the file or the mapping cannot be used. Either way one
    line goes to the operations log (lib/store/logs.py).
    """
    started = time.perf_counter()
    name = source_name or Path(path).name
    try:
        report = _load(
            store, kind, path, maps, sets, dataset, level, crs, source_name, synthetic, progress, replace, sheet, title
        )
    except Exception as exc:
        _LOG.warning("load of %s %s failed, nothing written: %s", kind, name, exc)
        raise
    _LOG.info(
        "load #%s ok: %s %s into %r, %d read, %d loaded, %d rejected, %d duplicates, %.1f s",
        report.load_id,
        kind,
        name,
        report.dataset,
        report.rows_read,
        report.rows_loaded,
        report.rows_rejected,
        report.rows_duplicate,
        time.perf_counter() - started,
    )
    return report


def _load(
    store,
    kind,
    path,
    maps,
    sets,
    dataset,
    level,
    crs,
    source_name,
    synthetic,
    progress,
    replace=False,
    sheet=None,
    title=None,
) -> LoadReport:
    if kind == "boundaries":
        if not level:
            raise InputError("Boundaries need a level name: --level beat (or district, precinct ...).")
        return load_boundaries(store, path, level, maps or {}, source_name, progress, title=title)
    progress(0.05, "Reading the file")
    table, mapping, prepared = plan(kind, path, maps, sets, crs, source_name, sheet=sheet)
    dataset = dataset or default_dataset(table.source_name)
    progress(0.35, "Placing rows on the boundary layers")
    not_geocoded = prepared.rows_not_geocoded
    # Free the source table and keep only the canonical rows: a 1M-row load stays well under 2 GB.
    rows, prepared.rows, table.frame = prepared.rows, None, None
    if kind == "population":
        rows["level"] = _population_level(store, rows, level)
    area_level = None
    unplaced: list[tuple[str, int]] = []
    if KINDS[kind].geocoded:
        rows, area_level = enrich(store, rows)
        unplaced = unplaced_areas(store, rows, area_level)
    report = LoadReport(
        kind,
        dataset,
        table.source_name,
        table.file_hash,
        table.format,
        mapping.as_dict(),
        rows_read=prepared.rows_read,
        rows_rejected=len(prepared.rejects),
        rows_merged=prepared.rows_merged,
        rows_not_geocoded=not_geocoded,
        area_level=area_level,
        unplaced_areas=unplaced,
        date_precision=prepared.date_precision,
        messages=table.notes + prepared.messages + _unplaced_message(unplaced, area_level, kind),
        rejects=prepared.rejects,
        source_title=_title(title),
    )
    progress(0.6, "Writing to the store")
    _write(store, kind, rows, report, synthetic, progress, replace)
    progress(1.0, "Done")
    return report


def _population_level(store, rows: pd.DataFrame, level: str | None) -> str:
    if level:
        return _usable_level(level)
    codes = _level_codes(store)
    found = area_level_of(set(rows["area"].dropna()), codes)
    if found is None:
        raise InputError(
            "Could not tell which boundary level the population's area codes belong to "
            f"(loaded levels: {', '.join(codes) or 'none'}). Load the boundaries first, or give --level."
        )
    return found


def _usable_level(level: str) -> str:
    try:
        return schema.check_level_name(level)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _level_codes(store) -> dict[str, set[str]]:
    if "boundaries" not in store.tables():
        return {}
    frame = store.query("SELECT level, code FROM boundaries")
    return {lvl: set(g["code"]) for lvl, g in frame.groupby("level", sort=False)}


def area_level_of(areas: set[str], levels: dict[str, set[str]], min_share: float = 0.5) -> str | None:
    """The boundary level whose codes match most of ``areas`` (at least ``min_share`` of them).

    >>> area_level_of({"832", "1923", "111"}, {"beat": {"832", "1923", "111"}, "district": {"8", "19"}})
    'beat'
    """
    if not areas:
        return None
    best, best_share = None, 0.0
    for level, codes in levels.items():
        share = len(areas & codes) / len(areas)
        if share > best_share:
            best, best_share = level, share
    return best if best_share >= min_share else None


def _layers(store) -> dict[str, gpd.GeoDataFrame]:
    if "boundaries" not in store.tables():
        return {}
    rows = store.query("SELECT level, code, name, geometry FROM boundaries ORDER BY level, code")
    return {lvl: spatial.layer_from_rows(g) for lvl, g in rows.groupby("level", sort=False)}


def _parent_table(store) -> pd.DataFrame:
    if "boundary_parents" not in store.tables():
        return pd.DataFrame(columns=["level", "code", "parent_level", "parent_code"])
    return store.query("SELECT level, code, parent_level, parent_code FROM boundary_parents")


def enrich(store, rows: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Add H3 cells and the code of every loaded boundary level to new rows.

    Points take the polygon that holds them; rows without a usable point take
    their own area code where it is a code of that level; coarser levels are
    then filled from finer ones through the boundaries' nesting.
    """
    points = spatial.distinct_points(rows["latitude"], rows["longitude"])
    layers = _layers(store)
    if not points.empty:
        found = spatial.h3_cells(points)
        for level, layer in layers.items():
            found[level_column(level)] = spatial.points_in(points, layer)
        found[["latitude", "longitude"]] = points[["latitude", "longitude"]]
        index = rows.index
        rows = rows.merge(found, on=["latitude", "longitude"], how="left")
        rows.index = index
    else:
        for res in spatial.H3_RESOLUTIONS:
            rows[f"h3_{res}"] = None
    for level in layers:
        col = level_column(level)
        if col not in rows:
            rows[col] = None
        rows[col] = rows[col].astype("str")
    area_level = None
    if "area" in rows and layers:
        codes = {lvl: set(layer["code"]) for lvl, layer in layers.items()}
        area_level = area_level_of(set(rows["area"].dropna()), codes)
        if area_level:
            col = level_column(area_level)
            use = rows[col].isna() & rows["area"].isin(codes[area_level])
            rows.loc[use, col] = rows.loc[use, "area"]
    parents = _parent_table(store)
    for (child, parent), pairs in parents.groupby(["level", "parent_level"]):
        if child not in layers or parent not in layers:
            continue
        lookup = dict(zip(pairs["code"], pairs["parent_code"]))
        ccol, pcol = level_column(child), level_column(parent)
        fill = rows[pcol].isna() & rows[ccol].notna()
        rows.loc[fill, pcol] = rows.loc[fill, ccol].map(lookup)
    return rows, area_level


def unplaced_areas(store, rows: pd.DataFrame, area_level: str | None) -> list[tuple[str, int]]:
    """Area codes of rows no boundary of ``area_level`` holds, with how many incidents (or rows) carry each.

    Such rows are in no area total of that level (unless their point lies in one); they still count
    in every citywide total. Most frequent first.
    """
    if not area_level or "area" not in rows or rows["area"].isna().all():
        return []
    col = level_column(area_level)
    lost = rows[rows["area"].notna() & rows[col].isna()]
    if lost.empty:
        return []
    known = _level_codes(store).get(area_level, set())
    lost = lost[~lost["area"].isin(known)]
    weight = lost["count"] if "count" in lost else pd.Series(1, index=lost.index)
    totals = weight.groupby(lost["area"]).sum().sort_values(ascending=False, kind="stable")
    return [(str(code), int(n)) for code, n in totals.items()]


def _unplaced_message(unplaced: list[tuple[str, int]], level: str | None, kind: str) -> list[str]:
    if not unplaced:
        return []
    noun = "incidents" if kind == "incidents" else "rows"
    total = sum(n for _, n in unplaced)
    shown = ", ".join(f"{code} ({n:,})" for code, n in unplaced[:10]) + (" ..." if len(unplaced) > 10 else "")
    return [
        f"{total:,} {noun} carry {level} codes no boundary has: {shown}. They count in citywide totals "
        f"but in no {level}; load a boundary layer that has these codes, or correct them at the source."
    ]


def _stored_types(store, kind: str) -> dict[str, str]:
    spec = KINDS[kind]
    types = schema.table_columns(spec)
    for column in store.columns(spec.table):
        if column.startswith("lvl_"):
            types[column] = "text"
    return types


def _next_load_id(store) -> int:
    if store.engine == "postgresql":
        # One load at a time on a shared server: the id and the writes stay in step.
        store.execute("SELECT pg_advisory_xact_lock(7321)")
    return int(store.scalar("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))


def _write(
    store,
    kind: str,
    rows: pd.DataFrame,
    report: LoadReport,
    synthetic: bool,
    progress: Progress = _noop,
    replace: bool = False,
) -> None:
    spec = KINDS[kind]
    with store.transaction():
        schema.create_tables(store)
        for level in schema.boundary_levels(store):
            schema.add_level_columns(store, level)
        load_id = _next_load_id(store)
        if replace:
            earlier = store.query(
                "SELECT load_id FROM loads WHERE kind = :k AND dataset = :d AND removed_by IS NULL "
                "AND (source_name = :s OR file_hash = :h) ORDER BY load_id",
                {"k": kind, "d": report.dataset, "s": report.source_name, "h": report.file_hash},
            )["load_id"].tolist()
            removed = 0
            for old in earlier:
                removed += _delete_rows(store, kind, int(old))
                store.execute("UPDATE loads SET removed_by = :by WHERE load_id = :id", {"by": load_id, "id": int(old)})
            if earlier:
                report.messages.append(
                    f"Replaced load{'s' if len(earlier) > 1 else ''} {', '.join(f'#{i}' for i in earlier)} of this "
                    f"file: their {removed:,} rows were taken out before this load's were written."
                )
            else:
                report.messages.append("Nothing to replace: no earlier load of this dataset and file.")
        rows = rows.copy()
        rows["load_id"] = load_id
        if "dataset" in schema.table_columns(spec):
            rows["dataset"] = report.dataset
        types = _stored_types(store, kind)
        for column in types:
            if column not in rows:
                rows[column] = None
        dropped = 0
        if kind == "events" and "events" in store.tables():
            # One event per start, title and place, whichever extraction of the calendar it came from.
            stored = store.query(
                "SELECT starts_at, title_norm, area, location, latitude, longitude FROM events WHERE dataset = :d",
                {"d": report.dataset},
            )
            repeated = repeated_events(rows, stored)
            dropped = int(repeated.sum())
            rows = rows[~repeated]
        store.stage("staged_rows", rows, types)
        cols = ", ".join(f'"{c}"' for c in types)
        store.execute(
            f"INSERT INTO {spec.table} ({cols}) SELECT {cols} FROM staged_rows s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {spec.table} t WHERE {_MATCH[kind]})"
        )
        key = _ROW_KEY[kind]
        loaded_keys = int(
            store.scalar(f"SELECT count(DISTINCT {key}) FROM {spec.table} WHERE load_id = :id", {"id": load_id})
        )
        staged_keys = int(store.scalar(f"SELECT count(DISTINCT {key}) FROM staged_rows"))
        if kind == "population":
            loaded_keys = int(store.scalar(f"SELECT count(*) FROM {spec.table} WHERE load_id = :id", {"id": load_id}))
            staged_keys = len(rows)
        report.rows_loaded = loaded_keys
        report.rows_duplicate = staged_keys + dropped - loaded_keys
        if report.rows_duplicate:
            report.messages.append(
                f"{report.rows_duplicate:,} rows were already in the store (dataset '{report.dataset}') and were skipped."
            )
        geo = "latitude" in types
        report.rows_not_geocoded = (
            int(
                store.scalar(
                    f"SELECT count(DISTINCT {key}) FROM {spec.table} WHERE load_id = :id AND latitude IS NULL",
                    {"id": load_id},
                )
            )
            if geo
            else 0
        )
        when = _WHEN.get(kind)
        if when and report.rows_loaded:
            lo, hi = store.rows(
                f"SELECT min({when}), max({when}) FROM {spec.table} WHERE load_id = :id", {"id": load_id}
            )[0]
            if lo is not None:
                report.period = (pd.Timestamp(lo), pd.Timestamp(hi))
        if kind == "incidents":
            report.incidents_loaded = int(
                store.scalar(f"SELECT {schema.incident_total()} FROM incidents WHERE load_id = :id", {"id": load_id})
            )
        report.load_id = load_id
        # A callback that raises (a closed browser tab, Ctrl-C) still leaves nothing behind.
        progress(0.9, "Recording the load")
        _record(store, report, synthetic)
        store.drop_stage("staged_rows")


def _delete_rows(store, kind: str, load_id: int) -> int:
    """Take the rows of one load out of its table; returns how many there were."""
    if kind == "boundaries":
        return _delete_boundaries(store, load_id)
    table = KINDS[kind].table if kind in KINDS else None
    if not table or table not in store.tables():
        return 0
    n = int(store.scalar(f"SELECT count(*) FROM {table} WHERE load_id = :id", {"id": load_id}))
    store.execute(f"DELETE FROM {table} WHERE load_id = :id", {"id": load_id})
    return n


def _delete_boundaries(store, load_id: int) -> int:
    levels = store.query("SELECT DISTINCT level FROM boundaries WHERE load_id = :id", {"id": load_id})["level"]
    n = int(store.scalar("SELECT count(*) FROM boundaries WHERE load_id = :id", {"id": load_id}))
    store.execute("DELETE FROM boundaries WHERE load_id = :id", {"id": load_id})
    for level in levels:
        if store.scalar("SELECT count(*) FROM boundaries WHERE level = :l", {"l": level}):
            continue
        # The level is gone: no stored point is in any of its areas any more.
        store.execute("DELETE FROM boundary_parents WHERE level = :l OR parent_level = :l", {"l": level})
        col = level_column(level)
        for table in schema.GEOCODED_TABLES:
            if table in store.tables() and col in store.columns(table):
                store.execute(f'UPDATE {table} SET "{col}" = NULL')
    return n


def loads_table(store) -> pd.DataFrame:
    """Every load record, newest first, with whether its rows are still in the store (``loads list``)."""
    from lib.store import provenance

    recs = provenance.loads(store, removed=True)
    if recs.empty:
        return recs
    recs = recs.copy()
    if "removed_by" not in recs:
        recs["removed_by"] = None
    recs["state"] = [
        "removal record" if k == "removal" else ("in the store" if pd.isna(r) else f"removed by #{int(r)}")
        for k, r in zip(recs["kind"], recs["removed_by"])
    ]
    return recs


def remove_load(store, load_id: int) -> LoadReport:
    """Take every row of load ``load_id`` out of the store, in one transaction, and record it.

    The load's record stays (marked removed) and a removal record is written beside it, so the
    history says what was there and when it went. Raises InputError for an unknown or removed load.
    """
    if "loads" not in store.tables():
        raise InputError("The store holds no loads yet; there is nothing to remove.")
    with store.transaction():
        schema.create_tables(store)
        found = store.query("SELECT * FROM loads WHERE load_id = :id", {"id": int(load_id)})
        if found.empty:
            raise InputError(f"There is no load #{load_id}. List the loads with: python -m lib loads list")
        rec = found.iloc[0]
        if rec["kind"] == "removal":
            raise InputError(f"Load #{load_id} is a removal record, not a load of data; it cannot be removed.")
        if not pd.isna(rec.get("removed_by")):
            raise InputError(f"Load #{load_id} was already removed (by #{int(rec['removed_by'])}).")
        removal_id = _next_load_id(store)
        removed = _delete_rows(store, rec["kind"], int(load_id))
        if rec["kind"] == "boundaries":
            fill_from_nesting(store)
        store.execute("UPDATE loads SET removed_by = :by WHERE load_id = :id", {"by": removal_id, "id": int(load_id)})
        report = LoadReport(
            "removal",
            str(rec["dataset"]),
            f"load #{int(load_id)} ({rec['source_name']})",
            str(rec["file_hash"]),
            "removal",
            {"removed_load": str(int(load_id))},
            rows_read=removed,
            load_id=removal_id,
            messages=[
                f"Removed load #{int(load_id)} ({rec['kind']}, {rec['source_name']}, dataset '{rec['dataset']}'): "
                f"{removed:,} rows taken out of the store."
            ],
        )
        _record(store, report, synthetic=False)
    return report


def _title(title: str | None) -> str | None:
    """A source title as stored: one line of at most 200 characters, None when blank."""
    text = " ".join(str(title or "").split())
    if len(text) > 200:
        raise InputError(f"The source's title is {len(text)} characters long; give one of at most 200.")
    return text or None


def _record(store, report: LoadReport, synthetic: bool) -> None:
    """Write the load record and its first rejects (the provenance pages show)."""
    store.execute(
        "INSERT INTO loads (load_id, kind, dataset, source_name, file_hash, loaded_at, rows_read, "
        "rows_loaded, rows_rejected, rows_not_geocoded, rows_merged, rows_duplicate, period_start, "
        "period_end, area_level, mapping, messages, synthetic, date_precision, source_title) VALUES (:load_id, "
        ":kind, :dataset, :source, :hash, :at, :read, :loaded, :rejected, :notgeo, :merged, :dup, :start, "
        ":end, :level, :mapping, :messages, :synthetic, :precision, :title)",
        {
            "load_id": report.load_id,
            "kind": report.kind,
            "dataset": report.dataset,
            "source": report.source_name,
            "hash": report.file_hash,
            "at": pd.Timestamp.now().floor("s").to_pydatetime(),
            "read": report.rows_read,
            "loaded": report.rows_loaded,
            "rejected": report.rows_rejected,
            "notgeo": report.rows_not_geocoded,
            "merged": report.rows_merged,
            "dup": report.rows_duplicate,
            "start": report.period[0].to_pydatetime() if report.period[0] is not None else None,
            "end": report.period[1].to_pydatetime() if report.period[1] is not None else None,
            "level": report.area_level,
            "mapping": json.dumps(report.mapping),
            "messages": json.dumps(report.messages),
            "synthetic": synthetic,
            "precision": report.date_precision,
            "title": report.source_title,
        },
    )
    if len(report.rejects):
        first = report.rejects.head(1000).copy()
        first["load_id"] = report.load_id
        first["raw"] = first["raw"].astype("str").str.slice(0, 500)
        store.stage("staged_rejects", first, {"load_id": "int", "row_number": "int", "reason": "text", "raw": "text"})
        store.execute("INSERT INTO rejects SELECT load_id, row_number, reason, raw FROM staged_rejects")
        store.drop_stage("staged_rejects")


# -- boundaries --------------------------------------------------------------


def detect_code_property(gdf: gpd.GeoDataFrame, level: str) -> str | None:
    """The property that holds area codes for ``level``: named like the level, most distinct values.

    Chicago's beats carry ``beat`` (1-9 within a sector) and ``beat_num`` (1713):
    both are named like the level and ``beat_num`` has more distinct values.
    """
    props = scalar_properties(gdf)
    stem = mapping_mod.header_key(level)[:4]
    named = [c for c in props if stem and stem in mapping_mod.header_key(c)]
    pool = named or [
        c
        for c in props
        if not mapping_mod.header_key(c).startswith(("objectid", "id", "fid", "shape")) and not c.startswith(":")
    ]
    if not pool:
        return None

    def rank(c: str) -> tuple:
        key = mapping_mod.header_key(c)
        label = any(w in key for w in ("name", "label", "desc"))
        return (gdf[c].nunique(), not label, -props.index(c))

    return max(pool, key=rank)


def detect_name_property(gdf: gpd.GeoDataFrame, code_prop: str) -> str:
    for c in scalar_properties(gdf):
        if c != code_prop and any(w in mapping_mod.header_key(c) for w in ("name", "label")):
            return c
    return code_prop


def load_boundaries(
    store,
    path,
    level: str,
    maps: dict,
    source_name: str | None = None,
    progress: Progress = _noop,
    title: str | None = None,
) -> LoadReport:
    """Load (or replace) boundary level ``level`` and re-assign every stored point to it."""
    _usable_level(level)
    progress(0.05, "Reading the layer")
    gdf, digest, notes = read_layer(path, source_name)
    unknown = set(maps) - {"code", "name"}
    if unknown:
        raise InputError(
            f"--map {sorted(unknown)[0]}=...: boundaries take --map code=PROPERTY and --map name=PROPERTY."
        )
    props = scalar_properties(gdf)
    code_prop = maps.get("code") or detect_code_property(gdf, level)
    if code_prop is None or code_prop not in gdf.columns:
        raise InputError(
            f"{'No property ' + repr(code_prop) if code_prop else 'No code property'} in the layer. "
            f"Name the property that holds the {level} codes with --map code=PROPERTY "
            f"(its properties are: {', '.join(props) or 'none'})."
        )
    nested = set(gdf.attrs.get("nested", ()))
    if code_prop in nested:
        raise InputError(
            f"{code_prop!r} holds lists or objects, not one code per area. Choose another property for the codes "
            f"(the layer's usable properties are: {', '.join(props) or 'none'})."
        )
    name_prop = maps.get("name") or detect_name_property(gdf, code_prop)
    if name_prop in nested:
        raise InputError(f"{name_prop!r} holds lists or objects, not one name per area; choose another property.")
    if name_prop not in gdf.columns:
        raise InputError(f"--map name={name_prop}: the layer has no such property ({', '.join(props)}).")
    layer = gpd.GeoDataFrame(
        {
            "code": parse.normalize_codes(gdf[code_prop].astype("str")),
            "name": gdf[name_prop].astype("str"),
            "properties": gdf.drop(columns="geometry")
            .astype("str")
            .to_json(orient="records", lines=True)
            .rstrip("\n")
            .split("\n"),
        },
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    rejects = layer[layer["code"].isna()]
    layer = layer[layer["code"].notna()]
    if layer.empty:
        raise InputError(f"No feature has a value in {code_prop!r}; choose another --map code=PROPERTY.")
    props_by_code = layer.groupby("code", sort=False)["properties"].first()
    layer = spatial.dissolve_by_code(layer[["code", "name", "geometry"]])
    source = source_name or Path(path).name
    report = LoadReport(
        "boundaries",
        level,
        source,
        digest,
        "GIS layer",
        {"code": code_prop, "name": name_prop},
        rows_read=len(gdf),
        rows_rejected=len(rejects),
        messages=notes,
        source_title=_title(title),
    )
    report.rejects = pd.DataFrame(
        {"row_number": rejects.index + 1, "reason": f"no {code_prop}", "raw": rejects["properties"]}
    )
    merged = len(gdf) - len(rejects) - len(layer)
    if merged:
        report.messages.append(f"{merged} features shared a code with another and were merged into one area.")
    described = spatial.describe_polygons(layer)
    rows = pd.concat([layer[["code", "name"]], described], axis=1)
    rows["level"] = level
    rows["properties"] = rows["code"].map(props_by_code)
    progress(0.3, "Writing the layer and re-assigning stored points")
    with store.transaction():
        schema.create_tables(store)
        load_id = _next_load_id(store)
        rows["load_id"] = load_id
        replaced = int(store.scalar("SELECT count(*) FROM boundaries WHERE level = :l", {"l": level}))
        if replaced:
            report.messages.append(f"Replaced the {replaced} areas previously loaded for level '{level}'.")
        store.execute("DELETE FROM boundaries WHERE level = :l", {"l": level})
        store.stage("staged_rows", rows, dict(schema.SYSTEM_TABLES["boundaries"]))
        store.execute("INSERT INTO boundaries SELECT * FROM staged_rows")
        store.drop_stage("staged_rows")
        schema.add_level_columns(store, level)
        _nest(store, level)
        progress(0.5, "Re-assigning stored points")
        reassign(store, level)
        report.rows_loaded = len(layer)
        report.rows_duplicate = 0
        report.load_id = load_id
        _record(store, report, synthetic=False)
    progress(1.0, "Done")
    return report


def _nest(store, level: str) -> None:
    """Record which area of every other level each area of ``level`` lies in, and the reverse."""
    layers = _layers(store)
    store.execute("DELETE FROM boundary_parents WHERE level = :l OR parent_level = :l", {"l": level})
    for other, layer in layers.items():
        if other == level:
            continue
        mine = layers[level]
        child, parent, clevel, plevel = (
            (mine, layer, level, other) if spatial.nests(mine, layer) else (layer, mine, other, level)
        )
        pairs = spatial.parents(child, parent)
        if pairs.empty:
            continue
        pairs["level"], pairs["parent_level"] = clevel, plevel
        store.stage(
            "staged_parents", pairs, {"level": "text", "code": "text", "parent_level": "text", "parent_code": "text"}
        )
        store.execute("INSERT INTO boundary_parents SELECT level, code, parent_level, parent_code FROM staged_parents")
        store.drop_stage("staged_parents")


def reassign(store, level: str) -> None:
    """Give every stored point its area of ``level``; then fill levels through the nesting."""
    col = level_column(level)
    layer = _layers(store)[level]
    for table in schema.GEOCODED_TABLES:
        store.execute(f'UPDATE {table} SET "{col}" = NULL')
        points = store.query(f"SELECT DISTINCT latitude, longitude FROM {table} WHERE latitude IS NOT NULL")
        if not points.empty:
            points["code"] = spatial.points_in(points, layer)
            found = points.dropna(subset=["code"])
            store.stage("staged_points", found, {"latitude": "double", "longitude": "double", "code": "text"})
            store.execute(
                f'UPDATE {table} SET "{col}" = p.code FROM staged_points p '
                f"WHERE {table}.latitude = p.latitude AND {table}.longitude = p.longitude"
            )
            store.drop_stage("staged_points")
        # Rows off the map keep their own area code where their load's codes are this level's.
        areas = store.query(f"SELECT DISTINCT load_id, area FROM {table} WHERE area IS NOT NULL")
        all_codes = _level_codes(store)
        for load_id, group in areas.groupby("load_id"):
            if area_level_of(set(group["area"]), all_codes) != level:
                continue
            store.execute(
                f'UPDATE {table} SET "{col}" = area WHERE "{col}" IS NULL AND load_id = :id '
                "AND area IN (SELECT code FROM boundaries WHERE level = :l)",
                {"id": int(load_id), "l": level},
            )
            store.execute("UPDATE loads SET area_level = :l WHERE load_id = :id", {"l": level, "id": int(load_id)})
    fill_from_nesting(store)


def fill_from_nesting(store) -> None:
    """Where a row has a code at a fine level but none at a coarser one, take the parent's."""
    pairs = store.query("SELECT DISTINCT level, parent_level FROM boundary_parents")
    levels = set(schema.boundary_levels(store))
    for child, parent in pairs.itertuples(index=False):
        if child not in levels or parent not in levels:
            continue
        ccol, pcol = level_column(child), level_column(parent)
        for table in schema.GEOCODED_TABLES:
            store.execute(
                f'UPDATE {table} SET "{pcol}" = bp.parent_code FROM boundary_parents bp '
                f'WHERE {table}."{pcol}" IS NULL AND bp.level = :c AND bp.parent_level = :p '
                f'AND bp.code = {table}."{ccol}"',
                {"c": child, "p": parent},
            )
