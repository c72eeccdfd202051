"""Long batches run on several threads: the results are bit-identical to one thread's.

``GEODIST_NUM_THREADS`` caps the number of threads (read on every call); batches are split into
parts of whole chunks, so these sizes are chosen to leave a short last part, and the layouts to
exercise both the in-place path and the gathering one.
"""

from __future__ import annotations

import geodist
import numpy as np
import pytest

# Enough pairs for several threads: a thread gets at least 32,768 haversines or 2,048 geodesics.
SIZES = {"haversine": 200_003, "geodesic": 20_011, "inverse": 20_011}
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


@pytest.mark.parametrize("value", ["0", "-2", "many", ""])
def test_invalid_settings_mean_the_default(value: str, random_points, monkeypatch) -> None:
    lat1, lon1 = random_points(SIZES["geodesic"])
    expected = geodist.geodesic(lat1, lon1, 0.0, 0.0)
    monkeypatch.setenv("GEODIST_NUM_THREADS", value)
    np.testing.assert_array_equal(geodist.geodesic(lat1, lon1, 0.0, 0.0), expected)
