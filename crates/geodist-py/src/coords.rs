//! Conversion of the arguments: a coordinate into a float64 scalar or a readonly float64 array,
//! and the keyword arguments (`radius`, `directed`, `bbox`) into Rust values, with errors that
//! name the argument (PyO3's own extraction errors do not: "must be real number, not str").
//!
//! Python floats (including `numpy.float64`, a float subclass) and ints take a fast path that
//! never touches numpy. Anything else goes through `numpy.asarray`; float64 arrays in native byte
//! order are borrowed as they are, other integer and floating dtypes are converted, and every
//! other dtype (bool, complex, strings, objects, dates) is a `TypeError`, because numpy would
//! happily turn `"1.5"` or `1+2j` into a float and hide a bug in the caller's data.

use numpy::ndarray::IxDyn;
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyString, PyTuple};

use crate::error::GeodistError;

/// One coordinate argument after conversion.
pub(crate) enum Coord<'py> {
    /// A Python or numpy scalar, or a 0-d array.
    Scalar(f64),
    /// An array of at least one dimension, float64 in native byte order and aligned.
    Array(PyReadonlyArrayDyn<'py, f64>),
}

impl Coord<'_> {
    /// The argument's shape as numpy sees it (scalars are 0-d).
    pub(crate) fn shape(&self) -> &[usize] {
        match self {
            Coord::Scalar(_) => &[],
            Coord::Array(array) => array.shape(),
        }
    }
}

/// Converts the argument `name`; copies only when the input is not already aligned native float64.
pub(crate) fn coord<'py>(arg: &Bound<'py, PyAny>, name: &str) -> PyResult<Coord<'py>> {
    if let Ok(float) = arg.cast::<PyFloat>() {
        return Ok(Coord::Scalar(float.value()));
    }
    // `bool` is an `int` subclass; the exact check keeps it out (it is rejected below as a dtype).
    if arg.is_exact_instance_of::<PyInt>() {
        return Ok(Coord::Scalar(arg.extract()?));
    }
    let array = match arg.cast::<PyUntypedArray>() {
        Ok(array) => array.clone(),
        Err(_) if is_real_numpy_scalar(arg)? => return Ok(Coord::Scalar(arg.extract()?)),
        Err(_) => asarray(arg)?,
    };
    let array = as_float64(&array, arg, name, "a real number or an array of real numbers")?;
    let array = array.try_readonly()?;
    if array.ndim() == 0 {
        return Ok(Coord::Scalar(array.as_array()[IxDyn(&[])]));
    }
    Ok(Coord::Array(array))
}

/// Whether `arg` is a numpy integer or floating scalar (`numpy.float32(1)`, `numpy.int64(1)`),
/// which converts with `float()` as exactly as through a 0-d array, and ten times faster.
/// `numpy.timedelta64` is an integer subclass, but its dtype is not a real number.
fn is_real_numpy_scalar(arg: &Bound<'_, PyAny>) -> PyResult<bool> {
    static TYPES: PyOnceLock<(Py<PyTuple>, Py<PyAny>)> = PyOnceLock::new();
    let py = arg.py();
    let (real, timedelta) = TYPES.get_or_try_init(py, || {
        let numpy = py.import("numpy")?;
        let real = PyTuple::new(py, [numpy.getattr("integer")?, numpy.getattr("floating")?])?;
        PyResult::Ok((real.unbind(), numpy.getattr("timedelta64")?.unbind()))
    })?;
    Ok(arg.is_instance(real.bind(py))? && !arg.is_instance(timedelta.bind(py))?)
}

pub(crate) fn asarray<'py>(arg: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    static ASARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = arg.py();
    let asarray = ASARRAY.import(py, "numpy", "asarray")?;
    Ok(asarray.call1((arg,))?.cast_into::<PyUntypedArray>()?)
}

/// The array as aligned float64 in native byte order, converted from other integer and floating
/// dtypes; for any other dtype, a `TypeError` saying that `name` must be `expected` (int or
/// float).
pub(crate) fn as_float64<'py>(
    array: &Bound<'py, PyUntypedArray>,
    original: &Bound<'py, PyAny>,
    name: &str,
    expected: &str,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    if let Ok(float64) = array.cast::<PyArrayDyn<f64>>()
        && float64.is_aligned()
    {
        return Ok(float64.clone());
    }
    let dtype = array.dtype();
    if !matches!(dtype.kind(), b'i' | b'u' | b'f') {
        let found = if array.ndim() == 0 && !original.is_instance_of::<PyUntypedArray>() {
            original.get_type().name()?.to_string()
        } else {
            format!("an array of dtype {}", dtype.str()?)
        };
        return Err(PyTypeError::new_err(format!(
            "{name} must be {expected} (int or float), got {found}"
        )));
    }
    let float64 = numpy::dtype::<f64>(array.py());
    Ok(array.call_method1(intern!(array.py(), "astype"), (float64,))?.cast_into()?)
}

/// `radius`: one real number (meters), validated later by the kernel.
pub(crate) fn radius(arg: &Bound<'_, PyAny>) -> PyResult<f64> {
    real_number(arg, "radius")
}

/// `directed`: a bool (Python's or numpy's).
pub(crate) fn directed(arg: &Bound<'_, PyAny>) -> PyResult<bool> {
    boolean(arg, "directed")
}

/// `bbox`: `None`, or a sequence of four real numbers `(min_lat, min_lon, max_lat, max_lon)`,
/// validated later by `BoundingBox::new`. A wrong length is a `GeodistError`, as the other
/// invalid boxes are; elements that are not numbers are a `TypeError` naming them (`bbox[3]`).
pub(crate) fn bbox(arg: &Bound<'_, PyAny>) -> PyResult<Option<[f64; 4]>> {
    const EXPECTED: &str = "a sequence of 4 real numbers (min_lat, min_lon, max_lat, max_lon)";
    if arg.is_none() {
        return Ok(None);
    }
    // A string is a sequence too, of characters, which are never what was meant.
    let items = match arg.extract::<Vec<Bound<'_, PyAny>>>() {
        Ok(items) if !arg.is_instance_of::<PyString>() && !arg.is_instance_of::<PyBytes>() => items,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "bbox must be {EXPECTED} or None, got {}",
                describe(arg)?
            )));
        }
    };
    let Ok(items) = <[Bound<'_, PyAny>; 4]>::try_from(items) else {
        return Err(GeodistError::new_err(format!(
            "bbox must be {EXPECTED}, got {} elements",
            arg.len()?
        )));
    };
    let mut edges = [0.0; 4];
    for (i, (edge, item)) in edges.iter_mut().zip(&items).enumerate() {
        *edge = real_number(item, &format!("bbox[{i}]"))?;
    }
    Ok(Some(edges))
}

/// One real number: a Python or numpy int or float, a 0-d array, or anything else with
/// `__float__`; but not a bool, which numpy and Python would silently turn into 0 or 1.
pub(crate) fn real_number(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    let is_array = arg.cast::<PyUntypedArray>().is_ok_and(|array| array.ndim() > 0);
    if !is_array && !is_bool(arg)? {
        match arg.extract::<f64>() {
            Ok(value) => return Ok(value),
            // An int too large for a float is an OverflowError, which says so.
            Err(error) if !error.is_instance_of::<PyTypeError>(arg.py()) => return Err(error),
            Err(_) => {}
        }
    }
    Err(PyTypeError::new_err(format!(
        "{name} must be a real number (int or float), got {}",
        describe(arg)?
    )))
}

/// A bool, Python's or numpy's (`numpy.bool_`, what comparisons of arrays give).
pub(crate) fn boolean(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<bool> {
    if is_bool(arg)? {
        return arg.is_truthy();
    }
    Err(PyTypeError::new_err(format!(
        "{name} must be a bool (True or False), got {}",
        describe(arg)?
    )))
}

fn is_bool(arg: &Bound<'_, PyAny>) -> PyResult<bool> {
    static NUMPY_BOOL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    if arg.is_instance_of::<PyBool>() {
        return Ok(true);
    }
    let py = arg.py();
    arg.is_instance(NUMPY_BOOL.import(py, "numpy", "bool_")?)
}

/// What a rejected argument is, for error messages: its type's name, or an array's shape.
fn describe(arg: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(match arg.cast::<PyUntypedArray>() {
        Ok(array) if array.ndim() > 0 => format!(
            "an array of shape {} and dtype {}",
            crate::error::format_shape(array.shape()),
            array.dtype().str()?
        ),
        _ => arg.get_type().name()?.to_string(),
    })
}
