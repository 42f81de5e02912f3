"""Privacy on public views: the one module every public figure, download and export goes through.

The rules (docs/methods.md, "Public page and privacy"; methods guide "Privacy on public views"):

1. **Sensitive incidents** (sexual offenses, domestic incidents, incidents
   involving children or juveniles) are counted in area totals only: never on
   a hot spot map, never by hexagon, never by block. :func:`is_sensitive` is
   the rule in Python, :func:`sensitive_sql` the same rule in SQL, built from
   the same regular expressions (a test checks they agree row for row).
2. **Small counts** from 1 to ``min_count - 1`` (1-4) are suppressed, and a
   second cell is suppressed in any group where a total would let the hidden
   one be recovered by subtraction (complementary suppression).
3. **A publication lag**: nothing from the last ``lag_days`` days before the
   newest record is public.
4. **Precision**: no coordinates, no blocks, no incident ids, no raw
   attributes, H3 cells no finer than ``max_h3_res`` (res 9, 0.1 km²).
5. **Survey estimates** with an effective sample size under 30 are
   suppressed, 30-59 flagged (NCHS standards).

:func:`public_table` is the final guard: it raises :class:`PrivacyError`
when a frame breaks rule 2 or 4, so a mistake upstream fails loudly instead
of publishing.

The sensitive rule reads two texts: the offense name, and the incident's
``attributes`` as JSON text (what the store keeps). Worked examples:

>>> is_sensitive("CRIM SEXUAL ASSAULT", None)
True
>>> is_sensitive("BATTERY", {"description": "DOMESTIC BATTERY SIMPLE"})
True
>>> is_sensitive("BATTERY", {"domestic": "True"})
True
>>> is_sensitive("BATTERY", {"domestic": "False", "description": "AGG: HANDS/FIST/FEET NO/MINOR INJURY"})
False
>>> is_sensitive("THEFT", {"location_description": "ESSEX AVE"})
False
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import h3
import numpy as np
import pandas as pd

from lib.constants import FLAG_EFFECTIVE_N, MIN_EFFECTIVE_N
from lib.store import settings

SUPPRESSED_LABEL = "privacy.suppressed"  # i18n key: "fewer than 5"


class PrivacyError(ValueError):
    """A frame about to be published breaks a privacy rule; the message names the column and rule."""


@dataclass(frozen=True)
class Rules:
    """The thresholds of the public view (settings ``min_public_count``, ``publication_lag_days``, ...)."""

    min_count: int = 5
    lag_days: int = 7
    max_h3_res: int = 9
    min_effective_n: int = MIN_EFFECTIVE_N
    flag_effective_n: int = FLAG_EFFECTIVE_N

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(
            min_count=int(settings.get("min_public_count")),
            lag_days=int(settings.get("publication_lag_days")),
            max_h3_res=int(settings.get("public_max_h3_res")),
        )


# -- the sensitive rule ----------------------------------------------------------------------

# Word starts (lower case) that mark an offense or a description as sensitive. Every token must
# follow a non-letter (or begin the text), so "ESSEX AVE" is not a sex offense. The expressions use
# only what Python's re, DuckDB's RE2 and PostgreSQL's regular expressions read alike: no \b
# (PostgreSQL reads it as a backspace), no look-ahead (RE2 has none).
SEXUAL = ("sex", "rape", "sodom", "fondl", "incest", "indecen", "obscen", "pornograph", "molest", "lewd")
DOMESTIC = ("domestic", "famil", "fam mbr", "fam member", "intimate partner", "spous")
JUVENILE = (
    "child",
    "juvenil",
    "runaway",
    "underage",
    "to minor",
    "to a minor",
    "by minor",
    "by a minor",
    "of minor",
    "of a minor",
    "with minor",
    "with a minor",
    "minor victim",
    "infant",
)
TOKENS = SEXUAL + DOMESTIC + JUVENILE
# Attribute keys whose true value marks the incident (a "domestic" flag, "juvenile_involved" ...).
FLAG_KEYS = ("domestic", "famil", "juvenil", "child", "minor", "dv_")
TRUE_VALUES = ("true", "t", "y", "yes", "1", "1.0")

_TOK = "(" + "|".join(re.escape(t).replace("\\ ", " ") for t in TOKENS) + ")"
# The offense column: a token at the start or after a non-letter.
OFFENSE_PATTERN = f"(^|[^a-z]){_TOK}"
# Inside the attributes' JSON text, only values are read (never keys: a "vic_sex" column is not a
# sex offense): a string value (": "...") or an array of strings (": [...]").
_VALUE = rf'(": *"([^"]*[^a-z])?{_TOK}|": *\[[^\]]*[^a-z]{_TOK})'
_FLAG = (
    '"[^"]*(' + "|".join(FLAG_KEYS) + ')[^"]*": *"?(' + "|".join(v.replace(".", "[.]") for v in TRUE_VALUES) + ')"?[,}]'
)
# A victim age under 18 ("vic_age": 15, "VIC_AGE_GROUP": "<18").
_AGE = '"[^"]*vic[^"]*age[^"]*": *"?(< *18|[0-9]|1[0-7])([.]0)?"?[,}]'
ATTRIBUTES_PATTERN = f"{_VALUE}|{_FLAG}|{_AGE}"

_OFFENSE_RE = re.compile(OFFENSE_PATTERN)
_ATTRIBUTES_RE = re.compile(ATTRIBUTES_PATTERN)


def _attributes_text(attributes) -> str:
    if attributes is None:
        return ""
    if isinstance(attributes, str):
        return attributes
    if isinstance(attributes, float) and np.isnan(attributes):
        return ""
    return json.dumps(attributes, separators=(",", ":"), default=str)


def is_sensitive(offense: str | None, attributes: dict | str | None) -> bool:
    """Whether an incident is sexual, domestic or involves a child or juvenile (area totals only).

    ``attributes`` is the incident's extra columns, as a dict or as the JSON
    text the store keeps. The same rule as :func:`sensitive_sql`.
    """
    if offense is not None and not (isinstance(offense, float) and np.isnan(offense)):
        if _OFFENSE_RE.search(str(offense).lower()):
            return True
    return bool(_ATTRIBUTES_RE.search(_attributes_text(attributes).lower()))


def sensitive_sql(prefix: str = "") -> str:
    """The sensitive rule as an SQL condition over ``offense`` and ``attributes`` (DuckDB and PostgreSQL).

    ``regexp_replace(x, p, '') <> x`` is true when ``p`` matches ``x``; both
    engines have it with the same meaning (unlike ``regexp_matches`` / ``~``).
    """
    p = prefix

    def matches(column: str, pattern: str) -> str:
        text = f"lower(coalesce({p}{column}, ''))"
        return f"(regexp_replace({text}, '{pattern}', '') <> {text})"

    return f"({matches('offense', OFFENSE_PATTERN)} OR {matches('attributes', ATTRIBUTES_PATTERN)})"


def public_sql(prefix: str = "") -> str:
    """SQL condition for incidents that may be shown below area level (not sensitive)."""
    return f"NOT {sensitive_sql(prefix)}"


# -- the publication lag ---------------------------------------------------------------------


def public_cutoff(store, dataset: str | None, rules: Rules | None = None) -> pd.Timestamp | None:
    """The first moment not public: midnight after the newest record's day, minus ``lag_days`` days.

    With incidents up to 29 September 2019 and a 7-day lag, the cutoff is
    23 September 2019 00:00: public views end on 22 September. None when the
    dataset holds no incidents.
    """
    rules = rules or Rules.from_settings()
    if "incidents" not in store.tables():
        return None
    if dataset:
        newest = store.scalar("SELECT max(occurred_at) FROM incidents WHERE dataset = :d", {"d": dataset})
    else:
        newest = store.scalar("SELECT max(occurred_at) FROM incidents")
    if newest is None:
        return None
    return pd.Timestamp(newest).normalize() + pd.Timedelta(days=1) - pd.Timedelta(days=int(rules.lag_days))


def public_filter(store, flt, rules: Rules | None = None):
    """``flt`` with its end clamped to the publication cutoff of its dataset."""
    cutoff = public_cutoff(store, flt.dataset, rules)
    if cutoff is None:
        return flt
    end = cutoff if flt.end is None else min(pd.Timestamp(flt.end), cutoff)
    return flt.with_(end=end)


# -- small counts ----------------------------------------------------------------------------


def headline_count(n, rules: Rules | None = None) -> int | None:
    """A single count quoted in a sentence or headline, or None (suppressed) when from 1 to min_count - 1.

    >>> headline_count(3, Rules(min_count=5)), headline_count(0, Rules(min_count=5)), headline_count(12, Rules(min_count=5))
    (None, 0, 12)
    """
    rules = rules or Rules.from_settings()
    n = int(n or 0)
    return None if 1 <= n < rules.min_count else n


def suppress_counts(frame: pd.DataFrame, columns, rules: Rules | None = None, groups=None) -> pd.DataFrame:
    """Counts from 1 to ``min_count - 1`` become missing, with complementary suppression.

    Parameters
    ----------
    frame : DataFrame
        One row per cell (an area, a month ...).
    columns : str or list of str
        The count columns. Each is suppressed on its own.
    groups : None, str, list of str, or list of lists
        Cells whose total is (or can be) published. ``None``: the whole column
        is one group (its total is the city's). ``"month"``: each month's rows.
        A list of lists gives several margins (``[["month"], ["area"]]`` for a
        table whose row and column totals are both known); suppression repeats
        until no margin reveals a cell.

    Returns
    -------
    DataFrame
        A copy: count columns as nullable integers (``pd.NA`` where
        suppressed) and a boolean ``<col>_suppressed`` column each.

    Notes
    -----
    In a group with exactly one suppressed cell the total minus the shown cells
    gives it back, so the smallest shown non-zero cell of the group is
    suppressed too (a zero when no non-zero cell is left).

    Examples
    --------
    >>> f = pd.DataFrame({"area": ["a", "b", "c", "d"], "n": [3, 12, 7, 40]})
    >>> suppress_counts(f, "n", Rules())["n"].tolist()
    [<NA>, 12, <NA>, 40]
    """
    rules = rules or Rules()
    cols = [columns] if isinstance(columns, str) else list(columns)
    margins = _margins(groups)
    out = frame.copy()
    for col in cols:
        values = pd.to_numeric(out[col], errors="coerce")
        hidden = ((values >= 1) & (values < rules.min_count)).to_numpy(dtype=bool, na_value=False).copy()
        hidden |= values.isna().to_numpy() & out[col].notna().to_numpy()  # unreadable counts are not shown
        for _ in range(50):  # each pass hides at least one more cell; a few passes suffice
            changed = False
            for margin in margins:
                keys = [np.zeros(len(out), dtype=int)] if not margin else [out[g].to_numpy() for g in margin]
                for idx in (
                    pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
                    .groupby([f"k{i}" for i in range(len(keys))], dropna=False, sort=False)
                    .indices.values()
                ):
                    if hidden[idx].sum() != 1:
                        continue
                    shown = [i for i in idx if not hidden[i]]
                    if not shown:
                        continue
                    shown_values = values.to_numpy()[shown]
                    nonzero = [i for i, v in zip(shown, shown_values) if v and v > 0]
                    pool = nonzero or shown
                    pick = min(pool, key=lambda i: (values.iloc[i], i))
                    hidden[pick] = True
                    changed = True
            if not changed:
                break
        out[col] = values.round().astype("Int64").mask(hidden)
        out[f"{col}_suppressed"] = hidden
    return out


def _margins(groups) -> list[list[str]]:
    if groups is None:
        return [[]]
    if isinstance(groups, str):
        return [[groups]]
    groups = list(groups)
    if groups and all(isinstance(g, (list, tuple)) for g in groups):
        return [list(g) for g in groups]
    return [groups]


# -- survey estimates ------------------------------------------------------------------------

RELIABILITY_OK = "ok"
RELIABILITY_CAUTION = "use with caution"
RELIABILITY_SUPPRESSED = "suppressed"
RELIABILITY_UNKNOWN = "n not published"


def suppress_estimates(
    frame: pd.DataFrame, n_eff_column: str, rules: Rules | None = None, value_columns=()
) -> pd.DataFrame:
    """Estimates with effective n under 30 become missing; 30-59 are flagged (NCHS 2017).

    Adds ``reliability``: "ok", "use with caution", "suppressed", or
    "n not published" where the source gives no n (published scores such as
    Chicago's, shown as the publisher published them).

    >>> f = pd.DataFrame({"value": [61.0, 58.0, 66.0], "n_eff": [12.0, 45.0, 300.0]})
    >>> suppress_estimates(f, "n_eff", Rules(), ["value"])[["value", "reliability"]].values.tolist()
    [[nan, 'suppressed'], [58.0, 'use with caution'], [66.0, 'ok']]
    """
    rules = rules or Rules()
    out = frame.copy()
    n = pd.to_numeric(out[n_eff_column], errors="coerce").astype("float64")
    low = (n < rules.min_effective_n).to_numpy(dtype=bool)
    out["reliability"] = np.select(
        [n.isna().to_numpy(), low, (n < rules.flag_effective_n).to_numpy(dtype=bool)],
        [RELIABILITY_UNKNOWN, RELIABILITY_SUPPRESSED, RELIABILITY_CAUTION],
        RELIABILITY_OK,
    )
    for col in [value_columns] if isinstance(value_columns, str) else list(value_columns):
        out[col] = out[col].astype("float64").mask(low)
    return out


# -- the final guard -------------------------------------------------------------------------

FORBIDDEN_COLUMNS = frozenset(
    {
        "latitude",
        "longitude",
        "lat",
        "lon",
        "lng",
        "long",
        "x",
        "y",
        "block",
        "address",
        "incident_id",
        "case_number",
        "attributes",
        "response_id",
        "attendee_hash",
        "geometry",
        "h3_10",
        "point",
        "coordinates",
    }
)
# Integer columns that are not counts of people or incidents.
NOT_COUNTS = frozenset(
    {
        "year",
        "month",
        "week",
        "day",
        "hour",
        "weekday",
        "quarter",
        "bin",
        "res",
        "rank",
        "period_days",
        "areas",
        "level_rank",
    }
)
_H3_LIKE = re.compile(r"^[0-9a-f]{15}$")


def public_table(frame: pd.DataFrame, rules: Rules | None = None) -> pd.DataFrame:
    """The frame unchanged if it may be published; else raise :class:`PrivacyError`.

    Refused: a forbidden column (coordinates, block, address, incident id,
    raw attributes ...), H3 cells finer than ``max_h3_res``, or an integer
    column (a count) holding a value from 1 to ``min_count - 1``. Integer
    columns that are not counts are named in ``NOT_COUNTS`` or in
    ``frame.attrs["not_counts"]``; counts stored as floats are checked when
    named in ``frame.attrs["counts"]``.
    """
    rules = rules or Rules.from_settings()
    not_counts = set(NOT_COUNTS) | set(frame.attrs.get("not_counts", ()))
    float_counts = set(frame.attrs.get("counts", ()))
    for col in frame.columns:
        name = str(col)
        low = name.lower()
        if low in FORBIDDEN_COLUMNS or low.startswith(("lat_", "lon_")) or low.endswith(("_lat", "_lon", "_lng")):
            raise PrivacyError(
                f"Column {name!r} is not public: coordinates, blocks, ids and raw attributes never "
                "leave the store on a public view."
            )
        series = frame[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            sample = series.dropna()
            sample = sample[sample.map(lambda v: isinstance(v, str))]
            if len(sample) and _H3_LIKE.match(str(sample.iloc[0])) and h3.is_valid_cell(str(sample.iloc[0])):
                finest = max(h3.get_resolution(c) for c in sample if h3.is_valid_cell(c))
                if finest > rules.max_h3_res:
                    raise PrivacyError(
                        f"Column {name!r} holds H3 cells at resolution {finest}, finer than the "
                        f"public maximum {rules.max_h3_res}."
                    )
            continue
        is_count = (
            pd.api.types.is_integer_dtype(series) and not pd.api.types.is_bool_dtype(series) and low not in not_counts
        ) or name in float_counts
        if is_count:
            values = pd.to_numeric(series, errors="coerce")
            small = (values >= 1) & (values < rules.min_count)
            if bool(small.fillna(False).any()):
                raise PrivacyError(
                    f"Column {name!r} shows counts from 1 to {rules.min_count - 1} "
                    f"({int(small.fillna(False).sum())} cells): suppress them with suppress_counts."
                )
    return frame
