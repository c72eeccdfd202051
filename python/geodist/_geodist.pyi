"""Type stubs for the compiled extension ``geodist._geodist``."""

from collections.abc import Sequence
from typing import Any, Final, final, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__version__: Final[str]

# Everything the extension exports: the public API (re-exported by ``geodist``) and the
# underscore-prefixed test hooks the pytest suite uses.
__all__ = [
    "GeodistError",
    "Hausdorff",
    "__version__",
    "_allocated_bytes",
    "_arm_gil_gate",
    "_chunks_finished",
    "_disarm_gil_gate",
    "_gil_gate_waiting",
    "_interrupt_after_chunks",
    "_open_gil_gate",
    "_pass_gil_gate_holding_the_gil",
    "_pep440",
    "_threads_started",
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

# Scalars give floats. A 0-d array is also accepted as a scalar at run time (and gives a float),
# but it is typed as an array here, since its dimensionality is not known statically.
_Scalar = float | int | np.floating[Any] | np.integer[Any]
_Array = NDArray[np.float64]

class GeodistError(ValueError):
    """Invalid input: a NaN, infinite or out-of-range coordinate, a bad radius or bad shapes."""

@overload
def haversine(
    lat1: _Scalar, lon1: _Scalar, lat2: _Scalar, lon2: _Scalar, *, radius: float = 6371008.8
) -> float: ...
@overload
def haversine(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike, *, radius: float = 6371008.8
) -> _Array: ...
@overload
def geodesic(lat1: _Scalar, lon1: _Scalar, lat2: _Scalar, lon2: _Scalar) -> float: ...
@overload
def geodesic(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> _Array: ...
@overload
def inverse(
    lat1: _Scalar, lon1: _Scalar, lat2: _Scalar, lon2: _Scalar
) -> tuple[float, float, float]: ...
@overload
def inverse(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> tuple[_Array, _Array, _Array]: ...
@overload
def direct(
    lat1: _Scalar, lon1: _Scalar, azimuth1: _Scalar, distance: _Scalar
) -> tuple[float, float, float]: ...
@overload
def direct(
    lat1: ArrayLike, lon1: ArrayLike, azimuth1: ArrayLike, distance: ArrayLike
) -> tuple[_Array, _Array, _Array]: ...
@overload
def intermediate(
    lat1: float,
    lon1: float,
    lat2: float,
    lon2: float,
    n: int,
    *,
    max_spacing: None = None,
    endpoints: bool = False,
) -> tuple[_Array, _Array]: ...
@overload
def intermediate(
    lat1: float,
    lon1: float,
    lat2: float,
    lon2: float,
    n: None = None,
    *,
    max_spacing: float,
    endpoints: bool = False,
) -> tuple[_Array, _Array]: ...
def line_length(lats: ArrayLike, lons: ArrayLike) -> float: ...
def line_lengths(lats: ArrayLike, lons: ArrayLike) -> _Array: ...
def polygon_area_perimeter(lats: ArrayLike, lons: ArrayLike) -> tuple[float, float]: ...

@final
class Hausdorff:
    """A Hausdorff distance (meters) and the rows of ``a`` and ``b`` that realize it."""

    def __new__(cls, distance: float, a_index: int, b_index: int) -> Hausdorff: ...
    @property
    def distance(self) -> float: ...
    @property
    def a_index(self) -> int: ...
    @property
    def b_index(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def __reduce__(self) -> tuple[type[Hausdorff], tuple[float, int, int]]: ...

def hausdorff(
    a: ArrayLike,
    b: ArrayLike,
    *,
    directed: bool = False,
    radius: float = 6371008.8,
    bbox: tuple[float, float, float, float] | Sequence[float] | None = None,
) -> Hausdorff: ...
def _allocated_bytes() -> int: ...
def _pep440(version: str) -> str: ...
def _threads_started() -> int: ...
def _arm_gil_gate(timeout: float) -> None: ...
def _open_gil_gate() -> bool: ...
def _disarm_gil_gate() -> str: ...
def _pass_gil_gate_holding_the_gil() -> None: ...
def _gil_gate_waiting() -> bool: ...
def _chunks_finished() -> int: ...
def _interrupt_after_chunks(chunks: int) -> None: ...
