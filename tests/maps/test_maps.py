"""Folium drawing: local assets only, bounded output, legends, classes."""

import base64
import io

import h3
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from lib.maps import draw as maps
from lib.stats import hotspots, kde

BOUNDS = ((41.80, -87.75), (41.95, -87.55))


def rendered(m) -> str:
    return m.get_root().render()


def test_no_script_or_style_comes_from_a_cdn():
    m = maps.new_map(BOUNDS, tiles="none")
    rng = np.random.default_rng(0)
    events = pd.DataFrame(
        {
            "latitude": 41.85 + rng.normal(0, 0.01, 20),
            "longitude": -87.65 + rng.normal(0, 0.01, 20),
            "type": ["Beat meeting"] * 20,
            "title": ["835 Beat Meeting"] * 20,
            "starts_at": pd.Timestamp("2019-01-05"),
            "placed": "own location",
        }
    )
    legends = [maps.add_events(m, events, "2019")]
    maps.finish(m, legends)
    html = rendered(m)
    for host in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "netdna.bootstrapcdn.com"):
        assert host not in html
    assert "app/static/vendor/leaflet-1.9.3/leaflet.js" in html
    assert "app/static/vendor/leaflet.markercluster-1.1.0/leaflet.markercluster.js" in html


def test_vendored_assets_exist():
    from lib.store.settings import PROJECT_DIR

    for path in (
        "leaflet-1.9.3/leaflet.js",
        "leaflet-1.9.3/leaflet.css",
        "leaflet-1.9.3/images/layers.png",
        "leaflet.markercluster-1.1.0/leaflet.markercluster.js",
        "leaflet.markercluster-1.1.0/MarkerCluster.Default.css",
    ):
        assert (PROJECT_DIR / "static" / "vendor" / path).stat().st_size > 500


def test_many_significant_hexagons_are_merged_per_bin(monkeypatch):
    cells = sorted(h3.grid_disk("8928308280fffff", 20))  # 1,261 cells
    counts = [40 if h3.grid_distance("8928308280fffff", c) <= 8 else 1 for c in cells]
    result = hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": counts}))
    significant = int((result["bin"] != 0).sum())
    full = maps.new_map(BOUNDS, tiles="none")
    maps.add_hotspots(full, result, 9, "2019")
    monkeypatch.setattr(maps, "MAX_DRAWN_CELLS", 10)
    merged = maps.new_map(BOUNDS, tiles="none")
    legend = maps.add_hotspots(merged, result, 9, "2019")
    assert significant > 10
    assert maps.html_size(merged) < maps.html_size(full) / 2
    assert "Hot spot, 99% confidence" in legend.items[0][1]


def test_heat_image_leaves_the_lowest_class_clear():
    density = np.array([[0.0, 10.0], [50.0, 100.0]])
    url, bounds = maps.heat_image(density, 100.0)
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert image.mode == "P" and image.info["transparency"] == 0
    assert list(np.asarray(image).ravel()) == [0, 0, 3, 5]
    assert bounds[-1] == 100.0


def test_heat_layer_legend_names_the_bandwidth():
    rng = np.random.default_rng(1)
    surface = kde.surface(41.88 + rng.normal(0, 0.01, 300), -87.63 + rng.normal(0, 0.01, 300))
    legend = maps.add_heat(maps.new_map(BOUNDS, tiles="none"), surface, "2019")
    assert f"bandwidth {surface.bandwidth_m:,.0f} m" in legend.note and len(legend.items) == 5


@pytest.mark.parametrize(
    "now, before, label",
    [
        (50, 25, "real increase"),  # mid-p 0.004
        (42, 25, "watch (up)"),  # 0.04
        (40, 25, "no clear change"),  # 0.064
        (25, 42, "watch (down)"),
        (25, 50, "real decrease"),
    ],
)
def test_change_classes_follow_the_two_count_test(now, before, label):
    from lib.stats.compstat import change_signal

    assert maps.change_class(change_signal(now, before)) == label
    assert maps.change_class(None) == "no clear change"


def test_change_legend_states_the_thresholds_as_p_values():
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.8]]],
                },
                "properties": {"code": "1", "name": "One", "incidents": 50, "last_year": 25, "signal": "real increase"},
            }
        ],
    }
    legend = maps.add_areas(maps.new_map(BOUNDS, tiles="none"), fc, "change", "district", "2019")
    assert "p < 0.01" in legend.note and "1 in 100" in legend.note
    assert [label for _, label, _ in legend.items][-1] == "real increase (p < 0.01)"


def test_legend_text_is_escaped():
    html = maps.legend_html([maps.Legend("L", "Events <b>", [("#000000", "A & B", "circle")], "note")])
    assert "Events &lt;b&gt;" in html and "A &amp; B" in html and 'data-layer="L"' in html


def _component_key(m) -> str:
    """The key streamlit-folium gives the map's component: a new key remounts the map's frame."""
    from streamlit_folium import _get_map_string, generate_js_hash

    m.get_root().render()
    m.render()
    return generate_js_hash(_get_map_string(m), "map", False)


def test_the_base_map_is_the_same_component_for_the_same_extent_whatever_the_layers():
    stations = pd.DataFrame({"name": ["A"], "address": ["1 Main St"], "latitude": [41.85], "longitude": [-87.65]})
    keys = set()
    for n in (1, 2):
        base = maps.base_map(BOUNDS, tiles="OpenStreetMap")
        drawn = maps.overlays()
        legends = [maps.add_stations(drawn, pd.concat([stations] * n, ignore_index=True))]
        groups = drawn.groups(legends)
        # The layers and the legend are outside the base: they go in as feature groups, the legend's last.
        assert len(groups) == 2
        legend = next(iter(groups[-1]._children.values()))
        assert groups[-1].control is False and f"Station ({n})" in legend.html
        keys.add(_component_key(base))
        assert "L.marker" not in base.get_root().render()
    assert len(keys) == 1
    assert _component_key(maps.base_map(((41.7, -87.8), (41.9, -87.6)), tiles="OpenStreetMap")) not in keys
    # The marker-cluster plugin comes with the base: the frame loads scripts only when it is created.
    assert any("markercluster" in src for _, src in maps.base_map(BOUNDS, tiles="none").default_js)
