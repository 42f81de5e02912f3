"""`python -m lib concerns import FILE` and `concerns open --csv`: all or nothing, and the open list as CSV."""

import io

import pandas as pd

from lib import cli
from lib.ingest import embedded
from lib.store.connection import connect


def test_import_refuses_a_bad_file_whole_then_lists_the_open_concerns(tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    beats = embedded.EMBEDDED_DIR / "chicago_police_beats.geojson.gz"
    assert cli.main(["load", "boundaries", str(beats), "--level", "beat", "--db", db]) == 0
    capsys.readouterr()
    src = tmp_path / "concerns.csv"
    src.write_text(
        "date,area,category,text,status,updated_on,action\n"
        '2024-01-05,823,traffic,=HYPERLINK("x") speeding,,,\n'
        "2024-02-11,824,drugs,Dealing by the park,done,2024-03-01,Patrols\n"
        "2024-03-02,825,noise,Parties,,,\n"
    )
    assert cli.main(["concerns", "import", str(src), "--level", "beat", "--db", db]) == 2
    err = capsys.readouterr().err
    assert "Row 4, column 'category': 'noise' is not a concern category" in err and "store is as it was" in err
    store = connect(db)
    assert store.scalar("SELECT count(*) FROM concerns") == 0
    store.close()

    src.write_text(src.read_text().replace(",noise,", ",disorder,"))
    assert cli.main(["concerns", "import", str(src), "--level", "beat", "--db", db]) == 0
    assert "Imported 3 concerns" in capsys.readouterr().out
    assert cli.main(["concerns", "open", "--csv", "--db", db]) == 0
    listed = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    raw = pd.read_csv(src, dtype=str)
    still = raw[raw["status"].isna()]
    assert listed["area"].tolist() == still["area"].tolist()  # longest open first: 5 January, then 2 March
    days = (pd.Timestamp.now().normalize() - pd.to_datetime(still["date"])).dt.days
    assert listed["days_open"].astype(int).tolist() == days.tolist()
    assert listed["text"].iloc[0].startswith("'="), "a formula in a concern does not run in a spreadsheet"
    assert cli.main(["concerns", "open", "--db", db]) == 0
    assert "823" in capsys.readouterr().out
