"""Overview (staff): headline figures, each with its period and source."""

import plotly.express as px
import streamlit as st

from lib.app import cached, widgets
from lib.constants import PRIMARY_COLOR
from lib.stats import overview
from lib.store.text import markdown_text

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Community policing at a glance")

dataset = widgets.dataset_picker()
figures = cached.overview_figures(dataset or "", cached.version())

cards = [h for h in [figures["incidents"], *figures["scores"], figures["events"]] if h is not None]
if not cards:
    st.info("No data yet. Load files on the Data page.")
if warning := overview.period_warning(cards):
    st.info(warning, icon=":material/date_range:")
for column, card in zip(st.columns(len(cards) or 1), cards):
    with column:
        st.metric(
            card.label,
            card.value,
            card.delta,
            delta_color="off" if "Incidents" not in card.label else "inverse",
            border=True,
        )
        st.caption(f"**Period:** {card.period}")
        if card.note:
            st.caption(card.note)
        st.caption(markdown_text(card.source))

monthly = figures["monthly"]
if dataset and not monthly.empty:
    st.subheader(f"Incidents per month: {markdown_text(dataset)}")
    fig = px.line(
        monthly,
        x="month",
        y="incidents",
        markers=True,
        labels={"month": "Month", "incidents": "Incidents per month"},
        color_discrete_sequence=[PRIMARY_COLOR],
    )
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), height=320)
    st.plotly_chart(fig, config={"displaylogo": False})
    first, last = monthly["month"].min(), monthly["month"].max()
    st.caption(
        f"{monthly['incidents'].sum():,} incidents from {first:%B %Y} to {last:%B %Y}; the last month may be partial."
    )
    with st.expander("Table behind the chart"):
        widgets.table_with_download(monthly.assign(month=monthly["month"].dt.strftime("%Y-%m")), "incidents per month")
