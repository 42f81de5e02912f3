"""The common hand-built Streamlit crime map, for comparison only (benchmarks/map_explorer.py runs it).

What tutorials and many department dashboards do: load every incident into
pandas once (cached), filter in pandas, and send every point to the browser
as a folium HeatMap through st_folium, with st_folium's defaults (every pan
and zoom returns to the server). The only change from the usual code: Leaflet
and leaflet-heat are served locally (static/, as the real page does), because
this machine has no CDN access; that changes nothing in what is measured.

    DASHBOARD_DB=... streamlit run <copy of this file next to a static/ folder>
"""

import os
import sys

import folium
import pandas as pd
import streamlit as st
from folium.plugins import HeatMap
from streamlit_folium import st_folium

sys.path.insert(0, os.environ["DASHBOARD_PROJECT"])

from lib.store.connection import connect  # noqa: E402

DATASET = os.environ.get("BENCH_DATASET", "SYNTHETIC demo")
ASSETS = "../../app/static/vendor"

st.set_page_config(page_title="Hand-built crime map", layout="wide")
st.title("Crime heat map")


@st.cache_data
def incidents():
    store = connect(os.environ["DASHBOARD_DB"], read_only=True)
    return store.query(
        "SELECT occurred_at, offense, latitude, longitude FROM incidents WHERE dataset = :d AND latitude IS NOT NULL",
        {"d": DATASET},
    )


frame = incidents()
last = frame["occurred_at"].max()
start = st.sidebar.date_input("From", (last - pd.Timedelta(days=364)).date())
day = st.sidebar.selectbox("Day of week", ["All", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], key="day")
shown = frame[frame["occurred_at"] >= str(start)]
if day != "All":
    shown = shown[shown["occurred_at"].dt.dayofweek == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].index(day)]
st.write(f"{len(shown):,} incidents")

m = folium.Map(location=[shown["latitude"].mean(), shown["longitude"].mean()], zoom_start=11)
m.default_js = [("leaflet", f"{ASSETS}/leaflet-1.9.3/leaflet.js")]
m.default_css = [("leaflet_css", f"{ASSETS}/leaflet-1.9.3/leaflet.css")]
heat = HeatMap(shown[["latitude", "longitude"]].values.tolist(), radius=10)
heat.default_js = [("leaflet-heat.js", f"{ASSETS}/leaflet-heat/leaflet_heat.min.js")]
heat.add_to(m)
st_folium(m, width=1100, height=620)
