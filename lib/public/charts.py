"""Charts of the public figures (plotly), in the figure's language and the colour-blind-safe palette.

Each takes a :class:`lib.public.figures.PublicFigure` and draws only what its
frame holds (already through lib/privacy): a suppressed count is a missing bar
or point, never a number.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.constants import CATEGORICAL_COLORS
from lib.public.i18n import t
from lib.store.text import html_text

BLUE, ORANGE = CATEGORICAL_COLORS[0], CATEGORICAL_COLORS[1]


def _layout(fig: go.Figure, height: int, lang: str, **kw) -> go.Figure:
    kw.setdefault("hovermode", "x unified")
    fig.update_layout(
        height=height,
        margin=dict(l=8, r=8, t=8, b=8),
        separators=",." if lang == "es" else ".,",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        **kw,
    )
    return fig


def crime_by_area(fig, top: int = 12) -> go.Figure | None:
    """Horizontal bars: this year to date against the same dates last year, for the areas with most incidents."""
    frame = fig.frame.dropna(subset=["incidents"]).sort_values("incidents", ascending=False).head(top)
    if frame.empty:
        return None
    frame = frame.iloc[::-1]
    labels = frame["area"].map(html_text)  # plotly reads labels as HTML: a name is text
    lang = fig.lang
    chart = go.Figure(
        [
            go.Bar(
                y=labels,
                x=frame["last_year"].astype("float64"),
                name=t("col.count.ytd_last", lang),
                orientation="h",
                marker_color=ORANGE,
            ),
            go.Bar(
                y=labels,
                x=frame["incidents"].astype("float64"),
                name=t("col.count.ytd", lang),
                orientation="h",
                marker_color=BLUE,
            ),
        ]
    )
    return _layout(
        chart,
        90 + 34 * len(frame),
        lang,
        barmode="group",
        hovermode="y unified",
        xaxis_title=t("chart.incidents", lang),
    )


def trend(fig) -> go.Figure | None:
    """Incidents per month, this year (line) against last year (dashed)."""
    frame = fig.frame
    if frame.empty:
        return None
    lang = fig.lang
    this_label, last_label = fig.columns.get("this_year", "this year"), fig.columns.get("last_year", "last year")
    months = [m[:3] for m in frame["month_name"]]
    traces = []
    if frame["last_year"].notna().any():  # no line (and no legend entry) for a year without data
        traces.append(
            go.Scatter(
                x=months,
                y=frame["last_year"].astype("float64"),
                name=last_label,
                mode="lines+markers",
                line=dict(color=ORANGE, dash="dash"),
                marker=dict(symbol="square"),
            )
        )
    traces.append(
        go.Scatter(
            x=months,
            y=frame["this_year"].astype("float64"),
            name=this_label,
            mode="lines+markers",
            line=dict(color=BLUE, width=3),
        )
    )
    chart = go.Figure(traces)
    return _layout(chart, 320, lang, yaxis_title=t("chart.incidents", lang), yaxis_rangemode="tozero")


def trust(fig) -> go.Figure | None:
    """Trust and safety scores per month, one line each."""
    frame = fig.frame.dropna(subset=["value"])
    if frame.empty:
        return None
    chart = go.Figure()
    first = t("measure.TRUST", fig.lang)  # the same line style for trust in every language
    names = sorted(frame["measure"].unique(), key=lambda m: (m != first, m))
    for i, measure in enumerate(names):
        part = frame[frame["measure"] == measure]
        chart.add_trace(
            go.Scatter(
                x=pd.to_datetime(part["month"]),
                y=part["value"],
                name=html_text(measure),
                mode="lines",
                line=dict(
                    color=CATEGORICAL_COLORS[i * 2 % len(CATEGORICAL_COLORS)],
                    width=2.5,
                    dash="solid" if i == 0 else "dot",
                ),
            )
        )
    return _layout(chart, 320, fig.lang, yaxis_title=t("chart.score", fig.lang))


def engagement(fig) -> go.Figure | None:
    """Community events held per month (bars); none when every month is hidden (an empty axis says nothing)."""
    frame = fig.frame
    if frame.empty or frame["events"].notna().sum() == 0 or frame["events"].fillna(0).sum() == 0:
        return None
    chart = go.Figure(
        [
            go.Bar(
                x=pd.to_datetime(frame["month"]),
                y=frame["events"].astype("float64"),
                name=t("chart.events", fig.lang),
                marker_color=CATEGORICAL_COLORS[2],
            )
        ]
    )
    return _layout(chart, 300, fig.lang, yaxis_title=t("chart.events", fig.lang), showlegend=False)


def complaints(fig) -> go.Figure | None:
    """Complaints received and closed per month (two lines); a hidden month is a gap."""
    frame = fig.frame
    if frame.empty:
        return None
    when = pd.to_datetime(frame["month"])
    chart = go.Figure(
        [
            go.Scatter(
                x=when, y=frame[col].astype("float64"), name=fig.columns[col], mode="lines+markers", marker_color=colour
            )
            for col, colour in (("received", BLUE), ("closed", ORANGE))
        ]
    )
    return _layout(chart, 300, fig.lang, yaxis_title=t("unit.complaints", fig.lang))
