"""Shared fixtures: seeded random coordinates, a report of the largest errors observed, and child
interpreters (for calls that could take this one down: aborts, signals, memory limits)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable

import numpy as np
import pytest

SEED = 20240917

_MAX_ERRORS = pytest.StashKey[dict[str, float]]()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


@pytest.fixture
def random_points(rng: np.random.Generator) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    """Draws ``n`` points uniform over the sphere, as (lat, lon) arrays in degrees."""

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
        lon = rng.uniform(-180.0, 180.0, n)
        return lat, lon

    return draw


@pytest.fixture
def report_error(request: pytest.FixtureRequest) -> Callable[[str, float], None]:
    """Records the largest error seen under a name; the summary prints them after the run."""
    errors = request.config.stash.setdefault(_MAX_ERRORS, {})

    def report(name: str, error: float) -> None:
        errors[name] = max(errors.get(name, 0.0), float(error))

    return report


# The child sets its limit only after its imports, as a margin over what it then uses, so that the
# margin is what the code under test gets whatever numpy and the interpreter need on this machine.
_LIMITED_PREAMBLE = """
import resource

import geodist
import numpy as np


def limit_memory(margin):
    with open("/proc/self/status") as status:
        used_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    resource.setrlimit(resource.RLIMIT_AS, (used_kb * 1024 + margin, resource.RLIM_INFINITY))
"""


def _run_child(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs Python code in a child interpreter (with ``env`` added to this one's environment),
    so that an abort or a stray signal cannot take the test session down with it."""
    return _run_child


@pytest.fixture
def run_with_little_memory() -> Callable[[str], subprocess.CompletedProcess[str]]:
    """Runs Python code in a child interpreter, where ``limit_memory(margin)`` caps the address
    space at ``margin`` bytes above its current use (``RLIMIT_AS``), so that this process is never
    at risk. Linux only: macOS does not enforce ``RLIMIT_AS`` and Windows has no ``resource``."""
    if not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_AS is enforced on Linux only")

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return _run_child(_LIMITED_PREAMBLE + textwrap.dedent(code))

    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    errors = terminalreporter.config.stash.get(_MAX_ERRORS, {})
    if errors:
        terminalreporter.section("largest errors observed")
        for name, error in sorted(errors.items()):
            terminalreporter.write_line(f"{name}: {error:.3g}")
