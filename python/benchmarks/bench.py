"""Benchmark geodist against the usual Python alternatives, on seeded random pairs.

    python python/benchmarks/bench.py [--pairs 1000000] [--repeat 7] [--check]

Every contender runs in this one process on the same arrays; each time is the median of
``--repeat`` runs after one warm-up run. The table gives ns per pair and each contender's time
relative to geodist (above 1: geodist is faster). ``--check`` exits with status 1 when geodist
misses the speed targets below.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from collections.abc import Callable

import geodist
import haversine as haversine_package
import numpy as np
import pyproj

SEED = 20240917

# geodist's time must be at most the contender's divided by the factor.
TARGETS = [
    ("geodist.haversine", "numpy haversine formula", 1.25),
    ("geodist.geodesic", "pyproj Geod.inv", 1.0),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000, help="pairs per run")
    parser.add_argument("--repeat", type=int, default=7, help="runs per contender (min 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    repeat = max(args.repeat, 5)

    lat1, lon1, lat2, lon2 = random_pairs(args.pairs)
    points1 = np.column_stack([lat1, lon1])
    points2 = np.column_stack([lat2, lon2])
    geod = pyproj.Geod(ellps="WGS84")
    meters = haversine_package.Unit.METERS

    groups: dict[str, list[tuple[str, Callable[[], object]]]] = {
        "sphere": [
            ("geodist.haversine", lambda: geodist.haversine(lat1, lon1, lat2, lon2)),
            ("numpy haversine formula", lambda: numpy_haversine(lat1, lon1, lat2, lon2)),
            (
                "haversine.haversine_vector",
                lambda: haversine_package.haversine_vector(points1, points2, meters),
            ),
        ],
        "WGS84 ellipsoid": [
            ("geodist.geodesic", lambda: geodist.geodesic(lat1, lon1, lat2, lon2)),
            ("geodist.inverse", lambda: geodist.inverse(lat1, lon1, lat2, lon2)),
            ("pyproj Geod.inv", lambda: geod.inv(lon1, lat1, lon2, lat2)),
        ],
    }
    check_agreement(lat1, lon1, lat2, lon2, geod)

    print(f"{args.pairs:,} random pairs, median of {repeat} runs, numpy {np.__version__}, ", end="")
    print(f"pyproj {pyproj.__version__}, geodist {geodist.__version__}\n")
    print(f"{'':<28} {'ms':>9} {'ns/pair':>9} {'vs geodist':>11}")
    seconds: dict[str, float] = {}
    for group, contenders in groups.items():
        print(f"{group}:")
        baseline = None
        for name, run in contenders:
            seconds[name] = median_seconds(run, repeat)
            baseline = baseline or seconds[name]
            per_pair = seconds[name] / args.pairs * 1e9
            ratio = seconds[name] / baseline
            print(f"  {name:<26} {seconds[name] * 1e3:>9.2f} {per_pair:>9.1f} {ratio:>10.2f}x")

    print("\nscalar calls (one pair of Python floats):")
    scalar = {
        "geodist.haversine": geodist.haversine,
        "geodist.geodesic": geodist.geodesic,
        "haversine.haversine": lambda a, b, c, d: haversine_package.haversine((a, b), (c, d)),
        "pyproj Geod.inv": lambda a, b, c, d: geod.inv(b, a, d, c),
    }
    for name, function in scalar.items():
        print(f"  {name:<26} {scalar_ns(function):>9.0f} ns/call")
    print("\ntargets:")
    missed = 0
    for ours, theirs, factor in TARGETS:
        speedup = seconds[theirs] / seconds[ours]
        ok = speedup >= factor
        missed += not ok
        verdict = "ok" if ok else "MISSED"
        print(f"  {ours} vs {theirs}: {speedup:.2f}x faster (target {factor}x) {verdict}")
    return 1 if args.check and missed else 0


def random_pairs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` pairs of points uniform over the sphere, in degrees."""
    rng = np.random.default_rng(SEED)
    lat1, lat2 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, (2, n))))
    lon1, lon2 = rng.uniform(-180.0, 180.0, (2, n))
    return lat1, lon1, lat2, lon2


def numpy_haversine(lat1, lon1, lat2, lon2, radius=6371008.8):
    """The textbook formula, as it is usually written with numpy."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * radius * np.arcsin(np.sqrt(h))


def check_agreement(lat1, lon1, lat2, lon2, geod: pyproj.Geod) -> None:
    """Guards against benchmarking wrong answers: all contenders must agree."""
    n = min(len(lat1), 10_000)
    sample = lat1[:n], lon1[:n], lat2[:n], lon2[:n]
    spherical = geodist.haversine(*sample)
    np.testing.assert_allclose(numpy_haversine(*sample), spherical, rtol=1e-9, atol=1e-6)
    _, _, ellipsoidal = geod.inv(sample[1], sample[0], sample[3], sample[2])
    np.testing.assert_allclose(geodist.geodesic(*sample), ellipsoidal, rtol=0, atol=1e-6)


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    run()  # Warm-up: first-touch page faults, lazy imports, caches.
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scalar_ns(function: Callable[[float, float, float, float], object]) -> float:
    """Best-of-5 time of one call with four Python floats, call overhead included."""
    timer = timeit.Timer("function(52.52, 13.405, 48.8566, 2.3522)", globals={"function": function})
    loops, _ = timer.autorange()
    return min(timer.repeat(5, loops)) / loops * 1e9


if __name__ == "__main__":
    sys.exit(main())
