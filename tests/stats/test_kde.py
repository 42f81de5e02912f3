"""Kernel density: Esri's bandwidth rule in metres, the quartic kernel, and the gridded surface."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from pyproj import Transformer

from lib.stats import kde


def test_bandwidth_uses_the_standard_distance_when_it_is_smaller():
    # Corners of a 2 x 2 square: every point sqrt(2) from the centre, SD = Dm = sqrt(2),
    # min(SD, 1.2011 * Dm) = SD, h = 0.9 * 1.414214 * 0.757858 = 0.964596.
    assert kde.bandwidth(np.array([0.0, 2, 0, 2]), np.array([0.0, 0, 2, 2])) == pytest.approx(0.964596, rel=1e-6)


def test_bandwidth_uses_the_median_distance_when_an_outlier_inflates_the_spread():
    # Nine points at distance 1 around the mean centre and one far out: SD is pulled up by the
    # outlier, the median distance is not.
    angles = np.linspace(0, 2 * math.pi, 9, endpoint=False)
    x = np.append(np.cos(angles), 100.0)
    y = np.append(np.sin(angles), 0.0)
    mx, my = x.mean(), y.mean()
    d = np.hypot(x - mx, y - my)
    sd = math.sqrt((d**2).mean())
    dm = sorted(d)[4]  # the median of 10 equal weights: the 5th smallest distance (half the weight reached)
    assert math.sqrt(1 / math.log(2)) * dm < sd
    assert kde.bandwidth(x, y) == pytest.approx(0.9 * math.sqrt(1 / math.log(2)) * dm * 10**-0.2, rel=1e-9)


def test_weights_count_as_repeated_points():
    x, y = np.array([0.0, 1.0, 5.0]), np.array([0.0, 2.0, 1.0])
    weighted = kde.bandwidth(x, y, np.array([3.0, 1.0, 2.0]))
    repeated = kde.bandwidth(np.repeat(x, [3, 1, 2]), np.repeat(y, [3, 1, 2]))
    assert weighted == pytest.approx(repeated)


def test_quartic_kernel_integrates_to_one():
    h, step = 100.0, 0.5
    gx, gy = np.meshgrid(np.arange(-h, h, step), np.arange(-h, h, step))
    assert (kde.quartic(np.hypot(gx, gy), h).sum() * step * step) == pytest.approx(1.0, rel=1e-3)
    assert kde.quartic(np.array([0.0]), h)[0] == pytest.approx(3 / (math.pi * h * h))
    assert kde.quartic(np.array([h]), h)[0] == 0.0


def test_gridded_density_matches_the_direct_sum_and_keeps_every_incident():
    rng = np.random.default_rng(4)
    x, y = rng.normal(0, 400, 300), rng.normal(0, 250, 300)
    h, cell = 300.0, 60.0
    dens, x0, y0 = kde.grid_density(x, y, np.ones(300), h, cell)
    assert dens.sum() * cell * cell == pytest.approx(300, rel=1e-6)
    rows, cols = np.unravel_index(np.argsort(dens, axis=None)[-50:], dens.shape)  # where the density is high
    direct = kde.density_at(x0 + cols * cell, y0 + rows * cell, x, y, h)
    assert_allclose(dens[rows, cols], direct, rtol=0.03)


def test_surface_is_in_metres_and_lies_over_the_points():
    rng = np.random.default_rng(5)
    lat = 41.88 + rng.normal(0, 0.01, 500)
    lon = -87.63 + rng.normal(0, 0.013, 500)
    s = kde.surface(lat, lon)
    assert s.crs == "EPSG:32616"
    x, y = Transformer.from_crs("EPSG:4326", s.crs, always_xy=True).transform(lon, lat)
    assert s.bandwidth_m == pytest.approx(kde.bandwidth(x, y))
    assert 300 < s.bandwidth_m < 1500  # a spread of about 1 km, 500 points
    (south, west), (north, east) = s.bounds
    assert south < lat.min() and north > lat.max() and west < lon.min() and east > lon.max()
    # The peak is near the centre of the cloud, in incidents per km2 of the right size:
    # 500 incidents over roughly pi * 1.1 km * 1.1 km.
    i, j = np.unravel_index(np.argmax(s.density), s.density.shape)
    peak_lat = north - (i + 0.5) / s.density.shape[0] * (north - south)
    peak_lon = west + (j + 0.5) / s.density.shape[1] * (east - west)
    assert abs(peak_lat - 41.88) < 0.006 and abs(peak_lon + 87.63) < 0.008
    assert 50 < s.peak < 1000


def test_no_surface_without_points_or_with_all_points_in_one_place():
    assert kde.surface([], []) is None
    assert kde.surface([41.9] * 5, [-87.6] * 5) is None


def test_utm_zone_in_the_southern_hemisphere():
    assert kde.utm_crs(np.array([-33.87]), np.array([151.21])) == "EPSG:32756"


# -- the surface against a brute-force quartic sum over the raw incidents ----------------------------

ASSAULTS = "Chicago aggravated assaults"


def _brute_force(surface, lat, lon, weights, step: int = 7):
    """Direct quartic sum at every ``step``-th pixel centre, from each incident row's own coordinates."""
    plat, plon = surface.pixel_centres()
    rows, cols = np.mgrid[0 : plat.shape[0] : step, 0 : plat.shape[1] : step]
    to_utm = Transformer.from_crs("EPSG:4326", surface.crs, always_xy=True)
    px, py = to_utm.transform(plon[rows, cols].ravel(), plat[rows, cols].ravel())
    x, y = to_utm.transform(lon, lat)
    h = surface.bandwidth_m
    direct = np.concatenate(
        [
            (
                3
                / (math.pi * h * h)
                * np.clip(1 - (np.hypot(px[i : i + 200, None] - x, py[i : i + 200, None] - y) / h) ** 2, 0, None) ** 2
                * weights
            ).sum(axis=1)
            for i in range(0, len(px), 200)
        ]
    )
    return surface.density[rows, cols].ravel(), direct * 1e6


@pytest.mark.parametrize(
    "level, code, bandwidth_range",
    [(None, None, (800, 2500)), ("district", "11", (150, 600)), ("beat", "1121", (80, 500))],
)
def test_surface_matches_a_brute_force_sum_for_the_city_a_district_and_a_beat(
    embedded_store, level, code, bandwidth_range
):
    """Within 2% of the direct sum over the raw incidents wherever the density is above 5% of the peak."""
    from lib.maps import data as map_data
    from lib.store.filters import IncidentFilter

    flt = IncidentFilter(
        dataset=ASSAULTS, start="2019-01-01", end="2020-01-01", level=level, areas=(code,) if code else ()
    )
    points = map_data.kde_points(embedded_store, flt)
    surface = kde.surface(points["latitude"], points["longitude"], points["weight"])
    assert bandwidth_range[0] < surface.bandwidth_m < bandwidth_range[1]
    assert surface.cell_m <= surface.bandwidth_m / 20  # bins no coarser than a twentieth of the bandwidth
    where, params = flt.where()
    raw = embedded_store.query(
        f'SELECT latitude, longitude, "count" AS n FROM incidents WHERE {where} AND latitude IS NOT NULL', params
    )
    assert surface.n == raw["n"].sum()
    shown, direct = _brute_force(surface, raw["latitude"].to_numpy(), raw["longitude"].to_numpy(), raw["n"].to_numpy())
    high = direct > 0.05 * direct.max()
    assert high.sum() > 200  # enough fixed points where it matters
    assert np.max(np.abs(shown[high] / direct[high] - 1)) < 0.02
    assert surface.peak == pytest.approx(direct.max(), rel=0.05)


def test_a_wide_extent_is_tiled_and_stays_exact(monkeypatch):
    """Points spread over many tiles (tiles shrunk to 60 cells here): the surface still matches the direct sum."""
    rng = np.random.default_rng(8)
    lat = np.concatenate([41.88 + rng.normal(0, 0.01, 300), 41.95 + rng.normal(0, 0.004, 100)])
    lon = np.concatenate([-87.63 + rng.normal(0, 0.012, 300), -87.70 + rng.normal(0, 0.004, 100)])
    whole = kde.surface(lat, lon)
    monkeypatch.setattr(kde, "MAX_TILE", 60)
    tiled = kde.surface(lat, lon)
    x, y = Transformer.from_crs("EPSG:4326", tiled.crs, always_xy=True).transform(lon, lat)
    assert len(kde._Tiles(x, y, np.ones(len(x)), tiled.bandwidth_m, tiled.cell_m).tiles) > 4
    # The same surface up to the binning of the few points within a cell of a tile's reach.
    assert_allclose(tiled.density, whole.density, rtol=1e-3, atol=1e-4 * whole.peak)
    shown, direct = _brute_force(tiled, lat, lon, np.ones(len(lat)), step=3)
    high = direct > 0.05 * direct.max()
    assert np.max(np.abs(shown[high] / direct[high] - 1)) < 0.02
