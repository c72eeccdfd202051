//! `Point`: a validated latitude/longitude pair in degrees, the input of every scalar operation.

use crate::GeodistError;

/// A position on the Earth: latitude and longitude in degrees, always valid.
///
/// The latitude is a finite number in `[-90, 90]` and the longitude a finite number in
/// `[-180, 180]`; [`Point::new`] rejects anything else, so every function taking a `Point`
/// is total and cannot panic.
///
/// # Examples
///
/// ```
/// use geodist::Point;
///
/// let paris = Point::new(48.8566, 2.3522)?;
/// assert_eq!(paris.lat(), 48.8566);
/// assert_eq!(paris.lon(), 2.3522);
/// assert!(Point::new(f64::NAN, 0.0).is_err());
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    lat: f64,
    lon: f64,
}

impl Point {
    /// Makes a point from a latitude and a longitude in degrees.
    ///
    /// # Errors
    ///
    /// [`GeodistError::InvalidLatitude`] when `lat` is NaN, infinite or outside `[-90, 90]`,
    /// then [`GeodistError::InvalidLongitude`] when `lon` is NaN, infinite or outside
    /// `[-180, 180]`; both with `at: None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use geodist::{GeodistError, Point};
    ///
    /// let north_pole = Point::new(90.0, 0.0)?;
    /// assert_eq!(north_pole.lat(), 90.0);
    /// assert_eq!(
    ///     Point::new(91.0, 0.0),
    ///     Err(GeodistError::InvalidLatitude { value: 91.0, at: None })
    /// );
    /// # Ok::<(), GeodistError>(())
    /// ```
    #[inline]
    pub fn new(lat: f64, lon: f64) -> Result<Point, GeodistError> {
        if !is_valid_lat(lat) {
            return Err(GeodistError::InvalidLatitude { value: lat, at: None });
        }
        if !is_valid_lon(lon) {
            return Err(GeodistError::InvalidLongitude { value: lon, at: None });
        }
        Ok(Point { lat, lon })
    }

    /// A point from coordinates the caller knows to be valid: results of this crate's own
    /// computations (a latitude from `atan2`, a longitude reduced to `[-180, 180]`).
    #[inline]
    pub(crate) fn new_unchecked(lat: f64, lon: f64) -> Point {
        debug_assert!(is_valid_lat(lat) && is_valid_lon(lon), "({lat}, {lon})");
        Point { lat, lon }
    }

    /// The latitude in degrees, in `[-90, 90]`.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = geodist::Point::new(-33.9, 151.2)?;
    /// assert_eq!(p.lat(), -33.9);
    /// # Ok::<(), geodist::GeodistError>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn lat(self) -> f64 {
        self.lat
    }

    /// The longitude in degrees, in `[-180, 180]`.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = geodist::Point::new(-33.9, 151.2)?;
    /// assert_eq!(p.lon(), 151.2);
    /// # Ok::<(), geodist::GeodistError>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn lon(self) -> f64 {
        self.lon
    }
}

/// True for a finite latitude in `[-90, 90]`; written so that NaN fails the comparison.
#[inline(always)]
pub(crate) fn is_valid_lat(lat: f64) -> bool {
    lat.abs() <= 90.0
}

/// True for a finite longitude in `[-180, 180]`; written so that NaN fails the comparison.
#[inline(always)]
pub(crate) fn is_valid_lon(lon: f64) -> bool {
    lon.abs() <= 180.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_closed_ranges() {
        for (lat, lon) in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0), (-0.0, -0.0)] {
            let p = Point::new(lat, lon).unwrap();
            assert_eq!((p.lat(), p.lon()), (lat, lon));
        }
    }

    #[test]
    fn rejects_non_finite_and_out_of_range_values() {
        for lat in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 90.000_000_1, -91.0] {
            assert!(matches!(
                Point::new(lat, 0.0),
                Err(GeodistError::InvalidLatitude { at: None, .. })
            ));
        }
        for lon in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 180.000_000_1, -540.0] {
            assert!(matches!(
                Point::new(0.0, lon),
                Err(GeodistError::InvalidLongitude { at: None, .. })
            ));
        }
    }

    #[test]
    fn latitude_is_checked_before_longitude() {
        assert!(matches!(Point::new(100.0, 200.0), Err(GeodistError::InvalidLatitude { .. })));
    }
}
