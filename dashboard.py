"""Community policing dashboard: the entry point. It routes; pages/ wire widgets to lib/."""

import streamlit as st

from lib import cached

st.set_page_config(page_title="Community Policing Dashboard", page_icon=":material/shield:", layout="wide")

cached.store()  # on a fresh clone this loads the embedded data first, with a progress bar

pages = {
    "Dashboard": [
        st.Page("pages/public/transparency.py", title="Transparency", icon=":material/public:", default=True),
        st.Page("pages/public/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview"),
        st.Page("pages/staff/trust.py", title="Trust & Safety", icon=":material/handshake:", url_path="trust"),
        st.Page("pages/staff/engagement.py", title="Engagement", icon=":material/groups:", url_path="engagement"),
        st.Page("pages/staff/impact.py", title="Programme impact", icon=":material/query_stats:", url_path="impact"),
        st.Page("pages/staff/map.py", title="Map", icon=":material/map:", url_path="map"),
        st.Page("pages/staff/presenter.py", title="Presenter", icon=":material/co_present:", url_path="presenter"),
    ],
    "Data": [
        st.Page("pages/staff/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
        st.Page("pages/staff/event_log.py", title="Event log", icon=":material/edit_calendar:", url_path="event-log"),
        st.Page("pages/public/about.py", title="About", icon=":material/info:", url_path="about"),
    ],
}

page = st.navigation(pages)
page.run()
