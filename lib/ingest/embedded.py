"""The embedded default: real public data from Chicago (and Raleigh's survey), shipped in data/.

The files in ``data/embedded`` are the public files of ``shared/data`` in a
compact form (Parquet with every column as the source text; layers as gzipped
GeoJSON); ``pack`` made them. ``build`` loads them through the ordinary ingest,
with the same mapping options a department would give, so the app opens on
real data with no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lib.ingest import load as ingest
from lib.store.settings import DATA_DIR

EMBEDDED_DIR = DATA_DIR / "embedded"
CHICAGO_TERMS = "https://www.chicago.gov/city/en/narr/foia/data_disclaimer.html"


@dataclass(frozen=True)
class Source:
    """One embedded file: how it loads, and what the About page says of it."""

    file: str
    kind: str
    dataset: str
    title: str
    publisher: str
    period: str
    origin: str
    terms: str
    caveats: tuple[str, ...] = ()
    level: str | None = None
    maps: dict = field(default_factory=dict)
    sets: dict = field(default_factory=dict)
    raw: str = ""  # the file under shared/data that ``pack`` reads


SOURCES: tuple[Source, ...] = (
    Source(
        "chicago_police_districts.geojson.gz",
        "boundaries",
        "district",
        "Police districts",
        "City of Chicago",
        "current",
        "Chicago Data Portal fthy-xz3r, via salikhussaini/streamlit-chicago-crime-app (MIT)",
        CHICAGO_TERMS,
        ("22 patrol districts (1-25 without 13, 21, 23) plus small polygons numbered 31.",),
        level="district",
        raw="chicago/chicago_police_districts.geojson",
    ),
    Source(
        "chicago_police_beats.geojson.gz",
        "boundaries",
        "beat",
        "Police beats",
        "City of Chicago",
        "current since 2012",
        "Chicago Data Portal aerh-rz74, via salikhussaini/streamlit-chicago-crime-app (MIT)",
        CHICAGO_TERMS,
        level="beat",
        raw="chicago/chicago_police_beats.geojson",
    ),
    Source(
        "chicago_police_stations.parquet",
        "stations",
        "Chicago police stations",
        "Police stations",
        "City of Chicago",
        "current",
        'Chicago Data Portal "Police Stations", via normanlapid/ml-police-sentiment-indiv-project',
        CHICAGO_TERMS,
        raw="chicago/chicago_police_stations.csv",
    ),
    Source(
        "chicago_aggravated_assaults_2010_2019.parquet",
        "incidents",
        "Chicago aggravated assaults",
        "Aggravated assaults with a location",
        "Chicago Police Department",
        "2010-01-01 to 2019-12-31",
        "Chicago Data Portal, via mpjashby/crimemappingdata (MIT)",
        CHICAGO_TERMS,
        (
            "Every aggravated assault with a location; coordinates rounded to 4 decimals (about 10 m).",
            "No case numbers: rows are told apart by their content.",
        ),
        sets={"offense": "AGGRAVATED ASSAULT"},
        raw="chicago/chicago_aggravated_assaults_2010_2019.csv.gz",
    ),
    Source(
        "chicago_crimes_sample_2017_2019.parquet",
        "incidents",
        "Chicago crimes (3% sample)",
        "Crimes - 2001 to present, random sample of 25,000",
        "Chicago Police Department",
        "2017-01-01 to 2019-09-29",
        "Chicago Data Portal ijzp-q8t2, via cran/rcrimeanalysis (GPL-3)",
        CHICAGO_TERMS,
        (
            "A random sample of about 3% of reported crimes: counts are far below the city's totals; "
            "use it for shares and patterns, not totals.",
            "Addresses are masked to the hundred block by the City.",
        ),
        raw="chicago/chicago_crimes_sample_2017_2019.csv.gz",
    ),
    Source(
        "chicago_police_sentiment_scores.parquet",
        "scores",
        "Chicago Police Sentiment Scores",
        "Police Sentiment Scores (trust and safety)",
        "Chicago Police Department / Elucd",
        "2017-11 to 2023-02",
        "Chicago Data Portal 28me-84fj, via caromeyyer/data",
        CHICAGO_TERMS,
        (
            "Scores are mean answers on 0-10 items times 10: 65 means an average answer of 6.5, not 65%.",
            "The source publishes no respondent counts, so no margin of error can be shown.",
            "70 rows are exact duplicates in the source and are dropped.",
        ),
        raw="chicago/chicago_police_sentiment_scores.csv",
    ),
    Source(
        "chicago_caps_events_2016_2017.parquet",
        "events",
        "CAPS community events",
        "CAPS community event calendar",
        "Chicago Police Department",
        "2016-01-02 to 2017-12-28",
        "City-Bureau/city-scrapers tests/files/chi_police.json (MIT), flattened",
        CHICAGO_TERMS,
        ("A calendar of scheduled events: no attendance is recorded.",),
        raw="chicago/chicago_caps_events_2016_2017.csv",
    ),
    Source(
        "chicago_caps_events_2017_2018_scraped.parquet",
        "events",
        "CAPS community events",
        "CAPS community event calendar (second extraction)",
        "Chicago Police Department",
        "2017-01-03 to 2018-12-27",
        "City-Bureau/city-scrapers local_outputs/chi_police_20180423_1917.csv (MIT)",
        CHICAGO_TERMS,
        ("Overlaps the first extraction in 2017; events with the same start, title and place are loaded once.",),
        raw="chicago/chicago_caps_events_2017_2018_scraped.csv",
    ),
    Source(
        "chicago_complaints_2000_2016.parquet",
        "complaints",
        "Chicago complaints",
        "Complaints against Chicago police officers (complaint register)",
        "City of Chicago (released under FOIA)",
        "incidents 2000-01-01 to 2016-06-17",
        "invinst/chicago-police-data data/older_data/complaints_nov2016 (FOIA release)",
        CHICAGO_TERMS,
        (
            "21,803 rows are exact duplicates of another row, as released; each complaint is loaded once.",
            "Complaints still open when the file was released (November 2016) have no close date.",
            "Street addresses were removed before the file was shared.",
        ),
        raw="chicago/chicago_complaints_2000_2016.csv.gz",
    ),
    Source(
        "chicago_complaint_allegations_2000_2016.parquet",
        "allegations",
        "Chicago complaints",
        "Allegations of the complaints, one per accused officer",
        "City of Chicago (released under FOIA)",
        "incidents 2000-01-01 to 2016-06-17",
        "invinst/chicago-police-data data/older_data/complaints_nov2016, the accused file (FOIA release)",
        CHICAGO_TERMS,
        (
            "Officers' names, star numbers, birth years and appointment dates were removed before the file "
            "was shared; identical rows are distinct accused officers.",
        ),
        raw="chicago/chicago_complaint_allegations_2000_2016.csv.gz",
    ),
    Source(
        "chicago_police_awards_2017_2018.parquet",
        "commendations",
        "Chicago police awards",
        "Awards and commendations of Chicago police officers (requests)",
        "Chicago Police Department (released under FOIA)",
        "requests 2017-07 to 2018-08",
        "invinst/chicago-police-data, the awards file of FOIA p456632",
        CHICAGO_TERMS,
        (
            "Requests of every status; only FINAL ones are counted as awards.",
            "No area: awards cannot be shown by district.",
            "Names, star numbers and the requester were removed before the file was shared.",
        ),
        raw="chicago/chicago_police_awards_2017_2018.csv.gz",
    ),
    Source(
        "raleigh_community_survey_2018.parquet",
        "survey",
        "Raleigh community survey 2018",
        "City of Raleigh 2018 Community Survey, respondent file",
        "City of Raleigh",
        "2018",
        "apwheele/Blog_Code Python/SurveyMatch/Ral18_Survey.csv",
        "City of Raleigh public respondent file",
        (
            "Answers 1-5 with 9 = don't know (missing, never a score).",
            "The demographic block's headers are shifted against their contents; map them by content.",
            "44 respondents have no coordinates.",
        ),
        raw="raleigh/raleigh_community_survey_2018.csv",
    ),
)


def is_built(store) -> bool:
    return "loads" in store.tables() and bool(store.scalar("SELECT count(*) FROM loads"))


def build(store, progress: ingest.Progress = ingest._noop) -> list[ingest.LoadReport]:
    """Load every embedded source into ``store``, boundaries first so points get their areas."""
    reports = []
    for i, src in enumerate(SOURCES):

        def step(fraction: float, text: str, i=i, src=src) -> None:
            progress((i + fraction) / len(SOURCES), f"{src.title}: {text}")

        reports.append(
            ingest.load(
                store,
                src.kind,
                EMBEDDED_DIR / src.file,
                maps=dict(src.maps),
                sets=dict(src.sets),
                dataset=src.dataset,
                level=src.level,
                source_name=src.raw.split("/")[-1],
                progress=step,
                title=f"{src.publisher}, {src.title}",
            )
        )
    return reports


def pack(shared_data: Path, out_dir: Path = EMBEDDED_DIR) -> None:
    """Write the compact embedded files from shared/data (run by maintainers, output committed)."""
    import gzip
    import shutil

    from lib.ingest.readers import read_table

    out_dir.mkdir(parents=True, exist_ok=True)
    for src in SOURCES:
        raw = Path(shared_data) / src.raw
        target = out_dir / src.file
        if src.kind == "boundaries":
            with open(raw, "rb") as fin, gzip.open(target, "wb", compresslevel=9) as fout:
                shutil.copyfileobj(fin, fout)
            continue
        frame = read_table(raw).frame.reset_index(drop=True)
        frame.to_parquet(target, compression="zstd", index=False)
