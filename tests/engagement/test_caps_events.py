"""CAPS calendar titles: the type rules and the beats each title attaches to, as tables.

Titles are real ones from the embedded Chicago CAPS calendar (2016-2018);
the beat codes are those of the embedded beat layer.
"""

import pandas as pd
import pytest

from lib.engagement import areas as event_areas
from lib.engagement import types as event_types

# (raw title, expected type, expected beats named in the title)
CAPS_TITLES = [
    ("823/825 Beat Meeting", "Beat meeting", ["823", "825"]),
    ("Beat Meeting 1133/34", "Beat meeting", ["1133", "1134"]),
    ("Beat Meeting 1113/14/15", "Beat meeting", ["1113", "1114", "1115"]),
    ("Beat 1921, 22 & 31 Community Meeting", "Beat meeting", ["1921", "1922", "1931"]),
    ("Beat 1512/23 CAPS Meeting", "Beat meeting", ["1512", "1523"]),
    ("Beat Meeting 1122-23", "Beat meeting", ["1122", "1123"]),
    ("Beat Meeting: 1135", "Beat meeting", ["1135"]),
    ("Beat  Meeting1111", "Beat meeting", ["1111"]),
    ("Community Beat Meeting Bt 733/734", "Beat meeting", ["733", "734"]),
    ("CAPS Beat 133 Residential Meeting", "Beat meeting", ["133"]),
    ("20 Sector Beat Meeting 321/322/323/324", "Beat meeting", ["321", "322", "323", "324"]),
    ("20th Dist Beat Meeting Beat 2033", "Beat meeting", ["2033"]),
    ("Beat 1513N CAPS Meeting", "Beat meeting", ["1513"]),
    ("1622  Beet Meeting", "Beat meeting", ["1622"]),
    ("Beat 19123, 1924, & 1925", "Beat meeting", ["1924", "1925"]),  # 19123 is no beat: a typo, dropped
    ("10 Sector Beat Meeting", "Beat meeting", []),  # a sector, not a beat
    ("All Beats Meeting", "Beat meeting", []),
    ("NO Beat Meeting 1212", "Cancelled", ["1212"]),
    ("1622 Beat Meeting Cancelled", "Cancelled", ["1622"]),
    ("NO Peer Jury", "Cancelled", []),
    ("Peer Jury", "Peer Jury", []),
    ("Peer Jury/Youth Beat Meeting", "Peer Jury", []),
    ("DAC Meeting", "District Advisory Committee", []),
    ("D.A.C. Meeting", "District Advisory Committee", []),
    ("District Advisory Committee (DAC)", "District Advisory Committee", []),
    ("Beat Facilitator/DAC Meeting", "Beat facilitators", []),
    ("Domestic Violence Subcommittee Meeting", "Domestic violence subcommittee", []),
    ("Domestic Violance Meeting", "Domestic violence subcommittee", []),
    ("Senior Subcommittee Meeting", "Senior", []),
    ("Senior Citizen Sub Committee Meeting", "Senior", []),
    ("Youth Explorers Meeting", "Youth", []),
    ("Law Explorers Meeting", "Youth", []),
    ("Youth DAC Movie Night", "Youth", []),
    ("Court Advocacy Subcommittee Meeting", "Court advocacy", []),
    ("Court Advacacy", "Court advocacy", []),
    ("Faith Based Subcommittee Meeting", "Faith-based", []),
    ("100 Blocks 100 Churches", "Faith-based", []),
    ("30 Sector Hospitality Meeting", "Business", []),
    ("Coffee with the Commander", "Coffee with a Cop", []),
    ("15th District Outdoor Roll Call", "Outdoor roll call", []),
    ("Positive Loitering", "Anti-violence / positive loitering", []),
    ("Block Club Training", "Training and seminars", []),
    ("10th District Police Recruitment", "Recruitment", []),
    ("National Night Out", "Community event", []),
    ("Public Safety Forum", "Community meeting / forum", []),
    ("Principals Meeting", "Other", []),
]


@pytest.fixture(scope="module")
def beat_codes(embedded_db):
    from lib.store.connection import connect

    store = connect(str(embedded_db), read_only=True)
    try:
        return event_areas.area_codes(store)
    finally:
        store.close()


@pytest.mark.parametrize("title, expected_type, expected_beats", CAPS_TITLES)
def test_caps_title_gives_type_and_beats(title, expected_type, expected_beats, beat_codes):
    assert event_types.classify(pd.Series([title])).iloc[0] == expected_type
    assert event_areas.mentions(title, beat_codes).get("beat", []) == expected_beats


@pytest.mark.parametrize(
    "location, district",
    [
        ("16th District Station Community Room, 5151 N. Milwaukee Avenue", "16"),
        ("011 District Auditorium", "11"),
        ("1718 S. State Street 1st District Community Room", "1"),
        ("5555 W Grand Ave", None),  # an address number is not a district
        ("727 E 111TH DISTRICT", None),  # district 111 does not exist
    ],
)
def test_district_named_in_location(location, district, beat_codes):
    found = event_areas.mentions(location, beat_codes).get("district", [])
    assert found == ([district] if district else [])


def test_description_decides_only_where_the_title_says_nothing():
    titles = pd.Series(["Monthly meeting", "Senior Meeting"])
    desc = pd.Series(["The district advisory committee meets", "Peer jury volunteers welcome"])
    assert event_types.classify(titles, desc).tolist() == ["District Advisory Committee", "Senior"]


def test_a_type_given_by_the_source_is_kept():
    frame = pd.DataFrame({"title": ["823 Beat Meeting", "823 Beat Meeting"], "event_type": ["Town hall", None]})
    assert event_types.event_types(frame).tolist() == ["Town hall", "Beat meeting"]


@pytest.mark.parametrize(
    "rules, message",
    [
        ([{"type": "", "keywords": ("beat",)}], "give the type a name"),
        ([{"type": "Walks", "keywords": ()}], "at least one keyword"),
        ([{"type": "Walks", "keywords": ("wa*lk",)}], "* may only end a word"),
        ([{"type": "Walks", "keywords": ("walk^",)}], "^ only start"),
        ([{"type": "Other", "keywords": ("walk",)}], "'Other' is what matches no rule"),
        ([{"type": "Walks", "keywords": ("walk",), "scope": "body"}], "scope must be one of"),
        ([], "at least one rule"),
    ],
)
def test_unusable_rules_are_refused_with_the_reason(rules, message):
    with pytest.raises(
        event_types.RulesError,
        match=message.replace("*", r"\*").replace("^", r"\^").replace("(", r"\(").replace(")", r"\)"),
    ):
        event_types.check(rules)


def test_edited_rules_are_stored_and_used_then_reset(embedded_store):
    from lib.engagement import events as engagement

    edited = event_types.to_frame(event_types.DEFAULT_RULES)
    edited.loc[len(edited)] = [0, "Principals", "principal*", "title", "School principals"]
    rules = event_types.from_frame(edited)
    assert rules[0].type == "Principals"  # order 0 sorts first
    event_types.save(embedded_store, rules)
    assert event_types.load(embedded_store) == rules
    frame = engagement.events(embedded_store)
    assert (frame.loc[frame["title"].str.contains("Principals Meeting", case=False), "type"] == "Principals").all()
    event_types.reset(embedded_store)
    assert event_types.load(embedded_store) == event_types.DEFAULT_RULES


def test_every_default_rule_is_in_the_user_guide():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "user-guide.md").read_text()
    section = guide[guide.index("## Engagement and impact") :]
    for rule in event_types.DEFAULT_RULES:
        assert f"**{rule.type}**" in section, f"docs/user-guide.md does not describe the type rule {rule.type!r}"
