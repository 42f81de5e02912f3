"""Offense groups: a documented, editable grouping of the raw offense names every records system uses.

Records systems name offenses in their own words ("CRIM SEXUAL ASSAULT",
"Theft from motor vehicle", "LARCENY/THEFT"). Maps and filters work on a short
list of groups instead. A raw name takes the group of the first rule in
``RULES`` whose pattern it matches (case-insensitive), unless an analyst has
assigned it a group by hand (an *override*, edited on the Map page and stored
in the ``documents`` table under ``offense_groups``). Names no rule matches
fall in "Other".

The rules are ordered so that the specific comes before the general:

>>> group_of("CRIM SEXUAL ASSAULT")      # sexual offense before assault
'Sexual offense'
>>> group_of("Theft from motor vehicle")  # a theft, not a vehicle theft
'Theft'
>>> group_of("FINANCIAL IDENTITY THEFT OVER $ 300")
'Fraud'
>>> group_of("Shooting")
'Assault and battery'
>>> group_of("BINGO HALL COMPLAINT")
'Other'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pandas as pd

DOCUMENT = "offense_groups"
OTHER = "Other"

# (group, pattern): the first match wins. Patterns are regular expressions
# matched anywhere in the upper-cased raw name; \b keeps "SEX" out of "ESSEX".
RULES: tuple[tuple[str, str], ...] = (
    ("Homicide", r"HOMICIDE|MURDER|MANSLAUGHTER"),
    ("Sexual offense", r"\bSEX|\bRAPE\b|SODOMY|FONDLING|INCEST|INDECEN|OBSCEN|PORNOGRAPH"),
    ("Robbery", r"ROBBERY|CARJACK"),
    ("Motor vehicle theft", r"MOTOR VEHICLE THEFT|AUTO THEFT|VEHICLE THEFT|STOLEN (AUTO|VEHICLE|TRUCK|CAR\b)"),
    (
        "Fraud",
        r"FRAUD|DECEPTIVE|FORGERY|COUNTERFEIT|SWINDLE|FALSE PRETENSE|IMPERSONATION|"
        r"IDENTI\w* THEFT|EMBEZZLE|BAD CHECK|EXTORTION",
    ),
    ("Burglary", r"BURGLARY|BREAKING AND ENTERING"),
    ("Theft", r"THEFT|LARCENY|SHOPLIFT|POCKET|PURSE|STOLEN PROPERTY"),
    ("Assault and battery", r"ASSAULT|BATTERY|SHOOT|INTIMIDATION|THREAT|STALK|INFLICT INJURY"),
    ("Other violent", r"KIDNAP|ABDUCT|HUMAN TRAFFICKING"),
    ("Arson", r"ARSON"),
    ("Criminal damage", r"CRIMINAL DAMAGE|VANDALISM|DESTRUCTION|MALICIOUS MISCHIEF|GRAFFITI"),
    ("Drugs", r"NARCOTIC|DRUG|CONTROLLED SUBSTANCE|MARIJUANA|CANNABIS"),
    ("Weapons", r"WEAPON|CONCEALED CARRY|FIREARM"),
    ("Vice", r"PROSTITUT|GAMBLING|LIQUOR"),
    (
        "Public order",
        r"TRESPASS|DISORDERLY|PUBLIC PEACE|INTERFERENCE|RESISTING|DRUNK|UNDER THE INFLUENCE|"
        r"UNDER INFLUENCE|LOITER|TRAFFIC|CURFEW|OBSTRUCT",
    ),
    ("Children and family", r"CHILD|JUVENILE|FAMILY|RUNAWAY"),
)
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(g for g, _ in RULES)) + (OTHER,)

# Groups whose incidents identify victims (sexual offenses, offenses within the
# family or against children): public views show area totals only, never points.
SENSITIVE_GROUPS: frozenset[str] = frozenset({"Sexual offense", "Children and family"})

_COMPILED = tuple((g, re.compile(p)) for g, p in RULES)


@dataclass(frozen=True)
class Grouping:
    """The rules plus an analyst's overrides (raw name -> group)."""

    overrides: dict[str, str] = field(default_factory=dict)

    def group_of(self, offense: str) -> str:
        if offense in self.overrides:
            return self.overrides[offense]
        return group_of(offense)

    def frame(self, offenses) -> pd.DataFrame:
        """Raw name -> group as a table (offense, group, how)."""
        rows = [(o, self.group_of(o), "edited" if o in self.overrides else "rule") for o in offenses]
        return pd.DataFrame(rows, columns=["offense", "group", "how"])

    def offenses_in(self, groups, offenses) -> tuple[str, ...]:
        """The raw names among ``offenses`` that fall in any of ``groups``, sorted."""
        wanted = set(groups)
        return tuple(sorted(o for o in offenses if self.group_of(o) in wanted))

    def groups(self) -> tuple[str, ...]:
        """Every group name: the rules' and any an analyst added."""
        extra = sorted(set(self.overrides.values()) - set(GROUPS))
        return GROUPS[:-1] + tuple(extra) + (OTHER,)

    def key(self) -> tuple:
        """Hashable form, for cache keys."""
        return tuple(sorted(self.overrides.items()))


def group_of(offense: str | None) -> str:
    """The group of a raw offense name by the rules alone."""
    text = str(offense or "").upper()
    for group, pattern in _COMPILED:
        if pattern.search(text):
            return group
    return OTHER


def load(store) -> Grouping:
    """The stored grouping (the rules alone when nothing has been edited)."""
    if "documents" not in store.tables():
        return Grouping()
    body = store.scalar("SELECT body FROM documents WHERE name = :n", {"n": DOCUMENT})
    if not body:
        return Grouping()
    return Grouping(dict(json.loads(body).get("overrides", {})))


def save(store, edited: pd.DataFrame) -> Grouping:
    """Store the groups of an edited table (offense, group): only departures from the rules are kept.

    A blank group puts the name back under its rule.
    """
    overrides = {}
    for offense, group in zip(edited["offense"], edited["group"]):
        group = "" if group is None or pd.isna(group) else str(group).strip()
        if group and group != group_of(offense):
            overrides[str(offense)] = group
    body = json.dumps({"rules": [list(r) for r in RULES], "overrides": overrides}, sort_keys=True)
    with store.transaction():
        store.execute("DELETE FROM documents WHERE name = :n", {"n": DOCUMENT})
        store.execute(
            "INSERT INTO documents (name, body, updated_at) VALUES (:n, :b, :t)",
            {"n": DOCUMENT, "b": body, "t": pd.Timestamp.now().floor("s").to_pydatetime()},
        )
    return Grouping(overrides)


def updated_at(store) -> str:
    """When the grouping was last edited ("" if never): part of cache keys."""
    if "documents" not in store.tables():
        return ""
    value = store.scalar("SELECT updated_at FROM documents WHERE name = :n", {"n": DOCUMENT})
    return "" if value is None else str(value)
