"""The Map page through AppTest on the embedded Chicago data: layers, filters, URL state, the area panel."""

from lib.ingest import offense_groups
from lib.store.connection import connect

PAGE = "pages/staff/map.py"
SAMPLE = "Chicago crimes (3% sample)"
ASSAULTS = "Chicago aggravated assaults"


def _texts(at) -> str:
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown] + [i.value for i in at.info]
    parts += [w.value for w in at.warning] + [s.value for s in at.subheader]
    return "\n".join(parts)


def _table(at, name):
    """The table behind the map of one layer: its toggle turned on (and the others off), as the page then shows it."""
    toggles = {t.label: t for t in at.toggle if t.label.startswith("Table behind the map: ")}
    label = f"Table behind the map: {name}"
    assert label in toggles, f"no table for {name}: {list(toggles)}"
    for other, toggle in toggles.items():
        toggle.set_value(other == label)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.dataframe[0].value  # the map's tables come before the area panel's


def _count(app_env, sql, params):
    store = connect(str(app_env))
    try:
        return int(store.scalar(sql, params))
    finally:
        store.close()


def test_default_view(run_page):
    at = run_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Map explorer"
    text = _texts(at)
    # The default: the largest dataset, the 12 months up to its newest incident, coarsest level.
    assert f"**{ASSAULTS}**, Jan 1, 2019 to Dec 31, 2019, all offenses: **15,328 incidents**" in text
    assert "Source: Chicago Police Department, Aggravated assaults with a location (148,636 rows" in text
    assert at.query_params["from"] == "2019-01-01" and at.query_params["layers"] == "areas,hotspots,stations"
    areas = _table(at, "Areas (count, rate or change)")
    assert len(areas) == 23 and areas["incidents"].sum() == 15_328  # every incident lies in a district
    hot = _table(at, "Hot spots (Gi*)")
    assert len(hot) == 5730 and hot["incidents"].sum() <= 15_328
    assert hot.iloc[0]["label"] == "Hot spot, 99% confidence"


def test_tables_behind_the_map_are_sent_only_when_asked_for(run_page):
    at = run_page(PAGE, dataset=SAMPLE)
    assert not at.exception, [e.value for e in at.exception]
    toggles = [t for t in at.toggle if t.label.startswith("Table behind the map: ")]
    assert [t.label for t in toggles] == [
        "Table behind the map: Areas (count, rate or change)",
        "Table behind the map: Hot spots (Gi*)",
        "Table behind the map: Police stations",
    ]
    shown = lambda: [d for d in at.dataframe if d.key != "map_grouping"]  # noqa: E731 (the grouping editor)
    assert not any(t.value for t in toggles) and shown() == []  # nothing built or sent yet
    stations = _table(at, "Police stations")
    assert len(shown()) == 1 and {"name", "latitude", "longitude"} <= set(stations.columns)
    assert any(b.label == "Download map stations (CSV)" for b in at.get("download_button"))


def test_a_link_opens_the_view_it_describes(run_page, app_env):
    query = {
        "dataset": SAMPLE,
        "from": "2018-01-01",
        "to": "2018-12-31",
        "groups": "Theft,Robbery",
        "days": "sat,sun",
        "hours": "0-1,22-23",
        "level": "beat",
        "areas": "1121,1122",
        "layers": "areas,points",
        "measure": "change",
        "panel": "1121",
    }
    at = run_page(PAGE, **query)
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="map_groups").value == ["Theft", "Robbery"]
    assert at.button_group(key="map_days").value == [5, 6]
    assert at.multiselect(key="map_hours").value == [0, 1, 22, 23]
    assert at.selectbox(key="map_level").value == "beat"
    assert at.multiselect(key="map_areas_beat").value == ["1121", "1122"]
    assert at.button_group(key="map_layers").value == ["areas", "points"]
    assert at.button_group(key="map_measure").value == "change"
    assert at.selectbox(key="map_panel_beat").value == "1121"
    # The link survives the run unchanged.
    assert {k: at.query_params[k] for k in query} == query
    # The count on screen is the count of these filters, done by hand in SQL.
    n = _count(
        app_env,
        "SELECT count(*) FROM incidents WHERE dataset = :d AND occurred_at >= '2018-01-01' "
        "AND occurred_at < '2019-01-01' AND offense IN ('THEFT', 'ROBBERY') "
        "AND extract(isodow FROM occurred_at) IN (6, 7) AND extract(hour FROM occurred_at) IN (0, 1, 22, 23) "
        "AND lvl_beat IN ('1121', '1122')",
        {"d": SAMPLE},
    )
    assert f"**{n:,} incidents**" in _texts(at)
    assert _table(at, "Areas (count, rate or change)")["incidents"].sum() == n
    assert "Beat 1121" in _texts(at)


def test_changing_a_filter_rewrites_the_url(run_page):
    at = run_page(PAGE, dataset=SAMPLE)
    at.multiselect(key="map_groups").set_value(["Burglary"]).run()
    at.button_group(key="map_days").set_value([0]).run()
    assert not at.exception
    assert at.query_params["groups"] == "Burglary" and at.query_params["days"] == "mon"
    assert ", Burglary:" in _texts(at)
    at.button_group(key="map_days").set_value([]).run()
    assert "days" not in at.query_params


def test_hot_spots_refuse_too_few_incidents(run_page):
    at = run_page(PAGE, dataset=SAMPLE, groups="Homicide", **{"from": "2019-01-01", "to": "2019-03-31"})
    assert not at.exception
    assert "Hot spot analysis needs at least 60 incidents; these filters leave" in _texts(at)
    # The layer's name keeps its asterisk inside the bold (it once read "*Hot spots (Gi)**").
    assert any(i.value.startswith(r"**Hot spots (Gi\*)**: ") for i in at.info), [i.value for i in at.info]


def test_rates_need_population_and_use_it_once_loaded(run_page, app_env, tmp_path):
    at = run_page(PAGE, measure="rate")
    assert "No population is loaded for districts" in _texts(at)
    from lib.ingest import load as ingest

    store = connect(str(app_env))
    (tmp_path / "pop.csv").write_text("district,population\n" + "\n".join(f"{d},{10_000 + d}" for d in range(1, 26)))
    ingest.load(store, "population", tmp_path / "pop.csv", level="district")
    store.close()
    at = run_page(PAGE, measure="rate")
    areas = _table(at, "Areas (count, rate or change)").set_index("code")
    assert areas.loc["11", "per 1,000 residents"] == round(areas.loc["11", "incidents"] / 10_011 * 1000, 2)


def test_area_panel_from_the_url(run_page):
    at = run_page(PAGE, panel="11")
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert "District panel" in text and "**District 11TH (11)**, CompStat as of Dec 31, 2019" in text
    compstat = next(df.value for df in at.dataframe if "period" in df.value.columns)
    assert list(compstat["period"]) == ["7-day", "28-day", "Year to date"]
    assert "poisson z" not in compstat.columns and compstat["p"].between(0, 1).all()
    assert "p < 0.01 (about 1 in 100" in text  # the thresholds read as what they are


def test_an_edited_grouping_changes_what_a_group_filters(run_page, app_env):
    at = run_page(PAGE, dataset=SAMPLE, groups="Robbery")  # the 52 weeks to Sep 29, 2019
    before = _table(at, "Areas (count, rate or change)")["incidents"].sum()
    store = connect(str(app_env))
    table = offense_groups.Grouping().frame(["THEFT"]).assign(group="Robbery")
    offense_groups.save(store, table)
    thefts = int(
        store.scalar(
            "SELECT count(*) FROM incidents WHERE dataset = :d AND offense = 'THEFT' "
            "AND occurred_at >= '2018-09-30' AND occurred_at < '2019-09-30'",
            {"d": SAMPLE},
        )
    )
    store.close()
    at = run_page(PAGE, dataset=SAMPLE, groups="Robbery")
    assert _table(at, "Areas (count, rate or change)")["incidents"].sum() == before + thefts


def test_a_store_without_boundaries(tmp_path, monkeypatch, users_file):
    """A department that has loaded only incidents: every layer says what is missing, nothing fails."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from lib.app import cached
    from lib.ingest import load as ingest
    from tests.conftest import ROOT, signed_in_as
    from tests.maps.test_map_data import INCIDENTS

    db = tmp_path / "incidents_only.duckdb"
    (tmp_path / "export.csv").write_text(INCIDENTS)
    store = connect(str(db))
    ingest.load(store, "incidents", tmp_path / "export.csv", dataset="rms")
    store.close()
    monkeypatch.setenv("DASHBOARD_DB", str(db))
    monkeypatch.setenv("DASHBOARD_USERS_FILE", str(users_file))
    cached._open.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    signed_in_as(at, "viewer", users_file)
    at.query_params["layers"] = "areas,heat,hotspots,trust"
    at.switch_page(PAGE)
    at.run()
    cached._open.clear()
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert "No boundary layer is loaded" in text
    assert "Hot spot analysis needs at least 30 hexagons" in text
    assert "**rms**, Jun 2, 2018 to Jun 1, 2019, all offenses: **6 incidents**" in text
