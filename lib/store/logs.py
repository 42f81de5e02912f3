"""The operations log: one line per load, publish, upgrade, backup and restore (sign-in failures are
logged by lib/app/widgets.py), under the loggers ``dashboard.*``.

The command line and the served app send them to standard error, where systemd's journal keeps them
(docs/deploy.md): ``2026-12-02 03:10:04 dashboard.load INFO load #12 ok: ...``.
"""

from __future__ import annotations

import logging
import sys

ROOT = "dashboard"


def get(name: str) -> logging.Logger:
    """The logger of one kind of operation: ``get("load")`` is ``dashboard.load``."""
    return logging.getLogger(f"{ROOT}.{name}")


def configure() -> None:
    """Send the ``dashboard.*`` lines to standard error, once per process."""
    root = logging.getLogger(ROOT)
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
