//! The area and perimeter of a geodesic polygon on WGS84: `geod_polygonarea` from
//! GeographicLib's `geodesic.c` (`geod_polygon_addpoint` and `geod_polygon_compute` with
//! `reverse = FALSE, sign = TRUE`), with its error-free accumulators, `transit` and
//! `areareduceA`.
//!
//! The area is the sum over the edges of `S12`, the area between each edge and the equator
//! (from the inverse solution), with the number of times the edges cross the prime meridian
//! deciding whether the polygon encircles a pole; the sum is kept in double-double so that a
//! country-sized polygon loses nothing to the cancellation of continent-sized terms.

use std::f64::consts::PI;

use super::angle::{ang_diff, ang_normalize, remainder, sumx};
use super::inverse;
use super::series::C2;

/// The area of the ellipsoid, `4π c²` in square meters (C's `4 * pi * g->c2`).
const AREA0: f64 = 4.0 * PI * C2;

/// The signed area (counter-clockwise positive) and perimeter of the polygon whose vertices are
/// the `n` points `vertex(i)`, `(lat, lon)` in degrees, already validated.
pub(super) fn area_perimeter(n: usize, vertex: impl Fn(usize) -> (f64, f64)) -> (f64, f64) {
    if n < 2 {
        return (0.0, 0.0);
    }
    let mut perimeter = Accumulator::default();
    let mut area = Accumulator::default();
    let mut crossings = 0;
    // The edges are solved a chunk at a time, four Newton iterations side by side (see
    // `solve_all`), and then added in order, as geod_polygon_addpoint adds them.
    const CHUNK: usize = 128;
    let edges = n - 1;
    let mut solved = [(0.0, 0.0); CHUNK];
    for start in (0..edges).step_by(CHUNK) {
        let len = CHUNK.min(edges - start);
        let edge = |k: usize| {
            let ((lat1, lon1), (lat2, lon2)) = (vertex(start + k), vertex(start + k + 1));
            [lat1, lon1, lat2, lon2]
        };
        inverse::solve_all::<true>(len, edge, |k, solution| {
            solved[k] = (solution.s12, solution.area);
        });
        for (k, &(s12, s12_area)) in solved[..len].iter().enumerate() {
            perimeter.add(s12);
            area.add(s12_area);
            crossings += transit(vertex(start + k).1, vertex(start + k + 1).1);
        }
    }
    // geod_polygon_compute: close the polygon back to the first vertex.
    let (lat0, lon0) = vertex(0);
    let (lat, lon) = vertex(n - 1);
    let closing = inverse::solve::<true>(lat, lon, lat0, lon0);
    let perimeter = perimeter.sum(closing.s12);
    area.add(closing.area);
    let area = reduce_area(area, crossings + transit(lon, lon0));
    (area, perimeter)
}

/// `areareduceA` with `reverse = FALSE, sign = TRUE`: the accumulated (clockwise) area reduced
/// to the counter-clockwise convention in `(-area0/2, area0/2]`.
fn reduce_area(mut area: Accumulator, crossings: i32) -> f64 {
    area.remainder(AREA0);
    if crossings & 1 != 0 {
        area.add((if area.hi < 0.0 { 1.0 } else { -1.0 }) * AREA0 / 2.0);
    }
    // area is with the clockwise sense. Convert to the counter-clockwise convention.
    area.negate();
    // Put area in (-area0/2, area0/2].
    if area.hi > AREA0 / 2.0 {
        area.add(-AREA0);
    } else if area.hi <= -AREA0 / 2.0 {
        area.add(AREA0);
    }
    0.0 + area.hi
}

/// 1 or -1 if the edge from `lon1` to `lon2` crosses the prime meridian going east or west,
/// otherwise 0 (C's `transit`). The longitude difference is computed as the inverse does.
fn transit(lon1: f64, lon2: f64) -> i32 {
    let (lon12, _) = ang_diff(lon1, lon2);
    let lon1 = ang_normalize(lon1);
    let lon2 = ang_normalize(lon2);
    if lon12 > 0.0 && ((lon1 < 0.0 && lon2 >= 0.0) || (lon1 > 0.0 && lon2 == 0.0)) {
        1
    } else if lon12 < 0.0 && lon1 >= 0.0 && lon2 < 0.0 {
        -1
    } else {
        0
    }
}

/// An error-free double-double accumulator (C's two-element `s[]` with `accadd` and friends):
/// `hi + lo` is the exact sum of everything added, to within the rounding of `lo`.
#[derive(Debug, Clone, Copy, Default)]
struct Accumulator {
    hi: f64,
    lo: f64,
}

impl Accumulator {
    /// `accadd`: adds `y`.
    fn add(&mut self, y: f64) {
        let (z, u) = sumx(y, self.lo);
        let (hi, lo) = sumx(z, self.hi);
        self.hi = hi;
        self.lo = lo;
        if self.hi == 0.0 {
            self.hi = u;
        } else {
            self.lo += u;
        }
    }

    /// `accsum`: the sum with `y` added, leaving the accumulator as it is.
    fn sum(mut self, y: f64) -> f64 {
        self.add(y);
        self.hi
    }

    /// `accneg`.
    fn negate(&mut self) {
        self.hi = -self.hi;
        self.lo = -self.lo;
    }

    /// `accrem`: reduces to `[-y/2, y/2]`.
    fn remainder(&mut self, y: f64) {
        self.hi = remainder(self.hi, y);
        self.add(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accumulator_keeps_what_a_double_drops() {
        let mut sum = Accumulator::default();
        for y in [1e16, 1.0, -1e16, 1.0] {
            sum.add(y);
        }
        assert_eq!(sum.hi, 2.0);
        assert_eq!(Accumulator::default().sum(0.5), 0.5);
    }

    #[test]
    fn transit_counts_prime_meridian_crossings_by_direction() {
        assert_eq!(transit(-1.0, 1.0), 1);
        assert_eq!(transit(1.0, -1.0), -1);
        // Arriving at 0 counts going east only, so that a vertex on the meridian counts once.
        assert_eq!(transit(1.0, 0.0), 0);
        assert_eq!(transit(-1.0, 0.0), 1);
        assert_eq!(transit(179.0, -179.0), 0);
        assert_eq!(transit(10.0, 20.0), 0);
    }

    #[test]
    fn the_area_of_the_ellipsoid_is_four_pi_c_squared() {
        assert!((AREA0 - 510_065_621_724_088.44).abs() < 1.0);
    }
}
