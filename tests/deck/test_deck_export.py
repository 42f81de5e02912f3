"""Deck exports (lib/deck/export.py): the PDF opens and has one page per chosen slide, the PowerPoint reads back
with its titles and notes in order, a chart exports as PNG, and the public guard stops a suppressible figure."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest

from lib.deck import export as deck_export
from lib.deck import slides as deck
from lib.public import privacy
from lib.store.connection import connect
from tests.conftest import ARTIFACTS

ASSAULTS = "Chicago aggravated assaults"


@pytest.fixture(scope="module")
def chosen(released_db, tmp_path_factory):
    """A Chicago district deck as a presenter leaves it: a slide hidden, two moved, a text slide added."""
    path = tmp_path_factory.mktemp("export") / "export.duckdb"
    shutil.copy(released_db, path)
    store = connect(str(path))
    slides = deck.build_deck(
        store,
        "district",
        "8",
        deck.Period("2018-01-01", "2018-12-31"),
        "en",
        dataset=ASSAULTS,
        public_url="https://example.gov/transparency",
    )
    store.close()
    slides = deck.set_hidden(slides, ["concerns", "upcoming", "trust"])
    slides = deck.reorder(slides, ["title", "crime", "hotspots", "engagement"])
    slides = deck.add_text_slide(
        slides,
        "You said, we did",
        "You said: speeding on Ashland Ave.\nWe did: a speed survey and two traffic calming meetings.",
        after="engagement",
        notes="Thank the block club on 79th Street.",
    )
    return slides


def test_chosen_slides(chosen):
    assert [s.key for s in deck.visible(chosen)] == ["title", "crime", "hotspots", "engagement", "text-1", "closing"]


def test_pdf_opens_with_one_page_per_chosen_slide_in_order(chosen):
    import pypdfium2 as pdfium

    data = deck_export.to_pdf(chosen, "en", title="Community policing: District 8", footer="Period: 2018")
    doc = pdfium.PdfDocument(data)
    shown = deck.visible(chosen)
    assert len(doc) == len(shown)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, slide in enumerate(shown):
        page = doc[i]
        assert page.get_size() == pytest.approx((960, 540), abs=1)  # 13.33 x 7.5 in, 16:9
        text = page.get_textpage().get_text_range()
        assert slide.title in text.replace("\r\n", "\n")
        image = page.render(scale=2).to_pil()  # 1920 x 1080
        image.save(ARTIFACTS / f"deck_pdf_page_{i + 1}.png")
        assert image.size == (1920, 1080)
        # Not blank: a slide has dark text on white.
        assert image.convert("L").getextrema()[0] < 60
    assert doc.get_metadata_dict()["Title"] == "Community policing: District 8"
    # The figures are in the page's text (searchable, read aloud): the crime slide's message.
    crime = {s.key: s for s in chosen}["crime"]
    assert crime.message.startswith("870 incidents")  # district 8's beats in 2018 (tests/deck/test_deck.py)
    assert crime.message in " ".join(doc[1].get_textpage().get_text_range().split())


def test_pptx_reads_back_with_titles_notes_and_pictures_in_order(chosen):
    from pptx import Presentation

    data = deck_export.to_pptx(chosen, "en", title="Community policing: District 8")
    prs = Presentation(io.BytesIO(data))
    shown = deck.visible(chosen)
    assert len(prs.slides) == len(shown)
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 16:9
    for page, slide in zip(prs.slides, shown):
        assert page.shapes.title is not None and page.shapes.title.is_placeholder  # an editable title
        assert page.shapes.title.text == slide.title
        assert page.notes_slide.notes_text_frame.text == slide.notes
        texts = [sh.text_frame.text for sh in page.shapes if sh.has_text_frame]
        assert slide.message in texts
        pictures = [sh for sh in page.shapes if sh.shape_type == 13]
        if slide.key in ("crime", "hotspots", "engagement"):
            assert len(pictures) == 1
            assert pictures[0]._element.nvPicPr.cNvPr.get("descr")  # alt text
            assert pictures[0].left >= 0 and pictures[0].left + pictures[0].width <= prs.slide_width
        else:
            assert not pictures
    crime = prs.slides[1]
    assert "September 2018: 82\n" in crime.notes_slide.notes_text_frame.text  # 2018: nothing earlier to compare
    assert prs.slides[4].shapes.title.text == "You said, we did"
    assert prs.slides[4].notes_slide.notes_text_frame.text == "Thank the block club on 79th Street."
    assert prs.core_properties.title == "Community policing: District 8"


def test_single_chart_png(chosen):
    from PIL import Image

    crime = {s.key: s for s in chosen}["crime"]
    data = deck_export.chart_png(crime, "en")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1800, 840)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "deck_chart_crime.png").write_bytes(data)
    with pytest.raises(ValueError, match="no chart"):
        deck_export.chart_png({s.key: s for s in chosen}["text-1"], "en")


def test_exports_refuse_a_figure_the_public_page_would_suppress(chosen):
    crime = {s.key: s for s in chosen}["crime"]
    leaked = crime.frame.copy()
    leaked["this_period"] = pd.array([3] + list(leaked["this_period"][1:]), dtype="Int64")
    bad = [crime.replace(frame=leaked)]
    for export in (deck_export.to_pdf, deck_export.to_pptx, lambda s, lang: deck_export.chart_png(s[0], lang)):
        with pytest.raises(privacy.PrivacyError, match="counts from 1 to 4"):
            export(bad, "en")


@pytest.mark.parametrize("level,area,lang", [("district", "8", "en"), ("beat", "921", "es")])
def test_exports_pass_the_public_page_privacy_scan(released_db, tmp_path, level, area, lang):
    """The transparency page's own scanner (tests/privacy_scan.py) on everything a deck exports: no small count,
    no sensitive place, nothing finer than the public hexagons. Beat 921 has months of 1 to 4 incidents."""
    import pypdfium2 as pdfium
    from pptx import Presentation

    from lib.deck import html as deck_html
    from tests.privacy_scan import Scanner

    path = tmp_path / "scan.duckdb"
    shutil.copy(released_db, path)
    store = connect(str(path))
    try:
        slides = deck.build_deck(store, level, area, deck.Period("2018-01-01", "2018-12-31"), lang, dataset=ASSAULTS)
        slides = deck.set_hidden(slides, [])  # export every slide, the empty ones too
        scan = Scanner(store)
        for s in slides:
            scan.text("\n".join((s.title, s.message, s.notes, s.alt, s.period)), f"slide {s.key}")
            if s.frame is not None:
                scan.frame(s.frame, f"slide {s.key} frame")
        pdf = pdfium.PdfDocument(deck_export.to_pdf(slides, lang))
        for i in range(len(pdf)):
            scan.text(pdf[i].get_textpage().get_text_range(), f"PDF page {i + 1}")
        prs = Presentation(io.BytesIO(deck_export.to_pptx(slides, lang)))
        for i, page in enumerate(prs.slides, 1):
            texts = [sh.text_frame.text for sh in page.shapes if sh.has_text_frame]
            scan.text("\n".join(texts + [page.notes_slide.notes_text_frame.text]), f"PPTX slide {i}")
        scan.text(deck_html.present_html(slides, {}, lang), "presentation HTML")
        assert not scan.findings, scan.report()
    finally:
        store.close()
    if area == "921":  # there was something to hide: months with 1 to 4 events
        assert {s.key: s for s in slides}["engagement"].frame["events_suppressed"].any()


def test_spanish_pptx(released_db, tmp_path):
    from pptx import Presentation

    path = tmp_path / "es.duckdb"
    shutil.copy(released_db, path)
    store = connect(str(path))
    # The default period, this year to date against the same months of 2018: the comparison chart is drawn.
    slides = deck.build_deck(store, "district", "8", None, "es", dataset=ASSAULTS)
    store.close()
    crime = {s.key: s for s in slides}["crime"]
    assert crime.chart.kind == "compare" and "frente a" in crime.period
    prs = Presentation(io.BytesIO(deck_export.to_pptx(slides, "es")))
    titles = [p.shapes.title.text for p in prs.slides]
    assert titles[:3] == [
        "Policía comunitaria: Distrito 8",
        "Confianza y seguridad",
        "Delitos comparados con el año pasado",
    ]


def test_a_long_footer_is_shown_whole_not_cut():
    from lib.deck import images

    source = (
        "Source: chicago_aggravated_assaults_2010_2019.csv.gz, 148,636 rows, loaded 2 December 2026; "
        "Chicago Police Department via the City of Chicago Data Portal"
    )
    slide = deck.Slide("text-1", "A title", "A message.", source=source, period="January 2018 to December 2018")
    fig = images.slide_figure(slide, "en", 3, 8, footer="District 8 town hall")
    footer = next(t.get_text() for t in fig.texts if "Source:" in t.get_text())
    assert "…" not in footer and " ".join(footer.split()) == " · ".join(
        ["January 2018 to December 2018", source, "District 8 town hall"]
    )
