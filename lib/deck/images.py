"""Static images of the deck: each slide's chart, and whole slides, drawn with matplotlib.

matplotlib draws offline and fast, with no browser (plotly's static export
needs kaleido and a Chrome) and no tile server: hot spot maps are the H3
hexagons and the boundary polygons themselves. Everything is sized to be read
from the back of a hall: 20 pt and larger on a 13.3 x 7.5 inch slide, thick
lines, near-black text on white, the Okabe-Ito colours of lib/constants.py
(and Esri's hot spot colours for the map), labels in the deck's language.

- :func:`chart_png`: one chart as PNG (the page's "download chart" and the
  PowerPoint pictures);
- :func:`slide_figure` / :func:`slide_png`: a whole 16:9 slide (title,
  message, chart, source line, number), the pages of the PDF.
"""

from __future__ import annotations

import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot-free figure use below

import h3  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import dates as mdates  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator  # noqa: E402

from lib.constants import CATEGORICAL_COLORS, HOTSPOT_COLORS, PRIMARY_COLOR  # noqa: E402
from lib.deck.slides import MONTHS, Slide  # noqa: E402
from lib.deck.text import number, tr  # noqa: E402

INK = "#111111"  # text: contrast 18.9:1 on white
MUTED = "#3D3D3D"  # secondary text: 10.9:1
GRID = "#D0D0D0"
LAST_YEAR = "#6B6B6B"  # last year's line: 5.3:1, dashed as well as grey
SLIDE_SIZE = (13.333, 7.5)  # inches, PowerPoint's 16:9
CHART_SIZE = (12.0, 5.6)  # inches, the chart area of a slide
STYLE = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: accents for Spanish, same look everywhere
    "font.size": 20,
    "text.parse_math": False,  # a name or title with "$" in it is text, not mathtext (which could fail to parse)
    "axes.labelsize": 20,
    "axes.titlesize": 22,
    "xtick.labelsize": 19,
    "ytick.labelsize": 19,
    "legend.fontsize": 19,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "axes.linewidth": 1.6,
    "xtick.major.width": 1.6,
    "ytick.major.width": 1.6,
    "xtick.major.size": 7,
    "ytick.major.size": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": GRID,
    "grid.linewidth": 1.0,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,  # TrueType in the PDF: text stays selectable and searchable
}
SHORT_SUPPRESSED = "<5"
SHORT_NOT_SHOWN = "–"  # hidden as a complement (it may be large): not "<5"


def _hidden_marks(frame: pd.DataFrame, col: str) -> list[str]:
    """The mark of each row's hidden value: "<5", or "–" where ``{col}_hidden`` says it is hidden as a complement."""
    why = frame[f"{col}_hidden"] if f"{col}_hidden" in frame else pd.Series("", index=frame.index)
    return [SHORT_NOT_SHOWN if str(w) == "complementary" else SHORT_SUPPRESSED for w in why]


# Okabe-Ito colours with at least 3:1 contrast on white (blue, vermillion, bluish green, black), in
# that order: orange, sky blue and yellow are too pale for a projector.
LINE_COLORS = tuple(CATEGORICAL_COLORS[i] for i in (0, 5, 2, 7))


def _fig(size) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=size, facecolor="white")


def _month_axis(ax, lang: str, x) -> None:
    """Month ticks at the data's own months (every k-th, at most 8), the year on the first and on Januaries."""
    months = sorted(pd.to_datetime(pd.Series(x)).dropna().unique())
    if not months:
        return
    step = max(1, math.ceil(len(months) / 8))
    ticks = [pd.Timestamp(m) for m in months[::step]]
    names = MONTHS.get(lang, MONTHS["en"])
    ax.set_xticks(
        mdates.date2num(ticks),
        [
            f"{names[m.month - 1]} {m.year}" if i == 0 or m.month == 1 else names[m.month - 1]
            for i, m in enumerate(ticks)
        ],
    )


def _count_step(top: float) -> int:
    """Tick step of a count axis: multiples of 5 (5, 10, 20, 25, 50 ...), at most six ticks. No tick
    reads 1 to 4, the counts the public rules hide."""
    for step in (5, 10, 20, 25, 50):
        if top / step <= 6:
            return step
    magnitude = 10 ** int(math.log10(top / 6))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if top / (m * magnitude) <= 6)


def _int_axis(ax, lang: str) -> None:
    ax.yaxis.set_major_locator(MultipleLocator(_count_step(max(1.0, ax.get_ylim()[1]))))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: number(v, lang)))


# -- charts ---------------------------------------------------------------------------------------------


def _trend(ax, slide: Slide, lang: str) -> None:
    c, frame = slide.chart, slide.frame
    groups = [(None, frame)] if not c.group else list(frame.groupby(c.group, sort=False))
    for i, (name, rows) in enumerate(groups):
        rows = rows.sort_values(c.x)
        x = pd.to_datetime(rows[c.x])
        y = pd.to_numeric(rows[c.y], errors="coerce").astype("float64")
        color = PRIMARY_COLOR if len(groups) == 1 else LINE_COLORS[i % len(LINE_COLORS)]
        if c.lo and c.hi and rows[c.lo].notna().any():
            ax.fill_between(
                x,
                pd.to_numeric(rows[c.lo], errors="coerce").astype("float64"),
                pd.to_numeric(rows[c.hi], errors="coerce").astype("float64"),
                color=color,
                alpha=0.22,
                linewidth=0,
            )
        ax.plot(
            x,
            y,
            color=color,
            linewidth=4,
            marker="o",
            markersize=7 if len(x) < 40 else 0,
            label=str(name) if name is not None else None,
        )
        last = y.last_valid_index()
        if last is not None:
            digits = 0 if float(y[last]).is_integer() else 1
            ax.annotate(
                number(y[last], lang, digits),
                (x[last], y[last]),
                xytext=(12, 0),
                textcoords="offset points",
                va="center",
                fontsize=22,
                fontweight="bold",
                color=color,
                annotation_clip=False,
            )
    if len(groups) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(0, 1.2), ncol=len(groups), frameon=False, handlelength=2.2)
    ax.set_ylabel(c.y_title[:1].upper() + c.y_title[1:])
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    if c.y_range:
        ax.set_ylim(*c.y_range)
    _month_axis(ax, lang, frame[c.x])
    ax.margins(x=0.02)


def _compare(ax, slide: Slide, lang: str) -> None:
    c, frame = slide.chart, slide.frame.sort_values(slide.chart.x)
    x = pd.to_datetime(frame[c.x])
    this = pd.to_numeric(frame[c.y], errors="coerce").astype("float64")
    last = pd.to_numeric(frame[c.y2], errors="coerce").astype("float64")
    ax.plot(x, last, color=LAST_YEAR, linewidth=3.5, linestyle=(0, (5, 3)), marker="s", markersize=8, label=c.series[1])
    ax.plot(x, this, color=PRIMARY_COLOR, linewidth=5, marker="o", markersize=10, label=c.series[0])
    for k, col in enumerate((c.y, c.y2)):  # mark suppressed months, never their values; a year earlier above
        hidden = frame[col].isna().to_numpy()
        if col == c.y2 and hidden.all():
            continue  # nothing to compare with: no year earlier, not a year of hidden months
        for xi, mark in zip(x[hidden], np.array(_hidden_marks(frame, col), dtype=object)[hidden]):
            ax.annotate(
                mark,
                (xi, 0),
                xytext=(0, 6 + 24 * k),
                textcoords="offset points",
                ha="center",
                fontsize=17,
                color=MUTED,
            )
    ax.set_ylim(bottom=0, top=max(1.0, np.nanmax(np.r_[this.to_numpy(), last.to_numpy(), 1.0])) * 1.18)
    ax.set_ylabel(c.y_title)
    _int_axis(ax, lang)
    _month_axis(ax, lang, frame[c.x])
    ax.legend(loc="upper left", bbox_to_anchor=(0, 1.16), ncol=2, frameon=False, handlelength=3)


def _columns(ax, slide: Slide, lang: str) -> None:
    c, frame = slide.chart, slide.frame.sort_values(slide.chart.x)
    x = pd.to_datetime(frame[c.x])
    y = pd.to_numeric(frame[c.y], errors="coerce").astype("float64")
    width = 24 if len(x) < 2 else max(5.0, 0.75 * float(np.median(np.diff(mdates.date2num(x)))))
    ax.bar(x, y.fillna(0), width=width, color=PRIMARY_COLOR)
    top = max(1.0, float(np.nanmax(np.r_[y.to_numpy(), 1.0])))
    if len(x) <= 18:
        for xi, yi, mark in zip(x, y, _hidden_marks(frame, c.y)):
            text = mark if pd.isna(yi) else number(yi, lang)
            ax.annotate(
                text,
                (xi, 0 if pd.isna(yi) else yi),
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=18,
                color=INK if pd.notna(yi) else MUTED,
            )
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel(c.y_title)
    _int_axis(ax, lang)
    _month_axis(ax, lang, frame[c.x])


def _bars(ax, slide: Slide, lang: str) -> None:
    c = slide.chart
    frame = slide.frame.copy()
    frame["_v"] = pd.to_numeric(frame[c.y], errors="coerce").astype("float64")
    frame = frame.sort_values("_v", na_position="first").tail(8)
    labels = [textwrap.fill(str(v), 28) for v in frame[c.label]]
    ax.barh(range(len(frame)), frame["_v"].fillna(0), color=PRIMARY_COLOR, height=0.62)
    ax.set_yticks(range(len(frame)), labels)
    top = max(1.0, float(frame["_v"].max(skipna=True) if frame["_v"].notna().any() else 1.0))
    for i, v in enumerate(frame["_v"]):
        ax.annotate(
            SHORT_SUPPRESSED if pd.isna(v) else number(v, lang, 0 if float(v).is_integer() else 1),
            (0 if pd.isna(v) else v, i),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=20,
            fontweight="bold",
            color=INK,
        )
    ax.set_xlim(0, top * 1.2)
    ax.set_xlabel(c.y_title)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        polys = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        polys = geometry["coordinates"]
    else:
        return
    for poly in polys:
        for ring in poly:
            yield np.asarray(ring, dtype="float64")[:, :2]


def _map(ax, slide: Slide, lang: str) -> None:
    c, frame = slide.chart, slide.frame
    focus_rings, other_rings = [], []
    for feature in (c.outlines or {}).get("features", []):
        code = str(feature.get("properties", {}).get("code", feature.get("id")))
        rings = list(_rings(feature["geometry"]))
        (focus_rings if c.focus is None or code == str(c.focus) else other_rings).extend(rings)
    polys, colors = [], []
    for cell, b in zip(frame["cell"], frame["bin"]):
        boundary = h3.cell_to_boundary(cell)  # ((lat, lng), ...)
        polys.append([(lng, lat) for lat, lng in boundary])
        colors.append(HOTSPOT_COLORS.get(int(b), HOTSPOT_COLORS[0]) if pd.notna(b) else "#FFFFFF")
    if polys:
        ax.add_collection(PolyCollection(polys, facecolors=colors, edgecolors="#FFFFFF", linewidths=0.4))
    for ring in other_rings:
        ax.plot(ring[:, 0], ring[:, 1], color="#8A8A8A", linewidth=1.2)
    for ring in focus_rings:
        ax.plot(ring[:, 0], ring[:, 1], color=INK, linewidth=3.2)
    if c.landmarks:
        xs, ys = zip(*c.landmarks)
        ax.scatter(xs, ys, marker="*", s=700, color=INK, edgecolors="white", linewidths=1.5, zorder=5)
    pts = (
        np.vstack(focus_rings)
        if focus_rings
        else (np.array([p for poly in polys for p in poly]) if polys else np.zeros((1, 2)))
    )
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    pad = 0.04 * max(x1 - x0, y1 - y0, 1e-3)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))  # lon/lat at the map's latitude: shapes true
    ax.set_axis_off()
    present = sorted({int(b) for b in frame["bin"].dropna()}, reverse=True)
    labels = dict(zip(frame["bin"], frame["label"])) if "label" in frame else {}
    handles = [Patch(facecolor=HOTSPOT_COLORS[b], edgecolor="#555555", label=str(labels.get(b, b))) for b in present]
    if c.landmarks:
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                markersize=24,
                color=INK,
                markeredgecolor="white",
                linestyle="none",
                label=c.landmark_label,
            )
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="center left",
            bbox_to_anchor=(1.02, 0.5),
            frameon=False,
            fontsize=19,
            handlelength=1.6,
            handleheight=1.4,
        )


def _table(ax, slide: Slide, lang: str) -> None:
    c, frame = slide.chart, slide.frame.head(6)
    ax.set_axis_off()
    y = 0.95
    for _, row in frame.iterrows():
        parts = [str(row[col]) for col in c.columns if col in row and pd.notna(row[col]) and str(row[col])]
        if not parts:
            continue
        ax.text(0.0, y, parts[0], fontsize=22, fontweight="bold", va="top", transform=ax.transAxes)
        ax.text(
            0.30,
            y,
            textwrap.fill(" · ".join(parts[1:]), 56),
            fontsize=22,
            va="top",
            transform=ax.transAxes,
            linespacing=1.15,
        )
        y -= 0.165
    ax.set_xlim(0, 1)


def _text(ax, slide: Slide, lang: str) -> None:
    ax.set_axis_off()


DRAW = {
    "trend": _trend,
    "compare": _compare,
    "columns": _columns,
    "bars": _bars,
    "map": _map,
    "table": _table,
    "text": _text,
}


def has_chart(slide: Slide) -> bool:
    """Whether the slide has a chart to draw (a frame with rows, of a kind other than text)."""
    return slide.chart is not None and slide.chart.kind != "text" and slide.frame is not None and not slide.frame.empty


def draw_chart(ax, slide: Slide, lang: str) -> None:
    with matplotlib.rc_context(STYLE):
        DRAW[slide.chart.kind](ax, slide, lang)


def _chart_box(kind: str, whole_slide: bool, message_lines: int = 1) -> tuple[float, float, float, float]:
    """Where the chart's axes sit (left, bottom, width, height), leaving room for the message above,
    legends on top of line charts, values at the right of trend lines and the legend of maps."""
    left, width = {"map": (0.04, 0.60), "table": (0.05, 0.92), "trend": (0.11, 0.78)}.get(kind, (0.11, 0.84))
    legend_on_top = kind in ("compare", "trend")
    if whole_slide:
        top = 0.80 - 0.062 * message_lines - (0.10 if legend_on_top else 0.03)
        return (left, 0.15, width, top - 0.15)
    return (left, 0.11, width, 0.74 if legend_on_top else 0.82)


def chart_figure(slide: Slide, lang: str, size=CHART_SIZE) -> Figure:
    """The slide's chart alone (no title: the slide or the page gives it)."""
    fig = _fig(size)
    with matplotlib.rc_context(STYLE):
        ax = fig.add_axes(_chart_box(slide.kind, whole_slide=False))
        draw_chart(ax, slide, lang)
    return fig


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def chart_png(slide: Slide, lang: str, dpi: int = 150, size=CHART_SIZE) -> bytes:
    """The slide's chart as PNG (1800 x 840 pixels at the default 150 dpi)."""
    if not has_chart(slide):
        raise ValueError(f"Slide {slide.key!r} has no chart to export.")
    return _png(chart_figure(slide, lang, size), dpi)


# -- whole slides -----------------------------------------------------------------------------------------


def _wrap(text: str, width: int, lines: int) -> str:
    """Wrapped to ``width`` characters, the presenter's own line breaks kept, cut at ``lines`` lines."""
    out = [line for para in str(text).split("\n") for line in (textwrap.wrap(para, width) or [""])]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(0, width - 1)].rstrip() + "…"
    return "\n".join(out)


def footer_line(slide: Slide, footer: str = "") -> str:
    """A slide's period and source, then the deck's own footer (a presenter's line, e.g. the meeting)."""
    return " · ".join(p for p in (slide.period, slide.source, footer) if p)


def slide_figure(slide: Slide, lang: str, n: int = 1, total: int = 1, footer: str = "") -> Figure:
    """A whole 16:9 slide: title, message, chart (if any), source line and slide number."""
    fig = _fig(SLIDE_SIZE)
    with matplotlib.rc_context(STYLE):
        # One line of title: long ones (a presenter's own) get a smaller size rather than a second line.
        size = 40 if len(slide.title) <= 38 else max(26, int(40 * 38 / len(slide.title)))
        fig.text(
            0.045,
            0.935,
            _wrap(slide.title, int(38 * 40 / size), 1),
            fontsize=size,
            fontweight="bold",
            va="top",
            color=INK,
        )
        chart = has_chart(slide)
        if chart:
            message = _wrap(slide.message, 58, 2)
            fig.text(0.045, 0.815, message, fontsize=27, va="top", color=INK, linespacing=1.2)
            ax = fig.add_axes(_chart_box(slide.kind, whole_slide=True, message_lines=message.count("\n") + 1))
            draw_chart(ax, slide, lang)
        else:
            fig.text(0.045, 0.78, _wrap(slide.message, 50, 8), fontsize=32, va="top", color=INK, linespacing=1.3)
        fig.add_artist(Line2D([0.045, 0.955], [0.075, 0.075], color=GRID, linewidth=1.5))
        line = footer_line(slide, footer)
        # Two lines (three at a smaller size) rather than one cut with "…": source and period are read whole.
        wrapped = _wrap(line, 125, 2) if len(textwrap.wrap(line, 125)) <= 2 else _wrap(line, 140, 3)
        small = wrapped.count("\n") >= 2
        fig.text(0.045, 0.04, wrapped, fontsize=9.5 if small else 11, va="center", color=MUTED, linespacing=1.2)
        fig.text(
            0.955, 0.045, tr("slide_of", lang, n=n, total=total), fontsize=15, va="center", ha="right", color=MUTED
        )
    return fig


def slide_png(slide: Slide, lang: str, n: int = 1, total: int = 1, dpi: int = 144, footer: str = "") -> bytes:
    """A whole slide as PNG (1920 x 1080 pixels at the default 144 dpi)."""
    return _png(slide_figure(slide, lang, n, total, footer), dpi)
