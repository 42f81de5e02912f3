"""Detection by content: a column becomes a field only if its values read as that field.

Each case is a small export in the style of a records system (headers and a handful of values as
such systems write them); the expected mapping is what a clerk who knows the file would choose.
Where no column can be the offense, the load must stop and say how to name one.
"""

import pandas as pd
import pytest

from lib.ingest import mapping
from lib.ingest.readers import InputError


def _frame(columns: dict[str, list[str]]) -> pd.DataFrame:
    n = max(len(v) for v in columns.values())
    return pd.DataFrame({k: (v * n)[:n] for k, v in columns.items()}).astype("str")


# (export, field, expected column or None): the offense field.
OFFENSE_CASES = [
    (  # a shootings file: no offense column; the place type must not stand in
        {
            "INCIDENT_KEY": ["24050482", "77673979", "203350417"],
            "OCCUR_DATE": ["2006-08-27", "2011-03-11", "2019-10-06"],
            "LOCATION_DESC": ["MULTI DWELL - PUBLIC HOUS", "GROCERY/BODEGA", "BAR/NIGHT CLUB"],
            "PRECINCT": ["52", "73", "44"],
        },
        None,
    ),
    (  # a CAD export: the call source is not the offense
        {
            "Call Date": ["03/01/2022 10:14", "03/01/2022 11:02", "03/02/2022 00:15"],
            "Category": ["911", "ONVIEW", "PHONE"],
            "Beat": ["A1", "B2", "C3"],
        },
        None,
    ),
    (  # premises under a "Type" header
        {
            "Date": ["2021-01-03", "2021-01-04", "2021-01-05", "2021-01-06"],
            "Type": ["Residence", "Street", "Hotel/Motel", "Parking Lot"],
            "District": ["1", "2", "3", "4"],
        },
        None,
    ),
    (  # census block ids under "Description"
        {
            "Date": ["2021-01-03", "2021-01-04", "2021-01-05"],
            "Description": ["170318391001000", "170318391001017", "170313201002004"],
        },
        None,
    ),
    (  # an offense column with a plain header and offense-like values
        {
            "Date": ["2021-01-03", "2021-01-04", "2021-01-05"],
            "Category": ["LARCENY/THEFT", "VEHICLE THEFT", "WARRANTS"],
            "Location": ["residence", "street", "hotel"],
        },
        "Category",
    ),
    (  # the header says offense; the values are the department's own wording
        {
            "Report Date": ["2021-01-03", "2021-01-04", "2021-01-05"],
            "Offense Description": ["INVESTIGATE PERSON", "SICK ASSIST", "TOWED MOTOR VEHICLE"],
        },
        "Offense Description",
    ),
    (  # no offense header at all, but a column of offense names
        {
            "when": ["2021-01-03 10:00", "2021-01-04 11:00", "2021-01-05 12:00"],
            "what": ["Burglary - Residential", "Aggravated Assault", "Theft from Vehicle"],
            "where": ["Apartment", "Street", "Parking Lot"],
        },
        "what",
    ),
    (  # Spanish: delito
        {
            "fecha_hecho": ["01/02/2021", "15/02/2021", "28/02/2021"],
            "delito": ["HURTO A PERSONAS", "LESIONES PERSONALES", "HURTO DE MOTOCICLETAS"],
            "barrio": ["La Candelaria", "Belén", "Robledo"],
        },
        "delito",
    ),
    (  # Spanish premise under "tipo de lugar" and offense under "conducta"
        {
            "fecha": ["2021-02-01", "2021-02-02", "2021-02-03"],
            "lugar": ["Vía pública", "Casa", "Establecimiento comercial"],
            "conducta": ["Robo a transeúnte", "Violencia familiar", "Robo de vehículo"],
        },
        "conducta",
    ),
]


@pytest.mark.parametrize("columns, expected", OFFENSE_CASES)
def test_offense_is_taken_only_from_values_that_read_as_offenses(columns, expected):
    detected = mapping.detect("incidents", _frame(columns))
    assert detected.column("offense") == expected


def test_no_offense_column_stops_the_load_and_says_what_to_do():
    frame = _frame(OFFENSE_CASES[0][0])
    detected = mapping.detect("incidents", frame)
    with pytest.raises(InputError) as caught:
        mapping.require(detected, frame)
    text = str(caught.value)
    assert "--map offense=COLUMN" in text and "--set offense=VALUE" in text
    assert "LOCATION_DESC" in text and "place types" in text


BLOCK_CASES = [
    ({"Date": ["2021-01-03"], "Offense": ["THEFT"], "Block": ["024XX W MAIN ST"]}, ("Block",)),
    ({"Date": ["2021-01-03"], "Offense": ["THEFT"], "Address": ["COLUMBUS AV / KEARNY ST"]}, ("Address",)),
    (  # a place type under "Location" is not an address
        {"Date": ["2021-01-03", "2021-01-04"], "Offense": ["THEFT"], "Location": ["apartment parking lot", "bar"]},
        None,
    ),
    (  # a census block number is not a street block
        {"Date": ["2021-01-03"], "Offense": ["THEFT"], "Census Block": ["170318391001000"]},
        None,
    ),
    (  # a block range beside its street: both
        {
            "Date": ["2021-01-03"],
            "Offense": ["THEFT"],
            "BlockRange": ["2100-2199"],
            "StreetName": ["RUNNELS"],
            "StreetType": ["ST"],
        },
        ("BlockRange", "StreetName", "StreetType"),
    ),
    ({"fecha": ["2021-01-03"], "delito": ["HURTO"], "direccion": ["CL 50 # 45-20"]}, ("direccion",)),
]


@pytest.mark.parametrize("columns, expected", BLOCK_CASES)
def test_block_is_an_address(columns, expected):
    choice = mapping.detect("incidents", _frame(columns)).choices.get("block")
    assert (choice.columns if choice else None) == expected


DATE_AND_AREA_CASES = [
    (  # a "Date" holding years only is not when it happened; the real date is found by its header
        {"Date": ["2019", "2020"], "Occurred": ["2019-03-01 10:00", "2020-04-01 11:00"], "Offense": ["THEFT"]},
        "occurred_at",
        "Occurred",
    ),
    (  # Spanish date header
        {"fecha_hecho": ["2021-03-01 10:00", "2021-03-02 11:00"], "delito": ["HURTO"]},
        "occurred_at",
        "fecha_hecho",
    ),
    (  # a "Zone" of free narrative is not an area code
        {
            "Date": ["2021-01-03"],
            "Offense": ["THEFT"],
            "Zone": ["suspect was seen walking north on main street after the incident near the store"],
        },
        "area",
        None,
    ),
    ({"Date": ["2021-01-03"], "Offense": ["THEFT"], "comuna": ["10"]}, "area", "comuna"),
    ({"Date": ["2021-01-03"], "Offense": ["THEFT"], "Offense Count": ["2"]}, "count", "Offense Count"),
    ({"Date": ["2021-01-03"], "Offense": ["THEFT"], "Number of offenses": ["1"]}, "count", "Number of offenses"),
    (  # a house number is not a count
        {"Date": ["2021-01-03", "2021-01-04"], "Offense": ["THEFT"], "Number": ["9650", "4750"]},
        "count",
        None,
    ),
    ({"fecha": ["2021-01-03"], "delito": ["HURTO"], "cantidad": ["3"]}, "count", "cantidad"),
    (
        {"fecha": ["2021-01-03"], "delito": ["HURTO"], "latitud": ["6,2441"], "longitud": ["-75,5812"]},
        "latitude",
        "latitud",
    ),
]


@pytest.mark.parametrize("columns, field, expected", DATE_AND_AREA_CASES)
def test_dates_areas_and_counts_by_content(columns, field, expected):
    assert mapping.detect("incidents", _frame(columns)).column(field) == expected


SPANISH_OTHER_KINDS = [
    (
        "events",
        {"titulo": ["Reunión de cuadrante"], "fecha_inicio": ["2023-05-01 18:00"], "lugar": ["Biblioteca"]},
        {"title": "titulo", "starts_at": "fecha_inicio", "location": "lugar"},
    ),
    (
        "stations",
        {
            "nombre": ["Estación Candelaria"],
            "direccion": ["Cra 50 # 45-20"],
            "latitud": ["6,2441"],
            "longitud": ["-75,58"],
        },
        {"name": "nombre", "address": "direccion", "latitude": "latitud", "longitude": "longitud"},
    ),
    ("population", {"comuna": ["10"], "poblacion": ["85000"]}, {"area": "comuna", "population": "poblacion"}),
]


@pytest.mark.parametrize("kind, columns, expected", SPANISH_OTHER_KINDS, ids=[k for k, _, _ in SPANISH_OTHER_KINDS])
def test_spanish_headers_of_other_kinds(kind, columns, expected):
    assert mapping.detect(kind, _frame(columns)).as_dict() == expected
