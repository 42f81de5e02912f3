"""Participation measures on tiny hand-built attendance, and sign-in sheets hashed on arrival."""

import json

import numpy as np
import pandas as pd
import pytest

from lib.engagement import attendance
from lib.ingest.readers import InputError
from lib.stats import participation


def visits(rows):
    return pd.DataFrame(rows, columns=["attendee_hash", "event_id", "starts_at"]).assign(
        starts_at=lambda d: pd.to_datetime(d["starts_at"])
    )


def test_summary_counts_people_once_and_repeat_visitors():
    a = visits(
        [
            ("p1", "e1", "2018-01-05"),
            ("p1", "e2", "2018-02-05"),
            ("p1", "e2", "2018-02-05"),
            ("p2", "e1", "2018-01-05"),
            ("p3", "e3", "2018-03-01"),
            ("p3", "e4", "2018-04-01"),
        ]
    )
    s = participation.summary(a)
    assert s["attendances"] == 5  # the duplicated sign-in counts once
    assert s["participants"] == 3
    assert s["repeat_participants"] == 2 and s["repeat_rate"] == pytest.approx(2 / 3)


def test_retention_between_quarters_by_hand():
    a = visits(
        [
            ("p1", "e1", "2018-01-05"),
            ("p2", "e1", "2018-01-05"),
            ("p3", "e1", "2018-02-05"),
            ("p4", "e1", "2018-03-05"),
            ("p1", "e2", "2018-04-10"),
            ("p3", "e2", "2018-05-10"),
            ("p5", "e3", "2018-06-10"),
            ("p5", "e4", "2018-10-01"),
        ]
    )
    r = participation.retention(a)
    q1 = r.iloc[0]
    assert (q1["participants"], q1["returned"], q1["retention"]) == (4, 2, 0.5)  # p1, p3 of p1-p4
    q2 = r.iloc[1]
    assert (q2["participants"], q2["returned"]) == (3, 0)  # nobody came in Q3
    assert r.iloc[2]["participants"] == 0 and np.isnan(r.iloc[2]["retention"])
    assert r.iloc[3]["participants"] == 1 and np.isnan(r.iloc[3]["returned"])


def test_reach_per_thousand_only_where_population_is_known():
    r = participation.reach(pd.Series({"823": 40, "825": 12}), pd.Series({"823": 8000.0}))
    assert r.set_index("area").loc["823", "per_1000"] == pytest.approx(5.0)
    assert np.isnan(r.set_index("area").loc["825", "per_1000"])


def test_representativeness_ratio_and_dissimilarity_by_hand():
    people = pd.Series({"18-34": 10, "35-64": 50, "65+": 40})
    pop = pd.Series({"18-34": 3000.0, "35-64": 5000.0, "65+": 2000.0})
    table, d, note = participation.representativeness(people, pop)
    t = table.set_index("category")
    assert t.loc["18-34", "ratio"] == pytest.approx(0.10 / 0.30)
    assert t.loc["65+", "ratio"] == pytest.approx(0.40 / 0.20)
    # D = 1/2 (|.1-.3| + |.5-.5| + |.4-.2|) = 0.2
    assert d == pytest.approx(0.2) and note == ""


def test_small_groups_are_hidden_with_a_second_cell():
    people = pd.Series({"a": 3, "b": 60, "c": 12, "d": 25})
    table, d, note = participation.representativeness(people, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0}))
    t = table.set_index("category")
    assert t.loc["a", "participants"] == "fewer than 5" and np.isnan(t.loc["a", "ratio"])
    assert t.loc["c", "participants"] == "fewer than 5", "the next smallest is hidden so a cannot be recovered"
    assert t.loc["b", "participants"] == "60" and d is not None and "hidden" in note


def test_too_few_participants_for_shares():
    table, d, note = participation.representativeness(pd.Series({"a": 10, "b": 9}), pd.Series({"a": 1.0, "b": 1.0}))
    assert d is None and table["ratio"].isna().all() and "at least 30" in note


def test_sign_in_sheet_is_hashed_and_keeps_demographics():
    sheet = pd.DataFrame(
        {
            "E-mail": ["Ana@x.org", " ana@X.org ", "bo@y.org", ""],
            "Age group": ["18-34", "18-34", "65+", "35-64"],
            "Gender": ["F", "F", "M", "F"],
            "Shoe size": [38, 38, 44, 40],
        }
    )
    read = attendance.read_sign_in(sheet, secret=b"test-key")
    assert read.attendees == 2 and read.rejected == 1
    assert read.rows["attendee_hash"].str.fullmatch(r"[0-9a-f]{32}").all()
    stored = json.dumps(read.rows.to_dict("records"))
    assert "ana" not in stored.lower() and "x.org" not in stored
    assert json.loads(read.rows["attributes"].iloc[0]) == {"age": "18-34", "sex": "F"}
    again = attendance.read_sign_in(sheet, secret=b"test-key")
    assert again.rows["attendee_hash"].tolist() == read.rows["attendee_hash"].tolist(), "stable across sheets"
    other = attendance.read_sign_in(sheet, secret=b"another-key")
    assert set(other.rows["attendee_hash"]).isdisjoint(read.rows["attendee_hash"]), "the key matters"


def test_first_and_last_names_make_an_id():
    sheet = pd.DataFrame({"First name": ["Ana", "Bo"], "Last name": ["Ruiz", "Li"]})
    assert attendance.read_sign_in(sheet, secret=b"k").attendees == 2


def test_a_sheet_without_ids_is_refused():
    with pytest.raises(InputError, match="no column that identifies attendees"):
        attendance.read_sign_in(pd.DataFrame({"Age": ["18-34"]}), secret=b"k")


def test_the_key_file_is_created_once_and_private(tmp_path, monkeypatch):
    path = tmp_path / "attendee.key"
    monkeypatch.setenv("DASHBOARD_ATTENDEE_KEY_FILE", str(path))
    first = attendance.secret_key()
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    assert attendance.secret_key() == first and len(first) == 64
