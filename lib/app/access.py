"""Who may open which page: the three staff roles and the one table of pages by the role each needs.

Plain Python, no Streamlit. ``dashboard.py`` builds its navigation from :data:`PAGES` for the
session's role (a page the role may not open is never handed to ``st.navigation``), and every
staff page checks :func:`required_role` again at its top, so a script run by any other route
shows a sign-in prompt instead of its data.

Roles are ordered: each includes the ones before it.

>>> allows("analyst", "viewer"), allows("viewer", "analyst"), allows(None, None), allows(None, "viewer")
(True, False, True, False)
>>> [p.title for p in pages_for(None, exists=lambda path: True)]
['Transparency', 'About']
>>> required_role("pages/staff/data.py")
'analyst'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lib.store.settings import PROJECT_DIR

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
ROLE_HELP = {
    "viewer": "every staff page, without saving",
    "analyst": "also saves shared settings, loads data and keeps the event log",
    "admin": "also manages who may sign in",
}
PUBLIC = None  # the role "needed" by a public page: none
SAVE_ROLE = "analyst"  # saving what every user sees (survey definition, offense groups, programmes)


@dataclass(frozen=True)
class PageSpec:
    """One page of the app: its script, where it sits in the navigation, and the role it needs."""

    path: str  # script, relative to the project folder
    title: str
    icon: str
    url_path: str
    section: str
    role: str | None  # None: public, no sign-in
    default: str | None = None  # "public" or "staff": the page "/" opens for that audience

    @property
    def public(self) -> bool:
        return self.role is None


# The access table. docs/user-guide.md ("Sign-in and roles") shows it; tests/test_access.py checks that every
# script in pages/ has a row, so a new page cannot be added without deciding who may open it.
PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/public/transparency.py",
        "Transparency",
        ":material/visibility:",
        "transparency",
        "Public",
        PUBLIC,
        default="public",
    ),
    PageSpec("pages/public/about.py", "About", ":material/info:", "about", "Public", PUBLIC),
    PageSpec(
        "pages/staff/overview.py",
        "Overview",
        ":material/dashboard:",
        "overview",
        "Dashboard",
        "viewer",
        default="staff",
    ),
    PageSpec("pages/staff/trust.py", "Trust & Safety", ":material/handshake:", "trust", "Dashboard", "viewer"),
    PageSpec("pages/staff/engagement.py", "Engagement", ":material/groups:", "engagement", "Dashboard", "viewer"),
    PageSpec("pages/staff/impact.py", "Programme impact", ":material/query_stats:", "impact", "Dashboard", "viewer"),
    PageSpec(
        "pages/staff/accountability.py", "Accountability", ":material/gavel:", "accountability", "Dashboard", "viewer"
    ),
    PageSpec("pages/staff/map.py", "Map", ":material/map:", "map", "Dashboard", "viewer"),
    PageSpec("pages/staff/presenter.py", "Presenter", ":material/co_present:", "presenter", "Dashboard", "viewer"),
    PageSpec("pages/staff/data.py", "Data", ":material/upload_file:", "data", "Data", "analyst"),
    PageSpec("pages/staff/event_log.py", "Event log", ":material/edit_calendar:", "event-log", "Data", "analyst"),
    PageSpec("pages/staff/users.py", "Users", ":material/manage_accounts:", "users", "Admin", "admin"),
)


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else ValueError saying which are."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def allows(role: str | None, needed: str | None) -> bool:
    """True when a session with ``role`` (None: not signed in) may open what needs ``needed``."""
    if needed is None:
        return True
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(check_role(needed))


def _exists(path: str) -> bool:
    return (PROJECT_DIR / path).exists()


def pages_for(role: str | None, exists=_exists) -> list[PageSpec]:
    """The pages ``role`` may open, in navigation order; scripts not (yet) in this checkout are skipped."""
    return [p for p in PAGES if allows(role, p.role) and exists(p.path)]


def withheld_from(role: str | None, exists=_exists) -> list[PageSpec]:
    """The pages of this checkout that ``role`` may not open (their URLs get a sign-in prompt)."""
    return [p for p in PAGES if not allows(role, p.role) and exists(p.path)]


def default_page(pages: list[PageSpec], role: str | None) -> PageSpec:
    """The page "/" opens: the audience's default, else the first page ``role`` may open."""
    audience = "public" if role is None else "staff"
    for page in pages:
        if page.default == audience:
            return page
    return pages[0]


def _relative(path: str | Path) -> str:
    path = Path(path)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(PROJECT_DIR)
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def spec_for(path: str | Path) -> PageSpec | None:
    """The table's row for a page script (absolute or relative to the project), or None."""
    rel = _relative(path)
    return next((p for p in PAGES if p.path == rel), None)


def required_role(path: str | Path) -> str | None:
    """The role a page script needs. A script with no row in the table needs admin: fail closed."""
    spec = spec_for(path)
    return spec.role if spec is not None else ROLES[-1]
