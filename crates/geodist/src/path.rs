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
    /// included, at most this many meters, up to rounding: the count is computed in floating
    /// point, as pyproj computes it (see [`intermediate`]). This is pyproj's `del_s` with
    /// `GeodIntermediateFlag.NPTS_CEIL`; pyproj's default rounds the count to the nearest
    /// integer instead, so its gaps can be up to 1.5 times `del_s`.
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
/// distances, a few nanometers). A single point with the ends included is `start` (computed,
/// like every first point with the ends included, at distance 0 along the line, so within a
/// few nanometers of it); coincident points give no points between them. This is what pyproj
/// computes, except that pyproj divides by zero in those two cases and raises
/// `ZeroDivisionError`.
///
/// With [`Spacing::MaxMeters`] `m`, `n` is the smallest count whose gap is at most `m`, computed
/// as PROJ's and pyproj's code computes it, in `f64` arithmetic from the line's length `d` as
/// measured along the line ([`Intermediate::distance_m`], what pyproj's `inv_intermediate`
/// reports as `dist`; it can differ from [`geodesic`](crate::geodesic) in the last bit or two):
/// `ceil(d / m) - 1` points without the ends, `ceil(d / m + 1)` with them, each operation
/// rounded. So the count agrees with pyproj's on every line, but where `d / m` lies within a
/// rounding error of a whole number it can be one less than exact arithmetic would give (the
/// division or the `+ 1` rounds down onto that number), and the gaps then exceed `m` by a few
/// parts in 10^16, under a nanometer on the Earth; and a line shorter than about `m / 10^16`
/// with the ends included is its start alone.
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
    /// [`len`](ExactSizeIterator::len) elements.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::XorShift;

    /// Lines and spacings where `d / m` lies within a few units in the last place of a whole
    /// number, which is where the count depends on how it is rounded.
    fn boundary_cases() -> impl Iterator<Item = (Point, Point, f64)> {
        let mut rng = XorShift::new(0x5EED_C0DE_2022_0001);
        (0..3000).map(move |_| {
            let start = Point::new(rng.uniform(-89.0, 89.0), rng.uniform(-180.0, 180.0)).unwrap();
            let end = Point::new(rng.uniform(-89.0, 89.0), rng.uniform(-180.0, 180.0)).unwrap();
            let gaps = 1.0 + (rng.unit() * 60.0).floor();
            let ulps = (rng.unit() * 7.0).floor() - 3.0;
            let max_m = crate::geodesic(start, end) / gaps * (1.0 + ulps * f64::EPSILON);
            (start, end, max_m)
        })
    }

    #[test]
    fn the_count_for_a_spacing_is_computed_in_floating_point_from_the_lines_own_length() {
        let (mut below_exact, mut not_from_geodesic) = (0, 0);
        for (start, end, max_m) in boundary_cases() {
            for endpoints in [Endpoints::Exclude, Endpoints::Include] {
                let points = intermediate(start, end, Spacing::MaxMeters(max_m), endpoints);
                let points = points.unwrap();
                let d = points.distance_m();
                let documented = match endpoints {
                    Endpoints::Exclude => ((d / max_m).ceil() - 1.0).max(0.0),
                    Endpoints::Include => (d / max_m + 1.0).ceil(),
                };
                assert_eq!(points.len() as f64, documented, "{start:?} {end:?} {max_m}");
                // The count that exact arithmetic gives: `g` gaps with `g * m >= d`, the fewest
                // (`mul_add` rounds once, so the sign of `d - g * m` is exact).
                let gaps = (d / max_m).ceil().max(1.0);
                let exact_gaps = if (-gaps).mul_add(max_m, d) > 0.0 { gaps + 1.0 } else { gaps };
                let exact = match endpoints {
                    Endpoints::Exclude => exact_gaps - 1.0,
                    Endpoints::Include => exact_gaps + 1.0,
                };
                if (points.len() as f64) < exact {
                    below_exact += 1;
                    // One short, with gaps longer than the spacing by a few parts in 1e16.
                    assert_eq!(points.len() as f64, exact - 1.0);
                    assert!(points.step_m() <= max_m * (1.0 + 4.0 * f64::EPSILON));
                }
                let s12 = crate::geodesic(start, end);
                let from_geodesic = match endpoints {
                    Endpoints::Exclude => ((s12 / max_m).ceil() - 1.0).max(0.0),
                    Endpoints::Include => (s12 / max_m + 1.0).ceil(),
                };
                not_from_geodesic += usize::from(points.len() as f64 != from_geodesic);
            }
        }
        // The cases the documentation warns about do occur, and the test sees them.
        assert!(below_exact > 100, "{below_exact}");
        assert!(not_from_geodesic > 50, "{not_from_geodesic}");
    }
}
