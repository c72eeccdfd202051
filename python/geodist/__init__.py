"""Fast, exact geodesic distances, in Rust with numpy in and out.

Angles are in degrees, distances in meters, and latitude comes first:

>>> import geodist
>>> round(geodist.geodesic(52.52, 13.405, 48.8566, 2.3522))  # Berlin -> Paris
879699

- :func:`haversine` -- great-circle distance on a sphere (default: mean Earth radius).
- :func:`geodesic` -- distance on the WGS84 ellipsoid, accurate to nanometers (Karney).
- :func:`inverse` -- WGS84 ``(distance, initial azimuth, final azimuth)``.
- :func:`direct` -- WGS84 ``(lat2, lon2, final azimuth)`` from a point, an azimuth and a distance.
- :func:`intermediate` -- equally spaced points along a geodesic, by count or maximum spacing.
- :func:`line_length`, :func:`line_lengths` -- the length of a polyline and of its segments.
- :func:`polygon_area_perimeter` -- the signed area and perimeter of a geodesic polygon.
- :func:`hausdorff` -- exact great-circle Hausdorff distance between two point sets, with the
  pair of points that realizes it (a :class:`Hausdorff`).

The distance functions take scalars (and return a float) or array-likes, which broadcast against
each other like numpy operands (and give float64 arrays). Contiguous float64 arrays are read in
place, and long batches release the GIL and run on several threads (at most the number of CPUs, or
the ``GEODIST_NUM_THREADS`` environment variable); Ctrl-C stops them with ``KeyboardInterrupt``.
Invalid input raises :class:`GeodistError`, a ``ValueError``; numbers that are not ints or floats
(``Decimal``, ``Fraction``, bools, strings) and masked arrays raise ``TypeError``, and what does
not fit in memory ``MemoryError``.
"""

from geodist._geodist import (
    GeodistError,
    Hausdorff,
    __version__,
    direct,
    geodesic,
    hausdorff,
    haversine,
    intermediate,
    inverse,
    line_length,
    line_lengths,
    polygon_area_perimeter,
)

__all__ = [
    "GeodistError",
    "Hausdorff",
    "__version__",
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
