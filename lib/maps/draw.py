"""Folium maps from the data frames of lib/maps/data.py and the statistics modules: drawing only.

Every layer is a ``FeatureGroup`` the reader can switch off, and returns a
:class:`Legend`; :func:`finish` adds the layer control and one legend box
whose sections follow the layers that are on. The staff Map page instead keeps
a :func:`base_map` that is the same between reruns and draws its layers into
:func:`overlays`, whose groups (the legend one of them) streamlit-folium swaps
in place, so a filter change keeps the map's frame, pan and zoom. What reaches the browser is
bounded whatever the number of incidents: area outlines, at most a few
thousand hexagons, one small PNG for the heat surface, clustered markers for
a capped number of places.

Leaflet and its marker-cluster plugin are served by the app itself
(``static/vendor``, Streamlit's static file serving), not from a CDN, so the
map works on a department network without internet access.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from urllib.parse import urlparse

import folium
import h3
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template as FoliumTemplate  # has folium's tojavascript filter
from jinja2 import Template

from lib.constants import (
    CATEGORICAL_COLORS,
    CHANGE_COLORS,
    COUNT_RAMP,
    EMERGING_COLORS,
    HEAT_RAMP,
    HOTSPOT_COLORS,
    SCORE_RAMP,
    SIGNAL_P,
    STATION_COLOR,
    WATCH_P,
)
from lib.stats.compstat import THRESHOLDS_TEXT
from lib.stats.emerging import CATEGORIES
from lib.stats.hotspots import bin_label, summary
from lib.store import settings

# Relative to the streamlit-folium component's frame (/component/<name>/index.html),
# so it also works under a server.baseUrlPath.
ASSET_BASE = "../../app/static/vendor"
LEAFLET_JS = [("leaflet", f"{ASSET_BASE}/leaflet-1.9.3/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", f"{ASSET_BASE}/leaflet-1.9.3/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", f"{ASSET_BASE}/leaflet.markercluster-1.1.0/leaflet.markercluster.js")]
CLUSTER_CSS = [
    ("markerclustercss", f"{ASSET_BASE}/leaflet.markercluster-1.1.0/MarkerCluster.css"),
    ("markerclusterdefaultcss", f"{ASSET_BASE}/leaflet.markercluster-1.1.0/MarkerCluster.Default.css"),
]
# Above this many significant hexagons, each confidence bin is drawn as one
# merged outline (no per-cell hover) to keep the page light.
MAX_DRAWN_CELLS = 4000
OTHER_COLOR = "#9E9E9E"
DIGITS = 5  # coordinates to 1 m: more only adds bytes


@dataclass
class Legend:
    """One layer's legend: its name in the layer control, a title and (colour, label, shape) rows."""

    layer: str
    title: str
    items: list[tuple[str, str, str]] = field(default_factory=list)
    note: str = ""


# -- the map -------------------------------------------------------------------


def new_map(bounds, tiles: str | None = None) -> folium.Map:
    """An empty map fitted to ((south, west), (north, east)), with local Leaflet and the configured tiles."""
    tiles = settings.get("map_tiles") if tiles is None else tiles
    (south, west), (north, east) = bounds
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    m.default_js, m.default_css = LEAFLET_JS, LEAFLET_CSS
    if tiles and tiles.lower() != "none":
        if tiles.startswith(("http://", "https://")):
            folium.TileLayer(tiles, attr=f"Base map: {urlparse(tiles).netloc}", name="Base map", control=False).add_to(
                m
            )
        else:
            folium.TileLayer(tiles, name="Base map", control=False).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def base_map(bounds, tiles: str | None = None) -> folium.Map:
    """The staff Map page's base: :func:`new_map` with no layers, the same script for the same extent.

    streamlit-folium keys its component by a hash of the map's script, so an unchanged script keeps
    the map frame (and its pan and zoom) across reruns; the layers go in as
    ``st_folium(feature_group_to_add=...)`` (:func:`overlays`), which the frame swaps in place. The
    marker-cluster plugin is loaded with the base, as the frame loads scripts only once.
    """
    m = new_map(bounds, tiles)
    m.default_js = LEAFLET_JS + CLUSTER_JS
    m.default_css = LEAFLET_CSS + CLUSTER_CSS
    _stable_ids(m, "base")
    return m


def _stable_ids(element, prefix: str) -> None:
    """Give an element and its children ids from their place in the tree, not folium's random uuids.

    Letters and digits only, like folium's own: streamlit-folium rewrites names by ``_[a-z0-9]+``.
    """
    element._id = prefix
    for i, child in enumerate(element._children.values()):
        _stable_ids(child, f"{prefix}x{i}")


class Overlays(Element):
    """Where the layers of the staff map are drawn (the ``m`` of the ``add_*`` functions), apart from the base."""

    def groups(self, legends: list[Legend], summary: str = "Legend") -> list[folium.FeatureGroup]:
        """The drawn layers and, last, the legend (a group of its own, not in the layer control)."""
        groups = [c for c in self._children.values() if isinstance(c, folium.FeatureGroup)]
        for i, group in enumerate(groups):
            _stable_ids(group, f"layer{i}")
        if legends:
            groups.append(legend_group(legends, summary))
        return groups


def overlays() -> Overlays:
    return Overlays()


def legend_group(legends: list[Legend], summary: str = "Legend") -> folium.FeatureGroup:
    """The legend of the staff map as a feature group of its own (not in the layer control), put in last."""
    holder = folium.FeatureGroup(name="Legend", control=False, show=True)
    holder.add_child(_LegendLayer(legends, summary))
    _stable_ids(holder, "legend")
    return holder


class Rendered(folium.FeatureGroup):
    """A layer of the staff map put back from the script it was rendered to once (per filter and data version).

    ``script`` defines the layer's feature group as the variable ``var`` (a name of the layer's own, so
    the script is the same wherever the layer comes in the list); streamlit-folium names each group
    it adds by its place (``feature_group_feature_group_<i>``), and this group's script gives the
    layer that name too. Drawing and rendering the layer's folium objects (the larger part of a
    rerun's map work) is then done once per filter, not on every rerun.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
{{ this.script }}
var {{ this.get_name() }} = {{ this.var }};
        {% endmacro %}
    """
    )

    def __init__(self, script: str, var: str, name: str):
        super().__init__(name=name, show=True)
        self.script, self.var = script, var

    def render(self, **kwargs):
        """Nothing to prepare: the script is ready. (folium would compile it, hundreds of kB, as a template
        into a page of the map that streamlit-folium never sends.)"""


def layer_control() -> folium.LayerControl:
    """The layer switcher of the staff map (passed to st_folium with the layers it lists)."""
    return folium.LayerControl(collapsed=False, position="topright")


_LEGEND_BOX = """
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function(map) {
                var div = L.DomUtil.create("div", "map-legend");
                div.setAttribute("role", "region");
                div.setAttribute("aria-label", "Map legend");
                div.style.cssText = "background: rgba(255,255,255,0.94); padding: 6px 10px; font: 12px/1.35 sans-serif;"
                    + " max-height: 45vh; overflow-y: auto; max-width: 270px; border-radius: 4px;"
                    + " box-shadow: 0 1px 4px rgba(0,0,0,0.3); color: #1A1A1A;";
                // Foldable, so it never has to cover the areas under it; folded from the start on a narrow
                // map (a phone), where it would cover most of it.
                var box = document.createElement("details");
                box.open = map.getSize().x >= 640;
                var summary = document.createElement("summary");
                summary.textContent = {{ this.summary|tojson }};
                summary.style.cssText = "cursor: pointer; font-weight: bold;";
                var body = document.createElement("div");
                body.innerHTML = {{ this.html|tojson }};
                box.appendChild(summary);
                box.appendChild(body);
                div.appendChild(box);
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            function show(name, on) {
                document.querySelectorAll(".map-legend [data-layer]").forEach(function(el) {
                    if (el.getAttribute("data-layer") === name) { el.style.display = on ? "" : "none"; }
                });
            }
            function shown(e) { show(e.name, true); }
            function hidden(e) { show(e.name, false); }
"""


class _LegendLayer(MacroElement):
    """The legend box inside a feature group: on the map while its group is, so it follows the layers.

    streamlit-folium removes the previous feature groups before it adds the new ones; the group's
    ``remove`` takes this legend off the map with them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var group = {{ this._parent.get_name() }};
"""
        + _LEGEND_BOX
        + """
            function on(map) {
                legend.addTo(map);
                map.on("overlayadd", shown);
                map.on("overlayremove", hidden);
            }
            group.on("add", function() { on(group._map); });
            group.on("remove", function(e) {
                var map = e.target._map || legend._map;
                if (legend._map) { legend.remove(); }
                if (map) { map.off("overlayadd", shown); map.off("overlayremove", hidden); }
            });
            if (group._map) { on(group._map); }
        })();
        {% endmacro %}
    """
    )

    def __init__(self, legends: list[Legend], summary: str = "Legend"):
        super().__init__()
        self._name = "Legend"
        self.html = legend_html(legends)
        self.summary = summary


class _LegendControl(MacroElement):
    """The legend box: one section per layer, shown while its layer is on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
"""
        + _LEGEND_BOX
        + """
            legend.addTo(map);
            map.on("overlayadd", shown);
            map.on("overlayremove", hidden);
        })();
        {% endmacro %}
    """
    )

    def __init__(self, legends: list[Legend], summary: str = "Legend"):
        super().__init__()
        self._name = "Legend"
        self.html = legend_html(legends)
        self.summary = summary


class TextTooltip(folium.GeoJsonTooltip):
    """folium's GeoJsonTooltip with every label and value put in as text, never parsed as HTML.

    folium builds its tooltip table as an HTML string from the feature's properties and sets it with
    ``innerHTML``, so an area name such as ``<img src=x onerror=...>`` from a boundary file would run.
    Here the same table is built with DOM nodes and ``textContent``; the look (folium's table style,
    ``localize``) is the same.
    """

    _template = FoliumTemplate("""
    {% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.bindTooltip(function(layer) {
        let div = L.DomUtil.create("div");
        let fields = {{ this.fields | tojson }};
        let aliases = {{ this.aliases | tojson }};
        let names = {{ this.names | tojson }};
        let table = L.DomUtil.create("table", "", div);
        fields.forEach(function(field, i) {
            let value = layer.feature.properties[field];
            if (names[field] && value !== null && value !== undefined) { value = names[field][value]; }
            value = value === null || value === undefined ? "" : (typeof value === "object" ? JSON.stringify(value) : value);
            let row = L.DomUtil.create("tr", "", table);
            {% if this.labels %}L.DomUtil.create("th", "", row).textContent = String(aliases[i]);{% endif %}
            L.DomUtil.create("td", "", row).textContent = {% if this.localize %}value.toLocaleString(){% else %}String(value){% endif %};
        });
        return div;
    }, {{ this.tooltip_options | tojavascript }});
    {% endmacro %}
    """)

    def __init__(self, fields, aliases=None, names: dict | None = None, **kwargs):
        """``names``: for a field, the text shown for each of its values (a hexagon's bin named once, not per hexagon)."""
        super().__init__(fields, aliases=aliases, **kwargs)
        self.names = {f: {str(k): v for k, v in m.items()} for f, m in (names or {}).items()}


class StyledBy(folium.GeoJson):
    """folium's GeoJson with its style looked up by one property (a hexagon's bin, an area's code).

    folium picks a property unique to each feature and writes every value of it into the style
    function (each hexagon's 15-character cell id); styled by the property the style depends on, the
    function lists each value once, whatever the number of hexagons.
    """

    def __init__(self, data, by: str, **kwargs):
        super().__init__(data, **kwargs)
        self.feature_identifier = f"feature.properties.{by}"

    def render(self, **kwargs):
        from folium.features import GeoJsonStyleMapper
        from folium.utilities import get_obj_in_upper_tree

        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if (self.style or self.highlight) and self.data["features"]:
            mapper = GeoJsonStyleMapper(self.data, self.feature_identifier, self)
            if self.style:
                self.style_map = _once(mapper.get_style_map(self.style_function))
            if self.highlight:
                self.highlight_map = _once(mapper.get_highlight_map(self.highlight_function))
        folium.map.Layer.render(self, **kwargs)  # folium.GeoJson.render less its mapping, done above


def _once(mapping: dict) -> dict:
    return {k: list(dict.fromkeys(v)) if isinstance(v, list) else v for k, v in mapping.items()}


def legend_html(legends: list[Legend]) -> str:
    """The legend as HTML: a heading, rows of swatch and label, and a note, per layer."""
    parts = []
    for lg in legends:
        rows = []
        for colour, label, shape in lg.items:
            radius = "50%" if shape == "circle" else "2px"
            rows.append(
                f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
                f'vertical-align:-2px;background:{colour};border:1px solid #555;border-radius:{radius}">'
                f"</span>{html.escape(label)}</div>"
            )
        note = f'<div style="color:#444;margin-top:2px">{html.escape(lg.note)}</div>' if lg.note else ""
        parts.append(
            f'<div data-layer="{html.escape(lg.layer)}" style="margin-bottom:6px">'
            f"<b>{html.escape(lg.title)}</b>{''.join(rows)}{note}</div>"
        )
    return "".join(parts)


def finish(m: folium.Map, legends: list[Legend], summary: str = "Legend") -> folium.Map:
    """Add the layer switcher and the legend (a foldable box headed ``summary``)."""
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    if legends:
        m.add_child(_LegendControl(legends, summary))
    return m


# -- geometry helpers ---------------------------------------------------------------


def _round(coords):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DIGITS) for c in coords]
    return [_round(c) for c in coords]


def _lean(fc: dict, keep=None) -> dict:
    """A copy of a FeatureCollection with coordinates rounded to about a metre (and only the ``keep`` properties)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": f["properties"] if keep is None else {k: f["properties"].get(k) for k in keep},
                "geometry": {"type": f["geometry"]["type"], "coordinates": _round(f["geometry"]["coordinates"])},
            }
            for f in fc["features"]
        ],
    }


def hexagon(cell: str) -> dict:
    """GeoJSON polygon of an H3 cell (h3 gives (lat, lng) pairs; GeoJSON wants [lng, lat], closed)."""
    ring = [[round(lng, DIGITS), round(lat, DIGITS)] for lat, lng in h3.cell_to_boundary(cell)]
    return {"type": "Polygon", "coordinates": [ring + ring[:1]]}


def _classes(values: pd.Series, k: int = 5) -> list[float]:
    """Upper bounds of up to ``k`` classes: quantiles of the positive values, rounded to 2 significant digits."""
    positive = values[values > 0].dropna()
    if positive.empty:
        return [1.0]
    qs = np.unique([_nice(q) for q in np.quantile(positive, np.linspace(0, 1, k + 1)[1:])])
    qs[-1] = max(qs[-1], float(positive.max()))
    return list(qs)


def _nice(x: float) -> float:
    if x <= 0:
        return 0.0
    digits = 1 - int(np.floor(np.log10(abs(x))))
    return float(round(x, digits)) if x >= 10 else float(round(x, max(digits, 1)))


def _class_colour(value, bounds: list[float], ramp) -> str:
    if value is None or pd.isna(value):
        return "#BDBDBD"
    if value <= 0:
        return ramp[0]
    for i, b in enumerate(bounds):
        if value <= b:
            return ramp[min(i + 1, len(ramp) - 1)]
    return ramp[-1]


def _class_items(bounds: list[float], ramp, fmt, zero_label: str | None) -> list[tuple[str, str, str]]:
    items = [(ramp[0], zero_label, "square")] if zero_label else []
    lo = 0.0
    for i, b in enumerate(bounds):
        items.append((ramp[min(i + 1, len(ramp) - 1)], f"{fmt(lo)} to {fmt(b)}" if i else f"up to {fmt(b)}", "square"))
        lo = b
    return items


# -- layers -------------------------------------------------------------------------


def change_class(signal) -> str:
    """Colour class of an area's change: its signal from the two-count test, "no clear change" when missing."""
    return signal if signal in CHANGE_COLORS else "no clear change"


_CHANGE_WORDS = {
    "real decrease": f"real decrease (p < {SIGNAL_P:g})",
    "watch (down)": f"watch, down (p < {WATCH_P:g})",
    "no clear change": "no clear change",
    "watch (up)": f"watch, up (p < {WATCH_P:g})",
    "real increase": f"real increase (p < {SIGNAL_P:g})",
}

MEASURES = {"count": "Incidents", "rate": "Incidents per 1,000 residents", "change": "Change against last year"}


def add_areas(m: folium.Map, fc: dict, measure: str, level: str, period: str) -> Legend:
    """Choropleth of areas: incident count, rate per 1,000 residents, or change against last year."""
    name = f"{level.title()}s: {MEASURES[measure].lower()}"
    props = pd.DataFrame([f["properties"] for f in fc["features"]])
    if measure == "change":
        colour_of = {
            f["properties"]["code"]: CHANGE_COLORS[change_class(f["properties"].get("signal"))] for f in fc["features"]
        }
        items = [(c, _CHANGE_WORDS[label], "square") for label, c in CHANGE_COLORS.items()]
        note = f"{period} against the same weeks a year earlier, {THRESHOLDS_TEXT}."
    else:
        field_ = "incidents" if measure == "count" else "per_1000"
        values = props[field_] if field_ in props else pd.Series(dtype="float64")
        bounds = _classes(values.astype("float64"))
        fmt = (lambda v: f"{v:,.0f}") if measure == "count" else (lambda v: f"{v:,.1f}")
        colour_of = {
            f["properties"]["code"]: _class_colour(f["properties"].get(field_), bounds, COUNT_RAMP)
            for f in fc["features"]
        }
        items = _class_items(bounds, COUNT_RAMP, fmt, "none")
        if measure == "rate":
            items.append(("#BDBDBD", "no population loaded", "square"))
        note = period
    fields, aliases = _tooltip_fields(props, level)
    group = folium.FeatureGroup(name=name, show=True)
    folium.GeoJson(
        _lean(fc, keep=dict.fromkeys(["code", *fields])),  # what the tooltip shows and a click needs
        name=name,
        style_function=lambda f: {
            "fillColor": colour_of.get(f["properties"]["code"], "#BDBDBD"),
            "color": "#4D4D4D",
            "weight": 1,
            "fillOpacity": 0.6,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=TextTooltip(fields=fields, aliases=aliases, localize=True, sticky=False),
        zoom_on_click=False,
    ).add_to(group)
    group.add_to(m)
    return Legend(name, MEASURES[measure] + f" by {level}", items, note.rstrip(".") + ". Click an area for its panel.")


def _tooltip_fields(props: pd.DataFrame, level: str) -> tuple[list[str], list[str]]:
    labels = {
        "name": level.title(),
        "code": "Code",
        "incidents": "Incidents",
        "last_year": "Same weeks last year",
        "change": "Change",
        "signal": "Signal",
        "p_text": "p (two-count test)",
        "per_1000": "Per 1,000 residents",
        "population": "Residents",
    }
    fields = [f for f in labels if f in props and (f not in ("per_1000", "population") or props[f].notna().any())]
    return fields, [labels[f] for f in fields]


def add_scores(m: folium.Map, fc: dict, measure: str, level: str, period: str) -> Legend:
    """Choropleth of a published survey score (TRUST or SAFETY, 0-100) by area."""
    name = f"{measure.title()} score by {level}"
    bounds = [40.0, 50.0, 60.0, 70.0, 100.0]
    colour_of = {
        f["properties"]["code"]: _class_colour(f["properties"].get(measure), bounds[:-1], SCORE_RAMP)
        for f in fc["features"]
    }
    group = folium.FeatureGroup(name=name, show=True)
    folium.GeoJson(
        _lean(fc, keep=["code", "name", measure, "periods"]),
        name=name,
        style_function=lambda f: {
            "fillColor": colour_of.get(f["properties"]["code"], "#BDBDBD"),
            "color": "#1B5E20",
            "weight": 1,
            "fillOpacity": 0.55,
        },
        tooltip=TextTooltip(
            fields=["name", measure, "periods"], aliases=[level.title(), f"{measure.title()} score (0-100)", "Months"]
        ),
        zoom_on_click=False,
    ).add_to(group)
    group.add_to(m)
    items = [
        (SCORE_RAMP[1], "under 50", "square"),
        (SCORE_RAMP[2], "50 to 60", "square"),
        (SCORE_RAMP[3], "60 to 70", "square"),
        (SCORE_RAMP[4], "70 and over", "square"),
        ("#BDBDBD", "no score", "square"),
    ]
    return Legend(
        name,
        f"{measure.title()} score (mean answer x 10)",
        items,
        f"{period}. 65 means an average answer of 6.5 out of 10, not 65%.",
    )


def heat_image(density: np.ndarray, peak: float) -> tuple[str, list[float]]:
    """PNG data URL of the surface in 6 classes (the lowest transparent) and the class bounds."""
    from PIL import Image

    bounds = [peak * f for f in (1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0)]
    idx = np.digitize(density, bounds[:-1])  # 0 .. 5
    palette = []
    for colour in HEAT_RAMP:
        palette += [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    img = Image.fromarray(idx.astype("uint8"), mode="P")
    img.putpalette(palette + [0] * (768 - len(palette)))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True, transparency=0)  # class 0 (lowest sixth) see-through
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), bounds


def add_heat(m: folium.Map, surface, period: str) -> Legend:
    """The kernel density surface as an image overlay (never the points themselves)."""
    name = "Heat surface (kernel density)"
    url, bounds = heat_image(surface.density, surface.peak)
    group = folium.FeatureGroup(name=name, show=True)
    folium.raster_layers.ImageOverlay(
        url, bounds=[list(surface.bounds[0]), list(surface.bounds[1])], opacity=0.7, interactive=False, zindex=2
    ).add_to(group)
    group.add_to(m)
    items = [(HEAT_RAMP[i], f"{bounds[i - 1]:,.0f} to {bounds[i]:,.0f}", "square") for i in range(1, 6)]
    return Legend(
        name,
        "Incidents per km² (kernel density)",
        items,
        f"{period}; {surface.n:,.0f} incidents; quartic kernel, bandwidth {surface.bandwidth_m:,.0f} m "
        "(Esri's rule). Below a sixth of the peak left clear.",
    )


def add_hotspots(m: folium.Map, result: pd.DataFrame, res: int, period: str) -> Legend:
    """Gi* hot and cold spots: the significant hexagons, in Esri's red-blue bins."""
    name = "Hot spots (Gi*)"
    group = folium.FeatureGroup(name=name, show=True)
    sig = result[result["bin"] != 0]
    if len(sig) <= MAX_DRAWN_CELLS:
        features = [
            {
                "type": "Feature",
                "geometry": hexagon(r.cell),
                # The bin's label comes with the tooltip, once per bin (``names``), not with each hexagon.
                "properties": {"incidents": int(r.incidents), "z": round(float(r.z), 2), "bin": int(r.bin)},
            }
            for r in sig.itertuples()
        ]
        tooltip = TextTooltip(
            fields=["bin", "incidents", "z"],
            aliases=["Gi*", "Incidents in hexagon", "z-score"],
            names={"bin": {int(b): bin_label(int(b)) for b in sig["bin"].unique()}},
        )
    else:
        features = []
        for b, part in sig.groupby("bin"):
            features.append(
                {
                    "type": "Feature",
                    "geometry": h3.cells_to_geo(list(part["cell"])),
                    "properties": {"bin": int(b), "label": bin_label(int(b)), "cells": len(part)},
                }
            )
        tooltip = TextTooltip(fields=["label", "cells"], aliases=["Gi*", "Hexagons"])
    if features:
        StyledBy(
            _lean({"type": "FeatureCollection", "features": features}),
            "bin",
            name=name,
            style_function=lambda f: {
                "fillColor": HOTSPOT_COLORS[f["properties"]["bin"]],
                "color": "#666666",
                "weight": 0.4,
                "fillOpacity": 0.75,
            },
            tooltip=tooltip,
            zoom_on_click=False,
        ).add_to(group)
    group.add_to(m)
    items = [(HOTSPOT_COLORS[r.bin], f"{r.label} ({r.cells:,})", "square") for r in summary(result).itertuples()]
    km2 = h3.average_hexagon_area(int(res), "km^2")
    return Legend(
        name,
        "Hot spots: Getis-Ord Gi*",
        items,
        f"{period}; {len(result):,} hexagons of {km2:.3g} km² (H3 resolution {res}), "
        f"{int(result['incidents'].sum()):,} incidents; FDR-corrected. "
        "Not significant hexagons are not drawn.",
    )


def add_emerging(m: folium.Map, result: pd.DataFrame, res: int, note: str) -> Legend:
    """Emerging hot spot categories per hexagon (cells with no pattern are not drawn)."""
    name = "Emerging hot spots"
    group = folium.FeatureGroup(name=name, show=True)
    shown = result[result["category"].isin(CATEGORIES)]
    if len(shown) <= MAX_DRAWN_CELLS:
        features = [
            {
                "type": "Feature",
                "geometry": hexagon(r.cell),
                "properties": {
                    "category": r.category,
                    "incidents": int(r.incidents),
                    "hot": int(r.hot_slices),
                    "cold": int(r.cold_slices),
                },
            }
            for r in shown.itertuples()
        ]
        tooltip = TextTooltip(
            fields=["category", "incidents", "hot", "cold"],
            aliases=["Pattern", "Incidents", "Slices hot", "Slices cold"],
        )
    else:
        features = [
            {
                "type": "Feature",
                "geometry": h3.cells_to_geo(list(part["cell"])),
                "properties": {"category": cat, "cells": len(part)},
            }
            for cat, part in shown.groupby("category")
        ]
        tooltip = TextTooltip(fields=["category", "cells"], aliases=["Pattern", "Hexagons"])
    if features:
        StyledBy(
            _lean({"type": "FeatureCollection", "features": features}),
            "category",
            name=name,
            style_function=lambda f: {
                "fillColor": EMERGING_COLORS[f["properties"]["category"]],
                "color": "#555555",
                "weight": 0.4,
                "fillOpacity": 0.8,
            },
            tooltip=tooltip,
            zoom_on_click=False,
        ).add_to(group)
    group.add_to(m)
    counts = result["category"].value_counts()
    items = [(EMERGING_COLORS[c], f"{c} ({int(counts[c])})", "square") for c in CATEGORIES if c in counts]
    if not items:
        items = [("#FFFFFF", "no pattern detected anywhere", "square")]
    return Legend(name, "Emerging hot spots", items, note)


def add_events(m: folium.Map, events: pd.DataFrame, period: str) -> Legend:
    """Community events, clustered, coloured by type; events at one place and of one type share a marker."""
    name = "Community events"
    group = folium.FeatureGroup(name=name, show=True)
    cluster = MarkerCluster(name=name, control=False, options={"maxClusterRadius": 40})
    cluster.default_js, cluster.default_css = CLUSTER_JS, CLUSTER_CSS
    located = events.dropna(subset=["latitude", "longitude"]).copy()
    # Seven types get a colour of their own (the palette has eight); the rest share grey.
    ranked = list(located["type"].value_counts().index)
    colour = {t: CATEGORICAL_COLORS[i] for i, t in enumerate(ranked[:7])}
    others = ranked[7:]
    colour.update({t: OTHER_COLOR for t in others})
    for (lat, lon, typ), part in located.groupby(["latitude", "longitude", "type"], sort=False):
        titles = part["title"].value_counts().head(4)
        where = part["placed"].iloc[0]
        text = (
            f"<b>{len(part)} {html.escape(typ)}</b> ({part['starts_at'].min():%b %-d, %Y} to "
            f"{part['starts_at'].max():%b %-d, %Y})<br>"
            + "<br>".join(f"{html.escape(str(t))} ({n})" for t, n in titles.items())
            + (
                f"<br><i>Placed at the {html.escape(where)}: the calendar gives no address coordinates.</i>"
                if where.endswith("centre")
                else ""
            )
        )
        folium.CircleMarker(
            [lat, lon],
            radius=5 + min(len(part), 50) ** 0.5,
            color="#333333",
            weight=1,
            fill=True,
            fill_color=colour[typ],
            fill_opacity=0.9,
            tooltip=folium.Tooltip(text),
        ).add_to(cluster)
    cluster.add_to(group)
    group.add_to(m)
    counts = located["type"].value_counts()
    items = [(colour[t], f"{t} ({int(counts[t]):,})", "circle") for t in ranked[:7]]
    if others:
        items.append((OTHER_COLOR, f"{len(others)} other types ({int(counts[others].sum()):,})", "circle"))
    unplaced = len(events) - len(located)
    note = period + (f"; {unplaced:,} events without any location are listed only in the table." if unplaced else "")
    return Legend(name, "Community events", items, note)


def add_stations(m: folium.Map, stations: pd.DataFrame) -> Legend:
    """Police stations as near-black squares (apart from every class colour of the area and hot spot layers)."""
    name = "Police stations"
    group = folium.FeatureGroup(name=name, show=True)
    icon_html = (
        f'<div style="width:12px;height:12px;background:{STATION_COLOR};border:2px solid #FFFFFF;'
        'box-shadow:0 0 2px #000;"></div>'
    )
    for r in stations.itertuples():
        folium.Marker(
            [r.latitude, r.longitude],
            icon=folium.DivIcon(html=icon_html, icon_size=(16, 16), icon_anchor=(8, 8)),
            tooltip=f"{html.escape(str(r.name))}<br>{html.escape(str(r.address or ''))}",
        ).add_to(group)
    group.add_to(m)
    return Legend(name, "Police stations", [(STATION_COLOR, f"Station ({len(stations)})", "square")])


def add_points(m: folium.Map, places: pd.DataFrame, total: int, period: str) -> Legend:
    """Incidents by hundred block (or small hexagon), clustered; at most the places passed in."""
    name = "Incident locations"
    group = folium.FeatureGroup(name=name, show=True)
    cluster = MarkerCluster(name=name, control=False, options={"maxClusterRadius": 35})
    cluster.default_js, cluster.default_css = CLUSTER_JS, CLUSTER_CSS
    for r in places.itertuples():
        label = r.block if isinstance(r.block, str) else "Within this 66 m hexagon"
        text = (
            f"<b>{html.escape(label)}</b>: {int(r.incidents)} incident{'s' if r.incidents != 1 else ''}"
            f"<br>{html.escape(str(r.offenses))}<br>{r.first:%b %-d, %Y} to {r.last:%b %-d, %Y}"
        )
        folium.CircleMarker(
            [r.latitude, r.longitude],
            radius=4 + min(int(r.incidents), 36) ** 0.5,
            color="#000000",
            weight=1,
            fill=True,
            fill_color=CATEGORICAL_COLORS[5],
            fill_opacity=0.85,
            tooltip=folium.Tooltip(text),
        ).add_to(cluster)
    cluster.add_to(group)
    group.add_to(m)
    shown = len(places)
    note = (
        f"{period}; {int(places['incidents'].sum()):,} incidents at {shown:,} places"
        + (f" (the {shown:,} busiest of {total:,})" if total > shown else "")
        + ". Located by hundred block, never by exact address."
    )
    return Legend(name, "Incident locations", [(CATEGORICAL_COLORS[5], "Hundred block with incidents", "circle")], note)


def html_size(m: folium.Map) -> int:
    """Bytes of the page the map becomes (what the browser receives for it)."""
    return len(m.get_root().render().encode("utf-8"))


def outline_bounds(fc: dict):
    """((south, west), (north, east)) of a FeatureCollection, or None when it is empty."""
    coords = []

    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            coords.append(c[:2])
        else:
            for x in c:
                walk(x)

    for f in fc.get("features", []):
        walk(f["geometry"]["coordinates"])
    if not coords:
        return None
    arr = np.asarray(coords, dtype="float64")
    return (float(arr[:, 1].min()), float(arr[:, 0].min())), (float(arr[:, 1].max()), float(arr[:, 0].max()))
