"""Engagement: events held over time and by area, attendance and participation, coverage gaps."""

import datetime as dt

import pandas as pd
import plotly.express as px
import streamlit as st

from lib.app import cached, widgets
from lib.constants import CATEGORICAL_COLORS, PRIMARY_COLOR
from lib.engagement import events as engagement
from lib.maps import choropleth
from lib.store import provenance
from lib.store.text import html_text, markdown_text

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Community engagement")
key = cached.engagement_key()
meta = cached.engagement_meta(key)
if meta["datasets"].empty or not meta["levels"]:
    st.info(
        "No engagement events (or no boundary layers) are loaded yet: load an event calendar on the Data page, "
        "or record events in the Event log."
    )
    st.stop()

sets = meta["datasets"]
first, last = sets["first"].min().date(), sets["last"].max().date()
c1, c2, c3, c4 = st.columns([1, 1, 1, 2])
level = c1.selectbox(
    "Areas", meta["levels"], key="eng_level", bind="query-params", help="Boundary level; beats nest in districts."
)
start = c2.date_input("From", first.replace(day=1), min_value=dt.date(1900, 1, 1), key="eng_from", bind="query-params")
end = c3.date_input(
    "To (inclusive)",
    (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date(),
    min_value=dt.date(1900, 1, 1),
    key="eng_to",
    bind="query-params",
)
chosen = c4.multiselect(
    "Event sources",
    list(sets["dataset"]),
    default=list(sets["dataset"]),
    key="eng_sources",
    help="Calendars and the staff event log; events appearing in two extractions of one calendar are loaded once.",
)
if end < start:
    st.error("The period ends before it starts: pick a 'To' date after the 'From' date.")
    st.stop()
lo, hi = f"{start:%Y-%m-%d}", f"{end + dt.timedelta(days=1):%Y-%m-%d}"
span = f"{start:%b %-d, %Y} to {end:%b %-d, %Y}"
frame, link = cached.engagement_events(lo, hi, tuple(chosen), key)
names = cached.area_names(level, key)
n_areas = len(names)
source = provenance.sources_line(cached.store(), "events")

# Headline: events held, hours, areas reached, attendance. Cancelled calendar entries are not counted.
summary = engagement.attendance_summary(frame)
reached = link[(link["level"] == level) & link["event_id"].isin(engagement.held(frame)["event_id"])]["code"].nunique()
cols = st.columns(4)
cols[0].metric("Events held", f"{summary['events']:,}", border=True)
cols[1].metric(
    "Hours of engagement",
    f"{summary['hours']:,.0f}",
    border=True,
    help=f"Scheduled length of the {summary['with_hours']:,} events with a usable end time.",
)
cols[2].metric(
    f"{level.title()}s reached",
    f"{reached} of {n_areas}",
    border=True,
    help="Areas with at least one event held in the period.",
)
cols[3].metric(
    "Attendance" if summary["with_attendance"] else "Attendance (not recorded)",
    f"{summary['total']:,}" if summary["with_attendance"] else "–",
    border=True,
    help=f"Recorded for {summary['with_attendance']:,} of {summary['events']:,} events.",
)
st.caption(
    f"**Period:** {span}. {int(frame['cancelled'].sum()):,} cancelled calendar entries not counted. "
    f"Hours known for {summary['with_hours']:,} of {summary['events']:,} events. {source}"
)

VIEWS = ["Over time", "By area", "Attendance", "Coverage gaps", "Area by month"]
view = st.segmented_control("Show", VIEWS, default="Over time", key="eng_view", bind="query-params", required=True)

if view == "Over time":
    freq = st.radio("Time step", list(engagement.FREQS), index=1, horizontal=True, key="eng_step", bind="query-params")
    counts = engagement.over_time(frame, freq, top=len(CATEGORICAL_COLORS) - 1)
    counts["type"] = counts["type"].map(html_text)  # a type from the calendar: plotly reads labels as HTML
    fig = px.bar(
        counts,
        x="period",
        y="events",
        color="type",
        color_discrete_sequence=CATEGORICAL_COLORS,
        labels={"period": freq.title(), "events": f"Events held per {freq}", "type": "Type"},
    )
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.2))
    st.plotly_chart(fig, config={"displaylogo": False})
    st.caption(f"Events held per {freq} by type, {span}; the first and last {freq} may be partial. {source}")
    cover = engagement.coverage(frame, link, level, list(names["code"]), lo, hi, "quarter")
    fig2 = px.line(
        cover,
        x="period",
        y="share",
        markers=True,
        color_discrete_sequence=[PRIMARY_COLOR],
        labels={"period": "Quarter", "share": f"Share of {level}s with an event"},
    )
    fig2.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), yaxis_tickformat=".0%", yaxis_range=[0, 1])
    st.plotly_chart(fig2, config={"displaylogo": False})
    st.caption(
        f"Coverage: share of the {n_areas} {level}s with at least one event held, per quarter. "
        "A drop can mean the calendar lists fewer areas, not that fewer meetings took place: "
        "compare the sources' spans below."
    )
    with st.expander("Tables behind the charts"):
        full = engagement.over_time(frame, freq)
        widgets.table_with_download(
            full.assign(period=full["period"].dt.strftime("%Y-%m-%d")), f"events per {freq} by type"
        )
        widgets.table_with_download(
            cover.assign(period=cover["period"].dt.strftime("%Y-%m-%d")), f"{level} coverage per quarter"
        )
        st.dataframe(sets, hide_index=True)

elif view == "By area":
    table = engagement.by_area(frame, link, level, names)
    parent, inside = engagement.nesting(cached.store(), level)
    if parent:
        options = ["all"] + sorted(inside["parent_code"].unique(), key=lambda c: (len(c), c))
        within = st.selectbox(f"Within {parent}", options, key="eng_within", bind="query-params")
        if within != "all":
            table = table[table[level].isin(inside[inside["parent_code"] == within]["code"])]
    shown = table.rename(columns={level: "area"})
    fig = choropleth.area_figure(cached.store(), level, shown, "events", "Events held", hover=["hours", "main types"])
    st.plotly_chart(fig, config={"displaylogo": False, "scrollZoom": False}, key=f"eng_map_{level}")
    st.caption(
        f"Events held per {level}, {span}; an event naming several {level}s counts in each. Grey: no value. {source}"
    )
    listed = table.assign(first=table["first"].dt.strftime("%Y-%m-%d"), last=table["last"].dt.strftime("%Y-%m-%d"))
    if not summary["with_attendance"]:
        listed = listed.drop(columns="attendance")
    widgets.table_with_download(listed, f"events by {level}")
    if len(table) <= 60:
        grid = engagement.area_period(frame, link, level, list(table[level]), lo, hi, "quarter")
        heat = grid.pivot(index="area", columns="period", values="events")
        heat.index = heat.index.map(html_text)  # area codes from the boundary file: plotly reads labels as HTML
        fig = px.imshow(
            heat,
            aspect="auto",
            color_continuous_scale="Blues",
            labels={"x": "Quarter", "y": level.title(), "color": "Events"},
        )
        fig.update_layout(height=max(300, 18 * len(heat)), margin=dict(l=10, r=10, t=10, b=10))
        st.plotly_chart(fig, config={"displaylogo": False})
        st.caption(f"Events held per {level} and quarter, {span}.")

elif view == "Attendance":
    if not summary["with_attendance"]:
        st.info(
            f"Attendance is not recorded for these events ({', '.join(chosen)}). What can be measured is shown "
            f"above: events held, their hours and how many {level}s they reached. Record attendance in the "
            "Event log (a head count or a sign-in sheet) to see reach and repeat participation."
        )
    else:
        st.write(
            f"Attendance recorded for **{summary['with_attendance']:,} of {summary['events']:,}** events "
            f"({summary['share_recorded']:.0%}): **{summary['total']:,}** attendances, a median of "
            f"{summary['median']:.0f} per event ({span})."
        )
        by_type = (
            engagement.held(frame)
            .dropna(subset=["attendance"])
            .groupby("type")["attendance"]
            .agg(events="size", attendance="sum", median="median")
            .reset_index()
        )
        widgets.table_with_download(by_type, "attendance by type")
    people = cached.participation_data(tuple(chosen), key)
    people = people[(people["starts_at"] >= pd.Timestamp(lo)) & (people["starts_at"] < pd.Timestamp(hi))]
    if people.empty:
        st.caption(
            "No sign-in sheets with attendee ids in this period: unique participants, repeat rate and "
            "retention need them (Event log, 'Sign-in sheet')."
        )
    else:
        report = engagement.participation_report(cached.store(), people, link, level)
        stats = report["summary"]
        m = st.columns(3)
        m[0].metric("Unique participants", f"{stats['participants']:,}", border=True)
        m[1].metric(
            "Repeat rate",
            f"{stats['repeat_rate']:.0%}",
            border=True,
            help="Share of participants who came to two or more events.",
        )
        m[2].metric("Events per participant", f"{stats['events_per_participant']:.2f}", border=True)
        st.caption(f"From {len(people):,} sign-ins with hashed attendee ids, {span}.")
        widgets.table_with_download(
            report["retention"],
            "retention between quarters",
            "Of the people who came in a quarter, the share who came again the next.",
        )
        widgets.table_with_download(
            report["reach"],
            f"reach per {level}",
            "Unique participants at events held in the area per 1,000 residents (blank where no population is loaded).",
        )
        for dim, table, d, note in report["representativeness"]:
            st.markdown(
                f"**Representativeness by {markdown_text(dim)}**"
                + (f": dissimilarity D = {d:.2f}" if d is not None else "")
            )
            if table.empty:
                st.caption(note)
            else:
                widgets.table_with_download(
                    table,
                    f"representativeness by {dim}",
                    (note + " " if note else "") + "Ratio: share of participants over "
                    "share of residents (1 = in proportion).",
                )

elif view == "Coverage gaps":
    dataset = widgets.dataset_picker()
    gaps = cached.coverage_gaps(level, lo, hi, dataset or "", tuple(chosen), key)
    fig = choropleth.area_figure(
        cached.store(), level, gaps, "gap", "Gap", hover=["events", "incidents", "trust"], diverging=True
    )
    st.plotly_chart(fig, config={"displaylogo": False, "scrollZoom": False}, key=f"eng_gap_map_{level}")
    st.caption(
        f"Gap = need rank (incidents{', low trust' if 'trust' in gaps else ''}) minus the rank of events "
        f"held, among the {n_areas} {level}s; vermilion = more need than engagement. {span}."
    )
    widgets.table_with_download(
        gaps,
        f"coverage gaps by {level}",
        f"Ranked, largest gap first. Incidents: {dataset}. Trust: mean of the monthly "
        f"scores from {gaps.attrs.get('trust_period', 'the period')}, where published at this "
        "level (0-100, not a percentage). " + provenance.sources_line(cached.store(), "incidents", dataset),
    )

else:
    dataset = widgets.dataset_picker()
    joined = cached.area_month(level, lo, hi, dataset or "", tuple(chosen), key)
    st.write(
        f"Events held, incidents ({dataset}) and trust and safety scores where loaded, per {level} and month, "
        f"{span}: {len(joined):,} rows."
    )
    widgets.table_with_download(
        joined.assign(month=joined["month"].dt.strftime("%Y-%m")),
        f"{level} by month",
        "Scores are monthly means on 0-100 (65 = an average answer of 6.5 out of 10). "
        + provenance.sources_line(cached.store(), "incidents", dataset)
        + " "
        + provenance.sources_line(cached.store(), "scores"),
    )
