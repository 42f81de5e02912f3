"""Public figures for a chosen period: what the deck needs that lib/public_figures does not give.

lib/public_figures reports fixed windows (this calendar year against the last,
the last 12 public months); a presenter chooses the period of the meeting.
Crime counts are cells of the public release (:mod:`lib.public.release`), never
counted here: :func:`crime_months` reads the whole months (or quarters) of the
period and their totals, so the deck shows exactly the numbers the public sees,
with one suppression pattern. Hot spots (:func:`hotspots_between`) are classes
of H3 hexagons, without counts, from the incidents
:func:`lib.public.privacy.public_sql` allows below area level up to
:func:`lib.public.privacy.public_cutoff` (the publication lag); every frame
passes :func:`lib.public.privacy.public_table`.
"""

from __future__ import annotations

import h3
import pandas as pd

from lib.deck.text import tr
from lib.public import figures as pf
from lib.public import privacy, release
from lib.public.figures import PublicFigure, rule_values
from lib.public.i18n import date_text, month_text, number, t
from lib.public.privacy import Rules, public_table
from lib.stats import compstat
from lib.store import provenance as prov
from lib.store.schema import incident_total


def _rules(rules: Rules | None) -> Rules:
    return rules or Rules.from_settings()


def area_name(store, level: str, code: str, lang: str) -> str:
    """ "District 8", "Distrito 8", "District 1 (1st)": the public page's label of an area."""
    from lib.public.i18n import has

    names = pf.areas(store, level)
    row = names[names["code"] == str(code)]
    word = t(f"level.{level}", lang) if has(f"level.{level}", lang) else level
    return pf.area_label(word, str(code), row["name"].iloc[0] if len(row) else None)


def _where(level: str | None, area: str | None) -> tuple[str, dict]:
    from lib.store.schema import level_column

    if level and area:
        return f' AND "{level_column(level)}" = :area', {"area": str(area)}
    return "", {}


def public_window(store, dataset: str | None, start, end_exclusive, rules: Rules | None = None):
    """(start, end) of the period clamped to the public cutoff; end <= start when nothing is public."""
    rules = _rules(rules)
    start, end = pd.Timestamp(start), pd.Timestamp(end_exclusive)
    cutoff = privacy.public_cutoff(store, dataset, rules) if dataset else None
    if cutoff is None:
        return start, start
    return start, min(end, cutoff)


def quarter_label(when, lang: str) -> str:
    when = pd.Timestamp(when)
    return f"{'T' if lang == 'es' else 'Q'}{(when.month - 1) // 3 + 1} {when.year}"


TOTAL_KINDS = ("ytd", "quarter", "year", "month")  # a span's own release cell, where one exists
HIDDEN_IN_SUM = "contains"  # a total not shown because a period in it is hidden


def _span_total(rel, level: str, area: str, cells: pd.DataFrame, start, end) -> tuple[int | None, str]:
    """The count of the whole periods ``cells`` (first day ``start``, last day ``end``), as the release allows.

    The release cell of exactly that span where there is one (year to date, a
    quarter, a year); else the sum of the periods when every one is shown; else
    hidden, ``HIDDEN_IN_SUM``. Worked example: 2018's twelve months are the
    release's "year" cell 2018; February to April 2018 is no cell, so it is
    the sum of three shown months, or hidden when one of them is.
    """
    if cells.empty:
        return None, ""
    c = rel.cells
    exact = c[
        (c["level"] == level)
        & (c["area"] == area)
        & (c["category"] == release.ALL)
        & (c["period_start"] == pd.Timestamp(start))
        & (c["period_end"] == pd.Timestamp(end))
        & c["period"].isin(TOTAL_KINDS)
    ]
    if not exact.empty:
        row = exact.iloc[0]
        return (None if row["hidden"] else int(row["value"])), str(row["hidden"])
    if (cells["hidden"] != "").any():
        return None, HIDDEN_IN_SUM
    return int(cells["value"].sum()), ""


def crime_months(
    store,
    dataset: str,
    lang: str,
    level: str | None,
    area: str | None,
    start,
    end_exclusive,
    rules: Rules | None = None,
    freq: str = "month",
    rel=None,
) -> PublicFigure:
    """Incidents per whole month (or ``freq="quarter"``) of the period against a year earlier: release cells only.

    Every number is a cell of the public release (:mod:`lib.public.release`),
    never a count of its own: the months (quarters) of the area (the city when
    ``level``/``area`` are None) that lie wholly inside ``[start,
    end_exclusive)`` (a part month at either end is left out), and the same
    cells a year earlier where the release has every one of them. Hidden cells
    are NA with ``*_suppressed`` True and the reason in ``*_hidden`` ("small",
    "complementary"). ``frame.attrs``: ``total``/``previous`` (None when
    hidden), ``hidden``/``previous_hidden`` (why: "small", "complementary",
    ``HIDDEN_IN_SUM``, "" when shown), ``compared``, ``p`` (the two-count test,
    None unless both totals are shown), ``start``/``end`` (the whole periods
    covered, end exclusive), ``freq``, ``min_count``. ``rel``: the release to
    read (default :func:`lib.public.release.ensure`).
    """
    rules = _rules(rules)
    unit = "quarter" if freq == "quarter" else "month"
    cols = {
        "month_name": t("col.month", lang),
        "this_period": t("col.count.this_year", lang),
        "last_year": t("col.count.last_year", lang),
    }
    method = tr("crime_method", lang, **rule_values(rules))
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end_exclusive).normalize()
    rel = rel if rel is not None else release.ensure(store, dataset, rules)
    rel_level, rel_area = (level, str(area)) if level and area else (release.CITY_LEVEL, release.CITY_AREA)
    cells = pd.DataFrame(columns=["period_start", "period_end", "value", "hidden"])
    if rel.passed and rel_level in rel.levels:
        cells = rel.select(rel_level, unit, area=rel_area)
        inside = (cells["period_start"] >= start) & (cells["period_end"] + pd.Timedelta(days=1) <= end)
        cells = cells[inside].sort_values("period_start").reset_index(drop=True)
    attrs = dict(min_count=int(rel.audit.get("min_count", rules.min_count)), freq=unit, compared=False, p=None)
    if cells.empty:
        note = tr("crime_unreleased", lang) if not rel.passed else tr("crime_no_whole", lang)
        empty = pd.DataFrame(
            {
                "period_start": pd.Series(dtype="datetime64[ns]"),
                "month_name": pd.Series(dtype=object),
                "this_period": pd.Series(dtype="Int64"),
                "this_period_suppressed": pd.Series(dtype=bool),
                "last_year": pd.Series(dtype="Int64"),
                "last_year_suppressed": pd.Series(dtype=bool),
            }
        )
        empty.attrs.update(
            attrs, total=None, hidden="", previous=None, previous_hidden="", start=start, end=start, note=note
        )
        return PublicFigure(
            "crime_months",
            t("trend.title", lang),
            public_table(empty, rules),
            "",
            "",
            method,
            note,
            t("unit.incidents", lang),
            cols,
            lang,
            note=note,
        )
    first, last = cells["period_start"].iloc[0], cells["period_end"].iloc[-1]
    # The same cells a year earlier: a comparison only where the release has every one of them.
    before = [rel.value(rel_level, rel_area, unit, m - pd.DateOffset(years=1)) for m in cells["period_start"]]
    compared = all(b is not None for b in before)
    before = before if compared else [(None, "")] * len(cells)
    name = quarter_label if unit == "quarter" else month_text
    out = pd.DataFrame(
        {
            "period_start": cells["period_start"].to_numpy(),
            "month_name": [name(m, lang) for m in cells["period_start"]],
            "this_period": pd.array([None if h else int(v) for v, h in zip(cells["value"], cells["hidden"])], "Int64"),
            "this_period_suppressed": (cells["hidden"] != "").to_numpy(),
            "this_period_hidden": cells["hidden"].astype(str).to_numpy(),
            "last_year": pd.array([b[0] for b in before], dtype="Int64"),
            "last_year_suppressed": [bool(b[1]) for b in before],
            "last_year_hidden": [str(b[1]) for b in before],
        }
    )
    total, hidden = _span_total(rel, rel_level, rel_area, cells, first, last)
    previous, previous_hidden = None, ""
    if compared:
        prior = pd.DataFrame({"value": [b[0] or 0 for b in before], "hidden": [b[1] for b in before]})
        previous, previous_hidden = _span_total(
            rel, rel_level, rel_area, prior, first - pd.DateOffset(years=1), last - pd.DateOffset(years=1)
        )
    both = compared and total is not None and previous is not None
    attrs.update(
        total=total,
        hidden=hidden,
        previous=previous,
        previous_hidden=previous_hidden,
        compared=compared,
        p=float(compstat.change_p(total, previous)) if both else None,
        start=first,
        end=last + pd.Timedelta(days=1),
        trimmed=bool(first > start or last + pd.Timedelta(days=1) < end),
    )
    out.attrs.update(attrs)
    if compared:
        period = t(
            "crime.period",
            lang,
            start=date_text(first, lang),
            end=date_text(last, lang),
            pstart=date_text(first - pd.DateOffset(years=1), lang),
            pend=date_text(last - pd.DateOffset(years=1), lang),
        )
    else:
        period = tr("crime_span", lang, start=date_text(first, lang), end=date_text(last, lang))
    return PublicFigure(
        "crime_months",
        t("trend.title", lang),
        public_table(out, rules),
        period,
        pf.sources(store, "incidents", lang, dataset),
        method,
        "",
        t("unit.incidents", lang),
        cols,
        lang,
    )


def hotspots_between(
    store,
    dataset: str,
    lang: str,
    res: int,
    level: str | None,
    area: str | None,
    start,
    end_exclusive,
    rules: Rules | None = None,
) -> PublicFigure:
    """Gi* hot and cold spots over the period, as public_figures.hotspots does over its 12 months."""
    from lib.maps import data as map_data
    from lib.stats import hotspots as gi

    rules = _rules(rules)
    res = int(min(int(res), rules.max_h3_res))
    cols = {"label": t("col.hotspot", lang), "cell": t("col.cell", lang)}
    method = tr("hotspot_method", lang, res=res, km2=number(h3.average_hexagon_area(res, "km^2"), lang, 2))
    empty = pd.DataFrame(
        {
            "cell": pd.Series(dtype=object),
            "bin": pd.Series(dtype="int64"),
            "label": pd.Series(dtype=object),
        }
    )
    s, e = public_window(store, dataset, start, end_exclusive, rules)
    if e <= s:
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
            note=t("crime.none", lang),
        )
    codes = [str(area)] if level and area else None
    period = t("hotspots.period", lang, start=date_text(s, lang), end=date_text(e - pd.Timedelta(days=1), lang))
    try:
        cells = map_data.study_cells(store, res, level if codes else None, codes, dataset)
    except gi.NotEnoughData as exc:
        return PublicFigure(
            "hotspots",
            t("hotspots.title", lang),
            empty,
            period,
            "",
            method,
            str(exc),
            t("unit.incidents", lang),
            cols,
            lang,
            note=str(exc),
        )
    col = map_data.h3_column(res)
    extra, params = _where(level, area)
    counts = store.query(
        f"SELECT {col} AS cell, {incident_total()} AS incidents FROM incidents WHERE dataset = :d AND occurred_at >= :s "
        f"AND occurred_at < :e AND {col} IS NOT NULL AND {privacy.public_sql()}{extra} GROUP BY {col}",
        {"d": dataset, "s": s.to_pydatetime(), "e": e.to_pydatetime(), **params},
    )
    study = pd.DataFrame({"cell": cells}).merge(counts, on="cell", how="left").fillna({"incidents": 0})
    study["incidents"] = study["incidents"].astype("int64")
    try:
        result = gi.gi_star(study)
    except gi.NotEnoughData:
        return PublicFigure(
            "hotspots",
            t("hotspots.title", lang),
            empty,
            period,
            pf.sources(store, "incidents", lang, dataset),
            method,
            t("hotspots.too_few", lang),
            t("unit.incidents", lang),
            cols,
            lang,
            note=t("hotspots.too_few", lang),
        )
    # Classes only: a hexagon's own count is a fresh count outside the public release (lib.public.release), and
    # its suppression pattern, set beside the release's, could be differenced against it.
    out = result[["cell", "bin"]].copy()
    out["label"] = out["bin"].map(lambda b: t(f"bin.{int(b)}", lang))
    out = out.sort_values(["bin", "cell"], ascending=[False, True]).reset_index(drop=True)
    hot, cold = int((out["bin"] > 0).sum()), int((out["bin"] < 0).sum())
    summary = t(
        "hotspots.summary",
        lang,
        hot=hot,
        cold=cold,
        cells=len(out),
        km2=number(h3.average_hexagon_area(res, "km^2"), lang, 2),
    )
    return PublicFigure(
        "hotspots",
        t("hotspots.title", lang),
        public_table(out, rules),
        period,
        pf.sources(store, "incidents", lang, dataset),
        method,
        summary,
        t("unit.incidents", lang),
        cols,
        lang,
        note=t("hotspots.sensitive_note", lang),
    )


def months_in(frame: pd.DataFrame, column: str, start, end_exclusive) -> pd.DataFrame:
    """Rows of a monthly public frame whose month overlaps the period (rows only: nothing is recomputed)."""
    when = pd.to_datetime(frame[column])
    first = pd.Timestamp(start).replace(day=1)
    return frame[(when >= first) & (when < pd.Timestamp(end_exclusive))].reset_index(drop=True)


def is_sample(store, dataset: str | None) -> bool:
    """Whether ``dataset`` is a sample of the incidents, not all of them: its name or a load's file says "sample".

    The embedded "Chicago crimes (3% sample)" (file chicago_crimes_sample_2017_2019.csv.gz) is one: its counts
    are a fraction of what happened, so a slide reading them as totals must say so.
    """
    if not dataset:
        return False
    if "sample" in str(dataset).lower():
        return True
    loads = prov.loads(store, "incidents")
    files = loads.loc[loads["dataset"] == dataset, "source_name"].astype(str).str.lower()
    return bool(files.str.contains("sample").any())


def default_dataset(store) -> str | None:
    """The deck's incident dataset: the public page's default, unless it is a sample and a full one is loaded."""
    first = pf.default_dataset(store)
    if not is_sample(store, first):
        return first
    full = [d for d in pf.datasets(store) if not is_sample(store, d)]
    return full[0] if full else first
