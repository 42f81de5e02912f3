"""The staff event log: record, edit and remove engagement events, with a history of every change.

Events recorded by staff are stored in the same ``events`` table as imported
calendars, in the dataset ``Staff event log``, so every page counts them the
same way. Each write is one transaction: the event row, its sign-in sheet (if
any), the history row in ``event_edits`` and the dataset's load record land
together or not at all; an entry that fails a check is refused with every
reason and nothing is written.

The dataset has one load record (source ``event log form``), kept current:
its row count and period follow the log, and its id is renewed on every write
so that every page's cache, keyed by the newest load id, sees the change.

Only events of the staff log can be edited here; imported calendars are
corrected at their source and loaded again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, fields

import pandas as pd

from lib.engagement.attendance import SignIn
from lib.ingest import load as ingest
from lib.ingest import parse
from lib.store import schema
from lib.store.schema import level_column

DATASET = "Staff event log"
SOURCE = "event log form"
MAX_HOURS = 24
MAX_ATTENDANCE = 100_000
MAX_NOTES = 4000
FUTURE_YEARS = 2  # events may be logged ahead, for the upcoming-events list


@dataclass
class EventEntry:
    """What the form asks for. ``area_level`` + ``area`` or ``location`` (or both) say where."""

    event_type: str
    starts_at: pd.Timestamp | None
    ends_at: pd.Timestamp | None = None
    title: str = ""
    area_level: str | None = None
    area: str | None = None
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    attendance: int | None = None
    notes: str = ""

    def as_record(self) -> dict:
        """JSON-friendly values, as kept in the edit history."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, pd.Timestamp):
                v = None if pd.isna(v) else v.isoformat()
            elif v is not None and not isinstance(v, str) and pd.isna(v):
                v = None
            out[f.name] = v
        return out


class EventLogError(ValueError):
    """An entry that cannot be saved; ``reasons`` lists every problem, in the form's order."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (not isinstance(v, str) and pd.isna(v))


def validate(
    store, entry: EventEntry, types: list[str], now: pd.Timestamp | None = None, editing: str | None = None
) -> list[str]:
    """Every reason ``entry`` cannot be saved (empty when it can)."""
    now = now or pd.Timestamp.now()
    reasons = []
    if _blank(entry.event_type):
        reasons.append("Choose the type of event.")
    elif entry.event_type not in types:
        reasons.append(f"Type '{entry.event_type}' is not one of the event types ({', '.join(types)}).")
    if len(entry.title or "") > 200:
        reasons.append("Shorten the title to 200 characters or fewer.")
    start = entry.starts_at
    if _blank(start):
        reasons.append("Give the date and start time.")
    else:
        start = pd.Timestamp(start)
        if start < pd.Timestamp("1900-01-01"):
            reasons.append("The start date is before 1900: check the year.")
        if start > now + pd.DateOffset(years=FUTURE_YEARS):
            reasons.append(f"The start date is more than {FUTURE_YEARS} years ahead: check the year.")
        if not _blank(entry.ends_at):
            end = pd.Timestamp(entry.ends_at)
            if end <= start:
                reasons.append("The end time must be after the start time.")
            elif end - start > pd.Timedelta(hours=MAX_HOURS):
                reasons.append(f"The event lasts more than {MAX_HOURS} hours: log each day as its own event.")
    has_area = not _blank(entry.area)
    has_point = not _blank(entry.latitude) or not _blank(entry.longitude)
    if not has_area and not has_point and _blank(entry.location):
        reasons.append("Say where it was held: choose an area, or type the location.")
    if has_area:
        if _blank(entry.area_level):
            reasons.append("Choose the boundary level of the area (beat, district ...).")
        else:
            known = (
                store.scalar(
                    "SELECT count(*) FROM boundaries WHERE level = :l AND code = :c",
                    {"l": entry.area_level, "c": parse.normalize_code(entry.area)},
                )
                if "boundaries" in store.tables()
                else 0
            )
            if not known:
                reasons.append(f"There is no {entry.area_level} '{entry.area}' in the loaded boundaries.")
    if has_point:
        lat, lon = entry.latitude, entry.longitude
        if _blank(lat) or _blank(lon):
            reasons.append("Give both latitude and longitude, or neither.")
        elif not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
            reasons.append("Latitude must be within -90..90 and longitude within -180..180.")
    if not _blank(entry.attendance):
        value = entry.attendance
        if isinstance(value, str):
            value = pd.to_numeric(value.strip(), errors="coerce")
        if pd.isna(value) or float(value) != int(float(value)) or not 0 <= float(value) <= MAX_ATTENDANCE:
            reasons.append(f"Attendance must be a whole number from 0 to {MAX_ATTENDANCE:,} (or left blank).")
    if len(entry.notes or "") > MAX_NOTES:
        reasons.append(f"Shorten the notes to {MAX_NOTES:,} characters or fewer.")
    if not reasons and "events" in store.tables():
        same = store.query(
            "SELECT event_id FROM events WHERE dataset = :d AND starts_at = :s AND title_norm = :t "
            "AND coalesce(area, '') = :a AND event_id <> :me",
            {
                "d": DATASET,
                "s": pd.Timestamp(start).to_pydatetime(),
                "t": _title_norm(_title(entry)),
                "a": parse.normalize_code(entry.area) or "",
                "me": editing or "",
            },
        )
        if len(same):
            reasons.append(f"This event is already in the log ({same['event_id'].iloc[0]}): edit it instead.")
    return reasons


def _title(entry: EventEntry) -> str:
    if not _blank(entry.title):
        return entry.title.strip()
    where = f" - {entry.area_level} {parse.normalize_code(entry.area)}" if not _blank(entry.area) else ""
    return f"{entry.event_type}{where}"


def _title_norm(title: str) -> str:
    return parse.normalize_title(pd.Series([title])).iloc[0]


def _row(store, entry: EventEntry, event_id: str) -> pd.DataFrame:
    """The events-table row for an entry, with its H3 cells and boundary codes."""
    title = _title(entry)
    lat = None if _blank(entry.latitude) else float(entry.latitude)
    lon = None if _blank(entry.longitude) else float(entry.longitude)
    area = None if _blank(entry.area) else parse.normalize_code(entry.area)
    attendance = None if _blank(entry.attendance) else int(float(entry.attendance))
    row = pd.DataFrame(
        [
            {
                "event_id": event_id,
                "title": title,
                "title_norm": _title_norm(title),
                "event_type": entry.event_type,
                "description": entry.notes.strip() or None,
                "starts_at": pd.Timestamp(entry.starts_at),
                "ends_at": pd.Timestamp(entry.ends_at) if not _blank(entry.ends_at) else pd.NaT,
                "area": area,
                "location": entry.location.strip() or None,
                "latitude": lat if lat is not None else float("nan"),
                "longitude": lon if lon is not None else float("nan"),
                "attendance": attendance,
                "dataset": DATASET,
                # Whether staff typed the title: a title made from type and area follows later edits of either.
                "attributes": json.dumps(
                    {"area_level": entry.area_level if area else None, "title_given": not _blank(entry.title)}
                ),
            }
        ]
    )
    row["starts_at"] = row["starts_at"].astype("datetime64[us]")
    row["ends_at"] = row["ends_at"].astype("datetime64[us]")
    # Points take their areas from the layers; the chosen area is set below, not guessed from its code.
    row["area"] = None
    row, _ = ingest.enrich(store, row)
    row["area"] = area
    if area and entry.area_level:
        # The chosen area is authoritative at its level; coarser levels follow the nesting.
        row[level_column(entry.area_level)] = area
        parents = (
            store.query(
                "SELECT parent_level, parent_code FROM boundary_parents WHERE level = :l AND code = :c",
                {"l": entry.area_level, "c": area},
            )
            if "boundary_parents" in store.tables()
            else pd.DataFrame()
        )
        for p in parents.itertuples():
            row[level_column(p.parent_level)] = p.parent_code
    return row


def _write_row(store, row: pd.DataFrame, load_id: int) -> None:
    types = schema.table_columns(schema.KINDS["events"])
    for column in store.columns("events"):
        if column.startswith("lvl_"):
            types[column] = "text"
    row = row.copy()
    row["load_id"] = load_id
    for column in types:
        if column not in row:
            row[column] = None
    store.stage("staged_event", row, types)
    cols = ", ".join(f'"{c}"' for c in types)
    store.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM staged_event")
    store.drop_stage("staged_event")


def _renew_load(store) -> int:
    """Give the log's load record a new id (creating it the first time) and return it."""
    if store.engine == "postgresql":
        store.execute("SELECT pg_advisory_xact_lock(7321)")  # as ingest: one writer of load ids at a time
    new_id = int(store.scalar("SELECT coalesce(max(load_id), 0) + 1 FROM loads"))
    old = store.scalar(
        "SELECT load_id FROM loads WHERE kind = 'events' AND dataset = :d AND source_name = :s",
        {"d": DATASET, "s": SOURCE},
    )
    if old is None:
        store.execute(
            "INSERT INTO loads (load_id, kind, dataset, source_name, file_hash, loaded_at, rows_read, rows_loaded, "
            "rows_rejected, rows_not_geocoded, rows_merged, rows_duplicate, area_level, mapping, messages, synthetic) "
            "VALUES (:id, 'events', :d, :s, '', :at, 0, 0, 0, 0, 0, 0, NULL, '{}', '[]', FALSE)",
            {"id": new_id, "d": DATASET, "s": SOURCE, "at": _now()},
        )
    else:
        store.execute("UPDATE loads SET load_id = :new WHERE load_id = :old", {"new": new_id, "old": int(old)})
        store.execute("UPDATE events SET load_id = :new WHERE load_id = :old", {"new": new_id, "old": int(old)})
    return new_id


def _refresh_load(store, load_id: int) -> None:
    n, lo, hi, nogeo = store.rows(
        "SELECT count(*), min(starts_at), max(starts_at), count(*) FILTER (WHERE latitude IS NULL) "
        "FROM events WHERE load_id = :id",
        {"id": load_id},
    )[0]
    store.execute(
        "UPDATE loads SET rows_read = :n, rows_loaded = :n, rows_not_geocoded = :g, period_start = :lo, "
        "period_end = :hi, loaded_at = :at WHERE load_id = :id",
        {"n": int(n), "g": int(nogeo), "lo": lo, "hi": hi, "at": _now(), "id": load_id},
    )


def _now():
    return pd.Timestamp.now().floor("s").to_pydatetime()


def _history(store, event_id: str, editor: str, action: str, old: dict | None, new: dict | None, reason: str) -> int:
    edit_id = int(store.scalar("SELECT coalesce(max(edit_id), 0) + 1 FROM event_edits"))
    store.execute(
        "INSERT INTO event_edits (edit_id, dataset, event_id, edited_at, editor, action, changes, old_values, "
        "new_values, reason) VALUES (:id, :d, :e, :at, :who, :action, :changes, :old, :new, :reason)",
        {
            "id": edit_id,
            "d": DATASET,
            "e": event_id,
            "at": _now(),
            "who": editor.strip(),
            "action": action,
            "changes": describe_changes(old, new),
            "old": json.dumps(old) if old else None,
            "new": json.dumps(new) if new else None,
            "reason": (reason or "").strip() or None,
        },
    )
    return edit_id


def describe_changes(old: dict | None, new: dict | None) -> str:
    """The changed fields in words.

    >>> describe_changes({"attendance": 20, "notes": ""}, {"attendance": 25, "notes": ""})
    'attendance: 20 -> 25'
    """
    if old is None:
        return "created"
    if new is None:
        return "removed"
    parts = [f"{k}: {_show(old.get(k))} -> {_show(new.get(k))}" for k in new if old.get(k) != new.get(k)]
    return "; ".join(parts) or "no change"


def _show(v) -> str:
    return "(blank)" if v in (None, "") else str(v)


def _check_editor(editor: str) -> list[str]:
    return [] if editor and editor.strip() else ["Give your name (recorded by), for the edit history."]


def _attendance_from_sheet(entry: EventEntry, sheet: SignIn | None) -> EventEntry:
    if sheet is not None and _blank(entry.attendance):
        return EventEntry(**{**asdict(entry), "attendance": sheet.attendees})
    return entry


def _write_sheet(store, event_id: str, sheet: SignIn, edit_id: int) -> None:
    store.execute("DELETE FROM event_attendees WHERE dataset = :d AND event_id = :e", {"d": DATASET, "e": event_id})
    rows = sheet.rows.assign(dataset=DATASET, event_id=event_id, edit_id=edit_id)
    types = dict(schema.SYSTEM_TABLES["event_attendees"])
    store.stage("staged_attendees", rows[list(types)], types)
    store.execute("INSERT INTO event_attendees SELECT * FROM staged_attendees")
    store.drop_stage("staged_attendees")


def record(store, entry: EventEntry, editor: str, types: list[str], sheet: SignIn | None = None) -> str:
    """Save a new event; returns its id. Raises EventLogError (nothing written) when it fails a check."""
    entry = _attendance_from_sheet(entry, sheet)
    reasons = _check_editor(editor) + validate(store, entry, types)
    if reasons:
        raise EventLogError(reasons)
    event_id = "log-" + uuid.uuid4().hex[:12]
    with store.transaction():
        schema.create_tables(store)
        row = _row(store, entry, event_id)
        load_id = _renew_load(store)
        _write_row(store, row, load_id)
        edit_id = _history(store, event_id, editor, "created", None, entry.as_record(), "")
        if sheet is not None:
            _write_sheet(store, event_id, sheet, edit_id)
        _refresh_load(store, load_id)
    return event_id


def edit(
    store,
    event_id: str,
    entry: EventEntry,
    editor: str,
    types: list[str],
    reason: str = "",
    sheet: SignIn | None = None,
) -> int:
    """Change a logged event; returns the history row's id. Raises EventLogError (nothing written)."""
    before = get(store, event_id)
    if before is None:
        raise EventLogError([f"There is no event {event_id} in the staff event log."])
    reasons = _check_editor(editor) + validate(store, entry, types, editing=event_id)
    if reasons:
        raise EventLogError(reasons)
    if before.as_record() == entry.as_record() and sheet is None:
        raise EventLogError(["Nothing was changed."])
    with store.transaction():
        schema.create_tables(store)
        row = _row(store, entry, event_id)
        load_id = _renew_load(store)
        store.execute("DELETE FROM events WHERE dataset = :d AND event_id = :e", {"d": DATASET, "e": event_id})
        _write_row(store, row, load_id)
        new = entry.as_record()
        edit_id = _history(store, event_id, editor, "edited", before.as_record(), new, reason)
        if sheet is not None:
            _write_sheet(store, event_id, sheet, edit_id)
        _refresh_load(store, load_id)
    return edit_id


def remove(store, event_id: str, editor: str, reason: str) -> int:
    """Take a logged event out of every count (its history stays). Needs a reason."""
    before = get(store, event_id)
    reasons = _check_editor(editor)
    if before is None:
        reasons.append(f"There is no event {event_id} in the staff event log.")
    if not (reason or "").strip():
        reasons.append("Say why the event is removed.")
    if reasons:
        raise EventLogError(reasons)
    with store.transaction():
        load_id = _renew_load(store)
        store.execute("DELETE FROM events WHERE dataset = :d AND event_id = :e", {"d": DATASET, "e": event_id})
        store.execute("DELETE FROM event_attendees WHERE dataset = :d AND event_id = :e", {"d": DATASET, "e": event_id})
        edit_id = _history(store, event_id, editor, "removed", before.as_record(), None, reason)
        _refresh_load(store, load_id)
    return edit_id


def get(store, event_id: str) -> EventEntry | None:
    """The entry of a logged event as the form shows it, or None."""
    if "events" not in store.tables():
        return None
    rows = store.query("SELECT * FROM events WHERE dataset = :d AND event_id = :e", {"d": DATASET, "e": event_id})
    if rows.empty:
        return None
    r = rows.iloc[0]
    attrs = json.loads(r["attributes"] or "{}")

    def val(v):
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v

    return EventEntry(
        event_type=r["event_type"],
        starts_at=pd.Timestamp(r["starts_at"]),
        ends_at=pd.Timestamp(r["ends_at"]) if val(r["ends_at"]) is not None else None,
        title=r["title"] if attrs.get("title_given", True) else "",
        area_level=attrs.get("area_level"),
        area=val(r["area"]),
        location=val(r["location"]) or "",
        latitude=val(r["latitude"]),
        longitude=val(r["longitude"]),
        attendance=int(r["attendance"]) if val(r["attendance"]) is not None else None,
        notes=val(r["description"]) or "",
    )


def logged(store) -> pd.DataFrame:
    """Events of the staff log, newest first, with how often each was edited."""
    cols = ["event_id", "starts_at", "event_type", "title", "area", "location", "attendance", "edits"]
    if "events" not in store.tables() or "event_edits" not in store.tables():
        return pd.DataFrame(columns=cols)
    return store.query(
        "SELECT e.event_id, e.starts_at, e.event_type, e.title, e.area, e.location, e.attendance, "
        "(SELECT count(*) FROM event_edits h WHERE h.dataset = e.dataset AND h.event_id = e.event_id) AS edits "
        "FROM events e WHERE e.dataset = :d ORDER BY e.starts_at DESC",
        {"d": DATASET},
    )


def history(store, event_id: str | None = None) -> pd.DataFrame:
    """The edit history (newest first), of one event or of the whole log."""
    cols = ["edit_id", "event_id", "edited_at", "editor", "action", "changes", "reason"]
    if "event_edits" not in store.tables():
        return pd.DataFrame(columns=cols)
    where, params = ("WHERE dataset = :d", {"d": DATASET})
    if event_id:
        where += " AND event_id = :e"
        params["e"] = event_id
    return store.query(f"SELECT {', '.join(cols)} FROM event_edits {where} ORDER BY edit_id DESC", params)


def version(store) -> int:
    """Newest edit id: with the load id, what the pages' caches of the log are keyed on."""
    if "event_edits" not in store.tables():
        return 0
    return int(store.scalar("SELECT coalesce(max(edit_id), 0) FROM event_edits") or 0)
