"""The deck's "You said, we did" slide: built from the approved concerns of the area and period, in both languages."""

import textwrap

import pandas as pd
import pytest

from lib.deck import images
from lib.deck import slides as deck
from lib.engagement import concerns
from lib.ingest import embedded
from lib.ingest import load as ingest
from lib.public.privacy import Rules

YEAR_2024 = deck.Period("2024-01-01", "2024-12-31")
TODAY = pd.Timestamp("2025-01-15")


@pytest.fixture
def store(duck):
    for level in ("district", "beat"):
        ingest.load(duck, "boundaries", embedded.EMBEDDED_DIR / f"chicago_police_{level}s.geojson.gz", level=level)
    return duck


def _raise(store, day, beat, category, approve=True, status=None, on=None, public=""):
    words = f"Resident Jane Roe of beat {beat}: {category} on her street"
    cid = concerns.raise_concern(store, concerns.Concern(day, "beat", beat, category, words), "Sgt. Ruiz", TODAY)
    if status:
        concerns.update(store, cid, status, "Officer Diaz followed up", on, "Lt. Boyd", TODAY)
    if approve:
        concerns.approve(store, cid, "analyst Kim", public)
    return cid


def test_the_slide_lists_approved_concerns_open_first_and_says_how_many_more(store):
    _raise(store, "2024-02-01", "823", "traffic", status="done", on="2024-03-10", public="Speed humps on Pulaski")
    _raise(store, "2024-04-01", "824", "drugs", status="in progress", on="2024-05-02")
    for i, category in enumerate(["youth", "parking", "disorder", "property", "environment"]):
        _raise(store, f"2024-06-{10 + i}", "823", category)
    _raise(store, "2024-06-20", "823", "police", approve=False)  # not approved: never on the slide
    _raise(store, "2024-06-20", "1133", "violence")  # beat 1133 is in district 11, not 8
    _raise(store, "2023-01-05", "823", "homelessness", status="done", on="2023-02-01")  # closed before the period

    slide = deck._concerns_slide(store, "district", "8", YEAR_2024, "en", Rules())
    assert not slide.hidden and slide.title == "You said, we did"
    # 7 approved concerns of district 8's beats in 2024: 6 on the slide, open ones first, then in progress, done.
    assert slide.message.endswith("And 1 more on the public page.")
    table = slide.frame
    assert len(table) == deck.CONCERN_ROWS
    assert table["status"].tolist() == ["Open"] * 5 + ["In progress"]
    assert table["category"].iloc[0] == "Lighting and vacant buildings"  # the latest update first
    notes = slide.notes
    assert (
        "Traffic and speeding: Done (raised February 2024; last update 10 March 2024). Speed humps on Pulaski" in notes
    )
    everything = " ".join([slide.message, notes, *table.astype(str).to_numpy().ravel()])
    for secret in ("Jane", "Roe", "Diaz", "Ruiz", "Boyd", "Kim", "Police response", "Violence", "Homelessness"):
        assert secret not in everything
    assert images.slide_png(slide, "en")[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_row_of_the_slide_fits_on_one_line(lang):
    # lib/deck/images.py draws a table row as its first column, then the others joined by " · " wrapped at 56
    # characters, with a fixed step between rows: a second line would run into the next row.
    longest = max((concerns.category_label(c, lang) for c in concerns.CATEGORIES), key=len)
    when = f"{deck.month_label('2024-09-01', lang)} – {deck.month_label('2024-12-01', lang)}"
    assert "\n" not in textwrap.fill(" · ".join([longest, when]), 56)
    assert max(len(concerns.status_label(s, lang)) for s in concerns.STATUSES) <= 14


def test_the_slide_speaks_spanish_and_hides_itself_when_nothing_is_approved(store):
    cid = _raise(store, "2024-02-01", "823", "traffic", approve=False)
    empty = deck._concerns_slide(store, "beat", "823", YEAR_2024, "es", Rules())
    assert empty.hidden and "aprobada para su publicación" in empty.message
    concerns.approve(store, cid, "analyst Kim")
    slide = deck._concerns_slide(store, "beat", "823", YEAR_2024, "es", Rules())
    assert slide.title == "Ustedes dijeron, nosotros hicimos" and not slide.hidden
    assert slide.frame[["category", "status"]].values.tolist() == [["Tráfico y velocidad", "Abierta"]]
    assert "planteada en febrero de 2024" in slide.frame["dates"].iloc[0]
    city = deck._concerns_slide(store, None, None, YEAR_2024, "en", Rules())
    assert city.frame["category"].tolist() == ["Traffic and speeding"]
