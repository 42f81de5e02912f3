"""The command line as a nightly job uses it: exit codes, printed mapping and counts, `info --json`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lib import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_load_prints_mapping_and_counts_and_info_reports_it(tmp_path):
    db = str(tmp_path / "s.duckdb")
    src = tmp_path / "shootings.csv"
    src.write_text(
        "INCIDENT_KEY,OCCUR_DATE,OCCUR_TIME,PRECINCT,Latitude,Longitude\n"
        "1,2021-05-27,21:30:00,75,40.66,-73.88\n1,2021-05-27,21:30:00,75,40.66,-73.88\n"
        "2,bad,01:00:00,75,40.66,-73.88\n3,2021-05-29,02:00:00,75,,\n"
    )
    done = run("load", "incidents", str(src), "--set", "offense=Shooting", "--db", db)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "incident_id    <- INCIDENT_KEY" in out and "offense        <- = 'Shooting'" in out
    assert "rows read                   4" in out and "loaded                      2" in out
    assert "rejected                    1" in out and "merged (same id)            1" in out
    assert "not geocoded                1" in out
    assert "row 4: unusable occurred at 'bad'" in out

    info = run("info", "--json", "--db", db)
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["kinds"]["incidents"]["rows"] == 2
    assert data["kinds"]["incidents"]["from"].startswith("2021-05-27T21:30")
    record = data["loads"][0]
    assert (record["rows_read"], record["rows_loaded"], record["rows_rejected"], record["rows_merged"]) == (4, 2, 1, 1)
    assert record["mapping"]["offense"] == "= 'Shooting'" and record["synthetic"] is False
    assert len(record["file_sha256"]) == 64

    again = run("load", "incidents", str(src), "--set", "offense=Shooting", "--db", db)
    assert "duplicates skipped          2" in again.stdout


def test_unusable_input_exits_2_with_a_message_and_writes_nothing(tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    src = tmp_path / "x.csv"
    src.write_text("OCCUR_DATE,PRECINCT\n2021-01-01,75\n")
    assert cli.main(["load", "incidents", str(src), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "required field 'offense'" in err and "store is as it was" in err
    assert cli.main(["load", "incidents", str(src), "--map", "offense=Crime", "--db", db]) == 2
    assert "no column 'Crime'" in capsys.readouterr().err
    assert cli.main(["load", "incidents", str(src), "--map", "offense", "--db", db]) == 2
    assert "write FIELD=VALUE" in capsys.readouterr().err
    assert cli.main(["info", "--json", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["loads"] == []


def test_rejects_can_be_written_to_a_file(tmp_path, capsys):
    src = tmp_path / "x.csv"
    src.write_text("date,offense\nnope,THEFT\n2021-01-01,THEFT\n2021-01-02,THEFT\n")
    out = tmp_path / "rejects.csv"
    assert cli.main(["load", "incidents", str(src), "--rejects", str(out), "--db", str(tmp_path / "s.duckdb")]) == 0
    assert out.read_text().splitlines()[1].startswith("2,unusable occurred at 'nope'")


def test_rejects_file_runs_no_formula_in_a_spreadsheet(tmp_path, capsys):
    import csv

    src = tmp_path / "x.csv"
    src.write_text("date,offense\n=1+1,@SUM(A1)\n2021-01-01,THEFT\n2021-01-02,THEFT\n")
    out = tmp_path / "rejects.csv"
    assert cli.main(["load", "incidents", str(src), "--rejects", str(out), "--db", str(tmp_path / "s.duckdb")]) == 0
    rows = list(csv.reader(out.open(newline="")))
    assert rows[1][:2] == ["2", "unusable occurred at '=1+1'"]
    assert rows[1][2] == "'=1+1,@SUM(A1)"  # the raw line, as text


def test_demo_data_is_labelled_synthetic(tmp_path):
    from lib.store.connection import connect

    db = str(tmp_path / "s.duckdb")
    assert cli.main(["demo", "--incidents", "2000", "--db", db]) == 0
    store = connect(db)
    rows = store.query("SELECT dataset, synthetic, rows_loaded FROM loads")
    assert rows.values.tolist() == [["SYNTHETIC demo", True, 2000]]
    # Drawn from the city's pattern: the synthetic points fall in Chicago (lat 41.6-42.1).
    share = store.scalar("SELECT avg(CASE WHEN latitude BETWEEN 41.6 AND 42.1 THEN 1 ELSE 0 END) FROM incidents")
    assert share > 0.99


@pytest.mark.parametrize("command", ["load", "info", "demo", "setup"])
def test_every_command_has_help(command):
    done = run(command, "--help")
    assert done.returncode == 0 and "usage: python -m lib" in done.stdout
