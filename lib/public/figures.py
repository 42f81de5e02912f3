"""The public figures: every number the Transparency page, the static site and the deck show the public.

Each function returns a :class:`PublicFigure` whose ``frame`` has already
been through :mod:`lib.public.privacy` (sensitive incidents never below area level,
counts 1-4 suppressed with their complements, the publication lag, H3 no
finer than the public maximum) and :func:`lib.public.privacy.public_table`. Titles,
methods and summaries are in the language asked for (:mod:`lib.public.i18n`).

Frames keep stable column names (for code); ``PublicFigure.columns`` maps them
to headers in the figure's language, and :meth:`PublicFigure.table` gives the
translated table with "fewer than 5" in suppressed cells, for display and
download.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import h3
import numpy as np
import pandas as pd

from lib.public import privacy
from lib.public.i18n import date_text, has, month_name, month_text, number, t
from lib.public.privacy import Rules, public_table
from lib.stats import compstat
from lib.store import provenance as prov
from lib.store.schema import incident_total, level_column

LEVEL_NAMES = ("beat", "district", "sector", "precinct", "ward", "zone", "division", "area", "city")


@dataclass
class PublicFigure:
    """One public figure: its table (already through privacy) and the words that go with it."""

    key: str
    title: str
    frame: pd.DataFrame
    period: str
    source: str
    method: str
    summary: str
    unit: str
    columns: dict = field(default_factory=dict)  # frame column -> header in the figure's language
    lang: str = "en"
    note: str = ""  # a caveat or a reason the figure is empty

    def table(self) -> pd.DataFrame:
        """The frame for display and download: headers translated, hidden cells in words ("fewer than 5")."""
        frame = public_table(self.frame)
        shown = [c for c in frame.columns if c in self.columns]
        out = frame[shown].copy()
        for col in shown:
            flag, why = f"{col}_suppressed", f"{col}_hidden"
            if why in frame.columns:  # release cells: say why each hidden one is not shown
                out[col] = [
                    t(HIDDEN_KEYS.get(h, privacy.SUPPRESSED_LABEL), self.lang)
                    if h
                    else ("" if pd.isna(v) else str(int(v)))
                    for v, h in zip(frame[col], frame[why])
                ]
            elif flag in frame.columns:
                # Text throughout (a column mixing numbers and words cannot be typed), no separators for CSV readers.
                out[col] = [
                    t(privacy.SUPPRESSED_LABEL, self.lang) if hidden else ("" if pd.isna(v) else str(int(v)))
                    for v, hidden in zip(frame[col], frame[flag])
                ]
        return out.rename(columns=self.columns)


def source_name(rec: dict, lang: str) -> str:
    """A load's source as public text names it: its title (publisher and dataset), marked when synthetic."""
    title = str(rec["source_title"])
    return t("source.synthetic", lang, name=title) if rec["synthetic"] else title


def sources(store, kind: str, lang: str, dataset: str | None = None) -> str:
    """The loads behind a figure in one sentence, from the load records (lib/store/provenance.py), in ``lang``."""
    return _sources(store, kind, lang, dataset)


def _sources(store, kind: str, lang: str, dataset: str | None = None) -> str:
    """The loads behind a figure in one sentence, from the load records (lib/store/provenance.py), in ``lang``."""
    recs = prov.loads(store, kind)
    if dataset is not None:
        recs = recs[recs["dataset"] == dataset]
    recs = recs[recs["rows_loaded"] > 0]
    if recs.empty:
        return t("source.none", lang, kind=t(f"kind.{kind}", lang).lower())
    parts = [
        t(
            "source.part",
            lang,
            file=source_name(r, lang),
            rows=number(int(r["rows_loaded"]), lang),
            date=date_text(r["loaded_at"], lang),
        )
        for r in recs.to_dict("records")
    ]
    return t("source.line", lang, parts="; ".join(parts))


def _rules(rules: Rules | None) -> Rules:
    return rules or Rules.from_settings()


def _fmt_count(value, lang: str) -> str:
    return t(privacy.SUPPRESSED_LABEL, lang) if value is None or pd.isna(value) else number(int(value), lang)


# -- what is loaded ------------------------------------------------------------------------------


def default_dataset(store) -> str | None:
    """The incident dataset the public page opens on: the broadest real one (most offense names, then most rows)."""
    if "incidents" not in store.tables():
        return None
    frame = store.query(
        f"SELECT dataset, count(DISTINCT offense) AS kinds, {incident_total()} AS n FROM incidents "
        "GROUP BY dataset ORDER BY kinds DESC, n DESC, dataset"
    )
    if frame.empty:
        return None
    synthetic = set(prov.loads(store, "incidents").query("synthetic == True")["dataset"])
    real = frame[~frame["dataset"].isin(synthetic)]
    return str((real if not real.empty else frame).iloc[0]["dataset"])


def datasets(store) -> list[str]:
    """Incident datasets the public may choose, the default first (synthetic ones only when nothing else is loaded)."""
    if "incidents" not in store.tables():
        return []
    names = list(store.query("SELECT DISTINCT dataset FROM incidents ORDER BY dataset")["dataset"])
    synthetic = set(prov.loads(store, "incidents").query("synthetic == True")["dataset"])
    names = [n for n in names if n not in synthetic] or names
    first = default_dataset(store)
    return [first] + [n for n in names if n != first] if first else names


def levels(store) -> list[str]:
    """Loaded boundary levels, coarsest (fewest areas) first."""
    if "boundaries" not in store.tables():
        return []
    return list(store.query("SELECT level FROM boundaries GROUP BY level ORDER BY count(*), level")["level"])


def areas(store, level: str) -> pd.DataFrame:
    """Areas of a level (code, name, label), codes in numeric order where they are numbers."""
    frame = store.query("SELECT code, name FROM boundaries WHERE level = :l", {"l": level})
    key = pd.to_numeric(frame["code"], errors="coerce")
    frame = frame.assign(_k=key).sort_values(["_k", "code"]).drop(columns="_k").reset_index(drop=True)
    frame["label"] = [area_label(level, c, n) for c, n in zip(frame["code"], frame["name"])]
    return frame


def area_label(level: str, code: str, name: str | None = None) -> str:
    """ "District 11", "Beat 1121", or "District 1 (1st)" when the name adds something.

    A code that already names its level ("WESTSIDE DIVISION") stands alone:

    >>> area_label("Division", "WESTSIDE DIVISION"), area_label("District", "1", "1ST")
    ('WESTSIDE DIVISION', 'District 1')
    """
    named = level.lower() in str(code).lower()
    head = str(code) if named else f"{level[:1].upper()}{level[1:]} {code}"
    text = str(name or "").strip()
    ordinal = re.sub(r"(ST|ND|RD|TH)$", "", text.upper()).lstrip("0")
    if text and ordinal != str(code).upper().lstrip("0") and text.upper() not in {str(code).upper(), head.upper()}:
        return f"{head} ({text})"
    return head


def _area_name(store, level: str, code: str, lang: str) -> str:
    row = store.query("SELECT name FROM boundaries WHERE level = :l AND code = :c", {"l": level, "c": code})
    return area_label(_level_word(level, lang), code, row["name"].iloc[0] if len(row) else None)


def level_word(level: str, lang: str) -> str:
    """A boundary level in words: "beat" -> "Beat" / "Zona policial"; unknown levels as they are."""
    key = f"level.{level}"
    return t(key, lang) if has(key, lang) else level[:1].upper() + level[1:]


_level_word = level_word


def _parents(store, level: str) -> pd.DataFrame:
    """(code, parent_level, parent_code) of a level nested in a coarser one (the coarsest parent)."""
    if "boundary_parents" not in store.tables():
        return pd.DataFrame(columns=["code", "parent_level", "parent_code"])
    return store.query("SELECT code, parent_level, parent_code FROM boundary_parents WHERE level = :l", {"l": level})


# -- area search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaMatch:
    """What an area search found: the area, and how (a block, a code or a name)."""

    level: str
    code: str
    label: str
    how: str  # "block", "nearby block", "code", "name"


_NUMBER = re.compile(r"^\s*0*(\d{1,6})(XX)?\s+(.+)$", re.I)
_BLOCK_WORDS = {"BLOCK", "BLK", "OF", "THE"}
_SUFFIXES = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "BOULEVARD": "BLVD",
    "DRIVE": "DR",
    "ROAD": "RD",
    "PLACE": "PL",
    "PARKWAY": "PKWY",
    "COURT": "CT",
    "LANE": "LN",
    "TERRACE": "TER",
    "HIGHWAY": "HWY",
}
_DIRECTIONS = {"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W"}


def _hundred(text: str) -> tuple[int | None, list[str]]:
    """(hundred, street words) of an address-like text: "1200 W Madison" -> (12, ["W", "MADISON"])."""
    text = re.sub(r"[^\w\s]", " ", str(text).upper())
    m = _NUMBER.match(text)
    if not m:
        return None, [w for w in text.split() if w not in _BLOCK_WORDS]
    num, xx, rest = m.groups()
    hundred = int(num) if xx else int(num) // 100
    words = [_DIRECTIONS.get(w, _SUFFIXES.get(w, w)) for w in rest.split() if w not in _BLOCK_WORDS]
    return hundred, words


def find_area(store, text: str, level: str | None = None) -> AreaMatch | None:
    """The area of ``level`` an address-like text or an area code or name points to; None if nothing matches.

    Addresses are read to the hundred block ("1200 W Madison", "012XX W
    MADISON ST", "1200 block of W Madison St") and looked up among the stored
    hundred blocks of incidents that may be public (not sensitive): the area
    holding most of that block's incidents. A hundred not in the data takes
    the nearest stored hundred on the same street (at most 5 hundreds away).
    Otherwise the text is taken as an area code ("1121", "District 11") or
    part of an area name.
    """
    text = str(text or "").strip()
    if not text:
        return None
    lvls = levels(store)
    level = level if level in lvls else (lvls[0] if lvls else None)
    if level is None:
        return None
    hundred, words = _hundred(text)
    if hundred is not None and words and "incidents" in store.tables():
        found = _block_area(store, hundred, words, level)
        if found is not None:
            return found
    # An area code or name, at the chosen level first, then any level.
    tokens = re.sub(r"[^\w\s]", " ", text).split()
    code_words = [w for w in tokens if w.lower() not in LEVEL_NAMES]
    named_level = next((w.lower() for w in tokens if w.lower() in lvls), None)
    for lvl in ([named_level] if named_level else []) + [level] + [x for x in lvls if x != level]:
        frame = areas(store, lvl)
        for word in code_words:
            hit = frame[frame["code"].str.upper().str.lstrip("0") == word.upper().lstrip("0")]
            if len(hit):
                return AreaMatch(lvl, hit["code"].iloc[0], hit["label"].iloc[0], "code")
        if code_words:
            needle = " ".join(code_words).upper()
            hit = frame[frame["name"].fillna("").str.upper().str.contains(needle, regex=False)]
            if len(hit) == 1:
                return AreaMatch(lvl, hit["code"].iloc[0], hit["label"].iloc[0], "name")
    return None


def _block_hundred(block: str) -> int | None:
    m = _NUMBER.match(re.sub(r"[^\w\s]", " ", str(block).upper()))
    if not m:
        return None
    num, xx, _ = m.groups()
    return int(num) if xx else int(num) // 100


def _block_area(store, hundred: int, words: list[str], level: str) -> AreaMatch | None:
    street = [w for w in words if len(w) > 2 and w not in _SUFFIXES.values()] or words
    col = level_column(level)
    if col not in store.columns("incidents"):
        return None
    conds = " AND ".join(f"upper(block) LIKE :w{i}" for i in range(len(street)))
    params = {f"w{i}": f"%{w}%" for i, w in enumerate(street)}
    frame = store.query(
        f'SELECT block, "{col}" AS code, {incident_total()} AS n FROM incidents WHERE block IS NOT NULL AND {conds} '
        f'AND "{col}" IS NOT NULL AND {privacy.public_sql()} GROUP BY block, "{col}"',
        params,
    )
    if frame.empty:
        return None
    want = set(words)
    frame["hundred"] = frame["block"].map(_block_hundred)
    frame["fit"] = frame["block"].map(lambda b: len(want & set(re.sub(r"[^\w\s]", " ", b.upper()).split())))
    frame = frame[frame["fit"] == frame["fit"].max()].dropna(subset=["hundred"])
    if frame.empty:
        return None
    frame["gap"] = (frame["hundred"] - hundred).abs()
    frame = frame[frame["gap"] <= 5]
    if frame.empty:
        return None
    best = frame[frame["gap"] == frame["gap"].min()].groupby("code")["n"].sum().sort_values(ascending=False)
    code = str(best.index[0])
    label = area_label(
        level, code, store.scalar("SELECT name FROM boundaries WHERE level = :l AND code = :c", {"l": level, "c": code})
    )
    return AreaMatch(level, code, label, "block" if frame["gap"].min() == 0 else "nearby block")


# -- crime: read from the public release ---------------------------------------------------------

# How a hidden release cell reads, by its reason: a small count, a complementary cell, no data.
HIDDEN_KEYS = {"small": privacy.SUPPRESSED_LABEL, "complementary": "privacy.hidden", "missing": "privacy.no_data"}


def public_release(store, dataset: str, rules: Rules | None = None):
    """(the release every public crime figure reads, None) or (None, i18n key of why there is none).

    The release is computed once per data version (:func:`lib.public.release.ensure`,
    normally right after a load); one that did not pass the attacker's audit is never shown.
    """
    from lib.public import release

    rel = release.ensure(store, dataset, _rules(rules))
    if not rel.passed:
        return None, "release.missing"
    if rel.last_month is None:
        return None, "crime.none"
    return rel, None


def cell_text(value, hidden: str, lang: str) -> str:
    """A release cell as the public reads it: the count, or why it is not shown."""
    if hidden:
        return t(HIDDEN_KEYS.get(hidden, privacy.SUPPRESSED_LABEL), lang)
    return "" if value is None or pd.isna(value) else number(int(value), lang)


def _cells(rel, level: str, kind: str, start, area: str | None = None) -> dict[str, tuple[int | None, str]]:
    """area -> (value or None, hidden reason) for one level, period kind and start, all offenses."""
    cells = rel.by_period(level, kind, start)
    if area is None:
        return cells
    return {str(area): cells[str(area)]} if str(area) in cells else {}


def _column(values: list[tuple[int | None, str]], name: str) -> dict:
    """A count column from release cells: ``name`` (hidden as missing), ``name_suppressed``, ``name_hidden``."""
    return {
        name: pd.array([v for v, _ in values], dtype="Int64"),
        f"{name}_suppressed": [bool(h) for _, h in values],
        f"{name}_hidden": [h for _, h in values],
    }


def _empty_crime(key, title, method, summary, cols, lang, counts: tuple[str, ...]) -> PublicFigure:
    """A crime figure with no rows (no release, or nothing in it yet): the summary says why."""
    names = ["code", *cols] + [f"{c}_{x}" for c in counts for x in ("suppressed", "hidden")]
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in names})
    return PublicFigure(key, title, frame, "", "", method, summary, t("unit.incidents", lang), cols, lang)


COUNTS = ("incidents", "last_year")  # crime_by_area's count columns


def crime_by_area(store, dataset: str, level: str, lang: str = "en", rules: Rules | None = None) -> PublicFigure:
    """Incidents per area, year to date against the same months last year, from the public release.

    Every number is a release cell (:mod:`lib.public.release`): the areas of
    ``level`` as unions of the finest areas, the "no area" row where it holds
    incidents, year to date from 1 January to the end of the last complete
    month. Hidden cells stay hidden ("fewer than 5", "not shown"). The change
    is judged by the exact conditional test for two Poisson counts
    (``compstat.change_p``), only where both counts are shown; where the data
    does not cover last year's months there is no comparison at all.
    """
    rules = _rules(rules)
    cols = {
        "area": t("col.area", lang),
        "incidents": t("col.count.ytd", lang),
        "last_year": t("col.count.ytd_last", lang),
        "change": t("col.change", lang),
        "p": t("col.p", lang),
        "signal": t("col.signal", lang),
    }
    method = t("crime.method", lang, **rule_values(rules))
    rel, why = public_release(store, dataset, rules)
    if rel is None:
        return _empty_crime("crime_by_area", t("crime.title", lang), method, t(why, lang), cols, lang, COUNTS)
    year = rel.last_month.year
    start, prev_start = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year - 1, month=1, day=1)
    now = _cells(rel, level, "ytd", start)
    if not now:
        return _empty_crime(
            "crime_by_area", t("crime.title", lang), method, t("crime.no_ytd", lang), cols, lang, COUNTS
        )
    prev = _cells(rel, level, "ytd", prev_start) if rel.comparison else {}
    names = rel.areas[rel.areas["level"] == level]
    codes = [str(a) for a in names["area"] if str(a) in now]
    from lib.public.release import NONE_AREA

    # The "no area" row keeps the table adding up to the city; it is shown only when it holds incidents.
    if NONE_AREA in codes and now[NONE_AREA] == (0, "") and prev.get(NONE_AREA, (0, "")) == (0, ""):
        codes.remove(NONE_AREA)
    label = dict(zip(names["area"].astype(str), names["name"]))
    word = _level_word(level, lang)
    missing = (None, "missing")
    out = pd.DataFrame(
        {
            "code": codes,
            "area": [
                t("area.none", lang) if c == NONE_AREA else area_label(word, c, label.get(c) or None) for c in codes
            ],
            **_column([now[c] for c in codes], "incidents"),
            **_column([prev.get(c, missing) if rel.comparison else missing for c in codes], "last_year"),
        }
    )
    both = out["incidents"].notna() & out["last_year"].notna()
    cur = out["incidents"].astype("float64")
    before = out["last_year"].astype("float64")
    out["change"] = (cur - before).where(both)
    out["p"] = pd.Series(
        [round(float(compstat.change_p(c, q)), 4) if ok else np.nan for c, q, ok in zip(cur, before, both)],
        index=out.index,
    )
    out["signal"] = [t(f"signal.{signal_key(c, q)}", lang) if ok else "" for c, q, ok in zip(cur, before, both)]
    out.attrs["not_counts"] = ("change", "p")
    city_now = _cells(rel, "city", "ytd", start).get("city", missing)
    city_prev = _cells(rel, "city", "ytd", prev_start).get("city", missing) if rel.comparison else missing
    tested = out.dropna(subset=["p"])
    watched = tested[tested["p"] < compstat.WATCH_P]
    end = rel.last_month + pd.offsets.MonthEnd(0)
    period = t(
        "crime.period",
        lang,
        start=date_text(start, lang),
        end=date_text(end, lang),
        pstart=date_text(prev_start, lang),
        pend=date_text(end - pd.DateOffset(years=1) + pd.offsets.MonthEnd(0), lang),
    )
    hidden = int(out["incidents_suppressed"].sum())
    if rel.comparison and city_now[1] == "" and city_prev[1] == "":
        summary = t(
            "crime.summary",
            lang,
            now=number(city_now[0], lang),
            prev=number(city_prev[0], lang),
            signal=t(f"signal.{signal_key(city_now[0], city_prev[0])}", lang),
            p=p_text(compstat.change_p(city_now[0], city_prev[0]), lang),
            rising=int((watched["change"] > 0).sum()),
            falling=int((watched["change"] < 0).sum()),
            suppressed=hidden,
            areas=len(out),
            level=word,
        )
    else:
        summary = t("crime.summary_no_prior", lang, now=cell_text(*city_now, lang), suppressed=hidden, areas=len(out))
    return PublicFigure(
        "crime_by_area",
        t("crime.title", lang),
        public_table(out, rules),
        period,
        _sources(store, "incidents", lang, dataset),
        method,
        summary,
        t("unit.incidents", lang),
        cols,
        lang,
    )


def rule_values(rules: Rules) -> dict:
    """The privacy thresholds as the method texts' placeholders."""
    return {
        "min": rules.min_count,
        "min_minus": rules.min_count - 1,
        "lag": rules.lag_days,
        "min_n": rules.min_effective_n,
        "flag_n_minus": rules.flag_effective_n - 1,
    }


SIGNAL_KEYS = {"real increase": "up", "real decrease": "down", "watch (up)": "watch_up", "watch (down)": "watch_down"}


def signal_key(current, previous) -> str:
    """The catalog key of the two-count test's verdict on a change ("up", "watch_down", ... "none")."""
    return SIGNAL_KEYS.get(compstat.change_signal(current, previous), "none")


def p_text(p: float, lang: str = "en") -> str:
    """A p-value as the public reads it: "< 0.001" below that, else three decimals."""
    return "< " + number(0.001, lang, 3) if p < 0.001 else number(float(p), lang, 3)


def crime_trend(
    store, dataset: str, lang: str = "en", level: str | None = None, area: str | None = None, rules: Rules | None = None
) -> PublicFigure:
    """Incidents per calendar month, this year against last year, to the last complete month: release cells.

    The city's month cells, or those of one area (``level``, ``area``). Months
    before the data begins read "no data"; months after the last complete
    month are empty. The summary's totals are the release's year-to-date cells.
    """
    rules = _rules(rules)
    cols = {
        "month_name": t("col.month", lang),
        "this_year": t("col.count.this_year", lang),
        "last_year": t("col.count.last_year", lang),
    }
    method = t("trend.method", lang, **rule_values(rules))
    rel, why = public_release(store, dataset, rules)
    if rel is None:
        return _empty_crime(
            "crime_trend", t("trend.title", lang), method, t(why, lang), cols, lang, ("this_year", "last_year")
        )
    where_level, where_area = (level, str(area)) if level and area else ("city", "city")
    year = rel.last_month.year
    missing = (None, "missing")

    def month(y, m):
        cell = _cells(rel, where_level, "month", pd.Timestamp(year=y, month=m, day=1), where_area)
        return cell.get(where_area, missing)

    last = rel.last_month.month
    out = pd.DataFrame(
        {
            "month": range(1, 13),
            "month_name": [month_name(m, lang) for m in range(1, 13)],
            **_column([month(year, m) if m <= last else (None, "") for m in range(1, 13)], "this_year"),
            **_column([month(year - 1, m) for m in range(1, 13)], "last_year"),
        }
    )
    out.attrs["not_counts"] = ("month",)
    where = _area_text(store, level, area, lang)
    start = pd.Timestamp(year=year, month=1, day=1)
    now = _cells(rel, where_level, "ytd", start, where_area).get(where_area, missing)
    prev = (
        _cells(rel, where_level, "ytd", start - pd.DateOffset(years=1), where_area).get(where_area, missing)
        if rel.comparison
        else missing
    )
    words = dict(where=where, months=last, last=month_name(last, lang), year=year, prev_year=year - 1)
    if rel.comparison:
        summary = t("trend.summary", lang, now=cell_text(*now, lang), prev=cell_text(*prev, lang), **words)
    else:
        summary = t("trend.summary_no_prior", lang, now=cell_text(*now, lang), **words)
    cols = {"month_name": t("col.month", lang), "this_year": str(year), "last_year": str(year - 1)}
    period = t(
        "trend.period",
        lang,
        year=year,
        prev_year=year - 1,
        end=date_text(rel.last_month + pd.offsets.MonthEnd(0), lang),
    )
    out.attrs["year"] = year
    return PublicFigure(
        "crime_trend",
        t("trend.title", lang) + (f": {where}" if level and area else ""),
        public_table(out, rules),
        period,
        _sources(store, "incidents", lang, dataset),
        method,
        summary,
        t("unit.incidents", lang),
        cols,
        lang,
    )


def _area_text(store, level, area, lang) -> str:
    if level and area:
        return _area_name(store, level, str(area), lang)
    return t("city", lang)


# -- trust and safety ------------------------------------------------------------------------------


def _score_level(store, level: str | None, area: str | None) -> tuple[str | None, str | None]:
    """The scores' own (level, area) for a boundary area, its parent, or the city (coarsest level)."""
    from lib.maps import data as map_data

    if "survey_scores" not in store.tables():
        return None, None
    if level and area:
        lvl = map_data.score_level(store, level)
        if lvl is not None:
            return lvl, str(area)
        parents = _parents(store, level)
        for row in parents[parents["code"] == str(area)].itertuples():
            lvl = map_data.score_level(store, row.parent_level)
            if lvl is not None:
                return lvl, str(row.parent_code)
    row = store.query(
        "SELECT level, min(area) AS area FROM survey_scores GROUP BY level ORDER BY count(DISTINCT area), level LIMIT 1"
    )
    return (None, None) if row.empty else (row["level"].iloc[0], row["area"].iloc[0])


def trust_trend(
    store, lang: str = "en", level: str | None = None, area: str | None = None, rules: Rules | None = None
) -> PublicFigure:
    """Monthly TRUST and SAFETY scores as published, for an area (or its parent) or the city.

    Published scores carry no respondent counts where the publisher gives none
    (Chicago's): they are shown as published and say so. Where an n is
    published it is the effective n: under 30 suppressed, 30-59 flagged.
    """
    rules = _rules(rules)
    cols = {
        "month": t("col.month", lang),
        "measure": t("col.measure", lang),
        "value": t("col.score", lang),
        "n": t("col.n", lang),
        "reliability": t("col.reliability", lang),
    }
    lvl, code = _score_level(store, level, area)
    method = t("trust.method", lang, **rule_values(rules))
    if lvl is None:
        empty = pd.DataFrame(columns=["month", "measure", "value", "n", "reliability"])
        return PublicFigure(
            "trust_trend",
            t("trust.title", lang),
            empty,
            "",
            "",
            method,
            t("trust.none", lang),
            t("unit.score", lang),
            cols,
            lang,
        )
    frame = store.query(
        "SELECT period_start, measure, avg(value) AS value, max(n) AS n FROM survey_scores WHERE level = :l "
        "AND area = :a AND measure IN ('TRUST', 'SAFETY') AND period_days BETWEEN 28 AND 31 "
        "GROUP BY period_start, measure ORDER BY period_start, measure",
        {"l": lvl, "a": code},
    )
    frame = privacy.suppress_estimates(frame, "n", rules, ["value"])
    frame["value"] = frame["value"].round(1)
    frame["month"] = frame["period_start"].dt.strftime("%Y-%m")
    frame["measure"] = frame["measure"].map(lambda m: t(f"measure.{m}", lang))
    frame["reliability"] = frame["reliability"].map(lambda r: t(f"reliability.{r.replace(' ', '_')}", lang))
    frame["n"] = frame["n"].astype("float64")
    out = frame[["period_start", "month", "measure", "value", "n", "reliability"]].reset_index(drop=True)
    boundary = _boundary_of(store, lvl)
    where = area_label(_level_word(boundary, lang), code) if boundary else t("city", lang)
    if level and area and boundary and boundary != level:
        where = t("trust.parent_area", lang, area=where)
    if out.empty:
        summary = t("trust.none", lang)
        period = ""
    else:
        last = out["period_start"].max()
        latest = out[out["period_start"] == last].set_index("measure")["value"]
        year_before = out[out["period_start"] == last - pd.DateOffset(years=1)].set_index("measure")["value"]
        trust_name, safety_name = t("measure.TRUST", lang), t("measure.SAFETY", lang)
        summary = t(
            "trust.summary",
            lang,
            where=where,
            month=month_text(last, lang),
            trust=_score(latest.get(trust_name), lang),
            safety=_score(latest.get(safety_name), lang),
            trust_prev=_score(year_before.get(trust_name), lang),
            safety_prev=_score(year_before.get(safety_name), lang),
        )
        period = t("trust.period", lang, start=month_text(out["period_start"].min(), lang), end=month_text(last, lang))
    return PublicFigure(
        "trust_trend",
        t("trust.title", lang) + f": {where}",
        public_table(out, rules),
        period,
        _sources(store, "scores", lang),
        method,
        summary,
        t("unit.score", lang),
        cols,
        lang,
        note=t("trust.caveat", lang) + (" " + t("trust.no_n", lang) if out["n"].isna().all() else ""),
    )


def map_data_level(store, level: str) -> str | None:
    from lib.maps import data as map_data

    return map_data.score_level(store, level)


def _boundary_of(store, score_level: str) -> str | None:
    for lvl in levels(store):
        if map_data_level(store, lvl) == score_level:
            return lvl
    return None


def _score(value, lang: str) -> str:
    return "–" if value is None or pd.isna(value) else number(float(value), lang, 1)


# -- engagement ----------------------------------------------------------------------------------


def _event_window(store, now=None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The 12 months of events held up to today (or up to the calendar's last event, when older)."""
    if "events" not in store.tables():
        return None, None
    now = pd.Timestamp.now() if now is None else pd.Timestamp(now)
    last = store.scalar("SELECT max(starts_at) FROM events WHERE starts_at < :n", {"n": now.to_pydatetime()})
    if last is None:
        return None, None
    end = (pd.Timestamp(last) + pd.offsets.MonthBegin(1)).normalize()
    return end - pd.DateOffset(years=1), end


def _held_events(store, start, end, level, area):
    from lib.engagement import events as eng

    frame = eng.held(eng.events(store, start, end))
    link = eng.links(store, frame)
    if level and area:
        at = link[(link["level"] == level) & (link["code"] == str(area))]
        keys = set(zip(at["dataset"], at["event_id"]))
        frame = frame[[k in keys for k in zip(frame["dataset"], frame["event_id"])]]
    return frame, link


def engagement(
    store, lang: str = "en", level: str | None = None, area: str | None = None, rules: Rules | None = None, now=None
) -> PublicFigure:
    """Community events held per month over the last 12 months of the calendar (attendance where recorded)."""
    rules = _rules(rules)
    cols = {
        "month": t("col.month", lang),
        "events": t("col.count.events", lang),
        "attendance": t("col.count.attendance", lang),
    }
    start, end = _event_window(store, now)
    if start is None:
        empty = pd.DataFrame(columns=["month", "events", "attendance"])
        return PublicFigure(
            "engagement",
            t("engagement.title", lang),
            empty,
            "",
            "",
            t("engagement.method", lang, **rule_values(rules)),
            t("engagement.none", lang),
            t("unit.events", lang),
            cols,
            lang,
        )
    frame, _ = _held_events(store, start, end, level, area)
    months = pd.date_range(start, end - pd.Timedelta(days=1), freq="MS")
    when = frame["starts_at"].dt.to_period("M").dt.start_time
    per = (
        frame.assign(month=when)
        .groupby("month")
        .agg(events=("event_id", "size"), attendance=("attendance", "sum"), recorded=("attendance", "count"))
    )
    out = per.reindex(months, fill_value=0).rename_axis("period_start").reset_index()
    out["month"] = out["period_start"].dt.strftime("%Y-%m")
    has_attendance = bool(out["recorded"].sum())
    out["attendance"] = out["attendance"].where(out["recorded"] > 0).astype("Float64").round().astype("Int64")
    out = privacy.suppress_counts(out, ["events"] + (["attendance"] if has_attendance else []), rules)
    if not has_attendance:
        out["attendance"] = pd.array([pd.NA] * len(out), dtype="Int64")
        cols.pop("attendance")
    out = out.drop(columns=["recorded"])
    where = _area_text(store, level, area, lang)
    total = int(frame.shape[0])
    summary = t(
        "engagement.summary",
        lang,
        where=where,
        n=_fmt_count(privacy.headline_count(total, rules), lang),
        start=month_text(start, lang),
        end=month_text(end - pd.Timedelta(days=1), lang),
        types=_top_types(frame, lang),
    )
    period = t(
        "engagement.period", lang, start=month_text(start, lang), end=month_text(end - pd.Timedelta(days=1), lang)
    )
    note = "" if has_attendance else t("engagement.no_attendance", lang)
    return PublicFigure(
        "engagement",
        t("engagement.title", lang) + (f": {where}" if level and area else ""),
        public_table(out, rules),
        period,
        _sources(store, "events", lang),
        t("engagement.method", lang, **rule_values(rules)),
        summary,
        t("unit.events", lang),
        cols,
        lang,
        note=note,
    )


def _top_types(frame: pd.DataFrame, lang: str) -> str:
    if frame.empty:
        return "–"
    top = frame["type"].value_counts().head(3)
    return ", ".join(event_type(str(k), lang) for k in top.index)


def event_type(name: str, lang: str) -> str:
    """An event type (lib/engagement/types.py) in ``lang``; types a department added stay as written."""
    return t(f"etype.{name}", lang) if has(f"etype.{name}", lang) else name


def engagement_by_area(store, level: str, lang: str = "en", rules: Rules | None = None, now=None) -> PublicFigure:
    """Where events were held: events per area of ``level`` over the same 12 months; suppressed."""
    rules = _rules(rules)
    cols = {"area": t("col.area", lang), "events": t("col.count.events", lang)}
    start, end = _event_window(store, now)
    names = areas(store, level)
    if start is None:
        empty = pd.DataFrame(columns=["code", "area", "events"])
        return PublicFigure(
            "engagement_by_area",
            t("where.title", lang),
            empty,
            "",
            "",
            t("where.method", lang, **rule_values(rules)),
            t("engagement.none", lang),
            t("unit.events", lang),
            cols,
            lang,
        )
    frame, link = _held_events(store, start, end, None, None)
    at = link[link["level"] == level].drop_duplicates(["dataset", "event_id", "code"])
    counts = at.groupby("code").size()
    out = names[["code"]].assign(
        area=[area_label(_level_word(level, lang), c, n) for c, n in zip(names["code"], names["name"])]
    )
    out["events"] = out["code"].map(counts).fillna(0).astype("int64")
    zero = int((out["events"] == 0).sum())
    # Events count once per area they serve, so the column has no single published total;
    # each nested parent's own count is published on the parent level's table, hence the margins.
    parents = _parents(store, level)
    margins = [[]]
    if not parents.empty:
        out = out.merge(parents[["code", "parent_code"]].drop_duplicates("code"), on="code", how="left")
        margins.append(["parent_code"])
    out = privacy.suppress_counts(out, "events", rules, groups=margins)
    out = out[["code", "area", "events", "events_suppressed"]]
    summary = t(
        "where.summary", lang, areas=len(out), level=_level_word(level, lang), with_events=len(out) - zero, without=zero
    )
    period = t(
        "engagement.period", lang, start=month_text(start, lang), end=month_text(end - pd.Timedelta(days=1), lang)
    )
    return PublicFigure(
        "engagement_by_area",
        t("where.title", lang),
        public_table(out, rules),
        period,
        _sources(store, "events", lang),
        t("where.method", lang, **rule_values(rules)),
        summary,
        t("unit.events", lang),
        cols,
        lang,
    )


def upcoming_events(
    store,
    lang: str = "en",
    level: str | None = None,
    area: str | None = None,
    days: int = 30,
    now=None,
    recent_if_none: bool = True,
) -> PublicFigure:
    """Community events scheduled in the next ``days`` days (date, time, type, title, areas, place).

    When none is scheduled and ``recent_if_none``, the five most recent events held there instead, and
    the summary says so and when the calendar ends.
    """
    from lib.engagement import events as eng

    cols = {
        "date": t("col.date", lang),
        "time": t("col.time", lang),
        "type": t("col.type", lang),
        "title": t("col.title", lang),
        "areas": t("col.areas", lang),
        "venue": t("col.venue", lang),
    }
    now = pd.Timestamp.now() if now is None else pd.Timestamp(now)
    frame = (
        eng.upcoming(store, now=now, days=days, level=level, area=area)
        if "events" in store.tables()
        else pd.DataFrame(columns=["starts_at", "type", "title", "location", "areas"])
    )
    # Nothing scheduled: rather than an empty table, the most recent events held there and when the
    # calendar ends (a calendar export stops at its last listed event).
    last = (
        store.scalar("SELECT max(starts_at) FROM events WHERE starts_at < :n", {"n": now.to_pydatetime()})
        if frame.empty and recent_if_none and "events" in store.tables()
        else None
    )
    recent = last is not None
    if recent:
        last = pd.Timestamp(last)
        frame = eng.upcoming(store, now=last - pd.Timedelta(days=90), days=91, level=level, area=area, limit=10_000)
        # title and id break ties at one start time, so both engines list the same five
        frame = frame.sort_values(["starts_at", "title", "event_id"], ascending=[False, True, True])
        frame = frame.head(5).reset_index(drop=True)
    out = pd.DataFrame(
        {
            "date": [date_text(x, lang) for x in frame["starts_at"]],
            "time": [f"{pd.Timestamp(x):%H:%M}" for x in frame["starts_at"]],
            "type": [event_type(str(x), lang) for x in frame["type"]],
            "title": frame["title"].astype("object"),
            "areas": frame["areas"].astype("object"),
            "venue": frame["location"].astype("object"),
        }
    )
    where = _area_text(store, level, area, lang)
    if recent:
        summary = (
            t("upcoming.none", lang, days=days, where=where)
            + " "
            + (
                t("upcoming.recent", lang, last=date_text(last, lang))
                if len(out)
                else t("upcoming.ends", lang, last=date_text(last, lang))
            )
        )
    elif len(out):
        summary = t("upcoming.summary", lang, n=len(out), days=days, where=where)
    else:
        summary = t("upcoming.none", lang, days=days, where=where)
    period = t("upcoming.period", lang, start=date_text(now, lang), end=date_text(now + pd.Timedelta(days=days), lang))
    return PublicFigure(
        "upcoming_events",
        t("upcoming.title", lang),
        public_table(out),
        period,
        _sources(store, "events", lang),
        t("upcoming.method", lang),
        summary,
        "",
        cols,
        lang,
    )


# -- hot spots -----------------------------------------------------------------------------------


def hotspot_rows(result: pd.DataFrame, rules: Rules, lang: str) -> pd.DataFrame:
    """Gi* cells as public rows: cell, bin and translated label, hottest first.

    A hexagon's count is not published: hexagons do not nest in the release's
    areas, so their counts could be differenced against it. Only the class is.
    """
    out = result[["cell", "bin"]].copy()
    out["label"] = out["bin"].map(lambda b: t(f"bin.{int(b)}", lang))
    out = out.sort_values(["bin", "cell"], ascending=[False, True]).reset_index(drop=True)
    return out[["cell", "bin", "label"]]


def hotspots(
    store,
    dataset: str,
    lang: str = "en",
    res: int = 8,
    level: str | None = None,
    area: str | None = None,
    rules: Rules | None = None,
) -> PublicFigure:
    """Gi* hot and cold spots on H3 hexagons (res at most the public maximum) over the last 12 public months.

    Only incidents that may be shown below area level count (sensitive ones
    are left out), and only up to the publication cutoff. The analysis is
    always the whole city's (a hot spot is hot against the city); with
    ``level`` and ``area`` the frame keeps the hexagons that touch that area.
    The frame has ``cell``, ``bin`` and ``label`` (no counts: :func:`hotspot_rows`).
    """
    from lib.maps import data as map_data
    from lib.stats import hotspots as gi

    rules = _rules(rules)
    res = int(min(int(res), rules.max_h3_res))
    cols = {"label": t("col.hotspot", lang), "cell": t("col.cell", lang)}
    method = t(
        "hotspots.method",
        lang,
        res=res,
        km2=number(h3.average_hexagon_area(res, "km^2"), lang, 2),
        **rule_values(rules),
    )
    empty = pd.DataFrame(columns=["cell", "bin", "label"])
    cutoff = privacy.public_cutoff(store, dataset, rules)
    if cutoff is None:
        return PublicFigure(
            "hotspots",
            t("hotspots.title", lang),
            empty,
            "",
            "",
            method,
            t("crime.none", lang),
            t("unit.incidents", lang),
            cols,
            lang,
        )
    # The 12 whole months that end with the release's last complete month, as every crime figure does.
    cutoff = pd.Timestamp(cutoff).normalize().replace(day=1)
    start = cutoff - pd.DateOffset(years=1)
    try:
        cells = map_data.study_cells(store, res, None, None, dataset)
    except gi.NotEnoughData as exc:
        return PublicFigure(
            "hotspots",
            t("hotspots.title", lang),
            empty,
            "",
            "",
            method,
            str(exc),
            t("unit.incidents", lang),
            cols,
            lang,
            note=str(exc),
        )
    col = map_data.h3_column(res)
    counts = store.query(
        f"SELECT {col} AS cell, {incident_total()} AS incidents FROM incidents WHERE dataset = :d AND occurred_at >= :s "
        f"AND occurred_at < :e AND {col} IS NOT NULL AND {privacy.public_sql()} GROUP BY {col}",
        {"d": dataset, "s": start, "e": cutoff},
    )
    study = pd.DataFrame({"cell": cells}).merge(counts, on="cell", how="left").fillna({"incidents": 0})
    study["incidents"] = study["incidents"].astype("int64")
    period = t(
        "hotspots.period", lang, start=date_text(start, lang), end=date_text(cutoff - pd.Timedelta(days=1), lang)
    )
    try:
        result = gi.gi_star(study)
    except gi.NotEnoughData:
        return PublicFigure(
            "hotspots",
            t("hotspots.title", lang),
            empty,
            period,
            _sources(store, "incidents", lang, dataset),
            method,
            t("hotspots.too_few", lang),
            t("unit.incidents", lang),
            cols,
            lang,
            note=t("hotspots.too_few", lang),
        )
    out = hotspot_rows(result, rules, lang)
    km2 = number(h3.average_hexagon_area(res, "km^2"), lang, 2)
    if level and area:
        out = out[_touching(store, out["cell"], level, str(area))].reset_index(drop=True)
        hot, cold = int((out["bin"] > 0).sum()), int((out["bin"] < 0).sum())
        summary = t(
            "hotspots.summary_area",
            lang,
            hot=hot,
            cold=cold,
            cells=len(out),
            km2=km2,
            where=_area_text(store, level, area, lang),
        )
    else:
        hot, cold = int((out["bin"] > 0).sum()), int((out["bin"] < 0).sum())
        summary = t("hotspots.summary", lang, hot=hot, cold=cold, cells=len(out), km2=km2)
    return PublicFigure(
        "hotspots",
        t("hotspots.title", lang),
        public_table(out, rules),
        period,
        _sources(store, "incidents", lang, dataset),
        method,
        summary,
        t("unit.incidents", lang),
        cols,
        lang,
        note=t("hotspots.sensitive_note", lang),
    )


def _touching(store, cells: pd.Series, level: str, code: str) -> np.ndarray:
    """Which H3 cells overlap an area's outline (a boolean mask aligned with ``cells``)."""
    import shapely

    from lib.maps import data as map_data

    shape = map_data.study_area(store, level, [code])
    if shape is None or cells.empty:
        return np.zeros(len(cells), dtype=bool)
    polygons = shapely.polygons([[(lng, lat) for lat, lng in h3.cell_to_boundary(c)] for c in cells])
    return shapely.intersects(polygons, shape)


def cell_polygons(frame: pd.DataFrame, lang: str = "en", significant_only: bool = True) -> dict:
    """GeoJSON FeatureCollection of the hot spot frame's hexagons (properties: cell, bin, label)."""
    from lib.maps.draw import hexagon

    rows = frame[frame["bin"] != 0] if significant_only else frame
    features = []
    for r in rows.itertuples(index=False):
        features.append(
            {
                "type": "Feature",
                "geometry": hexagon(r.cell),
                "properties": {"cell": r.cell, "bin": int(r.bin), "label": r.label},
            }
        )
    return {"type": "FeatureCollection", "features": features}


# -- provenance ------------------------------------------------------------------------------------


def provenance(store, lang: str = "en") -> PublicFigure:
    """The loads behind the public figures: the source (publisher and title), kind, dataset, rows, period, when loaded."""
    cols = {
        "kind": t("col.kind", lang),
        "dataset": t("col.dataset", lang),
        "source": t("col.source", lang),
        "rows": t("col.rows", lang),
        "period": t("col.period", lang),
        "loaded": t("col.loaded", lang),
    }
    recs = prov.loads(store)
    recs = recs[
        recs["kind"].isin(["incidents", "scores", "events", "boundaries", "survey"]) & (recs["rows_loaded"] > 0)
    ]
    out = pd.DataFrame(
        {
            "kind": [t(f"kind.{k}", lang) for k in recs["kind"]],
            "dataset": recs["dataset"].astype("object"),
            "source": [source_name(r, lang) for r in recs.to_dict("records")],
            "rows": [number(int(n), lang) for n in recs["rows_loaded"]],
            "period": [
                (f"{pd.Timestamp(a):%Y-%m-%d} – {pd.Timestamp(b):%Y-%m-%d}" if pd.notna(a) and pd.notna(b) else "")
                for a, b in zip(recs["period_start"], recs["period_end"])
            ],
            "loaded": [f"{pd.Timestamp(x):%Y-%m-%d %H:%M}" for x in recs["loaded_at"]],
        }
    )
    last = recs["loaded_at"].max() if len(recs) else None
    summary = (
        t("provenance.summary", lang, n=len(out), last=date_text(last, lang))
        if last is not None
        else t("provenance.none", lang)
    )
    return PublicFigure(
        "provenance",
        t("provenance.title", lang),
        public_table(out),
        "",
        "",
        t("provenance.method", lang),
        summary,
        "",
        cols,
        lang,
    )


def all_figures(
    store, lang: str = "en", dataset: str | None = None, level: str | None = None, rules: Rules | None = None, now=None
) -> dict[str, PublicFigure]:
    """Every citywide public figure (for the static site, the deck and the benchmark)."""
    rules = _rules(rules)
    dataset = dataset or default_dataset(store)
    lvls = levels(store)
    level = level or (lvls[0] if lvls else None)
    out = {}
    if dataset and level:
        out["crime_by_area"] = crime_by_area(store, dataset, level, lang, rules)
    if dataset:
        out["crime_trend"] = crime_trend(store, dataset, lang, rules=rules)
        out["hotspots"] = hotspots(store, dataset, lang, rules=rules)
    out["trust_trend"] = trust_trend(store, lang, rules=rules)
    out["engagement"] = engagement(store, lang, rules=rules, now=now)
    if level:
        out["engagement_by_area"] = engagement_by_area(store, level, lang, rules=rules, now=now)
    out["upcoming_events"] = upcoming_events(store, lang, now=now)
    out["provenance"] = provenance(store, lang)
    return out


# -- you said, we did --------------------------------------------------------------------------------------


def concerns(store, level: str, lang: str = "en", area: str | None = None) -> PublicFigure:
    """ "You said, we did": the concerns an analyst approved for publication, in an area or every area of ``level``.

    A list of items (category, status, month raised, last update, the approved wording), never a count,
    and nothing an analyst did not approve (lib/engagement/concerns.py, docs/concerns.md).
    """
    from lib.engagement import concerns as said

    items = said.public_items(store, level, lang, area=area)
    cols = {
        "area": level_word(level, lang),
        "category": t("col.concern", lang),
        "status": t("col.status", lang),
        "raised": t("col.raised", lang),
        "updated": t("col.updated", lang),
        "public_text": t("col.note", lang),
    }
    if area:
        cols.pop("area")
    if not items["public_text"].astype(str).str.len().any():
        cols.pop("public_text")
    where = _area_text(store, level, area, lang)
    summary = t("concerns.intro" if len(items) else "concerns.none", lang, where=where)
    return PublicFigure(
        "concerns",
        t("concerns.title", lang),
        public_table(items.astype(object)),
        "",
        t("concerns.source", lang),
        t("concerns.method", lang),
        summary,
        "",
        cols,
        lang,
    )


# -- complaints and commendations: read from their audited releases -------------------------------------

# Final findings as the public reads them (lib/accountability/findings.py labels -> i18n keys).
FINDING_KEYS = {
    "Sustained": "finding.sustained",
    "Not sustained": "finding.not_sustained",
    "Unfounded": "finding.unfounded",
    "Exonerated": "finding.exonerated",
    "No affidavit": "finding.no_affidavit",
    "No finding": "finding.none",
}


def complaint_release(store, kind: str = "complaints", rules: Rules | None = None):
    """(the audited complaints or commendations release of the first such dataset, None) or (None, i18n key)."""
    from lib.accountability import data as acc
    from lib.public import complaints

    names = acc.datasets(store, kind)
    if not names:
        return None, f"{kind}.none"
    rel = complaints.passed(store, kind, names[0], _rules(rules))
    return (rel, None) if rel is not None else (None, "release.missing")


def _annual_label(kind: str, start, end, lang: str) -> str:
    """A year-long period: "2015", or "January to September 2016" for a year to date."""
    start = pd.Timestamp(start)
    if kind == "year":
        return str(start.year)
    return t("complaints.ytd", lang, start=month_name(start.month, lang), end=month_text(end, lang))


def _empty_complaints(key, lang, rules, cols, why, unit="unit.complaints") -> PublicFigure:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    return PublicFigure(
        key,
        t(f"{key}.title", lang),
        frame,
        "",
        "",
        t(f"{key}.method", lang, **rule_values(rules)),
        t(why, lang),
        t(unit, lang),
        cols,
        lang,
    )


def complaints_monthly(
    store, lang: str = "en", level: str | None = None, area: str | None = None, rules: Rules | None = None
) -> PublicFigure:
    """Complaints received and closed per month, for the city or one area, from the complaints release.

    An area of a level the release does not publish (beats) shows the city, and the note says so.
    """
    rules = _rules(rules)
    cols = {"month": t("col.month", lang), "received": t("col.received", lang), "closed": t("col.closed", lang)}
    rel, why = complaint_release(store, "complaints", rules)
    if rel is None:
        return _empty_complaints("complaints_monthly", lang, rules, cols, why)
    from lib.public import complaints

    note = ""
    if not (level and area and level in rel.levels):
        if level and area:
            note = t("complaints.no_area_level", lang, level=_level_word(level, lang).lower())
        level, area = "city", "city"
    c = rel.cells
    mine = c[(c["level"] == level) & (c["area"] == str(area)) & (c["period"] == "month") & (c["category"] == "all")]
    got = {
        m: dict(zip(g["period_start"], zip(g["value"], g["hidden"]))) for m, g in mine.groupby("measure", sort=False)
    }
    months = sorted(set(mine["period_start"]))
    out = pd.DataFrame({"period_start": months, "month": [pd.Timestamp(m).strftime("%Y-%m") for m in months]})
    for name, measure in (("received", complaints.RECEIVED), ("closed", complaints.CLOSED)):
        vals = [got.get(measure, {}).get(m, (None, "missing")) for m in months]
        out = out.assign(**_column([(None if h else int(v), h) for v, h in vals], name))
    where = t("area.city", lang) if level == "city" else _area_name(store, level, area, lang)
    total = [got.get(complaints.RECEIVED, {}).get(m, (0, "")) for m in months]
    summary = t(
        "complaints_monthly.summary",
        lang,
        where=where,
        start=month_text(months[0], lang),
        end=month_text(months[-1], lang),
        n=number(sum(int(v) for v, h in total if not h), lang),
        hidden=sum(1 for _, h in total if h),
    )
    return PublicFigure(
        "complaints_monthly",
        t("complaints_monthly.title", lang) + ("" if level == "city" else f": {where}"),
        public_table(out, rules),
        t("engagement.period", lang, start=month_text(months[0], lang), end=month_text(months[-1], lang)),
        _sources(store, "complaints", lang),
        t("complaints_monthly.method", lang, **rule_values(rules)),
        summary,
        t("unit.complaints", lang),
        cols,
        lang,
        note=note,
    )


def _city_table(rel, measure: str, lang: str, label, level: str = "city", area: str = "city") -> pd.DataFrame:
    """Year-long cells of one measure by category for the city or one area: period, category (labelled), value."""
    c = rel.cells
    mine = c[
        (c["measure"] == measure) & (c["level"] == level) & (c["area"] == str(area)) & c["period"].isin(["year", "ytd"])
    ]
    mine = mine[mine["category"] != "all"]
    from lib.public import complaints

    if measure == complaints.RECEIVED:
        # complaints by category: the year-long periods the findings use (years, and the last year to date)
        keep = {
            (p.kind, p.start)
            for p in complaints.annual(release_periods(sorted(set(c.loc[c["period"] == "month", "period_start"]))))
        }
        mine = mine[[(k, pd.Timestamp(s)) in keep for k, s in zip(mine["period"], mine["period_start"])]]
    # Largest shown first, hidden cells after them by name: the order says nothing of a hidden count.
    mine = mine.assign(_hid=mine["hidden"] != "", _v=mine["value"].where(mine["hidden"] == "", 0))
    mine = mine.sort_values(["period_start", "_hid", "_v", "category"], ascending=[True, True, False, True])
    out = pd.DataFrame(
        {
            "period": [
                _annual_label(k, s, e, lang)
                for k, s, e in zip(mine["period"], mine["period_start"], mine["period_end"])
            ],
            "category": [label(x) for x in mine["category"]],
        }
    )
    return out.assign(**_column([(None if h else int(v), h) for v, h in zip(mine["value"], mine["hidden"])], "n"))


def release_periods(months):
    from lib.public import release

    return release.periods(list(months))[0]


def _category_figure(store, key, kind, measure, lang, rules, label, unit, col, level=None, area=None) -> PublicFigure:
    """A year-long table by category from a release: for one area where the release publishes its level
    (``level``, ``area``), else for the city (with a note when an area of another level was asked for)."""
    cols = {"period": t("col.period", lang), "category": t(f"col.{col}", lang), "n": t(f"col.count.{unit}", lang)}
    rel, why = complaint_release(store, kind, rules)
    if rel is None:
        return _empty_complaints(key, lang, rules, cols, why, f"unit.{unit}")
    note = ""
    if not (level and area and level in rel.levels and level != "city"):
        if level and area:
            note = t(f"{kind}.no_area_level", lang, level=_level_word(level, lang).lower())
        level, area = "city", "city"
    out = _city_table(rel, measure, lang, label, level, area)
    if out.empty:
        return _empty_complaints(key, lang, rules, cols, f"{kind}.none", f"unit.{unit}")
    periods = list(dict.fromkeys(out["period"]))
    where = t("area.city", lang) if level == "city" else _area_name(store, level, area, lang)
    return PublicFigure(
        key,
        t(f"{key}.title", lang) + ("" if level == "city" else f": {where}"),
        public_table(out, rules),
        ", ".join(periods),
        _sources(store, kind, lang),
        t(f"{key}.method", lang, **rule_values(rules)),
        t(f"{key}.summary", lang, periods=", ".join(periods), n=len(set(out["category"]))),
        t(f"unit.{unit}", lang),
        cols,
        lang,
        note=note,
    )


def complaints_by_category(
    store, lang: str = "en", rules: Rules | None = None, level: str | None = None, area: str | None = None
) -> PublicFigure:
    """Complaints received by category per year (the last year to date), for the city or one district,
    from the release."""
    return _category_figure(
        store,
        "complaints_by_category",
        "complaints",
        "complaints_received",
        lang,
        _rules(rules),
        lambda x: t("col.other", lang) if x == "Other" else str(x),
        "complaints",
        "category",
        level,
        area,
    )


def complaint_findings(
    store, lang: str = "en", rules: Rules | None = None, level: str | None = None, area: str | None = None
) -> PublicFigure:
    """Allegations of the complaints received each year by final finding, for the city or one district,
    from the release."""
    label = lambda x: t(FINDING_KEYS[x], lang) if x in FINDING_KEYS else str(x)  # noqa: E731
    return _category_figure(
        store,
        "complaint_findings",
        "complaints",
        "allegations",
        lang,
        _rules(rules),
        label,
        "allegations",
        "finding",
        level,
        area,
    )


def commendations_by_type(store, lang: str = "en", rules: Rules | None = None) -> PublicFigure:
    """Counted awards by type per year (the last year to date), for the city, from the commendations release."""
    label = lambda x: t("col.other", lang) if x == "Other" else str(x)  # noqa: E731
    return _category_figure(
        store,
        "commendations_by_type",
        "commendations",
        "commendations",
        lang,
        _rules(rules),
        label,
        "awards",
        "award_type",
    )


def complaint_close_days(store, lang: str = "en", level: str | None = None, rules: Rules | None = None) -> PublicFigure:
    """Median days from receipt to close per year, for the city and the areas of the release's first level.

    Published only where the release shows that area's count of complaints closed in the year and it is
    at least ``min_count``; the count is the release's cell.
    """
    rules = _rules(rules)
    cols = {
        "period": t("col.period", lang),
        "area": t("col.area", lang),
        "closed": t("col.closed", lang),
        "median_days": t("col.median_days", lang),
    }
    rel, why = complaint_release(store, "complaints", rules)
    if rel is None:
        return _empty_complaints("complaint_close_days", lang, rules, cols, why)
    from lib.public import complaints

    level = level if level in rel.levels else rel.levels[0]
    medians = pd.DataFrame(rel.extra.get("medians", []))
    if medians.empty:
        return _empty_complaints("complaint_close_days", lang, rules, cols, "complaint_close_days.none")
    medians = medians[medians["level"].isin([level, "city"])]
    c = rel.cells
    closed = c[(c["measure"] == complaints.CLOSED) & (c["category"] == "all")]
    value = {(r.level, r.area, r.period, pd.Timestamp(r.period_start)): int(r.value) for r in closed.itertuples()}
    names = dict(zip(rel.areas["area"].astype(str), rel.areas["name"]))
    word = _level_word(level, lang)
    medians = medians.assign(_city=medians["level"] != "city").sort_values(["period_start", "_city", "area"])
    medians = medians.assign(
        _k=[(lv != "city", release_code_key(a)) for lv, a in zip(medians["level"], medians["area"])]
    )
    rows = []
    for r in medians.sort_values(["period_start", "_k"]).itertuples():
        area = (
            t("area.city", lang)
            if r.level == "city"
            else (t("area.none", lang) if r.area == "none" else area_label(word, r.area, names.get(r.area) or None))
        )
        rows.append(
            (
                _annual_label(r.period, r.period_start, pd.Timestamp(r.period_end), lang),
                area,
                value[(r.level, r.area, r.period, pd.Timestamp(r.period_start))],
                float(r.median_days),
            )
        )
    out = pd.DataFrame(rows, columns=["period", "area", "closed", "median_days"])
    out.attrs["not_counts"] = ["median_days"]
    city = out[out["area"] == t("area.city", lang)]
    summary = t(
        "complaint_close_days.summary",
        lang,
        period=city["period"].iloc[-1] if len(city) else "",
        days=number(city["median_days"].iloc[-1], lang, 1 if len(city) and city["median_days"].iloc[-1] % 1 else 0)
        if len(city)
        else "–",
    )
    return PublicFigure(
        "complaint_close_days",
        t("complaint_close_days.title", lang),
        public_table(out, rules),
        ", ".join(dict.fromkeys(out["period"])),
        _sources(store, "complaints", lang),
        t("complaint_close_days.method", lang, **rule_values(rules)),
        summary,
        t("unit.days", lang),
        cols,
        lang,
    )


def release_code_key(code: str):
    from lib.public import release

    return release._code_key(code)
