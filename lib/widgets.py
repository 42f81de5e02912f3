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
