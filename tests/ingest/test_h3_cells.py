"""H3 cells of every stored point at every resolution are the cells h3.latlng_to_cell gives for its coordinates."""

import h3
import pandas as pd
import pytest

from lib import cli
from lib.constants import H3_RESOLUTIONS
from lib.ingest import spatial
from lib.store.connection import connect

COLS = [f"h3_{r}" for r in H3_RESOLUTIONS]


def _wrong_cells(store, table: str = "incidents") -> dict[int, int]:
    """Incidents (sum of count) whose stored cell at each resolution is not h3.latlng_to_cell's."""
    rows = store.query(
        f'SELECT latitude, longitude, {", ".join(COLS)}, sum("count") AS n FROM {table} '
        f"WHERE latitude IS NOT NULL GROUP BY ALL"
    )
    assert len(rows) > 1000  # the embedded data: tens of thousands of distinct points
    wrong = {}
    for res in H3_RESOLUTIONS:
        ref = [h3.latlng_to_cell(a, b, res) for a, b in zip(rows["latitude"], rows["longitude"])]
        wrong[res] = int(rows.loc[rows[f"h3_{res}"].to_numpy() != pd.Series(ref).to_numpy(), "n"].sum())
    return wrong


def test_every_embedded_incident_sits_in_the_cell_of_its_coordinates(embedded_store):
    assert _wrong_cells(embedded_store) == dict.fromkeys(H3_RESOLUTIONS, 0)


def test_cells_are_not_the_parents_of_the_finest(embedded_store):
    """The fix matters: for a share of the points, the resolution-10 cell's parent is another cell."""
    rows = embedded_store.query(
        "SELECT DISTINCT latitude, longitude, h3_9, h3_10 FROM incidents WHERE h3_10 IS NOT NULL"
    )
    parent = rows["h3_10"].map(lambda c: h3.cell_to_parent(c, 9))
    share = float((parent != rows["h3_9"]).mean())
    assert 0.03 < share < 0.15


def _make_old(store) -> int:
    """Write the cells as stores built the old way held them: coarser cells as parents of the res-10 cell."""
    rows = store.query("SELECT DISTINCT h3_10 FROM incidents WHERE h3_10 IS NOT NULL")
    old = pd.DataFrame({"h3_10": rows["h3_10"]})
    for res in (7, 8, 9):
        old[f"h3_{res}"] = [h3.cell_to_parent(c, res) for c in old["h3_10"]]
    store.stage("old_cells", old, dict.fromkeys(COLS, "text"))
    store.execute(
        "UPDATE incidents SET h3_7 = o.h3_7, h3_8 = o.h3_8, h3_9 = o.h3_9 FROM old_cells o "
        "WHERE incidents.h3_10 = o.h3_10"
    )
    store.drop_stage("old_cells")
    return sum(_wrong_cells(store).values())


def test_reenrich_command_corrects_a_store_built_the_old_way(embedded_db, tmp_path, capsys):
    import shutil

    path = tmp_path / "old.duckdb"
    shutil.copy(embedded_db, path)
    store = connect(str(path))
    wrong_before = _make_old(store)
    assert wrong_before > 1000  # several percent of the incidents were in the wrong hexagon
    total = store.scalar('SELECT sum("count") FROM incidents')
    store.close()

    assert cli.main(["reenrich", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "incidents:" in out and "corrected" in out

    store = connect(str(path))
    try:
        assert _wrong_cells(store) == dict.fromkeys(H3_RESOLUTIONS, 0)
        assert store.scalar('SELECT sum("count") FROM incidents') == total  # no row lost or added
        assert spatial.recompute_h3_cells(store) == {"incidents": 0, **_other_tables(store)}  # idempotent
    finally:
        store.close()


def _other_tables(store) -> dict[str, int]:
    from lib.store import schema

    return {
        t: 0
        for t in schema.GEOCODED_TABLES
        if t in store.tables() and t != "incidents" and set(COLS) <= set(store.columns(t))
    }


def test_a_failure_midway_leaves_every_cell_as_it_was(embedded_store, monkeypatch):
    """One transaction: if the update fails, no table is half corrected."""
    _make_old(embedded_store)
    before = embedded_store.query(f"SELECT incident_id, {', '.join(COLS)} FROM incidents ORDER BY incident_id")

    def broken(store, name):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(embedded_store), "drop_stage", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        spatial.recompute_h3_cells(embedded_store)
    monkeypatch.undo()
    after = embedded_store.query(f"SELECT incident_id, {', '.join(COLS)} FROM incidents ORDER BY incident_id")
    pd.testing.assert_frame_equal(before, after)


def test_rows_without_coordinates_keep_no_cell(any_store, tmp_path):
    from lib.ingest import load

    f = tmp_path / "two.csv"
    f.write_text(
        "id,date,offense,latitude,longitude\n1,2019-01-01 10:00,THEFT,41.88,-87.63\n2,2019-01-02 10:00,THEFT,,\n"
    )
    load.load(any_store, "incidents", str(f))
    spatial.recompute_h3_cells(any_store)
    rows = any_store.query(f"SELECT latitude, {', '.join(COLS)} FROM incidents ORDER BY latitude NULLS LAST")
    assert rows.loc[0, COLS].tolist() == [h3.latlng_to_cell(41.88, -87.63, r) for r in H3_RESOLUTIONS]
    assert rows.loc[1, COLS].isna().all()
