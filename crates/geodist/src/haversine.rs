//! Great-circle distance on a sphere (haversine), well-conditioned at every separation.
//!
//! The textbook haversine `2·asin(min(1, √h))` with
//! `h = sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2)` is ill-conditioned near the antipode: `asin`
//! has an infinite slope at 1, so one rounding in `√h` costs about 1e-8 rad (≈ 6 cm), and the
//! clamp hides rather than fixes it. The `atan2(√h, √(1 − h))` form is well-conditioned in the
//! angle, but `1 − h` computed by subtraction carries the same absolute error as `h`.
//!
//! We therefore use the atan2 form with *both* `h` and `1 − h` written as sums of
//! non-negative terms (using `cos φ₁ cos φ₂ = cos²(Δφ/2) − sin²(Σφ/2)`):
//!
//! ```text
//!     h   = sin²(Δφ/2)·cos²(Δλ/2) + cos²(Σφ/2)·sin²(Δλ/2)
//!   1 − h = cos²(Δφ/2)·cos²(Δλ/2) + sin²(Σφ/2)·sin²(Δλ/2)
//!   σ     = 2·atan2(√h, √(1 − h))
//! ```
//!
//! Neither sum cancels, so both are accurate to a few ulps relative, and so is σ, from
//! coincident points to exact antipodes. The longitude difference is taken exactly across the
//! antimeridian (see `longitude_difference`). What the tests measure: within 1e-13 relative of
//! the textbook formula where that is well conditioned, within 4e-16 rad of the exact angle
//! along the equator up to a nanodegree from the antipode, exact at coincident points, poles
//! and antipodes, and short lines across the antimeridian within 2 ulps of the same lines
//! turned away from it. It needs three sine/cosine pairs (of `Δφ/2`,
//! `Σφ/2` and `Δλ/2`) instead of four separate trigonometric calls. The pairs and the
//! arctangent come from the branch-free polynomial kernels in `trig`, which reduce the
//! argument exactly in degrees; the kernel has no calls and no branches, so the batch loop
//! in [`crate::batch::haversine`] autovectorizes.

use crate::{GeodistError, Point, trig};

/// The mean Earth radius `R₁ = (2a + b)/3` of WGS84, in meters: the default sphere radius.
///
/// # Examples
///
/// ```
/// use geodist::{haversine, Point, MEAN_EARTH_RADIUS_M};
///
/// // A quarter of the equator on the mean sphere.
/// let d = haversine(Point::new(0.0, 0.0)?, Point::new(0.0, 90.0)?);
/// assert!((d - MEAN_EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in meters between two points on a sphere of radius
/// [`MEAN_EARTH_RADIUS_M`].
///
/// # Examples
///
/// ```
/// use geodist::{haversine, Point};
///
/// let paris = Point::new(48.8566, 2.3522)?;
/// let london = Point::new(51.5074, -0.1278)?;
/// let d = haversine(paris, london);
/// assert!((d - 343_556.53).abs() < 0.01, "{d}");
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[must_use]
#[inline]
pub fn haversine(a: Point, b: Point) -> f64 {
    MEAN_EARTH_RADIUS_M * central_angle(a.lat(), a.lon(), b.lat(), b.lon())
}

/// Great-circle distance between two points on a sphere of radius `radius_m`, in the unit of
/// the radius (meters by convention).
///
/// # Errors
///
/// [`GeodistError::InvalidRadius`] when `radius_m` is not a finite number greater than zero.
///
/// # Examples
///
/// ```
/// use geodist::{haversine_with_radius, Point};
///
/// let a = Point::new(0.0, 0.0)?;
/// let b = Point::new(0.0, 180.0)?;
/// let half_circumference = haversine_with_radius(a, b, 1.0)?;
/// assert_eq!(half_circumference, std::f64::consts::PI);
/// assert!(haversine_with_radius(a, b, -1.0).is_err());
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[inline]
pub fn haversine_with_radius(a: Point, b: Point, radius_m: f64) -> Result<f64, GeodistError> {
    check_radius(radius_m)?;
    Ok(radius_m * central_angle(a.lat(), a.lon(), b.lat(), b.lon()))
}

/// Rejects a radius that is NaN, infinite, zero or negative.
pub(crate) fn check_radius(radius_m: f64) -> Result<(), GeodistError> {
    if radius_m.is_finite() && radius_m > 0.0 {
        Ok(())
    } else {
        Err(GeodistError::InvalidRadius { value: radius_m })
    }
}

/// The central angle in radians, in `[0, π]`, between two valid points given in degrees.
///
/// Branch-free and call-free (see the module comment) so that loops over it vectorize; the
/// scalar functions use it too, which makes batch and scalar results bit-identical.
#[inline(always)]
pub(crate) fn central_angle(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (sin2_dlat, cos2_dlat) = trig::sin_cos_squared_deg(0.5 * (lat2 - lat1));
    let (sin2_mlat, cos2_mlat) = trig::sin_cos_squared_deg(0.5 * (lat1 + lat2));
    let (sin2_dlon, cos2_dlon) = trig::sin_cos_squared_deg(0.5 * longitude_difference(lon1, lon2));
    let h = sin2_dlat * cos2_dlon + cos2_mlat * sin2_dlon;
    let one_minus_h = cos2_dlat * cos2_dlon + sin2_mlat * sin2_dlon;
    2.0 * trig::atan2_nonneg(h.sqrt(), one_minus_h.sqrt())
}

/// `lon2 - lon1` reduced to `[-180, 180]` (give or take an ulp at the ends), accurate to an ulp
/// of the result, for longitudes in `[-180, 180]`; branch-free, so the batch loop vectorizes.
///
/// Across the antimeridian the plain difference is near ±360, and rounding it there costs an
/// ulp of 360 (6e-14 degrees, 6 nm), which is all of a short line's length. So the difference
/// is split exactly into its rounded value and the rounding error (Knuth's two-sum), the
/// rounded value is brought near 0 by subtracting a multiple of 360 (exact by Sterbenz's
/// lemma), and only then is the error added back, as the ellipsoidal code's `ang_diff` does.
#[inline(always)]
fn longitude_difference(lon1: f64, lon2: f64) -> f64 {
    /// `1.5 · 2⁵²`, as in `trig`: adding and subtracting it rounds to an integer.
    const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
    let minus_lon1 = -lon1;
    let d = lon2 + minus_lon1;
    let minus_lon1_part = d - lon2;
    let error = (lon2 - (d - minus_lon1_part)) + (minus_lon1 - minus_lon1_part);
    let turns = (d * (1.0 / 360.0) + ROUND_MAGIC) - ROUND_MAGIC;
    (d - 360.0 * turns) + error
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// The textbook formula with the platform's libm, for comparison away from the antipode.
    fn textbook(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
        let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
        let dp = (lat2 - lat1).to_radians();
        let dl = (lon2 - lon1).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * h.sqrt().atan2((1.0 - h).sqrt())
    }

    #[test]
    fn agrees_with_the_textbook_formula_where_that_is_well_conditioned() {
        let mut rng = crate::test_rng::XorShift::new(0x9E37_79B9_7F4A_7C15);
        let mut next = |lo: f64, hi: f64| rng.uniform(lo, hi);
        for _ in 0..100_000 {
            let (lat1, lon1) = (next(-90.0, 90.0), next(-180.0, 180.0));
            let (lat2, lon2) = (next(-90.0, 90.0), next(-180.0, 180.0));
            let ours = central_angle(lat1, lon1, lat2, lon2);
            let theirs = textbook(lat1, lon1, lat2, lon2);
            if theirs > 1e-3 && theirs < PI - 1e-3 {
                let rel = (ours - theirs).abs() / theirs;
                assert!(rel < 1e-13, "{lat1} {lon1} {lat2} {lon2}: {ours} vs {theirs}");
            }
        }
    }

    #[test]
    fn exact_special_values() {
        assert_eq!(central_angle(0.0, 0.0, 0.0, 0.0), 0.0);
        assert_eq!(central_angle(12.5, -170.0, 12.5, -170.0), 0.0);
        assert_eq!(central_angle(0.0, 0.0, 0.0, 180.0), PI);
        assert_eq!(central_angle(90.0, 0.0, -90.0, 0.0), PI);
        assert_eq!(central_angle(0.0, -180.0, 0.0, 180.0), 0.0);
        assert_eq!(central_angle(90.0, 10.0, 90.0, -120.0), 0.0);
        assert!((central_angle(0.0, 0.0, 0.0, 90.0) - PI / 2.0).abs() <= 2e-16);
        assert!((central_angle(0.0, 0.0, 90.0, 0.0) - PI / 2.0).abs() <= 2e-16);
    }

    #[test]
    fn near_antipodal_pairs_keep_full_relative_accuracy() {
        // On the equator the central angle is exactly |Δλ|, so the deficit from π is known
        // exactly; the textbook asin form loses about half of its digits here.
        for deficit_deg in [1e-9, 1e-7, 1e-5, 1e-3] {
            let angle = central_angle(0.0, 0.0, 0.0, 180.0 - deficit_deg);
            let expected = PI - deficit_deg.to_radians();
            assert!((angle - expected).abs() <= 4e-16, "{deficit_deg}: {angle} vs {expected}");
        }
    }

    #[test]
    fn longitude_differences_are_exact_across_the_antimeridian() {
        assert_eq!(longitude_difference(179.0, -179.0), 2.0);
        assert_eq!(longitude_difference(-179.0, 179.0), -2.0);
        assert_eq!(longitude_difference(180.0, -180.0), 0.0);
        assert_eq!(longitude_difference(0.0, 180.0), 180.0);
        assert_eq!(longitude_difference(10.0, -170.0), -180.0);
        // 179.99999999 and -179.99999999 are 2e-8 degrees apart, up to their own rounding.
        let (a, b) = (179.999_999_99_f64, -179.999_999_99_f64);
        let exact = (180.0 - a) + (b + 180.0); // both exact (Sterbenz)
        assert_eq!(longitude_difference(a, b), exact);
    }

    #[test]
    fn short_lines_across_the_antimeridian_are_as_accurate_as_elsewhere() {
        // Turning both points by 180 degrees of longitude does not change the distance; on the
        // turned side the longitudes are small and their difference is exact, so the kernel
        // sees the same angle either way, and the results agree to a few ulps.
        let mut rng = crate::test_rng::XorShift::new(0xA171_3E81_D1A0_0001);
        let mut worst = 0_u64;
        for _ in 0..100_000 {
            let lat1 = rng.uniform(-89.0, 89.0);
            let lat2 = lat1 + rng.uniform(-1e-3, 1e-3);
            let (d1, d2) =
                (10f64.powf(rng.uniform(-9.0, -1.0)), 10f64.powf(rng.uniform(-9.0, -1.0)));
            // The longitudes near ±180 are rounded; their distances to ±180 are exact
            // (Sterbenz), and those are the turned longitudes.
            let (lon1, lon2) = (180.0 - d1, -180.0 + d2);
            let across = central_angle(lat1, lon1, lat2, lon2);
            let turned = central_angle(lat1, lon1 - 180.0, lat2, lon2 + 180.0);
            worst = worst.max(across.to_bits().abs_diff(turned.to_bits()));
        }
        assert!(worst <= 2, "{worst} ulps");
    }

    #[test]
    fn radius_must_be_finite_and_positive() {
        for radius in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(check_radius(radius).is_err(), "{radius}");
        }
        assert!(check_radius(f64::MIN_POSITIVE).is_ok());
    }
}
