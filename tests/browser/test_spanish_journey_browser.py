"""A Spanish-speaking resident on a phone: from the Transparency page to the crime table, the map and About,
and every sentence of ours on the way in Spanish."""

import re

from lib.ingest import embedded
from lib.public import i18n
from lib.store import provenance as prov
from lib.store.connection import connect
from tests.browser.test_browser import wait_for_app
from tests.browser.test_public_browser import PHONE, _full_screenshot

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
# Words that mark a sentence as English and that Spanish sentences do not use.
ENGLISH = re.compile(r"\b(the|and|of|with|from|is|are|this|that|were|which|not|only|shown|each)\b")
SPANISH = re.compile(r"\b(el|la|los|las|de|del|y|en|con|que|por|para|es|son|una?)\b")


def _english_fragments() -> set[str]:
    """Runs of four or more words of our English catalog that its Spanish twin does not share."""
    en, es = i18n.catalog("en"), i18n.catalog("es")
    fragments = set()
    for key, text in en.items():
        if text == es[key]:
            continue
        for part in re.split(r"\{\w+\}|[\"()*:;]", text):
            part = part.strip(" ,.")
            if len(part.split()) >= 4:
                fragments.add(part)
    return fragments


def _data_strings(db) -> set[str]:
    """Text that comes from the data (titles, names, the publishers' own caveats): shown as published."""
    store = connect(str(db), read_only=True)
    try:
        loads = prov.loads(store)
        strings = set(loads["source_title"]) | set(loads["dataset"])
    finally:
        store.close()
    for src in embedded.SOURCES:
        strings |= {src.title, src.publisher, src.origin, src.terms, src.period, *src.caveats}
    return {s for s in strings if s}


def _english_sentences(text: str, fragments: set[str], data: set[str]) -> list[str]:
    found = [f for f in fragments if f in text]
    for line in text.splitlines():
        words = line
        for s in data:
            words = words.replace(s, "")
        if len(ENGLISH.findall(words)) >= 2 and not SPANISH.search(words):
            found.append(line)
    return found


def _visible_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text() + "\n" + page.locator("body").inner_text()


def test_a_spanish_visitor_on_a_phone_reaches_the_crime_table_the_map_and_about(served_app, browser, embedded_db):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="es-MX")
    phone = context.new_page()
    fragments, data = _english_fragments(), _data_strings(embedded_db)
    try:
        phone.goto(f"{served_app}/transparency?lang=es")
        wait_for_app(phone)
        assert phone.locator("h1").first.inner_text() == i18n.t("page.title", "es")

        # The crime table: the expander under the crime chart opens on the table and its download.
        name = i18n.t("common.table", "es", name=i18n.t("crime.title", "es"))
        crime = phone.locator("[data-testid='stExpander']").filter(has_text=name)
        crime.locator("summary").scroll_into_view_if_needed()
        crime.locator("summary").click()
        crime.locator("[data-testid='stDataFrame']").wait_for(state="visible", timeout=30_000)
        assert crime.get_by_role("button", name=re.compile("^Descargar")).is_visible()

        # The map: hexagons drawn inside the map's frame, its layers and legend in Spanish.
        phone.locator(MAP_FRAME).scroll_into_view_if_needed()
        frame = phone.frame_locator(MAP_FRAME)
        frame.locator(".leaflet-container").wait_for(timeout=60_000)
        assert frame.locator("path.leaflet-interactive").count() > 0
        legend = frame.locator(".leaflet-container").inner_text()
        for key in ("map.areas", "map.layer", "map.legend_fold"):
            assert i18n.t(key, "es") in legend, (key, legend)

        text = _visible_text(phone)
        shot = _full_screenshot(phone, "journey_es_transparency_390px")
        assert shot.stat().st_size > 20_000
        assert _english_sentences(text, fragments, data) == []

        # About, through the navigation (the sidebar, collapsed on a phone): still in Spanish.
        phone.locator(
            "[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapsedControl'] button"
        ).first.click()
        phone.get_by_role("link", name=i18n.t("nav.about", "es")).click()
        phone.get_by_role("heading", name=i18n.t("about.title", "es")).wait_for(timeout=60_000)
        wait_for_app(phone)
        text = _visible_text(phone)
        assert i18n.t("about.caveats", "es") in text
        assert _english_sentences(text, fragments, data) == []
        # The sidebar stays open over the page after a navigation on a phone: the visitor closes it.
        close = phone.locator("[data-testid='stSidebarCollapseButton'] button")
        if close.count() and close.is_visible():
            close.click()
            phone.wait_for_timeout(800)
        _full_screenshot(phone, "journey_es_about_390px")
    finally:
        context.close()
