"""Engagement on the embedded CAPS calendar (2016-2018): by district and beat, over time, gaps, joined view."""

import pandas as pd
import pytest

from lib.engagement import events as engagement

START, END = "2016-01-01", "2019-01-01"


@pytest.fixture(scope="module")
def caps(embedded_db):
    from lib.store.connection import connect

    store = connect(str(embedded_db), read_only=True)
    frame = engagement.events(store, START, END)
    link = engagement.links(store, frame)
    yield store, frame, link
    store.close()


def test_calendar_2016_2018_is_typed_and_cancellations_are_not_held(caps):
    store, frame, link = caps
    assert frame["starts_at"].min() >= pd.Timestamp(START) and frame["starts_at"].max() < pd.Timestamp(END)
    # The two extractions overlap in 2017; an event in both (same start, title and place) is loaded once.
    # 12 share start and title but name venues at other street numbers: they are kept apart (issue 14).
    assert len(frame) == 6202
    assert frame["cancelled"].sum() == 10
    held = engagement.held(frame)
    assert (held["type"] == "Beat meeting").sum() > 3500
    assert (frame["type"] == "Other").mean() < 0.02, "the rules type almost every CAPS title"


def test_823_825_meeting_counts_in_both_beats_and_once_in_district_8(caps):
    store, frame, link = caps
    ev = frame[frame["title"] == "823/825 Beat Meeting"].iloc[0]
    mine = link[(link["dataset"] == ev["dataset"]) & (link["event_id"] == ev["event_id"])]
    assert sorted(mine[mine["level"] == "beat"]["code"]) == ["823", "825"]
    assert mine[mine["level"] == "district"]["code"].tolist() == ["8"]
    assert mine.set_index("level").loc["district", "how"] == "via beat"


def test_engagement_by_district_and_beat(caps):
    store, frame, link = caps
    districts = engagement.by_area(frame, link, "district", engagement.area_names(store, "district"))
    beats = engagement.by_area(frame, link, "beat", engagement.area_names(store, "beat"))
    assert len(beats) == 275 and len(districts) == 23, "every area listed, zeros included"
    by_d = districts.set_index("district")
    assert by_d.loc["8", "events"] > 200 and by_d.loc["31", "events"] == 0
    assert by_d["events"].sum() <= len(engagement.held(frame)), "an event counts once per district it serves"
    # District 8's beats: each beat count is the number of its meetings; their sum exceeds the district's
    # beat meetings where meetings serve two beats.
    b8 = beats[beats["beat"].str.match(r"^8\d\d$")]
    assert (b8["events"] > 0).all()
    assert "Beat meeting" in by_d.loc["8", "main types"]


def test_events_held_api_for_other_pages(caps):
    store, _, _ = caps
    grid = engagement.events_held(store, "district", "2017-01-01", "2017-04-01", "month")
    assert set(grid.columns) == {"period", "area", "events", "hours"}
    assert grid["period"].nunique() == 3 and grid["area"].nunique() == 23
    assert grid.groupby("period")["events"].sum().gt(100).all()
    only_youth = engagement.events_held(store, "district", "2017-01-01", "2017-04-01", "quarter", types=["Youth"])
    assert 0 < only_youth["events"].sum() < grid["events"].sum()


def test_upcoming_events_after_a_date(caps):
    store, _, _ = caps
    nxt = engagement.upcoming(store, "2018-06-01", days=7, level="beat")
    assert len(nxt) > 10 and nxt["starts_at"].is_monotonic_increasing
    assert nxt["starts_at"].between(pd.Timestamp("2018-06-01"), pd.Timestamp("2018-06-08")).all()
    in_822 = engagement.upcoming(store, "2018-06-01", days=7, level="beat", area="822")
    assert len(in_822) == 1 and "822" in in_822["areas"].iloc[0]


def test_over_time_groups_small_types_for_the_chart(caps):
    _, frame, _ = caps
    full = engagement.over_time(frame, "quarter")
    top = engagement.over_time(frame, "quarter", top=7)
    assert top["type"].nunique() == 8 and engagement.OTHER_TYPES in set(top["type"])
    assert top["events"].sum() == full["events"].sum() == len(engagement.held(frame))


def test_coverage_share_of_beats(caps):
    store, frame, link = caps
    cover = engagement.coverage(
        frame, link, "beat", list(engagement.area_names(store, "beat")["code"]), START, END, "quarter"
    )
    assert len(cover) == 12
    assert cover["share"].between(0, 1).all() and cover.iloc[0]["share"] > 0.8


def test_attendance_not_recorded_in_the_calendar(caps):
    _, frame, _ = caps
    s = engagement.attendance_summary(frame)
    assert s["with_attendance"] == 0 and s["total"] == 0 and s["hours"] > 5000


def test_coverage_gaps_rank_need_against_engagement(caps):
    store, frame, link = caps
    gaps = engagement.coverage_gaps(store, "district", START, END, "Chicago aggravated assaults", frame, link)
    assert gaps["gap"].is_monotonic_decreasing
    assert {"incidents", "trust", "events", "need", "engagement"} <= set(gaps.columns)
    top = gaps.iloc[0]
    # The top gap has more need than engagement, and more incidents than the median district.
    assert top["need"] > top["engagement"] and top["incidents"] > gaps["incidents"].median()


def test_area_month_view_joins_events_incidents_and_scores(caps):
    store, frame, link = caps
    joined = engagement.area_month(store, "district", START, END, "Chicago aggravated assaults", frame, link)
    assert len(joined) == 23 * 36
    row = joined[(joined["area"] == "8") & (joined["month"] == pd.Timestamp("2018-03-01"))].iloc[0]
    assert row["events"] > 0 and row["incidents"] > 0 and 0 < row["TRUST"] < 100 and 0 < row["SAFETY"] < 100
    assert joined[joined["month"] < pd.Timestamp("2017-11-01")]["TRUST"].isna().all(), "scores start Nov 2017"
    assert joined["incidents"].sum() == store.scalar(
        "SELECT count(*) FROM incidents WHERE dataset = 'Chicago aggravated assaults' AND occurred_at >= '2016-01-01' "
        "AND occurred_at < '2019-01-01' AND lvl_district IS NOT NULL"
    )
