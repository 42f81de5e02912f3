"""The data store: one interface over an embedded DuckDB file or a PostgreSQL server.

Queries are written once, in the SQL that both engines share, with named
parameters in the ``:name`` form::

    store.query("SELECT offense, count(*) AS n FROM incidents "
                "WHERE occurred_at >= :since GROUP BY offense", {"since": "2019-01-01"})

The store turns ``:name`` into each driver's own placeholder, so no value is
ever formatted into SQL text. Lists are passed the same way and used as
``col IN (SELECT unnest(CAST(:codes AS TEXT[])))`` (or ``INTEGER[]``): both
engines accept it, and PostgreSQL needs the cast to know the list's type.

Connections are short-lived, so the app, the command line and the nightly job can share one store
(docs/deploy.md, "Loads beside the live app"). Each statement, or each :meth:`Store.batch` /
:meth:`Store.transaction` around several, borrows a connection and gives it back:

- **DuckDB** lets one process write a file, or any number read it. A batch opens the file read-only
  (a transaction: read-write) and the process closes it once no batch has used it for
  :data:`LINGER` seconds, so another process can take its turn. A writer that finds the file held
  retries, announcing itself in a ``<file>.writer`` marker that makes new readers stand aside, for
  at most ``$DASHBOARD_LOCK_TIMEOUT`` seconds; then :class:`StoreBusy` says who to wait for. Readers
  wait for a writer the same way.
- **PostgreSQL** serves readers beside a writer; each process keeps a pool of at most
  ``$DASHBOARD_POOL_SIZE`` connections and a batch borrows one.

A ``Store`` is safe to share between threads (Streamlit sessions): each thread's batch has its own
DuckDB cursor or PostgreSQL connection. A load's rows are written in one transaction, so a reader
sees all of a load or none of it.
"""

from __future__ import annotations

import atexit
import io
import re
import threading
import time
import weakref
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pandas as pd

from lib.store import settings

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

# Seconds an idle DuckDB file stays open: page runs come in bursts of queries, and reopening loses the
# engine's cache, while a writer elsewhere waits for at most this long after the last query.
LINGER = 0.5
# A writer's marker counts for this long after its last touch (a crashed writer's is then ignored).
_INTENT_FRESH = 3.0

# Column types are written in this neutral vocabulary and spelled per engine.
_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "double": "DOUBLE",
        "int": "BIGINT",
        "bool": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
    },
    "postgresql": {
        "text": "TEXT",
        "double": "DOUBLE PRECISION",
        "int": "BIGINT",
        "bool": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
    },
}


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message says what to do."""


class StoreBusy(StoreError):
    """Another process held the store for longer than ``$DASHBOARD_LOCK_TIMEOUT``."""


def connect(db: str | None = None, read_only: bool = False) -> Store:
    """Open the store named by ``db``, ``$DASHBOARD_DB`` or the default DuckDB file.

    ``read_only``: this store never writes (DuckDB opens the file read-only even for a transaction).
    """
    target = db or settings.get("db")
    if target.startswith(("postgresql://", "postgres://")):
        return PostgresStore(target)
    return DuckDBStore(target, read_only=read_only)


def _busy_message(url: str, waited: float) -> str:
    return (
        f"The store {url} is busy: another process (the app, a load or a backup) held it for the "
        f"{waited:.0f} s this command may wait (DASHBOARD_LOCK_TIMEOUT). Nothing was changed; run the "
        "command again when that process has finished, or raise DASHBOARD_LOCK_TIMEOUT."
    )


class Store:
    """What every engine offers; subclasses supply the connections and bulk copy."""

    engine: str = ""
    url: str = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self.lock_timeout = float(settings.get("lock_timeout"))

    # -- connections -----------------------------------------------------
    def _acquire(self, write: bool):  # pragma: no cover - abstract
        raise NotImplementedError

    def _release(self, conn) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _translate(self, sql: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _conn(self):
        return self._local.conn

    @contextmanager
    def batch(self, write: bool = False):
        """Run the statements inside on one connection, given back at the end.

        Statements outside any batch each borrow their own. ``write``: the batch changes the store
        (DuckDB then holds the file for writing, shutting out other processes until it ends).
        """
        if getattr(self._local, "depth", 0):
            if write and not self._local.write:
                raise RuntimeError("a write inside a read-only batch: open the outer batch with write=True")
            self._local.depth += 1
            outer = self._local.conn
            try:
                yield self
            finally:
                # A stage never dropped is finalised late, maybe after its batch ended: then it owns nothing.
                if self._local.conn is outer and self._local.depth > 1:
                    self._local.depth -= 1
            return
        conn = self._acquire(write)
        self._local.conn, self._local.write, self._local.depth = conn, write, 1
        self._local.stages = {}
        try:
            yield self
        finally:
            self._local.depth, self._local.conn, self._local.stages = 0, None, {}
            self._release(conn)

    def type(self, neutral: str) -> str:
        """The engine's spelling of a neutral column type (``text``, ``double``, ...)."""
        return _TYPES[self.engine][neutral]

    # -- queries ---------------------------------------------------------
    def execute(self, sql: str, params: dict | None = None, write: bool = True) -> None:
        """Run a statement; ``write=False`` for one that only reads (DuckDB's EXPORT DATABASE)."""
        with self.batch(write=write):
            self._run(sql, params)

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run a SELECT and return its rows as a DataFrame (dates as datetime64)."""
        with self.batch():
            return self._frame(sql, params or {})

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        with self.batch():
            return self._run(sql, params, fetch=True)

    def scalar(self, sql: str, params: dict | None = None):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    # -- schema helpers --------------------------------------------------
    def tables(self) -> set[str]:
        return set(
            self.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s",
                {"s": self._schema()},
            )["table_name"]
        )

    def columns(self, table: str) -> list[str]:
        return list(
            self.query(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = :t AND table_schema = :s ORDER BY ordinal_position",
                {"t": table, "s": self._schema()},
            )["column_name"]
        )

    def _schema(self) -> str:
        return "main" if self.engine == "duckdb" else "public"

    # -- transactions ----------------------------------------------------
    @contextmanager
    def transaction(self):
        """All statements inside commit together or not at all (one write batch)."""
        if getattr(self._local, "in_tx", False):
            yield self
            return
        with self.batch(write=True):
            self._begin()
            self._local.in_tx = True
            try:
                yield self
            except BaseException:
                self._local.in_tx = False
                self._rollback()
                raise
            self._local.in_tx = False
            self._commit()

    # -- bulk data -------------------------------------------------------
    def stage(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """Make ``frame`` queryable as the temporary relation ``name``, with the given neutral types.

        Outside a batch the stage opens a write batch that lasts until :meth:`drop_stage`, since a
        temporary relation lives on one connection.
        """
        stack = ExitStack()
        inside = getattr(self._local, "depth", 0)
        stack.enter_context(self.batch(write=self._local.write if inside else True))
        try:
            self._stage(name, frame, types)
        except BaseException:
            stack.close()
            raise
        self._local.stages[name] = stack

    def drop_stage(self, name: str) -> None:
        """Drop a relation made by :meth:`stage` (and end the batch it opened)."""
        try:
            self._drop_stage(name)
        finally:
            stack = getattr(self._local, "stages", {}).pop(name, None)
            if stack is not None:
                stack.close()

    def _stage(self, name, frame, types):  # pragma: no cover - abstract
        raise NotImplementedError

    def _drop_stage(self, name):  # pragma: no cover - abstract
        raise NotImplementedError


_OPEN_FILES: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    # A file still lingering open at exit is closed before the interpreter tears DuckDB down.
    for store in list(_OPEN_FILES):
        store.close()


class DuckDBStore(Store):
    """A DuckDB file, opened only while a batch uses it (and :data:`LINGER` seconds after)."""

    engine = "duckdb"

    def __init__(self, path: str, read_only: bool = False) -> None:
        super().__init__()
        import duckdb

        self._duckdb = duckdb
        self.url = str(path)
        self.read_only = read_only
        self._memory = self.url == ":memory:"
        self._cond = threading.Condition()
        self._handle = None  # the open database, shared by this store's threads
        self._handle_write = False
        self._users = 0
        self._idle_since = 0.0
        self._writers_waiting = 0
        self._closer: threading.Thread | None = None
        self._intent = Path(self.url + ".writer")
        _OPEN_FILES.add(self)
        if self._memory:
            self._handle, self._handle_write = duckdb.connect(":memory:"), True
            return
        if not Path(self.url).exists():
            if read_only:
                raise StoreError(
                    f"There is no store at {self.url}. Build it with `python -m lib setup` (the embedded data) "
                    "or load files with `python -m lib load`."
                )
            Path(self.url).parent.mkdir(parents=True, exist_ok=True)
            with self.batch(write=True):  # creates the file, so readers can open it
                pass

    # -- the shared handle -------------------------------------------------
    def _acquire(self, write: bool):
        write = write and not self.read_only
        deadline = time.monotonic() + self.lock_timeout
        with self._cond:
            if write:
                self._writers_waiting += 1
            try:
                while True:
                    if write or not self._writers_waiting:
                        if self._handle is not None and (self._handle_write or not write):
                            self._users += 1
                            return self._handle.cursor()
                        if self._handle is not None and self._users == 0 and not self._memory:
                            self._handle.close()
                            self._handle = None
                        if self._handle is None:
                            self._handle = self._open(write, deadline)
                            self._handle_write = write
                            self._start_closer()
                            continue
                    # Another thread of this process uses the file in the other mode, or waits to write.
                    if not self._cond.wait(timeout=max(deadline - time.monotonic(), 0)):
                        raise StoreBusy(_busy_message(self.url, self.lock_timeout))
            finally:
                if write:
                    self._writers_waiting -= 1

    def _open(self, write: bool, deadline: float):
        duckdb = self._duckdb
        pause = 0.02
        while True:
            if not write and self._writer_announced():
                error = "a writer is waiting"
            else:
                try:
                    handle = duckdb.connect(self.url, read_only=not write)
                    if write:
                        self._intent.unlink(missing_ok=True)
                    return handle
                except (duckdb.IOException, duckdb.ConnectionException) as exc:
                    error = str(exc)
                    if "lock" not in error.lower() and "different configuration" not in error:
                        raise StoreError(f"Cannot open the store {self.url}: {exc}") from exc
            if time.monotonic() >= deadline:
                if write:
                    self._intent.unlink(missing_ok=True)
                raise StoreBusy(_busy_message(self.url, self.lock_timeout))
            if write:
                self._intent.touch()
            # Not holding this store's condition while sleeping would let its other threads in; they
            # would wait for the same file, so keep it simple and sleep here.
            time.sleep(pause)
            pause = min(pause * 1.5, 0.25)

    def _writer_announced(self) -> bool:
        try:
            return time.time() - self._intent.stat().st_mtime < _INTENT_FRESH
        except OSError:
            return False

    def _release(self, cur) -> None:
        try:
            cur.close()
        finally:
            with self._cond:
                self._users -= 1
                self._idle_since = time.monotonic()
                if self._users == 0 and (self._writers_waiting or self._handle_write):
                    # A write handle shuts every other process out: give it back at once.
                    self._close_idle()
                self._cond.notify_all()

    def _close_idle(self) -> None:
        if self._handle is not None and self._users == 0 and not self._memory:
            self._handle.close()
            self._handle = None

    def _start_closer(self) -> None:
        if self._memory or (self._closer is not None and self._closer.is_alive()):
            return
        self._closer = threading.Thread(target=self._close_when_idle, name="duckdb-closer", daemon=True)
        self._closer.start()

    def _close_when_idle(self) -> None:
        while True:
            time.sleep(LINGER / 5)
            with self._cond:
                if self._handle is None:
                    return
                idle = self._users == 0 and time.monotonic() - self._idle_since >= LINGER
                if idle or (self._users == 0 and self._writer_announced()):
                    self._close_idle()
                    self._cond.notify_all()
                    return

    # -- statements --------------------------------------------------------
    def _translate(self, sql: str) -> str:
        return _PARAM.sub(r"$\1", sql)

    def _run(self, sql, params=None, fetch=False):
        cur = self._conn().execute(self._translate(sql), params or {})
        return cur.fetchall() if fetch else None

    def _frame(self, sql, params):
        return self._conn().execute(self._translate(sql), params).df()

    def _begin(self):
        self._conn().execute("BEGIN TRANSACTION")

    def _commit(self):
        self._conn().execute("COMMIT")

    def _rollback(self):
        self._conn().execute("ROLLBACK")

    def _stage(self, name, frame, types):
        # A view over the registered frame: DuckDB scans pandas in place, no copy.
        cols = list(types)
        view = f"_frame_{name}"
        con = self._conn()
        con.register(view, frame[cols])
        select = ", ".join(f'CAST("{c}" AS {self.type(types[c])}) AS "{c}"' for c in cols)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {select} FROM {view}")

    def _drop_stage(self, name):
        con = self._conn()
        con.execute(f"DROP VIEW IF EXISTS {name}")
        con.unregister(f"_frame_{name}")

    def close(self):
        with self._cond:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


class PostgresStore(Store):
    """A PostgreSQL database through a pool of at most ``$DASHBOARD_POOL_SIZE`` connections."""

    engine = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self._psycopg = psycopg
        try:  # fail early, with a clear message, if the server is not there
            psycopg.connect(url, autocommit=True, connect_timeout=10).close()
        except psycopg.OperationalError as exc:
            raise StoreError(f"Cannot reach the PostgreSQL store {url}: {exc}") from exc
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=int(settings.get("pool_size")),
            kwargs={"autocommit": True},
            reset=lambda conn: conn.execute("DISCARD TEMP"),  # a stage left behind is not lent on
            timeout=self.lock_timeout,
            name="dashboard",
            open=True,
        )

    def _acquire(self, write: bool):
        from psycopg_pool import PoolTimeout

        try:
            return self._pool.getconn()
        except PoolTimeout as exc:
            raise StoreBusy(
                f"The PostgreSQL store {self.url} had no free connection for {self.lock_timeout:.0f} s "
                f"(DASHBOARD_POOL_SIZE={settings.get('pool_size')} per process, DASHBOARD_LOCK_TIMEOUT): "
                "try again, or raise them."
            ) from exc

    def _release(self, conn) -> None:
        self._pool.putconn(conn)

    def _translate(self, sql: str) -> str:
        return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))

    def _run(self, sql, params=None, fetch=False):
        with self._conn().cursor() as cur:
            cur.execute(self._translate(sql), params or {})
            return cur.fetchall() if fetch else None

    def _frame(self, sql, params):
        with self._conn().cursor() as cur:
            cur.execute(self._translate(sql), params)
            names = [d.name for d in cur.description]
            codes = [d.type_code for d in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=names)
        # Give PostgreSQL's numeric and date columns the dtypes DuckDB returns.
        for name, oid in zip(names, codes):
            if oid in (1700, 700, 701):  # numeric, real, double
                frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
            elif oid in (1082, 1114):  # date, timestamp
                frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
            elif oid in (20, 21, 23) and frame[name].isna().any():
                frame[name] = frame[name].astype("Int64")
        return frame

    def _begin(self):
        self._local.tx = self._conn().transaction()
        self._local.tx.__enter__()

    def _commit(self):
        self._local.tx.__exit__(None, None, None)

    def _rollback(self):
        import sys

        self._local.tx.__exit__(*sys.exc_info())

    def _stage(self, name, frame, types):
        cols = list(types)
        coldefs = ", ".join(f'"{c}" {self.type(types[c])}' for c in cols)
        self._run(f"DROP TABLE IF EXISTS {name}")
        self._run(f"CREATE TEMP TABLE {name} ({coldefs})")
        quoted = ", ".join(f'"{c}"' for c in cols)
        with self._conn().cursor() as cur:
            with cur.copy(f"COPY {name} ({quoted}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
                for start in range(0, len(frame), 100_000):
                    buf = io.StringIO()
                    frame[cols].iloc[start : start + 100_000].to_csv(buf, index=False, header=False, na_rep="\\N")
                    copy.write(buf.getvalue())

    def _drop_stage(self, name):
        self._run(f"DROP TABLE IF EXISTS {name}")

    def close(self):
        self._pool.close()
