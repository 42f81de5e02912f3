"""The complaints and commendations release against the raw shared files, and its audit.

Counts are recomputed with pandas from the raw CSVs (one row per complaint id after dropping exact duplicate
rows, close dates before the receipt dropped, as docs/accountability.md says); the area of a complaint is its
beat in the raw file, walked up to its district through the stored boundary parents.
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from lib.ingest import embedded
from lib.public import complaints, disclosure, release
from lib.public.privacy import Rules
from lib.store.connection import connect
from tests.conftest import ROOT

SHARED = ROOT.parent / "shared" / "data" / "chicago"
RULES = Rules(min_count=5, lag_days=7)
DATASET = "Chicago complaints"
AWARDS = "Chicago police awards"
FINDING = {"SU": "Sustained", "NS": "Not sustained", "UN": "Unfounded", "EX": "Exonerated", "NAF": "No affidavit"}


def _raw(name) -> pd.DataFrame:
    with gzip.open(SHARED / name) as f:
        return pd.read_csv(f, dtype=str)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = connect(str(tmp_path_factory.mktemp("complaints") / "embedded.duckdb"))
    embedded.build(s)
    complaints.refresh(s, RULES)
    return s


@pytest.fixture(scope="module")
def raw():
    frame = _raw("chicago_complaints_2000_2016.csv.gz").drop_duplicates().drop_duplicates("cr_id")
    frame["received"] = pd.to_datetime(frame["complaint_date"])
    frame["closed"] = pd.to_datetime(frame["closed_date"])
    frame.loc[frame["closed"] < frame["received"], "closed"] = pd.NaT
    return frame


@pytest.fixture(scope="module")
def rel(store):
    out = complaints.ensure(store, complaints.key(complaints.COMPLAINTS, DATASET), RULES)
    release.check(out)
    return out


def _cells(rel, measure, level, period, category="all"):
    c = rel.cells
    return c[(c.measure == measure) & (c.level == level) & (c.period == period) & (c.category == category)]


def test_the_window_is_two_calendar_years_to_the_last_complete_month(rel, raw):
    newest = max(raw["received"].max(), raw["closed"].max())  # 2016-10-27: public to 20 October
    last = (newest.normalize() - pd.Timedelta(days=RULES.lag_days - 1)).replace(day=1) - pd.offsets.MonthBegin(1)
    months = _cells(rel, complaints.RECEIVED, "city", "month")["period_start"]
    assert months.min() == pd.Timestamp(year=last.year - 1, month=1, day=1) and months.max() == last


def test_city_counts_equal_a_count_of_the_raw_file(rel, raw):
    for measure, col in ((complaints.RECEIVED, "received"), (complaints.CLOSED, "closed")):
        cells = _cells(rel, measure, "city", "month").set_index("period_start")
        when = raw[col].dropna()
        expected = when.dt.to_period("M").dt.to_timestamp().value_counts()
        assert (cells["hidden"] == "").all()
        assert cells["value"].tolist() == [int(expected.get(m, 0)) for m in cells.index]
    years = _cells(rel, complaints.RECEIVED, "city", "year")
    for r in years.itertuples():
        n = ((raw["received"] >= r.period_start) & (raw["received"] <= r.period_end)).sum()
        assert r.value == n


def _districts(raw, store) -> pd.Series:
    """Each raw complaint's district: its beat walked up through the stored boundary parents, else none."""
    parents = store.query("SELECT code, parent_code FROM boundary_parents WHERE level = 'beat'")
    beats = set(store.query("SELECT code FROM boundaries WHERE level = 'beat'")["code"])
    district = dict(zip(parents["code"], parents["parent_code"]))
    beat = raw["beat"].str.lstrip("0")  # the ingest reads area codes as numbers where they are: "0131" is beat 131
    beat = beat.where(beat.isin(beats))
    return beat.map(district).fillna(release.NONE_AREA)


def _categories(raw, rel) -> tuple[pd.Series, pd.Series]:
    """(each raw complaint's category as the release names it, whether it was received in the window).

    A complaint's category: its most frequent allegation category (ties alphabetical), else "Not recorded";
    the city's eight largest of the window by name, the rest "Other".
    """
    alleg = _raw("chicago_complaint_allegations_2000_2016.csv.gz")
    top = (
        alleg.dropna(subset=["complaint_category"])
        .groupby(["cr_id", "complaint_category"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["cr_id", "n", "complaint_category"], ascending=[True, False, True])
        .drop_duplicates("cr_id")
    )
    cat = raw["cr_id"].map(dict(zip(top.cr_id, top.complaint_category))).fillna("Not recorded")
    months = _cells(rel, complaints.RECEIVED, "city", "month")["period_start"]
    lo, hi = months.min(), months.max() + pd.offsets.MonthBegin(1)
    inside = (raw["received"] >= lo) & (raw["received"] < hi)
    counts = cat[inside].value_counts()
    named = set(counts.index[: complaints.TOP]) if len(counts) > complaints.TOP + 1 else set(counts.index)
    return cat.where(cat.isin(named), complaints.OTHER), inside


def test_district_counts_equal_the_raw_beats_walked_up(rel, raw, store):
    area = _districts(raw, store)
    cells = _cells(rel, complaints.RECEIVED, "district", "month")
    shown = cells[cells.hidden == ""]
    assert len(shown) > len(cells) / 2
    month = raw["received"].dt.to_period("M").dt.to_timestamp()
    expected = pd.Series(1, index=raw.index).groupby([area, month]).sum()
    for r in shown.itertuples():
        assert r.value == int(expected.get((r.area, r.period_start), 0)), (r.area, r.period_start)
    # the districts (with the "none" row) add up to the city
    city = _cells(rel, complaints.RECEIVED, "city", "month").set_index("period_start")["value"]
    assert cells.groupby("period_start")["value"].sum().tolist() == city.tolist()


def test_categories_findings_and_awards_equal_the_raw_files(rel, raw, store):
    alleg = _raw("chicago_complaint_allegations_2000_2016.csv.gz")
    cat, inside = _categories(raw, rel)
    year = _cells(rel, complaints.RECEIVED, "city", "year")
    for r in rel.cells[(rel.cells.measure == complaints.RECEIVED) & (rel.cells.level == "city")].itertuples():
        if r.period != "year" or r.category == "all" or r.hidden:
            continue
        within = inside & (raw["received"] >= r.period_start) & (raw["received"] <= r.period_end)
        assert r.value == (cat[within] == r.category).sum(), r.category
    assert len(year) == 1
    # Allegations of the complaints received in each year-long period, by final finding.
    finding = alleg["final_finding"].map(lambda f: FINDING.get(f, f) if isinstance(f, str) else "No finding")
    when = alleg["cr_id"].map(dict(zip(raw["cr_id"], raw["received"])))
    cells = rel.cells[(rel.cells.measure == complaints.ALLEGATIONS) & (rel.cells.level == "city")]
    assert set(cells["period"]) == {"year", "ytd"}
    for r in cells[cells.hidden == ""].itertuples():
        within = (when >= r.period_start) & (when <= r.period_end)
        want = within.sum() if r.category == "all" else (within & (finding == r.category)).sum()
        assert r.value == want, (r.period_start, r.category)
    # Awards: FINAL requests by type, per year-long period, for the city.
    awards = _raw("chicago_police_awards_2017_2018.csv.gz")
    awards = awards[awards["current_award_status"].str.upper() == "FINAL"]
    day = pd.to_datetime(awards["award_request_date"])
    arel = complaints.ensure(store, complaints.key(complaints.COMMENDATIONS, AWARDS), RULES)
    release.check(arel)
    acells = arel.cells[(arel.cells.measure == complaints.AWARDS) & (arel.cells.hidden == "")]
    assert len(acells) > 1 and set(acells["level"]) == {"city"}
    for r in acells.itertuples():
        within = (day >= r.period_start) & (day <= r.period_end)
        if r.category == "all":
            assert r.value == within.sum()
        elif r.category != complaints.OTHER:
            assert r.value == (within & (awards["award_type"] == r.category)).sum()


def test_no_shown_count_is_small_and_the_audit_passed(rel):
    assert rel.passed and rel.audit["pinned_count"] == 0
    shown = rel.cells[rel.cells.hidden == ""]
    assert not shown["value"].between(1, RULES.min_count - 1).any()
    assert (rel.cells.hidden == release.HIDDEN_SMALL).any() and (rel.cells.hidden == release.HIDDEN_COMPLEMENTARY).any()


def test_medians_only_where_enough_closed_and_equal_to_the_raw_file(rel, raw):
    medians = pd.DataFrame(rel.extra["medians"])
    closed = rel.cells[(rel.cells.measure == complaints.CLOSED) & (rel.cells.category == "all")]
    city = medians[medians.level == "city"]
    assert len(city) == len(
        complaints.annual(release.periods(sorted(set(closed.period_start[closed.period == "month"])))[0])
    )
    for r in city.itertuples():
        start, end = pd.Timestamp(r.period_start), pd.Timestamp(r.period_end)
        shut = raw[(raw["closed"] >= start) & (raw["closed"] < end + pd.Timedelta(days=1))]
        assert r.median_days == np.median((shut["closed"].dt.normalize() - shut["received"].dt.normalize()).dt.days)
    for r in medians.itertuples():
        cell = closed[
            (closed.level == r.level) & (closed.area == r.area) & (closed.period_start == pd.Timestamp(r.period_start))
        ]
        cell = cell[cell.period == r.period]
        assert cell["hidden"].iloc[0] == "" and cell["value"].iloc[0] >= RULES.min_count


def test_the_release_is_stored_and_kept_by_the_incident_refresh(store, rel):
    back = release.stored(store, rel.dataset, RULES, current=complaints.version(store, rel.dataset, RULES))
    assert back is not None and back.passed and back.release_csv() == rel.release_csv()
    assert back.extra["medians"] == rel.extra["medians"]
    release.refresh(store, names=[])  # the incident releases' refresh keeps (and refreshes) the complaints ones
    assert release.stored(store, rel.dataset, RULES, current=complaints.version(store, rel.dataset, RULES))


def test_the_audit_catches_a_city_total_minus_its_districts(rel, store):
    # A district's small count hidden alone, its city total and the other districts shown: the attacker subtracts.
    chain, _, up, finest = complaints.area_tree(store)
    assign = {}
    for ups in up.values():
        assign.setdefault(ups[chain[0]], {lvl: ups[lvl] for lvl in chain[1:]})
    months = [pd.Timestamp("2016-01-01"), pd.Timestamp("2016-02-01")]
    pers = [release.Period("month", m, m + pd.offsets.MonthEnd(0), (i,)) for i, m in enumerate(months)]
    codes = [c for c in assign if c != release.NONE_AREA]
    base = pd.DataFrame(
        [(c, m, "all", 2 if (c == codes[0] and m == months[0]) else 40) for c in codes for m in months],
        columns=["code", "month", "category", "n"],
    )
    model = disclosure.Model.build(chain, assign, months, pers, [], base, 5)
    c = model.cells
    target = int(c[(c.level == chain[0]) & (c.area == codes[0]) & (c.period_start == months[0])]["uid"].iloc[0])
    small = (model.values >= 1) & (model.values < 5)
    assert small[target]
    pinned, _, _ = disclosure.attack(model.matrix, model.values, small.copy(), small, 4, targets=[target])
    assert [p[0] for p in pinned] == [target] and pinned[0][1] == pytest.approx(2)
    # The suppression the release uses leaves it room.
    result = disclosure.protect(model, 5)
    assert result.passed and result.hidden[target] and result.hidden.sum() > 1


def _findings(raw) -> pd.DataFrame:
    """Raw allegations: finding as the release labels it, the received day of its complaint (exact duplicate
    rows kept, as the ingest keeps them), and the complaint's cr_id."""
    alleg = _raw("chicago_complaint_allegations_2000_2016.csv.gz")
    finding = alleg["final_finding"].map(lambda f: FINDING.get(f, f) if isinstance(f, str) else "No finding")
    return pd.DataFrame(
        {
            "cr_id": alleg["cr_id"],
            "finding": finding,
            "received": alleg["cr_id"].map(dict(zip(raw["cr_id"], raw["received"]))),
        }
    )


def test_district_categories_and_findings_equal_a_count_of_the_raw_files(rel, raw, store):
    area = _districts(raw, store)
    cat, inside = _categories(raw, rel)
    c = rel.cells
    by_cat = c[(c.measure == complaints.RECEIVED) & (c.level == "district") & (c.category != "all")]
    # every district (and the "none" row) has the city's categories in each year-long period, and no month
    annual = {(p.kind, p.start) for p in complaints.annual(release.periods(sorted(set(_months(rel))))[0])}
    assert {(k, pd.Timestamp(s)) for k, s in zip(by_cat.period, by_cat.period_start)} == annual
    districts = set(c[(c.measure == complaints.RECEIVED) & (c.level == "district")]["area"])
    assert set(by_cat["area"]) == districts and release.NONE_AREA in districts
    assert set(by_cat["category"]) == set(cat[inside]) and len(set(by_cat["category"])) == complaints.TOP + 1
    shown = by_cat[by_cat.hidden == ""]
    assert len(shown) > len(by_cat) / 2 and (by_cat.hidden == release.HIDDEN_SMALL).any()
    for r in shown.itertuples():
        within = inside & (raw["received"] >= r.period_start) & (raw["received"] <= r.period_end)
        assert r.value == (within & (area == r.area) & (cat == r.category)).sum(), (r.area, r.category)
    # rows add up: a district's categories to its year, the districts' (with "none") to the city's category
    total = c[(c.measure == complaints.RECEIVED) & (c.category == "all")].set_index(["level", "area", "period_start"])
    for (a, start), grp in by_cat.groupby(["area", "period_start"]):
        year = total.loc[("district", a, start)]
        assert grp["value"].sum() == year[year.period == grp.period.iloc[0]]["value"].iloc[0]
    city = c[(c.measure == complaints.RECEIVED) & (c.level == "city") & (c.category != "all")]
    for (k, start, kind), grp in by_cat.groupby(["category", "period_start", "period"]):
        want = city[(city.category == k) & (city.period_start == start) & (city.period == kind)]["value"]
        assert grp["value"].sum() == want.iloc[0]
    # Allegations by final finding, per district of their complaint and year-long period.
    alleg = _findings(raw)
    alleg["area"] = alleg["cr_id"].map(dict(zip(raw["cr_id"], area)))
    cells = c[(c.measure == complaints.ALLEGATIONS) & (c.level == "district")]
    assert set(cells["area"]) == districts and (cells.hidden != "").any()
    shown = cells[cells.hidden == ""]
    assert len(shown) > len(cells) / 2
    for r in shown.itertuples():
        within = (alleg["received"] >= r.period_start) & (alleg["received"] <= r.period_end) & (alleg["area"] == r.area)
        want = within.sum() if r.category == "all" else (within & (alleg["finding"] == r.category)).sum()
        assert r.value == want, (r.area, r.period_start, r.category)
    city = c[(c.measure == complaints.ALLEGATIONS) & (c.level == "city")].set_index(["period_start", "category"])
    for (start, k), grp in cells.groupby(["period_start", "category"]):
        assert grp["value"].sum() == city.loc[(start, k), "value"]


def _months(rel):
    return _cells(rel, complaints.RECEIVED, "city", "month")["period_start"]


def test_the_audit_catches_a_district_total_minus_its_categories(store):
    # One district's category hidden alone, its year total and its other categories shown: the attacker
    # subtracts. Categories per district and year, the city's by month, as the release publishes them.
    chain, _, up, finest = complaints.area_tree(store)
    assign = {}
    for ups in up.values():
        assign.setdefault(ups[chain[0]], {lvl: ups[lvl] for lvl in chain[1:]})
    months = [pd.Timestamp("2016-01-01"), pd.Timestamp("2016-02-01")]
    pers = [release.Period("month", m, m + pd.offsets.MonthEnd(0), (i,)) for i, m in enumerate(months)]
    year = release.Period("ytd", months[0], months[1] + pd.offsets.MonthEnd(0), (0, 1))
    codes = [c for c in assign if c != release.NONE_AREA]
    cats = ["A", "B", "C"]
    # District 1's category A: 2 in January, none in February; every other count 30.
    base = pd.DataFrame(
        [
            (c, m, k, (2 if m == months[0] else 0) if (c, k) == (codes[0], "A") else 30)
            for c in codes
            for m in months
            for k in cats
        ],
        columns=["code", "month", "category", "n"],
    )
    model = disclosure.Model.build(chain, assign, months, [*pers, year], cats, base, 5, [("ytd", year.start)])
    c = model.cells
    assert set(c[c.level == chain[0]]["category"]) == {"all", *cats}  # districts publish their categories
    mine = c[(c.level == chain[0]) & (c.area == codes[0]) & (c.period == "ytd") & (c.category == "A")]
    target = int(mine["uid"].iloc[0])
    low = (model.values >= 1) & (model.values < 5)
    assert low[target]
    hidden = np.zeros(len(model.values), bool)
    hidden[target] = True  # only the small cell: its district total less B and C gives it away
    pinned, _, _ = disclosure.attack(model.matrix, model.values, hidden, low, 4, model.transport, targets=[target])
    assert [p[0] for p in pinned] == [target] and pinned[0][1] == pytest.approx(2) == pinned[0][2]
    # The suppression the release uses leaves it (and every small count) room.
    result = disclosure.protect(model, 5)
    assert result.passed and result.hidden[target] and result.hidden[low].all() and result.hidden.sum() > low.sum()
