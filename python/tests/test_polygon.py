"""``geodist.polygon_area_perimeter`` against pyproj's ``Geod.polygon_area_perimeter`` (PROJ's
``geod_polygonarea``) and GeographicLib's Planimeter cases: random polygons, a country-sized
outline, a polar cap, a thin sliver, rings across the antimeridian and around the poles.
"""

from __future__ import annotations

import doctest
import inspect
import math

import geodist
import numpy as np
import pyproj
import pytest

GEOD = pyproj.Geod(ellps="WGS84")
# Within 1e-9 relative of pyproj (measured: bit for bit on every polygon here).
RTOL = 1e-9

# Australia's mainland, simplified to 41 vertices (lat, lon), counter-clockwise from Cape York.
AUSTRALIA = [
    (-10.7, 142.5),
    (-12.6, 141.6),
    (-14.5, 141.5),
    (-17.5, 140.8),
    (-17.7, 139.0),
    (-16.4, 136.4),
    (-15.0, 135.4),
    (-12.3, 136.8),
    (-11.1, 132.6),
    (-12.3, 130.8),
    (-14.9, 128.9),
    (-14.0, 126.8),
    (-15.6, 124.4),
    (-17.9, 122.2),
    (-19.9, 119.0),
    (-21.5, 115.5),
    (-22.6, 113.7),
    (-26.0, 113.4),
    (-28.8, 114.6),
    (-31.9, 115.7),
    (-34.4, 115.1),
    (-35.0, 117.9),
    (-33.9, 122.1),
    (-31.7, 128.9),
    (-31.5, 131.2),
    (-32.5, 133.7),
    (-34.9, 135.7),
    (-34.9, 137.5),
    (-36.0, 139.6),
    (-38.1, 141.4),
    (-38.8, 143.5),
    (-38.4, 144.9),
    (-39.1, 146.4),
    (-37.8, 148.3),
    (-37.5, 149.9),
    (-35.0, 150.8),
    (-32.9, 151.8),
    (-28.6, 153.6),
    (-25.0, 152.9),
    (-22.5, 150.5),
    (-19.3, 146.8),
]
# Antarctica-like: a ring around the south pole at varying latitude, crossing the antimeridian.
POLAR_CAP = [(-66.0 - 6.0 * math.sin(math.radians(3 * lon)), lon) for lon in range(-180, 180, 10)]
# A sliver: 1,000 km long and about a meter wide at its widest.
SLIVER = [(0.0, 0.0), (9.0, 0.0), (4.5, 0.00001)]
# Fiji-like, across the antimeridian.
FIJI = [(-16.0, 177.0), (-16.0, -179.0), (-19.0, -178.5), (-19.5, 177.5)]


def pyproj_area_perimeter(lats, lons) -> tuple[float, float]:
    return GEOD.polygon_area_perimeter(np.asarray(lons, float), np.asarray(lats, float))


def check(lats, lons, report_error=None, name="") -> tuple[float, float]:
    area, perimeter = geodist.polygon_area_perimeter(lats, lons)
    ref_area, ref_perimeter = pyproj_area_perimeter(lats, lons)
    assert area == pytest.approx(ref_area, rel=RTOL, abs=1e-3), (area, ref_area)
    assert perimeter == pytest.approx(ref_perimeter, rel=RTOL), (perimeter, ref_perimeter)
    if report_error is not None:
        report_error(f"polygon {name}: area relative", abs(area - ref_area) / max(abs(ref_area), 1))
    return area, perimeter


@pytest.mark.parametrize(
    ("name", "vertices", "sign"),
    [
        ("australia", AUSTRALIA, 1),
        ("polar cap", POLAR_CAP, -1),
        ("sliver", SLIVER, -1),
        ("fiji", FIJI, -1),
    ],
)
def test_real_world_polygons_match_pyproj(name, vertices, sign, report_error) -> None:
    lats, lons = (list(v) for v in zip(*vertices, strict=True))
    area, perimeter = check(lats, lons, report_error, name)
    # Counter-clockwise seen from above is positive: Australia is listed that way, the others
    # clockwise (the cap with longitudes increasing around the south pole).
    assert math.copysign(1, area) == sign
    reversed_area, reversed_perimeter = check(lats[::-1], lons[::-1])
    assert reversed_area == pytest.approx(-area, rel=1e-12)
    assert reversed_perimeter == pytest.approx(perimeter, rel=1e-12)


def test_australia_has_its_known_size() -> None:
    lats, lons = zip(*AUSTRALIA, strict=True)
    area, perimeter = geodist.polygon_area_perimeter(lats, lons)
    # The mainland is 7.69 million km²; the 41-vertex outline cuts its corners.
    assert 7.0e12 < abs(area) < 7.9e12
    assert 1.2e7 < perimeter < 1.6e7


def test_sliver_is_thin() -> None:
    lats, lons = zip(*SLIVER, strict=True)
    area, _ = geodist.polygon_area_perimeter(lats, lons)
    # Half of base (1,000 km) times height (1.1 m) is about 5.6e5 m².
    assert 5e5 < abs(area) < 6e5


def random_polygons(rng: np.random.Generator, count: int):
    """Star-shaped (so simple) polygons around random centers, from meters to continents."""
    for _ in range(count):
        n = int(rng.integers(3, 40))
        lat0 = math.degrees(math.asin(rng.uniform(-1, 1)))
        lon0 = rng.uniform(-180, 180)
        radius = 10.0 ** rng.uniform(1, 6.5)
        bearings = np.sort(rng.uniform(-180, 180, n))
        distances = radius * rng.uniform(0.3, 1.0, n)
        lats, lons, _ = geodist.direct(lat0, lon0, bearings, distances)
        yield lats, lons


def test_random_polygons_match_pyproj(rng, report_error) -> None:
    exact = 0
    for lats, lons in random_polygons(rng, 400):
        area, perimeter = check(lats, lons, report_error, "random")
        exact += (area, perimeter) == pyproj_area_perimeter(lats, lons)
    report_error("polygon random: share not bit-identical", 1 - exact / 400)


@pytest.mark.parametrize(
    ("vertices", "perimeter", "area"),
    [
        # GeographicLib's Planimeter0, 5, 6 and 13, with their tolerances: 1e-4 m on perimeters
        # given to 4 decimals, 1 m otherwise, and 1 m² on areas.
        ([(89, 0), (89, 90), (89, 180), (89, -90)], 631819.8745, 24952305678.0),
        ([(-89, 0), (-89, 90), (-89, 180), (-89, -90)], 631819.8745, -24952305678.0),
        ([(0, -1), (-1, 0), (0, 1), (1, 0)], 627598.2731, 24619419146.0),
        ([(90, 0), (0, 0), (0, 90)], 30022685.0, 63758202715511.0),
        ([(89, 0.1), (89, 90.1), (89, -179.9)], 539297.0, 12476152838.5),
        ([(9, -0.00000000000001), (9, 180), (9, 0)], 36026861.0, 0),
        (
            [(89, 0), (89, 120), (89, -120), (89, 0), (89, 120), (89, -120)],
            1160741.0,
            32415230256.0,
        ),
    ],
    ids=[
        "planimeter0a",
        "planimeter0b",
        "planimeter0c",
        "planimeter0d",
        "planimeter5",
        "planimeter6",
        "planimeter13",
    ],
)
def test_planimeter_cases(vertices, perimeter, area) -> None:
    lats, lons = zip(*vertices, strict=True)
    got_area, got_perimeter = check(lats, lons)
    assert got_area == pytest.approx(area, abs=1)
    assert got_perimeter == pytest.approx(perimeter, abs=1 if perimeter.is_integer() else 1e-4)


def test_degenerate_polygons() -> None:
    assert geodist.polygon_area_perimeter([], []) == (0.0, 0.0)
    assert geodist.polygon_area_perimeter([1.0], [1.0]) == (0.0, 0.0)
    area, perimeter = geodist.polygon_area_perimeter([0, 0], [0, 1])
    assert area == 0.0
    assert perimeter == pytest.approx(2 * 111319.49079327357, rel=1e-15)


def test_input_types_and_layouts(rng) -> None:
    lats, lons = next(random_polygons(rng, 1))
    expected = geodist.polygon_area_perimeter(lats, lons)
    points = np.column_stack([lats, lons])
    assert geodist.polygon_area_perimeter(points[:, 0], points[:, 1]) == expected
    assert geodist.polygon_area_perimeter(lats.tolist(), tuple(lons)) == expected


@pytest.mark.parametrize(
    ("lats", "lons", "error", "message"),
    [
        ([0, 1, 91], [0, 1, 0], geodist.GeodistError, r"invalid latitude lats\[2\] = 91.0"),
        ([0, 1, 0], [0, 1, -180.5], geodist.GeodistError, r"invalid longitude lons\[2\] = -180.5"),
        ([0, 1, 0], [0, 1], geodist.GeodistError, "same length"),
        ([[0, 1, 0]], [[0, 1, 0]], geodist.GeodistError, "one-dimensional"),
        ([0, 1, 0], ["a", "b", "c"], TypeError, "lons"),
    ],
)
def test_invalid_input(lats, lons, error, message) -> None:
    with pytest.raises(error, match=message):
        geodist.polygon_area_perimeter(lats, lons)


def test_signature_and_docstring() -> None:
    assert list(inspect.signature(geodist.polygon_area_perimeter).parameters) == ["lats", "lons"]
    assert "GeodistError" in geodist.polygon_area_perimeter.__doc__
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    tests = finder.find(geodist.polygon_area_perimeter, "polygon_area_perimeter")
    assert sum(len(test.examples) for test in tests) >= 2
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
