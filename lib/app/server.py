"""The served dashboard: Streamlit's ASGI app for dashboard.py, behind the guards of lib/app/guard.py.

``python -m lib serve`` (and ``make run``) serve this file with ``streamlit run``, which finds ``app``
below; any ASGI server can serve it too (``uvicorn lib.app.server:app``, from the project folder).
A plain ``streamlit run dashboard.py`` still works for development, without these guards: staff
downloads are then disabled, and ``/_stcore/metrics`` answers anyone who can reach the port.
"""

import streamlit as st
from starlette.middleware import Middleware
from streamlit import config
from streamlit.runtime import runtime
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

from lib.app import guard
from lib.store import logs
from lib.store.settings import PROJECT_DIR

logs.configure()  # the operations log (loads from the Data page) beside Streamlit's own


class _CompiledPages(ScriptCache):
    """Streamlit's cache of compiled pages, kept while the process runs.

    Streamlit empties it whenever the last open session closes, so on a site whose visitors come one at a
    time every visit compiled dashboard.py and its page again (parsing them twice, for "magic"): about a
    third of a public visit's server CPU (benchmarks/README.md, "Public page per-visit CPU"). Used only
    without a file watcher and run-on-save, as served (.streamlit/config.toml), where the code changes only
    with a restart; `make dev` keeps Streamlit's own.
    """

    def clear(self) -> None:
        pass


if config.get_option("server.fileWatcherType") == "none" and not config.get_option("server.runOnSave"):
    runtime.ScriptCache = _CompiledPages  # read when the runtime starts, after this module is imported

app = st.App(
    str(PROJECT_DIR / "dashboard.py"),
    middleware=[Middleware(guard.Guard)],
    on_script_error=guard.script_error,
)
