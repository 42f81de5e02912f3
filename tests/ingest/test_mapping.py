"""Column mapping detection, as tables: (export headers and a sample row) -> expected mapping.

The header sets are those of public exports of US police departments' open-data portals.
"""

import pandas as pd
import pytest

from lib.ingest import mapping
from lib.ingest.readers import InputError


def _frame(row: dict) -> pd.DataFrame:
    return pd.DataFrame([row, row]).astype("str")


INCIDENT_EXPORTS = [
    (  # Chicago "Crimes - 2001 to present"
        {
            "ID": "11023904",
            "Case Number": "JA354631",
            "Date": "07/19/2017 01:45:00 PM",
            "Block": "024XX W LITHUANIAN PLAZA CT",
            "IUCR": "143A",
            "Primary Type": "WEAPONS VIOLATION",
            "Description": "UNLAWFUL POSS OF HANDGUN",
            "Beat": "0832",
            "District": "008",
            "X Coordinate": "1161120",
            "Y Coordinate": "1858829",
            "Latitude": "41.768",
            "Longitude": "-87.684",
        },
        {
            "incident_id": "ID",
            "occurred_at": "Date",
            "offense": "Primary Type",
            "area": "Beat",
            "block": "Block",
            "latitude": "Latitude",
            "longitude": "Longitude",
            "x": "X Coordinate",
            "y": "Y Coordinate",
        },
    ),
    (  # Los Angeles "Crime Data from 2020 to Present"
        {
            "DR_NO": "190101086",
            "Date Rptd": "01/02/2020 12:00:00 AM",
            "DATE OCC": "01/01/2020 12:00:00 AM",
            "TIME OCC": "2130",
            "AREA": "01",
            "AREA NAME": "Central",
            "Crm Cd": "624",
            "Crm Cd Desc": "BATTERY - SIMPLE ASSAULT",
            "LOCATION": "100 W  1ST ST",
            "LAT": "34.05",
            "LON": "-118.24",
        },
        {
            "incident_id": "DR_NO",
            "occurred_at": "DATE OCC",
            "occurred_time": "TIME OCC",
            "offense": "Crm Cd Desc",
            "area": "AREA",
            "block": "LOCATION",
            "latitude": "LAT",
            "longitude": "LON",
        },
    ),
    (  # Seattle "SPD Crime Data: 2008-Present"
        {
            "Report Number": "2020-044620",
            "Offense ID": "12605873663",
            "Offense Start DateTime": "02/05/2020 10:10:00 AM",
            "Report DateTime": "02/05/2020 11:24:31 AM",
            "Offense Parent Group": "LARCENY-THEFT",
            "Offense": "Theft From Building",
            "Offense Code": "23D",
            "Precinct": "W",
            "Sector": "Q",
            "Beat": "Q1",
            "100 Block Address": "13XX BLOCK OF EMERSON ST",
            "Longitude": "-122.38",
            "Latitude": "47.65",
        },
        {
            "incident_id": "Report Number",
            "occurred_at": "Offense Start DateTime",
            "offense": "Offense",
            "area": "Beat",
            "block": "100 Block Address",
            "latitude": "Latitude",
            "longitude": "Longitude",
        },
    ),
    (  # Denver "Crime"
        {
            "incident_id": "2019245913",
            "offense_code": "2399",
            "offense_type_id": "theft-other",
            "first_occurrence_date": "4/16/2019 3:00:00 PM",
            "reported_date": "4/17/2019 10:00:00 AM",
            "incident_address": "1000 N BROADWAY",
            "geo_x": "3144612",
            "geo_y": "1693011",
            "geo_lon": "-104.98",
            "geo_lat": "39.73",
            "district_id": "6",
            "precinct_id": "611",
        },
        {
            "incident_id": "incident_id",
            "occurred_at": "first_occurrence_date",
            "offense": "offense_type_id",
            "area": "precinct_id",
            "block": "incident_address",
            "latitude": "geo_lat",
            "longitude": "geo_lon",
            "x": "geo_x",
            "y": "geo_y",
        },
    ),
    (  # Philadelphia "Crime Incidents"
        {
            "dc_dist": "18",
            "psa": "3",
            "dispatch_date_time": "2019-06-22 19:00:00",
            "hour_": "19",
            "dc_key": "201918039425",
            "location_block": "S 52ND ST  / CEDAR AVE",
            "ucr_general": "600",
            "text_general_code": "Thefts",
            "point_x": "-75.22",
            "point_y": "39.95",
            "lat": "39.95",
            "lng": "-75.22",
        },
        {
            "incident_id": "dc_key",
            "occurred_at": "dispatch_date_time",
            "offense": "text_general_code",
            "area": "psa",
            "block": "location_block",
            "latitude": "lat",
            "longitude": "lng",
        },
    ),
    (  # Boston "Crime Incident Reports"
        {
            "INCIDENT_NUMBER": "I192068249",
            "OFFENSE_CODE": "3115",
            "OFFENSE_DESCRIPTION": "INVESTIGATE PERSON",
            "DISTRICT": "C11",
            "REPORTING_AREA": "355",
            "OCCURRED_ON_DATE": "2019-08-28 10:00:00",
            "STREET": "DEVON ST",
            "Lat": "42.30",
            "Long": "-71.07",
        },
        {
            "incident_id": "INCIDENT_NUMBER",
            "occurred_at": "OCCURRED_ON_DATE",
            "offense": "OFFENSE_DESCRIPTION",
            "area": "DISTRICT",
            "latitude": "Lat",
            "longitude": "Long",
        },
    ),
    (  # New York "NYPD Complaint Data"
        {
            "CMPLNT_NUM": "261191034",
            "CMPLNT_FR_DT": "12/31/2022",
            "CMPLNT_FR_TM": "23:15:00",
            "CMPLNT_TO_DT": "01/01/2023",
            "ADDR_PCT_CD": "43",
            "OFNS_DESC": "PETIT LARCENY",
            "X_COORD_CD": "1020000",
            "Y_COORD_CD": "240000",
            "Latitude": "40.83",
            "Longitude": "-73.86",
        },
        {
            "incident_id": "CMPLNT_NUM",
            "occurred_at": "CMPLNT_FR_DT",
            "occurred_time": "CMPLNT_FR_TM",
            "offense": "OFNS_DESC",
            "area": "ADDR_PCT_CD",
            "latitude": "Latitude",
            "longitude": "Longitude",
            "x": "X_COORD_CD",
            "y": "Y_COORD_CD",
        },
    ),
    (  # An RMS extract with split date and hour, NIBRS wording, no coordinates
        {
            "Report Date": "2018-06-02",
            "Occurrence Date": "2018-06-01",
            "Occurrence Hour": "00",
            "NIBRS Description": "Simple assault",
            "Offense Count": "1",
            "Beat": "10H70",
            "Block Range": "6600-6699",
            "Street Name": "FANNIN",
        },
        {
            "occurred_at": "Occurrence Date",
            "occurred_time": "Occurrence Hour",
            "offense": "NIBRS Description",
            "area": "Beat",
            "block": "Block Range + Street Name",
            "count": "Offense Count",
        },
    ),
    (  # A "Location" column holding a point written as text is not an address
        {
            "Incident Number": "1",
            "Incident Date": "2019-01-01",
            "Incident Category": "Assault",
            "Police District": "Central",
            "Location": "(37.79, -122.40)",
            "Latitude": "37.79",
            "Longitude": "-122.40",
        },
        {
            "incident_id": "Incident Number",
            "occurred_at": "Incident Date",
            "offense": "Incident Category",
            "area": "Police District",
            "latitude": "Latitude",
            "longitude": "Longitude",
        },
    ),
]


@pytest.mark.parametrize("row, expected", INCIDENT_EXPORTS, ids=[e[1]["occurred_at"] for e in INCIDENT_EXPORTS])
def test_incident_columns_are_detected(row, expected):
    assert mapping.detect("incidents", _frame(row)).as_dict() == expected


OTHER_KINDS = [
    (
        "events",
        {
            "district": "25",
            "start": "2017-12-28T18:30:00",
            "end": "2017-12-28T19:30:00",
            "title": "2514 Beat Meeting",
            "eventDetails": "Bi-monthly meeting",
            "location": "St. Ferdinand's 3115 N. Mason",
        },
        {
            "title": "title",
            "description": "eventDetails",
            "starts_at": "start",
            "ends_at": "end",
            "area": "district",
            "location": "location",
        },
    ),
    (
        "events",
        {
            "Event ID": "77",
            "Event Name": "Coffee with a Cop",
            "Event Type": "Coffee",
            "Start Date": "2024-03-02 09:00",
            "End Date": "2024-03-02 10:30",
            "Beat": "B2",
            "Venue": "Main St Library",
            "Attendance": "23",
        },
        {
            "event_id": "Event ID",
            "title": "Event Name",
            "event_type": "Event Type",
            "starts_at": "Start Date",
            "ends_at": "End Date",
            "area": "Beat",
            "location": "Venue",
            "attendance": "Attendance",
        },
    ),
    (
        "scores",
        {
            "ORG_LEVEL": "Other",
            "CITY": "chicago",
            "AREA": "area_5",
            "DISTRICT": "14",
            "SECTOR": "1420",
            "SAFETY": "56.69",
            "TRUST": "60.9",
            "START_DATE": "04/01/2021",
            "END_DATE": "04/30/2021",
        },
        {"period_start": "START_DATE", "period_end": "END_DATE", "area": "CITY + AREA + DISTRICT + SECTOR"},
    ),
    (
        "survey",
        {"ID": "1", "DISTRICT": "A", "BLOCK_LAT": "35.79", "BLOCK_LON": "-78.64", "Q1": "5"},
        {"response_id": "ID", "area": "DISTRICT", "latitude": "BLOCK_LAT", "longitude": "BLOCK_LON"},
    ),
    (
        "stations",
        {
            "DISTRICT": "18",
            "DISTRICT NAME": "Near North",
            "ADDRESS": "1160 N Larrabee St",
            "LATITUDE": "41.90",
            "LONGITUDE": "-87.64",
        },
        {
            "name": "DISTRICT NAME",
            "area": "DISTRICT",
            "address": "ADDRESS",
            "latitude": "LATITUDE",
            "longitude": "LONGITUDE",
        },
    ),
    ("population", {"beat": "0832", "total_population": "5210"}, {"area": "beat", "population": "total_population"}),
    (
        "complaints",
        {
            "cr_id": "258996",
            "beat": "1524",
            "location_code": "04",
            "incident_datetime": "2000-01-01 01:20:00",
            "complaint_date": "2000-01-01 00:00:00",
            "closed_date": "2001-01-26 00:00:00",
        },
        {
            "complaint_id": "cr_id",
            "received_at": "complaint_date",
            "occurred_at": "incident_datetime",
            "closed_at": "closed_date",
            "area": "beat",
        },
    ),
    (
        "allegations",
        {
            "cr_id": "258996",
            "current_unit": "018",
            "complaint_category": "01A-USE OF PROFANITY",
            "recommended_finding": "NS",
            "recommended_discipline": "600.0",
            "final_finding": "NS",
            "final_discipline": "600.0",
        },
        {
            "complaint_id": "cr_id",
            "category": "complaint_category",
            "recommended_finding": "recommended_finding",
            "finding": "final_finding",
            "discipline": "final_discipline",
            "unit": "current_unit",
        },
    ),
    (
        "commendations",
        {
            "row_id": "1",
            "rank": "9171-SERGEANT OF POLICE",
            "award_type": "HONORABLE MENTION",
            "award_request_date": "2017-12-06",
            "award_start_date": "2017-10-30",
            "current_award_status": "FINAL",
        },
        {
            "commendation_id": "row_id",
            "awarded_at": "award_request_date",
            "award_type": "award_type",
            "status": "current_award_status",
        },
    ),
    (
        "complaints",
        {"File No": "IA2022-001", "Date Rec'd": "2022-01-04", "Completed": "2022-03-15", "Sector": "832"},
        {"complaint_id": "File No", "received_at": "Date Rec'd", "closed_at": "Completed", "area": "Sector"},
    ),
]


@pytest.mark.parametrize("kind, row, expected", OTHER_KINDS, ids=[k for k, _, _ in OTHER_KINDS])
def test_other_kinds_are_detected(kind, row, expected):
    assert mapping.detect(kind, _frame(row)).as_dict() == expected


def test_a_type_column_that_never_varies_is_not_the_event_type():
    frame = pd.DataFrame({"name": ["A", "B"] * 15, "_type": ["event"] * 30, "start_time": ["2018-01-01 10:00"] * 30})
    assert "event_type" not in mapping.detect("events", frame).choices


@pytest.mark.parametrize(
    "maps, sets, expected",
    [
        ({"offense": "Category"}, {}, {"offense": "Category"}),
        ({"block": "Block Range+Street"}, {}, {"block": "Block Range + Street"}),
        ({"area": ""}, {}, {"area": None}),
        ({}, {"offense": "Shooting"}, {"offense": "= 'Shooting'"}),
    ],
)
def test_overrides(maps, sets, expected):
    frame = pd.DataFrame(
        {"Date": ["2019-01-01"], "Category": ["X"], "Beat": ["1"], "Block Range": ["1-99"], "Street": ["MAIN"]}
    )
    got = mapping.apply_overrides(mapping.detect("incidents", frame), frame, maps, sets).as_dict()
    for field, value in expected.items():
        assert got.get(field) == value


@pytest.mark.parametrize(
    "maps, sets, message",
    [
        ({"offense": "Crime"}, {}, "no column 'Crime'"),
        ({"ofense": "Category"}, {}, "no field 'ofense'"),
        ({}, {"colour": "red"}, "no field 'colour'"),
    ],
)
def test_bad_overrides_say_what_is_wrong(maps, sets, message):
    frame = pd.DataFrame({"Date": ["2019-01-01"], "Category": ["X"]})
    with pytest.raises(InputError, match=message):
        mapping.apply_overrides(mapping.detect("incidents", frame), frame, maps, sets)


def test_missing_required_field_names_the_options():
    frame = pd.DataFrame({"OCCUR_DATE": ["2019-01-01"], "PRECINCT": ["75"]})
    detected = mapping.detect("incidents", frame)
    with pytest.raises(InputError, match=r"'offense'.*--map offense=COLUMN.*--set offense=VALUE"):
        mapping.require(detected, frame)


@pytest.mark.parametrize(
    "header, key, tokens",
    [
        ("OCCUR_DATE", "occurdate", {"occur", "date"}),
        ("occurDate", "occurdate", {"occur", "date"}),
        ("NIBRS Description", "nibrsdescription", {"nibrs", "description"}),
        ("BLOCK_LAT", "blocklat", {"block", "lat"}),
    ],
)
def test_header_normalisation(header, key, tokens):
    assert mapping.header_key(header) == key
    assert mapping.header_tokens(header) == tokens
