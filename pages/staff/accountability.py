"""Accountability (staff): complaints received and closed, findings, time to close, backlog, rates, awards."""

import datetime as dt

import pandas as pd
import streamlit as st

from lib.accountability import charts, findings, measures
from lib.app import cached, widgets
from lib.store.text import markdown_text

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Accountability")
version = cached.version()
meta = cached.accountability_meta(version)
if not meta["complaints"]:
    st.info(
        "No complaints are loaded. Load a complaints file (and its allegations) on the Data page "
        "(kinds `complaints`, `allegations`, `commendations`)."
    )
    st.stop()
st.caption("Counts only: no officer's or complainant's name or number is stored or shown. " + measures.CAUSE_CAVEAT)

c1, c2, c3, c4, c5 = st.columns([2, 1, 1, 1, 2])
dataset = widgets.linked_choice("Complaints", meta["complaints"], "complaints", "acc_dataset", widget=c1.selectbox)
levels = meta["levels"] or [None]
level = widgets.linked_choice(
    "Areas", levels, "level", "acc_level", widget=c2.selectbox, format_func=lambda v: v or "none loaded"
)
first, last = meta["spans"][dataset]
start = pd.Timestamp(
    c3.date_input("From", first.date(), min_value=dt.date(1900, 1, 1), key="acc_from", bind="query-params")
)
known = max(last, meta["as_of"][dataset])  # the last receipt or close the data knows
end = pd.Timestamp(
    c4.date_input("To (inclusive)", known.date(), min_value=dt.date(1900, 1, 1), key="acc_to", bind="query-params")
)
awards_sets = [None, *meta["awards"]]
awards_set = widgets.linked_choice(
    "Awards",
    awards_sets,
    "awards",
    "acc_awards",
    widget=c5.selectbox,
    format_func=lambda v: v or "none",
    index=1 if len(awards_sets) > 1 else 0,
)
frames = cached.accountability_frames(dataset, level, awards_set, version)
every = frames["complaints"]
categories = ["All", *measures.top(every["category"], 12, "Other").value_counts().index.drop("Other", errors="ignore")]
category = widgets.linked_choice("Category", categories, "category", "acc_category", format_func=markdown_text)
complaints = every if category == "All" else every[every["category"] == category]
allegations = frames["allegations"]
if category != "All":
    allegations = allegations[allegations["complaint_id"].isin(complaints["complaint_id"])]
received = measures.received_in(complaints, start, end)
decided_in = measures.received_in(allegations.dropna(subset=["received_at"]), start, end)
period = f"complaints received {start:%Y-%m-%d} to {end:%Y-%m-%d}"
sources = cached.accountability_sources("complaints", dataset, version)

share = findings.sustained_share(decided_in).iloc[0]
closing = measures.time_to_close(received).iloc[0]
as_of = min(meta["as_of"][dataset], end)
backlog = measures.backlog(complaints, as_of)
m = st.columns(5)
m[0].metric("Received", f"{len(received):,}", border=True)
m[1].metric("Closed of those", f"{int(closing['closed']):,}", border=True)
m[2].metric(f"Open on {as_of:%Y-%m-%d}", f"{int(backlog['open'].sum()):,}", border=True)
m[3].metric(
    "Sustained",
    "n/a" if pd.isna(share["share"]) else f"{share['share']:.1%}",
    help=f"Allegations sustained: {share['sustained']:,} of {share['decided']:,} with a final finding; 95% Wilson interval "
    + ("" if pd.isna(share["low"]) else f"{share['low']:.1%} to {share['high']:.1%}."),
    border=True,
)
m[4].metric(
    "Days to close",
    "n/a" if pd.isna(closing["median_days"]) else f"{closing['median_days']:.0f} / {closing['p90_days']:.0f}",
    help="Median / 90th percentile of days from receipt to close.",
    border=True,
)
st.caption(f"{period.capitalize()}; {markdown_text(sources)}")

st.subheader("Received and closed per month")
split = widgets.linked_choice(
    "Split by", ["none", "category", "area"], "split", "acc_split", widget=st.radio, horizontal=True
)
view = complaints.assign(category=measures.top(complaints["category"], 6))
by = None if split == "none" or (split == "area" and level is None) else split
months = measures.monthly(view, start, end, by)
long = months.melt(id_vars=["month", *([by] if by else [])], var_name="what", value_name="complaints")
if by == "area":
    long = long[long["area"].isin(months.groupby("area")["received"].sum().nlargest(8).index)]
shown = long[long["what"] == "received"] if by else long
widgets.chart_with_table(
    charts.lines(shown, "month", "complaints", by or "what", "Complaints per month"),
    months.assign(month=months["month"].dt.strftime("%Y-%m")),
    "complaints received and closed per month",
    f"Complaints received (and, in the table, closed) per month, {start:%Y-%m} to {end:%Y-%m}"
    + ("; the 8 areas with most complaints drawn" if by == "area" else "")
    + ". The last month may be partial.",
    "acc_monthly",
)

st.subheader("Findings")
by_category = findings.sustained_share(
    decided_in.assign(category=measures.top(decided_in["category"], 10)), ["category"]
)
widgets.chart_with_table(
    charts.shares(by_category, "category"),
    by_category,
    "share sustained by category",
    "Share of allegations with a final finding that were sustained, with a 95% Wilson interval; "
    f"allegations of {period}.",
    "acc_sustained",
)
with st.expander("Table: final findings"):
    widgets.table_with_download(findings.outcomes(decided_in), "final findings")

st.subheader("Time to close and the open backlog")
t1, t2 = st.columns(2)
with t1:
    group = "area" if level else "category"
    ttc = measures.time_to_close(received.assign(category=measures.top(received["category"], 10)), group)
    widgets.table_with_download(ttc, f"time to close by {group}", f"Days from receipt to close, {period}.")
with t2:
    widgets.chart_with_table(
        charts.bars(backlog, "age", "open", "Open complaints"),
        backlog,
        "open complaints by age",
        f"Complaints open on {as_of:%Y-%m-%d} (the last date the data knows of), by days since receipt.",
        "acc_backlog",
    )

if level:
    st.subheader(f"Complaints per 1,000 residents and per 1,000 incidents, by {level}")
    spans = meta["incident_spans"]
    incident_sets = list(spans["dataset"]) if len(spans) else []
    meets = [
        d
        for d, lo, hi in spans[["dataset", "first", "last"]].itertuples(index=False)
        if measures.overlap((start, end), (pd.Timestamp(lo), pd.Timestamp(hi)))
    ]
    chosen = widgets.linked_choice(
        "Incidents",
        [None, *incident_sets],
        "incidents",
        "acc_incidents",
        format_func=lambda v: v or "none",
        index=1 + incident_sets.index(meets[0]) if meets else 0,
    )
    incidents, note = None, "No incident dataset chosen."
    window = (start, end)
    if chosen:
        row = spans[spans["dataset"] == chosen].iloc[0]
        window = measures.overlap((start, end), (pd.Timestamp(row["first"]), pd.Timestamp(row["last"])))
        if window is None:
            note = f"{markdown_text(chosen)} does not overlap the chosen period: no rate per incident."
        else:
            got = cached.accountability_incidents(level, str(window[0]), str(window[1]), version)
            incidents = got[got["dataset"] == chosen].set_index("area")["incidents"]
            note = (
                f"Complaints and incidents both from {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d}, where they overlap."
            )
    base = measures.received_in(complaints, *window) if window else received
    rate = measures.rates(base, frames["population"], incidents)
    pop_note = "" if "residents" in rate else " No population is loaded for this level: no rate per resident."
    widgets.table_with_download(rate, f"complaints per 1000 by {level}", note + pop_note)

st.subheader("Commendations by type")
awards = frames["awards"]
if awards is None or awards.empty:
    st.info("No awards or commendations are loaded (kind `commendations`).")
else:
    counted = measures.counted_awards(awards)
    per_month = measures.awards_monthly(awards.assign(award_type=measures.top(awards["award_type"], 6)))
    widgets.chart_with_table(
        charts.lines(per_month, "month", "awards", "award_type", "Awards per month"),
        per_month.assign(month=per_month["month"].dt.strftime("%Y-%m")),
        "awards per month by type",
        f"{len(counted):,} of {len(awards):,} award records count (status final or not given); the last month "
        "may be partial. " + markdown_text(cached.accountability_sources("commendations", awards_set, version)),
        "acc_awards",
    )

if level:
    st.subheader(f"Complaints beside commendations and trust, by {level} and year")
    trust_sets = cached.score_datasets(version)
    trust = None
    if trust_sets:
        lv = cached.score_levels(trust_sets[0], version)
        if level in set(lv["level"]):
            trust = cached.score_series(trust_sets[0], "TRUST", level, "monthly", None, version)
    table = measures.by_area_and_year(received, awards, trust)
    notes = [measures.CAUSE_CAVEAT]
    if "awards" not in table:
        notes.append("The awards carry no area, so they cannot be set beside complaints by area.")
    if "trust" not in table:
        notes.append(f"No published trust score by {level} is loaded.")
    elif table.dropna(subset=["complaints", "trust"]).empty:
        notes.append("The trust scores and the complaints cover different years: no year has both.")
    widgets.table_with_download(table, f"complaints awards and trust by {level} and year", " ".join(notes))
