"""Programme impact: difference-in-differences, WDD and interrupted time series for a programme's areas."""

import datetime as dt

import pandas as pd
import streamlit as st

from lib.app import cached, widgets
from lib.engagement import events as engagement
from lib.engagement import impact_charts
from lib.stats import impact
from lib.store import provenance

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Did a programme go with change?")
st.caption(
    "Compare the areas where a programme ran with similar areas where it did not, before and after it "
    "started. Every estimate comes with its 95% interval. " + impact.CAVEAT
)
key = cached.engagement_key()
meta = cached.engagement_meta(key)
store = cached.store()
if not meta["levels"]:
    st.info("Load boundary layers first (Data page): the designs compare areas.")
    st.stop()
dataset = widgets.dataset_picker()

c1, c2, c3 = st.columns(3)
level = c1.selectbox("Areas", meta["levels"], key="imp_level", bind="query-params")
outcomes = (["incidents"] if dataset else []) + engagement.score_measures(store, level)
if not outcomes:
    st.info("No incidents and no trust or safety scores at this level: nothing to measure.")
    st.stop()
outcome = c2.selectbox(
    "Outcome",
    outcomes,
    key="imp_outcome",
    bind="query-params",
    format_func=lambda o: f"Incidents ({dataset})" if o == "incidents" else f"{o.title()} score",
)
kind = c3.radio("Programme", ["Event type", "Named intervention"], horizontal=True, key="imp_kind", bind="query-params")
names = cached.area_names(level, key)
saved = [p for p in impact.programmes(store) if p["level"] == level]
if kind == "Event type":
    frame, link = cached.engagement_events("1900-01-01", "2200-01-01", (), key)
    kinds = impact.programme_types(frame, link, level, len(names))
    etype = st.selectbox(
        "Event type",
        list(kinds["type"]),
        key="imp_type",
        bind="query-params",
        help=f"Types held in at most half of the {level}s come first: they leave areas to compare with.",
    )
    where = impact.type_programme(frame, link, level, etype)
    default_areas = list(where["area"].head(10))
    default_start = where["first"].min() if not where.empty else pd.Timestamp.today()
    st.caption(
        f"{etype} was held in {len(where)} {level}s; the 10 with the most events are preselected. A calendar "
        "that begins after the programme did shows its first listing, not its real start."
    )
    label = etype
else:
    options = ["(new)"] + [p["name"] for p in saved]
    pick = st.selectbox("Programme", options, key="imp_named", bind="query-params")
    chosen = next((p for p in saved if p["name"] == pick), None)
    label = st.text_input("Name", chosen["name"] if chosen else "", key=f"imp_name_{pick}")
    default_areas = chosen["areas"] if chosen else []
    default_start = pd.Timestamp(chosen["start"]) if chosen else pd.Timestamp.today()
if st.query_params.get("imp_for") == label and "imp_areas" in st.query_params:  # a shared link reopens its view
    default_areas = st.query_params["imp_areas"].split(",")
    default_start = pd.Timestamp(st.query_params.get("imp_start", default_start))
c1, c2 = st.columns([3, 1])
treated = c1.multiselect(
    f"Treated {level}s",
    list(names["code"]),
    default=[a for a in default_areas if a in set(names["code"])],
    key=f"imp_treated_{level}_{label}",
    **widgets.AREA_PICKING,
)
start = c2.date_input(
    "Start",
    pd.Timestamp(default_start).to_period("M").start_time.date(),
    min_value=dt.date(1900, 1, 1),
    key=f"imp_start_{label}",
)
start = pd.Timestamp(start).to_period("M").start_time
st.query_params.update({"imp_for": label, "imp_areas": ",".join(treated), "imp_start": f"{start:%Y-%m-%d}"})
if (
    kind == "Named intervention"
    and st.button("Save programme", key="imp_save", disabled=not widgets.may_save(), help=widgets.SAVE_HELP)
    and widgets.may_save()
):
    try:
        impact.save_programme(store, label, level, start, treated)
        st.success(f"Saved '{label}'.")
    except impact.ImpactError as exc:
        st.error(str(exc))
c1, c2, c3, c4 = st.columns(4)
before = c1.number_input("Months before", 6, 120, 24, key="imp_before", bind="query-params")
after = c2.number_input("Months after", 3, 60, 12, key="imp_after", bind="query-params")
how = c3.radio(
    "Comparison areas",
    ["Suggested", "Chosen"],
    key="imp_how",
    bind="query-params",
    help="Suggested: the areas whose course before the start was closest to the treated areas'.",
)
lo, hi = start - pd.DateOffset(months=int(before)), start + pd.DateOffset(months=int(after))
panel = cached.impact_panel(level, outcome, dataset or "", f"{lo:%Y-%m-%d}", f"{hi:%Y-%m-%d}", key)
if not treated:
    st.info(f"Choose the treated {level}s.")
    st.stop()
buffer = cached.neighbours(level, tuple(treated), key)
if how == "Suggested":
    k = c4.number_input("How many", 1, 50, 10, key="imp_k", bind="query-params")
    keep_out = c4.checkbox(
        "Leave out neighbours",
        True,
        key="imp_noneighbours",
        help="Neighbouring areas may receive displaced crime or the programme's spill-over.",
    )
    suggestion = impact.suggest_comparisons(
        panel,
        treated,
        start,
        int(k),
        exclude=buffer if keep_out else None,
        min_mean=1.0 if outcome == "incidents" else 0.0,
    )
    comparison = list(suggestion["area"])
    with st.expander(f"Suggested comparison {level}s ({len(comparison)})"):
        widgets.table_with_download(
            suggestion.round(3),
            f"suggested comparison {level}s",
            "distance: difference in the course before the start (log scale, smoothed); "
            "level_ratio: their average level against the treated areas'.",
        )
else:
    comparison = st.multiselect(
        f"Comparison {level}s",
        [c for c in names["code"] if c not in treated],
        key=f"imp_comparison_{level}",
        **widgets.AREA_PICKING,
    )
ylabel = "Incidents per area and month" if outcome == "incidents" else f"{outcome.title()} score (0-100)"
what = f"Incidents ({dataset})" if outcome == "incidents" else f"{outcome.title()} score"
window = f"{lo:%B %Y} to {hi - pd.Timedelta(days=1):%B %Y}, start {start:%B %Y}"

st.header("Difference-in-differences")
result = cached.did(
    level,
    outcome,
    dataset or "",
    f"{lo:%Y-%m-%d}",
    f"{hi:%Y-%m-%d}",
    tuple(treated),
    tuple(comparison),
    f"{start:%Y-%m-%d}",
    what,
    key,
)
if isinstance(result, str):
    st.warning(f"No estimate: {result}")
else:
    shown = f"{result.estimate * 100:+.0f}%" if result.scale == "percent" else f"{result.estimate:+.1f} points"
    interval = (
        f"95% CI {result.low * 100:+.0f}% to {result.high * 100:+.0f}%"
        if result.scale == "percent"
        else f"95% CI {result.low:+.1f} to {result.high:+.1f}"
    )
    st.metric(
        f"{what}: treated relative to comparison", shown, interval, delta_color="off", delta_arrow="off", border=True
    )
    st.markdown(f"**{result.sentence}** {impact.CAVEAT}")
    for note in result.notes:
        st.warning(note)
    widgets.table_with_download(
        result.table,
        "difference in differences by group",
        f"{len(treated)} treated and {len(comparison)} comparison {level}s; {window}. "
        "Poisson model with area and month effects, errors clustered by area.",
    )
table = impact_charts.groups_table(panel, treated, comparison)
if not table.empty:
    st.plotly_chart(impact_charts.groups_figure(table, start, ylabel), config={"displaylogo": False})
    with st.expander("Table behind the chart"):
        widgets.table_with_download(
            table.assign(month=table["month"].dt.strftime("%Y-%m")), "treated and comparison by month"
        )

if outcome == "incidents":
    st.header("Weighted displacement difference")
    months_each = min(int(before), int(after), 12)
    try:
        wdd, groups = impact.wdd_design(store, panel, level, treated, comparison, start, months_each, what)
        st.markdown(f"**{wdd.sentence}**")
        widgets.table_with_download(
            wdd.table,
            "weighted displacement difference",
            f"{months_each} months before and after {start:%B %Y}. Buffer: the "
            f"{len(groups['buffer'])} {level}s touching the treated ones; its control: the "
            f"{len(groups['buffer control'])} touching the comparison areas. Weights put each "
            "control on its counterpart's number of areas (Wheeler & Ratcliffe 2018).",
        )
        for note in wdd.notes:
            st.caption(note)
    except impact.ImpactError as exc:
        st.warning(f"No WDD: {exc}")

st.header("Interrupted time series")
series = (
    panel[panel["area"].isin(treated)]
    .groupby("month", as_index=False)["y"]
    .agg("sum" if outcome == "incidents" else "mean")
)
try:
    its = impact.its(series, start, what, counts=outcome == "incidents")
    st.markdown(f"**{its.level.sentence}** {its.slope.sentence}")
    for note in its.notes:
        st.caption(note)
    st.plotly_chart(
        impact_charts.its_figure(its.series, start, ylabel.replace("per area and", "per")),
        config={"displaylogo": False},
    )
    with st.expander("Table behind the chart"):
        widgets.table_with_download(
            its.series.assign(month=its.series["month"].dt.strftime("%Y-%m")).round(2), "interrupted time series"
        )
except impact.ImpactError as exc:
    st.warning(f"No interrupted time series: {exc}")
st.caption(
    f"Treated {level}s: {', '.join(treated)}. {window}. "
    + (
        provenance.sources_line(store, "incidents", dataset)
        if outcome == "incidents"
        else provenance.sources_line(store, "scores")
    )
)
