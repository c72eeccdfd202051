"""One rule for every numeric argument, and masked arrays refused by every function.

A real number is a Python int or float (not a bool), a numpy integer or floating scalar, or what
``numpy.asarray`` turns into an array of an integer or floating dtype: coordinates, radii,
spacings, bounding boxes and the ``Hausdorff`` constructor all follow it, so ``Decimal`` and
``Fraction`` are refused everywhere instead of being rounded by ``float()`` in some places only.

numpy hands over a masked array's data with the masked values in it; geodist cannot tell what a
masked coordinate should mean, so every function refuses masked arrays with a ``TypeError``
rather than compute with values the caller masked out.
"""

from __future__ import annotations

import math
import pickle
from decimal import Decimal
from fractions import Fraction

import geodist
import numpy as np
import pytest

POINT = [(0.0, 0.0), (1.0, 1.0)]

# Every argument that takes one real number, as a call that passes `value` for it.
SCALAR_ARGUMENTS = {
    "haversine(radius)": lambda value: geodist.haversine(0, 0, 0, 1, radius=value),
    "hausdorff(radius)": lambda value: geodist.hausdorff(POINT, POINT, radius=value),
    "hausdorff(bbox[2])": lambda value: geodist.hausdorff(POINT, POINT, bbox=(-1, -1, value, 2)),
    "intermediate(lat1)": lambda value: geodist.intermediate(value, 0, 1, 1, 3),
    "intermediate(lon1)": lambda value: geodist.intermediate(0, value, 1, 1, 3),
    "intermediate(lat2)": lambda value: geodist.intermediate(0, 0, value, 1, 3),
    "intermediate(lon2)": lambda value: geodist.intermediate(0, 0, 1, value, 3),
    "intermediate(max_spacing)": lambda value: geodist.intermediate(0, 0, 1, 1, max_spacing=value),
    "Hausdorff(distance)": lambda value: geodist.Hausdorff(value, 0, 0),
}
# The name each argument has in its error message.
NAMES = {
    "hausdorff(bbox[2])": "bbox[2]",
    "Hausdorff(distance)": "distance",
}
# Coordinates of the batch functions, which take arrays as well.
COORDINATE_ARGUMENTS = {
    "geodesic(lat1)": lambda value: geodist.geodesic(value, 0, 0, 0),
    "haversine(lon2)": lambda value: geodist.haversine(0, 0, 0, value),
    "inverse(lat2)": lambda value: geodist.inverse(0, 0, value, 0),
    "direct(distance)": lambda value: geodist.direct(0, 0, 0, value),
    "direct(azimuth1)": lambda value: geodist.direct(0, 0, value, 0),
}


def name_of(argument: str) -> str:
    return NAMES.get(argument, argument.split("(")[1].rstrip(")"))


NOT_REAL = [
    pytest.param(Decimal("1.5"), "Decimal", id="Decimal"),
    pytest.param(Fraction(3, 2), "Fraction", id="Fraction"),
    pytest.param(1.5 + 0j, "complex", id="complex"),
    pytest.param("1.5", "str", id="str"),
    pytest.param(True, "bool", id="bool"),
    pytest.param(np.bool_(True), np.bool_.__name__, id="numpy-bool"),
    pytest.param(None, "NoneType", id="None"),
]


@pytest.mark.parametrize(
    ("argument", "value", "found"),
    [
        pytest.param(argument, *case.values, id=f"{argument}-{case.id}")
        for argument in SCALAR_ARGUMENTS
        for case in NOT_REAL
        # max_spacing=None means that no spacing is given.
        if not (argument == "intermediate(max_spacing)" and case.values[0] is None)
    ],
)
def test_every_number_argument_refuses_what_is_not_a_real_number(argument, value, found) -> None:
    with pytest.raises(TypeError) as raised:
        SCALAR_ARGUMENTS[argument](value)
    assert (
        str(raised.value)
        == f"{name_of(argument)} must be a real number (int or float), got {found}"
    )


@pytest.mark.parametrize(("value", "found"), NOT_REAL)
@pytest.mark.parametrize("argument", COORDINATE_ARGUMENTS)
def test_coordinates_refuse_the_same(argument, value, found) -> None:
    with pytest.raises(TypeError) as raised:
        COORDINATE_ARGUMENTS[argument](value)
    assert str(raised.value) == (
        f"{name_of(argument)} must be a real number or an array of real numbers (int or float), "
        f"got {found}"
    )


REAL = [
    pytest.param(2, id="int"),
    pytest.param(2.0, id="float"),
    pytest.param(np.float32(2.0), id="numpy-float32"),
    pytest.param(np.int64(2), id="numpy-int64"),
    pytest.param(np.uint8(2), id="numpy-uint8"),
    pytest.param(np.array(2.0), id="0-d-array"),
    pytest.param(np.array(2, dtype=np.int16), id="0-d-int16-array"),
]


@pytest.mark.parametrize("value", REAL)
@pytest.mark.parametrize("argument", [*SCALAR_ARGUMENTS, *COORDINATE_ARGUMENTS])
def test_every_number_argument_takes_every_real_number(argument, value) -> None:
    call = {**SCALAR_ARGUMENTS, **COORDINATE_ARGUMENTS}[argument]
    expected = call(2.0)
    got = call(value)
    if isinstance(expected, tuple):
        for got_part, expected_part in zip(got, expected, strict=True):
            np.testing.assert_array_equal(got_part, expected_part)
    else:
        assert got == expected


@pytest.mark.parametrize("argument", SCALAR_ARGUMENTS)
def test_an_array_is_not_one_number(argument) -> None:
    with pytest.raises(TypeError) as raised:
        SCALAR_ARGUMENTS[argument](np.array([2.0, 3.0]))
    assert str(raised.value) == (
        f"{name_of(argument)} must be a real number (int or float), "
        "got an array of shape (2,) and dtype float64"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [(math.nan, "nan"), (-1.0, "-1.0"), (-math.inf, "-inf"), (np.float64(-1e-300), "-1e-300")],
)
def test_a_hausdorff_distance_is_a_number_at_least_zero(value: float, shown: str) -> None:
    with pytest.raises(ValueError) as raised:
        geodist.Hausdorff(value, 0, 0)
    assert str(raised.value) == f"distance must be a number >= 0 (meters), got {shown}"


def test_a_hausdorff_distance_may_be_what_hausdorff_returns() -> None:
    # A radius near the largest float makes the distance overflow to infinity; the result must
    # still pickle, which calls the constructor.
    result = geodist.hausdorff([(0, 0)], [(0, 180)], radius=1e308)
    assert result.distance == math.inf
    assert pickle.loads(pickle.dumps(result)) == result
    assert geodist.Hausdorff(-0.0, 0, 0) == geodist.Hausdorff(0.0, 0, 0)


# Masked arrays.


def masked(values, mask) -> np.ma.MaskedArray:
    return np.ma.masked_array(np.asarray(values, dtype=float), mask=mask)


LINE = [0.0, 1.0, 2.0, 1.5]
ARRAY_ARGUMENTS = {
    # The batch functions, one of whose four arguments is masked.
    **{
        f"{function}({name})": (
            lambda value, function=function, index=index: getattr(geodist, function)(
                *[value if i == index else np.array(LINE) for i in range(4)]
            )
        )
        for function, names in {
            "haversine": ["lat1", "lon1", "lat2", "lon2"],
            "geodesic": ["lat1", "lon1", "lat2", "lon2"],
            "inverse": ["lat1", "lon1", "lat2", "lon2"],
            "direct": ["lat1", "lon1", "azimuth1", "distance"],
        }.items()
        for index, name in enumerate(names)
    },
    "line_length(lats)": lambda value: geodist.line_length(value, LINE),
    "line_length(lons)": lambda value: geodist.line_length(LINE, value),
    "line_lengths(lats)": lambda value: geodist.line_lengths(value, LINE),
    "line_lengths(lons)": lambda value: geodist.line_lengths(LINE, value),
    "polygon_area_perimeter(lats)": lambda value: geodist.polygon_area_perimeter(value, LINE),
    "polygon_area_perimeter(lons)": lambda value: geodist.polygon_area_perimeter(LINE, value),
    "hausdorff(a)": lambda value: geodist.hausdorff(np.ma.column_stack([value, value]), POINT),
    "hausdorff(b)": lambda value: geodist.hausdorff(POINT, np.ma.column_stack([value, value])),
    "hausdorff(bbox)": lambda value: geodist.hausdorff(POINT, POINT, bbox=value),
}


def refusal(name: str) -> str:
    return (
        f"{name} is a masked array (numpy.ma.MaskedArray), and geodist cannot honour its mask: "
        f"pass numpy.ma.getdata({name}) to use every value as it is, masked or not, or leave the "
        f"masked elements out first ({name}.compressed() gives the others)"
    )


@pytest.mark.parametrize(
    "mask",
    [[0, 1, 0, 0], [0, 0, 0, 0], np.ma.nomask],
    ids=["one-masked", "none-masked", "nomask"],
)
@pytest.mark.parametrize("argument", ARRAY_ARGUMENTS)
def test_masked_arrays_are_refused_by_every_function(argument: str, mask) -> None:
    # The reported case is line_length with the second vertex masked, which used it silently.
    # An array with nothing masked is refused too: whether a call works must not depend on
    # whether the data happens to have a gap.
    with pytest.raises(TypeError) as raised:
        ARRAY_ARGUMENTS[argument](masked(LINE, mask))
    assert str(raised.value) == refusal(name_of(argument))


@pytest.mark.parametrize(
    "argument", [*SCALAR_ARGUMENTS, *COORDINATE_ARGUMENTS, "intermediate(n)", "Hausdorff(a_index)"]
)
def test_masked_numbers_are_refused(argument: str) -> None:
    # `numpy.ma.masked` (what indexing a masked element gives) and a 0-d masked array: float()
    # and int() would turn them into nan, 0 or the value under the mask.
    calls = {
        **SCALAR_ARGUMENTS,
        **COORDINATE_ARGUMENTS,
        "intermediate(n)": lambda value: geodist.intermediate(0, 0, 1, 1, value),
        "Hausdorff(a_index)": lambda value: geodist.Hausdorff(1.0, value, 0),
    }
    for value in (np.ma.masked, np.ma.masked_array(3, mask=True), np.ma.masked_array(3)):
        with pytest.raises(TypeError) as raised:
            calls[argument](value)
        assert str(raised.value) == refusal(name_of(argument))


@pytest.mark.parametrize(
    ("value", "found"),
    [(Decimal(3), "Decimal"), (Fraction(3), "Fraction"), (3.0, "float"), (True, "bool")],
)
def test_a_number_of_points_is_an_int_and_nothing_else(value, found: str) -> None:
    with pytest.raises(TypeError) as raised:
        geodist.intermediate(0, 0, 1, 1, value)
    assert str(raised.value) == f"n must be an int (a number of points) or None, got {found}"
    assert len(geodist.intermediate(0, 0, 1, 1, np.int16(3))[0]) == 3
