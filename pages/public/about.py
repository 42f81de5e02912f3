"""About: where the data comes from, its terms, and its caveats."""

import streamlit as st

from lib.app import cached
from lib.ingest import embedded

st.title("About this dashboard")

st.markdown(
    "This dashboard shows crime reports, community survey results and community engagement "
    "events for a police department and the public it serves. Every figure says its period and "
    "its source. The methods are described in the project README (Methods section)."
)

st.header("Data loaded now")
info = cached.info(cached.version())
records = cached.loads(cached.version())
if records.empty:
    st.info("Nothing is loaded yet.")
else:
    shown = records[
        [
            "load_id",
            "kind",
            "dataset",
            "source_name",
            "loaded_at",
            "rows_loaded",
            "rows_rejected",
            "rows_not_geocoded",
            "period_start",
            "period_end",
            "synthetic",
        ]
    ]
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(f"Store: {info['store']['engine']}. Rows marked synthetic were generated for testing.")

st.header("The embedded data")
st.markdown(
    "On a fresh installation the dashboard opens on real public data from the City of Chicago, "
    "and the City of Raleigh's resident survey for respondent-level analysis. None of it is synthetic; "
    "values are unchanged (only the file format is converted)."
)
for src in embedded.SOURCES:
    with st.container(border=True):
        st.markdown(f"**{src.title}** ({src.publisher}), {src.period}")
        st.markdown(f"Source: {src.origin}. Terms: {src.terms}.")
        for caveat in src.caveats:
            st.markdown(f"- {caveat}")

st.header("Caveats that apply everywhere")
st.markdown(
    "- Crime data are reports, not all crime: what is not reported is not here.\n"
    "- Locations are generalised by the publishing agencies (hundred blocks, rounded coordinates).\n"
    "- Sentiment scores are averages on a 0-100 scale, not percentages of residents.\n"
    "- Association between engagement and crime or trust is not causation."
)
