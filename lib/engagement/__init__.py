"""Engagement events: the calendar, event types and areas, the staff event log, sign-in sheets, impact charts.

May import: ``lib.stats``, ``lib.ingest``, ``lib.store`` and ``lib.constants`` (not ``lib.trust``).
"""
