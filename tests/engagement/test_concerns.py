"""Community concerns on both engines: statuses and days open, the all-or-nothing CSV import, and the public list
that shows only what an analyst approved (never the words as raised, actions or names)."""

import pandas as pd
import pytest

from lib.engagement import concerns
from lib.ingest import embedded
from lib.ingest import load as ingest

TODAY = pd.Timestamp("2024-06-30")


@pytest.fixture
def store(any_store):
    """A store with Chicago's districts and beats (and their nesting), nothing else."""
    for level in ("district", "beat"):
        ingest.load(any_store, "boundaries", embedded.EMBEDDED_DIR / f"chicago_police_{level}s.geojson.gz", level=level)
    return any_store


def concern(**change):
    base = dict(
        raised_on="2024-03-01",
        level="beat",
        area="823",
        category="traffic",
        text="Maria Lopez says cars race on Pulaski at night",
    )
    return concerns.Concern(**(base | change))


def snapshot(store) -> dict:
    return {
        t: store.scalar(f"SELECT count(*) FROM {t}") if t in store.tables() else None
        for t in ("concerns", "concern_updates")
    }


def test_statuses_and_days_open_follow_the_updates(store):
    a = concerns.raise_concern(store, concern(), "Sgt. Ruiz", today=TODAY)
    b = concerns.raise_concern(
        store, concern(raised_on="2024-05-10", category="Drug activity"), "Sgt. Ruiz", today=TODAY
    )
    concerns.update(store, a, "in progress", "Speed survey asked of CDOT", "2024-03-15", "Sgt. Ruiz", today=TODAY)
    concerns.update(store, a, "done", "Two speed humps installed", "2024-04-20", "Lt. Boyd", today=TODAY)
    listed = concerns.listing(store, today=TODAY).set_index("concern_id")
    # By hand: a ran 1 March to 20 April (30 + 20 = 50 days, closed); b is open since 10 May (21 + 30 = 51 days).
    assert listed.loc[a, ["status", "days_open"]].tolist() == ["done", 50]
    assert listed.loc[b, ["status", "days_open", "category"]].tolist() == ["open", 51, "drugs"]
    expected_a = (pd.Timestamp("2024-04-20") - pd.Timestamp("2024-03-01")).days
    expected_b = (TODAY - pd.Timestamp("2024-05-10")).days
    assert (listed.loc[a, "days_open"], listed.loc[b, "days_open"]) == (expected_a, expected_b)
    open_now = concerns.listing(store, today=TODAY, open_only=True)
    assert open_now["concern_id"].tolist() == [b]
    hist = concerns.history(store, a)
    assert hist["kind"].tolist() == ["update", "update", "raised"]
    assert hist["recorded_by"].tolist() == ["Lt. Boyd", "Sgt. Ruiz", "Sgt. Ruiz"]
    assert str(pd.Timestamp(hist["updated_on"].iloc[0]).date()) == "2024-04-20"


@pytest.mark.parametrize(
    "status, action, on, reason",
    [
        ("not possible", "", "2024-04-01", "Say why it is not possible."),
        ("closed", "x", "2024-04-01", "'closed' is not a status"),
        ("done", "x", "2024-02-01", "before the concern was raised"),
        ("done", "x", "2024-07-05", "is in the future"),
        ("open", "", "2024-04-01", "Nothing to record"),
    ],
)
def test_a_bad_update_is_refused_and_writes_nothing(store, status, action, on, reason):
    a = concerns.raise_concern(store, concern(), "Sgt. Ruiz", today=TODAY)
    before = snapshot(store)
    with pytest.raises(concerns.ConcernError) as exc:
        concerns.update(store, a, status, action, on, "Sgt. Ruiz", today=TODAY)
    assert any(reason in r for r in exc.value.reasons), exc.value.reasons
    assert snapshot(store) == before
    assert concerns.get(store, a)["status"] == "open"


def test_a_bad_concern_gives_every_reason(store):
    with pytest.raises(concerns.ConcernError) as exc:
        concerns.raise_concern(store, concern(area="9999", category="speeding", text=" "), "", today=TODAY)
    text = " ".join(exc.value.reasons)
    for reason in ("Say who records it", "no beat '9999'", "'speeding' is not a concern category", "Write down"):
        assert reason in text
    assert snapshot(store) == {"concerns": 0, "concern_updates": 0}


GOOD = (
    "date,beat,category,concern,status,updated_on,action\n"
    "2024-01-05,823,Traffic and speeding,Speeding on Pulaski,done,2024-02-01,Speed humps\n"
    "2024-02-11,0824,drugs,Dealing by the park,in progress,2024-03-01,Extra patrols\n"
    "2024-03-02,1133,Noise and disorder,Parties every weekend,,,\n"
)


def test_a_csv_import_adds_every_row(store, tmp_path):
    path = tmp_path / "concerns.csv"
    path.write_text(GOOD)
    assert concerns.import_file(store, path, "import by analyst", level="beat", today=TODAY) == 3
    raw = pd.read_csv(path, dtype=str)
    listed = concerns.listing(store, today=TODAY).sort_values("raised_on").reset_index(drop=True)
    assert listed["area"].tolist() == [str(int(a)) for a in raw["beat"]]
    assert listed["status"].tolist() == ["done", "in progress", "open"]
    # Days open, recomputed from the file: closed rows to their update, open rows to today.
    raised = pd.to_datetime(raw["date"])
    ends = pd.to_datetime(raw["updated_on"]).where(raw["status"] == "done", TODAY)
    assert listed["days_open"].tolist() == (ends - raised).dt.days.tolist()
    assert set(concerns.history(store)["kind"]) == {"raised", "update"}


@pytest.mark.parametrize(
    "line, where",
    [
        ("2024-13-40,823,traffic,x,,,", "Row 3, column 'date'"),
        ("2024-03-02,9999,traffic,x,,,", "Row 3, column 'beat': There is no beat '9999'"),
        ("2024-03-02,823,speeding,x,,,", "Row 3, column 'category': 'speeding' is not a concern category"),
        ("2024-03-02,823,traffic,,,,", "Row 3, column 'concern'"),
        ("2024-03-02,823,traffic,x,not possible,2024-03-05,", "Row 3, column 'action': Say why"),
        ("2024-03-02,823,traffic,x,done,2024-01-01,y", "Row 3, column 'updated_on'"),
    ],
)
def test_a_csv_import_with_a_bad_row_adds_nothing(store, tmp_path, line, where):
    concerns.raise_concern(store, concern(), "Sgt. Ruiz", today=TODAY)
    before = snapshot(store)
    header, first = GOOD.splitlines()[:2]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, first, line]) + "\n")
    with pytest.raises(concerns.ConcernError) as exc:
        concerns.import_file(store, path, "analyst", level="beat", today=TODAY)
    assert any(r.startswith(where) for r in exc.value.reasons), exc.value.reasons
    assert snapshot(store) == before, "the good first row is not added either"


def test_an_import_without_a_level_or_a_column_says_so(store, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(GOOD)
    with pytest.raises(concerns.ConcernError) as exc:
        concerns.import_file(store, path, "analyst", today=TODAY)
    assert exc.value.reasons[0].startswith("Row 2, column 'level': No level")
    path.write_text("when,beat,category\n2024-01-01,823,traffic\n")
    with pytest.raises(concerns.ConcernError) as exc:
        concerns.import_file(store, path, "analyst", level="beat", today=TODAY)
    assert "no column for raised_on, text" in exc.value.reasons[0]


def test_public_items_show_only_approved_concerns_and_never_their_words(store):
    private = concern(text="Maria Lopez of 4410 W Pulaski: cars race at night")
    a = concerns.raise_concern(store, private, "Sgt. Ruiz", today=TODAY)
    b = concerns.raise_concern(store, concern(area="1133", category="youth"), "Sgt. Ruiz", today=TODAY)
    concerns.update(
        store, a, "done", "Officer Diaz met Maria Lopez; speed humps", "2024-04-20", "Lt. Boyd", today=TODAY
    )
    assert concerns.public_items(store, "beat").empty, "nothing is public before an analyst approves it"

    concerns.approve(store, a, "analyst Kim", public_text="Speed humps installed on Pulaski.")
    items = concerns.public_items(store, "beat", "es")
    assert items.to_dict("records") == [
        {
            "area": "823",
            "category": "Tráfico y velocidad",
            "status": "Hecho",
            "raised": "2024-03",
            "updated": "2024-04-20",
            "public_text": "Speed humps installed on Pulaski.",
        }
    ]
    shown = " ".join(map(str, items.to_numpy().ravel())) + " ".join(items.columns)
    for secret in ("Maria", "Lopez", "4410", "Diaz", "Ruiz", "Boyd", "Kim", b):
        assert secret not in shown
    # The district holds beat 823 (its parent in the boundaries): the item counts there, under the district.
    district = concerns.public_items(store, "district", "en", area="8")
    assert district[["area", "category", "status"]].values.tolist() == [["8", "Traffic and speeding", "Done"]]
    assert concerns.public_items(store, "district", "en", area="11").empty, "beat 1133's concern is not approved"
    concerns.approve(store, b, "analyst Kim")
    assert concerns.public_items(store, "beat", "en", area="1133")["public_text"].tolist() == [""]
    concerns.withdraw(store, a, "analyst Kim")
    assert concerns.public_items(store, "beat", "en")["area"].tolist() == ["1133"]


def test_public_items_in_a_period(store):
    a = concerns.raise_concern(store, concern(raised_on="2023-01-10"), "Sgt. Ruiz", today=TODAY)
    b = concerns.raise_concern(store, concern(raised_on="2024-02-10"), "Sgt. Ruiz", today=TODAY)
    c = concerns.raise_concern(store, concern(raised_on="2024-06-10"), "Sgt. Ruiz", today=TODAY)
    concerns.update(store, a, "done", "fixed", "2023-03-01", "Sgt. Ruiz", today=TODAY)
    for cid in (a, b, c):
        concerns.approve(store, cid, "analyst Kim")
    # The first five months of 2024: a was closed before them, c raised after them.
    items = concerns.public_items(store, "beat", start="2024-01-01", end="2024-06-01")
    assert items["raised"].tolist() == ["2024-02"]
