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
The bandwidth decides what the surface shows; the grid cell size barely
matters, so cells are a fifth of the bandwidth (fewer where the area is
large).

The surface is computed by binning the points linearly onto the grid and
convolving with the kernel (FFT): exact at the grid nodes up to the binning,
whose error is a small fraction of a cell. For display on a web map the UTM
grid is resampled onto a Web Mercator grid, the projection the map draws in,
so the image sits where the incidents are.

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


@dataclass(frozen=True)
class Surface:
    """A density raster in Web Mercator, ready to lay on a web map.

    ``density`` is incidents per km2, row 0 to the north; ``bounds`` is
    ((south, west), (north, east)) in degrees.
    """

    density: np.ndarray
    bounds: tuple[tuple[float, float], tuple[float, float]]
    bandwidth_m: float
    cell_m: float
    n: float
    crs: str

    @property
    def peak(self) -> float:
        return float(np.nanmax(self.density)) if self.density.size else 0.0


def grid_density(x, y, weights, h: float, cell: float):
    """Density (per m2) on a regular grid covering the points plus one bandwidth.

    Returns (density, x0, y0): ``density[i, j]`` is the value at
    (x0 + j * cell, y0 + i * cell), row 0 to the south.
    """
    pad = h + cell
    x0, y0 = float(np.min(x)) - pad, float(np.min(y)) - pad
    ncol = int(math.ceil((float(np.max(x)) + pad - x0) / cell)) + 1
    nrow = int(math.ceil((float(np.max(y)) + pad - y0) / cell)) + 1
    # Linear binning: each point's weight is shared among its 4 surrounding nodes.
    fx, fy = (np.asarray(x) - x0) / cell, (np.asarray(y) - y0) / cell
    ix, iy = np.floor(fx).astype(int), np.floor(fy).astype(int)
    ax, ay = fx - ix, fy - iy
    grid = np.zeros((nrow, ncol))
    for dx, dy, share in ((0, 0, (1 - ax) * (1 - ay)), (1, 0, ax * (1 - ay)), (0, 1, (1 - ax) * ay), (1, 1, ax * ay)):
        np.add.at(grid, (iy + dy, ix + dx), weights * share)
    r = int(math.ceil(h / cell))
    ky, kx = np.mgrid[-r : r + 1, -r : r + 1] * cell
    kernel = quartic(np.hypot(kx, ky), h)
    kernel *= 1.0 / (kernel.sum() * cell * cell)  # the sampled kernel keeps every incident's mass
    dens = signal.fftconvolve(grid, kernel, mode="same")
    return np.clip(dens, 0, None), x0, y0


def surface(lat, lon, weights=None, bandwidth_m: float | None = None, max_cells: int = 500) -> Surface | None:
    """Kernel density surface of points (degrees), in incidents per km2, for a web map.

    Parameters
    ----------
    lat, lon : array of float
        Point locations in degrees (WGS84).
    weights : array of float, optional
        Incidents at each location (e.g. counts per H3 cell centre).
    bandwidth_m : float, optional
        Search radius in metres; Esri's rule (:func:`bandwidth`) when not given.
    max_cells : int
        Largest grid side, in cells, for speed and for the size of the image.

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
    extent = max(np.ptp(x), np.ptp(y)) + 2 * h
    cell = max(h / 5, extent / max_cells)
    dens, x0, y0 = grid_density(x, y, w, h, cell)
    return _to_web_mercator(dens * 1e6, x0, y0, cell, crs, h, float(w.sum()))


def _to_web_mercator(dens: np.ndarray, x0: float, y0: float, cell: float, crs: str, h: float, n: float) -> Surface:
    nrow, ncol = dens.shape
    to_wgs = Transformer.from_crs(crs, WGS84, always_xy=True)
    xs = np.array([x0, x0 + (ncol - 1) * cell, x0, x0 + (ncol - 1) * cell])
    ys = np.array([y0, y0, y0 + (nrow - 1) * cell, y0 + (nrow - 1) * cell])
    lons, lats = to_wgs.transform(xs, ys)
    west, east, south, north = lons.min(), lons.max(), lats.min(), lats.max()
    to_merc = Transformer.from_crs(WGS84, WEB_MERCATOR, always_xy=True)
    (mx0, mx1), (my0, my1) = to_merc.transform([west, east], [south, north])
    # Same pixel count as the UTM grid, along Web Mercator axes; row 0 to the north.
    mx = np.linspace(mx0, mx1, ncol)
    my = np.linspace(my1, my0, nrow)
    gx, gy = np.meshgrid(mx, my)
    lon_px, lat_px = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True).transform(gx, gy)
    ux, uy = Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon_px, lat_px)
    rows, cols = (uy - y0) / cell, (ux - x0) / cell
    resampled = ndimage.map_coordinates(dens, [rows, cols], order=1, mode="constant", cval=0.0)
    # The image spans pixel edges, half a pixel beyond the outer pixel centres.
    hx, hy = (mx1 - mx0) / max(ncol - 1, 1) / 2, (my1 - my0) / max(nrow - 1, 1) / 2
    (w, e), (s, n_) = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True).transform(
        [mx0 - hx, mx1 + hx], [my0 - hy, my1 + hy]
    )
    return Surface(resampled, ((float(s), float(w)), (float(n_), float(e))), h, cell, n, crs)
