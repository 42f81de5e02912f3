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
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

DOCUMENT = "offense_groups"
OTHER = "Other"

# (group, pattern): the first match wins. Patterns are regular expressions
# matched anywhere in the upper-cased raw name; \b keeps "SEX" out of "ESSEX".
RULES: tuple[tuple[str, str], ...] = (
    ("Homicide", r"HOMICID|MURDER|MANSLAUGHTER|FEMINICIDIO|ASESINATO"),
    (
        "Sexual offense",
        r"\bSEX|\bRAPE\b|SODOMY|FONDLING|INCEST|INDECEN|OBSCEN|PORNOGRAPH|VIOLACION(?! DE (DOMICILIO|MORADA))",
    ),
    (
        "Robbery",
        r"ROBBERY|CARJACK|ATRACO|\bASALTO\b|\bROBO\b(?! (DE|A|EN) (VEHICULO|AUTO|CARRO|MOTO|COCHE|CASA|VIVIENDA"
        r"|HABITACION|RESIDENCIA|DOMICILIO))",
    ),
    (
        "Motor vehicle theft",
        r"MOTOR VEHICLE THEFT|AUTO ?THEFT|VEHICLE THEFT|STOLEN (AUTO|VEHICLE|TRUCK|CAR\b)|THEFT OF (A |THE )?"
        r"(MOTOR )?(VEHICLE|AUTO|CAR\b|TRUCK|MOTORCYCLE)|(ROBO|HURTO) (DE|A) (VEHICULO|AUTO|CARRO|MOTO|COCHE)",
    ),
    (
        "Fraud",
        r"FRAUD|DECEPTIVE|FORGERY|COUNTERFEIT|SWINDLE|FALSE PRETENSE|IMPERSONATION|"
        r"IDENTI\w* THEFT|EMBEZZLE|BAD CHECK|EXTORTION|ESTAFA|FALSIFICACION|EXTORSION|SUPLANTACION",
    ),
    (
        "Burglary",
        r"BURGLARY|BREAKING AND ENTERING|ALLANAMIENTO|ESCALAMIENTO|"
        r"(ROBO|HURTO) (DE|A|EN) (CASA|VIVIENDA|HABITACION|RESIDENCIA|DOMICILIO)",
    ),
    ("Theft", r"THEFT|LARCENY|SHOPLIFT|POCKET|PURSE|STOLEN PROPERTY|HURTO|SUSTRACCION|\bROBO\b"),
    (
        "Assault and battery",
        r"ASSAULT|BATTERY|SHOOT|INTIMIDATION|THREAT|STALK|INFLICT INJURY|LESION|AGRESION|AMENAZA|\bRINA\b|DISPARO",
    ),
    (
        "Other violent",
        r"KIDNAP|ABDUCT|HUMAN TRAFFICKING|SECUESTRO|TRATA DE PERSONAS|PRIVACION (DE LA|ILEGAL DE LA) LIBERTAD",
    ),
    ("Arson", r"ARSON|INCENDIO"),
    ("Criminal damage", r"CRIMINAL DAMAGE|VANDALISM|DESTRUCTION|MALICIOUS MISCHIEF|GRAFFITI|\bDANOS?\b|VANDALISMO"),
    ("Drugs", r"NARCOTIC|DRUG|CONTROLLED SUBSTANCE|MARIJUANA|CANNABIS|NARCOMENUDEO|ESTUPEFACIENTE|DROGA|NARCOTRAFICO"),
    ("Weapons", r"WEAPON|CONCEALED CARRY|FIREARM|\bARMAS?\b(?! BLANCA)|PORTE ILEGAL"),
    ("Vice", r"PROSTITUT|GAMBLING|LIQUOR|PROXENETISMO"),
    (
        "Public order",
        r"TRESPASS|DISORDERLY|PUBLIC PEACE|INTERFERENCE|RESISTING|DRUNK|UNDER THE INFLUENCE|"
        r"UNDER INFLUENCE|LOITER|TRAFFIC|CURFEW|OBSTRUCT|VIOLACION DE (DOMICILIO|MORADA)|EBRIEDAD|"
        r"ALTERACION DEL ORDEN|DESORDEN",
    ),
    ("Children and family", r"CHILD|JUVENILE|FAMILY|RUNAWAY|FAMILIAR|\bMENOR(ES)?\b|INFANTIL"),
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
    text = fold(offense)
    for group, pattern in _COMPILED:
        if pattern.search(text):
            return group
    return OTHER


def fold(text) -> str:
    """Upper case without accents, as the rules match: ``'Lesiones dolosas por vehículo'`` -> ``'LESIONES DOLOSAS POR VEHICULO'``."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


# Names that read as offenses though no rule gives them a group ("WARRANT ARREST", "OTHER OFFENSES",
# "Delitos varios"): with the rules, what tells an offense column from a column of places or call sources.
OFFENSE_WORDS = re.compile(
    r"OFFEN[CS]E|CRIM|VIOLATION|WARRANT|ILLEGAL|UNLAWFUL|DELITO|INFRACCION|\bFALTA|HARASS|MISCHIEF|\bDUI\b|\bDWI\b|"
    r"BRIBERY|SUICID|MISSING|SUSPICIOUS|DISTURBANCE|EXPLOSIVE|BOMB|RECKLESS|SOLICIT|VAGRAN|CONTRABAND|PAROLE|"
    r"PROBATION|ESCAPE|FUGITIVE|CONSPIRACY|HATE|CRUELTY|NEGLECT|PERJURY|EVADING|ELUDING|HIT AND RUN|INVESTIGAT|"
    r"ABUSE|LOST PROPERTY|RECOVERED|PEACE|NUISANCE|TRAFICO|ACOSO|ABUSO|VIOLENCIA|ENCUBRIMIENTO|COHECHO|PECULADO"
)


def reads_as_offense(name) -> bool:
    """Whether a value reads as an offense name: a rule gives it a group, or it uses an offense word."""
    text = fold(name)
    return group_of(text) != OTHER or bool(OFFENSE_WORDS.search(text))


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
