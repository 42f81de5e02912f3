"""The public map rendered once (widgets.folium_args) and drawn by widgets.static_folium sends its component
exactly what streamlit_folium.st_folium sends for the same map."""

from __future__ import annotations

import folium
import streamlit_folium

from lib.app import widgets


def _map() -> folium.Map:
    """A map of the public page's kind: tiles, two feature groups of GeoJSON with tooltips, a legend-free layer."""
    m = folium.Map(location=[41.88, -87.63], zoom_start=11, tiles=None)
    square = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "011", "label": "Hot spot, 99% confidence"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.8]]],
                },
            }
        ],
    }
    for name, field in (("Areas", "code"), ("Hot spots", "label")):
        group = folium.FeatureGroup(name=name, show=True)
        folium.GeoJson(
            square,
            name=name,
            style_function=lambda f: {"color": "#444444", "weight": 1.0},
            tooltip=folium.GeoJsonTooltip(fields=[field]),
            zoom_on_click=False,
        ).add_to(group)
        group.add_to(m)
    m.fit_bounds([[41.8, -87.7], [41.9, -87.6]])
    return m


def test_static_folium_sends_what_st_folium_sends(monkeypatch):
    sent = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: sent.append(kw))
    streamlit_folium.st_folium(
        _map(), key="public_map_en_district_", height=480, use_container_width=True, returned_objects=[]
    )
    args = widgets.folium_args(_map())
    widgets.static_folium(args, key="public_map_en_district_", height=480)
    assert len(sent) == 2
    ours, theirs = sent[1], sent[0]
    assert ours.keys() == theirs.keys()
    for name in theirs:
        if name != "on_change":
            assert ours[name] == theirs[name], name
    assert "GeoJson" in args["script"] or "geo_json" in args["script"]
