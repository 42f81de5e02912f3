"""Data (staff): upload a file, check its mapping and rejects, load it, see the load history."""

import streamlit as st

from lib.app import cached, widgets
from lib.ingest import load as ingest
from lib.ingest import uploads
from lib.ingest.readers import InputError
from lib.store.schema import KINDS
from lib.store.text import markdown_text

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Load data")
st.caption(
    "Upload an export from the records system, a survey tool, a meeting calendar or the GIS unit. "
    'Nothing is written until you press "Load into the store"; a load lands whole or not at all.'
)

kind = st.selectbox("What is in the file?", list(KINDS), key="data_kind", format_func=lambda k: f"{k}: {KINDS[k].help}")
upload = st.file_uploader(
    "File",
    key="data_file",
    type=uploads.ACCEPTED,
    help="CSV/TSV (any delimiter, UTF-8 or Windows-1252, .gz or .zip), Excel, Parquet; "
    "boundaries as GeoJSON, zipped Shapefile, GeoPackage or KML.",
)

if upload is not None:
    path = uploads.save(upload.name, upload.getvalue())
    try:
        if kind == "boundaries":
            layer = cached.upload_layer(str(path))
            st.subheader("Preview")
            st.dataframe(layer.head(20), hide_index=True, width="stretch")
            props = list(layer.columns)
            level = st.text_input("Boundary level name", key="data_level", placeholder="beat, district, precinct ...")
            guess = ingest.detect_code_property(layer, level or "x") if level else props[0]
            code = st.selectbox(
                "Property with the area codes",
                props,
                index=props.index(guess) if guess in props else 0,
                key="data_code",
            )
            named = ingest.detect_name_property(layer, code)
            name = st.selectbox("Property with the display names", props, index=props.index(named), key="data_name")
            maps, sets, options = {"code": code, "name": name}, {}, {"level": level}
        else:
            table = cached.upload_table(str(path), upload.name)
            st.subheader("Preview")
            st.caption(f"Read as {table.format}; {len(table.frame):,} rows, {len(table.frame.columns)} columns.")
            st.dataframe(table.frame.head(20), width="stretch")
            st.subheader("Columns for each field")
            detected = cached.upload_mapping(kind, table)
            choices = {}
            columns = list(table.frame.columns)
            for f in KINDS[kind].fields:
                current = detected.choices.get(f.name)
                multi = f.name in ("area", "block", "location")
                default = list(current.columns) if current else []
                label = f"{f.name}{' (required)' if f.required else ''}"
                left, right = st.columns([3, 2])
                with left:
                    picked = st.multiselect(
                        label,
                        columns,
                        default=default,
                        key=f"data_map_{f.name}",
                        max_selections=None if multi else 1,
                        help=f.help,
                    )
                with right:
                    value = st.text_input(
                        f"or one value for {f.name}",
                        key=f"data_set_{f.name}",
                        help="The same value for every row, e.g. Shooting for an export of shootings.",
                    )
                choices[f.name] = value if value else picked
            maps, sets = uploads.overrides(choices)
            options = {
                "dataset": st.text_input(
                    "Dataset name",
                    value=ingest.default_dataset(upload.name),
                    key="data_dataset",
                    help="Load later extracts of the same source under the same name: "
                    "rows already loaded are then skipped.",
                ),
                "crs": st.text_input(
                    "Coordinate system of X/Y columns (if used)", key="data_crs", placeholder="EPSG:2263"
                )
                or None,
            }
            if kind == "population":
                options["level"] = (
                    st.text_input("Boundary level of the area codes (blank: found by matching)", key="data_pop_level")
                    or None
                )
            checked = cached.upload_check(kind, str(path), upload.name, maps, sets, options.get("crs"))
            st.subheader("Check")
            st.write(
                f"{checked.rows_read:,} rows read: **{len(checked.rows):,} usable**, "
                f"{len(checked.rejects):,} rejected, {checked.rows_merged:,} merged or repeated, "
                f"{checked.rows_not_geocoded:,} without a usable location."
            )
            for message in checked.messages:
                st.caption(f"- {markdown_text(message)}")
            if len(checked.rejects):
                st.markdown(
                    "\n".join(
                        f"- Row {r.row_number}: {markdown_text(r.reason)}" for r in checked.rejects.head(5).itertuples()
                    )
                )
                widgets.table_with_download(
                    checked.rejects, "rejected rows", "Row numbers count the header as row 1, as in a spreadsheet."
                )
        if st.button("Load into the store", type="primary", key="data_load"):
            bar = st.progress(0.0, text="Starting")
            report = ingest.load(
                cached.store(),
                kind,
                path,
                maps=maps,
                sets=sets,
                source_name=upload.name,
                progress=lambda f, t: bar.progress(f, text=t),
                **options,
            )
            st.success(f"Loaded {report.rows_loaded:,} rows (load #{report.load_id}).")
            st.code(report.summary(), language=None)
    except InputError as exc:
        st.error(f"{exc}\n\nNothing was loaded; the store is as it was.")

st.header("Load history")
history = cached.loads(cached.version())
if history.empty:
    st.info("Nothing loaded yet.")
else:
    shown = history[
        [
            "load_id",
            "loaded_at",
            "kind",
            "dataset",
            "source_name",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "rows_duplicate",
            "rows_merged",
            "rows_not_geocoded",
            "synthetic",
        ]
    ]
    st.dataframe(shown, hide_index=True, width="stretch")
    with_rejects = history[history["rows_rejected"] > 0]["load_id"].tolist()
    if with_rejects:
        chosen = st.selectbox("Rejected rows of load", with_rejects, key="data_rejects_load")
        widgets.table_with_download(
            cached.rejects(int(chosen), cached.version()),
            f"rejects of load {chosen}",
            "The first 1,000 rejects of each load are kept.",
        )
