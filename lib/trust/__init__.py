"""Trust and safety: survey definitions, respondent-level results and published scores, and their charts.

May import: ``lib.stats``, ``lib.ingest``, ``lib.store`` and ``lib.constants`` (not ``lib.engagement``).
"""
