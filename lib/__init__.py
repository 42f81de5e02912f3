"""The community policing dashboard as plain Python: store, ingest, statistics, figures.

Nothing here imports Streamlit except ``lib.cached``; everything can be tested
without a browser.
"""
