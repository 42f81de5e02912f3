"""Area maps: one boundary level shaded by a value per area, with a legend and tooltips (folium).

Outlines are the simplified ones stored at load time (``geometry_simple``),
so a 275-beat map is about 150 kB. Areas without a value are drawn grey and
say so in their tooltip. Colours are colour-blind safe: a single-hue blue
ramp for amounts, an orange-to-blue diverging ramp for gaps.
"""

from __future__ import annotations

import json

import branca.colormap as cm
import folium
import pandas as pd

SEQUENTIAL = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
DIVERGING = ("#0072B2", "#9ecae1", "#f7f7f7", "#fdbe85", "#D55E00")  # low (blue) .. high (vermilion)
MISSING = "#d9d9d9"


def area_map(store, level: str, values: pd.DataFrame, value: str, caption: str, tooltip: list[str] | None = None,
             diverging: bool = False, height: int = 520) -> folium.Map:
    """A folium map of ``level`` shaded by ``values[value]`` (``values`` has an ``area`` column of codes)."""
    shapes = store.query("SELECT code, name, geometry_simple FROM boundaries WHERE level = :l", {"l": level})
    data = values.set_index("area")
    tooltip = tooltip or []
    nums = pd.to_numeric(data[value], errors="coerce").dropna()
    lo, hi = (float(nums.min()), float(nums.max())) if len(nums) else (0.0, 1.0)
    if diverging:
        bound = max(abs(lo), abs(hi), 1e-9)
        lo, hi = -bound, bound
    if hi <= lo:
        hi = lo + 1
    ramp = cm.LinearColormap(DIVERGING if diverging else SEQUENTIAL, vmin=lo, vmax=hi, caption=caption)
    features = []
    for row in shapes.itertuples():
        props = {"code": row.code, "name": row.name}
        v = data[value].get(row.code) if row.code in data.index else None
        props["value"] = None if v is None or pd.isna(v) else float(v)
        for col in tooltip:
            cell = data[col].get(row.code) if row.code in data.index else None
            props[col] = "n/a" if cell is None or (not isinstance(cell, str) and pd.isna(cell)) else _fmt(cell)
        features.append({"type": "Feature", "geometry": json.loads(row.geometry_simple), "properties": props})
    collection = {"type": "FeatureCollection", "features": features}
    fmap = folium.Map(tiles="CartoDB positron", control_scale=True, height=height)

    def style(feature):
        v = feature["properties"]["value"]
        return {"fillColor": MISSING if v is None else ramp(v), "color": "#555555", "weight": 0.6,
                "fillOpacity": 0.75}

    folium.GeoJson(
        collection, name=level, style_function=style,
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["code", "name", *tooltip],
                                      aliases=[f"{level.title()}", "Name", *[c.replace("_", " ") for c in tooltip]]),
    ).add_to(fmap)
    ramp.add_to(fmap)
    if features:
        bounds = _bounds(features)
        fmap.fit_bounds(bounds)
    return fmap


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 10 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _bounds(features: list[dict]) -> list[list[float]]:
    lats, lons = [], []

    def walk(coords):
        if isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for f in features:
        walk(f["geometry"]["coordinates"])
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
