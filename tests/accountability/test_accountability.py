"""Complaints, allegations and awards: the load and the page's statistics against the raw shared files."""

import gzip

import numpy as np
import pandas as pd
import pytest

from lib.accountability import data, findings, measures
from lib.ingest import embedded
from lib.ingest import load as ingest
from tests.conftest import ROOT

SHARED = ROOT.parent / "shared" / "data" / "chicago"
COMPLAINTS = SHARED / "chicago_complaints_2000_2016.csv.gz"
ALLEGATIONS = SHARED / "chicago_complaint_allegations_2000_2016.csv.gz"
AWARDS = SHARED / "chicago_police_awards_2017_2018.csv.gz"
DATASET = "Chicago complaints"


def _raw(path) -> pd.DataFrame:
    with gzip.open(path) as f:
        return pd.read_csv(f, dtype=str)


@pytest.fixture(scope="module")
def raw():
    return {"complaints": _raw(COMPLAINTS), "allegations": _raw(ALLEGATIONS), "awards": _raw(AWARDS)}


def _load_record(store, kind):
    return store.query("SELECT * FROM loads WHERE kind = :k", {"k": kind}).iloc[0]


def test_complaint_counts_match_the_raw_file(embedded_store, raw):
    rec = _load_record(embedded_store, "complaints")
    frame = raw["complaints"]
    assert rec["rows_read"] == len(frame)
    assert rec["rows_merged"] == frame.duplicated().sum()  # exact duplicates, as released
    assert rec["rows_loaded"] == len(frame.drop_duplicates())
    assert embedded_store.scalar("SELECT count(*) FROM complaints") == frame["cr_id"].nunique()


def test_allegation_and_award_counts_match_the_raw_files(embedded_store, raw):
    # Identical allegation rows are distinct accused officers: every row is kept.
    rec = _load_record(embedded_store, "allegations")
    assert rec["rows_read"] == rec["rows_loaded"] == len(raw["allegations"])
    awards = data.commendations(embedded_store, "Chicago police awards")
    assert len(awards) == len(raw["awards"])
    assert len(measures.counted_awards(awards)) == (raw["awards"]["current_award_status"] == "FINAL").sum()


def test_loading_again_adds_nothing(embedded_store):
    for src in embedded.SOURCES:
        if src.kind in ("complaints", "allegations"):
            report = ingest.load(embedded_store, src.kind, SHARED.parent / src.raw, dataset=src.dataset, maps=src.maps)
            assert report.rows_loaded == 0 and report.rows_duplicate > 0


def test_sustained_share_and_its_wilson_interval(embedded_store, raw):
    got = findings.sustained_share(data.allegations(embedded_store, DATASET)).iloc[0]
    decided = raw["allegations"]["final_finding"].dropna()
    k, n = int((decided == "SU").sum()), len(decided)
    assert (got["sustained"], got["decided"]) == (k, n)
    # Wilson (1927): centre and half-width from the score test, written out.
    z, p = 1.959963984540054, k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    np.testing.assert_allclose([got["low"], got["high"]], [centre - half, centre + half], rtol=1e-9)


def test_time_to_close_and_backlog(embedded_store, raw):
    complaints = data.complaints(embedded_store, DATASET)
    frame = raw["complaints"].drop_duplicates()
    received, closed = pd.to_datetime(frame["complaint_date"]), pd.to_datetime(frame["closed_date"])
    days = (closed - received).dt.days
    backwards = days < 0  # closed before received: the close date is unusable, dropped at load
    days = days[~backwards].dropna().to_numpy()
    got = measures.time_to_close(complaints).iloc[0]
    assert got["closed"] == len(days)
    assert got["median_days"] == np.median(days) and got["p90_days"] == np.percentile(days, 90)
    as_of = max(received.max(), closed.max())
    assert data.as_of(embedded_store, DATASET) == as_of
    open_ages = (as_of - received[closed.isna() | backwards]).dt.days.to_numpy()
    table = measures.backlog(complaints, as_of)
    assert table["open"].sum() == len(open_ages)
    edges = [0, 90, 180, 365, 730, np.inf]
    assert table["open"].tolist() == np.histogram(open_ages, bins=edges)[0].tolist()
    # On a past day, complaints closed later were still open.
    day = pd.Timestamp("2010-12-31")
    was_open = (received <= day) & (closed.isna() | backwards | (closed > day))
    assert measures.backlog(complaints, day)["open"].sum() == was_open.sum()


def test_monthly_counts_and_rates_by_district(embedded_store, raw):
    complaints = data.complaints(embedded_store, DATASET, "district")
    frame = raw["complaints"].drop_duplicates()
    received = pd.to_datetime(frame["complaint_date"])
    months = measures.monthly(complaints, received.min(), received.max())
    expected = received.dt.to_period("M").value_counts().sort_index()
    assert months["received"].tolist() == expected.tolist()
    # Per 1,000 incidents: the district's complaints over its incidents, times 1,000.
    incidents = pd.Series({"1": 2000, "2": 0})
    rate = measures.rates(complaints, pd.Series(dtype=float), incidents).set_index("area")
    assert rate.loc["1", "per_1000_incidents"] == 1000 * (complaints["area"] == "1").sum() / 2000
    assert pd.isna(rate.loc["2", "per_1000_incidents"]) and "per_1000_residents" not in rate  # no population
    with_pop = measures.rates(complaints, pd.Series({"1": 50_000.0})).set_index("area")
    assert with_pop.loc["1", "per_1000_residents"] == 1000 * (complaints["area"] == "1").sum() / 50_000
    assert pd.isna(with_pop.loc["2", "per_1000_residents"])  # district 2's population unknown


def test_another_departments_export_loads_and_keeps_no_name_or_star(any_store, tmp_path, monkeypatch):
    store = any_store
    monkeypatch.setenv("DASHBOARD_ATTENDEE_KEY_FILE", str(tmp_path / "key"))
    path = tmp_path / "ia.csv"
    pd.DataFrame(
        {
            "IA Number": ["IA-1", "IA-2", "IA-2"],
            "Received Date": ["01/05/2021", "02/10/2021", "02/10/2021"],
            "Date Closed": ["03/01/2021", "", ""],
            "Precinct": ["12", "7", "7"],
            "Officer Name": ["Jane Roe", "John Doe", "Jane Roe"],
            "Badge": ["4411", "5120", "4411"],
            "Complainant Name": ["A. Smith", "B. Jones", "B. Jones"],
            "Allegation": ["Force", "Courtesy", "Force"],
            "Disposition": ["Sustained", "Not Sustained", "Unfounded"],
        }
    ).to_csv(path, index=False)
    complaints = ingest.load(store, "complaints", path, dataset="ia", maps={"complainant": "Complainant Name"})
    allegations = ingest.load(store, "allegations", path, dataset="ia", maps={"officer": "Badge"})
    assert complaints.rows_loaded == 2 and allegations.rows_loaded == 3
    assert any("dropped, not stored" in m for m in allegations.messages)
    stored = "\n".join(
        store.query(f"SELECT * FROM {t}").astype(str).to_csv() for t in ("complaints", "allegations", "loads")
    )
    for secret in ("Jane Roe", "John Doe", "4411", "5120", "A. Smith", "B. Jones"):
        assert secret not in stored
    keys = store.query("SELECT officer_key FROM allegations ORDER BY allegation_id")["officer_key"]
    assert keys.nunique() == 2  # one officer in two allegations: counted as one
    shares = findings.sustained_share(data.allegations(store, "ia")).iloc[0]
    assert (shares["sustained"], shares["decided"]) == (1, 3)
    complaints = data.complaints(store, "ia")
    assert measures.time_to_close(complaints).iloc[0]["closed"] == 1
    assert measures.backlog(complaints, data.as_of(store, "ia"))["open"].sum() == 1
    assert dict(zip(complaints["complaint_id"], complaints["category"])) == {"IA-1": "Force", "IA-2": "Courtesy"}


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("SU", "Sustained"),
        ("Not Sustained", "Not sustained"),
        (" naf ", "No affidavit"),
        ("DIS", "DIS"),
        (None, "No finding"),
    ],
)
def test_finding_labels(value, label):
    assert findings.label(value) == label
