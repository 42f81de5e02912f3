"""Area maps: one boundary level shaded by a value per area, with a colour bar and hover text (plotly).

The outlines (the simplified ones stored at load time, ``geometry_simple``)
are drawn as filled SVG shapes on longitude/latitude axes kept at the true
aspect ratio. No base-map tiles, no WebGL and no script from a CDN: the map
works on a department network without internet access, in every browser and
in tests. Areas without a value are drawn grey and say so on hover. Colours
are colour-blind safe: a single-hue blue ramp for amounts, a blue-to-vermilion
diverging ramp centred on 0 for gaps.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale

from lib.store.text import html_text

SEQUENTIAL = [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]]
DIVERGING = [[0.0, "#0072B2"], [0.25, "#9ecae1"], [0.5, "#f7f7f7"], [0.75, "#fdbe85"], [1.0, "#D55E00"]]
MISSING = "#d9d9d9"


def _rings(geometry: str) -> tuple[list[float], list[float]]:
    """Exterior rings of a (multi)polygon as x, y lists separated by None (one filled shape each)."""
    geom = shapely.from_geojson(geometry)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for poly in getattr(geom, "geoms", [geom]):
        x, y = poly.exterior.coords.xy
        xs += list(x) + [None]
        ys += list(y) + [None]
    return xs, ys


def _fmt(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "n/a"
    if isinstance(v, (float, np.floating)):
        return f"{v:,.3g}" if abs(v) < 10 else f"{v:,.0f}"
    if isinstance(v, (int, np.integer)):
        return f"{v:,}"
    return str(v)


def area_figure(
    store,
    level: str,
    values: pd.DataFrame,
    value: str,
    caption: str,
    hover: list[str] | None = None,
    diverging: bool = False,
    height: int = 560,
) -> go.Figure:
    """A map of ``level`` shaded by ``values[value]``; ``values`` has an ``area`` column of codes."""
    shapes = store.query(
        "SELECT code, name, geometry_simple, centroid_lat FROM boundaries WHERE level = :l", {"l": level}
    )
    hover = [c for c in (hover or []) if c in values.columns and c != value]
    data = shapes.merge(
        values.rename(columns={"area": "code"}).drop(columns="name", errors="ignore"), on="code", how="left"
    )
    z = pd.to_numeric(data[value], errors="coerce")
    lo, hi = (float(z.min()), float(z.max())) if z.notna().any() else (0.0, 1.0)
    if diverging:
        bound = max(abs(lo), abs(hi), 1e-9)
        lo, hi = -bound, bound
    hi = hi if hi > lo else lo + 1
    scale = DIVERGING if diverging else SEQUENTIAL
    fig = go.Figure()
    for row, v in zip(data.to_dict("records"), z):
        xs, ys = _rings(row["geometry_simple"])
        color = MISSING if pd.isna(v) else sample_colorscale(scale, [(v - lo) / (hi - lo)])[0]
        text = (
            f"<b>{html_text(level.title())} {html_text(row['code'])}</b> ({html_text(row['name'])})"
            f"<br>{html_text(value.replace('_', ' '))}: {html_text(_fmt(v))}"
            + "".join(f"<br>{html_text(c.replace('_', ' '))}: {html_text(_fmt(row.get(c)))}" for c in hover)
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=color,
                line=dict(color="#ffffff", width=0.6),
                hoveron="fills",
                text=text,
                hoverinfo="text",
                showlegend=False,
                name=str(row["code"]),
            )
        )
    # The colour bar: an invisible marker trace carrying the scale.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            marker=dict(
                colorscale=scale,
                cmin=lo,
                cmax=hi,
                color=[lo],
                showscale=True,
                colorbar=dict(title=dict(text=caption, side="right"), thickness=14),
            ),
        )
    )
    lat = float(data["centroid_lat"].mean()) if len(data) else 0.0
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(lat)), 0.1))
    fig.update_layout(
        height=height,
        margin=dict(l=0, r=0, t=0, b=0),
        plot_bgcolor="#ffffff",
        hoverlabel=dict(bgcolor="#ffffff"),
        dragmode="pan",
    )
    return fig
