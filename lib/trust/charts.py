"""Plotly figures for trust and safety: trends with 95% bands, ranked bars with intervals, choropleths.

Colours come from ``lib.constants`` (the theme's Okabe-Ito palette). Figures
take tidy frames and return ``plotly.graph_objects.Figure``; the page shows the
same frame as a table beside each one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.constants import CATEGORICAL_COLORS, DIVERGING_COLORS, PRIMARY_COLOR, SEQUENTIAL_COLORS
from lib.store.text import html_text

_LAYOUT = dict(margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.15), hovermode="x unified")


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def trend(
    frame: pd.DataFrame,
    x: str,
    y: str,
    group: str | None = None,
    lo: str | None = None,
    hi: str | None = None,
    y_title: str = "Score (0-100)",
    flag: str | None = None,
) -> go.Figure:
    """Lines over time, one per ``group``, with a shaded 95% band from ``lo`` to ``hi`` where given.

    Points flagged in column ``flag`` (effective n 30-59) are drawn hollow.
    """
    fig = go.Figure()
    groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=False))
    for i, (name, rows) in enumerate(groups):
        color = PRIMARY_COLOR if group is None else CATEGORICAL_COLORS[i % len(CATEGORICAL_COLORS)]
        rows = rows.sort_values(x)
        label = str(name) if name is not None else y_title
        if lo and hi and rows[lo].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=list(rows[x]) + list(rows[x])[::-1],
                    y=list(rows[hi]) + list(rows[lo])[::-1],
                    fill="toself",
                    fillcolor=_rgba(color, 0.18),
                    line=dict(width=0),
                    hoverinfo="skip",
                    name=f"{label}: 95% interval",
                    showlegend=False,
                    legendgroup=label,
                )
            )
        symbols = [
            "circle-open" if flag and f == "flagged" else "circle" for f in (rows[flag] if flag else [None] * len(rows))
        ]
        fig.add_trace(
            go.Scatter(
                x=rows[x],
                y=rows[y],
                mode="lines+markers",
                name=label,
                legendgroup=label,
                line=dict(color=color, width=2),
                marker=dict(symbol=symbols, size=7),
            )
        )
    fig.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None, height=380)
    return fig


def ranked_estimates(
    frame: pd.DataFrame,
    label: str,
    value: str,
    lo: str | None = None,
    hi: str | None = None,
    status: str | None = None,
    x_title: str = "Score (0-100)",
) -> go.Figure:
    """Estimates ranked highest first, as dots on their 95% interval lines; flagged ones hollow, suppressed left out.

    A dot and a line rather than a bar: a score on 0-100 has no meaningful zero to grow a bar from, and a
    bar hides the lower half of its own interval.
    """
    shown = frame.dropna(subset=[value]).sort_values(value)
    flagged = [bool(status) and s == "flagged" for s in (shown[status] if status else [None] * len(shown))]
    error = None
    if lo and hi:
        error = dict(
            type="data",
            symmetric=False,
            array=shown[hi] - shown[value],
            arrayminus=shown[value] - shown[lo],
            color=PRIMARY_COLOR,
            thickness=2,
            width=4,
        )
    fig = go.Figure(
        go.Scatter(
            x=shown[value],
            y=shown[label].astype("str").map(html_text),  # plotly reads labels as HTML: a name is text
            mode="markers+text",
            marker=dict(
                size=11,
                color=["#FFFFFF" if f else PRIMARY_COLOR for f in flagged],
                line=dict(color=PRIMARY_COLOR, width=2),
            ),
            error_x=error,
            text=[f"{v:.1f}" for v in shown[value]],
            textposition="top center",
            textfont=dict(color="#1A1A1A"),
            hovertemplate="%{y}: %{x:.1f}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "hovermode": "closest", "margin": dict(l=10, r=10, t=45, b=10)},  # room for the top label
        xaxis_title=x_title,
        yaxis_title=None,
        height=max(220, 40 * len(shown) + 90),
    )
    return fig


def choropleth(
    geojson: dict,
    frame: pd.DataFrame,
    code: str,
    value: str,
    title: str,
    diverging: bool = False,
    hover: str | None = None,
) -> go.Figure:
    """Areas filled by ``value`` (sequential scale; diverging around 0 for changes); areas without a value grey.

    Drawn as filled SVG shapes in longitude/latitude (north up, the aspect
    corrected for latitude), so it needs no base map, tiles or topojson from
    the internet: it renders offline and in every browser.
    """
    from plotly.colors import sample_colorscale

    values = dict(zip(frame[code].astype("str"), frame[value]))
    labels = dict(zip(frame[code].astype("str"), frame[hover] if hover else frame[code].astype("str")))
    finite = [v for v in values.values() if pd.notna(v)]
    if diverging:
        bound = max([abs(v) for v in finite] + [1e-9])
        lo, hi = -bound, bound
        scale = [[0, DIVERGING_COLORS[0]], [0.5, DIVERGING_COLORS[1]], [1, DIVERGING_COLORS[2]]]
    else:
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1
        scale = [[i / (len(SEQUENTIAL_COLORS) - 1), c] for i, c in enumerate(SEQUENTIAL_COLORS)]
    fig = go.Figure()
    lats = []
    for feature in geojson["features"]:
        key = str(feature["properties"]["code"])
        v = values.get(key)
        color = "#D9D9D9" if v is None or pd.isna(v) else sample_colorscale(scale, [(v - lo) / (hi - lo)])[0]
        text = f"{html_text(labels.get(key, key))}: " + ("no value" if v is None or pd.isna(v) else f"{v:.2f}")
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        for poly in polygons:
            ring = np.asarray(poly[0])
            lats.extend(ring[:, 1])
            fig.add_trace(
                go.Scatter(
                    x=ring[:, 0],
                    y=ring[:, 1],
                    fill="toself",
                    fillcolor=color,
                    mode="lines",
                    line=dict(color="#FFFFFF", width=0.8),
                    hoveron="fills",
                    text=text,
                    hoverinfo="text",
                    showlegend=False,
                    name=key,
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker=dict(
                colorscale=scale, cmin=lo, cmax=hi, color=[lo], colorbar=dict(title=dict(text=title)), showscale=True
            ),
        )
    )
    ratio = 1 / np.cos(np.radians(np.mean(lats))) if lats else 1.0
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=ratio)
    fig.update_layout(margin=dict(l=0, r=0, t=10, b=0), height=560, plot_bgcolor="#FFFFFF", hovermode="closest")
    return fig
