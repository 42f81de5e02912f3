"""Turn a source table into canonical rows, with a reject list and notes: no store access.

``prepare`` is what the Data page previews and what ``ingest.load`` writes.
Each row keeps its spreadsheet row number (the frame's index) so that every
reject can be found in the original file.

What happens to a row, by kind (docs/data.md, "Validation", says the same):

- unusable or missing date (incidents, events, scores), missing id where an id
  column is mapped, missing title (events), missing area or population
  (population): rejected, with row number, reason and the raw line;
- coordinates (0, 0), out of range: kept, as not geocoded; swapped: put right;
- several rows with one incident id (one per victim or per offense): merged
  into one incident; ``records`` counts the rows, ``attributes.offenses``
  lists the distinct offenses when they differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.ingest import parse, spatial
from lib.ingest.mapping import Mapping, header_tokens, resolve
from lib.ingest.readers import InputError, Table
from lib.store import keys


@dataclass
class Prepared:
    kind: str
    rows: pd.DataFrame
    rejects: pd.DataFrame
    messages: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_merged: int = 0
    # "minute", "day" or "month": what the dates tell (pages needing weekdays or hours say when they lack)
    date_precision: str | None = None

    @property
    def rows_not_geocoded(self) -> int:
        if "latitude" not in self.rows:
            return 0
        return int(self.rows["latitude"].isna().sum())


class _Rejects:
    """Collects (row number, reason) and removes those rows from further checks."""

    def __init__(self, table: Table):
        self.table = table
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series, reasons) -> pd.Series:
        """Reject rows where ``mask``; returns the mask of rows still standing."""
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            idx = mask[mask].index
            reason = reasons[mask] if isinstance(reasons, pd.Series) else reasons
            self.parts.append(pd.DataFrame({"row_number": idx, "reason": reason}, index=idx))
        return ~mask

    def frame(self) -> pd.DataFrame:
        bad = pd.DataFrame(
            [(n, r, raw) for n, r, raw in self.table.bad_lines],
            columns=["row_number", "reason", "raw"],
        )
        if self.parts:
            found = pd.concat(self.parts)
            raw = self.table.frame.loc[found.index].astype("str").fillna("")
            found["raw"] = raw.agg(",".join, axis=1) if len(raw) else []
            bad = pd.concat([bad, found.reset_index(drop=True)], ignore_index=True)
        return bad.sort_values("row_number", kind="stable").reset_index(drop=True)


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.astype("str").fillna("").str.slice(0, 60) + "'"


def _dates(
    mapping: Mapping,
    frame: pd.DataFrame,
    name: str,
    tz: str,
    rejects: _Rejects,
    keep: pd.Series,
    required: bool,
    latest: pd.Timestamp | None,
    messages: list[str],
):
    """Parse a date field; reject unusable values (when required) and out-of-range ones."""
    raw = resolve(mapping, frame, name)
    if raw is None:
        return None, keep, None
    parsed = parse.parse_datetimes(raw, tz=tz)
    values = parsed.values
    label = name.replace("_", " ")
    blank = raw.isna()
    if required:
        keep &= rejects.add(keep & blank, f"no {label}")
        keep &= rejects.add(keep & values.isna(), f"unusable {label} " + _quoted(raw))
    else:
        unusable = keep & values.isna() & ~blank
        if unusable.any():
            keep &= rejects.add(unusable, f"unusable {label} " + _quoted(raw))
    too_old = values < pd.Timestamp("1900-01-01")
    keep &= rejects.add(keep & too_old, f"{label} before 1900 " + _quoted(raw))
    if latest is not None:
        keep &= rejects.add(keep & (values > latest), f"{label} in the future " + _quoted(raw))
    messages.append(f"{label}: read as {parsed.format}.")
    if parsed.precision == "month":
        messages.append(
            f"{label}: the dates give months only; each is stored as the 1st of its month, and weekdays "
            "and times of day are not known for this dataset."
        )
    if parsed.converted:
        messages.append(
            f"{label}: {parsed.converted:,} values carried a UTC offset and were converted to local time ({tz})."
        )
    return parsed, keep, raw


def _coordinates(
    mapping: Mapping, frame: pd.DataFrame, keep: pd.Series, crs: str | None, messages: list[str]
) -> tuple[pd.Series, pd.Series]:
    lat_raw = resolve(mapping, frame, "latitude")
    lon_raw = resolve(mapping, frame, "longitude")
    nan = pd.Series(np.nan, index=frame.index)
    lat = parse.parse_numbers(lat_raw) if lat_raw is not None else nan.copy()
    lon = parse.parse_numbers(lon_raw) if lon_raw is not None else nan.copy()
    x_raw, y_raw = resolve(mapping, frame, "x"), resolve(mapping, frame, "y")
    if x_raw is not None and y_raw is not None:
        x, y = parse.parse_numbers(x_raw), parse.parse_numbers(y_raw)
        need = keep & (lat.isna() | lon.isna()) & x.notna() & y.notna() & (x != 0) & (y != 0)
        if need.any():
            if crs:
                plat, plon = spatial.reproject_xy(x[need], y[need], crs)
                lat[need], lon[need] = plat, plon
                messages.append(f"{int(need.sum()):,} rows placed from projected X/Y ({crs}).")
            else:
                messages.append(
                    f"{int(need.sum()):,} rows have no latitude/longitude but have projected X/Y "
                    f"({mapping.choices['x'].describe()}, {mapping.choices['y'].describe()}); give their "
                    "coordinate system with --crs (e.g. --crs EPSG:2263) to place them on the map."
                )
    lat, lon, issue = parse.check_coordinates(lat, lon)
    for key, text in parse.COORD_ISSUES.items():
        rows = issue[keep & (issue == key)].index
        if len(rows):
            shown = ", ".join(str(r) for r in rows[:10]) + (" ..." if len(rows) > 10 else "")
            messages.append(f"{len(rows):,} rows: {text} (rows {shown}).")
    return lat, lon


def _text(mapping: Mapping, frame: pd.DataFrame, name: str) -> pd.Series | None:
    raw = resolve(mapping, frame, name)
    if raw is None:
        return None
    return raw.astype("str").str.strip().replace("", None)


def _attributes(frame: pd.DataFrame, mapping: Mapping, index: pd.Index) -> pd.Series:
    """Unmapped source columns of the kept rows, one JSON object per row."""
    extra = [c for c in frame.columns if c not in mapping.used_columns()]
    if not extra:
        return pd.Series("{}", index=index, dtype="str")
    lines = frame.loc[index, extra].to_json(orient="records", lines=True, date_format="iso")
    return pd.Series(lines.rstrip("\n").split("\n"), index=index, dtype="str")


def prepare(
    kind: str, table: Table, mapping: Mapping, tz: str, crs: str | None = None, now: pd.Timestamp | None = None
) -> Prepared:
    """Canonical rows for ``kind`` from ``table`` under ``mapping``."""
    now = now or pd.Timestamp.now()
    frame = table.frame
    handler = {
        "incidents": _incidents,
        "survey": _survey,
        "events": _events,
        "stations": _stations,
        "population": _population,
        "scores": _scores,
        "complaints": _complaints,
        "allegations": _allegations,
        "commendations": _commendations,
    }[kind]
    rejects = _Rejects(table)
    messages: list[str] = []
    rows, merged = handler(frame, mapping, rejects, messages, tz, crs, now)
    read = len(frame) + len(table.bad_lines)
    prepared = Prepared(kind, rows, rejects.frame(), messages, read, merged)
    prepared.date_precision = _stored_precision(kind, rows)
    return prepared


def _stored_precision(kind: str, rows: pd.DataFrame) -> str | None:
    """The precision of the kept rows' dates (month when recorded so, minute when most have a time)."""
    if kind != "incidents" or rows.empty:
        return None
    precision = rows.attrs.get("date_precision")
    if precision:
        return precision
    if "has_time" in rows and rows["has_time"].mean() > 0.5:
        return "minute"
    return "day"


def _key(mapping: Mapping, frame: pd.DataFrame, name: str, keep: pd.Series, rejects: _Rejects):
    """The id field normalised, or content hashes where the export has no id column."""
    raw = resolve(mapping, frame, name)
    if raw is None:
        return parse.content_keys(frame), keep
    keys = parse.normalize_codes(raw)
    keep &= rejects.add(keep & keys.isna(), f"no {name.replace('_', ' ')}")
    return keys, keep


def _incidents(frame, mapping, rejects, messages, tz, crs, now):
    keep = pd.Series(True, index=frame.index)
    keys, keep = _key(mapping, frame, "incident_id", keep, rejects)
    parsed, keep, _ = _dates(
        mapping, frame, "occurred_at", tz, rejects, keep, True, now + pd.Timedelta(days=1), messages
    )
    when, has_time = parsed.values, parsed.has_time
    month_only = parsed.precision == "month"
    time_raw = resolve(mapping, frame, "occurred_time")
    if time_raw is not None:
        times, how = parse.parse_times(time_raw)
        ok = times.notna()
        when = when.dt.normalize().where(~ok, when.dt.normalize() + times)
        has_time = ok | has_time
        messages.append(f"occurred time: read as {how}.")
        unusable = keep & ~ok & time_raw.notna()
        if unusable.any():
            messages.append(f"{int(unusable.sum()):,} rows have an unusable time; kept with the date only.")
    offense = _text(mapping, frame, "offense")
    count_raw = resolve(mapping, frame, "count")
    if count_raw is not None:
        counts = parse.parse_numbers(count_raw)
        if mapping.choices["count"].value is None:
            blank = count_raw.isna()
            keep &= rejects.add(keep & blank, "no count")
        bad = counts.isna() | (counts < 0) | (counts % 1 != 0)
        keep &= rejects.add(keep & bad, "count is not a whole number ≥ 0 " + _quoted(count_raw))
        counts = counts.where(~bad, 0).astype("int64")
        zero = keep & (counts == 0)
        if zero.any():
            messages.append(f"{int(zero.sum()):,} rows have a count of 0: kept, they add no incidents.")
    else:
        counts = pd.Series(1, index=frame.index, dtype="int64")
    missing = keep & offense.isna()
    if missing.any():
        messages.append(f"{int(missing.sum()):,} rows have no offense; kept as UNSPECIFIED.")
    lat, lon = _coordinates(mapping, frame, keep, crs, messages)
    area = _text(mapping, frame, "area")
    block = _text(mapping, frame, "block")
    rows = pd.DataFrame(
        {
            "incident_id": keys,
            "occurred_at": when,
            "has_time": has_time.astype(bool),
            "offense": offense.fillna("UNSPECIFIED").str.upper(),
            "latitude": lat,
            "longitude": lon,
            "area": parse.normalize_codes(area) if area is not None else None,
            "block": block.str.upper() if block is not None else None,
            "count": counts,
        },
        index=frame.index,
    )[keep]
    rows["attributes"] = _attributes(frame, mapping, rows.index)
    if month_only:
        rows.attrs["date_precision"] = "month"
    if count_raw is not None:
        messages.append(
            f"count: each row stands for that many incidents; {len(rows):,} rows hold "
            f"{int(rows['count'].sum()):,} incidents."
        )
    return _merge_same_id(rows, messages, counted=count_raw is not None)


def _merge_same_id(rows: pd.DataFrame, messages: list[str], counted: bool = False) -> tuple[pd.DataFrame, int]:
    """One incident per id: rows sharing an id (one per victim or offense) become one incident.

    Where the file has a count column, the merged row carries the sum of its rows' counts.
    """
    dup = rows["incident_id"].duplicated(keep=False)
    if not dup.any():
        rows["records"] = 1
        return rows, 0
    groups = rows[dup].groupby("incident_id", sort=False)
    sizes = groups.size()
    offenses = groups["offense"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    first = ~rows["incident_id"].duplicated(keep="first")
    merged = int((~first).sum())
    out = rows[first].copy()
    out["records"] = out["incident_id"].map(sizes).fillna(1).astype("int64")
    if counted:
        # Rows of one incident that each carry a count (offenses per row) add up.
        out["count"] = out["incident_id"].map(groups["count"].sum()).fillna(out["count"]).astype("int64")
    several = out["incident_id"].map(offenses)
    multi = several.notna() & several.str.contains("; ", regex=False).fillna(False).astype(bool)
    if multi.any():
        out.loc[multi, "attributes"] = [
            attrs[:-1] + ("," if attrs != "{}" else "") + f'"offenses":{_json(off)}}}'
            for attrs, off in zip(out.loc[multi, "attributes"], several[multi])
        ]
    messages.append(
        f"{merged:,} rows shared an incident id with an earlier row of this file (one row per victim "
        f"or per offense) and were merged into {len(sizes):,} incidents: each incident counts once; "
        "`records` keeps how many rows it had, and `offenses` lists differing offenses."
    )
    return out, merged


def _json(value: str) -> str:
    import json

    return json.dumps(value)


def _survey(frame, mapping, rejects, messages, tz, crs, now):
    keep = pd.Series(True, index=frame.index)
    keys, keep = _key(mapping, frame, "response_id", keep, rejects)
    parsed, keep, _ = _dates(
        mapping, frame, "responded_at", tz, rejects, keep, False, now + pd.Timedelta(days=1), messages
    )
    lat, lon = _coordinates(mapping, frame, keep, crs, messages)
    area = _text(mapping, frame, "area")
    weight_raw = resolve(mapping, frame, "weight")
    rows = pd.DataFrame(
        {
            "response_id": keys,
            "responded_at": parsed.values if parsed else pd.NaT,
            "latitude": lat,
            "longitude": lon,
            "area": parse.normalize_codes(area) if area is not None else None,
            "weight": parse.parse_numbers(weight_raw) if weight_raw is not None else np.nan,
        },
        index=frame.index,
    )[keep]
    rows["responded_at"] = rows["responded_at"].astype("datetime64[us]")
    rows["attributes"] = _attributes(frame, mapping, rows.index)
    return _first_per_key(rows, "response_id", messages, "response id")


def _first_per_key(rows, key, messages, label):
    dup = rows[key].duplicated(keep="first")
    if dup.any():
        messages.append(f"{int(dup.sum()):,} rows repeat the {label} of an earlier row; the first is kept.")
    return rows[~dup], int(dup.sum())


def _events(frame, mapping, rejects, messages, tz, crs, now):
    keep = pd.Series(True, index=frame.index)
    title = _text(mapping, frame, "title")
    keep &= rejects.add(keep & title.isna(), "no title")
    parsed, keep, _ = _dates(
        mapping, frame, "starts_at", tz, rejects, keep, True, now + pd.DateOffset(years=5), messages
    )
    ends = None
    if "ends_at" in mapping.choices:
        ends_raw = resolve(mapping, frame, "ends_at")
        ends = parse.parse_datetimes(ends_raw, tz=tz).values
        if parse.parse_times(ends_raw)[0].notna().mean() > 0.9 and ends.isna().mean() > 0.9:
            # An end given as a time of day only: on the start's date.
            ends = parsed.values.dt.normalize() + parse.parse_times(ends_raw)[0]
        backwards = keep & ends.notna() & (ends < parsed.values)
        if backwards.any():
            messages.append(f"{int(backwards.sum()):,} events end before they start; their end is dropped.")
            ends = ends.mask(backwards)
    lat, lon = _coordinates(mapping, frame, keep, crs, messages)
    area = _text(mapping, frame, "area")
    attendance_raw = resolve(mapping, frame, "attendance")
    attendance = parse.parse_numbers(attendance_raw) if attendance_raw is not None else None
    if attendance is not None:
        bad = keep & attendance.notna() & ((attendance < 0) | (attendance % 1 != 0))
        if bad.any():
            messages.append(f"{int(bad.sum()):,} rows have an attendance that is not a whole number ≥ 0; left blank.")
            attendance = attendance.mask(bad)
    id_raw = resolve(mapping, frame, "event_id")
    rows = pd.DataFrame(
        {
            "event_id": parse.normalize_codes(id_raw) if id_raw is not None else None,
            "title": title,
            "title_norm": parse.normalize_title(title),
            "event_type": _text(mapping, frame, "event_type"),
            "description": _text(mapping, frame, "description"),
            "starts_at": parsed.values,
            "ends_at": ends if ends is not None else pd.NaT,
            "area": parse.normalize_codes(area) if area is not None else None,
            "location": _text(mapping, frame, "location"),
            "latitude": lat,
            "longitude": lon,
            "attendance": attendance.astype("Int64") if attendance is not None else pd.NA,
        },
        index=frame.index,
    )[keep]
    rows["ends_at"] = rows["ends_at"].astype("datetime64[us]")
    rows["attendance"] = rows["attendance"].astype("Int64")
    content = parse.content_keys(frame.loc[rows.index])
    rows["event_id"] = rows["event_id"].fillna(content) if id_raw is not None else content
    rows["attributes"] = _attributes(frame, mapping, rows.index)
    if id_raw is not None:
        return _first_per_key(rows, "event_id", messages, "event id")
    dup = repeated_events(rows)
    if dup.any():
        messages.append(
            f"{int(dup.sum()):,} rows repeat an earlier event (same start, title and place); the first is kept."
        )
    apart = int(rows.loc[~dup, ["starts_at", "title_norm"]].astype("str").duplicated(keep=False).sum())
    if apart:
        messages.append(
            f"{apart:,} events share a start and title with another but not its place; kept as separate events."
        )
    return rows[~dup], int(dup.sum())


_ADDRESS_NUMBER = re.compile(r"\d{3,}")


def _place_text(value) -> str:
    return re.sub(r"[^0-9a-z]", "", str(value).lower()) if isinstance(value, str) else ""


def places_agree(a: dict, b: dict) -> bool:
    """Whether two events with one start and title are at one place.

    A side that lacks an area, a venue or a point does not disagree. Venues agree when they share a
    street number ("2255 E. 103rd St." and "District Station, 2255 E. 103rd Street"), or without
    numbers when one's letters contain the other's; points when within about 50 m.
    """
    if a.get("area") and b.get("area") and not pd.isna(a["area"]) and not pd.isna(b["area"]) and a["area"] != b["area"]:
        return False
    la, lb = a.get("location"), b.get("location")
    if isinstance(la, str) and isinstance(lb, str) and la.strip() and lb.strip():
        na, nb = set(_ADDRESS_NUMBER.findall(la)), set(_ADDRESS_NUMBER.findall(lb))
        if na and nb:
            if not na & nb:
                return False
        else:
            ta, tb = _place_text(la), _place_text(lb)
            if ta and tb and ta not in tb and tb not in ta:
                return False
    pa = (a.get("latitude"), a.get("longitude"))
    pb = (b.get("latitude"), b.get("longitude"))
    if all(v is not None and not pd.isna(v) for v in (*pa, *pb)):
        if abs(pa[0] - pb[0]) > 0.0005 or abs(pa[1] - pb[1]) > 0.0005:
            return False
    return True


_PLACE_COLUMNS = ["area", "location", "latitude", "longitude"]


def repeated_events(rows: pd.DataFrame, stored: pd.DataFrame | None = None) -> pd.Series:
    """Rows that repeat an event: one with the same start and title at the same place (:func:`places_agree`).

    Without ``stored``, an earlier row of ``rows`` itself; with it, a stored event.
    """
    out = pd.Series(False, index=rows.index)
    key = rows["starts_at"].astype("str") + "|" + rows["title_norm"].fillna("")
    if stored is None:
        groups = key[key.duplicated(keep=False)]
        for _, idx in groups.groupby(groups).groups.items():
            kept: list[dict] = []
            for i in idx:
                row = rows.loc[i, _PLACE_COLUMNS].to_dict()
                if any(places_agree(row, k) for k in kept):
                    out[i] = True
                else:
                    kept.append(row)
        return out
    if stored.empty:
        return out
    skey = stored["starts_at"].astype("str") + "|" + stored["title_norm"].fillna("")
    by_key: dict[str, list[dict]] = {}
    for k, rec in zip(skey, stored[_PLACE_COLUMNS].to_dict("records")):
        by_key.setdefault(k, []).append(rec)
    for i, k in key.items():
        if k in by_key:
            row = rows.loc[i, _PLACE_COLUMNS].to_dict()
            out[i] = any(places_agree(row, rec) for rec in by_key[k])
    return out


def _stations(frame, mapping, rejects, messages, tz, crs, now):
    keep = pd.Series(True, index=frame.index)
    name = _text(mapping, frame, "name")
    keep &= rejects.add(keep & name.isna(), "no station name")
    lat, lon = _coordinates(mapping, frame, keep, crs, messages)
    area = _text(mapping, frame, "area")
    rows = pd.DataFrame(
        {
            "station_id": parse.normalize_title(name),
            "name": name,
            "area": parse.normalize_codes(area) if area is not None else None,
            "address": _text(mapping, frame, "address"),
            "latitude": lat,
            "longitude": lon,
        },
        index=frame.index,
    )[keep]
    rows["attributes"] = _attributes(frame, mapping, rows.index)
    return _first_per_key(rows, "station_id", messages, "station name")


def _population(frame, mapping, rejects, messages, tz, crs, now):
    keep = pd.Series(True, index=frame.index)
    area = _text(mapping, frame, "area")
    keep &= rejects.add(keep & area.isna(), "no area code")
    pop_raw = resolve(mapping, frame, "population")
    pop = parse.parse_numbers(pop_raw)
    keep &= rejects.add(keep & (pop.isna() | (pop < 0)), "population is not a number ≥ 0 " + _quoted(pop_raw))
    dimension = _text(mapping, frame, "dimension")
    category = _text(mapping, frame, "category")
    rows = pd.DataFrame(
        {
            "area": parse.normalize_codes(area),
            "population": pop,
            "dimension": dimension.str.lower().fillna("total") if dimension is not None else "total",
            "category": category.fillna("total") if category is not None else "total",
        },
        index=frame.index,
    )[keep]
    key = rows[["area", "dimension", "category"]].astype("str")
    dup = key.duplicated(keep="first")
    if dup.any():
        messages.append(f"{int(dup.sum()):,} rows repeat an area and category; the first is kept.")
    return rows[~dup], int(dup.sum())


def _scores(frame, mapping, rejects, messages, tz, crs, now):
    keep = pd.Series(True, index=frame.index)
    start, keep, _ = _dates(mapping, frame, "period_start", tz, rejects, keep, True, None, messages)
    starts = start.values.dt.normalize()
    if "period_end" in mapping.choices:
        ends = parse.parse_datetimes(resolve(mapping, frame, "period_end"), tz=tz).values.dt.normalize()
    else:
        ends = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    month_end = (starts + pd.offsets.MonthEnd(0)).astype("datetime64[us]")
    ends = ends.fillna(month_end)
    keep &= rejects.add(keep & (ends < starts), "period ends before it starts")
    # Each row's level is the finest area column filled (CITY, AREA, DISTRICT, SECTOR ...).
    level = pd.Series("all", index=frame.index, dtype="str")
    area = pd.Series("ALL", index=frame.index, dtype="str")
    choice = mapping.choices.get("area")
    for col in choice.columns if choice else ():
        codes = parse.normalize_codes(frame[col])
        filled = codes.notna()
        level = level.mask(filled, _level_of(col))
        area = area.mask(filled, codes)
    n_raw = resolve(mapping, frame, "n")
    used = mapping.used_columns()
    measures = [
        c
        for c in frame.columns
        if c not in used
        and parse.parse_numbers(frame[c].dropna().head(500)).notna().mean() > 0.9
        and frame[c].notna().any()
    ]
    if not measures:
        raise InputError(
            "No score columns were found: a scores file needs numeric columns (one per measure) "
            "besides its period and area columns."
        )
    messages.append(f"{len(measures)} measures: {', '.join(measures[:8])}{' ...' if len(measures) > 8 else ''}.")
    base = pd.DataFrame(
        {
            "level": level,
            "area": area,
            "period_start": starts,
            "period_end": ends,
            "n": parse.parse_numbers(n_raw).round().astype("Int64") if n_raw is not None else pd.NA,
        },
        index=frame.index,
    )[keep]
    base["period_days"] = ((base["period_end"] - base["period_start"]).dt.days + 1).astype("int64")
    base["score_key"] = (
        base["level"]
        + "|"
        + base["area"]
        + "|"
        + base["period_start"].dt.strftime("%Y-%m-%d")
        + "|"
        + base["period_end"].dt.strftime("%Y-%m-%d")
    )
    values = frame.loc[base.index, measures].apply(parse.parse_numbers)
    # Only a row equal to an earlier one in every column is a duplicate: rows that differ in a
    # column that is neither area, period nor measure (an offense, a category) are distinct.
    exact = frame.loc[base.index].astype("str").duplicated(keep="first")
    conflict = base["score_key"].duplicated(keep="first") & ~exact
    if conflict.any():
        others = [c for c in frame.columns if c not in used and c not in measures]
        varying = [
            c for c in others if frame.loc[base.index, c].groupby(base["score_key"]).nunique(dropna=False).gt(1).any()
        ]
        if varying:
            raise InputError(
                f"{int(conflict.sum()):,} rows share an area and period with an earlier row and differ in "
                f"{', '.join(repr(c) for c in varying[:3])}: these are not scores per area and period but "
                "rows of another kind (counts per category, say). Load them as incidents, with their count "
                "column as count, or map an area column that tells them apart."
            )
    if exact.any():
        messages.append(f"{int(exact.sum()):,} rows are exact duplicates of an earlier row (every column); dropped.")
    if conflict.any():
        messages.append(f"{int(conflict.sum()):,} rows repeat an area and period with other values; the first is kept.")
    drop = exact | conflict
    base, values = base[~drop], values[~drop]
    long = values.stack().dropna().rename("value").reset_index(level=1).rename(columns={"level_1": "measure"})
    long = long.join(base)
    long.index.name = None
    return long, int(drop.sum())


def _level_of(column: str) -> str:
    from lib.ingest.mapping import header_key

    return header_key(column) or "area"


# -- complaints, allegations, commendations ------------------------------------

# Header words of columns that identify a person (an officer, a complainant, a witness): never kept
# in ``attributes``. A column mapped to ``officer`` or ``complainant`` is stored as a keyed hash instead.
# Whole words ("star", not "award_start_date"); the second set also as the start of a word ("officers").
_PERSONAL_WORDS = {
    "name",
    "star",
    "badge",
    "emp",
    "empno",
    "empid",
    "dob",
    "ssn",
    "phone",
    "email",
    "address",
    "street",
}
_PERSONAL_STEMS = ("officer", "complainant", "witness", "birth", "appoint", "employee", "payroll", "requester")


def personal_columns(frame: pd.DataFrame, mapping: Mapping) -> list[str]:
    """Unmapped columns whose header names a person's identity, which the accountability kinds drop.

    >>> from lib.ingest.mapping import Mapping
    >>> cols = ["cr_id", "Officer Last Name", "StarNo", "Emp No", "award_start_date", "beat"]
    >>> personal_columns(pd.DataFrame(columns=cols), Mapping("complaints"))
    ['Officer Last Name', 'StarNo', 'Emp No']
    """
    used = mapping.used_columns()

    def personal(column) -> bool:
        words = header_tokens(column)
        return bool(words & _PERSONAL_WORDS) or any(w.startswith(_PERSONAL_STEMS) for w in words)

    return [c for c in frame.columns if c not in used and personal(c)]


def _without_personal(frame: pd.DataFrame, mapping: Mapping, messages: list[str]) -> pd.DataFrame:
    dropped = personal_columns(frame, mapping)
    if dropped:
        messages.append(
            f"Columns that identify people were dropped, not stored: {', '.join(map(str, dropped))}. "
            "Map an officer or complainant id with --map officer=COLUMN (or complainant=) to count repeats "
            "by a keyed hash."
        )
    return frame.drop(columns=dropped)


def _hashed(mapping: Mapping, frame: pd.DataFrame, name: str, messages: list[str]) -> pd.Series | None:
    raw = resolve(mapping, frame, name)
    if raw is None:
        return None
    messages.append(f"{name}: from {mapping.choices[name].describe()}, stored as a keyed hash only.")
    return keys.hash_ids(raw, keys.secret_key())


def _complaints(frame, mapping, rejects, messages, tz, crs, now):
    frame = _without_personal(frame, mapping, messages)
    keep = pd.Series(True, index=frame.index)
    ids, keep = _key(mapping, frame, "complaint_id", keep, rejects)
    latest = now + pd.Timedelta(days=1)
    received, keep, _ = _dates(mapping, frame, "received_at", tz, rejects, keep, True, latest, messages)
    occurred, keep, _ = _dates(mapping, frame, "occurred_at", tz, rejects, keep, False, latest, messages)
    closed, keep, _ = _dates(mapping, frame, "closed_at", tz, rejects, keep, False, latest, messages)
    lat, lon = _coordinates(mapping, frame, keep, crs, messages)
    area = _text(mapping, frame, "area")
    closed_at = closed.values if closed else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    backwards = keep & closed_at.notna() & (closed_at < received.values.dt.normalize())
    if backwards.any():
        messages.append(
            f"{int(backwards.sum()):,} complaints close before they were received; their close date is dropped."
        )
        closed_at = closed_at.mask(backwards)
    rows = pd.DataFrame(
        {
            "complaint_id": ids,
            "received_at": received.values,
            "occurred_at": occurred.values if occurred else pd.NaT,
            "closed_at": closed_at,
            "category": _text(mapping, frame, "category"),
            "latitude": lat,
            "longitude": lon,
            "area": parse.normalize_codes(area) if area is not None else None,
            "complainant_key": _hashed(mapping, frame, "complainant", messages),
        },
        index=frame.index,
    )[keep]
    for col in ("received_at", "occurred_at", "closed_at"):
        rows[col] = rows[col].astype("datetime64[us]")
    rows["attributes"] = _attributes(frame, mapping, rows.index)
    return _first_per_key(rows, "complaint_id", messages, "complaint id")


def _allegations(frame, mapping, rejects, messages, tz, crs, now):
    frame = _without_personal(frame, mapping, messages)
    keep = pd.Series(True, index=frame.index)
    ids, keep = _key(mapping, frame, "complaint_id", keep, rejects)
    rows = pd.DataFrame(
        {
            "complaint_id": ids,
            "category": _text(mapping, frame, "category"),
            "recommended_finding": _text(mapping, frame, "recommended_finding"),
            "finding": _text(mapping, frame, "finding"),
            "discipline": _text(mapping, frame, "discipline"),
            "unit": _text(mapping, frame, "unit"),
            "officer_key": _hashed(mapping, frame, "officer", messages),
        },
        index=frame.index,
    )[keep]
    # Identical rows are separate allegations (two officers of one unit, identities removed): content
    # keys number identical rows, so each is kept and a reload adds nothing.
    rows["allegation_id"] = parse.content_keys(frame.loc[rows.index])
    return rows, 0


def _commendations(frame, mapping, rejects, messages, tz, crs, now):
    frame = _without_personal(frame, mapping, messages)
    keep = pd.Series(True, index=frame.index)
    ids, keep = _key(mapping, frame, "commendation_id", keep, rejects)
    award = _text(mapping, frame, "award_type")
    keep &= rejects.add(keep & award.isna(), "no award type")
    latest = now + pd.Timedelta(days=1)
    awarded, keep, _ = _dates(mapping, frame, "awarded_at", tz, rejects, keep, True, latest, messages)
    lat, lon = _coordinates(mapping, frame, keep, crs, messages)
    area = _text(mapping, frame, "area")
    status = _text(mapping, frame, "status")
    rows = pd.DataFrame(
        {
            "commendation_id": ids,
            "awarded_at": awarded.values,
            "award_type": award,
            "status": status.str.upper() if status is not None else None,
            "latitude": lat,
            "longitude": lon,
            "area": parse.normalize_codes(area) if area is not None else None,
            "officer_key": _hashed(mapping, frame, "officer", messages),
        },
        index=frame.index,
    )[keep]
    rows["awarded_at"] = rows["awarded_at"].astype("datetime64[us]")
    rows["attributes"] = _attributes(frame, mapping, rows.index)
    return _first_per_key(rows, "commendation_id", messages, "award id")
