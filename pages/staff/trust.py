"""Trust & Safety: residents' trust in police and feeling of safety, with their uncertainty."""

import pandas as pd
import streamlit as st

from lib.app import cached, widgets
from lib.constants import MIN_ALPHA, SYNTHETIC_LABEL
from lib.store import provenance
from lib.store.text import markdown_text
from lib.trust import charts as trust_charts
from lib.trust import scores
from lib.trust import survey_definition as sd
from lib.trust import survey_results as sr

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Trust & Safety")
version = cached.version()
surveys, published = cached.survey_datasets(version), cached.score_datasets(version)
sources = (["survey"] if len(surveys) else []) + (["scores"] if published else [])
if not sources:
    st.info(
        "No survey responses or published scores are loaded. Load them on the Data page (kinds `survey`, `scores`)."
    )
    st.stop()
names = {"survey": "Resident survey (respondent level)", "scores": "Published scores"}
# Open on the source that belongs with the rest of the dashboard: published scores whose areas are a loaded
# boundary layer (the department's own map), else the survey.
mapped = any(
    cached.score_map_level(d, lvl, version)
    for d in published
    for lvl in dict.fromkeys(cached.score_levels(d, version)["level"])
)
if mapped and sources[0] != "scores":
    sources.reverse()
source = widgets.linked_choice("Source", sources, "source", "trust_source", names.get, st.radio, horizontal=True)


def score_view() -> None:
    dataset = widgets.linked_choice("Scores", published, "scores", "trust_scores_dataset")
    st.info(f"{scores.CAVEAT} {scores.NO_N}", icon=":material/info:")
    catalog = cached.score_catalog(dataset, version)
    bases = [b for b in catalog[catalog["dimension"].isna()]["measure"]]
    lv = cached.score_levels(dataset, version)
    c1, c2, c3 = st.columns(3)
    with c1:
        base = widgets.linked_choice("Measure", bases, "measure", "trust_measure", lambda b: scores.LABELS.get(b, b))
    with c2:
        level = widgets.linked_choice("Areas", list(dict.fromkeys(lv["level"])), "level", "trust_level")
    with c3:
        cadence = widgets.linked_choice(
            "Series",
            list(lv[lv["level"] == level]["cadence"]),
            "cadence",
            "trust_cadence",
            help="Weekly and monthly scores are separate series.",
        )
    data = cached.score_series(dataset, base, level, cadence, None, version)
    codes = [c for c in scores.areas(cached.store(), dataset, level) if c in set(data["area"])]
    chosen = st.multiselect(
        "Show", codes, default=codes if len(codes) <= 6 else codes[:3], key="trust_areas", **widgets.AREA_PICKING
    )
    shown = data[data["area"].isin(chosen)]
    span = f"{shown['period_start'].min():%B %Y} to {shown['period_end'].max():%B %Y}" if len(shown) else ""
    label = scores.LABELS.get(base, base)
    st.subheader(f"{label} score, {cadence}, by {level}")
    widgets.chart_with_table(
        trust_charts.trend(shown, "period_start", "value", group="area"),
        shown,
        f"{label} {cadence} by {level}",
        f"{cadence.title()} published scores, {span}; respondents per score not published. "
        + scores.sources(cached.store(), dataset),
        "scores_trend",
    )
    dims = [d for d in catalog[catalog["base"] == base]["dimension"].dropna().unique()]
    if dims:
        st.subheader("By group")
        c1, c2 = st.columns(2)
        dim = c1.selectbox("Group", dims, key="trust_dimension", format_func=str.title)
        area = c2.selectbox("Area", codes, key="trust_dimension_area")
        groups = cached.score_series(dataset, base, level, cadence, dim, version)
        groups = groups[groups["area"] == area]
        widgets.chart_with_table(
            trust_charts.trend(groups, "period_start", "value", group="category"),
            groups,
            f"{label} by {dim} in {area}",
            f"{label} by {dim}, {level} {area}, {cadence}, as published (the publisher "
            "does not define the low/medium/high bands).",
            "scores_groups",
        )
    map_view(dataset, base, label, lv)


def map_view(dataset: str, base: str, label: str, lv: pd.DataFrame) -> None:
    mappable = [
        lvl
        for lvl in dict.fromkeys(lv[lv["cadence"] == "monthly"]["level"])
        if cached.score_map_level(dataset, lvl, version)
    ]
    if not mappable:
        return
    level = "district" if "district" in mappable else mappable[0]
    st.subheader(f"Map by {level}")
    data = cached.score_series(dataset, base, level, "monthly", None, version)
    months = sorted(data["period_start"].unique())
    mode = st.radio("Show", ["Score in a month", "Change between two months"], horizontal=True, key="trust_map_mode")
    fmt = lambda m: f"{pd.Timestamp(m):%b %Y}"  # noqa: E731
    geo = cached.boundary_geojson(cached.score_map_level(dataset, level, version), version)
    if mode == "Score in a month":
        month = st.select_slider("Month", months, value=months[-1], format_func=fmt, key="trust_map_month")
        table = data[data["period_start"] == month][["area", "period_start", "period_end", "value"]]
        fig = trust_charts.choropleth(geo, table, "area", "value", "Score")
        note = f"{label}, {fmt(month)}, published score per {level}."
    else:
        start, end = st.select_slider(
            "From / to",
            months,
            value=(months[-13] if len(months) > 12 else months[0], months[-1]),
            format_func=fmt,
            key="trust_map_span",
        )
        table = scores.change_by_area(cached.store(), dataset, base, level, start, end)
        fig = trust_charts.choropleth(geo, table, "area", "change", "Change (points)", diverging=True)
        note = f"{label}: change in points from {fmt(start)} to {fmt(end)}, published scores per {level}."
    widgets.chart_with_table(
        fig,
        table,
        f"{label} map {level}",
        note + " Respondents per score not published. " + scores.sources(cached.store(), dataset),
        "scores_map",
    )


def survey_view() -> None:
    dataset = widgets.linked_choice("Survey", list(surveys["dataset"]), "survey", "trust_survey")
    if st.session_state.get("trust_def_dataset") != dataset:
        for key in [k for k in st.session_state if str(k).startswith("trust_def_")]:
            del st.session_state[key]
        st.session_state["trust_def_dataset"] = dataset
    loads = cached.loads(version)
    if loads[(loads["kind"] == "survey") & (loads["dataset"] == dataset)]["synthetic"].any():
        st.warning(f"{SYNTHETIC_LABEL}: these responses were generated for testing, not given by residents.")
    saved_json, saved_at = cached.survey_definition(dataset, version, cached.documents_stamp())
    columns, area_options = cached.survey_columns(dataset, version)
    # Results first: the definition (suggested until an analyst saves it) is folded away under its own heading.
    st.caption(
        f"Read with the survey definition saved {saved_at:%Y-%m-%d %H:%M}."
        if saved_at is not None
        else "Read with the suggested survey definition (not yet saved): an analyst checks and saves it below."
    )
    definition = st.expander("Survey definition: which questions, how answers are coded, who answered")
    with definition:
        defn = sd.SurveyDefinition.from_json(saved_json)
        st.caption(
            f"Saved {saved_at:%Y-%m-%d %H:%M}."
            if saved_at is not None
            else "Suggested from the questions' wording and the answers; check it and save it."
        )
        for note in defn.notes:
            st.caption(f"- {note}")
        defn = widgets.survey_definition_editor(defn, columns, area_options, cached.population_datasets(version))
        problems = sd.problems(defn, columns)
        for problem in problems:
            st.error(problem)
        if (
            st.button(
                "Save definition",
                type="primary",
                key="trust_def_save",
                disabled=bool(problems) or not widgets.may_save(),
                help=widgets.SAVE_HELP,
            )
            and widgets.may_save()
        ):
            sd.save(cached.store(), defn, columns)
            st.success("Saved with the data: every user now reads this survey this way.")
            st.rerun()
    if problems:
        st.error("The survey definition cannot be read as it stands: open **Survey definition** above to fix it.")
        st.stop()
    resp = cached.survey_respondents(defn.to_json(), version)
    c1, c2, c3 = st.columns(3)
    waves = sr.periods_in(resp)
    periods = c1.multiselect("Waves", waves, default=waves, key="trust_periods")
    areas = c2.multiselect(
        "Areas",
        sorted(resp["area"].dropna().unique()),
        key="trust_survey_areas",
        placeholder="All areas",
        **widgets.AREA_PICKING,
    )
    if not periods:
        st.info("Choose at least one wave.")
        st.stop()
    indexes = [k for k, spec in defn.indexes.items() if spec.items]
    with c3:
        index = widgets.linked_choice("Index", indexes, "index", "trust_index", lambda k: defn.indexes[k].label)
    analysis = cached.survey_analysis(defn.to_json(), tuple(periods), tuple(areas), version)
    (st.success if analysis.method != "unweighted" else st.warning)(analysis.reason)
    for note in analysis.notes:
        st.caption(f"- {note}")
    source = provenance.sources_line(cached.store(), "survey", dataset)
    label = defn.indexes[index].label
    last = [p for p in waves if p in periods][-1]
    headline(analysis, [p for p in waves if p in periods], source)
    latest = sr.Analysis(
        analysis.frame[analysis.frame["period"] == last], analysis.indexes, analysis.method, analysis.reason
    )
    # Areas have their own section below (a map, or ranked where no boundary layer has their codes).
    groups = [g for g in sr.GROUP_LABELS if g != "area" and g in analysis.frame and analysis.frame[g].notna().any()]
    if groups:
        st.subheader(f"{label} by group, {last}")
        by = widgets.linked_choice("Group", groups, "by", "trust_by", sr.GROUP_LABELS.get)
        table = sr.estimates(latest, index, by)
        widgets.chart_with_table(
            trust_charts.ranked_estimates(table, by, "mean", "lo", "hi", "status"),
            table,
            f"{label} by {by}",
            f"{label} (0-100), {last}, by {sr.GROUP_LABELS[by].lower()}: mean (dot) and "
            "95% interval (line); effective n under 30 not shown, 30-59 hollow (unstable). "
            f"{analysis.method.title()}; n and effective n in the table. {source}",
            "survey_groups",
        )
    trend_view(analysis, index, label, [p for p in waves if p in periods], source)
    area_map(latest, index, label, last, defn, source)


def headline(analysis: sr.Analysis, periods: list[str], source: str) -> None:
    last = periods[-1] if periods else None
    frame = analysis.frame[analysis.frame["period"] == last]
    now = sr.Analysis(frame, analysis.indexes, analysis.method, analysis.reason)
    for col, (name, text) in zip(st.columns(len(analysis.indexes)), analysis.indexes.items()):
        e = sr.estimates(now, name).iloc[0]
        alpha, n_alpha = analysis.alpha[name]
        value = "suppressed" if pd.isna(e["mean"]) else f"{e['mean']:.1f} / 100"
        col.metric(f"{text}, {last}", value, border=True)
        col.caption(
            f"95% CI {e['lo']:.1f} to {e['hi']:.1f}; n = {e['n']:,}, effective n = {e['n_eff']:,.0f}, "
            f"design effect {e['deff']:.2f}. {e['note']}"
        )
        col.caption(
            f"Cronbach's alpha {alpha:.2f} ({n_alpha:,} complete answers)"
            + ("" if alpha >= MIN_ALPHA else f": under {MIN_ALPHA}, the items may not measure one thing.")
        )
    st.caption(
        "Index: each respondent's mean answer rescaled to 0-100 (50 = the middle of the scale, not 50%); "
        f"at least half the items answered. {source}"
    )


def trend_view(analysis: sr.Analysis, index: str, label: str, periods: list[str], source: str) -> None:
    st.subheader(f"{label} over time")
    if len(periods) < 2:
        st.info(
            f"One wave ({', '.join(periods) or 'none chosen'}): a trend needs two or more. Surveys with "
            "response dates, or a wave column, show one point per wave."
        )
        return
    table = sr.estimates(analysis, index, "period")
    table = table.set_index("period").loc[periods].reset_index()
    fig = trust_charts.trend(table, "period", "mean", lo="lo", hi="hi", flag="status", y_title=f"{label} (0-100)")
    caption = (
        f"Mean and 95% band per wave ({periods[0]} to {periods[-1]}); {analysis.method}, each wave on its "
        f"own; hollow points: effective n 30-59; n per wave in the table. {source}"
    )
    widgets.chart_with_table(fig, table, f"{label} by wave", caption, "survey_trend")
    c1, c2 = st.columns(2)
    before = c1.selectbox("Compare", periods, index=len(periods) - 2, key="trust_before")
    after = c2.selectbox("with", periods, index=len(periods) - 1, key="trust_after")
    change = sr.compare(analysis, index, before, after)
    if not change.testable:
        st.warning(f"No test: {change.reason}.")
    else:
        verdict = "larger than its uncertainty" if change.significant else "within its uncertainty (could be noise)"
        st.markdown(
            f"**{markdown_text(before)} → {markdown_text(after)}: {change.difference:+.1f} points** (95% CI {change.lo:+.1f} to "
            f"{change.hi:+.1f}, z = {change.z:.2f}): {verdict}."
        )


def area_map(latest: sr.Analysis, index: str, label: str, period: str, defn, source: str) -> None:
    st.subheader(f"{label} by area, {period}")
    table = sr.estimates(latest, index, "area")
    level = cached.score_map_level_codes(tuple(table["area"].astype(str)), version)
    caption = f"{label}, {period}; areas with effective n under 30 left out. {source}"
    if level:
        fig = trust_charts.choropleth(
            cached.boundary_geojson(level, version), table.dropna(subset=["mean"]), "area", "mean", "Index"
        )
    else:
        st.caption(
            f"No loaded boundary layer has these area codes ({', '.join(map(str, table['area'][:8]))}), "
            "so the areas are ranked instead of mapped. Load the matching boundaries on the Data page to map them."
        )
        fig = trust_charts.ranked_estimates(table, "area", "mean", "lo", "hi", "status")
    widgets.chart_with_table(fig, table, f"{label} by area map", caption, "survey_map")


if source == "scores":
    score_view()
else:
    survey_view()
