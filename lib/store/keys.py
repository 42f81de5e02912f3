"""Keyed hashes of personal identifiers: attendee ids, officer and complainant ids are never stored in the clear.

An id is normalised (trimmed, lower-cased, inner spaces collapsed, so "Ana  Ruiz" and "ana ruiz" are
one person) and replaced by its HMAC-SHA256 under the installation's secret
(``DASHBOARD_ATTENDEE_KEY_FILE``), so the store can count repeats but no one reading it can recover or
test an id without the key. Losing the key breaks matching between old and new files, not old counts.

>>> hash_ids(pd.Series(["Ana  Ruiz", "ana ruiz", None]), b"k").nunique()
1
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from lib.store import settings


def secret_key() -> bytes:
    """The deployment's hashing key, created (random, 256 bits, owner-only) on first use."""
    path = Path(settings.get("attendee_key_file"))
    if not path.is_absolute():
        path = settings.PROJECT_DIR / path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def normalise_id(value) -> str | None:
    """An id as compared: trimmed, lower case, single spaces; None when blank.

    >>> normalise_id("  Ana   RUIZ "), normalise_id("")
    ('ana ruiz', None)
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = " ".join(str(value).split()).lower()
    return text or None


def hash_ids(values: pd.Series, secret: bytes) -> pd.Series:
    """HMAC-SHA256 of each normalised id (hex, 32 characters); None where the id is blank."""

    def one(v):
        norm = normalise_id(v)
        return None if norm is None else hmac.new(secret, norm.encode(), hashlib.sha256).hexdigest()[:32]

    return values.map(one).astype("object")
