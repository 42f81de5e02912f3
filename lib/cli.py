"""Command line: `python -m lib load|loads|info|demo|setup|upgrade|backup|restore|ready|reenrich|serve|publish|users|concerns`.

Exit status: 0 on success, 2 with a message (and an unchanged store) on unusable input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from lib.app.users import UsersError
from lib.ingest import load as ingest
from lib.ingest.mapping import parse_assignments
from lib.ingest.readers import InputError
from lib.store import logs, provenance, versions
from lib.store import text as data_text
from lib.store.connection import StoreError, connect
from lib.store.schema import KINDS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="Load a file of one kind into the store.")
    load.add_argument("kind", choices=list(KINDS))
    load.add_argument("file")
    load.add_argument(
        "--map",
        action="append",
        metavar="FIELD=COLUMN",
        help="Take FIELD from COLUMN (repeatable; COL1+COL2 joins columns).",
    )
    load.add_argument(
        "--set", action="append", metavar="FIELD=VALUE", help="Give FIELD one value for the whole file (repeatable)."
    )
    load.add_argument(
        "--dataset",
        help="Name of the dataset (default: the file name). Load successive extracts of one source under one name.",
    )
    load.add_argument(
        "--title",
        help='The source as public pages name it: publisher and dataset title, e.g. "City of Chicago, Crimes - 2001 '
        'to Present" (default: read from the file name).',
    )
    load.add_argument("--level", help="Boundary level of a layer (beat, district ...); also for population.")
    load.add_argument("--crs", help="Coordinate system of projected X/Y columns, e.g. EPSG:2263.")
    load.add_argument("--rejects", metavar="CSV", help="Write every rejected row to this CSV file.")
    load.add_argument(
        "--replace",
        action="store_true",
        help="Take out the rows of earlier loads of this dataset and file first (to load it again with other options).",
    )
    load.add_argument(
        "--sheet", metavar="NAME|all", help="Excel: the sheet to read, or all (stacked, sheet name kept)."
    )
    load.add_argument(
        "--db", help="DuckDB file or postgresql:// URL (default: $DASHBOARD_DB or data/dashboard.duckdb)."
    )

    loads = sub.add_parser("loads", help="List the loads, or remove one (its rows leave the store; the record stays).")
    loads_sub = loads.add_subparsers(dest="action", required=True)
    listed = loads_sub.add_parser("list", help="Every load, newest first, and whether its rows are in the store.")
    listed.add_argument("--db")
    removed = loads_sub.add_parser("remove", help="Take every row of one load out of the store (one transaction).")
    removed.add_argument("load_id", type=int, metavar="LOAD_ID")
    removed.add_argument("--db")

    info = sub.add_parser("info", help="What the store holds and where it came from.")
    info.add_argument("--json", action="store_true", help="Machine-readable output (see docs/data.md).")
    info.add_argument("--db")

    demo = sub.add_parser("demo", help="Add synthetic incidents, drawn from the embedded data's patterns.")
    demo.add_argument("--incidents", type=int, required=True, metavar="N")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--csv", metavar="FILE", help="Write the synthetic CSV here instead of loading it.")
    demo.add_argument("--db")

    serve = sub.add_parser("serve", help="Start the app (dashboard.py behind the server's guards: lib/app/server.py).")
    serve.epilog = "Every other option goes to streamlit, e.g. --server.port 8501."

    release = sub.add_parser(
        "release",
        help="Compute the public release of each incident dataset and run the attacker's audit; "
        "write release.csv and areas.csv into DIR when every audit passed.",
    )
    release.epilog = (
        "For review before publication: the public pages and the static site do not read the release yet, "
        "so these files are not published (docs/methods.md, The public release). Exit 2 if an audit fails."
    )
    release.add_argument("--dataset", help="One incident dataset (default: every one).")
    release.add_argument("--out", metavar="DIR", help="Folder for release.csv and areas.csv (one pair per dataset).")
    release.add_argument("--db")

    publish = sub.add_parser("publish", help="Write the public pages as a static site (HTML, JS, JSON) into DIR.")
    publish.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="Folder for the site (created; a site published there before is replaced).",
    )
    publish.add_argument("--level", help="Boundary level whose areas get a page (default: the coarsest loaded).")
    publish.add_argument("--dataset", help="Incident dataset to publish (default: the public page's default).")
    publish.add_argument("--db")

    reenrich = sub.add_parser(
        "reenrich", help="Recompute the H3 cells of every stored point from its coordinates (one transaction)."
    )
    reenrich.epilog = (
        "Stores built before every resolution was computed from the coordinates hold coarser cells taken as "
        "parents of the finest one, wrong for 6-7%% of points. The app may keep serving: its pages wait for the one transaction."
    )
    reenrich.add_argument("--db")

    upgrade = sub.add_parser(
        "upgrade", help="Migrate a store built by an earlier version to this one's schema, in place (one transaction)."
    )
    upgrade.epilog = (
        "Back the store up first (backup DIR). The app may keep serving: its pages wait for the transaction."
    )
    upgrade.add_argument("--db")

    backup = sub.add_parser(
        "backup", help="Copy the whole store into a new folder DIR (DuckDB EXPORT DATABASE or pg_dump)."
    )
    backup.add_argument("dir", metavar="DIR")
    backup.add_argument("--db")
    restore = sub.add_parser(
        "restore",
        help="Replace the store's tables by the backup in DIR, in one transaction (checked against its counts).",
    )
    restore.add_argument("dir", metavar="DIR")
    restore.add_argument("--db")

    ready = sub.add_parser(
        "ready",
        help="Readiness for a proxy or monitor: the store answers, its schema is current, the data, site and "
        "public release are current (lib/app/ready.py).",
    )
    ready.epilog = (
        "Exit 0 when ready, 1 (with a line per failed check) when not. With --serve, answer GET /ready over HTTP "
        "instead: 200 when ready, 503 naming the failed checks. Liveness: GET /_stcore/health."
    )
    ready.add_argument("--db")
    ready.add_argument(
        "--site", metavar="DIR", help="The published site: ready only if published since the newest load."
    )
    ready.add_argument(
        "--max-age-hours", type=float, metavar="H", help="Ready only if the newest load is at most H hours old."
    )
    ready.add_argument(
        "--release",
        action=argparse.BooleanOptionalAction,
        help="Ready only if the audited public release (python -m lib release) is current for the data loaded "
        "(default: yes with --serve, no otherwise).",
    )
    ready.add_argument(
        "--dataset",
        metavar="NAME",
        help="Whose release: default the dataset of the site in --site, else the one the public pages open on.",
    )
    ready.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait for the store (default 5).")
    ready.add_argument("--serve", action="store_true", help="Answer GET /ready over HTTP until stopped.")
    ready.add_argument("--address", default="127.0.0.1", help="With --serve: the address (default 127.0.0.1).")
    ready.add_argument("--port", type=int, default=8500, help="With --serve: the port (default 8500).")

    setup = sub.add_parser("setup", help="Build the store from the embedded data if it is empty.")
    setup.add_argument("--db")
    setup.add_argument("--force", action="store_true", help="Rebuild even if the store has data.")

    users = sub.add_parser("users", help="Who may sign in (the local users file) and with which role.")
    users.add_argument("--file", help="Users file (default: $DASHBOARD_USERS_FILE or .streamlit/users.yaml).")
    users_sub = users.add_subparsers(dest="action", required=True)
    add = users_sub.add_parser("add", help="Add a user; prompts for the password twice.")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="viewer, analyst or admin.")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="Read the password from the first line of stdin.")
    how.add_argument(
        "--oidc",
        action="store_true",
        help="No password: NAME is the e-mail address of someone who signs in through OIDC.",
    )
    add.add_argument("--replace", action="store_true", help="Reset an existing user's password and role.")
    role = users_sub.add_parser("role", help="Change a user's role.")
    role.add_argument("name")
    role.add_argument("role")
    remove = users_sub.add_parser("remove", help="Remove a user.")
    remove.add_argument("name")
    users_sub.add_parser("list", help="Every user with their role (never the hashes).")
    held = users_sub.add_parser(
        "throttled",
        help="Names and addresses the sign-in throttle holds back now (docs/user-guide.md, Sign-in and roles).",
    )
    held.add_argument("--clear", metavar="NAME_OR_ADDRESS", help="Let this name or address try again at once.")
    held.add_argument("--db", help="The app's store (default: $DASHBOARD_DB or data/dashboard.duckdb).")

    concerns = sub.add_parser(
        "concerns", help="Residents' concerns (You said, we did): import a file, list the open ones."
    )
    concerns_sub = concerns.add_subparsers(dest="action", required=True)
    imported = concerns_sub.add_parser(
        "import", help="Add every concern of a CSV or Excel file, or none if a row is wrong (docs/concerns.md)."
    )
    imported.add_argument("file")
    imported.add_argument("--level", help="Boundary level of the file's areas, unless it has a level column.")
    imported.add_argument("--by", default="", help="Who imports it, for the history (default: import FILE).")
    imported.add_argument("--db")
    still = concerns_sub.add_parser("open", help="The concerns still open or in progress, longest open first.")
    still.add_argument("--csv", action="store_true", help="Write them as CSV to standard output.")
    still.add_argument("--db")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "serve":
        args.streamlit_args = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logs.configure()
    try:
        return _COMMANDS[args.command](args)
    except (InputError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("Nothing was written; the store is as it was.", file=sys.stderr)
        return 2


def _load(args) -> int:
    maps = parse_assignments(args.map, "--map")
    sets = parse_assignments(args.set, "--set")
    store = connect(args.db)
    versions.check(store)

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    report = ingest.load(
        store,
        args.kind,
        args.file,
        maps=maps,
        sets=sets,
        dataset=args.dataset,
        level=args.level,
        crs=args.crs,
        progress=progress,
        replace=args.replace,
        sheet=args.sheet,
        title=args.title,
    )
    print("Mapping used:")
    for field, source in report.mapping.items():
        print(f"  {field:<14} <- {source}")
    print()
    print(report.summary())
    if report.messages:
        print()
        for message in report.messages:
            print(f"  - {message}")
    if len(report.rejects):
        print()
        print(f"Rejected rows (first 10 of {len(report.rejects):,}):")
        for rec in report.rejects.head(10).itertuples(index=False):
            print(f"  row {rec.row_number}: {rec.reason}")
        if args.rejects:
            Path(args.rejects).write_bytes(data_text.csv_bytes(report.rejects))  # opened in a spreadsheet
            print(f"All rejected rows written to {args.rejects}.")
        else:
            print("Write them all to a file with --rejects rejects.csv.")
    if args.kind in RELEASE_KINDS and report.rows_loaded:
        from lib.public import release

        _refresh_releases(store, release.touched(args.kind, report.dataset))
    return 0


# Loads of these kinds change the public releases (lib/public/release.py, lib/public/complaints.py), recomputed at once so
# that no visitor of the public page waits for it.
RELEASE_KINDS = ("incidents", "boundaries", "complaints", "allegations", "commendations")


def _refresh_releases(store, names: list[str] | None = None) -> None:
    from lib.public import release

    print()
    print("The public release (every public crime count, audited before it is shown):", file=sys.stderr)
    for rel in release.refresh(store, names):
        print(f"  {rel.summary()}")
        if not rel.passed:
            print(
                f"warning: {release.failure_text(rel)} The public pages show no crime figures for it.", file=sys.stderr
            )


def _loads(args) -> int:
    store = connect(args.db)
    versions.check(store)
    if args.action == "remove":
        report = ingest.remove_load(store, args.load_id)
        print(report.messages[0])
        print(f"Recorded as #{report.load_id}.")
        _refresh_releases(store)
        return 0
    table = ingest.loads_table(store)
    if table.empty:
        print("No loads yet.")
        return 0
    print(f"{'#':>4}  {'loaded at':<19}  {'kind':<10} {'dataset':<28} {'rows':>10}  state / source")
    for rec in table.to_dict("records"):
        print(
            f"{int(rec['load_id']):>4}  {str(rec['loaded_at'])[:19]:<19}  {rec['kind']:<10} "
            f"{str(rec['dataset'])[:28]:<28} {int(rec['rows_loaded'] or 0):>10,}  {rec['state']}: {rec['source_name']}"
        )
    return 0


def _info(args) -> int:
    store = connect(args.db, read_only=True)
    data = provenance.info(store)
    # allow_nan=False: the output is strict JSON (RFC 8259); a NaN would be a bug, caught here, not in a reader.
    print(json.dumps(data, indent=2, allow_nan=False) if args.json else provenance.format_info(data))
    return 0


def _demo(args) -> int:
    from lib.ingest import demo

    if args.csv:
        path = demo.write_csv(args.csv, args.incidents, seed=args.seed)
        print(f"Wrote {args.incidents:,} synthetic incidents to {path}.")
        return 0
    store = connect(args.db)
    versions.check(store)
    report = demo.load_demo(store, args.incidents, seed=args.seed)
    print(report.summary())
    return 0


def _reenrich(args) -> int:
    from lib.ingest import spatial

    store = connect(args.db)

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    changed = spatial.recompute_h3_cells(store, progress=progress)
    for table, n in changed.items():
        print(f"{table}: {n:,} row(s) had a cell other than the one holding their point; now corrected")
    if not changed:
        print("No geocoded table in the store: nothing to recompute.")
    return 0


def _upgrade(args) -> int:
    from lib.ingest import spatial

    store = connect(args.db)
    before = versions.version(store)
    if before is None:
        print("The store is empty: nothing to upgrade.")
        return 0

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    steps = versions.upgrade(store, {"h3_cells": spatial.recompute_h3_cells}, progress=progress)
    if not steps:
        print(f"The store already has schema version {versions.CURRENT}: nothing to do.")
        return 0
    logs.get("upgrade").info(
        "upgrade ok: %s from schema version %s to %s", store.url.split("@")[-1], before, versions.CURRENT
    )
    print(f"Upgraded {store.url} from schema version {before} to {versions.CURRENT}:")
    for step in steps:
        print(f"  {step.version}: {step.summary}")
    return 0


def _backup(args) -> int:
    from lib.store import backup

    manifest = backup.backup(connect(args.db, read_only=True), args.dir)
    rows = sum(manifest["tables"].values())
    logs.get("backup").info("backup ok: %s, %d rows, into %s", manifest["source"], rows, args.dir)
    print(
        f"Backed up {manifest['source']} ({manifest['engine']}, schema version {manifest['schema_version']}): "
        f"{len(manifest['tables'])} tables, {rows:,} rows, into {args.dir}."
    )
    return 0


def _restore(args) -> int:
    from lib.store import backup

    store = connect(args.db)
    manifest = backup.restore(store, args.dir)
    logs.get("restore").info("restore ok: %s from %s (%s)", store.url.split("@")[-1], args.dir, manifest["created_at"])
    print(
        f"Restored {store.url.split('@')[-1]} from the backup of {manifest['created_at']} "
        f"({len(manifest['tables'])} tables, {sum(manifest['tables'].values()):,} rows)."
    )
    if manifest["schema_version"] not in (None, versions.CURRENT):
        print(f"It has schema version {manifest['schema_version']}: run `python -m lib upgrade` next.")
    return 0


def _ready(args) -> int:
    """Each check on a line, exit 0 when every one passes; or, with --serve, the checks over HTTP."""
    from lib.app import ready

    options = ready.Options(
        db=args.db,
        site=args.site,
        max_age_hours=args.max_age_hours,
        release=args.serve if args.release is None else args.release,
        dataset=args.dataset,
        timeout=args.timeout,
    )
    if args.serve:
        endpoint = ready.server(options, args.address, args.port)
        host, port = endpoint.server_address[:2]
        logs.get("ready").info("readiness at http://%s:%s%s", host, port, ready.PATH)
        try:
            endpoint.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            endpoint.server_close()
        return 0
    checks = ready.run(options)
    for check in checks:
        print(f"{'ok' if check.ok else 'not ready'}: {check.detail}")
    return 0 if ready.is_ready(checks) else 1


def _setup(args) -> int:
    from lib.ingest import embedded

    store = connect(args.db)
    if embedded.is_built(store) and not args.force:
        print("The store already holds data; nothing to load (--force rebuilds it).")
        _refresh_releases(store)  # current releases are kept: only a store built without them computes
        return 0

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    for report in embedded.build(store, progress=progress):
        print(f"{report.source_name}: {report.rows_loaded:,} {report.kind} loaded")
    _refresh_releases(store)
    return 0


def _release(args) -> int:
    """Compute, store and audit the release of each incident dataset (lib/public/release.py)."""
    from lib.public import release

    store = connect(args.db)
    versions.check(store)
    names = [args.dataset] if args.dataset else release.datasets(store)
    if not names:
        print("error: no incidents are loaded, so there is no release to compute.", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        rel = release.ensure(store, name)
        print(rel.summary())
        if not rel.passed:
            failed += 1
            print(f"error: {release.failure_text(rel)}", file=sys.stderr)
        elif args.out:
            for path in release.export(rel, args.out):
                print(f"  wrote {path}")
    return 2 if failed else 0


def _publish(args) -> int:
    from lib.public import publish
    from lib.store import settings

    target = args.db or settings.get("db")
    if not target.startswith(("postgresql://", "postgres://")) and not os.path.exists(target):
        print(
            f"error: there is no store at {target}, so there is nothing to publish. Build it with "
            "`python -m lib setup` (the embedded data) or load files with `python -m lib load`.",
            file=sys.stderr,
        )
        return 2
    store = connect(target, read_only=True)  # only reads, between the app's own turns (lib/store/connection.py)
    versions.check(store)

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    log = logs.get("publish")
    try:
        report = publish.publish(store, args.out, level=args.level, dataset=args.dataset, progress=progress)
    except Exception as exc:
        log.warning("publish to %s failed, the folder is as it was: %s", args.out, exc)
        if not isinstance(exc, publish.PublishError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        print("Nothing was published; the folder is as it was.", file=sys.stderr)
        return 2
    log.info("publish ok: %s into %s", report.summary().splitlines()[0], args.out)
    print(report.summary())
    return 0


def _serve(args) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as streamlit_cli

    from lib.store.settings import PROJECT_DIR

    # Streamlit guesses old-style pages from the pages/ folder until the router first runs, and
    # greets the first deep link on a fresh server with "Page not found" (pages/README.md).
    # The router is always st.navigation, so say so before the first request.
    PagesManager.uses_pages_directory = False
    os.chdir(PROJECT_DIR)  # .streamlit/config.toml (theme, static files) is read from the working folder
    # lib/app/server.py: dashboard.py as an ASGI app behind the guards (metrics, staff downloads, errors).
    sys.argv = ["streamlit", "run", str(PROJECT_DIR / "lib" / "app" / "server.py"), *args.streamlit_args]
    return streamlit_cli.main()


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Once more: ") != first:
        raise UsersError("the two passwords differ; nothing was changed, run the command again")
    return first


def _users(args) -> int:
    from lib.app import users

    try:
        if args.action == "list":
            listed = users.load(args.file)
            print(f"{len(listed)} user(s) in {users.users_path(args.file)}")
            for user in sorted(listed.values(), key=lambda u: u.name.lower()):
                print(f"  {user.name:<32} {user.role:<8} {user.kind}")
            return 0
        if args.action == "add":
            users.check_name(args.name)
            users.check_role(args.role)  # before asking for a password
            password = None if args.oidc else _read_password(args)
            user = users.add(args.name, args.role, password, args.file, replace=args.replace)
            print(
                f"{'Reset' if args.replace else 'Added'} {user.name} ({user.role}, {user.kind}) "
                f"in {users.users_path(args.file)}."
            )
        elif args.action == "role":
            user = users.set_role(args.name, args.role, args.file)
            print(f"{user.name} is now {user.role}.")
        elif args.action == "remove":
            user = users.remove(args.name, args.file)
            print(f"Removed {user.name}.")
        elif args.action == "throttled":
            return _throttled(args)
    except (UsersError, KeyboardInterrupt, EOFError) as exc:
        print(f"error: {exc or 'cancelled'}", file=sys.stderr)
        print("The users file is unchanged.", file=sys.stderr)
        return 2
    return 0


def _throttled(args) -> int:
    from lib.app import users

    throttle = users.Throttle(connect(args.db))
    if args.clear:
        cleared = throttle.clear(args.clear)
        print(f"{args.clear} may try again at once." if cleared else f"The throttle held nothing for {args.clear}.")
        return 0
    held = throttle.held()
    print(f"{len(held)} held back by the sign-in throttle.")
    for scope, key, attempts, wait in held:
        print(f"  {scope:<7} {key:<40} {attempts:>3} attempts, next in {wait:,.0f} s")
    return 0


def _concerns(args) -> int:
    from lib.engagement import concerns

    store = connect(args.db)
    versions.check(store)
    if args.action == "import":
        who = args.by.strip() or f"import {Path(args.file).name}"
        try:
            n = concerns.import_file(store, args.file, who, level=args.level)
        except concerns.ConcernError as exc:
            print(f"error: {args.file} was not imported:", file=sys.stderr)
            for reason in exc.reasons:
                print(f"  - {reason}", file=sys.stderr)
            print("Nothing was written; the store is as it was.", file=sys.stderr)
            return 2
        print(f"Imported {n:,} concerns from {args.file}; none is public until an analyst approves it.")
        return 0
    table = concerns.listing(store, open_only=True)
    if args.csv:
        sys.stdout.buffer.write(data_text.csv_bytes(table))  # opened in a spreadsheet
        sys.stdout.flush()
        return 0
    if table.empty:
        print("No concern is open.")
        return 0
    for r in table.itertuples():
        print(
            f"{r.days_open:>5} days  {r.raised_on}  {r.level} {r.area:<6} {r.category:<13} {r.status:<12} {r.concern_id}"
        )
    return 0


_COMMANDS = {
    "load": _load,
    "loads": _loads,
    "info": _info,
    "demo": _demo,
    "setup": _setup,
    "upgrade": _upgrade,
    "backup": _backup,
    "ready": _ready,
    "restore": _restore,
    "reenrich": _reenrich,
    "serve": _serve,
    "publish": _publish,
    "release": _release,
    "users": _users,
    "concerns": _concerns,
}
