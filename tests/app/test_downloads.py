"""Staff downloads (lib/app/downloads.py) and what the server's guard keeps from browsers (lib/app/guard.py),
without a browser: who may fetch a grant, and what the redacted protocol messages still hold. The browser
tests (tests/browser/test_signin_browser.py) run the same against a served app."""

from __future__ import annotations

import ast

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from lib.app import downloads, guard
from tests.conftest import ROOT


class World:
    """The clock, the connected sessions and the users file's verdict, as the grants see them."""

    def __init__(self):
        self.now = 100.0
        self.connected = {"s1", "s2"}
        self.allowed = True

    def grants(self) -> downloads.Grants:
        return downloads.Grants(lifetime=60.0, clock=lambda: self.now, connected=lambda s: s in self.connected)


def _issue(world: World, grants: downloads.Grants, session: str = "s1", cookie: str = "cookie-1") -> bytes:
    grants.signed_in(session, f"sign-in-of-{session}")
    return grants.issue(
        b"code,incidents\n1,444\n",
        "text/csv",
        "map_areas.csv",
        downloads.browser_key(cookie),
        session,
        f"sign-in-of-{session}",
        lambda: world.allowed,
    )


def test_only_the_tab_that_clicked_gets_the_file_for_a_minute():
    world = World()
    grants = world.grants()
    ticket = _issue(world, grants)
    # Streamlit keeps only this: the prefix and a random ticket, never the file's content.
    assert ticket.startswith(downloads.TICKET_PREFIX) and b"code,incidents" not in ticket
    assert grants.fetch(ticket, "cookie-1").data == b"code,incidents\n1,444\n"
    assert grants.fetch(ticket, None) is None  # curl: no cookie
    assert grants.fetch(ticket, "cookie-2") is None  # another browser
    assert grants.fetch(b"dashboard staff download " + b"0" * 64, "cookie-1") is None  # a guessed ticket
    world.now += 59.0
    assert grants.fetch(ticket, "cookie-1") is not None
    world.now += 1.0
    assert grants.fetch(ticket, "cookie-1") is None  # expired


def test_sign_out_removal_and_a_closed_tab_end_a_download():
    world = World()
    grants = world.grants()
    ticket = _issue(world, grants)
    grants.signed_out("s1")
    assert grants.fetch(ticket, "cookie-1") is None
    grants.signed_in("s1", "a-new-sign-in")  # signed in again in the same tab: the old link stays dead
    assert grants.fetch(ticket, "cookie-1") is None

    ticket = _issue(world, grants)
    world.allowed = False  # removed from the users file, or a role too low for the page
    assert grants.fetch(ticket, "cookie-1") is None
    world.allowed = True
    assert grants.fetch(ticket, "cookie-1") is not None
    world.connected.discard("s1")  # the tab was closed
    assert grants.fetch(ticket, "cookie-1") is None


def test_each_click_gets_a_ticket_of_its_own():
    world = World()
    grants = world.grants()
    first, second = _issue(world, grants), _issue(world, grants, session="s2", cookie="cookie-2")
    assert first != second  # the same table downloaded twice: two links, neither derived from the content
    assert grants.fetch(first, "cookie-2") is None and grants.fetch(second, "cookie-1") is None


def test_every_download_of_a_staff_page_is_a_staff_download():
    """A st.download_button with data would put the file at /media/<hash> for anyone with the link."""
    for script in sorted((ROOT / "pages" / "staff").glob("*.py")):
        assert "download_button(" not in script.read_text(), f"{script.name}: use widgets.staff_download"
    tree = ast.parse((ROOT / "lib" / "app" / "widgets.py").read_text())
    users = {
        f.name
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
        and any(isinstance(n, ast.Attribute) and n.attr == "download_button" for n in ast.walk(f))
    }
    assert users == {"staff_download", "public_table_download"}  # the public one: suppressed public tables


def _new_session() -> bytes:
    msg = ForwardMsg()
    msg.new_session.main_script_path = str(ROOT / "dashboard.py")
    msg.new_session.name = "dashboard"
    msg.new_session.initialize.environment_info.streamlit_version = "1.67.0"
    msg.new_session.initialize.environment_info.python_version = "3.11.2.final.0"
    msg.new_session.initialize.environment_info.server_os = "Linux"
    msg.new_session.initialize.user_info.installation_id = "a-machine-id"
    msg.new_session.initialize.session_id = "the-session"
    msg.new_session.config.toolbar_mode = 3
    return msg.SerializeToString()


def test_the_new_session_message_loses_paths_versions_and_ids():
    out = ForwardMsg()
    out.ParseFromString(guard.redact(_new_session()))
    text = str(out)
    assert str(ROOT) not in text and "1.67.0" not in text and "3.11" not in text and "a-machine-id" not in text
    assert "Linux" not in text
    assert out.new_session.initialize.session_id == "the-session"  # what the browser needs stays
    assert out.new_session.config.toolbar_mode == 3


def test_other_messages_pass_as_sent_and_git_information_is_dropped():
    delta = ForwardMsg()
    delta.delta.new_element.markdown.body = "Reported crime"
    assert guard.redact(delta.SerializeToString()) == delta.SerializeToString()
    git = ForwardMsg()
    git.git_info_changed.repository = "police/dashboard"
    git.git_info_changed.branch = "main"
    assert guard.redact(git.SerializeToString()) is None


async def _received(frames: list[bytes]) -> list[bytes]:
    queue = [{"type": "websocket.receive", "bytes": f} for f in frames] + [{"type": "websocket.disconnect"}]

    async def receive():
        return queue.pop(0)

    receiving, out = guard._filter_back(receive), []
    while (message := await receiving())["type"] == "websocket.receive":
        out.append(message["bytes"])
    return out


def test_developer_messages_from_a_browser_are_dropped():
    import asyncio
    import concurrent.futures

    def back(kind: str) -> bytes:
        msg = BackMsg()
        if kind == "rerun_script":
            msg.rerun_script.page_script_hash = "abc"
        else:
            setattr(msg, kind, True)
        return msg.SerializeToString()

    frames = [back("clear_cache"), back("rerun_script"), back("load_git_info"), back("set_run_on_save")]
    # In a thread of its own: a browser test earlier in this worker may have left Playwright's event loop
    # running in this one, where asyncio.run refuses to start.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        received = pool.submit(asyncio.run, _received(frames)).result()
    assert received == [back("rerun_script")]  # a crafted "clear every cache" is not


def test_without_the_servers_guard_staff_downloads_are_disabled(run_page):
    """A plain `streamlit run dashboard.py` (here: AppTest) has no middleware checking who fetches /media."""
    assert not downloads.guarded
    buttons = run_page("pages/staff/overview.py").get("download_button")
    assert buttons and all(b.proto.disabled for b in buttons)
    assert all("python -m lib serve" in b.proto.help for b in buttons)
