"""Users (admin): who may sign in and with which role; the same changes as `python -m lib users`."""

import pandas as pd
import streamlit as st

from lib.app import access, users, widgets

me = widgets.require_role(__file__)  # staff only (lib/app/access.py): a sign-in prompt for anyone else

st.title("Users")
st.caption(
    f"The users file: `{users.users_path()}`. Passwords are stored as Argon2id hashes, never as text. "
    "Roles: " + "; ".join(f"**{r}**: {h}" for r, h in access.ROLE_HELP.items()) + "."
)
if widgets.oidc_configured():
    st.info(
        "Staff sign in through the identity provider ([auth] in secrets.toml). Give a person a role by "
        "adding their e-mail address here without a password, or in `[auth.roles]` of secrets.toml."
    )

try:
    known = users.load()
except users.UsersError as exc:
    st.error(f"The users file cannot be read: {exc}.")
    st.stop()

table = pd.DataFrame(
    [
        {"name": u.name, "role": u.role, "signs in with": u.kind}
        for u in sorted(known.values(), key=lambda u: u.name.lower())
    ],
    columns=["name", "role", "signs in with"],
)
st.dataframe(table, hide_index=True, width="stretch")


def _change(action, *args, done: str, **kwargs) -> None:
    try:
        action(*args, **kwargs)
    except users.UsersError as exc:
        st.error(f"Not changed: {exc}. The users file is as it was.")
        return
    st.session_state["users_done"] = done
    st.rerun()  # the table above shows the change


if "users_done" in st.session_state:
    st.success(st.session_state.pop("users_done"))


add, role, remove = st.tabs(["Add a user", "Change a role", "Remove a user"])
with add:
    with st.form("users_add", clear_on_submit=True):
        name = st.text_input("Name (or e-mail address, for sign-in through the identity provider)")
        new_role = st.selectbox("Role", access.ROLES, key="users_add_role")
        oidc = st.checkbox("No password: signs in through the identity provider (OIDC)")
        first = st.text_input(
            f"Password (at least {users.MIN_PASSWORD} characters)", type="password", autocomplete="new-password"
        )
        again = st.text_input("Password once more", type="password", autocomplete="new-password")
        if st.form_submit_button("Add user", type="primary"):
            if not oidc and first != again:
                st.error("Not changed: the two passwords differ. The users file is as it was.")
            else:
                _change(users.add, name.strip(), new_role, None if oidc else first, done=f"Added {name.strip()}.")
with role:
    with st.form("users_role"):
        who = st.selectbox("User", [u.name for u in known.values()], key="users_role_name")
        to = st.selectbox("New role", access.ROLES, key="users_role_role")
        if st.form_submit_button("Change role"):
            if who and who.lower() == me.name.lower() and to != "admin":
                st.error("Not changed: you cannot take the admin role from yourself; another admin can.")
            elif who:
                _change(users.set_role, who, to, done=f"{who} is now {to}.")
with remove:
    with st.form("users_remove"):
        who = st.selectbox("User", [u.name for u in known.values()], key="users_remove_name")
        if st.form_submit_button("Remove user"):
            if who and who.lower() == me.name.lower():
                st.error("Not changed: you cannot remove yourself; another admin can.")
            elif who:
                _change(users.remove, who, done=f"Removed {who}. They are signed out at their next click.")
