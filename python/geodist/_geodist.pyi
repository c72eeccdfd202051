"""Type stubs for the compiled extension ``geodist._geodist``."""

from typing import Any, Final, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__version__: Final[str]

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
def _allocated_bytes() -> int: ...
def _pep440(version: str) -> str: ...
