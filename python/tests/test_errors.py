"""Invalid input: every bad value, for scalars and at a chosen position in arrays."""

from __future__ import annotations

import math
import warnings

import geodist
import numpy as np
import pytest

FUNCTIONS = {
    "haversine": geodist.haversine,
    "geodesic": geodist.geodesic,
    "inverse": geodist.inverse,
}
ARGUMENTS = ["lat1", "lon1", "lat2", "lon2"]
VALID = {"lat1": 10.0, "lon1": 20.0, "lat2": -30.0, "lon2": 40.0}
NON_FINITE = [math.nan, math.inf, -math.inf]
BAD = {
    "lat": [*NON_FINITE, 90.0001, -90.0001],
    "lon": [*NON_FINITE, 180.0001, -180.0001],
}
RANGE = {"lat": "[-90, 90]", "lon": "[-180, 180]"}
CASES = [
    pytest.param(function, argument, value, id=f"{function}-{argument}-{value}")
    for function in FUNCTIONS
    for argument in ARGUMENTS
    for value in BAD[argument[:3]]
]


def call(function: str, **arguments):
    return FUNCTIONS[function](*(arguments[name] for name in ARGUMENTS))


def check_message(error: pytest.ExceptionInfo, position: str, value: float, kind: str) -> None:
    assert isinstance(error.value, ValueError)
    assert type(error.value) is geodist.GeodistError
    message = str(error.value)
    assert f"{position} = {value!r}" in message
    assert RANGE[kind] in message
    assert ("latitude" if kind == "lat" else "longitude") in message


@pytest.mark.parametrize(("function", "argument", "value"), CASES)
def test_bad_scalar(function: str, argument: str, value: float) -> None:
    with pytest.raises(geodist.GeodistError) as error:
        call(function, **{**VALID, argument: value})
    check_message(error, argument, value, argument[:3])


@pytest.mark.parametrize(("function", "argument", "value"), CASES)
def test_bad_element_of_an_array(function: str, argument: str, value: float) -> None:
    arrays = {name: np.full((3, 4), VALID[name]) for name in ARGUMENTS}
    arrays[argument][1, 2] = value
    with pytest.raises(geodist.GeodistError) as error:
        call(function, **arrays)
    check_message(error, f"{argument}[1, 2]", value, argument[:3])


@pytest.mark.parametrize(("function", "argument", "value"), CASES[::3])
def test_bad_element_of_a_broadcast_array(function: str, argument: str, value: float) -> None:
    # The position is the one in the argument as passed, not in the broadcast result.
    arrays = {name: np.full((1, 5), VALID[name]) for name in ARGUMENTS}
    arrays[argument] = np.full((4, 1), VALID[argument])
    arrays[argument][3, 0] = value
    with pytest.raises(geodist.GeodistError) as error:
        call(function, **arrays)
    check_message(error, f"{argument}[3, 0]", value, argument[:3])


@pytest.mark.parametrize(("function", "argument", "value"), CASES[1::3])
def test_bad_element_of_a_long_batch(function: str, argument: str, value: float) -> None:
    # Long enough to run in several chunks and without the GIL; the position is still exact.
    arrays = {name: np.full(100_000, VALID[name]) for name in ARGUMENTS}
    arrays[argument][77_777] = value
    with pytest.raises(geodist.GeodistError) as error:
        call(function, **arrays)
    check_message(error, f"{argument}[77777]", value, argument[:3])


@pytest.mark.parametrize(("function", "argument", "value"), CASES[2::3])
def test_bad_scalar_among_arrays(function: str, argument: str, value: float) -> None:
    arrays = {name: np.full(10, VALID[name]) for name in ARGUMENTS}
    arrays[argument] = value
    with pytest.raises(geodist.GeodistError) as error:
        call(function, **arrays)
    check_message(error, argument, value, argument[:3])


@pytest.mark.parametrize(
    ("argument", "value", "kind"),
    [("azimuth1", math.nan, "azimuth"), ("distance", -math.inf, "distance")],
)
def test_bad_element_of_a_broadcast_direct_argument(argument: str, value: float, kind: str) -> None:
    # `direct` has its own argument names; positions are still those in the argument as passed.
    arguments = {"lat1": np.zeros((1, 5)), "lon1": 0.0, "azimuth1": 0.0, "distance": 0.0}
    arguments[argument] = np.zeros((4, 1))
    arguments[argument][3, 0] = value
    with pytest.raises(geodist.GeodistError) as error:
        geodist.direct(**arguments)
    assert f"invalid {kind} {argument}[3, 0] = {value!r}: expected a finite number" in str(
        error.value
    )


def test_bad_element_of_a_strided_view() -> None:
    lat1 = np.zeros((6, 8))
    lat1[4, 6] = 95.0
    with pytest.raises(geodist.GeodistError, match=r"lat1\[2, 3\] = 95\.0"):
        geodist.geodesic(lat1[::2, ::2], 0.0, 0.0, 0.0)
    with pytest.raises(geodist.GeodistError, match=r"lat1\[6, 4\] = 95\.0"):
        geodist.geodesic(lat1.T, 0.0, 0.0, 0.0)


def test_bad_value_in_a_list() -> None:
    with pytest.raises(geodist.GeodistError, match=r"lon2\[2\] = 181\.0"):
        geodist.haversine(0, 0, 0, [1, 2, 181, 3])


def test_the_first_bad_element_is_reported() -> None:
    lat1 = np.zeros(10)
    lat1[[3, 7]] = 100.0
    with pytest.raises(geodist.GeodistError, match=r"lat1\[3\]"):
        geodist.geodesic(lat1, 0, 0, 0)


@pytest.mark.parametrize("radius", [0.0, -1.0, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("shape", [(), (5,), (0,)], ids=["scalar", "array", "empty"])
def test_bad_radius(radius: float, shape: tuple[int, ...]) -> None:
    coordinates = [np.zeros(shape)[()] if shape == () else np.zeros(shape)] * 4
    with pytest.raises(geodist.GeodistError) as error:
        geodist.haversine(*coordinates, radius=radius)
    assert isinstance(error.value, ValueError)
    assert "radius" in str(error.value)
    assert f"radius = {radius!r}" in str(error.value)


@pytest.mark.parametrize(
    ("radius", "found"),
    [
        ("abc", "str"),
        (None, "NoneType"),
        (True, "bool"),
        (np.zeros(3), "an array of shape (3,) and dtype float64"),
    ],
)
def test_a_radius_of_the_wrong_type_is_named(radius, found: str) -> None:
    with pytest.raises(TypeError) as error:
        geodist.haversine(0, 0, 0, 0, radius=radius)
    assert str(error.value) == f"radius must be a real number (int or float), got {found}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_shapes_that_do_not_broadcast(function: str) -> None:
    with pytest.raises(geodist.GeodistError, match="broadcast") as error:
        FUNCTIONS[function](np.zeros(3), 0, np.zeros(4), 0)
    assert isinstance(error.value, ValueError)
    assert "(3,)" in str(error.value)
    assert "(4,)" in str(error.value)


BAD_TYPES = [
    pytest.param(1 + 2j, id="complex"),
    pytest.param(np.complex128(1), id="numpy-complex"),
    pytest.param(np.array([1 + 0j, 2]), id="complex-array"),
    pytest.param("1.5", id="str"),
    pytest.param(["1.5", "2"], id="str-list"),
    pytest.param(np.array(["1.5"]), id="str-array"),
    pytest.param(None, id="None"),
    pytest.param(np.array([1.0, None]), id="object-array"),
    pytest.param(np.array([1.0, 2.0], dtype=object), id="object-array-of-floats"),
    pytest.param(True, id="bool"),
    pytest.param(np.array([True, False]), id="bool-array"),
    pytest.param(np.array(["2020-01-01"], dtype="datetime64[D]"), id="datetime"),
    pytest.param(np.datetime64("2020-01-01"), id="numpy-datetime"),
    pytest.param(np.timedelta64(3, "D"), id="numpy-timedelta"),
    pytest.param(np.bool_(True), id="numpy-bool"),
]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("value", BAD_TYPES)
@pytest.mark.parametrize("argument", ["lat1", "lon2"])
def test_non_real_input_is_a_type_error(function: str, value, argument: str) -> None:
    with pytest.raises(TypeError, match=argument):
        call(function, **{**VALID, argument: value})


def test_ragged_input_is_rejected() -> None:
    # numpy 1.24 and later refuse ragged lists; older numpy makes an array of objects (with a
    # deprecation warning), which is not an array of real numbers.
    if np.lib.NumpyVersion(np.__version__) >= "1.24.0":
        with pytest.raises(ValueError, match="inhomogeneous"):
            geodist.geodesic([[1.0, 2.0], [3.0]], 0, 0, 0)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's VisibleDeprecationWarning
            with pytest.raises(TypeError, match=r"lat1 must be .*, got an array of dtype object"):
                geodist.geodesic([[1.0, 2.0], [3.0]], 0, 0, 0)


# Memory: a result too large to allocate is a MemoryError, which `except Exception` catches; a
# panic would surface as pyo3's PanicException, which derives from BaseException.


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_result_too_large_to_allocate_is_a_memory_error(function: str) -> None:
    # 2**48 results of 8 bytes (2 PiB) exceed any address space; the zero-strided inputs need
    # no memory at all, so nothing else can fail first.
    rows = np.broadcast_to(10.0, (2**24, 1))
    columns = np.broadcast_to(20.0, (1, 2**24))
    with pytest.raises(MemoryError):
        FUNCTIONS[function](rows, columns, 0.0, 0.0)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_result_beyond_a_memory_limit_is_a_memory_error(function: str, run_with_little_memory):
    # The reported case: 300,000 x 300,000 results (720 GB) with 256 MiB to spare.
    child = run_with_little_memory(
        f"""
        lat1, lat2 = np.zeros((300_000, 1)), np.zeros((1, 300_000))
        limit_memory(256 * 2**20)
        try:
            geodist.{function}(lat1, 0, lat2, 0)
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith("MemoryError"), child.stdout


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_result_larger_than_the_address_space_is_a_memory_error(function: str) -> None:
    # 2**64 results: more bytes than a 64-bit address space has, which numpy refuses with a
    # ValueError ("array is too big"); it is memory that does not fit all the same.
    rows = np.broadcast_to(10.0, (2**32, 1))
    columns = np.broadcast_to(20.0, (1, 2**32))
    with pytest.raises(MemoryError, match=r"cannot allocate an array of shape \(4294967296, "):
        FUNCTIONS[function](rows, columns, 0.0, 0.0)


# The line and polygon functions copy a strided vertex array into one contiguous run; a copy that
# does not fit used to abort the interpreter (SIGABRT), so these run in a child interpreter.

VERTEX_FUNCTIONS = ["line_length", "line_lengths", "polygon_area_perimeter"]


@pytest.mark.parametrize("function", VERTEX_FUNCTIONS)
def test_a_copy_too_large_to_allocate_is_a_memory_error(function: str, run_python) -> None:
    # The reported case: a zero-strided view of 2**40 vertices (8 TiB to copy, no memory behind).
    child = run_python(
        f"""
        import geodist, numpy as np
        z = np.broadcast_to(0.0, (2**40,))
        try:
            geodist.{function}(z, z)
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == (
        "MemoryError cannot allocate 8796093022208 bytes for a contiguous copy of lats "
        "(1099511627776 float64 values)\n"
    )


@pytest.mark.parametrize("function", VERTEX_FUNCTIONS)
def test_columns_beyond_a_memory_limit_are_a_memory_error(function: str, run_with_little_memory):
    # The reported case: the columns of a 1.92 GB array with 256 MiB to spare. numpy's zeros are
    # not touched, so the array costs address space but no memory.
    child = run_with_little_memory(
        f"""
        points = np.zeros((120_000_000, 2))
        limit_memory(256 * 2**20)
        try:
            geodist.{function}(points[:, 0], points[:, 1])
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == (
        "MemoryError cannot allocate 960000000 bytes for a contiguous copy of lats "
        "(120000000 float64 values)\n"
    )


@pytest.mark.parametrize("function", ["line_lengths", "intermediate"])
def test_an_output_beyond_a_memory_limit_is_a_memory_error(function: str, run_with_little_memory):
    # The outputs are numpy arrays, allocated by numpy, which says how much did not fit.
    call = {
        "line_lengths": "geodist.line_lengths(lats, lats)",
        "intermediate": "geodist.intermediate(0, 0, 0, 1, 100_000_000)",
    }[function]
    child = run_with_little_memory(
        f"""
        lats = np.zeros(100_000_001)
        limit_memory(256 * 2**20)
        try:
            {call}
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout.startswith("MemoryError Unable to allocate 763. MiB"), child.stdout


def test_a_bbox_longer_than_memory_is_refused_by_its_length(run_python) -> None:
    # Only the length is read; copying the elements of this view first used to abort.
    child = run_python(
        """
        import geodist, numpy as np
        try:
            geodist.hausdorff([(0, 0)], [(0, 0)], bbox=np.broadcast_to(0.0, (2**40,)))
        except geodist.GeodistError as error:
            print(error)
        """
    )
    assert child.returncode == 0, (child.returncode, child.stderr)
    assert child.stdout == (
        "bbox must be a sequence of 4 real numbers (min_lat, min_lon, max_lat, max_lon), "
        "got 1099511627776 elements\n"
    )
