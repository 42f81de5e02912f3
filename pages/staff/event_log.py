"""Event log (staff): record engagement events, correct them with a history of edits, edit the type rules,
and keep residents' concerns with what was done about them ("You said, we did")."""

import pandas as pd
import streamlit as st

from lib.app import cached, widgets
from lib.engagement import concerns
from lib.engagement import log as event_log
from lib.engagement import types as event_types
from lib.engagement.attendance import read_sign_in
from lib.ingest.readers import InputError, read_table
from lib.store.text import markdown_text

account = widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

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
    ["Record", "Edit or remove", "History", "Concerns", "Type rules"],
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

elif task == "Concerns":
    st.caption(
        "What residents raised at meetings, and what was done: each status change and action is kept with its "
        "date and who recorded it. Nothing here is public until an analyst approves a concern for publication; "
        'then the Transparency page and the deck\'s "You said, we did" slide show its category, status and '
        "dates (and the public wording, if one is approved), never the words as raised or any name."
    )
    who = account.name if account else ""

    def _write(action):
        """Run a concerns write; show every reason it was refused."""
        try:
            return action()
        except concerns.ConcernError as exc:
            st.error("Not saved: nothing was written.\n\n" + "\n".join(f"- {markdown_text(r)}" for r in exc.reasons))
        except InputError as exc:
            st.error(f"Not imported: the file cannot be read. {markdown_text(exc)}")
        return None

    doing = st.segmented_control(
        "Concerns",
        ["Open by age", "Raise", "Update", "Publish", "Import CSV"],
        default="Open by age",
        key="log_concerns_do",
        bind="query-params",
        required=True,
        label_visibility="collapsed",
    )
    listed = concerns.listing(store)
    if doing == "Open by age":
        still = listed[~listed["status"].isin(concerns.CLOSED)]
        if still.empty:
            st.info("No concern is open." if len(listed) else "No concern has been recorded yet: raise one first.")
        else:
            st.markdown(f"**{len(still):,} open concerns**, longest open first (days since raised).")
            widgets.table_with_download(still, "open concerns")
        if len(listed):
            widgets.staff_download(
                "Download every concern (CSV)",
                lambda: widgets.staff_csv(listed),
                file_name="concerns.csv",
                mime="text/csv",
                key="log_concerns_all",
            )
            widgets.staff_download(
                "Download the history of every concern (CSV)",
                lambda: widgets.staff_csv(concerns.history(store)),
                file_name="concern_history.csv",
                mime="text/csv",
                key="log_concerns_history",
            )
    elif doing == "Raise":
        level = st.selectbox("Area level", levels, key="log_concern_level")
        codes = list(cached.area_names(level, key)["code"]) if level else []
        with st.form("log_concern_new"):
            c1, c2, c3 = st.columns(3)
            raised_on = c1.date_input("Raised on", key="log_concern_date", value=None, format="YYYY-MM-DD")
            area = c2.selectbox(f"Area ({level})", codes, index=None, key="log_concern_area")
            category = c3.selectbox(
                "Category",
                list(concerns.CATEGORIES),
                index=None,
                format_func=concerns.category_label,
                key="log_concern_cat",
            )
            text = st.text_area("The concern as raised (staff only, never published)", key="log_concern_text")
            raised = st.form_submit_button("Save concern", type="primary")
        if raised:
            new = _write(
                lambda: concerns.raise_concern(store, concerns.Concern(raised_on, level, area, category, text), who)
            )
            if new:
                st.success(f"Saved as {new}, status open.")
    elif doing in ("Update", "Publish") and listed.empty:
        st.info("No concern has been recorded yet: raise one first.")
    elif doing in ("Update", "Publish"):
        labels = {
            r.concern_id: f"{r.raised_on}  {r.level} {r.area}  {concerns.category_label(r.category)}  ({r.status})"
            for r in listed.itertuples()
        }
        chosen = st.selectbox("Concern", list(labels), format_func=labels.get, key="log_concern_pick")
        current = concerns.get(store, chosen)
        st.markdown(f"> {markdown_text(current['text'])}")
        if doing == "Update":
            with st.form(f"log_concern_update_{chosen}"):
                c1, c2 = st.columns(2)
                status = c1.selectbox(
                    "Status",
                    list(concerns.STATUSES),
                    index=list(concerns.STATUSES).index(current["status"]),
                    format_func=concerns.status_label,
                    key=f"log_concern_status_{chosen}",
                )
                on = c2.date_input("Date", key=f"log_concern_on_{chosen}", format="YYYY-MM-DD")
                action = st.text_area("Action taken (for 'not possible': why)", key=f"log_concern_action_{chosen}")
                saved = st.form_submit_button("Save update", type="primary")
            if saved and _write(lambda: concerns.update(store, chosen, status, action, on, who)):
                st.success("Update saved.")
        else:
            public = current["approved_at"] is not None and not pd.isna(current["approved_at"])
            st.caption(
                f"Published since {pd.Timestamp(current['approved_at']):%Y-%m-%d} by {markdown_text(current['approved_by'])}."
                if public
                else "Not published."
            )
            with st.form(f"log_concern_publish_{chosen}"):
                wording = st.text_input(
                    "Public wording (optional, shown as written; no names or addresses)",
                    value=current["public_text"] or "",
                    max_chars=300,
                    key=f"log_concern_public_{chosen}",
                )
                c1, c2 = st.columns(2)
                ok = c1.form_submit_button("Approve for publication", type="primary")
                off = c2.form_submit_button("Withdraw from publication", disabled=not public)
            if ok and _write(lambda: concerns.approve(store, chosen, who, wording)):
                st.success("Approved: its category, status and dates (and the wording) are now public.")
            if off and _write(lambda: concerns.withdraw(store, chosen, who)):
                st.success("Withdrawn from the public page.")
        hist = concerns.history(store, chosen)
        widgets.table_with_download(hist, f"history of {chosen}")
    else:
        st.markdown(
            "A CSV (or Excel) file with one concern a row. Columns: "
            + ", ".join(f"`{c}`" for c in concerns.IMPORT_COLUMNS)
            + f"; required: {', '.join(concerns.REQUIRED)}. Categories: {', '.join(concerns.CATEGORIES)} (or their "
            "names); statuses: " + ", ".join(concerns.STATUSES) + ". Every row is checked first: one bad row and "
            "nothing is imported. Imported concerns are not published until an analyst approves them."
        )
        level = st.selectbox(
            "Area level of the file's areas (unless it has a level column)", levels, key="log_concern_import_level"
        )
        upload = st.file_uploader("Concerns file", type=["csv", "xlsx", "xls", "tsv", "txt"], key="log_concern_file")
        if upload is not None and st.button("Import", type="primary", key="log_concern_import"):
            from lib.ingest import uploads

            path = uploads.save(upload.name, upload.getvalue())
            n = _write(lambda: concerns.import_file(store, path, who, level=level, source_name=upload.name))
            if n:
                st.success(f"Imported {n:,} concerns, none published yet.")

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
