"""Data (staff): upload a file, check its mapping and rejects, load it, see the load history."""

import streamlit as st

from lib.app import cached, widgets
from lib.ingest import load as ingest
from lib.ingest import uploads
from lib.ingest.readers import InputError, scalar_properties, sheet_names
from lib.public.release import touched as release_names
from lib.store import provenance
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
    help="CSV/TSV (any delimiter, UTF-8 or Windows-1252, .gz or .zip), Excel, Parquet, JSON (records, "
    "JSON Lines, GeoJSON points); boundaries as GeoJSON, zipped Shapefile, GeoPackage or KML.",
)

if upload is not None:
    path = uploads.save(upload.name, upload.getvalue())
    try:
        if kind == "boundaries":
            layer = cached.upload_layer(str(path))
            st.subheader("Preview")
            st.dataframe(layer.head(20), hide_index=True, width="stretch")
            props = scalar_properties(layer)  # lists and objects cannot be codes or names
            nested = [c for c in layer.columns if c not in props]
            if nested:
                st.caption(
                    "Not offered as codes or names (they hold lists or objects): "
                    + markdown_text(", ".join(str(c) for c in nested))
                    + "."
                )
            if not props:
                raise InputError("The layer has no property with one value per area to use as its code.")
            level = st.text_input(
                "Boundary level name",
                value=uploads.guess_level(upload.name, props) or "area",  # never an empty name to start from
                key="data_level",
                placeholder="beat, district, precinct ...",
            )
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
            sheets = sheet_names(path)
            sheet = None
            if len(sheets) > 1:
                sheet = st.selectbox(
                    "Sheet",
                    [*sheets, "all"],
                    key="data_sheet",
                    format_func=lambda s: (
                        "All sheets, stacked (the sheet's name kept in a column)" if s == "all" else s
                    ),
                )
            table = cached.upload_table(str(path), upload.name, sheet)
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
                "title": st.text_input(
                    "Source name on public pages",
                    key="data_title",
                    placeholder=provenance.readable_name(upload.name),
                    help="Who publishes it and the dataset's title, e.g. City of Chicago, Crimes - 2001 to Present. "
                    "Blank: the name shown here, read from the file name.",
                )
                or None,
                "crs": st.text_input(
                    "Coordinate system of X/Y columns (if used)", key="data_crs", placeholder="EPSG:2263"
                )
                or None,
                "sheet": sheet,
                "replace": st.checkbox(
                    "Replace earlier loads of this file",
                    key="data_replace",
                    help="Take out the rows of earlier loads of this dataset and file, in the same step: "
                    "to load a file again with other choices (a coordinate system, another column).",
                ),
            }
            if kind == "population":
                options["level"] = (
                    st.text_input("Boundary level of the area codes (blank: found by matching)", key="data_pop_level")
                    or None
                )
            checked = cached.upload_check(kind, str(path), upload.name, maps, sets, options.get("crs"), sheet)
            st.subheader("Check")
            incidents = (
                f" standing for **{int(checked.rows['count'].sum()):,} incidents**"
                if kind == "incidents" and "count" in checked.rows
                else ""
            )
            st.write(
                f"{checked.rows_read:,} rows read: **{len(checked.rows):,} usable**{incidents}, "
                f"{len(checked.rejects):,} rejected, {checked.rows_merged:,} merged or repeated, "
                f"{checked.rows_not_geocoded:,} without a usable location."
            )
            if checked.date_precision in ("day", "month"):
                st.warning(
                    "The dates give months only: weekdays and times of day will not be known."
                    if checked.date_precision == "month"
                    else "The dates carry no time of day: hour-of-day views will not include this file."
                )
            for message in checked.messages:
                st.caption(f"- {markdown_text(uploads.plain_words(message))}")
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
            counted = f", {report.incidents_loaded:,} incidents" if report.incidents_loaded is not None else ""
            st.success(f"Loaded {report.rows_loaded:,} rows{counted} (load #{report.load_id}).")
            if report.unplaced_areas:
                st.warning(
                    f"{sum(n for _, n in report.unplaced_areas):,} incidents carry {report.area_level} codes no "
                    "boundary has; they count citywide but in no area."
                )
                st.dataframe(
                    {
                        f"{report.area_level} code": [c for c, _ in report.unplaced_areas],
                        "incidents": [n for _, n in report.unplaced_areas],
                    },
                    hide_index=True,
                )
            st.code(report.summary(), language=None)
            for message in report.messages:
                st.caption(f"- {markdown_text(uploads.plain_words(message))}")
            if kind in ("incidents", "boundaries", "complaints", "allegations", "commendations") and report.rows_loaded:
                widgets.refresh_release(cached.store(), release_names(kind, report.dataset))
    except InputError as exc:
        st.error(f"{markdown_text(uploads.plain_words(str(exc)))}\n\nNothing was loaded; the store is as it was.")

st.header("Load history")
history = ingest.loads_table(cached.store())
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
            "state",
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
    removable = history[(history["state"] == "in the store") & (history["kind"] != "removal")]
    if not removable.empty:
        with st.expander("Remove a load"):
            label = {
                int(r.load_id): f"#{int(r.load_id)} {r.kind}: {r.source_name} ({int(r.rows_loaded):,} rows)"
                for r in removable.itertuples()
            }
            target = st.selectbox("Load", list(label), format_func=label.get, key="data_remove_load")
            st.caption(
                "Takes every row of this load out of the store in one step; the load history keeps its record "
                "and the removal."
            )
            if st.button("Remove this load", key="data_remove"):
                try:
                    removal = ingest.remove_load(cached.store(), int(target))
                    st.success(markdown_text(uploads.plain_words(removal.messages[0])))
                    widgets.refresh_release(cached.store())
                except InputError as exc:
                    st.error(markdown_text(uploads.plain_words(str(exc))))
    with_rejects = history[history["rows_rejected"] > 0]["load_id"].tolist()
    if with_rejects:
        chosen = st.selectbox("Rejected rows of load", with_rejects, key="data_rejects_load")
        widgets.table_with_download(
            cached.rejects(int(chosen), cached.version()),
            f"rejects of load {chosen}",
            "The first 1,000 rejects of each load are kept.",
        )
