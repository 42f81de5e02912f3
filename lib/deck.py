"""The town hall deck: a list of slides, one message each, built from public figures only.

A :class:`Slide` carries its title, its one-sentence message, the chart to
draw (:class:`Chart`: what kind and which columns of the frame), the frame
behind the chart, and speaker notes with the exact figures and their caveats.
The deck is plain data: the Presenter page shows it, lib/deck_images.py draws
it, lib/deck_export.py writes it to PDF, PowerPoint and PNG.

Privacy: :func:`build_deck` reads nothing from the store but the figures of
lib/public_figures (each already through lib/privacy), and every slide frame
passes :func:`lib.privacy.public_table` again when the slide is made (the
same guard as the public page's downloads), so a deck cannot show what the
public page would suppress.

Presenter edits are plain functions returning a new list: :func:`reorder`,
:func:`set_hidden`, :func:`move`, :func:`add_text_slide`, :func:`remove`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from lib import deck_text
from lib.deck_text import tr

# The slides a deck opens with, in this order; the presenter hides and reorders them.
KEYS = ("trust", "crime", "hotspots", "engagement", "concerns", "upcoming", "closing")
CHART_KINDS = ("trend", "compare", "columns", "bars", "map", "table", "text")


class DeckError(ValueError):
    """A deck edit that cannot be made (unknown slide, empty title); the message says what to do."""


@dataclass
class Chart:
    """What to draw from a slide's frame: the kind and the columns it reads.

    kinds: ``trend`` (lines of ``y`` over ``x`` per ``group``, band ``lo``-``hi``),
    ``compare`` (``y`` and ``y2`` over ``x``: this period against a year
    earlier), ``columns`` (``y`` per ``x`` as vertical bars), ``bars``
    (horizontal bars of ``y`` per ``label``), ``map`` (H3 ``cell`` coloured by
    ``bin``, with ``outlines`` GeoJSON), ``table`` (the ``columns`` listed),
    ``text`` (the message alone, large).
    """

    kind: str
    x: str | None = None
    y: str | None = None
    y2: str | None = None
    group: str | None = None
    lo: str | None = None
    hi: str | None = None
    label: str | None = None
    columns: tuple[str, ...] = ()
    y_title: str = ""
    series: tuple[str, str] = ("", "")       # legend names of y and y2 (compare)
    outlines: dict | None = None              # GeoJSON: the area (bold) and its neighbours (thin)
    focus: str | None = None                  # code of the area drawn bold
    y_range: tuple[float, float] | None = None


@dataclass
class Slide:
    """One slide: a title, one message, at most one chart, and speaker notes."""

    key: str
    title: str
    message: str
    chart: Chart | None = None
    frame: pd.DataFrame | None = None
    notes: str = ""
    hidden: bool = False
    source: str = ""
    period: str = ""
    alt: str = ""            # one sentence describing the chart, for screen readers and PowerPoint alt text

    @property
    def kind(self) -> str:
        return self.chart.kind if self.chart else "text"

    def replace(self, **changes) -> "Slide":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Period:
    """The reporting period, both days included."""

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self):
        object.__setattr__(self, "start", pd.Timestamp(self.start).normalize())
        object.__setattr__(self, "end", pd.Timestamp(self.end).normalize())
        if self.end < self.start:
            raise DeckError(f"The period ends ({self.end:%Y-%m-%d}) before it starts ({self.start:%Y-%m-%d}): "
                            "choose an end date after the start date.")

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=1)

    def label(self, lang: str) -> str:
        return tr("period", lang, start=_day(self.start, lang), end=_day(self.end, lang))


MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


def _day(when: pd.Timestamp, lang: str) -> str:
    m = MONTHS.get(lang, MONTHS["en"])[when.month - 1]
    return f"{m} {when.day}, {when.year}" if lang == "en" else f"{when.day} {m} {when.year}"


def month_label(when: pd.Timestamp, lang: str) -> str:
    when = pd.Timestamp(when)
    return f"{MONTHS.get(lang, MONTHS['en'])[when.month - 1]} {when.year}"


# -- presenter edits ----------------------------------------------------------------------------------

def visible(slides: list[Slide]) -> list[Slide]:
    """The slides shown and exported, in order."""
    return [s for s in slides if not s.hidden]


def _check_keys(slides: list[Slide], keys) -> None:
    known = {s.key for s in slides}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise DeckError(f"No slide {', '.join(map(repr, unknown))} in this deck; its slides are "
                        f"{', '.join(s.key for s in slides)}.")


def reorder(slides: list[Slide], keys: list[str]) -> list[Slide]:
    """The slides in the order of ``keys``; slides not named keep their order after them."""
    _check_keys(slides, keys)
    by_key = {s.key: s for s in slides}
    named = [by_key[k] for k in dict.fromkeys(keys)]
    return named + [s for s in slides if s.key not in set(keys)]


def move(slides: list[Slide], key: str, delta: int) -> list[Slide]:
    """Move slide ``key`` by ``delta`` places (negative: earlier), stopping at either end."""
    _check_keys(slides, [key])
    order = [s.key for s in slides]
    i = order.index(key)
    j = max(0, min(len(order) - 1, i + delta))
    order.insert(j, order.pop(i))
    return reorder(slides, order)


def set_hidden(slides: list[Slide], hidden: set[str] | list[str]) -> list[Slide]:
    """Hide exactly the slides named in ``hidden``; show the others."""
    _check_keys(slides, hidden)
    return [s.replace(hidden=s.key in set(hidden)) for s in slides]


def add_text_slide(slides: list[Slide], title: str, body: str, after: str | None = None,
                   lang: str = "en", notes: str = "") -> list[Slide]:
    """A free-text slide ("You said, we did") after slide ``after`` (at the end when None).

    Its key is ``text-<n>``. The presenter writes the words; the deck adds no
    figure to them.
    """
    title = (title or "").strip() or tr("text_title", lang)
    body = (body or "").strip()
    if not body:
        raise DeckError("A text slide needs some text: write what residents asked for and what was done.")
    used = {s.key for s in slides}
    n = 1
    while f"text-{n}" in used:
        n += 1
    slide = Slide(key=f"text-{n}", title=title, message=body, chart=Chart("text"), notes=notes.strip())
    out = list(slides)
    if after is None:
        out.append(slide)
    else:
        _check_keys(slides, [after])
        out.insert([s.key for s in slides].index(after) + 1, slide)
    return out


def remove(slides: list[Slide], key: str) -> list[Slide]:
    """Drop a free-text slide (built slides are hidden, not removed)."""
    _check_keys(slides, [key])
    if not key.startswith("text-"):
        raise DeckError(f"Slide {key!r} comes from the figures: hide it instead of removing it.")
    return [s for s in slides if s.key != key]


def arrangement(slides: list[Slide]) -> dict:
    """The presenter's edits as plain data (order, hidden, text slides), to keep in the session or a link."""
    return {"order": [s.key for s in slides], "hidden": [s.key for s in slides if s.hidden],
            "text": {s.key: {"title": s.title, "body": s.message, "notes": s.notes}
                     for s in slides if s.key.startswith("text-")}}


def arrange(slides: list[Slide], edits: dict | None) -> list[Slide]:
    """Apply :func:`arrangement` data to a freshly built deck (unknown keys are skipped, not errors:
    a rebuilt deck for another area has the same keys)."""
    if not edits:
        return slides
    out = list(slides)
    for key, text in (edits.get("text") or {}).items():
        if text.get("body", "").strip():
            out.append(Slide(key=key, title=text.get("title") or "", message=text["body"], chart=Chart("text"),
                             notes=text.get("notes", "")))
    known = {s.key for s in out}
    out = reorder(out, [k for k in edits.get("order", []) if k in known])
    return set_hidden(out, [k for k in edits.get("hidden", []) if k in known])
