"""Folium drawing: local assets only, bounded output, legends, classes."""

import base64
import io
import json
import re

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


def _hotspot_result(n: int = 200) -> pd.DataFrame:
    """Gi* on a disk of H3 cells with a cluster of incidents in its middle."""
    centre = "8928308280fffff"
    cells = sorted(h3.grid_disk(centre, 8))[:n]
    rng = np.random.default_rng(1)
    near = set(h3.grid_disk(centre, 2))
    counts = [rng.poisson(25 if c in near else 2) for c in cells]
    return hotspots.gi_star(pd.DataFrame({"cell": cells, "incidents": counts}), hotspots.contiguity(cells))


def _layer_script(group, name: str) -> str:
    from lib.app import map_script

    return map_script.layer_script(group, name)[0]


def test_hot_spot_layer_sends_rounded_hexagons_and_each_bin_once():
    result = _hotspot_result()
    drawn = maps.overlays()
    maps.add_hotspots(drawn, result, 9, "2019")
    script = _layer_script(drawn.groups([])[0], "layerhotspots")
    sig = result[result["bin"] != 0]
    assert len(sig) > 10
    # Coordinates to about a metre (5 decimals), never h3's full precision.
    numbers = re.findall(r"-?\d+\.\d+", script.split("bindTooltip")[0])
    assert numbers and max(len(n.split(".")[1]) for n in numbers) <= maps.DIGITS
    # The style is looked up by the hexagon's bin: no hexagon's id is written into the script.
    assert not any(cell in script for cell in sig["cell"])
    assert "switch(feature.properties.bin)" in script
    # The tooltip still names each hexagon's bin, once per bin.
    for b in sig["bin"].unique():
        assert script.count(json.dumps(hotspots.bin_label(int(b)))) == 1
    assert script.count('"type": "Feature"') == len(sig)


def test_area_layer_sends_only_what_its_tooltip_shows_and_a_click_needs():
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-87.712345678, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.712345678, 41.8]]],
                },
                "properties": {"code": "1", "name": "One", "incidents": 50, "area_km2": 59.875887313331845},
            }
        ],
    }
    drawn = maps.overlays()
    maps.add_areas(drawn, fc, "count", "district", "2019")
    script = _layer_script(drawn.groups([])[0], "layerareas")
    assert '"code": "1"' in script and '"name": "One"' in script and '"incidents": 50' in script
    assert "59.875887" not in script and "area_km2" not in script
    assert "-87.71235" in script and "-87.712345" not in script


def test_a_layer_put_back_from_its_script_draws_as_the_layer_itself():
    """Going back to a filter sends the frame the script kept for it: the same layer as drawing it afresh."""
    from streamlit_folium import _get_feature_group_string

    result = _hotspot_result()

    def group():
        drawn = maps.overlays()
        maps.add_hotspots(drawn, result, 9, "2019")
        return drawn.groups([])[0]

    kept = _layer_script(group(), "layerhotspots")
    assert _layer_script(group(), "layerhotspots") == kept  # the same filter renders the same script
    var = "feature_group_layerhotspots"
    base = maps.base_map(BOUNDS, tiles="none")
    base.render()
    put_back = _get_feature_group_string(maps.Rendered(kept, var, "Hot spots (Gi*)"), base, 0)
    fresh = _get_feature_group_string(group(), maps.base_map(BOUNDS, tiles="none"), 0)
    assert kept in put_back
    assert "var feature_group_feature_group_0 = feature_group_layerhotspots;" in put_back
    # The same hexagons, styles and tooltip as the layer drawn afresh, under the layer's own names.
    assert put_back.count('"type": "Feature"') == fresh.count('"type": "Feature"') == len(result[result["bin"] != 0])
    assert fresh.replace("feature_group_0", "layerhotspots").split("map_div.addLayer")[0].strip() in put_back
