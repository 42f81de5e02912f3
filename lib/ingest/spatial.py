"""Spatial enrichment: which area of each boundary level holds a point, and its H3 cell at every stored resolution.

Done once, at load time, so that every map is afterwards a plain GROUP BY on
stored codes in whichever SQL engine holds the data (no spatial extension).
Work is done on distinct coordinates only: crime data repeats points heavily
(hundred-block geocoding), so 1,000,000 incidents carry far fewer locations.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from lib.constants import H3_RESOLUTIONS

WGS84 = "EPSG:4326"
# Equal-area projection for polygon areas anywhere on Earth.
EQUAL_AREA = "EPSG:6933"


def distinct_points(lat: pd.Series, lon: pd.Series) -> pd.DataFrame:
    """Distinct (latitude, longitude) pairs among the non-missing ones."""
    pts = pd.DataFrame({"latitude": lat.to_numpy(), "longitude": lon.to_numpy()}).dropna()
    return pts.drop_duplicates(ignore_index=True)


def h3_cells(points: pd.DataFrame, resolutions=H3_RESOLUTIONS) -> pd.DataFrame:
    """H3 cell ids (hex strings) of each point at each resolution, as columns ``h3_<res>``.

    Every resolution is computed from the coordinates. H3 cells do not nest:
    a resolution-10 cell's parent at resolution 9 is not always the cell that
    holds the point (about 7% of Chicago's incidents differ at resolutions 7-9),
    so taking parents would count incidents in hexagons drawn elsewhere.

    The cells come from h3ronpy (the H3 library's Rust port h3o, vectorised
    over Arrow arrays), 2-3 times faster than a loop of ``h3.latlng_to_cell``
    and identical to it (tests/ingest/test_h3_cells.py checks every stored point).

    >>> pts = pd.DataFrame({"latitude": [41.8781], "longitude": [-87.6298]})
    >>> import h3
    >>> h3_cells(pts).iloc[0].tolist() == [h3.latlng_to_cell(41.8781, -87.6298, r) for r in H3_RESOLUTIONS]
    True
    """
    from h3ronpy import cells_to_string
    from h3ronpy.vector import coordinates_to_cells

    lat = points["latitude"].to_numpy(dtype="float64")
    lon = points["longitude"].to_numpy(dtype="float64")
    out = pd.DataFrame(index=points.index)
    for res in resolutions:
        cells = cells_to_string(coordinates_to_cells(lat, lon, int(res)))
        out[f"h3_{res}"] = pd.array(pa.array(cells), dtype="str")
    return out


def recompute_h3_cells(store, progress=None) -> dict[str, int]:
    """Recompute the H3 cells of every stored point from its coordinates, in one transaction.

    Stores built before every resolution was computed from the coordinates hold
    coarser cells taken as parents of the resolution-10 cell, wrong for 6-7% of
    points. This puts each row's cells where :func:`h3_cells` puts them; rows
    without coordinates keep no cell. Either every table is updated or none is.
    ``python -m lib reenrich`` runs it.

    Parameters
    ----------
    store : lib.store.connection.Store
    progress : callable(fraction, text), optional

    Returns
    -------
    dict
        Rows whose cell changed at any resolution, per geocoded table.
    """
    from lib.store import schema

    cols = [f"h3_{r}" for r in H3_RESOLUTIONS]
    present = store.tables()
    tables = [t for t in schema.GEOCODED_TABLES if t in present and set(cols) <= set(store.columns(t))]
    changed: dict[str, int] = {}
    with store.transaction():
        for i, table in enumerate(tables):
            if progress:
                progress(i / max(len(tables), 1), f"H3 cells of {table}")
            points = store.query(
                f"SELECT DISTINCT latitude, longitude FROM {table} WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
            )
            if points.empty:
                changed[table] = 0
                continue
            found = pd.concat([points, h3_cells(points)], axis=1)
            store.stage(
                "staged_cells", found, {"latitude": "double", "longitude": "double", **dict.fromkeys(cols, "text")}
            )
            differs = " OR ".join(f"{table}.{c} IS DISTINCT FROM p.{c}" for c in cols)
            changed[table] = int(
                store.scalar(
                    f"SELECT count(*) FROM {table} JOIN staged_cells p ON {table}.latitude = p.latitude "
                    f"AND {table}.longitude = p.longitude WHERE {differs}"
                )
                or 0
            )
            store.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = p.{c}' for c in cols)} FROM staged_cells p "
                f"WHERE {table}.latitude = p.latitude AND {table}.longitude = p.longitude AND ({differs})"
            )
            store.drop_stage("staged_cells")
            # A row whose coordinates are missing has no cell.
            store.execute(
                f"UPDATE {table} SET {', '.join(f'{c} = NULL' for c in cols)} "
                "WHERE latitude IS NULL OR longitude IS NULL"
            )
    if progress:
        progress(1.0, "H3 cells recomputed")
    return changed


def points_in(points: pd.DataFrame, layer: gpd.GeoDataFrame) -> pd.Series:
    """Code of the polygon of ``layer`` (columns code, geometry) holding each point; missing outside.

    The tree is built on the points and queried with each polygon, so every
    polygon is prepared once and tested against its candidate points: several
    times faster than testing each point against the polygons' tree.
    """
    out = pd.Series(None, index=points.index, dtype="str")
    if points.empty or layer.empty:
        return out
    pts = shapely.points(points["longitude"].to_numpy(), points["latitude"].to_numpy())
    tree = shapely.STRtree(pts)
    poly_idx, pt_idx = tree.query(layer.geometry.to_numpy(), predicate="intersects")
    # A point on a shared edge touches two polygons: keep the first.
    first = pd.Series(poly_idx, index=pt_idx)
    first = first[~first.index.duplicated(keep="first")]
    codes = layer["code"].to_numpy()[first.to_numpy()]
    out.iloc[first.index.to_numpy()] = codes
    return out


def layer_from_rows(rows: pd.DataFrame) -> gpd.GeoDataFrame:
    """GeoDataFrame (code, name, geometry) from stored boundary rows (GeoJSON text)."""
    geoms = shapely.from_geojson(rows["geometry"].to_numpy())
    return gpd.GeoDataFrame(
        {"code": rows["code"].to_numpy(), "name": rows["name"].to_numpy()}, geometry=geoms, crs=WGS84
    )


def dissolve_by_code(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per code: layers often split an area into several features."""
    if not gdf["code"].duplicated().any():
        return gdf.reset_index(drop=True)
    names = gdf.groupby("code", sort=False)["name"].first()
    merged = gdf.dissolve(by="code", sort=False)[["geometry"]]
    merged["name"] = names
    return merged.reset_index()[["code", "name", "geometry"]]


def describe_polygons(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area (km2), centroid, full and simplified GeoJSON of each polygon.

    The simplified outline (tolerance ~11 m) is what web maps draw: a beat
    layer shrinks several-fold with no visible change at city zoom.
    """
    area = gdf.to_crs(EQUAL_AREA).geometry.area / 1e6
    reps = gdf.geometry.representative_point()
    simple = gdf.geometry.simplify(0.0001, preserve_topology=True)
    return pd.DataFrame(
        {
            "geometry": shapely.to_geojson(gdf.geometry.to_numpy(), indent=None),
            "geometry_simple": shapely.to_geojson(simple.to_numpy()),
            "area_km2": area.to_numpy(),
            "centroid_lat": reps.y.to_numpy(),
            "centroid_lon": reps.x.to_numpy(),
        },
        index=gdf.index,
    )


def parents(child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame, min_share: float = 0.5) -> pd.DataFrame:
    """For each child area, the parent area covering most of it (at least ``min_share``).

    Beats nest in districts; the overlap test tolerates boundaries drawn at
    slightly different precision. Returns columns code, parent_code.
    """
    if child.empty or parent.empty:
        return pd.DataFrame(columns=["code", "parent_code"])
    c = child[["code", "geometry"]].to_crs(EQUAL_AREA)
    p = parent[["code", "geometry"]].rename(columns={"code": "parent_code"}).to_crs(EQUAL_AREA)
    c["child_area"] = c.geometry.area
    pieces = gpd.overlay(c, p, how="intersection", keep_geom_type=True)
    if pieces.empty:
        return pd.DataFrame(columns=["code", "parent_code"])
    pieces["share"] = pieces.geometry.area / pieces["child_area"]
    best = pieces.sort_values("share", ascending=False).drop_duplicates("code")
    best = best[best["share"] >= min_share]
    return best[["code", "parent_code"]].reset_index(drop=True)


def nests(child: gpd.GeoDataFrame, parent: gpd.GeoDataFrame) -> bool:
    """Whether ``child`` areas are finer than ``parent`` areas (more of them, smaller)."""
    return len(child) > len(parent)


def reproject_xy(x: pd.Series, y: pd.Series, crs: str) -> tuple[pd.Series, pd.Series]:
    """Projected x/y (e.g. State Plane feet, EPSG:2263) to WGS84 latitude, longitude."""
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    lon, lat = transformer.transform(x.to_numpy(dtype="float64"), y.to_numpy(dtype="float64"))
    return pd.Series(lat, index=x.index), pd.Series(lon, index=x.index)
