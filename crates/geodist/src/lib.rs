//! Fast, exact distances on the Earth: spherical great-circle distance (haversine) and
//! Karney-accurate WGS84 geodesics with their azimuths, for single pairs and for batches.
//!
//! Angles are in degrees, distances in meters, latitude first. Scalar functions take
//! [`Point`]s, which are valid by construction; the [`batch`] functions take slices and
//! validate them, returning a [`GeodistError`] that names the first offending element.
//! Nothing in this crate panics on user input.
//!
//! ```
//! use geodist::{geodesic, haversine, inverse, Point};
//!
//! let jfk = Point::new(40.6, -73.8)?;
//! let cdg = Point::new(49.01666667, 2.55)?;
//!
//! let sphere = haversine(jfk, cdg); // mean-radius sphere
//! let ellipsoid = geodesic(jfk, cdg); // WGS84, to within nanometers of GeographicLib
//! let solution = inverse(jfk, cdg); // WGS84 distance and azimuths
//! assert!((ellipsoid - 5_853_226.0).abs() < 0.5);
//! assert!((sphere - ellipsoid).abs() / ellipsoid < 0.006);
//! assert_eq!(solution.distance_m, ellipsoid);
//! # Ok::<(), geodist::GeodistError>(())
//! ```

pub mod batch;
mod error;
mod geodesic;
mod haversine;
mod point;

pub use error::{GeodistError, Position};
pub use geodesic::{Inverse, geodesic, inverse};
pub use haversine::{MEAN_EARTH_RADIUS_M, haversine, haversine_with_radius};
pub use point::Point;
