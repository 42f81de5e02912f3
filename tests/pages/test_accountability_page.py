"""The Accountability page: AppTest on the embedded data (Chicago's complaints, allegations and awards)."""

import gzip

import numpy as np
import pandas as pd

from tests.conftest import ROOT

PAGE = "pages/staff/accountability.py"
SHARED = ROOT.parent / "shared" / "data" / "chicago"


def _texts(at) -> str:
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown] + [i.value for i in at.info]
    return "\n".join(parts)


def _raw_complaints() -> pd.DataFrame:
    with gzip.open(SHARED / "chicago_complaints_2000_2016.csv.gz") as f:
        return pd.read_csv(f, dtype=str).drop_duplicates()


def test_the_page_shows_the_complaints_figures_of_the_raw_file(run_page):
    at = run_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Accountability"
    raw = _raw_complaints()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Received"] == f"{len(raw):,}"
    last = max(pd.to_datetime(raw["complaint_date"]).max(), pd.to_datetime(raw["closed_date"]).max())
    closed = pd.to_datetime(raw["closed_date"]) >= pd.to_datetime(raw["complaint_date"])
    assert metrics[f"Open on {last:%Y-%m-%d}"] == f"{(~closed).sum():,}"
    days = (pd.to_datetime(raw["closed_date"]) - pd.to_datetime(raw["complaint_date"])).dt.days
    days = days[days >= 0]  # a close before receipt is dropped at load
    assert metrics["Days to close"] == f"{np.median(days):.0f} / {np.percentile(days, 90):.0f}"
    allegations = pd.read_csv(SHARED / "chicago_complaint_allegations_2000_2016.csv.gz", dtype=str)
    decided = allegations["final_finding"].dropna()
    assert metrics["Sustained"] == f"{(decided == 'SU').mean():.1%}"
    text = _texts(at)
    assert "Association is not cause" in text and "no officer's or complainant's name or number" in text
    assert "Complaints against Chicago police officers (complaint register)" in text  # the source, by its title
    # Awards have no area; the trust scores start after the complaints end: the page says both.
    assert "The awards carry no area" in text and "cover different years" in text
    # Every table on the page has its download.
    labels = [b.label for b in at.get("download_button")]
    assert len(labels) >= len(at.dataframe) and all(label.startswith("Download") for label in labels)


def test_a_link_reopens_the_view(run_page):
    first = run_page(PAGE)
    category = first.selectbox(key="acc_category").options[2]
    at = run_page(PAGE, level="beat", category=category, split="category", acc_from="2010-01-01")
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="acc_level").value == "beat"
    assert at.selectbox(key="acc_category").value == category
    assert at.radio(key="acc_split").value == "category"
    assert str(at.date_input(key="acc_from").value) == "2010-01-01"
    # Fewer complaints in one category since 2010 than in all of them since 2000.
    received = {m.label: m.value for m in at.metric}["Received"]
    assert int(received.replace(",", "")) < int({m.label: m.value for m in first.metric}["Received"].replace(",", ""))


def test_no_officer_identifier_reaches_the_page(run_page):
    at = run_page(PAGE)
    for frame in at.dataframe:
        columns = {str(c).lower() for c in frame.value.columns}
        assert not columns & {"officer", "officer_key", "complainant", "complainant_key", "star", "name"}
