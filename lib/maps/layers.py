"""The Map page's layers: what each one computes (cacheable data and its table) and how it is drawn.

``compute`` runs the aggregation and the statistic of one layer for a view
and returns a :class:`LayerData`: the data to draw, the table behind it (the
page's table alternative and CSV download), or a plain message when the layer
cannot be shown (too few incidents for Gi*, no population, no scores ...).
``draw`` adds it to a folium map and returns its legend. Both are plain
Python; lib/app/cached.py caches ``compute`` per view and store version.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import h3
import pandas as pd

from lib.constants import POINTS_MAX_KM2, POINTS_MAX_PLACES
from lib.maps import data as map_data
from lib.maps import draw as maps
from lib.maps.view import LAYERS, View
from lib.stats import emerging, hotspots, kde
from lib.store.filters import IncidentFilter


@dataclass
class LayerData:
    layer: str
    data: object = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    message: str | None = None  # why the layer is not drawn
    note: str = ""

    @property
    def title(self) -> str:
        return LAYERS[self.layer]


def study(store, res: int, level: str | None, codes, dataset: str | None):
    """Study-area cells at ``res`` and their Gi* contiguity graph (uncached; lib/app/cached.py caches it)."""
    cells = map_data.study_cells(store, res, level, codes, dataset)
    return cells, hotspots.contiguity(cells) if len(cells) else None


def compute(store, layer: str, flt: IncidentFilter, view: View, study_of: Callable = study) -> LayerData:
    """Data, table and legend figures of one layer for a view."""
    try:
        return _COMPUTE[layer](store, flt, view, study_of)
    except hotspots.NotEnoughData as exc:
        return LayerData(layer, message=str(exc))


NO_LEVEL = "No boundary layer is loaded. Load one (beats, districts ...) on the Data page to map areas."


def _areas(store, flt, view, study_of) -> LayerData:
    if not view.level:
        return LayerData("areas", message=NO_LEVEL)
    if view.measure == "change":
        first, _ = map_data.span(store, flt.dataset)
        if first is not None and first > pd.Timestamp(flt.start) - map_data.YEAR:
            return LayerData(
                "areas",
                message=f"This dataset starts on {first:%b %-d, %Y}: there is no same period "
                "a year earlier to compare with. Choose a later period, or the count.",
            )
    counts = map_data.area_counts(store, flt, view.level)
    if view.measure == "rate" and counts["population"].isna().all():
        return LayerData(
            "areas",
            message=f"No population is loaded for {view.level}s, so no rate per 1,000 "
            "residents can be shown. Load it on the Data page (kind: population), or choose the "
            "count or the change.",
        )
    counts["p_text"] = [p_text(p) for p in counts["change_p"]]
    fc = map_data.feature_collection(map_data.outlines(store, view.level), counts)
    table = counts.drop(columns="p_text").rename(
        columns={
            "last_year": "same weeks last year",
            "change_p": "p (change)",
            "per_1000": "per 1,000 residents",
            "area_km2": "km2",
        }
    )
    table["km2"] = table["km2"].round(2)
    table["p (change)"] = table["p (change)"].round(4)
    return LayerData("areas", fc, table)


def p_text(p: float) -> str:
    """A p-value for a reader: two significant digits, "< 0.001" below that.

    >>> p_text(0.0643), p_text(0.00002), p_text(1.0)
    ('0.064', '< 0.001', '1')
    """
    if pd.isna(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def _heat(store, flt, view, study_of) -> LayerData:
    points = map_data.kde_points(store, flt)
    surface = kde.surface(points["latitude"], points["longitude"], points["weight"]) if len(points) else None
    if surface is None:
        return LayerData("heat", message="No located incidents under these filters: there is no surface to draw.")
    table = points.rename(columns={"weight": "incidents"})
    table["incidents"] = table["incidents"].astype("int64")
    return LayerData(
        "heat",
        surface,
        table,
        note=f"Bandwidth {surface.bandwidth_m:,.0f} m (Esri's rule), from the incidents' own coordinates "
        f"(binned at {surface.cell_m:,.0f} m, a fortieth of the bandwidth; image pixels {surface.pixel_m:,.0f} m). "
        "The table lists the incidents at each location, the input of the surface.",
    )


def _cell_input(store, flt, view, study_of):
    cells, graph = study_of(store, view.res, flt.level, flt.areas, flt.dataset)
    counts = map_data.cell_counts(store, flt, view.res)
    inside = counts[counts["cell"].isin(cells)] if len(cells) else counts
    outside = int(counts["incidents"].sum() - inside["incidents"].sum())
    return cells, graph, inside, outside


def _hotspots(store, flt, view, study_of) -> LayerData:
    cells, graph, inside, outside = _cell_input(store, flt, view, study_of)
    frame = pd.DataFrame({"cell": cells}).merge(inside, on="cell", how="left").fillna({"incidents": 0})
    result = hotspots.gi_star(frame, graph)
    table = _with_centres(result.sort_values(["bin", "z"], ascending=False))
    table[["z", "p", "p_fdr"]] = table[["z", "p", "p_fdr"]].round(4)
    note = (
        f"{outside:,} incidents lie in hexagons whose centre is outside the study area and are left out."
        if outside
        else ""
    )
    return LayerData("hotspots", result, table, note=note)


def _emerging(store, flt, view, study_of) -> LayerData:
    # Slices outside the data's span would be empty, not calm: keep to the months the data cover.
    first, last = map_data.span(store, flt.dataset)
    if first is None:
        return LayerData("emerging", message="No incidents in this dataset.")
    starts = emerging.slice_starts(
        max(pd.Timestamp(flt.start), first.normalize()),
        min(pd.Timestamp(flt.end), last.normalize() + pd.Timedelta(days=1)),
        view.slice,
    )
    cells, graph, _, outside = _cell_input(store, flt, view, study_of)
    counts = map_data.slice_counts(store, flt, view.res, view.slice)
    counts = counts[counts["cell"].isin(cells)]
    result = emerging.emerging(counts, cells, starts, graph, time_step=view.time_step)
    before = {0: "each slice on its own", 1: "with the slice before"}.get(
        view.time_step, f"with the {view.time_step} slices before"
    )
    note = (
        f"{len(starts)} {emerging.FREQUENCIES[view.slice].lower()} slices, {starts[0]:%b %-d, %Y} to "
        f"{(starts[-1] + _step(view.slice) - pd.Timedelta(days=1)):%b %-d, %Y} (whole slices only); "
        f"space-time Gi* of each hexagon and its neighbours {before} (FDR over the cube, 95%), "
        "Mann-Kendall trend of the z-scores, Esri's categories."
    )
    shown = result[result["category"] != emerging.NO_PATTERN].sort_values("category")
    return LayerData("emerging", result, _with_centres(shown), note=note)


def _step(freq: str) -> pd.DateOffset:
    return {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}[freq]


def _events(store, flt, view, study_of) -> LayerData:
    found = map_data.events(store, flt.start, flt.end, flt.level, flt.areas)
    if found.empty:
        return LayerData("events", message="No community events are loaded for this period and area.")
    table = found[["starts_at", "title", "type", "location", "area_level", "area", "placed"]]
    return LayerData("events", found, table.rename(columns={"starts_at": "starts at", "area_level": "area level"}))


def _stations(store, flt, view, study_of) -> LayerData:
    found = map_data.stations(store)
    if found.empty:
        return LayerData("stations", message="No police stations are loaded.")
    return LayerData("stations", found, found)


def _trust(store, flt, view, study_of) -> LayerData:
    if not view.level:
        return LayerData("trust", message=NO_LEVEL)
    scores, period = map_data.scores_by_area(store, view.level, flt.start, flt.end)
    if scores.empty or "TRUST" not in scores:
        return LayerData(
            "trust",
            message=f"No trust scores are loaded for {view.level}s. Scores show on the "
            "boundary level whose area codes they use.",
        )
    keep = map_data.codes_within(store, view.level, flt.level, flt.areas)
    if keep is not None:
        scores = scores[scores["code"].isin(keep)]
    names = map_data.areas(store, view.level)[["code", "name"]]
    table = names.merge(scores, on="code", how="inner")
    fc = map_data.feature_collection(map_data.outlines(store, view.level), table)
    return LayerData("trust", (fc, period), table, note=f"Mean of the monthly published scores, {period}.")


def _points(store, flt, view, study_of) -> LayerData:
    km2 = _selected_km2(store, flt)
    if km2 is None or km2 > POINTS_MAX_KM2:
        return LayerData(
            "points",
            message=f"Incident locations show only for a small area (at most "
            f"{POINTS_MAX_KM2:.0f} km², about a district or a few beats). Choose areas in the sidebar.",
        )
    places, total = map_data.incident_points(store, flt, POINTS_MAX_PLACES)
    if places.empty:
        return LayerData("points", message="No located incidents in this area under these filters.")
    table = places[["place", "incidents", "offenses", "first", "last"]]
    return LayerData("points", (places, total), table)


def _selected_km2(store, flt) -> float | None:
    if not (flt.level and flt.areas):
        return None
    found = map_data.areas(store, flt.level)
    return float(found[found["code"].isin(flt.areas)]["area_km2"].sum())


def _with_centres(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    centres = [h3.cell_to_latlng(c) for c in out["cell"]]
    out.insert(1, "latitude", [round(c[0], 5) for c in centres])
    out.insert(2, "longitude", [round(c[1], 5) for c in centres])
    return out.reset_index(drop=True)


_COMPUTE = {
    "areas": _areas,
    "heat": _heat,
    "hotspots": _hotspots,
    "emerging": _emerging,
    "events": _events,
    "stations": _stations,
    "trust": _trust,
    "points": _points,
}


def draw(m, item: LayerData, view: View) -> maps.Legend | None:
    """Add a computed layer to the map; returns its legend (None when it has nothing to draw)."""
    if item.message:
        return None
    period = view.period()
    if item.layer == "areas":
        return maps.add_areas(m, item.data, view.measure, view.level, period)
    if item.layer == "heat":
        return maps.add_heat(m, item.data, period)
    if item.layer == "hotspots":
        return maps.add_hotspots(m, item.data, view.res, period)
    if item.layer == "emerging":
        return maps.add_emerging(m, item.data, view.res, item.note)
    if item.layer == "events":
        return maps.add_events(m, item.data, period)
    if item.layer == "stations":
        return maps.add_stations(m, item.data)
    if item.layer == "trust":
        fc, label = item.data
        return maps.add_scores(m, fc, "TRUST", view.level, label)
    if item.layer == "points":
        places, total = item.data
        return maps.add_points(m, places, total, period)
    raise ValueError(f"Unknown layer {item.layer!r}")


_STILL = View(date(2000, 1, 1), date(2000, 1, 1), layers=())


def reads(layer: str, flt: IncidentFilter, view: View) -> tuple[IncidentFilter | None, View]:
    """The filter and view as far as ``layer`` reads them (the cache key of its data and script).

    The police stations read neither: they are computed and drawn once per data version, not again
    for every filter.
    """
    if layer == "stations":
        return None, _STILL
    return flt, view


def bounds(store, view: View, flt: IncidentFilter):
    """Where the map opens: the selected areas, else the whole level (else the incidents)."""
    if view.level:
        outlines = map_data.outlines(store, view.level)
        if flt.areas:
            outlines = outlines[outlines["code"].isin(map_data.codes_within(store, view.level, flt.level, flt.areas))]
        fc = map_data.feature_collection(outlines, outlines[["code"]])
        found = maps.outline_bounds(fc)
        if found:
            return found
    where, params = flt.where()
    row = store.rows(
        f"SELECT min(latitude), min(longitude), max(latitude), max(longitude) FROM incidents WHERE {where}", params
    )[0]
    if row[0] is None:  # nothing located yet: the whole world
        return (-60.0, -180.0), (75.0, 180.0)
    return (row[0], row[1]), (row[2], row[3])
