"""``geodist.intermediate``, ``line_length`` and ``line_lengths`` against pyproj's ``Geod.npts``,
``inv_intermediate``, ``line_length`` and ``line_lengths`` (PROJ's ``geod_inverseline`` and
``geod_position``), on seeded random lines, across the antimeridian and over the poles.
"""

from __future__ import annotations

import doctest
import inspect
import math
import re
from fractions import Fraction

import geodist
import numpy as np
import pyproj
import pytest
from pyproj.enums import GeodIntermediateFlag

GEOD = pyproj.Geod(ellps="WGS84")
# Points within 1e-8 m of pyproj's (measured: bit for bit on every case here), lengths within
# 1e-9 relative (measured: bit for bit).
POINT_TOL_M = 1e-8


def pyproj_points(lat1, lon1, lat2, lon2, *, n=0, del_s=0.0, endpoints=False, ceil=False):
    """pyproj's intermediate points as (lats, lons) arrays."""
    index = 0 if endpoints else 1
    flags = GeodIntermediateFlag.NPTS_CEIL if ceil else GeodIntermediateFlag.DEFAULT
    result = GEOD.inv_intermediate(
        lon1,
        lat1,
        lon2,
        lat2,
        npts=n,
        del_s=del_s,
        initial_idx=index,
        terminus_idx=index,
        flags=flags,
        return_back_azimuth=True,
    )
    return np.asarray(result.lats), np.asarray(result.lons)


def random_lines(rng: np.random.Generator, n: int):
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, (2, n))))
    lon = rng.uniform(-180.0, 180.0, (2, n))
    return [(lat[0, i], lon[0, i], lat[1, i], lon[1, i]) for i in range(n)]


SPECIAL_LINES = [
    (0.0, 170.0, 10.0, -170.0),  # across the antimeridian
    (80.0, 0.0, 80.0, 180.0),  # over the north pole
    (-45.0, 10.0, 45.0, -170.0),  # antipodal
    (10.0, 20.0, 10.0, 20.0),  # coincident
    (0.0, 0.0, 0.0, 90.0),  # along the equator
]


@pytest.mark.parametrize("endpoints", [False, True])
def test_points_by_count_match_pyproj(rng, endpoints, report_error) -> None:
    worst = 0.0
    for line in [*SPECIAL_LINES, *random_lines(rng, 200)]:
        for n in (1, 2, 7, 50):
            lats, lons = geodist.intermediate(*line, n, endpoints=endpoints)
            assert lats.shape == lons.shape == (n,)
            if endpoints and n == 1:
                # pyproj divides by n - 1 = 0 and raises; geodist gives the start (computed at
                # distance 0 along the line, like every first point with the ends included).
                assert geodist.geodesic(lats[0], lons[0], line[0], line[1]) <= POINT_TOL_M
                with pytest.raises(ZeroDivisionError):
                    pyproj_points(*line, n=n, endpoints=endpoints)
                continue
            ref_lats, ref_lons = pyproj_points(*line, n=n, endpoints=endpoints)
            miss = geodist.geodesic(lats, lons, ref_lats, ref_lons)
            worst = max(worst, miss.max())
            assert miss.max() <= POINT_TOL_M, (line, n)
            np.testing.assert_array_equal(lats, ref_lats)
    report_error("intermediate vs pyproj: point (m)", worst)


def test_npts_is_intermediate_without_the_ends(rng) -> None:
    for line in random_lines(rng, 20):
        lat1, lon1, lat2, lon2 = line
        lats, lons = geodist.intermediate(*line, 10)
        assert GEOD.npts(lon1, lat1, lon2, lat2, 10) == list(zip(lons, lats, strict=True))


@pytest.mark.parametrize("endpoints", [False, True])
def test_points_by_spacing_match_pyproj_with_ceil(rng, endpoints) -> None:
    for line in [*SPECIAL_LINES, *random_lines(rng, 100)]:
        length = geodist.geodesic(*line)
        for spacing in (1e5, 333_333.3, 2e6, 3e7):
            lats, lons = geodist.intermediate(*line, max_spacing=spacing, endpoints=endpoints)
            if length == 0:
                # The start alone, or nothing; pyproj divides by zero for both and raises.
                assert len(lats) == len(lons) == (1 if endpoints else 0)
                if endpoints:
                    assert geodist.geodesic(lats[0], lons[0], line[0], line[1]) <= POINT_TOL_M
                with pytest.raises(ZeroDivisionError):
                    pyproj_points(*line, del_s=spacing, endpoints=endpoints, ceil=True)
                continue
            ref_lats, ref_lons = pyproj_points(*line, del_s=spacing, endpoints=endpoints, ceil=True)
            np.testing.assert_array_equal(lats, ref_lats)
            np.testing.assert_array_equal(lons, ref_lons)
            # Every gap, the ends included, is at most the spacing.
            all_lats = np.concatenate([[line[0]], lats, [line[2]]]) if not endpoints else lats
            all_lons = np.concatenate([[line[1]], lons, [line[3]]]) if not endpoints else lons
            gaps = geodist.geodesic(all_lats[:-1], all_lons[:-1], all_lats[1:], all_lons[1:])
            assert gaps.max(initial=0) <= spacing * (1 + 1e-12)


def test_spacing_rounds_the_count_up_where_pyprojs_default_rounds_to_nearest() -> None:
    # 445 km along the equator at most 100 km apart: 5 gaps (pyproj's default: round(4.45) = 4
    # gaps, 111 km apart).
    _, lons = geodist.intermediate(0, 0, 0, 4, max_spacing=100e3)
    assert len(lons) == 4
    np.testing.assert_allclose(lons, [0.8, 1.6, 2.4, 3.2], atol=1e-12)
    assert len(pyproj_points(0, 0, 0, 4, del_s=100e3)[1]) == 3


def boundary_spacings(rng: np.random.Generator, n: int):
    """Lines with a spacing that divides their length into a whole number of gaps, to within a
    few units in the last place: where the count depends on how it is rounded."""
    for line in random_lines(rng, n):
        gaps = int(rng.integers(1, 61))
        ulps = int(rng.integers(-3, 4))
        yield line, geodist.geodesic(*line) / gaps * (1 + ulps * 2.0**-52)


def test_the_count_for_a_spacing_is_computed_as_documented(rng) -> None:
    # The count is pyproj's formula in float64, from the length along the line (pyproj's
    # `dist`): ceil(d / m) - 1 without the ends, ceil(d / m + 1) with them. It differs from
    # ceil(geodesic / m) -/+ 1, as the documentation used to say, in about 5% of these cases (the
    # report found 1,468 of 18,000), and from exact arithmetic in about as many.
    cases = differ_from_geodesic = below_exact = 0
    for line, spacing in boundary_spacings(rng, 3000):
        lat1, lon1, lat2, lon2 = line
        for endpoints in (False, True):
            lats, _ = geodist.intermediate(*line, max_spacing=spacing, endpoints=endpoints)
            index = 0 if endpoints else 1
            reference = GEOD.inv_intermediate(
                lon1,
                lat1,
                lon2,
                lat2,
                del_s=spacing,
                initial_idx=index,
                terminus_idx=index,
                flags=GeodIntermediateFlag.NPTS_CEIL,
                return_back_azimuth=True,
            )
            d = reference.dist
            documented = math.ceil(d / spacing + 1) if endpoints else math.ceil(d / spacing) - 1
            assert len(lats) == documented == reference.npts, (line, spacing, endpoints)
            cases += 1
            length = geodist.geodesic(*line)
            old = math.ceil(length / spacing) + (1 if endpoints else -1)
            differ_from_geodesic += len(lats) != old
            exact_gaps = math.ceil(Fraction(d) / Fraction(spacing))
            if len(lats) < exact_gaps + (1 if endpoints else -1):
                below_exact += 1
                # One point short, the gaps longer than the spacing by a few parts in 1e16.
                assert reference.del_s <= spacing * (1 + 4 * 2.0**-52)
    assert differ_from_geodesic > cases // 50
    assert below_exact > cases // 50


def test_longitudes_stay_in_range_across_the_antimeridian() -> None:
    _, lons = geodist.intermediate(0, 170, 0, -170, 9)
    assert np.all(np.abs(lons) <= 180)
    np.testing.assert_allclose(
        np.abs(lons), [172, 174, 176, 178, 180, 178, 176, 174, 172], atol=1e-9
    )


def random_tracks(rng: np.random.Generator, count: int, length: int):
    for _ in range(count):
        lat = np.clip(rng.uniform(-80, 80) + np.cumsum(rng.normal(0, 2, length)), -90, 90)
        lon = (
            np.remainder(rng.uniform(-180, 180) + np.cumsum(rng.normal(0, 3, length)) + 180, 360)
            - 180
        )
        yield lat, lon


def test_line_length_matches_pyproj_bit_for_bit(rng) -> None:
    for lat, lon in random_tracks(rng, 50, 200):
        assert geodist.line_length(lat, lon) == GEOD.line_length(lon, lat)
        np.testing.assert_array_equal(geodist.line_lengths(lat, lon), GEOD.line_lengths(lon, lat))
    assert geodist.line_length([], []) == 0.0
    assert geodist.line_length([10.0], [20.0]) == 0.0
    assert geodist.line_lengths([10.0], [20.0]).shape == (0,)


def test_line_length_of_strided_and_other_dtype_input(rng) -> None:
    points = rng.uniform(-50, 50, (100, 2))
    lat, lon = points[:, 0], points[:, 1]  # strided views
    expected = geodist.line_length(np.ascontiguousarray(lat), np.ascontiguousarray(lon))
    assert geodist.line_length(lat, lon) == expected
    assert geodist.line_length(list(lat), lon.tolist()) == expected
    assert geodist.line_length([0, 0, 1], np.array([0, 1, 1], dtype=np.int32)) == pytest.approx(
        221893.879, abs=1e-3
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: geodist.intermediate(0, 0, 0, 1), geodist.GeodistError, "exactly one of n"),
        (
            lambda: geodist.intermediate(0, 0, 0, 1, 3, max_spacing=1.0),
            geodist.GeodistError,
            "exactly one",
        ),
        (lambda: geodist.intermediate(0, 0, 0, 1, -1), geodist.GeodistError, "invalid n = -1"),
        (
            lambda: geodist.intermediate(91, 0, 0, 1, 3),
            geodist.GeodistError,
            "latitude lat1 = 91.0",
        ),
        (
            lambda: geodist.intermediate(0, 0, 0, 181, 3),
            geodist.GeodistError,
            "longitude lon2 = 181.0",
        ),
        (
            lambda: geodist.intermediate(0, 0, 0, 1, max_spacing=0),
            geodist.GeodistError,
            "max_spacing = 0.0",
        ),
        (
            lambda: geodist.intermediate(0, 0, 0, 1, max_spacing=math.nan),
            geodist.GeodistError,
            "max_spacing = nan",
        ),
        (
            lambda: geodist.intermediate(0, 0, 0, 1, max_spacing=1e-300),
            MemoryError,
            "cannot allocate",
        ),
        (lambda: geodist.intermediate(0, 0, 0, 1, 2**62), MemoryError, "cannot allocate"),
        (lambda: geodist.intermediate(0, 0, 0, 1, 3.0), TypeError, "n must be an int"),
        (lambda: geodist.intermediate(0, 0, 0, 1, True), TypeError, "n must be an int"),
        (lambda: geodist.intermediate("0", 0, 0, 1, 3), TypeError, "lat1 must be a real number"),
        (lambda: geodist.intermediate(0, 0, 0, [1], 3), TypeError, "lon2 must be a real number"),
        (
            lambda: geodist.intermediate(0, 0, 0, 1, max_spacing="1"),
            TypeError,
            "max_spacing must be a real number",
        ),
        (
            lambda: geodist.intermediate(0, 0, 0, 1, 3, endpoints=1),
            TypeError,
            "endpoints must be a bool",
        ),
        (
            lambda: geodist.line_length([0, 95], [0, 0]),
            geodist.GeodistError,
            r"latitude lats\[1\] = 95.0",
        ),
        (
            lambda: geodist.line_lengths([0, 0, 0], [0, 0, math.nan]),
            geodist.GeodistError,
            r"lons\[2\] = nan",
        ),
        (lambda: geodist.line_length([0, 1], [0]), geodist.GeodistError, "same length"),
        (
            lambda: geodist.line_length([[0, 1]], [[0, 1]]),
            geodist.GeodistError,
            r"one-dimensional.*\(1, 2\)",
        ),
        (
            lambda: geodist.line_length(0, 0),
            geodist.GeodistError,
            r"lats must be a one-dimensional.*\(\)",
        ),
        (lambda: geodist.line_length(["a"], [0]), TypeError, "lats"),
    ],
)
def test_invalid_input(call, error, message) -> None:
    with pytest.raises(error) as raised:
        call()
    # The message itself names the problem (exception notes, where PyO3 names an argument,
    # exist on Python 3.11 and later only).
    assert re.search(message, str(raised.value)), str(raised.value)


def test_signatures_and_docstrings() -> None:
    parameters = inspect.signature(geodist.intermediate).parameters
    assert list(parameters) == ["lat1", "lon1", "lat2", "lon2", "n", "max_spacing", "endpoints"]
    assert parameters["n"].default is None
    for name, default in [("max_spacing", None), ("endpoints", False)]:
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default == default
    for function in (geodist.line_length, geodist.line_lengths):
        assert list(inspect.signature(function).parameters) == ["lats", "lons"]
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    examples = 0
    for name in ("intermediate", "line_length", "line_lengths"):
        function = getattr(geodist, name)
        assert "GeodistError" in function.__doc__
        for test in finder.find(function, name):
            examples += len(test.examples)
            runner.run(test)
    assert examples >= 4
    assert runner.failures == 0
