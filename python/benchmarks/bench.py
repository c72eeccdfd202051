"""Benchmark geodist against the usual Python alternatives, on seeded random input.

    python python/benchmarks/bench.py [--pairs 1000000] [--points 10000 100000] [--repeat 7]
                                      [--check]

Every contender runs in this one process on the same arrays. The contenders of a group run in
rounds, one run each per round after one warm-up run, so that other work on the machine slows
them alike; each time is the median over ``--repeat`` rounds, and each ratio the median of the
per-round ratios. Each table gives the time per call and per element, each contender's time
relative to the first row of its group, geodist with its default threads (above 1: geodist is
faster), and the calling thread's CPU time per element. Rows marked "1 thread" run with
``GEODIST_NUM_THREADS=1``. The first line names the CPU.

The speed targets at the end compare single-threaded runs (geodist with one thread against
pyproj, which runs on the calling thread) by the CPU time of the calling thread, which a busy
machine disturbs less than the wall clock; the others by the wall clock. ``--check`` exits with
status 1 when geodist misses a target.

The Hausdorff contender from scipy is the usual exact method: a cKDTree over the unit vectors of
each set, queried with every point of the other set, and the largest chord turned into an arc.
"""

from __future__ import annotations

import argparse
import os
import platform
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
    """geodist's time must be at most the contender's divided by ``factor``, on ``clock``
    (``"cpu"``: the calling thread's CPU time, for single-threaded contenders; ``"wall"``)."""

    ours: str
    theirs: str
    factor: float
    clock: str = "wall"


TARGETS = [
    Target("geodist.haversine", "numpy haversine formula", 3.0),
    Target("geodist.geodesic", "pyproj Geod.inv", 1.5),
    Target("geodist.geodesic, 1 thread", "pyproj Geod.inv", 1.5, "cpu"),
    Target("geodist.inverse, 1 thread", "pyproj Geod.inv", 1.5, "cpu"),
    Target("geodist.direct, 1 thread", "pyproj Geod.fwd", 1.5, "cpu"),
    Target("geodist.line_length", "pyproj Geod.line_length", 1.5, "cpu"),
    Target("geodist.polygon_area_perimeter", "pyproj Geod.polygon_area_perimeter", 1.5, "cpu"),
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

    print(f"{cpu_name()}, {os.cpu_count()} CPUs; median of {repeat} rounds; ", end="")
    print(f"numpy {np.__version__}, ", end="")
    print(f"pyproj {pyproj.__version__}, scipy {scipy.__version__}, geodist {geodist.__version__}")
    runs: dict[str, Runs] = {}
    runs |= run_group_table(pair_groups(args.pairs), args.pairs, "pair", repeat)
    runs |= run_group_table(direct_groups(args.pairs), args.pairs, "problem", repeat)
    polyline, polygon = line_groups(args.pairs)
    runs |= run_group_table(polyline, args.pairs, "point", repeat)
    runs |= run_group_table(polygon, args.pairs // 5, "vertex", repeat)
    targets = list(TARGETS)
    for points in args.points:
        groups = hausdorff_groups(points)
        runs |= run_group_table(groups, 2 * points, "point", repeat)
        targets += hausdorff_targets(points)
    scalar_table()
    return report(targets, runs, args.check)


def cpu_name() -> str:
    """The CPU's model name (and on x86, its family and model), so that every result names the
    machine it was measured on."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            fields = dict(
                (key.strip(), value.strip())
                for key, _, value in (line.partition(":") for line in cpuinfo)
                if value
            )
    except OSError:
        return platform.processor() or platform.machine()
    name = fields.get("model name", platform.machine())
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


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


def direct_groups(n: int) -> dict[str, list[tuple[str, Callable[[], object]]]]:
    lat1, lon1, _, _ = random_pairs(n)
    rng = np.random.default_rng(SEED + 1)
    azimuth = rng.uniform(-180.0, 180.0, n)
    distance = rng.uniform(0.0, 2e7, n)
    geod = pyproj.Geod(ellps="WGS84")
    ours = geodist.direct(lat1, lon1, azimuth, distance)
    lon2, lat2, _ = geod.fwd(lon1, lat1, azimuth, distance)
    np.testing.assert_array_equal(ours[0], lat2)  # the same answers, bit for bit
    np.testing.assert_array_equal(ours[1], lon2)
    return {
        f"WGS84 direct problem, {n:,} problems": [
            ("geodist.direct", lambda: geodist.direct(lat1, lon1, azimuth, distance)),
            (
                "geodist.direct, 1 thread",
                one_thread(lambda: geodist.direct(lat1, lon1, azimuth, distance)),
            ),
            ("pyproj Geod.fwd", lambda: geod.fwd(lon1, lat1, azimuth, distance)),
        ]
    }


def line_groups(
    n: int,
) -> tuple[
    dict[str, list[tuple[str, Callable[[], object]]]],
    dict[str, list[tuple[str, Callable[[], object]]]],
]:
    """A random walk of ``n`` points (steps of a few hundred km), and a polygon of a fifth of
    them (a star-shaped ring around a random center, so that it is simple)."""
    rng = np.random.default_rng(SEED + 2)
    lat = np.clip(np.cumsum(rng.normal(0.0, 2.0, n)), -89.0, 89.0)
    lon = np.remainder(np.cumsum(rng.normal(0.0, 3.0, n)) + 180.0, 360.0) - 180.0
    m = n // 5
    bearings = np.sort(rng.uniform(-180.0, 180.0, m))
    ring_lat, ring_lon, _ = geodist.direct(10.0, 20.0, bearings, rng.uniform(1e6, 2e6, m))
    geod = pyproj.Geod(ellps="WGS84")
    assert geodist.line_length(lat, lon) == geod.line_length(lon, lat)
    area, perimeter = geodist.polygon_area_perimeter(ring_lat, ring_lon)
    assert (area, perimeter) == geod.polygon_area_perimeter(ring_lon, ring_lat)
    polyline = {
        f"WGS84 polyline, {n:,} points (one thread)": [
            ("geodist.line_length", lambda: geodist.line_length(lat, lon)),
            ("pyproj Geod.line_length", lambda: geod.line_length(lon, lat)),
        ]
    }
    polygon = {
        f"WGS84 polygon, {m:,} vertices (one thread)": [
            (
                "geodist.polygon_area_perimeter",
                lambda: geodist.polygon_area_perimeter(ring_lat, ring_lon),
            ),
            (
                "pyproj Geod.polygon_area_perimeter",
                lambda: geod.polygon_area_perimeter(ring_lon, ring_lat),
            ),
        ]
    }
    return polyline, polygon


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


@dataclass
class Runs:
    """One contender's measured runs: wall-clock and calling-thread CPU seconds, per round."""

    wall: list[float]
    cpu: list[float]


def run_group_table(
    groups: dict[str, list[tuple[str, Callable[[], object]]]], n: int, unit: str, repeat: int
) -> dict[str, Runs]:
    runs: dict[str, Runs] = {}
    header = f"{'ms':>9} {f'ns/{unit}':>11} {'vs geodist':>11} {'thread CPU ns/' + unit:>18}"
    print(f"\n{'':<40} {header}")
    for group, contenders in groups.items():
        print(f"{group}:")
        measured = measure_rounds(contenders, repeat)
        baseline = measured[contenders[0][0]]
        for name, _ in contenders:
            seconds = statistics.median(measured[name].wall)
            per_item = seconds / n * 1e9
            ratio = median_ratio(measured[name].wall, baseline.wall)
            # The calling thread's CPU time: what the single-threaded targets compare, and what
            # a busy machine disturbs least (for threaded runs, only the calling thread's part).
            cpu = statistics.median(measured[name].cpu) / n * 1e9
            print(
                f"  {name:<38} {seconds * 1e3:>9.2f} {per_item:>11.1f} {ratio:>10.2f}x {cpu:>18.1f}"
            )
        runs |= measured
    return runs


def measure_rounds(
    contenders: list[tuple[str, Callable[[], object]]], repeat: int
) -> dict[str, Runs]:
    """Runs every contender once per round, ``repeat`` rounds, after one warm-up run each."""
    for _, run in contenders:
        run()  # Warm-up: first-touch page faults, lazy imports, caches.
    measured = {name: Runs([], []) for name, _ in contenders}
    for _ in range(repeat):
        for name, run in contenders:
            wall, cpu = time.perf_counter(), time.thread_time()
            run()
            measured[name].cpu.append(time.thread_time() - cpu)
            measured[name].wall.append(time.perf_counter() - wall)
    return measured


def median_ratio(numerators: list[float], denominators: list[float]) -> float:
    """The median over rounds of ``numerator / denominator``, both measured in that round."""
    return statistics.median(a / b for a, b in zip(numerators, denominators, strict=True))


def scalar_table() -> None:
    print("\nscalar calls (one pair of Python floats):")
    geod = pyproj.Geod(ellps="WGS84")
    scalar = {
        "geodist.haversine": geodist.haversine,
        "geodist.geodesic": geodist.geodesic,
        "haversine.haversine": lambda a, b, c, d: haversine_package.haversine((a, b), (c, d)),
        "pyproj Geod.inv": lambda a, b, c, d: geod.inv(b, a, d, c),
        "geodist.direct": geodist.direct,
        "pyproj Geod.fwd": lambda a, b, c, d: geod.fwd(b, a, c, d),
    }
    for name, function in scalar.items():
        print(f"  {name:<34} {scalar_ns(function):>9.0f} ns/call")


def scalar_ns(function: Callable[[float, float, float, float], object]) -> float:
    """Best-of-5 time of one call with four Python floats, call overhead included."""
    timer = timeit.Timer("function(52.52, 13.405, 48.8566, 2.3522)", globals={"function": function})
    loops, _ = timer.autorange()
    return min(timer.repeat(5, loops)) / loops * 1e9


def report(targets: list[Target], runs: dict[str, Runs], check: bool) -> int:
    print("\ntargets (geodist's speed-up, median of the per-round ratios, and its range):")
    missed = 0
    for target in targets:
        ours, theirs = runs[target.ours], runs[target.theirs]
        ours_s, theirs_s = (
            (ours.cpu, theirs.cpu) if target.clock == "cpu" else (ours.wall, theirs.wall)
        )
        ratios = [b / a for a, b in zip(ours_s, theirs_s, strict=True)]
        speedup = statistics.median(ratios)
        ok = speedup >= target.factor
        missed += not ok
        verdict = "ok" if ok else "MISSED"
        print(
            f"  {target.ours} vs {target.theirs} ({target.clock}): {speedup:.2f}x"
            f" [{min(ratios):.2f}-{max(ratios):.2f}] (target {target.factor}x) {verdict}"
        )
    return 1 if check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
