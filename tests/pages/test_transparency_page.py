"""The public Transparency page through AppTest on the embedded Chicago data: content, language, area search,
and the privacy proof: nothing it renders or offers for download locates a sensitive incident, shows a count
from 1 to 4, or gives an incident's position finer than the public rules allow (tests/privacy_scan.py)."""

import pytest

from lib.public.privacy import Rules
from lib.store.connection import connect
from tests.privacy_scan import Scanner, scan_apptest

PAGE = "pages/public/transparency.py"


@pytest.fixture
def downloads(monkeypatch):
    """Every file the page offers for download (name -> bytes), captured as Streamlit stores it."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return files


@pytest.fixture
def scanner(app_env):
    """A scanner over the page's store (built, then the store closed before the app opens it)."""
    store = connect(str(app_env))
    try:
        return Scanner(store, Rules())
    finally:
        store.close()


def _texts(at) -> str:
    parts = [x.value for x in at.markdown] + [x.value for x in at.caption] + [x.value for x in at.header]
    return "\n".join(parts + [x.value for x in at.subheader])


def test_the_public_page_is_the_default_and_has_every_section(run_page):
    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Public safety and community trust: open figures"
    headers = [h.value for h in at.header]
    assert headers == [
        "Find your area",
        "Crime",
        "Hot spot map",
        "Trust and safety",
        "Community engagement",
        "Complaints and commendations",
        "How these numbers are made",
        "Where the data comes from",
    ]
    text = _texts(at)
    assert "Crime figures run to 31 August 2019, the end of the last complete month" in text  # 7-day lag after 29 Sep
    assert "Counts from 1 to 4 are never shown" in text
    assert "Source: Chicago Police Department, Crimes - 2001 to present, random sample of 25,000 (25,000 rows" in text
    assert at.query_params["lang"] == "en"
    # Every chart and table comes with a one-sentence summary, and a download of the table.
    assert len(at.get("plotly_chart")) == 5  # crime trend and by area, trust, engagement, complaints
    assert len(at.get("download_button")) >= 5


def test_spanish_from_the_url(run_page):
    at = run_page(lang="es")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Seguridad pública y confianza comunitaria: cifras abiertas"
    assert [h.value for h in at.header][:3] == ["Busque su área", "Delitos", "Mapa de puntos calientes"]
    text = _texts(at)
    assert "menos de 5" in text and "Fuente:" in text and "Cómo se obtienen estas cifras" in text
    assert "Source:" not in text


def test_switching_language_keeps_it_in_the_url(run_page):
    at = run_page()
    at.button_group(key="public_lang").set_value("es").run()
    assert at.query_params["lang"] == "es"
    assert at.title[0].value.startswith("Seguridad pública")


def test_area_search_by_hundred_block(run_page):
    at = run_page(level="beat")
    at.text_input(key="public_search").input("1200 W Madison").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success[0].value == "Showing Beat 1224, found from the hundred block you typed."
    assert at.query_params["area"] == "1224" and at.query_params["level"] == "beat"
    assert "Figures for: Beat 1224" in _texts(at)
    assert any("Beat 1224" in s.value for s in at.subheader)


def test_area_from_a_link(run_page):
    at = run_page(level="district", area="11", lang="es")
    assert not at.exception, [e.value for e in at.exception]
    assert "Cifras de: Distrito 11" in _texts(at)
    assert [m.label for m in at.metric][:2] == ["Incidentes en lo que va del año", "Mismos meses del año anterior"]


def test_sources_that_end_far_apart_are_said_to(run_page):
    # Crime runs to August 2019, the trust scores to February 2023, the event calendar to December 2018.
    at = run_page()
    notes = [i.value for i in at.info if "end at different dates" in i.value]
    assert notes == [
        "These figures end at different dates, each where its source ends (Crime: August 2019; "
        "Trust and safety: February 2023; Community engagement: December 2018). Compare them with care."
    ]


def test_all_the_figures_download_as_the_one_release(run_page, downloads, app_env):
    from lib.public import release

    at = run_page()
    assert not at.exception, [e.value for e in at.exception]
    assert "All the figures in one file" in _texts(at)
    store = connect(str(app_env), read_only=True)
    try:
        rel = release.stored(store, "Chicago crimes (3% sample)")
    finally:
        store.close()
    assert downloads["release.csv"] == rel.release_csv().encode("utf-8")
    assert downloads["areas.csv"] == rel.areas_csv().encode("utf-8")
    assert f"{len(rel.cells):,} cells" in _texts(at)


@pytest.mark.parametrize(
    "query",
    [
        {},  # the city, English
        {"lang": "es"},
        {"level": "beat", "area": "1121"},  # a small area: most monthly counts are small
        {"level": "beat", "area": "3100"},  # the airport beat: hardly any incidents
        {"level": "beat", "area": "1834", "lang": "es"},  # hot spot hexagons on the area's map
        {"level": "beat", "lang": "es", "dataset": "Chicago aggravated assaults"},
    ],
)
def test_nothing_rendered_or_downloaded_breaks_the_privacy_rules(run_page, scanner, downloads, query):
    assert scanner.sensitive_count > 4000 and scanner.sensitive_blocks  # the data has something to leak
    at = run_page(**query)
    assert not at.exception, [e.value for e in at.exception]
    seen = scan_apptest(scanner, at)
    for name, data in downloads.items():
        scanner.csv(data, f"download {name}")
    assert not scanner.findings, scanner.report()
    # The scan saw the page: tables, charts, the map and the downloads.
    assert seen["frames"] >= 3 and seen["charts"] >= 2 and seen["maps"] == 1 and seen["texts"] > 20
    assert len(downloads) >= 4


def test_the_scan_finds_what_it_looks_for(app_env):
    """A scanner that cannot fail proves nothing: feed it what the staff views may show."""
    import pandas as pd

    from lib.public import privacy

    store = connect(str(app_env))
    try:
        scan = Scanner(store, Rules())
        row = store.query(
            f"SELECT block, latitude, longitude FROM incidents WHERE {privacy.sensitive_sql()} AND "
            f"block IS NOT NULL AND latitude IS NOT NULL AND block NOT IN (SELECT block FROM incidents "
            f"WHERE block IS NOT NULL AND {privacy.public_sql()}) LIMIT 1"
        ).iloc[0]
    finally:
        store.close()
    scan.text(f"<p>Reported on {row['block']}</p>", "block")
    scan.text(f'{{"type": "Point", "coordinates": [{row["longitude"]:.5f}, {row["latitude"]:.5f}]}}', "point")
    scan.text(f"lat {row['latitude']:.9f}", "coordinate")
    scan.text("Beat 1121: 3 incidents this month", "sentence")
    scan.text('{"properties": {"count": "2"}}', "geojson")
    scan.text("8a2664c1a9a7fff", "hexagon")
    scan.frame(pd.DataFrame({"Area": ["a"], "Incidents": ["4"], "latitude": [41.9]}), "table")
    scan.plotly({"data": [{"type": "bar", "y": [12.0, 3.0]}]}, "chart")
    rules = {f.rule for f in scan.findings}
    assert rules == {
        "sensitive block",
        "sensitive location",
        "sensitive coordinate",
        "small count in text",
        "small count in data",
        "fine hexagon",
        "small count in table",
        "forbidden column",
        "small count in chart",
    }, scan.report()
