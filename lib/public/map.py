"""The public hot spot map: H3 hexagons from a public hot spot figure and area outlines, nothing else.

Drawing only (lib/maps/draw.py's Leaflet, served by the app; no incident point, no
block). The figure's frame has been through lib/privacy, so the hexagons are at
most the public resolution and their tooltips give the class only (no count).
"""

from __future__ import annotations

import json

import folium
import h3

from lib.constants import HOTSPOT_COLORS
from lib.maps import draw as maps
from lib.public.figures import PublicFigure, cell_polygons
from lib.public.i18n import number, t


def outlines(store, level: str, code: str | None = None) -> dict:
    """Simplified outlines of a level's areas (or one area) as GeoJSON (properties: code, name)."""
    params = {"l": level}
    where = ""
    if code:
        where, params["c"] = " AND code = :c", str(code)
    rows = store.query(
        "SELECT code, name, coalesce(geometry_simple, geometry) AS g FROM boundaries "
        f"WHERE level = :l{where} ORDER BY code",
        params,
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c, "name": n}, "geometry": json.loads(g)}
            for c, n, g in rows.itertuples(index=False)
        ],
    }


def build(
    fig: PublicFigure, areas_fc: dict, level_label: str, lang: str = "en", tiles: str | None = None
) -> folium.Map | None:
    """A folium map of the figure's significant hexagons over the area outlines; None without outlines."""
    bounds = maps.outline_bounds(areas_fc)
    if bounds is None:
        return None
    m = maps.new_map(bounds, tiles=tiles)
    m.location = [round(float(v), 4) for v in m.location]  # the view's centre: no more digits than it needs
    base = folium.FeatureGroup(name=t("map.areas", lang), show=True)
    folium.GeoJson(
        maps._lean(areas_fc),
        name=t("map.areas", lang),
        style_function=lambda f: {"fillOpacity": 0.0, "color": "#444444", "weight": 1.0},
        tooltip=maps.TextTooltip(fields=["code"], aliases=[level_label]),
        zoom_on_click=False,
    ).add_to(base)
    base.add_to(m)
    layer = t("map.layer", lang)
    group = folium.FeatureGroup(name=layer, show=True)
    geo = cell_polygons(fig.frame, lang) if not fig.frame.empty else {"type": "FeatureCollection", "features": []}
    if geo["features"]:
        folium.GeoJson(
            geo,
            name=layer,
            style_function=lambda f: {
                "fillColor": HOTSPOT_COLORS[f["properties"]["bin"]],
                "color": "#555555",
                "weight": 0.5,
                "fillOpacity": 0.8,
            },
            tooltip=maps.TextTooltip(fields=["label"], aliases=[t("col.hotspot", lang)]),
            zoom_on_click=False,
        ).add_to(group)
    group.add_to(m)
    bins = fig.frame["bin"].value_counts() if not fig.frame.empty else {}
    items = [
        (HOTSPOT_COLORS[b], f"{t(f'bin.{b}', lang)} ({number(int(bins.get(b, 0)), lang)})", "square")
        for b in (3, 2, 1, -1, -2, -3)
        if int(bins.get(b, 0) if len(bins) else 0)
    ]
    if fig.frame.empty:
        note = fig.note or fig.summary
    else:
        res = h3.get_resolution(fig.frame["cell"].iloc[0])
        note = t("map.note", lang, period=fig.period, km2=number(h3.average_hexagon_area(res, "km^2"), lang, 2))
    return maps.finish(m, [maps.Legend(layer, t("map.legend", lang), items, note)], t("map.legend_fold", lang))


def html(m: folium.Map) -> str:
    """The map as the HTML page the browser receives (for the static site and the privacy scans)."""
    return m.get_root().render()
