"""The package's surface: names, version, exception type, signatures and type stubs."""

from __future__ import annotations

import ast
import doctest
import importlib.metadata
import inspect
import math
from pathlib import Path

import geodist
import pytest

PACKAGE = Path(geodist.__file__).parent
FUNCTIONS = [
    "direct",
    "geodesic",
    "hausdorff",
    "haversine",
    "intermediate",
    "inverse",
    "line_length",
    "line_lengths",
    "polygon_area_perimeter",
]
PUBLIC = ["GeodistError", "Hausdorff", "__version__", *FUNCTIONS]


def test_public_names() -> None:
    assert sorted(geodist.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(geodist, name) is getattr(geodist._geodist, name)


def test_version_matches_the_distribution_metadata() -> None:
    assert geodist.__version__ == importlib.metadata.version("geodist-rs")


@pytest.mark.parametrize(
    ("cargo", "pep440"),
    [
        ("1.2.0", "1.2.0"),
        ("1.2.0-alpha.1", "1.2.0a1"),
        ("1.2.0-beta.2", "1.2.0b2"),
        ("1.2.0-rc.3", "1.2.0rc3"),
        ("1.2.0-rc.10", "1.2.0rc10"),
        ("0.1.0-alpha", "0.1.0a0"),
        ("2.0.0-dev.4", "2.0.0.dev4"),
        ("1.2.0+build.5", "1.2.0+build.5"),
        ("1.2.0-rc.1+abc", "1.2.0rc1+abc"),
    ],
)
def test_pep440_form_of_cargo_versions(cargo: str, pep440: str) -> None:
    assert geodist._geodist._pep440(cargo) == pep440


def test_geodist_error_is_a_value_error() -> None:
    assert issubclass(geodist.GeodistError, ValueError)
    assert geodist.GeodistError.__module__ == "geodist"
    assert geodist.GeodistError.__doc__
    with pytest.raises(ValueError, match="latitude"):
        geodist.haversine(91, 0, 0, 0)


def test_signatures() -> None:
    coordinates = ["lat1", "lon1", "lat2", "lon2"]
    for function in (geodist.geodesic, geodist.inverse):
        assert list(inspect.signature(function).parameters) == coordinates
    parameters = inspect.signature(geodist.haversine).parameters
    assert list(parameters) == [*coordinates, "radius"]
    assert parameters["radius"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["radius"].default == 6371008.8
    with pytest.raises(TypeError):
        geodist.haversine(0, 0, 0, 0, 1.0)  # radius is keyword-only


def test_hausdorff_signature() -> None:
    parameters = inspect.signature(geodist.hausdorff).parameters
    assert list(parameters) == ["a", "b", "directed", "radius", "bbox"]
    for name, default in [("directed", False), ("radius", 6371008.8), ("bbox", None)]:
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default == default
    assert (
        parameters["radius"].default
        == inspect.signature(geodist.haversine).parameters["radius"].default
    )


def test_keyword_arguments() -> None:
    assert geodist.geodesic(lat1=0, lon1=0, lat2=0, lon2=1) == geodist.geodesic(0, 0, 0, 1)
    assert geodist.haversine(0, 0, 0, 1, radius=1.0) == pytest.approx(math.radians(1))


def test_docstrings() -> None:
    assert geodist.__doc__
    for name in FUNCTIONS:
        assert getattr(geodist, name).__doc__, name
        assert "GeodistError" in getattr(geodist, name).__doc__, name
    assert geodist.Hausdorff.__doc__
    assert geodist.Hausdorff.__module__ == "geodist"


@pytest.mark.parametrize("module", [geodist, geodist._geodist], ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    # The extension's functions are not found by module (they are builtins), so name them.
    finder = doctest.DocTestFinder()
    tests = finder.find(module) + [
        test
        for name in FUNCTIONS
        for test in finder.find(getattr(module, name), name)
        if module is geodist._geodist
    ]
    runner = doctest.DocTestRunner()
    for test in tests:
        runner.run(test)
    assert sum(len(test.examples) for test in tests) > 0
    assert runner.failures == 0, runner.summarize()


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()


def test_stubs_cover_the_extension() -> None:
    stub = ast.parse((PACKAGE / "_geodist.pyi").read_text())
    stubbed = {
        node.name
        for node in stub.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    } | {
        node.target.id
        for node in stub.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    runtime = {name for name in dir(geodist._geodist) if not name.startswith("__")}
    assert runtime | {"__version__"} == stubbed
