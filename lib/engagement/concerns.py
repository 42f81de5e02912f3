"""Community concerns ("You said, we did"): what residents raised at a meeting, and what was done about it.

A concern is raised on a day, in an area (a code of a loaded boundary level), under a category, in the
words staff wrote down. Each change after that is an *update* in ``concern_updates``: a status
(:data:`STATUSES`) and the action taken, with its date and who recorded it; the concern row keeps the
latest status and its date so that lists need no join. "Not possible" needs the reason.

What is public: nothing, until an analyst approves a concern for publication (:func:`approve`),
optionally with a public wording. :func:`public_items` then gives its area, category, status, the month
it was raised, the date of its last update and that approved wording: never the words as raised, the
action notes, the meeting or any name. It is a list of items, not a count, so the small-count rules of
lib/public/privacy.py have nothing to hide in it.

The tables are made on the first write (:func:`lib.store.schema.create_tables`); a store without them
reads as one without concerns.

Worked example of days open (:func:`days_open`): raised 2024-03-01 and still open on 2024-03-31 is
30 days; raised 2024-03-01 and marked done on 2024-03-11 is 10 days, whatever the day it is read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pandas as pd

from lib.ingest import parse
from lib.store import schema

OPEN, IN_PROGRESS, DONE, NOT_POSSIBLE = "open", "in progress", "done", "not possible"
# Code -> label per language (the public page and the deck show the label).
STATUSES: dict[str, dict[str, str]] = {
    OPEN: {"en": "Open", "es": "Abierta"},
    IN_PROGRESS: {"en": "In progress", "es": "En curso"},
    DONE: {"en": "Done", "es": "Hecho"},
    NOT_POSSIBLE: {"en": "Not possible", "es": "No es posible"},
}
CLOSED = (DONE, NOT_POSSIBLE)

# The categories a concern is filed under: shown in public, so a fixed list (free text could name someone).
CATEGORIES: dict[str, dict[str, str]] = {
    "traffic": {"en": "Traffic and speeding", "es": "Tráfico y velocidad"},
    "parking": {"en": "Parking", "es": "Estacionamiento"},
    "drugs": {"en": "Drug activity", "es": "Drogas"},
    "violence": {"en": "Violence and guns", "es": "Violencia y armas"},
    "property": {"en": "Burglary, theft and vandalism", "es": "Robos y vandalismo"},
    "disorder": {"en": "Noise and disorder", "es": "Ruido y desorden"},
    "youth": {"en": "Youth", "es": "Jóvenes"},
    "environment": {"en": "Lighting and vacant buildings", "es": "Alumbrado y edificios vacíos"},
    "homelessness": {"en": "Homelessness", "es": "Personas sin hogar"},
    "police": {"en": "Police response and conduct", "es": "Respuesta y conducta policial"},
    "other": {"en": "Other", "es": "Otro"},
}
MAX_TEXT = 2000
TEXT_COLUMNS = ("text", "action", "public_text")


class ConcernError(ValueError):
    """A write that cannot be made; ``reasons`` lists every problem. Nothing was written."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def status_label(status: str, lang: str = "en") -> str:
    return STATUSES[status].get(lang, STATUSES[status]["en"])


def category_label(category: str, lang: str = "en") -> str:
    return CATEGORIES[category].get(lang, CATEGORIES[category]["en"])


def category_code(value) -> str | None:
    """The category a spreadsheet's cell names (its code, or its English or Spanish label, any case), or None.

    >>> [category_code(v) for v in ["traffic", "Traffic and speeding", "TRÁFICO Y VELOCIDAD", "speeding"]]
    ['traffic', 'traffic', 'traffic', None]
    """
    text = " ".join(str(value or "").split()).casefold()
    for code, labels in CATEGORIES.items():
        if text == code or text in {label.casefold() for label in labels.values()}:
            return code
    return None


def status_code(value) -> str | None:
    """The status a cell names (code or label, any case; ``in_progress`` too), or None.

    >>> [status_code(v) for v in ["Done", "in_progress", "No es posible", "closed"]]
    ['done', 'in progress', 'not possible', None]
    """
    text = " ".join(str(value or "").replace("_", " ").split()).casefold()
    for code, labels in STATUSES.items():
        if text == code or text in {label.casefold() for label in labels.values()}:
            return code
    return None


def days_open(raised_on, status: str, status_on, today) -> int:
    """Days from raising a concern to its closing (done or not possible), or to ``today`` while it is open."""
    end = status_on if status in CLOSED else today
    return int((pd.Timestamp(end).normalize() - pd.Timestamp(raised_on).normalize()).days)


@dataclass
class Concern:
    """What staff record when a concern is raised."""

    raised_on: dt.date | pd.Timestamp | str | None
    level: str | None
    area: str | None
    category: str | None
    text: str
    event_id: str | None = None


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (not isinstance(v, str) and pd.isna(v))


def _day(value) -> pd.Timestamp | None:
    if _blank(value):
        return None
    try:
        out = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(out) else out.normalize().tz_localize(None) if out.tzinfo else out.normalize()


def _today() -> pd.Timestamp:
    return pd.Timestamp.now().normalize()


def _now():
    return pd.Timestamp.now().floor("s").to_pydatetime()


def _area_known(store, level: str, area: str) -> bool:
    if "boundaries" not in store.tables():
        return False
    return bool(store.scalar("SELECT count(*) FROM boundaries WHERE level = :l AND code = :c", {"l": level, "c": area}))


def _check_date(value, what: str, today, after=None) -> tuple[pd.Timestamp | None, list[str]]:
    day = _day(value)
    if _blank(value):
        return None, [f"Give the date {what}."]
    if day is None:
        return None, [f"'{value}' is not a date (write it as 2024-03-15)."]
    if day < pd.Timestamp("1900-01-01"):
        return None, [f"The date {what} is before 1900: check the year."]
    if day > today:
        return None, [f"The date {what} ({day:%Y-%m-%d}) is in the future."]
    if after is not None and day < after:
        return None, [f"The date {what} ({day:%Y-%m-%d}) is before the concern was raised ({after:%Y-%m-%d})."]
    return day, []


def _check_concern(store, c: Concern, today) -> tuple[dict, list[tuple[str, str]]]:
    """The concern's stored values, and (column, reason) for every problem."""
    problems: list[tuple[str, str]] = []
    day, why = _check_date(c.raised_on, "it was raised", today)
    problems += [("raised_on", w) for w in why]
    area = parse.normalize_code(c.area)
    if _blank(c.level):
        problems.append(("level", "Choose the boundary level of the area (beat, district ...)."))
    elif area is None:
        problems.append(("area", "Say in which area the concern was raised."))
    elif not _area_known(store, c.level, area):
        problems.append(("area", f"There is no {c.level} '{area}' in the loaded boundaries."))
    category = category_code(c.category)
    if category is None:
        given = "" if _blank(c.category) else f"'{c.category}' is not a concern category. "
        problems.append(("category", f"{given}Use one of: {', '.join(CATEGORIES)}."))
    text = (c.text or "").strip() if isinstance(c.text, str) else ("" if _blank(c.text) else str(c.text).strip())
    if not text:
        problems.append(("text", "Write down the concern as it was raised."))
    elif len(text) > MAX_TEXT:
        problems.append(("text", f"Shorten the concern to {MAX_TEXT:,} characters or fewer."))
    values = {
        "raised_on": day,
        "level": None if _blank(c.level) else c.level,
        "area": area,
        "category": category,
        "text": text,
        "event_id": None if _blank(c.event_id) else str(c.event_id).strip(),
    }
    return values, problems


def _check_update(status, action, on, raised_on, today) -> tuple[tuple, list[tuple[str, str]]]:
    problems = []
    code = status_code(status)
    if code is None:
        problems.append(("status", f"'{status}' is not a status: use one of {', '.join(STATUSES)}."))
    action = "" if _blank(action) else str(action).strip()
    if code == NOT_POSSIBLE and not action:
        problems.append(("action", "Say why it is not possible."))
    if len(action) > MAX_TEXT:
        problems.append(("action", f"Shorten the action to {MAX_TEXT:,} characters or fewer."))
    day, why = _check_date(on, "of the update", today, after=raised_on)
    problems += [("updated_on", w) for w in why]
    return (code, action or None, day), problems


def _check_who(who: str) -> list[str]:
    return [] if who and str(who).strip() else ["Say who records it."]


def _next_update_id(store) -> int:
    return int(store.scalar("SELECT coalesce(max(update_id), 0) + 1 FROM concern_updates"))


def _insert_concern(store, concern_id: str, v: dict, who: str, source: str) -> None:
    store.execute(
        "INSERT INTO concerns (concern_id, raised_on, level, area, category, text, event_id, status, status_on, "
        "public_text, approved_by, approved_at, raised_by, source, created_at) VALUES (:id, :on, :lvl, :area, :cat, "
        ":text, :ev, :status, :on, NULL, NULL, NULL, :who, :src, :at)",
        {
            "id": concern_id,
            "on": v["raised_on"].date(),
            "lvl": v["level"],
            "area": v["area"],
            "cat": v["category"],
            "text": v["text"],
            "ev": v["event_id"],
            "status": OPEN,
            "who": who.strip(),
            "src": source,
            "at": _now(),
        },
    )
    _insert_update(store, concern_id, OPEN, None, v["raised_on"], who, "raised")


def _insert_update(store, concern_id: str, status, action, on, who: str, kind: str = "update") -> int:
    update_id = _next_update_id(store)
    store.execute(
        "INSERT INTO concern_updates (update_id, concern_id, kind, status, action, updated_on, recorded_by, "
        "recorded_at) VALUES (:id, :c, :kind, :status, :action, :on, :who, :at)",
        {
            "id": update_id,
            "c": concern_id,
            "kind": kind,
            "status": status,
            "action": action,
            "on": None if on is None else pd.Timestamp(on).date(),
            "who": who.strip(),
            "at": _now(),
        },
    )
    if kind in ("raised", "update"):
        store.execute(
            "UPDATE concerns SET status = :s, status_on = :on WHERE concern_id = :c",
            {"s": status, "on": pd.Timestamp(on).date(), "c": concern_id},
        )
    return update_id


def _new_id() -> str:
    return "concern-" + uuid.uuid4().hex[:10]


def raise_concern(store, concern: Concern, who: str, today=None) -> str:
    """Record a concern (status open); returns its id. Raises ConcernError, nothing written, when it fails a check."""
    today = _day(today) or _today()
    values, problems = _check_concern(store, concern, today)
    reasons = _check_who(who) + [why for _, why in problems]
    if reasons:
        raise ConcernError(reasons)
    concern_id = _new_id()
    with store.transaction():
        schema.create_tables(store)
        _insert_concern(store, concern_id, values, who, "form")
    return concern_id


def get(store, concern_id: str) -> dict | None:
    """The stored concern as a dict, or None."""
    if "concerns" not in store.tables():
        return None
    rows = store.query("SELECT * FROM concerns WHERE concern_id = :c", {"c": concern_id})
    return None if rows.empty else rows.iloc[0].to_dict()


def update(store, concern_id: str, status: str, action: str, on, who: str, today=None) -> int:
    """Record a status change or an action taken (its date ``on``); returns the update's id. ConcernError on a bad one."""
    today = _day(today) or _today()
    current = get(store, concern_id)
    if current is None:
        raise ConcernError([f"There is no concern {concern_id}."])
    values, problems = _check_update(status, action, on, pd.Timestamp(current["raised_on"]), today)
    reasons = _check_who(who) + [why for _, why in problems]
    code, action, day = values
    if not reasons and day < pd.Timestamp(current["status_on"]):
        reasons.append(
            f"The concern was last updated on {pd.Timestamp(current['status_on']):%Y-%m-%d}: "
            "an update cannot be dated before it."
        )
    if not reasons and code == current["status"] and not action:
        reasons.append("Nothing to record: choose another status or describe the action taken.")
    if reasons:
        raise ConcernError(reasons)
    with store.transaction():
        return _insert_update(store, concern_id, code, action, day, who)


def approve(store, concern_id: str, who: str, public_text: str = "") -> int:
    """An analyst's approval to publish the concern (category, status, dates), with ``public_text`` if given.

    ``public_text`` is the wording the analyst approves for the public, written fresh (the words as raised
    are never published). Approving again replaces it.
    """
    current = get(store, concern_id)
    reasons = _check_who(who)
    if current is None:
        reasons.append(f"There is no concern {concern_id}.")
    public_text = (public_text or "").strip()
    if len(public_text) > 300:
        reasons.append("Shorten the public wording to 300 characters or fewer.")
    if reasons:
        raise ConcernError(reasons)
    with store.transaction():
        store.execute(
            "UPDATE concerns SET approved_by = :who, approved_at = :at, public_text = :t WHERE concern_id = :c",
            {"who": who.strip(), "at": _now(), "t": public_text or None, "c": concern_id},
        )
        return _insert_update(store, concern_id, None, public_text or None, None, who, "approved")


def withdraw(store, concern_id: str, who: str) -> int:
    """Take a concern off the public page (its history stays)."""
    current = get(store, concern_id)
    reasons = _check_who(who) + ([] if current else [f"There is no concern {concern_id}."])
    if reasons:
        raise ConcernError(reasons)
    with store.transaction():
        store.execute(
            "UPDATE concerns SET approved_by = NULL, approved_at = NULL, public_text = NULL WHERE concern_id = :c",
            {"c": concern_id},
        )
        return _insert_update(store, concern_id, None, None, None, who, "withdrawn")


# -- staff lists ---------------------------------------------------------------------------------------

LIST_COLUMNS = [
    "concern_id",
    "raised_on",
    "level",
    "area",
    "category",
    "status",
    "status_on",
    "days_open",
    "text",
    "public",
]


def listing(store, today=None, open_only: bool = False) -> pd.DataFrame:
    """Concerns with their days open, longest open first; ``open_only``: open and in progress only."""
    today = _day(today) or _today()
    if "concerns" not in store.tables():
        return pd.DataFrame(columns=LIST_COLUMNS)
    where = f"WHERE status NOT IN ('{DONE}', '{NOT_POSSIBLE}')" if open_only else ""
    frame = store.query(
        "SELECT concern_id, raised_on, level, area, category, status, status_on, text, "
        f"approved_at IS NOT NULL AS public FROM concerns {where}"
    )
    if frame.empty:
        return pd.DataFrame(columns=LIST_COLUMNS)
    frame["raised_on"] = pd.to_datetime(frame["raised_on"]).dt.date
    frame["status_on"] = pd.to_datetime(frame["status_on"]).dt.date
    frame["days_open"] = [
        days_open(r, s, o, today) for r, s, o in zip(frame["raised_on"], frame["status"], frame["status_on"])
    ]
    frame["public"] = frame["public"].astype(bool)
    frame = frame.sort_values(["days_open", "raised_on", "concern_id"], ascending=[False, True, True])
    return frame[LIST_COLUMNS].reset_index(drop=True)


def history(store, concern_id: str | None = None) -> pd.DataFrame:
    """Every update (raised, status and actions, approvals), newest first."""
    cols = ["update_id", "concern_id", "kind", "status", "action", "updated_on", "recorded_by", "recorded_at"]
    if "concern_updates" not in store.tables():
        return pd.DataFrame(columns=cols)
    where, params = ("", {})
    if concern_id:
        where, params = ("WHERE concern_id = :c", {"c": concern_id})
    return store.query(f"SELECT {', '.join(cols)} FROM concern_updates {where} ORDER BY update_id DESC", params)


def version(store) -> int:
    """Newest update id: every write adds one, so caches of concerns are keyed on it."""
    if "concern_updates" not in store.tables():
        return 0
    return int(store.scalar("SELECT coalesce(max(update_id), 0) FROM concern_updates") or 0)


# -- CSV import ----------------------------------------------------------------------------------------

# Column of the file -> what it holds (header names any case; the synonyms on the right read the same).
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "raised_on": ("raised_on", "date", "raised", "date raised"),
    "area": ("area", "beat", "district"),
    "level": ("level", "area level"),
    "category": ("category",),
    "text": ("text", "concern", "description"),
    "status": ("status",),
    "updated_on": ("updated_on", "status date", "updated"),
    "action": ("action", "we did", "action taken"),
    "event_id": ("event_id", "meeting", "event"),
}
REQUIRED = ("raised_on", "area", "category", "text")


def _header_map(columns) -> tuple[dict[str, str], list[str]]:
    found: dict[str, str] = {}
    for col in columns:
        name = " ".join(str(col).replace("_", " ").split()).casefold()
        for field, names in IMPORT_COLUMNS.items():
            if name in {n.replace("_", " ") for n in names} and field not in found:
                found[field] = col
    missing = [f for f in REQUIRED if f not in found]
    return found, missing


def check_import(store, frame: pd.DataFrame, level: str | None = None, today=None) -> tuple[list[dict], list[str]]:
    """The rows of a concerns file as stored values, and every problem as "Row N, column 'c': why".

    Rows are numbered as a spreadsheet shows them (the header is row 1). ``level`` is the boundary level
    of every row's area, unless the file has a ``level`` column.
    """
    today = _day(today) or _today()
    found, missing = _header_map(frame.columns)
    if missing:
        return [], [
            f"The file has no column for {', '.join(missing)} (its columns: {', '.join(map(str, frame.columns))}). "
            f"Columns read: {', '.join(IMPORT_COLUMNS)}."
        ]
    if frame.empty:
        return [], ["The file has no rows of concerns."]
    rows, problems = [], []
    for i, raw in enumerate(frame.to_dict("records")):
        n = i + 2

        def cell(field, raw=raw):
            return raw.get(found[field]) if field in found else None

        row_level = cell("level") if not _blank(cell("level")) else level
        concern = Concern(cell("raised_on"), row_level, cell("area"), cell("category"), cell("text"), cell("event_id"))
        values, bad = _check_concern(store, concern, today)
        if _blank(row_level):
            bad = [("level", "No level for the area: give --level (or choose it) or add a level column.")] + [
                b for b in bad if b[0] != "level"
            ]
        status, action, on = OPEN, None, values["raised_on"]
        if not _blank(cell("status")) or not _blank(cell("action")):
            (status, action, on), more = _check_update(
                cell("status") if not _blank(cell("status")) else OPEN,
                cell("action"),
                cell("updated_on") if not _blank(cell("updated_on")) else cell("raised_on"),
                values["raised_on"],
                today,
            )
            bad += more
        for column, why in bad:
            col = found.get(column, column)
            problems.append(f"Row {n}, column '{col}': {why}")
        rows.append({**values, "status": status, "action": action, "updated_on": on})
    return rows, problems


def import_frame(store, frame: pd.DataFrame, who: str, source: str, level: str | None = None, today=None) -> int:
    """Add every concern of a file, or none: returns how many. ConcernError lists each bad row and column."""
    rows, problems = check_import(store, frame, level, today)
    problems = _check_who(who) + problems
    if problems:
        raise ConcernError(problems)
    with store.transaction():
        schema.create_tables(store)
        for values in rows:
            concern_id = _new_id()
            _insert_concern(store, concern_id, values, who, source)
            if values["status"] != OPEN or values["action"]:
                _insert_update(store, concern_id, values["status"], values["action"], values["updated_on"], who)
    return len(rows)


def import_file(store, path, who: str, level: str | None = None, today=None, source_name: str | None = None) -> int:
    """:func:`import_frame` on a file (CSV, Excel ... as lib.ingest.readers reads them)."""
    from lib.ingest.readers import read_table

    table = read_table(path, source_name)
    frame = table.frame.astype(object).where(table.frame.notna(), None)
    return import_frame(store, frame, who, f"import {table.source_name}", level, today)


# -- public --------------------------------------------------------------------------------------------

PUBLIC_COLUMNS = ["area", "category", "status", "raised", "updated", "public_text"]


def public_items(
    store, level: str | None, lang: str = "en", area: str | None = None, start=None, end=None
) -> pd.DataFrame:
    """Analyst-approved concerns only, as the public sees them: area, category, status, month raised, last update.

    ``area`` of ``level`` restricts them to that area and the finer areas inside it (a district's beats);
    ``level`` None: the whole city, each item under its own level's code. ``start``/``end`` keep those
    raised before ``end`` and still open at ``start`` or updated since (the deck's period). Open items
    first, then by latest update. Never the words as raised, actions, names or the meeting.
    """
    if "concerns" not in store.tables():
        return pd.DataFrame(columns=PUBLIC_COLUMNS)
    frame = store.query(
        "SELECT level, area, category, status, raised_on, status_on, public_text FROM concerns "
        "WHERE approved_at IS NOT NULL"
    )
    if level:
        frame = _at_level(store, frame, level)
        if area:
            frame = frame[frame["area"] == parse.normalize_code(area)]
    frame = frame.copy()
    frame["raised_on"] = pd.to_datetime(frame["raised_on"])
    frame["status_on"] = pd.to_datetime(frame["status_on"])
    if end is not None:
        frame = frame[frame["raised_on"] < pd.Timestamp(end)]
    if start is not None:
        frame = frame[(~frame["status"].isin(CLOSED)) | (frame["status_on"] >= pd.Timestamp(start))]
    if frame.empty:
        return pd.DataFrame(columns=PUBLIC_COLUMNS)
    frame["_open"] = frame["status"].isin(CLOSED)
    frame = frame.sort_values(["_open", "status_on", "category"], ascending=[True, False, True])
    out = pd.DataFrame(
        {
            "area": frame["area"].astype(str),
            "category": [category_label(c, lang) for c in frame["category"]],
            "status": [status_label(s, lang) for s in frame["status"]],
            "raised": frame["raised_on"].dt.strftime("%Y-%m"),
            "updated": frame["status_on"].dt.strftime("%Y-%m-%d"),
            "public_text": frame["public_text"].where(frame["public_text"].notna(), ""),
        }
    )
    return out.reset_index(drop=True)


def _at_level(store, frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Concerns with ``area`` as the code at ``level``: their own where it is their level, else their parent's."""
    same = frame[frame["level"] == level]
    other = frame[frame["level"] != level]
    if other.empty or "boundary_parents" not in store.tables():
        return same
    parents = store.query("SELECT level, code, parent_code FROM boundary_parents WHERE parent_level = :p", {"p": level})
    other = other.merge(parents, left_on=["level", "area"], right_on=["level", "code"])
    other = other.drop(columns=["area", "code"]).rename(columns={"parent_code": "area"})
    return pd.concat([same, other[same.columns]], ignore_index=True)
