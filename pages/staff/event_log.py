"""Event log (staff): record engagement events, correct them with a history of edits, edit the type rules."""

import streamlit as st

from lib.app import cached, widgets
from lib.engagement import log as event_log
from lib.engagement import types as event_types
from lib.engagement.attendance import read_sign_in
from lib.ingest.readers import InputError, read_table

widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Event log")
st.caption(
    "Record the meetings, walks and events your unit holds, with attendance where it was counted. "
    "Entries are checked before anything is saved; a refused entry leaves the store as it was. "
    "Logged events count on the Engagement page like any calendar's."
)
store = cached.store()
key = cached.engagement_key()
meta = cached.engagement_meta(key)
types = sorted(t for t in event_types.types(meta["rules"]) if t not in (event_types.CANCELLED, event_types.OTHER))
types.append(event_types.OTHER)  # staff log what was held: no "Cancelled"
levels = meta["levels"]


def _sheet(upload):
    """The uploaded sign-in sheet, read and hashed (None when none was given)."""
    if upload is None:
        return None
    from lib.ingest import uploads

    return read_sign_in(read_table(uploads.save(upload.name, upload.getvalue()), upload.name).frame)


def _save(action, *args, **kwargs):
    """Run a log write; show every reason it was refused, or clear the caches on success."""
    try:
        result = action(*args, **kwargs)
    except event_log.EventLogError as exc:
        st.error("Not saved: nothing was written.\n\n" + "\n".join(f"- {r}" for r in exc.reasons))
        return None
    except InputError as exc:
        st.error(f"Not saved: the sign-in sheet cannot be used. {exc}")
        return None
    return result  # the log renews its load id, so every cached view sees the change


task = st.segmented_control(
    "Task",
    ["Record", "Edit or remove", "History", "Type rules"],
    default="Record",
    key="log_task",
    bind="query-params",
    required=True,
)

if task == "Record":
    level = st.selectbox(
        "Area level",
        ["(none)", *levels],
        key="log_new_level",
        help="The boundary level of the area the event served; then pick the area below.",
    )
    level = None if level == "(none)" else level
    codes = list(cached.area_names(level, key)["code"]) if level else []
    with st.form("log_new", clear_on_submit=False):
        entry, editor, upload = widgets.event_form("log_new", None, types, level, codes)
        submitted = st.form_submit_button("Save event", type="primary")
    if submitted:
        event_id = _save(lambda: event_log.record(store, entry, editor, types, _sheet(upload)))
        if event_id:
            st.success(f"Saved as {event_id}. It now counts on the Engagement page.")

elif task == "Edit or remove":
    logged = event_log.logged(store)
    if logged.empty:
        st.info(
            "No events have been logged yet: record one first. Imported calendars are corrected at their "
            "source and loaded again."
        )
        st.stop()
    labels = {r.event_id: f"{r.starts_at:%Y-%m-%d %H:%M}  {r.title}  ({r.event_id})" for r in logged.itertuples()}
    chosen = st.selectbox("Event", list(labels), format_func=labels.get, key="log_edit_event", bind="query-params")
    current = event_log.get(store, chosen)
    level = st.selectbox(
        "Area level",
        ["(none)", *levels],
        key=f"log_edit_level_{chosen}",
        index=(["(none)", *levels].index(current.area_level) if current.area_level in levels else 0),
    )
    level = None if level == "(none)" else level
    codes = list(cached.area_names(level, key)["code"]) if level else []
    with st.form(f"log_edit_{chosen}"):
        entry, editor, upload = widgets.event_form(f"log_edit_{chosen}", current, types, level, codes)
        reason = st.text_input("Reason for the change", key=f"log_edit_reason_{chosen}")
        c1, c2 = st.columns(2)
        save = c1.form_submit_button("Save changes", type="primary")
        remove = c2.form_submit_button("Remove this event", help="Takes it out of every count; the history stays.")
    if save and _save(lambda: event_log.edit(store, chosen, entry, editor, types, reason, _sheet(upload))):
        st.success("Changes saved; the history below has the details.")
    if remove and _save(lambda: event_log.remove(store, chosen, editor, reason)):
        st.success(f"{chosen} removed from the counts. Its history is kept.")
    hist = event_log.history(store, chosen)
    widgets.table_with_download(
        hist.assign(edited_at=hist["edited_at"].dt.strftime("%Y-%m-%d %H:%M")), f"history of {chosen}"
    )

elif task == "History":
    hist = event_log.history(store)
    if hist.empty:
        st.info("Nothing has been logged yet.")
    else:
        widgets.table_with_download(
            hist.assign(edited_at=hist["edited_at"].dt.strftime("%Y-%m-%d %H:%M")),
            "event log history",
            "Every creation, edit and removal, newest first.",
        )

else:
    st.markdown(
        "Events get their type from the first rule whose keywords match the title; where no rule matches the "
        "title, from the first rule (scope 'title and description') that matches the description; otherwise "
        "**Other**. A type given by the calendar itself, or chosen here in the log, is kept. Keywords match "
        "whole words, case and punctuation ignored; `*` ends a word that may continue (`recruit*`), `^` means "
        "the title starts with it (`^no`). Separate keywords with commas. Type **Cancelled** is never counted "
        "as held."
    )
    updated = meta["rules_updated"]
    st.caption(f"In force: {'edited ' + f'{updated:%Y-%m-%d %H:%M}' if updated is not None else 'the defaults'}.")
    edited = st.data_editor(
        event_types.to_frame(meta["rules"]),
        num_rows="dynamic",
        hide_index=True,
        key="log_rules",
        column_config={
            "order": st.column_config.NumberColumn("order", help="First match wins."),
            "scope": st.column_config.SelectboxColumn("scope", options=list(event_types.SCOPES)),
        },
    )
    try:
        rules = event_types.from_frame(edited)
    except event_types.RulesError as exc:
        st.error(f"These rules cannot be used: {exc}")
        rules = None
    if rules is not None:
        frame, _ = cached.engagement_events("1900-01-01", "2200-01-01", (), key)
        preview = event_types.event_types(frame, rules).value_counts().rename_axis("type").reset_index(name="events")
        st.caption(f"With these rules, the {len(frame):,} stored events would be typed:")
        st.dataframe(preview, hide_index=True)
    c1, c2 = st.columns(2)
    if c1.button("Save rules", type="primary", disabled=rules is None, key="log_rules_save"):
        event_types.save(store, rules)
        st.success("Rules saved: every page now types events with them.")
    if c2.button("Back to the default rules", key="log_rules_reset"):
        event_types.reset(store)
        st.success("Default rules restored.")
    widgets.staff_download(
        "Download these rules (CSV)",
        lambda: widgets.staff_csv(edited),
        file_name="event_type_rules.csv",
        mime="text/csv",
        key="log_rules_download",
    )
