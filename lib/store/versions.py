"""Schema versions: which shape of store this code reads, and the steps that bring an older one up to it.

A store records the versions it went through in ``schema_version`` (one row per step, with when).
A store without that table but with data is version 1: every store built before versions were
recorded. :data:`CURRENT` is what this code writes; a new store is stamped with it when its tables are
first made (:func:`lib.store.schema.create_tables`).

:func:`upgrade` (``python -m lib upgrade``) runs every pending :class:`Step` in one transaction:
missing tables and columns first, then each step's statements and its derived columns, recomputed
by functions the caller passes in by name (this package cannot import the ingest that owns them).
Commands and the app refuse an older or newer store with :class:`OutdatedStore`, saying what to run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.store.connection import StoreError

TABLE = "schema_version"


@dataclass(frozen=True)
class Step:
    """What upgrading a store to ``version`` does."""

    version: int
    summary: str
    statements: tuple[str, ...] = ()
    # Derived columns to recompute, by the name of the function the caller supplies.
    recompute: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step(
        2,
        "Schema versions recorded; H3 cells at every resolution recomputed from the coordinates "
        "(stores built before held coarser cells as parents of the finest, wrong for 6-7% of points).",
        recompute=("h3_cells",),
    ),
)
CURRENT = STEPS[-1].version


class OutdatedStore(StoreError):
    """The store's schema is not the one this code reads."""


def version(store) -> int | None:
    """The store's schema version: None for an empty store, 1 for one built before versions were kept."""
    tables = store.tables()
    if TABLE in tables:
        return int(store.scalar(f"SELECT max(version) FROM {TABLE}") or 1)
    return 1 if "loads" in tables else None


def stamp(store, to: int = CURRENT, summary: str = "new store") -> None:
    """Record that the store now has schema version ``to``."""
    store.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (version BIGINT, applied_at TIMESTAMP, summary TEXT)")
    store.execute(f"INSERT INTO {TABLE} VALUES (:v, CAST(current_timestamp AS TIMESTAMP), :s)", {"v": to, "s": summary})


def check(store) -> None:
    """Raise :class:`OutdatedStore` unless the store is empty or of :data:`CURRENT` version."""
    found = version(store)
    if found is None or found == CURRENT:
        return
    if found < CURRENT:
        raise OutdatedStore(
            f"The store {store.url} has schema version {found}; this version of the dashboard reads "
            f"version {CURRENT}. Back it up (`python -m lib backup DIR`), then run `python -m lib upgrade` "
            "to migrate it in place."
        )
    raise OutdatedStore(
        f"The store {store.url} has schema version {found}, newer than this code's {CURRENT}: it was "
        "written by a newer dashboard. Update the code rather than use it with this one."
    )


def pending(store) -> list[Step]:
    """The steps :func:`upgrade` would run, oldest first."""
    found = version(store)
    if found is None:
        return []
    return [step for step in STEPS if step.version > found]


def upgrade(store, derived: dict[str, Callable] | None = None, progress=None) -> list[Step]:
    """Bring the store to :data:`CURRENT` in one transaction; returns the steps run (none if current).

    ``derived`` maps each name in a step's ``recompute`` to a function of the store that recomputes
    those columns (``{"h3_cells": lib.ingest.spatial.recompute_h3_cells}``); a step naming one that
    is missing stops the upgrade before anything is written.
    """
    from lib.store import schema

    found = version(store)
    if found is not None and found > CURRENT:
        check(store)
    steps = pending(store)
    derived = derived or {}
    missing = sorted({name for step in steps for name in step.recompute} - set(derived))
    if missing:
        raise ValueError(f"upgrade needs the recomputation of {', '.join(missing)}")
    if not steps:
        return []
    with store.transaction():
        if store.engine == "postgresql":
            # Two upgrades at once (two app hosts updated together): the second waits, then finds it done.
            store.execute("SELECT pg_advisory_xact_lock(7322)")
            steps = pending(store)
            if not steps:
                return []
        schema.create_tables(store)
        schema.add_missing_columns(store)
        for i, step in enumerate(steps):
            if progress:
                progress(i / len(steps), f"Version {step.version}: {step.summary}")
            for statement in step.statements:
                store.execute(statement)
            for name in step.recompute:
                derived[name](store)
            stamp(store, step.version, step.summary)
    if progress:
        progress(1.0, f"The store has schema version {CURRENT}")
    return steps
