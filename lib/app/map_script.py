"""A drawn layer of the staff map turned into the script streamlit-folium sends for it, once.

streamlit-folium turns every feature group passed as ``feature_group_to_add`` into Leaflet script
on every rerun (folium's templates, then its renaming of folium's variables). This does the same
for one layer, under a name of the layer's own, so lib/app/cached.py can keep the script per filter
and the page pass it back as a :class:`lib.maps.draw.Rendered` group: the same script, without
drawing the layer again.
"""

from __future__ import annotations

from textwrap import dedent

import folium
from streamlit_folium import generate_leaflet_string, get_full_id


def layer_script(group: folium.FeatureGroup, slot: str) -> tuple[str, str]:
    """(script, variable): the group's script as streamlit-folium writes it, defining the group as ``variable``.

    ``slot`` (letters and digits) names the group's variables, as streamlit-folium's
    ``feature_group_<i>`` does; the map is ``map_div``, as in the frame streamlit-folium draws.
    """
    host = folium.Map(tiles=None)
    host._id = "host"
    group.add_to(host)
    group.render()
    script = generate_leaflet_string(group, base_id=slot)
    return dedent(script.replace(get_full_id(host), "map_div")), f"feature_group_{slot}"
