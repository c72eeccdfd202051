//! `hausdorff(a, b, *, directed, radius, bbox)`: point sets of shape `(n, 2)` in, a `Hausdorff`
//! result (distance and witness indices) out.
//!
//! The point arrays are read in place when they are C-contiguous float64 (other real dtypes and
//! layouts are converted or walked), validated row by row so that a bad value is reported as
//! `a[3, 0]`, and copied into `Point`s for `geodist::hausdorff`; the computation runs without the
//! GIL for large sets. When the copy or the core's working memory (`GeodistError::OutOfMemory`)
//! does not fit, the call raises `MemoryError` rather than aborting the interpreter.

use std::hash::{Hash, Hasher};

use geodist::hausdorff::{self, BoundingBox};
use geodist::{GeodistError, Point, Position};
use numpy::ndarray::Ix2;
use numpy::{PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PySlice, PyType};

use crate::alloc;
use crate::coords::{array_like, as_float64, real_number, refuse_masked};
use crate::error::{GeodistError as PyGeodistError, format_shape, point_set_err, repr};

/// Point sets with at least this many points in all are measured without the GIL (from about
/// 0.2 ms of work); see `evaluate::GIL_RELEASE_MIN_LEN`.
const GIL_RELEASE_MIN_POINTS: usize = 4096;

/// The result of `geodist.hausdorff`: the distance and the pair of points that realizes it.
///
/// ``distance`` is in meters (in the unit of ``radius``); ``a_index`` and ``b_index`` are the
/// rows of ``a`` and ``b`` that are that far apart. Results compare equal when all three fields
/// are equal, are hashable, and pickle (so they travel through ``multiprocessing``);
/// ``Hausdorff(distance, a_index, b_index)`` makes one, as its ``repr`` shows.
#[pyclass(frozen, eq, hash, module = "geodist", name = "Hausdorff")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hausdorff {
    /// The Hausdorff distance in meters.
    #[pyo3(get)]
    distance: f64,
    /// The row of ``a`` in the witness pair.
    #[pyo3(get)]
    a_index: usize,
    /// The row of ``b`` in the witness pair.
    #[pyo3(get)]
    b_index: usize,
}

// By hand, since `f64` is not `Hash`: equal results must hash alike, and `0.0 == -0.0`.
impl Hash for Hausdorff {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let distance = if self.distance == 0.0 { 0.0 } else { self.distance };
        (distance.to_bits(), self.a_index, self.b_index).hash(state);
    }
}

#[pymethods]
impl Hausdorff {
    #[new]
    fn new(
        #[pyo3(from_py_with = distance)] distance: f64,
        #[pyo3(from_py_with = a_index)] a_index: usize,
        #[pyo3(from_py_with = b_index)] b_index: usize,
    ) -> Self {
        Hausdorff { distance, a_index, b_index }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        // Python's float repr, so that the text evaluates back to an equal result.
        let distance = PyFloat::new(py, self.distance).repr()?;
        Ok(format!(
            "Hausdorff(distance={distance}, a_index={}, b_index={})",
            self.a_index, self.b_index
        ))
    }

    /// Pickles as a call of the constructor, which every pickle protocol and `copy` support.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyType>, (f64, usize, usize)) {
        let this = slf.get();
        (slf.get_type(), (this.distance, this.a_index, this.b_index))
    }
}

/// A distance: a real number >= 0 (or infinite, which `hausdorff` returns for a radius so large
/// that the distance overflows); not NaN, which no distance is.
fn distance(arg: &Bound<'_, PyAny>) -> PyResult<f64> {
    let distance = real_number(arg, "distance")?;
    if distance >= 0.0 {
        return Ok(distance);
    }
    Err(PyValueError::new_err(format!(
        "distance must be a number >= 0 (meters), got {}",
        repr(distance)
    )))
}

fn a_index(arg: &Bound<'_, PyAny>) -> PyResult<usize> {
    index(arg, "a_index")
}

fn b_index(arg: &Bound<'_, PyAny>) -> PyResult<usize> {
    index(arg, "b_index")
}

/// A row index: an int >= 0, Python's or numpy's (anything with `__index__`, but not a bool).
fn index(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<usize> {
    const EXPECTED: &str = "an int >= 0 (a row index)";
    refuse_masked(arg, name)?;
    if arg.is_instance_of::<PyBool>() || !arg.hasattr(intern!(arg.py(), "__index__"))? {
        let found = arg.get_type().name()?;
        return Err(PyTypeError::new_err(format!("{name} must be {EXPECTED}, got {found}")));
    }
    match arg.extract::<usize>() {
        Ok(index) => Ok(index),
        Err(_) => Err(PyValueError::new_err(format!("{name} must be {EXPECTED}, got {arg}"))),
    }
}

/// Whether the result is the directed distance from `a` to `b` or the symmetric one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Direction {
    Directed,
    Symmetric,
}

/// Converts the arguments, validates them and computes the distance.
pub(crate) fn hausdorff<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    direction: Direction,
    radius: f64,
    bbox: Option<[f64; 4]>,
) -> PyResult<Hausdorff> {
    let a = point_set(a, "a")?;
    let b = point_set(b, "b")?;
    let bbox = bbox
        .map(|[min_lat, min_lon, max_lat, max_lon]| {
            BoundingBox::new(min_lat, min_lon, max_lat, max_lon)
        })
        .transpose()
        .map_err(point_set_err)?;
    let run = || match (direction, bbox) {
        (Direction::Directed, None) => hausdorff::directed(&a, &b, radius),
        (Direction::Symmetric, None) => hausdorff::symmetric(&a, &b, radius),
        (Direction::Directed, Some(bbox)) => hausdorff::directed_within(&a, &b, bbox, radius),
        (Direction::Symmetric, Some(bbox)) => hausdorff::symmetric_within(&a, &b, bbox, radius),
    };
    // The search is one call into the core, with no chunks between which to check for signals.
    let result = if a.len() + b.len() >= GIL_RELEASE_MIN_POINTS {
        crate::gil::detach(py, usize::MAX, |_| run())?
    } else {
        run()
    };
    let result = result.map_err(point_set_err)?;
    Ok(Hausdorff { distance: result.distance_m, a_index: result.a_index, b_index: result.b_index })
}

/// The rows of an `(n, 2)` array-like of `(lat, lon)` as points; an empty sequence is an empty
/// set (which the kernel then rejects, naming the argument).
fn point_set(arg: &Bound<'_, PyAny>, name: &'static str) -> PyResult<Vec<Point>> {
    let array = array_like(arg, name)?;
    let shape = array.shape().to_vec();
    match shape[..] {
        [_, 2] => {}
        [0] => return Ok(Vec::new()),
        _ => {
            return Err(PyGeodistError::new_err(format!(
                "{name} must be an array of (lat, lon) rows, of shape (n, 2); got shape {}",
                format_shape(&shape)
            )));
        }
    }
    // Rows with a zero stride are one row repeated (`numpy.broadcast_to` makes such views, of any
    // length without memory behind them). A repeated point changes neither the distance nor the
    // witnesses, which are the smallest indices that realize it, so only row 0 is read: copying
    // 2**40 rows would not fit in memory.
    let array = if shape[0] > 1 && array.strides()[0] == 0 {
        let first = PySlice::new(array.py(), 0, 1, 1);
        array.get_item(first)?.cast_into::<PyUntypedArray>()?
    } else {
        array
    };
    let array = as_float64(&array, arg, name, "an array of real numbers")?;
    let array = array.try_readonly()?;
    let rows = array.shape()[0];
    let mut points = alloc::vec_with_capacity(rows, format_args!("the {rows} points of {name}"))?;
    let at = |index| Some(Position { argument: name, index });
    let point = |index: usize, lat: f64, lon: f64| {
        Point::new(lat, lon).map_err(|error| {
            point_set_err(match error {
                GeodistError::InvalidLatitude { value, .. } => {
                    GeodistError::InvalidLatitude { value, at: at(index) }
                }
                GeodistError::InvalidLongitude { value, .. } => {
                    GeodistError::InvalidLongitude { value, at: at(index) }
                }
                other => other,
            })
        })
    };
    // `as_slice` also accepts Fortran order, in which the latitudes come first.
    if array.is_c_contiguous()
        && let Ok(values) = array.as_slice()
    {
        // (lat, lon) pairs one after the other.
        for (i, row) in values.chunks_exact(2).enumerate() {
            points.push(point(i, row[0], row[1])?);
        }
        return Ok(points);
    }
    let view = array.as_array().into_dimensionality::<Ix2>().map_err(|error| {
        PyGeodistError::new_err(format!("{name} must be a 2-dimensional array: {error}"))
    })?;
    for (i, row) in view.outer_iter().enumerate() {
        points.push(point(i, row[0], row[1])?);
    }
    Ok(points)
}
