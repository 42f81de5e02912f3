"""Getting a department's files into the store: read, map columns, parse, prepare, enrich, load.

Owns the readers (CSV in any dialect, Excel, Parquet, GIS layers), column mapping, cleaning functions,
preparation of canonical rows, spatial enrichment (areas and H3 cells), the load itself, the Data page's
uploads, the embedded Chicago and Raleigh data, synthetic demo data and the offense-group recode.

May import: ``lib.store`` and ``lib.constants``.
"""
