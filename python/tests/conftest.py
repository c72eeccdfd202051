"""Shared fixtures: seeded random coordinates and a report of the largest errors observed."""

from __future__ import annotations

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    errors = terminalreporter.config.stash.get(_MAX_ERRORS, {})
    if errors:
        terminalreporter.section("largest errors observed")
        for name, error in sorted(errors.items()):
            terminalreporter.write_line(f"{name}: {error:.3g}")
