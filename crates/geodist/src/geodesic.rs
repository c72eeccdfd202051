//! Geodesics on the WGS84 ellipsoid: a faithful port of the inverse solution of
//! C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87, 43–55 (2013),
//! <https://doi.org/10.1007/s00190-012-0578-z>, as implemented in GeographicLib's C library
//! (`geodesic.c`, GeographicLib 2.x, series order 6).
//!
//! The port keeps the C code's operations and their order, and uses the platform's `sin`,
//! `cos` and `atan2` as the C code does (and a `hypot` that is bit-identical to glibc's), so
//! on x86-64 Linux the results are PROJ's (pyproj's) to the last bit: all of the 1,000 pairs
//! of the stored PROJ fixture, and all but 40 of 550,000 pairs in a larger check.
//!
//! Those 40 are nearly antipodal pairs whose Newton iteration starts from the astroid
//! solution, which needs a cube root: Rust's `f64::cbrt` is the toolchain's own (correctly
//! rounded) implementation, while glibc's `cbrt` is off by up to 3 ulps for about half of all
//! inputs. A different starting point converges to a solution that differs by at most one
//! ulp in distance (3.7e-9 m at 2e7 m) and 1.2e-11 degrees in azimuth, far inside the
//! algorithm's own 15 nm accuracy.
//!
//! The C library carries this notice, which applies to the ported code in this module and
//! its children:
//!
//! > Copyright (c) Charles Karney (2012-2022) <charles@karney.com> and licensed under the
//! > MIT/X11 License. For more information, see <https://geographiclib.sourceforge.io/>.

mod angle;
mod inverse;
mod series;

use crate::Point;

/// The solution of the inverse geodesic problem between two points on WGS84.
///
/// Azimuths are in degrees, clockwise from north, in `(-180, 180]`, as GeographicLib's, except
/// that GeographicLib's `-180` and `-0` are reported as `180` and `0`.
///
/// # Examples
///
/// ```
/// use geodist::{inverse, Point};
///
/// // Due east along the equator.
/// let solution = inverse(Point::new(0.0, 0.0)?, Point::new(0.0, 1.0)?);
/// assert!((solution.distance_m - 111_319.490_793).abs() < 1e-6);
/// assert_eq!(solution.azimuth1_deg, 90.0);
/// assert_eq!(solution.azimuth2_deg, 90.0);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Inverse {
    /// The length of the shortest geodesic, in meters.
    pub distance_m: f64,
    /// The azimuth of the geodesic at the first point (the initial bearing), in degrees.
    pub azimuth1_deg: f64,
    /// The azimuth of the geodesic at the second point (the final bearing), in degrees.
    pub azimuth2_deg: f64,
}

/// The length in meters of the shortest geodesic between two points on the WGS84 ellipsoid.
///
/// Accurate to about 15 nm (Karney's bound for the algorithm), and within about a nanometer
/// of GeographicLib's own result, for every pair including nearly antipodal ones.
///
/// # Examples
///
/// ```
/// use geodist::{geodesic, Point};
///
/// // Wellington to Salamanca, a classic failure of Vincenty's method.
/// let wellington = Point::new(-(41.0 + 19.0 / 60.0), 174.0 + 49.0 / 60.0)?;
/// let salamanca = Point::new(40.0 + 58.0 / 60.0, -(5.0 + 30.0 / 60.0))?;
/// let d = geodesic(wellington, salamanca);
/// assert!((d - 19_960_543.857_179).abs() < 1e-6);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[must_use]
pub fn geodesic(a: Point, b: Point) -> f64 {
    geodesic_deg(a.lat(), a.lon(), b.lat(), b.lon())
}

/// Solves the inverse geodesic problem on WGS84: the distance and the azimuths at both ends.
///
/// # Examples
///
/// ```
/// use geodist::{inverse, Point};
///
/// let jfk = Point::new(40.6, -73.8)?;
/// let cdg = Point::new(49.01666667, 2.55)?;
/// let solution = inverse(jfk, cdg);
/// assert!((solution.distance_m - 5_853_226.0).abs() < 0.5);
/// assert!((solution.azimuth1_deg - 53.47022).abs() < 0.5e-5);
/// assert!((solution.azimuth2_deg - 111.59367).abs() < 0.5e-5);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[must_use]
pub fn inverse(a: Point, b: Point) -> Inverse {
    inverse_deg(a.lat(), a.lon(), b.lat(), b.lon())
}

/// [`geodesic`] on coordinates the caller has already validated.
#[inline]
pub(crate) fn geodesic_deg(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    inverse::solve(lat1, lon1, lat2, lon2).s12
}

/// [`inverse`] on coordinates the caller has already validated.
#[inline]
pub(crate) fn inverse_deg(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Inverse {
    let solution = inverse::solve(lat1, lon1, lat2, lon2);
    Inverse {
        distance_m: solution.s12,
        azimuth1_deg: azimuth(solution.salp1, solution.calp1),
        azimuth2_deg: azimuth(solution.salp2, solution.calp2),
    }
}

/// The azimuth in degrees from its sine and cosine, with `-180` mapped to `180` and `-0` to `0`
/// so that the result lies in `(-180, 180]`.
#[inline]
fn azimuth(salp: f64, calp: f64) -> f64 {
    let azi = angle::atan2d(salp, calp);
    if azi == -180.0 { 180.0 } else { azi + 0.0 }
}
