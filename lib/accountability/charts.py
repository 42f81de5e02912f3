"""Plotly figures of the Accountability page: counts over time by group, shares with intervals, bars.

Figures take the tidy frames of :mod:`lib.accountability.measures` and return ``go.Figure``; the page shows
the same frame as a table beside each one. Group names come from the data, so they go through
``html_text`` before Plotly draws them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lib.constants import CATEGORICAL_COLORS, PRIMARY_COLOR
from lib.store.text import html_text

_LAYOUT = dict(margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.2), hovermode="x unified")


def lines(frame: pd.DataFrame, x: str, y: str, group: str | None = None, y_title: str = "") -> go.Figure:
    """One line per ``group`` (or one line) of ``y`` over ``x``."""
    fig = go.Figure()
    groups = [(None, frame)] if group is None else list(frame.groupby(group, sort=False))
    for i, (name, rows) in enumerate(groups):
        color = PRIMARY_COLOR if group is None else CATEGORICAL_COLORS[i % len(CATEGORICAL_COLORS)]
        rows = rows.sort_values(x)
        fig.add_trace(
            go.Scatter(
                x=rows[x],
                y=rows[y],
                mode="lines",
                name=html_text(name if name is not None else y_title),
                line=dict(color=color, width=2),
            )
        )
    fig.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None, height=360)
    return fig


def shares(frame: pd.DataFrame, label: str, title: str = "Share sustained") -> go.Figure:
    """Horizontal bars of ``share`` per ``label`` with the interval ``low``-``high`` as error bars."""
    rows = frame.dropna(subset=["share"]).sort_values("share")
    fig = go.Figure(
        go.Bar(
            x=rows["share"] * 100,
            y=[html_text(v) for v in rows[label]],
            orientation="h",
            marker_color=PRIMARY_COLOR,
            error_x=dict(
                type="data",
                symmetric=False,
                array=(rows["high"] - rows["share"]) * 100,
                arrayminus=(rows["share"] - rows["low"]) * 100,
            ),
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(**_LAYOUT, xaxis_title=f"{title} (%), with 95% interval", height=max(260, 28 * len(rows) + 80))
    return fig


def bars(frame: pd.DataFrame, x: str, y: str, y_title: str = "") -> go.Figure:
    """Vertical bars of ``y`` per ``x``, in the frame's order."""
    fig = go.Figure(go.Bar(x=[html_text(v) for v in frame[x]], y=frame[y], marker_color=PRIMARY_COLOR))
    fig.update_layout(**_LAYOUT, yaxis_title=y_title, xaxis_title=None, height=320)
    return fig
