"""Kernel density of incidents: the heat surface, with the quartic kernel and Esri's bandwidth rule.

Distances are in metres: points are projected to their UTM zone before any
distance is taken (degrees of longitude shrink with latitude).

Kernel (quartic, or biweight; Silverman 1986, eq. 4.5), as ArcGIS Kernel
Density applies it, for a location at distance d_i from each point i with
weight w_i and bandwidth h::

    density = 1 / h**2 * sum_i  3 / pi * w_i * (1 - (d_i / h)**2)**2     for d_i < h

Bandwidth (ArcGIS's default search radius, a spatial variant of Silverman's
rule of thumb)::

    h = 0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n**-0.2

with SD the standard distance of the points (weighted), Dm the weighted
median distance to the weighted mean centre and n the sum of the weights.
The input is the incidents' own coordinates, weighted by their ``count``.

The surface is computed by binning the points linearly onto a grid whose
cell is a fortieth of the bandwidth, whatever the selection (city, district
or beat), and convolving with the kernel (FFT); an extent wider than 2,048
cells is cut into tiles, each with a bandwidth of halo, so memory stays
bounded. For display on a web map each pixel of a Web Mercator image (the
projection the map draws in) takes the density at its centre, by cubic
interpolation between the grid's nodes: within 1.5% of the direct sum over
the incidents wherever the density is above 5% of its peak, in every Chicago
beat and district (benchmarks/kde_error.py).

References
----------
Silverman, B. W. (1986). Density Estimation for Statistics and Data
Analysis. Chapman and Hall, eq. 4.5 and 4.14.
Esri, "How Kernel Density works", ArcGIS Pro documentation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pyproj import Transformer
from scipy import ndimage, signal

WGS84 = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"


def utm_crs(lat: np.ndarray, lon: np.ndarray) -> str:
    """The UTM zone (EPSG code) of the points' mean location.

    >>> utm_crs(np.array([41.88]), np.array([-87.63]))  # Chicago: zone 16 north
    'EPSG:32616'
    """
    zone = int((float(np.mean(lon)) + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if float(np.mean(lat)) >= 0 else 32700 + zone}"


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def bandwidth(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Esri's default search radius, in the units of ``x`` and ``y`` (metres when projected).

    ``0.9 * min(SD, sqrt(1 / ln 2) * Dm) * n ** -0.2``; returns 0 when all
    points coincide.

    Examples
    --------
    Four points on the corners of a 2 x 2 square: the mean centre is its
    middle, every point lies sqrt(2) from it, so SD = Dm = sqrt(2) and
    h = 0.9 * sqrt(2) * 4 ** -0.2:

    >>> round(float(bandwidth(np.array([0., 2, 0, 2]), np.array([0., 0, 2, 2]))), 4)
    0.9646
    """
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype="float64")
    n = w.sum()
    if n <= 0:
        return 0.0
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    d = np.hypot(x - mx, y - my)
    sd = math.sqrt(float(np.sum(w * d**2) / n))
    dm = _weighted_median(d, w)
    return float(0.9 * min(sd, math.sqrt(1 / math.log(2)) * dm) * n**-0.2)


def quartic(d: np.ndarray, h: float) -> np.ndarray:
    """Quartic kernel value per unit area at distance ``d`` (integrates to 1 over the plane)."""
    u = np.asarray(d, dtype="float64") / h
    return np.where(u < 1, 3 / (math.pi * h * h) * (1 - u * u) ** 2, 0.0)


def density_at(px, py, x, y, h: float, weights=None) -> np.ndarray:
    """Direct kernel density at locations (px, py): the reference the grid is checked against."""
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype="float64")
    d = np.hypot(np.subtract.outer(np.asarray(px), x), np.subtract.outer(np.asarray(py), y))
    return (quartic(d, h) * w).sum(axis=-1)


# The binning grid's cell as a share of the bandwidth. Binning's error grows with (cell / h)**2 and is
# largest in the tail of an isolated incident: at h / 20 it reached 3% there (Chicago beats); at h / 40,
# with cubic interpolation to the image's pixels, it stays under 1.5% in every beat wherever the density
# is above 5% of the peak (tests/stats/test_kde.py, benchmarks/kde_error.py).
CELL_SHARE = 1 / 40
# Largest side of one binning tile, in cells; a wider extent (points far apart) is cut into tiles, each
# convolved with its halo of one bandwidth, so memory stays bounded whatever the spread.
MAX_TILE = 2048
SPLINE_MARGIN = 6  # cells of grid kept around each tile for the cubic interpolation


@dataclass(frozen=True)
class Surface:
    """A density raster in Web Mercator, ready to lay on a web map.

    ``density`` is incidents per km2 at each pixel's centre, row 0 to the north;
    ``bounds`` is ((south, west), (north, east)) in degrees, the outer pixel edges.
    ``cell_m`` is the binning cell (a fortieth of the bandwidth), ``pixel_m``
    the image's pixel (coarser where the area is large: the values stay exact).
    """

    density: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]
    bandwidth_m: float
    cell_m: float
    n: float
    crs: str
    pixel_m: float = 0.0

    @property
    def peak(self) -> float:
        return float(np.nanmax(self.density)) if self.density.size else 0.0

    def pixel_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude of every pixel's centre (arrays shaped like ``density``)."""
        (south, west), (north, east) = self.bounds
        to_merc = Transformer.from_crs(WGS84, WEB_MERCATOR, always_xy=True)
        (mw, me), (ms, mn) = to_merc.transform([west, east], [south, north])
        nrow, ncol = self.density.shape
        mx = mw + (np.arange(ncol) + 0.5) * (me - mw) / ncol
        my = mn - (np.arange(nrow) + 0.5) * (mn - ms) / nrow
        gx, gy = np.meshgrid(mx, my)
        lon, lat = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True).transform(gx, gy)
        return lat, lon


def grid_density(x, y, weights, h: float, cell: float, extent=None):
    """Density (per m2) on a regular grid covering the points plus one bandwidth.

    Each point's weight is shared linearly among its four surrounding grid
    nodes, and the binned counts are convolved with the quartic kernel sampled
    on the grid (FFT). ``extent`` (xmin, ymin, xmax, ymax) fixes the grid's
    nodes to cover that box instead (points outside it still count where their
    kernel reaches in).

    Returns (density, x0, y0): ``density[i, j]`` is the value at
    (x0 + j * cell, y0 + i * cell), row 0 to the south.
    """
    x, y, weights = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"), np.asarray(weights, dtype="float64")
    r = int(math.ceil(h / cell))
    if extent is None:
        extent = (float(np.min(x)) - h, float(np.min(y)) - h, float(np.max(x)) + h, float(np.max(y)) + h)
    x0, y0 = extent[0] - cell, extent[1] - cell
    ncol = int(math.ceil((extent[2] + cell - x0) / cell)) + 1
    nrow = int(math.ceil((extent[3] + cell - y0) / cell)) + 1
    # Bin on a grid padded by the kernel's radius, so points just outside the box still reach in.
    px0, py0 = x0 - r * cell, y0 - r * cell
    fx, fy = (x - px0) / cell, (y - py0) / cell
    ix, iy = np.floor(fx).astype(int), np.floor(fy).astype(int)
    keep = (ix >= 0) & (iy >= 0) & (ix < ncol + 2 * r - 1) & (iy < nrow + 2 * r - 1)
    ix, iy, w = ix[keep], iy[keep], weights[keep]
    ax, ay = fx[keep] - ix, fy[keep] - iy
    grid = np.zeros((nrow + 2 * r, ncol + 2 * r))
    for dx, dy, share in ((0, 0, (1 - ax) * (1 - ay)), (1, 0, ax * (1 - ay)), (0, 1, (1 - ax) * ay), (1, 1, ax * ay)):
        np.add.at(grid, (iy + dy, ix + dx), w * share)
    ky, kx = np.mgrid[-r : r + 1, -r : r + 1] * cell
    kernel = quartic(np.hypot(kx, ky), h)
    kernel *= 1.0 / (kernel.sum() * cell * cell)  # the sampled kernel keeps every incident's mass
    dens = signal.fftconvolve(grid, kernel, mode="same")[r : r + nrow, r : r + ncol]
    return np.clip(dens, 0, None), x0, y0


class _Tiles:
    """The density on binning tiles that cover the points; zero wherever no point is within a bandwidth."""

    def __init__(self, x, y, w, h: float, cell: float):
        self.cell = cell
        side = MAX_TILE * cell
        xmin, ymin = float(np.min(x)) - h, float(np.min(y)) - h
        kx, ky = np.floor((x - xmin) / side).astype(int), np.floor((y - ymin) / side).astype(int)
        # A tile is needed wherever a point's kernel reaches: its own tile and, near an edge, the next
        # ones (a tile is about a hundred bandwidths wide, so never further).
        keys = {
            (a + dx, b + dy) for a, b in set(zip(kx.tolist(), ky.tolist())) for dx in (-1, 0, 1) for dy in (-1, 0, 1)
        }
        self.tiles = []
        for tx, ty in sorted(keys):
            box = (xmin + tx * side, ymin + ty * side, xmin + (tx + 1) * side, ymin + (ty + 1) * side)
            reach = h + (SPLINE_MARGIN + 1) * cell
            near = (x > box[0] - reach) & (x < box[2] + reach) & (y > box[1] - reach) & (y < box[3] + reach)
            if not near.any():
                continue
            # Only the part of the tile within a bandwidth of its points needs a grid.
            box = (
                max(box[0], float(x[near].min()) - h),
                max(box[1], float(y[near].min()) - h),
                min(box[2], float(x[near].max()) + h),
                min(box[3], float(y[near].max()) + h),
            )
            if box[0] >= box[2] or box[1] >= box[3]:
                continue
            # A margin of a few cells around the box: the cubic spline reads beyond its pixel's cell.
            pad = SPLINE_MARGIN * cell
            grid_box = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            dens, x0, y0 = grid_density(x[near], y[near], w[near], h, cell, extent=grid_box)
            self.tiles.append((box, dens, x0, y0))

    def at(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """Density (per m2) at projected locations, by cubic spline between the grid's nodes.

        Cubic rather than bilinear: linear interpolation adds an error of the binning's order
        (half the worst case in a beat's sparse tails), the spline almost none.
        """
        out = np.zeros(np.shape(px))
        for box, dens, x0, y0 in self.tiles:
            inside = (px >= box[0]) & (px < box[2]) & (py >= box[1]) & (py < box[3])
            if inside.any():
                rows, cols = (py[inside] - y0) / self.cell, (px[inside] - x0) / self.cell
                out[inside] = ndimage.map_coordinates(dens, [rows, cols], order=3, mode="constant", cval=0.0)
        return np.clip(out, 0, None)  # a spline can dip below zero where the surface ends


def surface(lat, lon, weights=None, bandwidth_m: float | None = None, max_pixels: int = 500) -> Surface | None:
    """Kernel density surface of points (degrees), in incidents per km2, for a web map.

    The points are binned onto a grid whose cell is a fortieth of the
    bandwidth (``CELL_SHARE``), whatever the area, and convolved with the
    quartic kernel; the image's pixels then take the density at their centres.

    Parameters
    ----------
    lat, lon : array of float
        Point locations in degrees (WGS84): the incidents' own coordinates.
    weights : array of float, optional
        Incidents at each location (the ``count`` of each row, summed over rows at one place).
    bandwidth_m : float, optional
        Search radius in metres; Esri's rule (:func:`bandwidth`) when not given.
    max_pixels : int
        Largest side of the image, in pixels (the image's size, not the binning's).

    Returns
    -------
    Surface or None
        None when there are no points or they all coincide.
    """
    lat, lon = np.asarray(lat, dtype="float64"), np.asarray(lon, dtype="float64")
    w = np.ones(len(lat)) if weights is None else np.asarray(weights, dtype="float64")
    if len(lat) == 0 or w.sum() <= 0:
        return None
    crs = utm_crs(lat, lon)
    to_utm = Transformer.from_crs(WGS84, crs, always_xy=True)
    x, y = to_utm.transform(lon, lat)
    h = bandwidth_m or bandwidth(x, y, w)
    if not h or h <= 0:
        return None
    cell = h * CELL_SHARE
    tiles = _Tiles(x, y, w, h, cell)
    extent = max(np.ptp(x), np.ptp(y)) + 2 * h
    pixel = max(cell, extent / max_pixels)
    return _to_web_mercator(tiles, (x.min() - h, y.min() - h, x.max() + h, y.max() + h), pixel, crs, h, float(w.sum()))


def _to_web_mercator(tiles: _Tiles, box, pixel: float, crs: str, h: float, n: float) -> Surface:
    """An image in Web Mercator (the map's projection) over ``box`` (UTM), each pixel the density at its centre."""
    to_wgs = Transformer.from_crs(crs, WGS84, always_xy=True)
    xs = np.array([box[0], box[2], box[0], box[2]])
    ys = np.array([box[1], box[1], box[3], box[3]])
    lons, lats = to_wgs.transform(xs, ys)
    west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
    to_merc = Transformer.from_crs(WGS84, WEB_MERCATOR, always_xy=True)
    (mw, me), (ms, mn) = to_merc.transform([west, east], [south, north])
    ncol = max(2, int(math.ceil((box[2] - box[0]) / pixel)))
    nrow = max(2, int(math.ceil((box[3] - box[1]) / pixel)))
    # Pixel centres along Web Mercator axes, row 0 to the north; the image spans their outer edges.
    mx = mw + (np.arange(ncol) + 0.5) * (me - mw) / ncol
    my = mn - (np.arange(nrow) + 0.5) * (mn - ms) / nrow
    gx, gy = np.meshgrid(mx, my)
    lon_px, lat_px = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True).transform(gx, gy)
    ux, uy = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon_px, lat_px)
    dens = tiles.at(ux, uy) * 1e6
    return Surface(dens, ((float(south), float(west)), (float(north), float(east))), h, tiles.cell, n, crs, pixel)
