"""Overview figures: CompStat windows by hand, and the page showing periods and sources."""

import pandas as pd
import pytest

from lib.ingest import load as ingest
from lib.stats import compstat, overview
from lib.store.filters import IncidentFilter


@pytest.fixture
def dated(any_store, tmp_path):
    # 2019: 4 incidents by Jun 30 (2 in the last 28 days); 2018: 1 by Jun 30 (in the same 28 days),
    # plus one after Jun 30 that year-to-date must not count.
    rows = [
        "id,date,offense",
        "1,2019-01-15 10:00,THEFT",
        "2,2019-03-01 10:00,THEFT",
        "3,2019-06-10 10:00,THEFT",
        "4,2019-06-30 23:59,ARSON",
        "5,2018-06-12 10:00,THEFT",
        "6,2018-07-15 10:00,THEFT",
    ]
    path = tmp_path / "dated.csv"
    path.write_text("\n".join(rows) + "\n")
    ingest.load(any_store, "incidents", path, dataset="rms")
    return any_store


def test_compstat_windows_counted_by_hand(dated):
    flt = IncidentFilter(dataset="rms")
    day = compstat.as_of(dated, flt)
    assert day == pd.Timestamp("2019-06-30")
    table = compstat.table(dated, flt, day).set_index("period")
    assert table.loc["Year to date", ["this year", "last year"]].tolist() == [4, 1]
    assert table.loc["28-day", ["this year", "last year"]].tolist() == [2, 1]  # Jun 3-30 vs Jun 4-Jul 1, 2018
    assert table.loc["7-day", ["this year", "last year"]].tolist() == [1, 0]
    # Two-count test by hand: 5 incidents, 4 this year; under equal rates X ~ Binomial(5, 1/2),
    # mid-p = 2 * (P(X = 5) + P(X = 4) / 2) = 2 * (1/32 + 2.5/32) = 7/32.
    assert table.loc["Year to date", "p"] == pytest.approx(7 / 32, abs=1e-12)
    assert table.loc["Year to date", "signal"] == "no clear change"
    assert table.loc["Year to date", "dates"] == "Jan 1, 2019 to Jun 30, 2019 vs Jan 1, 2018 to Jun 30, 2018"


def test_filters_restrict_the_counts(dated):
    flt = IncidentFilter(dataset="rms", offenses=("ARSON",))
    table = compstat.table(dated, flt, pd.Timestamp("2019-06-30")).set_index("period")
    assert table.loc["Year to date", "this year"] == 1
    weekday = IncidentFilter(dataset="rms", weekdays=(6,))  # Sundays: 2019-06-30 only
    assert (
        compstat.table(dated, weekday, pd.Timestamp("2019-06-30")).set_index("period").loc["Year to date", "this year"]
        == 1
    )


def test_headline_says_its_period_and_source(dated):
    card = overview.incidents_headline(dated, "rms")
    assert card.value == "4" and card.delta.startswith("+3")
    assert card.period.startswith("Jan 1, 2019 to Jun 30, 2019")
    assert "dated.csv" in card.source and "6 rows" in card.source


def test_overview_page_shows_figures_with_periods_and_sources(run_page):
    at = run_page("pages/staff/overview.py", dataset="Chicago aggravated assaults")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents, year to date"] == "15,328"
    assert metrics["Safety score, citywide"].endswith("/ 100")
    assert metrics["Community events held"] == "986"
    captions = " ".join(c.value for c in at.caption)
    assert "Jan 1, 2019 to Dec 31, 2019 vs Jan 1, 2018 to Dec 31, 2018" in captions
    assert "chicago_aggravated_assaults_2010_2019.csv.gz" in captions
    assert "not 65%" in captions


def test_the_dataset_in_the_link_is_the_one_shown(run_page):
    at = run_page("pages/staff/overview.py", dataset="Chicago crimes (3% sample)")
    assert at.selectbox(key="shared_dataset").value == "Chicago crimes (3% sample)"
    assert at.query_params["dataset"] in ("Chicago crimes (3% sample)", ["Chicago crimes (3% sample)"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Incidents, year to date"] != "15,328"
