"""Public figures for a chosen period: what the deck needs that lib/public_figures does not give.

lib/public_figures reports fixed windows (this calendar year against the last,
the last 12 public months); a presenter chooses the period of the meeting. The
two functions here follow the same rules as their public_figures
counterparts, through the same module: the end is clamped to
:func:`lib.public.privacy.public_cutoff` (the publication lag), hot spots count only
incidents :func:`lib.public.privacy.public_sql` allows below area level, counts go
through :func:`lib.public.privacy.suppress_counts`, and every frame through
:func:`lib.public.privacy.public_table`.
"""

from __future__ import annotations

import h3
import pandas as pd

from lib.deck.text import tr
from lib.public import figures as pf
from lib.public import privacy
from lib.public.figures import PublicFigure, hotspot_rows, rule_values
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
) -> PublicFigure:
    """Incidents per month (or ``freq="quarter"``) of the period against the same dates a year earlier; suppressed.

    Like public_figures.crime_trend, every incident counts (an area's monthly
    total locates no one); counts 1-4 are suppressed with a complement, the
    period's total being published. ``frame.attrs`` carries the totals
    (``total``, ``previous``: None when suppressed) and the Poisson ``z``.
    """
    rules = _rules(rules)
    cols = {
        "month_name": t("col.month", lang),
        "this_period": t("col.count.this_year", lang),
        "last_year": t("col.count.last_year", lang),
    }
    s, e = public_window(store, dataset, start, end_exclusive, rules)
    empty = pd.DataFrame(
        {
            "period_start": pd.Series(dtype="datetime64[ns]"),
            "month_name": pd.Series(dtype=object),
            "this_period": pd.Series(dtype="Int64"),
            "last_year": pd.Series(dtype="Int64"),
        }
    )
    method = tr("crime_method", lang, **rule_values(rules))
    if e <= s:
        return PublicFigure(
            "crime_months",
            t("trend.title", lang),
            public_table(empty, rules),
            "",
            "",
            method,
            t("crime.none", lang),
            t("unit.incidents", lang),
            cols,
            lang,
        )
    ps, pe = s - pd.DateOffset(years=1), e - pd.DateOffset(years=1)
    extra, params = _where(level, area)
    unit = "quarter" if freq == "quarter" else "month"
    sql = (
        f"SELECT date_trunc('{unit}', occurred_at) AS m, {incident_total()} AS n FROM incidents WHERE dataset = :d "
        f"AND occurred_at >= :s AND occurred_at < :e{extra} GROUP BY 1"
    )
    now = store.query(sql, {"d": dataset, "s": s.to_pydatetime(), "e": e.to_pydatetime(), **params})
    before = store.query(sql, {"d": dataset, "s": ps.to_pydatetime(), "e": pe.to_pydatetime(), **params})
    this = {pd.Timestamp(m): int(n) for m, n in now.itertuples(index=False)}
    prev = {pd.Timestamp(m) + pd.DateOffset(years=1): int(n) for m, n in before.itertuples(index=False)}
    first = s.replace(day=1)
    if unit == "quarter":
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    months = pd.date_range(first, e - pd.Timedelta(days=1), freq="QS" if unit == "quarter" else "MS")
    name = quarter_label if unit == "quarter" else month_text
    out = pd.DataFrame(
        {
            "period_start": months,
            "month_name": [name(m, lang) for m in months],
            "this_period": [this.get(m, 0) for m in months],
            "last_year": [prev.get(m, 0) for m in months],
        }
    )
    total, previous = int(out["this_period"].sum()), int(out["last_year"].sum())
    out = privacy.suppress_counts(out, ["this_period", "last_year"], rules)
    out.attrs.update(
        total=privacy.headline_count(total, rules),
        previous=privacy.headline_count(previous, rules),
        p=float(compstat.change_p(total, previous)),
        raw=(total, previous),  # the counts the test was made on (before any "fewer than 5")
        start=s,
        end=e,
        freq=unit,
    )
    period = t(
        "crime.period",
        lang,
        start=date_text(s, lang),
        end=date_text(e - pd.Timedelta(days=1), lang),
        pstart=date_text(ps, lang),
        pend=date_text(pe - pd.Timedelta(days=1), lang),
    )
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
    cols = {"label": t("col.hotspot", lang), "count": t("col.count.incidents", lang), "cell": t("col.cell", lang)}
    method = tr("hotspot_method", lang, res=res, km2=number(h3.average_hexagon_area(res, "km^2"), lang, 2))
    empty = pd.DataFrame(
        {
            "cell": pd.Series(dtype=object),
            "bin": pd.Series(dtype="int64"),
            "label": pd.Series(dtype=object),
            "count": pd.Series(dtype="Int64"),
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
    out = hotspot_rows(result, rules, lang)
    hot, cold = int((out["bin"] > 0).sum()), int((out["bin"] < 0).sum())
    summary = t(
        "hotspots.summary",
        lang,
        hot=hot,
        cold=cold,
        cells=len(out),
        km2=number(h3.average_hexagon_area(res, "km^2"), lang, 2),
    )
    out.attrs["incidents"] = privacy.headline_count(int(study["incidents"].sum()), rules)
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
