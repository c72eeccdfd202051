//! `direct(lat1, lon1, azimuth1, distance)`: the WGS84 direct problem with numpy broadcasting,
//! through the same evaluator as the distance functions, with its own argument names.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::evaluate::{Evaluated, Names, evaluate};

/// The argument names, which are also the positions `geodist::batch::direct` reports.
const ARGUMENTS: Names = ["lat1", "lon1", "azimuth1", "distance"];

/// The fewest solutions worth a thread of their own: a direct solution costs about 0.3 µs, so
/// this is about 1 ms of work, against tens of microseconds to start a thread.
const DIRECTS_PER_THREAD: usize = 4096;

/// The WGS84 direct geodesic problem: ``(lat2, lon2, azimuth2)``.
///
/// From the point (``lat1``, ``lon1``), follow the geodesic that leaves it with azimuth
/// ``azimuth1`` (degrees clockwise from north) for ``distance`` meters; the result is where it
/// ends, with its longitude in [-180, 180], and the forward azimuth there. A negative distance goes
/// backwards, and lines longer than half the Earth's circumference wrap around it. Karney's
/// algorithm, as GeographicLib's and PROJ's ``geod_direct`` (what ``pyproj.Geod.fwd`` computes,
/// which returns the back azimuth, ``azimuth2 ± 180``, unless ``return_back_azimuth=False``),
/// accurate to about 15 nanometers.
///
/// Azimuths follow GeographicLib's sign conventions: west-going lines report ``-0.0`` for due
/// north and ``-180.0`` for due south.
///
/// Arguments broadcast like numpy operands; scalars in give a tuple of three floats, otherwise a
/// tuple of three float64 arrays of the broadcast shape.
///
/// >>> import geodist
/// >>> lat2, lon2, azimuth2 = geodist.direct(51.5074, -0.1278, -71.631002, 5585234)
/// >>> round(lat2, 4), round(lon2, 4), round(azimuth2, 4)  # London -> New York
/// (40.7128, -74.006, -128.7588)
/// >>> lat2, lon2, _ = geodist.direct(0, 0, 90, [111319.49079327357, 222638.98158654713])
/// >>> lon2.round(9)
/// array([1., 2.])
///
/// Raises ``GeodistError`` (a ``ValueError``) for a NaN, infinite or out-of-range coordinate, a
/// NaN or infinite azimuth or distance, or shapes that do not broadcast; and ``TypeError`` for
/// input that is not real numbers.
#[pyfunction]
pub(crate) fn direct<'py>(
    py: Python<'py>,
    lat1: &Bound<'py, PyAny>,
    lon1: &Bound<'py, PyAny>,
    azimuth1: &Bound<'py, PyAny>,
    distance: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let evaluated = evaluate(
        py,
        ARGUMENTS,
        [lat1, lon1, azimuth1, distance],
        DIRECTS_PER_THREAD,
        |[lat1, lon1, azi1, s12], [lat2, lon2, azi2]| {
            geodist::batch::direct(lat1, lon1, azi1, s12, lat2, lon2, azi2)
        },
    )?;
    match evaluated {
        Evaluated::Scalar(values) => PyTuple::new(py, values),
        Evaluated::Array(arrays) => PyTuple::new(py, arrays),
    }
}
