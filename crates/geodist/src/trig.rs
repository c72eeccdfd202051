//! Branch-free polynomial kernels (sine and cosine, and their squares, in degrees; atan2 of
//! non-negative arguments) that LLVM can inline and vectorize, unlike calls into the
//! platform's libm.
//!
//! The polynomials are the classic fdlibm kernels (`__kernel_sin` on `[-π/4, π/4]` and the
//! `atan` kernel on `[-7/16, 7/16]`, each within about one ulp),
//! from Sun Microsystems' freely distributable fdlibm ("Developed at SunPro, a Sun
//! Microsystems, Inc. business. Permission to use, copy, modify, and distribute this
//! software is freely granted, provided that this notice is preserved."). Argument reduction
//! is done exactly in degrees, so no Payne–Hanek or Cody–Waite step is needed.

/// `1.5 · 2⁵²`: adding and subtracting it rounds a double of magnitude below 2⁵¹ to the
/// nearest integer (ties to even) using only additions, which vectorize on every target.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

const S1: f64 = f64::from_bits(0xBFC5_5555_5555_5549);
const S2: f64 = f64::from_bits(0x3F81_1111_1110_F8A6);
const S3: f64 = f64::from_bits(0xBF2A_01A0_19C1_61D5);
const S4: f64 = f64::from_bits(0x3EC7_1DE3_57B1_FE7D);
const S5: f64 = f64::from_bits(0xBE5A_E5E6_8A2B_9CEB);
const S6: f64 = f64::from_bits(0x3DE5_D93A_5ACF_D57C);

const AT: [f64; 11] = [
    f64::from_bits(0x3FD5_5555_5555_550D),
    f64::from_bits(0xBFC9_9999_9998_EBC4),
    f64::from_bits(0x3FC2_4924_9200_83FF),
    f64::from_bits(0xBFBC_71C6_FE23_1671),
    f64::from_bits(0x3FB7_45CD_C54C_206E),
    f64::from_bits(0xBFB3_B0F2_AF74_9A6D),
    f64::from_bits(0x3FB1_0D66_A0D0_3D51),
    f64::from_bits(0xBFAD_DE2D_52DE_FD9A),
    f64::from_bits(0x3FA9_7B4B_2476_0DEB),
    f64::from_bits(0xBFA2_B444_2C6A_6C2F),
    f64::from_bits(0x3F90_AD3A_E322_DA11),
];
/// `atan(1) = π/4` split into a double and the rounding error of that double.
const ATAN1_HI: f64 = std::f64::consts::FRAC_PI_4;
const ATAN1_LO: f64 = f64::from_bits(0x3C81_A626_3314_5C07);
/// `π/2` split the same way.
const PIO2_HI: f64 = std::f64::consts::FRAC_PI_2;
const PIO2_LO: f64 = f64::from_bits(0x3C91_A626_3314_5C07);

/// `(sin² x, cos² x)` for an angle `x` in degrees with `|x| ≤ 180`.
///
/// The reduction `r = x − 90·round(x/90)` is exact for `|x| ≤ 180` (Sterbenz), leaving
/// `|r| ≤ 45°`, where `sin² r ≤ 1/2`, so `cos² r = 1 − sin² r ≥ 1/2` loses nothing to
/// cancellation and needs no second polynomial. An odd quadrant swaps the two squares.
#[inline(always)]
pub(crate) fn sin_cos_squared_deg(x: f64) -> (f64, f64) {
    let quadrant = (x * (1.0 / 90.0) + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (x - 90.0 * quadrant) * (std::f64::consts::PI / 180.0);
    let half = 0.5 * quadrant;
    let odd = (half + ROUND_MAGIC) - ROUND_MAGIC != half;
    let s = kernel_sin(r);
    let s2 = s * s;
    let c2 = 1.0 - s2;
    if odd { (c2, s2) } else { (s2, c2) }
}

/// `(sin x, cos x)` for an angle `x` in degrees with `|x| ≤ 180`, each within about one ulp.
///
/// The same exact reduction as [`sin_cos_squared_deg`]; on `|r| ≤ 45°` the cosine is
/// `√(1 − sin² r)` with `1 − sin² r ≥ 1/2`, as accurate as a second polynomial and cheaper.
/// Multiples of 90° give exact zeros and ones, so the poles and the antimeridian map to exact
/// unit vectors.
#[inline(always)]
pub(crate) fn sin_cos_deg(x: f64) -> (f64, f64) {
    let quadrant = (x * (1.0 / 90.0) + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (x - 90.0 * quadrant) * (std::f64::consts::PI / 180.0);
    let s = kernel_sin(r);
    let c = (1.0 - s * s).sqrt();
    // `quadrant` is an integer in [-2, 2]; rotate (s, c) by that many quarter turns.
    match quadrant as i64 & 3 {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// `sin x` for `|x| ≤ π/4` (fdlibm `__kernel_sin` with no tail).
#[inline(always)]
fn kernel_sin(x: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    let v = z * x;
    x + v * (S1 + z * r)
}

/// `atan2(y, x)` in `[0, π/2]` for `y, x ≥ 0`, not both zero.
///
/// With `t = min/max`, `atan t` comes from the fdlibm kernel directly when `t ≤ 7/16`, and as
/// `π/4 + atan((t − 1)/(t + 1))` otherwise, where `(t − 1)/(t + 1) ∈ [−0.40, 0]`. Choosing
/// the numerator and denominator before dividing leaves one division instead of two.
#[inline(always)]
pub(crate) fn atan2_nonneg(y: f64, x: f64) -> f64 {
    let steep = y > x;
    let (num, den) = if steep { (x, y) } else { (y, x) };
    let shifted = num > (7.0 / 16.0) * den;
    let (p, q) = if shifted { (num - den, num + den) } else { (num, den) };
    let t = p / q;
    let z = t * t;
    let w = z * z;
    let s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
    let s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
    let a = if shifted { ATAN1_HI - ((t * (s1 + s2) - ATAN1_LO) - t) } else { t - t * (s1 + s2) };
    if steep { PIO2_HI - (a - PIO2_LO) } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place, for values of like sign.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn squares_match_libm_on_the_exactly_reduced_angle() {
        // libm's sin(-π) is not 0 because π is rounded; compare the kernels on the same
        // exactly reduced angle instead, and check the reduction by the exact cases below.
        let mut x = -180.0;
        while x <= 180.0 {
            let (s2, c2) = sin_cos_squared_deg(x);
            let q = (x / 90.0).round_ties_even();
            let (s, c) = ((x - 90.0 * q).to_radians()).sin_cos();
            let (s, c) = if q % 2.0 == 0.0 { (s, c) } else { (c, s) };
            assert!((s2 - s * s).abs() <= 4.0 * f64::EPSILON * s * s, "{x}");
            assert!((c2 - c * c).abs() <= 4.0 * f64::EPSILON * c * c, "{x}");
            x += 0.012_345;
        }
    }

    #[test]
    fn sine_and_cosine_match_libm_within_two_ulps_of_one() {
        let mut x = -180.0;
        while x <= 180.0 {
            let (s, c) = sin_cos_deg(x);
            let q = (x / 90.0).round_ties_even();
            let (rs, rc) = ((x - 90.0 * q).to_radians()).sin_cos();
            let (es, ec) = match q as i64 & 3 {
                0 => (rs, rc),
                1 => (rc, -rs),
                2 => (-rs, -rc),
                _ => (-rc, rs),
            };
            assert!((s - es).abs() <= 2.0 * f64::EPSILON, "sin {x}: {s} vs {es}");
            assert!((c - ec).abs() <= 2.0 * f64::EPSILON, "cos {x}: {c} vs {ec}");
            x += 0.012_345;
        }
        for (x, s, c) in [(0.0, 0.0, 1.0), (90.0, 1.0, 0.0), (-90.0, -1.0, 0.0), (180.0, 0.0, -1.0)]
        {
            let (got_s, got_c) = sin_cos_deg(x);
            assert!(got_s == s && got_c == c, "{x}: ({got_s}, {got_c})");
        }
        assert_eq!(sin_cos_deg(-180.0).1, -1.0);
    }

    #[test]
    fn quadrant_boundaries_are_exact() {
        for (x, s2, c2) in [
            (0.0, 0.0, 1.0),
            (90.0, 1.0, 0.0),
            (-90.0, 1.0, 0.0),
            (180.0, 0.0, 1.0),
            (-180.0, 0.0, 1.0),
        ] {
            assert_eq!(sin_cos_squared_deg(x), (s2, c2), "{x}");
        }
    }

    #[test]
    fn atan2_matches_libm_within_two_ulps() {
        let mut t = 0.0;
        while t <= 1.0 {
            for (y, x) in [(t, 1.0), (1.0, t), (t * 3.0, 3.0)] {
                let ours = atan2_nonneg(y, x);
                let libm = y.atan2(x);
                assert!(ulps(ours, libm) <= 2, "atan2({y}, {x}): {ours} vs {libm}");
            }
            t += 1.0 / 4096.0 + 1e-9;
        }
        assert_eq!(atan2_nonneg(0.0, 1.0), 0.0);
        assert_eq!(atan2_nonneg(1.0, 0.0), std::f64::consts::FRAC_PI_2);
        assert_eq!(atan2_nonneg(1.0, 1.0), std::f64::consts::FRAC_PI_4);
    }
}
