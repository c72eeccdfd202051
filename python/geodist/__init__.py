"""Fast, exact geodesic distances, in Rust with numpy in and out.

Angles are in degrees, distances in meters, and latitude comes first:

>>> import geodist
>>> round(geodist.geodesic(52.52, 13.405, 48.8566, 2.3522))  # Berlin -> Paris
879699

- :func:`haversine` -- great-circle distance on a sphere (default: mean Earth radius).
- :func:`geodesic` -- distance on the WGS84 ellipsoid, accurate to nanometers (Karney).
- :func:`inverse` -- WGS84 ``(distance, initial azimuth, final azimuth)``.

Each function takes scalars (and returns a float) or array-likes, which broadcast against each
other like numpy operands (and give float64 arrays). Contiguous float64 arrays are read in place,
and long batches release the GIL. Invalid input raises :class:`GeodistError`, a ``ValueError``.
"""

from geodist._geodist import GeodistError, __version__, geodesic, haversine, inverse

__all__ = ["GeodistError", "__version__", "geodesic", "haversine", "inverse"]
