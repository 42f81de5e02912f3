"""Pure cleaning functions for source values: dates, times, numbers, codes, coordinates.

Each takes a pandas Series of text (or already-typed values from Parquet/Excel)
and returns clean values plus what went wrong, row by row. They are tested as
tables of (raw value, clean value) in tests/test_parse.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

# Formats tried on text dates, most common in police exports first. ISO 8601
# covers "2019-06-22", "2019-06-22 19:00", "2019-06-22T19:00:00.000-05:00".
DATE_FORMATS = (
    "ISO8601",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %I:%M %p",
    "%d/%m/%Y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m-%d-%Y %H:%M",
    "%m-%d-%Y",
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    # Month only: stored as the 1st, with precision "month"
    "%Y-%m",
    "%Y/%m",
    "%m/%Y",
    "%m-%Y",
    "%B %Y",
    "%b %Y",
    "%b-%Y",
    "%b-%y",
)
_MONTH_FORMATS = {"%Y-%m", "%Y/%m", "%m/%Y", "%m-%Y", "%B %Y", "%b %Y", "%b-%Y", "%b-%y"}

TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M%p", "%H:%M:%S.%f")


@dataclass
class ParsedDates:
    values: pd.Series  # datetime64[us], NaT where unusable
    has_time: pd.Series  # bool: the value carried a time of day
    format: str  # the format used, for the load report
    # what the values tell: "minute" (a time of day), "day", or "month" (the 1st stands for the month)
    precision: str = "day"
    # a UTC offset converted to local time: how many values carried one
    converted: int = 0


def _text(series: pd.Series) -> pd.Series:
    return series.astype("str").str.strip()


def parse_datetimes(series: pd.Series, tz: str | None = None) -> ParsedDates:
    """Parse a column of dates or date-times, choosing one format for the whole column.

    The format is the one that parses the most of a sample of distinct values;
    month-first wins ties with day-first (US exports). Values with a UTC offset
    are converted to local time in ``tz``.

    >>> p = parse_datetimes(pd.Series(["7/19/2017 13:45", "12/1/2018 0:05", "bad"]))
    >>> p.values.dt.strftime("%Y-%m-%d %H:%M").tolist()[:2], p.values.isna().tolist()[2], p.format
    (['2017-07-19 13:45', '2018-12-01 00:05'], True, '%m/%d/%Y %H:%M')
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert(ZoneInfo(tz) if tz else "UTC").dt.tz_localize(None)
        values = values.astype("datetime64[us]")
        has_time = (values.dt.hour + values.dt.minute + values.dt.second) > 0
        has_time = pd.Series(bool(has_time.any()), index=series.index) & values.notna()
        return ParsedDates(values, has_time, "typed date-time", _precision(values, has_time))
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _excel_serial(series)
    text = _text(series)
    sample = text.dropna().drop_duplicates()
    sample = sample.sample(min(len(sample), 2000), random_state=0) if len(sample) else sample
    if sample.empty:
        empty = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us]")
        return ParsedDates(empty, pd.Series(False, index=series.index), "none")
    if sample.str.fullmatch(r"\d{5}(\.\d+)?").mean() > 0.9:
        return _excel_serial(pd.to_numeric(text, errors="coerce"))
    best, best_rate = None, 0.0
    for fmt in DATE_FORMATS:
        rate = _to_datetime(sample, fmt, tz).notna().mean()
        if rate > best_rate + 1e-9:
            best, best_rate = fmt, rate
        if rate == 1.0:
            break
    if best is None:
        empty = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us]")
        return ParsedDates(empty, pd.Series(False, index=series.index), "none")
    if best == "ISO8601" and sample.str.fullmatch(r"\d{4}-\d{1,2}").mean() > 0.5:
        best = "%Y-%m"  # "2019-06" is a month, though ISO 8601 reads it as its 1st day
    values = _to_datetime(text, best, tz)
    has_time = text.str.contains(":", regex=False).fillna(False).astype(bool) & values.notna()
    # "01/01/2019 12:00:00 AM" on every row is a date written with a dummy time.
    if has_time.any() and (values[has_time] == values[has_time].dt.normalize()).all():
        has_time[:] = False
    precision = "month" if best in _MONTH_FORMATS else _precision(values, has_time)
    converted = 0
    if best == "ISO8601":
        converted = int(
            (text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False) & values.notna()).sum()
        )
    return ParsedDates(values, has_time, best, precision, converted)


def _precision(values: pd.Series, has_time: pd.Series) -> str:
    """minute when most values carry a time; month when every one of many dates is a 1st; else day."""
    present = values.dropna()
    if present.empty:
        return "day"
    if has_time[values.notna()].mean() > 0.5:
        return "minute"
    if len(present) >= 30 and (present.dt.day == 1).all():
        return "month"
    return "day"


def _to_datetime(text: pd.Series, fmt: str, tz: str | None) -> pd.Series:
    if fmt == "ISO8601":
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        offset = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False).astype(bool)
        if offset.any():
            local = parsed.dt.tz_convert(ZoneInfo(tz) if tz else "UTC").dt.tz_localize(None)
            naive = parsed.dt.tz_localize(None)
            parsed = local.where(offset, naive)
        else:
            parsed = parsed.dt.tz_localize(None)
    else:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return parsed.astype("datetime64[us]")


def _excel_serial(numbers: pd.Series) -> ParsedDates:
    values = pd.to_datetime(numbers, unit="D", origin="1899-12-30", errors="coerce")
    values = values.where((numbers > 1) & (numbers < 2958465)).astype("datetime64[us]")
    has_time = (numbers % 1 != 0) & values.notna()
    return ParsedDates(values, has_time, "spreadsheet serial date", _precision(values, has_time))


def parse_times(series: pd.Series) -> tuple[pd.Series, str]:
    """Parse a time-of-day column into timedeltas since midnight (NaT where unusable).

    Accepts "21:30", "21:30:00", "9:30 PM", military "0930", and whole hours 0-23.
    A column of full date-times is not a time column: every value comes back NaT.

    >>> parse_times(pd.Series(["21:30:00", "0:05", "x"]))[0].tolist()[:2]
    [Timedelta('0 days 21:30:00'), Timedelta('0 days 00:05:00')]
    """
    text = _text(series)
    sample = text.dropna().drop_duplicates()
    nat = pd.Series(pd.NaT, index=series.index, dtype="timedelta64[us]")
    if sample.empty:
        return nat, "none"
    if sample.str.contains(r"\d{1,4}[-/]\d{1,2}[-/]\d{1,4}", regex=True).mean() > 0.5:
        return nat, "not a time of day (the column holds dates)"
    if sample.str.fullmatch(r"\d{1,2}(\.0)?").mean() > 0.98:
        hours = pd.to_numeric(text, errors="coerce")
        hours = hours.where((hours >= 0) & (hours <= 23) & (hours % 1 == 0))
        return pd.to_timedelta(hours, unit="h").astype("timedelta64[us]"), "hour of day"
    if sample.str.fullmatch(r"\d{3,4}").mean() > 0.98:
        padded = text.str.zfill(4)
        hours = pd.to_numeric(padded.str[:2], errors="coerce")
        minutes = pd.to_numeric(padded.str[2:], errors="coerce")
        ok = (hours <= 23) & (minutes <= 59)
        delta = pd.to_timedelta(hours.where(ok), unit="h") + pd.to_timedelta(minutes.where(ok), unit="m")
        return delta.astype("timedelta64[us]"), "HHMM"
    # Most common format first; values in another time format fill in after it.
    rates = {fmt: pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean() for fmt in TIME_FORMATS}
    ranked = [fmt for fmt in sorted(rates, key=rates.get, reverse=True) if rates[fmt] > 0]
    if not ranked:
        return nat, "none"
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in ranked:
        missing = parsed.isna()
        if not missing.any():
            break
        parsed[missing] = pd.to_datetime(text[missing], format=fmt, errors="coerce")
    delta = parsed - parsed.dt.normalize()
    return delta.astype("timedelta64[us]"), ranked[0]


def parse_numbers(series: pd.Series) -> pd.Series:
    """Numbers from text: thousands separators and stray spaces removed; NaN where not a number.

    Whether a comma is a decimal mark is read from the whole column: it is one when values carry
    it after a point ("1.234,5") or with other than three digits after it ("6,2441", "-75,58");
    otherwise commas group thousands ("1,234").

    >>> parse_numbers(pd.Series(["1,234", " -87.5 ", "n/a"])).tolist()
    [1234.0, -87.5, nan]
    >>> parse_numbers(pd.Series(["6,2441", "-75,5812", "1.234,5"])).tolist()
    [6.2441, -75.5812, 1234.5]
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64")
    text = _text(series).str.replace(" ", "", regex=False).str.replace("\u00a0", "", regex=False)
    if decimal_comma(text):
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def decimal_comma(text: pd.Series) -> bool:
    """Whether the commas of a column of number text are decimal marks (see :func:`parse_numbers`)."""
    sample = text.dropna()
    sample = sample[sample.str.contains(",", regex=False)].drop_duplicates().head(2000)
    if sample.empty:
        return False
    after_point = sample.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+,\d+").mean()
    decimal = sample.str.fullmatch(r"[+-]?\d*,\d+").mean()
    odd = sample.str.fullmatch(r"[+-]?\d*,(\d{1,2}|\d{4,})").mean()
    return bool(after_point > 0.5 or (decimal > 0.5 and odd > 0))


_NUMERIC_CODE = re.compile(r"^0*(\d+?)(?:\.0+)?$")


def normalize_code(value) -> str | None:
    """One spelling per area code, so that 832.0, '0832' and '832' all join.

    >>> [normalize_code(v) for v in ["0832", 832.0, " 15e30 ", "Central", "", None, "000"]]
    ['832', '832', '15E30', 'CENTRAL', None, None, '0']
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if not text or text in ("NAN", "NONE", "NULL"):
        return None
    match = _NUMERIC_CODE.match(text)
    return match.group(1) if match else text


def normalize_codes(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_code` (distinct values are normalised once)."""
    uniques = pd.unique(series.dropna())
    lookup = {u: normalize_code(u) for u in uniques}
    return series.map(lookup).astype("str")


def normalize_title(series: pd.Series) -> pd.Series:
    """Titles compared for de-duplication: lower case, punctuation and repeated spaces removed.

    >>> normalize_title(pd.Series(["823/825  Beat Meeting", "DAC Meeting."])).tolist()
    ['823 825 beat meeting', 'dac meeting']
    """
    text = _text(series).str.lower().str.replace(r"[^\w]+", " ", regex=True)
    return text.str.strip()


COORD_ISSUES = {
    "swapped": "latitude and longitude were swapped; swapped back",
    "zero": "coordinates are 0 (no location); kept as not geocoded",
    "out_of_range": "coordinates out of range; kept as not geocoded",
}


def check_coordinates(lat: pd.Series, lon: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Catch (0, 0), out-of-range and swapped coordinates.

    Returns (latitude, longitude, issue): swapped pairs are put right, unusable
    pairs become NaN (the row stays, not geocoded), and ``issue`` names what was
    found (a key of ``COORD_ISSUES``) or is missing.

    A pair is taken as swapped when latitude is beyond +-90 but would be a valid
    longitude, or when swapping it puts it near the middle of the other rows
    (a US row with latitude -87.6 and longitude 41.8).
    """
    lat = lat.astype("float64").copy()
    lon = lon.astype("float64").copy()
    issue = pd.Series(None, index=lat.index, dtype="str")
    present = lat.notna() & lon.notna()
    zero = present & ((lat == 0) | (lon == 0))
    issue[zero] = "zero"
    in_range = (lat.abs() <= 90) & (lon.abs() <= 180)
    # Beyond +-90 a latitude cannot be one, but could be a longitude.
    plain_swap = present & ~zero & (lat.abs() > 90) & (lat.abs() <= 180) & (lon.abs() <= 90)
    good = present & ~zero & in_range
    if good.sum() >= 10:
        # Judge against the bulk of the rows: swap when that brings a point among them.
        mlat, mlon = lat[good].median(), lon[good].median()
        spread = max(2.0, 5 * float((lat[good] - mlat).abs().quantile(0.9) + (lon[good] - mlon).abs().quantile(0.9)))
        as_is = (lat - mlat).abs() + (lon - mlon).abs()
        swapped = (lon - mlat).abs() + (lat - mlon).abs()
        swap = present & ~zero & (swapped < spread) & ((as_is > spread) | ~in_range)
    else:
        swap = plain_swap
    new_lat = np.where(swap, lon, lat)
    new_lon = np.where(swap, lat, lon)
    lat = pd.Series(new_lat, index=lat.index)
    lon = pd.Series(new_lon, index=lon.index)
    issue[swap] = "swapped"
    in_range = (lat.abs() <= 90) & (lon.abs() <= 180)
    out = present & ~zero & ~in_range
    issue[out] = "out_of_range"
    bad = zero | out
    lat[bad] = np.nan
    lon[bad] = np.nan
    return lat, lon, issue


def content_keys(frame: pd.DataFrame) -> pd.Series:
    """A stable id for rows without one: a hash of the row's values plus its occurrence number.

    Identical rows get different keys (each row is one record: two identical
    lines in an export without ids may be two offences), yet loading the same
    file again gives the same keys, so nothing is added twice.
    """
    hashed = pd.util.hash_pandas_object(frame.astype("str"), index=False).astype("uint64")
    occurrence = hashed.groupby(hashed).cumcount()
    return "h" + pd.Series(np.char.mod("%016x", hashed.to_numpy()), index=frame.index) + "-" + occurrence.astype("str")
