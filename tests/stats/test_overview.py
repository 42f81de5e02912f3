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
    assert card.source.startswith("Source: Dated (6 rows, loaded ")  # named from the file, dated.csv


def test_overview_page_shows_figures_with_periods_and_sources(run_page):
    at = run_page("pages/staff/overview.py", dataset="Chicago aggravated assaults")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # The dataset ends on 31 December 2019: a whole year, not a "year to date".
    assert metrics["Incidents, 2019"] == "15,328"
    assert metrics["Safety score, citywide"].endswith("/ 100")
    assert metrics["Community events held"] == "986"
    # 2018's calendar is a partial scrape, 2017's the full calendar: no "-1,749 events" from coverage.
    events = next(m for m in at.metric if m.label == "Community events held")
    assert not events.delta
    captions = " ".join(c.value for c in at.caption)
    assert "Not compared with the year before: no one file holds both years" in captions
    # Incidents end in 2019, scores in 2023, events in 2018: the page says so.
    warning = " ".join(i.value for i in at.info)
    assert "end on different dates" in warning and "Dec 31, 2019" in warning and "2023" in warning
    assert "Jan 1, 2019 to Dec 31, 2019 vs Jan 1, 2018 to Dec 31, 2018" in captions
    assert "Chicago Police Department, Aggravated assaults with a location (148,636 rows" in captions
    assert "not 65%" in captions


def test_the_dataset_in_the_link_is_the_one_shown(run_page):
    at = run_page("pages/staff/overview.py", dataset="Chicago crimes (3% sample)")
    assert at.selectbox(key="shared_dataset").value == "Chicago crimes (3% sample)"
    assert at.query_params["dataset"] in ("Chicago crimes (3% sample)", ["Chicago crimes (3% sample)"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics.get("Incidents, year to date", metrics.get("Incidents, 2019")) != "15,328"


def _events(path, dates):
    path.write_text(
        "title,start,location\n" + "".join(f"Beat meeting {i},{d} 18:00,Hall {i}\n" for i, d in enumerate(dates))
    )
    return path


def test_events_compare_two_years_only_when_one_file_holds_both(duck, tmp_path):
    store = duck
    # One calendar spanning both years (Jul 2017 to Jun 2019): 3 events in the year to 2019-06-30, 1 before.
    dates = ["2017-07-01", "2018-09-01", "2019-02-01", "2019-06-30"]
    ingest.load(store, "events", _events(tmp_path / "a.csv", dates))
    card = overview.events_headline(store)
    assert (card.value, card.delta) == ("3", "+2 vs the year before")
    assert card.ends == pd.Timestamp("2019-06-30").date()
    # A second file adding to one year only: the difference would measure the files, not the activity.
    ingest.load(store, "events", _events(tmp_path / "b.csv", ["2019-03-01", "2019-04-01"]))
    card = overview.events_headline(store)
    assert card.value == "5" and card.delta is None
    assert "no one file holds both years" in card.note


def test_headlines_ending_far_apart_are_said_to():
    def card(label, day):
        return overview.Headline(label, "1", None, "", "", ends=pd.Timestamp(day).date())

    assert overview.period_warning([card("a", "2019-12-31"), card("b", "2020-01-20")]) is None
    words = overview.period_warning([card("Incidents", "2019-12-31"), card("Events", "2018-12-27")])
    assert "Incidents: Dec 31, 2019" in words and "Events: Dec 27, 2018" in words
