"""Benchmark geodist against the usual Python alternatives, on seeded random input.

    python python/benchmarks/bench.py [--pairs 1000000] [--points 10000 100000] [--repeat 7]
                                      [--check]

Every contender runs in this one process on the same arrays; each time is the median of
``--repeat`` runs after one warm-up run. Each table gives the time per call and per element, and
each contender's time relative to the first row of its group, geodist with its default threads
(above 1: geodist is faster). Rows marked "1 thread" run with ``GEODIST_NUM_THREADS=1``.
``--check`` exits with status 1 when geodist misses a speed target below.

The Hausdorff contender from scipy is the usual exact method: a cKDTree over the unit vectors of
each set, queried with every point of the other set, and the largest chord turned into an arc.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import geodist
import haversine as haversine_package
import numpy as np
import pyproj
import scipy
from scipy.spatial import cKDTree

SEED = 20240917
RADIUS = 6371008.8
THREADS_VAR = "GEODIST_NUM_THREADS"


@dataclass(frozen=True)
class Target:
    """geodist's time must be at most the contender's divided by ``factor``."""

    ours: str
    theirs: str
    factor: float


TARGETS = [
    Target("geodist.haversine", "numpy haversine formula", 3.0),
    Target("geodist.geodesic", "pyproj Geod.inv", 1.5),
]


def hausdorff_targets(points: int) -> list[Target]:
    return [Target(f"geodist.hausdorff {points:,}", f"scipy cKDTree {points:,}", 1.0)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000, help="pairs per distance run")
    parser.add_argument(
        "--points", type=int, nargs="*", default=[10_000, 100_000], help="points per Hausdorff set"
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs per contender (min 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    repeat = max(args.repeat, 5)

    print(f"median of {repeat} runs; {os.cpu_count()} CPUs, numpy {np.__version__}, ", end="")
    print(f"pyproj {pyproj.__version__}, scipy {scipy.__version__}, geodist {geodist.__version__}")
    seconds: dict[str, float] = {}
    seconds |= run_group_table(pair_groups(args.pairs), args.pairs, "pair", repeat)
    targets = list(TARGETS)
    for points in args.points:
        groups = hausdorff_groups(points)
        seconds |= run_group_table(groups, 2 * points, "point", repeat)
        targets += hausdorff_targets(points)
    scalar_table()
    return report(targets, seconds, args.check)


# The contenders.


def pair_groups(n: int) -> dict[str, list[tuple[str, Callable[[], object]]]]:
    lat1, lon1, lat2, lon2 = random_pairs(n)
    points1, points2 = np.column_stack([lat1, lon1]), np.column_stack([lat2, lon2])
    geod = pyproj.Geod(ellps="WGS84")
    meters = haversine_package.Unit.METERS
    check_pair_agreement(lat1, lon1, lat2, lon2, geod)
    return {
        f"sphere, {n:,} pairs": [
            ("geodist.haversine", lambda: geodist.haversine(lat1, lon1, lat2, lon2)),
            (
                "geodist.haversine, 1 thread",
                one_thread(lambda: geodist.haversine(lat1, lon1, lat2, lon2)),
            ),
            ("numpy haversine formula", lambda: numpy_haversine(lat1, lon1, lat2, lon2)),
            (
                "haversine.haversine_vector",
                lambda: haversine_package.haversine_vector(points1, points2, meters),
            ),
        ],
        f"WGS84 ellipsoid, {n:,} pairs": [
            ("geodist.geodesic", lambda: geodist.geodesic(lat1, lon1, lat2, lon2)),
            (
                "geodist.geodesic, 1 thread",
                one_thread(lambda: geodist.geodesic(lat1, lon1, lat2, lon2)),
            ),
            ("geodist.inverse", lambda: geodist.inverse(lat1, lon1, lat2, lon2)),
            (
                "geodist.inverse, 1 thread",
                one_thread(lambda: geodist.inverse(lat1, lon1, lat2, lon2)),
            ),
            ("pyproj Geod.inv", lambda: geod.inv(lon1, lat1, lon2, lat2)),
        ],
    }


def hausdorff_groups(n: int) -> dict[str, list[tuple[str, Callable[[], object]]]]:
    lat1, lon1, lat2, lon2 = random_pairs(n, seed=SEED + n)
    a, b = np.column_stack([lat1, lon1]), np.column_stack([lat2, lon2])
    check_hausdorff_agreement(a, b)
    return {
        f"Hausdorff, {n:,} + {n:,} points (geodist on one thread)": [
            (f"geodist.hausdorff {n:,}", lambda: geodist.hausdorff(a, b)),
            (f"geodist directed {n:,}", lambda: geodist.hausdorff(a, b, directed=True)),
            (f"scipy cKDTree {n:,}", lambda: scipy_hausdorff(a, b)),
        ]
    }


def random_pairs(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` pairs of points uniform over the sphere, in degrees."""
    rng = np.random.default_rng(seed)
    lat1, lat2 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, (2, n))))
    lon1, lon2 = rng.uniform(-180.0, 180.0, (2, n))
    return lat1, lon1, lat2, lon2


def numpy_haversine(lat1, lon1, lat2, lon2, radius=RADIUS):
    """The textbook formula, as it is usually written with numpy."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * radius * np.arcsin(np.sqrt(h))


def unit_vectors(points: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(points[:, 0]), np.radians(points[:, 1])
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def scipy_hausdorff(a: np.ndarray, b: np.ndarray, radius=RADIUS) -> tuple[float, int, int]:
    """The exact symmetric Hausdorff distance with cKDTrees: ``(distance, a_index, b_index)``."""
    ua, ub = unit_vectors(a), unit_vectors(b)
    a_tree, b_tree = cKDTree(ua), cKDTree(ub)
    to_b, nearest_b = b_tree.query(ua)
    to_a, nearest_a = a_tree.query(ub)
    i, j = int(np.argmax(to_b)), int(np.argmax(to_a))
    chord, a_index, b_index = (
        (to_b[i], i, int(nearest_b[i])) if to_b[i] >= to_a[j] else (to_a[j], int(nearest_a[j]), j)
    )
    return 2 * radius * float(np.arcsin(min(chord / 2, 1.0))), a_index, b_index


def one_thread(run: Callable[[], object]) -> Callable[[], object]:
    """``run`` with geodist limited to the calling thread."""

    def single() -> object:
        previous = os.environ.get(THREADS_VAR)
        os.environ[THREADS_VAR] = "1"
        try:
            return run()
        finally:
            if previous is None:
                del os.environ[THREADS_VAR]
            else:
                os.environ[THREADS_VAR] = previous

    return single


# Guards against benchmarking wrong answers: all contenders must agree.


def check_pair_agreement(lat1, lon1, lat2, lon2, geod: pyproj.Geod) -> None:
    n = min(len(lat1), 10_000)
    sample = lat1[:n], lon1[:n], lat2[:n], lon2[:n]
    spherical = geodist.haversine(*sample)
    np.testing.assert_allclose(numpy_haversine(*sample), spherical, rtol=1e-9, atol=1e-6)
    _, _, ellipsoidal = geod.inv(sample[1], sample[0], sample[3], sample[2])
    np.testing.assert_allclose(geodist.geodesic(*sample), ellipsoidal, rtol=0, atol=1e-8)
    full = (lat1, lon1, lat2, lon2)
    np.testing.assert_array_equal(
        one_thread(lambda: geodist.geodesic(*full))(), geodist.geodesic(*full)
    )


def check_hausdorff_agreement(a: np.ndarray, b: np.ndarray) -> None:
    ours = geodist.hausdorff(a, b)
    distance, *_ = scipy_hausdorff(a, b)
    assert abs(ours.distance - distance) < 1e-6, (ours, distance)
    pair = (*a[ours.a_index], *b[ours.b_index])
    assert ours.distance == geodist.haversine(*pair), ours


# Measuring and reporting.


def run_group_table(
    groups: dict[str, list[tuple[str, Callable[[], object]]]], n: int, unit: str, repeat: int
) -> dict[str, float]:
    seconds: dict[str, float] = {}
    print(f"\n{'':<36} {'ms':>9} {f'ns/{unit}':>10} {'vs geodist':>11}")
    for group, contenders in groups.items():
        print(f"{group}:")
        baseline = None
        for name, run in contenders:
            seconds[name] = median_seconds(run, repeat)
            baseline = baseline or seconds[name]
            per_item = seconds[name] / n * 1e9
            ratio = seconds[name] / baseline
            print(f"  {name:<34} {seconds[name] * 1e3:>9.2f} {per_item:>10.1f} {ratio:>10.2f}x")
    return seconds


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    run()  # Warm-up: first-touch page faults, lazy imports, caches.
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scalar_table() -> None:
    print("\nscalar calls (one pair of Python floats):")
    geod = pyproj.Geod(ellps="WGS84")
    scalar = {
        "geodist.haversine": geodist.haversine,
        "geodist.geodesic": geodist.geodesic,
        "haversine.haversine": lambda a, b, c, d: haversine_package.haversine((a, b), (c, d)),
        "pyproj Geod.inv": lambda a, b, c, d: geod.inv(b, a, d, c),
    }
    for name, function in scalar.items():
        print(f"  {name:<34} {scalar_ns(function):>9.0f} ns/call")


def scalar_ns(function: Callable[[float, float, float, float], object]) -> float:
    """Best-of-5 time of one call with four Python floats, call overhead included."""
    timer = timeit.Timer("function(52.52, 13.405, 48.8566, 2.3522)", globals={"function": function})
    loops, _ = timer.autorange()
    return min(timer.repeat(5, loops)) / loops * 1e9


def report(targets: list[Target], seconds: dict[str, float], check: bool) -> int:
    print("\ntargets (geodist's speed-up; 1 thread in parentheses):")
    missed = 0
    for target in targets:
        speedup = seconds[target.theirs] / seconds[target.ours]
        single = seconds.get(f"{target.ours}, 1 thread")
        single_text = f" ({seconds[target.theirs] / single:.2f}x)" if single else ""
        ok = speedup >= target.factor
        missed += not ok
        verdict = "ok" if ok else "MISSED"
        print(
            f"  {target.ours} vs {target.theirs}: {speedup:.2f}x{single_text}"
            f" (target {target.factor}x) {verdict}"
        )
    return 1 if check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
