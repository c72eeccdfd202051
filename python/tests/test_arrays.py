"""Scalars and arrays: result types, broadcasting, dtypes and layouts, copies and the GIL."""

from __future__ import annotations

import sysconfig
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import geodist
import numpy as np
import pytest

FUNCTIONS = {
    "haversine": geodist.haversine,
    "geodesic": geodist.geodesic,
    "inverse": geodist.inverse,
}


def outputs(result) -> tuple:
    """The function's outputs as a tuple (``inverse`` has three, the others one)."""
    return result if isinstance(result, tuple) else (result,)


@pytest.fixture
def pairs(random_points):
    lat1, lon1 = random_points(24)
    lat2, lon2 = random_points(24)
    return lat1, lon1, lat2, lon2


def test_vectorized_haversine_equals_the_portable_kernel(random_points) -> None:
    # Batches may run on wider vector instructions chosen at run time (AVX2); the Hausdorff
    # distance between two single points is the same great-circle formula compiled for the
    # baseline, so it must agree to the last bit.
    lat1, lon1 = random_points(2000)
    lat2, lon2 = random_points(2000)
    lat2[:100], lon2[:100] = -lat1[:100], lon1[:100] - np.copysign(180.0, lon1[:100])
    batch = geodist.haversine(lat1, lon1, lat2, lon2)
    for i in range(len(batch)):
        single = geodist.hausdorff([(lat1[i], lon1[i])], [(lat2[i], lon2[i])])
        assert batch[i] == single.distance, i


# Scalars in, floats out.

SCALARS = [
    pytest.param((10.0, 20.0, -30.0, 40.0), id="float"),
    pytest.param((10, 20, -30, 40), id="int"),
    pytest.param(tuple(np.float64(v) for v in (10, 20, -30, 40)), id="numpy-float64"),
    pytest.param(tuple(np.float32(v) for v in (10, 20, -30, 40)), id="numpy-float32"),
    pytest.param(tuple(np.int64(v) for v in (10, 20, -30, 40)), id="numpy-int64"),
    pytest.param(tuple(np.uint8(v) for v in (10, 20, 30, 40)), id="numpy-uint8"),
    pytest.param(tuple(np.longdouble(v) for v in (10, 20, -30, 40)), id="numpy-longdouble"),
    pytest.param(tuple(np.float16(v) for v in (10, 20, -30, 40)), id="numpy-float16"),
    pytest.param(tuple(np.array(v) for v in (10.0, 20.0, -30.0, 40.0)), id="0-d"),
    pytest.param(tuple(np.array(v, dtype=">f8") for v in (10, 20, -30, 40)), id="0-d-big-endian"),
    pytest.param((10.0, np.int16(20), np.array(-30.0), 40), id="mixed"),
]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("arguments", SCALARS)
def test_scalars_give_python_floats(function: str, arguments: tuple) -> None:
    result = FUNCTIONS[function](*arguments)
    expected = FUNCTIONS[function](*(float(v) for v in arguments))
    for value, reference in zip(outputs(result), outputs(expected), strict=True):
        assert type(value) is float
        assert value == reference
    assert isinstance(result, tuple) == (function == "inverse")


def test_inverse_scalar_is_a_tuple_of_three_floats() -> None:
    distance, azimuth1, azimuth2 = geodist.inverse(0, 0, 0, 1)
    assert distance == geodist.geodesic(0, 0, 0, 1)
    assert (azimuth1, azimuth2) == (90.0, 90.0)


# Arrays in, float64 arrays of the broadcast shape out.


@pytest.mark.parametrize("function", FUNCTIONS)
def test_array_results_equal_elementwise_scalar_results(function: str, pairs) -> None:
    result = outputs(FUNCTIONS[function](*pairs))
    for i in range(len(pairs[0])):
        scalar = outputs(FUNCTIONS[function](*(float(a[i]) for a in pairs)))
        for array, value in zip(result, scalar, strict=True):
            assert array[i] == value


SHAPES = [
    pytest.param([(5,)] * 4, (5,), id="1-d"),
    pytest.param([(3, 1), (3, 1), (1, 4), (1, 4)], (3, 4), id="outer"),
    pytest.param([(), (), (6,), (6,)], (6,), id="scalar-array"),
    pytest.param([(2, 3, 4), (4,), (3, 1), ()], (2, 3, 4), id="3-d"),
    pytest.param([(1,), (1,), (1,), (1,)], (1,), id="one"),
    pytest.param([(1, 1), (), (), ()], (1, 1), id="one-2-d"),
    pytest.param([(0,)] * 4, (0,), id="empty"),
    pytest.param([(0,), (), (1,), ()], (0,), id="empty-broadcast"),
    pytest.param([(3, 0), (1, 1), (), ()], (3, 0), id="empty-2-d"),
    pytest.param([(4096,)] * 4, (4096,), id="gil-threshold"),
    pytest.param([(2049, 1), (2049, 1), (1, 3), (1, 3)], (2049, 3), id="several-chunks"),
]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(("shapes", "expected"), SHAPES)
def test_broadcasting(function: str, shapes, expected, rng) -> None:
    arguments = [rng.uniform(-80, 80, shape) for shape in shapes]
    result = outputs(FUNCTIONS[function](*arguments))
    reference = outputs(
        FUNCTIONS[function](*(np.ascontiguousarray(a) for a in np.broadcast_arrays(*arguments)))
    )
    for array, contiguous in zip(result, reference, strict=True):
        assert type(array) is np.ndarray
        assert array.dtype == np.float64
        assert array.shape == expected
        assert array.flags.c_contiguous
        assert array.flags.writeable
        np.testing.assert_array_equal(array, contiguous)
    if shapes[0] != shapes[2]:  # Same-shape cases are the reference itself.
        flat = [np.broadcast_to(a, expected).ravel() for a in arguments]
        for i in range(0, int(np.prod(expected)), 97):
            scalar = outputs(FUNCTIONS[function](*(float(a[i]) for a in flat)))
            assert [array.flat[i] for array in result] == list(scalar)


def test_lists_and_tuples_are_array_likes() -> None:
    result = geodist.geodesic([0, 10], (0, 20), [[1], [2]], 3)
    assert result.shape == (2, 2)
    assert result[1, 0] == geodist.geodesic(0, 0, 2, 3)
    assert result[0, 1] == geodist.geodesic(10, 20, 1, 3)


def test_empty_input_gives_empty_output() -> None:
    assert geodist.haversine([], [], [], []).shape == (0,)
    distance, azimuth1, azimuth2 = geodist.inverse(np.empty((0, 3)), 0, 0, 0)
    assert distance.shape == azimuth1.shape == azimuth2.shape == (0, 3)


def test_output_arrays_are_independent() -> None:
    distance, azimuth1, azimuth2 = geodist.inverse([0, 1], 0, 1, [1, 2])
    assert not np.shares_memory(distance, azimuth1)
    assert not np.shares_memory(azimuth1, azimuth2)


# Dtypes and layouts: every form gives the same numbers as contiguous float64.

LAYOUTS = {
    "int64": lambda a: np.round(a).astype(np.int64),
    "int8": lambda a: np.round(a).astype(np.int8),
    "uint16": lambda a: np.round(np.abs(a)).astype(np.uint16),
    "float32": lambda a: a.astype(np.float32),
    "float16": lambda a: a.astype(np.float16),
    "longdouble": lambda a: a.astype(np.longdouble),
    "big-endian": lambda a: a.astype(">f8"),
    "strided": lambda a: np.repeat(a, 3, axis=0)[::3],
    "reversed": lambda a: a[::-1].copy()[::-1],
    "fortran": np.asfortranarray,
    "transposed": lambda a: np.ascontiguousarray(a.T).T,
    "read-only": lambda a: _read_only(a.copy()),
    "unaligned": lambda a: _unaligned(a),
    "list": lambda a: a.tolist(),
    "subclass": lambda a: a.view(np.matrix),
}


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _unaligned(a: np.ndarray) -> np.ndarray:
    buffer = np.zeros(a.nbytes + 1, dtype=np.uint8)
    view = buffer[1:].view(np.float64).reshape(a.shape)
    view[...] = a
    assert not view.flags.aligned
    return view


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_dtypes_and_layouts(function: str, layout: str, rng) -> None:
    lat = rng.uniform(-80, 80, (4, 6))
    lon = rng.uniform(-170, 170, (4, 6))
    arguments = [lat, lon, lat[::-1], lon[:, ::-1]]
    converted = [LAYOUTS[layout](a) for a in arguments]
    reference = [np.asarray(c, dtype=np.float64) for c in converted]
    assert all(r.shape == (4, 6) for r in reference)
    result = outputs(FUNCTIONS[function](*converted))
    expected = outputs(FUNCTIONS[function](*(np.ascontiguousarray(r) for r in reference)))
    for array, contiguous in zip(result, expected, strict=True):
        assert type(array) is np.ndarray
        assert array.dtype == np.float64
        np.testing.assert_array_equal(array, contiguous)


def test_inputs_are_not_modified(rng) -> None:
    lat = rng.uniform(-80, 80, 10_000)
    lon = rng.uniform(-170, 170, 10_000)
    before = lat.copy(), lon.copy()
    geodist.inverse(lat, lon, lon / 2, lat)
    np.testing.assert_array_equal(lat, before[0])
    np.testing.assert_array_equal(lon, before[1])


# No copies of contiguous float64 input.

# Large enough that a copy of one argument dwarfs the extension's chunk buffers.
N_LARGE = 200_000
CHUNK_BYTES = 2048 * 8  # One buffer of gathered values (see evaluate.rs).


def measure(function, arguments) -> tuple[int, int]:
    """Bytes allocated by numpy (traced peak) and by the extension's Rust code during a call."""
    rust_before = geodist._geodist._allocated_bytes()
    tracemalloc.start()
    try:
        function(*arguments)
        _, numpy_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return numpy_peak, geodist._geodist._allocated_bytes() - rust_before


@pytest.mark.parametrize("function", FUNCTIONS)
def test_contiguous_float64_input_is_not_copied(function: str, random_points) -> None:
    lat1, lon1 = random_points(N_LARGE)
    lat2, lon2 = random_points(N_LARGE)
    numpy_bytes, rust_bytes = measure(FUNCTIONS[function], (lat1, lon1, lat2, lon2))
    n_outputs = 3 if function == "inverse" else 1
    # numpy allocates the outputs and nothing else; Rust allocates next to nothing.
    assert n_outputs * lat1.nbytes <= numpy_bytes < (n_outputs + 0.5) * lat1.nbytes
    assert rust_bytes < CHUNK_BYTES / 4


def test_contiguous_rows_of_a_broadcast_are_not_copied(random_points) -> None:
    # The same-shape arguments are read in place; only the scalar one is repeated in a buffer.
    lat1, lon1 = random_points(N_LARGE)
    numpy_bytes, rust_bytes = measure(geodist.geodesic, (lat1, lon1, 0.0, lon1))
    assert numpy_bytes < 1.5 * lat1.nbytes
    assert rust_bytes < 1.25 * CHUNK_BYTES


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_copy_measurements_do_see_copies(random_points, monkeypatch, threads: int) -> None:
    # The two measurements above can fail: a converted dtype shows up as a numpy allocation,
    # and a Fortran-ordered array as Rust buffers (bounded, whatever the input size: one chunk
    # per gathered argument and thread).
    monkeypatch.setenv("GEODIST_NUM_THREADS", str(threads))
    lat1, lon1 = random_points(N_LARGE)
    numpy_bytes, _ = measure(geodist.haversine, (lat1.astype(np.float32), lon1, 0.0, lon1))
    assert numpy_bytes >= 2 * lat1.nbytes
    grid = np.asfortranarray(lat1.reshape(400, 500))
    started = geodist._geodist._threads_started()
    numpy_bytes, rust_bytes = measure(geodist.haversine, (grid, grid, grid, grid))
    # The setting is a cap: fewer threads run on fewer CPUs. The caller runs one part itself.
    used = 1 + geodist._geodist._threads_started() - started
    assert used <= threads
    assert numpy_bytes < 1.5 * lat1.nbytes
    assert 4 * used * CHUNK_BYTES <= rust_bytes < (4 * used + 1) * CHUNK_BYTES


# The GIL is released for long batches. Proven by the extension's gate (see gil.rs), not by
# timing: the call waits at the gate, without the GIL, until another Python thread opens it,
# which that thread can only do while it holds the GIL. So the gate opens if and only if the
# call released the GIL, however slowly either thread is scheduled; a call that kept the GIL
# waits out the timeout instead, and the gate says so.


def gate_state(call, timeout: float = 60.0) -> str:
    """Runs ``call`` with the gate armed while another thread tries to open it; returns what
    became of the gate: "opened", "timed out", or "armed" when the call never reached it."""
    hooks = geodist._geodist
    stop = threading.Event()

    def open_the_gate() -> None:
        # Each try needs the GIL; between tries this thread waits without it.
        while not hooks._open_gil_gate() and not stop.wait(0.001):
            pass

    hooks._arm_gil_gate(timeout)
    opener = threading.Thread(target=open_the_gate)
    opener.start()
    try:
        call()
    finally:
        state = hooks._disarm_gil_gate()
        stop.set()
        opener.join()
    return state


@pytest.mark.parametrize("function", FUNCTIONS)
def test_long_batches_release_the_gil(function: str, random_points) -> None:
    lat1, lon1 = random_points(4096)
    lat2, lon2 = random_points(len(lat1))
    assert gate_state(lambda: FUNCTIONS[function](lat1, lon1, lat2, lon2)) == "opened"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_short_batches_keep_the_gil(function: str, random_points) -> None:
    # Taking the GIL back can cost a switch interval (5 ms), so short calls never let it go.
    lat1, lon1 = random_points(4095)
    assert gate_state(lambda: FUNCTIONS[function](lat1, lon1, 0.0, 0.0)) == "armed"
    assert gate_state(lambda: FUNCTIONS[function](1.0, 2.0, 3.0, 4.0)) == "armed"


def test_hausdorff_of_large_sets_releases_the_gil(random_points) -> None:
    a = np.column_stack(random_points(2048))
    b = np.column_stack(random_points(2048))
    assert gate_state(lambda: geodist.hausdorff(a, b)) == "opened"
    assert gate_state(lambda: geodist.hausdorff(a[:2047], b)) == "armed"


def test_concurrent_calls_from_threads(random_points) -> None:
    # Calls that run at the same time without the GIL do not interfere.
    batches = [random_points(50_000) + random_points(50_000) for _ in range(4)]
    expected = [geodist.inverse(*batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda batch: geodist.inverse(*batch), batches * 2))
    for result, reference in zip(results, expected * 2, strict=True):
        for array, reference_array in zip(result, reference, strict=True):
            np.testing.assert_array_equal(array, reference_array)


@pytest.mark.skipif(
    bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    reason="a free-threaded interpreter has no GIL to hold, so nothing keeps the gate shut",
)
def test_the_gate_does_see_a_held_gil() -> None:
    # The control: a wait at the gate with the GIL held leaves the other thread no way to open
    # it, so it times out (after 0.2 s, whatever the load).
    hooks = geodist._geodist
    assert gate_state(hooks._pass_gil_gate_holding_the_gil, timeout=0.2) == "timed out"
