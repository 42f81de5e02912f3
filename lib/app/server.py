"""The served dashboard: Streamlit's ASGI app for dashboard.py, behind the guards of lib/app/guard.py.

``python -m lib serve`` (and ``make run``) serve this file with ``streamlit run``, which finds ``app``
below; any ASGI server can serve it too (``uvicorn lib.app.server:app``, from the project folder).
A plain ``streamlit run dashboard.py`` still works for development, without these guards: staff
downloads are then disabled, and ``/_stcore/metrics`` answers anyone who can reach the port.
"""

import streamlit as st
from starlette.middleware import Middleware

from lib.app import guard
from lib.store import logs
from lib.store.settings import PROJECT_DIR

logs.configure()  # the operations log (loads from the Data page) beside Streamlit's own

app = st.App(
    str(PROJECT_DIR / "dashboard.py"),
    middleware=[Middleware(guard.Guard)],
    on_script_error=guard.script_error,
)
