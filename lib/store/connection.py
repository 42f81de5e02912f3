"""The data store: one interface over an embedded DuckDB file or a PostgreSQL server.

Queries are written once, in the SQL that both engines share, with named
parameters in the ``:name`` form::

    store.query("SELECT offense, count(*) AS n FROM incidents "
                "WHERE occurred_at >= :since GROUP BY offense", {"since": "2019-01-01"})

The store turns ``:name`` into each driver's own placeholder, so no value is
ever formatted into SQL text. Lists are passed the same way and used as
``col IN (SELECT unnest(CAST(:codes AS TEXT[])))`` (or ``INTEGER[]``): both
engines accept it, and PostgreSQL needs the cast to know the list's type.

A ``Store`` is safe to share between threads (Streamlit sessions): each thread
gets its own DuckDB cursor or PostgreSQL connection.
"""

from __future__ import annotations

import io
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from lib.store import settings

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

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


def connect(db: str | None = None, read_only: bool = False) -> Store:
    """Open the store named by ``db``, ``$DASHBOARD_DB`` or the default DuckDB file."""
    target = db or settings.get("db")
    if target.startswith(("postgresql://", "postgres://")):
        return PostgresStore(target)
    return DuckDBStore(target, read_only=read_only)


class Store:
    """What every engine offers; subclasses supply the connection and bulk copy."""

    engine: str = ""
    url: str = ""

    def __init__(self) -> None:
        self._local = threading.local()

    # -- connections -----------------------------------------------------
    def _conn(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _translate(self, sql: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def type(self, neutral: str) -> str:
        """The engine's spelling of a neutral column type (``text``, ``double``, ...)."""
        return _TYPES[self.engine][neutral]

    # -- queries ---------------------------------------------------------
    def execute(self, sql: str, params: dict | None = None) -> None:
        self._run(sql, params)

    def query(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """Run a SELECT and return its rows as a DataFrame (dates as datetime64)."""
        return self._frame(sql, params or {})

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
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
        """All statements inside commit together or not at all."""
        if getattr(self._local, "in_tx", False):
            yield self
            return
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
        """Make ``frame`` queryable as the temporary relation ``name``, with the given neutral types."""
        raise NotImplementedError  # pragma: no cover

    def drop_stage(self, name: str) -> None:
        """Drop a relation made by :meth:`stage`."""
        raise NotImplementedError  # pragma: no cover


class DuckDBStore(Store):
    engine = "duckdb"

    def __init__(self, path: str, read_only: bool = False) -> None:
        super().__init__()
        import duckdb

        self.url = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._root = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"Cannot open the store {path}: {exc}. If the dashboard is running, "
                "load through its Data page or stop it first; DuckDB allows one writer at a time."
            ) from exc

    def _conn(self):
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._root.cursor()
            self._local.cur = cur
        return cur

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

    def stage(self, name, frame, types):
        # A view over the registered frame: DuckDB scans pandas in place, no copy.
        cols = list(types)
        view = f"_frame_{name}"
        con = self._conn()
        con.register(view, frame[cols])
        select = ", ".join(f'CAST("{c}" AS {self.type(types[c])}) AS "{c}"' for c in cols)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {select} FROM {view}")

    def drop_stage(self, name):
        con = self._conn()
        con.execute(f"DROP VIEW IF EXISTS {name}")
        con.unregister(f"_frame_{name}")

    def close(self):
        self._root.close()


class PostgresStore(Store):
    engine = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg

        self.url = url
        self._psycopg = psycopg
        self._conn()  # fail early, with a clear message, if the server is not there

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self.url, autocommit=True)
            except self._psycopg.OperationalError as exc:
                raise StoreError(f"Cannot reach the PostgreSQL store {self.url}: {exc}") from exc
            self._local.conn = conn
        return conn

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

    def stage(self, name, frame, types):
        cols = list(types)
        coldefs = ", ".join(f'"{c}" {self.type(types[c])}' for c in cols)
        self.execute(f"DROP TABLE IF EXISTS {name}")
        self.execute(f"CREATE TEMP TABLE {name} ({coldefs})")
        quoted = ", ".join(f'"{c}"' for c in cols)
        with self._conn().cursor() as cur:
            with cur.copy(f"COPY {name} ({quoted}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
                for start in range(0, len(frame), 100_000):
                    buf = io.StringIO()
                    frame[cols].iloc[start : start + 100_000].to_csv(buf, index=False, header=False, na_rep="\\N")
                    copy.write(buf.getvalue())

    def drop_stage(self, name):
        self.execute(f"DROP TABLE IF EXISTS {name}")

    def close(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
