"""Public figures on the embedded Chicago data (lib/public/figures.py): right numbers, through privacy."""

import h3
import pandas as pd
import pytest

from lib.public import figures as pf
from lib.public import i18n, privacy
from lib.public.privacy import Rules

DS = "Chicago crimes (3% sample)"
RULES = Rules(min_count=5, lag_days=7, max_h3_res=9)


def _count(store, sql, params):
    return int(store.scalar(sql, params))


def test_default_dataset_is_the_broadest_real_one(embedded_store):
    assert pf.default_dataset(embedded_store) == DS
    assert pf.levels(embedded_store) == ["district", "beat"]


def _beats_of(store, district: str) -> list[str]:
    """The beats the release puts in a district: the parent recorded at load (largest overlap)."""
    frame = store.query(
        "SELECT code FROM boundary_parents WHERE level = 'beat' AND parent_level = 'district' AND parent_code = :p",
        {"p": district},
    )
    return list(frame["code"])


def _in_beats(store, beats, start, end) -> int:
    return _count(
        store,
        "SELECT count(*) FROM incidents WHERE dataset = :d AND lvl_beat IN (SELECT unnest(CAST(:b AS TEXT[]))) "
        "AND occurred_at >= :s AND occurred_at < :e",
        {"d": DS, "b": beats, "s": start, "e": end},
    )


def test_crime_by_district_is_the_union_of_its_beats_to_the_last_complete_month(embedded_store):
    fig = pf.crime_by_area(embedded_store, DS, "district", "en", RULES)
    frame = fig.frame.set_index("code")
    # The newest record is 29 Sep 2019; 7 days of lag leave September incomplete: year to date ends on 31 August.
    assert fig.period == "1 January 2019 to 31 August 2019, against 1 January 2018 to 31 August 2018"
    beats = _beats_of(embedded_store, "11")
    assert len(beats) >= 5
    n = _in_beats(embedded_store, beats, "2019-01-01", "2019-09-01")
    prev = _in_beats(embedded_store, beats, "2018-01-01", "2018-09-01")
    assert frame.loc["11", "incidents"] == n and frame.loc["11", "last_year"] == prev
    # The two-count test by hand: given n + prev, this year's count is Binomial(n + prev, 1/2) under an
    # unchanged rate; two-sided mid-p.
    from scipy.stats import binom

    lo = binom.cdf(n - 1, n + prev, 0.5) + binom.pmf(n, n + prev, 0.5) / 2
    assert frame.loc["11", "p"] == pytest.approx(min(1.0, 2 * min(lo, 1 - lo)), abs=1e-4)
    privacy.public_table(fig.frame, RULES)
    assert "Citywide" in fig.summary and fig.source.startswith("Source:")


def test_the_areas_and_the_no_area_row_add_up_to_the_city(embedded_store):
    fig = pf.crime_by_area(embedded_store, DS, "district", "en", RULES)
    frame = fig.frame
    city = _count(
        embedded_store,
        "SELECT count(*) FROM incidents WHERE dataset = :d AND occurred_at >= '2019-01-01' "
        "AND occurred_at < '2019-09-01'",
        {"d": DS},
    )
    shown = int(frame["incidents"].fillna(0).sum())
    hidden = frame["incidents_suppressed"]
    if not hidden.any():
        assert shown == city
    else:
        assert shown < city
    assert f"Citywide, {city:,} incidents" in fig.summary
    # Incidents with no beat on the map are their own row, named so.
    no_beat = _count(
        embedded_store,
        "SELECT count(*) FROM incidents WHERE dataset = :d AND occurred_at >= '2019-01-01' "
        "AND occurred_at < '2019-09-01' AND (lvl_beat IS NULL OR lvl_beat NOT IN "
        "(SELECT code FROM boundaries WHERE level = 'beat'))",
        {"d": DS},
    )
    rows = frame[frame["code"] == "none"]
    if no_beat:
        assert list(rows["area"]) == ["No area recorded"]
    else:
        assert rows.empty


def test_crime_by_beat_shows_release_cells_and_says_why_one_is_hidden(embedded_store):
    from lib.public import release

    rel = release.stored(embedded_store, DS)
    assert rel is not None and rel.passed
    fig = pf.crime_by_area(embedded_store, DS, "beat", "en", RULES)
    frame = fig.frame
    shown = frame["incidents"].dropna()
    assert not shown.between(1, 4).any()
    cells = rel.select("beat", "ytd", area=None)
    cells = cells[cells["period_start"] == pd.Timestamp("2019-01-01")].set_index("area")
    for r in frame.itertuples():
        cell = cells.loc[r.code]
        assert r.incidents_hidden == cell["hidden"]
        if not cell["hidden"]:
            assert r.incidents == cell["value"]
    assert (frame["incidents_hidden"] == "small").any() and (frame["incidents_hidden"] == "complementary").any()
    # Change and p are empty wherever either count is hidden, or the change would give the hidden count back.
    assert frame.loc[frame["incidents_suppressed"] | frame["last_year_suppressed"], "change"].isna().all()
    table = fig.table()
    words = table["Incidents, year to date"]
    assert (words == "fewer than 5").sum() == (frame["incidents_hidden"] == "small").sum()
    assert (words == "not shown").sum() == (frame["incidents_hidden"] == "complementary").sum()


def test_monthly_trend_ends_on_the_last_complete_month(embedded_store):
    fig = pf.crime_trend(embedded_store, DS, "en", rules=RULES)
    frame = fig.frame.set_index("month")
    assert frame.loc[8, "this_year"] == _count(
        embedded_store,
        "SELECT count(*) FROM incidents WHERE dataset = :d AND occurred_at >= '2019-08-01' "
        "AND occurred_at < '2019-09-01'",
        {"d": DS},
    )
    assert pd.isna(frame.loc[9, "this_year"]) and not frame.loc[9, "this_year_suppressed"]
    assert frame.loc[12, "last_year"] > 0
    assert "January to August 2019" in fig.summary
    assert "31 August 2019" in fig.period


def test_monthly_trend_of_a_small_area_is_suppressed(embedded_store):
    fig = pf.crime_trend(embedded_store, DS, "es", level="beat", area="1121", rules=RULES)
    months = fig.frame.dropna(subset=["this_year"])
    assert not months["this_year"].between(1, 4).any()
    assert fig.frame["this_year_suppressed"].any() or fig.frame["last_year_suppressed"].any()
    assert "Incidentes por mes" in fig.title and "Zona policial 1121" in fig.title
    privacy.public_table(fig.frame, RULES)
    table = fig.table()
    assert set(table[fig.columns["this_year"]]) - {""} <= {"menos de 5", "no se muestra"} | {
        str(int(v)) for v in months["this_year"]
    }


def test_hot_spots_publish_classes_only_and_stop_at_the_public_resolution(embedded_store):
    fig = pf.hotspots(embedded_store, DS, "en", res=10, rules=RULES)
    cells = fig.frame["cell"]
    assert {h3.get_resolution(c) for c in cells} == {9}
    fig8 = pf.hotspots(embedded_store, DS, "en", res=8, rules=RULES)
    # A hexagon's count is not published (it could be differenced against the release): class only.
    assert list(fig8.frame.columns) == ["cell", "bin", "label"]
    assert set(fig8.columns) == {"label", "cell"} and len(fig8.table().columns) == 2
    assert (fig8.frame["bin"] > 0).sum() > 10
    geo = pf.cell_polygons(fig8.frame, "en")
    assert geo["features"] and all(f["properties"]["bin"] != 0 for f in geo["features"])
    assert {k for f in geo["features"] for k in f["properties"]} == {"cell", "bin", "label"}


def test_trust_for_the_city_and_for_a_beat_through_its_district(embedded_store):
    city = pf.trust_trend(embedded_store, "en", rules=RULES)
    last = city.frame[city.frame["month"] == "2023-02"].set_index("measure")["value"]
    published = embedded_store.scalar(
        "SELECT value FROM survey_scores WHERE level = 'city' AND measure = 'TRUST' AND period_start = '2023-02-01'"
    )
    assert last["Trust in police"] == pytest.approx(published, abs=0.05)
    assert set(city.frame["reliability"]) == {"as published (no respondent count given)"}
    beat = pf.trust_trend(embedded_store, "en", level="beat", area="1121", rules=RULES)
    assert "District 11" in beat.title
    district = embedded_store.scalar(
        "SELECT value FROM survey_scores WHERE level = 'district' AND area = '11' AND measure = 'SAFETY' "
        "AND period_start = '2022-06-01' AND period_days BETWEEN 28 AND 31"
    )
    got = beat.frame[(beat.frame["month"] == "2022-06") & (beat.frame["measure"] == "Feeling of safety")]
    assert got["value"].iloc[0] == pytest.approx(district, abs=0.05)


def test_engagement_counts_held_events_and_hides_small_numbers(embedded_store):
    fig = pf.engagement(embedded_store, "en", rules=RULES)
    assert list(fig.frame["month"])[0] == "2018-01" and len(fig.frame) == 12
    assert fig.frame["events"].sum() > 500
    where = pf.engagement_by_area(embedded_store, "beat", "en", rules=RULES)
    assert not where.frame["events"].dropna().between(1, 4).any()
    assert where.frame["events_suppressed"].any()
    one = pf.engagement(embedded_store, "en", level="district", area="11", rules=RULES)
    assert one.frame["events"].fillna(0).sum() < fig.frame["events"].sum()


def test_upcoming_events_from_a_given_day(embedded_store):
    fig = pf.upcoming_events(embedded_store, "en", now="2018-03-01", days=14)
    assert len(fig.frame) > 10
    assert {"date", "time", "type", "title", "areas", "venue"} <= set(fig.frame.columns)
    # After the calendar ends: not an empty table but the most recent events held, and when it ends.
    after = pf.upcoming_events(embedded_store, "es", now="2030-01-01")
    assert "No hay eventos" in after.summary and "27 de diciembre de 2018" in after.summary
    last = embedded_store.scalar("SELECT max(starts_at) FROM events")
    assert len(after.frame) == 5 and after.frame["date"].iloc[0] == i18n.date_text(last, "es")


@pytest.mark.parametrize(
    "text, level, code, how",
    [
        ("1200 W Madison", "beat", "1224", "block"),
        ("012XX W MADISON ST", "beat", "1224", "block"),
        ("1250 west madison street", "beat", "1224", "block"),
        ("1121", "beat", "1121", "code"),
        ("District 11", "district", "11", "code"),
    ],
)
def test_area_search(embedded_store, text, level, code, how):
    found = pf.find_area(embedded_store, text, level)
    assert (found.level, found.code, found.how) == (level, code, how)


def test_area_search_finds_nothing_for_nonsense(embedded_store):
    assert pf.find_area(embedded_store, "zzz qqq", "beat") is None
    assert pf.find_area(embedded_store, "", "beat") is None


def test_a_block_known_only_from_sensitive_incidents_is_not_searchable(embedded_store):
    # A block where every incident is sensitive: finding an area by it would say something happened there.
    frame = embedded_store.query(
        f"SELECT block FROM incidents WHERE block IS NOT NULL GROUP BY block "
        f"HAVING bool_and({privacy.sensitive_sql()}) AND count(*) >= 1 LIMIT 50"
    )
    blocks = list(frame["block"])
    assert blocks
    for block in blocks:
        found = pf.find_area(embedded_store, block, "beat")
        assert found is None or found.how != "block"


def test_every_figure_is_in_spanish_and_passes_the_guard(embedded_store):
    figures = pf.all_figures(embedded_store, "es", rules=RULES)
    assert {
        "crime_by_area",
        "crime_trend",
        "hotspots",
        "trust_trend",
        "engagement",
        "engagement_by_area",
        "upcoming_events",
        "provenance",
    } <= set(figures)
    for fig in figures.values():
        privacy.public_table(fig.frame, RULES)
        table = fig.table()
        assert fig.title and fig.method
        assert not any(c in table.columns for c in ("latitude", "longitude", "block"))
    assert figures["crime_by_area"].title.startswith("Delitos por área")
    assert "menos de 5" in figures["crime_by_area"].method or "menos de" in figures["crime_by_area"].method


def test_monthly_trend_totals_are_release_year_to_date_cells(embedded_store):
    from lib.public import release

    rel = release.stored(embedded_store, DS)
    fig = pf.crime_trend(embedded_store, DS, "en", level="beat", area="1121", rules=RULES)
    value, hidden = rel.value("beat", "1121", "ytd", "2019-01-01")
    n = _count(
        embedded_store,
        "SELECT count(*) FROM incidents WHERE dataset = :d AND lvl_beat = '1121' "
        "AND occurred_at >= '2019-01-01' AND occurred_at < '2019-09-01'",
        {"d": DS},
    )
    if hidden:
        assert "incidents were reported from January to August 2019" in fig.summary
        assert f" {n:,} incidents" not in fig.summary
    else:
        assert value == n
        assert f"{n:,} incidents were reported from January to August 2019" in fig.summary
    # Each month is the release's cell of that month.
    for r in fig.frame.itertuples():
        if r.month <= 8:
            cell = rel.value("beat", "1121", "month", f"2019-{r.month:02d}-01")
            assert (None if r.this_year_hidden else int(r.this_year), r.this_year_hidden) == cell


def test_hot_spots_of_an_area_are_the_citys_hexagons_that_touch_it(embedded_store):
    city = pf.hotspots(embedded_store, DS, "en", rules=RULES).frame.set_index("cell")
    beat = pf.hotspots(embedded_store, DS, "en", level="beat", area="1834", rules=RULES)
    assert 3 <= len(beat.frame) <= 40
    # Hot against the city, not against the beat alone: the same bins as in the city's analysis.
    assert (beat.frame.set_index("cell")["bin"] == city.loc[beat.frame["cell"], "bin"]).all()
    assert "touch Beat 1834" in beat.summary
    privacy.public_table(beat.frame, RULES)


def test_synthetic_data_is_not_offered_to_the_public(embedded_store):
    from lib.ingest import demo

    demo.load_demo(embedded_store, 2000, seed=1)
    assert "SYNTHETIC demo" in set(embedded_store.query("SELECT DISTINCT dataset FROM incidents")["dataset"])
    names = pf.datasets(embedded_store)
    assert names[0] == DS and "SYNTHETIC demo" not in names


def test_one_year_of_data_is_compared_with_nothing(duck, tmp_path):
    # A department whose data starts this year: "against 0 on the same dates last year (real increase)"
    # would be a claim about a year without data.
    from lib.ingest import load as ingest

    rows = ["id,date,offense,latitude,longitude"] + [
        f"{i},2019-{1 + i % 8:02d}-{1 + i % 27:02d} 10:00,THEFT,41.88,-87.63" for i in range(300)
    ]
    path = tmp_path / "new.csv"
    path.write_text("\n".join(rows) + "\n")
    ingest.load(duck, "incidents", path, dataset="new")
    beats = tmp_path / "b.geojson"
    beats.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"beat":"1"},"geometry":'
        '{"type":"Polygon","coordinates":[[[-87.7,41.8],[-87.5,41.8],[-87.5,41.95],[-87.7,41.95],[-87.7,41.8]]]}}]}'
    )
    ingest.load(duck, "boundaries", beats, level="beat")
    fig = pf.crime_by_area(duck, "new", "beat", "en", RULES)
    assert fig.frame["last_year"].isna().all() and fig.frame["p"].isna().all()
    assert (fig.frame["signal"] == "").all()
    assert "There is no earlier data to compare with" in fig.summary and "real increase" not in fig.summary
