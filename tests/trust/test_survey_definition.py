"""Survey definitions: the wording and content tables, shifted headers, storage, and Raleigh's survey end to end."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from lib.ingest import load as ingest
from lib.trust import survey_definition as sd
from lib.trust import survey_results as sr
from tests.conftest import ROOT, SHARED

RALEIGH_CSV = SHARED / "data" / "raleigh" / "raleigh_community_survey_2018.csv"
RALEIGH = RALEIGH_CSV if RALEIGH_CSV.exists() else ROOT / "data" / "embedded" / "raleigh_community_survey_2018.parquet"


# -- the recode tables, as tables -----------------------------------------------------------------


@pytest.mark.parametrize(
    "header, role",
    [
        ("Quality_of_police_services__12_01", "trust"),
        ("Overall_police_relationship_with_your_community__12_03", "trust"),
        ("The police treat residents with respect", "trust"),
        ("I trust the officers in my neighborhood", "trust"),
        ("How safe do you feel walking alone at night", "safety"),
        ("In_your_neighborhood_during_the_day__14_05", "safety"),
        ("I am afraid to go out after dark", "safety"),
        ("Had_contact_with_the_Raleigh_Police_Department__18_06", None),  # behaviour, not attitude
        ("Quality_of_fire_services__12_04", None),
        ("Cleanliness_of_your_neighborhood__12_11", None),
    ],
)
def test_item_wording_table(header, role):
    text = sd.wording(header)
    excluded = sd._matches(sd.EXCLUDE_WORDS, text)
    got = (
        None
        if excluded
        else (
            "trust" if sd._matches(sd.TRUST_WORDS, text) else "safety" if sd._matches(sd.SAFETY_WORDS, text) else None
        )
    )
    assert got == role


@pytest.mark.parametrize(
    "header, reverse",
    [
        ("I am afraid to walk alone at night", True),
        ("Police in my area are rude", True),
        ("I do not feel safe in my neighborhood", True),
        ("I feel safe in my neighborhood", False),
        ("Police treat people fairly", False),
    ],
)
def test_reverse_wording_table(header, reverse):
    assert sd._matches(sd.REVERSE_WORDS, header) is reverse


@pytest.mark.parametrize(
    "values, field",
    [
        (["Female", "Male", "Female", None], "sex"),
        (["18-34", "35-44", "45-54", "55-64", "65+"], "age"),
        (["Under 35 years", "35 to 44 years", "65 or older"], "age"),
        (["Bachelor's degree", "High school diploma or equivalent (GED)", "Some college (no degree)"], "education"),
        (["Under $30,000", "$30,000 - $59,999", "$150,000 or More", "Don't know"], "income"),
        (["White", "Black or African American", "Asian", "Two or more races"], "race"),
        (["Hispanic or Latino", "Not Hispanic or Latino"], "hispanic"),
        (["Own", "Rent"], None),
        (["Yes", "No"], None),
        (["1", "2", "3"], None),
        (["Single family house", "Building with two or more apartments", "Mobile home", "Townhouse"], None),
    ],
)
def test_demographic_content_table(values, field):
    assert sd.content_field(pd.Series(values)) == field


@pytest.mark.parametrize(
    "field, label, category",
    [
        ("sex", "F", "Female"),
        ("sex", "woman", "Female"),
        ("sex", "Male", "Male"),
        ("race", "Black_African_American", "Black"),
        ("race", "Asian_Asian_Indian_Pacific_Islander", "Asian or Pacific Islander"),
        ("race", "White", "White"),
        ("race", "Hispanic or Latino", "Hispanic"),
        ("race", "Two or more races", "Two or more"),
        ("race", "American Indian or Alaska Native", "American Indian or Alaska Native"),
        ("hispanic", "Yes", "Hispanic"),
        ("hispanic", "No", "Not Hispanic"),
        ("hispanic", "Not Hispanic or Latino", "Not Hispanic"),
        ("age", "18-34", "18-34"),
    ],
)
def test_standard_category_table(field, label, category):
    assert sd.standard_category(field, label) == category


@pytest.mark.parametrize(
    "values, scale",
    [
        (["1", "2", "3", "4", "5", "9"], (1.0, 5.0, [9.0])),
        (["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "99"], (0.0, 10.0, [99.0])),
        (["1", "2", "3", "4", "5", "7", "98", "99"], (1.0, 7.0, [98.0, 99.0])),  # nobody answered 6
        (["1", "2"], None),  # yes/no, not a scale
        (["Female", "Male"], None),
        (["1.5", "2", "3"], None),
    ],
)
def test_scale_table(values, scale):
    assert sd.scale_of(pd.Series(values)) == scale


def test_codes_text_round_trip_and_bad_line():
    codes = {"1": "18-34", "2": "35-44", "Other__28_05=1": "American Indian or Alaska Native"}
    assert sd.codes_from_text(sd.codes_to_text(codes)) == codes
    with pytest.raises(sd.DefinitionError, match="Line 2"):
        sd.codes_from_text("1 = 18-34\n2 18-34")


# -- shifted headers, on a hand-built export ----------------------------------------------------


def _shifted_export(n=120, seed=0):
    """Headers two columns left of their contents in the demographic block, as in many real exports."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n)
    edu = rng.choice(["High school diploma", "Some college", "Bachelor's degree"], n)
    frame = pd.DataFrame(
        {
            "Police_are_fair_Q1_1": rng.integers(1, 6, n).astype(str),
            "Police_listen_Q1_2": rng.integers(1, 6, n).astype(str),
            "Feel_safe_at_night_Q2_1": rng.integers(1, 6, n).astype(str),
            "What_is_your_age_Q3": rng.choice(["4", "1"], n),  # holds something else
            "Your_gender_Q4": rng.choice(["8", "9"], n),  # holds something else
            "Age_code": rng.choice(["1", "2", "3", "4", "9"], n),  # header: Q3 two columns left
            "Education_Q5": np.where(sex == "Female", "2", "1"),  # sex code
            "Q6": sex,  # sex labels
            "Comments": np.where(edu == "Some college", "2", np.where(edu == "Bachelor's degree", "3", "1")),
            "Other": edu,  # education labels
        }
    )
    return frame


def test_shift_is_measured_from_content_and_applied_to_age():
    frame = sd.normalise_frame(_shifted_export())
    demo, notes = sd.suggest_demographics(frame, [9.0])
    assert demo["sex"].columns == ["Q6"]
    assert demo["education"].columns == ["Other"]
    assert list(demo["education"].codes) == ["High school diploma", "Some college", "Bachelor's degree"]  # code order
    assert demo["age"].columns == ["Age_code"]
    assert "9" not in demo["age"].codes  # the don't-know code is not a category
    assert any("2 columns to the left" in n for n in notes)


def test_aligned_headers_need_no_shift():
    frame = pd.DataFrame(
        {
            "Gender": ["Female", "Male"] * 30,
            "Age group": ["18-34", "65+", "35-44"] * 20,
            "Race": ["White", "Black", "Asian"] * 20,
        }
    )
    demo, notes = sd.suggest_demographics(sd.normalise_frame(frame), [])
    assert {k: v.columns for k, v in demo.items()} == {"sex": ["Gender"], "age": ["Age group"], "race": ["Race"]}
    assert list(demo["age"].codes) == ["18-34", "35-44", "65+"]
    assert not notes


def test_numeric_ages_are_grouped_into_bands():
    frame = pd.DataFrame({"What is your age?": [str(a) for a in range(18, 90)]})
    demo, _ = sd.suggest_demographics(sd.normalise_frame(frame), [])
    cats = sd.categorise(sd.normalise_frame(frame), demo["age"])
    assert cats.iloc[0] == "18-34" and cats.iloc[-1] == "65+"


# -- storage ------------------------------------------------------------------------------------


def test_definition_is_saved_with_the_data(any_store):
    defn = sd.SurveyDefinition(
        "wave 1",
        indexes={"trust": sd.IndexSpec("Trust", ["q1", "q2"], ["q2"])},
        demographics={"sex": sd.Demographic(["g"], {"1": "Female"})},
        missing_codes=[9.0],
    )
    sd.save(any_store, defn, ["q1", "q2", "g"])
    loaded, when = sd.load(any_store, "wave 1")
    assert loaded == defn and when is not None
    defn.indexes["trust"].items = ["q1"]
    defn.indexes["trust"].reverse = []
    sd.save(any_store, defn, ["q1", "q2", "g"])
    assert sd.load(any_store, "wave 1")[0].indexes["trust"].items == ["q1"]
    assert any_store.scalar("SELECT count(*) FROM documents") == 1


def test_an_unusable_definition_is_refused_and_nothing_changes(duck):
    good = sd.SurveyDefinition("s", indexes={"trust": sd.IndexSpec("Trust", ["q1"])})
    sd.save(duck, good, ["q1"])
    bad = sd.SurveyDefinition("s", scale_low=5, scale_high=1, indexes={"trust": sd.IndexSpec("Trust", ["nope"])})
    with pytest.raises(sd.DefinitionError, match="no column 'nope'"):
        sd.save(duck, bad, ["q1"])
    assert sd.load(duck, "s")[0] == good


# -- Raleigh, as a new user would load it -------------------------------------------------------


@pytest.fixture
def raleigh(duck):
    """Raleigh's respondent file loaded through the ordinary ingest into an empty store."""
    ingest.load(duck, "survey", RALEIGH, dataset="Raleigh 2018", source_name="raleigh_community_survey_2018.csv")
    return duck


def test_raleigh_definition_maps_shifted_demographics_by_content(raleigh):
    defn, saved = sr.definition_for(raleigh, "Raleigh 2018")
    assert saved is None  # a suggestion until the user saves it
    assert (defn.scale_low, defn.scale_high, defn.missing_codes) == (1.0, 5.0, [9.0])
    assert defn.indexes["trust"].items == [
        "Quality_of_police_services__12_01",
        "Response_time_for_police_services__12_02",
        "Overall_police_relationship_with_your_community__12_03",
    ]
    assert defn.indexes["safety"].items == [
        f"{h}__14_0{i}"
        for i, h in enumerate(
            [
                "In_Raleigh_overall",
                "In_City_parks_and_greenways",
                "In_downtown_Raleigh_during_the_day",
                "In_downtown_Raleigh_at_night",
                "In_your_neighborhood_during_the_day",
                "In_your_neighborhood_at_night",
            ],
            1,
        )
    ]
    demo = defn.demographics
    # Headers name the wrong thing; the contents decide.
    assert demo["sex"].columns == ["Household_Income__32"]
    assert demo["education"].columns == ["Highest_Education"]
    assert demo["income"].columns == ["Annual_Household_Income"]
    assert demo["hispanic"].columns == ["Highest_Education__31"]
    assert demo["age"].columns == ["Which_of_the_following_best_describes_your_race_or_ethnicity___28_01"]
    assert len(demo["race"].columns) == 5
    assert any("4 columns to the left" in n for n in defn.notes)
    resp = sr.respondents(raleigh, defn)
    assert resp["sex"].value_counts().to_dict() == {"Female": 510, "Male": 496}
    assert resp["hispanic"].value_counts().to_dict() == {"Not Hispanic": 851, "Hispanic": 108}
    assert resp["race"].value_counts()[["White", "Black", "Hispanic"]].tolist() == [537, 266, 108]
    assert resp["age"].notna().sum() == 1010 - 25  # code 9 is missing, not an age group
    assert resp["area"].value_counts().to_dict() == {"C": 317, "E": 184, "B": 183, "A": 177, "D": 149}


def test_raleigh_trust_index_by_hand(raleigh):
    defn, _ = sr.definition_for(raleigh, "Raleigh 2018")
    resp = sr.respondents(raleigh, defn).set_index("response_id")
    raw = pd.read_parquet(ROOT / "data" / "embedded" / "raleigh_community_survey_2018.parquet")
    items = raw.set_index("ID")[defn.indexes["trust"].items].apply(pd.to_numeric).where(lambda x: x != 9)
    expected = ((items - 1) / 4 * 100).mean(axis=1).where(items.notna().sum(axis=1) >= 2)
    got = resp["trust"].reindex(expected.index.astype(str))
    assert_allclose(got.to_numpy(), expected.to_numpy())
    assert got.notna().sum() == 859


def test_raleigh_without_margins_says_it_is_unweighted(raleigh):
    defn, _ = sr.definition_for(raleigh, "Raleigh 2018")
    analysis = sr.analyse(sr.respondents(raleigh, defn), defn, sr.population(raleigh, defn.margins))
    assert analysis.method == "unweighted"
    assert "Unweighted" in analysis.reason and "margins" in analysis.reason
    assert (analysis.frame["weight"] == 1).all()
