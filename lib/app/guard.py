"""What the served dashboard keeps from its visitors: the middleware and error handler of lib/app/server.py.

:class:`Guard` is ASGI middleware in front of Streamlit's own routes. For HTTP it

- answers ``/_stcore/metrics`` only to a scraper on the same machine talking to the app directly
  (loopback, no proxy headers): through the proxy, or from any other address, it is 404;
- serves staff downloads (``/media/<ticket>``) only through :data:`lib.app.downloads.GRANTS`;
- gives every browser that has none the cookie that binds a staff download to the tab that clicked.

For the app's websocket (``/_stcore/stream``) it

- strips from the ``new_session`` message what a browser never needs: the main script's absolute
  path, the Streamlit and Python versions, the server's OS and installation ids;
- drops the developer messages a visitor's browser never sends in viewer mode (clear every cache,
  run on save, git information) and their answers, so a crafted message cannot empty the server's
  caches or learn the repository and branch.

:func:`script_error` replaces Streamlit's exception box (type, message, traceback with file paths) with
a friendly message and a reference; the log gets the reference with the traceback.
"""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import quote

from streamlit.logger import get_logger
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from lib.app import downloads

_LOGGER = get_logger(__name__)

# BackMsg types a browser in viewer mode sends; any other is dropped unread.
_ALLOWED_BACK = frozenset(
    {"rerun_script", "stop_script", "app_heartbeat", "file_urls_request", "backend_operation_request"}
)
_DROPPED_FORWARD = frozenset({"git_info_changed", "page_profile"})
_PARSE_LIMIT = 1 << 20  # new_session and git messages are a few kB; larger frames are data, passed as sent
_PROXY_HEADERS = (b"x-forwarded-for", b"x-real-ip", b"forwarded")


def _base(scope) -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _under(scope, route: str) -> str | None:
    """The rest of the request path after ``route`` (below the base URL), or None when it is elsewhere."""
    prefix = f"{_base(scope)}/{route}"
    path = scope.get("path", "")
    return path[len(prefix) :] if path.startswith(prefix) else None


def _headers(scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _cookie(scope, name: str) -> str | None:
    from starlette.requests import HTTPConnection

    return HTTPConnection(scope).cookies.get(name)


def _is_local_scraper(scope) -> bool:
    """A direct request from this machine. Behind the proxy the client is the visitor (uvicorn takes it
    from X-Forwarded-For, which it trusts from loopback only), and the proxy's headers are there anyway."""
    headers = _headers(scope)
    return _is_loopback((scope.get("client") or ("", 0))[0]) and not any(h in headers for h in _PROXY_HEADERS)


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8 and ::1, also written as IPv6 (a dual-stack socket reports ``::ffff:127.0.0.1``)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _disposition(file_name: str) -> str:
    if file_name.isascii() and not any(c in file_name for c in '"\\') and file_name.isprintable():
        return f'attachment; filename="{file_name}"'
    return f"attachment; filename*=utf-8''{quote(file_name, safe='')}"


class Guard:
    """ASGI middleware; see the module's docstring."""

    def __init__(self, app) -> None:
        self.app = app
        downloads.guarded = True

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket" and _under(scope, "_stcore/stream") == "":
            await self.app(scope, _filter_back(receive), _redact_forward(send))
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope, receive, send) -> None:
        from starlette.responses import PlainTextResponse, Response

        send = _with_browser_cookie(scope, send)
        if _under(scope, "_stcore/metrics") is not None and not _is_local_scraper(scope):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        media = _under(scope, "media/")
        if media:
            ticket = _staff_ticket(media)
            if ticket is not None:
                grant = downloads.GRANTS.fetch(ticket, _cookie(scope, downloads.COOKIE))
                if grant is None:
                    body = (
                        "No such download. A staff download works for a minute, in the signed-in tab that asked for it."
                    )
                    await PlainTextResponse(body, status_code=404, headers={"Cache-Control": "no-store"})(
                        scope, receive, send
                    )
                    return
                headers = {
                    "Content-Disposition": _disposition(grant.file_name),
                    "Cache-Control": "no-store",
                    "X-Content-Type-Options": "nosniff",
                }
                body = b"" if scope.get("method") == "HEAD" else grant.data
                response = Response(body, media_type=grant.mime, headers=headers)
                response.headers["Content-Length"] = str(len(grant.data))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _staff_ticket(name: str) -> bytes | None:
    """The ticket a /media file holds when it stands for a staff download, else None."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    manager = runtime.get_instance().media_file_mgr
    stored = manager.read_file(name) if manager.can_read_files else None
    if stored is None or not stored.content.startswith(downloads.TICKET_PREFIX):
        return None
    return stored.content


def _with_browser_cookie(scope, send):
    if _cookie(scope, downloads.COOKIE):
        return send
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    value = (
        f"{downloads.COOKIE}={secrets.token_urlsafe(32)}; Path={_base(scope) or '/'}; HttpOnly; SameSite=Lax{secure}"
    )

    async def sending(message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", value.encode())]}
        await send(message)

    return sending


def _filter_back(receive):
    async def receiving():
        while True:
            message = await receive()
            data = message.get("bytes") if message["type"] == "websocket.receive" else None
            if data is None:
                return message
            msg = BackMsg()
            try:
                msg.ParseFromString(data)
            except Exception:  # Streamlit itself closes the socket on a frame that is not a BackMsg
                return message
            kind = msg.WhichOneof("type")
            if kind in _ALLOWED_BACK:
                return message
            _LOGGER.warning("Dropped a %r message from a browser: the dashboard runs in viewer mode", kind)

    return receiving


def redact(data: bytes) -> bytes | None:
    """A ForwardMsg as a visitor's browser gets it: None to drop it, else the bytes (redacted if need be)."""
    if len(data) > _PARSE_LIMIT:
        return data
    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except Exception:
        return data
    kind = msg.WhichOneof("type")
    if kind in _DROPPED_FORWARD:
        return None
    if kind != "new_session":
        return data
    session = msg.new_session
    session.main_script_path = ""  # the frontend only hashes it into a telemetry id (off)
    session.initialize.environment_info.Clear()  # versions and OS: shown in no viewer-mode menu
    session.initialize.user_info.Clear()  # installation ids, for usage statistics (off)
    return msg.SerializeToString()


def _redact_forward(send):
    async def sending(message) -> None:
        if message["type"] == "websocket.send" and message.get("bytes") is not None:
            data = redact(message["bytes"])
            if data is None:
                return
            message = {**message, "bytes": data}
        await send(message)

    return sending


def script_error(exc: Exception) -> bool:
    """Streamlit's ``on_script_error``: a friendly message where the page stopped, the details in the log."""
    import streamlit as st

    from lib.store.connection import StoreError

    ref = secrets.token_hex(4)
    _LOGGER.error("Page run failed (reference %s): %s", ref, type(exc).__name__, exc_info=exc)
    if isinstance(exc, StoreError):
        text = "The dashboard cannot reach its data right now, so this page stopped here."
    else:
        text = "Something went wrong on this page, so it stopped here."
    st.error(
        f"{text} Reload the page to try again. If it keeps happening, tell the dashboard's administrator "
        f"this reference: **{ref}** (it is in the server's log with the details).",
        icon=":material/error:",
    )
    return True  # Streamlit shows no exception box
