//! Turning `geodist::GeodistError` into the Python `GeodistError`, with n-dimensional positions.
//!
//! The kernels see flat slices, so they report a flat index into the (chunk of the) broadcast
//! result. Python users passed arrays of their own shapes, possibly broadcast, so the message names
//! the position in the argument as they passed it: `lat1[1, 2]`, or just `lat1` for a scalar.
//! Point sets are `(n, 2)` arrays, so a bad point is named by row and column: `a[3, 0]`.

use std::fmt::Write;

use geodist::{GeodistError, Position};
use pyo3::PyErr;

use crate::GeodistError as PyGeodistError;
use crate::evaluate::ARGUMENTS;

/// A kernel error from a chunk that started at flat index `offset` of the broadcast result.
#[derive(Debug)]
pub(crate) struct Located {
    pub(crate) error: GeodistError,
    pub(crate) offset: usize,
}

/// The Python exception for `error`, raised by a call whose arguments had `shapes` and broadcast
/// to `broadcast`; a reported index is relative to flat index `offset` of the broadcast result.
pub(crate) fn to_py_err(
    error: GeodistError,
    shapes: &[&[usize]; 4],
    broadcast: &[usize],
    offset: usize,
) -> PyErr {
    let locate = |at: &Position, _: Coordinate| {
        let shape = ARGUMENTS.iter().position(|&name| name == at.argument).map(|i| shapes[i]);
        let index = shape.map(|shape| argument_index(offset + at.index, broadcast, shape));
        format!("{}{}", at.argument, index.as_deref().map(format_index).unwrap_or_default())
    };
    PyGeodistError::new_err(message(&error, locate))
}

/// The Python exception for an error of a point-set function. A point's position is its row and
/// column in the `(n, 2)` array as passed (`a[3, 0]` for a latitude, `a[3, 1]` for a longitude);
/// any other position is an element of a sequence (`bbox[2]`).
pub(crate) fn point_set_err(error: GeodistError) -> PyErr {
    let locate = |at: &Position, coordinate: Coordinate| match at.argument {
        "a" | "b" => format!("{}[{}, {}]", at.argument, at.index, coordinate as usize),
        _ => format!("{at}"),
    };
    PyGeodistError::new_err(message(&error, locate))
}

/// Which coordinate a rejected value is, which is also its column in a point array.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Coordinate {
    Latitude = 0,
    Longitude = 1,
}

/// The message for `error`, with values as Python shows them and positions as `locate` writes
/// them.
fn message(error: &GeodistError, locate: impl Fn(&Position, Coordinate) -> String) -> String {
    match error {
        GeodistError::InvalidLatitude { value, at: Some(at) } => format!(
            "invalid latitude {} = {}: expected a finite number in [-90, 90]",
            locate(at, Coordinate::Latitude),
            repr(*value)
        ),
        GeodistError::InvalidLongitude { value, at: Some(at) } => format!(
            "invalid longitude {} = {}: expected a finite number in [-180, 180]",
            locate(at, Coordinate::Longitude),
            repr(*value)
        ),
        GeodistError::InvalidRadius { value } => {
            format!("invalid radius = {}: expected a finite number > 0 (meters)", repr(*value))
        }
        GeodistError::InvalidBoundingBox { min_lat, max_lat } => format!(
            "invalid bbox: min_lat = {} is greater than max_lat = {}",
            repr(*min_lat),
            repr(*max_lat)
        ),
        other => other.to_string(),
    }
}

/// The error for argument shapes that numpy broadcasting cannot combine.
pub(crate) fn broadcast_error(shapes: &[&[usize]; 4]) -> PyErr {
    let mut message = String::from("shape mismatch: cannot broadcast");
    for (name, shape) in ARGUMENTS.iter().zip(shapes) {
        let _ = write!(message, " {name} {}", format_shape(shape));
    }
    message.push_str(" to a single shape");
    PyGeodistError::new_err(message)
}

/// The index into an argument of `shape` that feeds flat element `flat` of the broadcast result.
fn argument_index(flat: usize, broadcast: &[usize], shape: &[usize]) -> Vec<usize> {
    let mut full = vec![0; broadcast.len()];
    let mut rest = flat;
    for (index, &len) in full.iter_mut().zip(broadcast).rev() {
        *index = rest % len.max(1);
        rest /= len.max(1);
    }
    // Arguments align with the broadcast shape on the right; their length-1 axes are repeated.
    let skip = broadcast.len() - shape.len();
    full[skip..].iter().zip(shape).map(|(&index, &len)| if len == 1 { 0 } else { index }).collect()
}

/// `[1, 2]` for an array index, nothing for a scalar (0-d) argument.
fn format_index(index: &[usize]) -> String {
    if index.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// A numpy-style shape: `()`, `(3,)`, `(2, 3)`.
pub(crate) fn format_shape(shape: &[usize]) -> String {
    match shape {
        [len] => format!("({len},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(usize::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// A float as Python's `repr` shows it (`nan`, `inf`, `91.0`), since Python users read it.
fn repr(value: f64) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{value:?}")
    }
}
