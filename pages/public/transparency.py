"""Transparency: the public page. Every number comes from lib/public_figures (through lib/privacy)."""

import h3
import pandas as pd
import streamlit as st

from lib.app import cached, widgets
from lib.public import charts as public_charts
from lib.public.figures import cell_text, level_word
from lib.public.i18n import LANGS, date_text, month_text, number, t
from lib.public.privacy import Rules
from lib.store import settings
from lib.store.text import markdown_text

lang = widgets.public_lang()  # the URL's ?lang=, kept for the session across public pages
NAMES = {"en": "English", "es": "Español"}
choice = st.segmented_control(
    f"{t('page.lang', 'en')} / {t('page.lang', 'es')}",
    list(LANGS),
    default=lang,
    format_func=NAMES.get,
    key="public_lang",
)
if choice and choice != lang:
    st.query_params["lang"] = choice
    st.rerun()
st.query_params["lang"] = lang

st.title(t("page.title", lang))
st.markdown(t("page.intro", lang))

version = cached.version()
meta = cached.public_meta(version)
rules = Rules.from_settings()
if not meta["datasets"] or not meta["levels"]:
    st.info(t("page.empty", lang))
    st.stop()

# -- which data and which area (kept in the URL: ?lang=es&level=beat&area=1121) -----------------------
dataset = st.query_params.get("dataset")
dataset = dataset if dataset in meta["datasets"] else meta["datasets"][0]
if len(meta["datasets"]) > 1:
    dataset = st.selectbox(
        t("page.dataset", lang), meta["datasets"], index=meta["datasets"].index(dataset), key="public_dataset"
    )
st.query_params["dataset"] = dataset
with st.spinner(t("page.loading", lang)):
    published = cached.public_release_files(dataset, version)  # computed once per data version
if published is not None:
    st.caption(t("page.as_of", lang, date=date_text(published["last_day"], lang), lag=rules.lag_days))
periods_note = st.empty()  # filled once the figures below are known: their sources may end far apart
if "sample" in dataset.lower():
    st.caption(t("method.sample", lang))

st.header(t("search.header", lang))
levels = meta["levels"]
level = st.query_params.get("level")
level = level if level in levels else levels[0]
area = st.query_params.get("area") or ""
left, right = st.columns([1, 1])
with left:
    typed = st.text_input(
        t("search.text", lang), key="public_search", help=t("search.help", lang), placeholder="1200 W Madison"
    )
found = cached.public_find_area(typed.strip()[:120], level, version) if typed else None
if typed and found is None:
    st.warning(t("search.not_found", lang))
if found is not None and st.session_state.get("public_last_search") != typed:
    # A new search moves the view to its area; picking another area afterwards keeps the pick.
    st.session_state["public_last_search"] = typed
    level, area = found.level, found.code
with right:
    level = st.selectbox(
        t("search.level", lang),
        levels,
        index=levels.index(level),
        format_func=lambda lvl: level_word(lvl, lang),
        key=f"public_level_{level}",
    )
    frame = meta["areas"][level]
    codes = [""] + list(frame["code"])
    labels = dict(zip(frame["code"], frame["label"]))
    word = level_word(level, lang)
    area = area if area in labels else ""
    area = st.selectbox(
        t("search.pick", lang),
        codes,
        index=codes.index(area),
        key=f"public_area_{level}_{area}",
        format_func=lambda c: t("search.all", lang) if not c else f"{word} {labels[c].split(' ', 1)[1]}",
    )
st.query_params["level"] = level
if area:
    st.query_params["area"] = area
elif "area" in st.query_params:
    del st.query_params["area"]
where = f"{word} {labels[area].split(' ', 1)[1]}" if area else t("search.all", lang)
if found is not None and (found.level, found.code) == (level, area):
    st.success(markdown_text(t(f"search.found.{found.how}", lang, area=where)))
st.markdown(f"**{markdown_text(t('search.showing', lang, area=where))}**")


def figure(name):
    return cached.public_figure(name, lang, dataset, level, area, version)


# -- crime -----------------------------------------------------------------------------------------
st.header(t("section.crime", lang))
by_area = figure("crime_by_area")
if area:
    row = by_area.frame[by_area.frame["code"] == area]
    if len(row):
        r = row.iloc[0]
        a, b, c = st.columns(3)
        value = lambda col: None if pd.isna(r[col]) else int(r[col])  # noqa: E731
        a.metric(t("area.ytd", lang), cell_text(value("incidents"), r["incidents_hidden"], lang) or "–")
        b.metric(t("area.ytd_last", lang), cell_text(value("last_year"), r["last_year_hidden"], lang) or "–")
        c.metric(t("area.signal", lang), r["signal"] or "–")
        st.caption(t("common.period", lang, period=by_area.period))
trend = figure("crime_trend")
widgets.public_figure(trend, widgets.public_chart(trend, public_charts.trend), "trend")
note = (
    t("chart.top", lang, n=min(12, int(by_area.frame["incidents"].notna().sum())))
    + " "
    + t("chart.suppressed_note", lang)
    if not by_area.frame.empty
    else ""
)
widgets.public_figure(by_area, widgets.public_chart(by_area, public_charts.crime_by_area), "by_area", chart_note=note)

# -- hot spot map ----------------------------------------------------------------------------------
st.header(t("section.map", lang))
hot = figure("hotspots")
st.markdown(markdown_text(hot.summary))
drawn = cached.public_map(lang, dataset, level, area, tuple(levels), version)  # rendered once per view
if drawn is not None:
    widgets.static_folium(drawn, key=f"public_map_{lang}_{level}_{area}", height=480)
widgets.public_caption(hot)
if not hot.frame.empty:
    sig = hot
    sig_frame = hot.frame[hot.frame["bin"] != 0]
    if len(sig_frame):
        from dataclasses import replace

        sig = replace(hot, frame=sig_frame, title=t("map.table", lang))
        widgets.public_table_download(sig, "hotspots")

# -- trust and safety ------------------------------------------------------------------------------
st.header(t("section.trust", lang))
trust = figure("trust_trend")
widgets.public_figure(trust, widgets.public_chart(trust, public_charts.trust), "trust")

# -- engagement ------------------------------------------------------------------------------------
st.header(t("section.engagement", lang))
held = figure("engagement")
widgets.public_figure(held, widgets.public_chart(held, public_charts.engagement), "engagement")
where_held = figure("engagement_by_area")
st.subheader(markdown_text(where_held.title))
st.markdown(markdown_text(where_held.summary))
widgets.public_caption(where_held)
widgets.public_table_download(where_held, "where")
ends = widgets.figure_ends(
    {
        t("section.crime", lang): published["last_day"] if published is not None else None,
        t("section.trust", lang): trust.frame["month"].max() if "month" in trust.frame and len(trust.frame) else None,
        t("section.engagement", lang): held.frame["month"].max() if "month" in held.frame and len(held.frame) else None,
    }
)
if ends:
    periods_note.info(t("page.periods", lang, ends="; ".join(f"{name}: {month_text(end, lang)}" for name, end in ends)))
upcoming = figure("upcoming_events")
st.subheader(markdown_text(upcoming.title))
st.markdown(markdown_text(upcoming.summary))
if not upcoming.frame.empty:
    st.dataframe(upcoming.table(), hide_index=True, width="stretch")

# -- you said, we did: approved concerns only, a list of items (no counts) ----------------------------------
said = cached.public_concerns(level, area, lang, cached.concerns_version())
st.subheader(markdown_text(said.title))
st.markdown(markdown_text(said.summary))
if not said.frame.empty:
    st.dataframe(said.table(), hide_index=True, width="stretch")
    widgets.public_caption(said)

# -- complaints and commendations: counts from their own audited release, no text from a complaint -------
st.header(t("section.complaints", lang))
channels = settings.get("complaints_url").strip()
if channels:
    # A web address becomes a link; anything else (a phone number, an office) is shown as text.
    link = channels.startswith(("https://", "http://")) and not any(c in channels for c in " ()<>")
    st.markdown(
        markdown_text(t("complaints.channels", lang))
        + " "
        + (f"[{markdown_text(channels)}]({channels})" if link else markdown_text(channels))
    )
else:
    st.info(t("complaints.no_channels", lang))
complaint_figs = [
    figure(name)
    for name in (
        "complaints_monthly",
        "complaints_by_category",
        "complaint_findings",
        "complaint_close_days",
        "commendations_by_type",
    )
]
widgets.public_figure(
    complaint_figs[0], widgets.public_chart(complaint_figs[0], public_charts.complaints), "complaints"
)
for fig in complaint_figs[1:]:
    st.subheader(markdown_text(fig.title))
    st.markdown(markdown_text(fig.summary))
    if not fig.frame.empty:
        st.dataframe(fig.table(), hide_index=True, width="stretch")
        widgets.public_caption(fig)

# -- methodology and provenance --------------------------------------------------------------------
st.header(t("section.method", lang))
for fig in (by_area, trend, hot, trust, held, said, *complaint_figs):
    st.markdown(f"**{markdown_text(fig.title)}.** {markdown_text(fig.method)}")
st.markdown(t("method.caveat", lang))
st.subheader(t("section.privacy", lang))
words = {
    "min": rules.min_count,
    "min_minus": rules.min_count - 1,
    "lag": rules.lag_days,
    "min_n": rules.min_effective_n,
    "flag_n_minus": rules.flag_effective_n - 1,
    "km2": number(h3.average_hexagon_area(rules.max_h3_res, "km^2"), lang, 2),
}
st.markdown(
    "\n".join(
        f"- {t(f'privacy.rule.{k}', lang, **words)}"
        for k in ("small", "sensitive", "lag", "precision", "survey", "downloads")
    )
)

if published is not None:
    st.subheader(t("release.header", lang))
    st.markdown(t("release.intro", lang))
    left, right = st.columns(2)
    left.download_button(
        t("release.csv", lang), published["release"], "release.csv", "text/csv", key="public_release_csv"
    )
    right.download_button(t("release.areas", lang), published["areas"], "areas.csv", "text/csv", key="public_areas_csv")
    st.caption(
        t(
            "release.checked",
            lang,
            version=published["version"],
            cells=number(published["cells"], lang),
            small=number(published["small"], lang),
            complementary=number(published["complementary"], lang),
            min=published["min"],
        )
    )

st.header(t("section.provenance", lang))
prov = figure("provenance")
st.markdown(markdown_text(prov.summary))
st.dataframe(prov.table(), hide_index=True, width="stretch")
