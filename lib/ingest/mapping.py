"""Column mapping: which source column feeds each canonical field.

Detection reads the headers of the export and, to break ties and avoid false
friends, a sample of the values. The vocabulary below comes from the public
exports of US police departments (Socrata, ArcGIS Hub, CKAN portals and RMS
extracts): ``OCCUR_DATE``, ``primary_type``, ``NIBRS Description``,
``PdDistrict``, ``Latitude`` ... Headers are compared after lower-casing and
dropping everything but letters and digits, so ``OCCUR_DATE``, ``Occur Date``
and ``occurDate`` are one name.

The user sees the result and can override any field:

- ``--map offense="NIBRS Description"``: take the field from that column;
- ``--map block="Block Range+Street Name"``: join several columns with spaces;
- ``--map area=CITY,DISTRICT,SECTOR``: (scores) area columns, coarse to fine;
- ``--map area=``: do not use the detected column;
- ``--set offense=Shooting``: one value for the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from lib.ingest import parse
from lib.ingest.readers import InputError
from lib.store.schema import KINDS

_POINT_SYNONYMS = {
    "latitude": ("latitude", "lat", "geolat", "ylat", "latitudey", "gpslatitude", "pointy", "latitud", "y"),
    "longitude": (
        "longitude",
        "lon",
        "lng",
        "long",
        "geolon",
        "xlon",
        "longitudex",
        "gpslongitude",
        "pointx",
        "longitud",
        "x",
    ),
    "x": ("xcoordcd", "xcoordinate", "xcoord", "geox", "easting", "xcoordinatestateplane", "x"),
    "y": ("ycoordcd", "ycoordinate", "ycoord", "geoy", "northing", "ycoordinatestateplane", "y"),
}

# field -> header names, most specific first. Sources: Socrata/ArcGIS exports of Chicago, Los
# Angeles (DATE OCC, Crm Cd Desc), Seattle (Offense Start DateTime, 100 Block Address), Denver
# (first_occurrence_date, offense_type_id, geo_lat), Philadelphia (dispatch_date_time,
# text_general_code, dc_dist), Boston (OCCURRED_ON_DATE), Austin (Highest Offense Description),
# New York (CMPLNT_FR_DT, OFNS_DESC, ADDR_PCT_CD) and NIBRS-style RMS extracts.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "incidents": {
        "incident_id": (
            "incidentid",
            "incidentkey",
            "incidntnum",
            "incidentnumber",
            "incidentnum",
            "incidentno",
            "id",
            "caseid",
            "casenumber",
            "caseno",
            "casenum",
            "casenbr",
            "reportnumber",
            "reportno",
            "drno",
            "dckey",
            "rdno",
            "ccn",
            "eventnumber",
            "cmplntnum",
            "ucrnumber",
            "incidentnumberwyear",
            "offenseid",
            "folio",
            "idcarpeta",
            "carpetaid",
            "numerocaso",
            "nocaso",
            "expediente",
        ),
        "occurred_at": (
            "occurredat",
            "occurred",
            "occurreddatetime",
            "occurreddate",
            "occurdate",
            "occurrencedate",
            "occurredondate",
            "occurredon",
            "dateoccurred",
            "dateocc",
            "dateofoccurrence",
            "occurreddt",
            "offensestartdatetime",
            "firstoccurrencedate",
            "date1ofoccurrence",
            "incidentdatetime",
            "incidentdate",
            "offensedate",
            "crimedatetime",
            "crimedate",
            "cmplntfrdt",
            "fromdate",
            "dispatchdatetime",
            "dispatchdate",
            "date",
            "datetime",
            "eventdate",
            "startdate",
            "reportdate",
            "reporteddate",
            "datereported",
            # Spanish-language exports (Colombia, Mexico, Spain, Argentina ...)
            "fechahecho",
            "fechadelhecho",
            "fechahora",
            "fechaocurrencia",
            "fechadeocurrencia",
            "fechainicio",
            "fecha",
        ),
        "occurred_time": (
            "occurredtime",
            "occurtime",
            "occurrencetime",
            "timeoccurred",
            "timeocc",
            "incidenttime",
            "time1ofoccurrence",
            "cmplntfrtm",
            "fromtime",
            "dispatchtime",
            "time",
            "occurrencehour",
            "occurredhour",
            "hour",
            "horahecho",
            "horadelhecho",
            "horaocurrencia",
            "hora",
        ),
        "offense": (
            "offense",
            "offensetype",
            "offensedescription",
            "offensedesc",
            "primarytype",
            "nibrsdescription",
            "nibrsoffense",
            "highestoffensedescription",
            "crmcddesc",
            "textgeneralcode",
            "offensetypeid",
            "ucrdescription",
            "ofnsdesc",
            "crimetype",
            "crimedescription",
            "crimecategory",
            "offensecategory",
            "offensecategoryid",
            "incidentcategory",
            "typeofincident",
            "category",
            "crime",
            "incidenttype",
            "offenseparentgroup",
            "calltype",
            "description",
            "delito",
            "tipodelito",
            "tipodedelito",
            "delitos",
            "conducta",
            "categoriadelito",
            "categoria",
        ),
        "count": (
            "count",
            "offensecount",
            "offensescount",
            "offenses",
            "numberofoffenses",
            "numoffenses",
            "nooffenses",
            "incidentcount",
            "numberofincidents",
            "incidents",
            "crimecount",
            "crimes",
            "numberofcrimes",
            "victimcount",
            "total",
            "cantidad",
            "numerodehechos",
            "numerohechos",
            "casos",
            "number",
        ),
        **_POINT_SYNONYMS,
        "area": (
            "beat",
            "beatnum",
            "policebeat",
            "sector",
            "psa",
            "precinct",
            "precinctid",
            "pddistrict",
            "policedistrict",
            "district",
            "districtid",
            "dcdist",
            "addrpctcd",
            "rptdistno",
            "reportingarea",
            "division",
            "patrolarea",
            "zone",
            "area",
            "barrio",
            "comuna",
            "distrito",
            "cuadrante",
            "alcaldia",
            "colonia",
            "localidad",
            "zona",
        ),
        "block": (
            "block",
            "blockaddress",
            "hundredblock",
            "100blockaddress",
            "locationblock",
            "blockrange",
            "address",
            "incidentaddress",
            "streetaddress",
            "location",
            "direccion",
            "direccionhecho",
            "calle",
            "domicilio",
            "ubicacion",
        ),
    },
    "survey": {
        "response_id": ("responseid", "respondentid", "respondent", "id", "recordid", "caseid", "surveyid"),
        "responded_at": (
            "respondedat",
            "responsedate",
            "surveydate",
            "submittedat",
            "submitted",
            "recordeddate",
            "completed",
            "enddate",
            "startdate",
            "date",
            "timestamp",
            "fecharespuesta",
            "fecha",
        ),
        **_POINT_SYNONYMS,
        "area": (
            "area",
            "district",
            "councildistrict",
            "beat",
            "precinct",
            "ward",
            "zone",
            "neighborhood",
            "neighbourhood",
            "barrio",
            "comuna",
            "distrito",
        ),
        "weight": ("weight", "finalweight", "wt", "weights", "surveyweight"),
    },
    "scores": {
        "period_start": ("periodstart", "startdate", "start", "monthstart", "month", "period", "date"),
        "period_end": ("periodend", "enddate", "end", "monthend"),
        # Hierarchy order, coarse to fine: every matching column is taken.
        "area": (
            "city",
            "area",
            "division",
            "district",
            "precinct",
            "sector",
            "beat",
            "neighborhood",
            "neighbourhood",
            "ward",
            "zone",
        ),
        "n": ("n", "respondents", "responses", "samplesize", "numberofrespondents"),
    },
    "events": {
        "event_id": ("eventid", "id", "uid", "uuid"),
        "title": ("title", "eventtitle", "name", "eventname", "subject", "summary", "titulo", "evento", "nombreevento"),
        "event_type": ("eventtype", "type", "category", "eventcategory", "program", "programme"),
        "description": ("description", "eventdetails", "details", "eventdescription", "notes", "body"),
        "starts_at": (
            "startsat",
            "start",
            "starttime",
            "startdatetime",
            "startdate",
            "begin",
            "dtstart",
            "eventdate",
            "date",
            "fechainicio",
            "inicio",
            "fechahora",
            "fecha",
        ),
        "ends_at": ("endsat", "end", "endtime", "enddatetime", "enddate", "finish", "dtend", "fechafin", "fin"),
        "area": ("district", "beat", "area", "precinct", "sector", "zone", "distrito", "barrio", "comuna", "cuadrante"),
        "location": (
            "location",
            "locationaddress",
            "address",
            "venue",
            "venueaddress",
            "locationname",
            "place",
            "lugar",
            "sede",
            "direccion",
        ),
        **_POINT_SYNONYMS,
        "attendance": (
            "attendance",
            "attendees",
            "attended",
            "participants",
            "headcount",
            "numberattending",
            "turnout",
            "asistentes",
            "asistencia",
            "participantes",
        ),
    },
    "stations": {
        "name": (
            "name",
            "stationname",
            "districtname",
            "facilityname",
            "station",
            "facility",
            "nombre",
            "estacion",
            "comisaria",
        ),
        "area": ("district", "precinct", "division", "area", "beat", "distrito", "comuna", "cuadrante"),
        "address": ("address", "streetaddress", "location", "direccion"),
        **_POINT_SYNONYMS,
    },
    "population": {
        "area": (
            "area",
            "code",
            "areacode",
            "beat",
            "district",
            "precinct",
            "tract",
            "geoid",
            "ward",
            "zone",
            "neighborhood",
            "comuna",
            "barrio",
            "distrito",
        ),
        "population": (
            "population",
            "pop",
            "totalpopulation",
            "residents",
            "total",
            "estimate",
            "count",
            "poblacion",
            "habitantes",
        ),
        "dimension": ("dimension", "variable", "characteristic", "margin"),
        "category": ("category", "group", "level", "bucket"),
    },
    # Complaints: Chicago's CR files (cr_id, complaint_date, closed_date), the IA Pro / BlueTeam style
    # exports of other departments (Incident No, Received Date, Date Closed, Allegation, Disposition).
    "complaints": {
        "complaint_id": (
            "complaintid",
            "crid",
            "cr",
            "complaintnumber",
            "complaintno",
            "casenumber",
            "caseno",
            "caseid",
            "ianumber",
            "iano",
            "filenumber",
            "fileno",
            "incidentnumber",
            "incidentno",
        ),
        "received_at": (
            "complaintdate",
            "receiveddate",
            "datereceived",
            "daterecd",
            "datercvd",
            "received",
            "receivedat",
            "filedate",
            "datefiled",
            "reporteddate",
            "datereported",
            "opened",
            "openeddate",
            "dateopened",
        ),
        "occurred_at": ("incidentdatetime", "incidentdate", "occurreddate", "dateofincident", "occurred"),
        "closed_at": ("closeddate", "dateclosed", "closed", "closedat", "completeddate", "datecompleted", "completed"),
        "category": ("complaintcategory", "category", "complainttype", "allegationtype", "type"),
        **_POINT_SYNONYMS,
        "area": ("beat", "district", "precinct", "sector", "area", "zone", "division"),
        "complainant": ("complainantid", "complainant", "complainantname"),
    },
    "allegations": {
        "complaint_id": (
            "complaintid",
            "crid",
            "cr",
            "complaintnumber",
            "complaintno",
            "casenumber",
            "caseno",
            "caseid",
            "ianumber",
            "filenumber",
            "fileno",
            "incidentnumber",
            "incidentno",
        ),
        "category": ("complaintcategory", "allegationcategory", "allegation", "category", "allegationtype"),
        "recommended_finding": ("recommendedfinding", "recommendeddisposition", "investigatorfinding"),
        "finding": ("finalfinding", "finding", "disposition", "finaldisposition", "outcome", "result"),
        "discipline": ("finaldiscipline", "discipline", "actiontaken", "action", "penalty", "sanction"),
        "unit": ("currentunit", "unit", "assignment", "unitassigned", "division"),
        "officer": ("officerid", "officer", "officername", "star", "starnumber", "badge", "badgenumber", "employeeid"),
    },
    "commendations": {
        "commendation_id": ("commendationid", "awardid", "rowid", "id"),
        "awarded_at": (
            "awarddate",
            "dateawarded",
            "awardrequestdate",
            "requestdate",
            "commendationdate",
            "date",
            "awardstartdate",
            "ceremonydate",
        ),
        "award_type": ("awardtype", "commendationtype", "award", "commendation", "type"),
        "status": ("currentawardstatus", "awardstatus", "status"),
        **_POINT_SYNONYMS,
        "area": ("beat", "district", "precinct", "unit", "area"),
        "officer": ("officerid", "officer", "officername", "star", "starnumber", "badge", "badgenumber", "employeeid"),
    },
}

# Which content check each field's candidate column must pass.
_CHECKS = {
    "latitude": "lat",
    "longitude": "lon",
    "x": "projected",
    "y": "projected",
    "occurred_at": "date",
    "responded_at": "date",
    "period_start": "date",
    "period_end": "date",
    "starts_at": "date",
    "ends_at": "date",
    "received_at": "date",
    "closed_at": "date",
    "awarded_at": "date",
    "occurred_time": "time",
    "offense": "offense",
    "count": "count",
    "area": "code",
    "title": "text",
    "event_type": "varied text",
    "name": "text",
    "population": "number",
    "attendance": "number",
    "weight": "number",
    "n": "number",
    "block": "address",
    "location": "address",
}

# Header words that rule a column out of a field in the word-by-word pass: a "Date Reported"
# is not when it happened, "Offense Code" is not the offense's name.
_NOT_WORDS = {
    "occurred_at": {
        "report",
        "reported",
        "rptd",
        "rpt",
        "updated",
        "modified",
        "entered",
        "created",
        "end",
        "last",
        "to",
        "upload",
    },
    "starts_at": {"end", "updated", "modified", "created"},
    "offense": {"code", "count", "id", "cd", "number", "no", "codigo", "cantidad"},
    "count": {"id", "code", "cd", "key"},
    "block": {"census", "tract", "group", "geoid", "fips", "desc", "description", "type", "class", "classfctn"},
    "incident_id": {"object", "objectid", "fid", "row"},
}


def header_key(name: str) -> str:
    """Header as compared: ``'OCCUR_DATE'`` -> ``'occurdate'``."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def header_tokens(name: str) -> set[str]:
    """Words of a header: ``'BLOCK_LAT'`` -> {'block', 'lat'}; ``'occurDate'`` -> {'occur', 'date'}."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return {t for t in re.split(r"[^0-9a-z]+", spaced.lower()) if t}


@dataclass
class Choice:
    """Where one field comes from: columns (joined with spaces), or a constant."""

    columns: tuple[str, ...] = ()
    value: str | None = None
    how: str = ""  # "header", "header word", "your --map", "your --set"

    def describe(self) -> str:
        if self.value is not None:
            return f"= {self.value!r}"
        return " + ".join(self.columns)


@dataclass
class Mapping:
    kind: str
    choices: dict[str, Choice] = field(default_factory=dict)
    # field -> why columns named like it were not taken ("'LOCATION_DESC' holds place types ...")
    refused: dict[str, list[str]] = field(default_factory=dict)

    def column(self, name: str) -> str | None:
        choice = self.choices.get(name)
        return choice.columns[0] if choice and choice.columns else None

    def used_columns(self) -> set[str]:
        return {c for ch in self.choices.values() for c in ch.columns}

    def as_dict(self) -> dict[str, str]:
        return {f: ch.describe() for f, ch in self.choices.items()}

    def table(self) -> pd.DataFrame:
        """One row per canonical field, for showing the user."""
        spec = KINDS[self.kind]
        rows = []
        for f in spec.fields:
            ch = self.choices.get(f.name)
            rows.append(
                {
                    "field": f.name,
                    "required": "yes" if f.required else "",
                    "source": ch.describe() if ch else "(not in this file)",
                    "found by": ch.how if ch else "",
                    "meaning": f.help,
                }
            )
        return pd.DataFrame(rows)


# Values that name a kind of place ("RESIDENCE", "Parking lot", "Vía pública") or how a call came in
# ("911", "ONVIEW"): columns of these are not offenses, however they are headed.
_PLACE = re.compile(
    r"RESIDEN|\bHOMES?\b|HOUSE|APARTMENT|\bAPT\b|DWELL|CONDO|STREET|\bROAD\b|SIDEWALK|ALLEY|HIGHWAY|PARKING|"
    r"GARAGE|DRIVEWAY|\bYARD\b|HOTEL|MOTEL|RESTAURANT|\bSTORE|\bSHOP|\bMALL\b|\bBAR\b|TAVERN|NIGHT ?CLUB|SCHOOL|"
    r"COLLEGE|UNIVERSITY|\bPARK\b|PLAYGROUND|CHURCH|HOSPITAL|CLINIC|OFFICE|BUILDING|\bLOT\b|GAS STATION|"
    r"SERVICE STATION|\bBANK\b|COMMERCIAL|VEHICLE|AUTOMOBILE|\bCAR\b|TAXI|\bBUS\b|TRAIN|SUBWAY|TRANSIT|STATION|"
    r"AIRPORT|WAREHOUSE|FACTORY|CONSTRUCTION|\bFIELD|WOODS|\bLAKE\b|RIVER|\bJAIL\b|PRISON|GOVERNMENT|PUBLIC HOUS|"
    r"HALLWAY|LOBBY|ELEVATOR|STAIR|\bROOF|BASEMENT|PORCH|\bLAWN|INSIDE|OUTSIDE|FRONT OF|REAR OF|OPPOSITE OF|"
    r"\bCASA\b|\bCALLE\b|VIA PUBLICA|VIVIENDA|TIENDA|PARQUE|ESCUELA|COMERCIO|ESTABLECIMIENTO|\bLOCAL\b|EDIFICIO"
)
_CALL_SOURCE = re.compile(
    r"E?911|311|ON[ -]?VIEW|(OFFICER|SELF|FIELD)[ -]?INITIATED|TELEPHONE|PHONE|RADIO|WALK[ -]?IN|ALARM|ONLINE|"
    r"E-?MAIL|TEXT|DISPATCH(ED)?|CITIZEN|PATROL|FLAG ?DOWN|LLAMADA|TELEFONO"
)
# Headers that say "offense" outright; "Category", "Description", "Type" need offense-like values.
_OFFENSE_HEADER = (
    "offen",
    "crime",
    "crim",
    "ofns",
    "nibrs",
    "ucr",
    "crm",
    "delito",
    "conducta",
    "primarytype",
    "textgeneralcode",
    "incidenttype",
    "typeofincident",
    "incidentcategory",
)
_STREET_SUFFIX = re.compile(
    r"\b(?:ST|AVE?|AV|RD|BLVD|DR|LN|WAY|PL|CT|HWY|PKWY|TER|CIR|SQ|CL|CRA|KR|CALLE|CARRERA|AVENIDA|BLOCK OF)\b"
)
_LOOKS_LIKE_OFFENSE = {"desc", "description", "type", "category", "class", "nature", "tipo", "categoria", "descripcion"}
_STREET_HEADERS = ("streetname", "street", "streetnm", "stname", "calle", "nombrecalle")
_STREET_TYPE_HEADERS = ("streettype", "streetsuffix", "sttype", "streettypecode")


def _distinct(values: pd.Series, n: int = 2000) -> pd.Series:
    text = values.dropna().astype("str").str.strip()
    text = text[text != ""].drop_duplicates()
    return text.sample(n, random_state=0) if len(text) > n else text


def _folded(values: pd.Series) -> pd.Series:
    from lib.ingest.offense_groups import fold

    return values.map(fold)


def offense_verdict(header: str, values: pd.Series) -> tuple[bool, str]:
    """Whether a column holds offense names, and if not, why (for the user).

    It does when most of its distinct values read as offenses (a group rule or an offense word
    matches them), or when its header says "offense" and its values are not numbers, place types
    or call sources.
    """
    from lib.ingest.offense_groups import reads_as_offense

    distinct = _distinct(values)
    if distinct.empty:
        return False, f"{header!r} is empty"
    folded = _folded(distinct)
    offense = folded.map(reads_as_offense)
    if offense.mean() >= 0.5:
        return True, ""
    numeric = parse.parse_numbers(distinct).notna().mean()
    place = (folded.str.contains(_PLACE) & ~offense).mean()
    call = folded.str.fullmatch(rf"\s*({_CALL_SOURCE.pattern})\s*").mean()
    examples = ", ".join(repr(v) for v in distinct.head(3))
    if numeric >= 0.5:
        return False, f"{header!r} holds numbers ({examples}), not offense names"
    if place >= 0.5:
        return False, f"{header!r} holds place types ({examples}), not offense names"
    if call >= 0.5:
        return False, f"{header!r} holds call sources ({examples}), not offense names"
    key = header_key(header)
    if any(word in key for word in _OFFENSE_HEADER):
        return True, ""
    return False, f"the values of {header!r} ({examples}) do not read as offense names"


def _address_verdict(header: str, values: pd.Series) -> tuple[bool, str]:
    distinct = _distinct(values)
    if distinct.empty:
        return False, f"{header!r} is empty"
    examples = ", ".join(repr(v) for v in distinct.head(3))
    # Not a "(41.88, -87.63)" point written as text.
    if distinct.str.fullmatch(r"\(?\s*-?\d+\.\d+,\s*-?\d+\.\d+\s*\)?").mean() >= 0.5:
        return False, f"{header!r} holds points written as text ({examples}), not addresses"
    if distinct.str.fullmatch(r"\d+\s*-\s*\d+|\d+X*").mean() >= 0.5:
        return False, f"{header!r} holds block numbers without a street ({examples})"
    if parse.parse_numbers(distinct).notna().mean() >= 0.5:
        return False, f"{header!r} holds numbers ({examples}), not addresses"
    folded = _folded(distinct)
    digits = folded.str.contains(r"\d").mean()
    suffixed = folded.str.contains(_STREET_SUFFIX).mean()
    if digits < 0.3 and folded.str.contains(_PLACE).mean() >= 0.5 and suffixed < 0.5:
        return False, f"{header!r} holds place types ({examples}), not addresses"
    return True, ""


def _code_verdict(header: str, values: pd.Series) -> tuple[bool, str]:
    distinct = _distinct(values)
    if distinct.empty:
        return False, f"{header!r} is empty"
    examples = ", ".join(repr(v) for v in distinct.head(3))
    if distinct.str.len().mean() > 40 or distinct.str.count(r"\s+").mean() > 5:
        return False, f"{header!r} holds long text ({examples}), not area codes"
    numbers = parse.parse_numbers(distinct)
    if numbers.notna().mean() > 0.9 and (numbers.dropna() % 1 != 0).mean() > 0.5:
        return False, f"{header!r} holds fractional numbers ({examples}), not area codes"
    if distinct.str.contains(r"\d{1,4}[-/]\d{1,2}[-/]\d{1,4}").mean() > 0.5:
        return False, f"{header!r} holds dates ({examples}), not area codes"
    return True, ""


def _count_verdict(header: str, values: pd.Series) -> tuple[bool, str]:
    numbers = parse.parse_numbers(values.dropna())
    if numbers.empty or numbers.notna().mean() < 0.95:
        return False, f"{header!r} does not hold numbers"
    numbers = numbers.dropna()
    if ((numbers < 0) | (numbers % 1 != 0)).mean() > 0.05:
        return False, f"{header!r} holds numbers that are not whole counts ≥ 0"
    if numbers.median() > 50:
        # House numbers, ids and years are whole numbers too.
        return False, f"{header!r} holds numbers too large for counts per row (median {numbers.median():,.0f})"
    return True, ""


_VERDICTS = {"offense": offense_verdict, "address": _address_verdict, "code": _code_verdict, "count": _count_verdict}


def _verdict(check: str | None, header: str, values: pd.Series) -> tuple[bool, str]:
    if check in _VERDICTS:
        if values.dropna().empty:
            return False, f"{header!r} is empty"
        return _VERDICTS[check](header, values)
    return _passes(check, values), ""


def _passes(check: str | None, values: pd.Series) -> bool:
    values = values.dropna()
    if values.empty:
        return False
    if check is None:
        return True
    if check in ("lat", "lon", "projected", "number"):
        numbers = parse.parse_numbers(values)
        share = numbers.notna().mean()
        if share < 0.9:
            return False
        numbers = numbers.dropna()
        if check == "lat":
            return bool((numbers.abs() <= 90).mean() > 0.9)
        if check == "lon":
            return bool((numbers.abs() <= 180).mean() > 0.9)
        if check == "projected":
            return bool((numbers.abs() > 180).mean() > 0.9)
        return True
    if check == "date":
        text = values.astype("str").str.strip()
        # Years, hours and counts are numbers, not dates (8-digit 20190622 and serials are read as dates).
        if text.str.fullmatch(r"\d{1,4}(\.0)?").mean() > 0.5:
            return False
        return bool(parse.parse_datetimes(values).values.notna().mean() > 0.5)
    if check == "time":
        return bool(parse.parse_times(values)[0].notna().mean() > 0.5)
    if check in ("text", "varied text"):
        numeric = parse.parse_numbers(values).notna().mean()
        # A "type" column that says "event" on every row tells nothing.
        varied = check == "text" or values.nunique() > 1 or len(values) < 20
        return bool(numeric < 0.5) and varied
    return True


def _sample(frame: pd.DataFrame, n: int = 5000) -> pd.DataFrame:
    """Rows spread over the whole file: exports are often sorted (by date, by offense)."""
    if len(frame) <= n:
        return frame
    step = len(frame) / n
    return frame.iloc[[int(i * step) for i in range(n)]]


def detect(kind: str, frame: pd.DataFrame) -> Mapping:
    """Propose a mapping for ``kind`` from the frame's headers and a sample of its values."""
    vocab = SYNONYMS.get(kind, {})
    sample = _sample(frame)
    by_key: dict[str, list[str]] = {}
    for col in frame.columns:
        by_key.setdefault(header_key(col), []).append(col)
    mapping = Mapping(kind)
    used: set[str] = set()

    def take(name: str, col: str, how: str) -> None:
        mapping.choices[name] = Choice((col,), how=how)
        used.add(col)

    def fits(name: str, col: str) -> bool:
        ok, why = _verdict(_CHECKS.get(name), col, sample[col])
        if not ok and why and why not in mapping.refused.get(name, []):
            mapping.refused.setdefault(name, []).append(why)
        return ok

    for name, synonyms in vocab.items():
        if kind == "scores" and name == "area":
            cols = [c for s in synonyms for c in by_key.get(s, []) if c not in used]
            if cols:
                mapping.choices[name] = Choice(tuple(cols), how="header")
                used.update(cols)
            continue
        for syn in synonyms:
            col = next((c for c in by_key.get(syn, []) if c not in used), None)
            if col is not None and fits(name, col):
                take(name, col, "header")
                break
    # Second pass: a header word, for names like BLOCK_LAT or "Latitude (WGS84)".
    for name, synonyms in vocab.items():
        if name in mapping.choices or name in ("x", "y", "n"):
            continue
        for syn in synonyms:
            if len(syn) < 3:
                continue
            col = next(
                (
                    c
                    for c in frame.columns
                    if c not in used and syn in header_tokens(c) and not header_tokens(c) & _NOT_WORDS.get(name, set())
                ),
                None,
            )
            if col is not None and fits(name, col):
                take(name, col, "header word")
                break
    if kind == "incidents":
        _offense_by_values(mapping, frame, sample, used)
        _block_with_street(mapping, frame, sample, used, by_key)
    # A date column that already holds the time needs no separate time column.
    if kind == "incidents" and "occurred_time" in mapping.choices and "occurred_at" in mapping.choices:
        at = sample[mapping.column("occurred_at")]
        if parse.parse_datetimes(at).has_time.mean() > 0.5:
            used.discard(mapping.column("occurred_time"))
            del mapping.choices["occurred_time"]
    return mapping


def _offense_by_values(mapping: Mapping, frame: pd.DataFrame, sample: pd.DataFrame, used: set[str]) -> None:
    """No column headed like an offense: take the text column whose values most read as offenses."""
    from lib.ingest.offense_groups import reads_as_offense

    if "offense" in mapping.choices:
        return
    best, best_share = None, 0.6
    for col in frame.columns:
        if col in used or pd.api.types.is_numeric_dtype(sample[col].dtype):
            continue
        distinct = _distinct(sample[col])
        if distinct.empty or distinct.str.len().mean() > 80 or parse.parse_numbers(distinct).notna().mean() > 0.5:
            continue
        share = _folded(distinct).map(reads_as_offense).mean()
        if share > best_share:
            best, best_share = col, share
    if best is not None:
        mapping.choices["offense"] = Choice((best,), how="values")
        used.add(best)
        return
    # Say why the columns a reader might take for the offense were not taken.
    for col in frame.columns:
        if col not in used and header_tokens(col) & _LOOKS_LIKE_OFFENSE:
            ok, why = offense_verdict(col, sample[col])
            if why and why not in mapping.refused.get("offense", []):
                mapping.refused.setdefault("offense", []).append(why)


def _block_with_street(
    mapping: Mapping, frame: pd.DataFrame, sample: pd.DataFrame, used: set[str], by_key: dict[str, list[str]]
) -> None:
    """A block column of bare numbers ("6600-6699") beside a street name column: the block is both."""
    if "block" in mapping.choices:
        return
    streets = [c for key in _STREET_HEADERS for c in by_key.get(key, []) if c not in used]
    if not streets:
        return
    blocks = [
        c
        for c in frame.columns
        if c not in used
        and ("block" in header_tokens(c) or header_key(c) in ("blockrange", "hundredblock", "blocknumber"))
        and not header_tokens(c) & _NOT_WORDS["block"]
        and _distinct(sample[c]).str.fullmatch(r"\d+\s*-\s*\d+|\d+X*").mean() >= 0.5
    ]
    if not blocks:
        return
    cols = [blocks[0], streets[0]]
    cols += [c for key in _STREET_TYPE_HEADERS for c in by_key.get(key, []) if c not in used][:1]
    mapping.choices["block"] = Choice(tuple(cols), how="header")
    used.update(cols)
    mapping.refused.pop("block", None)


def parse_assignments(pairs: list[str] | None, flag: str) -> dict[str, str]:
    """``["offense=Category", "area="]`` -> ``{"offense": "Category", "area": ""}``."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"{flag} {pair!r}: write FIELD=VALUE, for example {flag} offense=Category.")
        key, value = pair.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def apply_overrides(
    mapping: Mapping, frame: pd.DataFrame, maps: dict[str, str] | None, sets: dict[str, str] | None
) -> Mapping:
    """The detected mapping with the user's ``--map`` and ``--set`` applied; bad ones raise InputError."""
    spec = KINDS[mapping.kind]
    names = spec.field_names
    columns = list(frame.columns)
    for flag, given in (("--map", maps or {}), ("--set", sets or {})):
        for name in given:
            if name not in names:
                raise InputError(
                    f"{flag} {name}=...: {mapping.kind} has no field {name!r}. Its fields are: {', '.join(names)}."
                )
    for name, spec_text in (maps or {}).items():
        if spec_text == "":
            mapping.choices.pop(name, None)
            continue
        cols = _split_columns(spec_text, columns, allow_list=(name == "area"))
        missing = [c for c in cols if c not in columns]
        if missing:
            raise InputError(
                f"--map {name}={spec_text}: the file has no column {missing[0]!r}. "
                f"Its columns are: {', '.join(columns)}."
            )
        # A column now given to this field is no longer another field's.
        for other, choice in list(mapping.choices.items()):
            if other != name and set(choice.columns) & set(cols) and other not in (maps or {}):
                mapping.choices.pop(other)
        mapping.choices[name] = Choice(tuple(cols), how="your --map")
    for name, value in (sets or {}).items():
        mapping.choices[name] = Choice((), value=value, how="your --set")
    return mapping


def _split_columns(text: str, columns: list[str], allow_list: bool) -> list[str]:
    if text in columns:
        return [text]
    for sep in ("+", ",") if allow_list else ("+",):
        if sep in text:
            return [part.strip() for part in text.split(sep)]
    return [text]


def require(mapping: Mapping, frame: pd.DataFrame) -> None:
    """Raise InputError naming the first required field with no source."""
    spec = KINDS[mapping.kind]
    for f in spec.fields:
        if f.required and f.name not in mapping.choices:
            cols = ", ".join(frame.columns[:40])
            why = mapping.refused.get(f.name)
            refused = f" Not taken: {'; '.join(why[:3])}." if why else ""
            raise InputError(
                f"No column for the required field {f.name!r} ({f.help}) was found.{refused} "
                f"Name it with --map {f.name}=COLUMN (the file's columns are: {cols}), "
                f"or give one value for the whole file with --set {f.name}=VALUE."
            )


def resolve(mapping: Mapping, frame: pd.DataFrame, name: str) -> pd.Series | None:
    """The source values for field ``name``: one column, several joined, or a constant."""
    choice = mapping.choices.get(name)
    if choice is None:
        return None
    if choice.value is not None:
        return pd.Series(choice.value, index=frame.index, dtype="str")
    if len(choice.columns) == 1:
        return frame[choice.columns[0]]
    parts = [frame[c].astype("str") for c in choice.columns]
    joined = parts[0].fillna("")
    for part in parts[1:]:
        joined = joined.str.cat(part.fillna(""), sep=" ")
    return joined.str.strip().replace("", None)
