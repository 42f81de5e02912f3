"""Streamlit widgets shared by pages: sign-in, the dataset picker, tables with downloads, source lines."""

from __future__ import annotations

import ipaddress
import math
import secrets
from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.logger import get_logger

from lib.app import access, cached, downloads, users
from lib.constants import SYNTHETIC_LABEL
from lib.store import text as data_text

_LOGGER = get_logger(__name__)

# ---- Sign-in. Who is signed in lives in st.session_state only (never in the URL or a cookie: the
# server's dashboard_browser cookie only ties a staff download to its browser), and the role is read
# again from the users file on every run, so a changed role or a reset password takes effect at the
# next click. With an [auth] section in secrets.toml, st.login (OIDC).

_SESSION_KEY = "_signed_in"
_SIGN_IN_ID = "_sign_in_id"  # new at each sign-in: a staff download made before a sign-out is not served after
_PAGE_ROLE = "_page_role"  # the role the running staff page needs (require_role), which its downloads need too
JUST_SIGNED_IN = "_just_signed_in"  # the router then opens the staff home, unless a staff page was asked for


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section: staff sign in through the identity provider."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets  # the probe never raises


def _oidc_roles() -> dict:
    roles = st.secrets["auth"].get("roles", {})
    return roles.to_dict() if hasattr(roles, "to_dict") else dict(roles)


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def current_account() -> users.Account | None:
    """Who is signed in to this session, with their current role; None when nobody is."""
    account = _read_account()
    sid = _session_id()
    if account is None or account.role is None:
        st.session_state.pop(_SIGN_IN_ID, None)
        downloads.GRANTS.signed_out(sid)
    else:
        downloads.GRANTS.signed_in(sid, st.session_state.setdefault(_SIGN_IN_ID, secrets.token_hex(16)))
    return account


def _read_account() -> users.Account | None:
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            return None
        email = st.user.get("email")
        try:
            known = users.load()
        except users.UsersError:
            known = {}
        role = users.oidc_role(email, st.user.get("email_verified"), known, _oidc_roles())
        return users.Account(email or str(st.user.get("name") or "unknown"), role, "oidc")
    signed = st.session_state.get(_SESSION_KEY)
    if not signed:
        return None
    try:
        user = users.load().get(signed["name"].lower())
    except users.UsersError:
        user = None
    if user is None or user.password_hash is None or users.fingerprint(user) != signed.get("fingerprint"):
        del st.session_state[_SESSION_KEY]  # removed, or the password was reset: signed out
        return None
    return users.Account(user.name, user.role, "password")


def _role_now(account: users.Account, fingerprint: str | None) -> str | None:
    """The role the users file gives ``account`` now. Needs no Streamlit session (downloads call it)."""
    try:
        known = users.load()
    except users.UsersError:
        return None
    if account.via == "oidc":
        return users.oidc_role(account.name, True, known, _oidc_roles() if oidc_configured() else {})
    user = known.get(account.name.lower())
    if user is None or user.password_hash is None or users.fingerprint(user) != fingerprint:
        return None
    return user.role


def _client() -> str:
    """The browser's network address, for the throttle's per-client limit ("local" for this machine).

    Behind the proxy, uvicorn takes it from X-Forwarded-For, which it trusts from loopback only and which
    deploy/nginx/dashboard.conf sets to the visitor's address, replacing any the client sent.
    """
    address = st.context.ip_address
    if not isinstance(address, str) or not address:  # loopback reads as None; AppTest has no client
        return "local"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    ip = getattr(ip, "ipv4_mapped", None) or ip  # a dual-stack socket writes 127.0.0.1 as ::ffff:127.0.0.1
    return "local" if ip.is_loopback else str(ip)


def _attempt(name: str, password: str, lang: str = "en") -> None:
    from lib.public.i18n import t

    # The attempts live in the app's store, so the limits hold across app processes. Each admission is one
    # short read-write transaction: on DuckDB the file is opened read-write for it alone, between the
    # short-lived read-only connections of page queries (lib/store/connection.py).
    throttle = users.Throttle(cached.store())
    client = _client()
    admission = throttle.admit(name, client)  # recorded before the password is checked
    if not admission.admitted:
        _LOGGER.info(
            "Sign-in refused by the %s limit, from %s: %.0f s to wait", admission.scope, client, admission.wait
        )
        seconds = math.ceil(admission.wait)
        st.error(
            t("signin.too_many_name" if admission.scope == "name" else "signin.too_many_address", lang, seconds=seconds)
        )
        return
    try:
        known = users.load()
    except users.UsersError as exc:
        _LOGGER.error("Sign-in is unavailable: %s", exc)
        st.error(t("signin.unavailable", lang))
        return
    user = users.verify(known, name, password)
    named = repr(throttle.key(name)) if throttle.key(name) in known else "an unknown name"  # never a typed password
    _LOGGER.info("Sign-in: password checked for %s from %s: %s", named, client, "right" if user else "wrong")
    if user is None:
        st.error(t("signin.wrong", lang))
        return
    throttle.succeeded(name, client)
    st.session_state[_SESSION_KEY] = {"name": user.name, "fingerprint": users.fingerprint(user)}
    st.session_state[JUST_SIGNED_IN] = True
    st.rerun()  # the navigation is rebuilt for the new role; the page asked for opens


def sign_in_form(key: str, width: int | str = "stretch", lang: str = "en") -> None:
    """The staff sign-in: the identity provider's button (OIDC), or name and password (users file).

    ``lang``: the words' language (the form also sits in a public page's sidebar).
    """
    from lib.public.i18n import t

    if oidc_configured():
        st.button(t("signin.oidc", lang), key=f"{key}_oidc", on_click=st.login, type="primary")
        return
    with st.form(key, clear_on_submit=True, enter_to_submit=True, width=width):
        # The server cuts what it receives to this: a typed name is a key of the throttle's table.
        name = st.text_input(t("signin.name", lang), key=f"{key}_name", autocomplete="username", max_chars=100)
        password = st.text_input(
            t("signin.password", lang), type="password", key=f"{key}_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button(t("signin.button", lang), type="primary")
    if submitted:
        if not (name and password and isinstance(name, str) and isinstance(password, str)):  # a crafted message
            st.error(t("signin.empty", lang))
        else:
            _attempt(name, password, lang)
    try:
        nobody = not any(u.password_hash for u in users.load().values())
    except users.UsersError as exc:
        _LOGGER.error("Sign-in is unavailable: %s", exc)
        st.error(t("signin.unavailable", lang))
        return
    if nobody:
        st.caption(t("signin.nobody", lang))


def sign_out() -> None:
    downloads.GRANTS.signed_out(_session_id())  # this tab's downloads stop working now, before the rerun
    if oidc_configured():
        st.session_state.clear()
        st.logout()
    st.session_state.clear()  # nothing of the signed-in session (filters, uploads) outlives it
    st.rerun()


# Area pickers: typing "11" picks district 11, not every name holding two 1s (Streamlit's default fuzzy
# match), and Enter never takes a "Select 11 matches" entry.
AREA_PICKING = {"filter_mode": "contains", "select_all": False}

_LANG = "public_lang_chosen"


def public_lang() -> str:
    """The public pages' language: the URL's ``?lang=`` when given (kept for the session), else the session's.

    Kept in the session so that moving between public pages by the navigation, which drops the URL's
    parameters, stays in the visitor's language; written back to the URL so a link keeps it.
    """
    from lib.public import i18n

    if "lang" in st.query_params:
        st.session_state[_LANG] = i18n.lang_from(st.query_params)
    return st.session_state.get(_LANG, i18n.DEFAULT)


_PUBLIC_NAV = {"Transparency": "nav.transparency", "About": "nav.about"}


def page_title(spec: access.PageSpec, lang: str) -> str:
    """A page's title in the navigation: public pages in the visitor's language, staff pages in English."""
    from lib.public.i18n import t

    return t(_PUBLIC_NAV[spec.title], lang) if spec.public and spec.title in _PUBLIC_NAV else spec.title


def section_title(spec: access.PageSpec, lang: str) -> str:
    from lib.public.i18n import t

    return t("nav.public", lang) if spec.public else spec.section


def account_sidebar(account: users.Account | None, form: bool = True, lang: str = "en") -> None:
    """The sidebar's sign-in (collapsed, so the public page stays plain) or who is signed in and sign-out."""
    from lib.public.i18n import t

    with st.sidebar:
        if account is None:
            if form:
                with st.expander(t("signin.title", lang), icon=":material/login:"):
                    sign_in_form("sidebar_sign_in", lang=lang)
            return
        if account.role is None:
            st.warning(
                f"Signed in as {account.name}, but this account has no role on the dashboard. "
                "Ask an administrator to give it one (docs/user-guide.md, Sign-in and roles)."
            )
        else:
            st.caption(f"Signed in as **{account.name}** ({account.role}: {access.ROLE_HELP[account.role]})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out()


PROMPT_TITLE = "Staff sign-in"  # the title of a staff URL for a visitor: the page's own name is not sent


def sign_in_prompt(
    spec: access.PageSpec | None,
    account: users.Account | None,
    home: access.PageSpec | None = None,
    key: str = "page_sign_in",
) -> None:
    """What a page shows to a session that may not open it: a sign-in form, or why the role is not enough.

    A visitor learns only that the address is a staff page, not its name; signed-in staff whose role is
    too low are told which page and which role. ``home``: the page to offer instead (the router passes
    the session's home page).
    """
    signed_in = account is not None and account.role is not None
    if not signed_in:
        st.title(PROMPT_TITLE)
        st.info(
            "This address is a page for signed-in department staff. Sign in to open it; "
            "the public figures are on the Transparency page.",
            icon=":material/lock:",
        )
        if account is None:
            sign_in_form(key, width=520)
    else:
        title = spec.title if spec is not None else "This page"
        needed = spec.role if spec is not None else access.ROLES[-1]
        st.title(f"{title}: {needed} role needed")
        st.warning(
            f"{title} needs the {needed} role; you are signed in as {account.name} ({account.role}). "
            "Ask an administrator if you need it.",
            icon=":material/lock:",
        )
    if home is not None:
        st.page_link(home.path, label=f"Open {home.title} instead", icon=home.icon)


def asked_page(specs: list[access.PageSpec]) -> access.PageSpec | None:
    """The page of ``specs`` this run's browser asked for (by URL or page hash), or None.

    The router gives a withheld page a sign-in prompt under its URL only when it is the one asked for,
    so the navigation a visitor receives names no staff page. Streamlit resolves the request from
    the same two values (its PagesManager), before st.navigation runs.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.util import calc_hash

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    manager = ctx.pages_manager
    wanted_hash, wanted_name = manager.intended_page_script_hash, manager.intended_page_name
    for spec in specs:
        if (wanted_hash and calc_hash(spec.url_path) == wanted_hash) or (
            not wanted_hash and wanted_name == spec.url_path
        ):
            return spec
    return None


SAVE_HELP = f"Saving changes what every user sees: it needs the {access.SAVE_ROLE} role."


def may_save() -> bool:
    """True when the session's role may save shared settings (survey definition, offense groups, programmes).

    Pages disable their save buttons otherwise, and check again before writing.
    """
    account = current_account()
    return access.allows(account.role if account else None, access.SAVE_ROLE)


def require_role(page_file: str) -> users.Account:
    """Stop a staff page here unless the session's role may open it (the table in lib/app/access.py).

    The router never hands such a page to a session that may not open it; this check is the second
    line, for a script run by any other route.
    """
    account = current_account()
    needed = access.required_role(page_file)
    if not access.allows(account.role if account else None, needed):
        sign_in_prompt(access.spec_for(page_file), account)
        st.stop()
    st.session_state[_PAGE_ROLE] = needed
    return account


def dataset_picker() -> str | None:
    """Sidebar choice of incident dataset, kept in the URL (``?dataset=...``) so links reopen it."""
    datasets = cached.incident_datasets(cached.version())
    if datasets.empty:
        return None
    names = list(datasets["dataset"])
    wanted = st.query_params.get("dataset")
    index = names.index(wanted) if wanted in names else 0
    label = {
        r.dataset: f"{r.dataset} ({r.n:,})" + (" - SYNTHETIC" if r.synthetic else "") for r in datasets.itertuples()
    }
    choice = st.sidebar.selectbox(
        "Incident dataset",
        names,
        index=index,
        format_func=label.get,
        key="shared_dataset",
        help="Each load names its dataset; datasets are never added together, so nothing is counted twice.",
    )
    st.query_params["dataset"] = choice
    if bool(datasets.set_index("dataset").loc[choice, "synthetic"]):
        st.warning(f"{SYNTHETIC_LABEL}: these incidents were generated for testing, not reported.", icon="⚠️")
    return choice


def staff_csv(frame: pd.DataFrame) -> bytes:
    """The bytes of a staff CSV download of ``frame``: every staff CSV is made here, and only here.

    Through lib.store.text.csv_bytes: a text cell a spreadsheet would run as a formula starts with ``'``.
    """
    return data_text.csv_bytes(frame)


def staff_download(
    label: str,
    make: Callable[[], bytes],
    file_name: str,
    mime: str,
    key: str,
    *,
    icon: str | None = None,
    disabled: bool = False,
    container=None,
) -> None:
    """A download button of a staff page: ``make()`` runs on the click, and the file goes to this tab only.

    The file is kept by lib/app/downloads.py and served by the server's middleware only to this browser,
    for a minute, while this tab is connected and signed in with a role the page needs; Streamlit's
    ``/media`` link holds a random ticket instead of the file. Without the server's guard (a plain
    ``streamlit run dashboard.py``) or a browser cookie the button is disabled, as nothing would check
    who fetches the link.
    """
    account = current_account()
    cookie = st.context.cookies.get(downloads.COOKIE)
    browser = downloads.browser_key(cookie) if isinstance(cookie, str) else None  # AppTest has no browser
    usable = downloads.guarded and browser is not None and account is not None and account.role is not None
    session_id, sign_in = _session_id(), st.session_state.get(_SIGN_IN_ID)
    needed = st.session_state.get(_PAGE_ROLE) or access.ROLES[0]
    fingerprint = (st.session_state.get(_SESSION_KEY) or {}).get("fingerprint")

    def still_allowed() -> bool:
        return access.allows(_role_now(account, fingerprint), needed)

    def build() -> bytes:
        # Runs on the click, on a thread of its own: no st.* call reaches the page from here.
        if not (downloads.GRANTS.is_signed_in(session_id, sign_in) and still_allowed()):
            raise PermissionError("this tab is no longer signed in with a role the page needs")
        return downloads.GRANTS.issue(make(), mime, file_name, browser, session_id, sign_in, still_allowed)

    (container or st).download_button(
        label,
        build,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=icon,
        disabled=disabled or not usable,
        help=None if usable else "Downloads need the dashboard's server (python -m lib serve) and cookies.",
    )


def table_with_download(frame: pd.DataFrame, name: str, caption: str | None = None) -> None:
    """A table and a CSV download of exactly what it shows (a staff download: see :func:`staff_download`)."""
    st.dataframe(frame, hide_index=True, width="stretch")
    staff_download(
        f"Download {name} (CSV)",
        lambda: staff_csv(frame),
        file_name=f"{name.replace(' ', '_').lower()}.csv",
        mime="text/csv",
        key=f"download_{name}",
    )
    if caption:
        st.caption(caption)


def source_note(text: str) -> None:
    st.caption(text)


def event_form(prefix: str, entry, types: list[str], level: str | None, codes: list[str]) -> tuple:
    """The event log's fields (inside an ``st.form``): returns (EventEntry, recorded by, sign-in upload).

    ``entry`` pre-fills the fields when editing; ``level`` is chosen outside the form (so that
    ``codes``, its areas, follow it at once).
    """
    import datetime as dt

    from lib.engagement.log import EventEntry

    e = entry or EventEntry(event_type=types[0], starts_at=None)
    c1, c2 = st.columns(2)
    event_type = c1.selectbox(
        "Type", types, index=types.index(e.event_type) if e.event_type in types else 0, key=f"{prefix}_type"
    )
    title = c2.text_input(
        "Title (optional)",
        e.title or "",
        key=f"{prefix}_title",
        max_chars=200,
        help="Left blank, the title is the type and the area.",
    )
    c1, c2, c3 = st.columns(3)
    day = c1.date_input(
        "Date",
        e.starts_at.date() if e.starts_at is not None else dt.date.today(),
        min_value=dt.date(1900, 1, 1),
        key=f"{prefix}_date",
    )
    start = c2.time_input(
        "Start time", e.starts_at.time() if e.starts_at is not None else None, key=f"{prefix}_start", step=300
    )
    end = c3.time_input(
        "End time (optional)", e.ends_at.time() if e.ends_at is not None else None, key=f"{prefix}_end", step=300
    )
    c2, c3 = st.columns(2)
    codes = ["(none)", *codes]
    area = c2.selectbox(
        f"Area ({level})" if level else "Area (choose a level above)",
        codes,
        index=codes.index(e.area) if e.area in codes else 0,
        key=f"{prefix}_area_{level}",
    )
    attendance = c3.number_input(
        "Attendance (head count)",
        min_value=0,
        step=1,
        value=e.attendance,
        key=f"{prefix}_attendance",
        help="Leave blank when nobody counted.",
    )
    location = st.text_input("Location (venue and address)", e.location or "", key=f"{prefix}_location")
    c1, c2 = st.columns(2)
    lat = c1.number_input("Latitude (optional)", value=e.latitude, format="%.6f", key=f"{prefix}_lat")
    lon = c2.number_input("Longitude (optional)", value=e.longitude, format="%.6f", key=f"{prefix}_lon")
    notes = st.text_area("Notes", e.notes or "", key=f"{prefix}_notes", max_chars=4000)
    sheet = st.file_uploader(
        "Sign-in sheet (optional): CSV or Excel with an id, e-mail or name column",
        type=["csv", "xlsx", "xls"],
        key=f"{prefix}_sheet",
        help="Ids are hashed before they are stored; age group, sex, race and home area "
        "columns are kept for representativeness.",
    )
    editor = st.text_input("Recorded by", key=f"{prefix}_editor", help="Your name, kept in the edit history.")
    starts = pd.Timestamp.combine(day, start) if start is not None else None
    ends = pd.Timestamp.combine(day, end) if end is not None and start is not None else None
    found = EventEntry(
        event_type=event_type,
        starts_at=starts,
        ends_at=ends,
        title=title,
        area_level=level if area != "(none)" else None,
        area=None if area == "(none)" else area,
        location=location,
        latitude=lat,
        longitude=lon,
        attendance=int(attendance) if attendance is not None else None,
        notes=notes,
    )
    return found, editor, sheet


def chart_with_table(fig, frame: pd.DataFrame, name: str, caption: str, key: str) -> None:
    """A plotly chart, its caption (period, n, source), and the same numbers as a table with a CSV download."""
    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False})
    st.caption(caption)
    with st.expander(f"Table: {name}"):
        st.dataframe(frame, hide_index=True, width="stretch")
        staff_download(
            f"Download {name} (CSV)",
            lambda: staff_csv(frame),
            file_name=f"{name.replace(' ', '_').replace('/', '-').lower()}.csv",
            mime="text/csv",
            key=f"download_{key}",
        )


def linked_choice(label: str, options: list, param: str, key: str, format_func=str, widget=st.selectbox, **kw):
    """A choice kept in the URL (``?param=...``), so a link reopens the same view."""
    if not options:
        return None
    wanted = st.query_params.get(param)
    by_text = {str(o): o for o in options}
    index = options.index(by_text[wanted]) if wanted in by_text else kw.pop("index", 0)
    kw.pop("index", None)
    choice = widget(label, options, index=index, key=key, format_func=format_func, **kw)
    st.query_params[param] = str(choice)
    return choice


def survey_definition_editor(defn, columns: list[str], area_options: list[str], margins_options: list[str]):
    """Widgets for every part of a survey definition; returns the edited copy (the draft)."""
    from lib.trust import survey_definition as sd

    out = sd.SurveyDefinition.from_json(defn.to_json())
    words = {c: f"{sd.wording(c)}  [{c}]" for c in columns}
    left, right = st.columns(2)
    for (name, label), col in zip(sd.INDEXES.items(), (left, right)):
        spec = out.indexes.setdefault(name, sd.IndexSpec(label))
        spec.items = col.multiselect(
            f"{label}: items",
            columns,
            default=[c for c in spec.items if c in columns],
            format_func=words.get,
            key=f"trust_def_{name}",
        )
        spec.reverse = col.multiselect(
            f"{label}: reverse-coded items (negatively worded)",
            spec.items,
            default=[c for c in spec.reverse if c in spec.items],
            format_func=sd.wording,
            key=f"trust_def_{name}_reverse",
        )
    a, b, c, d = st.columns(4)
    out.scale_low = a.number_input("Lowest answer", value=float(out.scale_low), key="trust_def_low")
    out.scale_high = b.number_input("Highest answer", value=float(out.scale_high), key="trust_def_high")
    codes = c.text_input(
        '"Don\'t know" codes (missing)',
        ", ".join(f"{m:g}" for m in out.missing_codes),
        key="trust_def_missing",
        help="Comma separated, e.g. 9, 99",
    )
    try:
        out.missing_codes = [float(x) for x in codes.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        st.error(f'"Don\'t know" codes must be numbers separated by commas, not {codes!r}.')
    out.high_is_favourable = d.checkbox(
        "Highest answer is the favourable one", value=out.high_is_favourable, key="trust_def_favourable"
    )
    st.markdown("**Demographics** (categories: one `code = category` per line; margins use the same names)")
    boxes = [c.container(border=True) for _ in range(0, len(sd.DEMOGRAPHICS), 2) for c in st.columns(2)]
    for field, box in zip(sd.DEMOGRAPHICS, boxes):
        spec = out.demographics.get(field, sd.Demographic())
        spec.columns = box.multiselect(
            field,
            columns,
            default=[c for c in spec.columns if c in columns],
            key=f"trust_def_demo_{field}",
            help=spec.how or None,
        )
        text = box.text_area(
            f"{field} categories", sd.codes_to_text(spec.codes), key=f"trust_def_codes_{field}", height=100
        )
        try:
            spec.codes = sd.codes_from_text(text)
        except sd.DefinitionError as exc:
            box.error(str(exc))
        if spec.columns:
            out.demographics[field] = spec
        else:
            out.demographics.pop(field, None)
    a, b, c, d = st.columns(4)
    out.area = a.selectbox(
        "Area of each response",
        area_options,
        index=area_options.index(out.area) if out.area in area_options else 0,
        key="trust_def_area",
    )
    periods = list(sd.PERIODS) + [f"column:{c}" for c in columns if "wave" in c.lower() or "round" in c.lower()]
    out.period = b.selectbox(
        "Period (wave)",
        periods,
        index=periods.index(out.period) if out.period in periods else 0,
        key="trust_def_period",
    )
    out.period_label = b.text_input("Name of the single wave (no dates)", out.period_label, key="trust_def_label")
    out.weighting = c.selectbox(
        "Weighting",
        ["rake", "supplied", "none"],
        index=["rake", "supplied", "none"].index(out.weighting),
        key="trust_def_weighting",
    )
    choices = [None] + margins_options
    out.margins = d.selectbox(
        "Population margins",
        choices,
        index=choices.index(out.margins) if out.margins in choices else 0,
        key="trust_def_margins",
        format_func=lambda m: m or "(none loaded)",
    )
    return out


_VIEW_KEYS = (
    "from",
    "to",
    "groups",
    "days",
    "hours",
    "level",
    "areas",
    "layers",
    "measure",
    "res",
    "slice",
    "steps",
    "panel",
)


def date_precision(dataset: str) -> str | None:
    """What an incident dataset's dates tell ("minute", "day", "month"; None if unrecorded), from its loads."""
    return cached.date_precision(dataset, cached.version())


def map_view_sidebar(dataset: str, groups: tuple[str, ...]):
    """The Map page's filters and layer choices in the sidebar, read from and written back to the URL.

    Returns the view (lib.maps.view.View) the widgets describe.
    """
    from lib.constants import H3_RESOLUTIONS, MAX_TIME_STEP
    from lib.maps import view as map_view
    from lib.stats.emerging import FREQUENCIES

    levels = cached.map_levels(cached.version())
    first, newest = cached.incident_span(dataset, cached.version())
    url = map_view.from_query(st.query_params.to_dict(), newest, levels, groups, first)
    side = st.sidebar
    picked = side.date_input(
        "Dates",
        (url.start, url.end),
        key=f"map_dates_{dataset}",  # per dataset: a switch opens the new dataset on its own period
        format="YYYY-MM-DD",
        help="First and last day shown. CompStat windows end on the last day.",
    )
    start, end = (tuple(picked) + (url.end,))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
    chosen = side.multiselect(
        "Offense groups",
        groups,
        default=list(url.groups),
        key="map_groups",
        placeholder="All offenses",
        help="Groups of the raw offense names; see and edit the grouping under the map.",
    )
    days = (
        side.pills(
            "Days of the week",
            range(7),
            selection_mode="multi",
            default=list(url.weekdays),
            format_func=lambda d: map_view.DAYS[d].title(),
            key="map_days",
        )
        or []
    )
    hours = side.multiselect(
        "Hours of the day",
        range(24),
        default=list(url.hours),
        key="map_hours",
        format_func=lambda h: f"{h:02d}:00-{h:02d}:59",
        placeholder="All hours",
    )
    precision = date_precision(dataset)
    if precision == "month":
        side.caption(
            "This dataset's dates give months only: days of the week and hours of the day are not known, "
            "so those filters cannot select its incidents."
        )
    elif precision == "day":
        side.caption("This dataset's dates carry no time of day: the hours filter cannot select its incidents.")
    level = (
        side.selectbox(
            "Boundary level", levels, index=levels.index(url.level) if url.level in levels else 0, key="map_level"
        )
        if levels
        else None
    )
    areas = ()
    if level:
        names = cached.map_areas(level, cached.version())
        label = dict(zip(names["code"], names["name"]))
        codes = list(names["code"])
        default = [c for c in url.areas if c in label] if level == url.level else []
        areas = tuple(
            side.multiselect(
                f"Areas ({level})",
                codes,
                default=default,
                key=f"map_areas_{level}",
                format_func=lambda c: c if label[c] == c else f"{label[c]} ({c})",
                placeholder="All areas",
                **AREA_PICKING,
            )
        )
    layers = (
        side.pills(
            "Layers",
            list(map_view.LAYERS),
            selection_mode="multi",
            default=list(url.layers),
            format_func=map_view.LAYERS.get,
            key="map_layers",
        )
        or []
    )
    measure, res, freq, steps = url.measure, url.res, url.slice, url.time_step
    if "areas" in layers:
        measure = (
            side.segmented_control(
                "Areas show",
                map_view.MEASURES,
                default=url.measure,
                key="map_measure",
                format_func={"count": "Count", "rate": "Per 1,000", "change": "Change"}.get,
            )
            or "count"
        )
    if {"hotspots", "emerging"} & set(layers):
        res = side.select_slider(
            "Hexagon size",
            list(H3_RESOLUTIONS),
            value=url.res,
            key="map_res",
            format_func=lambda r: f"{h3_area(r)} (res {r})",
            help="H3 resolution: the scale of the hot spot analysis, as Esri's distance band.",
        )
    if "emerging" in layers:
        freq = (
            side.segmented_control(
                "Time slices", list(FREQUENCIES), default=url.slice, key="map_slice", format_func=FREQUENCIES.get
            )
            or "month"
        )
        steps = side.number_input(
            "Neighbourhood time step",
            min_value=0,
            max_value=MAX_TIME_STEP,
            value=url.time_step,
            step=1,
            key="map_steps",
            help="Previous time slices in each bin's space-time neighbourhood (Esri's default 1; 0 analyses "
            "each slice on its own).",
        )
    view = map_view.View(
        start=start,
        end=end,
        groups=tuple(chosen),
        weekdays=tuple(sorted(days)),
        hours=tuple(sorted(hours)),
        level=level,
        areas=areas,
        layers=tuple(layers),
        measure=measure,
        res=res,
        slice=freq,
        time_step=int(steps),
        panel=url.panel if level == url.level else None,
    )
    write_view(view)
    return view


def write_view(view) -> None:
    """Mirror a map view in the URL (leaving other parameters, such as the dataset, alone)."""
    from lib.maps import view as map_view

    wanted = map_view.to_query(view)
    for key in _VIEW_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def h3_area(res: int) -> str:
    """Average hexagon area at an H3 resolution, in words: 9 -> "0.1 km²"."""
    import h3

    km2 = h3.average_hexagon_area(res, "km^2")
    return f"{km2:.2g} km²" if km2 >= 0.1 else f"{km2 * 1e6 / 1e4:.2g} ha"


def figure_ends(ends: dict) -> list[tuple[str, pd.Timestamp]]:
    """(name, last month) of figures whose sources end more than a month apart, else [] (nothing to say)."""
    known = [(name, pd.Timestamp(end)) for name, end in ends.items() if end is not None and not pd.isna(end)]
    if len(known) < 2 or (max(e for _, e in known) - min(e for _, e in known)).days <= 62:
        return []
    return known


def refresh_release(store, names: list[str] | None = None) -> None:
    """Recompute the public release after a load or a removal, with a spinner, and say how it went.

    The public pages read only the release (lib/public/release.py); computing it here, while the clerk
    waits, means no visitor waits for it. ``names``: the incident datasets the change touched (all when
    boundaries changed).
    """
    from lib.public import release

    with st.spinner(
        "Computing and auditing the public release (every public crime count): up to a minute or two per dataset ..."
    ):
        rels = release.refresh(store, names)
    for rel in rels:
        if rel.passed:
            st.caption(data_text.markdown_text(rel.summary()))
        else:
            st.error(
                data_text.markdown_text(release.failure_text(rel))
                + "\n\nThe public pages show no crime figures for this dataset until it passes."
            )


def _kept(fig, name: str, make):
    """``make()`` once per figure object, kept on it: the public figures are cached and shared by every
    session and never changed (lib/app/cached.public_figure), so what is derived from them is too."""
    kept = fig.__dict__.setdefault("_kept", {})
    if name not in kept:
        kept[name] = make()  # two sessions racing here build the same thing twice, nothing worse
    return kept[name]


def public_chart(fig, build):
    """The figure's chart (``build(fig)``, a plotly figure or None), built once per cached figure."""
    return _kept(fig, "chart", lambda: build(fig))


def _public_table(fig) -> tuple[pd.DataFrame, bytes]:
    """The figure's shown table and the CSV bytes of exactly that table, made once per cached figure."""

    def make():
        table = fig.table()
        return table, (b"" if table.empty else data_text.csv_bytes(table))

    return _kept(fig, "table", make)


def public_figure(fig, chart, key: str, expanded: bool = False, chart_note: str = "") -> None:
    """A public figure: title, its one-sentence summary, the chart, period and source, and the table.

    The table and its CSV download are ``fig.table()``: the figure's frame
    through lib.public.privacy.public_table, headers in the figure's language and
    suppressed cells written "fewer than 5".
    """
    st.subheader(data_text.markdown_text(fig.title))  # titles and summaries name areas: text, not markdown
    st.markdown(data_text.markdown_text(fig.summary))
    if chart is not None:
        st.plotly_chart(chart, key=f"public_chart_{key}", config={"displaylogo": False, "displayModeBar": False})
        if chart_note:
            st.caption(chart_note)
    public_caption(fig)
    public_table_download(fig, key, expanded)


def public_caption(fig) -> None:
    from lib.public.i18n import t

    parts = [t("common.period", fig.lang, period=fig.period) if fig.period else "", fig.source, fig.note]
    st.caption(data_text.markdown_text(" ".join(p for p in parts if p)))


def public_table_download(fig, key: str, expanded: bool = False) -> None:
    """The figure's table (already suppressed) in an expander, with a CSV download of exactly that table."""
    from lib.public.i18n import t

    table, csv = _public_table(fig)
    if table.empty:
        return
    with st.expander(data_text.markdown_text(t("common.table", fig.lang, name=fig.title)), expanded=expanded):
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            data_text.markdown_text(t("common.download", fig.lang, name=fig.title)),
            csv,
            file_name=f"{fig.key}_{fig.lang}.csv",
            mime="text/csv",
            key=f"public_download_{key}",
        )


def folium_args(m) -> dict:
    """What ``st_folium(m, returned_objects=[])`` sends its component, less the per-call arguments.

    Rendering a folium map (Jinja templates compiled per element, the map's script renamed by regular
    expressions) was about a tenth of a public visit's server CPU; a map that is the same for every visitor
    is rendered once with this (cached.public_map) and drawn with :func:`static_folium`. Follows
    streamlit_folium.st_folium for a map without dynamic feature groups or layer control
    (tests/app/test_static_folium.py checks the two send the same).
    """
    import branca
    import folium
    import folium.elements
    import streamlit_folium as sf

    m.get_root().render()
    m.render()

    def walk(fig):
        if isinstance(fig, branca.colormap.ColorMap):
            yield fig
        if isinstance(fig, folium.elements.JSCSSMixin):
            yield fig
        for child in getattr(fig, "_children", {}).values():
            yield from walk(child)

    css: list[str] = []
    js: list[str] = []
    for elem in walk(m):
        if isinstance(elem, branca.colormap.ColorMap):
            js.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return {
        "html": sf._get_html(m),
        "header": sf._get_header(m),
        "script": sf._get_map_string(m),
        "id": sf.get_full_id(m),
        "css_links": list(dict.fromkeys(css)),
        "js_links": list(dict.fromkeys(js)),
    }


def static_folium(args: dict, key: str, height: int):
    """Draw a map rendered by :func:`folium_args` as ``st_folium(m, key=key, height=height,
    use_container_width=True, returned_objects=[])`` draws it (the same component, key and arguments)."""
    import streamlit_folium as sf

    hash_key = sf.generate_js_hash(args["script"], key, False)

    def on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        **args,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=[],
        default={},
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        on_change=on_change,
        wrap_longitude=False,
    )
