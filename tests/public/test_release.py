"""The public release: totals that add up, suppression the attacker's LP cannot undo, no comparison without data.

The attacks are the issue's: a district minus its shown beats, and year to date
minus its shown months. ``independent_attack`` re-reads release.csv and
areas.csv and solves its own linear programmes with scipy's linprog, sharing
no code with lib/public/disclosure.py.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from lib.public import disclosure, release
from lib.public.privacy import Rules
from lib.store import schema

RULES = Rules(min_count=5, lag_days=7)


def _store(duck, rows, beats=None):
    """A store with beats nested in districts and incidents (beat, day, offense, count)."""
    beats = beats or {"11": "1", "12": "1", "13": "1", "21": "2", "22": "2", "23": "2"}
    schema.create_tables(duck)
    for lvl, codes in (("beat", list(beats)), ("district", sorted(set(beats.values())))):
        for code in codes:
            duck.execute(
                "INSERT INTO boundaries (level, code, name, load_id) VALUES (:l, :c, :n, 1)",
                {"l": lvl, "c": code, "n": f"{lvl} {code}"},
            )
        schema.add_level_columns(duck, lvl)
    for b, d in beats.items():
        duck.execute(
            "INSERT INTO boundary_parents VALUES ('beat', :b, 'district', :d)",
            {"b": b, "d": d},
        )
    frame = pd.DataFrame(rows, columns=["beat", "day", "offense", "count"])
    frame["occurred_at"] = pd.to_datetime(frame["day"])
    frame["dataset"] = "t"
    frame["incident_id"] = [f"i{i}" for i in range(len(frame))]
    frame["lvl_beat"] = frame["beat"]
    frame["lvl_district"] = frame["beat"].map(beats)
    frame = frame[["incident_id", "occurred_at", "offense", "count", "dataset", "lvl_beat", "lvl_district"]]
    duck.stage("staged", frame, {c: "text" for c in frame.columns} | {"occurred_at": "timestamp", "count": "int"})
    duck.execute(
        "INSERT INTO incidents (incident_id, occurred_at, offense, count, dataset, lvl_beat, lvl_district) "
        "SELECT incident_id, occurred_at, offense, count, dataset, lvl_beat, lvl_district FROM staged"
    )
    return duck


def _rows(seed: int, start: str, end: str, beats=("11", "12", "13", "21", "22", "23"), rate=9.0, small=()):
    """Incidents per day and beat: a Poisson number of rows, plus ``small``: (beat, day, n) rows of their own."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    out = []
    for b in beats:
        for month in pd.date_range(start, end, freq="MS"):
            n = int(rng.poisson(rate))
            for _ in range(n):
                day = month + pd.Timedelta(days=int(rng.integers(0, 28)))
                out.append((b, str(day.date()), "THEFT" if rng.random() < 0.6 else "BATTERY", 1))
    out.append(("11", str(days[-1].date()), "THEFT", 1))  # the newest record sets the cutoff
    out += [(b, d, "THEFT", n) for b, d, n in small]
    return out


def _csv(rel):
    return pd.read_csv(io.StringIO(rel.release_csv()), dtype=str, keep_default_na=False), pd.read_csv(
        io.StringIO(rel.areas_csv()), dtype=str, keep_default_na=False
    )


def independent_attack(cells: pd.DataFrame, areas: pd.DataFrame, min_count: int = 5) -> list[tuple]:
    """Bounds on every "fewer than 5" from release.csv and areas.csv alone: unknowns per finest area x month
    (all offenses) and per district x category x month, each district's beats equal to its categories."""
    finest = areas[areas["parent_level"] != ""]["level"].iloc[0]
    parent_level = areas[areas["level"] == finest]["parent_level"].iloc[0]
    beats = list(areas[areas["level"] == finest]["area"])
    parent = dict(zip(areas[areas["level"] == finest]["area"], areas[areas["level"] == finest]["parent_area"]))
    levels = list(dict.fromkeys(areas["level"]))
    up = {}  # (level, area) -> parent area, to walk beats up to any level
    for r in areas.itertuples():
        up[(r.level, r.area)] = (r.parent_level, r.parent_area)
    months = sorted(cells.loc[cells["period_start"].str[:7] == cells["period_end"].str[:7], "period_start"].unique())
    months = [m for m in months if m[8:] == "01"]
    cats = sorted(set(cells["category"]) - {"all"})
    mid = {m: i for i, m in enumerate(months)}
    districts = list(areas[areas["level"] == parent_level]["area"])
    nb = len(beats) * len(months)
    nvar = nb + len(districts) * len(cats) * len(months)

    def ancestors(b):
        out, key = {finest: b}, (finest, b)
        while key in up and key[0] != "city":
            key = up[key]
            out[key[0]] = key[1]
        return out

    anc = {b: ancestors(b) for b in beats}

    def vector(r):
        v = np.zeros(nvar)
        ms = [m for m in months if r.period_start <= m <= r.period_end]
        for m in ms:
            if r.category == "all":
                for i, b in enumerate(beats):
                    if r.level == "city" or anc[b].get(r.level) == r.area:
                        v[i * len(months) + mid[m]] = 1
            else:
                k = cats.index(r.category)
                for j, d in enumerate(districts):
                    da = ancestors_d(d)
                    if r.level == "city" or da.get(r.level) == r.area:
                        v[nb + (j * len(cats) + k) * len(months) + mid[m]] = 1
        return v

    def ancestors_d(d):
        out, key = {parent_level: d}, (parent_level, d)
        while key in up and key[0] != "city":
            key = up[key]
            out[key[0]] = key[1]
        return out

    eq_a, eq_b, ub_a, ub_b, targets = [], [], [], [], []
    for r in cells.itertuples():
        v = vector(r)
        if r.hidden == "":
            eq_a.append(v), eq_b.append(float(r.value))
        elif r.hidden == "small":
            ub_a += [v, -v]
            ub_b += [min_count - 1, -1]
            targets.append((r, v))
    if cats:
        for j, d in enumerate(districts):
            for m in months:
                v = np.zeros(nvar)
                for i, b in enumerate(beats):
                    if parent[b] == d:
                        v[i * len(months) + mid[m]] = 1
                for k in range(len(cats)):
                    v[nb + (j * len(cats) + k) * len(months) + mid[m]] = -1
                eq_a.append(v), eq_b.append(0.0)
    pinned = []
    for r, v in targets:
        lo = linprog(v, A_ub=ub_a, b_ub=ub_b, A_eq=eq_a, b_eq=eq_b, bounds=(0, None), method="highs")
        hi = linprog(-v, A_ub=ub_a, b_ub=ub_b, A_eq=eq_a, b_eq=eq_b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status == 0
        n = np.floor(-hi.fun + 1e-6) - np.ceil(lo.fun - 1e-6) + 1
        if n < 3:
            pinned.append((r.level, r.area, r.period_start, r.period_end, r.category, lo.fun, -hi.fun))
    del levels
    return pinned


# -- the two attacks of the issue, on small constructed releases ---------------------------------------


def _model(duck, rows):
    store = _store(duck, rows)
    chain, areas, assign = release.area_tree(store, "t")
    months, _ = release.window(store, "t", RULES)
    pers, _ = release.periods(months)
    base = release.base_counts(store, "t", chain[0], months, set(assign) - {release.NONE_AREA})
    return disclosure.Model.build(chain, assign, months, pers, [], base, 5)


def _uid(model, level, area, period, start):
    c = model.cells
    hit = c[(c.level == level) & (c.area == area) & (c.period == period) & (c.period_start == pd.Timestamp(start))]
    return int(hit["uid"].iloc[0])


def test_the_audit_catches_a_district_minus_its_beats(duck):
    # beat 11 has 2 incidents in March 2019; hiding only that cell leaves district 1 minus beats 12 and 13.
    rows = [r for r in _rows(1, "2018-01-01", "2019-12-31") if not (r[0] == "11" and r[1].startswith("2019-03"))]
    rows += [("11", "2019-03-10", "THEFT", 2)]
    model = _model(duck, rows)
    target = _uid(model, "beat", "11", "month", "2019-03-01")
    assert model.values[target] == 2
    small = (model.values >= 1) & (model.values < 5)
    # Per-table suppression: the small cell and, in its own beat's row of months, a partner; the district shown.
    hidden = small.copy()
    hidden[_uid(model, "beat", "11", "month", "2019-04-01")] = True
    for period in ("quarter", "year", "ytd"):
        for c in model.cells[(model.cells.area == "11") & (model.cells.period == period)].uid:
            hidden[c] = True
    pinned, _, _ = disclosure.attack(model.matrix, model.values, hidden, small, 4, targets=[target])
    assert [p[0] for p in pinned] == [target]
    assert pinned[0][1] == pytest.approx(2) and pinned[0][2] == pytest.approx(2)


def test_the_audit_catches_year_to_date_minus_its_months(duck):
    rows = [r for r in _rows(2, "2018-01-01", "2019-10-08") if not (r[0] == "12" and r[1].startswith("2019-09"))]
    rows += [("12", "2019-09-03", "THEFT", 3)]
    model = _model(duck, rows)
    target = _uid(model, "beat", "12", "month", "2019-09-01")
    assert model.values[target] == 3
    small = (model.values >= 1) & (model.values < 5)
    hidden = small.copy()
    # Hidden in the district's table (beat 13 the same month) but the beat's year to date and other months shown.
    hidden[_uid(model, "beat", "13", "month", "2019-09-01")] = True
    hidden[_uid(model, "beat", "12", "quarter", "2019-07-01")] = True
    pinned, _, _ = disclosure.attack(model.matrix, model.values, hidden, small, 4, targets=[target])
    assert [p[0] for p in pinned] == [target]


def test_protect_leaves_the_attacker_nothing_and_totals_add_up(duck):
    small = [("11", "2019-03-10", 2), ("22", "2019-05-02", 1), ("13", "2018-08-09", 3)]
    rows = _rows(3, "2018-01-01", "2019-10-08", rate=6.0)
    rows = [r for r in rows if not any(r[0] == b and r[1][:7] == d[:7] for b, d, _ in small)]
    rows += [(b, d, "THEFT", n) for b, d, n in small]
    store = _store(duck, rows)
    rel = release.compute(store, "t", RULES)
    assert rel.passed
    cells, areas = _csv(rel)
    assert list(cells.columns) == list(release.RELEASE_COLUMNS)
    assert list(areas.columns) == list(release.AREA_COLUMNS)
    # each small count is shown as hidden, never as a number
    hit = cells[(cells.area == "11") & (cells.period_start == "2019-03-01") & (cells.period_end == "2019-03-31")]
    assert hit["hidden"].iloc[0] == "small" and hit["value"].iloc[0] == ""
    assert not ((cells.hidden == "") & cells.value.isin(["1", "2", "3", "4"])).any()
    assert (cells.hidden == "complementary").any()
    assert independent_attack(cells, areas) == []
    # every shown total equals the sum of its shown parts where all parts are shown
    full = rel.cells
    months = full[full.period == "month"]
    for (lvl, area), grp in full[full.period == "year"].groupby(["level", "area"]):
        m = months[(months.level == lvl) & (months.area == area) & (months.category == "all")]
        m = m[m.period_start.dt.year == grp.period_start.dt.year.iloc[0]]
        assert int(grp[grp.category == "all"]["value"].iloc[0]) == int(m["value"].sum())
    city = full[(full.level == "city") & (full.period == "month") & (full.category == "all")].set_index("period_start")
    beats = full[(full.level == "beat") & (full.period == "month")].groupby("period_start")["value"].sum()
    districts = (
        full[(full.level == "district") & (full.period == "month") & (full.category == "all")]
        .groupby("period_start")["value"]
        .sum()
    )
    assert (city["value"] == beats).all() and (city["value"] == districts).all()


def test_incidents_with_no_area_sit_in_a_none_row_so_the_city_adds_up(duck):
    rows = _rows(4, "2018-01-01", "2019-10-08") + [("99", "2019-02-02", "THEFT", 7)]
    store = _store(duck, rows)
    rel = release.compute(store, "t", RULES)
    none = rel.cells[(rel.cells.area == release.NONE_AREA) & (rel.cells.period == "month")]
    assert set(none["level"]) == {"beat", "district"}
    feb = none[(none.period_start == "2019-02-01") & (none.level == "beat")]
    assert int(feb["value"].iloc[0]) == 7
    areas = rel.areas
    assert ((areas.area == release.NONE_AREA) & (areas.level == "beat") & (areas.parent_area == "none")).any()


def test_year_to_date_ends_on_the_last_complete_month_and_one_year_gives_no_comparison(duck, tmp_path):
    # Data up to 8 October 2019: public to 1 October, so the last complete month is September.
    store = _store(duck, _rows(5, "2018-01-01", "2019-10-08"))
    rel = release.compute(store, "t", RULES)
    ytd = rel.cells[(rel.cells.period == "ytd") & (rel.cells.level == "city")]
    assert sorted(ytd["period_end"].dt.strftime("%Y-%m-%d").unique()) == ["2018-09-30", "2019-09-30"]
    assert rel.comparison
    from lib.store.connection import connect

    one = _store(connect(str(tmp_path / "one.duckdb")), _rows(6, "2019-01-01", "2019-10-08"))
    rel1 = release.compute(one, "t", RULES)
    assert not rel1.comparison
    assert set(rel1.cells[rel1.cells.period == "ytd"]["period_start"].dt.year) == {2019}
    assert rel1.cells["period_start"].min() == pd.Timestamp("2019-01-01")


def test_the_release_is_stored_by_version_and_read_back(duck):
    store = _store(duck, _rows(7, "2018-01-01", "2019-10-08"))
    assert release.stored(store, "t", RULES) is None
    rel = release.ensure(store, "t", RULES)
    back = release.stored(store, "t", RULES)
    assert back is not None and back.version == rel.version and back.passed
    assert back.release_csv() == rel.release_csv()
    # a new load changes the version: the stored release is no longer current
    store.execute("INSERT INTO loads (load_id, kind, dataset, rows_loaded) VALUES (9, 'incidents', 't', 1)")
    assert release.stored(store, "t", RULES) is None


def test_a_release_that_fails_its_audit_is_never_written(duck, tmp_path, monkeypatch):
    store = _store(duck, _rows(8, "2018-01-01", "2019-10-08"))
    out = tmp_path / "review"
    # An audit that asks five possible values of a count of 1-4 can never pass: nothing may be written.
    monkeypatch.setattr(disclosure, "MIN_VALUES", 5)
    monkeypatch.setattr(disclosure, "ROUNDS", 0)
    rel = release.compute(store, "t", RULES)
    assert not rel.passed
    with pytest.raises(release.ReleaseError, match="audit"):
        release.export(rel, out)
    assert not out.exists()
    monkeypatch.undo()
    passed = release.compute(store, "t", RULES)
    assert passed.passed
    written = release.export(passed, out)
    assert [p.name for p in written] == ["t_release.csv", "t_areas.csv"]
    assert written[0].read_text() == passed.release_csv()
