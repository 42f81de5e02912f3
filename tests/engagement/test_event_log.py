"""The staff event log on both engines: validated entries, edits with history, nothing half-saved."""

import pandas as pd
import pytest

from lib.engagement import events as engagement
from lib.engagement import log as event_log
from lib.engagement import types as event_types
from lib.engagement.attendance import read_sign_in
from lib.ingest import embedded
from lib.ingest import load as ingest
from lib.store import provenance

TYPES = [t for t in event_types.types() if t != event_types.CANCELLED]


@pytest.fixture
def store(any_store):
    """A store with Chicago's districts and beats (and their nesting), nothing else."""
    for level in ("district", "beat"):
        ingest.load(any_store, "boundaries", embedded.EMBEDDED_DIR / f"chicago_police_{level}s.geojson.gz", level=level)
    return any_store


def entry(**change):
    base = dict(
        event_type="Beat meeting",
        starts_at=pd.Timestamp("2018-06-05 18:30"),
        ends_at=pd.Timestamp("2018-06-05 20:00"),
        area_level="beat",
        area="823",
        attendance=24,
        notes="Parking on Pulaski raised.",
    )
    return event_log.EventEntry(**(base | change))


def snapshot(store) -> dict:
    out = {}
    for table in ("events", "loads", "event_edits", "event_attendees"):
        out[table] = store.scalar(f"SELECT count(*) FROM {table}") if table in store.tables() else None
    return out


def test_recorded_event_counts_like_a_calendar_event(store):
    event_id = event_log.record(store, entry(), "Sgt. Ruiz", TYPES)
    row = store.query("SELECT * FROM events WHERE event_id = :e", {"e": event_id}).iloc[0]
    assert row["dataset"] == event_log.DATASET and row["title"] == "Beat meeting - beat 823"
    assert (row["lvl_beat"], row["lvl_district"]) == ("823", "8"), "the district follows the beat's nesting"
    assert int(row["attendance"]) == 24
    frame = engagement.events(store)
    assert frame.set_index("event_id").loc[event_id, "hours"] == 1.5
    assert "Event log form (1 rows" in provenance.sources_line(store, "events")
    hist = event_log.history(store, event_id)
    assert hist[["editor", "action", "changes"]].values.tolist() == [["Sgt. Ruiz", "created", "created"]]


@pytest.mark.parametrize(
    "change, editor, reason",
    [
        (dict(event_type="Séance"), "A", "is not one of the event types"),
        (dict(starts_at=None), "A", "Give the date and start time"),
        (dict(starts_at=pd.Timestamp("1850-01-01")), "A", "before 1900"),
        (dict(starts_at=pd.Timestamp("2099-01-01"), ends_at=None), "A", "years ahead"),
        (dict(ends_at=pd.Timestamp("2018-06-05 17:00")), "A", "end time must be after the start"),
        (dict(ends_at=pd.Timestamp("2018-06-07 17:00")), "A", "more than 24 hours"),
        (dict(area=None, area_level=None, location=""), "A", "Say where it was held"),
        (dict(area="9999"), "A", "There is no beat '9999'"),
        (dict(area_level=None), "A", "Choose the boundary level"),
        (dict(latitude=41.8, longitude=None), "A", "both latitude and longitude"),
        (dict(latitude=141.8, longitude=-87.6), "A", "Latitude must be within"),
        (dict(attendance=-3), "A", "Attendance must be a whole number"),
        (dict(attendance=250_000), "A", "Attendance must be a whole number"),
        (dict(notes="x" * 5000), "A", "Shorten the notes"),
        (dict(), "  ", "Give your name"),
    ],
)
def test_invalid_entry_is_refused_with_the_reason_and_nothing_saved(store, change, editor, reason):
    before = snapshot(store)
    with pytest.raises(event_log.EventLogError) as err:
        event_log.record(store, entry(**change), editor, TYPES)
    assert any(reason in r for r in err.value.reasons), err.value.reasons
    assert snapshot(store) == before


def test_every_problem_is_listed_at_once(store):
    with pytest.raises(event_log.EventLogError) as err:
        event_log.record(store, entry(starts_at=None, area=None, area_level=None, attendance=-1), "", TYPES)
    assert len(err.value.reasons) == 4


def test_the_same_event_twice_is_refused(store):
    event_log.record(store, entry(), "A", TYPES)
    with pytest.raises(event_log.EventLogError, match="already in the log"):
        event_log.record(store, entry(), "B", TYPES)


def test_a_failure_mid_write_leaves_nothing_half_saved(store, monkeypatch):
    event_log.record(store, entry(area="822"), "A", TYPES)
    before = snapshot(store)
    load_id = store.scalar("SELECT load_id FROM loads WHERE dataset = :d", {"d": event_log.DATASET})

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # The event row is written, then the history write fails: the transaction must undo the row.
    monkeypatch.setattr(event_log, "_history", broken)
    with pytest.raises(RuntimeError):
        event_log.record(store, entry(), "A", TYPES)
    assert snapshot(store) == before
    assert store.scalar("SELECT load_id FROM loads WHERE dataset = :d", {"d": event_log.DATASET}) == load_id


def test_edits_keep_a_history_and_renew_the_load_id(store):
    event_id = event_log.record(store, entry(), "Sgt. Ruiz", TYPES)
    first_load = store.scalar("SELECT max(load_id) FROM loads")
    event_log.edit(store, event_id, entry(attendance=31, area="825"), "Lt. Boyd", TYPES, "recount from sign-in")
    assert store.scalar("SELECT max(load_id) FROM loads") > first_load, "caches keyed on the load id see the edit"
    row = store.query("SELECT attendance, area, lvl_beat FROM events WHERE event_id = :e", {"e": event_id}).iloc[0]
    assert (int(row["attendance"]), row["area"], row["lvl_beat"]) == (31, "825", "825")
    hist = event_log.history(store, event_id)
    assert hist["action"].tolist() == ["edited", "created"]
    assert hist.iloc[0]["changes"] == "area: 823 -> 825; attendance: 24 -> 31"
    assert hist.iloc[0]["reason"] == "recount from sign-in" and hist.iloc[0]["editor"] == "Lt. Boyd"
    with pytest.raises(event_log.EventLogError, match="Nothing was changed"):
        event_log.edit(store, event_id, event_log.get(store, event_id), "Lt. Boyd", TYPES)
    before = snapshot(store)
    with pytest.raises(event_log.EventLogError, match="end time must be after"):
        event_log.edit(store, event_id, entry(ends_at=pd.Timestamp("2018-06-05 10:00")), "Lt. Boyd", TYPES)
    assert snapshot(store) == before and event_log.get(store, event_id).attendance == 31


def test_removal_needs_a_reason_and_keeps_the_history(store):
    event_id = event_log.record(store, entry(), "A", TYPES)
    with pytest.raises(event_log.EventLogError, match="Say why"):
        event_log.remove(store, event_id, "B", "")
    event_log.remove(store, event_id, "B", "entered twice")
    assert event_log.get(store, event_id) is None and event_log.logged(store).empty
    assert event_log.history(store, event_id)["action"].tolist() == ["removed", "created"]
    assert "Event log form" not in provenance.sources_line(store, "events")


def test_a_sign_in_sheet_sets_attendance_and_is_stored_hashed(store):
    sheet = read_sign_in(
        pd.DataFrame({"email": ["a@x.org", "b@x.org", "A@x.org"], "age": ["18-34", "65+", "18-34"]}), secret=b"k"
    )
    event_id = event_log.record(store, entry(attendance=None), "A", TYPES, sheet)
    assert event_log.get(store, event_id).attendance == 2
    stored = store.query("SELECT attendee_hash, attributes FROM event_attendees WHERE event_id = :e", {"e": event_id})
    assert len(stored) == 2 and not stored["attendee_hash"].str.contains("@").any()
