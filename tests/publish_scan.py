"""Scan a published site (every HTML, JSON, CSV and JS file) for what the privacy rules forbid.

``scan(root, store, dataset, rules)`` returns a list of findings (empty when
the site is clean), each naming the file and what was found:

- the hundred block of any incident (``017XX W HOWARD ST``), or any text shaped
  like one, sensitive incidents' blocks first;
- a coordinate pair within about a metre of a sensitive incident;
- a coordinate that is neither a vertex of a published boundary outline nor a
  vertex or centre of an H3 cell at a resolution the rules allow (so no incident
  point at any precision), and any H3 cell finer than ``rules.max_h3_res``;
- a count from 1 to ``rules.min_count - 1`` in a count field of a table (a column
  with a ``*_suppressed`` partner, or a column named like a count) or a GeoJSON
  property.

Written against the data, not the generator, so it also checks what a future
change to the site might add.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from pathlib import Path

import h3

COUNT_NAMES = {
    "count",
    "incidents",
    "last_year",
    "events",
    "events_held",
    "attendance",
    "n",
    "cells",
    "this_year",
    "previous",
    "respondents",
    "participants",
}
_HUNDRED = re.compile(r"\b\d{1,5}XX\s+[NSEW]\s+[A-Z0-9]", re.IGNORECASE)
_BLOCK_START = re.compile(r"(?<![0-9])[0-9]{1,5}X")
_NUMBER = re.compile(r"-?\d{1,3}\.\d{3,}")
_CELL = re.compile(r"\b8[0-9a-f]{14}\b")
VENDORED = {"assets/plotly.min.js", "assets/leaflet/leaflet.js", "assets/leaflet/leaflet.css", "assets/leaflet/LICENSE"}


def sensitive_incidents(store, dataset: str):
    """(block, latitude, longitude) of every sensitive incident of ``dataset``, by the privacy module's rule."""
    from lib.public import privacy

    return store.rows(
        f"SELECT block, latitude, longitude FROM incidents WHERE dataset = :d AND ({privacy.sensitive_sql()})",
        {"d": dataset},
    )


class _Allowed:
    """Sorted latitudes and longitudes a published coordinate may take."""

    def __init__(self, pairs):
        self.lats = sorted({lat for lon, lat in pairs})
        self.lons = sorted({lon for lon, lat in pairs})

    @staticmethod
    def _near(values, v, tol):
        i = bisect.bisect_left(values, v - tol)
        return i < len(values) and values[i] <= v + tol

    def ok(self, lon: float, lat: float, decimals: int) -> bool:
        tol = 0.5 * 10**-decimals + 1e-9
        return self._near(self.lats, lat, tol) and self._near(self.lons, lon, tol)


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _outline_vertices(store):
    pairs = []
    for geometry, lat, lon in store.rows("SELECT geometry_simple, centroid_lat, centroid_lon FROM boundaries"):
        if lat is not None:
            pairs.append((lon, lat))
        if geometry:
            _walk_coords(json.loads(geometry)["coordinates"], pairs)
    return pairs


def _walk_coords(coords, out):
    if coords and isinstance(coords[0], (int, float)):
        out.append((float(coords[0]), float(coords[1])))
    else:
        for c in coords:
            _walk_coords(c, out)


def _cell_vertices(cells):
    pairs = []
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        pairs.append((lon, lat))
        pairs += [(lo, la) for la, lo in h3.cell_to_boundary(cell)]
    return pairs


def _pairs_in(obj, out):
    """Coordinate pairs in a JSON document: [lon, lat] lists and {lat, lon}-style objects."""
    if isinstance(obj, dict):
        keys = {k.lower(): k for k in obj}
        for la, lo in (("lat", "lon"), ("latitude", "longitude"), ("lat", "lng"), ("centroid_lat", "centroid_lon")):
            if la in keys and lo in keys and isinstance(obj[keys[la]], (int, float)):
                out.append((float(obj[keys[lo]]), float(obj[keys[la]])))
        for v in obj.values():
            _pairs_in(v, out)
    elif isinstance(obj, list):
        if len(obj) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj):
            lon, lat = obj
            if -180 <= lon <= 180 and -90 <= lat <= 90 and (lon != int(lon) or lat != int(lat)):
                out.append((float(lon), float(lat)))
        for v in obj:
            _pairs_in(v, out)


def _count_columns(columns):
    return [i for i, c in enumerate(columns) if f"{c}_suppressed" in columns or str(c).lower() in COUNT_NAMES]


def _small(value, min_count) -> bool:
    """A count from 1 to min_count - 1, as a number or as text ("3", "3.0")."""
    if isinstance(value, str):
        try:
            value = float(value.replace(",", ""))
        except ValueError:
            return False
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 1 <= value < min_count
        and float(value).is_integer()
    )


def _geo_counts(obj, min_count, found, name):
    if isinstance(obj, dict):
        props = obj.get("properties") if obj.get("type") == "Feature" else None
        for k, v in (props or {}).items():
            if str(k).lower() in COUNT_NAMES and _small(v, min_count):
                found.append(f"{name}: GeoJSON property {k} = {v}")
        for v in obj.values():
            _geo_counts(v, min_count, found, name)
    elif isinstance(obj, list):
        for v in obj:
            _geo_counts(v, min_count, found, name)


def scan(root: Path, store, dataset: str, rules) -> list[str]:
    """Every breach of the privacy rules found in the site at ``root`` (empty when there is none)."""
    root = Path(root)
    found: list[str] = []
    files = sorted(p for p in root.rglob("*") if p.is_file())
    texts = {
        p.relative_to(root).as_posix(): p.read_text("utf-8", errors="replace")
        for p in files
        if p.suffix in (".html", ".json", ".csv", ".js", ".css", ".txt", "")
    }

    sensitive = sensitive_incidents(store, dataset)
    blocks = {b.upper() for b, _, _ in sensitive if b}
    lengths = sorted({len(b) for b in blocks})
    for name, text in texts.items():
        upper = text.upper()
        # Every block starts with its hundred ("017XX"): look only where one could start.
        for m in _BLOCK_START.finditer(upper):
            hit = next(
                (upper[m.start() : m.start() + n] for n in lengths if upper[m.start() : m.start() + n] in blocks), None
            )
            if hit:
                found.append(f"{name}: block of a sensitive incident {hit!r}")
        if name not in VENDORED:
            for m in _HUNDRED.finditer(text):
                found.append(f"{name}: hundred-block address {text[m.start() : m.start() + 30]!r}")

    cells = set()
    for name, text in texts.items():
        if name in VENDORED:
            continue
        for cell in _CELL.findall(text):
            if h3.is_valid_cell(cell):
                if h3.get_resolution(cell) > rules.max_h3_res:
                    found.append(f"{name}: H3 cell {cell} finer than resolution {rules.max_h3_res}")
                else:
                    cells.add(cell)
    allowed = _Allowed(_outline_vertices(store) + _cell_vertices(cells))
    secret = {(round(lon, 5), round(lat, 5)) for _, lat, lon in sensitive if lat is not None}

    for name, text in texts.items():
        if name in VENDORED:
            continue
        if name.endswith(".json"):
            doc = json.loads(text)
            pairs: list = []
            _pairs_in(doc, pairs)
            for lon, lat in pairs:
                if (round(lon, 5), round(lat, 5)) in secret:
                    found.append(f"{name}: coordinates of a sensitive incident ({lat}, {lon})")
                if not allowed.ok(lon, lat, min(_decimals(repr(lon)), _decimals(repr(lat)), 9)):
                    found.append(f"{name}: coordinate ({lat}, {lon}) is not an outline or allowed H3 vertex")
            if isinstance(doc, dict) and isinstance(doc.get("columns"), list) and isinstance(doc.get("rows"), list):
                cols = doc["columns"]
                for i in _count_columns(cols):
                    for row in doc["rows"]:
                        if _small(row[i], rules.min_count):
                            found.append(f"{name}: count {cols[i]} = {row[i]}")
            _geo_counts(doc, rules.min_count, found, name)
        elif name.endswith(".csv"):
            reader = csv.reader(io.StringIO(text))
            header = next(reader, [])
            idx = _count_columns(header)
            for row in reader:
                for i in idx:
                    try:
                        value = float(row[i])
                    except (ValueError, IndexError):
                        continue
                    if _small(value, rules.min_count):
                        found.append(f"{name}: count {header[i]} = {row[i]}")
        # Loose numbers that look like coordinates of this city, in any file (tables, pages).
        for m in _NUMBER.finditer(text):
            value = float(m.group())
            is_lat = allowed.lats and allowed.lats[0] - 1 <= value <= allowed.lats[-1] + 1
            is_lon = allowed.lons and allowed.lons[0] - 1 <= value <= allowed.lons[-1] + 1
            if not (is_lat or is_lon):
                continue
            tol = 0.5 * 10 ** -_decimals(m.group()) + 1e-9
            ok = (is_lat and _Allowed._near(allowed.lats, value, tol)) or (
                is_lon and _Allowed._near(allowed.lons, value, tol)
            )
            if not ok and _decimals(m.group()) >= 4:
                found.append(f"{name}: number {m.group()} looks like a coordinate that is not an allowed vertex")
    return found
