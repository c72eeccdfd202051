//! The Python `GeodistError`, and the messages that turn a `geodist::GeodistError` into it.
//!
//! Values are written as Python shows them (`nan`, `91.0`) and positions as the caller's code
//! names them: `evaluate` writes `lat1[1, 2]` for an element of a broadcast argument, and point
//! sets are `(n, 2)` arrays, so a bad point is named by row and column: `a[3, 0]`.

use geodist::{GeodistError as CoreError, Position};
use pyo3::PyErr;
use pyo3::exceptions::PyMemoryError;

pyo3::create_exception!(
    geodist,
    GeodistError,
    pyo3::exceptions::PyValueError,
    "Invalid input to a geodist function: a coordinate that is NaN, infinite or out of range, a \
     radius that is not a positive finite number, or shapes that cannot be broadcast together.\n\n\
     The message names the offending argument, its position (for arrays) and its value."
);

/// The Python exception for an error of a point-set function. A point's position is its row and
/// column in the `(n, 2)` array as passed (`a[3, 0]` for a latitude, `a[3, 1]` for a longitude);
/// any other position is an element of a sequence (`bbox[2]`).
pub(crate) fn point_set_err(error: CoreError) -> PyErr {
    let locate = |at: &Position, coordinate: Option<Coordinate>| match (at.argument, coordinate) {
        ("a" | "b", Some(coordinate)) => {
            format!("{}[{}, {}]", at.argument, at.index, coordinate as usize)
        }
        _ => format!("{at}"),
    };
    exception(&error, message(&error, locate))
}

/// The Python exception for `error`, with `message`: `MemoryError` when memory ran out
/// (`OutOfMemory`; what Python itself raises then, and what callers catch), `GeodistError` for
/// invalid input.
pub(crate) fn exception(error: &CoreError, message: String) -> PyErr {
    match error {
        CoreError::OutOfMemory { .. } => PyMemoryError::new_err(message),
        _ => GeodistError::new_err(message),
    }
}

/// Which coordinate a rejected value is, which is also its column in a point array.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Coordinate {
    Latitude = 0,
    Longitude = 1,
}

/// The message for `error`, with values as Python shows them and positions as `locate` writes
/// them; `locate` is told the coordinate for a latitude or longitude, and `None` for any other
/// value (an azimuth, a distance).
pub(crate) fn message(
    error: &CoreError,
    locate: impl Fn(&Position, Option<Coordinate>) -> String,
) -> String {
    let at = |at: &Position, coordinate| format!("{} = ", locate(at, coordinate));
    let position = |position: &Option<Position>, coordinate| {
        position.as_ref().map(|position| at(position, coordinate)).unwrap_or_default()
    };
    match error {
        CoreError::InvalidLatitude { value, at } => format!(
            "invalid latitude {}{}: expected a finite number in [-90, 90]",
            position(at, Some(Coordinate::Latitude)),
            repr(*value)
        ),
        CoreError::InvalidLongitude { value, at } => format!(
            "invalid longitude {}{}: expected a finite number in [-180, 180]",
            position(at, Some(Coordinate::Longitude)),
            repr(*value)
        ),
        CoreError::InvalidAzimuth { value, at } => format!(
            "invalid azimuth {}{}: expected a finite number (degrees)",
            position(at, None),
            repr(*value)
        ),
        CoreError::InvalidDistance { value, at } => format!(
            "invalid distance {}{}: expected a finite number (meters)",
            position(at, None),
            repr(*value)
        ),
        // The one argument that is a spacing is `intermediate`'s `max_spacing`.
        CoreError::InvalidSpacing { value } => {
            format!("invalid max_spacing = {}: expected a finite number > 0 (meters)", repr(*value))
        }
        CoreError::InvalidRadius { value } => {
            format!("invalid radius = {}: expected a finite number > 0 (meters)", repr(*value))
        }
        CoreError::InvalidBoundingBox { min_lat, max_lat } => format!(
            "invalid bbox: min_lat = {} is greater than max_lat = {}",
            repr(*min_lat),
            repr(*max_lat)
        ),
        other => other.to_string(),
    }
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
pub fn repr(value: f64) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        format!("{value:?}")
    }
}
