"""Cleaning functions, tested as tables of (raw value, clean value)."""

import numpy as np
import pandas as pd
import pytest

from lib.ingest import parse


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0832", "832"),
        ("832.0", "832"),
        (832.0, "832"),
        (" 15e30 ", "15E30"),
        ("Central", "CENTRAL"),
        ("area_5", "AREA_5"),
        ("000", "0"),
        ("1420", "1420"),
        ("", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_area_codes_have_one_spelling(raw, expected):
    assert parse.normalize_code(raw) == expected


@pytest.mark.parametrize(
    "values, expected, has_time",
    [
        (["7/19/2017 13:45", "12/1/2018 0:05"], ["2017-07-19 13:45", "2018-12-01 00:05"], True),
        (["2019-06-22", "2020-01-31"], ["2019-06-22 00:00", "2020-01-31 00:00"], False),
        (["2017-12-28T18:30:00", "2018-01-02T09:00:00"], ["2017-12-28 18:30", "2018-01-02 09:00"], True),
        (["12/31/2013", "01/02/2014"], ["2013-12-31 00:00", "2014-01-02 00:00"], False),
        (["31/12/2013 21:33", "13/01/2014 08:00"], ["2013-12-31 21:33", "2014-01-13 08:00"], True),
        (["03/04/2019 09:15:00 PM", "03/05/2019 10:00:00 AM"], ["2019-03-04 21:15", "2019-03-05 10:00"], True),
        (["01-Mar-2019", "15-Apr-2019"], ["2019-03-01 00:00", "2019-04-15 00:00"], False),
        (["43466", "43467.5"], ["2019-01-01 00:00", "2019-01-02 12:00"], None),
        (["20190622", "20191231"], ["2019-06-22 00:00", "2019-12-31 00:00"], False),
        # Day first, told by content: a day above 12 in first place on some rows
        (["05/03/2021 14:00", "25/03/2021 09:30"], ["2021-03-05 14:00", "2021-03-25 09:30"], True),
        (["05-03-2021", "25-03-2021"], ["2021-03-05 00:00", "2021-03-25 00:00"], False),
        (["05.03.2021 14:00", "25.03.2021 09:30"], ["2021-03-05 14:00", "2021-03-25 09:30"], True),
        (["01/02/21", "28/02/21"], ["2021-02-01 00:00", "2021-02-28 00:00"], False),
    ],
)
def test_dates_in_the_formats_exports_use(values, expected, has_time):
    parsed = parse.parse_datetimes(pd.Series(values))
    assert parsed.values.dt.strftime("%Y-%m-%d %H:%M").tolist() == expected
    if has_time is not None:
        assert parsed.has_time.tolist() == [has_time] * len(values)


def test_utc_offsets_become_local_time():
    parsed = parse.parse_datetimes(
        pd.Series(["2018-06-01T05:00:00Z", "2018-06-01T00:00:00-05:00"]), tz="America/Chicago"
    )
    assert parsed.values.dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2018-06-01 00:00", "2018-06-01 00:00"]


def test_unparseable_dates_are_missing_not_guessed():
    parsed = parse.parse_datetimes(pd.Series(["7/19/2017 13:45", "yesterday", "", None]))
    assert parsed.values.notna().tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    "values, expected",
    [
        (["21:30:00", "0:05"], ["21:30", "00:05"]),
        (["21:33", "09:00"], ["21:33", "09:00"]),
        (["9:30 PM", "10:15 AM"], ["21:30", "10:15"]),
        (["0930", "2359"], ["09:30", "23:59"]),
        (["0", "13", "23"], ["00:00", "13:00", "23:00"]),
        (["00", "07"], ["00:00", "07:00"]),
    ],
)
def test_times_of_day(values, expected):
    times, _ = parse.parse_times(pd.Series(values))
    shown = [f"{int(t.total_seconds() // 3600):02d}:{int(t.total_seconds() % 3600 // 60):02d}" for t in times]
    assert shown == expected


def test_a_column_of_datetimes_is_not_a_time_of_day():
    times, how = parse.parse_times(pd.Series(["2010-01-01 06:00:00", "2010-01-02 07:00:00"]))
    assert times.isna().all()
    assert "dates" in how


@pytest.mark.parametrize(
    "raw, expected",
    [("1,234", 1234.0), (" -87.5 ", -87.5), ("41.8", 41.8), ("n/a", np.nan), ("", np.nan), ("12abc", np.nan)],
)
def test_numbers(raw, expected):
    got = parse.parse_numbers(pd.Series([raw])).iloc[0]
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_coordinates_zero_out_of_range_and_swapped():
    lat = pd.Series([41.88] * 20 + [0.0, 95.0, -87.63, 41.9])
    lon = pd.Series([-87.63] * 20 + [0.0, -87.6, 41.88, -87.7])
    clat, clon, issue = parse.check_coordinates(lat, lon)
    assert issue.iloc[20] == "zero" and np.isnan(clat.iloc[20])
    assert issue.iloc[21] == "out_of_range" and np.isnan(clat.iloc[21])
    assert issue.iloc[22] == "swapped" and (clat.iloc[22], clon.iloc[22]) == (41.88, -87.63)
    assert pd.isna(issue.iloc[23]) and clat.iloc[23] == 41.9


def test_latitude_beyond_90_is_swapped_back_even_alone():
    clat, clon, issue = parse.check_coordinates(pd.Series([-95.43]), pd.Series([29.67]))
    assert (clat.iloc[0], clon.iloc[0], issue.iloc[0]) == (29.67, -95.43, "swapped")


def test_content_keys_are_stable_and_count_repeats():
    frame = pd.DataFrame({"a": ["x", "x", "y"], "b": ["1", "1", "2"]})
    keys = parse.content_keys(frame)
    assert keys.iloc[0] != keys.iloc[1], "identical rows are distinct records"
    assert keys.tolist() == parse.content_keys(frame.copy()).tolist(), "the same file gives the same keys"
    assert keys.iloc[0].endswith("-0") and keys.iloc[1].endswith("-1")


@pytest.mark.parametrize(
    "values, expected",
    [
        (["1,234", "12,000", "7"], [1234.0, 12000.0, 7.0]),  # thousands
        (["1,234.5", "-2,000.25"], [1234.5, -2000.25]),
        (["6,2441", "-75,5812"], [6.2441, -75.5812]),  # decimal commas (coordinates in Latin America, Europe)
        (["1.234,5", "12.000,75"], [1234.5, 12000.75]),  # points group thousands, comma is decimal
        (["40,5", "3,25", "1,234"], [40.5, 3.25, 1.234]),  # one column, one convention
        (["1\u00a0234", "5 000"], [1234.0, 5000.0]),
    ],
)
def test_numbers_in_every_locale(values, expected):
    assert parse.parse_numbers(pd.Series(values)).tolist() == pytest.approx(expected)
