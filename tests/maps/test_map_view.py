"""The Map page's URL: every view survives the round trip, and bad links open with defaults."""

from datetime import date

import pandas as pd

from lib.maps import view as map_view

LEVELS = ["district", "beat"]
NEWEST = date(2019, 12, 31)


def test_round_trip():
    view = map_view.View(
        start=date(2019, 2, 1),
        end=date(2019, 4, 30),
        groups=("Theft", "Robbery"),
        weekdays=(4, 5),
        hours=(0, 1, 2, 23),
        level="beat",
        areas=("1121",),
        layers=("heat", "emerging"),
        measure="change",
        res=8,
        slice="week",
        time_step=2,
        panel="1121",
    )
    query = map_view.to_query(view)
    assert query["hours"] == "0-2,23" and query["days"] == "fri,sat" and query["steps"] == "2"
    assert map_view.from_query(query, NEWEST, LEVELS) == view


def test_defaults_and_short_links():
    view = map_view.from_query({}, NEWEST, LEVELS)
    assert (view.start, view.end, view.level) == (date(2019, 1, 1), NEWEST, "district")
    assert view.layers == map_view.DEFAULT_LAYERS and view.res == 9
    assert set(map_view.to_query(view)) == {"from", "to", "level", "layers"}


def test_bad_values_fall_back():
    view = map_view.from_query(
        {
            "from": "2019-05-01",
            "to": "2019-01-01",
            "level": "ward",
            "res": "12",
            "measure": "ratio",
            "days": "someday,Tue",
            "hours": "25,x,7",
            "groups": "Theft,Nope",
            "slice": "year",
            "steps": "9",
            "layers": "",
        },
        NEWEST,
        LEVELS,
        groups=("Theft",),
    )
    assert (view.start, view.end) == (date(2019, 1, 1), NEWEST)  # reversed range: the default
    assert view.level == "district" and view.res == 9 and view.measure == "count" and view.slice == "month"
    assert view.time_step == 1  # Esri's default neighbourhood time step
    assert view.weekdays == (1,) and view.hours == (7,) and view.groups == ("Theft",)
    assert view.layers == ()  # an explicit empty choice is kept


def test_filter_of_a_view():
    view = map_view.View(start=date(2019, 1, 1), end=date(2019, 1, 31), level="beat", areas=("1121",))
    flt = map_view.incident_filter(view, "d", ("THEFT",))
    assert flt.start == pd.Timestamp("2019-01-01") and flt.end == pd.Timestamp("2019-02-01")
    assert (flt.level, flt.areas, flt.offenses) == ("beat", ("1121",), ("THEFT",))
    # Groups chosen but none of their offenses in the data: nothing matches, not everything.
    assert map_view.incident_filter(view, "d", ()).offenses == map_view.NO_OFFENSE
    assert map_view.incident_filter(view.with_(areas=()), "d", None).level is None


def test_period_words():
    view = map_view.View(start=date(2019, 1, 1), end=date(2019, 3, 31), weekdays=(0, 4), hours=(22, 23, 0))
    assert view.period() == "Jan 1, 2019 to Mar 31, 2019, Mon/Fri, hours 0,22-23"


def test_default_period_starts_no_earlier_than_the_data():
    view = map_view.from_query({}, date(2010, 8, 31), LEVELS, first=date(2010, 1, 1))
    assert (view.start, view.end) == (date(2010, 1, 1), date(2010, 8, 31))


def test_dates_that_hold_none_of_the_dataset_open_its_own_period():
    # A link made for another dataset (or dates kept after switching dataset) would show an empty map.
    default = map_view.from_query({}, date(2010, 8, 31), LEVELS, first=date(2010, 1, 1))
    for dates in ({"from": "2019-01-01", "to": "2019-06-30"}, {"from": "2005-01-01", "to": "2005-12-31"}):
        view = map_view.from_query(dates, date(2010, 8, 31), LEVELS, first=date(2010, 1, 1))
        assert (view.start, view.end) == (default.start, default.end)
    # Dates that overlap the data are kept as they are.
    kept = map_view.from_query(
        {"from": "2009-06-01", "to": "2010-02-28"}, date(2010, 8, 31), LEVELS, first=date(2010, 1, 1)
    )
    assert (kept.start, kept.end) == (date(2009, 6, 1), date(2010, 2, 28))
