"""What the store holds and where it came from: the `info` command and every page's sources line."""

from __future__ import annotations

import json
import re
from pathlib import PurePath

import pandas as pd

from lib.store import schema
from lib.store.schema import KINDS

_WHEN = {"incidents": "occurred_at", "survey": "responded_at", "events": "starts_at", "scores": "period_start"}


def loads(store, kind: str | None = None, removed: bool = False) -> pd.DataFrame:
    """Load records, newest first (all kinds, or one).

    Loads whose rows were removed (``loads remove``, ``load --replace``) and the removal records
    themselves are left out unless ``removed``: what is left is what the store's numbers rest on.
    ``source_title`` is always filled: the title the load gave, else one read from the file name.
    """
    if "loads" not in store.tables():
        return pd.DataFrame(columns=[c for c, _ in schema.SYSTEM_TABLES["loads"]])
    where, params = ("WHERE kind = :k", {"k": kind}) if kind else ("WHERE true", {})
    if not removed and "removed_by" in store.columns("loads"):
        where += " AND removed_by IS NULL AND kind <> 'removal'"
    frame = store.query(f"SELECT * FROM loads {where} ORDER BY load_id DESC", params)
    given = frame["source_title"] if "source_title" in frame else pd.Series(None, index=frame.index, dtype=object)
    frame["source_title"] = [
        title if isinstance(title, str) and title.strip() else readable_name(str(file))
        for title, file in zip(given, frame["source_name"])
    ]
    return frame


# What file names end with that says nothing about the source: formats and compression.
_EXTENSIONS = re.compile(
    r"(\.(csv|tsv|txt|gz|gzip|zip|bz2|xz|parquet|xlsx|xls|json|jsonl|ndjson|geojson|gpkg|kml|kmz|shp))+$", re.I
)


def readable_name(file: str) -> str:
    """A name a person can read, from a file name alone: "chicago_crimes_2017_2019.csv.gz" -> "Chicago crimes 2017-2019".

    For loads that recorded no title (``load --title``): extensions go, underscores, hyphens and dots
    become spaces, two years in a row become a span, and the first letter is a capital.
    """
    stem = _EXTENSIONS.sub("", PurePath(file.replace("\\", "/")).name) or file
    words = " ".join(re.sub(r"[_.\-]+", " ", stem).split())
    words = re.sub(r"\b((?:19|20)\d\d) ((?:19|20)\d\d)\b", r"\1-\2", words)
    return words[:1].upper() + words[1:] if words else file


def info(store) -> dict:
    """Per kind the row count and date range, the boundary levels and the load records.

    The shape is documented in docs/data.md (``python -m lib info --json``).
    """
    tables = store.tables()
    kinds = {}
    for kind in KINDS.values():
        if kind.name == "boundaries" or kind.table not in tables:
            continue
        when = _WHEN.get(kind.name)
        if when:
            n, lo, hi = store.rows(f"SELECT count(*), min({when}), max({when}) FROM {kind.table}")[0]
        else:
            n, lo, hi = store.scalar(f"SELECT count(*) FROM {kind.table}"), None, None
        datasets = {}
        if "dataset" in schema.table_columns(kind):
            frame = store.query(f"SELECT dataset, count(*) AS n FROM {kind.table} GROUP BY dataset ORDER BY dataset")
            datasets = dict(zip(frame["dataset"], frame["n"].astype(int)))
        kinds[kind.name] = {
            "rows": int(n),
            "from": _iso(lo),
            "to": _iso(hi),
            "datasets": datasets,
        }
        if kind.name == "incidents":
            # Rows of an export of counts stand for several incidents each: the total is their sum.
            kinds[kind.name]["incidents"] = int(store.scalar(f"SELECT {schema.incident_total()} FROM incidents"))
            frame = store.query(
                f"SELECT dataset, {schema.incident_total()} AS n FROM incidents GROUP BY dataset ORDER BY dataset"
            )
            kinds[kind.name]["dataset_incidents"] = dict(zip(frame["dataset"], frame["n"].astype(int)))
    per_load = {}
    if "incidents" in tables:
        frame = store.query(f"SELECT load_id, {schema.incident_total()} AS n FROM incidents GROUP BY load_id")
        per_load = dict(zip(frame["load_id"].astype(int), frame["n"].astype(int)))
    levels = {}
    if "boundaries" in tables:
        frame = store.query("SELECT level, count(*) AS areas FROM boundaries GROUP BY level ORDER BY level")
        levels = dict(zip(frame["level"], frame["areas"].astype(int)))
    records = []
    for rec in loads(store, removed=True).to_dict("records"):
        records.append(
            {
                "load_id": int(rec["load_id"]),
                "kind": rec["kind"],
                "dataset": rec["dataset"],
                "source": rec["source_name"],
                "source_title": rec["source_title"],
                "file_sha256": rec["file_hash"],
                "loaded_at": _iso(rec["loaded_at"]),
                "rows_read": int(rec["rows_read"]),
                "rows_loaded": int(rec["rows_loaded"]),
                "rows_rejected": int(rec["rows_rejected"]),
                "rows_not_geocoded": _int(rec["rows_not_geocoded"]),
                "rows_merged": _int(rec["rows_merged"]),
                "rows_duplicate": _int(rec["rows_duplicate"]),
                "period": [_iso(rec["period_start"]), _iso(rec["period_end"])],
                "area_level": _text(rec["area_level"]),
                "mapping": json.loads(_text(rec["mapping"]) or "{}"),
                "synthetic": bool(_int(rec["synthetic"])),
            }
        )
        if not _missing(rec.get("removed_by")):
            records[-1]["removed_by"] = int(rec["removed_by"])
        if rec["kind"] == "incidents":
            records[-1]["incidents"] = per_load.get(int(rec["load_id"]), 0)
            records[-1]["date_precision"] = _text(rec.get("date_precision"))
    return {
        "store": {"engine": store.engine, "url": _safe_url(store.url)},
        "kinds": kinds,
        "boundary_levels": levels,
        "loads": records,
    }


_ORDER = {"month": 0, "day": 1, "minute": 2}


def date_precision(store, dataset: str | None = None) -> str | None:
    """The coarsest date precision of the incident loads of ``dataset`` (all datasets when None).

    "month": weekdays and times of day are unknown; "day": times of day are unknown; "minute": both
    known; None when no load recorded one (stores loaded before precision was recorded).
    """
    recs = loads(store, "incidents")
    if "date_precision" not in recs or recs.empty:
        return None
    if dataset is not None:
        recs = recs[recs["dataset"] == dataset]
    known = [p for p in recs["date_precision"].dropna() if p in _ORDER]
    return min(known, key=_ORDER.get) if known else None


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _int(value) -> int:
    """A stored count as an int: 0 where the store holds NULL (pandas NaN), never a NaN in the JSON."""
    return 0 if _missing(value) else int(value)


def _text(value) -> str | None:
    return None if _missing(value) else str(value)


def _iso(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).isoformat()


def _safe_url(url: str) -> str:
    """A store URL without its password."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url


def format_info(data: dict) -> str:
    """`info` as text for a terminal."""
    lines = [f"Store: {data['store']['engine']} {data['store']['url']}", ""]
    if not data["kinds"]:
        lines.append("The store is empty. Load data with: python -m lib load KIND FILE")
    for kind, k in data["kinds"].items():
        span = f"  {k['from'][:10]} to {k['to'][:10]}" if k["from"] else ""
        counted = f" ({k['incidents']:,} incidents)" if "incidents" in k else ""
        lines.append(f"{kind:<12}{k['rows']:>12,} rows{counted}{span}")
        for name, n in k["datasets"].items():
            extra = k.get("dataset_incidents", {}).get(name)
            lines.append(f"{'':<14}{n:>10,}  {name}" + (f" ({extra:,} incidents)" if extra is not None else ""))
    if data["boundary_levels"]:
        lines.append("")
        lines.append(
            "Boundary levels: " + ", ".join(f"{lvl} ({n} areas)" for lvl, n in data["boundary_levels"].items())
        )
    if data["loads"]:
        lines += ["", "Loads (newest first):"]
        for rec in data["loads"]:
            flag = "  [synthetic]" if rec["synthetic"] else ""
            if "removed_by" in rec:
                flag += f"  [removed by #{rec['removed_by']}]"
            lines.append(
                f"  #{rec['load_id']:<3} {rec['loaded_at'][:19]}  {rec['kind']:<10} {rec['source']}: "
                f"{rec['rows_loaded']:,} loaded"
                + (f" ({rec['incidents']:,} incidents)" if "incidents" in rec else "")
                + f", {rec['rows_rejected']:,} rejected, "
                f"{rec['rows_duplicate']:,} duplicates, {rec['rows_not_geocoded']:,} not geocoded{flag}"
            )
    return "\n".join(lines)


def sources_line(store, kind: str, dataset: str | None = None) -> str:
    """One sentence naming the loads behind a page's numbers, from the load records."""
    recs = loads(store, kind)
    if dataset is not None:
        recs = recs[recs["dataset"] == dataset]
    recs = recs[recs["rows_loaded"] > 0]
    if recs.empty:
        return f"No {kind} loaded yet."
    parts = []
    for rec in recs.to_dict("records"):
        synthetic = " (SYNTHETIC)" if rec["synthetic"] else ""
        parts.append(
            f"{rec['source_title']}{synthetic} ({int(rec['rows_loaded']):,} rows, "
            f"loaded {pd.Timestamp(rec['loaded_at']):%Y-%m-%d})"
        )
    return "Source: " + "; ".join(parts) + "."
