"""Canonical schemas: what each kind of data becomes in the store, whatever its source shape.

A *field* is what the ingest maps a source column onto (``occurred_at``,
``offense``, ...). A *table* is what is stored: the mapped fields, the
enrichment added at load time, and bookkeeping. The "Data kinds" table
of docs/data.md is written from ``KINDS``; a test keeps the two in step.

Enrichment columns:

- ``h3_7`` ... ``h3_10``: the H3 cell (hex string) containing the point, one per
  resolution in ``constants.H3_RESOLUTIONS``, so hexagon maps are a GROUP BY;
- ``lvl_<level>``: the code of the area of boundary level ``<level>`` (beat,
  district, ...) that contains the point, added when the layer is loaded;
- ``attributes``: every source column not mapped to a field, as a JSON object.

Incidents carry ``count``, how many incidents the row stands for (1 for a listing of incidents, the
published number for an export of counts per category, day and area). Every incident total is
``incident_total()``, the sum of ``count``, never ``count(*)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lib.constants import H3_RESOLUTIONS


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # neutral type: text, double, int, timestamp, date
    required: bool
    help: str


@dataclass(frozen=True)
class Kind:
    name: str
    table: str | None
    help: str
    fields: tuple[Field, ...]
    # Stored columns beyond the mapped fields, with neutral types.
    extra: tuple[tuple[str, str], ...] = ()
    # Points get H3 cells and boundary codes.
    geocoded: bool = False

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


_POINT = (
    Field("latitude", "double", False, "WGS84 latitude in degrees."),
    Field("longitude", "double", False, "WGS84 longitude in degrees."),
    Field("x", "double", False, "Projected easting, used where latitude/longitude are missing; needs --crs."),
    Field("y", "double", False, "Projected northing, used where latitude/longitude are missing; needs --crs."),
)
_BOOK = (("dataset", "text"), ("load_id", "int"), ("attributes", "text"))
_CELLS = tuple((f"h3_{r}", "text") for r in H3_RESOLUTIONS)

KINDS: dict[str, Kind] = {
    "incidents": Kind(
        "incidents",
        "incidents",
        "Crime reports from the records system: one row per incident.",
        (
            Field("incident_id", "text", False, "The report's id. Without one, a hash of the row's content stands in."),
            Field(
                "occurred_at",
                "timestamp",
                True,
                "When it happened: date and time, or the date alone when `occurred_time` names the time column.",
            ),
            Field(
                "occurred_time",
                "text",
                False,
                'Time of day, where the export splits date and time ("21:30", "0930", or an hour 0-23).',
            ),
            Field("offense", "text", True, "Offense type as the records system names it."),
            *_POINT,
            Field("area", "text", False, "Beat, sector, precinct or district code, when the export has one."),
            Field("block", "text", False, 'Hundred-block address text ("024XX W MAIN ST").'),
            Field(
                "count",
                "int",
                False,
                "How many incidents the row stands for (an export of counts per day, category and area); 1 without.",
            ),
        ),
        extra=(("has_time", "bool"), ("records", "int"), *_BOOK, *_CELLS),
        geocoded=True,
    ),
    "survey": Kind(
        "survey",
        "survey_responses",
        "Community survey responses: one row per respondent; item answers and demographics "
        "are kept in `attributes` and read through a survey definition.",
        (
            Field("response_id", "text", False, "Respondent id; a content hash stands in without one."),
            Field("responded_at", "timestamp", False, "Date of the response (or the survey wave)."),
            *_POINT,
            Field("area", "text", False, "Area code of the respondent's home, when given."),
            Field("weight", "double", False, "A weight supplied by the survey vendor, if any."),
        ),
        extra=(*_BOOK, *_CELLS),
        geocoded=True,
    ),
    "scores": Kind(
        "scores",
        "survey_scores",
        "Published scores per area and period (e.g. Police Sentiment Scores), stored long: "
        "one row per area, period and measure. Every numeric column that is not a mapped field "
        "is a measure.",
        (
            Field("period_start", "date", True, "First day of the period the score covers."),
            Field("period_end", "date", False, "Last day of the period (a month when missing)."),
            Field(
                "area",
                "text",
                False,
                "Area columns, coarse to fine, comma separated (CITY,DISTRICT,SECTOR): "
                "each row's level is the finest one filled.",
            ),
            Field("n", "int", False, "Number of respondents behind the score, when published."),
        ),
        extra=(
            ("score_key", "text"),
            ("level", "text"),
            ("period_days", "int"),
            ("measure", "text"),
            ("value", "double"),
            ("dataset", "text"),
            ("load_id", "int"),
        ),
    ),
    "events": Kind(
        "events",
        "events",
        "Community engagement events: beat meetings, Coffee with a Cop, youth programmes, town halls.",
        (
            Field("event_id", "text", False, "The calendar's id for the event, if any."),
            Field("title", "text", True, "Event title as published."),
            Field("event_type", "text", False, "Type, if the export has one (otherwise derived from the title)."),
            Field("description", "text", False, "Longer text about the event."),
            Field("starts_at", "timestamp", True, "Start date and time."),
            Field("ends_at", "timestamp", False, "End date and time."),
            Field("area", "text", False, "Beat or district code where it was held."),
            Field("location", "text", False, "Venue and address text."),
            *_POINT,
            Field("attendance", "int", False, "Number of attendees, where recorded."),
        ),
        extra=(("title_norm", "text"), *_BOOK, *_CELLS),
        geocoded=True,
    ),
    "stations": Kind(
        "stations",
        "stations",
        "Police stations and other facilities shown on maps.",
        (
            Field("name", "text", True, "Station name."),
            Field("area", "text", False, "District the station serves."),
            Field("address", "text", False, "Street address."),
            *_POINT,
        ),
        extra=(("station_id", "text"), *_BOOK),
        geocoded=True,
    ),
    "population": Kind(
        "population",
        "population",
        "Residents per area, for rates and survey weighting; optionally broken down by a "
        "demographic dimension (age, sex, race) into categories.",
        (
            Field(
                "area", "text", True, "Area code (its level is found by matching the loaded boundaries, or --level)."
            ),
            Field("population", "double", True, "Number of residents."),
            Field(
                "dimension", "text", False, "Demographic dimension of a margin (age, sex, race); total when missing."
            ),
            Field("category", "text", False, "Category within the dimension (18-34, Female, ...)."),
        ),
        extra=(("level", "text"), ("dataset", "text"), ("load_id", "int")),
    ),
    "complaints": Kind(
        "complaints",
        "complaints",
        "Complaints against officers: one row per complaint (allegations in a second file, kind "
        "`allegations`, linked by complaint id). Officer and complainant ids are stored only as keyed "
        "hashes; names and star numbers are dropped (docs/accountability.md).",
        (
            Field("complaint_id", "text", False, "The complaint's number. Without one, a hash of the row's content."),
            Field("received_at", "timestamp", True, "When the complaint was received."),
            Field("occurred_at", "timestamp", False, "When the incident complained of happened."),
            Field("closed_at", "timestamp", False, "When the investigation closed; empty while it is open."),
            Field("category", "text", False, "Complaint category, where the complaint file has one."),
            *_POINT,
            Field("area", "text", False, "Beat or district code of the incident."),
            Field("complainant", "text", False, "Complainant id or name: stored only as a keyed hash."),
        ),
        extra=(("complainant_key", "text"), *_BOOK, *_CELLS),
        geocoded=True,
    ),
    "allegations": Kind(
        "allegations",
        "allegations",
        "Allegations of complaints: one row per accused officer and allegation, linked to `complaints` "
        "by complaint id; identical rows are distinct allegations (officer identities removed).",
        (
            Field("complaint_id", "text", True, "The complaint's number, as in the complaints file."),
            Field("category", "text", False, 'Allegation category ("10U-INADEQUATE/FAILURE TO PROVIDE SERVICE").'),
            Field("recommended_finding", "text", False, "The investigator's recommended finding (code or words)."),
            Field("finding", "text", False, "The final finding (SU sustained, NS not sustained, UN unfounded ...)."),
            Field("discipline", "text", False, "The final discipline, where recorded."),
            Field("unit", "text", False, "The accused officer's unit."),
            Field("officer", "text", False, "Officer id, star or name: stored only as a keyed hash."),
        ),
        extra=(("allegation_id", "text"), ("officer_key", "text"), ("dataset", "text"), ("load_id", "int")),
    ),
    "commendations": Kind(
        "commendations",
        "commendations",
        "Awards and commendations of officers: one row per award; counted where the status is final (or not given).",
        (
            Field("commendation_id", "text", False, "The award's id. Without one, a hash of the row's content."),
            Field("awarded_at", "timestamp", True, "When it was awarded (or requested, where that is all there is)."),
            Field("award_type", "text", True, "Award or commendation type as the department names it."),
            Field("status", "text", False, "Status of the request (FINAL, PENDING, DENIED ...)."),
            *_POINT,
            Field("area", "text", False, "Beat or district code, where the export has one."),
            Field("officer", "text", False, "Officer id, star or name: stored only as a keyed hash."),
        ),
        extra=(("officer_key", "text"), *_BOOK, *_CELLS),
        geocoded=True,
    ),
    "boundaries": Kind(
        "boundaries",
        "boundaries",
        "Polygon layers (beats, sectors, districts ...), one level per load (--level).",
        (
            Field("code", "text", True, "Property holding each area's code (joins the data's area codes)."),
            Field("name", "text", False, "Property holding a display name; the code when missing."),
        ),
    ),
}

# Tables that are not a kind of source data.
SYSTEM_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "boundaries": (
        ("level", "text"),
        ("code", "text"),
        ("name", "text"),
        ("geometry", "text"),
        ("geometry_simple", "text"),
        ("area_km2", "double"),
        ("centroid_lat", "double"),
        ("centroid_lon", "double"),
        ("properties", "text"),
        ("load_id", "int"),
    ),
    "boundary_parents": (
        ("level", "text"),
        ("code", "text"),
        ("parent_level", "text"),
        ("parent_code", "text"),
    ),
    "loads": (
        ("load_id", "int"),
        ("kind", "text"),
        ("dataset", "text"),
        ("source_name", "text"),
        ("file_hash", "text"),
        ("loaded_at", "timestamp"),
        ("rows_read", "int"),
        ("rows_loaded", "int"),
        ("rows_rejected", "int"),
        ("rows_not_geocoded", "int"),
        ("rows_merged", "int"),
        ("rows_duplicate", "int"),
        ("period_start", "timestamp"),
        ("period_end", "timestamp"),
        ("area_level", "text"),
        ("mapping", "text"),
        ("messages", "text"),
        ("synthetic", "bool"),
        # incidents: "minute", "day" or "month", what the load's dates tell (NULL for stores before it)
        ("date_precision", "text"),
        # the removal record (kind "removal") that took this load's rows out of the store, if any
        ("removed_by", "int"),
        # the name a person knows the source by ("City of Chicago, Crimes - 2001 to Present"), when the
        # load gave one (`load --title`); public text otherwise derives one from source_name
        ("source_title", "text"),
    ),
    "rejects": (("load_id", "int"), ("row_number", "int"), ("reason", "text"), ("raw", "text")),
    "documents": (("name", "text"), ("body", "text"), ("updated_at", "timestamp")),
    # Staff event log (lib/engagement/log.py): every creation, edit and removal of a logged event.
    "event_edits": (
        ("edit_id", "int"),
        ("dataset", "text"),
        ("event_id", "text"),
        ("edited_at", "timestamp"),
        ("editor", "text"),
        ("action", "text"),
        ("changes", "text"),
        ("old_values", "text"),
        ("new_values", "text"),
        ("reason", "text"),
    ),
    # Sign-in sheets (lib/engagement/attendance.py): one row per attendee per event, the id hashed (HMAC-SHA256).
    "event_attendees": (
        ("dataset", "text"),
        ("event_id", "text"),
        ("attendee_hash", "text"),
        ("attributes", "text"),
        ("edit_id", "int"),
    ),
    # Community concerns (lib/engagement/concerns.py): one row per concern, with its latest status; public only
    # once an analyst approved it (approved_at), and then only its category, status, dates and public_text.
    "concerns": (
        ("concern_id", "text"),
        ("raised_on", "date"),
        ("level", "text"),
        ("area", "text"),
        ("category", "text"),
        ("text", "text"),
        ("event_id", "text"),
        ("status", "text"),
        ("status_on", "date"),
        ("public_text", "text"),
        ("approved_by", "text"),
        ("approved_at", "timestamp"),
        ("raised_by", "text"),
        ("source", "text"),
        ("created_at", "timestamp"),
    ),
    # Every change to a concern: raised, a status or action with its date, approved or withdrawn; and who.
    "concern_updates": (
        ("update_id", "int"),
        ("concern_id", "text"),
        ("kind", "text"),
        ("status", "text"),
        ("action", "text"),
        ("updated_on", "date"),
        ("recorded_by", "text"),
        ("recorded_at", "timestamp"),
    ),
    # The staff sign-in throttle (lib/app/users.py): per name and per client, the attempts not yet
    # cleared by a success and when the last one started (seconds since the epoch), shared by every
    # app process on the store.
    "sign_in_throttle": (
        ("scope", "text"),
        ("key", "text"),
        ("attempts", "int"),
        ("last_at", "double"),
    ),
}

# Kinds whose rows are points that get boundary codes.
GEOCODED_TABLES = tuple(k.table for k in KINDS.values() if k.geocoded)


def incident_total(condition: str | None = None) -> str:
    """SQL for the number of incidents a set of incident rows stands for: the sum of ``count``, 0 for none.

    ``condition`` restricts it (``FILTER (WHERE ...)``) for several totals in one pass.

    >>> incident_total()
    'CAST(coalesce(sum("count"), 0) AS BIGINT)'
    >>> incident_total("occurred_at >= :s")
    'CAST(coalesce(sum("count") FILTER (WHERE occurred_at >= :s), 0) AS BIGINT)'
    """
    total = 'sum("count")' if condition is None else f'sum("count") FILTER (WHERE {condition})'
    return f"CAST(coalesce({total}, 0) AS BIGINT)"


_LEVEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def level_column(level: str) -> str:
    """The stored column holding codes of boundary level ``level``: ``beat`` -> ``lvl_beat``."""
    return f"lvl_{check_level_name(level)}"


def check_level_name(level: str) -> str:
    """Return ``level`` if it is a usable level name, else raise ValueError saying why."""
    if not _LEVEL_NAME.match(level or ""):
        raise ValueError(
            f"Level name {level!r} is not usable: use lower-case letters, digits and _ "
            "(e.g. beat, district, precinct), starting with a letter."
        )
    return level


def table_columns(kind: Kind) -> dict[str, str]:
    """Stored columns (name -> neutral type) of a data kind's table, before boundary levels."""
    if kind.name in ("boundaries",):
        return dict(SYSTEM_TABLES["boundaries"])
    # Identifiers are stored as keyed hashes (``*_key``), never in their own column.
    skip = {"x", "y", "occurred_time", "officer", "complainant"}
    if kind.name == "scores":
        skip |= {"area"}
        cols = {f.name: f.type for f in kind.fields if f.name not in skip}
        cols["area"] = "text"
    else:
        cols = {f.name: f.type for f in kind.fields if f.name not in skip}
    cols.update(dict(kind.extra))
    return cols


_PG_INDEXES = (
    ("incidents_key", "incidents", "dataset, incident_id"),
    ("incidents_when", "incidents", "occurred_at"),
    ("events_key", "events", "dataset, starts_at, title_norm"),
    ("responses_key", "survey_responses", "dataset, response_id"),
    ("scores_key", "survey_scores", "dataset, score_key, measure"),
    ("complaints_key", "complaints", "dataset, complaint_id"),
    ("allegations_key", "allegations", "dataset, allegation_id"),
    ("commendations_key", "commendations", "dataset, commendation_id"),
)


def _wanted() -> dict[str, dict[str, str]]:
    wanted: dict[str, dict[str, str]] = {}
    for kind in KINDS.values():
        if kind.table and kind.name != "boundaries":
            wanted[kind.table] = table_columns(kind)
    for table, cols in SYSTEM_TABLES.items():
        wanted[table] = dict(cols)
    return wanted


def create_tables(store) -> None:
    """Create every table that is missing, and the boundary columns of loaded levels.

    A store made here from nothing is stamped with the current schema version (lib/store/versions.py);
    one that already held data keeps its version until ``python -m lib upgrade``.
    """
    from lib.store import versions

    existing = store.tables()
    wanted = _wanted()
    if "loads" not in existing and versions.TABLE not in existing:
        versions.stamp(store)
    for table, cols in wanted.items():
        if table not in existing:
            defs = ", ".join(f'"{c}" {store.type(t)}' for c, t in cols.items())
            store.execute(f"CREATE TABLE {table} ({defs})")
        elif table == "loads":
            # Stores built before a column of the load record was added get it, empty.
            have = set(store.columns(table))
            for c, t in cols.items():
                if c not in have:
                    store.execute(f'ALTER TABLE {table} ADD COLUMN "{c}" {store.type(t)}')
    if store.engine == "postgresql":
        # The load's duplicate check and the pages' date filters need these on a large server table;
        # DuckDB scans columns fast enough and its indexes would slow bulk loads.
        for name, table, cols in _PG_INDEXES:
            store.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})")
    if "boundaries" in existing:
        for level in boundary_levels(store):
            add_level_columns(store, level)


def add_missing_columns(store) -> list[str]:
    """Add the columns this code stores that an older store's tables lack (NULL in old rows)."""
    added = []
    existing = store.tables()
    for table, cols in _wanted().items():
        if table not in existing:
            continue
        have = set(store.columns(table))
        for col, neutral in cols.items():
            if col not in have:
                store.execute(f'ALTER TABLE {table} ADD COLUMN "{col}" {store.type(neutral)}')
                added.append(f"{table}.{col}")
    return added


def boundary_levels(store) -> list[str]:
    """Loaded boundary levels, in load order."""
    if "boundaries" not in store.tables():
        return []
    frame = store.query("SELECT level, min(load_id) AS first FROM boundaries GROUP BY level ORDER BY first")
    return list(frame["level"])


def add_level_columns(store, level: str) -> None:
    """Give every geocoded table a column for boundary level ``level`` if it lacks one."""
    col = level_column(level)
    for table in GEOCODED_TABLES:
        if col not in store.columns(table):
            store.execute(f'ALTER TABLE {table} ADD COLUMN "{col}" {store.type("text")}')
