"""Deck exports: PDF (one page per slide), PowerPoint (editable titles, text and notes), chart PNG.

Only the visible slides are exported, in the presenter's order. Every slide
frame passes :func:`lib.public.privacy.public_table` once more here, the guard every
public download goes through, so an export cannot carry what the public page
would suppress even if a deck were assembled by hand.

- PDF: matplotlib's PdfPages, vector pages at 13.33 x 7.5 in (16:9), text as
  TrueType so it can be searched and read aloud; the document's title and
  subject are set.
- PowerPoint: python-pptx on its default template at 16:9. Each slide's title
  is the layout's title placeholder (editable, listed in the outline and read
  by screen readers), the message a text box, the chart a PNG picture with
  alt text, and the speaker notes the notes page's text. No macros, no links
  to outside files: the file opens offline.
- PNG: one chart (lib/deck/images.py).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from matplotlib.backends.backend_pdf import PdfPages
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from lib.deck import images as deck_images
from lib.deck.slides import Slide, visible
from lib.deck.text import tr
from lib.public import privacy

INK = RGBColor(0x11, 0x11, 0x11)
MUTED = RGBColor(0x3D, 0x3D, 0x3D)
Progress = Callable[[int, int, str], None]


def _noop(done: int, total: int, what: str) -> None:
    return None


def checked(slides: list[Slide]) -> list[Slide]:
    """The visible slides, each frame re-checked by the public guard (raises PrivacyError)."""
    out = visible(slides)
    for s in out:
        if s.frame is not None:
            privacy.public_table(s.frame)
    return out


def to_pdf(slides: list[Slide], lang: str, title: str = "", footer: str = "", progress: Progress = _noop) -> bytes:
    """The visible slides as a PDF, one 16:9 page each."""
    shown = checked(slides)
    buf = io.BytesIO()
    with PdfPages(
        buf,
        metadata={
            "Title": title or (shown[0].title if shown else ""),
            "Subject": footer or title,
            "Creator": "Community policing dashboard",
        },
    ) as pdf:
        for i, s in enumerate(shown, 1):
            progress(i - 1, len(shown), s.title)
            pdf.savefig(deck_images.slide_figure(s, lang, i, len(shown), footer))
    progress(len(shown), len(shown), "")
    return buf.getvalue()


def _text_box(slide_shapes, left, top, width, height, text: str, size: int, color=INK, bold=False):
    box = slide_shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
    return box


def to_pptx(slides: list[Slide], lang: str, title: str = "", footer: str = "", progress: Progress = _noop) -> bytes:
    """The visible slides as a PowerPoint file: title placeholders, message, chart picture, notes."""
    shown = checked(slides)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # PowerPoint's own 16:9 (13.333 x 7.5 in)
    prs.core_properties.title = title or (shown[0].title if shown else "")
    prs.core_properties.language = "es-US" if lang == "es" else "en-US"
    title_only = prs.slide_layouts[5]
    margin = Inches(0.6)
    width = prs.slide_width - 2 * margin
    for i, s in enumerate(shown, 1):
        progress(i - 1, len(shown), s.title)
        page = prs.slides.add_slide(title_only)
        head = page.shapes.title
        head.left, head.top, head.width, head.height = margin, Inches(0.35), width, Inches(1.1)
        head.text = s.title
        para = head.text_frame.paragraphs[0]
        para.alignment = 1  # left
        para.runs[0].font.size, para.runs[0].font.bold = Pt(40), True
        para.runs[0].font.color.rgb = INK
        if deck_images.has_chart(s):
            _text_box(page.shapes, margin, Inches(1.45), width, Inches(1.0), s.message, 26)
            png = deck_images.chart_png(s, lang, dpi=150)
            pic = page.shapes.add_picture(io.BytesIO(png), margin, Inches(2.45), height=Inches(4.3))
            if pic.width > width:  # keep the picture inside the slide, aspect kept
                scale = width / pic.width
                pic.width, pic.height = Emu(int(pic.width * scale)), Emu(int(pic.height * scale))
            pic.left = int((prs.slide_width - pic.width) / 2)
            pic._element.nvPicPr.cNvPr.set("descr", s.alt or s.message)
        else:
            _text_box(page.shapes, margin, Inches(1.6), width, Inches(5.0), s.message, 32)
        line = deck_images.footer_line(s, footer)
        if line:
            _text_box(page.shapes, margin, Inches(6.95), width - Inches(1.0), Inches(0.4), line, 11, MUTED)
        _text_box(
            page.shapes,
            prs.slide_width - margin - Inches(1.0),
            Inches(6.95),
            Inches(1.0),
            Inches(0.4),
            tr("slide_of", lang, n=i, total=len(shown)),
            12,
            MUTED,
        )
        page.notes_slide.notes_text_frame.text = s.notes
    progress(len(shown), len(shown), "")
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def chart_png(slide: Slide, lang: str) -> bytes:
    """One slide's chart as PNG, through the same guard."""
    if slide.frame is not None:
        privacy.public_table(slide.frame)
    return deck_images.chart_png(slide, lang)


def export_all(slides: list[Slide], lang: str, title: str = "", footer: str = "") -> dict[str, float]:
    """Both files, timed (seconds per format): the benchmark's measurement."""
    times = {}
    t = time.perf_counter()
    to_pdf(slides, lang, title, footer)
    times["pdf"] = time.perf_counter() - t
    t = time.perf_counter()
    to_pptx(slides, lang, title, footer)
    times["pptx"] = time.perf_counter() - t
    return times
