"""Command line: `python -m lib load|info|demo|setup|reenrich|serve|publish|users` (loads, checks, serving, sign-in).

Exit status: 0 on success, 2 with a message (and an unchanged store) on unusable input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from lib.app.users import UsersError
from lib.ingest import load as ingest
from lib.ingest.mapping import parse_assignments
from lib.ingest.readers import InputError
from lib.store import provenance
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
    load.add_argument("--level", help="Boundary level of a layer (beat, district ...); also for population.")
    load.add_argument("--crs", help="Coordinate system of projected X/Y columns, e.g. EPSG:2263.")
    load.add_argument("--rejects", metavar="CSV", help="Write every rejected row to this CSV file.")
    load.add_argument(
        "--db", help="DuckDB file or postgresql:// URL (default: $DASHBOARD_DB or data/dashboard.duckdb)."
    )

    info = sub.add_parser("info", help="What the store holds and where it came from.")
    info.add_argument("--json", action="store_true", help="Machine-readable output (see README).")
    info.add_argument("--db")

    demo = sub.add_parser("demo", help="Add synthetic incidents, drawn from the embedded data's patterns.")
    demo.add_argument("--incidents", type=int, required=True, metavar="N")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--csv", metavar="FILE", help="Write the synthetic CSV here instead of loading it.")
    demo.add_argument("--db")

    serve = sub.add_parser("serve", help="Start the app (dashboard.py behind the server's guards: lib/app/server.py).")
    serve.epilog = "Every other option goes to streamlit, e.g. --server.port 8501."

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
        "parents of the finest one, wrong for 6-7%% of points. Stop the app first (DuckDB allows one writer)."
    )
    reenrich.add_argument("--db")

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
        "throttled", help="Names and addresses the sign-in throttle holds back now (README, Sign-in and roles)."
    )
    held.add_argument("--clear", metavar="NAME_OR_ADDRESS", help="Let this name or address try again at once.")
    held.add_argument("--db", help="The app's store (default: $DASHBOARD_DB or data/dashboard.duckdb).")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "serve":
        args.streamlit_args = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
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
    )
    if args.kind in ("incidents", "boundaries"):
        _build_releases(store, progress)
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
            report.rejects.to_csv(args.rejects, index=False)
            print(f"All rejected rows written to {args.rejects}.")
        else:
            print("Write them all to a file with --rejects rejects.csv.")
    return 0


def _info(args) -> int:
    store = connect(args.db, read_only=False)
    data = provenance.info(store)
    print(json.dumps(data, indent=2) if args.json else provenance.format_info(data))
    return 0


def _demo(args) -> int:
    from lib.ingest import demo

    if args.csv:
        path = demo.write_csv(args.csv, args.incidents, seed=args.seed)
        print(f"Wrote {args.incidents:,} synthetic incidents to {path}.")
        return 0
    store = connect(args.db)
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


def _setup(args) -> int:
    from lib.ingest import embedded

    store = connect(args.db)
    if embedded.is_built(store) and not args.force:
        print("The store already holds data; nothing to do (--force rebuilds it).")
        return 0

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    for report in embedded.build(store, progress=progress):
        print(f"{report.source_name}: {report.rows_loaded:,} {report.kind} loaded")
    _build_releases(store, progress)
    return 0


def _build_releases(store, progress) -> None:
    """Compute and store the public release of every incident dataset (lib/public/release.py)."""
    from lib.public import release

    progress(0.99, "Computing the public release and its audit")
    for rel in release.build_all(store):
        verdict = "passed" if rel.passed else "FAILED (not served or published)"
        print(
            f"Public release of {rel.dataset!r}: {len(rel.cells):,} cells, "
            f"{rel.audit.get('small', 0):,} hidden as fewer than 5, "
            f"{rel.audit.get('complementary', 0):,} complementary; attacker's audit {verdict}."
        )


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
    store = connect(target, read_only=True)  # publishing only reads; the app may have the file open

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    try:
        report = publish.publish(store, args.out, level=args.level, dataset=args.dataset, progress=progress)
    except publish.PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("Nothing was published; the folder is as it was.", file=sys.stderr)
        return 2
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

    throttle = users.Throttle(connect(args.db))  # DuckDB: only while the app is stopped (one process per file)
    if args.clear:
        cleared = throttle.clear(args.clear)
        print(f"{args.clear} may try again at once." if cleared else f"The throttle held nothing for {args.clear}.")
        return 0
    held = throttle.held()
    print(f"{len(held)} held back by the sign-in throttle.")
    for scope, key, attempts, wait in held:
        print(f"  {scope:<7} {key:<40} {attempts:>3} attempts, next in {wait:,.0f} s")
    return 0


_COMMANDS = {
    "load": _load,
    "info": _info,
    "demo": _demo,
    "setup": _setup,
    "reenrich": _reenrich,
    "serve": _serve,
    "publish": _publish,
    "users": _users,
}
