"""Long batches run on several threads: the results are bit-identical to one thread's, and no
more threads start than there are CPUs or than the work warrants.

``GEODIST_NUM_THREADS`` caps the number of threads (read on every call); batches are split into
parts of whole chunks, so these sizes are chosen to leave a short last part, and the layouts to
exercise both the in-place path and the gathering one.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import sysconfig
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import geodist
import numpy as np
import pytest

# Enough pairs for several threads: a thread gets at least 32,768 haversines or 2,048 geodesics.
SIZES = {"haversine": 200_003, "geodesic": 20_011, "inverse": 20_011}
PER_THREAD = {"haversine": 32_768, "geodesic": 2_048, "inverse": 2_048}
FUNCTIONS = {name: getattr(geodist, name) for name in SIZES}
THREADS = ["1", "2", "3", "7"]
LAYOUTS = ["contiguous", "broadcast", "fortran", "strided", "scalars"]


def arguments(layout: str, n: int, random_points) -> tuple:
    lat1, lon1 = random_points(n)
    lat2, lon2 = random_points(n)
    if layout == "contiguous":
        return lat1, lon1, lat2, lon2
    if layout == "broadcast":
        # (k, 1) against (1, m): every argument is gathered from a repeated axis.
        k = 7
        m = n // k
        return lat1[:k, None], lon1[:k, None], lat2[None, :m], lon2[None, :m]
    if layout == "fortran":
        rows = n // 11
        grid = (np.asfortranarray(v[: rows * 11].reshape(rows, 11)) for v in (lat1, lon1))
        return (*grid, lat2[: rows * 11].reshape(rows, 11), 0.0)
    if layout == "strided":
        return lat1[1::2], lon1[::2][: n // 2], lat2[1::2], lon2[::-2][: n // 2]
    return lat1, 10.0, np.float32(-20.5), lon2


def outputs(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_results_do_not_depend_on_the_number_of_threads(
    function: str, layout: str, random_points, monkeypatch
) -> None:
    args = arguments(layout, SIZES[function], random_points)
    monkeypatch.setenv("GEODIST_NUM_THREADS", "1")
    expected = outputs(FUNCTIONS[function](*args))
    for threads in THREADS[1:]:
        monkeypatch.setenv("GEODIST_NUM_THREADS", threads)
        for got, want in zip(outputs(FUNCTIONS[function](*args)), expected, strict=True):
            np.testing.assert_array_equal(got, want, err_msg=f"{threads} threads")
    monkeypatch.delenv("GEODIST_NUM_THREADS")
    for got, want in zip(outputs(FUNCTIONS[function](*args)), expected, strict=True):
        np.testing.assert_array_equal(got, want, err_msg="default threads")


@pytest.mark.parametrize("threads", THREADS)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_first_invalid_element_is_reported_whatever_the_threads(
    function: str, threads: str, monkeypatch
) -> None:
    monkeypatch.setenv("GEODIST_NUM_THREADS", threads)
    n = SIZES[function]
    lat1, lon1, lat2, lon2 = (np.full(n, v) for v in (10.0, 20.0, -30.0, 40.0))
    # One bad value near the end (in the last part) and one in the middle: the middle one wins.
    lat2[n - 5] = 95.0
    lon1[n // 2 + 3] = np.nan
    with pytest.raises(geodist.GeodistError, match=rf"lon1\[{n // 2 + 3}\] = nan"):
        FUNCTIONS[function](lat1, lon1, lat2, lon2)


@pytest.mark.parametrize("value", ["0", "-2", "many", "1.5", ""])
def test_invalid_settings_mean_the_default(value: str, random_points, monkeypatch) -> None:
    lat1, lon1 = random_points(SIZES["geodesic"])
    expected = geodist.geodesic(lat1, lon1, 0.0, 0.0)
    monkeypatch.setenv("GEODIST_NUM_THREADS", value)
    with warnings.catch_warnings():
        # Warned about once per process, by whichever test comes first (see the test below).
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(geodist.geodesic(lat1, lon1, 0.0, 0.0), expected)


def test_an_invalid_setting_is_warned_about_once() -> None:
    # In a fresh interpreter, since the warning comes once per process.
    script = """
import os, warnings
import geodist, numpy as np

lat = np.zeros(100_000)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    for value in ["4", "", "many", "many", "0", "-2", "1.5"]:
        os.environ["GEODIST_NUM_THREADS"] = value
        geodist.geodesic(lat, 0.0, 1.0, 1.0)
        print(value, len(caught))
print(caught[0].category.__name__, caught[0].message)
"""
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert child.returncode == 0, child.stderr
    *counts, warning = child.stdout.splitlines()
    assert counts == ["4 0", " 0", "many 1", "many 1", "0 1", "-2 1", "1.5 1"]
    assert warning.startswith(
        'RuntimeWarning GEODIST_NUM_THREADS="many" is ignored: expected a positive integer'
    )


# How many threads start: counted by the extension (no timing), and the calling thread runs the
# first part itself, so a batch on k threads starts k - 1.


def cpus() -> int:
    """The CPUs this process may use, as the OS says; the extension may see fewer (a cgroup's
    CPU quota), never more."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def threads_started(call) -> int:
    before = geodist._geodist._threads_started()
    call()
    return geodist._geodist._threads_started() - before


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("setting", ["1000", None])
def test_never_more_threads_than_cpus(function: str, setting: str | None, monkeypatch) -> None:
    if setting is None:
        monkeypatch.delenv("GEODIST_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("GEODIST_NUM_THREADS", setting)
    # Work for 64 threads.
    lat1 = np.zeros(64 * PER_THREAD[function])
    started = threads_started(lambda: FUNCTIONS[function](lat1, 0.0, 1.0, 1.0))
    assert started <= cpus() - 1


@pytest.mark.parametrize("function", FUNCTIONS)
def test_never_more_threads_than_the_work_warrants(function: str, monkeypatch) -> None:
    monkeypatch.setenv("GEODIST_NUM_THREADS", "1000")
    for parts in (1, 2, 3):
        lat1 = np.zeros(parts * PER_THREAD[function] + PER_THREAD[function] // 2)
        started = threads_started(lambda lat1=lat1: FUNCTIONS[function](lat1, 0.0, 1.0, 1.0))
        assert started <= parts - 1


def test_one_thread_starts_none(monkeypatch) -> None:
    monkeypatch.setenv("GEODIST_NUM_THREADS", "1")
    assert threads_started(lambda: geodist.haversine(np.zeros(2**21), 0.0, 1.0, 1.0)) == 0


@pytest.mark.skipif(cpus() < 2, reason="one CPU: batches run on the calling thread")
def test_long_batches_do_start_threads(monkeypatch) -> None:
    # The cap tests above would pass if threads never started; this one would not.
    monkeypatch.setenv("GEODIST_NUM_THREADS", "2")
    assert threads_started(lambda: geodist.haversine(np.zeros(2**21), 0.0, 1.0, 1.0)) == 1


@pytest.mark.skipif(cpus() < 2, reason="one CPU: batches run on the calling thread")
def test_a_thread_that_cannot_start_leaves_its_part_to_the_caller(run_with_little_memory) -> None:
    # Room for the 16 MiB result and 1.5 MiB more (a pymalloc arena is 1 MiB), but not for a
    # second thread's 8 MiB stack: the batch still completes, on the calling thread, with the
    # same results.
    child = run_with_little_memory(
        """
        import hashlib
        import os

        lat1 = np.linspace(-80, 80, 2**21)
        # On one thread, since the C library keeps a finished thread's stack for the next one.
        os.environ["GEODIST_NUM_THREADS"] = "1"
        expected = geodist.haversine(lat1, 0.0, 10.0, 10.0)
        os.environ["GEODIST_NUM_THREADS"] = "2"
        os.environ["RUST_MIN_STACK"] = str(8 * 2**20)  # read at the first thread's start
        started = geodist._geodist._threads_started()
        limit_memory(16 * 2**20 + 3 * 2**19)
        got = geodist.haversine(lat1, 0.0, 10.0, 10.0)
        same = hashlib.sha256(got).digest() == hashlib.sha256(expected).digest()
        print(geodist._geodist._threads_started() - started, same)
        """
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout == "0 True\n"


# Free threading. The extension declares that it does not need the GIL, which a free-threaded
# interpreter (3.14t) takes at its word: calls then run truly at the same time, also the parts
# that hold the GIL on other builds (conversion, validation, short batches). Every public
# function is called from many threads at once, on arrays they share and on arrays of their
# own, and every result must be the serial run's to the bit. On a GIL build the long calls
# still overlap (they release the GIL); CI runs this on 3.14t, where everything does.

HAMMER_THREADS = 8
HAMMER_ROUNDS = 2
HAMMER_SEED = 20260330
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def canonical(result) -> object:
    """A result as comparable data, bit for bit: arrays as dtype, shape and bytes; floats by
    their bits; exceptions by type and message."""
    if isinstance(result, BaseException):
        return (type(result).__name__, str(result))
    if isinstance(result, np.ndarray):
        return (result.dtype.str, result.shape, result.tobytes())
    if isinstance(result, float):
        return ("float", struct.pack("<d", result))
    if isinstance(result, tuple):
        return tuple(canonical(part) for part in result)
    if isinstance(result, geodist.Hausdorff):
        return ("Hausdorff", canonical(result.distance), result.a_index, result.b_index)
    return result


def calls(rng: np.random.Generator) -> dict[str, Callable[[], object]]:
    """One call of every public function, long (without the GIL, with helper threads) and short,
    on contiguous, strided, broadcast and converted input, and calls that raise."""
    n = 10_000
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon = rng.uniform(-180, 180, n)
    # Enough haversines for two threads (32,768 each).
    many_lats, many_lons = np.tile(lat, 7), np.tile(lon, 7)
    grid = np.asfortranarray(lat[: 50 * 200].reshape(50, 200))
    track = np.column_stack([np.clip(np.cumsum(rng.normal(0, 0.5, n)), -89, 89), lon / 2])
    ring_angle = np.linspace(0, 2 * np.pi, 5000, endpoint=False)
    ring = (10 + 5 * np.sin(ring_angle), 20 + 5 * np.cos(ring_angle))
    a = np.column_stack([lat[:3000], lon[:3000]])
    b = np.column_stack([lat[3000:6000], lon[3000:6000]])
    bad = lat.copy()
    bad[6789] = np.nan
    return {
        "haversine": lambda: geodist.haversine(many_lats, many_lons, lat[0], many_lons[::-1]),
        "haversine radius": lambda: geodist.haversine(lat[:100], lon[:100], 0, 0, radius=2.0),
        "geodesic": lambda: geodist.geodesic(lat, lon, 0.0, np.float32(10)),
        "geodesic grid": lambda: geodist.geodesic(grid, grid.T[:, :1].T, 1.0, lon[:200]),
        "geodesic scalars": lambda: geodist.geodesic(1.0, 2.0, 3.0, 4.0),
        "inverse": lambda: geodist.inverse(lat[::2], lon[::2], lat[1::2], lon[1::2]),
        "inverse short": lambda: geodist.inverse(lat[:50], lon[:50], 10, 20),
        "direct": lambda: geodist.direct(lat, lon, lon / 2, np.abs(lat) * 1e4),
        "direct ints": lambda: geodist.direct(lat.astype(np.int32), 0, 90, 1000),
        "intermediate": lambda: geodist.intermediate(10, 20, -30, 40, 10_000, endpoints=True),
        "intermediate spacing": lambda: geodist.intermediate(0, 0, 50, 50, max_spacing=1e3),
        "line_length": lambda: geodist.line_length(track[:, 0], track[:, 1]),
        "line_lengths": lambda: geodist.line_lengths(track[:, 0].copy(), track[:, 1].copy()),
        "polygon_area_perimeter": lambda: geodist.polygon_area_perimeter(*ring),
        "polygon short": lambda: geodist.polygon_area_perimeter([0, 0, 1, 1], [0, 1, 1, 0]),
        "hausdorff": lambda: geodist.hausdorff(a, b),
        "hausdorff directed bbox": lambda: geodist.hausdorff(
            b, a, directed=True, bbox=(-60, -170, 60, 170)
        ),
        "Hausdorff": lambda: pickle.loads(pickle.dumps(geodist.Hausdorff(1.5, 2, 3))),
        "invalid element": lambda: geodist.geodesic(bad, lon, 0, 0),
        "invalid type": lambda: geodist.haversine(lat, lon, 0, 0, radius=Decimal(1)),
        "masked": lambda: geodist.line_length(np.ma.masked_array(lat), lon),
        "bad shapes": lambda: geodist.inverse(lat, lon[:-1], 0, 0),
    }


def run_call(call: Callable[[], object]) -> object:
    try:
        return canonical(call())
    except Exception as error:  # errors are results to compare too
        return canonical(error)


def test_every_function_called_from_many_threads_at_once_gives_the_serial_results() -> None:
    shared = calls(np.random.default_rng(HAMMER_SEED))
    expected = {name: run_call(call) for name, call in shared.items()}
    errors = ["invalid element", "invalid type", "masked", "bad shapes"]
    assert [expected[name][0] for name in errors] == [
        "GeodistError",
        "TypeError",
        "TypeError",
        "GeodistError",
    ]
    start = threading.Barrier(HAMMER_THREADS)

    def hammer(seed: int) -> list[tuple[str, object]]:
        # Half the threads call on the shared arrays, half on arrays of their own (the same
        # values, so the same expected results), each in its own order.
        own = calls(np.random.default_rng(HAMMER_SEED)) if seed % 2 else shared
        order = np.random.default_rng(seed).permutation(len(own) * HAMMER_ROUNDS) % len(own)
        names = list(own)
        start.wait()
        return [(names[i], run_call(own[names[i]])) for i in order]

    with ThreadPoolExecutor(max_workers=HAMMER_THREADS) as pool:
        outcomes = list(pool.map(hammer, range(HAMMER_THREADS)))
    for outcome in outcomes:
        assert len(outcome) == len(shared) * HAMMER_ROUNDS
        for name, result in outcome:
            assert result == expected[name], name


@pytest.mark.skipif(
    not FREE_THREADED,
    reason="a GIL build (Py_GIL_DISABLED unset): sys._is_gil_enabled() says something only on a "
    "free-threaded interpreter; CI runs this on 3.14t",
)
def test_importing_geodist_keeps_the_gil_disabled() -> None:
    # In a fresh interpreter, since any extension that does not declare itself free-threading
    # safe turns the GIL back on for good; PYTHON_GIL would override the declaration.
    environment = {key: value for key, value in os.environ.items() if key != "PYTHON_GIL"}
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, geodist, numpy as np\n"
            "geodist.geodesic(np.zeros(10_000), 0.0, 1.0, 1.0)\n"
            "print(sys._is_gil_enabled())",
        ],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout == "False\n", child.stderr
