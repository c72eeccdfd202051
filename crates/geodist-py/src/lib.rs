//! The `geodist._geodist` extension module: numpy-aware Python bindings for the `geodist` kernels.
//!
//! Every public function takes the four coordinates `lat1, lon1, lat2, lon2` as Python scalars or
//! array-likes. `coords` turns each argument into a float64 scalar or array, `evaluate` broadcasts
//! them and runs the batch kernel (zero-copy for contiguous float64 input, without the GIL for long
//! batches), and `error` turns a `geodist::GeodistError` into a Python `GeodistError` that names the
//! argument and its n-dimensional position.

mod alloc;
mod coords;
mod error;
mod evaluate;
mod version;

use pyo3::prelude::*;

#[global_allocator]
static ALLOCATOR: alloc::CountingAllocator = alloc::CountingAllocator;

pyo3::create_exception!(
    geodist,
    GeodistError,
    pyo3::exceptions::PyValueError,
    "Invalid input to a geodist function: a coordinate that is NaN, infinite or out of range, a \
     radius that is not a positive finite number, or shapes that cannot be broadcast together.\n\n\
     The message names the offending argument, its position (for arrays) and its value."
);

#[pymodule]
mod _geodist {
    use numpy::PyArrayDyn;
    use pyo3::prelude::*;
    use pyo3::types::PyTuple;

    use crate::evaluate::{Evaluated, evaluate};

    #[pymodule_export]
    use super::GeodistError;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", crate::version::pep440(env!("CARGO_PKG_VERSION")))
    }

    // `haversine`'s default radius is written out because PyO3 shows only literal defaults in
    // `inspect.signature`; this keeps the literal equal to the core's constant.
    const _: () = assert!(6_371_008.8 == geodist::MEAN_EARTH_RADIUS_M);

    /// Great-circle distance in meters between two points on a sphere (the haversine formula).
    ///
    /// Coordinates are in degrees, latitude first. Each argument is a scalar or an array-like;
    /// arrays broadcast against each other like numpy operands. Scalars in give a float out;
    /// otherwise the result is a float64 array of the broadcast shape.
    ///
    /// ``radius`` is the sphere's radius in meters (default: the mean Earth radius, 6371008.8 m).
    ///
    /// >>> import geodist
    /// >>> round(geodist.haversine(51.5074, -0.1278, 40.7128, -74.0060))  # London - New York
    /// 5570230
    /// >>> geodist.haversine(0, 0, 0, [90, 180], radius=1.0) / 3.141592653589793
    /// array([0.5, 1. ])
    ///
    /// Raises ``GeodistError`` (a ``ValueError``) for a NaN, infinite or out-of-range coordinate,
    /// a radius that is not a positive finite number, or shapes that do not broadcast; and
    /// ``TypeError`` for input that is not real numbers (complex, strings, objects, booleans).
    #[pyfunction]
    #[pyo3(signature = (lat1, lon1, lat2, lon2, *, radius = 6_371_008.8))]
    fn haversine<'py>(
        py: Python<'py>,
        lat1: &Bound<'py, PyAny>,
        lon1: &Bound<'py, PyAny>,
        lat2: &Bound<'py, PyAny>,
        lon2: &Bound<'py, PyAny>,
        radius: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let evaluated = evaluate(py, [lat1, lon1, lat2, lon2], |[a, b, c, d], [out]| {
            geodist::batch::haversine(a, b, c, d, radius, out)
        })?;
        single(py, evaluated)
    }

    /// Distance in meters along the WGS84 ellipsoid between two points (Karney's algorithm,
    /// accurate to about 15 nanometers).
    ///
    /// Coordinates are in degrees, latitude first. Each argument is a scalar or an array-like;
    /// arrays broadcast against each other like numpy operands. Scalars in give a float out;
    /// otherwise the result is a float64 array of the broadcast shape.
    ///
    /// >>> import geodist
    /// >>> round(geodist.geodesic(51.5074, -0.1278, 40.7128, -74.0060), 3)  # London - New York
    /// 5585233.579
    /// >>> london = (51.5074, -0.1278)
    /// >>> paris, tokyo = (48.8566, 2.3522), (35.6762, 139.6503)
    /// >>> (geodist.geodesic(*london, [paris[0], tokyo[0]], [paris[1], tokyo[1]]) / 1000).round()
    /// array([ 344., 9582.])
    ///
    /// Raises ``GeodistError`` (a ``ValueError``) for a NaN, infinite or out-of-range coordinate
    /// or shapes that do not broadcast; and ``TypeError`` for input that is not real numbers.
    #[pyfunction]
    fn geodesic<'py>(
        py: Python<'py>,
        lat1: &Bound<'py, PyAny>,
        lon1: &Bound<'py, PyAny>,
        lat2: &Bound<'py, PyAny>,
        lon2: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let evaluated = evaluate(py, [lat1, lon1, lat2, lon2], |[a, b, c, d], [out]| {
            geodist::batch::geodesic(a, b, c, d, out)
        })?;
        single(py, evaluated)
    }

    /// The WGS84 inverse geodesic problem: ``(distance, azimuth1, azimuth2)``.
    ///
    /// ``distance`` is in meters (as ``geodesic``); ``azimuth1`` is the initial bearing at point 1
    /// and ``azimuth2`` the final (forward) bearing at point 2, both in degrees clockwise from
    /// north in [-180, 180]. Arguments broadcast like numpy operands; scalars in give a tuple of
    /// three floats, otherwise a tuple of three float64 arrays of the broadcast shape.
    ///
    /// >>> import geodist
    /// >>> distance, azimuth1, azimuth2 = geodist.inverse(51.5074, -0.1278, 40.7128, -74.0060)
    /// >>> round(distance), round(azimuth1, 6), round(azimuth2, 6)
    /// (5585234, -71.631002, -128.758771)
    ///
    /// Raises ``GeodistError`` (a ``ValueError``) for a NaN, infinite or out-of-range coordinate
    /// or shapes that do not broadcast; and ``TypeError`` for input that is not real numbers.
    #[pyfunction]
    fn inverse<'py>(
        py: Python<'py>,
        lat1: &Bound<'py, PyAny>,
        lon1: &Bound<'py, PyAny>,
        lat2: &Bound<'py, PyAny>,
        lon2: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let evaluated =
            evaluate(py, [lat1, lon1, lat2, lon2], |[a, b, c, d], [s12, azi1, azi2]| {
                geodist::batch::inverse(a, b, c, d, s12, azi1, azi2)
            })?;
        match evaluated {
            Evaluated::Scalar(values) => PyTuple::new(py, values),
            Evaluated::Array(arrays) => PyTuple::new(py, arrays),
        }
    }

    /// Bytes allocated by this extension's Rust code since it was loaded (a test hook: the
    /// pytest suite uses it to check that contiguous float64 input is not copied).
    #[pyfunction]
    fn _allocated_bytes() -> usize {
        crate::alloc::allocated_bytes()
    }

    /// The PEP 440 form of a Cargo (SemVer) version, as used for ``__version__``.
    #[pyfunction]
    fn _pep440(version: &str) -> String {
        crate::version::pep440(version)
    }

    fn single<'py>(py: Python<'py>, evaluated: Evaluated<'py, 1>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match evaluated {
            Evaluated::Scalar([value]) => value.into_pyobject(py)?.into_any(),
            Evaluated::Array([array]) => <Bound<'py, PyArrayDyn<f64>>>::into_any(array),
        })
    }
}
