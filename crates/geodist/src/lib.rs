//! Fast, exact distances on the Earth: spherical great-circle distance (haversine),
//! Karney-accurate WGS84 geodesics (the inverse problem with its azimuths, the direct problem,
//! points along a geodesic, polyline lengths, polygon areas and perimeters), for single inputs
//! and for batches, and the exact Hausdorff distance between point sets on a sphere, with its
//! witnesses.
//!
//! Angles are in degrees, distances in meters, latitude first. Scalar functions take
//! [`Point`]s, which are valid by construction; the [`batch`] functions take slices and
//! validate them, returning a [`GeodistError`] that names the first offending element; the
//! [`hausdorff`] functions take slices of points. Nothing in this crate panics on user input.
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
//!
//! # Accuracy
//!
//! [`geodesic`], [`inverse`], [`direct`], [`intermediate`], [`line_length`] and
//! [`polygon_area_perimeter`] port GeographicLib's C library (Karney 2013) operation for
//! operation, and the algorithm is accurate to about 15 nanometers everywhere on WGS84,
//! including nearly antipodal points. On x86-64 Linux (glibc) the results are PROJ's (pyproj's)
//! to the last bit on everything the tests compare: the crate's 1,000-pair fixture here, and
//! in the Python suite random and nearly antipodal inverse problems, direct problems, points
//! along lines, line lengths and polygons. [`haversine`] stays well-conditioned from
//! coincident points to antipodes and across the antimeridian (see its module for what the
//! tests measure).
//!
//! # Performance
//!
//! No allocation, no locks, no runtime tables: the series coefficients for WGS84 are
//! computed at compile time. The haversine batch kernel is branch-free and autovectorizes.
//! The WGS84 batch kernels solve several problems at once, in the lanes of SSE2 registers (two
//! direct problems side by side; for inverse problems, four Newton iterations, a lane taking
//! the next problem as soon as its own converges): each lane performs exactly the scalar
//! code's operations, so the results are bit-identical, and the long chains of dependent
//! divisions, square roots and libm calls overlap.
//! The Hausdorff functions allocate their k-d trees and take `O((n + m) log(n + m))` time on
//! typical sets, on the calling thread.

//! # Features
//!
//! - `geo-types`: conversions between [`Point`] and `geo_types::Point<f64>` and
//!   `geo_types::Coord<f64>` (x = longitude, y = latitude), `TryFrom` one way and `From` the
//!   other.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
mod error;
mod geodesic;
// The unit tests of the conversions run with the dev-dependency, with or without the feature.
#[cfg(any(feature = "geo-types", test))]
mod geo;
pub mod hausdorff;
mod haversine;
mod path;
mod point;
#[cfg(test)]
mod test_rng;
mod trig;

pub use error::{GeodistError, Position};
pub use geodesic::{Direct, Inverse, Polygon, direct, geodesic, inverse, polygon_area_perimeter};
pub use haversine::{MEAN_EARTH_RADIUS_M, haversine, haversine_with_radius};
pub use path::{Endpoints, Intermediate, Spacing, intermediate, line_length};
pub use point::Point;

/// Runs the examples of the crate's README as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
