"""Streamlit widgets shared by pages: the dataset picker, tables with downloads, source lines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import cached
from lib.constants import SYNTHETIC_LABEL


def dataset_picker() -> str | None:
    """Sidebar choice of incident dataset, kept in the URL (``?dataset=...``) so links reopen it."""
    datasets = cached.incident_datasets(cached.version())
    if datasets.empty:
        return None
    names = list(datasets["dataset"])
    wanted = st.query_params.get("dataset")
    index = names.index(wanted) if wanted in names else 0
    label = {r.dataset: f"{r.dataset} ({r.n:,})" + (" - SYNTHETIC" if r.synthetic else "")
             for r in datasets.itertuples()}
    choice = st.sidebar.selectbox(
        "Incident dataset", names, index=index, format_func=label.get, key="shared_dataset",
        help="Each load names its dataset; datasets are never added together, so nothing is counted twice.",
    )
    st.query_params["dataset"] = choice
    if bool(datasets.set_index("dataset").loc[choice, "synthetic"]):
        st.warning(f"{SYNTHETIC_LABEL}: these incidents were generated for testing, not reported.", icon="⚠️")
    return choice


def table_with_download(frame: pd.DataFrame, name: str, caption: str | None = None) -> None:
    """A table and a CSV download of exactly what it shows."""
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        f"Download {name} (CSV)",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{name.replace(' ', '_').lower()}.csv",
        mime="text/csv",
        key=f"download_{name}",
    )
    if caption:
        st.caption(caption)


def source_note(text: str) -> None:
    st.caption(text)


_VIEW_KEYS = ("from", "to", "groups", "days", "hours", "level", "areas", "layers", "measure", "res", "slice", "panel")


def map_view_sidebar(dataset: str, groups: tuple[str, ...]):
    """The Map page's filters and layer choices in the sidebar, read from and written back to the URL.

    Returns the view (lib.map_view.View) the widgets describe.
    """
    from lib import map_view
    from lib.constants import H3_RESOLUTIONS
    from lib.emerging import FREQUENCIES

    levels = cached.map_levels(cached.version())
    newest = cached.newest_incident(dataset, cached.version())
    url = map_view.from_query(st.query_params.to_dict(), newest, levels, groups)
    side = st.sidebar
    picked = side.date_input("Dates", (url.start, url.end), key="map_dates", format="YYYY-MM-DD",
                             help="First and last day shown. CompStat windows end on the last day.")
    start, end = (tuple(picked) + (url.end,))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
    chosen = side.multiselect("Offense groups", groups, default=list(url.groups), key="map_groups",
                              placeholder="All offenses", help="Groups of the raw offense names; see and edit "
                              "the grouping under the map.")
    days = side.pills("Days of the week", range(7), selection_mode="multi", default=list(url.weekdays),
                      format_func=lambda d: map_view.DAYS[d].title(), key="map_days") or []
    hours = side.multiselect("Hours of the day", range(24), default=list(url.hours), key="map_hours",
                             format_func=lambda h: f"{h:02d}:00-{h:02d}:59", placeholder="All hours")
    level = side.selectbox("Boundary level", levels, index=levels.index(url.level) if url.level in levels else 0,
                           key="map_level") if levels else None
    areas = ()
    if level:
        names = cached.map_areas(level, cached.version())
        label = dict(zip(names["code"], names["name"]))
        codes = list(names["code"])
        default = [c for c in url.areas if c in label] if level == url.level else []
        areas = tuple(side.multiselect(f"Areas ({level})", codes, default=default, key=f"map_areas_{level}",
                                       format_func=lambda c: c if label[c] == c else f"{label[c]} ({c})",
                                       placeholder="All areas"))
    layers = side.pills("Layers", list(map_view.LAYERS), selection_mode="multi", default=list(url.layers),
                        format_func=map_view.LAYERS.get, key="map_layers") or []
    measure, res, freq = url.measure, url.res, url.slice
    if "areas" in layers:
        measure = side.segmented_control("Areas show", map_view.MEASURES, default=url.measure, key="map_measure",
                                         format_func={"count": "Count", "rate": "Per 1,000", "change": "Change"}.get
                                         ) or "count"
    if {"hotspots", "emerging"} & set(layers):
        res = side.select_slider("Hexagon size", list(H3_RESOLUTIONS), value=url.res, key="map_res",
                                 format_func=lambda r: f"{h3_area(r)} (res {r})",
                                 help="H3 resolution: the scale of the hot spot analysis, as Esri's distance band.")
    if "emerging" in layers:
        freq = side.segmented_control("Time slices", list(FREQUENCIES), default=url.slice, key="map_slice",
                                      format_func=FREQUENCIES.get) or "month"
    view = map_view.View(start=start, end=end, groups=tuple(chosen), weekdays=tuple(sorted(days)),
                         hours=tuple(sorted(hours)), level=level, areas=areas, layers=tuple(layers),
                         measure=measure, res=res, slice=freq, panel=url.panel if level == url.level else None)
    write_view(view)
    return view


def write_view(view) -> None:
    """Mirror a map view in the URL (leaving other parameters, such as the dataset, alone)."""
    from lib import map_view

    wanted = map_view.to_query(view)
    for key in _VIEW_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def h3_area(res: int) -> str:
    """Average hexagon area at an H3 resolution, in words: 9 -> "0.1 km²"."""
    import h3

    km2 = h3.average_hexagon_area(res, "km^2")
    return f"{km2:.2g} km²" if km2 >= 0.1 else f"{km2 * 1e6 / 1e4:.2g} ha"
