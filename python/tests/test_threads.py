"""Long batches run on several threads: the results are bit-identical to one thread's, and no
more threads start than there are CPUs or than the work warrants.

``GEODIST_NUM_THREADS`` caps the number of threads (read on every call); batches are split into
parts of whole chunks, so these sizes are chosen to leave a short last part, and the layouts to
exercise both the in-place path and the gathering one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

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
