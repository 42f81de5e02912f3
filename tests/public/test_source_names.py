"""Public text names each source by its publisher and title, not by the file it was loaded from."""

import re

import pandas as pd

from lib import cli
from lib.public import figures as pf
from lib.store import provenance as prov

FILE_NAME = re.compile(r"\w\.(csv|gz|parquet|geojson|json|zip|xlsx)\b", re.I)


def _incidents_csv(path):
    pd.DataFrame(
        {
            "case_id": [f"C{i}" for i in range(30)],
            "occurred": pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d %H:%M"),
            "offense": ["THEFT"] * 30,
        }
    ).to_csv(path, index=False)
    return path


def test_a_file_name_alone_reads_as_words():
    assert prov.readable_name("chicago_crimes_sample_2017_2019.csv.gz") == "Chicago crimes sample 2017-2019"
    assert prov.readable_name("exports/nightly-extract.XLSX") == "Nightly extract"
    assert prov.readable_name("NYPD_Complaint_Data_Historic.csv") == "NYPD Complaint Data Historic"


def test_the_embedded_sources_are_named_by_publisher_and_title_in_both_languages(embedded_store):
    for lang, rows_word in (("en", "rows"), ("es", "filas")):
        table = pf.provenance(embedded_store, lang).frame
        names = set(table.iloc[:, 2])
        assert "Chicago Police Department, Crimes - 2001 to present, random sample of 25,000" in names
        assert "City of Chicago, Police beats" in names
        assert not any(FILE_NAME.search(n) for n in names)
        line = pf.sources(embedded_store, "incidents", lang, "Chicago crimes (3% sample)")
        assert "Crimes - 2001 to present" in line and f"25,000 {rows_word}" in line.replace(".", ",")
        assert not FILE_NAME.search(line)


def test_a_load_names_its_source_with_title_or_else_from_its_file(tmp_path):
    db = str(tmp_path / "store.duckdb")
    csv = _incidents_csv(tmp_path / "county_rms_export_2024.csv")
    assert (
        cli.main(
            [
                "load",
                "incidents",
                str(csv),
                "--dataset",
                "titled",
                "--db",
                db,
                "--title",
                "Example County Sheriff,  Incident reports 2024",
            ]
        )
        == 0
    )
    assert cli.main(["load", "incidents", str(csv), "--dataset", "untitled", "--db", db]) == 0
    from lib.store.connection import connect

    store = connect(db)
    try:
        en = pf.sources(store, "incidents", "en", "titled")
        assert en.startswith("Source: Example County Sheriff, Incident reports 2024 (30 rows, loaded ")
        assert "county_rms_export" not in en
        es = pf.sources(store, "incidents", "es", "untitled")
        assert es.startswith("Fuente: County rms export 2024 (30 filas, cargado el ")
        # The record keeps the file as loaded, beside the title; `info` gives both.
        loads = {r["dataset"]: r for r in prov.info(store)["loads"]}
        assert loads["titled"]["source"] == "county_rms_export_2024.csv"
        assert loads["titled"]["source_title"] == "Example County Sheriff, Incident reports 2024"
        assert loads["untitled"]["source_title"] == "County rms export 2024"
        # A store whose load records predate titles reads every source from its file name.
        store.execute("ALTER TABLE loads DROP COLUMN source_title")
        assert set(prov.loads(store)["source_title"]) == {"County rms export 2024"}
    finally:
        store.close()
