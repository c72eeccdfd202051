//! Geodesics on the WGS84 ellipsoid: a faithful port of the inverse and direct solutions of
//! C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87, 43–55 (2013),
//! <https://doi.org/10.1007/s00190-012-0578-z>, as implemented in GeographicLib's C library
//! (`geodesic.c`, GeographicLib 2.x, series order 6), and the area between a geodesic and the
//! equator that its polygon code sums.
//!
//! The port keeps the C code's operations and their order, uses the platform's `sin`, `cos`
//! and `atan2` as the C code does, and computes `hypot` and `cbrt` as glibc does (the inverse's
//! astroid starting point depends on the last bits of the cube root). What the tests measure
//! against PROJ (pyproj 3.7, glibc 2.36, x86-64 Linux): the stored 1,000-pair fixture bit for
//! bit; in the Python suite, 100,000 random and 100,000 nearly antipodal inverse problems,
//! 100,000 direct problems, intermediate points, line lengths and 400 polygons, all bit for bit.
//! On other platforms the libm's `sin`, `cos` and `atan2` may round differently, and results
//! then differ from PROJ's there by an ulp or so, far inside the algorithm's 15 nm accuracy.
//!
//! The C library carries this notice, which applies to the ported code in this module and
//! its children:
//!
//! > Copyright (c) Charles Karney (2012-2022) <charles@karney.com> and licensed under the
//! > MIT/X11 License. For more information, see <https://geographiclib.sourceforge.io/>.

mod angle;
mod inverse;
mod line;
mod polygon;
mod real;
mod series;

pub(crate) use line::Line;
use real::F64x2;

use crate::{GeodistError, Point};

/// The solution of the inverse geodesic problem between two points on WGS84.
///
/// Azimuths are in degrees, clockwise from north, in `[-180, 180]`, with GeographicLib's (and
/// PROJ's) conventions for the signs: a west-going geodesic that ends heading due south reports
/// `-180`, and one that leaves or arrives heading due north while going west reports `-0`
/// (`azimuth.is_sign_negative()`), so that the sign of an azimuth always tells the direction of
/// travel.
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

/// The solution of the direct geodesic problem on WGS84: where a geodesic of a given length
/// leaving a point with a given azimuth ends, and its azimuth there.
///
/// The azimuth is in degrees, clockwise from north, in `[-180, 180]`, with GeographicLib's
/// conventions for the signs of `-0` and `-180` (see [`Inverse`]).
///
/// # Examples
///
/// ```
/// use geodist::{direct, Point};
///
/// // 111,319.49 m due east along the equator is one degree of longitude.
/// let solution = direct(Point::new(0.0, 0.0)?, 90.0, 111_319.490_793_273_57)?;
/// assert!(solution.destination.lat().abs() < 1e-15);
/// assert!((solution.destination.lon() - 1.0).abs() < 1e-12);
/// assert_eq!(solution.azimuth2_deg, 90.0);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Direct {
    /// Where the geodesic ends; its longitude is reduced to `[-180, 180]`.
    pub destination: Point,
    /// The azimuth of the geodesic at the destination (the final bearing), in degrees.
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

/// Solves the direct geodesic problem on WGS84: the point `distance_m` meters from `start`
/// along the geodesic that leaves it with azimuth `azimuth_deg` (degrees clockwise from north),
/// and the azimuth there.
///
/// A negative distance goes backwards (the azimuth is still the one at `start`), and geodesics
/// longer than half the Earth's circumference wrap around it, as in GeographicLib. The result
/// is within about 15 nm of the exact solution (Karney's bound), and reproduces GeographicLib's
/// and PROJ's `geod_direct` to the last bit or two.
///
/// # Errors
///
/// [`GeodistError::InvalidAzimuth`] when `azimuth_deg` is NaN or infinite, then
/// [`GeodistError::InvalidDistance`] when `distance_m` is; both with `at: None`.
///
/// # Examples
///
/// ```
/// use geodist::{direct, inverse, Point};
///
/// let jfk = Point::new(40.6, -73.8)?;
/// let cdg = Point::new(49.01666667, 2.55)?;
/// let there = inverse(jfk, cdg);
/// let arrival = direct(jfk, there.azimuth1_deg, there.distance_m)?;
/// assert!((arrival.destination.lat() - cdg.lat()).abs() < 1e-12);
/// assert!((arrival.destination.lon() - cdg.lon()).abs() < 1e-12);
/// assert!((arrival.azimuth2_deg - there.azimuth2_deg).abs() < 1e-12);
/// assert!(direct(jfk, f64::NAN, 1.0).is_err());
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn direct(start: Point, azimuth_deg: f64, distance_m: f64) -> Result<Direct, GeodistError> {
    if !azimuth_deg.is_finite() {
        return Err(GeodistError::InvalidAzimuth { value: azimuth_deg, at: None });
    }
    if !distance_m.is_finite() {
        return Err(GeodistError::InvalidDistance { value: distance_m, at: None });
    }
    let (lat2, lon2, azimuth2_deg) = direct_deg(start.lat(), start.lon(), azimuth_deg, distance_m);
    Ok(Direct { destination: Point::new_unchecked(lat2, lon2), azimuth2_deg })
}

/// The area and perimeter of a polygon on WGS84 whose edges are geodesics.
///
/// # Examples
///
/// ```
/// use geodist::{polygon_area_perimeter, Point};
///
/// // A 1° x 1° square at the equator, counter-clockwise: positive.
/// let square = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)].map(|(lat, lon)| Point::new(lat, lon));
/// let square = square.into_iter().collect::<Result<Vec<_>, _>>()?;
/// let polygon = polygon_area_perimeter(&square);
/// assert!((polygon.area_m2 - 12_308_778_361.469).abs() < 1.0, "{polygon:?}");
/// assert!((polygon.perimeter_m - 443_770.917).abs() < 1e-3);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Polygon {
    /// The signed area in square meters: positive when the vertices run counter-clockwise
    /// (seen from above), negative when clockwise, as in GeographicLib and PROJ.
    pub area_m2: f64,
    /// The perimeter in meters, the closing edge from the last vertex to the first included.
    pub perimeter_m: f64,
}

/// The area and perimeter of the polygon on WGS84 whose vertices are `vertices`, joined by
/// geodesics (Karney's algorithm, as GeographicLib's `geod_polygonarea` and PROJ's, which
/// pyproj's `Geod.polygon_area_perimeter` calls).
///
/// The polygon is closed implicitly (do not repeat the first vertex), may encircle a pole and
/// may cross the antimeridian; it must not intersect itself. The area is signed: positive for
/// counter-clockwise vertices, negative for clockwise ones, in `(-A/2, A/2]` for the ellipsoid's
/// area `A` (so a clockwise polygon around a pole gives the area of its complement, negated, as
/// PROJ does). Fewer than two vertices give zero area and perimeter.
///
/// # Examples
///
/// ```
/// use geodist::{polygon_area_perimeter, Point};
///
/// // The cap north of 89°: counter-clockwise around the pole, crossing the antimeridian.
/// let cap: Vec<Point> = [0.0, 90.0, 180.0, -90.0]
///     .into_iter()
///     .map(|lon| Point::new(89.0, lon))
///     .collect::<Result<_, _>>()?;
/// let polygon = polygon_area_perimeter(&cap);
/// assert!((polygon.area_m2 - 24_952_305_678.0).abs() < 1.0);
/// assert!((polygon.perimeter_m - 631_819.8745).abs() < 1e-4);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[must_use]
pub fn polygon_area_perimeter(vertices: &[Point]) -> Polygon {
    let (area_m2, perimeter_m) =
        polygon::area_perimeter(vertices.len(), |i| (vertices[i].lat(), vertices[i].lon()));
    Polygon { area_m2, perimeter_m }
}

/// [`polygon_area_perimeter`] over validated coordinate columns of equal length.
pub(crate) fn polygon_deg(lat: &[f64], lon: &[f64]) -> Polygon {
    let (area_m2, perimeter_m) = polygon::area_perimeter(lat.len(), |i| (lat[i], lon[i]));
    Polygon { area_m2, perimeter_m }
}

/// [`geodesic`] on coordinates the caller has already validated.
#[inline]
pub(crate) fn geodesic_deg(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    inverse::solve::<false>(lat1, lon1, lat2, lon2).s12
}

/// [`geodesic_deg`] of the `n` validated problems `row(i)` (`[lat1, lon1, lat2, lon2]`), handed
/// to `output(i, distance)` in no particular order: bit-identical to one at a time, and faster
/// (four Newton iterations run side by side; see `inverse::solve_all`).
#[inline]
pub(crate) fn geodesic_many(
    n: usize,
    row: impl Fn(usize) -> [f64; 4],
    mut output: impl FnMut(usize, f64),
) {
    inverse::solve_all::<false>(n, row, |i, solution| output(i, solution.s12));
}

/// [`inverse_deg`] of many problems, as [`geodesic_many`].
#[inline]
pub(crate) fn inverse_many(
    n: usize,
    row: impl Fn(usize) -> [f64; 4],
    mut output: impl FnMut(usize, Inverse),
) {
    inverse::solve_all::<false>(n, row, |i, solution| {
        output(
            i,
            Inverse {
                distance_m: solution.s12,
                azimuth1_deg: angle::atan2d(solution.salp1, solution.calp1),
                azimuth2_deg: angle::atan2d(solution.salp2, solution.calp2),
            },
        );
    });
}

/// [`inverse`] on coordinates the caller has already validated.
#[inline]
pub(crate) fn inverse_deg(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Inverse {
    let solution = inverse::solve::<false>(lat1, lon1, lat2, lon2);
    Inverse {
        distance_m: solution.s12,
        azimuth1_deg: angle::atan2d(solution.salp1, solution.calp1),
        azimuth2_deg: angle::atan2d(solution.salp2, solution.calp2),
    }
}

/// [`direct`] on a validated point and finite azimuth and distance:
/// `(lat2, lon2, azimuth2)` in degrees.
#[inline]
pub(crate) fn direct_deg(lat1: f64, lon1: f64, azi1: f64, s12: f64) -> (f64, f64, f64) {
    let position = Line::new(lat1, lon1, azi1).position(s12);
    (position.lat2, position.lon2, position.azi2)
}

/// Two [`direct_deg`] solutions at once, each lane bit-identical to the scalar one: the batch
/// kernel's inner loop (see `real` for why two at a time is faster).
#[inline]
pub(crate) fn direct_deg_x2(
    lat1: [f64; 2],
    lon1: [f64; 2],
    azi1: [f64; 2],
    s12: [f64; 2],
) -> [(f64, f64, f64); 2] {
    let line = Line::new(F64x2(lat1), F64x2(lon1), F64x2(azi1));
    let position = line.position(F64x2(s12));
    let (lat2, lon2, azi2) = (position.lat2.0, position.lon2.0, position.azi2.0);
    [(lat2[0], lon2[0], azi2[0]), (lat2[1], lon2[1], azi2[1])]
}

/// The geodesic line from one validated point to another, as `geod_inverseline`, and its
/// length in meters (`s13`, computed from the arc length as the C code does).
#[inline]
pub(crate) fn inverse_line(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> (Line, f64) {
    let solution = inverse::solve::<false>(lat1, lon1, lat2, lon2);
    let line = Line::with_azimuth(lat1, lon1, solution.salp1, solution.calp1);
    let s13 = line.arc_distance(solution.a12);
    (line, s13)
}
