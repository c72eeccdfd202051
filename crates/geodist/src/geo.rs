//! Conversions between [`Point`] and the geo ecosystem's `geo_types::Point<f64>` and
//! `geo_types::Coord<f64>` (the `geo-types` feature), so that geo users never swap axes by hand:
//! geo-types puts the longitude in `x` and the latitude in `y`; geodist takes latitude first.
//!
//! A geodist point always converts; a geo-types point is checked, since its coordinates may be
//! anything (projected meters, NaN), and converts only when `y` is a valid latitude and `x` a
//! valid longitude.
//!
//! ```
//! use geodist::{geodesic, Point};
//!
//! let jfk = geo_types::Point::new(-73.8, 40.6); // (x = lon, y = lat)
//! let cdg = geo_types::Point::new(2.55, 49.01666667);
//! let d = geodesic(Point::try_from(jfk)?, Point::try_from(cdg)?);
//! assert!((d - 5_853_226.0).abs() < 0.5);
//!
//! let back: geo_types::Point<f64> = Point::new(40.6, -73.8)?.into();
//! assert_eq!((back.x(), back.y()), (-73.8, 40.6));
//! assert!(Point::try_from(geo_types::Point::new(500_000.0, 4_649_776.0)).is_err());
//! # Ok::<(), geodist::GeodistError>(())
//! ```

use crate::{GeodistError, Point};

impl TryFrom<geo_types::Point<f64>> for Point {
    type Error = GeodistError;

    /// The point at latitude `y` and longitude `x`, or the error of [`Point::new`].
    fn try_from(point: geo_types::Point<f64>) -> Result<Point, GeodistError> {
        Point::new(point.y(), point.x())
    }
}

impl TryFrom<geo_types::Coord<f64>> for Point {
    type Error = GeodistError;

    /// The point at latitude `y` and longitude `x`, or the error of [`Point::new`].
    fn try_from(coord: geo_types::Coord<f64>) -> Result<Point, GeodistError> {
        Point::new(coord.y, coord.x)
    }
}

impl From<Point> for geo_types::Point<f64> {
    /// `x` is the longitude and `y` the latitude.
    fn from(point: Point) -> geo_types::Point<f64> {
        geo_types::Point::new(point.lon(), point.lat())
    }
}

impl From<Point> for geo_types::Coord<f64> {
    /// `x` is the longitude and `y` the latitude.
    fn from(point: Point) -> geo_types::Coord<f64> {
        geo_types::Coord { x: point.lon(), y: point.lat() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_convert_both_ways_with_x_as_longitude() {
        let paris = Point::new(48.8566, 2.3522).unwrap();
        let geo: geo_types::Point<f64> = paris.into();
        assert_eq!((geo.x(), geo.y()), (2.3522, 48.8566));
        assert_eq!(Point::try_from(geo), Ok(paris));
        let coord: geo_types::Coord<f64> = paris.into();
        assert_eq!((coord.x, coord.y), (2.3522, 48.8566));
        assert_eq!(Point::try_from(coord), Ok(paris));
        // Every bit survives the round trip, signed zeros and the closed ranges' ends included.
        for (lat, lon) in [(-0.0, -0.0), (90.0, -180.0), (-90.0, 180.0), (1e-300, -1e-300)] {
            let point = Point::new(lat, lon).unwrap();
            let back = Point::try_from(geo_types::Point::from(point)).unwrap();
            assert_eq!(
                (back.lat().to_bits(), back.lon().to_bits()),
                (lat.to_bits(), lon.to_bits())
            );
        }
    }

    #[test]
    fn invalid_geo_points_are_errors_naming_the_coordinate() {
        // y is the latitude: 95 is out of range even though x = 95 would be a fine longitude.
        assert_eq!(
            Point::try_from(geo_types::Point::new(10.0, 95.0)),
            Err(GeodistError::InvalidLatitude { value: 95.0, at: None })
        );
        assert_eq!(
            Point::try_from(geo_types::Coord { x: 200.0, y: 10.0 }),
            Err(GeodistError::InvalidLongitude { value: 200.0, at: None })
        );
        assert!(Point::try_from(geo_types::Point::new(f64::NAN, 0.0)).is_err());
    }
}
