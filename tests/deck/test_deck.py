"""The town hall deck (lib/deck/slides.py): slides from the public figures, in order, with the presenter's edits,
and never a figure the public page would suppress."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from lib.deck import slides as deck
from lib.deck.text import TEXT
from lib.public import privacy
from lib.store.connection import connect

ASSAULTS = "Chicago aggravated assaults"
YEAR_2018 = deck.Period("2018-01-01", "2018-12-31")
# A count of people or incidents written in words: "3 incidents", "2 eventos", "4 people" ... (not the rule's
# own wording, "from 1 to 4 incidents" / "de 1 a 4 incidentes").
SMALL_COUNT = re.compile(
    r"(?<![\d.,])(?<!to )(?<! a )[1-4]\s+(incident|event|people|person|attend|incidente|"
    r"evento|persona)",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def store(released_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("deck") / "deck.duckdb"
    shutil.copy(released_db, path)
    s = connect(str(path))
    yield s
    s.close()


@pytest.fixture(scope="module")
def rel(store):
    """The public release the crime slide reads (stored in the store by ``released_db``)."""
    from lib.public import release

    out = release.ensure(store, ASSAULTS)
    assert out.passed
    return out


def _sql_count(store, level, area, start, end) -> int:
    """Incidents of the assaults in [start, end) in an area, counted from the incidents table by SQL.

    A district is the union of its beats (boundary_parents: the district covering most of a beat), as the
    public release defines it; a beat is its own code; no area is the city.
    """
    where, params = "", {}
    if level == "beat":
        where, params = " AND lvl_beat = :a", {"a": area}
    elif level:
        where = (
            " AND lvl_beat IN (SELECT code FROM boundary_parents WHERE level = 'beat' AND parent_level = :l "
            "AND parent_code = :a)"
        )
        params = {"l": level, "a": area}
    return int(
        store.scalar(
            f"SELECT count(*) FROM incidents WHERE dataset = :d AND occurred_at >= :s AND occurred_at < :e{where}",
            {"d": ASSAULTS, "s": pd.Timestamp(start), "e": pd.Timestamp(end), **params},
        )
    )


@pytest.fixture(scope="module")
def district_deck(store):
    return deck.build_deck(
        store, "district", "8", YEAR_2018, "en", dataset=ASSAULTS, public_url="https://example.gov/transparency"
    )


@pytest.fixture(scope="module")
def beat_deck(store):
    # Beat 921 had 40 aggravated assaults in 2018, several months with 1 to 4: the deck must hide them.
    return deck.build_deck(store, "beat", "921", YEAR_2018, "en", dataset=ASSAULTS)


def test_district_deck_has_every_slide_in_order(district_deck):
    assert [s.key for s in district_deck] == list(deck.KEYS)
    by_key = {s.key: s for s in district_deck}
    assert by_key["title"].title == "Community policing: District 8"
    assert by_key["title"].message == "Period: 1 January 2018 to 31 December 2018"
    for key in ("trust", "crime", "hotspots", "engagement", "closing"):
        assert not by_key[key].hidden, (key, by_key[key].message)
    # Nothing public to show: hidden, saying why (no concern approved for publication; the calendar ends in 2018).
    assert by_key["concerns"].hidden and "approved for publication" in by_key["concerns"].message
    assert by_key["upcoming"].hidden and "No events on the calendar" in by_key["upcoming"].message
    assert by_key["closing"].message == "https://example.gov/transparency"
    for s in deck.visible(district_deck):
        assert s.title and s.message


def test_crime_slide_numbers_are_release_cells_and_the_store_count(store, rel, district_deck):
    crime = {s.key: s for s in district_deck}["crime"]
    months = pd.date_range("2018-01-01", "2018-12-01", freq="MS")
    assert list(crime.frame["period_start"]) == list(months)
    for m, shown in zip(months, crime.frame["this_period"]):
        value, hidden = rel.value("district", "8", "month", m)
        assert (value, hidden) == (shown, "")
        assert value == _sql_count(store, "district", "8", m, m + pd.offsets.MonthBegin(1))
    # The total is the release's cell for the year 2018, and what the store holds for the district's beats.
    year, _ = rel.value("district", "8", "year", "2018-01-01")
    assert year == crime.frame.attrs["total"] == _sql_count(store, "district", "8", "2018-01-01", "2019-01-01")
    assert crime.message == f"{year:,} incidents. There is no earlier data to compare with."
    assert "September 2018: 82" in crime.notes
    assert crime.period == "Whole months: 1 January 2018 to 31 December 2018"
    assert crime.source.startswith("Source: Chicago Police Department, Aggravated assaults with a location (")


def test_a_2018_period_has_nothing_earlier_to_compare_with(store, rel, district_deck):
    # The release starts in January 2018 (the previous calendar year and this one): no 2017 cell to compare with.
    assert rel.value("district", "8", "month", "2017-06-01") is None
    crime = {s.key: s for s in district_deck}["crime"]
    attrs = crime.frame.attrs
    assert not attrs["compared"] and attrs["previous"] is None and attrs["p"] is None
    assert crime.frame["last_year"].isna().all()
    assert "There is no earlier data to compare with" in crime.message
    assert "Two-count test" not in crime.notes and "last year:" not in crime.notes
    assert crime.chart.kind == "columns"


def test_the_default_period_is_this_year_to_date_in_release_cells(store, rel):
    from lib.stats import compstat

    period = deck.default_period(store, ASSAULTS)
    assert (period.start, period.end) == (pd.Timestamp("2019-01-01"), rel.last_month + pd.offsets.MonthEnd(0))
    crime = {s.key: s for s in deck.build_deck(store, None, None, period, "en", dataset=ASSAULTS)}["crime"]
    attrs = crime.frame.attrs
    ytd, _ = rel.value("city", "city", "ytd", "2019-01-01")
    ytd_before, _ = rel.value("city", "city", "ytd", "2018-01-01")
    end = period.end_exclusive
    assert attrs["total"] == ytd == _sql_count(store, None, None, "2019-01-01", end)
    assert attrs["previous"] == ytd_before == _sql_count(store, None, None, "2018-01-01", end - pd.DateOffset(years=1))
    assert attrs["compared"] and attrs["p"] == pytest.approx(compstat.change_p(ytd, ytd_before))
    assert f"({ytd_before:,})" in crime.message and crime.message.startswith(f"{ytd:,} incidents")
    assert "Two-count test p = " in crime.notes and crime.chart.kind == "compare"
    for m, now, before in zip(crime.frame["period_start"], crime.frame["this_period"], crime.frame["last_year"]):
        assert now == rel.value("city", "city", "month", m)[0]
        assert before == rel.value("city", "city", "month", m - pd.DateOffset(years=1))[0]


def test_part_months_are_dropped_to_whole_months(store, rel):
    part = deck.Period("2019-01-15", "2019-11-20")
    crime = {s.key: s for s in deck.build_deck(store, "district", "8", part, "en", dataset=ASSAULTS)}["crime"]
    months = pd.date_range("2019-02-01", "2019-10-01", freq="MS")
    assert list(crime.frame["period_start"]) == list(months)
    assert (crime.frame.attrs["start"], crime.frame.attrs["end"]) == (months[0], pd.Timestamp("2019-11-01"))
    assert crime.period.startswith("Whole months: 1 February 2019 to 31 October 2019, against 1 February 2018")
    assert "that part month is left out" in crime.notes
    # February to October is no release cell: the total is the sum of the nine shown months, each the store's.
    assert crime.frame["this_period"].notna().all()
    assert crime.frame.attrs["total"] == int(crime.frame["this_period"].sum())
    assert crime.frame.attrs["total"] == _sql_count(store, "district", "8", "2019-02-01", "2019-11-01")
    assert crime.frame.attrs["previous"] == _sql_count(store, "district", "8", "2018-02-01", "2018-11-01")


def test_hidden_cells_are_said_and_no_test_runs_on_a_hidden_total(store, rel):
    # Beat 921: last year's year to date is hidden as a complement; the slide says "not shown" and runs no test.
    ytd = deck.default_period(store, ASSAULTS)
    assert rel.value("beat", "921", "ytd", "2018-01-01") == (None, "complementary")
    for lang, word in (("en", "not shown"), ("es", "no se muestra")):
        crime = {s.key: s for s in deck.build_deck(store, "beat", "921", ytd, lang, dataset=ASSAULTS)}["crime"]
        assert crime.frame.attrs["total"] == rel.value("beat", "921", "ytd", "2019-01-01")[0]
        assert crime.frame.attrs["previous"] is None and crime.frame.attrs["p"] is None
        assert crime.message.endswith(f": {word}.")
        assert "p = " not in crime.notes
        for col in ("this_period", "last_year"):
            for m, value, hidden in zip(crime.frame["period_start"], crime.frame[col], crime.frame[f"{col}_hidden"]):
                cell = rel.value("beat", "921", "month", m if col == "this_period" else m - pd.DateOffset(years=1))
                assert (None if pd.isna(value) else int(value), hidden) == cell


def test_trust_slide_gives_the_published_scores_and_says_there_is_no_margin_of_error(store, district_deck):
    trust = {s.key: s for s in district_deck}["trust"]
    published = store.query(
        "SELECT period_start, value FROM survey_scores WHERE level = 'district' AND area = '8' "
        "AND measure = 'TRUST' AND period_days BETWEEN 28 AND 31 AND period_start >= '2018-01-01' "
        "AND period_start < '2019-01-01' ORDER BY period_start"
    )
    first, last = round(published["value"].iloc[0], 1), round(published["value"].iloc[-1], 1)
    assert trust.message == f"Trust in police rose from {first} to {last} (0-100 scale)."
    assert len(trust.frame) == 24  # 12 months x trust and safety
    assert "no margin of error can be shown" in trust.notes
    assert "65 means an average answer of 6.5" in trust.notes


def test_hot_spot_slide_is_hexagons_at_public_precision(district_deck):
    hot = {s.key: s for s in district_deck}["hotspots"]
    import h3

    assert {h3.get_resolution(c) for c in hot.frame["cell"]} == {9}
    # Classes only: no hexagon's count of incidents, in the frame or in the words.
    assert set(hot.frame.columns) == {"cell", "bin", "label"}
    assert "incidents" not in hot.frame.attrs
    assert not re.search(r"\d+ (incidents|incidentes)", f"{hot.message}\n{hot.notes}\n{hot.alt}")
    assert hot.chart.outlines["features"][0]["properties"]["code"] == "8"
    assert "not on this map" in hot.notes  # sensitive offenses left out, and said


def _figures_text(slides) -> str:
    return "\n".join(f"{s.title}\n{s.message}\n{s.notes}\n{s.alt}" for s in slides)


def test_months_with_small_counts_are_hidden(store, rel):
    from lib.deck import figures as deck_figures

    fig = deck_figures.crime_months(store, ASSAULTS, "en", "beat", "921", "2018-01-01", "2019-01-01")
    truth = store.query(
        "SELECT date_trunc('month', occurred_at) AS m, count(*) AS n FROM incidents WHERE dataset = :d "
        "AND lvl_beat = '921' AND occurred_at >= '2018-01-01' AND occurred_at < '2019-01-01' GROUP BY 1",
        {"d": ASSAULTS},
    )
    small = truth[(truth["n"] >= 1) & (truth["n"] <= 4)]
    assert len(small) >= 2, "the test needs a beat with small monthly counts"
    frame = fig.frame.set_index("period_start")
    for month in small["m"]:
        assert pd.isna(frame.loc[pd.Timestamp(month), "this_period"])
        assert frame.loc[pd.Timestamp(month), "this_period_hidden"] == "small"
    shown = frame["this_period"].dropna()
    assert len(shown) and (shown == 0).sum() + (shown >= 5).sum() == len(shown)
    counts = dict(zip(pd.to_datetime(truth["m"]), truth["n"]))
    for month, value in shown.items():
        assert value == counts.get(month, 0)


def test_beat_deck_hides_small_counts_everywhere(beat_deck, rel):
    crime = {s.key: s for s in beat_deck}["crime"]
    # Most of beat 921's months have fewer than 5 assaults: the slide counts quarters instead, and says so.
    assert list(crime.frame["month_name"]) == ["Q1 2018", "Q2 2018", "Q3 2018", "Q4 2018"]
    assert "Counted by whole quarter" in crime.notes
    for q, value in zip(crime.frame["period_start"], crime.frame["this_period"]):
        assert value == rel.value("beat", "921", "quarter", q)[0]
    # Chicago publishes no beat scores: the slide gives the district's, and says so in its title.
    assert {s.key: s for s in beat_deck}["trust"].title == "Trust and safety: District 9, which includes this area"
    engagement = {s.key: s for s in beat_deck}["engagement"]
    assert engagement.message == "Fewer than 5 community events held."
    assert "January 2018: fewer than 5" in engagement.notes
    for s in beat_deck:
        if s.frame is None:
            continue
        privacy.public_table(s.frame)  # the public page's own guard
        for col in s.frame.columns:
            if pd.api.types.is_integer_dtype(s.frame[col]) and col not in privacy.NOT_COUNTS:
                values = s.frame[col].dropna()
                assert not values.between(1, 4).any(), (s.key, col)
    assert not SMALL_COUNT.search(_figures_text(beat_deck)), SMALL_COUNT.search(_figures_text(beat_deck))


def test_no_small_count_as_a_figure_in_the_district_deck(district_deck):
    for s in district_deck:
        if s.frame is not None:
            privacy.public_table(s.frame)
    assert not SMALL_COUNT.search(_figures_text(district_deck))


def test_presenter_edits(district_deck):
    slides = deck.set_hidden(district_deck, ["title", "concerns", "upcoming"])
    assert [s.key for s in deck.visible(slides)] == ["trust", "crime", "hotspots", "engagement", "closing"]
    slides = deck.reorder(slides, ["crime", "trust"])
    assert [s.key for s in slides][:3] == ["crime", "trust", "title"]
    slides = deck.move(slides, "closing", -10)
    assert slides[0].key == "closing"
    slides = deck.move(slides, "closing", 100)
    assert slides[-1].key == "closing"
    slides = deck.add_text_slide(
        slides,
        "",
        "You said: speeding on Ashland.\nWe did: a speed survey.",
        after="hotspots",
        lang="en",
        notes="Ask CDOT for the figures.",
    )
    keys = [s.key for s in slides]
    assert keys[keys.index("hotspots") + 1] == "text-1"
    text = slides[keys.index("text-1")]
    assert (text.title, text.kind, text.notes) == ("You said, we did", "text", "Ask CDOT for the figures.")
    slides = deck.add_text_slide(slides, "Next meeting", "March 12, 6 pm, 8th District station")
    assert slides[-1].key == "text-2"
    # The edits survive a rebuild (another language, another period): the page keeps them this way.
    again = deck.arrange(district_deck, deck.arrangement(slides))
    assert [(s.key, s.hidden, s.title) for s in again] == [(s.key, s.hidden, s.title) for s in slides]
    slides = deck.remove(slides, "text-1")
    assert "text-1" not in [s.key for s in slides]
    with pytest.raises(deck.DeckError, match="hide it instead"):
        deck.remove(slides, "crime")
    with pytest.raises(deck.DeckError, match="No slide 'nope'"):
        deck.move(slides, "nope", 1)
    with pytest.raises(deck.DeckError, match="needs some text"):
        deck.add_text_slide(slides, "Title", "   ")


def test_period_must_not_end_before_it_starts():
    with pytest.raises(deck.DeckError, match="ends .* before it starts"):
        deck.Period("2019-02-01", "2019-01-01")


def test_spanish_deck(store, rel):
    slides = deck.build_deck(store, "district", "8", YEAR_2018, "es", dataset=ASSAULTS)
    by_key = {s.key: s for s in slides}
    year, _ = rel.value("district", "8", "year", "2018-01-01")
    assert by_key["title"].title == "Policía comunitaria: Distrito 8"
    assert by_key["crime"].message == f"{year:,} incidentes. No hay datos anteriores con que comparar.".replace(
        ",", "."
    )
    assert by_key["crime"].period == "Meses completos: del 1 de enero de 2018 al 31 de diciembre de 2018"
    assert by_key["trust"].message.startswith("Confianza en la policía subió de ")
    assert "septiembre de 2018: 82" in by_key["crime"].notes
    part = deck.Period("2019-01-15", "2019-11-20")
    crime = {s.key: s for s in deck.build_deck(store, "district", "8", part, "es", dataset=ASSAULTS)}["crime"]
    assert "ese mes incompleto se deja fuera" in crime.notes
    assert "Prueba de dos conteos p = " in crime.notes


def test_every_deck_text_is_in_both_languages():
    assert set(TEXT["en"]) == set(TEXT["es"])
    for key, text in TEXT["en"].items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", TEXT["es"][key])), key


SAMPLE = "Chicago crimes (3% sample)"


def test_a_sampled_dataset_says_so_on_its_slides_and_is_not_the_default(store):
    from lib.deck import figures as dfig

    # The embedded crimes file is a 3% sample: the deck opens on the full aggravated assaults instead.
    assert dfig.is_sample(store, SAMPLE) and not dfig.is_sample(store, ASSAULTS)
    assert dfig.default_dataset(store) == ASSAULTS
    default = {s.key: s for s in deck.build_deck(store, "district", "8", YEAR_2018, "en")}
    assert "sample" not in default["crime"].message.lower()
    for lang, word in (("en", "Sampled counts"), ("es", "muestra")):
        slides = {s.key: s for s in deck.build_deck(store, "district", "8", YEAR_2018, lang, dataset=SAMPLE)}
        assert word in slides["crime"].message and word in slides["hotspots"].message
        assert word in slides["crime"].notes  # the notes repeat the message, so a printed script says it too


def test_events_stop_where_the_calendar_ends_not_at_zero(store):
    # The embedded calendar's last event is on 27 December 2018; a deck running into 2019 shows no month after it,
    # and the last month, partly covered, is never a zero.
    last = pd.Timestamp(store.scalar("SELECT max(starts_at) FROM events")).normalize()
    assert last == pd.Timestamp("2018-12-27")
    running_on = deck.Period("2018-06-01", "2019-12-31")
    for level, area in ((None, None), ("district", "8"), ("beat", "0813"), ("beat", "2514")):
        slide = {s.key: s for s in deck.build_deck(store, level, area, running_on, "en", dataset=ASSAULTS)}[
            "engagement"
        ]
        if slide.frame is None:
            continue
        months = slide.frame["period_start"]
        assert months.max() <= last
        december = slide.frame[months == pd.Timestamp("2018-12-01")]
        assert december.empty or (december["events"].fillna(1) > 0).all()
        if not december.empty:
            assert "ends on 27 December 2018" in slide.notes


def test_a_release_that_failed_its_audit_shows_no_crime_count(store, rel):
    import dataclasses

    from lib.deck import figures as deck_figures

    failed = dataclasses.replace(rel, audit={**rel.audit, "passed": False})
    fig = deck_figures.crime_months(store, ASSAULTS, "en", "district", "8", "2018-01-01", "2019-01-01", rel=failed)
    assert fig.frame.empty and fig.frame.attrs["total"] is None
    assert "did not pass their privacy check" in fig.note
