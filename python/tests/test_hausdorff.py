"""The exact Hausdorff distance: against a brute-force oracle, its witnesses, the antimeridian and
the poles, bounding boxes, input forms and errors."""

from __future__ import annotations

import collections
import copy as copy_module
import math
import multiprocessing
import pickle

import geodist
import numpy as np
import pytest

R = 6371008.8
# Candidate pairs closer than this may be ranked either way: chords of unit vectors carry
# absolute errors of a few 1e-16 (about a nanometer on the Earth); see the Rust module docs.
TIE_M = 1e-8


def random_set(rng: np.random.Generator, n: int, cap_deg: float = 180.0) -> np.ndarray:
    """``n`` points uniform over the sphere, or over a cap of radius ``cap_deg`` around (0, 0)."""
    z = rng.uniform(math.cos(math.radians(cap_deg)), 1.0, n)
    azimuth = rng.uniform(-math.pi, math.pi, n)
    x, y, w = z, np.sqrt(1 - z * z) * np.cos(azimuth), np.sqrt(1 - z * z) * np.sin(azimuth)
    return np.column_stack([np.degrees(np.arcsin(w)), np.degrees(np.arctan2(y, x))])


def distances(a: np.ndarray, b: np.ndarray, radius: float = R) -> np.ndarray:
    """All pairwise great-circle distances, ``len(a)`` by ``len(b)``."""
    return geodist.haversine(
        a[:, 0, None], a[:, 1, None], b[None, :, 0], b[None, :, 1], radius=radius
    )


def oracle(a: np.ndarray, b: np.ndarray, directed: bool, radius: float = R) -> float:
    matrix = distances(a, b, radius)
    ab = matrix.min(axis=1).max()
    return ab if directed else max(ab, matrix.min(axis=0).max())


def check(a, b, directed: bool = False, radius: float = R) -> geodist.Hausdorff:
    """Checks the result against the oracle, and that the witnesses realize it."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    result = geodist.hausdorff(a, b, directed=directed, radius=radius)
    assert result.distance == pytest.approx(oracle(a, b, directed, radius), rel=1e-14, abs=TIE_M)
    i, j = result.a_index, result.b_index
    assert result.distance == geodist.haversine(*a[i], *b[j], radius=radius)
    nearest_in_b = distances(a[i : i + 1], b, radius).min()
    nearest_in_a = distances(b[j : j + 1], a, radius).min()
    if directed:
        assert result.distance <= nearest_in_b + TIE_M
    else:
        assert result.distance <= max(nearest_in_b, nearest_in_a) + TIE_M
    return result


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize(
    ("n", "m", "cap"),
    [(1, 1, 180), (1, 50, 180), (50, 1, 180), (300, 200, 180), (400, 300, 1.0), (200, 500, 1e-4)],
)
def test_random_sets_match_the_oracle(rng, n: int, m: int, cap: float, directed: bool) -> None:
    a, b = random_set(rng, n, cap), random_set(rng, m, cap)
    check(a, b, directed)
    check(b, a, directed)


def test_directed_and_symmetric(rng) -> None:
    a, b = random_set(rng, 500), random_set(rng, 300)
    ab = geodist.hausdorff(a, b, directed=True)
    ba = geodist.hausdorff(b, a, directed=True)
    both = geodist.hausdorff(a, b)
    assert both.distance == max(ab.distance, ba.distance)
    assert geodist.hausdorff(b, a).distance == both.distance
    # Witnesses are always (row of a, row of b), whichever direction the maximum is in.
    if ba.distance > ab.distance:
        assert (both.a_index, both.b_index) == (ba.b_index, ba.a_index)
    else:
        assert (both.a_index, both.b_index) == (ab.a_index, ab.b_index)


def test_radius_scales_the_distance(rng) -> None:
    a, b = random_set(rng, 100), random_set(rng, 100)
    unit = geodist.hausdorff(a, b, radius=1.0)
    earth = geodist.hausdorff(a, b)
    assert (earth.a_index, earth.b_index) == (unit.a_index, unit.b_index)
    assert earth.distance == pytest.approx(R * unit.distance, rel=1e-15)


def test_a_subset_is_zero_away(rng) -> None:
    a = random_set(rng, 1000)
    b = a[::3]
    assert geodist.hausdorff(b, a, directed=True).distance == 0.0
    same = geodist.hausdorff(a, a)
    assert (same.distance, same.a_index, same.b_index) == (0.0, 0, 0)


def test_duplicates_and_single_points() -> None:
    paris, london = (48.8566, 2.3522), (51.5074, -0.1278)
    single = geodist.hausdorff([paris], [london])
    assert (single.a_index, single.b_index) == (0, 0)
    assert single.distance == geodist.haversine(*paris, *london)
    # Repeated points: the witnesses are the first copies.
    result = geodist.hausdorff([paris, paris, paris], [london, paris, london])
    assert (result.distance, result.a_index, result.b_index) == (single.distance, 0, 0)
    many = np.tile(paris, (50_000, 1))
    result = geodist.hausdorff(many, many)
    assert (result.distance, result.a_index, result.b_index) == (0.0, 0, 0)


def test_across_the_antimeridian() -> None:
    a = [(0.0, 179.9), (10.0, -179.95)]
    b = [(0.0, -179.9), (10.0, 180.0)]
    result = check(a, b, radius=1.0)
    assert result.distance == pytest.approx(math.radians(0.2), abs=1e-15)
    assert geodist.hausdorff([(33.0, 180.0)], [(33.0, -180.0)]).distance == 0.0


def test_at_the_poles() -> None:
    north = [(90.0, 0.0), (90.0, 123.0), (90.0, -180.0)]
    result = geodist.hausdorff(north, [(90.0, 45.0)])
    assert (result.distance, result.a_index, result.b_index) == (0.0, 0, 0)
    assert geodist.hausdorff(north, [(-90.0, 0.0)], radius=1.0).distance == math.pi
    ring = [(80.0, lon) for lon in range(-170, 190, 10)]
    result = check(ring, north, directed=True, radius=1.0)
    assert result.distance == pytest.approx(math.radians(10), abs=1e-15)


# Bounding boxes.


def inside(points: np.ndarray, bbox) -> np.ndarray:
    """Which points lie in the box, as documented (poles on every meridian, 180 == -180)."""
    min_lat, min_lon, max_lat, max_lon = bbox
    lat, lon = points[:, 0], points[:, 1]

    def on_arc(lon):
        if min_lon <= max_lon:
            return (min_lon <= lon) & (lon <= max_lon)
        return (lon >= min_lon) | (lon <= max_lon)

    on_meridian = on_arc(lon) | ((np.abs(lon) == 180) & on_arc(-lon)) | (np.abs(lat) == 90)
    return (min_lat <= lat) & (lat <= max_lat) & on_meridian


BOXES = [
    pytest.param((-30.0, -40.0, 50.0, 60.0), id="plain"),
    pytest.param((-60.0, 150.0, 60.0, -150.0), id="antimeridian"),
    pytest.param((-90.0, 170.0, -20.0, 180.0), id="to-180"),
    pytest.param((40.0, -180.0, 90.0, -100.0), id="from-minus-180-to-the-pole"),
]


@pytest.mark.parametrize("bbox", BOXES)
@pytest.mark.parametrize("directed", [False, True])
def test_bbox_equals_filtering_first(rng, bbox, directed: bool) -> None:
    a, b = random_set(rng, 3000), random_set(rng, 2000)
    # Points on the edges, the antimeridian and the poles, which the box may or may not hold.
    edges = np.array([[bbox[0], bbox[1]], [bbox[2], bbox[3]], [0.0, 180.0], [0.0, -180.0]])
    a = np.vstack([a, edges, [[90.0, 17.0], [-90.0, 0.0]]])
    a_in, b_in = np.flatnonzero(inside(a, bbox)), np.flatnonzero(inside(b, bbox))
    clipped = geodist.hausdorff(a, b, directed=directed, bbox=bbox)
    filtered = geodist.hausdorff(a[a_in], b[b_in], directed=directed)
    assert clipped.distance == filtered.distance
    assert (clipped.a_index, clipped.b_index) == (a_in[filtered.a_index], b_in[filtered.b_index])


def test_bbox_across_the_antimeridian_keeps_the_pacific() -> None:
    a = [(-60.0, 0.0), (0.0, 179.0), (1.0, -179.0)]
    b = [(0.0, 179.5), (0.5, -179.0), (0.0, -178.0), (60.0, 60.0)]
    result = geodist.hausdorff(a, b, bbox=(-5, 170, 5, -170))
    assert (result.a_index, result.b_index) == (2, 2)
    assert result.distance < 200_000
    assert geodist.hausdorff(a, b).distance > 5_000_000


def test_bbox_as_any_sequence() -> None:
    a, b = [(0.0, 0.0), (0.0, 2.0)], [(0.0, 0.0)]
    for bbox in [(-1, -1, 1, 1), [-1, -1, 1, 1], np.array([-1.0, -1, 1, 1])]:
        assert geodist.hausdorff(a, b, bbox=bbox).distance == 0.0


# Input forms: any (n, 2) array-like of real numbers gives the same result.

INPUTS = {
    "float64": lambda p: p,
    "list": lambda p: p.tolist(),
    "tuples": lambda p: [tuple(row) for row in p],
    "float32": lambda p: p.astype(np.float32),
    "fortran": np.asfortranarray,
    "strided": lambda p: np.repeat(p, 2, axis=0)[::2],
    "columns-reversed": lambda p: p[:, ::-1][:, ::-1],
    "big-endian": lambda p: p.astype(">f8"),
}


@pytest.mark.parametrize("form", INPUTS)
def test_input_forms(rng, form: str) -> None:
    a, b = random_set(rng, 200), random_set(rng, 150)
    if form == "float32":
        # Values that float32 holds exactly, so that the conversion is lossless.
        a, b = (p.astype(np.float32).astype(np.float64) for p in (a, b))
    expected = geodist.hausdorff(a, b)
    assert geodist.hausdorff(INPUTS[form](a), INPUTS[form](b)) == expected
    assert geodist.hausdorff(INPUTS[form](a), b, directed=True) == geodist.hausdorff(
        a, b, directed=True
    )


def test_integer_and_float32_arrays() -> None:
    a = np.array([[0, 0], [0, 2]], dtype=np.int32)
    b = np.array([[0, 0], [0, 1]], dtype=np.float32)
    result = geodist.hausdorff(a, b, radius=1.0)
    assert (result.a_index, result.b_index) == (1, 1)
    assert result.distance == pytest.approx(math.radians(1), abs=1e-15)


def test_result_object() -> None:
    result = geodist.hausdorff([(0, 0), (0, 2)], [(0, 0), (0, 1)])
    assert isinstance(result, geodist.Hausdorff)
    assert type(result.distance) is float
    assert type(result.a_index) is int and type(result.b_index) is int
    assert repr(result) == f"Hausdorff(distance={result.distance!r}, a_index=1, b_index=1)"
    assert result == geodist.hausdorff([(0, 0), (0, 2)], [(0, 0), (0, 1)])
    assert result != geodist.hausdorff([(0, 0)], [(0, 1)])
    with pytest.raises(AttributeError):
        result.distance = 0.0  # type: ignore[misc]


RESULTS = [
    geodist.Hausdorff(111194.92664455873, 1, 1),
    geodist.Hausdorff(distance=0.0, a_index=0, b_index=3),
    geodist.Hausdorff(1e-300, 2**40, 0),
    geodist.Hausdorff(20015114.35, 7, 0),
]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_results_pickle(protocol: int) -> None:
    results = [*RESULTS, geodist.hausdorff([(0, 0), (0, 2)], [(0, 0), (0, 1)])]
    for result in results:
        copy = pickle.loads(pickle.dumps(result, protocol))
        assert type(copy) is geodist.Hausdorff
        assert copy == result
        assert (copy.distance, copy.a_index, copy.b_index) == (
            result.distance,
            result.a_index,
            result.b_index,
        )
    assert copy_module.copy(results[0]) == copy_module.deepcopy(results[0]) == results[0]


def test_results_hash_as_they_compare() -> None:
    assert hash(geodist.Hausdorff(0.0, 1, 2)) == hash(geodist.Hausdorff(-0.0, 1, 2))
    assert geodist.Hausdorff(0.0, 1, 2) == geodist.Hausdorff(-0.0, 1, 2)
    counted = collections.Counter([*RESULTS, *RESULTS[:2]])
    assert [counted[result] for result in RESULTS] == [2, 2, 1, 1]
    distinct = {geodist.Hausdorff(1.0, 0, 0), geodist.Hausdorff(1.0, 0, 1)}
    assert len(distinct | {geodist.Hausdorff(1.0, 1, 0), geodist.Hausdorff(2.0, 0, 0)}) == 4


def test_the_repr_evaluates_to_an_equal_result() -> None:
    for result in RESULTS:
        assert eval(repr(result), {"Hausdorff": geodist.Hausdorff}) == result
    assert repr(geodist.Hausdorff(1e-7, 0, 5)) == "Hausdorff(distance=1e-07, a_index=0, b_index=5)"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (("1", 0, 0), TypeError, "distance must be a real number (int or float), got str"),
        ((1.0, 0.5, 0), TypeError, "a_index must be an int >= 0 (a row index), got float"),
        ((1.0, 0, True), TypeError, "b_index must be an int >= 0 (a row index), got bool"),
        ((1.0, -1, 0), ValueError, "a_index must be an int >= 0 (a row index), got -1"),
    ],
)
def test_constructor_errors_name_the_argument(arguments, error, message: str) -> None:
    with pytest.raises(error) as raised:
        geodist.Hausdorff(*arguments)
    assert str(raised.value) == message


def hausdorff_in_a_worker(sets: tuple) -> geodist.Hausdorff:
    """Runs in a ``multiprocessing`` worker: both the argument and the result are pickled."""
    a, b, expected = sets
    result = geodist.hausdorff(a, b)
    assert result == expected
    return result


def test_results_travel_through_multiprocessing(rng) -> None:
    # "spawn" starts a fresh interpreter, which imports geodist and unpickles everything; it is
    # the default on macOS and Windows, and the strictest.
    sets = [(rng.uniform(-60, 60, (50, 2)), rng.uniform(-60, 60, (40, 2))) for _ in range(3)]
    expected = [geodist.hausdorff(a, b) for a, b in sets]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        results = pool.map(
            hausdorff_in_a_worker, [(*s, e) for s, e in zip(sets, expected, strict=True)]
        )
    assert results == expected
    assert all(type(result) is geodist.Hausdorff for result in results)


# Memory: views are not copied row by row when they repeat one row, and copies or working memory
# that do not fit are a MemoryError (the interpreter used to abort).


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_a_broadcast_row_is_one_point_however_many_rows(dtype) -> None:
    # 2**40 rows of 16 bytes would be 16 TiB; the view has one row's memory behind it.
    row = np.array([10, 20], dtype=dtype)
    many = np.broadcast_to(row, (2**40, 2))
    others = [(0.0, 0.0), (10.0, 21.0), (-5.0, 20.0)]
    for directed in (False, True):
        expected = geodist.hausdorff([row], others, directed=directed)
        assert geodist.hausdorff(many, others, directed=directed) == expected
        reverse = geodist.hausdorff(others, [row], directed=directed)
        assert geodist.hausdorff(others, many, directed=directed) == reverse
    box = (5, 15, 15, 25)
    assert geodist.hausdorff(many, others, bbox=box) == geodist.hausdorff([row], others, bbox=box)


def test_an_invalid_broadcast_row_is_named_at_row_0() -> None:
    many = np.broadcast_to(np.array([10.0, 200.0]), (2**40, 2))
    with pytest.raises(geodist.GeodistError, match=r"invalid longitude b\[0, 1\] = 200.0"):
        geodist.hausdorff([(0, 0)], many)


@pytest.mark.parametrize("argument", ["a", "b"])
def test_point_sets_beyond_a_memory_limit_are_a_memory_error(argument, run_with_little_memory):
    # The reported case: 100 million points (1.6 GB to copy) with 512 MiB to spare.
    child = run_with_little_memory(
        f"""
        many, few = np.zeros((100_000_000, 2)), np.zeros((3, 2))
        limit_memory(512 * 2**20)
        try:
            geodist.hausdorff({"many, few" if argument == "a" else "few, many"})
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == (
        f"MemoryError cannot allocate 1600000000 bytes for the 100000000 points of {argument}\n"
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        # The reported case: the 320 MB copy of a fits, its 640 MB of unit vectors do not.
        ("geodist.hausdorff(many, few)", "640000000 bytes for the unit vectors of point set a"),
        # b's copy (160 MB) and unit vectors (320 MB) fit, its k-d tree's nodes do not.
        (
            "geodist.hausdorff(few, many[:10_000_000], directed=True)",
            "234880968 bytes for the k-d tree nodes of point set b",
        ),
    ],
)
def test_working_memory_beyond_a_memory_limit_is_a_memory_error(
    call, expected, run_with_little_memory
):
    # The interpreter used to abort ("memory allocation of 640000000 bytes failed").
    child = run_with_little_memory(
        f"""
        many, few = np.zeros((20_000_000, 2)), [(0.0, 0.0)] * 3
        limit_memory(600 * 2**20)
        try:
            {call}
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == f"MemoryError cannot allocate {expected}\n"


# Errors.


def test_empty_sets() -> None:
    for empty in ([], np.empty((0, 2))):
        with pytest.raises(geodist.GeodistError, match="empty point set a"):
            geodist.hausdorff(empty, [(0, 0)])
        with pytest.raises(geodist.GeodistError, match="empty point set b"):
            geodist.hausdorff([(0, 0)], empty, directed=True)


@pytest.mark.parametrize(
    ("column", "value", "kind"),
    [
        (0, math.nan, "latitude"),
        (0, 90.5, "latitude"),
        (1, -math.inf, "longitude"),
        (1, 181.0, "longitude"),
    ],
)
@pytest.mark.parametrize("argument", ["a", "b"])
def test_invalid_points_are_named_by_row_and_column(argument, column, value, kind) -> None:
    points = {"a": np.zeros((5, 2)), "b": np.ones((4, 2))}
    points[argument][3, column] = value
    with pytest.raises(geodist.GeodistError) as error:
        geodist.hausdorff(points["a"], points["b"])
    assert isinstance(error.value, ValueError)
    message = str(error.value)
    assert f"invalid {kind} {argument}[3, {column}] = {value!r}" in message


def test_invalid_point_in_a_non_contiguous_array() -> None:
    points = np.zeros((10, 2))
    points[7, 1] = 200.0
    with pytest.raises(geodist.GeodistError, match=r"b\[3, 1\] = 200.0"):
        geodist.hausdorff([(0, 0)], points[1::2])


@pytest.mark.parametrize("shape", [(3,), (3, 3), (2, 2, 2), (4, 1), ()])
def test_wrong_shapes(shape) -> None:
    with pytest.raises(geodist.GeodistError, match=r"a must be an array of \(lat, lon\) rows"):
        geodist.hausdorff(np.zeros(shape), [(0, 0)])


def test_wrong_types() -> None:
    with pytest.raises(TypeError, match="b must be an array of real numbers"):
        geodist.hausdorff([(0, 0)], [("1", "2")])


@pytest.mark.parametrize("bbox", [(0, 0, 1), [0, 0, 1, 1, 1], np.zeros(2), ()])
def test_a_bbox_of_the_wrong_length_is_named(bbox) -> None:
    with pytest.raises(geodist.GeodistError) as error:
        geodist.hausdorff([(0, 0)], [(0, 0)], bbox=bbox)
    assert str(error.value) == f"bbox must be {SEQUENCE}, got {len(bbox)} elements"


SEQUENCE = "a sequence of 4 real numbers (min_lat, min_lon, max_lat, max_lon)"
REAL = "must be a real number (int or float), got"
BOOL = "must be a bool (True or False), got"


@pytest.mark.parametrize(
    ("keyword", "value", "message"),
    [
        ("bbox", "abcd", f"bbox must be {SEQUENCE} or None, got str"),
        ("bbox", 5, f"bbox must be {SEQUENCE} or None, got int"),
        ("bbox", (0, 0, "1", 1), f"bbox[2] {REAL} str"),
        ("bbox", (0, 0, 1, None), f"bbox[3] {REAL} NoneType"),
        ("bbox", (0, True, 1, 1), f"bbox[1] {REAL} bool"),
        ("directed", "yes", f"directed {BOOL} str"),
        ("directed", 1, f"directed {BOOL} int"),
        ("directed", None, f"directed {BOOL} NoneType"),
        ("radius", "abc", f"radius {REAL} str"),
        ("radius", [1.0], f"radius {REAL} list"),
        ("radius", np.ones(1), f"radius {REAL} an array of shape (1,) and dtype float64"),
        ("radius", 1 + 0j, f"radius {REAL} complex"),
    ],
)
def test_keyword_type_errors_name_the_argument(keyword: str, value, message: str) -> None:
    with pytest.raises(TypeError) as error:
        geodist.hausdorff([(0, 0)], [(0, 1)], **{keyword: value})
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("directed", np.bool_(True)),
        ("radius", np.float32(2.0)),
        ("radius", np.int64(2)),
        ("radius", np.array(2.0)),
        ("radius", 2),
        ("bbox", np.array([-1, -1, 1, 2], dtype=np.int32)),
        ("bbox", [np.float32(-1), -1, 1, 2.0]),
    ],
)
def test_keywords_take_numpy_scalars_and_arrays(keyword: str, value) -> None:
    reference = {"directed": True, "radius": 2.0, "bbox": (-1.0, -1.0, 1.0, 2.0)}[keyword]
    got = geodist.hausdorff([(0, 0)], [(0, 1)], **{keyword: value})
    assert got == geodist.hausdorff([(0, 0)], [(0, 1)], **{keyword: reference})


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ((math.nan, 0, 1, 1), r"invalid latitude bbox\[0\] = nan"),
        ((0, -181, 1, 1), r"invalid longitude bbox\[1\] = -181.0"),
        ((0, 0, 91, 1), r"invalid latitude bbox\[2\] = 91.0"),
        ((0, 0, 1, math.inf), r"invalid longitude bbox\[3\] = inf"),
        ((10, 0, -10, 1), r"invalid bbox: min_lat = 10.0 is greater than max_lat = -10.0"),
    ],
)
def test_invalid_bbox(bbox, message: str) -> None:
    with pytest.raises(geodist.GeodistError, match=message):
        geodist.hausdorff([(0, 0)], [(0, 0)], bbox=bbox)


def test_no_point_in_the_bbox() -> None:
    with pytest.raises(geodist.GeodistError, match="no point of b lies in the bounding box"):
        geodist.hausdorff([(0, 0)], [(50, 50)], bbox=(-1, -1, 1, 1))


@pytest.mark.parametrize("radius", [0.0, -1.0, math.nan, math.inf])
def test_invalid_radius(radius: float) -> None:
    with pytest.raises(geodist.GeodistError, match="invalid radius"):
        geodist.hausdorff([(0, 0)], [(0, 0)], radius=radius)
