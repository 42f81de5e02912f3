"""The community policing dashboard as plain Python: store, ingest, statistics, figures.

Nothing here imports Streamlit except ``lib.app.cached``; everything can be tested
without a browser.
"""
