//! `polygon_area_perimeter(lats, lons)`: the signed area and the perimeter of a geodesic polygon
//! on WGS84, as pyproj's `Geod.polygon_area_perimeter`.

use pyo3::prelude::*;

use crate::line::{Vertices, vertex_err};

/// Polygons with at least this many vertices are measured without the GIL (about 1 ms of work).
const GIL_RELEASE_MIN_LEN: usize = 1024;

/// The area and perimeter of the polygon on WGS84 with vertices (``lats[i]``, ``lons[i]``), joined
/// by geodesics: ``(area, perimeter)`` in square meters and meters.
///
/// Karney's algorithm, as GeographicLib's and PROJ's ``geod_polygonarea`` (what
/// ``pyproj.Geod.polygon_area_perimeter`` computes, with longitude first there). The polygon is
/// closed implicitly (do not repeat the first vertex), may encircle a pole and may cross the
/// antimeridian, but must not intersect itself. The area is signed as PROJ signs it: positive when
/// the vertices run counter-clockwise, negative when clockwise, and within half the area of the
/// ellipsoid (so a clockwise ring around a pole gives the area of its complement, negated).
/// Fewer than two vertices give ``(0.0, 0.0)``.
///
/// >>> import geodist
/// >>> area, perimeter = geodist.polygon_area_perimeter([0, 0, 1, 1], [0, 1, 1, 0])
/// >>> round(area), round(perimeter, 3)  # a 1 x 1 degree square, counter-clockwise
/// (12308778361, 443770.917)
/// >>> area, _ = geodist.polygon_area_perimeter([89, 89, 89, 89], [0, 90, 180, -90])
/// >>> round(area)  # the cap north of 89 degrees
/// 24952305678
///
/// Raises ``GeodistError`` (a ``ValueError``) for arrays that are not one-dimensional or differ in
/// length, or a NaN, infinite or out-of-range coordinate (named as ``lats[3]``); and ``TypeError``
/// for input that is not real numbers.
#[pyfunction]
pub(crate) fn polygon_area_perimeter(
    py: Python<'_>,
    lats: &Bound<'_, PyAny>,
    lons: &Bound<'_, PyAny>,
) -> PyResult<(f64, f64)> {
    let vertices = Vertices::new(lats, lons)?;
    let (lat, lon) = (vertices.lat.slice()?, vertices.lon.slice()?);
    let run = || geodist::batch::polygon_area_perimeter(&lat, &lon);
    // The area is one call into the core, with no chunks between which to check for signals.
    let polygon = if lat.len() >= GIL_RELEASE_MIN_LEN {
        crate::gil::detach(py, usize::MAX, |_| run())?
    } else {
        run()
    };
    let polygon = polygon.map_err(vertex_err)?;
    Ok((polygon.area_m2, polygon.perimeter_m))
}
