//! Batch kernels over many pairs of points: struct-of-arrays functions over coordinate slices
//! (what the Python binding calls) and slice-of-[`Point`] functions for Rust callers.
//!
//! Every coordinate-slice function checks, in this order: the radius (haversine only), that
//! every input slice has the output's length (the first argument that does not is reported
//! as [`GeodistError::LengthMismatch`]; for [`inverse`] and [`direct`] the further outputs
//! come next), and that every value is valid. Of the invalid values, the one at the lowest
//! index is reported, and at equal index the first in argument order (`lat1, lon1, lat2, lon2`,
//! or `lat1, lon1, azimuth1, distance`), with its [`Position`]. Nothing is written to the
//! outputs unless every check passes.
//!
//! Validation is a separate pass of branch-free comparisons, so the compute loops run over
//! known-valid data; the haversine loop has no calls or branches and autovectorizes.
//!
//! ```
//! use geodist::{batch, GeodistError, Position};
//!
//! let lat1 = [0.0, 10.0, 20.0];
//! let lon1 = [0.0, 0.0, 0.0];
//! let lat2 = [0.0, 10.0, f64::NAN];
//! let lon2 = [1.0, 181.0, 0.0];
//! let mut out = [0.0; 3];
//! let err = batch::geodesic(&lat1, &lon1, &lat2, &lon2, &mut out).unwrap_err();
//! // Index 1 comes before index 2, whatever the argument.
//! assert_eq!(
//!     err,
//!     GeodistError::InvalidLongitude {
//!         value: 181.0,
//!         at: Some(Position { argument: "lon2", index: 1 }),
//!     }
//! );
//! assert_eq!(out, [0.0; 3]); // nothing written
//!
//! batch::geodesic(&lat1[..1], &lon1[..1], &lat2[..1], &lon2[..1], &mut out[..1])?;
//! assert!((out[0] - 111_319.490_793).abs() < 1e-6);
//! # Ok::<(), GeodistError>(())
//! ```

use crate::geodesic::{
    direct_deg, direct_deg_x2, geodesic_deg, geodesic_many, inverse_deg, inverse_many, polygon_deg,
};
use crate::haversine::{central_angle, check_radius};
use crate::{Direct, GeodistError, Inverse, Point, Polygon, Position};

/// Great-circle distances on a sphere of radius `radius_m`, pair by pair:
/// `out[i]` is the distance from `(lat1[i], lon1[i])` to `(lat2[i], lon2[i])`.
///
/// # Errors
///
/// [`GeodistError::InvalidRadius`], [`GeodistError::LengthMismatch`] or an invalid
/// coordinate, as described in the [module documentation](self).
///
/// # Examples
///
/// ```
/// use geodist::{batch, MEAN_EARTH_RADIUS_M};
///
/// let lat1 = [0.0, 0.0];
/// let lon1 = [0.0, 0.0];
/// let lat2 = [0.0, 90.0];
/// let lon2 = [180.0, 0.0];
/// let mut out = [0.0; 2];
/// batch::haversine(&lat1, &lon1, &lat2, &lon2, 1.0, &mut out)?;
/// assert_eq!(out[0], std::f64::consts::PI);
/// assert!((out[1] - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
// Always inlined, so that a caller built for wider vector instructions (the Python binding's
// AVX2 copy, chosen at run time) gets the loop compiled for them: with a mere `#[inline]` hint,
// LLVM stopped inlining it there (as it does under the wheels' fat LTO), and the AVX2 copy ran
// the SSE2 loop, half as fast. The loop is the same code, so the results are bit-identical.
#[inline(always)]
pub fn haversine(
    lat1: &[f64],
    lon1: &[f64],
    lat2: &[f64],
    lon2: &[f64],
    radius_m: f64,
    out: &mut [f64],
) -> Result<(), GeodistError> {
    check_radius(radius_m)?;
    let columns = Columns::new(lat1, lon1, lat2, lon2, out.len(), |_| Ok(()))?;
    let n = out.len();
    // Re-slicing to the common length lets the compiler drop bounds checks and vectorize.
    let (lat1, lon1, lat2, lon2) =
        (&columns.lat1[..n], &columns.lon1[..n], &columns.lat2[..n], &columns.lon2[..n]);
    for i in 0..n {
        out[i] = radius_m * central_angle(lat1[i], lon1[i], lat2[i], lon2[i]);
    }
    Ok(())
}

/// WGS84 geodesic distances in meters, pair by pair:
/// `out[i]` is the distance from `(lat1[i], lon1[i])` to `(lat2[i], lon2[i])`.
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] or an invalid coordinate, as described in the
/// [module documentation](self).
///
/// # Examples
///
/// ```
/// use geodist::{batch, GeodistError, Position};
///
/// let lat1 = [0.0, 40.6];
/// let lon1 = [0.0, -73.8];
/// let lat2 = [0.0, 49.01666667];
/// let lon2 = [1.0, 2.55];
/// let mut out = [0.0; 2];
/// batch::geodesic(&lat1, &lon1, &lat2, &lon2, &mut out)?;
/// assert!((out[0] - 111_319.490_793).abs() < 1e-6);
/// assert!((out[1] - 5_853_226.0).abs() < 0.5);
///
/// let err = batch::geodesic(&lat1, &lon1, &lat2, &lon2[..1], &mut out).unwrap_err();
/// assert_eq!(
///     err,
///     GeodistError::LengthMismatch { argument: "lon2", expected: 2, found: 1 }
/// );
/// # Ok::<(), GeodistError>(())
/// ```
pub fn geodesic(
    lat1: &[f64],
    lon1: &[f64],
    lat2: &[f64],
    lon2: &[f64],
    out: &mut [f64],
) -> Result<(), GeodistError> {
    let columns = Columns::new(lat1, lon1, lat2, lon2, out.len(), |_| Ok(()))?;
    geodesic_many(out.len(), |i| columns.row(i), |i, distance| out[i] = distance);
    Ok(())
}

/// WGS84 inverse solutions, pair by pair, into three output slices: the distance in meters
/// and the azimuths in degrees at both ends (see [`Inverse`]).
///
/// The coordinate slices must have the length of `distance_m`, and so must `azimuth1_deg`
/// and `azimuth2_deg` (reported as those arguments when they do not).
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] or an invalid coordinate, as described in the
/// [module documentation](self).
///
/// # Examples
///
/// ```
/// use geodist::batch;
///
/// let (lat1, lon1, lat2, lon2) = ([0.0], [0.0], [0.0], [1.0]);
/// let (mut s12, mut azi1, mut azi2) = ([0.0], [0.0], [0.0]);
/// batch::inverse(&lat1, &lon1, &lat2, &lon2, &mut s12, &mut azi1, &mut azi2)?;
/// assert!((s12[0] - 111_319.490_793).abs() < 1e-6);
/// assert_eq!((azi1[0], azi2[0]), (90.0, 90.0));
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn inverse(
    lat1: &[f64],
    lon1: &[f64],
    lat2: &[f64],
    lon2: &[f64],
    distance_m: &mut [f64],
    azimuth1_deg: &mut [f64],
    azimuth2_deg: &mut [f64],
) -> Result<(), GeodistError> {
    let n = distance_m.len();
    let columns = Columns::new(lat1, lon1, lat2, lon2, n, |n| {
        check_len("azimuth1_deg", azimuth1_deg.len(), n)?;
        check_len("azimuth2_deg", azimuth2_deg.len(), n)
    })?;
    inverse_many(
        n,
        |i| columns.row(i),
        |i, solution| {
            distance_m[i] = solution.distance_m;
            azimuth1_deg[i] = solution.azimuth1_deg;
            azimuth2_deg[i] = solution.azimuth2_deg;
        },
    );
    Ok(())
}

/// WGS84 direct solutions, element by element, into three output slices: from
/// `(lat1[i], lon1[i])` along the geodesic with initial azimuth `azimuth1_deg[i]` for
/// `distance_m[i]` meters, the destination's latitude and longitude and the azimuth there
/// (see [`direct`](crate::direct)).
///
/// The inputs must have the length of `lat2`, and so must `lon2` and `azimuth2_deg` (reported
/// as those arguments when they do not). An invalid azimuth is reported as `"azimuth1"` and an
/// invalid distance as `"distance"`, in the argument order `lat1, lon1, azimuth1, distance`.
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`], an invalid coordinate, [`GeodistError::InvalidAzimuth`]
/// or [`GeodistError::InvalidDistance`], as described in the [module documentation](self).
///
/// # Examples
///
/// ```
/// use geodist::batch;
///
/// let (lat1, lon1, azi1, s12) = ([0.0, 0.0], [0.0, 0.0], [90.0, 0.0], [111_319.490_793_273_57, 0.0]);
/// let (mut lat2, mut lon2, mut azi2) = ([0.0; 2], [0.0; 2], [0.0; 2]);
/// batch::direct(&lat1, &lon1, &azi1, &s12, &mut lat2, &mut lon2, &mut azi2)?;
/// assert!((lon2[0] - 1.0).abs() < 1e-12);
/// assert_eq!((lat2[1], lon2[1], azi2[1]), (0.0, 0.0, 0.0));
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn direct(
    lat1: &[f64],
    lon1: &[f64],
    azimuth1_deg: &[f64],
    distance_m: &[f64],
    lat2: &mut [f64],
    lon2: &mut [f64],
    azimuth2_deg: &mut [f64],
) -> Result<(), GeodistError> {
    let n = lat2.len();
    validate(
        [
            ("lat1", lat1, Kind::Latitude),
            ("lon1", lon1, Kind::Longitude),
            ("azimuth1", azimuth1_deg, Kind::Azimuth),
            ("distance", distance_m, Kind::Distance),
        ],
        n,
        |n| {
            check_len("lon2", lon2.len(), n)?;
            check_len("azimuth2_deg", azimuth2_deg.len(), n)
        },
    )?;
    // Two at a time: the same results, sooner (see `direct_deg_x2`).
    let pairs = n / 2;
    for pair in 0..pairs {
        let (i, j) = (2 * pair, 2 * pair + 1);
        let solutions = direct_deg_x2(
            [lat1[i], lat1[j]],
            [lon1[i], lon1[j]],
            [azimuth1_deg[i], azimuth1_deg[j]],
            [distance_m[i], distance_m[j]],
        );
        for (k, (lat, lon, azi)) in [i, j].into_iter().zip(solutions) {
            lat2[k] = lat;
            lon2[k] = lon;
            azimuth2_deg[k] = azi;
        }
    }
    if n % 2 == 1 {
        let i = n - 1;
        let (lat, lon, azi) = direct_deg(lat1[i], lon1[i], azimuth1_deg[i], distance_m[i]);
        lat2[i] = lat;
        lon2[i] = lon;
        azimuth2_deg[i] = azi;
    }
    Ok(())
}

/// Great-circle distances on a sphere of radius `radius_m` between `a[i]` and `b[i]`.
///
/// # Errors
///
/// [`GeodistError::InvalidRadius`], or [`GeodistError::LengthMismatch`] naming `"a"` or `"b"`
/// when its length differs from `out`'s.
///
/// # Examples
///
/// ```
/// use geodist::{batch, haversine, Point, MEAN_EARTH_RADIUS_M};
///
/// let a = [Point::new(48.8566, 2.3522)?, Point::new(0.0, 0.0)?];
/// let b = [Point::new(51.5074, -0.1278)?, Point::new(0.0, 0.0)?];
/// let mut out = [0.0; 2];
/// batch::haversine_points(&a, &b, MEAN_EARTH_RADIUS_M, &mut out)?;
/// assert_eq!(out, [haversine(a[0], b[0]), 0.0]);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn haversine_points(
    a: &[Point],
    b: &[Point],
    radius_m: f64,
    out: &mut [f64],
) -> Result<(), GeodistError> {
    check_radius(radius_m)?;
    check_points(a, b, out.len())?;
    for ((distance, p), q) in out.iter_mut().zip(a).zip(b) {
        *distance = radius_m * central_angle(p.lat(), p.lon(), q.lat(), q.lon());
    }
    Ok(())
}

/// WGS84 geodesic distances in meters between `a[i]` and `b[i]`.
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] naming `"a"` or `"b"` when its length differs from
/// `out`'s.
///
/// # Examples
///
/// ```
/// use geodist::{batch, Point};
///
/// let a = [Point::new(0.0, 0.0)?, Point::new(90.0, 0.0)?];
/// let b = [Point::new(0.0, 1.0)?, Point::new(-90.0, 0.0)?];
/// let mut out = [0.0; 2];
/// batch::geodesic_points(&a, &b, &mut out)?;
/// assert!((out[0] - 111_319.490_793).abs() < 1e-6);
/// assert!((out[1] - 20_003_931.458_6).abs() < 1e-4);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn geodesic_points(a: &[Point], b: &[Point], out: &mut [f64]) -> Result<(), GeodistError> {
    check_points(a, b, out.len())?;
    for ((distance, p), q) in out.iter_mut().zip(a).zip(b) {
        *distance = geodesic_deg(p.lat(), p.lon(), q.lat(), q.lon());
    }
    Ok(())
}

/// WGS84 inverse solutions between `a[i]` and `b[i]`.
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] naming `"a"` or `"b"` when its length differs from
/// `out`'s.
///
/// # Examples
///
/// ```
/// use geodist::{batch, inverse, Inverse, Point};
///
/// let a = [Point::new(0.0, 0.0)?];
/// let b = [Point::new(0.0, 1.0)?];
/// let mut out = [Inverse::default()];
/// batch::inverse_points(&a, &b, &mut out)?;
/// assert_eq!(out[0], inverse(a[0], b[0]));
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn inverse_points(a: &[Point], b: &[Point], out: &mut [Inverse]) -> Result<(), GeodistError> {
    check_points(a, b, out.len())?;
    for ((solution, p), q) in out.iter_mut().zip(a).zip(b) {
        *solution = inverse_deg(p.lat(), p.lon(), q.lat(), q.lon());
    }
    Ok(())
}

/// WGS84 direct solutions from `start[i]` with azimuth `azimuth1_deg[i]` for `distance_m[i]`
/// meters.
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] naming `"start"`, `"azimuth1"` or `"distance"` when its
/// length differs from `out`'s; then [`GeodistError::InvalidAzimuth`] or
/// [`GeodistError::InvalidDistance`] for the first non-finite value, as in [`direct`].
///
/// # Examples
///
/// ```
/// use geodist::{batch, direct, Direct, Point};
///
/// let start = [Point::new(10.0, 20.0)?];
/// let mut out = [Direct { destination: start[0], azimuth2_deg: 0.0 }];
/// batch::direct_points(&start, &[45.0], &[1e6], &mut out)?;
/// assert_eq!(out[0], direct(start[0], 45.0, 1e6)?);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn direct_points(
    start: &[Point],
    azimuth1_deg: &[f64],
    distance_m: &[f64],
    out: &mut [Direct],
) -> Result<(), GeodistError> {
    let n = out.len();
    check_len("start", start.len(), n)?;
    validate(
        [("azimuth1", azimuth1_deg, Kind::Azimuth), ("distance", distance_m, Kind::Distance)],
        n,
        |_| Ok(()),
    )?;
    for (i, solution) in out.iter_mut().enumerate() {
        let p = start[i];
        let (lat, lon, azimuth2_deg) = direct_deg(p.lat(), p.lon(), azimuth1_deg[i], distance_m[i]);
        *solution = Direct { destination: Point::new_unchecked(lat, lon), azimuth2_deg };
    }
    Ok(())
}

/// The length in meters of the polyline through the points `(lat[i], lon[i])` along WGS84
/// geodesics, as [`line_length`](crate::line_length).
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] naming `"lon"` when its length differs from `lat`'s, or
/// the first invalid coordinate, named `"lat"` or `"lon"`.
///
/// # Examples
///
/// ```
/// use geodist::batch;
///
/// let length = batch::line_length(&[0.0, 0.0, 0.0], &[0.0, 1.0, 2.0])?;
/// assert!((length - 222_638.981_586).abs() < 1e-6);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn line_length(lat: &[f64], lon: &[f64]) -> Result<f64, GeodistError> {
    /// Segments solved per round; their lengths are then added in order, as pyproj adds them.
    const CHUNK: usize = 256;
    validate_vertices(lat, lon)?;
    let segments = lat.len().saturating_sub(1);
    let mut lengths = [0.0; CHUNK];
    let mut total = 0.0;
    for start in (0..segments).step_by(CHUNK) {
        let len = CHUNK.min(segments - start);
        let segment = |k: usize| {
            let i = start + k;
            [lat[i], lon[i], lat[i + 1], lon[i + 1]]
        };
        geodesic_many(len, segment, |k, length| lengths[k] = length);
        for length in &lengths[..len] {
            total += length;
        }
    }
    Ok(total)
}

/// The lengths in meters of the segments of the polyline through the points
/// `(lat[i], lon[i])`: `out[i]` is the geodesic distance from point `i` to point `i + 1`, so
/// `out` has one element fewer than `lat` (none for fewer than two points), as pyproj's
/// `Geod.line_lengths`.
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] naming `"lon"` or `"out"` when its length is wrong, or the
/// first invalid coordinate, named `"lat"` or `"lon"`.
///
/// # Examples
///
/// ```
/// use geodist::batch;
///
/// let mut out = [0.0; 2];
/// batch::line_lengths(&[0.0, 0.0, 1.0], &[0.0, 1.0, 1.0], &mut out)?;
/// assert!((out[0] - 111_319.490_793).abs() < 1e-6);
/// assert!((out[1] - 110_574.388_557).abs() < 1e-6);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn line_lengths(lat: &[f64], lon: &[f64], out: &mut [f64]) -> Result<(), GeodistError> {
    check_len("lon", lon.len(), lat.len())?;
    check_len("out", out.len(), lat.len().saturating_sub(1))?;
    validate_vertices(lat, lon)?;
    let segment = |i: usize| [lat[i], lon[i], lat[i + 1], lon[i + 1]];
    geodesic_many(out.len(), segment, |i, length| out[i] = length);
    Ok(())
}

/// The signed area and the perimeter of the geodesic polygon with vertices `(lat[i], lon[i])`,
/// as [`polygon_area_perimeter`](crate::polygon_area_perimeter).
///
/// # Errors
///
/// [`GeodistError::LengthMismatch`] naming `"lon"` when its length differs from `lat`'s, or
/// the first invalid coordinate, named `"lat"` or `"lon"`.
///
/// # Examples
///
/// ```
/// use geodist::batch;
///
/// // Clockwise around the south pole at -89°: the same area as the northern cap, negated.
/// let polygon = batch::polygon_area_perimeter(&[-89.0; 4], &[0.0, 90.0, 180.0, 270.0 - 360.0])?;
/// assert!((polygon.area_m2 + 24_952_305_678.0).abs() < 1.0);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn polygon_area_perimeter(lat: &[f64], lon: &[f64]) -> Result<Polygon, GeodistError> {
    validate_vertices(lat, lon)?;
    Ok(polygon_deg(lat, lon))
}

/// Checks the vertex columns of a line or polygon: `lon` as long as `lat`, every value valid.
fn validate_vertices(lat: &[f64], lon: &[f64]) -> Result<(), GeodistError> {
    validate([("lat", lat, Kind::Latitude), ("lon", lon, Kind::Longitude)], lat.len(), |_| Ok(()))
}

/// Four coordinate columns that have been checked: same length, every value valid.
///
/// The checks run in the documented order: input lengths, then the lengths of any further
/// outputs (`check_outputs`), then the values.
struct Columns<'a> {
    lat1: &'a [f64],
    lon1: &'a [f64],
    lat2: &'a [f64],
    lon2: &'a [f64],
}

impl<'a> Columns<'a> {
    fn new(
        lat1: &'a [f64],
        lon1: &'a [f64],
        lat2: &'a [f64],
        lon2: &'a [f64],
        n: usize,
        check_outputs: impl FnOnce(usize) -> Result<(), GeodistError>,
    ) -> Result<Self, GeodistError> {
        validate(
            [
                ("lat1", lat1, Kind::Latitude),
                ("lon1", lon1, Kind::Longitude),
                ("lat2", lat2, Kind::Latitude),
                ("lon2", lon2, Kind::Longitude),
            ],
            n,
            check_outputs,
        )?;
        Ok(Columns { lat1, lon1, lat2, lon2 })
    }

    /// Row `i`: `[lat1, lon1, lat2, lon2]`.
    #[inline(always)]
    fn row(&self, i: usize) -> [f64; 4] {
        [self.lat1[i], self.lon1[i], self.lat2[i], self.lon2[i]]
    }
}

/// What a column holds, which decides what is valid in it.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A finite number in `[-90, 90]`.
    Latitude,
    /// A finite number in `[-180, 180]`.
    Longitude,
    /// Any finite number of degrees.
    Azimuth,
    /// Any finite number of meters.
    Distance,
}

impl Kind {
    /// Whether `value` is valid in a column of this kind.
    fn is_valid(self, value: f64) -> bool {
        value.abs() <= self.limit()
    }

    /// The largest valid magnitude: `|v| <= limit` is false for NaN and infinities.
    fn limit(self) -> f64 {
        match self {
            Kind::Latitude => 90.0,
            Kind::Longitude => 180.0,
            Kind::Azimuth | Kind::Distance => f64::MAX,
        }
    }

    fn error(self, value: f64, at: Option<Position>) -> GeodistError {
        match self {
            Kind::Latitude => GeodistError::InvalidLatitude { value, at },
            Kind::Longitude => GeodistError::InvalidLongitude { value, at },
            Kind::Azimuth => GeodistError::InvalidAzimuth { value, at },
            Kind::Distance => GeodistError::InvalidDistance { value, at },
        }
    }
}

/// Checks that every column has length `n`, then `check_outputs(n)`, then every value; reports
/// the first problem as the module documentation describes.
pub(crate) fn validate<const C: usize>(
    columns: [(&'static str, &[f64], Kind); C],
    n: usize,
    check_outputs: impl FnOnce(usize) -> Result<(), GeodistError>,
) -> Result<(), GeodistError> {
    for (argument, values, _) in columns {
        check_len(argument, values.len(), n)?;
    }
    check_outputs(n)?;
    let all_valid = columns
        .iter()
        .fold(true, |valid, (_, values, kind)| valid & all_within(values, kind.limit()));
    if all_valid { Ok(()) } else { Err(first_invalid(columns)) }
}

/// True when every value is a finite number in `[-limit, limit]` (NaN fails the comparison).
/// Counts the valid ones without branching so that the loop vectorizes; the error path finds
/// out which one failed.
#[inline]
fn all_within(values: &[f64], limit: f64) -> bool {
    values.iter().map(|&v| usize::from(v.abs() <= limit)).sum::<usize>() == values.len()
}

/// The error for the invalid value at the lowest index (first in argument order on a tie).
/// Only called when there is one.
fn first_invalid<const C: usize>(columns: [(&'static str, &[f64], Kind); C]) -> GeodistError {
    let mut first: Option<(usize, &'static str, f64, Kind)> = None;
    for (argument, values, kind) in columns {
        let limit = first.map_or(values.len(), |(index, ..)| index.min(values.len()));
        if let Some(index) = values[..limit].iter().position(|&v| !kind.is_valid(v)) {
            first = Some((index, argument, values[index], kind));
        }
    }
    match first {
        Some((index, argument, value, kind)) => {
            kind.error(value, Some(Position { argument, index }))
        }
        // Unreachable when the caller found an invalid value; report something honest.
        None => GeodistError::InvalidLatitude { value: f64::NAN, at: None },
    }
}

pub(crate) fn check_len(
    argument: &'static str,
    found: usize,
    expected: usize,
) -> Result<(), GeodistError> {
    if found == expected {
        Ok(())
    } else {
        Err(GeodistError::LengthMismatch { argument, expected, found })
    }
}

fn check_points(a: &[Point], b: &[Point], n: usize) -> Result<(), GeodistError> {
    check_len("a", a.len(), n)?;
    check_len("b", b.len(), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_error(columns: [&[f64]; 4], n: usize, expected: GeodistError) {
        let mut out = vec![0.0; n];
        let [lat1, lon1, lat2, lon2] = columns;
        // Compare the Debug forms, which treat NaN values as equal.
        let expected = format!("{expected:?}");
        let got = geodesic(lat1, lon1, lat2, lon2, &mut out).unwrap_err();
        assert_eq!(format!("{got:?}"), expected);
        assert!(out.iter().all(|&d| d == 0.0), "outputs written on error");
        let got = haversine(lat1, lon1, lat2, lon2, 1.0, &mut out).unwrap_err();
        assert_eq!(format!("{got:?}"), expected);
    }

    fn at(argument: &'static str, index: usize) -> Option<Position> {
        Some(Position { argument, index })
    }

    #[test]
    fn reports_the_lowest_index_then_the_first_argument() {
        let ok = [0.0; 4];
        check_error(
            [&[0.0, 0.0, 0.0, 91.0], &ok, &ok, &[0.0, 0.0, 200.0, 0.0]],
            4,
            GeodistError::InvalidLongitude { value: 200.0, at: at("lon2", 2) },
        );
        check_error(
            [&ok, &[0.0, f64::NAN, 0.0, 0.0], &[0.0, -95.0, 0.0, 0.0], &ok],
            4,
            GeodistError::InvalidLongitude { value: f64::NAN, at: at("lon1", 1) },
        );
        check_error(
            [&ok, &ok, &[0.0, 0.0, 0.0, f64::NEG_INFINITY], &ok],
            4,
            GeodistError::InvalidLatitude { value: f64::NEG_INFINITY, at: at("lat2", 3) },
        );
    }

    #[test]
    fn length_mismatch_names_the_first_wrong_argument() {
        let ok = [0.0; 3];
        check_error(
            [&ok, &ok, &[0.0; 2], &[0.0; 1]],
            3,
            GeodistError::LengthMismatch { argument: "lat2", expected: 3, found: 2 },
        );
        let (mut s, mut a1, mut a2) = ([0.0; 3], [0.0; 3], [0.0; 2]);
        assert_eq!(
            inverse(&ok, &ok, &ok, &[0.0; 4], &mut s, &mut a1, &mut a2),
            Err(GeodistError::LengthMismatch { argument: "lon2", expected: 3, found: 4 })
        );
        assert_eq!(
            inverse(&ok, &ok, &ok, &ok, &mut s, &mut a1, &mut a2),
            Err(GeodistError::LengthMismatch { argument: "azimuth2_deg", expected: 3, found: 2 })
        );
    }

    #[test]
    fn radius_is_checked_first() {
        let mut out = [0.0; 1];
        assert_eq!(
            haversine(&[0.0], &[0.0], &[], &[0.0], f64::NAN, &mut out).map_err(|e| e.to_string()),
            Err("invalid radius NaN: expected a finite number greater than 0".to_string())
        );
    }

    #[test]
    fn empty_batches_are_fine() {
        let mut out: [f64; 0] = [];
        assert_eq!(geodesic(&[], &[], &[], &[], &mut out), Ok(()));
        assert_eq!(haversine(&[], &[], &[], &[], 1.0, &mut out), Ok(()));
        assert_eq!(geodesic_points(&[], &[], &mut out), Ok(()));
    }
}
