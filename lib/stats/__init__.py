"""The statistics: each method in a module of its own, plain functions over data frames and the store.

Owns Gi* hot spots, emerging hot spots, kernel density, CompStat comparisons, programme impact designs
(DiD, WDD, interrupted time series), survey raking and indexes, participation measures and the staff
Overview's headline figures.

May import: ``lib.ingest``, ``lib.store`` and ``lib.constants``.
"""
