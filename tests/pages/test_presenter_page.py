"""The Presenter page: AppTest for the editing view, a real browser for the full-screen presentation."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from tests.conftest import ARTIFACTS, sign_in

PAGE = "pages/staff/presenter.py"
DISTRICT_8_2018 = {
    "deck_level": "district",
    "deck_area": "8",
    "deck_from": "2018-01-01",
    "deck_to": "2018-12-31",
    "deck_dataset": "Chicago aggravated assaults",
}


@pytest.fixture
def app_db(released_db):
    """The app runs over a store holding the public release the crime slide reads (computed once per session)."""
    return released_db


def _slide_titles(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("**") and ". " in m.value]


def test_page_lists_the_district_deck(run_page):
    at = run_page(PAGE, **DISTRICT_8_2018)
    assert not at.exception
    assert [(w.label, w.value) for w in at.selectbox][:4] == [
        ("Language", "en"),
        ("Areas", "district"),
        ("Area", "8"),
        ("Incidents", "Chicago aggravated assaults"),
    ]
    assert _slide_titles(at) == [
        "**1. Community policing: District 8**",
        "**2. Trust and safety**",
        "**3. Crime compared with last year**",
        "**4. Where incidents concentrate**",
        "**5. Community engagement**",
        "**6. You said, we did** *(hidden)*",
        "**7. Upcoming events** *(hidden)*",
        "**8. Find these figures online**",
    ]
    captions = [c.value for c in at.caption]
    # 2018 is the release's first year (tests/deck/test_deck.py): district 8's beats, nothing earlier to compare.
    assert "870 incidents. There is no earlier data to compare with." in captions
    assert any("6 of 8 slides shown" in c for c in captions)


def test_hide_reorder_and_add_a_text_slide(run_page):
    at = run_page(PAGE, **DISTRICT_8_2018)
    at.checkbox(key="deck_show_trust").uncheck().run()
    assert "**2. Trust and safety** *(hidden)*" in _slide_titles(at)
    at.button(key="deck_up_crime").click().run()
    assert _slide_titles(at)[1] == "**2. Crime compared with last year**"
    at.text_area[0].input("You said: speeding on Ashland Ave.\nWe did: a speed survey with CDOT.")
    at.selectbox(key=at.selectbox[-1].key).set_value("engagement")
    at.button[[b.label for b in at.button].index("Add slide")].click().run()
    titles = _slide_titles(at)
    assert titles[5] == "**6. You said, we did**", titles
    assert any("6 of 9 slides shown" in c.value for c in at.caption)
    at.button(key="deck_rm_text-1").click().run()
    assert len(_slide_titles(at)) == 8
    at.button(key="deck_reset").click().run()
    assert _slide_titles(at)[1] == "**2. Trust and safety**"


def test_text_slide_needs_text(run_page):
    at = run_page(PAGE, **DISTRICT_8_2018)
    at.button[[b.label for b in at.button].index("Add slide")].click().run()
    assert [e.value for e in at.error] == [
        "A text slide needs some text: write what residents asked for and what was done."
    ]


def test_spanish_and_the_whole_city(run_page):
    at = run_page(
        PAGE,
        lang="es",
        deck_level="city",
        deck_from="2018-01-01",
        deck_to="2018-12-31",
        deck_dataset="Chicago aggravated assaults",
    )
    assert not at.exception
    titles = _slide_titles(at)
    assert titles[0] == "**1. Policía comunitaria: toda la ciudad**"
    assert titles[2] == "**3. Delitos comparados con el año pasado**"


def test_period_that_ends_before_it_starts(run_page):
    at = run_page(PAGE, **{**DISTRICT_8_2018, "deck_from": "2019-01-01", "deck_to": "2018-01-01"})
    assert "before it starts" in at.error[0].value


def test_present_button_draws_the_deck_over_the_page(run_page):
    at = run_page(PAGE, **DISTRICT_8_2018)
    at.button(key="deck_present_btn").click().run()
    assert not at.exception
    assert at.button(key="deck_exit").label == "Exit presentation"
    at.button(key="deck_exit").click().run()
    assert not [b for b in at.button if b.key == "deck_exit"]


# -- in a real browser ---------------------------------------------------------------------------------------


@pytest.fixture
def presenter(browser, served_app):
    """A browser tab on the Presenter page, signed in as a viewer. Yields (page, open)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    tab = context.new_page()

    def open_deck(**query):
        sign_in(tab, f"{served_app}/presenter?{urlencode(query)}", "viewer")  # staff only
        tab.get_by_role("button", name="Present full screen").wait_for(timeout=180_000)
        return tab

    yield tab, open_deck
    context.close()


def _current(frame) -> int:
    return int(frame.locator("#deck").get_attribute("data-current"))


def _shot(tab, name: str) -> None:
    time.sleep(3)  # the on-screen buttons fade after 2.5 s without a mouse move, as in a real talk
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_full_screen_slides_and_keys(presenter):
    tab, open_deck = presenter
    open_deck(**DISTRICT_8_2018)
    tab.get_by_role("button", name="Present full screen").click()
    frame = tab.frame_locator(".st-key-deck_stage iframe")
    frame.locator("section.slide.current h1").wait_for(timeout=60_000)
    # No sidebar, no header: the slide fills the window.
    assert not tab.locator('[data-testid="stSidebar"]').is_visible()
    box = tab.locator(".st-key-deck_stage iframe").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 1920, 1080)
    assert frame.locator("section.slide.current h1").inner_text() == "Community policing: District 8"
    assert frame.locator("section.slide").count() == 6
    tab.keyboard.press("PageDown")  # a presentation clicker
    assert _current(frame) == 1
    assert frame.locator("section.slide.current h1").inner_text() == "Trust and safety"
    tab.keyboard.press("ArrowRight")
    assert _current(frame) == 2
    assert frame.locator("section.slide.current h1").inner_text() == "Crime compared with last year"
    current = frame.locator("section.slide.current")
    assert current.locator("p.message").inner_text() == "870 incidents. There is no earlier data to compare with."
    assert current.locator("img").get_attribute("alt")
    _shot(tab, "presenter_slide_1920x1080")
    # Big type: the title is at least 70 px tall on a 1080 p screen.
    size = frame.locator("section.slide.current h1").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 70
    tab.set_viewport_size({"width": 1024, "height": 768})  # a projector
    tab.keyboard.press("ArrowRight")
    assert frame.locator("section.slide.current h1").inner_text() == "Where incidents concentrate"
    size = frame.locator("section.slide.current h1").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 40
    img = frame.locator("section.slide.current img").bounding_box()
    assert img["width"] > 500 and img["y"] + img["height"] <= 768
    _shot(tab, "presenter_slide_1024x768")
    tab.keyboard.press("PageUp")
    tab.keyboard.press("ArrowLeft")
    assert _current(frame) == 1
    tab.keyboard.press("End")
    assert frame.locator("section.slide.current h1").inner_text() == "Find these figures online"
    tab.keyboard.press("n")  # speaker notes
    assert frame.locator("#notes").is_visible()
    tab.keyboard.press("Home")
    tab.keyboard.press("ArrowRight")
    assert "Figures:" in frame.locator("#notes").inner_text()
    _shot(tab, "presenter_notes_1024x768")
    # The presenter view: a second window with the notes, the next slide and a timer, following the deck.
    with tab.context.expect_page() as opened:
        tab.keyboard.press("p")
    view = opened.value
    view.locator("#title").wait_for(timeout=10_000)
    view.wait_for_function("() => document.getElementById('title').textContent.length > 0", timeout=10_000)
    assert view.locator("#title").inner_text() == "Trust and safety"
    assert view.locator("#next").inner_text() == "Next: Crime compared with last year"
    assert "no margin of error can be shown" in view.locator("#notes").inner_text()
    tab.keyboard.press("ArrowRight")
    view.wait_for_function("() => document.getElementById('title').textContent.startsWith('Crime')", timeout=10_000)
    assert "September 2018: 82\n" in view.locator("#notes").inner_text()
    view.get_by_role("button", name="Next ▶").click()  # the laptop drives the projector
    tab.wait_for_timeout(300)
    assert frame.locator("section.slide.current h1").inner_text() == "Where incidents concentrate"
    view.set_viewport_size({"width": 1280, "height": 800})
    view.screenshot(path=str(ARTIFACTS / "presenter_view_window.png"))
    view.close()
    tab.keyboard.press("b")  # black screen, and back
    assert frame.locator("#blank").is_visible()
    tab.keyboard.press("b")
    assert not frame.locator("#blank").is_visible()
    tab.keyboard.press("f")  # the browser's full screen (the Fullscreen API on the page)
    tab.wait_for_function("() => document.fullscreenElement !== null", timeout=5_000)
    tab.keyboard.press("f")
    tab.wait_for_function("() => document.fullscreenElement === null", timeout=5_000)
    tab.keyboard.press("q")  # leave: back to the editing page, sidebar and all
    tab.locator(".st-key-deck_stage").wait_for(state="detached", timeout=60_000)
    tab.locator('[data-testid="stSidebar"]').wait_for(state="visible", timeout=10_000)
    assert tab.get_by_role("button", name="Present full screen").is_visible()


def test_the_closing_slide_gives_the_departments_public_address(run_page, monkeypatch):
    # A presenter's laptop serves the dashboard on a local address no one in the hall can open.
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", "https://www.example.gov/policing/transparency")
    at = run_page(PAGE, **DISTRICT_8_2018)
    assert at.text_input(key="deck_url_en").value == "https://www.example.gov/policing/transparency"
    es = run_page(PAGE, lang="es", **DISTRICT_8_2018)
    urls = [w.value for w in es.text_input if w.key and w.key.startswith("deck_url_")]
    assert urls == ["https://www.example.gov/policing/transparency?lang=es"]


def test_the_deck_opens_on_this_year_to_date(run_page):
    # No period in the link: 1 January to the end of the last complete public month (November 2019 here, the
    # assaults ending in December), so the crime slide gives the public release's year to date against 2018's.
    at = run_page(PAGE, deck_level="district", deck_area="8", deck_dataset="Chicago aggravated assaults")
    assert not at.exception
    assert (str(at.date_input(key="deck_from").value), str(at.date_input(key="deck_to").value)) == (
        "2019-01-01",
        "2019-11-30",
    )
    captions = [c.value for c in at.caption]
    assert any("than the same months last year (" in c or "about the same as" in c for c in captions), captions
