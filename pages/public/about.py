"""About: where the data comes from, its terms, and its caveats (in the visitor's language)."""

import streamlit as st

from lib.app import cached, widgets
from lib.ingest import embedded
from lib.public.i18n import has, t

lang = widgets.public_lang()
st.title(t("about.title", lang))
st.markdown(t("about.intro", lang))

st.header(t("about.loaded", lang))
info = cached.info(cached.version())
records = cached.loads(cached.version())
if records.empty:
    st.info(t("about.nothing", lang))
else:
    columns = [
        "load_id",
        "kind",
        "dataset",
        "source_title",
        "loaded_at",
        "rows_loaded",
        "rows_rejected",
        "rows_not_geocoded",
        "period_start",
        "period_end",
        "synthetic",
    ]
    shown = records[columns].copy()
    # The kinds in the visitor's words (a kind the catalog does not name yet is shown as stored).
    shown["kind"] = [t(f"kind.{kind}", lang) if has(f"kind.{kind}", lang) else kind for kind in shown["kind"]]
    shown = shown.rename(columns={c: t(f"about.col.{c}", lang) for c in columns})
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(t("about.store", lang, engine=info["store"]["engine"]))

st.header(t("about.embedded", lang))
st.markdown(t("about.embedded_text", lang))
if lang != "en":
    st.caption(t("about.as_published", lang))
for src in embedded.SOURCES:
    with st.container(border=True):
        st.markdown(f"**{src.title}** ({src.publisher}), {src.period}")
        st.markdown(t("about.source", lang, origin=src.origin, terms=src.terms))
        for caveat in src.caveats:
            st.markdown(f"- {caveat}")

st.header(t("about.caveats", lang))
st.markdown(
    "\n".join(f"- {t(f'about.caveat_{name}', lang)}" for name in ("reports", "locations", "scores", "causation"))
)
