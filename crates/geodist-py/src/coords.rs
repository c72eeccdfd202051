//! Conversion of the arguments: a coordinate into a float64 scalar or a readonly float64 array,
//! and the other numbers (`radius`, `max_spacing`, `bbox`, ...) into Rust values, with errors that
//! name the argument (PyO3's own extraction errors do not: "must be real number, not str").
//!
//! Every numeric argument follows one rule (`number`): a real number is a Python int or float
//! (not a bool), a numpy integer or floating scalar, or what `numpy.asarray` turns into an array
//! of an integer or floating dtype. Python floats (including `numpy.float64`, a float subclass)
//! and ints take a fast path that never touches numpy. Anything else goes through
//! `numpy.asarray`; float64 arrays in native byte order are borrowed as they are, other integer
//! and floating dtypes are converted, and every other dtype (bool, complex, strings, objects such
//! as `Decimal` and `Fraction`, dates) is a `TypeError`, because numpy or `float()` would happily
//! turn `"1.5"`, `1+2j` or `Decimal("0.1")` into a float and hide a bug in the caller's data.
//!
//! Masked arrays (`numpy.ma.MaskedArray`) are refused wherever an argument can be an array or a
//! number: numpy hands their data over with the masked values in it, and geodist cannot tell
//! what a masked coordinate should mean, so using them would give silently wrong answers.

use numpy::ndarray::IxDyn;
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString, PyTuple, PyType};

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
    number(arg, name, Accept::ScalarOrArray)
}

/// One real number, by the rule coordinates follow: a Python or numpy int or float, or a 0-d
/// array of one; not a bool, a `Decimal`, a `Fraction` or anything else that merely has
/// `__float__`.
pub(crate) fn real_number(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    match number(arg, name, Accept::Scalar)? {
        Coord::Scalar(value) => Ok(value),
        Coord::Array(_) => unreachable!("`number` refuses arrays when asked for a scalar"),
    }
}

/// What a numeric argument may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accept {
    Scalar,
    ScalarOrArray,
}

impl Accept {
    fn expected(self) -> &'static str {
        match self {
            Accept::Scalar => "a real number",
            Accept::ScalarOrArray => "a real number or an array of real numbers",
        }
    }
}

/// The one rule for numeric arguments; see the module's documentation.
fn number<'py>(arg: &Bound<'py, PyAny>, name: &str, accept: Accept) -> PyResult<Coord<'py>> {
    if let Ok(float) = arg.cast::<PyFloat>() {
        return Ok(Coord::Scalar(float.value()));
    }
    // `bool` is an `int` subclass; the exact check keeps it out (it is rejected below as a dtype).
    // An int too large for a float is an OverflowError, which says so.
    if arg.is_exact_instance_of::<PyInt>() {
        return Ok(Coord::Scalar(arg.extract()?));
    }
    if !arg.is_instance_of::<PyUntypedArray>() && is_real_numpy_scalar(arg)? {
        return Ok(Coord::Scalar(arg.extract()?));
    }
    let array = array_like(arg, name)?;
    if accept == Accept::Scalar && array.ndim() > 0 {
        // Refused before any conversion, which could copy a large array for nothing.
        return Err(PyTypeError::new_err(format!(
            "{name} must be {} (int or float), got {}",
            accept.expected(),
            describe(arg)?
        )));
    }
    let array = as_float64(&array, arg, name, accept.expected())?;
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

/// The argument `name` as a numpy array: itself when it is one, `numpy.asarray(arg)` otherwise;
/// a masked array is refused (see `refuse_masked`).
pub(crate) fn array_like<'py>(
    arg: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    if let Ok(array) = arg.cast::<PyUntypedArray>() {
        refuse_masked(arg, name)?;
        return Ok(array.clone());
    }
    asarray(arg)
}

/// A `TypeError` for a masked array (`numpy.ma.MaskedArray`, including the `numpy.ma.masked`
/// constant), whose mask geodist would otherwise drop without a word.
pub(crate) fn refuse_masked(arg: &Bound<'_, PyAny>, name: &str) -> PyResult<()> {
    static MASKED_ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    // Only a subclass of ndarray can be a masked array; plain arrays and numbers skip the lookup.
    if !arg.is_instance_of::<PyUntypedArray>() || arg.is_exact_instance_of::<PyUntypedArray>() {
        return Ok(());
    }
    let py = arg.py();
    let masked_array = match MASKED_ARRAY.get(py) {
        Some(masked_array) => masked_array.bind(py),
        // numpy imports `numpy.ma` on first use only; until then there is no masked array.
        None => {
            let modules = py.import(intern!(py, "sys"))?.getattr(intern!(py, "modules"))?;
            let Some(ma) = modules.cast::<PyDict>()?.get_item(intern!(py, "numpy.ma"))? else {
                return Ok(());
            };
            let class = ma.getattr(intern!(py, "MaskedArray"))?.cast_into::<PyType>()?;
            MASKED_ARRAY.get_or_init(py, || class.unbind()).bind(py)
        }
    };
    if !arg.is_instance(masked_array)? {
        return Ok(());
    }
    Err(PyTypeError::new_err(format!(
        "{name} is a masked array (numpy.ma.MaskedArray), and geodist cannot honour its mask: \
         pass numpy.ma.getdata({name}) to use every value as it is, masked or not, or leave the \
         masked elements out first ({name}.compressed() gives the others)"
    )))
}

fn asarray<'py>(arg: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
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
    refuse_masked(arg, "bbox")?;
    // SAFETY: `arg` is a valid object and this thread is attached to the interpreter.
    let is_sequence = unsafe { pyo3::ffi::PySequence_Check(arg.as_ptr()) } == 1;
    // A string is a sequence too, of characters, which are never what was meant.
    if !is_sequence || arg.is_instance_of::<PyString>() || arg.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "bbox must be {EXPECTED} or None, got {}",
            describe(arg)?
        )));
    }
    // The length first, and then only the four elements: a long sequence is not copied (a
    // broadcast view can be longer than memory).
    let len = arg.len()?;
    if len != 4 {
        return Err(GeodistError::new_err(format!("bbox must be {EXPECTED}, got {len} elements")));
    }
    let mut edges = [0.0; 4];
    for (i, edge) in edges.iter_mut().enumerate() {
        *edge = real_number(&arg.get_item(i)?, &format!("bbox[{i}]"))?;
    }
    Ok(Some(edges))
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
