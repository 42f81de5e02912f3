"""Sign-in sheets: attendee ids hashed on arrival, demographics kept, plain ids never stored.

A sign-in sheet is a table with one row per attendee: an id (a membership
number, an e-mail address or a name) and, optionally, age group, sex,
race/ethnicity and home area. The id is normalised (trimmed, lower-cased,
inner spaces collapsed, so "Ana  Ruiz" and "ana ruiz" are one person) and
replaced by its HMAC-SHA256 under a deployment secret
(``DASHBOARD_ATTENDEE_KEY_FILE``), so the store can count repeat visits but no
one reading it can recover or test a name without the key. Losing the key
breaks matching between old and new sheets, not the old counts.

>>> frame = pd.DataFrame({"Email": ["ana@x.org", " ANA@x.org", None], "Age group": ["18-34", "18-34", "65+"]})
>>> sheet = read_sign_in(frame, secret=b"k")
>>> sheet.rows["attendee_hash"].nunique(), sheet.rejected
(1, 1)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from lib.ingest.mapping import header_key
from lib.ingest.readers import InputError
from lib.store.keys import hash_ids, normalise_id, secret_key  # noqa: F401  (callers import them from here)

# Header names (compared as lower-case letters and digits) of each column of a sheet.
ID_HEADERS = (
    "attendeeid",
    "participantid",
    "personid",
    "memberid",
    "id",
    "email",
    "emailaddress",
    "mail",
    "phone",
    "fullname",
    "name",
    "attendee",
    "participant",
)
FIRST_LAST = (("firstname", "first", "givenname"), ("lastname", "last", "surname", "familyname"))
DEMOGRAPHICS = {
    "age": ("age", "agegroup", "ageband", "agerange", "agecategory"),
    "sex": ("sex", "gender"),
    "race": ("race", "ethnicity", "raceethnicity", "raceorethnicity"),
    "home_area": ("homearea", "homebeat", "homedistrict", "beat", "district", "neighborhood", "zip", "zipcode"),
}


@dataclass
class SignIn:
    """A read sheet: hashed rows (attendee_hash, attributes JSON), rows without an id, and notes."""

    rows: pd.DataFrame
    rejected: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def attendees(self) -> int:
        return int(self.rows["attendee_hash"].nunique())


def _find(columns, names) -> str | None:
    keys = {header_key(c): c for c in columns}
    return next((keys[n] for n in names if n in keys), None)


def read_sign_in(frame: pd.DataFrame, secret: bytes | None = None) -> SignIn:
    """Hash the ids of a sign-in sheet and keep its demographic columns.

    Raises InputError when no column can identify attendees.
    """
    columns = list(frame.columns)
    id_col = _find(columns, ID_HEADERS)
    first, last = _find(columns, FIRST_LAST[0]), _find(columns, FIRST_LAST[1])
    if id_col is not None:
        ids, how = frame[id_col], f"ids from column '{id_col}'"
    elif first is not None and last is not None:
        ids = frame[first].fillna("").astype(str) + " " + frame[last].fillna("").astype(str)
        ids, how = ids.where(ids.str.strip() != "", None), f"ids from '{first}' + '{last}'"
    else:
        raise InputError(
            "The sign-in sheet has no column that identifies attendees: add one named id, email or name "
            f"(or first name and last name). Its columns are: {', '.join(map(str, columns)) or 'none'}."
        )
    hashed = hash_ids(ids, secret if secret is not None else secret_key())
    demo_cols = {dim: _find(columns, names) for dim, names in DEMOGRAPHICS.items()}
    demo_cols = {dim: col for dim, col in demo_cols.items() if col is not None}
    attrs = []
    for i in frame.index:
        record = {}
        for dim, col in demo_cols.items():
            value = frame.at[i, col]
            if value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value).strip():
                record[dim] = str(value).strip()
        attrs.append(json.dumps(record))
    rows = pd.DataFrame({"attendee_hash": hashed, "attributes": attrs}, index=frame.index)
    blank = rows["attendee_hash"].isna()
    rows = rows[~blank].drop_duplicates("attendee_hash").reset_index(drop=True)
    messages = [
        f"{how}, stored hashed; "
        + (
            f"demographics from {', '.join(f'{c} ({d})' for d, c in demo_cols.items())}."
            if demo_cols
            else "no demographic columns (age, sex, race, home area)."
        )
    ]
    if blank.any():
        messages.append(f"{int(blank.sum())} rows have no id and were left out.")
    return SignIn(rows, int(blank.sum()), messages)


def attendees(store, datasets: list[str] | None = None) -> pd.DataFrame:
    """Stored attendance records with their event's start: dataset, event_id, attendee_hash, starts_at, attributes."""
    if "event_attendees" not in store.tables():
        return pd.DataFrame(columns=["dataset", "event_id", "attendee_hash", "starts_at", "attributes"])
    where, params = ("", {})
    if datasets:
        where, params = "WHERE a.dataset IN (SELECT unnest(CAST(:ds AS TEXT[])))", {"ds": list(datasets)}
    return store.query(
        "SELECT a.dataset, a.event_id, a.attendee_hash, e.starts_at, a.attributes FROM event_attendees a "
        f"JOIN events e ON e.dataset = a.dataset AND e.event_id = a.event_id {where}",
        params,
    )


def demographics(attendance: pd.DataFrame) -> pd.DataFrame:
    """One row per participant and dimension: attendee_hash, dimension, category (their latest answer)."""
    if attendance.empty:
        return pd.DataFrame(columns=["attendee_hash", "dimension", "category"])
    ordered = attendance.sort_values("starts_at")
    parsed = ordered["attributes"].fillna("{}").map(json.loads)
    rows = [(h, dim, cat) for h, d in zip(ordered["attendee_hash"], parsed) for dim, cat in d.items()]
    long = pd.DataFrame(rows, columns=["attendee_hash", "dimension", "category"])
    return long.drop_duplicates(["attendee_hash", "dimension"], keep="last").reset_index(drop=True)
