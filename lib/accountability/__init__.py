"""Accountability: complaints against officers, their allegations and findings, and commendations.

Owns the Accountability page's numbers: reads of the ``complaints``, ``allegations`` and
``commendations`` tables (``data``), the finding codes and sustained shares (``findings``), and the
counts, times to close, backlog, rates and comparisons (``measures``). May import lib.trust, lib.stats,
lib.ingest and lib.store; no Streamlit. No function here returns an officer's or complainant's id.
"""
