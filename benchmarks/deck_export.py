"""Presenter deck: how long a 10-slide Chicago district deck takes to build and to export (PDF + PowerPoint).

Run: ``python benchmarks/deck_export.py`` (builds a private copy of the embedded store in a temporary
folder). The deck is District 8, 2018, aggravated assaults: the six slides with public figures (title,
trust and safety, crime against last year, hot spot map, engagement, closing) and four free-text slides,
as a presenter would add them. Figures are written into benchmarks/README.md by hand, with the machine.
Goal: exporting the 10 slides (PDF and PowerPoint) under 15 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.deck import export as deck_export
from lib.deck import slides as deck
from lib.ingest import embedded  # noqa: E402
from lib.store.connection import connect  # noqa: E402

TEXT = [
    (
        "You said, we did",
        "You said: speeding on Ashland Ave.\nWe did: a speed survey and two traffic calming meetings with CDOT.",
    ),
    (
        "You said, we did",
        "You said: more patrols near the Marquette Park lagoon.\nWe did: foot patrols on "
        "summer evenings, Friday to Sunday.",
    ),
    ("Tonight", "Figures, then your questions, then the beat's priorities for the next quarter."),
    ("Next meeting", "Second Tuesday of next month, 6:30 pm, 8th District station."),
]


def main(repeat: int = 3) -> None:
    folder = Path(tempfile.mkdtemp())
    store = connect(str(folder / "bench.duckdb"))
    embedded.build(store)
    period = deck.Period("2018-01-01", "2018-12-31")
    t = time.perf_counter()
    slides = deck.build_deck(store, "district", "8", period, "en", dataset="Chicago aggravated assaults")
    cold = time.perf_counter() - t
    t = time.perf_counter()
    slides = deck.build_deck(store, "district", "8", period, "en", dataset="Chicago aggravated assaults")
    warm = time.perf_counter() - t
    for title, body in TEXT:
        slides = deck.add_text_slide(slides, title, body, after="engagement")
    shown = deck.visible(slides)
    assert len(shown) == 10, [s.key for s in shown]
    print(f"build the deck from the store (first / again)          {cold:6.2f} s / {warm:.2f} s")
    best = {"pdf": float("inf"), "pptx": float("inf"), "both": float("inf")}
    sizes, first = {}, None
    for _ in range(repeat):
        t = time.perf_counter()
        pdf = deck_export.to_pdf(slides, "en", "Community policing: District 8", period.label("en"))
        a = time.perf_counter()
        pptx = deck_export.to_pptx(slides, "en", "Community policing: District 8", period.label("en"))
        b = time.perf_counter()
        best["pdf"], best["pptx"] = min(best["pdf"], a - t), min(best["pptx"], b - a)
        best["both"] = min(best["both"], b - t)
        first = b - t if first is None else first
        sizes = {"pdf": len(pdf), "pptx": len(pptx)}
    print(f"{'export 10 slides to PDF':<56} {best['pdf']:6.2f} s  ({sizes['pdf'] / 1e3:,.0f} kB)")
    print(f"{'export 10 slides to PowerPoint':<56} {best['pptx']:6.2f} s  ({sizes['pptx'] / 1e3:,.0f} kB)")
    print(
        f"{'export 10 slides, PDF + PowerPoint (goal < 15 s)':<56} {best['both']:6.2f} s  "
        f"(best of {repeat}; first {first:.2f} s)"
    )
    store.close()


if __name__ == "__main__":
    main()
