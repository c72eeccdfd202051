//! The error type shared by every fallible operation, and the position of an offending element.

use std::fmt;

/// Where a rejected value sits in a batch call: the argument's name and the element's index.
///
/// Scalar constructors such as [`Point::new`](crate::Point::new) have no position and report
/// `at: None`; the [`batch`](crate::batch) kernels report the argument (`"lat1"`, `"lon1"`,
/// `"lat2"`, `"lon2"`, or for the direct problem `"azimuth1"` and `"distance"`; `"lat"` and
/// `"lon"` for a line or polygon) and the index of the first invalid element, and
/// [`BoundingBox::new`](crate::hausdorff::BoundingBox::new) reports `"bbox"` and the index of
/// the edge (0 to 3 for `min_lat`, `min_lon`, `max_lat`, `max_lon`).
///
/// # Examples
///
/// ```
/// use geodist::{batch, GeodistError, Position};
///
/// let lat = [0.0, 95.0];
/// let lon = [0.0, 0.0];
/// let mut out = [0.0; 2];
/// let err = batch::geodesic(&lat, &lon, &lon, &lon, &mut out).unwrap_err();
/// assert_eq!(
///     err,
///     GeodistError::InvalidLatitude {
///         value: 95.0,
///         at: Some(Position { argument: "lat1", index: 1 }),
///     }
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// The name of the argument the element belongs to, for example `"lat1"`.
    pub argument: &'static str,
    /// The zero-based index of the element within that argument.
    pub index: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.argument, self.index)
    }
}

/// Everything that can be wrong with the input of a geodist operation.
///
/// The [`Display`](fmt::Display) form names the offending position (when there is one), the
/// value that was found and what was expected, so it can be shown to a user as it is.
///
/// # Examples
///
/// ```
/// use geodist::{GeodistError, Point, Position};
///
/// let err = Point::new(0.0, -180.5).unwrap_err();
/// assert_eq!(err, GeodistError::InvalidLongitude { value: -180.5, at: None });
/// assert_eq!(
///     err.to_string(),
///     "invalid longitude -180.5: expected a finite number in [-180, 180]"
/// );
///
/// let err = GeodistError::InvalidLatitude {
///     value: 91.0,
///     at: Some(Position { argument: "lat1", index: 3 }),
/// };
/// assert_eq!(
///     err.to_string(),
///     "invalid latitude lat1[3] = 91: expected a finite number in [-90, 90]"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GeodistError {
    /// A latitude that is NaN, infinite or outside `[-90, 90]` degrees.
    InvalidLatitude {
        /// The rejected value, in degrees.
        value: f64,
        /// Where it was found, for batch input.
        at: Option<Position>,
    },
    /// A longitude that is NaN, infinite or outside `[-180, 180]` degrees.
    InvalidLongitude {
        /// The rejected value, in degrees.
        value: f64,
        /// Where it was found, for batch input.
        at: Option<Position>,
    },
    /// An azimuth that is NaN or infinite.
    InvalidAzimuth {
        /// The rejected value, in degrees.
        value: f64,
        /// Where it was found, for batch input.
        at: Option<Position>,
    },
    /// A distance that is NaN or infinite.
    InvalidDistance {
        /// The rejected value, in meters.
        value: f64,
        /// Where it was found, for batch input.
        at: Option<Position>,
    },
    /// A spacing between points along a line that is not a finite number greater than zero.
    InvalidSpacing {
        /// The rejected spacing, in meters.
        value: f64,
    },
    /// A sphere radius that is not a finite number greater than zero.
    InvalidRadius {
        /// The rejected radius, in meters.
        value: f64,
    },
    /// A point set that must not be empty but is.
    EmptyPointSet {
        /// The name of the empty argument.
        argument: &'static str,
    },
    /// A bounding box whose southern edge lies north of its northern edge.
    InvalidBoundingBox {
        /// The box's minimum latitude, in degrees.
        min_lat: f64,
        /// The box's maximum latitude, in degrees (smaller than `min_lat`).
        max_lat: f64,
    },
    /// A point set none of whose points lies in the bounding box it was clipped to.
    NoPointInBox {
        /// The name of the point set.
        argument: &'static str,
    },
    /// Working memory in proportion to a point set that could not be allocated (the allocator
    /// refused it, or its size overflows `isize`), reported instead of aborting the process.
    OutOfMemory {
        /// The name of the point set, for example `"a"`.
        argument: &'static str,
        /// What the memory was for, for example `"unit vectors"`.
        what: &'static str,
        /// The number of bytes requested (`usize::MAX` when the size overflows).
        bytes: usize,
    },
    /// A batch argument whose length differs from the output's.
    LengthMismatch {
        /// The name of the argument whose length is wrong.
        argument: &'static str,
        /// The length it should have (the output's length).
        expected: usize,
        /// The length it has.
        found: usize,
    },
}

impl fmt::Display for GeodistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidLatitude { value, at } => {
                write!(f, "invalid latitude ")?;
                write_position(f, *at)?;
                write!(f, "{value}: expected a finite number in [-90, 90]")
            }
            Self::InvalidLongitude { value, at } => {
                write!(f, "invalid longitude ")?;
                write_position(f, *at)?;
                write!(f, "{value}: expected a finite number in [-180, 180]")
            }
            Self::InvalidAzimuth { value, at } => {
                write!(f, "invalid azimuth ")?;
                write_position(f, *at)?;
                write!(f, "{value}: expected a finite number of degrees")
            }
            Self::InvalidDistance { value, at } => {
                write!(f, "invalid distance ")?;
                write_position(f, *at)?;
                write!(f, "{value}: expected a finite number of meters")
            }
            Self::InvalidSpacing { value } => write!(
                f,
                "invalid spacing {value}: expected a finite number of meters greater than 0"
            ),
            Self::InvalidRadius { value } => {
                write!(f, "invalid radius {value}: expected a finite number greater than 0")
            }
            Self::EmptyPointSet { argument } => {
                write!(f, "empty point set {argument}: expected at least one point")
            }
            Self::InvalidBoundingBox { min_lat, max_lat } => write!(
                f,
                "invalid bounding box: min_lat {min_lat} is greater than max_lat {max_lat}"
            ),
            Self::NoPointInBox { argument } => write!(
                f,
                "no point of {argument} lies in the bounding box: expected at least one point"
            ),
            Self::OutOfMemory { argument, what, bytes } => {
                write!(f, "cannot allocate {bytes} bytes for the {what} of point set {argument}")
            }
            Self::LengthMismatch { argument, expected, found } => write!(
                f,
                "length mismatch for {argument}: expected {expected} elements, found {found}"
            ),
        }
    }
}

/// Writes `"lat1[3] = "` for a known position and nothing otherwise.
fn write_position(f: &mut fmt::Formatter<'_>, at: Option<Position>) -> fmt::Result {
    match at {
        Some(position) => write!(f, "{position} = "),
        None => Ok(()),
    }
}

impl std::error::Error for GeodistError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(err: GeodistError, expected: &str) {
        assert_eq!(err.to_string(), expected);
    }

    #[test]
    fn messages_name_position_value_and_expectation() {
        let at = |argument, index| Some(Position { argument, index });
        check(
            GeodistError::InvalidLatitude { value: 91.0, at: at("lat1", 3) },
            "invalid latitude lat1[3] = 91: expected a finite number in [-90, 90]",
        );
        check(
            GeodistError::InvalidLatitude { value: f64::NAN, at: None },
            "invalid latitude NaN: expected a finite number in [-90, 90]",
        );
        check(
            GeodistError::InvalidLongitude { value: -180.5, at: None },
            "invalid longitude -180.5: expected a finite number in [-180, 180]",
        );
        check(
            GeodistError::InvalidLongitude { value: f64::NEG_INFINITY, at: at("lon2", 0) },
            "invalid longitude lon2[0] = -inf: expected a finite number in [-180, 180]",
        );
        check(
            GeodistError::InvalidAzimuth { value: f64::NAN, at: at("azimuth1", 2) },
            "invalid azimuth azimuth1[2] = NaN: expected a finite number of degrees",
        );
        check(
            GeodistError::InvalidDistance { value: f64::INFINITY, at: None },
            "invalid distance inf: expected a finite number of meters",
        );
        check(
            GeodistError::InvalidSpacing { value: 0.0 },
            "invalid spacing 0: expected a finite number of meters greater than 0",
        );
        check(
            GeodistError::InvalidRadius { value: -1.0 },
            "invalid radius -1: expected a finite number greater than 0",
        );
        check(
            GeodistError::EmptyPointSet { argument: "a" },
            "empty point set a: expected at least one point",
        );
        check(
            GeodistError::InvalidBoundingBox { min_lat: 10.0, max_lat: -5.5 },
            "invalid bounding box: min_lat 10 is greater than max_lat -5.5",
        );
        check(
            GeodistError::NoPointInBox { argument: "b" },
            "no point of b lies in the bounding box: expected at least one point",
        );
        check(
            GeodistError::OutOfMemory { argument: "a", what: "unit vectors", bytes: 640_000_000 },
            "cannot allocate 640000000 bytes for the unit vectors of point set a",
        );
        check(
            GeodistError::LengthMismatch { argument: "lon2", expected: 4, found: 3 },
            "length mismatch for lon2: expected 4 elements, found 3",
        );
    }
}
