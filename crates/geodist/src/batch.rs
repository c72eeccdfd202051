//! Batch kernels over many pairs of points: struct-of-arrays functions over coordinate slices
//! (what the Python binding calls) and slice-of-[`Point`] functions for Rust callers.
//!
//! Every coordinate-slice function checks, in this order: the radius (haversine only), that
//! every input slice has the output's length (the first argument that does not is reported
//! as [`GeodistError::LengthMismatch`]; for [`inverse`] the azimuth outputs come next), and
//! that every coordinate is valid. Of the invalid coordinates, the one at the lowest index is
//! reported, and at equal index the first in argument order `lat1, lon1, lat2, lon2`, with
//! its [`Position`]. Nothing is written to the outputs unless every check passes.
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

use crate::geodesic::{geodesic_deg, inverse_deg};
use crate::haversine::{central_angle, check_radius};
use crate::point::{is_valid_lat, is_valid_lon};
use crate::{GeodistError, Inverse, Point, Position};

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
// Inlinable into callers built for wider vector instructions (the Python binding dispatches on
// the CPU at run time); the loop is the same code, so the results are bit-identical.
#[inline]
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
    for (i, distance) in out.iter_mut().enumerate() {
        *distance =
            geodesic_deg(columns.lat1[i], columns.lon1[i], columns.lat2[i], columns.lon2[i]);
    }
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
    for i in 0..n {
        let solution =
            inverse_deg(columns.lat1[i], columns.lon1[i], columns.lat2[i], columns.lon2[i]);
        distance_m[i] = solution.distance_m;
        azimuth1_deg[i] = solution.azimuth1_deg;
        azimuth2_deg[i] = solution.azimuth2_deg;
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
        check_len("lat1", lat1.len(), n)?;
        check_len("lon1", lon1.len(), n)?;
        check_len("lat2", lat2.len(), n)?;
        check_len("lon2", lon2.len(), n)?;
        check_outputs(n)?;
        let all_valid = all_within(lat1, 90.0)
            & all_within(lon1, 180.0)
            & all_within(lat2, 90.0)
            & all_within(lon2, 180.0);
        if all_valid {
            Ok(Columns { lat1, lon1, lat2, lon2 })
        } else {
            Err(first_invalid([
                ("lat1", lat1, Coordinate::Latitude),
                ("lon1", lon1, Coordinate::Longitude),
                ("lat2", lat2, Coordinate::Latitude),
                ("lon2", lon2, Coordinate::Longitude),
            ]))
        }
    }
}

#[derive(Clone, Copy)]
enum Coordinate {
    Latitude,
    Longitude,
}

/// True when every value is a finite number in `[-limit, limit]` (NaN fails the comparison).
/// Counts the valid ones without branching so that the loop vectorizes; the error path finds
/// out which one failed.
#[inline]
fn all_within(values: &[f64], limit: f64) -> bool {
    values.iter().map(|&v| usize::from(v.abs() <= limit)).sum::<usize>() == values.len()
}

/// The error for the invalid coordinate at the lowest index (first in argument order on a
/// tie). Only called when there is one.
fn first_invalid(columns: [(&'static str, &[f64], Coordinate); 4]) -> GeodistError {
    let mut first: Option<(usize, &'static str, f64, Coordinate)> = None;
    for (argument, values, kind) in columns {
        let valid = match kind {
            Coordinate::Latitude => is_valid_lat,
            Coordinate::Longitude => is_valid_lon,
        };
        let limit = first.map_or(values.len(), |(index, ..)| index.min(values.len()));
        if let Some(index) = values[..limit].iter().position(|&v| !valid(v)) {
            first = Some((index, argument, values[index], kind));
        }
    }
    match first {
        Some((index, argument, value, kind)) => {
            let at = Some(Position { argument, index });
            match kind {
                Coordinate::Latitude => GeodistError::InvalidLatitude { value, at },
                Coordinate::Longitude => GeodistError::InvalidLongitude { value, at },
            }
        }
        // Unreachable when the caller found an invalid value; report something honest.
        None => GeodistError::InvalidLatitude { value: f64::NAN, at: None },
    }
}

fn check_len(argument: &'static str, found: usize, expected: usize) -> Result<(), GeodistError> {
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
