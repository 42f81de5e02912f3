"""Event types: the kind of a community event, from the calendar's type or else its title.

Calendars rarely carry a clean type. Where the export has one it is kept;
otherwise the title decides, by the first rule of ``RULES`` that matches
(case-insensitive):

>>> type_of(None, "823/825 Beat Meeting")
'Beat meeting'
>>> type_of(None, "Coffee with a Cop at Dunkin")
'Coffee with a Cop'
>>> type_of(None, "Peer Jury")
'Youth programme'
>>> type_of("Town Hall", "Spring meeting")
'Town Hall'
>>> type_of(None, "Senior Subcommittee Meeting")
'Advisory and subcommittee meeting'
"""

from __future__ import annotations

import re

OTHER = "Other event"

RULES: tuple[tuple[str, str], ...] = (
    ("Beat meeting", r"\bBEAT\b.*\b(MEETING|MTG)\b"),
    ("Coffee with a Cop", r"COFFEE"),
    ("Town hall", r"TOWN ?HALL|COMMUNITY FORUM|LISTENING SESSION"),
    ("Youth programme", r"YOUTH|PEER JURY|EXPLORER|JUNIOR|SUMMER|CAMP|TEEN|STUDENT|SCHOOL|KIDS"),
    ("Advisory and subcommittee meeting", r"ADVISORY|\bDAC\b|SUBCOMMITTEE|COMMITTEE|SENIOR|BUSINESS|"
                                          r"DOMESTIC VIOLENCE|COURT ADVOCACY|CLERGY|FAITH|CHURCH"),
    ("Community event", r"PICNIC|FESTIVAL|BLOCK PARTY|NIGHT OUT|WALK|MARCH|RALLY|VIGIL|FAIR\b|BBQ|CELEBRAT"),
)

_COMPILED = tuple((t, re.compile(p)) for t, p in RULES)


def type_of(event_type: str | None, title: str | None) -> str:
    """The calendar's own type where given, else the type the title matches, else "Other event"."""
    if event_type is not None and str(event_type).strip() and str(event_type).lower() != "nan":
        return str(event_type).strip()
    text = str(title or "").upper()
    for name, pattern in _COMPILED:
        if pattern.search(text):
            return name
    return OTHER
