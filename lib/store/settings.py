"""Deployment settings: one registry of (name, default, help), read from the environment.

Every setting can be overridden by an environment variable ``DASHBOARD_<NAME>``
(upper case). The settings table in docs/operations.md is checked against this registry by a
test, so a setting cannot be added without being documented.

>>> get("publication_lag_days")
7
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_DIR / "data"


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str

    @property
    def env(self) -> str:
        return f"DASHBOARD_{self.name.upper()}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db",
        str(DATA_DIR / "dashboard.duckdb"),
        "The store: a DuckDB file path, or a postgresql:// URL for a shared server.",
    ),
    Setting(
        "lock_timeout",
        120,
        "Seconds a load, publish or page waits for another process holding a DuckDB store (or for a free PostgreSQL connection) before it gives up with a message.",
    ),
    Setting(
        "pool_size",
        10,
        "Most PostgreSQL connections one process (an app process, a command) keeps open.",
    ),
    Setting(
        "max_upload_mb",
        500,
        "Largest file the ingest accepts, in megabytes (the Data page and `load`).",
    ),
    Setting(
        "timezone",
        "America/Chicago",
        "Local time zone of the department; timestamps with an offset are converted to it.",
    ),
    Setting(
        "publication_lag_days",
        7,
        "Public views show nothing more recent than this many days before the newest record.",
    ),
    Setting(
        "min_public_count",
        5,
        'Public views suppress counts from 1 to this value minus one ("fewer than 5").',
    ),
    Setting(
        "public_max_h3_res",
        9,
        "Finest H3 resolution public maps may show (9 = hexagons of 0.1 km²; 10 is never public).",
    ),
    Setting(
        "attendee_key_file",
        "data/attendee.key",  # relative paths are taken from the project folder
        "Secret key that hashes attendee ids from sign-in sheets (created on first use; keep it, or repeat visits stop matching).",
    ),
    Setting(
        "map_tiles",
        "OpenStreetMap",
        "Base map of the Map page: a folium tile name, a tile URL template (https://.../{z}/{x}/{y}.png), or none.",
    ),
    Setting(
        "public_url",
        "",
        "Address of the department's public Transparency page, for the deck's closing slide (empty: this dashboard's own).",
    ),
    Setting(
        "complaints_url",
        "",
        "Address of the department's own page for complaints and commendations, linked from the Transparency page and the published site (empty: they say none was given).",
    ),
    Setting(
        "users_file",
        str(PROJECT_DIR / ".streamlit" / "users.yaml"),
        "Local sign-in users (hashed passwords and roles) when no OIDC [auth] is configured.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str):
    """The value of setting ``name``: the environment's if set, else the default, typed like it."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    if raw is None or raw == "":
        return setting.default
    if isinstance(setting.default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(setting.default, int):
        return int(raw)
    if isinstance(setting.default, float):
        return float(raw)
    return raw
