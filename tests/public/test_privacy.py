"""The privacy rules of public views (lib/public/privacy.py): the sensitive rule, suppression, the lag, the guard."""

import json

import pandas as pd
import pytest

from lib.ingest import load as ingest
from lib.ingest.offense_groups import SENSITIVE_GROUPS, group_of
from lib.public import privacy
from lib.public.privacy import PrivacyError, Rules, public_table, suppress_counts
from lib.store.filters import IncidentFilter

# (offense, attributes, sensitive?) -- real offense names and attribute values of public exports.
SENSITIVE_TABLE = [
    ("CRIM SEXUAL ASSAULT", None, True),
    ("SEX OFFENSE", {"description": "CRIMINAL SEXUAL ABUSE"}, True),
    ("Rape", None, True),
    ("SODOMY", None, True),
    ("Fondling", None, True),
    ("PUBLIC INDECENCY", None, True),
    ("OBSCENITY", None, True),
    ("OFFENSE INVOLVING CHILDREN", {"description": "CHILD ABUSE"}, True),
    ("OTHER OFFENSE", {"description": "AGG CRIM SEX ABUSE FAM MEMBER"}, True),
    ("KIDNAPPING", {"description": "CHILD ABDUCTION/STRANGER"}, True),
    ("LIQUOR LAW VIOLATION", {"description": "SELL/GIVE/DEL LIQUOR TO MINOR"}, True),
    ("RUNAWAY", None, True),
    ("Juvenile - curfew", None, True),
    ("BATTERY", {"description": "DOMESTIC BATTERY SIMPLE", "domestic": "True"}, True),
    ("BATTERY", {"description": "SIMPLE", "domestic": "True"}, True),  # the flag alone
    ("THEFT", {"Domestic": "Y"}, True),
    ("ASSAULT", {"family_violence": "yes"}, True),
    ("Assault 3", {"VIC_AGE_GROUP": "<18"}, True),
    ("Robbery", {"victim_age": "15"}, True),
    ("BATTERY", {"offenses": ["BATTERY", "CRIM SEXUAL ASSAULT"]}, True),  # merged rows: any offense counts
    ("Family offenses, nonviolent", None, True),
    # not sensitive
    ("THEFT", None, False),
    ("BATTERY", {"description": "AGG: HANDS/FIST/FEET NO/MINOR INJURY", "domestic": "False"}, False),
    ("BURGLARY", {"location_description": "RESIDENCE", "block": "023XX N ESSEX AVE"}, False),
    ("ROBBERY", {"vic_sex": "F", "VIC_AGE_GROUP": "25-44"}, False),  # a key naming sex is not a sex offense
    ("Robbery", {"victim_age": "18"}, False),
    ("PROSTITUTION", None, False),
    ("AGGRAVATED ASSAULT", {"loc_cat": "street"}, False),
    (None, None, False),
]


@pytest.mark.parametrize("offense, attributes, expected", SENSITIVE_TABLE)
def test_sensitive_rule(offense, attributes, expected):
    assert privacy.is_sensitive(offense, attributes) is expected
    assert privacy.is_sensitive(offense, json.dumps(attributes) if attributes else None) is expected


@pytest.mark.parametrize("offense, attributes, expected", SENSITIVE_TABLE)
def test_sensitive_rule_in_sql_is_the_same_rule(offense, attributes, expected, duck):
    text = json.dumps(attributes, separators=(",", ":")) if attributes else None
    got = duck.scalar(
        f"SELECT {privacy.sensitive_sql('t.')} FROM (SELECT CAST(:o AS VARCHAR) AS offense, "
        "CAST(:a AS VARCHAR) AS attributes) t",
        {"o": offense, "a": text},
    )
    assert bool(got) is expected


def test_sql_and_python_agree_on_every_stored_incident_on_both_engines(any_store, tmp_path):
    rows = ["id,date,primary_type,description,domestic,latitude,longitude"]
    for i, (offense, attrs, _) in enumerate(SENSITIVE_TABLE):
        attrs = attrs or {}
        rows.append(
            f'{i},2019-05-0{1 + i % 9} 10:00,"{offense or "OTHER"}","{attrs.get("description", "")}",'
            f"{attrs.get('domestic', 'False')},41.88,-87.63"
        )
    src = tmp_path / "incidents.csv"
    src.write_text("\n".join(rows) + "\n")
    ingest.load(any_store, "incidents", src, dataset="t")
    frame = any_store.query(f"SELECT offense, attributes, {privacy.sensitive_sql()} AS s FROM incidents")
    assert len(frame) == len(SENSITIVE_TABLE)
    python = [privacy.is_sensitive(o, a) for o, a in zip(frame["offense"], frame["attributes"])]
    assert list(frame["s"].astype(bool)) == python
    assert 0 < sum(python) < len(python)


def test_the_embedded_sample_rule_agrees_and_covers_the_sensitive_offense_groups(embedded_store):
    frame = embedded_store.query(
        f"SELECT offense, attributes, {privacy.sensitive_sql()} AS s FROM incidents "
        "WHERE dataset = 'Chicago crimes (3% sample)'"
    )
    python = frame.apply(lambda r: privacy.is_sensitive(r["offense"], r["attributes"]), axis=1)
    assert (frame["s"].astype(bool) == python).all()
    # Every offense the offense groups call sensitive is sensitive here too.
    grouped = frame["offense"].map(group_of).isin(SENSITIVE_GROUPS)
    assert python[grouped].all()
    domestic = frame["attributes"].str.contains('"domestic":"True"', regex=False)
    assert python[domestic].all() and domestic.sum() > 4000
    assert 4000 < python.sum() < 6000  # sexual, domestic and child-related: about a fifth of the sample


def test_small_counts_are_suppressed_with_a_complement():
    frame = pd.DataFrame({"area": list("abcde"), "n": [3, 12, 7, 40, 0]})
    out = suppress_counts(frame, "n", Rules())
    # 3 is hidden; the city total would give it back, so the smallest other non-zero cell (7) goes too.
    assert out["n"].isna().tolist() == [True, False, True, False, False]
    assert out["n_suppressed"].tolist() == [True, False, True, False, False]
    assert out.loc[4, "n"] == 0  # zero is shown: it reveals no one


def test_complementary_suppression_on_a_two_way_table():
    # Beats within two districts; the district totals and the city total are published.
    frame = pd.DataFrame(
        {
            "beat": ["111", "112", "113", "121", "122", "123"],
            "district": ["1", "1", "1", "2", "2", "2"],
            "n": [2, 9, 30, 8, 15, 21],
        }
    )
    out = suppress_counts(frame, "n", Rules(), groups=[[], ["district"]])
    hidden = dict(zip(out["beat"], out["n_suppressed"]))
    assert hidden["111"] and hidden["112"]  # 2 and its complement in district 1
    # No district has exactly one hidden beat, so no subtraction gives a cell back.
    assert (out.groupby("district")["n_suppressed"].sum() != 1).all()
    assert out["n_suppressed"].sum() != 1
    shown = out.dropna(subset=["n"])
    assert not shown["n"].between(1, 4).any()


def test_a_group_with_two_small_cells_needs_no_complement():
    out = suppress_counts(pd.DataFrame({"n": [1, 4, 50, 60]}), "n", Rules())
    assert out["n_suppressed"].tolist() == [True, True, False, False]


def test_min_count_follows_the_rules():
    out = suppress_counts(pd.DataFrame({"n": [6, 9, 11, 12]}), "n", Rules(min_count=11))
    assert out["n_suppressed"].tolist() == [True, True, False, False]


def test_estimates_by_effective_n():
    frame = pd.DataFrame({"value": [61.0, 58.0, 66.0, 70.0], "n_eff": [29.9, 30.0, 60.0, None]})
    out = privacy.suppress_estimates(frame, "n_eff", Rules(), ["value"])
    assert out["reliability"].tolist() == ["suppressed", "use with caution", "ok", "n not published"]
    assert pd.isna(out.loc[0, "value"]) and out.loc[3, "value"] == 70.0


def test_publication_lag_on_the_embedded_sample(embedded_store):
    ds = "Chicago crimes (3% sample)"
    cutoff = privacy.public_cutoff(embedded_store, ds, Rules(lag_days=7))
    assert cutoff == pd.Timestamp("2019-09-23")  # newest record 29 September 2019
    flt = privacy.public_filter(embedded_store, IncidentFilter(dataset=ds, start="2019-01-01"), Rules(lag_days=7))
    assert flt.end == cutoff
    earlier = privacy.public_filter(embedded_store, IncidentFilter(dataset=ds, end="2019-06-01"), Rules(lag_days=7))
    assert earlier.end == pd.Timestamp("2019-06-01")
    where, params = flt.where()
    assert embedded_store.scalar(f"SELECT max(occurred_at) FROM incidents WHERE {where}", params) < cutoff
    assert privacy.public_cutoff(embedded_store, ds, Rules(lag_days=0)) == pd.Timestamp("2019-09-30")


@pytest.mark.parametrize("column", ["latitude", "Longitude", "x", "block", "incident_id", "attributes", "address"])
def test_guard_refuses_location_and_identity_columns(column):
    with pytest.raises(PrivacyError, match=column):
        public_table(pd.DataFrame({column: ["a"], "n": [10]}), Rules())


def test_guard_refuses_unsuppressed_small_counts_and_fine_hexagons():
    with pytest.raises(PrivacyError, match="1 to 4"):
        public_table(pd.DataFrame({"area": ["a", "b"], "incidents": [12, 3]}), Rules())
    with pytest.raises(PrivacyError, match="resolution 10"):
        public_table(pd.DataFrame({"cell": ["8a2664c1a9a7fff"], "count": [20]}), Rules())
    counts_as_float = pd.DataFrame({"events": [2.0, 30.0]})
    counts_as_float.attrs["counts"] = ("events",)
    with pytest.raises(PrivacyError):
        public_table(counts_as_float, Rules())


def test_guard_passes_suppressed_tables_and_non_count_integers():
    frame = suppress_counts(pd.DataFrame({"area": list("abc"), "n": [3, 2, 50]}), "n", Rules())
    assert public_table(frame, Rules()) is frame
    bins = pd.DataFrame({"cell": ["882664c1a9fffff"], "bin": [3], "count": pd.array([pd.NA], dtype="Int64")})
    assert public_table(bins, Rules()) is bins
    change = pd.DataFrame({"change": [3]})
    change.attrs["not_counts"] = ("change",)
    assert public_table(change, Rules()) is change
