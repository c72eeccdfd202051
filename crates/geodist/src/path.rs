//! Paths on WGS84: points along the geodesic between two points (by count or by maximum
//! spacing, as pyproj's `Geod.npts` and `Geod.inv_intermediate`), and the length of a polyline
//! (as `Geod.line_length`).
//!
//! The points come from GeographicLib's `geod_inverseline` and `geod_position`, placed as
//! pyproj places them, so they agree with pyproj's to the last bit or two.

use std::iter::FusedIterator;

use crate::geodesic::{Line, geodesic_deg, inverse_line};
use crate::{GeodistError, Point};

/// How many points [`intermediate`] returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spacing {
    /// Exactly this many points (pyproj's `npts`).
    Count(usize),
    /// As few equally spaced points as keep every gap between consecutive points, the ends
    /// included, at most this many meters (pyproj's `del_s` with
    /// `GeodIntermediateFlag.NPTS_CEIL`; pyproj's default rounds the count to the nearest
    /// integer instead, so its gaps can be up to 1.5 times `del_s`).
    MaxMeters(f64),
}

/// Whether [`intermediate`] includes the two ends of the geodesic among its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoints {
    /// Only the points strictly between the ends (pyproj's default,
    /// `initial_idx = terminus_idx = 1`).
    Exclude,
    /// The start as the first point and the end as the last (pyproj's
    /// `initial_idx = terminus_idx = 0`).
    Include,
}

/// Equally spaced points along the shortest geodesic from `start` to `end`.
///
/// With [`Endpoints::Exclude`] and `n` points, the gap is `d / (n + 1)` for the geodesic's
/// length `d`, and point `i` (from 0) lies `(i + 1)` gaps from `start`; with
/// [`Endpoints::Include`], the gap is `d / (n - 1)` and point `i` lies `i` gaps from `start`,
/// so the first point is `start` and the last is `end` (to within the rounding of the
/// distances, a few nanometers). With [`Spacing::MaxMeters`] `m`, `n` is the smallest count
/// whose gap is at most `m`: `ceil(d / m) - 1` points without the ends, `ceil(d / m) + 1` with
/// them. A single point with the ends included is `start` (computed, like every first point
/// with the ends included, at distance 0 along the line, so within a few nanometers of it);
/// coincident points give no points between them. This is what pyproj computes, except that
/// pyproj divides by zero in those two cases and raises `ZeroDivisionError`.
///
/// The result is an iterator that computes each point when asked; it allocates nothing.
///
/// # Errors
///
/// [`GeodistError::InvalidSpacing`] when a [`Spacing::MaxMeters`] is not a finite number
/// greater than zero.
///
/// # Examples
///
/// ```
/// use geodist::{intermediate, Endpoints, Point, Spacing};
///
/// let a = Point::new(0.0, 0.0)?;
/// let b = Point::new(0.0, 4.0)?;
/// let between: Vec<Point> = intermediate(a, b, Spacing::Count(3), Endpoints::Exclude)?.collect();
/// let lons: Vec<f64> = between.iter().map(|p| (p.lon() * 1e9).round() / 1e9).collect();
/// assert_eq!(lons, [1.0, 2.0, 3.0]);
///
/// // At most 100 km apart along 445 km: 5 gaps, so 4 points between the ends, 6 with them.
/// let points = intermediate(a, b, Spacing::MaxMeters(100e3), Endpoints::Include)?;
/// assert_eq!(points.len(), 6);
/// assert!((points.step_m() - 89_055.593).abs() < 1e-3);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn intermediate(
    start: Point,
    end: Point,
    spacing: Spacing,
    endpoints: Endpoints,
) -> Result<Intermediate, GeodistError> {
    if let Spacing::MaxMeters(meters) = spacing {
        if !(meters.is_finite() && meters > 0.0) {
            return Err(GeodistError::InvalidSpacing { value: meters });
        }
    }
    let (line, distance_m) = inverse_line(start.lat(), start.lon(), end.lat(), end.lon());
    // pyproj's initial_idx and terminus_idx.
    let first: u8 = match endpoints {
        Endpoints::Exclude => 1,
        Endpoints::Include => 0,
    };
    let len = match spacing {
        Spacing::Count(n) => n,
        Spacing::MaxMeters(meters) => {
            // As pyproj writes it, in floating point; `as` saturates (NaN and negatives to 0).
            let n = distance_m / meters - f64::from(first) - f64::from(first) + 1.0;
            n.ceil() as usize
        }
    };
    let gaps = len.saturating_add(2 * usize::from(first)).saturating_sub(1);
    let step_m = if gaps == 0 { 0.0 } else { distance_m / gaps as f64 };
    Ok(Intermediate { line, first, step_m, distance_m, next: 0, len })
}

/// The points of [`intermediate`], computed one at a time.
#[derive(Debug, Clone)]
pub struct Intermediate {
    line: Line,
    /// 1 when the start is excluded: point `i` lies `i + first` steps along.
    first: u8,
    step_m: f64,
    distance_m: f64,
    next: usize,
    len: usize,
}

impl Intermediate {
    /// The distance in meters between consecutive points (and from the ends to the nearest
    /// point), 0 for a single point.
    #[must_use]
    pub fn step_m(&self) -> f64 {
        self.step_m
    }

    /// The length in meters of the geodesic from `start` to `end`.
    #[must_use]
    pub fn distance_m(&self) -> f64 {
        self.distance_m
    }

    /// The `index`-th point (from 0), as `(lat, lon)` in degrees.
    fn at(&self, index: usize) -> (f64, f64) {
        let s12 = (index as f64 + f64::from(self.first)) * self.step_m;
        let position = self.line.position(s12);
        (position.lat2, position.lon2)
    }

    /// Writes the remaining points into `lat` and `lon`, which must both have
    /// [`len`](ExactSizeIterator::len) elements (what the Python binding fills its arrays with).
    ///
    /// # Errors
    ///
    /// [`GeodistError::LengthMismatch`] naming `"lat"` or `"lon"` when its length is not the
    /// number of remaining points; nothing is written then.
    pub fn write(mut self, lat: &mut [f64], lon: &mut [f64]) -> Result<(), GeodistError> {
        let n = self.len();
        crate::batch::check_len("lat", lat.len(), n)?;
        crate::batch::check_len("lon", lon.len(), n)?;
        for i in 0..n {
            (lat[i], lon[i]) = self.at(self.next);
            self.next += 1;
        }
        Ok(())
    }
}

impl Iterator for Intermediate {
    type Item = Point;

    fn next(&mut self) -> Option<Point> {
        if self.next == self.len {
            return None;
        }
        let (lat, lon) = self.at(self.next);
        self.next += 1;
        Some(Point::new_unchecked(lat, lon))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.len - self.next;
        (remaining, Some(remaining))
    }
}

impl ExactSizeIterator for Intermediate {}

impl FusedIterator for Intermediate {}

/// The length in meters of the polyline through `points` along WGS84 geodesics: the sum of the
/// [`geodesic`](crate::geodesic) distances between consecutive points, added up in order as
/// pyproj's `Geod.line_length` does (so the two agree to the last bit). Fewer than two points
/// give 0.
///
/// # Examples
///
/// ```
/// use geodist::{geodesic, line_length, Point};
///
/// let track = [Point::new(0.0, 0.0)?, Point::new(0.0, 1.0)?, Point::new(1.0, 1.0)?];
/// let length = line_length(&track);
/// assert_eq!(length, geodesic(track[0], track[1]) + geodesic(track[1], track[2]));
/// assert_eq!(line_length(&track[..1]), 0.0);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[must_use]
pub fn line_length(points: &[Point]) -> f64 {
    points.windows(2).fold(0.0, |total, pair| {
        total + geodesic_deg(pair[0].lat(), pair[0].lon(), pair[1].lat(), pair[1].lon())
    })
}
