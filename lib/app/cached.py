"""Cached accessors: the one place in lib/ where Streamlit's caches meet the store.

Cached results are keyed by ``version`` (the newest load id), so a load on the
Data page or from the command line shows on the next rerun, and by the
widget values passed in. Callers never mutate what they get back.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.ingest import embedded
from lib.stats import overview
from lib.store import provenance, settings, versions
from lib.store.connection import Store, connect


@st.cache_resource(show_spinner=False)
def _open(db: str) -> Store:
    store = connect(db)
    versions.check(store)  # an older store: the log says to run `python -m lib upgrade` (not cached)
    return store


_BUILT: set[str] = set()  # stores seen built by this process: the check is not repeated on every rerun


def store() -> Store:
    """The store named by the settings; on a fresh clone, built from the embedded data first."""
    db = settings.get("db")
    s = _open(db)
    if db in _BUILT:
        return s
    if not embedded.is_built(s):
        from lib.public import release

        bar = st.progress(0.0, text="First start: loading the embedded Chicago data ...")
        embedded.build(s, progress=lambda f, t: bar.progress(min(f, 1.0), text=t))
        bar.progress(1.0, text="First start: computing and auditing the public release (a minute or two) ...")
        release.refresh(s)
        bar.empty()
    _BUILT.add(db)
    return s


def version() -> int:
    """Newest load id: part of every cache key, so new data shows at once."""
    found = int(store().scalar("SELECT coalesce(max(load_id), 0) FROM loads") or 0)
    if not found:  # every load removed: the next store() builds the embedded data again
        _BUILT.discard(settings.get("db"))
    return found


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def info(version: int) -> dict:
    return provenance.info(store())


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def incident_datasets(version: int) -> pd.DataFrame:
    return overview.incident_datasets(store())


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def overview_figures(dataset: str, version: int) -> dict:
    s = store()
    return {
        "incidents": overview.incidents_headline(s, dataset),
        "scores": overview.score_headlines(s),
        "events": overview.events_headline(s),
        "monthly": overview.monthly_incidents(s, dataset),
    }


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def loads(version: int) -> pd.DataFrame:
    return provenance.loads(store())


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def rejects(load_id: int, version: int) -> pd.DataFrame:
    return store().query(
        "SELECT row_number, reason, raw FROM rejects WHERE load_id = :id ORDER BY row_number",
        {"id": load_id},
    )


@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def upload_table(path: str, name: str, sheet: str | None = None):
    from lib.ingest.readers import read_table

    return read_table(path, name, sheet=sheet)


@st.cache_data(max_entries=4, show_spinner="Reading the layer ...")
def upload_layer(path: str) -> pd.DataFrame:
    from lib.ingest.readers import read_layer

    gdf, _, _ = read_layer(path)
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    frame.attrs["nested"] = list(gdf.attrs.get("nested", ()))  # list/object properties, not offered as codes
    return frame


@st.cache_data(max_entries=16, show_spinner="Checking every row ...")
def upload_check(kind: str, path: str, name: str, maps: dict, sets: dict, crs: str | None, sheet: str | None = None):
    from lib.ingest import load as ingest

    return ingest.plan(kind, path, maps, sets, crs, name, sheet=sheet)[2]


def upload_mapping(kind: str, table):
    from lib.ingest import mapping

    return mapping.detect(kind, table.frame)


# -- engagement and programme impact (lib/engagement/events.py, lib/stats/impact.py) ---------------------


def engagement_key() -> str:
    """Cache key of everything derived from events: the data version and when the type rules changed."""
    from lib.engagement import types as event_types

    return f"{version()}|{event_types.updated_at(store())}"


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Reading the events ...")
def engagement_events(start: str, end: str, datasets: tuple[str, ...], key: str):
    """(events, event-area links) for a period and event datasets."""
    from lib.engagement import events as engagement

    frame = engagement.events(store(), start, end, list(datasets) or None)
    return frame, engagement.links(store(), frame)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def engagement_meta(key: str) -> dict:
    """Event datasets, boundary levels and the type rules in force."""
    from lib.engagement import events as engagement
    from lib.engagement import types as event_types

    s = store()
    return {
        "datasets": engagement.datasets(s),
        "levels": engagement.levels(s),
        "rules": event_types.load(s),
        "rules_updated": event_types.updated_at(s),
    }


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def area_names(level: str, key: str) -> pd.DataFrame:
    from lib.engagement import events as engagement

    return engagement.area_names(store(), level)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Ranking areas ...")
def coverage_gaps(level: str, start: str, end: str, incidents: str, datasets: tuple[str, ...], key: str):
    from lib.engagement import events as engagement

    frame, link = engagement_events(start, end, datasets, key)
    return engagement.coverage_gaps(store(), level, start, end, incidents or None, frame, link)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Joining events, incidents and scores ...")
def area_month(level: str, start: str, end: str, incidents: str, datasets: tuple[str, ...], key: str):
    from lib.engagement import events as engagement

    frame, link = engagement_events(start, end, datasets, key)
    return engagement.area_month(store(), level, start, end, incidents or None, frame, link)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def participation_data(datasets: tuple[str, ...], key: str) -> pd.DataFrame:
    from lib.engagement import attendance

    return attendance.attendees(store(), list(datasets) or None)


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Counting incidents per area and month ...")
def impact_panel(level: str, outcome: str, dataset: str, start: str, end: str, key: str) -> pd.DataFrame:
    """Monthly panel for the impact designs: incidents of ``dataset``, or a score measure (TRUST, SAFETY)."""
    from lib.stats import impact

    if outcome == "incidents":
        return impact.count_panel(store(), level, dataset, start, end)
    return impact.score_panel(store(), level, outcome, start, end)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def neighbours(level: str, codes: tuple[str, ...], key: str) -> list[str]:
    from lib.stats import impact

    return impact.neighbours(store(), level, list(codes))


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Fitting the difference-in-differences model ...")
def did(
    level: str,
    outcome: str,
    dataset: str,
    start: str,
    end: str,
    treated: tuple[str, ...],
    comparison: tuple[str, ...],
    programme_start: str,
    label: str,
    key: str,
):
    """The DiD estimate, or the reason it cannot be made (an ImpactError's message)."""
    from lib.engagement import events as engagement
    from lib.stats import impact

    panel = impact_panel(level, outcome, dataset, start, end, key)
    pop = engagement.population(store(), level)
    try:
        return impact.did(
            panel,
            list(treated),
            list(comparison),
            programme_start,
            outcome=label,
            counts=outcome == "incidents",
            population=pop,
            area_label=f"{level}s",
        )
    except impact.ImpactError as exc:
        return str(exc)


# -- Trust & Safety ---------------------------------------------------------------------------


def documents_stamp() -> str:
    """When a document (a survey definition) was last saved: part of the definition caches' keys."""
    if "documents" not in store().tables():
        return ""
    return str(store().scalar("SELECT max(updated_at) FROM documents") or "")


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def score_datasets(version: int) -> list[str]:
    from lib.trust import scores

    return scores.datasets(store())


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def score_levels(dataset: str, version: int) -> pd.DataFrame:
    from lib.trust import scores

    return scores.levels(store(), dataset)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def score_catalog(dataset: str, version: int) -> pd.DataFrame:
    from lib.trust import scores

    return scores.catalog(store(), dataset)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def score_series(
    dataset: str, base: str, level: str, cadence: str, dimension: str | None, version: int
) -> pd.DataFrame:
    from lib.trust import scores

    return scores.series(store(), dataset, base, level, cadence, dimension=dimension)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def score_map_level(dataset: str, level: str, version: int) -> str | None:
    from lib.trust import scores

    return scores.boundary_level(store(), scores.areas(store(), dataset, level))


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def boundary_geojson(level: str, version: int) -> dict:
    from lib.trust import scores

    return scores.geojson(store(), level)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def survey_datasets(version: int) -> pd.DataFrame:
    from lib.trust import survey_results

    return survey_results.survey_datasets(store())


@st.cache_data(ttl=3600, max_entries=8, show_spinner="Reading the survey's questions ...")
def survey_definition(dataset: str, version: int, stamp: str) -> tuple[str, object]:
    """The saved (or suggested) definition as JSON, and when it was saved (None: suggested)."""
    from lib.trust import survey_results

    defn, saved_at = survey_results.definition_for(store(), dataset)
    return defn.to_json(), saved_at


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def survey_columns(dataset: str, version: int) -> tuple[list[str], list[str]]:
    """The survey's source columns, and the area choices (the area field and boundary levels with codes)."""
    from lib.trust import survey_results

    s = store()
    columns = list(survey_results.sample_answers(s, dataset, limit=200).columns)
    areas = [k for k, v in survey_results.area_choices(s, dataset).items() if v > 0] or ["area"]
    return columns, areas


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def population_datasets(version: int) -> list[str]:
    if "population" not in store().tables():
        return []
    return list(store().query("SELECT DISTINCT dataset FROM population ORDER BY dataset")["dataset"])


@st.cache_data(ttl=3600, max_entries=8, show_spinner="Reading the responses ...")
def survey_respondents(definition: str, version: int) -> pd.DataFrame:
    from lib.trust import survey_definition, survey_results

    return survey_results.respondents(store(), survey_definition.SurveyDefinition.from_json(definition))


@st.cache_data(ttl=3600, max_entries=32, show_spinner="Weighting ...")
def survey_analysis(definition: str, periods: tuple, areas: tuple, version: int):
    from lib.trust import survey_definition, survey_results

    defn = survey_definition.SurveyDefinition.from_json(definition)
    resp = survey_respondents(definition, version)
    margins = survey_results.population(store(), defn.margins)
    return survey_results.analyse(resp, defn, margins, list(periods) or None, list(areas) or None)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def score_map_level_codes(codes: tuple, version: int) -> str | None:
    """The boundary level whose codes match ``codes`` (a survey's areas), if one is loaded."""
    from lib.trust import scores

    return scores.boundary_level(store(), list(codes))


# -- Map page -------------------------------------------------------------------


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def map_levels(version: int) -> list[str]:
    from lib.maps import data as map_data

    return map_data.levels(store())


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def map_areas(level: str, version: int) -> pd.DataFrame:
    from lib.maps import data as map_data

    return map_data.areas(store(), level)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def offense_names(dataset: str, version: int) -> list[str]:
    from lib.maps import data as map_data

    return map_data.offenses(store(), dataset)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def sources_line(kind: str, dataset: str | None, version: int) -> str:
    """The sentence naming the loads behind a page's numbers (lib/store/provenance.py), once per data version."""
    return provenance.sources_line(store(), kind, dataset)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def date_precision(dataset: str, version: int) -> str | None:
    """What an incident dataset's dates tell (lib/store/provenance.py), read once per data version."""
    return provenance.date_precision(store(), dataset)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def incident_span(dataset: str, version: int):
    """Days of the first and the newest incident of a dataset."""
    from lib.maps import data as map_data

    first, last = map_data.span(store(), dataset)
    return (None, None) if first is None else (first.date(), last.date())


def offense_grouping():
    """The offense grouping as last saved (cached until someone edits it)."""
    from lib.ingest import offense_groups

    return _grouping(offense_groups.updated_at(store()), version())


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def _grouping(updated_at: str, version: int):
    from lib.ingest import offense_groups

    return offense_groups.load(store())


@st.cache_resource(max_entries=16, show_spinner=False)
def study_graph(res: int, level: str | None, codes: tuple, dataset: str | None, version: int):
    """Study-area H3 cells and their contiguity graph; shared, never mutated."""
    from lib.maps import layers as map_layers

    return map_layers.study(store(), res, level, codes, dataset)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def map_layer(layer: str, flt, view, version: int):
    """One layer of the Map page for a filter and view (lib.maps.layers.compute), cached per filter set."""
    from lib.maps import layers as map_layers

    def study_of(_store, res, level, codes, dataset):
        return study_graph(res, level, tuple(codes or ()), dataset, version)

    return map_layers.compute(store(), layer, flt, view, study_of)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def map_layer_script(layer: str, flt, view, version: int):
    """(script, variable, name, legend) of one layer as the map's frame receives it, or None when the layer
    draws nothing; cached per filter set (at most 64, some 10-300 kB each), so going back to a filter
    sends the map the same layer at once, without drawing it again (lib/app/map_script.py)."""
    from lib.app import map_script
    from lib.maps import draw as maps
    from lib.maps import layers as map_layers

    drawn = maps.overlays()
    legend = map_layers.draw(drawn, map_layer(layer, flt, view, version), view)
    groups = drawn.groups([])
    if legend is None or not groups:
        return None
    script, var = map_script.layer_script(groups[0], f"layer{layer}")
    return script, var, groups[0].layer_name, legend


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def map_bounds(flt, view, version: int):
    from lib.maps import layers as map_layers

    return map_layers.bounds(store(), view, flt)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def area_panel(flt, level: str, code: str, grouping_key: tuple, version: int):
    from lib.maps import area_panel as panels

    return panels.panel(store(), flt, level, code, offense_grouping())


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def map_total(flt, version: int) -> tuple[int, int]:
    from lib.maps import data as map_data

    return map_data.incident_total(store(), flt)


# -- Public transparency page (lib/public/figures.py: every figure already through lib/privacy) --------


def public_figure(name: str, lang: str, dataset: str, level: str, area: str, version: int):
    """One public figure (``name`` a function of lib.public.figures), for a language and an area or the city.

    Shared by every session (a resource cache, so not unpickled on every run of every visitor) and keyed by
    the store too; callers never change it. Its table, CSV and chart are kept on it (lib/app/widgets.py).
    """
    return _public_figure(name, lang, dataset, level, area, version, settings.get("db"))


@st.cache_resource(ttl=3600, max_entries=256, show_spinner=False)
def _public_figure(name: str, lang: str, dataset: str, level: str, area: str, version: int, db: str):
    from lib.public import figures as pf

    s = store()
    area = area or None
    if name == "crime_by_area":
        return pf.crime_by_area(s, dataset, level, lang)
    if name == "crime_trend":
        return pf.crime_trend(s, dataset, lang, level=level if area else None, area=area)
    if name == "hotspots":
        return pf.hotspots(s, dataset, lang, res=8, level=level if area else None, area=area)
    if name == "trust_trend":
        return pf.trust_trend(s, lang, level=level if area else None, area=area)
    if name == "engagement":
        return pf.engagement(s, lang, level=level if area else None, area=area)
    if name == "engagement_by_area":
        return pf.engagement_by_area(s, level, lang)
    if name == "upcoming_events":
        return pf.upcoming_events(s, lang, level=level if area else None, area=area)
    if name == "provenance":
        return pf.provenance(s, lang)
    if name == "complaints_monthly":
        return pf.complaints_monthly(s, lang, level=level if area else None, area=area)
    if name == "complaint_close_days":
        return pf.complaint_close_days(s, lang)
    if name in ("complaints_by_category", "complaint_findings"):
        return getattr(pf, name)(s, lang, level=level if area else None, area=area)
    if name == "commendations_by_type":
        return pf.commendations_by_type(s, lang)
    raise KeyError(name)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def public_release_files(dataset: str, version: int) -> dict | None:
    """The dataset's public release as the two files the public may download, with its counts; None if not passed."""
    from lib.public import figures as pf

    rel, _ = pf.public_release(store(), dataset)
    if rel is None:
        return None
    return {
        "release": rel.release_csv().encode("utf-8"),
        "areas": rel.areas_csv().encode("utf-8"),
        "version": rel.version,
        "cells": len(rel.cells),
        "small": int(rel.audit.get("small", 0)),
        "complementary": int(rel.audit.get("complementary", 0)),
        "min": int(rel.audit.get("min_count", 5)),
        "last_day": rel.last_month + pd.offsets.MonthEnd(0),
    }


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def public_meta(version: int) -> dict:
    """Datasets, levels, areas and the publication cutoff of the public page."""
    from lib.public import figures as pf
    from lib.public import privacy

    s = store()
    sets = pf.datasets(s)
    lvls = pf.levels(s)
    return {
        "datasets": sets,
        "levels": lvls,
        "areas": {lvl: pf.areas(s, lvl) for lvl in lvls},
        "cutoffs": {d: privacy.public_cutoff(s, d, privacy.Rules.from_settings()) for d in sets},
    }


def concerns_version() -> int:
    """Newest concern update: every raise, update and approval adds one, so the public list follows at once."""
    from lib.engagement import concerns

    return concerns.version(store())


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def public_concerns(level: str, area: str, lang: str, key: int):
    """The public "You said, we did" figure of an area (or of every area of ``level``); ``key``: :func:`concerns_version`."""
    from lib.public import figures as pf

    return pf.concerns(store(), level, lang, area=area or None)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def public_find_area(text: str, level: str, version: int):
    from lib.public import figures as pf

    return pf.find_area(store(), text, level)


def public_map(lang: str, dataset: str, level: str, area: str, levels: tuple, version: int) -> dict | None:
    """The public hot spot map as the arguments of its map component, built and rendered once per view
    and data version (shared by every session; None when there are no outlines). See widgets.folium_args."""
    return _public_map(lang, dataset, level, area, levels, version, settings.get("db"))


@st.cache_resource(ttl=3600, max_entries=64, show_spinner=False)
def _public_map(lang: str, dataset: str, level: str, area: str, levels: tuple, version: int, db: str) -> dict | None:
    from lib.app import widgets
    from lib.public import map as public_map
    from lib.public.figures import level_word

    shown = level if area else levels[0]
    m = public_map.build(
        public_figure("hotspots", lang, dataset, level, area, version),
        public_outlines(shown, area, version),
        level_word(shown, lang),
        lang,
    )
    return None if m is None else widgets.folium_args(m)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def public_outlines(level: str, area: str, version: int) -> dict:
    """Outlines of a level's areas (or of one area) for the public map."""
    from lib.public import map as public_map

    return public_map.outlines(store(), level, area or None)


# -- Presenter ---------------------------------------------------------------------------------


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def presenter_deck(
    dataset: str | None,
    level: str | None,
    area: str | None,
    start: str,
    end: str,
    lang: str,
    public_url: str,
    version: int,
    concerns: int = 0,
) -> tuple[list, dict]:
    """The built deck (public figures only) and each slide's chart as PNG (None for text slides).

    ``concerns`` (:func:`concerns_version`) keys the cache too: an approved concern reaches the deck at once.
    """
    from lib.deck import images as deck_images
    from lib.deck import slides as deck

    slides = deck.build_deck(
        store(),
        level=level,
        area=area,
        period=deck.Period(start, end),
        lang=lang,
        dataset=dataset,
        public_url=public_url,
    )
    images = {s.key: deck_images.chart_png(s, lang) if deck_images.has_chart(s) else None for s in slides}
    return slides, images


# -- Accountability page (lib/accountability) -----------------------------------


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def accountability_meta(version: int) -> dict:
    """Complaint and award datasets, the levels complaints carry, each complaint dataset's span and as-of day."""
    from lib.accountability import data as acc

    s = store()
    sets = acc.datasets(s, "complaints")
    return {
        "complaints": sets,
        "awards": acc.datasets(s, "commendations"),
        "levels": acc.levels(s),
        "spans": {d: acc.span(s, d) for d in sets},
        "as_of": {d: acc.as_of(s, d) for d in sets},
        "incident_spans": acc.incident_spans(s),
    }


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def accountability_frames(dataset: str, level: str | None, awards: str | None, version: int) -> dict:
    """The complaints, allegations and awards of one view (never mutated by the page)."""
    from lib.accountability import data as acc

    s = store()
    return {
        "complaints": acc.complaints(s, dataset, level),
        "allegations": acc.allegations(s, dataset, level),
        "awards": acc.commendations(s, awards, level) if awards else None,
        "population": acc.population(s, level) if level else None,
    }


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def accountability_incidents(level: str, start: str, end: str, version: int) -> pd.DataFrame:
    from lib.accountability import data as acc

    return acc.incidents(store(), level, pd.Timestamp(start), pd.Timestamp(end))


def accountability_sources(kind: str, dataset: str, version: int) -> str:
    return provenance.sources_line(store(), kind, dataset)
