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


def event_form(prefix: str, entry, types: list[str], level: str | None, codes: list[str]) -> tuple:
    """The event log's fields (inside an ``st.form``): returns (EventEntry, recorded by, sign-in upload).

    ``entry`` pre-fills the fields when editing; ``level`` is chosen outside the form (so that
    ``codes``, its areas, follow it at once).
    """
    import datetime as dt

    from lib.event_log import EventEntry

    e = entry or EventEntry(event_type=types[0], starts_at=None)
    c1, c2 = st.columns(2)
    event_type = c1.selectbox("Type", types, index=types.index(e.event_type) if e.event_type in types else 0,
                              key=f"{prefix}_type")
    title = c2.text_input("Title (optional)", e.title or "", key=f"{prefix}_title", max_chars=200,
                          help="Left blank, the title is the type and the area.")
    c1, c2, c3 = st.columns(3)
    day = c1.date_input("Date", e.starts_at.date() if e.starts_at is not None else dt.date.today(),
                        min_value=dt.date(1900, 1, 1), key=f"{prefix}_date")
    start = c2.time_input("Start time", e.starts_at.time() if e.starts_at is not None else None,
                          key=f"{prefix}_start", step=300)
    end = c3.time_input("End time (optional)", e.ends_at.time() if e.ends_at is not None else None,
                        key=f"{prefix}_end", step=300)
    c2, c3 = st.columns(2)
    codes = ["(none)", *codes]
    area = c2.selectbox(f"Area ({level})" if level else "Area (choose a level above)", codes,
                        index=codes.index(e.area) if e.area in codes else 0, key=f"{prefix}_area_{level}")
    attendance = c3.number_input("Attendance (head count)", min_value=0, step=1, value=e.attendance,
                                 key=f"{prefix}_attendance", help="Leave blank when nobody counted.")
    location = st.text_input("Location (venue and address)", e.location or "", key=f"{prefix}_location")
    c1, c2 = st.columns(2)
    lat = c1.number_input("Latitude (optional)", value=e.latitude, format="%.6f", key=f"{prefix}_lat")
    lon = c2.number_input("Longitude (optional)", value=e.longitude, format="%.6f", key=f"{prefix}_lon")
    notes = st.text_area("Notes", e.notes or "", key=f"{prefix}_notes", max_chars=4000)
    sheet = st.file_uploader("Sign-in sheet (optional): CSV or Excel with an id, e-mail or name column",
                             type=["csv", "xlsx", "xls"], key=f"{prefix}_sheet",
                             help="Ids are hashed before they are stored; age group, sex, race and home area "
                                  "columns are kept for representativeness.")
    editor = st.text_input("Recorded by", key=f"{prefix}_editor", help="Your name, kept in the edit history.")
    starts = pd.Timestamp.combine(day, start) if start is not None else None
    ends = pd.Timestamp.combine(day, end) if end is not None and start is not None else None
    found = EventEntry(event_type=event_type, starts_at=starts, ends_at=ends, title=title,
                       area_level=level if area != "(none)" else None, area=None if area == "(none)" else area,
                       location=location, latitude=lat, longitude=lon,
                       attendance=int(attendance) if attendance is not None else None, notes=notes)
    return found, editor, sheet
