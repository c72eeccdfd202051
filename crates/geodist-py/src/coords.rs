//! Conversion of one coordinate argument into a float64 scalar or a readonly float64 array.
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
use pyo3::types::{PyFloat, PyInt, PyTuple};

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
