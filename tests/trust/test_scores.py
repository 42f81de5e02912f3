"""Published scores: the measure-name rule as a table, and every published value read back exactly."""

import pandas as pd
import pytest

from lib.ingest import parse
from lib.trust import scores
from tests.conftest import ROOT

PSS = "Chicago Police Sentiment Scores"
BASES = {"SAFETY", "TRUST", "T_LISTEN", "T_RESPECT"}


@pytest.mark.parametrize(
    "name, parsed",
    [
        ("SAFETY", ("SAFETY", None, None)),
        ("TRUST", ("TRUST", None, None)),
        ("T_LISTEN", ("T_LISTEN", None, None)),
        ("S_RACE_AFRICAN_AMERICAN", ("SAFETY", "race", "African American")),
        ("S_AGE_LOW", ("SAFETY", "age", "Low")),
        ("T_SEX_FEMALE", ("TRUST", "sex", "Female")),
        ("T_EDUCATION_MEDIUM", ("TRUST", "education", "Medium")),
        ("T_INCOME_HIGH", ("TRUST", "income", "High")),
        ("T_LISTEN_RACE_ASIAN_AMERICAN", ("T_LISTEN", "race", "Asian American")),
        ("T_RESPECT_AGE_HIGH", ("T_RESPECT", "age", "High")),
        ("t_respect_gender_male", ("T_RESPECT", "sex", "Male")),
        ("X_RACE_WHITE", ("X", "race", "White")),  # an abbreviation that names no measure stays as it is
    ],
)
def test_measure_name_rule(name, parsed):
    assert scores.parse_measure(name, BASES) == parsed


@pytest.mark.parametrize(
    "days, cadence",
    [(7, "weekly"), (28, "monthly"), (31, "monthly"), (91, "quarterly"), (365, "yearly"), (14, "14-day")],
)
def test_cadence_table(days, cadence):
    assert scores.cadence_of(days) == cadence


def _published() -> pd.DataFrame:
    """The source file as published, long: one row per area, period and measure, values from the text."""
    raw = pd.read_parquet(ROOT / "data" / "embedded" / "chicago_police_sentiment_scores.parquet")
    level = pd.Series("city", index=raw.index)
    area = parse.normalize_codes(raw["CITY"])
    for col in ("AREA", "DISTRICT", "SECTOR"):
        filled = raw[col].notna() & (raw[col].astype(str).str.strip() != "")
        level = level.mask(filled, col.lower())
        area = area.mask(filled, parse.normalize_codes(raw[col]))
    start = pd.to_datetime(raw["START_DATE"], format="%m/%d/%Y")
    end = pd.to_datetime(raw["END_DATE"], format="%m/%d/%Y")
    keys = pd.DataFrame({"level": level, "area": area, "period_start": start, "period_end": end})
    first = ~keys.duplicated(keep="first")  # exact repeats in the source, and one conflicting repeat: first kept
    measures = [
        c for c in raw.columns if c not in ("ORG_LEVEL", "CITY", "AREA", "DISTRICT", "SECTOR", "START_DATE", "END_DATE")
    ]
    long = (
        pd.concat([keys[first], raw.loc[first, measures]], axis=1)
        .melt(id_vars=list(keys.columns), var_name="measure", value_name="text")
        .dropna(subset=["text"])
    )
    long["value"] = long["text"].astype(float)
    return long.drop(columns="text")


def test_every_published_score_is_shown_exactly(embedded_store):
    published = _published()
    shown = []
    for lv in scores.levels(embedded_store, PSS).itertuples():
        for base in BASES:
            for dim in (None, "race", "age", "sex", "education", "income"):
                part = scores.series(embedded_store, PSS, base, lv.level, lv.cadence, dimension=dim)
                shown.append(part.assign(level=lv.level))
    shown = pd.concat(shown)
    assert not shown.duplicated(["level", "area", "period_start", "period_end", "measure"]).any()
    merged = published.merge(
        shown,
        on=["level", "area", "period_start", "period_end", "measure"],
        how="outer",
        suffixes=("_published", "_shown"),
        indicator=True,
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert (merged["value_published"] == merged["value_shown"]).all()  # exactly, not approximately
    assert len(merged) == len(published)


def test_weekly_and_monthly_series_are_kept_apart(embedded_store):
    weekly = scores.series(embedded_store, PSS, "SAFETY", "city", "weekly")
    monthly = scores.series(embedded_store, PSS, "SAFETY", "city", "monthly")
    assert ((weekly["period_end"] - weekly["period_start"]).dt.days == 6).all()
    assert ((monthly["period_end"] - monthly["period_start"]).dt.days >= 27).all()
    published = _published().query("level == 'city' and measure == 'SAFETY'")
    days = (published["period_end"] - published["period_start"]).dt.days
    assert (len(weekly), len(monthly)) == ((days == 6).sum(), (days >= 27).sum()) == (80, 64)
    # Some weeks start on the 1st of a month: only the period length tells them from the month.
    both = set(weekly["period_start"]) & set(monthly["period_start"])
    assert both and all(
        weekly[weekly["period_start"] == d]["value"].iloc[0] != monthly[monthly["period_start"] == d]["value"].iloc[0]
        for d in both
    )


def test_latest_by_area_and_change(embedded_store):
    latest = scores.latest_by_area(embedded_store, PSS, "TRUST", "district")
    assert len(latest) == 22 and (latest["period_start"] == pd.Timestamp("2023-02-01")).all()
    one = latest.set_index("area").loc["1", "value"]
    assert one == 70.71  # district 1, February 2023, as published
    change = scores.change_by_area(embedded_store, PSS, "TRUST", "district", "2022-02-01", "2023-02-01")
    row = change.set_index("area").loc["1"]
    assert row["change"] == round(row["to"] - row["from"], 2)
    assert scores.boundary_level(embedded_store, list(latest["area"])) == "district"
    features = scores.geojson(embedded_store, "district")["features"]
    assert {f["properties"]["code"] for f in features} >= set(latest["area"])
