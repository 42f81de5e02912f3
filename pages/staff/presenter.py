"""Presenter: a town hall deck from the public figures; hide, reorder, add a slide, present, export."""

import datetime as dt
from urllib.parse import urlsplit, urlunsplit

import streamlit as st
import streamlit.components.v1 as components

from lib.app import cached, widgets
from lib.deck import export as deck_export
from lib.deck import figures as deck_figures
from lib.deck import html as deck_html
from lib.deck import slides as deck
from lib.deck.text import tr
from lib.public import figures as pf
from lib.public import i18n
from lib.store import settings
from lib.store.text import markdown_text

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

store = cached.store()
version = cached.version()
EDITS = "deck_edits"
PRESENT = "deck_present"


def _present_on():
    st.session_state[PRESENT] = True


def _present_off():
    st.session_state[PRESENT] = False


def _save(new_slides):
    st.session_state[EDITS] = deck.arrangement(new_slides)


def _toggle(slides, key):
    shown_now = st.session_state[f"deck_show_{key}"]
    _save(deck.set_hidden(slides, [x.key for x in slides if (x.hidden if x.key != key else not shown_now)]))


def _move(slides, key, delta):
    _save(deck.move(slides, key, delta))


def _remove(slides, key):
    _save(deck.remove(slides, key))


def _public_address(lang: str) -> str:
    """The closing slide's default address, in ``lang``: DASHBOARD_PUBLIC_URL, else this dashboard's home page.

    A presenter's laptop serves the dashboard on a local address (http://127.0.0.1:8501/) that no one in
    the hall can open: a department sets its public address once.
    """
    configured = str(settings.get("public_url") or "").strip()
    if configured:
        if lang == "es":
            joiner = "&" if "?" in configured else "?"
            return f"{configured}{joiner}lang=es" if "lang=" not in configured else configured
        return configured
    try:
        here = urlsplit(st.context.url or "")
    except Exception:  # no browser session (AppTest)
        return ""
    if not here.scheme:
        return ""
    base = here.path.rsplit("/presenter", 1)[0].rstrip("/") + "/"  # keeps a server.baseUrlPath
    return urlunsplit((here.scheme, here.netloc, base, "lang=es" if lang == "es" else "", ""))


def _reset():
    st.session_state.pop(EDITS, None)
    for name in [k for k in st.session_state if str(k).startswith("deck_show_")]:
        del st.session_state[name]


# Presenting draws the slides over the whole window (the sidebar and header hidden); the editing page stays
# underneath, so its widgets keep their values for when the presenter leaves.
presenting = bool(st.session_state.get(PRESENT))
st.title("Presenter")
st.caption(
    "A deck for a town hall or beat meeting, one message per slide, from the same public figures as the "
    "transparency page: small counts suppressed, sensitive offenses left out, the newest days held back. "
    "Hide, reorder and add slides, present full screen, or export to PDF and PowerPoint."
)

levels = pf.levels(store)
datasets = cached.incident_datasets(version)
if not levels:
    st.info(
        "No boundary layers are loaded: a deck is made for an area (or the city) of a loaded layer. "
        "Load boundaries on the Data page."
    )
    st.stop()

lang_default = i18n.lang_from(st.query_params)
c1, c2, c3, c4 = st.columns([1, 1, 2, 2])
lang = widgets.linked_choice(
    "Language",
    list(i18n.LANGS),
    "lang",
    "deck_lang",
    format_func={"en": "English", "es": "Español"}.get,
    widget=c1.selectbox,
    index=list(i18n.LANGS).index(lang_default),
)
level = widgets.linked_choice(
    "Areas",
    ["city", *levels],
    "deck_level",
    "deck_level",
    widget=c2.selectbox,
    index=1,
    format_func=lambda v: "Whole city" if v == "city" else v.title(),
)
if level == "city":
    level, area = None, None
    c3.selectbox("Area", ["Whole city"], disabled=True, key="deck_area_city")
else:
    names = pf.areas(store, level)
    label = dict(zip(names["code"], names["label"]))
    area = widgets.linked_choice(
        "Area",
        list(names["code"]),
        "deck_area",
        f"deck_area_{level}",
        widget=c3.selectbox,
        format_func=lambda c: label.get(c, str(c)),
    )
names_ds = list(datasets["dataset"]) if not datasets.empty else []
default_ds = deck_figures.default_dataset(store)  # a full dataset before a sample
dataset = widgets.linked_choice(
    "Incidents",
    names_ds,
    "deck_dataset",
    "deck_dataset",
    widget=c4.selectbox,
    index=names_ds.index(default_ds) if default_ds in names_ds else 0,
    help="Incident dataset for the crime and hot spot slides (datasets are never added together).",
)

default = deck.default_period(store, dataset)
d1, d2, d3 = st.columns([1, 1, 4])
start = d1.date_input("From", default.start.date(), min_value=dt.date(1900, 1, 1), key="deck_from", bind="query-params")
end = d2.date_input(
    "To (inclusive)",
    default.end.date(),
    min_value=dt.date(1900, 1, 1),
    key="deck_to",
    bind="query-params",
    help="Public figures stop at the publication lag: later days are not shown even if chosen. The crime slide "
    "counts whole months of the public release: a part month at either end is left out.",
)
public_url = d3.text_input(
    "Public page address (closing slide)",
    _public_address(lang),
    key=f"deck_url_{lang}",
    placeholder="https://www.example.gov/policing/transparency",
    help="Where residents find these figures; shown on the last slide. By default this "
    "dashboard's own transparency page, in the deck's language.",
)
try:
    period = deck.Period(start, end)
except deck.DeckError as exc:
    st.error(str(exc))
    st.stop()

with st.spinner("Building the deck from the public figures ..."):
    built, images = cached.presenter_deck(
        dataset,
        level,
        area,
        f"{period.start:%Y-%m-%d}",
        f"{period.end:%Y-%m-%d}",
        lang,
        public_url or "",
        version,
        cached.concerns_version(),
    )
slides = deck.arrange(built, st.session_state.get(EDITS))
shown = deck.visible(slides)
title = deck.deck_title(store, level, area, lang)
slug = f"deck-{level or 'city'}-{area or 'all'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{lang}"
footer = ""  # every slide states its own period and source; the deck adds nothing that would repeat them

# -- the deck: present, export -------------------------------------------------------------------------
if not shown:
    st.warning("Every slide is hidden: show at least one to present or export.")
top = st.columns([1.3, 0.8, 1.1, 3])
top[0].button(
    "Present full screen",
    type="primary",
    icon=":material/slideshow:",
    on_click=_present_on,
    disabled=not shown,
    key="deck_present_btn",
    help="Arrow keys or a clicker's Page Up / Page Down move between slides; N shows the speaker notes, "
    "F goes full screen, B blanks the screen, Q leaves.",
)
widgets.staff_download(
    "PDF",
    lambda: deck_export.to_pdf(slides, lang, title, footer),
    file_name=f"{slug}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    disabled=not shown,
    key="deck_pdf",
    container=top[1],
)
widgets.staff_download(
    "PowerPoint",
    lambda: deck_export.to_pptx(slides, lang, title, footer),
    file_name=f"{slug}.pptx",
    icon=":material/co_present:",
    disabled=not shown,
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    key="deck_pptx",
    container=top[2],
)
top[3].caption(
    f"**{title}** · {period.label(lang)} · {len(shown)} of {len(slides)} slides shown. "
    'Every figure is a public figure: counts under 5 appear as "fewer than 5".'
)

# -- the slides: show or hide, reorder, chart PNG, notes --------------------------------------------------
st.subheader("Slides")
for i, s in enumerate(slides):
    row = st.columns([0.5, 5.2, 0.6, 0.6, 1.8, 0.6], vertical_alignment="center")
    row[0].checkbox(
        f"Show slide {s.title}",
        value=not s.hidden,
        key=f"deck_show_{s.key}",
        label_visibility="collapsed",
        on_change=_toggle,
        args=(slides, s.key),
    )
    with row[1]:
        st.markdown(f"**{i + 1}. {markdown_text(s.title)}**" + ("" if not s.hidden else " *(hidden)*"))
        st.caption(markdown_text(s.message))
    row[2].button(
        "",
        icon=":material/arrow_upward:",
        key=f"deck_up_{s.key}",
        disabled=i == 0,
        help="Move earlier",
        on_click=_move,
        args=(slides, s.key, -1),
    )
    row[3].button(
        "",
        icon=":material/arrow_downward:",
        key=f"deck_down_{s.key}",
        disabled=i == len(slides) - 1,
        help="Move later",
        on_click=_move,
        args=(slides, s.key, 1),
    )
    if images.get(s.key) is not None:
        widgets.staff_download(
            "Chart PNG",
            lambda png=images[s.key]: png,
            file_name=f"{slug}-{s.key}.png",
            mime="image/png",
            key=f"deck_png_{s.key}",
            icon=":material/image:",
            container=row[4],
        )
    if s.key.startswith("text-"):
        row[5].button(
            "",
            icon=":material/delete:",
            key=f"deck_rm_{s.key}",
            help="Remove this text slide",
            on_click=_remove,
            args=(slides, s.key),
        )
    with st.expander("Chart and speaker notes" if images.get(s.key) is not None else "Speaker notes"):
        if images.get(s.key) is not None:
            st.image(images[s.key], caption=s.alt or s.message, width=720)
        st.text(s.notes or "(none)")

with st.form("deck_text_form", clear_on_submit=True):
    st.markdown('**Add a text slide** ("You said, we did")')
    f1, f2 = st.columns([2, 1])
    t_title = f1.text_input("Title", value=tr("text_title", lang))
    after = f2.selectbox(
        "After", [s.key for s in slides], index=len(slides) - 1, format_func={s.key: s.title for s in slides}.get
    )
    body = st.text_area("Text", placeholder="You said: speeding on Ashland Ave.\nWe did: ...", height=120)
    t_notes = st.text_area("Speaker notes (optional)", height=80)
    if st.form_submit_button("Add slide"):
        try:
            _save(deck.add_text_slide(slides, t_title, body, after=after, lang=lang, notes=t_notes))
            st.rerun()
        except deck.DeckError as exc:
            st.error(str(exc))

st.button(
    "Reset the slides",
    key="deck_reset",
    on_click=_reset,
    help="Show every slide, in the original order, without text slides.",
)

# -- presenting: the slides over the whole window ----------------------------------------------------------
if presenting and shown:
    st.html("""<style>
      [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
      [data-testid="stToolbar"], [data-testid="stDecoration"] {display: none !important;}
      .st-key-deck_stage iframe {position: fixed !important; inset: 0 !important; width: 100vw !important;
        height: 100vh !important; z-index: 999990; border: 0; background: #FFFFFF;}
      .st-key-deck_exit {position: fixed; left: -10000px; top: 0;}
    </style>""")
    with st.container(key="deck_stage"):
        components.html(deck_html.present_html(shown, images, lang, deck_id=slug), height=600)
    st.button("Exit presentation", key="deck_exit", on_click=_present_off)
