"""The Trust & Safety page: AppTest on the embedded data (both sources, editing the definition) and a real browser."""

import re
import time

from lib.store.connection import connect
from lib.trust import survey_definition as sd
from tests.conftest import screenshot, sign_in
from tests.trust.test_survey_results import AGE_LABELS, _margins_csv

PAGE = "pages/staff/trust.py"
RALEIGH = "Raleigh community survey 2018"


def _texts(at) -> str:
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown] + [w.value for w in at.warning]
    parts += [s.value for s in at.success] + [i.value for i in at.info] + [e.value for e in at.error]
    return "\n".join(parts)


def test_published_scores_view(run_page):
    at = run_page(PAGE, source="scores", measure="TRUST", level="district", cadence="monthly")
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert "not that 65% of residents agree" in text and "no respondent counts" in text
    assert at.selectbox(key="trust_measure").value == "TRUST"
    assert at.selectbox(key="trust_level").value == "district"
    assert [s.value for s in at.subheader] == ["Trust score, monthly, by district", "By group", "Map by district"]
    # The table behind the map holds the published value of district 1 in February 2023.
    table = at.dataframe[-1].value
    assert table.set_index("area").loc["1", "value"] == 70.71
    assert "Feb 2023" in text and "Respondents per score not published" in text


def test_the_page_opens_on_the_source_that_maps_onto_the_loaded_boundaries(run_page):
    # Chicago's published scores are by Chicago's districts (a loaded layer); Raleigh's survey is another
    # city's, by council districts no layer has: the page opens on the scores, results first.
    at = run_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="trust_source").value == "scores"
    assert at.subheader[0].value.endswith(", monthly, by city")  # the results, not set-up


def test_the_survey_shows_results_first_and_each_chart_once(run_page):
    at = run_page(PAGE, source="survey")
    assert not at.exception, [e.value for e in at.exception]
    # The definition is folded away, its state said above the results.
    assert not at.expander[0].proto.expanded and at.expander[0].label.startswith("Survey definition")
    assert "Read with the suggested survey definition (not yet saved)" in _texts(at)
    # Groups are the respondents' characteristics; areas have one section of their own.
    assert "area" not in at.selectbox(key="trust_by").options
    assert [s.value for s in at.subheader].count("Trust in police by area, 2018") == 1
    assert len(at.get("plotly_chart")) == 2  # by group, by area (one wave: no trend chart)


def test_scores_map_shows_the_change_over_a_span(run_page):
    at = run_page(PAGE, source="scores", measure="SAFETY", level="district")
    at.radio(key="trust_map_mode").set_value("Change between two months").run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["area", "from", "to", "change"] and len(table) == 22
    assert "change in points from Feb 2022 to Feb 2023" in _texts(at)


def test_survey_view_shows_unweighted_estimates_and_why(run_page):
    at = run_page(PAGE, source="survey")
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert "Unweighted: no population margins" in text
    assert "The demographic headers sit 4 columns to the left" in text
    labels = [m.label for m in at.metric]
    assert labels == ["Trust in police, 2018", "Feeling of safety, 2018"]
    assert at.metric[0].value == "68.7 / 100"
    assert "n = 859, effective n = 859, design effect 1.00" in text
    assert "Cronbach's alpha 0.90" in text
    assert "ranked instead of mapped" in text  # no boundary layer has council districts A-E
    assert "One wave (2018)" in text


def test_editing_and_saving_the_definition(run_page, app_env):
    at = run_page(PAGE, as_role="analyst", source="survey")  # saving needs analyst (tests/test_signin.py)
    before = at.metric[0].value
    items = at.multiselect(key="trust_def_trust")
    kept = [c for c in items.value if "Response_time" not in c]
    items.set_value(kept).run()
    assert not at.exception
    assert at.metric[0].value != before  # the draft applies at once
    at.button(key="trust_def_save").click().run()
    assert not at.exception
    store = connect(str(app_env))
    saved, when = sd.load(store, RALEIGH)
    store.close()
    assert saved.indexes["trust"].items == kept and when is not None
    again = run_page(PAGE, source="survey")  # a new session reads the saved definition
    assert again.multiselect(key="trust_def_trust").value == kept
    assert "Saved " in _texts(again)


def test_an_unusable_definition_is_explained_not_shown(run_page):
    at = run_page(PAGE, source="survey")
    at.number_input(key="trust_def_low").set_value(5.0).run()
    assert not at.exception
    assert any("must run from low to high" in e.value for e in at.error)
    assert at.button(key="trust_def_save").disabled
    assert not at.metric


def test_page_weights_to_a_loaded_margins_file(run_page, app_env, tmp_path):
    from lib.ingest import load as ingest

    store = connect(str(app_env))
    _margins_csv(tmp_path / "m.csv", {"A": 95_000, "B": 96_000, "C": 92_000, "D": 94_000, "E": 97_000})
    ingest.load(store, "population", tmp_path / "m.csv", dataset="council margins", level="council_district")
    store.close()
    at = run_page(PAGE, source="survey")
    assert "Raked to the population margins of area, sex, race from 'council margins'" in _texts(at)
    at.text_area(key="trust_def_codes_age").set_value("\n".join(f"{k} = {v}" for k, v in AGE_LABELS.items())).run()
    assert "Raked to the population margins of area, age, sex, race" in _texts(at)
    caption = next(c.value for c in at.caption if c.value.startswith("95% CI"))
    assert float(re.search(r"design effect (\d+\.\d+)", caption).group(1)) > 1.0


def test_trust_page_in_a_browser(served_app, page):
    page.set_viewport_size(
        {"width": 1400, "height": 3600}
    )  # Streamlit scrolls inside the page: a tall window shows all
    for name, query in [
        ("trust_scores", "source=scores&measure=TRUST&level=district"),
        ("trust_survey", "source=survey"),
    ]:
        sign_in(page, f"{served_app}/trust?{query}", "viewer")
        page.wait_for_selector("h1:has-text('Trust & Safety')", timeout=90_000)
        deadline = time.time() + 90
        while time.time() < deadline and page.locator("[data-testid='stStatusWidget']").count():
            time.sleep(0.5)
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        time.sleep(2)
        screenshot(page, name)
        assert page.locator("[data-testid='stException']").count() == 0
        if name == "trust_scores":
            # 22 districts and the outlying polygons drawn as filled shapes, with no base map from the internet
            assert page.locator(".js-plotly-plot").nth(2).locator("path.js-fill").count() >= 22
            assert page.get_by_text("not that 65% of residents agree").count() == 1
        else:
            assert page.get_by_text("68.7 / 100").count() == 1
            assert page.get_by_text("Unweighted: no population margins").count() == 1


def test_survey_areas_with_a_boundary_layer_are_mapped(run_page, app_env, tmp_path):
    import numpy as np
    import pandas as pd

    from lib.ingest import load as ingest

    rng = np.random.default_rng(2)
    n = 900
    pd.DataFrame(
        {
            "id": range(n),
            "district": rng.choice(["1", "2", "3", "4", "5", "6"], n),
            "Police treat people with respect": rng.integers(1, 6, n),
            "Police listen to residents": rng.integers(1, 6, n),
            "I feel safe in my neighborhood at night": rng.integers(1, 6, n),
        }
    ).to_csv(tmp_path / "district_survey.csv", index=False)
    store = connect(str(app_env))
    ingest.load(store, "survey", tmp_path / "district_survey.csv", dataset="district survey")
    store.close()
    at = run_page(PAGE, source="survey", survey="district survey")
    assert not at.exception, [e.value for e in at.exception]
    text = _texts(at)
    assert "ranked instead of mapped" not in text
    table = at.dataframe[-1].value
    assert set(table["area"]) == {"1", "2", "3", "4", "5", "6"} and table["n"].sum() == n
