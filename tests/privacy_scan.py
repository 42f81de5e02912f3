"""Scan what a public view renders for anything the privacy rules forbid (reusable: AppTest, browser, static site).

Build a :class:`Scanner` once from the store the view was rendered from, then
feed it every text, table, chart spec, download and map HTML the view produced;
:attr:`Scanner.findings` lists each breach with where it was found. What it
looks for:

- **sensitive incidents located**: the hundred block of any sensitive incident
  (lib/privacy.is_sensitive), its latitude or longitude to 8 decimals, or its
  (latitude, longitude) pair to 4 decimals (about 10 m);
- **any incident located finer than the rules allow**: a coordinate pair that
  matches an incident to 4 decimals and is not a vertex of an H3 cell at the
  public resolution or coarser, nor of a loaded area outline; any H3 cell id
  finer than the public resolution;
- **small counts**: a number from 1 to ``min_count - 1`` in a count column of a
  table (headers from the ``col.count.*`` catalog keys, in every language), in
  a count property of map GeoJSON ("count": "3"), in a chart's data, or in
  text as "3 incidents" / "3 incidentes";
- **forbidden columns** (coordinates, block, ids, raw attributes) in a table.

Usage::

    scan = Scanner(store)
    scan.text(html, "index.html")
    scan.frame(table, "crime_by_area.csv")
    assert not scan.findings, scan.report()
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field

import h3
import numpy as np
import pandas as pd

from lib.public import i18n, privacy
from lib.public.privacy import Rules

_NUMBER = re.compile(r"-?\d{1,3}\.\d{4,}")
# A coordinate pair: two numbers separated by a comma only ("[-87.6, 41.8]", "41.8, -87.6"), so the
# longitude of one point is never paired with the latitude of the next in a list of points; or
# "lat": x ... "lng": y.
_PAIR = re.compile(r"(-?\d{1,3}\.\d{4,})\s*,\s*(?=(-?\d{1,3}\.\d{4,}))")
_LATLNG = re.compile(
    r'"?lat(?:itude)?"?\s*[:=]\s*(-?\d{1,3}\.\d{4,})[^0-9-]{1,40}?"?(?:lng|lon|longitude)"?\s*[:=]\s*'
    r"(-?\d{1,3}\.\d{4,})",
    re.I,
)
_H3 = re.compile(r"\b8[0-9a-f]{14}\b")
_COUNT_WORDS = (
    "incidents?|crimes?|reports?|offen[cs]es?|events?|meetings?|victims?|people|persons?|residents?|"
    "respondents?|attendees?|participants?|"
    "incidentes?|delitos?|denuncias?|eventos?|reuniones|reunión|víctimas?|personas?|encuestados?|"
    "asistentes?|participantes?"
)
_COUNT_KEYS = ("count", "incidents", "events", "attendance", "n", "this_year", "last_year")


@dataclass
class Finding:
    rule: str
    detail: str
    where: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.detail}"


@dataclass
class Scanner:
    store: object
    rules: Rules = field(default_factory=Rules.from_settings)
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        located = self.store.query(
            f"SELECT latitude, longitude, block, {privacy.sensitive_sql()} AS sensitive FROM incidents "
            "WHERE latitude IS NOT NULL OR block IS NOT NULL"
        )
        located["sensitive"] = located["sensitive"].astype(bool)
        sens = located[located["sensitive"]]
        self.sensitive_count = len(sens)
        self.sensitive_blocks = sorted({b.upper() for b in sens["block"].dropna()} - self._public_blocks(located))
        self._block_re = (
            re.compile("|".join(re.escape(b) for b in sorted(self.sensitive_blocks, key=len, reverse=True)))
            if self.sensitive_blocks
            else None
        )
        pts = sens.dropna(subset=["latitude", "longitude"])
        # Single coordinates are compared to 8 decimals (a raw export's precision): at 6 decimals one
        # latitude in a hundred would match some sensitive incident by chance (a map's centre, say).
        self.sensitive_coords8 = {f"{v:.8f}" for v in pd.concat([pts["latitude"], pts["longitude"]])}
        self.sensitive_pairs = {(round(a, 4), round(b, 4)) for a, b in zip(pts["latitude"], pts["longitude"])}
        allp = located.dropna(subset=["latitude", "longitude"])
        self.incident_pairs = {(round(a, 4), round(b, 4)) for a, b in zip(allp["latitude"], allp["longitude"])}
        self.outline_vertices = self._outline_vertices()
        self.count_headers = set().union(*(i18n.count_labels(lang) for lang in i18n.LANGS))
        small = "|".join(str(i) for i in range(1, self.rules.min_count))
        self._text_counts = re.compile(rf"(?<![\d.,:/-])({small})\s+({_COUNT_WORDS})\b", re.I)
        self._json_counts = re.compile(rf'"({"|".join(_COUNT_KEYS)})"\s*:\s*"?({small})"?\s*[,}}]')

    # -- set-up ---------------------------------------------------------------------------------
    @staticmethod
    def _public_blocks(located: pd.DataFrame) -> set[str]:
        """Blocks that also hold non-sensitive incidents: naming them alone does not point at a victim."""
        return {b.upper() for b in located.loc[~located["sensitive"], "block"].dropna()}

    def _outline_vertices(self) -> set[tuple[float, float]]:
        if "boundaries" not in self.store.tables():
            return set()
        out = set()
        for text in self.store.query("SELECT geometry_simple AS g FROM boundaries")["g"]:
            for lon, lat in _coords(json.loads(text)["coordinates"]):
                out.add((round(lat, 4), round(lon, 4)))
        return out

    def _on_public_grid(self, lat: float, lon: float) -> bool:
        """A vertex of an H3 cell at the public resolution or coarser, or of a loaded area outline."""
        if (round(lat, 4), round(lon, 4)) in self.outline_vertices:
            return True
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return False
        for res in range(self.rules.max_h3_res + 1):
            cell = h3.latlng_to_cell(lat, lon, res)
            for c in [cell, *h3.grid_ring(cell, 1)]:
                for vlat, vlon in h3.cell_to_boundary(c):
                    if abs(vlat - lat) < 2e-5 and abs(vlon - lon) < 2e-5:
                        return True
        return False

    def _add(self, rule: str, detail: str, where: str) -> None:
        if len(self.findings) < 200:
            self.findings.append(Finding(rule, detail, where))

    # -- what to scan ---------------------------------------------------------------------------
    def text(self, text: str, where: str) -> None:
        """Any rendered text: page text, HTML, JSON, CSV."""
        if not text:
            return
        upper = text.upper()
        if self._block_re is not None:
            for m in set(self._block_re.findall(upper)):
                self._add("sensitive block", m, where)
        numbers = [(m.start(), m.group()) for m in _NUMBER.finditer(text)]
        for _, token in numbers:
            decimals = len(token.split(".")[1])
            if decimals >= 8 and f"{float(token):.8f}" in self.sensitive_coords8:
                self._add("sensitive coordinate", token, where)
        pairs = [m.groups() for m in _PAIR.finditer(text)] + [m.groups() for m in _LATLNG.finditer(text)]
        for a, b in set(pairs):
            x, y = float(a), float(b)
            for lat, lon in ((x, y), (y, x)):
                key = (round(lat, 4), round(lon, 4))
                if key in self.incident_pairs and not self._on_public_grid(lat, lon):
                    rule = "sensitive location" if key in self.sensitive_pairs else "incident location"
                    self._add(rule, f"({a}, {b})", where)
        for cell in set(_H3.findall(text)):
            if h3.is_valid_cell(cell) and h3.get_resolution(cell) > self.rules.max_h3_res:
                self._add("fine hexagon", f"{cell} (resolution {h3.get_resolution(cell)})", where)
        for m in self._text_counts.finditer(text):
            self._add("small count in text", m.group(), where)
        for m in self._json_counts.finditer(text):
            self._add("small count in data", m.group(), where)

    def frame(self, frame: pd.DataFrame, where: str) -> None:
        """A table as shown or downloaded: forbidden columns, small counts in count columns, every cell's text."""
        for col in frame.columns:
            name = str(col)
            if name.lower() in privacy.FORBIDDEN_COLUMNS:
                self._add("forbidden column", name, where)
            if name in self.count_headers or name.lower() in _COUNT_KEYS:
                values = pd.to_numeric(
                    frame[col].astype("string").str.replace(r"[ ,.]", "", regex=True), errors="coerce"
                )
                small = values[(values >= 1) & (values < self.rules.min_count)]
                if len(small):
                    self._add("small count in table", f"{name}: {list(small.astype(int))[:5]}", where)
        self.text(frame.astype("string").to_csv(index=False), where)

    def csv(self, data: bytes | str, where: str) -> None:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        self.frame(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False), where)

    def plotly(self, spec: str | dict, where: str) -> None:
        """A plotly figure: its text, and the numbers of every trace (typed arrays decoded)."""
        fig = json.loads(spec) if isinstance(spec, str) else spec
        for i, trace in enumerate(fig.get("data", [])):
            for axis in ("x", "y", "z", "values", "text"):
                values = _array(trace.get(axis))
                if values is None or values.dtype.kind not in "fiu":
                    continue
                v = values[~np.isnan(values.astype("float64"))]
                small = v[(v >= 1) & (v < self.rules.min_count) & (v == np.round(v))]
                if len(small):
                    self._add("small count in chart", f"trace {i} {axis}: {list(small)[:5]}", where)
        self.text(json.dumps({k: v for k, v in fig.items() if k != "data"}), where)
        self.text(
            json.dumps(
                [{k: v for k, v in tr.items() if not isinstance(v, (dict, list))} for tr in fig.get("data", [])]
            ),
            where,
        )

    def report(self) -> str:
        return "\n".join(str(f) for f in self.findings)


def _coords(c):
    if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
        yield c[0], c[1]
    else:
        for x in c:
            yield from _coords(x)


def _array(value) -> np.ndarray | None:
    """A plotly data array: a list, or a typed array {"dtype": "f8", "bdata": base64}."""
    if value is None:
        return None
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    if isinstance(value, list):
        try:
            return np.asarray([np.nan if v is None else v for v in value], dtype="float64")
        except (TypeError, ValueError):
            return None
    return None


def scan_apptest(scan: Scanner, at) -> dict:
    """Scan everything an AppTest run rendered: texts, tables, charts, map components; returns what was seen."""
    seen = {"texts": 0, "frames": 0, "charts": 0, "maps": 0}

    def walk(node, path):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        where = f"{path}/{kind}"
        if kind == "dataframe":
            scan.frame(node.value, where)
            seen["frames"] += 1
        elif kind == "plotly_chart":
            scan.plotly(proto.spec, where)
            seen["charts"] += 1
        elif kind == "component_instance":
            args = json.loads(proto.json_args or "{}")
            scan.text(json.dumps(args, ensure_ascii=False), where)
            for value in args.values():
                if isinstance(value, str):
                    scan.text(value, where)
            seen["maps"] += 1
        elif proto is not None and kind not in ("root", "main", "sidebar", "event"):
            for attr in ("body", "label", "help", "placeholder", "value", "default", "options"):
                value = getattr(proto, attr, None) if hasattr(proto, attr) else None
                if isinstance(value, str):
                    scan.text(value, f"{where}.{attr}")
                elif value is not None and hasattr(value, "__iter__"):
                    scan.text("\n".join(str(v) for v in value), f"{where}.{attr}")
            seen["texts"] += 1
        for key, child in node.children.items() if isinstance(getattr(node, "children", None), dict) else []:
            walk(child, f"{path}/{key}")

    walk(at._tree, "")
    return seen
