"""Staff downloads: a file is made when its button is clicked, and served only to the signed-in tab that clicked.

Streamlit serves a download at ``/media/<hash of the bytes>`` to anyone holding the link, for as long as
its session keeps the file. A staff download never goes there. Its button's callable
(``widgets.staff_download``) builds the file on the click, keeps it here as a :class:`Grant`, and hands
Streamlit only a random ticket in its place, so the ``/media`` link names nothing but that ticket. The
server's middleware (``lib/app/server.py``) answers a request for the link with the file only when
:meth:`Grants.fetch` finds all of these true:

- the request carries the browser cookie (:data:`COOKIE`) of the tab that clicked, not another
  browser's and not none (curl, a link sent to someone else);
- the click was less than :data:`LIFETIME` seconds ago;
- that tab's session is still connected (closing the tab ends it) and still has the sign-in it had at
  the click (:meth:`Grants.signed_out` at sign-out, and a new sign-in is a new one);
- the person is still in the users file with a role the page needs (removal or a lower role ends it).

Otherwise the answer is 404, naming nothing. Plain Python apart from asking the Streamlit runtime
whether a session is connected.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "dashboard_browser"  # set by the server's middleware on every browser that has none (HttpOnly)
LIFETIME = 60.0  # seconds a download link works after its click
TICKET_PREFIX = b"dashboard staff download "  # what Streamlit stores in place of a staff file


def browser_key(cookie: str | None) -> str | None:
    """The browser cookie as kept in a grant (a hash: the cookie itself never leaves the request)."""
    return hashlib.sha256(cookie.encode()).hexdigest() if cookie else None


def _session_connected(session_id: str) -> bool:
    from streamlit import runtime

    return runtime.exists() and runtime.get_instance().is_active_session(session_id)


@dataclass(frozen=True)
class Grant:
    """One clicked download: the file, and who may fetch it until when."""

    data: bytes
    mime: str
    file_name: str
    browser: str  # browser_key of the cookie of the tab that clicked
    session_id: str
    sign_in: str  # the session's sign-in at the click (Grants.signed_in)
    still_allowed: Callable[[], bool]  # the users file still gives the person a role the page needs
    expires: float


class Grants:
    """Every live staff download of this server process, by ticket."""

    def __init__(self, lifetime: float = LIFETIME, clock=time.monotonic, connected=_session_connected):
        self.lifetime, self.clock, self.connected = lifetime, clock, connected
        self._by_ticket: dict[bytes, Grant] = {}
        self._sign_ins: dict[str, str] = {}  # session id -> its current sign-in, while one is signed in
        self._lock = threading.Lock()

    def signed_in(self, session_id: str, sign_in: str) -> None:
        """Note who is signed in to a session (the widgets do, on every run)."""
        with self._lock:
            self._sign_ins[session_id] = sign_in

    def signed_out(self, session_id: str) -> None:
        """Sign-out (or nobody signed in): every download of that session stops working at once."""
        with self._lock:
            self._sign_ins.pop(session_id, None)
            self._by_ticket = {t: g for t, g in self._by_ticket.items() if g.session_id != session_id}

    def is_signed_in(self, session_id: str, sign_in: str | None) -> bool:
        with self._lock:
            return sign_in is not None and self._sign_ins.get(session_id) == sign_in

    def issue(
        self,
        data: bytes,
        mime: str,
        file_name: str,
        browser: str,
        session_id: str,
        sign_in: str,
        still_allowed: Callable[[], bool],
    ) -> bytes:
        """Keep a file built on a click; returns the ticket Streamlit stores and links to instead."""
        ticket = TICKET_PREFIX + secrets.token_hex(32).encode()
        now = self.clock()
        grant = Grant(data, mime, file_name, browser, session_id, sign_in, still_allowed, now + self.lifetime)
        with self._lock:
            self._by_ticket = {t: g for t, g in self._by_ticket.items() if g.expires > now}
            self._sign_ins = {s: i for s, i in self._sign_ins.items() if s == session_id or self.connected(s)}
            self._by_ticket[ticket] = grant
        return ticket

    def fetch(self, ticket: bytes, cookie: str | None) -> Grant | None:
        """The grant a request with this browser cookie may have, or None (refuse, saying nothing)."""
        with self._lock:
            grant = self._by_ticket.get(ticket)
        if grant is None or grant.expires <= self.clock():
            return None
        if browser_key(cookie) != grant.browser or not self.is_signed_in(grant.session_id, grant.sign_in):
            return None
        if not self.connected(grant.session_id) or not grant.still_allowed():
            return None
        return grant


GRANTS = Grants()  # one per server process, shared by the sessions and the middleware

# Set by lib/app/server.py when its middleware serves this process. Without it (a plain `streamlit run
# dashboard.py`) nothing would check who fetches /media, so staff download buttons stay disabled.
guarded = False
