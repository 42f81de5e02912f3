"""Event types from the title and description: an ordered table of keyword rules.

Calendars rarely carry a type; their titles do ("823/825 Beat Meeting",
"NO Peer Jury", "Senior Subcommittee Meeting"). Each rule names a type and the
keywords that mark it; the first rule whose keywords match the title gives the
type; when no rule matches the title, the first rule that may read the
description and matches it does; otherwise the type is ``Other``. A type given
by the source itself (an ``event_type`` column, or a type picked in the event
log) is kept as it is: the department knows best.

Keywords are written for people, not as regular expressions:

- words are matched whole, on the text lower-cased with punctuation removed
  (``"D.A.C."`` reads as ``"d a c"``, ``"823/825"`` as ``"823 825"``);
- several words must appear together, in that order (``peer jury``);
- ``*`` ends a word that may continue (``recruit*`` matches recruiting, recruitment);
- ``^`` starts a keyword that must open the title (``^no`` for "NO Peer Jury").

>>> classify(pd.Series(["823/825 Beat Meeting", "NO Peer Jury", "Coffee with the Commander"]))
0         Beat meeting
1            Cancelled
2    Coffee with a Cop
dtype: str

The rules are stored as the JSON document ``event_type_rules`` when edited in
the app (Engagement page, "Type rules"); ``DEFAULT_RULES`` applies until then.
The "Engagement and impact" section of docs/user-guide.md describes them in prose, and
tests/test_event_types.py checks them against real CAPS titles.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

import pandas as pd

from lib.ingest import parse

DOCUMENT = "event_type_rules"
OTHER = "Other"
CANCELLED = "Cancelled"
SCOPES = ("title", "title and description")


@dataclass(frozen=True)
class Rule:
    """One row of the rules table: ``type`` when any of ``keywords`` matches."""

    type: str
    keywords: tuple[str, ...]
    scope: str = "title and description"  # which texts the rule reads (SCOPES)
    note: str = ""


# Order matters: the first match wins. Cancellations come first so that
# "NO Beat Meeting 1212" is not counted as a meeting held; specific CAPS
# subcommittees come before the broad "beat" and "youth" words.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(
        CANCELLED,
        ("^no", "cancel*", "postpone*", "rescheduled"),
        "title",
        "A calendar entry announcing that a meeting will not take place; not counted as held.",
    ),
    Rule(
        "Peer Jury",
        ("peer jury", "peer juries"),
        note="CAPS youth diversion: teens hear cases of first-time offenders.",
    ),
    Rule(
        "Domestic violence subcommittee",
        ("domestic violence", "domestic violance", "domestic", "dv"),
        note="CAPS district subcommittee on domestic violence, incl. resource tables.",
    ),
    Rule(
        "Court advocacy",
        ("court ad*", "coury advocacy", "court watch*"),
        note="CAPS court advocacy subcommittee: residents follow cases in court.",
    ),
    Rule("Senior", ("senior*", "elder*"), note="Senior subcommittee meetings and senior safety events."),
    Rule("Coffee with a Cop", ("coffee",), note="Coffee with a Cop / with the Commander."),
    Rule(
        "Youth",
        (
            "youth",
            "explor*",
            "officer friendly",
            "kid*",
            "teen*",
            "girls",
            "boys",
            "mentor*",
            "camp",
            "prom",
            "back to school",
            "after school",
            "student*",
            "basketball",
            "baseball",
            "play streets",
            "scouts",
            "junior*",
        ),
        note="Youth programmes: Explorers, camps, sports leagues, mentoring.",
    ),
    Rule("Beat facilitators", ("beat facilitator*",), note="Meetings of the residents who facilitate beat meetings."),
    Rule(
        "District Advisory Committee",
        ("district advi*", "dac", "d a c", "advisory council", "diversity"),
        note="The district commander's advisory committee (DAC) and its subcommittees (e.g. diversity and inclusion).",
    ),
    Rule(
        "Faith-based",
        ("faith*", "clergy", "church*", "ministr*", "interfaith", "pastor*"),
        note="Clergy and faith-based subcommittees and events (e.g. 100 Blocks 100 Churches).",
    ),
    Rule(
        "Business",
        ("business*", "hospitality", "chamber", "merchant*", "security meeting"),
        note="Business and hospitality subcommittees.",
    ),
    Rule("Outdoor roll call", ("roll call",), note="Roll call held outdoors at a hot spot, with residents."),
    Rule(
        "Beat meeting",
        ("beat*", "bt", "beet meeting", "residential", "sector meeting", "community meeting", "caps meeting", "caps"),
        note="CAPS beat (community) meetings: residents and beat officers, monthly or bimonthly.",
    ),
    Rule(
        "Anti-violence / positive loitering",
        (
            "positive loitering",
            "smoke out",
            "peace*",
            "take back",
            "taking our park back",
            "operation wake up",
            "stop the violence",
            "anti violence",
            "ceasefire",
        ),
        note="Gatherings that reclaim a corner or park.",
    ),
    Rule(
        "Community meeting / forum",
        (
            "town hall",
            "forum",
            "dialogue",
            "conversation*",
            "stakeholder*",
            "ward meeting",
            "ward public safety",
            "association",
            "listening session",
        ),
        note="Town halls, public safety forums, ward and stakeholder meetings.",
    ),
    Rule(
        "Training and seminars",
        (
            "training",
            "seminar*",
            "workshop*",
            "class",
            "classes",
            "block club*",
            "academy",
            "law and your community",
            "law and the community",
            "crime prevention",
            "presentation*",
            "information session",
            "car seat*",
            "passenger safety",
            "neighborhood watch*",
        ),
        note="Block club training, safety seminars and presentations, car seat checks, citizen academies.",
    ),
    Rule("Recruitment", ("recruit*", "career*", "job fair", "hiring"), note="Police recruitment and job fairs."),
    Rule(
        "Community event",
        (
            "night out",
            "fest",
            "festival",
            "picnic",
            "party",
            "fair",
            "parade",
            "pantry",
            "food",
            "giveaway",
            "concert",
            "bingo",
            "celebration",
            "cookout",
            "bbq",
            "health",
            "blood drive",
            "holiday",
            "halloween",
            "christmas",
            "thanksgiving",
            "turkey",
            "toy*",
            "resource*",
            "volunteer*",
            "kindness",
            "danc*",
            "bowling",
            "awareness",
            "movie*",
            "clean*",
            "green",
            "shred*",
            "5k",
            "walk",
            "march",
            "egg hunt",
            "garden",
            "market",
            "golf",
            "show",
            "ceremony",
            "fun",
            "open house",
            "expo",
            "fundraiser",
        ),
        note="National Night Out, fairs, food giveaways, resource tables and other public events.",
    ),
)


class RulesError(ValueError):
    """The rules cannot be used; the message says which row and why."""


def _keyword_pattern(keyword: str) -> str:
    """``'recruit*'`` -> a regular expression over normalised text.

    >>> _keyword_pattern("^no")
    '^no(?!\\\\w)'
    >>> _keyword_pattern("peer jur*")
    '(?<!\\\\w)peer\\\\ jur\\\\w*(?!\\\\w)'
    """
    text = keyword.strip().lower()
    anchored = text.startswith("^")
    words = re.findall(r"\w+\*?", text.lstrip("^"))
    body = r"\ ".join(re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words)
    return ("^" if anchored else r"(?<!\w)") + body + r"(?!\w)"


def check(rules) -> tuple[Rule, ...]:
    """Return ``rules`` as Rules if they can be used, else raise RulesError saying what is wrong."""
    out = []
    seen: set[str] = set()
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, Rule):
            rule = Rule(**rule)
        kind = str(rule.type or "").strip()
        if not kind:
            raise RulesError(f"Rule {number}: give the type a name.")
        if kind == OTHER:
            raise RulesError(f"Rule {number}: '{OTHER}' is what matches no rule; it cannot have keywords.")
        keywords = tuple(k.strip() for k in rule.keywords if k and k.strip())
        if not keywords:
            raise RulesError(f"Rule {number} ({kind}): list at least one keyword.")
        for keyword in keywords:
            if not re.search(r"\w", keyword):
                raise RulesError(f"Rule {number} ({kind}): keyword {keyword!r} has no letters or digits.")
            if re.search(r"\*\w|\*\*", keyword) or "^" in keyword[1:]:
                raise RulesError(
                    f"Rule {number} ({kind}): in {keyword!r}, * may only end a word and ^ only start the keyword."
                )
        if rule.scope not in SCOPES:
            raise RulesError(f"Rule {number} ({kind}): scope must be one of {', '.join(SCOPES)}.")
        key = (kind.lower(), keywords)
        if str(key) in seen:
            raise RulesError(f"Rule {number} ({kind}) repeats an earlier rule.")
        seen.add(str(key))
        out.append(Rule(kind, keywords, rule.scope, str(rule.note or "")))
    if not out:
        raise RulesError("Keep at least one rule (every event would be 'Other').")
    return tuple(out)


def _compiled(rules: tuple[Rule, ...]) -> list[tuple[str, re.Pattern, bool]]:
    return [(r.type, re.compile("|".join(_keyword_pattern(k) for k in r.keywords)), r.scope != "title") for r in rules]


def classify(
    titles: pd.Series, descriptions: pd.Series | None = None, rules: tuple[Rule, ...] = DEFAULT_RULES
) -> pd.Series:
    """The type of each event from its title (and description where no title rule matched)."""
    compiled = _compiled(check(rules))
    desc_in = descriptions.reindex(titles.index) if descriptions is not None else pd.Series("", index=titles.index)
    # Calendars repeat titles (a beat meeting every month): classify each distinct text once.
    pairs = pd.DataFrame({"t": titles.fillna("").astype("str"), "d": desc_in.fillna("").astype("str")})
    unique = pairs.drop_duplicates().reset_index(drop=True)
    title = parse.normalize_title(unique["t"])
    out = pd.Series(None, index=unique.index, dtype="str")
    for kind, pattern, _ in compiled:
        hit = out.isna() & title.str.contains(pattern, regex=True)
        out[hit] = kind
    if descriptions is not None and out.isna().any():
        rest = out.isna()
        desc = parse.normalize_title(unique.loc[rest, "d"])
        for kind, pattern, reads_description in compiled:
            if reads_description and len(desc):
                hit = desc.str.contains(pattern, regex=True)
                out[hit[hit].index] = kind
                desc = desc[~hit]
    unique["type"] = out.fillna(OTHER)
    found = pairs.merge(unique, on=["t", "d"], how="left")["type"]
    found.index = titles.index
    return found.rename(None)


def event_types(events: pd.DataFrame, rules: tuple[Rule, ...] = DEFAULT_RULES) -> pd.Series:
    """Type per event: the source's own ``event_type`` where given, else :func:`classify`."""
    derived = classify(events["title"], events.get("description"), rules)
    given = (
        events["event_type"].astype("str").str.strip().replace("", None)
        if "event_type" in events
        else pd.Series(None, index=events.index, dtype="str")
    )
    return given.fillna(derived)


def types(rules: tuple[Rule, ...] = DEFAULT_RULES) -> list[str]:
    """Type names in rule order (each once), then Other."""
    return list(dict.fromkeys(r.type for r in rules)) + [OTHER]


# -- the rules table, as stored and as edited -----------------------------------


def to_frame(rules: tuple[Rule, ...]) -> pd.DataFrame:
    """Rules as an editable table: order, type, keywords (comma separated), scope, note."""
    return pd.DataFrame(
        {
            "order": range(1, len(rules) + 1),
            "type": [r.type for r in rules],
            "keywords": [", ".join(r.keywords) for r in rules],
            "scope": [r.scope for r in rules],
            "note": [r.note for r in rules],
        }
    )


def from_frame(frame: pd.DataFrame) -> tuple[Rule, ...]:
    """Rules from an edited table (rows sorted by ``order``; blank rows dropped), checked."""
    frame = frame.copy()
    frame["order"] = pd.to_numeric(frame.get("order"), errors="coerce")
    frame = frame.dropna(how="all", subset=["type", "keywords"]).sort_values("order", kind="stable", na_position="last")
    rules = []
    for row in frame.itertuples(index=False):
        keywords = tuple(k for k in str(row.keywords if pd.notna(row.keywords) else "").split(","))
        rules.append(
            Rule(
                str(row.type if pd.notna(row.type) else ""),
                keywords,
                str(row.scope) if pd.notna(row.scope) and row.scope else SCOPES[1],
                str(row.note) if pd.notna(row.note) else "",
            )
        )
    return check(rules)


def load(store) -> tuple[Rule, ...]:
    """The rules in force: the edited document if there is one, else ``DEFAULT_RULES``."""
    if "documents" not in store.tables():
        return DEFAULT_RULES
    body = store.scalar("SELECT body FROM documents WHERE name = :n", {"n": DOCUMENT})
    if not body:
        return DEFAULT_RULES
    return check(
        Rule(r["type"], tuple(r["keywords"]), r.get("scope", SCOPES[1]), r.get("note", "")) for r in json.loads(body)
    )


def save(store, rules: tuple[Rule, ...]) -> None:
    """Store edited rules (checked first; written in one transaction)."""
    from lib.store import schema

    rules = check(rules)
    body = json.dumps([{**asdict(r), "keywords": list(r.keywords)} for r in rules])
    with store.transaction():
        schema.create_tables(store)
        store.execute("DELETE FROM documents WHERE name = :n", {"n": DOCUMENT})
        store.execute(
            "INSERT INTO documents (name, body, updated_at) VALUES (:n, :b, :t)",
            {"n": DOCUMENT, "b": body, "t": pd.Timestamp.now().floor("s").to_pydatetime()},
        )


def reset(store) -> None:
    """Go back to ``DEFAULT_RULES``."""
    if "documents" in store.tables():
        store.execute("DELETE FROM documents WHERE name = :n", {"n": DOCUMENT})


def updated_at(store) -> pd.Timestamp | None:
    """When the rules were last edited (None: the defaults apply)."""
    if "documents" not in store.tables():
        return None
    value = store.scalar("SELECT updated_at FROM documents WHERE name = :n", {"n": DOCUMENT})
    return None if value is None else pd.Timestamp(value)


def type_of(
    event_type: str | None, title: str | None, description: str | None = None, rules: tuple[Rule, ...] = DEFAULT_RULES
) -> str:
    """The type of one event: its own type where given, else by the rules (for single events and map layers).

    >>> type_of(None, "823/825 Beat Meeting"), type_of("Town Hall", "Spring meeting")
    ('Beat meeting', 'Town Hall')
    """
    if event_type is not None and str(event_type).strip() and str(event_type).lower() != "nan":
        return str(event_type).strip()
    return classify(pd.Series([title or ""]), pd.Series([description or ""]), rules).iloc[0]
