"""Event types from calendar titles, as a table."""

import pytest

from lib.event_types import type_of

TABLE = [
    (None, "835 Beat Meeting", "Beat meeting"),
    (None, "Beat 1014 community meeting", "Beat meeting"),
    (None, "Beat Patrol Recruitment Fair", "Community event"),
    (None, "Coffee with a Cop", "Coffee with a Cop"),
    (None, "Town Hall on Public Safety", "Town hall"),
    (None, "Peer Jury", "Youth programme"),
    (None, "Law Explorers Meeting", "Youth programme"),
    (None, "DAC Meeting", "Advisory and subcommittee meeting"),
    (None, "Domestic Violence Subcommittee", "Advisory and subcommittee meeting"),
    (None, "National Night Out", "Community event"),
    (None, "CPD Recruitment Event", "Other event"),
    ("Youth Outreach", "Peer Jury", "Youth Outreach"),  # the calendar's own type wins
    ("", "Coffee with a Cop", "Coffee with a Cop"),
]


@pytest.mark.parametrize("event_type, title, expected", TABLE)
def test_types(event_type, title, expected):
    assert type_of(event_type, title) == expected
