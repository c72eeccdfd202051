//! Geodesic lines: `intermediate` (points along the geodesic between two points, as pyproj's
//! `Geod.npts` and `Geod.inv_intermediate`), `line_length` and `line_lengths` (as pyproj's), and
//! the reading of the `lats, lons` vertex arrays that they and `polygon_area_perimeter` share.
//!
//! Vertex arrays are one-dimensional; C-contiguous float64 input is read in place, anything else
//! is converted once. Copies and outputs are allocated through `alloc`, so that what does not
//! fit in memory is a `MemoryError`. Long lines are computed in chunks without the GIL, checking
//! for signals (Ctrl-C) between chunks, as the batch functions do (see `gil`).

use std::borrow::Cow;

use geodist::{Endpoints, Intermediate, Point, Spacing};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::alloc;
use crate::coords::{Coord, coord};
use crate::error::{GeodistError, format_shape, point_set_err, repr};
use crate::gil::{self, Interrupted};

/// Outputs and inputs at least this long are computed without the GIL (from about 1 ms of work,
/// a thousand geodesics); see `evaluate::GIL_RELEASE_MIN_LEN`.
const GIL_RELEASE_MIN_LEN: usize = 2048;

/// Segments or points per chunk: 1 to 2 ms of geodesics, 0.6 ms of points along a line.
const CHUNK_LEN: usize = 2048;

/// Signal checks come every this many segments or points: 5 to 20 ms of work.
const CHECK_EVERY: usize = 16_384;

/// Points along the WGS84 geodesic from (``lat1``, ``lon1``) to (``lat2``, ``lon2``):
/// ``(lats, lons)``, two float64 arrays.
///
/// Give exactly one of ``n``, the number of points, and ``max_spacing``, the largest gap allowed
/// between consecutive points in meters. The points are equally spaced along the shortest
/// geodesic (Karney's algorithm; ``geod_inverseline`` and ``geod_position`` as PROJ has them).
///
/// - ``endpoints=False`` (the default, as ``pyproj.Geod.npts``): only points strictly between the
///   two ends, ``n`` of them ``d / (n + 1)`` apart for the geodesic's length ``d``.
/// - ``endpoints=True``: the start is the first point and the end the last, ``d / (n - 1)`` apart
///   (pyproj's ``initial_idx=0, terminus_idx=0``). A single point is the start (pyproj raises
///   ``ZeroDivisionError`` there). The ends are computed along the line, within nanometers of
///   the given points, as pyproj computes them.
/// - ``max_spacing=m``: the fewest points whose gaps are at most ``m``, counted as pyproj's
///   ``inv_intermediate`` counts them with ``del_s=m`` and
///   ``flags=GeodIntermediateFlag.NPTS_CEIL``, in float64 arithmetic: ``ceil(d / m) - 1``
///   between the ends, ``ceil(d / m + 1)`` with them, where ``d`` is the line's length measured
///   along it (pyproj's ``dist``; it can differ from ``geodesic(lat1, lon1, lat2, lon2)`` in the
///   last bit or two), and each operation is rounded. Where ``d / m`` is within a rounding error
///   of a whole number the count can therefore be one less than exact arithmetic gives, with
///   gaps longer than ``m`` by a few parts in 1e16 (under a nanometer on the Earth). pyproj's
///   default flags round the count to the nearest integer instead, so that its gaps can exceed
///   ``del_s`` by half.
///
/// Longitudes are in [-180, 180], so a line across the antimeridian jumps from 180 to -180.
///
/// >>> import geodist
/// >>> lats, lons = geodist.intermediate(0, 0, 0, 4, 3)
/// >>> lats.round(9) + 0, lons.round(9)
/// (array([0., 0., 0.]), array([1., 2., 3.]))
/// >>> lats, lons = geodist.intermediate(0, 0, 0, 4, max_spacing=100e3, endpoints=True)
/// >>> len(lons), lons.round(9)
/// (6, array([0. , 0.8, 1.6, 2.4, 3.2, 4. ]))
///
/// Raises ``GeodistError`` (a ``ValueError``) for a NaN, infinite or out-of-range coordinate, both
/// or neither of ``n`` and ``max_spacing``, a negative ``n`` or a ``max_spacing`` that is not a
/// finite number > 0; ``MemoryError`` when the points do not fit in memory.
#[pyfunction]
#[pyo3(signature = (lat1, lon1, lat2, lon2, n = None, *, max_spacing = None, endpoints = false))]
#[allow(clippy::too_many_arguments)] // The Python signature, one argument per parameter.
pub(crate) fn intermediate<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = arguments::lat1)] lat1: f64,
    #[pyo3(from_py_with = arguments::lon1)] lon1: f64,
    #[pyo3(from_py_with = arguments::lat2)] lat2: f64,
    #[pyo3(from_py_with = arguments::lon2)] lon2: f64,
    #[pyo3(from_py_with = arguments::n)] n: Option<i64>,
    #[pyo3(from_py_with = arguments::max_spacing)] max_spacing: Option<f64>,
    #[pyo3(from_py_with = arguments::endpoints)] endpoints: bool,
) -> PyResult<Bound<'py, PyTuple>> {
    let spacing = match (n, max_spacing) {
        (Some(n), None) => Spacing::Count(usize::try_from(n).map_err(|_| {
            GeodistError::new_err(format!("invalid n = {n}: expected a number of points >= 0"))
        })?),
        (None, Some(meters)) => Spacing::MaxMeters(meters),
        (Some(_), Some(_)) | (None, None) => {
            return Err(GeodistError::new_err(
                "give exactly one of n (a number of points) and max_spacing (meters)",
            ));
        }
    };
    let endpoints = if endpoints { Endpoints::Include } else { Endpoints::Exclude };
    let start = point(lat1, lon1, "lat1", "lon1")?;
    let end = point(lat2, lon2, "lat2", "lon2")?;
    let points = geodist::intermediate(start, end, spacing, endpoints).map_err(spacing_err)?;
    let len = points.len();
    let lats = alloc::zeros(py, &[len])?.cast_into::<PyArray1<f64>>()?;
    let lons = alloc::zeros(py, &[len])?.cast_into::<PyArray1<f64>>()?;
    {
        // New arrays that no one else can see yet: borrowing them cannot fail.
        let (mut lat_writer, mut lon_writer) = (lats.readwrite(), lons.readwrite());
        let lat = lat_writer.as_slice_mut().expect("a new array is contiguous");
        let lon = lon_writer.as_slice_mut().expect("a new array is contiguous");
        if len >= GIL_RELEASE_MIN_LEN {
            gil::detach(py, CHECK_EVERY, |signals| {
                fill(points, lat, lon, &mut |len| signals.check(len));
            })?;
        } else {
            fill(points, lat, lon, &mut |_| Ok(()));
        }
    }
    PyTuple::new(py, [lats, lons])
}

/// Writes the points into `lat` and `lon` (as long as there are points), chunk by chunk, calling
/// `after_chunk` after each; an error from it means stop.
fn fill(
    mut points: Intermediate,
    lat: &mut [f64],
    lon: &mut [f64],
    after_chunk: &mut dyn FnMut(usize) -> Result<(), Interrupted>,
) {
    for (lat, lon) in lat.chunks_mut(CHUNK_LEN).zip(lon.chunks_mut(CHUNK_LEN)) {
        for ((lat, lon), point) in lat.iter_mut().zip(lon.iter_mut()).zip(points.by_ref()) {
            (*lat, *lon) = (point.lat(), point.lon());
        }
        if after_chunk(lat.len()).is_err() {
            return;
        }
    }
}

/// Extraction of `intermediate`'s arguments, so that a wrong type is a `TypeError` naming the
/// argument in its message (PyO3 names it only in an exception note, which Python 3.10 lacks).
mod arguments {
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    use pyo3::types::PyBool;

    use crate::coords::{boolean, real_number, refuse_masked};

    pub(super) fn lat1(arg: &Bound<'_, PyAny>) -> PyResult<f64> {
        real_number(arg, "lat1")
    }

    pub(super) fn lon1(arg: &Bound<'_, PyAny>) -> PyResult<f64> {
        real_number(arg, "lon1")
    }

    pub(super) fn lat2(arg: &Bound<'_, PyAny>) -> PyResult<f64> {
        real_number(arg, "lat2")
    }

    pub(super) fn lon2(arg: &Bound<'_, PyAny>) -> PyResult<f64> {
        real_number(arg, "lon2")
    }

    /// `n`: `None` or an integer (Python's or numpy's; not a bool, not a float).
    pub(super) fn n(arg: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
        if arg.is_none() {
            return Ok(None);
        }
        refuse_masked(arg, "n")?;
        if !arg.is_instance_of::<PyBool>() {
            match arg.extract::<i64>() {
                Ok(n) => return Ok(Some(n)),
                // An int too large for 64 bits is an OverflowError, which says so.
                Err(error) if !error.is_instance_of::<PyTypeError>(arg.py()) => return Err(error),
                Err(_) => {}
            }
        }
        Err(PyTypeError::new_err(format!(
            "n must be an int (a number of points) or None, got {}",
            arg.get_type().name()?
        )))
    }

    /// `max_spacing`: `None` or a real number of meters.
    pub(super) fn max_spacing(arg: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
        if arg.is_none() { Ok(None) } else { real_number(arg, "max_spacing").map(Some) }
    }

    pub(super) fn endpoints(arg: &Bound<'_, PyAny>) -> PyResult<bool> {
        boolean(arg, "endpoints")
    }
}

/// The length in meters of the polyline through the points (``lats[i]``, ``lons[i]``) along WGS84
/// geodesics: the sum of ``geodesic`` distances between consecutive points, added in order as
/// ``pyproj.Geod.line_length`` adds them (so the two agree to the last bit). Fewer than two
/// points give 0.0.
///
/// >>> import geodist
/// >>> round(geodist.line_length([0, 0, 1], [0, 1, 1]), 3)
/// 221893.879
///
/// Raises ``GeodistError`` (a ``ValueError``) for arrays that are not one-dimensional or differ in
/// length, or a NaN, infinite or out-of-range coordinate (named as ``lats[3]``); and ``TypeError``
/// for input that is not real numbers.
#[pyfunction]
pub(crate) fn line_length(
    py: Python<'_>,
    lats: &Bound<'_, PyAny>,
    lons: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let vertices = Vertices::new(lats, lons)?;
    let (lat, lon) = (vertices.lat.slice()?, vertices.lon.slice()?);
    let run = |after_chunk: &mut dyn FnMut(usize) -> Result<(), Interrupted>| {
        let mut lengths = [0.0; CHUNK_LEN];
        let mut total = 0.0;
        for (start, end) in chunks(lat.len()) {
            let lengths = &mut lengths[..end - start];
            segment_lengths(&lat, &lon, start, lengths)?;
            // In order, as pyproj adds them: the sum is bit-identical to its.
            total = lengths.iter().fold(total, |total, length| total + length);
            if after_chunk(lengths.len()).is_err() {
                break;
            }
        }
        Ok(total)
    };
    let length = if lat.len() >= GIL_RELEASE_MIN_LEN {
        gil::detach(py, CHECK_EVERY, |signals| run(&mut |len| signals.check(len)))?
    } else {
        run(&mut |_| Ok(()))
    };
    length.map_err(vertex_err)
}

/// The lengths in meters of the segments of the polyline through (``lats[i]``, ``lons[i]``): a
/// float64 array whose element ``i`` is the ``geodesic`` distance from point ``i`` to point
/// ``i + 1``, one element shorter than the input (empty for fewer than two points), as
/// ``pyproj.Geod.line_lengths``.
///
/// >>> import geodist
/// >>> geodist.line_lengths([0, 0, 1], [0, 1, 1]).round(3)
/// array([111319.491, 110574.389])
///
/// Raises ``GeodistError`` (a ``ValueError``) for arrays that are not one-dimensional or differ in
/// length, or a NaN, infinite or out-of-range coordinate (named as ``lats[3]``); and ``TypeError``
/// for input that is not real numbers.
#[pyfunction]
pub(crate) fn line_lengths<'py>(
    py: Python<'py>,
    lats: &Bound<'py, PyAny>,
    lons: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let vertices = Vertices::new(lats, lons)?;
    let (lat, lon) = (vertices.lat.slice()?, vertices.lon.slice()?);
    let out = alloc::zeros(py, &[lat.len().saturating_sub(1)])?.cast_into::<PyArray1<f64>>()?;
    let result = {
        // A new array that no one else can see yet: borrowing it cannot fail.
        let mut writer = out.readwrite();
        let lengths = writer.as_slice_mut().expect("a new array is contiguous");
        let mut run = |after_chunk: &mut dyn FnMut(usize) -> Result<(), Interrupted>| {
            for (start, end) in chunks(lat.len()) {
                segment_lengths(&lat, &lon, start, &mut lengths[start..end])?;
                if after_chunk(end - start).is_err() {
                    break;
                }
            }
            Ok(())
        };
        if lat.len() >= GIL_RELEASE_MIN_LEN {
            gil::detach(py, CHECK_EVERY, |signals| run(&mut |len| signals.check(len)))?
        } else {
            run(&mut |_| Ok(()))
        }
    };
    result.map_err(vertex_err)?;
    Ok(out)
}

/// The segments of a polyline of `vertices` points, chunk by chunk: `(start, end)` ranges of
/// segment indices, at least one (empty when there are fewer than two vertices, which are still
/// validated).
fn chunks(vertices: usize) -> impl Iterator<Item = (usize, usize)> {
    let segments = vertices.saturating_sub(1);
    (0..segments.div_ceil(CHUNK_LEN).max(1))
        .map(move |i| (i * CHUNK_LEN, ((i + 1) * CHUNK_LEN).min(segments)))
}

/// The lengths of the `out.len()` segments from vertex `start` on, after validating their
/// vertices; an invalid one is named by its index in the whole polyline.
fn segment_lengths(
    lat: &[f64],
    lon: &[f64],
    start: usize,
    out: &mut [f64],
) -> Result<(), geodist::GeodistError> {
    use geodist::GeodistError as E;
    let end = (start + out.len() + 1).min(lat.len());
    let shift = |at: Option<geodist::Position>| {
        at.map(|at| geodist::Position { argument: at.argument, index: start + at.index })
    };
    geodist::batch::line_lengths(&lat[start..end], &lon[start..end], out).map_err(|error| {
        match error {
            E::InvalidLatitude { value, at } => E::InvalidLatitude { value, at: shift(at) },
            E::InvalidLongitude { value, at } => E::InvalidLongitude { value, at: shift(at) },
            other => other,
        }
    })
}

/// The vertex arrays of a line or polygon, `lats` and `lons`, as float64 arrays of one dimension
/// and equal length.
pub(crate) struct Vertices<'py> {
    pub(crate) lat: Column<'py>,
    pub(crate) lon: Column<'py>,
}

impl<'py> Vertices<'py> {
    pub(crate) fn new(lats: &Bound<'py, PyAny>, lons: &Bound<'py, PyAny>) -> PyResult<Self> {
        let lat = Column::new(lats, "lats")?;
        let lon = Column::new(lons, "lons")?;
        if lat.len() != lon.len() {
            return Err(GeodistError::new_err(format!(
                "lats and lons must have the same length; got shapes ({},) and ({},)",
                lat.len(),
                lon.len()
            )));
        }
        Ok(Vertices { lat, lon })
    }
}

/// One vertex array, borrowed from numpy, and its argument's name.
pub(crate) struct Column<'py> {
    array: PyReadonlyArrayDyn<'py, f64>,
    name: &'static str,
}

impl<'py> Column<'py> {
    fn new(arg: &Bound<'py, PyAny>, name: &'static str) -> PyResult<Self> {
        match coord(arg, name)? {
            Coord::Array(array) if array.ndim() == 1 => Ok(Column { array, name }),
            Coord::Array(array) => Err(one_dimensional_err(name, array.shape())),
            Coord::Scalar(_) => Err(one_dimensional_err(name, &[])),
        }
    }

    fn len(&self) -> usize {
        self.array.len()
    }

    /// The values in order: the array's own memory when it is contiguous, a copy otherwise
    /// (a strided view, such as a column of an `(n, 2)` array), or `MemoryError` when the copy
    /// does not fit in memory.
    pub(crate) fn slice(&self) -> PyResult<Cow<'_, [f64]>> {
        if let Ok(values) = self.array.as_slice() {
            return Ok(Cow::Borrowed(values));
        }
        let len = self.len();
        let mut copy = alloc::vec_with_capacity(
            len,
            format_args!("a contiguous copy of {} ({len} float64 values)", self.name),
        )?;
        copy.extend(self.array.as_array().iter().copied());
        Ok(Cow::Owned(copy))
    }
}

fn one_dimensional_err(name: &str, shape: &[usize]) -> PyErr {
    GeodistError::new_err(format!(
        "{name} must be a one-dimensional array of degrees; got shape {}",
        format_shape(shape)
    ))
}

/// The Python exception for an invalid vertex: the core names the column `lat` or `lon` by
/// index, which the Python arguments call `lats[i]` and `lons[i]`.
pub(crate) fn vertex_err(error: geodist::GeodistError) -> PyErr {
    use geodist::GeodistError as E;
    let rename = |at: Option<geodist::Position>| {
        at.map(|at| geodist::Position {
            argument: if at.argument == "lat" { "lats" } else { "lons" },
            index: at.index,
        })
    };
    point_set_err(match error {
        E::InvalidLatitude { value, at } => E::InvalidLatitude { value, at: rename(at) },
        E::InvalidLongitude { value, at } => E::InvalidLongitude { value, at: rename(at) },
        other => other,
    })
}

/// A valid point from scalar arguments named `lat_name` and `lon_name`.
fn point(lat: f64, lon: f64, lat_name: &'static str, lon_name: &'static str) -> PyResult<Point> {
    Point::new(lat, lon).map_err(|error| {
        use geodist::GeodistError as E;
        let at = |argument| Some(geodist::Position { argument, index: 0 });
        let error = match error {
            E::InvalidLatitude { value, .. } => E::InvalidLatitude { value, at: at(lat_name) },
            E::InvalidLongitude { value, .. } => E::InvalidLongitude { value, at: at(lon_name) },
            other => other,
        };
        // A scalar has no index: `lat1`, not `lat1[0]`.
        let message = crate::error::message(&error, |at, _| at.argument.to_owned());
        GeodistError::new_err(message)
    })
}

/// The spacing error with the keyword's name, which the core does not know.
fn spacing_err(error: geodist::GeodistError) -> PyErr {
    match error {
        geodist::GeodistError::InvalidSpacing { value } => GeodistError::new_err(format!(
            "invalid max_spacing = {}: expected a finite number > 0 (meters)",
            repr(value)
        )),
        other => point_set_err(other),
    }
}
