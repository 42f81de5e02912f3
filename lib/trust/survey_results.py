"""Respondent-level survey results: indexes, weights and estimates with their uncertainty.

The chain, each step a plain function that pages, the public transparency page
and the presenter deck can call:

1. :func:`respondents`: one row per respondent, read from the store through a
   survey definition (index scores on 0-100, categories, area, period);
2. :func:`analyse`: keep the chosen periods and areas, weight each period's
   respondents (raking to the margins of the areas chosen, the vendor's
   weights, or none) and check each index's reliability (Cronbach's alpha);
3. :func:`estimates`, :func:`compare`: weighted means with design effect,
   effective n, 95% interval and suppression, overall, by period, by area or
   by demographic group; the change between two periods against its uncertainty.

:func:`trend_with_uncertainty` and :func:`latest_by_area` run the whole chain
for other pages.

How margins are supplied: a CSV loaded as ``population`` with columns
``area, dimension, category, population`` (docs/data.md, "Population margins"). Rows
with dimension ``total`` give the area margin; the others (age, sex, race,
education, income) give each dimension's margin, summed over the areas chosen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lib.constants import MIN_ALPHA
from lib.stats import weighting
from lib.stats.survey_index import cronbach_alpha, index_scores, rescale
from lib.store.schema import level_column
from lib.trust import survey_definition as sd
from lib.trust.survey_definition import SurveyDefinition

DIMENSION_SYNONYMS = {
    "gender": "sex",
    "race_ethnicity": "race",
    "race/ethnicity": "race",
    "ethnicity": "race",
    "race and ethnicity": "race",
    "age group": "age",
    "age_group": "age",
    "agegroup": "age",
}
GROUP_LABELS = {
    "area": "Area",
    "age": "Age",
    "sex": "Sex",
    "race": "Race/ethnicity",
    "hispanic": "Hispanic origin",
    "education": "Education",
    "income": "Household income",
}


# -- what is loaded -------------------------------------------------------------------------------


def survey_datasets(store) -> pd.DataFrame:
    """Survey datasets with their respondents and date range, largest first."""
    if "survey_responses" not in store.tables():
        return pd.DataFrame(columns=["dataset", "n", "first", "last"])
    return store.query(
        "SELECT dataset, count(*) AS n, min(responded_at) AS first, max(responded_at) AS last "
        "FROM survey_responses GROUP BY dataset ORDER BY count(*) DESC, dataset"
    )


def sample_answers(store, dataset: str, limit: int = 3000) -> pd.DataFrame:
    """Up to ``limit`` respondents' source columns (the ``attributes``), in the file's column order."""
    rows = store.query(
        "SELECT attributes FROM survey_responses WHERE dataset = :d ORDER BY response_id LIMIT :n",
        {"d": dataset, "n": int(limit)},
    )
    return pd.DataFrame([json.loads(a) for a in rows["attributes"]])


def area_choices(store, dataset: str) -> dict[str, float]:
    """Share of respondents with a code for the loaded area field and for each boundary level."""
    cols = [c for c in store.columns("survey_responses") if c.startswith("lvl_")]
    parts = ", ".join(
        ["count(area) * 1.0 / count(*) AS area"] + [f'count("{c}") * 1.0 / count(*) AS "{c[4:]}"' for c in cols]
    )
    row = store.query(f"SELECT {parts} FROM survey_responses WHERE dataset = :d", {"d": dataset}).iloc[0]
    return {k: float(v) for k, v in row.items() if pd.notna(v)}


def population(store, dataset: str | None) -> pd.DataFrame:
    """The rows of one population (margins) dataset: area, dimension, category, population."""
    if not dataset or "population" not in store.tables():
        return pd.DataFrame(columns=["area", "dimension", "category", "population", "level"])
    return store.query(
        "SELECT area, dimension, category, population, level FROM population WHERE dataset = :d", {"d": dataset}
    )


def matching_margins(store, codes: set[str]) -> str | None:
    """The population dataset whose area codes cover most of ``codes`` (at least half), if any."""
    if not codes or "population" not in store.tables():
        return None
    frame = store.query("SELECT DISTINCT dataset, area FROM population")
    best, best_share = None, 0.5
    for name, rows in frame.groupby("dataset"):
        share = len(codes & set(rows["area"])) / len(codes)
        if share >= best_share:
            best, best_share = name, share
    return best


def definition_for(store, dataset: str) -> tuple[SurveyDefinition, pd.Timestamp | None]:
    """The saved definition of ``dataset``, or a suggested one (then the timestamp is None)."""
    saved = sd.load(store, dataset)
    if saved:
        return saved
    sample = sample_answers(store, dataset)
    dates = store.query(
        "SELECT responded_at FROM survey_responses WHERE dataset = :d AND responded_at IS NOT NULL LIMIT 5000",
        {"d": dataset},
    )["responded_at"]
    choices = area_choices(store, dataset)
    defn = sd.suggest(
        sample,
        dataset,
        has_dates=len(dates) > 0,
        months=dates.dt.to_period("M").dt.to_timestamp(),
        area_choices=choices,
        has_weights=_has_weights(store, dataset),
    )
    defn.margins = matching_margins(store, set(_area_codes(store, dataset, defn.area)))
    if defn.weighting == "none" and defn.margins:
        defn.weighting = "rake"
    return defn, None


def _has_weights(store, dataset: str) -> bool:
    n, w = store.rows("SELECT count(*), count(weight) FROM survey_responses WHERE dataset = :d", {"d": dataset})[0]
    return bool(n) and w >= 0.9 * n


def _area_column(area: str) -> str:
    return "area" if area == "area" else level_column(area)


def _area_codes(store, dataset: str, area: str) -> list[str]:
    col = _area_column(area)
    return list(
        store.query(
            f'SELECT DISTINCT "{col}" AS a FROM survey_responses WHERE dataset = :d AND "{col}" IS NOT NULL',
            {"d": dataset},
        )["a"]
    )


# -- 1. respondents --------------------------------------------------------------------------------


def respondents(store, defn: SurveyDefinition) -> pd.DataFrame:
    """One row per respondent of ``defn.dataset``, read through the definition.

    Columns: ``response_id, area, period, period_start, supplied_weight``; per
    index ``<index>`` (0-100, missing unless half its items were answered) and
    its rescaled items ``<index>:<column>``; per demographic its category
    (``race`` is race/ethnicity when a Hispanic-origin question is mapped).
    """
    cols = defn.columns()
    params = {"d": defn.dataset, **{f"c{i}": c for i, c in enumerate(cols)}}
    extract = "".join(f', CAST(attributes AS JSON) ->> :c{i} AS "c{i}"' for i in range(len(cols)))
    area = _area_column(defn.area)
    raw = store.query(
        f'SELECT response_id, responded_at, "{area}" AS area, weight AS supplied_weight{extract} '
        "FROM survey_responses WHERE dataset = :d ORDER BY response_id",
        params,
    )
    source = sd.normalise_frame(raw[[f"c{i}" for i in range(len(cols))]].set_axis(cols, axis=1))
    out = raw[["response_id", "area", "supplied_weight"]].copy()
    out["period"], out["period_start"] = _periods(defn, raw["responded_at"], source)
    for name, spec in defn.indexes.items():
        if not spec.items:
            continue
        answers = source[spec.items].apply(pd.to_numeric, errors="coerce").to_numpy()
        scaled = rescale(
            answers,
            defn.scale_low,
            defn.scale_high,
            defn.missing_codes,
            [c in spec.reverse for c in spec.items],
            defn.high_is_favourable,
        )
        out[name] = index_scores(scaled)
        for j, col in enumerate(spec.items):
            out[f"{name}:{col}"] = scaled[:, j]
    for name, spec in defn.demographics.items():
        out[name] = sd.categorise(source, spec, defn.missing_codes)
    if "race" in out and "hispanic" in out:
        out["race"] = sd.race_ethnicity(out["race"], out["hispanic"])
    return out


def _periods(defn: SurveyDefinition, when: pd.Series, source: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    when = pd.to_datetime(when)
    if defn.period == "month":
        start = when.dt.to_period("M").dt.to_timestamp()
        return start.dt.strftime("%Y-%m"), start
    if defn.period == "quarter":
        q = when.dt.to_period("Q")
        return q.astype("str").str.replace("Q", " Q"), q.dt.to_timestamp()
    if defn.period == "year":
        start = when.dt.to_period("Y").dt.to_timestamp()
        return start.dt.strftime("%Y"), start
    if defn.period.startswith("column:"):
        label = source[defn.period.split(":", 1)[1]]
        first = when.groupby(label).transform("min") if when.notna().any() else pd.Series(pd.NaT, index=label.index)
        order = {v: i for i, v in enumerate(sorted(label.dropna().unique(), key=sd._sort_key))}
        start = first.fillna(pd.Timestamp("2000-01-01") + pd.to_timedelta(label.map(order).fillna(-1), unit="D"))
        return label, start
    name = defn.period_label or "all responses"
    return pd.Series(name, index=when.index, dtype="object"), pd.Series(when.min(), index=when.index)


# -- 2. analyse ------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """Respondents of the chosen periods and areas with their weights, and how they were weighted."""

    frame: pd.DataFrame
    indexes: dict[str, str]
    method: str  # "raked", "supplied", "unweighted"
    reason: str  # one sentence for the page
    dimensions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alpha: dict[str, tuple[float, int]] = field(default_factory=dict)
    max_error: float = 0.0


def margin_targets(
    margins: pd.DataFrame, dimensions: list[str], areas: list[str] | None, survey_areas: set[str]
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Raking targets ``{dimension: {category: population}}`` from population rows.

    The area margin comes from ``total`` rows (or, without them, one dimension
    summed per area) and is used when the margins' areas cover the survey's;
    each demographic margin is summed over ``areas`` (all when None).
    """
    notes: list[str] = []
    if margins.empty:
        return {}, notes
    m = margins.copy()
    m["dimension"] = m["dimension"].str.lower().str.strip().map(lambda d: DIMENSION_SYNONYMS.get(d, d))
    m["category"] = [sd.standard_category(d, c) for d, c in zip(m["dimension"], m["category"].astype("str"))]
    chosen = m if not areas else m[m["area"].isin(areas)]
    targets: dict[str, dict[str, float]] = {}
    margin_areas = set(m["area"])
    if survey_areas and len(survey_areas & margin_areas) >= 0.5 * len(survey_areas):
        totals = chosen[chosen["dimension"] == "total"]
        if totals.empty:
            first = next((d for d in chosen["dimension"].unique() if d != "total"), None)
            totals = chosen[chosen["dimension"] == first] if first else totals
        by_area = totals.groupby("area")["population"].sum()
        if len(by_area) > 1:
            targets["area"] = by_area.to_dict()
    for dim in dimensions:
        rows = chosen[chosen["dimension"] == dim]
        if rows.empty and areas:
            rows = m[m["dimension"] == dim]
            if not rows.empty:
                notes.append(f"The {dim} margin is for all areas (the margins file has no {dim} rows per area chosen).")
        if not rows.empty:
            targets[dim] = rows.groupby("category")["population"].sum().to_dict()
    return targets, notes


def analyse(
    resp: pd.DataFrame,
    defn: SurveyDefinition,
    margins: pd.DataFrame | None = None,
    periods: list[str] | None = None,
    areas: list[str] | None = None,
) -> Analysis:
    """Weights and reliability for the respondents of ``periods`` and ``areas`` (all when None).

    Each period (survey wave) is weighted on its own: raked to the margins of
    the chosen areas when ``defn.weighting == 'rake'`` and margins exist, the
    vendor's weights (scaled to mean 1) when ``'supplied'``, else equal weights.
    """
    keep = pd.Series(True, index=resp.index)
    if periods:
        keep &= resp["period"].isin(periods)
    if areas:
        keep &= resp["area"].isin(areas)
    frame = resp[keep].copy()
    indexes = {k: v.label for k, v in defn.indexes.items() if v.items and k in frame}
    alpha = {}
    for name in indexes:
        items = [c for c in frame.columns if c.startswith(f"{name}:")]
        alpha[name] = cronbach_alpha(frame[items].to_numpy())
    margins = margins if margins is not None else pd.DataFrame()
    dims = [d for d in sd.RAKING_DIMENSIONS if d in frame]
    method, reason, notes, used, error = "unweighted", "", [], [], 0.0
    frame["weight"] = 1.0
    if defn.weighting == "supplied" and frame["supplied_weight"].notna().all() and len(frame):
        frame["weight"] = frame["supplied_weight"] / frame.groupby("period")["supplied_weight"].transform("mean")
        method, reason = "supplied", "Weighted with the survey vendor's weights."
    elif defn.weighting == "rake" and not margins.empty:
        targets, notes = margin_targets(margins, dims, areas, set(resp["area"].dropna()))
        if targets:
            weights = np.ones(len(frame))
            columns = frame[list(targets)].reset_index(drop=True)
            for positions in frame.groupby("period", sort=False).indices.values():
                result = weighting.rake(columns.iloc[positions], targets)
                weights[positions] = result.weights.to_numpy()
                notes += [n for n in result.notes if n not in notes]
                used = result.dimensions
                error = max(error, result.max_error)
            frame["weight"] = weights
            method = "raked" if used else "unweighted"
            reason = (
                f"Raked to the population margins of {', '.join(used)} from '{defn.margins}'."
                if used
                else "The margins share no category with the survey: unweighted."
            )
    if method == "unweighted" and not reason:
        reason = _unweighted_reason(defn, margins)
    notes = list(dict.fromkeys(notes))
    return Analysis(frame, indexes, method, reason, used, notes, alpha, error)


def _unweighted_reason(defn: SurveyDefinition, margins: pd.DataFrame) -> str:
    if defn.weighting == "none":
        return (
            "Unweighted: no population margins are loaded for this survey's areas, so the estimates "
            "describe the people who answered, not necessarily all residents. Load a margins file "
            "(area, dimension, category, population) as population to weight them."
        )
    if defn.weighting == "rake":
        return (
            f"Unweighted: the margins '{defn.margins}' are not loaded."
            if defn.margins
            else "Unweighted: choose the population margins to rake to."
        )
    return "Unweighted: the survey's weight column is empty for some respondents."


# -- 3. estimates ----------------------------------------------------------------------------------


def estimates(analysis: Analysis, index: str, by: str | list[str] | None = None) -> pd.DataFrame:
    """Weighted means of ``index`` (overall, or per group of ``by``) with n, effective n, deff and 95% CI.

    Suppressed estimates (effective n under 30) keep their n and effective n
    but lose their mean; flagged ones (30-59) carry a note.
    """
    table = weighting.grouped_estimates(analysis.frame, index, "weight", by)
    return weighting.suppress(table)


def periods_in(resp_or_analysis) -> list[str]:
    """Period labels in time order."""
    frame = resp_or_analysis.frame if isinstance(resp_or_analysis, Analysis) else resp_or_analysis
    order = frame.groupby("period", dropna=True)["period_start"].min().sort_values(na_position="first")
    return list(order.index)


def compare(analysis: Analysis, index: str, before: str, after: str) -> weighting.Change:
    """Whether ``index`` changed between two periods by more than its uncertainty (independent samples)."""
    frame = analysis.frame
    parts = [frame[frame["period"] == p] for p in (before, after)]
    a, b = (weighting.weighted_estimate(p[index].to_numpy(), p["weight"].to_numpy()) for p in parts)
    return weighting.change_test(a, b)


def reliability(analysis: Analysis) -> pd.DataFrame:
    """Cronbach's alpha per index, with the respondents who answered every item."""
    rows = [
        {
            "index": analysis.indexes[k],
            "cronbach_alpha": a,
            "complete_respondents": n,
            "reliable": bool(np.isfinite(a) and a >= MIN_ALPHA),
        }
        for k, (a, n) in analysis.alpha.items()
    ]
    return pd.DataFrame(rows)


# -- the whole chain, for other pages ------------------------------------------------------------


def _prepared(store, dataset: str) -> tuple[SurveyDefinition, pd.DataFrame, pd.DataFrame]:
    defn, _ = definition_for(store, dataset)
    return defn, respondents(store, defn), population(store, defn.margins)


def trend_with_uncertainty(store, dataset: str, index: str = "trust", by: str | None = None) -> pd.DataFrame:
    """Per period (and group of ``by``): weighted mean, 95% CI, n, effective n, status; suppressed blanked.

    Each period is weighted on its own. Example::

        trend_with_uncertainty(store, "Raleigh community survey 2018", "safety")
    """
    defn, resp, margins = _prepared(store, dataset)
    analysis = analyse(resp, defn, margins)
    keys = ["period"] + ([by] if by else [])
    table = estimates(analysis, index, keys)
    order = {p: i for i, p in enumerate(periods_in(analysis))}
    table = table.sort_values("period", key=lambda s: s.map(order)).reset_index(drop=True)
    table.insert(0, "index", analysis.indexes.get(index, index))
    table["weighting"] = analysis.method
    return table


def latest_by_area(store, dataset: str, index: str = "trust") -> pd.DataFrame:
    """The latest period's weighted ``index`` per area, with n, effective n, 95% CI and status."""
    defn, resp, margins = _prepared(store, dataset)
    last = periods_in(resp)[-1:]
    analysis = analyse(resp, defn, margins, periods=last)
    table = estimates(analysis, index, "area")
    table.insert(0, "period", last[0] if last else None)
    table["weighting"] = analysis.method
    return table
