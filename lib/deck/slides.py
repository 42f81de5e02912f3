"""The town hall deck: a list of slides, one message each, built from public figures only.

A :class:`Slide` carries its title, its one-sentence message, the chart to
draw (:class:`Chart`: what kind and which columns of the frame), the frame
behind the chart, and speaker notes with the exact figures and their caveats.
The deck is plain data: the Presenter page shows it, lib/deck/images.py draws
it, lib/deck/export.py writes it to PDF, PowerPoint and PNG.

Privacy: :func:`build_deck` reads nothing from the store but public figures:
incident counts are cells of the public release (:mod:`lib.public.release`,
through lib/deck/figures.py; docs/deck-release.md), the rest the figures of
lib/public_figures (each already through lib/privacy), and every slide frame
passes :func:`lib.public.privacy.public_table` again when the slide is made (the
same guard as the public page's downloads), so a deck cannot show what the
public page would suppress.

Presenter edits are plain functions returning a new list: :func:`reorder`,
:func:`set_hidden`, :func:`move`, :func:`add_text_slide`, :func:`remove`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from lib.deck.text import tr

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
    series: tuple[str, str] = ("", "")  # legend names of y and y2 (compare)
    outlines: dict | None = None  # GeoJSON: the area (bold) and its neighbours (thin)
    focus: str | None = None  # code of the area drawn bold
    landmarks: tuple = ()  # ((lon, lat), ...) police stations, for orientation
    landmark_label: str = ""
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
    alt: str = ""  # one sentence describing the chart, for screen readers and PowerPoint alt text

    @property
    def kind(self) -> str:
        return self.chart.kind if self.chart else "text"

    def replace(self, **changes) -> Slide:
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
            raise DeckError(
                f"The period ends ({self.end:%Y-%m-%d}) before it starts ({self.start:%Y-%m-%d}): "
                "choose an end date after the start date."
            )

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=1)

    def label(self, lang: str) -> str:
        from lib.public.i18n import date_text

        return tr("period", lang, start=date_text(self.start, lang), end=date_text(self.end, lang))


MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


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
        raise DeckError(
            f"No slide {', '.join(map(repr, unknown))} in this deck; its slides are {', '.join(s.key for s in slides)}."
        )


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


def add_text_slide(
    slides: list[Slide], title: str, body: str, after: str | None = None, lang: str = "en", notes: str = ""
) -> list[Slide]:
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
    return {
        "order": [s.key for s in slides],
        "hidden": [s.key for s in slides if s.hidden],
        "text": {
            s.key: {"title": s.title, "body": s.message, "notes": s.notes} for s in slides if s.key.startswith("text-")
        },
    }


def arrange(slides: list[Slide], edits: dict | None) -> list[Slide]:
    """Apply :func:`arrangement` data to a freshly built deck (unknown keys are skipped, not errors:
    a rebuilt deck for another area has the same keys)."""
    if not edits:
        return slides
    out = list(slides)
    for key, text in (edits.get("text") or {}).items():
        if text.get("body", "").strip():
            out.append(
                Slide(
                    key=key,
                    title=text.get("title") or "",
                    message=text["body"],
                    chart=Chart("text"),
                    notes=text.get("notes", ""),
                )
            )
    known = {s.key for s in out}
    out = reorder(out, [k for k in edits.get("order", []) if k in known])
    return set_hidden(out, [k for k in edits.get("hidden", []) if k in known])


# -- building the deck from the public figures --------------------------------------------------------

# The slides a deck opens with, in this order; the presenter hides and reorders them.
KEYS = ("title", "trust", "crime", "hotspots", "engagement", "concerns", "upcoming", "closing")


def _fmt_count(value, lang: str) -> str:
    """A count as the public page writes it: "fewer than 5" where suppressed (missing)."""
    from lib.public import privacy
    from lib.public.i18n import number, t

    return t(privacy.SUPPRESSED_LABEL, lang) if value is None or pd.isna(value) else number(int(value), lang)


def _sentence(text: str) -> str:
    """A message that may start with "fewer than 5" starts with a capital."""
    return text[:1].upper() + text[1:]


def _notes(
    lang: str, figures: list[str], caveats: list[str], method: str = "", source: str = "", period: str = ""
) -> str:
    lines = []
    if period:
        lines.append(period)
    if figures:
        lines += [tr("notes_figures", lang)] + [f"- {f}" for f in figures]
    if caveats:
        lines += [tr("notes_caveats", lang)] + [f"- {c}" for c in caveats if c]
    if method:
        lines += [tr("notes_method", lang), method]
    if source:
        lines.append(source)
    return "\n".join(lines)


def _public(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    from lib.public import privacy

    return None if frame is None else privacy.public_table(frame)


def area_title(store, level: str | None, area: str | None, lang: str) -> str:
    """ "District 8 (Chicago Lawn)" / "Distrito 8", or the whole city."""
    from lib.deck import figures as deck_figures

    if not (level and area):
        return tr("city", lang)
    return deck_figures.area_name(store, level, str(area), lang)


def deck_title(store, level: str | None, area: str | None, lang: str) -> str:
    return tr("deck_title", lang, area=area_title(store, level, area, lang))


def default_period(store, dataset: str | None, rules=None) -> Period:
    """This year to date: 1 January to the end of the last complete public month of ``dataset``.

    The release's year to date (lib.public.release: months end on the last
    complete month before the publication cutoff), so the crime slide's
    numbers are its "ytd" cells. Today's year to date without a dataset; in
    January, when no month of the year is complete, the whole previous year.
    """
    from lib.public import privacy

    cutoff = privacy.public_cutoff(store, dataset, rules) if dataset else None
    end = (cutoff or pd.Timestamp.now()).normalize().replace(day=1) - pd.Timedelta(days=1)
    return Period(end.replace(month=1, day=1), end)


def _title_slide(store, level, area, period: Period, lang: str) -> Slide:
    return Slide(
        key="title",
        title=deck_title(store, level, area, lang),
        message=period.label(lang),
        chart=Chart("text"),
        notes="",
        period="",
    )


def _trust_slide(store, level, area, period: Period, lang: str, rules) -> Slide:
    from lib.public import figures as pf
    from lib.public.i18n import month_text, number, t

    fig = pf.trust_trend(store, lang, level=level, area=area, rules=rules)
    frame = fig.frame
    if not frame.empty:
        frame = frame[
            (frame["period_start"] >= period.start.replace(day=1)) & (frame["period_start"] < period.end_exclusive)
        ].reset_index(drop=True)
    title = tr("trust_title", lang)
    if frame.empty or frame["value"].notna().sum() == 0:
        return Slide(
            "trust",
            title,
            tr("trust_none", lang),
            Chart("trend"),
            None,
            _notes(lang, [], [fig.note], fig.method, fig.source),
            hidden=True,
            source=fig.source,
        )
    lo, hi = ("lo", "hi") if {"lo", "hi"} <= set(frame.columns) else (None, None)
    figures, sentences = [], []
    # Trust first: the slide's message is about trust, safety follows in the chart and the notes.
    order = sorted(frame["measure"].unique(), key=lambda m: (m != t("measure.TRUST", lang), str(m)))
    for measure in order:
        rows = frame[frame["measure"] == measure]
        rows = rows.dropna(subset=["value"]).sort_values("period_start")
        if rows.empty:
            continue
        first, last = rows.iloc[0], rows.iloc[-1]
        low, high = rows.loc[rows["value"].idxmin()], rows.loc[rows["value"].idxmax()]
        figures.append(
            f"{measure}: {month_text(first.period_start, lang)} {number(first.value, lang, 1)}; "
            f"{month_text(last.period_start, lang)} {number(last.value, lang, 1)}; "
            f"min {number(low.value, lang, 1)} ({month_text(low.period_start, lang)}), "
            f"max {number(high.value, lang, 1)} ({month_text(high.period_start, lang)})"
        )
        change = last.value - first.value
        key = "trust_flat" if abs(change) < 1 else ("trust_up" if change > 0 else "trust_down")
        sentences.append(
            tr(key, lang, measure=measure, first=number(first.value, lang, 1), last=number(last.value, lang, 1))
        )
    caveats = [tr("trust_scale", lang)]
    caveats.append(tr("trust_interval", lang) if lo else tr("trust_no_interval", lang))
    if "reliability" in frame and frame["reliability"].nunique() > 1:
        caveats.append(", ".join(f"{r}: {n}" for r, n in frame["reliability"].value_counts().items()))
    where = fig.title.split(": ", 1)[1] if ": " in fig.title else ""
    if where:
        caveats.append(where)
    if level and area and where and where != area_title(store, level, area, lang):
        title = f"{title}: {where}"  # the scores are a larger area's (a beat's district): say so on the slide
    frame = (
        frame.assign(_o=frame["measure"].map({m: i for i, m in enumerate(order)}))
        .sort_values(["_o", "period_start"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )
    chart = Chart("trend", x="period_start", y="value", group="measure", lo=lo, hi=hi, y_title=fig.unit)
    start, end = frame["period_start"].min(), frame["period_start"].max()
    period_text = f"{month_text(start, lang)} – {month_text(end, lang)}"
    return Slide(
        "trust",
        title,
        " ".join(sentences[:1]),
        chart,
        _public(frame),
        _notes(lang, figures + sentences[1:], caveats, fig.method, fig.source, period_text),
        source=fig.source,
        period=period_text,
        alt=" ".join(sentences),
    )


def _crime_count(value, hidden: str, lang: str, min_count: int) -> str:
    """A crime count as the slide writes it: the number, or why it is not shown.

    "fewer than 5" (the release hides it as small), "not shown" (hidden so a
    small one cannot be worked out), "not shown (it includes a hidden count)"
    (a total over a hidden period), "no data" (no such cell).
    """
    from lib.public.i18n import number

    if value is not None and not pd.isna(value):
        return number(int(value), lang)
    if hidden == "small":
        return tr("suppressed", lang, min=min_count)
    if hidden == "complementary":
        return tr("not_shown", lang)
    if hidden:
        return tr("hidden_total", lang)
    return tr("no_data", lang)


def _crime_total(value, hidden: str, lang: str, min_count: int) -> str:
    """The period's total as a message's subject: "870 incidents", "fewer than 5 incidents", or why it is not shown."""
    from lib.public.i18n import number

    if value is not None and not pd.isna(value):
        return tr("crime_n", lang, n=number(int(value), lang))
    if hidden == "small":
        return tr("crime_n_small", lang, min=min_count)
    return tr("crime_n_contains" if hidden == "contains" else "crime_n_not_shown", lang)


def _crime_slide(store, dataset, level, area, period: Period, lang: str, rules) -> Slide:
    from lib.deck import figures as dfig
    from lib.public import release
    from lib.public.figures import p_text, signal_key
    from lib.public.i18n import number, t

    title = tr("crime_title", lang)
    if not dataset:
        return Slide("crime", title, tr("crime_none", lang), Chart("compare"), None, "", hidden=True)
    rel = release.ensure(store, dataset, rules)
    fig = dfig.crime_months(store, dataset, lang, level, area, period.start, period.end_exclusive, rules, rel=rel)
    frame = fig.frame
    hidden_share = (frame["this_period_suppressed"] | frame["last_year_suppressed"]).mean() if len(frame) else 0
    if hidden_share > 1 / 3 and len(frame) >= 6:  # a small area: quarters say more than months of "fewer than 5"
        quarters = dfig.crime_months(
            store, dataset, lang, level, area, period.start, period.end_exclusive, rules, freq="quarter", rel=rel
        )
        # Only where the quarters cover the same months: else the months' total (a year to date) would be lost.
        span = ("start", "end")
        if not quarters.frame.empty and all(quarters.frame.attrs[k] == frame.attrs[k] for k in span):
            fig, frame = quarters, quarters.frame
    if frame.empty:
        reason = fig.note or tr("crime_none", lang)
        return Slide(
            "crime",
            title,
            reason,
            Chart("compare"),
            None,
            _notes(lang, [], [], fig.method, fig.source),
            hidden=True,
            source=fig.source,
        )
    a = frame.attrs
    least = int(a.get("min_count", 5))
    total, previous = a.get("total"), a.get("previous")
    total_text = _crime_total(total, a.get("hidden", ""), lang, least)
    previous_text = _crime_count(previous, a.get("previous_hidden", ""), lang, least)
    both = a.get("compared") and total is not None and previous is not None
    if not a.get("compared"):
        message = tr("crime_no_prior", lang, total=total_text)
    elif both and previous:
        pct = (total - previous) / previous * 100
        key = "crime_same" if abs(pct) < 1 else ("crime_down" if pct < 0 else "crime_up")
        message = tr(key, lang, total=total_text, previous=previous_text, pct=number(abs(pct), lang, 0))
    else:
        message = tr("crime_versus", lang, total=total_text, previous=previous_text)
    message = _sentence(message)
    if dfig.is_sample(store, dataset):  # a sample's counts are not totals: the slide itself says so
        message = f"{message} {tr('sample_note', lang, dataset=dataset)}"
    quarterly = a.get("freq") == "quarter"
    counts = [_crime_count(v, h, lang, least) for v, h in zip(frame["this_period"], frame["this_period_hidden"])]
    if a.get("compared"):
        earlier = [_crime_count(v, h, lang, least) for v, h in zip(frame["last_year"], frame["last_year_hidden"])]
        figures = [
            f"{m}: {c} ({t('col.count.last_year', lang).lower()}: {b})"
            for m, c, b in zip(frame["month_name"], counts, earlier)
        ]
    else:
        figures = [f"{m}: {c}" for m, c in zip(frame["month_name"], counts)]
    caveats = []
    signal = ""
    if both:  # the test only on two shown totals: a hidden one must not leak through its p-value
        signal = t(f"signal.{signal_key(int(total), int(previous))}", lang)
        caveats.append(tr("crime_signal", lang, p=p_text(a["p"], lang), signal=signal))
    elif not a.get("compared"):
        caveats.append(tr("crime_no_prior_note", lang))
    if a.get("trimmed"):
        caveats.append(tr("crime_trimmed_quarters" if quarterly else "crime_trimmed", lang))
    if quarterly:
        caveats.append(tr("crime_quarters", lang))
    if frame["this_period_suppressed"].any() or frame["last_year_suppressed"].any() or a.get("hidden"):
        caveats.append(tr("crime_suppressed", lang, min=least))
    if a.get("compared"):
        chart = Chart(
            "compare",
            x="period_start",
            y="this_period",
            y2="last_year",
            y_title=tr("incidents", lang),
            series=(tr("this_year", lang), tr("last_year", lang)),
        )
    else:
        chart = Chart("columns", x="period_start", y="this_period", y_title=tr("incidents", lang))
    period_text = tr(
        "crime_whole_quarters" if quarterly else "crime_whole_months",
        lang,
        period=fig.period[:1].lower() + fig.period[1:],
    )
    return Slide(
        "crime",
        title,
        message,
        chart,
        _public(frame),
        _notes(lang, [message] + figures, caveats, fig.method, fig.source, period_text),
        source=fig.source,
        period=period_text,
        alt=f"{message} {signal}." if signal else message,
    )


def _hotspot_slide(store, dataset, level, area, period: Period, lang: str, rules) -> Slide:
    from lib.deck import figures as dfig
    from lib.trust import scores

    title = tr("hotspot_title", lang)
    if not dataset:
        return Slide("hotspots", title, tr("crime_none", lang), Chart("map"), None, "", hidden=True)
    res = 9 if (level and area) else 8
    fig = dfig.hotspots_between(store, dataset, lang, res, level, area, period.start, period.end_exclusive, rules)
    frame = fig.frame
    if frame.empty:
        return Slide(
            "hotspots",
            title,
            tr("hotspot_refused", lang, reason=fig.note or fig.summary),
            Chart("map"),
            None,
            _notes(lang, [], [fig.note], fig.method, fig.source, fig.period),
            hidden=True,
            source=fig.source,
            period=fig.period,
        )
    hot = int((frame["bin"] > 0).sum())
    message = (
        tr("hotspot_message_one" if hot == 1 else "hotspot_message", lang, hot=hot) if hot else tr("hotspot_none", lang)
    )
    if dfig.is_sample(store, dataset):
        message = f"{message} {tr('sample_note', lang, dataset=dataset)}"
    outline_level = level or (pf_levels(store)[0] if pf_levels(store) else None)
    outlines = scores.geojson(store, outline_level) if outline_level else None
    if outlines and level and area:  # the area's own outline: neighbours cut at the frame read as noise
        outlines = {
            "type": "FeatureCollection",
            "features": [f for f in outlines["features"] if str(f["properties"].get("code")) == str(area)],
        }
    by_bin = frame.groupby("label", sort=False).size()
    figures = [fig.summary] + [
        f"{label}: {n} {tr('hexagon' if n == 1 else 'hexagons', lang)}" for label, n in by_bin.items()
    ]
    chart = Chart(
        "map",
        outlines=outlines,
        focus=str(area) if area else None,
        landmarks=_stations(store, outlines),
        landmark_label=tr("station", lang),
    )
    return Slide(
        "hotspots",
        title,
        message,
        chart,
        _public(frame),
        _notes(lang, figures, [fig.note], fig.method, fig.source, fig.period),
        source=fig.source,
        period=fig.period,
        alt=fig.summary,
    )


def _stations(store, outlines: dict | None) -> tuple:
    """Police stations inside the map's outlines: public buildings, drawn so residents can find their way."""
    from shapely.geometry import Point, shape

    from lib.maps import data as map_data

    frame = map_data.stations(store)
    if frame.empty or not outlines or not outlines.get("features"):
        return ()
    areas = [shape(f["geometry"]) for f in outlines["features"]]
    return tuple(
        (float(x), float(y))
        for x, y in zip(frame["longitude"], frame["latitude"])
        if any(a.covers(Point(x, y)) for a in areas)
    )


def pf_levels(store) -> list[str]:
    from lib.public import figures as pf

    return pf.levels(store)


def _engagement_slide(store, level, area, period: Period, lang: str, rules) -> Slide:
    from lib.deck import figures as dfig
    from lib.public import figures as pf
    from lib.public.i18n import date_text, month_text

    title = tr("engagement_title", lang)
    fig = pf.engagement(store, lang, level=level, area=area, rules=rules, now=period.end_exclusive)
    frame = fig.frame
    if not frame.empty:
        frame = dfig.months_in(frame, "period_start", period.start, period.end_exclusive)
    calendar_end = _calendar_end(store, period.end_exclusive)
    partial = None  # the calendar's last day, when the month it stops in is shown
    if not frame.empty and calendar_end is not None:
        # Where the calendar stops, no event is not zero events: months after its last event are left out, and
        # the month it stops in is kept only with events in it (its notes say it is partly covered).
        frame = frame[frame["period_start"] <= calendar_end]
        last_month = calendar_end.replace(day=1)
        if calendar_end < last_month + pd.offsets.MonthEnd(0):
            last = frame["period_start"] == last_month
            held = frame.loc[last, "events_suppressed"].any() or frame.loc[last, "events"].fillna(0).sum() > 0
            frame = frame if held else frame[~last]
            partial = calendar_end if held and last.any() else None
        frame = frame.reset_index(drop=True)
    events = frame["events"] if not frame.empty else pd.Series(dtype="Int64")
    if frame.empty or int(events.fillna(0).sum()) == 0 and not frame["events_suppressed"].any():
        return Slide(
            "engagement",
            title,
            tr("engagement_none", lang),
            Chart("columns"),
            None,
            _notes(lang, [], [fig.note], fig.method, fig.source),
            hidden=True,
            source=fig.source,
        )
    known = int(events.fillna(0).sum())
    some_hidden = bool(frame["events_suppressed"].any())
    total = None if (some_hidden or 1 <= known < (rules.min_count if rules else 5)) else known
    attendance = frame["attendance"] if "attendance" in frame else pd.Series(dtype="Int64")
    if attendance.notna().any() and not frame.get("attendance_suppressed", pd.Series(False)).any():
        message = tr(
            "engagement_attendance",
            lang,
            events=_fmt_count(total, lang),
            attendance=_fmt_count(int(attendance.sum()), lang),
        )
    else:
        message = tr("engagement_message", lang, events=_fmt_count(total, lang))
    message = _sentence(message)
    figures = [f"{month_text(m, lang)}: {_fmt_count(n, lang)}" for m, n in zip(frame["period_start"], events)]
    caveats = [fig.note or tr("attendance_unknown", lang)] if attendance.isna().all() else [fig.note]
    if partial is not None:
        caveats.append(tr("calendar_ends", lang, day=date_text(partial, lang)))
    chart = Chart("columns", x="period_start", y="events", y_title=tr("events", lang))
    period_text = f"{month_text(frame['period_start'].min(), lang)} – {month_text(frame['period_start'].max(), lang)}"
    return Slide(
        "engagement",
        title,
        message,
        chart,
        _public(frame),
        _notes(lang, figures, caveats, fig.method, fig.source, period_text),
        source=fig.source,
        period=period_text,
        alt=message,
    )


def _calendar_end(store, before) -> pd.Timestamp | None:
    """The day of the calendar's last event before ``before`` (None without events)."""
    if "events" not in store.tables():
        return None
    last = store.scalar(
        "SELECT max(starts_at) FROM events WHERE starts_at < :b", {"b": pd.Timestamp(before).to_pydatetime()}
    )
    return None if last is None else pd.Timestamp(last).normalize()


CONCERN_ROWS = 6  # rows the slide's table shows (lib/deck/images.py draws six); the rest are "and K more"


def _concerns_slide(store, level, area, period: Period, lang: str, rules) -> Slide:
    """ "You said, we did": the analyst-approved concerns of the area and period, category and status, open first.

    Only :func:`lib.engagement.concerns.public_items` (what the public page lists): no words as raised, no
    names. Concerns count in the period when raised before its end and still open at its start or updated since.
    """
    from lib.engagement import concerns
    from lib.public.i18n import date_text, month_text

    title = tr("concerns_title", lang)
    source = tr("source", lang, source=tr("concerns_source", lang))
    items = concerns.public_items(store, level, lang, area=area, start=period.start, end=period.end_exclusive)
    method = tr("concerns_method", lang)
    if items.empty:
        return Slide(
            "concerns",
            title,
            tr("concerns_none", lang),
            Chart("table"),
            None,
            _notes(lang, [], [], method, source),
            hidden=True,
            source=source,
        )
    dates = [
        tr("concerns_dates", lang, raised=month_text(f"{r}-01", lang), updated=date_text(u, lang))
        for r, u in zip(items["raised"], items["updated"])
    ]
    # Drawn one line a row (lib/deck/images.py): status, then category and months; the full dates and the
    # approved wording are in the frame and the speaker notes.
    closed = items["status"].isin([concerns.status_label(s, lang) for s in concerns.CLOSED])
    raised = [month_label(f"{r}-01", lang) for r in items["raised"]]
    updated = [month_label(u, lang) for u in items["updated"]]
    when = [f"{r} – {u}" if c else tr("concerns_since", lang, raised=r) for r, u, c in zip(raised, updated, closed)]
    frame = pd.DataFrame(
        {
            "status": items["status"],
            "category": items["category"],
            "when": when,
            "dates": dates,
            "note": items["public_text"],
        }
    )
    shown, more = frame.head(CONCERN_ROWS), len(frame) - CONCERN_ROWS
    message = tr("concerns_message", lang)
    if more > 0:
        message = f"{message} {tr('concerns_more', lang, k=more)}"
    figures = [f"{r.category}: {r.status} ({r.dates})" + (f". {r.note}" if r.note else "") for r in frame.itertuples()]
    return Slide(
        "concerns",
        title,
        message,
        Chart("table", columns=("status", "category", "when")),
        _public(shown.reset_index(drop=True)),
        _notes(lang, figures, [], method, source, period.label(lang)),
        source=source,
        period=period.label(lang),
        alt=message,
    )


def _upcoming_slide(store, level, area, lang: str, now, days: int = 30) -> Slide:
    from lib.public import figures as pf

    fig = pf.upcoming_events(store, lang, level=level, area=area, days=days, now=now, recent_if_none=False)
    frame = fig.frame
    title = tr("upcoming_title", lang)
    if frame.empty:
        return Slide(
            "upcoming",
            title,
            tr("upcoming_none", lang, days=days),
            Chart("table"),
            None,
            _notes(lang, [], [], fig.method, fig.source, fig.period),
            hidden=True,
            source=fig.source,
            period=fig.period,
        )
    figures = [
        " · ".join(str(v) for v in row if v is not None and str(v))
        for row in frame[["date", "time", "title", "venue"]].itertuples(index=False)
    ]
    chart = Chart("table", columns=("date", "time", "title", "venue"))
    message = tr("upcoming_message", lang, n=len(frame), days=days)
    return Slide(
        "upcoming",
        title,
        message,
        chart,
        _public(frame),
        _notes(lang, figures, [], fig.method, fig.source, fig.period),
        source=fig.source,
        period=fig.period,
        alt=fig.summary,
    )


def _closing_slide(lang: str, public_url: str, rules) -> Slide:
    url = (public_url or "").strip()
    message = tr("closing_message", lang, url=url) if url else tr("closing_no_url", lang)
    return Slide(
        "closing",
        tr("closing_title", lang),
        message,
        Chart("text"),
        None,
        tr("closing_notes", lang, min=rules.min_count if rules else 5),
    )


def build_deck(
    store,
    level: str | None = None,
    area: str | None = None,
    period: Period | None = None,
    lang: str = "en",
    dataset: str | None = None,
    public_url: str = "",
    rules=None,
    now=None,
) -> list[Slide]:
    """The deck for an area of ``level`` (or the city: both None) over ``period``, in ``lang``.

    Slides, in order: title, trust and safety, crime against last year, hot
    spot map, engagement, what residents said, upcoming events, closing. A
    slide with nothing public to show starts hidden, its message saying why.
    ``now`` dates the upcoming events (today by default).
    """
    from lib.deck import figures as dfig
    from lib.public.privacy import Rules

    rules = rules or Rules.from_settings()
    dataset = dataset or dfig.default_dataset(store)
    period = period or default_period(store, dataset, rules)
    if (level is None) != (area is None):
        raise DeckError("Choose both an area level and an area, or neither for the whole city.")
    return [
        _title_slide(store, level, area, period, lang),
        _trust_slide(store, level, area, period, lang, rules),
        _crime_slide(store, dataset, level, area, period, lang, rules),
        _hotspot_slide(store, dataset, level, area, period, lang, rules),
        _engagement_slide(store, level, area, period, lang, rules),
        _concerns_slide(store, level, area, period, lang, rules),
        _upcoming_slide(store, level, area, lang, now),
        _closing_slide(lang, public_url, rules),
    ]
