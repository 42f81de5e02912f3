"""Uploaded files on the Data page: where they are kept, and the UI's mapping as --map/--set."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

ACCEPTED = ["csv", "txt", "tsv", "gz", "zip", "xlsx", "xls", "parquet", "geojson", "json", "jsonl", "gpkg", "kml"]

# The command line's words for an option -> the Data page's words for the same choice.
_PLAIN = (
    (
        r"a level name: --level beat \(or district, precinct \.\.\.\)",
        'a level name: type one in "Boundary level name" (beat, district, precinct ...)',
    ),
    (r"--map (\w+)=COLUMN", r'the column picker for \1 under "Columns for each field"'),
    (r"--map (\w+)=PROPERTY", r"choose the property in the list above"),
    (r"--set (\w+)=VALUE", r'the box "or one value for \1"'),
    (r"--map (\w+)=([^\s,.;)]+)", r"the column \2 chosen for \1"),
    (r"--map ([\w]+)=\.\.\.", r"the column chosen for \1"),
    (r"--set (\w+)=([^\s,.;)]+)", r"the value \2 given for \1"),
    (r"with --crs \(e\.g\. --crs EPSG:2263\)", 'in "Coordinate system of X/Y columns" (EPSG:2263, say)'),
    (r"--crs ([^\s:]+:?\S*)", r"the coordinate system \1"),
    (r"--crs", '"Coordinate system of X/Y columns"'),
    (r"--level( \w+)?", '"Boundary level name"'),
    (r"--sheet", '"Sheet"'),
    (r"--dataset", '"Dataset name"'),
    (r"--replace", '"Replace earlier loads of this file"'),
    (r"python -m lib loads list", "the load history below"),
)


def plain_words(message: str) -> str:
    """A message written for the command line, in the Data page's words (no flags).

    >>> plain_words("Name it with --map offense=COLUMN, or give one value with --set offense=VALUE.")
    'Name it with the column picker for offense under "Columns for each field", or give one value with the box "or one value for offense".'
    """
    import re

    for pattern, replacement in _PLAIN:
        message = re.sub(pattern, replacement, message)
    return message


def guess_level(file_name: str, properties: list[str]) -> str:
    """A boundary level name from the file's name or its properties: ``'houston_police_beats.geojson'`` -> ``'beat'``.

    >>> guess_level("nypd_precincts.geojson", ["precinct", "shape_area"])
    'precinct'
    >>> guess_level("layer.geojson", ["OBJECTID", "DISTRICT", "COMPANY"])
    'district'
    """
    import re

    words = (
        "beat",
        "sector",
        "precinct",
        "district",
        "division",
        "zone",
        "ward",
        "neighborhood",
        "neighbourhood",
        "tract",
        "comuna",
        "barrio",
        "cuadrante",
        "area",
    )
    for text in [file_name, *properties]:
        low = str(text).lower()
        for word in words:
            if re.search(rf"(^|[^a-z]){word}(e?s)?([^a-z]|$)", low):
                return word
    return ""


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
