"""The Streamlit side of lib/: cached accessors, shared widgets, the page access table and sign-in users.

The only package in lib/ that imports Streamlit (``cached``, ``widgets``, and the served app: ``server``
with its guards in ``guard`` and ``downloads``); ``access`` and ``users`` are plain Python the command
line also uses. May import every other package; pages/ and dashboard.py
import from here and from below.
"""
