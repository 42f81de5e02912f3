"""The store: one connection over DuckDB or PostgreSQL, the canonical schema, settings and provenance.

Owns ``connection`` (the query layer both engines share), ``schema`` (what each kind of data becomes),
``settings`` (the one registry of environment settings), ``provenance`` (load records and sources lines)
and ``filters`` (the incident WHERE clause every page uses).

May import: ``lib.constants`` only. Everything else in lib/ builds on this package.
"""
