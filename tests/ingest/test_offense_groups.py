"""Offense groups: the recoding table, and edits stored in the documents table (both engines)."""

import pandas as pd
import pytest

from lib.ingest import offense_groups
from lib.store.schema import create_tables

# (raw offense name as records systems write it, group): one row per rule, plus the traps.
TABLE = [
    ("HOMICIDE", "Homicide"),
    ("Murder, non-negligent manslaughter", "Homicide"),
    ("CRIM SEXUAL ASSAULT", "Sexual offense"),
    ("Forcible rape", "Sexual offense"),
    ("SEX OFFENSE", "Sexual offense"),
    ("ROBBERY", "Robbery"),
    ("Carjacking", "Robbery"),
    ("MOTOR VEHICLE THEFT", "Motor vehicle theft"),
    ("auto theft", "Motor vehicle theft"),
    ("STOLEN AUTOMOBILE", "Motor vehicle theft"),
    ("Theft from motor vehicle", "Theft"),  # a theft from a car, not of it
    ("DECEPTIVE PRACTICE", "Fraud"),
    ("Identity theft", "Fraud"),  # fraud, before the theft rule
    ("Credit card/ATM fraud", "Fraud"),
    ("BURGLARY", "Burglary"),
    ("Burglary/Breaking & Entering", "Burglary"),
    ("THEFT", "Theft"),
    ("LARCENY/THEFT", "Theft"),
    ("Shoplifting", "Theft"),
    ("Pocket-picking", "Theft"),
    ("BATTERY", "Assault and battery"),
    ("AGGRAVATED ASSAULT", "Assault and battery"),
    ("Aggravated assault with a deadly weapon", "Assault and battery"),  # assault before weapons
    ("Shooting", "Assault and battery"),
    ("Intimidation", "Assault and battery"),
    ("KIDNAPPING", "Other violent"),
    ("ARSON", "Arson"),
    ("CRIMINAL DAMAGE", "Criminal damage"),
    ("Destruction/Damage/Vandalism of Property", "Criminal damage"),
    ("NARCOTICS", "Drugs"),
    ("Drug equipment violations", "Drugs"),
    ("WEAPONS VIOLATION", "Weapons"),
    ("PROSTITUTION", "Vice"),
    ("GAMBLING", "Vice"),
    ("CRIMINAL TRESPASS", "Public order"),
    ("Disorderly conduct", "Public order"),
    ("Driving under the influence", "Public order"),
    ("OFFENSE INVOLVING CHILDREN", "Children and family"),
    ("Family offenses, nonviolent", "Children and family"),
    ("OTHER OFFENSE", "Other"),
    ("NON-CRIMINAL", "Other"),
    ("ESSEX ST DISTURBANCE CALL", "Other"),  # "SEX" inside a word is not a sexual offense
    ("", "Other"),
    # Wordings that once fell in Other, and Spanish-language records systems
    ("AUTOTHEFT", "Motor vehicle theft"),
    ("THEFT OF VEHICLE", "Motor vehicle theft"),
    ("Hurto de motocicletas", "Motor vehicle theft"),
    ("Robo de vehículo con violencia", "Motor vehicle theft"),
    ("HOMICIDIO", "Homicide"),
    ("Feminicidio", "Homicide"),
    ("Violación", "Sexual offense"),
    ("Abuso sexual", "Sexual offense"),
    ("Violación de domicilio", "Public order"),  # trespass, not a sexual offense
    ("Robo a transeúnte en vía pública", "Robbery"),
    ("Robo a casa habitación", "Burglary"),
    ("Hurto a personas", "Theft"),
    ("Lesiones personales", "Assault and battery"),
    ("Amenazas", "Assault and battery"),
    ("Secuestro extorsivo", "Other violent"),
    ("Extorsión", "Fraud"),
    ("Daño en propiedad ajena", "Criminal damage"),
    ("Narcomenudeo", "Drugs"),
    ("Porte ilegal de armas", "Weapons"),
    ("Violencia familiar", "Children and family"),
]


@pytest.mark.parametrize(
    "value, offense",
    [
        ("WARRANT ARREST", True),
        ("OTHER OFFENSES", True),
        ("Delitos varios", True),
        ("RESIDENCE", False),
        ("PARKING LOT", False),
        ("ONVIEW", False),
        ("911", False),
        ("Vía pública", False),
    ],
)
def test_what_reads_as_an_offense(value, offense):
    assert offense_groups.reads_as_offense(value) is offense


@pytest.mark.parametrize("raw, group", TABLE)
def test_rules(raw, group):
    assert offense_groups.group_of(raw) == group


def test_every_group_has_a_row_in_the_table():
    assert {g for _, g in TABLE} == set(offense_groups.GROUPS)


def test_offenses_in_groups():
    grouping = offense_groups.Grouping()
    names = ["THEFT", "ROBBERY", "MOTOR VEHICLE THEFT", "BATTERY"]
    assert grouping.offenses_in(["Theft", "Robbery"], names) == ("ROBBERY", "THEFT")
    assert grouping.offenses_in(["Arson"], names) == ()


def test_edits_are_stored_and_override_the_rules(any_store):
    create_tables(any_store)
    assert offense_groups.load(any_store).overrides == {}
    names = ["THEFT", "BATTERY", "HUMAN TRAFFICKING - COMMERCIAL SEX ACTS"]
    edited = offense_groups.Grouping().frame(names)
    edited.loc[edited["offense"] == "BATTERY", "group"] = "Robbery"
    edited.loc[edited["offense"] == "THEFT", "group"] = None  # blank: keep the rule
    saved = offense_groups.save(any_store, edited)
    assert saved.overrides == {"BATTERY": "Robbery"}
    loaded = offense_groups.load(any_store)
    assert loaded == saved
    assert loaded.group_of("BATTERY") == "Robbery" and loaded.group_of("THEFT") == "Theft"
    assert loaded.frame(names).set_index("offense").loc["BATTERY", "how"] == "edited"
    assert offense_groups.updated_at(any_store) != ""
    # Saving again replaces the document rather than adding a second one.
    offense_groups.save(any_store, pd.DataFrame({"offense": ["BATTERY"], "group": ["Assault and battery"]}))
    assert any_store.scalar("SELECT count(*) FROM documents WHERE name = 'offense_groups'") == 1
    assert offense_groups.load(any_store).overrides == {}


def test_the_data_doc_describes_every_group_in_rule_order():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "data.md").read_text()
    prose = doc.split("## Offense groups", 1)[1]
    positions = [prose.index(f"**{group}**") for group in offense_groups.GROUPS]
    assert positions == sorted(positions)
