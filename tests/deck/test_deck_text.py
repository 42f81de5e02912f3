"""Deck charts draw names, titles and venues from the data as text: matplotlib's mathtext never reads them."""

from __future__ import annotations

import io

import pandas as pd
from PIL import Image

from lib.deck import export as deck_export
from lib.deck.slides import Chart, Slide

# "$...$" is mathtext to matplotlib by default: the first draws a fraction it cannot parse (the export
# fails), the second would show as a formula instead of what the calendar says.
HOSTILE = ["$\\frac{$ meeting", "Budget $x^2$ and $y$", "<script>alert(2)</script>", '=HYPERLINK("x")']


def test_bar_and_table_slides_with_dollar_signs_export():
    bars = Slide(
        "bars",
        "Where events were held",
        "Most in the first.",
        Chart("bars", y="events", label="area"),
        pd.DataFrame({"area": HOSTILE, "events": [9, 8, 7, 6]}),
    )
    table = Slide(
        "upcoming",
        "Upcoming events",
        "Four coming up.",
        Chart("table", columns=("title", "venue")),
        pd.DataFrame({"title": HOSTILE, "venue": list(reversed(HOSTILE))}),
    )
    for slide in (bars, table):
        image = Image.open(io.BytesIO(deck_export.chart_png(slide, "en")))
        assert image.format == "PNG"
    assert deck_export.to_pdf([bars, table], "en").startswith(b"%PDF")
