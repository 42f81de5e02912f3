"""The Transparency page's complaints and commendations section through AppTest on the embedded data:
both languages, the department's channels from its setting, and the privacy scan over what it renders."""

import pandas as pd
import pytest

from lib.public import complaints
from lib.public.i18n import t
from lib.public.privacy import Rules
from lib.store.connection import connect
from tests.privacy_scan import Scanner, scan_apptest

TITLES = {
    "en": [
        "Complaints received and closed per month",
        "Complaints received by category",
        "Allegations by final finding",
        "Median days to close a complaint",
        "Commendations by type",
    ],
    "es": [
        "Quejas recibidas y cerradas por mes",
        "Quejas recibidas por categoría",
        "Alegaciones por resolución final",
        "Mediana de días para cerrar una queja",
        "Reconocimientos por tipo",
    ],
}


def _texts(at) -> str:
    parts = [x.value for x in at.markdown] + [x.value for x in at.caption] + [x.value for x in at.info]
    return "\n".join(parts + [x.value for x in at.subheader] + [x.value for x in at.header])


@pytest.mark.parametrize(
    ("lang", "header"), [("en", "Complaints and commendations"), ("es", "Quejas y reconocimientos")]
)
def test_the_section_renders_in_both_languages_after_engagement(run_page, lang, header):
    at = run_page(lang=lang)
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.header]
    assert (
        headers.index(header)
        == headers.index("Community engagement" if lang == "en" else "Participación comunitaria") + 1
    )
    subheaders = [s.value for s in at.subheader]
    for title in TITLES[lang]:
        assert title in subheaders
    text = _texts(at)
    no_address = {
        "en": "The department has not given an address for complaints and commendations.",
        "es": "El departamento no ha indicado una dirección para quejas y reconocimientos.",
    }
    assert no_address[lang] in text


def test_the_channels_link_comes_from_the_setting(run_page, monkeypatch):
    monkeypatch.setenv("DASHBOARD_COMPLAINTS_URL", "https://example.org/complaints")
    at = run_page(lang="es")
    assert not at.exception
    text = _texts(at)
    line = next(m.value for m in at.markdown if "use los canales del propio departamento:" in m.value)
    assert line.endswith("(https://example.org/complaints)")  # a link to the address
    assert "no ha indicado una dirección" not in text


def test_the_city_months_on_the_page_are_the_release_cells(run_page, app_env):
    at = run_page()
    table = next(
        f.value for f in at.dataframe if "Complaints received" in list(f.value.columns) and "Month" in f.value.columns
    )
    store = connect(str(app_env), read_only=True)
    try:
        rel = complaints.passed(store, complaints.COMPLAINTS, "Chicago complaints", Rules())
    finally:
        store.close()
    c = rel.cells
    city = c[(c.measure == complaints.RECEIVED) & (c.level == "city") & (c.period == "month") & (c.category == "all")]
    expected = [str(v) for v in city.sort_values("period_start")["value"]]
    assert list(table["Complaints received"]) == expected
    assert list(table["Month"]) == [pd.Timestamp(m).strftime("%Y-%m") for m in sorted(city["period_start"])]


@pytest.mark.parametrize("query", [{}, {"lang": "es", "level": "district", "area": "11"}])
def test_the_privacy_scanner_finds_nothing_in_the_section(run_page, app_env, query):
    store = connect(str(app_env))
    try:
        scanner = Scanner(store, Rules())
    finally:
        store.close()
    at = run_page(**query)
    assert not at.exception
    seen = scan_apptest(scanner, at)
    assert not scanner.findings, scanner.report()
    assert seen["frames"] >= 5


DISTRICT = {"en": ("District 11", "fewer than 5", "not shown"), "es": ("Distrito 11", "menos de 5", "no se muestra")}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_district_shows_its_categories_and_findings_from_the_release(run_page, app_env, lang):
    at = run_page(lang=lang, level="district", area="11")
    assert not at.exception, [e.value for e in at.exception]
    name, fewer, hidden = DISTRICT[lang]
    subheaders = [s.value for s in at.subheader]
    store = connect(str(app_env), read_only=True)
    try:
        rel = complaints.passed(store, complaints.COMPLAINTS, "Chicago complaints", Rules())
    finally:
        store.close()
    c = rel.cells
    words = {"": None, "small": fewer, "complementary": hidden}
    seen_hidden = set()
    for title, measure, column in (
        (TITLES[lang][1], complaints.RECEIVED, "col.category"),
        (TITLES[lang][2], complaints.ALLEGATIONS, "col.finding"),
    ):
        assert f"{title}: {name}" in subheaders  # the district's own table, not the city's
        mine = c[(c.measure == measure) & (c.level == "district") & (c.area == "11") & (c.category != "all")]
        mine = mine[mine.period.isin(["year", "ytd"])]
        frame = next(f.value for f in at.dataframe if t(column, lang) in f.value.columns)
        # every cell of the district's table is the release's cell: the count, or why it is hidden, in words
        shown = sorted(words[h] or str(v) for v, h in zip(mine["value"], mine["hidden"]))
        assert sorted(frame.iloc[:, -1]) == shown
        seen_hidden |= set(frame.iloc[:, -1]) & {fewer, hidden}
        assert not any(x.isdigit() and 1 <= int(x) <= 4 for x in frame.iloc[:, -1])
    assert fewer in seen_hidden  # District 11 has small counts, said in words
