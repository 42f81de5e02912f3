"""What the maps show, as data frames: every aggregation behind the Map page, in the store's SQL.

Nothing here draws (lib/maps/draw.py does) or knows about Streamlit. Each
function takes the store, an ``IncidentFilter`` and, where it matters, a
boundary level or an H3 resolution, so that a public view can ask for the same
figures at a coarser precision. Counts are computed in the engine with a
``GROUP BY`` on the codes stored at load time; only aggregates leave it.
"""

from __future__ import annotations

import json

import h3
import numpy as np
import pandas as pd

from lib.constants import H3_RESOLUTIONS, MAX_STUDY_CELLS
from lib.ingest import spatial
from lib.ingest.load import area_level_of
from lib.stats.compstat import change_p, change_signal
from lib.stats.hotspots import NotEnoughData
from lib.store import schema
from lib.store.filters import IncidentFilter

YEAR = pd.Timedelta(days=364)  # 52 weeks: the same weekdays last year, as in CompStat


def h3_column(res: int) -> str:
    """The stored column of H3 cells at ``res``: ``9`` -> ``h3_9``."""
    if int(res) not in H3_RESOLUTIONS:
        raise ValueError(f"H3 resolution {res} is not stored; use one of {H3_RESOLUTIONS}.")
    return f"h3_{int(res)}"


# -- boundaries ----------------------------------------------------------------


def levels(store) -> list[str]:
    """Loaded boundary levels, coarsest (fewest areas) first."""
    if "boundaries" not in store.tables():
        return []
    frame = store.query("SELECT level, count(*) AS n FROM boundaries GROUP BY level ORDER BY count(*), level")
    return list(frame["level"])


def areas(store, level: str) -> pd.DataFrame:
    """Areas of a level: code, name, area_km2, centroid_lat, centroid_lon."""
    return store.query(
        "SELECT code, name, area_km2, centroid_lat, centroid_lon FROM boundaries WHERE level = :l ORDER BY code",
        {"l": level},
    )


def outlines(store, level: str) -> pd.DataFrame:
    """Simplified outlines of a level's areas (code, name, geometry as GeoJSON text), for drawing."""
    return store.query(
        "SELECT code, name, geometry_simple AS geometry FROM boundaries WHERE level = :l ORDER BY code", {"l": level}
    )


def codes_within(store, level: str, sel_level: str | None, sel_codes) -> list[str] | None:
    """Codes of ``level`` inside (or holding) the selected areas of ``sel_level``; None when nothing is selected.

    Beats within district 11, or the district holding beat 1121, through the
    nesting recorded at load time.
    """
    if not sel_level or not sel_codes:
        return None
    if sel_level == level:
        return list(sel_codes)
    down = store.query(
        "SELECT code FROM boundary_parents WHERE level = :l AND parent_level = :p "
        "AND parent_code IN (SELECT unnest(CAST(:codes AS TEXT[])))",
        {"l": level, "p": sel_level, "codes": list(sel_codes)},
    )
    if not down.empty:
        return list(down["code"])
    up = store.query(
        "SELECT DISTINCT parent_code AS code FROM boundary_parents WHERE level = :s AND parent_level = :l "
        "AND code IN (SELECT unnest(CAST(:codes AS TEXT[])))",
        {"s": sel_level, "l": level, "codes": list(sel_codes)},
    )
    return list(up["code"])


def population(store, level: str) -> pd.Series:
    """Residents per area of ``level`` (totals only); empty when none is loaded."""
    if "population" not in store.tables():
        return pd.Series(dtype="float64")
    frame = store.query(
        "SELECT area, sum(population) AS population FROM population WHERE level = :l AND dimension = 'total' "
        "AND category = 'total' GROUP BY area",
        {"l": level},
    )
    return frame.set_index("area")["population"]


# -- incidents by area -----------------------------------------------------------


def area_counts(store, flt: IncidentFilter, level: str) -> pd.DataFrame:
    """Incidents per area of ``level`` in the filter's period and the same dates 52 weeks earlier.

    Returns one row per area (zeros included; only the selected areas when the
    filter selects some): code, name, incidents, last_year, change, change_p
    (two-sided p of the two-count test, :func:`lib.stats.compstat.change_p`),
    signal ("real increase" below p 0.01, "watch (up)" below 0.05 ...),
    population, per_1000 (incidents per 1,000 residents over the period, where
    population is loaded), area_km2.
    """
    col = schema.level_column(level)
    start, end = pd.Timestamp(flt.start), pd.Timestamp(flt.end)
    where, params = flt.with_(start=None, end=None).where()
    params.update({"s": start, "e": end, "ps": start - YEAR, "pe": end - YEAR})
    counts = store.query(
        f'SELECT "{col}" AS code, '
        f"{schema.incident_total('occurred_at >= :s AND occurred_at < :e')} AS incidents, "
        f"{schema.incident_total('occurred_at >= :ps AND occurred_at < :pe')} AS last_year "
        f'FROM incidents WHERE {where} AND "{col}" IS NOT NULL '
        "AND ((occurred_at >= :s AND occurred_at < :e) OR (occurred_at >= :ps AND occurred_at < :pe)) "
        f'GROUP BY "{col}"',
        params,
    )
    out = areas(store, level)[["code", "name", "area_km2"]]
    keep = codes_within(store, level, flt.level, flt.areas)
    if keep is not None:
        out = out[out["code"].isin(keep)]
    out = out.merge(counts, on="code", how="left")
    out[["incidents", "last_year"]] = out[["incidents", "last_year"]].fillna(0).astype("int64")
    out["change"] = out["incidents"] - out["last_year"]
    out["change_p"] = np.asarray(change_p(out["incidents"].to_numpy(), out["last_year"].to_numpy()), dtype="float64")
    out["signal"] = [change_signal(a, b) for a, b in zip(out["incidents"], out["last_year"])]
    pop = population(store, level)
    out["population"] = out["code"].map(pop)
    out["per_1000"] = np.round(out["incidents"] / out["population"].where(out["population"] > 0) * 1000, 2)
    return out[
        [
            "code",
            "name",
            "incidents",
            "last_year",
            "change",
            "change_p",
            "signal",
            "population",
            "per_1000",
            "area_km2",
        ]
    ].reset_index(drop=True)


def offense_counts(store, flt: IncidentFilter) -> pd.DataFrame:
    """Incidents per raw offense name under the filter (offense, incidents), largest first."""
    where, params = flt.where()
    return store.query(
        f"SELECT offense, {schema.incident_total()} AS incidents FROM incidents WHERE {where} "
        "GROUP BY offense ORDER BY incidents DESC, offense",
        params,
    )


def offenses(store, dataset: str | None) -> list[str]:
    """Distinct raw offense names of a dataset."""
    where, params = IncidentFilter(dataset=dataset).where()
    return list(
        store.query(f"SELECT DISTINCT offense FROM incidents WHERE {where} ORDER BY offense", params)["offense"]
    )


# -- incidents by H3 cell --------------------------------------------------------


def cell_counts(store, flt: IncidentFilter, res: int) -> pd.DataFrame:
    """Incidents per H3 cell at ``res`` (cell, incidents); cells without incidents are absent."""
    col = h3_column(res)
    where, params = flt.where()
    return store.query(
        f"SELECT {col} AS cell, {schema.incident_total()} AS incidents FROM incidents "
        f"WHERE {where} AND {col} IS NOT NULL GROUP BY {col}",
        params,
    )


def slice_counts(store, flt: IncidentFilter, res: int, freq: str) -> pd.DataFrame:
    """Incidents per H3 cell and time slice (cell, slice, incidents); ``freq`` week, month or quarter."""
    if freq not in ("week", "month", "quarter"):
        raise ValueError(f"Unknown time slice {freq!r}: use week, month or quarter.")
    col = h3_column(res)
    where, params = flt.where()
    params["freq"] = freq
    return store.query(
        f"SELECT {col} AS cell, date_trunc(:freq, occurred_at) AS slice, {schema.incident_total()} AS incidents "
        f"FROM incidents WHERE {where} AND {col} IS NOT NULL "
        f"GROUP BY {col}, date_trunc(:freq, occurred_at)",
        params,
    )


def study_area(store, level: str | None = None, codes=None):
    """The polygon inside which hot spots are looked for: the selected areas, or the whole coarsest layer.

    Returns a shapely geometry, or None when no boundaries are loaded.
    """
    import shapely

    lvls = levels(store)
    if not lvls:
        return None
    if level and codes:
        rows = store.query(
            "SELECT geometry_simple FROM boundaries WHERE level = :l AND code IN (SELECT unnest(CAST(:c AS TEXT[])))",
            {"l": level, "c": list(codes)},
        )
    else:
        rows = store.query("SELECT geometry_simple FROM boundaries WHERE level = :l", {"l": lvls[0]})
    if rows.empty:
        return None
    return shapely.union_all(shapely.from_geojson(rows["geometry_simple"].to_numpy()))


def study_cells(store, res: int, level: str | None = None, codes=None, dataset: str | None = None) -> list[str]:
    """H3 cells of the study area at ``res``, sorted.

    Cells whose centre lies inside :func:`study_area`. Without boundaries, as
    in Esri's tools, the cells holding at least one incident of the dataset.

    Raises NotEnoughData (with advice) when the area would need more than
    ``MAX_STUDY_CELLS`` cells at this resolution.
    """
    area = study_area(store, level, codes)
    if area is None:
        col = h3_column(res)
        where, params = IncidentFilter(dataset=dataset).where()
        cells = store.query(
            f"SELECT DISTINCT {col} AS cell FROM incidents WHERE {where} AND {col} IS NOT NULL", params
        )["cell"]
        return sorted(cells)
    km2 = float(spatial.gpd.GeoSeries([area], crs=spatial.WGS84).to_crs(spatial.EQUAL_AREA).area.iloc[0]) / 1e6
    expected = km2 / h3.average_hexagon_area(int(res), "km^2")
    if expected > MAX_STUDY_CELLS:
        raise NotEnoughData(
            f"At resolution {res} this area needs about {expected:,.0f} hexagons, more than the "
            f"{MAX_STUDY_CELLS:,} analysed at once. Choose a coarser resolution or select an area."
        )
    return sorted(h3.geo_to_cells(area, int(res)))


def kde_points(store, flt: IncidentFilter) -> pd.DataFrame:
    """Incidents at each distinct location (latitude, longitude, weight): the kernel density's input.

    The incidents' own coordinates, whatever the selection: snapping them to
    H3 centres would move each by tens of metres, a large share of the 150-400 m
    bandwidth the rule gives for a district or a beat. ``weight`` is the sum of
    ``count`` at the location (exports geocode to the hundred block, so
    locations repeat and a million incidents hold far fewer of them).
    """
    where, params = flt.where()
    return store.query(
        f"SELECT latitude, longitude, CAST({schema.incident_total()} AS DOUBLE PRECISION) AS weight FROM incidents "
        f"WHERE {where} AND latitude IS NOT NULL AND longitude IS NOT NULL GROUP BY latitude, longitude "
        "ORDER BY weight DESC, latitude, longitude",
        params,
    )


def incident_points(store, flt: IncidentFilter, limit: int) -> tuple[pd.DataFrame, int]:
    """Incidents grouped at hundred-block precision, for the points layer; and the number of places.

    Each place is a block address where the export has one (shown at the mean
    location of all the dataset's incidents on that block, so no single
    incident's position is given), or else an H3 resolution-10 cell (shown at
    its centre). Returns the ``limit`` places with most incidents: place,
    block, latitude, longitude, incidents, first, last, offenses (a text such
    as "THEFT 3, BATTERY 1").
    """
    where, params = flt.where()
    place = "coalesce(block, 'cell ' || h3_10)"
    total = int(
        store.scalar(f"SELECT count(DISTINCT {place}) FROM incidents WHERE {where} AND latitude IS NOT NULL", params)
        or 0
    )
    places = store.query(
        f"SELECT {place} AS place, max(block) AS block, max(h3_10) AS cell, {schema.incident_total()} AS incidents, "
        f"min(occurred_at) AS first, max(occurred_at) AS last FROM incidents "
        f"WHERE {where} AND latitude IS NOT NULL GROUP BY {place} ORDER BY incidents DESC, {place} LIMIT :limit",
        {**params, "limit": int(limit)},
    )
    if places.empty:
        return places.assign(latitude=[], longitude=[], offenses=[]), total
    blocks = [b for b in places["block"].dropna()]
    located = (
        store.query(
            "SELECT block, avg(latitude) AS latitude, avg(longitude) AS longitude FROM incidents "
            "WHERE dataset = :d AND block IN (SELECT unnest(CAST(:blocks AS TEXT[]))) AND latitude IS NOT NULL "
            "GROUP BY block",
            {"d": flt.dataset, "blocks": blocks},
        ).set_index("block")
        if blocks
        else pd.DataFrame(columns=["latitude", "longitude"])
    )
    lat = places["block"].map(located["latitude"]) if len(located) else pd.Series(np.nan, index=places.index)
    lon = places["block"].map(located["longitude"]) if len(located) else pd.Series(np.nan, index=places.index)
    no_block = places["block"].isna()
    if no_block.any():
        centres = places.loc[no_block, "cell"].map(h3.cell_to_latlng)
        lat[no_block] = centres.str[0]
        lon[no_block] = centres.str[1]
    places["latitude"], places["longitude"] = lat.astype("float64"), lon.astype("float64")
    mix = store.query(
        f"SELECT {place} AS place, offense, {schema.incident_total()} AS n FROM incidents WHERE {where} AND latitude IS NOT NULL "
        f"AND {place} IN (SELECT unnest(CAST(:places AS TEXT[]))) GROUP BY {place}, offense",
        {**params, "places": list(places["place"])},
    )
    mix = mix.sort_values(["place", "n", "offense"], ascending=[True, False, True])
    text = mix.assign(t=mix["offense"] + " " + mix["n"].astype("str")).groupby("place")["t"].agg(", ".join)
    places["offenses"] = places["place"].map(text)
    return places.drop(columns=["cell"]), total


# -- events, stations, scores ------------------------------------------------------


def events(store, start, end, level: str | None = None, codes=None) -> pd.DataFrame:
    """Community events held from ``start`` to ``end`` (exclusive), with their type and a place on the map.

    Types, cancellations and the areas each event serves are the Engagement
    page's (lib/engagement/events.py, lib/engagement/types.py, lib/engagement/areas.py): a
    "823/825 Beat Meeting" serves beats 823 and 825 even when the calendar
    gives only district 8. With ``level`` and ``codes``, only events serving
    those areas. Events without coordinates are placed at the centre of the
    finest area they serve (``placed`` says which), so a calendar that records
    no addresses still shows where its meetings were held.
    """
    from lib.engagement import events as engagement

    cols = ["title", "type", "starts_at", "location", "latitude", "longitude", "placed", "area_level", "area"]
    frame = engagement.held(engagement.events(store, start, end))
    if frame.empty:
        return pd.DataFrame(columns=cols)
    link = engagement.links(store, frame)
    if level and codes:
        chosen = link[(link["level"] == level) & link["code"].isin(list(codes))]
        keys = set(zip(chosen["dataset"], chosen["event_id"]))
        frame = frame[[k in keys for k in zip(frame["dataset"], frame["event_id"])]]
    frame = frame.copy()
    frame["placed"] = np.where(frame["latitude"].notna(), "own location", "")
    frame["area_level"], frame["area"] = None, None
    order = levels(store)[::-1]  # finest first
    finest = (
        link.assign(rank=link["level"].map({lvl: i for i, lvl in enumerate(order)}))
        .sort_values(["rank", "code"])
        .drop_duplicates(["dataset", "event_id"])
    )
    finest = finest.set_index(["dataset", "event_id"])
    todo = frame["placed"].eq("")
    keys = list(zip(frame.loc[todo, "dataset"], frame.loc[todo, "event_id"]))
    found = finest.reindex(keys)
    for lvl in order:
        here = (found["level"] == lvl).to_numpy()
        if not here.any():
            continue
        centres = areas(store, lvl).set_index("code")
        idx = frame.index[todo][here]
        area_codes = found["code"].to_numpy()[here]
        frame.loc[idx, "latitude"] = centres["centroid_lat"].reindex(area_codes).to_numpy()
        frame.loc[idx, "longitude"] = centres["centroid_lon"].reindex(area_codes).to_numpy()
        frame.loc[idx, "area_level"], frame.loc[idx, "area"] = lvl, area_codes
        frame.loc[idx, "placed"] = f"{lvl} centre"
    return frame[cols].reset_index(drop=True)


def stations(store) -> pd.DataFrame:
    """Police stations with a location (name, address, area, latitude, longitude)."""
    if "stations" not in store.tables():
        return pd.DataFrame(columns=["name", "address", "area", "latitude", "longitude"])
    return store.query(
        "SELECT name, address, area, latitude, longitude FROM stations WHERE latitude IS NOT NULL ORDER BY name"
    )


def score_level(store, level: str) -> str | None:
    """The survey scores' own level name whose area codes are those of boundary level ``level``."""
    if "survey_scores" not in store.tables():
        return None
    codes = set(areas(store, level)["code"])
    found = store.query("SELECT DISTINCT level, area FROM survey_scores")
    for score_lvl, group in found.groupby("level"):
        if area_level_of(set(group["area"]), {level: codes}, min_share=0.8) == level:
            return str(score_lvl)
    return None


def scores_by_area(store, level: str, start, end, measures=("TRUST", "SAFETY")) -> tuple[pd.DataFrame, str]:
    """Mean published score per area of ``level`` over the periods overlapping [start, end); and the period.

    When no period overlaps, the newest period before ``end`` stands in, and
    the returned period text says so. Columns: code, one per measure, periods.
    """
    score_lvl = score_level(store, level)
    if score_lvl is None:
        return pd.DataFrame(), ""
    frame = store.query(
        "SELECT area AS code, measure, period_start, period_end, value FROM survey_scores "
        "WHERE level = :l AND measure IN (SELECT unnest(CAST(:m AS TEXT[]))) AND period_days >= 28 "
        "AND period_start < :e",
        {"l": score_lvl, "m": list(measures), "e": pd.Timestamp(end)},
    )
    if frame.empty:
        return pd.DataFrame(), ""
    inside = frame[frame["period_end"] >= pd.Timestamp(start)]
    if inside.empty:
        newest = frame["period_start"].max()
        inside = frame[frame["period_start"] == newest]
        label = f"{newest:%B %Y} (the newest scores before the period)"
    else:
        label = f"{inside['period_start'].min():%b %Y} to {inside['period_end'].max():%b %Y}"
    wide = inside.pivot_table(index="code", columns="measure", values="value", aggfunc="mean").round(1)
    wide["periods"] = inside.groupby("code")["period_start"].nunique()
    return wide.reset_index(), label


def feature_collection(outline_rows: pd.DataFrame, properties: pd.DataFrame) -> dict:
    """GeoJSON FeatureCollection of outlines joined (on code) to a table of properties."""
    props = properties.set_index("code")
    features = []
    for code, geometry in zip(outline_rows["code"], outline_rows["geometry"]):
        if code not in props.index:
            continue
        row = {k: _plain(v) for k, v in props.loc[code].items()}
        features.append({"type": "Feature", "geometry": json.loads(geometry), "properties": {"code": code, **row}})
    return {"type": "FeatureCollection", "features": features}


def _plain(value):
    """JSON-ready scalar: numpy numbers to Python, missing to None."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def incident_total(store, flt: IncidentFilter) -> tuple[int, int]:
    """Incidents under the filter, and how many of them have a location."""
    where, params = flt.where()
    n, located = store.rows(
        f"SELECT {schema.incident_total()}, {schema.incident_total('latitude IS NOT NULL')} FROM incidents WHERE {where}",
        params,
    )[0]
    return int(n), int(located)


def span(store, dataset: str | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """First and last incident time of a dataset (None, None when it is empty)."""
    where, params = IncidentFilter(dataset=dataset).where()
    first, last = store.rows(f"SELECT min(occurred_at), max(occurred_at) FROM incidents WHERE {where}", params)[0]
    return (None, None) if first is None else (pd.Timestamp(first), pd.Timestamp(last))
