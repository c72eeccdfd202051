"""Accuracy against independent references.

- Karney's reference geodesics (shipped with geographiclib's own test suite);
- pyproj (PROJ's C port of Karney's algorithm) on seeded random pairs;
- geographiclib's direct problem for very short and nearly antipodal geodesics, and its inverse
  (and pyproj's) for the same pairs;
- the haversine closed form, evaluated here with numpy.
"""

from __future__ import annotations

import math

import geodist
import numpy as np
import pyproj
import pytest
from geographiclib.geodesic import Geodesic
from geographiclib.test.test_geodesic import GeodesicTest

# Tolerances of the ellipsoidal functions against GeographicLib and PROJ. Measured maxima: 3.7e-9 m
# on Karney's cases (one ulp at 1.7e7 m), 0 m against pyproj on random pairs (the same operations),
# 3.7e-9 m against GeographicLib's inverse near the antipode; azimuths within 3e-12 degrees.
DISTANCE_TOL_M = 1e-8
AZIMUTH_TOL_DEG = 5e-8
# Nearly antipodal geodesics are compared with the s12 their direct problem started from in ulps
# of that distance (3.7e-9 m at 2e7 m), because the inverse algorithm's own error is largest there:
# GeographicLib's inverse and pyproj's are 3 ulps (1.1e-8 m) from it too, as is geodist.
ANTIPODAL_DIRECT_ULPS = 4
# The haversine functions are compared with the same formula evaluated in numpy.
HAVERSINE_RTOL = 1e-12

# Karney's cases give lon2 "unrolled" (lon1 + lon12, up to 360); geodist takes [-180, 180]. IEEE
# remainder is exact, so wrapping does not change the geodesic.
KARNEY_CASES = [
    [lat1, lon1, azi1, lat2, math.remainder(lon2, 360.0), *rest]
    for lat1, lon1, azi1, lat2, lon2, *rest in GeodesicTest.testcases
]
RANDOM_PAIRS = 100_000
WGS84 = Geodesic.WGS84


def angle_difference(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """``a - b`` in degrees, wrapped into [-180, 180), so that 180 and -180 agree."""
    return (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0


def test_karney_reference_set_is_present() -> None:
    assert len(KARNEY_CASES) == 20


@pytest.mark.parametrize("case", KARNEY_CASES, ids=[f"karney{i}" for i in range(20)])
def test_karney_reference_geodesics_scalar(case: list[float], report_error) -> None:
    lat1, lon1, azi1, lat2, lon2, azi2, s12 = case[:7]
    distance, azimuth1, azimuth2 = geodist.inverse(lat1, lon1, lat2, lon2)
    assert abs(distance - s12) <= DISTANCE_TOL_M
    assert abs(angle_difference(azimuth1, azi1)) <= AZIMUTH_TOL_DEG
    assert abs(angle_difference(azimuth2, azi2)) <= AZIMUTH_TOL_DEG
    assert geodist.geodesic(lat1, lon1, lat2, lon2) == distance
    report_error("karney: distance (m)", abs(distance - s12))
    report_error("karney: azimuth (deg)", abs(angle_difference(azimuth1, azi1)))
    report_error("karney: azimuth (deg)", abs(angle_difference(azimuth2, azi2)))


def test_karney_reference_geodesics_batch() -> None:
    lat1, lon1, azi1, lat2, lon2, azi2, s12 = np.array(KARNEY_CASES)[:, :7].T
    distance, azimuth1, azimuth2 = geodist.inverse(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(distance, s12, rtol=0, atol=DISTANCE_TOL_M)
    np.testing.assert_allclose(angle_difference(azimuth1, azi1), 0, atol=AZIMUTH_TOL_DEG)
    np.testing.assert_allclose(angle_difference(azimuth2, azi2), 0, atol=AZIMUTH_TOL_DEG)
    np.testing.assert_array_equal(geodist.geodesic(lat1, lon1, lat2, lon2), distance)


def test_random_pairs_match_pyproj(random_points, report_error) -> None:
    lat1, lon1 = random_points(RANDOM_PAIRS)
    lat2, lon2 = random_points(RANDOM_PAIRS)
    # pyproj takes longitude first, and by default returns the back azimuth (final azimuth
    # + 180); asking for the forward azimuth makes it comparable without a shift.
    az12, az21, dist = pyproj.Geod(ellps="WGS84").inv(
        lon1, lat1, lon2, lat2, return_back_azimuth=False
    )
    distance, azimuth1, azimuth2 = geodist.inverse(lat1, lon1, lat2, lon2)

    distance_error = np.abs(distance - dist)
    azimuth_error = np.maximum(
        np.abs(angle_difference(azimuth1, az12)), np.abs(angle_difference(azimuth2, az21))
    )
    worst = int(np.argmax(distance_error))
    assert distance_error.max() <= DISTANCE_TOL_M, (lat1[worst], lon1[worst], lat2[worst])
    assert azimuth_error.max() <= AZIMUTH_TOL_DEG
    np.testing.assert_array_equal(geodist.geodesic(lat1, lon1, lat2, lon2), distance)
    report_error("pyproj: distance (m)", distance_error.max())
    report_error("pyproj: azimuth (deg)", azimuth_error.max())


def test_back_azimuth_convention_of_pyproj_is_final_azimuth_plus_180(random_points) -> None:
    # pyproj's default output, to document the relation the test above relies on.
    lat1, lon1 = random_points(100)
    lat2, lon2 = random_points(100)
    _, back_azimuth, _ = pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    _, _, azimuth2 = geodist.inverse(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(angle_difference(back_azimuth, azimuth2 + 180), 0, atol=1e-9)


def direct_problems(rng: np.random.Generator, s12: np.ndarray, azi1: np.ndarray) -> np.ndarray:
    """Solves the direct problem with geographiclib: rows of (lat1, lon1, lat2, lon2, s12)."""
    lat1 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, len(s12))))
    lon1 = rng.uniform(-180.0, 180.0, len(s12))
    rows = []
    for args in zip(lat1, lon1, azi1, s12, strict=True):
        result = WGS84.Direct(*map(float, args))
        rows.append((result["lat1"], result["lon1"], result["lat2"], result["lon2"], args[3]))
    return np.array(rows)


def geographiclib_inverse(lat1, lon1, lat2, lon2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GeographicLib's own inverse solutions: (s12, azi1, azi2) arrays."""
    pairs = zip(lat1, lon1, lat2, lon2, strict=True)
    rows = [(r["s12"], r["azi1"], r["azi2"]) for r in (WGS84.Inverse(*p) for p in pairs)]
    return tuple(np.array(rows).T)


def pyproj_inverse(lat1, lon1, lat2, lon2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PROJ's inverse solutions, in geodist's order: (distance, azi1, azi2)."""
    az12, az21, dist = pyproj.Geod(ellps="WGS84").inv(
        lon1, lat1, lon2, lat2, return_back_azimuth=False
    )
    return dist, az12, az21


def test_short_geodesics_down_to_a_millimeter(rng, report_error) -> None:
    n = 2000
    s12 = 10.0 ** rng.uniform(-3.0, 0.0, n)  # 1 mm .. 1 m, log-uniform
    lat1, lon1, lat2, lon2, s12 = direct_problems(rng, s12, rng.uniform(-180, 180, n)).T
    distance, azimuth1, azimuth2 = geodist.inverse(lat1, lon1, lat2, lon2)
    # The endpoints are rounded to doubles (about a nanometer), which is all that separates the
    # distance between them from the s12 they were computed for.
    error = np.abs(distance - s12)
    assert error.max() <= DISTANCE_TOL_M
    report_error("short (1 mm - 1 m): distance vs direct s12 (m)", error.max())
    # At a millimeter the azimuth depends on the last bits of the coordinates; PROJ, running the
    # same operations on the same doubles, is the reference for it.
    dist, az12, az21 = pyproj_inverse(lat1, lon1, lat2, lon2)
    assert np.abs(distance - dist).max() <= DISTANCE_TOL_M
    azimuth_error = np.maximum(
        np.abs(angle_difference(azimuth1, az12)), np.abs(angle_difference(azimuth2, az21))
    )
    assert azimuth_error.max() <= AZIMUTH_TOL_DEG
    report_error("short (1 mm - 1 m): distance vs pyproj (m)", np.abs(distance - dist).max())
    report_error("short (1 mm - 1 m): azimuth vs pyproj (deg)", azimuth_error.max())


def test_coincident_points_are_zero_apart(random_points) -> None:
    lat, lon = random_points(1000)
    assert np.all(geodist.geodesic(lat, lon, lat, lon) == 0)
    assert np.all(geodist.haversine(lat, lon, lat, lon) == 0)


def test_nearly_antipodal_geodesics(rng, report_error) -> None:
    # Geodesics shorter than pi * b (the equator's half length to its conjugate point) are
    # shortest paths, so the direct problem's s12 is the distance the inverse must find. Half of
    # the cases leave near-meridionally, which ends within meters of the antipode.
    n = 1000
    pi_b = math.pi * WGS84.a * (1 - WGS84.f)
    s12 = pi_b - 10.0 ** rng.uniform(-3.0, 4.5, n)  # 1 mm .. 30 km short of pi * b
    azi1 = np.where(np.arange(n) % 2 == 0, rng.uniform(-180, 180, n), rng.normal(0, 1e-3, n))
    lat1, lon1, lat2, lon2, s12 = direct_problems(rng, s12, azi1).T
    lon_gap = np.abs(angle_difference(lon2, lon1))
    assert np.median(lon_gap) > 179  # the cases really are nearly antipodal
    distance, azimuth1, azimuth2 = geodist.inverse(lat1, lon1, lat2, lon2)

    ulps = np.abs(distance - s12) / np.spacing(s12)
    assert ulps.max() <= ANTIPODAL_DIRECT_ULPS
    report_error("nearly antipodal: distance vs direct s12 (ulps)", ulps.max())
    report_error("nearly antipodal: distance vs direct s12 (m)", np.abs(distance - s12).max())

    for name, (dist, az1, az2) in [
        ("geographiclib", geographiclib_inverse(lat1, lon1, lat2, lon2)),
        ("pyproj", pyproj_inverse(lat1, lon1, lat2, lon2)),
    ]:
        error = np.abs(distance - dist)
        azimuth_error = np.maximum(
            np.abs(angle_difference(azimuth1, az1)), np.abs(angle_difference(azimuth2, az2))
        )
        worst = int(np.argmax(error))
        assert error.max() <= DISTANCE_TOL_M, (name, lat1[worst], lon1[worst], lat2[worst])
        assert azimuth_error.max() <= AZIMUTH_TOL_DEG, name
        report_error(f"nearly antipodal: distance vs {name} inverse (m)", error.max())
        report_error(f"nearly antipodal: azimuth vs {name} inverse (deg)", azimuth_error.max())


def haversine_formula(lat1, lon1, lat2, lon2, radius=6371008.8):
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlambda = phi2 - phi1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return 2 * radius * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


@pytest.mark.parametrize("radius", [None, 6378137.0, 1.0, 1737400.0])
def test_haversine_matches_closed_form(random_points, radius, report_error) -> None:
    lat1, lon1 = random_points(RANDOM_PAIRS)
    lat2, lon2 = random_points(RANDOM_PAIRS)
    keywords = {} if radius is None else {"radius": radius}
    ours = geodist.haversine(lat1, lon1, lat2, lon2, **keywords)
    expected = haversine_formula(lat1, lon1, lat2, lon2, **keywords)
    relative = np.abs(ours - expected) / expected
    assert relative.max() <= HAVERSINE_RTOL
    report_error("haversine: relative", relative.max())


def test_haversine_scalar_matches_closed_form() -> None:
    # One degree of longitude on the equator is a 360th of the circumference.
    assert geodist.haversine(0, 0, 0, 1) == pytest.approx(
        2 * math.pi * 6371008.8 / 360, rel=HAVERSINE_RTOL
    )
    assert geodist.haversine(0, 0, 0, 1, radius=1.0) == pytest.approx(
        math.radians(1), rel=HAVERSINE_RTOL
    )
    assert geodist.haversine(90, 0, -90, 0) == pytest.approx(math.pi * 6371008.8, rel=1e-15)
