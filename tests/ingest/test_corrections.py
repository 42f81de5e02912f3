"""Correcting a load: list, remove, load again with --replace; each one transaction, each recorded."""

from __future__ import annotations

import pandas as pd
import pytest

from lib import cli
from lib.ingest import load as ingest
from lib.ingest.readers import InputError
from lib.store import provenance

# Projected X/Y only: loaded without --crs no row has a location.
PROJECTED = """Case,Date,Offense,X,Y
C1,2023-01-05 10:00,THEFT,1005028,234516
C2,2023-01-06 11:00,ROBBERY,1058925,180924
"""


def _file(tmp_path, text=PROJECTED, name="nightly.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_load_without_crs_is_replaced_by_one_with_it(duck, tmp_path):
    path = _file(tmp_path)
    first = ingest.load(duck, "incidents", path, maps={"incident_id": "Case"})
    assert first.rows_not_geocoded == 2
    # Loaded again as it was, every row is a duplicate of the first load ...
    assert ingest.load(duck, "incidents", path, maps={"incident_id": "Case"}, crs="EPSG:2263").rows_loaded == 0
    # ... with --replace the first load's rows make way.
    again = ingest.load(duck, "incidents", path, maps={"incident_id": "Case"}, crs="EPSG:2263", replace=True)
    assert (again.rows_loaded, again.rows_not_geocoded) == (2, 0)
    assert any("Replaced loads #1, #2" in m for m in again.messages)
    assert duck.scalar("SELECT count(*) FROM incidents") == 2
    states = ingest.loads_table(duck).set_index("load_id")["state"].to_dict()
    assert states == {3: "in the store", 2: "removed by #3", 1: "removed by #3"}
    # The public provenance and sources lines rest on what is in the store.
    assert provenance.loads(duck, "incidents")["load_id"].tolist() == [3]


def test_remove_takes_a_load_out_and_records_it(duck, tmp_path, capsys):
    ingest.load(duck, "incidents", _file(tmp_path))
    other = ingest.load(duck, "incidents", _file(tmp_path, PROJECTED.replace("C1", "D1"), "other.csv"))
    db = duck.url
    duck.close()
    assert cli.main(["loads", "remove", str(other.load_id), "--db", db]) == 0
    assert "2 rows taken out" in capsys.readouterr().out
    assert cli.main(["loads", "list", "--db", db]) == 0
    listing = capsys.readouterr().out
    assert "removed by #3" in listing and "removal record" in listing and "in the store: nightly.csv" in listing
    assert cli.main(["loads", "remove", str(other.load_id), "--db", db]) == 2
    assert "already removed" in capsys.readouterr().err
    assert cli.main(["loads", "remove", "99", "--db", db]) == 2
    assert "no load #99" in capsys.readouterr().err


def test_a_failed_removal_leaves_the_store_as_it_was(duck, tmp_path, monkeypatch):
    report = ingest.load(duck, "incidents", _file(tmp_path))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "_record", broken)
    with pytest.raises(RuntimeError):
        ingest.remove_load(duck, report.load_id)
    assert duck.scalar("SELECT count(*) FROM incidents") == 2
    assert ingest.loads_table(duck)["state"].tolist() == ["in the store"]


def test_excel_sheets_one_or_all(duck, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Date": ["2023-01-05"], "Offense": ["THEFT"]}).to_excel(writer, sheet_name="January", index=False)
        pd.DataFrame({"Date": ["2023-02-05", "2023-02-06"], "Offense": ["ROBBERY", "ARSON"]}).to_excel(
            writer, sheet_name="February", index=False
        )
    first = ingest.load(duck, "incidents", path, dataset="first")
    assert first.rows_loaded == 1 and any("also has February" in m for m in first.messages)
    assert ingest.load(duck, "incidents", path, dataset="feb", sheet="February").rows_loaded == 2
    every = ingest.load(duck, "incidents", path, dataset="all", sheet="all")
    assert every.rows_loaded == 3
    sheets = duck.query("SELECT attributes FROM incidents WHERE dataset = 'all'")["attributes"]
    assert sorted(s for s in sheets) == ['{"sheet":"February"}', '{"sheet":"February"}', '{"sheet":"January"}']
    with pytest.raises(InputError, match="no sheet 'March'.*January, February"):
        ingest.load(duck, "incidents", path, sheet="March")
