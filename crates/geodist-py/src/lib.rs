//! The `geodist._geodist` extension module: numpy-aware Python bindings for the `geodist` kernels.
//!
//! The distance functions take the four coordinates `lat1, lon1, lat2, lon2` as Python scalars or
//! array-likes. `coords` turns each argument into a float64 scalar or array, `evaluate` broadcasts
//! them and runs the batch kernel (zero-copy for contiguous float64 input, without the GIL and on
//! several threads for long batches), naming an invalid element by its n-dimensional position in
//! its argument; `error` holds the Python `GeodistError` and writes its messages. `direct` runs
//! the direct problem through the same evaluator with its own argument names. `hausdorff` takes
//! two point sets of shape `(n, 2)` instead; `line` (points along a geodesic, polyline lengths)
//! and `polygon` (area and perimeter) take one-dimensional `lats, lons` arrays.

mod alloc;
mod coords;
mod direct;
mod error;
mod evaluate;
mod gil;
mod hausdorff;
mod line;
mod polygon;
mod simd;
mod threads;
mod version;

use pyo3::prelude::*;

#[global_allocator]
static ALLOCATOR: alloc::CountingAllocator = alloc::CountingAllocator;

/// The module runs without the GIL on free-threaded interpreters (3.14t). What its calls share is
/// safe to share: the counters (`alloc`, `threads`, `gil`) are atomics; the test gate is a mutex;
/// the cached Python objects are `PyOnceLock`s and the CPU count a `OnceLock`; the AVX2 check in
/// `simd` is std's own atomic cache; numpy's borrow flags, which guard the arrays a call reads
/// and writes, sit behind numpy's mutex; `GEODIST_NUM_THREADS` is read from `os.environ`, not
/// with `getenv` (which races with another thread's `setenv`); outputs are new arrays no other
/// thread sees until the call returns; `Hausdorff` is frozen. `test_threads.py` calls every
/// function from many threads at once and compares the results with a serial run's, bit for bit.
#[pymodule(gil_used = false)]
mod _geodist {
    use numpy::PyArrayDyn;
    use pyo3::prelude::*;
    use pyo3::types::PyTuple;

    use crate::evaluate::{Evaluated, POINT_PAIR, evaluate};
    use crate::hausdorff::Direction;

    #[pymodule_export]
    use crate::error::GeodistError;
    #[pymodule_export]
    use crate::hausdorff::Hausdorff;

    // The direct problem, geodesic lines and polygons, each in its own file.
    #[pymodule_export]
    use crate::direct::direct;
    #[pymodule_export]
    use crate::line::{intermediate, line_length, line_lengths};
    #[pymodule_export]
    use crate::polygon::polygon_area_perimeter;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", crate::version::pep440(env!("CARGO_PKG_VERSION")))
    }

    /// The fewest pairs worth a thread of their own: about 1 ms of work each (30 ns per
    /// haversine, 0.5 to 1 µs per geodesic), against tens of microseconds to start a thread.
    const HAVERSINES_PER_THREAD: usize = 32_768;
    const GEODESICS_PER_THREAD: usize = 2_048;

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
        #[pyo3(from_py_with = crate::coords::radius)] radius: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let evaluated = evaluate(
            py,
            POINT_PAIR,
            [lat1, lon1, lat2, lon2],
            HAVERSINES_PER_THREAD,
            |[a, b, c, d], [out]| crate::simd::haversine(a, b, c, d, radius, out),
        )?;
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
        let evaluated = evaluate(
            py,
            POINT_PAIR,
            [lat1, lon1, lat2, lon2],
            GEODESICS_PER_THREAD,
            |[a, b, c, d], [out]| geodist::batch::geodesic(a, b, c, d, out),
        )?;
        single(py, evaluated)
    }

    /// The WGS84 inverse geodesic problem: ``(distance, azimuth1, azimuth2)``.
    ///
    /// ``distance`` is in meters (as ``geodesic``); ``azimuth1`` is the initial bearing at point 1
    /// and ``azimuth2`` the final (forward) bearing at point 2, both in degrees clockwise from
    /// north in [-180, 180]. Signs follow GeographicLib and PROJ: a west-going geodesic reports
    /// ``-0.0`` for due north and ``-180.0`` for due south (``pyproj.Geod.inv`` gives the same
    /// bits). Arguments broadcast like numpy operands; scalars in give a tuple of three floats,
    /// otherwise a tuple of three float64 arrays of the broadcast shape.
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
        let evaluated = evaluate(
            py,
            POINT_PAIR,
            [lat1, lon1, lat2, lon2],
            GEODESICS_PER_THREAD,
            |[a, b, c, d], [s12, azi1, azi2]| geodist::batch::inverse(a, b, c, d, s12, azi1, azi2),
        )?;
        match evaluated {
            Evaluated::Scalar(values) => PyTuple::new(py, values),
            Evaluated::Array(arrays) => PyTuple::new(py, arrays),
        }
    }

    /// Exact great-circle Hausdorff distance between two point sets on a sphere, and the pair of
    /// points that realizes it.
    ///
    /// ``a`` and ``b`` are array-likes of shape (n, 2): one (lat, lon) row per point, in degrees.
    /// The result has ``distance`` (meters on the sphere of ``radius``, default the mean Earth
    /// radius 6371008.8 m), ``a_index`` and ``b_index``: the rows of ``a`` and ``b`` that are that
    /// far apart.
    ///
    /// - ``directed=False``: the symmetric distance, the larger of the two directed ones; the
    ///   witnesses are always (row of ``a``, row of ``b``), whichever direction the maximum is in.
    /// - ``directed=True``: the directed distance from ``a`` to ``b``: ``a_index`` is the point of
    ///   ``a`` farthest from ``b``, ``b_index`` its nearest point in ``b``.
    /// - ``bbox=(min_lat, min_lon, max_lat, max_lon)``: only the points inside the box count (the
    ///   indices still refer to the full arrays); ``min_lon > max_lon`` is a box across the
    ///   antimeridian.
    ///
    /// The result is exact (a k-d tree over unit vectors, no sampling), and when several pairs
    /// realize the distance, the one with the smallest indices is reported.
    ///
    /// >>> import geodist
    /// >>> a = [(0.0, 0.0), (0.0, 1.0), (0.0, 2.0)]
    /// >>> b = [(0.0, 0.0), (0.0, 1.0)]
    /// >>> h = geodist.hausdorff(a, b)
    /// >>> round(h.distance), h.a_index, h.b_index
    /// (111195, 2, 1)
    /// >>> geodist.hausdorff(b, a, directed=True).distance  # every point of b is in a
    /// 0.0
    /// >>> geodist.hausdorff(a, b, bbox=(-1, -1, 1, 1.5)).distance  # (0, 2) is outside the box
    /// 0.0
    ///
    /// Raises ``GeodistError`` (a ``ValueError``) for an empty point set (or one with no point in
    /// ``bbox``), an array not of shape (n, 2), a NaN, infinite or out-of-range coordinate (named
    /// by its position, such as ``a[3, 0]``), an invalid ``bbox`` or radius; ``TypeError`` for
    /// input that is not real numbers; and ``MemoryError`` when the point sets do not fit in
    /// memory (with the search's working memory, up to about 110 bytes a point).
    #[pyfunction]
    #[pyo3(signature = (a, b, *, directed = false, radius = 6_371_008.8, bbox = None))]
    fn hausdorff<'py>(
        py: Python<'py>,
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = crate::coords::directed)] directed: bool,
        #[pyo3(from_py_with = crate::coords::radius)] radius: f64,
        #[pyo3(from_py_with = crate::coords::bbox)] bbox: Option<[f64; 4]>,
    ) -> PyResult<Hausdorff> {
        let direction = if directed { Direction::Directed } else { Direction::Symmetric };
        crate::hausdorff::hausdorff(py, a, b, direction, radius, bbox)
    }

    /// Bytes allocated by this extension's Rust code since it was loaded (a test hook: the
    /// pytest suite uses it to check that contiguous float64 input is not copied).
    #[pyfunction]
    fn _allocated_bytes() -> usize {
        crate::alloc::allocated_bytes()
    }

    /// Threads started for long batches since the extension was loaded (a test hook: the pytest
    /// suite counts them to check the `GEODIST_NUM_THREADS` cap without timing anything).
    #[pyfunction]
    fn _threads_started() -> usize {
        crate::threads::started()
    }

    /// Test hooks proving that long calls release the GIL, without timing anything (see `gil`):
    /// arm the gate, call, open it from another thread, then read what became of it.
    #[pyfunction]
    fn _arm_gil_gate(timeout: f64) -> PyResult<()> {
        crate::gil::arm_gate(timeout)
    }

    #[pyfunction]
    fn _open_gil_gate(py: Python<'_>) -> bool {
        crate::gil::open_gate(py)
    }

    #[pyfunction]
    fn _disarm_gil_gate() -> &'static str {
        crate::gil::disarm_gate()
    }

    #[pyfunction]
    fn _pass_gil_gate_holding_the_gil(py: Python<'_>) {
        crate::gil::pass_gate_holding_the_gil(py);
    }

    #[pyfunction]
    fn _gil_gate_waiting(py: Python<'_>) -> bool {
        crate::gil::gate_waiting(py)
    }

    /// Chunks finished by long calls since the extension was loaded, on any thread (a test
    /// hook: the pytest suite counts them to see where an interrupted call stopped).
    #[pyfunction]
    fn _chunks_finished() -> usize {
        crate::gil::chunks_finished()
    }

    /// Makes the `chunks`-th chunk finished from now on act as if SIGINT arrived just then (a
    /// test hook: a Ctrl-C in the middle of a call, whatever the scheduling).
    #[pyfunction]
    fn _interrupt_after_chunks(chunks: usize) -> PyResult<()> {
        crate::gil::interrupt_after_chunks(chunks)
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
