"""Survey definitions: which columns are trust and safety items, how answers are coded, who answered.

A respondent-level survey is stored as loaded (answers and demographics in the
JSON ``attributes`` of ``survey_responses``). A *definition* says how to read
it: the trust and safety items, the answer scale, the "don't know" codes,
reversed items, the demographic columns and their categories, the area and
period of each response, and the population margins to weight to. It is kept
with the data, in the ``documents`` table, and edited on the Trust & Safety page.

:func:`suggest` proposes a definition for a survey never seen before:

- **items by wording**: a column is a trust item when its header speaks of the
  police (``TRUST_WORDS``), a safety item when it speaks of feeling safe
  (``SAFETY_WORDS``); items in the same question grid (``_14_01`` ... ``_14_06``)
  join when at least half of the grid matched; reversed items by wording
  (``REVERSE_WORDS``) and by content (an item whose answers run against the
  rest of its index);
- **scale by content**: the run of consecutive answers (1-5, 0-10); codes set
  apart from it (9 on 1-5, 99 on 0-10) are "don't know";
- **demographics by content first**: a column of "Female"/"Male" is sex
  whatever its header says, "$60,000 - $99,999" is income, "Bachelor's degree"
  education (``CONTENT_PATTERNS``); a numeric column that codes a labelled one
  row by row gives the categories their order. Exports often shift a block of
  headers against their columns: the shift is measured where content names
  the column (the header *k* columns to the left names what this column holds)
  and applied to the fields that content cannot recognise (age codes, a
  check-all-that-apply race question).

Every suggestion says how it was made (``notes``), and the user can change any of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from lib.stats.survey_index import item_rest_correlations, rescale

DOCUMENT_PREFIX = "survey_definition:"
INDEXES = {"trust": "Trust in police", "safety": "Feeling of safety"}
DEMOGRAPHICS = ("age", "sex", "race", "hispanic", "education", "income")
# Dimensions that raking uses when the margins have them ("race" is race/ethnicity).
RAKING_DIMENSIONS = ("age", "sex", "race", "education", "income")
PERIODS = ("none", "month", "quarter", "year")

# -- wording tables (each is tested as a table) -------------------------------------------------
TRUST_WORDS = r"\bpolice|\bofficers?\b|\btrust|\bsheriff|\bdeput(y|ies)\b|\blaw enforcement|\bcops?\b"
SAFETY_WORDS = (
    r"\bsafe\b|\bsafety\b|\bunsafe\b|\bsafely\b|at night|after dark|during the day|walking alone|\bafraid\b|\bfear"
)
REVERSE_WORDS = (
    r"\bunsafe\b|\bafraid\b|\bfear|\bworr(y|ied)|\bnot\b|\bnever\b|\bcrime is a (big |serious )?problem"
    r"|\bunfair|\brude\b|\bdisrespect|\bbias|\bharass|\bdisorder"
)
# Behaviour, not attitude: "Had contact with the police", "Called 911".
EXCLUDE_WORDS = r"\bcontact\b|\bcalled\b|\bvisited\b|\battended\b|\b911\b|\bfire\b"

DEMOGRAPHIC_HEADER_WORDS = {
    "age": r"\bage\b|\bhow old\b|\byear of birth\b|\bbirth ?year\b",
    "sex": r"\bsex\b|\bgender\b",
    "race": r"\brace\b|\bracial\b|\bethnicity\b",
    "hispanic": r"\bhispanic\b|\blatin[oax]\b|\bspanish\b",
    "education": r"\beducation\b|\bschooling\b|\bdegree\b",
    "income": r"\bincome\b|\bsalary\b|\bearnings\b",
}
# What a column of labels holds, read from its values.
CONTENT_PATTERNS = {
    "sex": r"^(female|male|woman|man|women|men|non-?binary|transgender.*|other)$",
    "age": r"^(under \d+|\d{2} ?(-|–|to) ?\d{2}|\d{2} ?(\+|or older|and over|or over|and older))( years?( old)?)?$",
    "education": r"high school|college|degree|bachelor|graduate|\bged\b|diploma|doctorate|master|technical",
    "income": r"\$ ?\d|\d{2,3},\d{3}",
    "race": r"white|black|african|asian|pacific|american indian|alaska|native|multiracial|two or more|mixed race",
    "hispanic": r"^(not )?(hispanic|latin[oax])|^non-?hispanic",
}
NONANSWERS = r"don.?t know|not sure|prefer not|refused|no answer|^n/?a$|^unknown$|decline"

# Standard category names, so that a margins file can use one vocabulary (tested as a table).
STANDARD_CATEGORIES = {
    "sex": ((r"^(female|woman|women|f)$", "Female"), (r"^(male|man|men|m)$", "Male")),
    "race": (
        (r"two or more|multi|mixed", "Two or more"),
        (r"hispanic|latin", "Hispanic"),
        (r"american indian|alaska|native american|indigenous", "American Indian or Alaska Native"),
        (r"asian|pacific|hawaiian", "Asian or Pacific Islander"),
        (r"black|african", "Black"),
        (r"white|caucasian", "White"),
        (r"other", "Other"),
    ),
    "hispanic": (
        (r"^(no|not hispanic.*|non-?hispanic.*|not latin.*)$", "Not Hispanic"),
        (r"^(yes|hispanic.*|latin.*)$", "Hispanic"),
    ),
}
AGE_BANDS = ((18, 34), (35, 44), (45, 54), (55, 64), (65, 200))
TWO_OR_MORE = "Two or more"


class DefinitionError(ValueError):
    """A definition that cannot be used; the message says what to change."""


@dataclass
class IndexSpec:
    label: str
    items: list[str] = field(default_factory=list)
    reverse: list[str] = field(default_factory=list)


@dataclass
class Demographic:
    """Where a demographic comes from: one column, or several (check all that apply), and its categories."""

    columns: list[str] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # raw value -> category; empty: values as they are
    how: str = ""
    age_bands: bool = False  # numeric ages, grouped into AGE_BANDS


@dataclass
class SurveyDefinition:
    dataset: str
    scale_low: float = 1.0
    scale_high: float = 5.0
    missing_codes: list[float] = field(default_factory=list)
    high_is_favourable: bool = True
    indexes: dict[str, IndexSpec] = field(default_factory=dict)
    demographics: dict[str, Demographic] = field(default_factory=dict)
    area: str = "area"  # the loaded area field, or a boundary level (beat, district ...)
    period: str = "none"  # none, month, quarter, year, or column:<name>
    period_label: str = ""  # the single wave's name when there are no dates
    margins: str | None = None  # population dataset to rake to
    weighting: str = "none"  # rake, supplied (the vendor's weight column), none
    notes: list[str] = field(default_factory=list)

    # -- (de)serialisation ------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=False)

    @classmethod
    def from_json(cls, text: str) -> SurveyDefinition:
        raw = json.loads(text)
        raw["indexes"] = {k: IndexSpec(**v) for k, v in raw.get("indexes", {}).items()}
        raw["demographics"] = {k: Demographic(**v) for k, v in raw.get("demographics", {}).items()}
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})

    def columns(self) -> list[str]:
        """Every source column the definition reads, in a stable order."""
        cols = [c for spec in self.indexes.values() for c in spec.items]
        cols += [c for d in self.demographics.values() for c in d.columns]
        if self.period.startswith("column:"):
            cols.append(self.period.split(":", 1)[1])
        return list(dict.fromkeys(cols))


# -- small readers -----------------------------------------------------------------------------


def wording(column: str) -> str:
    """A header as words: ``'Quality_of_police_services__12_01'`` -> ``'Quality of police services'``."""
    text = re.sub(r"[_ ]+q?\d+([_.]\d+)*_*$", "", str(column), flags=re.I)
    text = re.sub(r"[_\s]+", " ", text).strip()
    return text or str(column)


def grid_of(column: str) -> str | None:
    """The question grid of a header: ``'In_your_neighborhood_at_night__14_06'`` -> ``'14'``; None without one."""
    m = re.search(r"[_ ]q?(\d+)[_.](\d+)$", str(column), flags=re.I)
    return m.group(1) if m else None


def norm_value(value) -> str | None:
    """One spelling per answer: ``2.0``, ``'2.0'`` and ``' 2'`` -> ``'2'``; blanks -> None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value in :func:`norm_value`'s spelling (as text, None for blanks)."""
    out = {}
    for col in frame.columns:
        uniques = pd.unique(frame[col].astype("object"))
        lookup = {u: norm_value(u) for u in uniques if not (isinstance(u, float) and np.isnan(u))}
        out[col] = frame[col].astype("object").map(lookup)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def scale_of(values: pd.Series) -> tuple[float, float, list[float]] | None:
    """The answer scale of an item from its values: the run of consecutive integers, and codes set apart.

    >>> scale_of(pd.Series(["1", "2", "3", "4", "5", "9", "5"]))
    (1.0, 5.0, [9.0])
    >>> scale_of(pd.Series(["0", "3", "7", "10", "99", "1", "2", "4", "5", "6", "8", "9"]))
    (0.0, 10.0, [99.0])
    """
    numbers = pd.to_numeric(values.dropna(), errors="coerce")
    if numbers.empty or numbers.isna().mean() > 0.05:
        return None
    numbers = numbers.dropna()
    if not (numbers % 1 == 0).all():
        return None
    distinct = sorted(set(numbers.astype(int)))
    low = high = distinct[0]
    for value in distinct[1:]:
        if value == high + 1:
            high = value
        elif value == high + 2 and value - low < 10:
            high = value  # an answer nobody gave inside the scale
        else:
            break
    if high - low < 2:
        return None
    return float(low), float(high), [float(v) for v in distinct if v > high]


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text.lower()) is not None


def standard_category(field_name: str, label: str) -> str:
    """A label in the standard vocabulary of ``STANDARD_CATEGORIES`` (unchanged if none applies).

    >>> standard_category("race", "Black_African_American"), standard_category("sex", "F")
    ('Black', 'Female')
    """
    text = re.sub(r"[_\s]+", " ", str(label)).strip()
    for pattern, name in STANDARD_CATEGORIES.get(field_name, ()):
        if re.search(pattern, text.lower()):
            return name
    return text


# -- demographics by content ---------------------------------------------------------------------


def content_field(values: pd.Series) -> str | None:
    """Which demographic a column of labels holds, from its values alone (None if it is not one)."""
    distinct = [v for v in values.dropna().unique() if not re.search(NONANSWERS, str(v).lower())]
    if not 2 <= len(distinct) <= 20:
        return None
    numeric = pd.to_numeric(pd.Series(distinct), errors="coerce").notna().mean()
    if numeric > 0.5:
        return None
    lowered = [str(v).lower().strip() for v in distinct]
    for name, pattern in CONTENT_PATTERNS.items():
        share = np.mean([re.search(pattern, v) is not None for v in lowered])
        if share < 0.6:
            continue
        if name == "sex" and not ({"female", "male"} <= set(lowered) or {"woman", "man"} <= set(lowered)):
            continue
        return name
    return None


def paired_codes(frame: pd.DataFrame, label_col: str, reach: int = 3) -> tuple[str, dict[str, str]] | None:
    """The numeric column near ``label_col`` that codes it row by row, and the code -> label table.

    Exports often carry an answer twice, as a code (2) and its label ("Female").
    """
    cols = list(frame.columns)
    at = cols.index(label_col)
    labels = frame[label_col]
    for col in cols[max(0, at - reach) : at + reach + 1]:
        if col == label_col:
            continue
        codes = frame[col]
        both = labels.notna() & codes.notna()
        if both.sum() < 0.95 * labels.notna().sum() or both.sum() == 0:
            continue
        if pd.to_numeric(codes[both], errors="coerce").isna().any():
            continue
        pairs = pd.DataFrame({"code": codes[both], "label": labels[both]}).drop_duplicates()
        if pairs["code"].is_unique and pairs["label"].is_unique:
            ordered = pairs.assign(k=pd.to_numeric(pairs["code"])).sort_values("k")
            return col, dict(zip(ordered["code"], ordered["label"]))
    return None


def header_shift(frame: pd.DataFrame, found: dict[str, list[str]], reach: int = 8) -> int:
    """How many columns the headers sit to the left of their contents (0 when aligned).

    For each shift ``d``, count the content-recognised columns whose header
    ``d`` places to the left names the same field; the best shift must beat
    ``d = 0`` and be backed by at least two fields.

    Parameters
    ----------
    found : dict
        ``{field: [columns holding it]}``, as recognised by content.
    """
    cols = list(frame.columns)
    best, best_hits, zero_hits = 0, -1, 0
    for d in range(-reach, reach + 1):
        hits, fields = 0, set()
        for name, columns in found.items():
            for col in columns:
                j = cols.index(col) - d
                if 0 <= j < len(cols) and _matches(DEMOGRAPHIC_HEADER_WORDS[name], wording(cols[j])):
                    hits += 1
                    fields.add(name)
        if d == 0:
            zero_hits = hits
        if len(fields) >= 2 and hits > best_hits:
            best, best_hits = d, hits
    return best if best_hits > zero_hits else 0


def _categorical(values: pd.Series) -> bool:
    filled = values.notna().mean()
    distinct = values.dropna().nunique()
    return filled >= 0.3 and 2 <= distinct <= 15


def _single_valued(values: pd.Series) -> bool:
    """A check-all-that-apply column: one code where ticked, blank elsewhere."""
    return values.dropna().nunique() == 1 and values.notna().mean() < 0.95


def _age_numbers(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values.dropna(), errors="coerce")
    return (
        len(numbers) > 0
        and numbers.notna().mean() > 0.95
        and numbers.nunique() > 15
        and numbers.between(14, 110).mean() > 0.9
    )


def suggest_demographics(frame: pd.DataFrame, missing_codes: list[float]) -> tuple[dict[str, Demographic], list[str]]:
    """Demographic columns of a survey, by content first and shifted headers second (see module notes)."""
    cols = list(frame.columns)
    notes: list[str] = []
    out: dict[str, Demographic] = {}
    claimed: set[str] = set()
    found: dict[str, list[str]] = {}
    for col in cols:
        name = content_field(frame[col])
        if name is None or name in out:
            continue
        pair = paired_codes(frame, col)
        labels = sorted(frame[col].dropna().unique(), key=natural_key)
        codes = {label: standard_category(name, label) for label in labels}
        how = f"content: '{col}' holds {name} labels"
        if pair:
            code_col, table = pair
            codes = {label: codes[label] for label in table.values()}  # in the code order
            how += f" (coded in '{code_col}')"
            found[name] = [code_col, col]
            claimed.add(code_col)
        else:
            found[name] = [col]
        if wording(col) and not _matches(DEMOGRAPHIC_HEADER_WORDS[name], wording(col)):
            how += ", whatever its header says"
        out[name] = Demographic([col], codes, how)
        claimed.add(col)
    shift = header_shift(frame, found)
    if shift:
        shown = ", ".join(f"{n} in '{c[-1]}'" for n, c in found.items())
        notes.append(
            f"The demographic headers sit {shift} columns to the left of their contents "
            f"(found by content: {shown}); the other demographic columns were read with that shift."
        )
    for name in DEMOGRAPHICS:
        if name in out:
            continue
        for j, header in enumerate(cols):
            k = j + shift
            if not (0 <= k < len(cols)) or cols[k] in claimed:
                continue
            if not _matches(DEMOGRAPHIC_HEADER_WORDS[name], wording(header)):
                continue
            col, values = cols[k], frame[cols[k]]
            where = f"header '{header}'" + (f", {shift} columns to its right" if shift else "")
            if name == "age" and _age_numbers(values):
                out[name] = Demographic([col], {}, f"{where}: ages in years, grouped", age_bands=True)
            elif _single_valued(values):
                block = _multi_block(frame, k, shift, claimed)
                codes = {}
                for c in block:
                    value = frame[c].dropna().iloc[0]
                    label = wording(cols[cols.index(c) - shift]) if 0 <= cols.index(c) - shift < len(cols) else ""
                    named = bool(label) and not _matches(DEMOGRAPHIC_HEADER_WORDS[name], label)
                    codes[f"{c}={value}"] = (
                        standard_category(name, label) if named else f"code {value} (no label in the file)"
                    )
                out[name] = Demographic(block, codes, f"{where}: check all that apply, {len(block)} columns")
                claimed.update(block)
            elif _categorical(values):
                label_col = _label_column(frame, col, claimed)
                if label_col:
                    table = paired_codes(frame, label_col, reach=1)[1]
                    codes = {lab: standard_category(name, lab) for lab in table.values()}
                    out[name] = Demographic([label_col], codes, f"{where}: labels in '{label_col}'")
                    claimed.add(label_col)
                else:
                    table = {
                        v: standard_category(name, v)
                        for v in sorted(values.dropna().unique(), key=_sort_key)
                        if not (_is_number(v) and float(v) in missing_codes)
                    }
                    unlabeled = all(_is_number(v) for v in table)
                    out[name] = Demographic(
                        [col],
                        table,
                        where
                        + (": codes without labels in the file; name them from the questionnaire" if unlabeled else ""),
                    )
            else:
                continue
            claimed.add(col)
            break
    return out, notes


def _label_column(frame: pd.DataFrame, code_col: str, claimed: set[str]) -> str | None:
    """The column next to ``code_col`` that holds its labels, if any."""
    cols = list(frame.columns)
    at = cols.index(code_col)
    for j in (at + 1, at - 1):
        if 0 <= j < len(cols) and cols[j] not in claimed:
            labels = frame[cols[j]].dropna()
            if len(labels) and pd.to_numeric(labels, errors="coerce").isna().mean() > 0.9:
                pair = paired_codes(frame, cols[j], reach=1)
                if pair and pair[0] == code_col:
                    return cols[j]
    return None


def _multi_block(frame: pd.DataFrame, start: int, shift: int, claimed: set[str]) -> list[str]:
    cols = list(frame.columns)
    block = []
    for k in range(start, min(len(cols), start + 12)):
        if cols[k] in claimed or not _single_valued(frame[cols[k]]):
            break
        block.append(cols[k])
    return block


def natural_key(label) -> tuple:
    """Order of ranges as people read them: ``'Under $30,000'`` < ``'$30,000 - $59,999'`` < ``'65+'``.

    >>> sorted(["65+", "18-34", "Under 18", "35-44"], key=natural_key)
    ['Under 18', '18-34', '35-44', '65+']
    """
    text = str(label).lower()
    if re.match(r"^(under|less than|below)\b", text):
        return (0, -1.0, text)
    number = re.search(r"\d[\d,]*(\.\d+)?", text)
    if number:
        return (0, float(number.group(0).replace(",", "")), text)
    return (1, 0.0, text)


def _is_number(value) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def _sort_key(value):
    return (0, float(value), "") if _is_number(value) else (1, 0.0, str(value))


# -- categories per respondent -------------------------------------------------------------------


def categorise(frame: pd.DataFrame, spec: Demographic, missing_codes=()) -> pd.Series:
    """Each respondent's category for one demographic (missing where unanswered or "don't know").

    One column: the value through ``codes`` (values not in ``codes`` stay as
    they are, so that an unexpected code shows rather than vanishes). Several
    columns (check all that apply): the one ticked, or "Two or more".

    >>> f = pd.DataFrame({"a": ["1", None, "1"], "b": [None, "2", "2"]})
    >>> categorise(f, Demographic(["a", "b"], {"a=1": "White", "b=2": "Black"})).tolist()
    ['White', 'Black', 'Two or more']
    """
    missing = {norm_value(c) for c in missing_codes}
    if not spec.columns:
        return pd.Series(None, index=frame.index, dtype="object")
    if len(spec.columns) > 1:
        ticked = pd.DataFrame(
            {
                c: frame[c].map(lambda v, c=c: spec.codes.get(f"{c}={v}", f"{c}={v}") if pd.notna(v) else None)
                for c in spec.columns
            },
            index=frame.index,
        )
        count = ticked.notna().sum(axis=1)
        first = ticked.bfill(axis=1).iloc[:, 0]
        return first.where(count <= 1, TWO_OR_MORE).where(count > 0)
    raw = frame[spec.columns[0]]
    if spec.age_bands:
        years = pd.to_numeric(raw, errors="coerce")
        out = pd.Series(None, index=frame.index, dtype="object")
        for lo, hi in AGE_BANDS:
            out[(years >= lo) & (years <= hi)] = f"{lo}+" if hi >= 200 else f"{lo}-{hi}"
        return out
    values = raw.where(~raw.isin(missing)) if missing else raw
    values = values.where(~values.astype("str").str.lower().str.contains(NONANSWERS, regex=True, na=False))
    return values.map(lambda v: spec.codes.get(v, v) if pd.notna(v) else None)


def race_ethnicity(race: pd.Series, hispanic: pd.Series | None) -> pd.Series:
    """Race/ethnicity as the Census tabulates it for margins: Hispanic (any race), else the race."""
    if hispanic is None:
        return race
    return race.where(hispanic != "Hispanic", "Hispanic")


# -- the suggestion -------------------------------------------------------------------------------


def suggest(
    frame: pd.DataFrame,
    dataset: str,
    *,
    has_dates: bool = False,
    area_choices: dict[str, float] | None = None,
    margins: str | None = None,
    has_weights: bool = False,
    months: pd.Series | None = None,
) -> SurveyDefinition:
    """A definition for the survey whose answers are ``frame`` (a sample of its ``attributes``, in column order).

    Parameters
    ----------
    frame : DataFrame
        One row per respondent, one column per source column (text values).
    dataset : str
        The survey's dataset name (a year in it names an undated wave).
    has_dates, months : bool, Series
        Whether responses carry dates, and their months (to choose the period).
    area_choices : dict
        ``{"area" or level: share of respondents with a code}`` to choose the area from.
    margins : str, optional
        A population dataset whose areas match the survey's.
    has_weights : bool
        Whether the vendor supplied weights.
    """
    frame = normalise_frame(frame)
    notes: list[str] = []
    items = [c for c in frame.columns if scale_of(frame[c]) is not None and frame[c].notna().mean() >= 0.3]
    texts = {c: wording(c) for c in items}
    chosen: dict[str, list[str]] = {"trust": [], "safety": []}
    for c in items:
        text = texts[c]
        if _matches(EXCLUDE_WORDS, text):
            continue
        if _matches(TRUST_WORDS, text):
            chosen["trust"].append(c)
        elif _matches(SAFETY_WORDS, text):
            chosen["safety"].append(c)
    for name, cols in chosen.items():  # grid siblings: "In Raleigh overall" sits in the grid "... at night"
        for grid in {grid_of(c) for c in cols} - {None}:
            members = [c for c in items if grid_of(c) == grid and not _matches(EXCLUDE_WORDS, texts[c])]
            if len([c for c in members if c in cols]) * 2 >= len(members):
                added = [c for c in members if c not in cols and not any(c in v for v in chosen.values())]
                if added:
                    cols.extend(added)
                    notes.append(
                        f"{INDEXES[name]}: {', '.join(map(wording, added))} joined from the same "
                        f"question grid ({grid})."
                    )
        cols.sort(key=list(frame.columns).index)
    scales = [scale_of(frame[c]) for cols in chosen.values() for c in cols]
    if scales:
        low, high = pd.Series([(s[0], s[1]) for s in scales]).mode().iloc[0]
    else:
        low, high = 1.0, 5.0
    missing_codes: list[float] = sorted({m for s in scales if s and (s[0], s[1]) == (low, high) for m in s[2]})
    indexes = {}
    for name, cols in chosen.items():
        off = [c for c in cols if scale_of(frame[c])[:2] != (low, high)]
        if off:
            notes.append(f"{INDEXES[name]}: left out {', '.join(map(wording, off))} (answered on another scale).")
        cols = [c for c in cols if c not in off]
        reverse = [c for c in cols if _matches(REVERSE_WORDS, texts[c])]
        if len(cols) >= 3:
            answers = frame[cols].apply(pd.to_numeric, errors="coerce").to_numpy()
            r = item_rest_correlations(rescale(answers, low, high, missing_codes, [c in reverse for c in cols]))
            for c, value in zip(cols, r):
                if np.isfinite(value) and value < 0:
                    reverse = [x for x in reverse if x != c] if c in reverse else reverse + [c]
                    notes.append(
                        f"{INDEXES[name]}: '{wording(c)}' runs against the other items "
                        f"(item-rest r = {value:.2f}); its reverse coding was switched."
                    )
        indexes[name] = IndexSpec(INDEXES[name], cols, reverse)
        found = ", ".join(wording(c) for c in cols) or "none found: choose them below"
        notes.insert(0, f"{INDEXES[name]} items: {found}.")
    if missing_codes:
        notes.append(
            f"Answers run {low:g}-{high:g}; {', '.join(f'{m:g}' for m in missing_codes)} "
            'stand apart from the scale and are read as "don\'t know" (missing).'
        )
    demographics, demo_notes = suggest_demographics(frame, missing_codes)
    notes += demo_notes
    area = "area"
    if area_choices:
        usable = {k: v for k, v in area_choices.items() if v >= 0.5}
        area = "area" if "area" in usable else (next(iter(usable)) if usable else "area")
    period, label = "none", ""
    if has_dates and months is not None and months.notna().mean() > 0.5:
        per_year = months.dropna().groupby(months.dropna().dt.year).nunique()
        span = months.dropna().dt.year.nunique()
        period = "year" if (per_year <= 2).all() and span > 1 else ("month" if span <= 2 else "quarter")
    else:
        year = re.search(r"(19|20)\d\d", dataset)
        label = year.group(0) if year else "all responses"
        notes.append(
            f"No response dates: one wave, labelled '{label}'. Trends need a survey with dates or a wave column."
        )
    weighting = "supplied" if has_weights else ("rake" if margins else "none")
    return SurveyDefinition(
        dataset,
        float(low),
        float(high),
        missing_codes,
        True,
        indexes,
        demographics,
        area,
        period,
        label,
        margins,
        weighting,
        notes,
    )


# -- checks and storage -----------------------------------------------------------------------------


def problems(defn: SurveyDefinition, columns: list[str]) -> list[str]:
    """What makes a definition unusable on a survey with ``columns`` (empty when it is fine)."""
    out = []
    if not defn.scale_high > defn.scale_low:
        out.append(f"The answer scale must run from low to high (now {defn.scale_low:g} to {defn.scale_high:g}).")
    known = set(columns)
    for spec in defn.indexes.values():
        missing = [c for c in spec.items if c not in known]
        if missing:
            out.append(f"{spec.label}: the survey has no column {missing[0]!r}.")
        stray = [c for c in spec.reverse if c not in spec.items]
        if stray:
            out.append(f"{spec.label}: reversed item {stray[0]!r} is not one of its items.")
    if not any(spec.items for spec in defn.indexes.values()):
        out.append("Choose at least one trust or safety item.")
    for name, spec in defn.demographics.items():
        missing = [c for c in spec.columns if c not in known]
        if missing:
            out.append(f"{name}: the survey has no column {missing[0]!r}.")
    if defn.period.startswith("column:") and defn.period.split(":", 1)[1] not in known:
        out.append(f"The wave column {defn.period.split(':', 1)[1]!r} is not in the survey.")
    if defn.weighting not in ("rake", "supplied", "none"):
        out.append(f"Weighting must be rake, supplied or none (not {defn.weighting!r}).")
    return out


def codes_to_text(codes: dict[str, str]) -> str:
    """``{'1': '18-34'}`` -> ``'1 = 18-34'`` (one per line), for editing."""
    return "\n".join(f"{k} = {v}" for k, v in codes.items())


def codes_from_text(text: str) -> dict[str, str]:
    """The inverse of :func:`codes_to_text`; raises DefinitionError on a line without ``=``.

    >>> codes_from_text("1 = 18-34\\n2 = 35-44")
    {'1': '18-34', '2': '35-44'}
    """
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if "=" not in line:
            raise DefinitionError(f"Line {number} ({line.strip()!r}): write CODE = CATEGORY, e.g. 1 = 18-34.")
        key, value = line.rsplit(" = ", 1) if " = " in line else line.split("=", 1)
        out[norm_value(key.strip()) or key.strip()] = value.strip()
    return out


def document_name(dataset: str) -> str:
    return DOCUMENT_PREFIX + dataset


def load(store, dataset: str) -> tuple[SurveyDefinition, pd.Timestamp] | None:
    """The saved definition of ``dataset`` and when it was saved, or None."""
    if "documents" not in store.tables():
        return None
    rows = store.rows("SELECT body, updated_at FROM documents WHERE name = :n", {"n": document_name(dataset)})
    if not rows:
        return None
    return SurveyDefinition.from_json(rows[0][0]), pd.Timestamp(rows[0][1])


def save(store, defn: SurveyDefinition, columns: list[str]) -> None:
    """Store ``defn`` with the data (one document per survey dataset); refuses an unusable one."""
    found = problems(defn, columns)
    if found:
        raise DefinitionError(" ".join(found))
    from lib.store import schema

    with store.transaction():
        schema.create_tables(store)
        store.execute("DELETE FROM documents WHERE name = :n", {"n": document_name(defn.dataset)})
        store.execute(
            "INSERT INTO documents (name, body, updated_at) VALUES (:n, :b, :t)",
            {"n": document_name(defn.dataset), "b": defn.to_json(), "t": pd.Timestamp.now().floor("s").to_pydatetime()},
        )
