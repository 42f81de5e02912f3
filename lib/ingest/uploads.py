"""Uploaded files on the Data page: where they are kept, and the UI's mapping as --map/--set."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

ACCEPTED = ["csv", "txt", "tsv", "gz", "zip", "xlsx", "xls", "parquet", "geojson", "json", "gpkg", "kml"]


def save(name: str, payload: bytes) -> Path:
    """Keep an upload on disk under a name made of its hash, so reruns reuse it."""
    folder = Path(tempfile.gettempdir()) / "dashboard-uploads"
    folder.mkdir(exist_ok=True)
    digest = hashlib.sha256(payload).hexdigest()[:16]
    path = folder / f"{digest}-{Path(name).name}"
    if not path.exists():
        path.write_bytes(payload)
    return path


def overrides(choices: dict[str, list[str] | str]) -> tuple[dict[str, str], dict[str, str]]:
    """The Data page's choices as ``--map``/``--set`` values.

    A list of columns maps the field (several are joined, or for scores form the
    area hierarchy); an empty list leaves it unused; a text is one value for the file.

    >>> overrides({"offense": "Shooting", "area": ["PRECINCT"], "block": []})
    ({'area': 'PRECINCT', 'block': ''}, {'offense': 'Shooting'})
    """
    maps: dict[str, str] = {}
    sets: dict[str, str] = {}
    for field, choice in choices.items():
        if isinstance(choice, str):
            sets[field] = choice
        else:
            maps[field] = "+".join(choice) if field != "area" else ",".join(choice)
    return maps, sets
