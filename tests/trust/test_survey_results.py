"""Respondent-level results end to end: margins loaded as population, raking per wave, trends and changes."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lib.ingest import load as ingest
from lib.trust import survey_definition as sd
from lib.trust import survey_results as sr
from tests.trust.test_survey_definition import RALEIGH

AGE_LABELS = {"1": "18-34", "2": "35-44", "3": "45-54", "4": "55-64", "5": "65+"}


def _margins_csv(path, areas: dict[str, int]) -> None:
    """A hand-built margins file: totals per area, and age, sex, race shares the same in every area."""
    shares = {
        "age": dict(zip(AGE_LABELS.values(), [0.34, 0.19, 0.17, 0.15, 0.15])),
        "Gender": {"Female": 0.52, "Male": 0.48},
        "race/ethnicity": {
            "White": 0.45,
            "Black or African American": 0.28,
            "Hispanic or Latino": 0.11,
            "Asian": 0.05,
            "Other": 0.11,
        },
    }
    rows = []
    for area, pop in areas.items():
        rows.append((area, "total", "total", pop))
        for dim, cats in shares.items():
            rows += [(area, dim, cat, round(pop * s)) for cat, s in cats.items()]
    pd.DataFrame(rows, columns=["District", "Dimension", "Category", "Population"]).to_csv(path, index=False)


@pytest.fixture
def raleigh_weighted(duck, tmp_path):
    ingest.load(duck, "survey", RALEIGH, dataset="Raleigh 2018")
    _margins_csv(tmp_path / "margins.csv", {"A": 95_000, "B": 96_000, "C": 92_000, "D": 94_000, "E": 97_000})
    ingest.load(duck, "population", tmp_path / "margins.csv", dataset="council margins", level="council_district")
    defn, _ = sr.definition_for(duck, "Raleigh 2018")
    defn.demographics["age"].codes = AGE_LABELS  # the labels from the questionnaire, typed by the user
    sd.save(duck, defn, list(sr.sample_answers(duck, "Raleigh 2018").columns))
    return duck


def test_margins_are_found_by_area_and_the_survey_is_raked(raleigh_weighted):
    defn, saved = sr.definition_for(raleigh_weighted, "Raleigh 2018")
    assert saved is not None and defn.margins == "council margins" and defn.weighting == "rake"
    margins = sr.population(raleigh_weighted, defn.margins)
    analysis = sr.analyse(sr.respondents(raleigh_weighted, defn), defn, margins)
    assert analysis.method == "raked"
    assert analysis.dimensions == ["area", "age", "sex", "race"]
    frame = analysis.frame
    w = frame["weight"]
    assert_allclose(w.mean(), 1.0)
    # Weighted area shares are the population's; sex among those who answered it is 52/48.
    area = w.groupby(frame["area"]).sum() / w.sum()
    assert_allclose(area[["A", "E"]], [95 / 474, 97 / 474], atol=1e-3)
    answered = frame["sex"].notna()
    female = w[answered & (frame["sex"] == "Female")].sum() / w[answered].sum()
    assert_allclose(female, 0.52, atol=1e-3)
    overall = sr.estimates(analysis, "trust").iloc[0]
    assert overall["deff"] > 1.05 and overall["n_eff"] < overall["n"]
    assert overall["lo"] < overall["mean"] < overall["hi"]


def test_an_area_filter_rakes_to_that_areas_margins(raleigh_weighted):
    defn, _ = sr.definition_for(raleigh_weighted, "Raleigh 2018")
    margins = sr.population(raleigh_weighted, defn.margins)
    analysis = sr.analyse(sr.respondents(raleigh_weighted, defn), defn, margins, areas=["A", "B"])
    assert set(analysis.frame["area"]) == {"A", "B"}
    w, f = analysis.frame["weight"], analysis.frame
    assert_allclose(w[f["area"] == "A"].sum() / w.sum(), 95 / 191, atol=1e-3)


def test_latest_by_area_and_trend_for_other_pages(raleigh_weighted):
    by_area = sr.latest_by_area(raleigh_weighted, "Raleigh 2018", "safety")
    assert list(by_area.columns[:3]) == ["period", "area", "n"]
    assert set(by_area["area"]) == set("ABCDE") and (by_area["weighting"] == "raked").all()
    assert by_area[["mean", "lo", "hi", "n_eff"]].notna().all().all()
    trend = sr.trend_with_uncertainty(raleigh_weighted, "Raleigh 2018", "trust", by="sex")
    assert set(trend["period"]) == {"2018"} and set(trend["sex"]) == {"Female", "Male"}


# -- two waves, by hand ---------------------------------------------------------------------------


def _two_waves(path, n1=200, n2=200, small_area=20):
    """Wave 1 (March) answers mostly 3, wave 2 (September) mostly 4; area Z has few respondents."""
    rng = np.random.default_rng(7)
    rows = []
    for wave, (n, centre) in enumerate([(n1, 3), (n2, 4)], 1):
        for i in range(n):
            answers = np.clip(centre + rng.integers(-1, 2, 3), 1, 5)
            area = "Z" if i < small_area // 2 else ("X" if i % 2 else "Y")
            rows.append(
                {
                    "id": f"{wave}-{i}",
                    "survey date": f"2023-{3 if wave == 1 else 9:02d}-15",
                    "beat": area,
                    "Police treat people with respect": answers[0],
                    "Police listen to residents": answers[1],
                    "I feel safe walking alone at night": answers[2],
                    "Gender": "Female" if i % 3 else "Male",
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)


def test_trend_and_change_between_waves(any_store, tmp_path):
    """On DuckDB and PostgreSQL: the same SQL reads the answers out of the JSON attributes."""
    duck = any_store
    _two_waves(tmp_path / "waves.csv")
    ingest.load(duck, "survey", tmp_path / "waves.csv", dataset="two waves")
    defn, _ = sr.definition_for(duck, "two waves")
    assert defn.period == "month" and defn.indexes["trust"].items == [
        "Police treat people with respect",
        "Police listen to residents",
    ]
    resp = sr.respondents(duck, defn)
    assert sr.periods_in(resp) == ["2023-03", "2023-09"]
    analysis = sr.analyse(resp, defn)
    trend = sr.estimates(analysis, "trust", "period")
    assert trend["mean"].iloc[1] - trend["mean"].iloc[0] > 15
    change = sr.compare(analysis, "trust", "2023-03", "2023-09")
    assert change.testable and change.significant and change.lo > 0
    by_area = sr.estimates(sr.analyse(resp, defn, periods=["2023-09"]), "trust", "area").set_index("area")
    assert by_area.loc["Z", "status"] == "suppressed" and np.isnan(by_area.loc["Z", "mean"])
    assert by_area.loc["Z", "n"] == 10
    assert by_area.loc["X", "status"] == "ok"
