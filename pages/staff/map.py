"""Map explorer (staff): where incidents concentrate, whether that is more than chance, and how it changes."""

import plotly.express as px
import streamlit as st
from streamlit_folium import st_folium

from lib.app import cached, widgets
from lib.constants import CATEGORICAL_COLORS, PRIMARY_COLOR
from lib.ingest import offense_groups
from lib.maps import draw as maps
from lib.maps import layers as map_layers
from lib.maps import view as map_view
from lib.stats import compstat
from lib.store.text import markdown_text

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Map explorer")

dataset = widgets.dataset_picker()
if not dataset:
    st.info("No incidents are loaded yet. Load an export on the Data page.")
    st.stop()

version = cached.version()
grouping = cached.offense_grouping()
names = cached.offense_names(dataset, version)
view = widgets.map_view_sidebar(dataset, grouping.groups())
offenses = grouping.offenses_in(view.groups, names) if view.groups else None
flt = map_view.incident_filter(view, dataset, offenses)
layer_view = view.with_(panel=None, layers=())  # what the layers depend on: opening a panel recomputes nothing

total, located = cached.map_total(flt, version)
st.caption(
    f"**{dataset}**, {view.period()}"
    + (f", {', '.join(view.groups)}" if view.groups else ", all offenses")
    + (f", {view.level} {', '.join(view.areas)}" if view.areas else "")
    + f": **{total:,} incidents** ({located:,} with a location). "
    + cached.sources_line("incidents", dataset, version)
)

reads = {layer: map_layers.reads(layer, flt, layer_view) for layer in view.layers}  # the stations: neither
with st.spinner("Computing the layers ..."):
    items = [cached.map_layer(layer, *reads[layer], version) for layer in view.layers]
# The base map (tiles, controls, extent) renders to the same script for the same extent, so the map
# frame stays (with its pan and zoom); only the layers and their legend go in afresh (lib/maps/draw.py).
# Each layer's script is kept per filter (cached.map_layer_script): going back to a filter draws nothing again.
base = maps.base_map(cached.map_bounds(flt, layer_view, version))
scripts = [found for layer in view.layers if (found := cached.map_layer_script(layer, *reads[layer], version))]
groups = [maps.Rendered(script, var, name) for script, var, name, _ in scripts]
if scripts:
    groups.append(maps.legend_group([legend for *_, legend in scripts]))
for item in items:
    if item.message:
        # markdown_text: a title such as "Hot spots (Gi*)" would otherwise end the bold early
        st.info(f"**{markdown_text(item.title)}**: {item.message}", icon=":material/info:")
if not view.layers:
    st.info("Choose one or more layers in the sidebar.", icon=":material/layers:")

# Only a click on an area reruns the page: panning and zooming return nothing.
clicked = st_folium(
    base,
    key="map",
    height=620,
    use_container_width=True,
    returned_objects=["last_active_drawing"],
    feature_group_to_add=groups,
    layer_control=maps.layer_control() if groups else None,
)
feature = (clicked or {}).get("last_active_drawing") or {}
props = feature.get("properties") or {}
panel_key = f"map_panel_{view.level}"
if props.get("code") and "cell" not in props and props != st.session_state.get("map_last_click"):
    st.session_state["map_last_click"] = props
    st.session_state[panel_key] = props["code"]

# Under the map, not behind a toggle: a note can explain why a legend counts fewer incidents than the
# caption above (hot spots leave out hexagons whose centre is outside the chosen areas).
for item in items:
    if item.note and not item.message:
        st.caption(f"**{markdown_text(item.title)}**: {markdown_text(item.note)}")

# A table (and its download) is built and sent only while its toggle is on: most reruns show none.
for item in items:
    if item.message or item.table.empty:
        continue
    if st.toggle(f"Table behind the map: {item.title}", key=f"map_table_{item.layer}"):
        widgets.table_with_download(item.table, f"map {item.layer}", f"{view.period()}. {len(item.table):,} rows.")

# -- the area panel ---------------------------------------------------------------
if view.level:
    areas = cached.map_areas(view.level, version)
    label = dict(zip(areas["code"], areas["name"]))
    codes = list(areas["code"])
    if panel_key not in st.session_state and view.panel in label:
        st.session_state[panel_key] = view.panel
    st.subheader(f"{view.level.title()} panel")
    code = st.selectbox(
        f"Open the panel of a {view.level} (or click it on the map)",
        codes,
        index=None,
        key=panel_key,
        placeholder=f"Choose a {view.level}",
        format_func=lambda c: c if label[c] == c else f"{label[c]} ({c})",
        filter_mode="contains",
    )
    widgets.write_view(view.with_(panel=code))
    if code:
        panel = cached.area_panel(flt, view.level, code, grouping.key(), version)
        if panel is None or panel.as_of is None:
            st.info(f"No incidents for {view.level} {markdown_text(code)} under these filters.")
        else:
            title = panel.name if panel.name == code else f"{panel.name} ({code})"
            st.markdown(
                f"**{view.level.title()} {markdown_text(title)}**, CompStat as of {panel.as_of:%b %-d, %Y} "
                f"(windows against the same weeks last year; p is the two-sided p-value of the change, "
                f"signal {compstat.THRESHOLDS_TEXT})"
            )
            widgets.table_with_download(panel.compstat, f"compstat {view.level} {code}")
            left, right = st.columns(2)
            with left:
                weekly = panel.weekly.rename(
                    columns={"this_year": "52 weeks to date", "last_year": "a year earlier"}
                ).melt("week_end", var_name="year", value_name="incidents")
                fig = px.line(
                    weekly,
                    x="week_end",
                    y="incidents",
                    color="year",
                    markers=False,
                    labels={"week_end": "Week ending", "incidents": "Incidents per week", "year": ""},
                    color_discrete_sequence=[PRIMARY_COLOR, CATEGORICAL_COLORS[1]],
                )
                fig.update_layout(
                    margin=dict(l=10, r=10, t=30, b=10),
                    height=300,
                    title=f"Weekly incidents, 52 weeks to {panel.as_of:%b %-d, %Y}",
                )
                st.plotly_chart(fig, config={"displaylogo": False})
                with st.expander("Table behind the chart"):
                    widgets.table_with_download(panel.weekly, f"weekly {view.level} {code}")
            with right:
                st.markdown(f"**Top offense groups**, {view.period()}")
                widgets.table_with_download(panel.groups, f"offense groups {view.level} {code}")
            st.markdown(f"**Community events held there**, {view.period()}: {len(panel.events):,}")
            if len(panel.events):
                widgets.table_with_download(panel.events, f"events {view.level} {code}")

# -- the offense grouping ---------------------------------------------------------------
with st.expander("Offense groups: how raw offense names are grouped (editable)"):
    st.caption(
        "Each raw name takes the group of the first rule it matches (docs/data.md, Offense groups); change a "
        "group here to override the rule for this department. A blank group restores the rule."
    )
    table = grouping.frame(names)
    edited = st.data_editor(
        table,
        key="map_grouping",
        hide_index=True,
        width="stretch",
        disabled=["offense", "how"],
        column_config={
            "group": st.column_config.SelectboxColumn(
                "group", options=list(dict.fromkeys(grouping.groups())), required=False
            )
        },
    )
    if (
        st.button("Save the grouping", key="map_grouping_save", disabled=not widgets.may_save(), help=widgets.SAVE_HELP)
        and widgets.may_save()
    ):
        offense_groups.save(cached.store(), edited)
        st.success("Saved. Maps and filters now use the new grouping.")
        st.rerun()
