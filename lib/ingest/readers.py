"""Read the files a records clerk actually has: CSV in any dialect, Excel, Parquet, GIS layers.

The format is told from the file's first bytes, not its name, because exports
are often misnamed (a ``.csv`` that is really Excel, a ``.txt`` that is a CSV).
Every failure raises :class:`InputError` with a message that says what is
wrong and what to do; nothing here touches the store.

Row numbers follow the spreadsheet convention: the header is row 1 and the
first data row is row 2.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lib.store import settings

# No cell of a real export is longer; a longer one is a broken quote swallowing the rest of the file.
MAX_FIELD_CHARS = 1_000_000
NULL_TOKENS = ["", "NULL", "null", "NaN", "nan", "N/A", "n/a", "#N/A", "NA", "None"]
_DELIMITERS = [",", ";", "\t", "|"]


class InputError(ValueError):
    """A file that cannot be used; the message says what is wrong and what to do."""


@dataclass
class Table:
    """A source table: the frame (text columns, typed where the format carries types) and how it was read."""

    frame: pd.DataFrame
    source_name: str
    file_hash: str
    format: str
    notes: list[str] = field(default_factory=list)
    # (row number, reason, raw text) for lines the parser could not split into the header's columns
    bad_lines: list[tuple[int, str, str]] = field(default_factory=list)


def file_hash(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_size(path: str | Path) -> None:
    """Refuse files over the configured limit before reading them."""
    limit_mb = settings.get("max_upload_mb")
    size = Path(path).stat().st_size
    if size > limit_mb * 1024 * 1024:
        raise InputError(
            f"The file is {size / 1024 / 1024:,.0f} MB, over the limit of {limit_mb:,} MB. "
            f"Split it (by year, say) or raise DASHBOARD_MAX_UPLOAD_MB."
        )
    if size == 0:
        raise InputError("The file is empty (0 bytes). Export it again from the source system.")


def _limit_bytes() -> int:
    return int(settings.get("max_upload_mb")) * 1024 * 1024


def _too_big(what: str) -> InputError:
    limit_mb = settings.get("max_upload_mb")
    return InputError(
        f"{what} expands to more than {limit_mb:,} MB, the limit for uncompressed data "
        "(DASHBOARD_MAX_UPLOAD_MB). Split the export (by year, say) or raise the limit; "
        "a small file that expands beyond it may be a decompression bomb."
    )


def read_capped(fh, what: str) -> bytes:
    """Read a (decompressing) stream to its end, refusing it once it passes the uncompressed limit.

    Streamed in 1 MB chunks: a bomb is stopped at the limit, never expanded whole in memory.
    """
    limit = _limit_bytes()
    chunks, total = [], 0
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise _too_big(what)
        chunks.append(chunk)
    return b"".join(chunks)


def sniff(head: bytes) -> str:
    """Name the format of a file from its first bytes.

    >>> sniff(b"PAR1....")
    'parquet'
    >>> sniff(b"date,offense\\n")
    'text'
    """
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    if head.startswith(b"%PDF"):
        return "pdf"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "json"
    if stripped[:1] == b"<":
        low = stripped[:2000].lower()
        if b"<kml" in low:
            return "kml"
        if b"<html" in low or b"<!doctype html" in low:
            return "html"
        return "xml"
    sample = head[:65536]
    if sample and (sample.count(b"\x00") > len(sample) // 100 or _control_share(sample) > 0.05):
        return "binary"
    return "text"


def _control_share(sample: bytes) -> float:
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / max(len(sample), 1)


def _head(path: Path, n: int = 65536) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


_NOT_A_TABLE = {
    "binary": "This is a binary file, not a table. Export the data as CSV, Excel or Parquet.",
    "pdf": "This is a PDF. Tables in PDFs cannot be read reliably; export the data as CSV or Excel.",
    "html": "This is a web page, not a data file (a download that saved an error or login page?). "
    "Download the data again as CSV.",
    "sqlite": "This is a SQLite/GeoPackage database; load it as a boundary layer, or export the table as CSV.",
    "kml": "This is a KML map layer; load it as boundaries, not as a table.",
    "json": "This JSON file holds neither records nor point features.",
    "xml": "This is an XML file; export the table as CSV or Excel.",
}


def read_table(path: str | Path, source_name: str | None = None, sheet: str | None = None) -> Table:
    """Read a tabular file (CSV/TSV of any delimiter, UTF-8/UTF-16/Windows-1252, gzip, zip, Excel, Parquet, JSON).

    ``sheet`` (Excel): a sheet's name, or ``"all"`` for every sheet stacked with its name in a
    ``sheet`` column; the first sheet with data when None.
    """
    path = Path(path)
    check_size(path)
    name = source_name or path.name
    kind = sniff(_head(path))
    digest = file_hash(path)
    if kind == "gzip":
        with gzip.open(path, "rb") as fh:
            try:
                raw = read_capped(fh, "The gzip file")
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(
                    f"The gzip file is damaged ({exc}). Compress it again or send it uncompressed."
                ) from exc
        inner = sniff(raw[:65536])
        if inner == "parquet":
            frame = pd.read_parquet(io.BytesIO(raw))
            return Table(_typed(frame), name, digest, "Parquet (gzip)")
        if inner == "json":
            return _read_json(raw, name, digest, "gzip")
        if inner not in ("text", "utf16"):
            raise InputError(_NOT_A_TABLE.get(inner, "The gzip file holds something other than a table."))
        return _read_text(raw, name, digest, "gzip")
    if kind == "zip":
        return _read_zip(path, name, digest, sheet)
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(f"The Parquet file cannot be read ({exc}).") from exc
        return Table(_typed(frame), name, digest, "Parquet")
    if kind == "xls":
        return _read_excel(path, name, digest, sheet)
    if kind == "json":
        return _read_json(path.read_bytes(), name, digest, "")
    if kind in ("text", "utf16"):
        return _read_text(path.read_bytes(), name, digest, "")
    raise InputError(_NOT_A_TABLE[kind])


def _json_records(raw: bytes) -> tuple[list, str, list[int] | None]:
    """(records, what the file was, line numbers for JSON Lines) from JSON text, or InputError."""
    import json

    text, _ = decode(raw)
    text = text.lstrip("\ufeff \t\r\n")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise InputError(
                f"The JSON is malformed at line {exc.lineno}, column {exc.colno} ({exc.msg}). Export it again, "
                "or as CSV."
            ) from exc
        records, lines = [], []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise InputError(
                    f"The JSON Lines file is malformed at line {number} ({err.msg}): every line must be one "
                    "JSON object."
                ) from err
            lines.append(number)
        return records, "JSON Lines", lines
    except RecursionError as exc:
        raise InputError("The JSON is nested too deeply to be a table of records.") from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return _point_features(data.get("features") or []), "GeoJSON points", None
    if isinstance(data, dict):
        # {"data": [...]} and similar wrappers of portal APIs: the one list of records inside.
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
        if len(lists) == 1:
            return lists[0], "JSON (records inside an object)", None
        return [data], "JSON (one record)", None
    if isinstance(data, list):
        return data, "JSON (array of records)", None
    raise InputError(_NOT_A_TABLE["json"])


def _point_features(features: list) -> list[dict]:
    records = []
    kinds = Counter()
    for feature in features:
        if not isinstance(feature, dict):
            continue
        props = dict(feature.get("properties") or {})
        geom = feature.get("geometry") or {}
        kinds[geom.get("type")] += 1
        if geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list) and len(geom["coordinates"]) >= 2:
            lon, lat = geom["coordinates"][:2]
            props.setdefault("longitude", lon)
            props.setdefault("latitude", lat)
        records.append(props)
    polygons = kinds.get("Polygon", 0) + kinds.get("MultiPolygon", 0)
    if polygons > len(features) / 2:
        raise InputError("This GeoJSON holds polygons: load it as boundaries, not as a table of points.")
    return records


def _read_json(raw: bytes, name: str, digest: str, wrapper: str) -> Table:
    """Records from a JSON array, JSON Lines or GeoJSON points: one column per key, nested values as JSON text."""
    import json

    records, what, lines = _json_records(raw)
    if not records:
        raise InputError("The JSON holds no records.")
    bad = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if len(bad) == len(records):
        raise InputError("The JSON holds a list of values, not of records (objects with named fields).")

    def cell(v):
        if v is None:
            return None
        if isinstance(v, (dict, list)):
            return json.dumps(v, ensure_ascii=False)
        text = str(v).strip()
        return None if text in NULL_TOKENS else text

    rows = [{k: cell(v) for k, v in r.items()} if isinstance(r, dict) else {} for r in records]
    frame = pd.DataFrame.from_records(rows)
    frame.columns = _clean_names([str(c) for c in frame.columns])
    frame = frame.astype("str")
    frame.index = pd.Index(lines) if lines else pd.RangeIndex(1, len(frame) + 1)
    bad_lines = [
        (int(frame.index[i]), "is not a record (an object with named fields)", str(records[i])[:200]) for i in bad
    ]
    frame = frame.drop(index=[frame.index[i] for i in bad]).dropna(how="all")
    if frame.empty:
        raise InputError("The JSON's records have no fields.")
    fmt = what + (f", {wrapper}" if wrapper else "")
    notes = [f"Read {len(frame):,} records; row numbers are {'line numbers' if lines else 'record numbers'}."]
    return Table(frame, name, digest, fmt, notes, bad_lines)


def _read_zip(path: Path, name: str, digest: str, sheet: str | None = None) -> Table:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(f"The zip file is damaged ({exc}).") from exc
    names = archive.namelist()
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return _read_excel(path, name, digest, sheet)
    if any(n.lower().endswith(".shp") for n in names):
        raise InputError("This zip holds a Shapefile; load it as boundaries, not as a table.")
    tables = [n for n in names if n.lower().endswith((".csv", ".txt", ".tsv"))]
    if len(tables) != 1:
        raise InputError(
            f"The zip holds {len(tables)} CSV files ({', '.join(tables[:5]) or 'none'}); load one CSV at a time."
        )
    info = archive.getinfo(tables[0])
    if info.file_size > _limit_bytes():
        raise _too_big(f"{tables[0]} in the zip")
    try:
        with archive.open(info) as fh:
            raw = read_capped(fh, f"{tables[0]} in the zip")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise InputError(f"The zip file is damaged or uses an unsupported compression ({exc}).") from exc
    return _read_text(raw, name, digest, f"zip: {tables[0]}")


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of a workbook that hold data ([] for a file that is not a workbook)."""
    path = Path(path)
    kind = sniff(_head(path))
    if kind == "zip":
        try:
            names = zipfile.ZipFile(path).namelist()
        except zipfile.BadZipFile:
            return []
        if not any(n.startswith("xl/") for n in names):
            return []
    elif kind != "xls":
        return []
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine", header=None)
    except Exception:  # a damaged workbook: read_table says why
        return []
    return [str(s) for s, f in sheets.items() if not f.dropna(how="all").empty]


def _read_excel(path: Path, name: str, digest: str, sheet: str | None = None) -> Table:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine", header=None)
    except Exception as exc:  # calamine raises its own error types for damaged workbooks
        raise InputError(f"The Excel file cannot be read ({exc}). Save it again as .xlsx or CSV.") from exc
    filled = [(str(s), f) for s, f in sheets.items() if not f.dropna(how="all").empty]
    if not filled:
        raise InputError("The workbook has no data in any sheet.")
    names = [s for s, _ in filled]
    notes = []
    if sheet and sheet.lower() == "all" and "all" not in names:
        frames = []
        for sheet_name, grid in filled:
            part = _sheet_frame(grid, sheet_name)
            part.insert(0, "sheet", sheet_name)
            frames.append(part)
        frame = pd.concat(frames, ignore_index=True).astype("str")
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        notes.append(
            f"Read {len(frames)} sheets stacked ({', '.join(names)}), their name in the column 'sheet'; "
            "row numbers count through the sheets in that order, below one header."
        )
        return Table(frame, name, digest, f"Excel, {len(frames)} sheets", notes)
    if sheet:
        if sheet not in names:
            raise InputError(f"The workbook has no sheet {sheet!r} with data. Its sheets are: {', '.join(names)}.")
        chosen = sheet
    else:
        chosen = names[0]
        if len(filled) > 1:
            notes.append(
                f"Read sheet '{chosen}'; the workbook also has {', '.join(names[1:])} "
                "(choose one by name, or all of them stacked)."
            )
    frame = _sheet_frame(dict(filled)[chosen], chosen)
    return Table(frame, name, digest, f"Excel, sheet '{chosen}'", notes)


def _sheet_frame(grid: pd.DataFrame, sheet: str) -> pd.DataFrame:
    grid = grid.dropna(how="all").dropna(axis=1, how="all")
    header_at = _header_row(
        [[c for c in row if isinstance(c, str) and c.strip()] for row in grid.head(20).values.tolist()]
    )
    header = [str(c) if isinstance(c, str) else "" for c in grid.iloc[header_at].tolist()]
    body = grid.iloc[header_at + 1 :]
    body.columns = _clean_names(header)
    if body.empty:
        raise InputError(f"The sheet '{sheet}' has a header row but no data rows.")
    frame = body.map(lambda v: v.strip() if isinstance(v, str) else None).replace({t: None for t in NULL_TOKENS})
    frame = frame.astype("str")
    # Spreadsheet row numbers: pandas counted rows from 0.
    frame.index = [int(i) + 1 for i in frame.index]
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep Parquet's types for dates and numbers; make everything else text."""
    frame = frame.copy()
    frame.columns = _clean_names([str(c) for c in frame.columns])
    for col in frame.columns:
        dtype = frame[col].dtype
        if not (
            pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_bool_dtype(dtype)
        ):
            frame[col] = frame[col].astype("str")
    if frame.empty:
        raise InputError("The file has columns but no data rows.")
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


def decode(raw: bytes) -> tuple[str, str]:
    """Decode file bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252/Latin-1."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        # A field longer than the csv module's limit (an unclosed quote, a giant line): not splittable.
        return [line]


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines into the most, most consistent columns."""
    best, best_score = ",", 0.0
    for delim in _DELIMITERS:
        counts = [len(_fields(line, delim)) for line in lines if line.strip()]
        if not counts:
            continue
        modal, freq = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        score = freq / len(counts) * min(modal, 50)
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_row(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first with the usual number of fields.

    Exports often carry a title or "Report generated ..." line above the header.
    """
    counts = [len(r) for r in rows if r]
    if not counts:
        return 0
    modal = Counter(counts).most_common(1)[0][0]
    for i, row in enumerate(rows):
        if len(row) >= modal:
            return i
    return 0


def _clean_names(names: list[str]) -> list[str]:
    """Blank and repeated headers get usable names: '' -> column_3, a second 'Date' -> Date_2."""
    seen: Counter = Counter()
    out = []
    for i, raw in enumerate(names, start=1):
        name = (raw or "").strip().lstrip("\ufeff") or f"column_{i}"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


_NON_SPACE = re.compile(rb"\S")


def _utf8(raw: bytes) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 (re-encoded only when they are not), and the encoding found."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16").encode("utf-8"), "UTF-16"
    try:
        raw.decode("utf-8")  # validation only; the text is not kept
        return raw, "UTF-8"
    except UnicodeDecodeError:
        text, encoding = decode(raw)
        return text.encode("utf-8"), encoding


def _read_text(raw: bytes, name: str, digest: str, wrapper: str) -> Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not _NON_SPACE.search(raw):
        raise InputError("The file is empty. Export it again from the source system.")
    kind = sniff(raw[:65536])
    if kind not in ("text", "utf16"):
        raise InputError(_NOT_A_TABLE.get(kind, "This file is not a table."))
    raw, encoding = _utf8(raw)
    if b"\n" not in raw[:200_000] and b"\r" in raw[:200_000]:
        raw = raw.replace(b"\r", b"\n")  # classic Mac line endings
    sample_lines = raw[:200_000].decode("utf-8", errors="ignore").splitlines()[:60]
    delimiter = sniff_delimiter(sample_lines[:50])
    parsed_head = [_fields(line, delimiter) for line in sample_lines[:20]]
    header_at = _header_row(parsed_head)
    header = _clean_names(parsed_head[header_at])
    # Skip the preamble and the header line; pyarrow reads the rest in place.
    pos = 0
    for _ in range(header_at + 1):
        nxt = raw.find(b"\n", pos)
        pos = len(raw) if nxt < 0 else nxt + 1
    if not _NON_SPACE.search(raw, pos):
        raise InputError("The file has a header row but no data rows.")
    bad: list[tuple[int, str, str]] = []

    def on_bad_row(row) -> str:
        bad.append((0, f"has {row.actual_columns} fields where the header has {row.expected_columns}", row.text))
        return "skip"

    try:
        arrow = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw).slice(pos)),
            read_options=pacsv.ReadOptions(column_names=header, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_bad_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                null_values=NULL_TOKENS,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, MemoryError) as exc:
        text = str(exc)
        if "straddling" in text or "block" in text.lower():
            raise InputError(
                "The CSV has a line or a quoted field longer than 16 MB (an unclosed quote, or a whole "
                "file on one line?). Check the export: every record must be on its own line."
            ) from exc
        raise InputError(f"The CSV cannot be parsed ({text[:300]}). Check that it is a plain table.") from exc
    frame = arrow.to_pandas()
    del arrow
    for col in frame.columns:
        frame[col] = frame[col].str.strip().replace("", None)
        longest = frame[col].str.len().max()
        if longest and longest > MAX_FIELD_CHARS:
            at = int(frame[col].str.len().idxmax()) + header_at + 2
            raise InputError(
                f"Row {at} has a value of {longest / 1e6:,.1f} million characters in {col!r} (an unclosed "
                "quote, or a file with no line breaks?). Check the export: every record must be on its own line."
            )
    frame = frame.dropna(how="all")
    if frame.empty:
        raise InputError("The file has a header row but no data rows.")
    # Spreadsheet row numbers: the header is row (header_at + 1), data starts one below.
    frame.index = frame.index + header_at + 2
    if bad:
        text = raw.decode("utf-8", errors="replace")
        bad = [(_locate(text, raw_line), reason, raw_line) for _, reason, raw_line in bad]
    fmt = (
        f"CSV ({encoding}, delimiter {_DELIM_NAMES.get(delimiter, delimiter)}"
        + (f", {wrapper}" if wrapper else "")
        + ")"
    )
    notes = []
    if header_at:
        notes.append(f"Skipped {header_at} line(s) above the header.")
    return Table(frame, name, digest, fmt, notes, bad)


_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _locate(text: str, line: str) -> int:
    """Spreadsheet row number of a raw line (first match), 0 when it cannot be found."""
    at = text.find(line)
    return text.count("\n", 0, at) + 1 if at >= 0 else 0


# -- layers ----------------------------------------------------------------


def read_layer(path: str | Path, source_name: str | None = None):
    """Read a polygon layer (GeoJSON, zipped Shapefile, GeoPackage, KML) as WGS84 with valid geometry.

    Returns ``(GeoDataFrame, file_hash, notes)``.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    check_size(path)
    kind = sniff(_head(path))
    digest = file_hash(path)
    notes: list[str] = []
    target = str(path)
    if kind == "gzip":
        target = f"/vsigzip/{path}"
    elif kind == "zip":
        with zipfile.ZipFile(path) as archive:
            shps = [n for n in archive.namelist() if n.lower().endswith(".shp")]
        if not shps:
            raise InputError("The zip holds no .shp file. A zipped Shapefile needs its .shp, .shx, .dbf and .prj.")
        if len(shps) > 1:
            notes.append(f"The zip holds {len(shps)} Shapefiles; read {shps[0]}.")
        target = f"/vsizip/{path}/{shps[0]}"
    elif kind in ("binary", "pdf", "html", "parquet", "xls", "utf16", "text"):
        raise InputError(
            "This is not a GIS layer. Boundaries are read from GeoJSON, a zipped Shapefile, a GeoPackage or KML."
        )
    try:
        layers = pyogrio.list_layers(target)
        layer = None
        if kind == "kml" and len(layers) > 1:
            # KML puts each folder in its own layer; read them all.
            frames = [gpd.read_file(target, layer=name) for name, _ in layers]
            gdf = pd.concat(frames, ignore_index=True)
            gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=frames[0].crs)
        else:
            if len(layers) > 1:
                layer = layers[0][0]
                notes.append(f"Read layer '{layer}'; the file also has {', '.join(l[0] for l in layers[1:])}.")
            gdf = gpd.read_file(target, layer=layer)
    except InputError:
        raise
    except Exception as exc:  # GDAL raises many types for unreadable files
        raise InputError(f"The layer cannot be read ({exc}).") from exc
    if gdf.empty:
        raise InputError("The layer has no features.")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise InputError("The file has no geometry; boundaries need polygons.")
    gdf = _flatten_properties(gdf)
    nested = gdf.attrs["nested"]
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    kinds = set(gdf.geometry.geom_type)
    if not kinds & {"Polygon", "MultiPolygon", "GeometryCollection"}:
        raise InputError(f"The layer holds {', '.join(sorted(kinds))}, not polygons; boundaries need areas.")
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            gdf = gdf.set_crs(4326)
            notes.append("The layer had no coordinate system; its numbers are degrees, so WGS84 was assumed.")
        else:
            raise InputError(
                "The layer has no coordinate system and its coordinates are not degrees. "
                "Include the .prj file in the zip, or export it as GeoJSON in WGS84."
            )
    elif gdf.crs.to_epsg() != 4326:
        notes.append(f"Reprojected from {gdf.crs.to_string()} to WGS84.")
        gdf = gdf.to_crs(4326)
    invalid = int((~gdf.geometry.is_valid).sum())
    if invalid:
        gdf["geometry"] = gdf.geometry.make_valid()
        notes.append(f"Repaired {invalid} invalid polygon(s).")
    # make_valid may turn a polygon into a collection with stray lines; keep the areas.
    gdf["geometry"] = gdf.geometry.apply(_polygonal)
    gdf = gdf[gdf.geometry.notna()]
    gdf.attrs["nested"] = nested
    if nested:
        notes.append(
            f"Properties holding lists or objects, kept as text but not offered as codes: {', '.join(nested)}."
        )
    return gdf, digest, notes


def _scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool)) or pd.api.types.is_scalar(value)


def _flatten_properties(gdf):
    """List- and object-valued properties (common in portal exports) as JSON text.

    They are kept with each area but never offered as its code or name: ``gdf.attrs["nested"]``
    names them (see :func:`scalar_properties`).
    """
    import json

    nested = []
    for col in gdf.columns:
        if col == gdf.geometry.name or gdf[col].dtype != object:
            continue
        if not gdf[col].map(_scalar).all():
            nested.append(col)
            gdf[col] = gdf[col].map(
                lambda v: (
                    None
                    if v is None
                    else json.dumps(v.tolist() if hasattr(v, "tolist") else v, default=str, ensure_ascii=False)
                )
            )
    gdf.attrs["nested"] = nested
    return gdf


def scalar_properties(gdf) -> list[str]:
    """The properties of a layer that can hold area codes and names: not geometry, not lists or objects."""
    nested = set(gdf.attrs.get("nested", ()))
    for col in gdf.columns:
        # A copy that lost its attrs (a cache, a pickle): JSON lists and objects are known by their text.
        if col != "geometry" and gdf[col].dtype == object:
            text = gdf[col].dropna().astype("str")
            if len(text) and text.str.match(r"\s*[\[{]").all():
                nested.add(col)
    return [c for c in gdf.columns if c != "geometry" and c not in nested]


def _polygonal(geom):
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    polys = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon(polys) if polys else None
