"""The static site's "You said, we did": the approved concerns of each area, as on the Transparency page, and
nothing an analyst did not approve (no words as raised, no names) in any file of the site."""

import json
import shutil

import pandas as pd

from lib.engagement import concerns
from lib.public import publish
from lib.public.privacy import Rules
from lib.store.connection import connect
from tests.privacy_scan import Scanner


def test_the_site_lists_approved_concerns_only(embedded_db, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(embedded_db, path)
    store = connect(str(path))
    said = "Ms Nakamura of 1500 S Pulaski says her son is threatened by dealers"
    a = concerns.raise_concern(store, concerns.Concern("2019-03-04", "beat", "1133", "drugs", said), "Sgt. Ruiz")
    concerns.update(store, a, "in progress", "Officer Diaz visited the Nakamura family", "2019-04-01", "Lt. Boyd")
    concerns.approve(store, a, "analyst Kim", "Extra patrols near the park")
    concerns.raise_concern(store, concerns.Concern("2019-05-01", "beat", "1133", "youth", "Unpublished words"), "R")
    out = tmp_path / "site"
    report = publish.publish(store, out, level="district")
    store.close()

    doc = json.loads((out / "data" / "en" / "area" / "11" / "concerns.json").read_text())
    rows = [dict(zip(doc["columns"], r)) for r in doc["rows"]]
    assert rows == [
        {
            "area": "11",
            "category": "Drug activity",
            "status": "In progress",
            "raised": "2019-03",
            "updated": "2019-04-01",
            "public_text": "Extra patrols near the park",
        }
    ]
    es = pd.read_csv(out / "data" / "es" / "area" / "11" / "concerns.csv", dtype=str)
    assert es["status"].tolist() == ["En curso"]
    assert json.loads((out / "data" / "en" / "area" / "8" / "concerns.json").read_text())["rows"] == []
    for file in out.rglob("*"):
        if file.is_file() and file.suffix in (".json", ".csv", ".html"):
            text = file.read_text("utf-8", errors="replace")
            for secret in ("Nakamura", "1500 S Pulaski", "Diaz", "Ruiz", "Boyd", "Kim", "Unpublished", a):
                assert secret not in text, (file, secret)
    assert report.pages > 0
    # The public page's privacy scanner finds nothing in the concerns files either (tests/privacy_scan.py).
    store = connect(str(path), read_only=True)
    scanner = Scanner(store, Rules())
    store.close()
    for file in out.glob("data/*/*/*/concerns.*"):
        if file.suffix == ".csv":
            scanner.csv(file.read_bytes(), str(file))
        else:
            scanner.text(file.read_text("utf-8"), str(file))
    assert not scanner.findings, scanner.report()
