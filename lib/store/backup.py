"""Backups of the whole store and their restore, for both engines (``python -m lib backup|restore DIR``).

A backup is a folder: DuckDB's ``EXPORT DATABASE`` (Parquet files and the schema's SQL) or, for
PostgreSQL, one ``pg_dump`` archive (``store.dump``, custom format), beside ``backup.json``: the
engine, the schema version, when, from where, and every table's row count. A restore replaces the
store's tables by the backup's in one transaction (DuckDB: ``IMPORT DATABASE``; PostgreSQL:
``pg_restore --clean --single-transaction``) and checks the row counts against ``backup.json``.

The app may keep serving during either: a backup only reads, and a restore is one write.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from lib.store import versions
from lib.store.connection import StoreError

MANIFEST = "backup.json"
DUMP = "store.dump"


class BackupError(StoreError):
    """The backup cannot be made or restored; the message says why and what to do."""


def _counts(store) -> dict[str, int]:
    return {t: int(store.scalar(f'SELECT count(*) FROM "{t}"')) for t in sorted(store.tables())}


def _sql_path(path: Path) -> str:
    text = str(path.resolve())
    if "'" in text:
        raise BackupError(f"The folder {text} has a quote in its name; choose another.")
    return text


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed; on Debian: apt-get install postgresql-client.")
    return found


def backup(store, folder: str | Path) -> dict:
    """Write the whole store into ``folder`` (new or empty); returns the manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for the backup (nothing was written).")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        if store.engine == "duckdb":
            with store.batch():  # one read: the counts and the export see the same store
                counts = _counts(store)
                store.execute(f"EXPORT DATABASE '{_sql_path(partial)}' (FORMAT parquet)", write=False)
        else:
            counts = _counts(store)
            run = subprocess.run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    f"--file={partial / DUMP}",
                    f"--dbname={store.url}",
                ],
                capture_output=True,
                text=True,
            )
            if run.returncode:
                raise BackupError(f"pg_dump failed: {run.stderr.strip()}")
        manifest = {
            "engine": store.engine,
            "schema_version": versions.version(store),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": store.url.split("@")[-1],  # never a password
            "tables": counts,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if folder.exists():
        folder.rmdir()
    partial.rename(folder)
    return manifest


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} holds no backup ({MANIFEST} is missing): give the folder `backup` wrote.")
    return json.loads(path.read_text())


def restore(store, folder: str | Path) -> dict:
    """Replace the store's tables by the backup in ``folder``; returns its manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest["engine"] != store.engine:
        raise BackupError(
            f"{folder} is a {manifest['engine']} backup and the store is {store.engine}: restore it into a "
            f"{manifest['engine']} store (moving between engines is a load, not a restore)."
        )
    if store.engine == "duckdb":
        with store.transaction():
            for table in sorted(store.tables()):
                store.execute(f'DROP TABLE "{table}"')
            store.execute(f"IMPORT DATABASE '{_sql_path(folder)}'")
            found = _counts(store)
            if found != manifest["tables"]:
                raise BackupError(f"The restored tables do not match {MANIFEST} ({found}); the store is as it was.")
        return manifest
    run = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={store.url}",
            str(folder / DUMP),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode:
        raise BackupError(f"pg_restore failed, so the store is as it was: {run.stderr.strip()}")
    found = {t: n for t, n in _counts(store).items() if t in manifest["tables"]}
    if found != manifest["tables"]:
        raise BackupError(f"The restored tables do not match {MANIFEST}: {found}")
    return manifest
