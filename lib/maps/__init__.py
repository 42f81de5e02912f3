"""The Map page's domain: aggregations behind each layer, the view as a value, folium drawing, area panels.

May import: ``lib.engagement``, ``lib.trust``, ``lib.stats``, ``lib.ingest``, ``lib.store``, ``lib.constants``.
"""
