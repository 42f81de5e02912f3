"""Readiness: whether this deployment serves what it should, for a proxy, a load balancer or a monitor.

:func:`run` makes the checks, each a named :class:`Check`: ``store`` (it answers), ``schema`` (the version
this code reads), ``data`` (it holds a load), and on request ``fresh`` (the newest load at most H hours
old), ``site`` (the published site is newer than the newest load) and ``release`` (the audited public
release of the published dataset is current: :func:`lib.public.release.stored`). ``python -m lib ready``
prints them and exits 0 or 1; ``python -m lib ready --serve`` answers ``GET /ready`` with them over HTTP
(:func:`server`), 200 when every check passes and 503 otherwise::

    $ curl -s 127.0.0.1:8500/ready
    {"ready": false, "failed": ["release"], "checks": {"store": "ok", "schema": "ok", "data": "ok", "release": "failed"}}

The HTTP answer names the checks only: nginx passes it to the world, and the details name the store and
folders. They go to the journal (``dashboard.ready``) whenever the failed checks change, and ``python -m lib ready``
with the same options prints them. Each run opens the store read-only for its few queries and closes it
(lib/store/connection.py), so polling never holds it between requests and never stands in a load's way.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lib.store import logs, versions
from lib.store.connection import StoreError, connect

PATH = "/ready"


@dataclass(frozen=True)
class Check:
    """One readiness check: its name, whether it passed, and what it found (for operators)."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Options:
    """What to check: the store, and optionally the data's age, the published site and the release."""

    db: str | None = None
    site: str | None = None  # the published site's folder
    max_age_hours: float | None = None
    release: bool = False
    dataset: str | None = None  # whose release; default: the site's dataset, else the public pages' default
    timeout: float = 5.0  # seconds to wait for the store


def run(options: Options) -> list[Check]:
    """Every check, in order; stops after ``store`` or ``schema`` fails (the rest would read nothing sound)."""
    checks: list[Check] = []
    try:
        store = connect(options.db, read_only=True)
    except StoreError as exc:
        return [Check("store", False, str(exc))]
    store.lock_timeout = options.timeout
    name = "store"
    try:
        with store.batch():  # one short read-only connection for all the queries
            tables = store.tables()
            checks.append(Check("store", True, f"store {store.url.split('@')[-1]} answers"))
            name = "schema"
            versions.check(store)
            checks.append(Check("schema", True, f"schema version {versions.CURRENT}"))
            name = "data"
            checks += _data(store, tables, options)
    except StoreError as exc:
        checks.append(Check(name, False, str(exc)))
    except Exception as exc:  # an answer all the same: a proxy reads a dropped connection as an outage
        checks.append(Check(name, False, f"{type(exc).__name__}: {exc}"))
    finally:
        store.close()
    return checks


def _data(store, tables: set[str], options: Options) -> list[Check]:
    checks = []
    newest = store.scalar("SELECT max(loaded_at) FROM loads") if "loads" in tables else None
    if newest is None:
        checks.append(Check("data", False, "the store holds no data (python -m lib setup, or load files)"))
    else:
        newest = newest.astimezone(UTC)  # stored in the server's local time
        age = (datetime.now(UTC) - newest).total_seconds() / 3600
        checks.append(Check("data", True, f"newest load {age:.1f} h ago"))
        if options.max_age_hours is not None:
            fresh = age <= options.max_age_hours
            checks.append(
                Check(
                    "fresh",
                    fresh,
                    f"the newest load is {age:.1f} h old, "
                    + (
                        f"at most {options.max_age_hours:g} h"
                        if fresh
                        else f"more than {options.max_age_hours:g} h: did the nightly job run?"
                    ),
                )
            )
    manifest = None
    if options.site:
        path = Path(options.site) / "manifest.json"
        if not path.exists():
            checks.append(
                Check(
                    "site", False, f"no published site in {options.site} (python -m lib publish --out {options.site})"
                )
            )
        else:
            try:
                manifest = json.loads(path.read_text())
                generated = datetime.fromisoformat(manifest["generated"])
            except (OSError, ValueError, KeyError) as exc:
                return [
                    *checks,
                    Check("site", False, f"the manifest of the site in {options.site} is unreadable: {exc}"),
                ]
            if newest is None:
                checks.append(Check("site", True, f"site published {generated:%Y-%m-%d %H:%M} UTC"))
            elif generated < newest:
                checks.append(
                    Check(
                        "site",
                        False,
                        f"the site in {options.site} was published at {generated:%Y-%m-%d %H:%M} UTC, "
                        "before the newest load",
                    )
                )
            else:
                checks.append(
                    Check("site", True, f"site published {generated:%Y-%m-%d %H:%M} UTC, after the newest load")
                )
    if options.release:
        try:
            checks.append(_release(store, options.dataset or (manifest or {}).get("dataset")))
        except Exception as exc:  # a release table this code cannot read is not a current release
            checks.append(Check("release", False, f"{type(exc).__name__}: {exc}"))
    return checks


def _release(store, dataset: str | None) -> Check:
    from lib.public import figures as public_figures
    from lib.public import release

    dataset = dataset or public_figures.default_dataset(store)
    if not dataset:
        return Check("release", False, "no incidents are loaded, so there is no public release")
    rel = release.stored(store, dataset)
    if rel is None:
        return Check(
            "release",
            False,
            f"no audited public release of {dataset!r} for the data loaded now "
            f"(python -m lib release --dataset {dataset!r})",
        )
    return Check("release", True, f"the audited public release of {dataset!r} is current (built {rel.built_at})")


def is_ready(checks: list[Check]) -> bool:
    return all(c.ok for c in checks)


def answer(checks: list[Check]) -> dict:
    """The HTTP body: readiness and each check's name with ok or failed (never the details)."""
    return {
        "ready": is_ready(checks),
        "failed": [c.name for c in checks if not c.ok],
        "checks": {c.name: "ok" if c.ok else "failed" for c in checks},
    }


class _Handler(BaseHTTPRequestHandler):
    server_version = "dashboard-ready"
    sys_version = ""
    options: Options  # set on the subclass made by server()

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def _respond(self, body: bool) -> None:
        if self.path.split("?", 1)[0] != PATH:
            self._send(HTTPStatus.NOT_FOUND, b'{"error": "not found: GET /ready"}\n', body)
            return
        checks = self.server.checks()  # type: ignore[attr-defined]
        payload = (json.dumps(answer(checks)) + "\n").encode()
        self._send(HTTPStatus.OK if is_ready(checks) else HTTPStatus.SERVICE_UNAVAILABLE, payload, body)

    def _send(self, status: HTTPStatus, payload: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # a poll every few seconds would flood the journal: ReadyServer.note logs the changes


class ReadyServer(ThreadingHTTPServer):
    """The readiness endpoint; logs a line to ``dashboard.ready`` whenever the set of failed checks changes.

    One run of the checks at a time: requests that arrive while one runs get its result, so a burst of
    polls (or a flood through the proxy) costs the store one run, not one each.
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], options: Options) -> None:
        handler = type("Handler", (_Handler,), {"options": options})
        super().__init__(address, handler)
        self.options = options
        self._last: tuple[str, ...] | None = None
        self._turn = threading.Condition()
        self._running = False
        self._runs = 0  # finished runs
        self._result: list[Check] = []

    def checks(self) -> list[Check]:
        """The result of the run in progress when this request arrived, else of a new one."""
        with self._turn:
            if self._running:
                runs = self._runs
                while self._runs == runs:
                    self._turn.wait()
                return self._result
            self._running = True
        result = [Check("store", False, "the checks did not finish")]
        try:
            result = run(self.options)
        finally:
            with self._turn:
                self._result, self._running = result, False
                self._runs += 1
                self._turn.notify_all()
                self._note(result)
        return result

    def _note(self, checks: list[Check]) -> None:
        failed = tuple(c.name for c in checks if not c.ok)
        if failed == self._last:
            return
        self._last = failed
        log = logs.get("ready")
        if not failed:
            log.info("ready: %s", "; ".join(f"{c.name} ok" for c in checks))
        else:
            log.warning("not ready: %s", "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok))


def server(options: Options, address: str = "127.0.0.1", port: int = 8500) -> ReadyServer:
    """The readiness endpoint on ``address:port`` (loopback by default: nginx proxies ``/ready`` to it)."""
    return ReadyServer((address, port), options)
