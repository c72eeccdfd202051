"""``geodist.direct`` and the azimuth sign conventions, against GeographicLib and PROJ.

- Karney's 20 reference geodesics and GeographicLib's GeodSolve direct regression cases;
- 100,000 seeded random cases against pyproj's ``Geod.fwd`` (PROJ's ``geod_direct``), distances
  from a millimeter to beyond half the circumference, and 2,000 against geographiclib's own Direct;
- round trips inverse -> direct;
- the signs of ``-0`` and ``-180`` in ``inverse`` and ``direct``, bit for bit against pyproj;
- broadcasting, result types, errors and the docstring examples.

The distance of a computed point from the reference point is measured with ``geodist.geodesic``,
which is accurate to nanometers at every separation.
"""

from __future__ import annotations

import doctest
import inspect
import math

import geodist
import numpy as np
import pyproj
import pytest
from geographiclib.geodesic import Geodesic
from geographiclib.test.test_geodesic import GeodesicTest

# The bounds: the point within 1e-8 m of the reference, the azimuth within 5e-8 degrees.
# Measured maxima: 3.4e-9 m and 5.7e-14 degrees on Karney's cases; against pyproj, 0 (every one of
# the 100,000 random cases bit for bit); against geographiclib's Python Direct, 6.3e-9 m and
# 2.8e-14 degrees.
POINT_TOL_M = 1e-8
AZIMUTH_TOL_DEG = 5e-8
WGS84 = Geodesic.WGS84
GEOD = pyproj.Geod(ellps="WGS84")
RANDOM_CASES = 100_000


def angle_difference(a, b) -> np.ndarray:
    """``a - b`` in degrees, wrapped into [-180, 180), so that 180 and -180 agree."""
    return (np.asarray(a) - np.asarray(b) + 180.0) % 360.0 - 180.0


def wrap(lon) -> np.ndarray:
    """An unrolled longitude in [-180, 180]; ``lon - 360 k`` is exact here (Sterbenz)."""
    lon = np.asarray(lon, dtype=float)
    return lon - 360.0 * np.round(lon / 360.0)


def miss(lat2, lon2, lat_ref, lon_ref) -> np.ndarray:
    """The distance in meters between computed and reference points."""
    return geodist.geodesic(lat2, lon2, lat_ref, wrap(lon_ref))


def pyproj_direct(lat1, lon1, azi1, s12):
    """PROJ's direct solutions in geodist's order, with the forward azimuth at the end."""
    lon2, lat2, azi2 = GEOD.fwd(lon1, lat1, azi1, s12, return_back_azimuth=False)
    return np.asarray(lat2), np.asarray(lon2), np.asarray(azi2)


def test_karney_reference_geodesics(report_error) -> None:
    lat1, lon1, azi1, lat2, lon2, azi2, s12 = np.array(GeodesicTest.testcases)[:, :7].T
    lon1 = wrap(lon1)
    got_lat, got_lon, got_azi = geodist.direct(lat1, lon1, azi1, s12)
    distance = miss(got_lat, got_lon, lat2, lon2)
    azimuth = np.abs(angle_difference(got_azi, azi2))
    assert distance.max() <= POINT_TOL_M
    assert azimuth.max() <= AZIMUTH_TOL_DEG
    report_error("direct, karney: point (m)", distance.max())
    report_error("direct, karney: azimuth (deg)", azimuth.max())
    # Scalars give the same as arrays.
    for i in range(len(s12)):
        scalar = geodist.direct(float(lat1[i]), float(lon1[i]), float(azi1[i]), float(s12[i]))
        assert scalar == (got_lat[i], got_lon[i], got_azi[i])


@pytest.mark.parametrize(
    ("case", "expected", "tol"),
    [
        # GeodSolve1: the direct problem of the documentation.
        ((40.63972222, -73.77888889, 53.5, 5850e3), (49.01467, 2.56106, 111.62947), 0.5e-5),
        # GeodSolve17 (without GEOD_LONG_UNROLL): 2e7 m across the antimeridian.
        ((40, -75, -10, 2e7), (-39, 105, -170), 1),
        # GeodSolve61: a tiny negative azimuth is west-going, ending at -180.
        ((45, 0, -0.000000000000000003, 1e7), (45.30632, -180, -180), 0.5e-5),
        # GeodSolve71: half of a 1e7 m line.
        ((1, 2, 45, 5e6), (30.92625, 37.54640, 55.43104), 0.5e-5),
        # GeodSolve73: backwards from the pole.
        ((90, 10, 180, -1e6), (81.04623, -170, 0), 0.5e-5),
    ],
    ids=["GeodSolve1", "GeodSolve17", "GeodSolve61", "GeodSolve71", "GeodSolve73"],
)
def test_geodsolve_direct_regression_cases(case, expected, tol) -> None:
    got = geodist.direct(*case)
    for value, reference in zip(got, expected, strict=True):
        assert abs(angle_difference(value, reference)) <= tol, (got, expected)
    # And the bits of PROJ's geod_direct.
    assert got == tuple(float(v) for v in pyproj_direct(*case))


def test_geodsolve5_point_at_the_pole() -> None:
    lat2, lon2, azi2 = geodist.direct(0.01777745589997, 30, 0, 10e6)
    assert abs(lat2 - 90) <= 0.5e-5
    if lon2 < 0:
        assert (abs(lon2 + 150), abs(abs(azi2) - 180)) <= (0.5e-5, 0.5e-5)
    else:
        assert (abs(lon2 - 30), abs(azi2)) <= (0.5e-5, 0.5e-5)


def test_geodsolve73_azimuth_is_positive_zero() -> None:
    _, _, azi2 = geodist.direct(90, 10, 180, -1e6)
    assert azi2 == 0 and math.copysign(1, azi2) == 1


def random_cases(rng: np.random.Generator, n: int):
    lat1 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon1 = rng.uniform(-180.0, 180.0, n)
    azi1 = rng.uniform(-180.0, 180.0, n)
    # Mostly up to 20,000 km; a tenth from 1 mm to 10 km, a tenth past half the circumference
    # (which wraps around beyond the antipode), half of those backwards.
    s12 = rng.uniform(0.0, 2e7, n)
    short = np.arange(n) % 10 == 0
    s12[short] = 10.0 ** rng.uniform(-3.0, 4.0, short.sum())
    long = np.arange(n) % 10 == 1
    s12[long] = rng.uniform(2e7, 6e7, long.sum()) * np.where(np.arange(long.sum()) % 2, -1, 1)
    return lat1, lon1, azi1, s12


def test_random_cases_match_pyproj(rng, report_error) -> None:
    lat1, lon1, azi1, s12 = random_cases(rng, RANDOM_CASES)
    lat2, lon2, azi2 = geodist.direct(lat1, lon1, azi1, s12)
    ref_lat, ref_lon, ref_azi = pyproj_direct(lat1, lon1, azi1, s12)
    distance = miss(lat2, lon2, ref_lat, ref_lon)
    azimuth = np.abs(angle_difference(azi2, ref_azi))
    worst = int(np.argmax(distance))
    assert distance.max() <= POINT_TOL_M, (lat1[worst], lon1[worst], azi1[worst], s12[worst])
    assert azimuth.max() <= AZIMUTH_TOL_DEG
    exact = (lat2 == ref_lat) & (lon2 == ref_lon) & (azi2 == ref_azi)
    report_error("direct, pyproj: point (m)", distance.max())
    report_error("direct, pyproj: azimuth (deg)", azimuth.max())
    report_error("direct, pyproj: share not bit-identical", 1 - exact.mean())


def test_random_cases_match_geographiclib(rng, report_error) -> None:
    lat1, lon1, azi1, s12 = (v[:2000] for v in random_cases(rng, 2000))
    lat2, lon2, azi2 = geodist.direct(lat1, lon1, azi1, s12)
    rows = [WGS84.Direct(*map(float, args)) for args in zip(lat1, lon1, azi1, s12, strict=True)]
    ref_lat, ref_lon, ref_azi = (
        np.array([row[key] for row in rows]) for key in ("lat2", "lon2", "azi2")
    )
    distance = miss(lat2, lon2, ref_lat, ref_lon)
    azimuth = np.abs(angle_difference(azi2, ref_azi))
    assert distance.max() <= POINT_TOL_M
    assert azimuth.max() <= AZIMUTH_TOL_DEG
    report_error("direct, geographiclib: point (m)", distance.max())
    report_error("direct, geographiclib: azimuth (deg)", azimuth.max())


def test_round_trips_inverse_then_direct(random_points, report_error) -> None:
    lat1, lon1 = random_points(RANDOM_CASES)
    lat2, lon2 = random_points(RANDOM_CASES)
    distance, azi1, azi2 = geodist.inverse(lat1, lon1, lat2, lon2)
    # Nearly antipodal pairs have ill-conditioned azimuths: a nanometer of distance there is a
    # large change in direction. Everything shorter than 19,900 km is well conditioned.
    keep = distance < 19.9e6
    args = lat1[keep], lon1[keep], azi1[keep], distance[keep]
    back_lat, back_lon, back_azi = geodist.direct(*args)
    # Against PROJ's direct problem on the same input: the bounds.
    ref_lat, ref_lon, ref_azi = pyproj_direct(*args)
    point = miss(back_lat, back_lon, ref_lat, ref_lon)
    assert point.max() <= POINT_TOL_M
    assert np.abs(angle_difference(back_azi, ref_azi)).max() <= AZIMUTH_TOL_DEG
    # Back where the inverse started from: the two solutions' own errors add up, and PROJ's
    # round trip misses by the same 1.1e-8 m on these pairs.
    home = miss(back_lat, back_lon, lat2[keep], lon2[keep])
    azimuth = np.abs(angle_difference(back_azi, azi2[keep]))
    assert home.max() <= 2 * POINT_TOL_M
    assert azimuth.max() <= AZIMUTH_TOL_DEG
    report_error("inverse -> direct vs pyproj's direct: point (m)", point.max())
    report_error("inverse -> direct back home: point (m)", home.max())
    report_error("inverse -> direct back home: azimuth (deg)", azimuth.max())


def test_inverse_is_projs_bit_for_bit_on_nearly_antipodal_pairs(rng) -> None:
    # The hard case of the inverse problem: the astroid starting point needs a cube root, which
    # geodist computes as glibc does, so that Newton's method takes PROJ's path to PROJ's result.
    n = 100_000
    lat1 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon1 = rng.uniform(-180.0, 180.0, n)
    dlat = rng.choice([0.0, 1.0], n) * 10.0 ** rng.uniform(-9, 0, n)
    dlon = 10.0 ** rng.uniform(-9, 0.5, n)
    lat2 = np.clip(-lat1 + dlat, -90, 90)
    lon2 = lon1 + 180.0 - dlon
    lon2 = np.where(lon2 > 180, lon2 - 360, lon2)
    distance, azi1, azi2 = geodist.inverse(lat1, lon1, lat2, lon2)
    ref1, ref2, ref_distance = GEOD.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    np.testing.assert_array_equal(distance, ref_distance)
    np.testing.assert_array_equal(azi1, ref1)
    np.testing.assert_array_equal(azi2, ref2)


# The signs of zero and 180: GeographicLib's convention, bit for bit as PROJ has it.


def sign_cases(rng: np.random.Generator, n: int):
    """Pairs where -0 and -180 occur: integer coordinates, many on one meridian or antipodal."""
    lat1 = rng.integers(-90, 91, n).astype(float)
    lat2 = rng.integers(-90, 91, n).astype(float)
    lon1 = rng.integers(-180, 181, n).astype(float)
    kind = np.arange(n) % 4
    lon2 = np.select(
        [kind == 0, kind == 1, kind == 2],
        [lon1, np.where(lon1 > 0, lon1 - 180, lon1 + 180), -lon1],
        rng.integers(-180, 181, n).astype(float),
    )
    return lat1, lon1, lat2, lon2


def test_inverse_azimuth_signs_match_pyproj(rng) -> None:
    lat1, lon1, lat2, lon2 = sign_cases(rng, 200_000)
    _, azi1, azi2 = geodist.inverse(lat1, lon1, lat2, lon2)
    ref1, ref2, _ = GEOD.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    negative_zero_or_180 = (np.signbit(ref1) & ((ref1 == 0) | (ref1 == -180))).sum()
    assert negative_zero_or_180 > 1000  # the cases exercise the convention
    np.testing.assert_array_equal(np.signbit(azi1), np.signbit(ref1))
    np.testing.assert_array_equal(np.signbit(azi2), np.signbit(ref2))
    close = (np.abs(angle_difference(azi1, ref1)) <= 1e-9) & (
        np.abs(angle_difference(azi2, ref2)) <= 1e-9
    )
    # Antipodal pairs off the equator have no unique azimuth; the others must agree closely.
    assert close.mean() > 0.99


@pytest.mark.parametrize(
    ("lat1", "lon1", "lat2", "lon2", "azi1", "azi2"),
    [
        (0, 0, 0, -180, -0.0, -180.0),
        (10, 0, 20, -180, -0.0, -180.0),
        (-10, 180, -20, 0, -180.0, -0.0),
        (0, 0, 0, 180, 0.0, 180.0),
        (20.001, 0, 20.001, 0, 180.0, 180.0),
        (10, 0, -10, 0, 180.0, 180.0),
    ],
)
def test_inverse_signs_of_meridional_and_antipodal_lines(
    lat1, lon1, lat2, lon2, azi1, azi2
) -> None:
    _, got1, got2 = geodist.inverse(lat1, lon1, lat2, lon2)
    assert (got1, math.copysign(1, got1)) == (azi1, math.copysign(1, azi1))
    assert (got2, math.copysign(1, got2)) == (azi2, math.copysign(1, azi2))
    ref1, ref2, _ = GEOD.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    assert (math.copysign(1, got1), math.copysign(1, got2)) == (
        math.copysign(1, ref1),
        math.copysign(1, ref2),
    )


def test_direct_azimuth_signs_match_pyproj(rng) -> None:
    n = 20_000
    lat1 = rng.integers(-90, 91, n).astype(float)
    lon1 = rng.integers(-180, 181, n).astype(float)
    azi1 = rng.choice([0.0, -0.0, 180.0, -180.0, 90.0, -90.0], n)
    s12 = rng.uniform(0, 4e7, n)
    _, _, azi2 = geodist.direct(lat1, lon1, azi1, s12)
    _, _, ref = pyproj_direct(lat1, lon1, azi1, s12)
    np.testing.assert_array_equal(np.signbit(azi2), np.signbit(ref))
    np.testing.assert_array_equal(azi2, ref)


# Shapes, types and errors.


def test_broadcasting_and_result_types() -> None:
    lat2, lon2, azi2 = geodist.direct(10, 20, [[0.0], [90.0]], [1e3, 1e4, 1e5])
    assert lat2.shape == lon2.shape == azi2.shape == (2, 3)
    assert lat2.dtype == np.float64
    expected = geodist.direct(10.0, 20.0, 90.0, 1e4)
    assert (lat2[1, 1], lon2[1, 1], azi2[1, 1]) == expected
    assert all(type(v) is float for v in expected)
    assert geodist.direct(np.float32(10), np.int64(20), 90, np.array(1e4)) == geodist.direct(
        10.0, 20.0, 90.0, 1e4
    )
    empty = geodist.direct(np.zeros(0), 0, 0, 0)
    assert all(v.shape == (0,) for v in empty)


def test_signature() -> None:
    assert list(inspect.signature(geodist.direct).parameters) == [
        "lat1",
        "lon1",
        "azimuth1",
        "distance",
    ]
    assert geodist.direct(lat1=0, lon1=0, azimuth1=90, distance=1) == geodist.direct(0, 0, 90, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((91, 0, 0, 0), "invalid latitude lat1 = 91.0"),
        ((0, 181, 0, 0), "invalid longitude lon1 = 181.0"),
        ((0, 0, [0, math.nan], 0), r"invalid azimuth azimuth1\[1\] = nan"),
        ((0, 0, 0, [1, 2, math.inf]), r"invalid distance distance\[2\] = inf"),
        ((0, 0, [[0, 0, 0], [0, 0, -math.inf]], 0), r"invalid azimuth azimuth1\[1, 2\] = -inf"),
        ((0, 0, [0, 0], [0, 0, 0]), "shape mismatch"),
    ],
)
def test_invalid_input_names_argument_position_and_value(args, message) -> None:
    with pytest.raises(geodist.GeodistError, match=message):
        geodist.direct(*args)


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="distance"):
        geodist.direct(0, 0, 0, "1")
    with pytest.raises(TypeError, match="azimuth1"):
        geodist.direct(0, 0, [1 + 2j], 0)


def test_docstring_examples() -> None:
    assert "GeodistError" in geodist.direct.__doc__
    assert "-180.0" in geodist.inverse.__doc__  # the sign convention is documented
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    tests = finder.find(geodist.direct, "direct")
    assert sum(len(test.examples) for test in tests) >= 2
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
