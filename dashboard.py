"""Community policing dashboard: the entry point. It routes; pages/ wire widgets to lib/.

The navigation is built from lib/app/access.py's table for the session's role: a page the role may not
open is never handed to st.navigation, so its title and address never reach that browser. Its URL
(/map, /data ...) still answers: when it is the one asked for, it alone gets a hidden page under that
URL that shows a sign-in prompt in place of the page, so a staff link opens its view once its reader
has signed in.
"""

from functools import partial

import streamlit as st

from lib.app import access, cached, widgets

st.set_page_config(page_title="Community Policing Dashboard", page_icon=":material/shield:", layout="wide")

cached.store()  # on a fresh clone this loads the embedded data first, with a progress bar

account = widgets.current_account()
role = account.role if account else None
allowed = access.pages_for(role)
default = access.default_page(allowed, role)

lang = widgets.public_lang()  # the public pages' titles and the sidebar's sign-in follow the visitor's language
entries = {
    spec: st.Page(spec.path, title=widgets.page_title(spec, lang), icon=spec.icon, url_path=spec.url_path)
    for spec in allowed
}


def home() -> None:
    """ "/" opens the session's home page under its own address (/transparency, /overview), link intact."""
    st.switch_page(entries[default], query_params=st.query_params.to_dict())


sections: dict[str, list] = {}
for spec, entry in entries.items():
    sections.setdefault(widgets.section_title(spec, lang), []).append(entry)
first_section = widgets.section_title(allowed[0], lang)
sections[first_section].append(st.Page(home, title="Home", url_path="home", default=True, visibility="hidden"))
asked = widgets.asked_page(access.withheld_from(role))
if asked is not None:
    # Hidden, and running no page script: only the sign-in prompt, under the asked-for URL. A visitor's
    # browser gets a neutral title for it, not the page's.
    title = asked.title if account is not None and role is not None else widgets.PROMPT_TITLE
    prompt = partial(widgets.sign_in_prompt, asked, account, default)
    sections[first_section].append(
        st.Page(prompt, title=title, icon=":material/lock:", url_path=asked.url_path, visibility="hidden")
    )

page = st.navigation(sections)
spec = next((s for s, entry in entries.items() if entry is page), None)  # None: a sign-in prompt
if st.session_state.pop(widgets.JUST_SIGNED_IN, False) and spec is not None and spec.public:
    st.switch_page(entries[default])  # signed in on a public page: the staff home (on a staff URL: that page)
widgets.account_sidebar(account, form=spec is not None, lang=lang if spec is None or spec.public else "en")
if spec is not None and not access.allows(role, spec.role):
    st.stop()  # st.navigation only had allowed pages: a last check before any page script runs
page.run()
