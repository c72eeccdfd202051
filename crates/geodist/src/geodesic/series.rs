//! The WGS84 ellipsoid's constants and the order-6 series of Karney (2013), with the
//! `n`-dependent coefficient tables (A3, C3) evaluated once at compile time.
//!
//! Compile-time float arithmetic in Rust is IEEE round-to-nearest, the same as at run time,
//! so the tables are bit-identical to what `geod_init` computes in C. The tests check that.

use super::real::Real;

/// Equatorial radius `a` in meters.
pub(super) const A: f64 = 6_378_137.0;
/// Flattening `f`.
pub(super) const F: f64 = 1.0 / 298.257_223_563;
/// `1 - f`.
pub(super) const F1: f64 = 1.0 - F;
/// Eccentricity squared `e² = f(2 - f)`.
pub(super) const E2: f64 = F * (2.0 - F);
/// Second eccentricity squared `e'² = e² / (1 - e²)`, as `e2 / sq(f1)`.
pub(super) const EP2: f64 = E2 / (F1 * F1);
/// Third flattening `n = f / (2 - f)`.
pub(super) const N: f64 = F / (2.0 - F);
/// Polar semi-axis `b` in meters.
pub(super) const B: f64 = A * F1;
/// The authalic radius squared, `c² = (a² + b² atanh(e) / e) / 2`, in square meters: the area
/// of the ellipsoid is `4π c²`.
///
/// C computes it at run time with libm's `atanh`; its bits are written out here as glibc's
/// `atanh` gives them (Rust's `f64::atanh` is not libm's, and a const cannot call it). The
/// tests recompute it.
pub(super) const C2: f64 = f64::from_bits(0x42C2_7544_4B27_B961);

/// Series order (`GEOGRAPHICLIB_GEODESIC_ORDER`); all of nA1, nC1, nA2, nC2, nA3, nC3 equal it.
pub(super) const ORDER: usize = 6;
/// Length of coefficient arrays, `nC = ORDER + 1`; index 0 is unused by the sine series.
pub(super) const NC: usize = ORDER + 1;

/// Horner's rule written out, exactly as C's `polyvalx` evaluates it (no FMA):
/// `horner!(x; p0, p1, p2)` is `(x * p0 + p1) * x + p2` (C's `p0 * x` first; IEEE
/// multiplication commutes exactly, and this order lets `x` be a [`Real`] of several lanes).
///
/// The C code loops over coefficient tables; writing the polynomials out lets the compiler
/// keep every coefficient in an instruction and every term in a register, with the same
/// operations in the same order. The tests compare both forms bit for bit.
macro_rules! horner {
    ($x:expr; $p0:expr, $($p:expr),+) => { horner!(@acc $x; ($x * $p0); $($p),+) };
    (@acc $x:expr; $acc:expr; $p:expr) => { $acc + $p };
    (@acc $x:expr; $acc:expr; $p:expr, $($rest:expr),+) => {
        horner!(@acc $x; (($acc + $p) * $x); $($rest),+)
    };
}

/// Evaluates `sum(c[i] * sin(2 i σ), i = 1..=TERMS)` by Clenshaw summation, given `sin σ` and
/// `cos σ` (C's `SinCosSeries` with `sinp = TRUE`; `c[0]` is unused).
#[inline(always)]
pub(super) fn sin_series<const TERMS: usize, T: Real>(sinx: T, cosx: T, c: &[T; NC]) -> T {
    let (y0, _) = clenshaw::<TERMS, 1, T>(sinx, cosx, c);
    // sin(2 * x) * y0
    sinx * 2.0 * cosx * y0
}

/// Clenshaw's recurrence for `2 cos(2 σ)` over the `TERMS` coefficients `c[FIRST..FIRST +
/// TERMS]`, last first, as the C code runs it: the final two accumulators `(y0, y1)`.
#[inline(always)]
fn clenshaw<const TERMS: usize, const FIRST: usize, T: Real>(
    sinx: T,
    cosx: T,
    c: &[T; NC],
) -> (T, T) {
    // 2 * cos(2 * x)
    let ar = (cosx - sinx) * 2.0 * (cosx + sinx);
    let mut k = FIRST + TERMS;
    let mut y0 = if TERMS & 1 == 1 {
        k -= 1;
        c[k]
    } else {
        T::splat(0.0)
    };
    let mut y1 = T::splat(0.0);
    // Unrolled twice, so the accumulators return to their original roles.
    for _ in 0..TERMS / 2 {
        k -= 1;
        y1 = ar * y0 - y1 + c[k];
        k -= 1;
        y0 = ar * y1 - y0 + c[k];
    }
    (y0, y1)
}

/// `A1 - 1`, the scale factor of the distance integral.
#[inline(always)]
pub(super) fn a1m1f<T: Real>(eps: T) -> T {
    // (1-eps)*A1-1, polynomial in eps2 of order 3
    let t = horner!(eps * eps; 1.0, 4.0, 64.0, 0.0) / 256.0;
    (t + eps) / eps.rsub(1.0)
}

/// The coefficients `C1[l]`, `l = 1..=6`, of the Fourier series of the distance integral.
// `-1.0 * eps2` is C's `polyvalx` with a leading coefficient of -1; it is exact either way.
#[allow(clippy::neg_multiply)]
#[inline(always)]
pub(super) fn c1f<T: Real>(eps: T) -> [T; NC] {
    let eps2 = eps * eps;
    let d1 = eps;
    let d2 = d1 * eps;
    let d3 = d2 * eps;
    let d4 = d3 * eps;
    let d5 = d4 * eps;
    let d6 = d5 * eps;
    [
        T::splat(0.0),
        d1 * horner!(eps2; -1.0, 6.0, -16.0) / 32.0,
        d2 * horner!(eps2; -9.0, 64.0, -128.0) / 2048.0,
        d3 * horner!(eps2; 9.0, -16.0) / 768.0,
        d4 * horner!(eps2; 3.0, -5.0) / 512.0,
        d5 * -7.0 / 1280.0,
        d6 * -7.0 / 2048.0,
    ]
}

/// `A2 - 1`, the scale factor of the reduced-length integral.
#[inline(always)]
pub(super) fn a2m1f<T: Real>(eps: T) -> T {
    // (eps+1)*A2-1, polynomial in eps2 of order 3
    let t = horner!(eps * eps; -11.0, -28.0, -192.0, 0.0) / 256.0;
    (t - eps) / (eps + 1.0)
}

/// The coefficients `C2[l]`, `l = 1..=6`, of the reduced-length integral.
#[inline(always)]
pub(super) fn c2f<T: Real>(eps: T) -> [T; NC] {
    let eps2 = eps * eps;
    let d1 = eps;
    let d2 = d1 * eps;
    let d3 = d2 * eps;
    let d4 = d3 * eps;
    let d5 = d4 * eps;
    let d6 = d5 * eps;
    [
        T::splat(0.0),
        d1 * horner!(eps2; 1.0, 2.0, 16.0) / 32.0,
        d2 * horner!(eps2; 35.0, 64.0, 384.0) / 2048.0,
        d3 * horner!(eps2; 15.0, 80.0) / 768.0,
        d4 * horner!(eps2; 7.0, 35.0) / 512.0,
        d5 * 63.0 / 1280.0,
        d6 * 77.0 / 2048.0,
    ]
}

/// The coefficients `C1'[l]`, `l = 1..=6`, of the reverted distance series, which turns a
/// distance into an arc length on the auxiliary sphere (the direct problem).
#[inline(always)]
pub(super) fn c1pf<T: Real>(eps: T) -> [T; NC] {
    let eps2 = eps * eps;
    let d1 = eps;
    let d2 = d1 * eps;
    let d3 = d2 * eps;
    let d4 = d3 * eps;
    let d5 = d4 * eps;
    let d6 = d5 * eps;
    [
        T::splat(0.0),
        d1 * horner!(eps2; 205.0, -432.0, 768.0) / 1536.0,
        d2 * horner!(eps2; 4005.0, -4736.0, 3840.0) / 12288.0,
        d3 * horner!(eps2; -225.0, 116.0) / 384.0,
        d4 * horner!(eps2; -7173.0, 2695.0) / 7680.0,
        d5 * 3467.0 / 7680.0,
        d6 * 38081.0 / 61440.0,
    ]
}

/// `A3`, the scale factor of the longitude integral.
#[inline(always)]
pub(super) fn a3f<T: Real>(eps: T) -> T {
    let x = &A3X;
    horner!(eps; x[0], x[1], x[2], x[3], x[4], x[5])
}

/// The coefficients `C3[l]`, `l = 1..=5`, of the longitude integral (`c[6]` is 0).
#[inline(always)]
pub(super) fn c3f<T: Real>(eps: T) -> [T; NC] {
    let x = &C3X;
    let m1 = eps;
    let m2 = m1 * eps;
    let m3 = m2 * eps;
    let m4 = m3 * eps;
    let m5 = m4 * eps;
    [
        T::splat(0.0),
        m1 * horner!(eps; x[0], x[1], x[2], x[3], x[4]),
        m2 * horner!(eps; x[5], x[6], x[7], x[8]),
        m3 * horner!(eps; x[9], x[10], x[11]),
        m4 * horner!(eps; x[12], x[13]),
        m5 * x[14],
        T::splat(0.0),
    ]
}

/// The coefficients `C4[l]`, `l = 0..=5`, of the area integral (C's `C4f`; `c[6]` is 0).
#[inline(always)]
pub(super) fn c4f(eps: f64) -> [f64; NC] {
    let x = &C4X;
    // C multiplies the first polynomial by 1.0 too; that is exact, so it is left out.
    let m1 = eps;
    let m2 = m1 * eps;
    let m3 = m2 * eps;
    let m4 = m3 * eps;
    let m5 = m4 * eps;
    [
        horner!(eps; x[0], x[1], x[2], x[3], x[4], x[5]),
        m1 * horner!(eps; x[6], x[7], x[8], x[9], x[10]),
        m2 * horner!(eps; x[11], x[12], x[13], x[14]),
        m3 * horner!(eps; x[15], x[16], x[17]),
        m4 * horner!(eps; x[18], x[19]),
        m5 * x[20],
        0.0,
    ]
}

/// Evaluates `sum(c[i] * cos((2 i + 1) σ), i = 0..TERMS)` by Clenshaw summation, given `sin σ`
/// and `cos σ` (C's `SinCosSeries` with `sinp = FALSE`), for the area integral.
#[inline(always)]
pub(super) fn cos_series<const TERMS: usize, T: Real>(sinx: T, cosx: T, c: &[T; NC]) -> T {
    let (y0, y1) = clenshaw::<TERMS, 0, T>(sinx, cosx, c);
    cosx * (y0 - y1)
}

/// Coefficients of `A3` as a polynomial in `eps`, highest power first (C's `A3x`).
const A3X: [f64; ORDER] = a3_coefficients();
/// Coefficients of `C3[l]` as polynomials in `eps` (C's `C3x`).
const C3X: [f64; (ORDER * (ORDER - 1)) / 2] = c3_coefficients();

const fn a3_coefficients() -> [f64; ORDER] {
    const COEFF: [f64; 18] = [
        -3.0, 128.0, // A3, coeff of eps^5, polynomial in n of order 0
        -2.0, -3.0, 64.0, // A3, coeff of eps^4, polynomial in n of order 1
        -1.0, -3.0, -1.0, 16.0, // A3, coeff of eps^3, polynomial in n of order 2
        3.0, -1.0, -2.0, 8.0, // A3, coeff of eps^2, polynomial in n of order 2
        1.0, -1.0, 2.0, // A3, coeff of eps^1, polynomial in n of order 1
        1.0, 1.0, // A3, coeff of eps^0, polynomial in n of order 0
    ];
    let mut out = [0.0; ORDER];
    let (mut o, mut k) = (0, 0);
    let mut j = ORDER;
    while j > 0 {
        j -= 1; // coeff of eps^j
        let m = min(ORDER - j - 1, j); // order of polynomial in n
        out[k] = polyval_slice(m, &COEFF, o, N) / COEFF[o + m + 1];
        k += 1;
        o += m + 2;
    }
    out
}

const fn c3_coefficients() -> [f64; (ORDER * (ORDER - 1)) / 2] {
    const COEFF: [f64; 45] = [
        3.0, 128.0, // C3[1], coeff of eps^5, polynomial in n of order 0
        2.0, 5.0, 128.0, // C3[1], coeff of eps^4, polynomial in n of order 1
        -1.0, 3.0, 3.0, 64.0, // C3[1], coeff of eps^3, polynomial in n of order 2
        -1.0, 0.0, 1.0, 8.0, // C3[1], coeff of eps^2, polynomial in n of order 2
        -1.0, 1.0, 4.0, // C3[1], coeff of eps^1, polynomial in n of order 1
        5.0, 256.0, // C3[2], coeff of eps^5, polynomial in n of order 0
        1.0, 3.0, 128.0, // C3[2], coeff of eps^4, polynomial in n of order 1
        -3.0, -2.0, 3.0, 64.0, // C3[2], coeff of eps^3, polynomial in n of order 2
        1.0, -3.0, 2.0, 32.0, // C3[2], coeff of eps^2, polynomial in n of order 2
        7.0, 512.0, // C3[3], coeff of eps^5, polynomial in n of order 0
        -10.0, 9.0, 384.0, // C3[3], coeff of eps^4, polynomial in n of order 1
        5.0, -9.0, 5.0, 192.0, // C3[3], coeff of eps^3, polynomial in n of order 2
        7.0, 512.0, // C3[4], coeff of eps^5, polynomial in n of order 0
        -14.0, 7.0, 512.0, // C3[4], coeff of eps^4, polynomial in n of order 1
        21.0, 2560.0, // C3[5], coeff of eps^5, polynomial in n of order 0
    ];
    let mut out = [0.0; (ORDER * (ORDER - 1)) / 2];
    let (mut o, mut k) = (0, 0);
    let mut l = 1;
    while l < ORDER {
        let mut j = ORDER;
        while j > l {
            j -= 1; // coeff of eps^j
            let m = min(ORDER - j - 1, j); // order of polynomial in n
            out[k] = polyval_slice(m, &COEFF, o, N) / COEFF[o + m + 1];
            k += 1;
            o += m + 2;
        }
        l += 1;
    }
    out
}

/// Coefficients of `C4[l]` as polynomials in `eps` (C's `C4x`).
const C4X: [f64; (ORDER * (ORDER + 1)) / 2] = c4_coefficients();

const fn c4_coefficients() -> [f64; (ORDER * (ORDER + 1)) / 2] {
    #[rustfmt::skip]
    const COEFF: [f64; 77] = [
        97.0, 15015.0, // C4[0], coeff of eps^5, polynomial in n of order 0
        1088.0, 156.0, 45045.0, // C4[0], coeff of eps^4, polynomial in n of order 1
        -224.0, -4784.0, 1573.0, 45045.0, // C4[0], coeff of eps^3, polynomial in n of order 2
        -10656.0, 14144.0, -4576.0, -858.0, 45045.0, // C4[0], eps^2, order 3
        64.0, 624.0, -4576.0, 6864.0, -3003.0, 15015.0, // C4[0], eps^1, order 4
        100.0, 208.0, 572.0, 3432.0, -12012.0, 30030.0, 45045.0, // C4[0], eps^0, order 5
        1.0, 9009.0, // C4[1], coeff of eps^5, polynomial in n of order 0
        -2944.0, 468.0, 135135.0, // C4[1], coeff of eps^4, polynomial in n of order 1
        5792.0, 1040.0, -1287.0, 135135.0, // C4[1], coeff of eps^3, polynomial in n of order 2
        5952.0, -11648.0, 9152.0, -2574.0, 135135.0, // C4[1], eps^2, order 3
        -64.0, -624.0, 4576.0, -6864.0, 3003.0, 135135.0, // C4[1], eps^1, order 4
        8.0, 10725.0, // C4[2], coeff of eps^5, polynomial in n of order 0
        1856.0, -936.0, 225225.0, // C4[2], coeff of eps^4, polynomial in n of order 1
        -8448.0, 4992.0, -1144.0, 225225.0, // C4[2], coeff of eps^3, polynomial in n of order 2
        -1440.0, 4160.0, -4576.0, 1716.0, 225225.0, // C4[2], eps^2, order 3
        -136.0, 63063.0, // C4[3], coeff of eps^5, polynomial in n of order 0
        1024.0, -208.0, 105105.0, // C4[3], coeff of eps^4, polynomial in n of order 1
        3584.0, -3328.0, 1144.0, 315315.0, // C4[3], coeff of eps^3, polynomial in n of order 2
        -128.0, 135135.0, // C4[4], coeff of eps^5, polynomial in n of order 0
        -2560.0, 832.0, 405405.0, // C4[4], coeff of eps^4, polynomial in n of order 1
        128.0, 99099.0, // C4[5], coeff of eps^5, polynomial in n of order 0
    ];
    let mut out = [0.0; (ORDER * (ORDER + 1)) / 2];
    let (mut o, mut k) = (0, 0);
    let mut l = 0;
    while l < ORDER {
        let mut j = ORDER;
        while j > l {
            j -= 1; // coeff of eps^j
            let m = ORDER - j - 1; // order of polynomial in n
            out[k] = polyval_slice(m, &COEFF, o, N) / COEFF[o + m + 1];
            k += 1;
            o += m + 2;
        }
        l += 1;
    }
    out
}

/// [`polyval`] on `p[offset..]`, for const contexts where slicing is not available.
const fn polyval_slice(n: usize, p: &[f64], offset: usize, x: f64) -> f64 {
    let mut y = p[offset];
    let mut i = 1;
    while i <= n {
        y = y * x + p[offset + i];
        i += 1;
    }
    y
}

const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::super::angle::sq;
    use super::*;

    /// C's `polyvalx`, looping over a coefficient table.
    fn polyval(n: usize, p: &[f64], x: f64) -> f64 {
        polyval_slice(n, p, 0, x)
    }

    /// C's `C1f` and `C2f` loop over their coefficient tables.
    fn fourier_reference(coeff: &[f64; 18], eps: f64) -> [f64; NC] {
        let mut c = [0.0; NC];
        let eps2 = sq(eps);
        let mut d = eps;
        let mut o = 0;
        for (l, cl) in c.iter_mut().enumerate().skip(1) {
            let m = (ORDER - l) / 2;
            *cl = d * polyval(m, &coeff[o..], eps2) / coeff[o + m + 1];
            o += m + 2;
            d *= eps;
        }
        c
    }

    #[rustfmt::skip]
    const C1_COEFF: [f64; 18] = [
        -1.0, 6.0, -16.0, 32.0, -9.0, 64.0, -128.0, 2048.0, 9.0, -16.0, 768.0,
        3.0, -5.0, 512.0, -7.0, 1280.0, -7.0, 2048.0,
    ];
    #[rustfmt::skip]
    const C2_COEFF: [f64; 18] = [
        1.0, 2.0, 16.0, 32.0, 35.0, 64.0, 384.0, 2048.0, 15.0, 80.0, 768.0,
        7.0, 35.0, 512.0, 63.0, 1280.0, 77.0, 2048.0,
    ];

    /// C's `C3f`, looping over `C3x`.
    fn c3_reference(eps: f64) -> [f64; NC] {
        let mut c = [0.0; NC];
        let mut mult = 1.0;
        let mut o = 0;
        for (l, cl) in c.iter_mut().enumerate().take(ORDER).skip(1) {
            let m = ORDER - l - 1;
            mult *= eps;
            *cl = mult * polyval(m, &C3X[o..], eps);
            o += m + 1;
        }
        c
    }

    /// C's `SinCosSeries` with `sinp = TRUE`, with the number of terms at run time.
    fn sin_series_reference(sinx: f64, cosx: f64, c: &[f64; NC], n: usize) -> f64 {
        let ar = 2.0 * (cosx - sinx) * (cosx + sinx);
        let mut k = n + 1;
        let mut y0 = if n & 1 == 1 {
            k -= 1;
            c[k]
        } else {
            0.0
        };
        let mut y1 = 0.0;
        for _ in 0..n / 2 {
            k -= 1;
            y1 = ar * y0 - y1 + c[k];
            k -= 1;
            y0 = ar * y1 - y0 + c[k];
        }
        2.0 * sinx * cosx * y0
    }

    fn bits(values: [f64; NC]) -> [u64; NC] {
        values.map(f64::to_bits)
    }

    #[test]
    fn written_out_series_match_the_table_loops_bit_for_bit() {
        // WGS84's eps stays below 0.0017; go well beyond, including negative values.
        let mut eps = -0.05;
        while eps <= 0.05 {
            let x = std::hint::black_box(eps);
            assert_eq!(bits(c1f(x)), bits(fourier_reference(&C1_COEFF, x)), "C1 {x}");
            assert_eq!(bits(c2f(x)), bits(fourier_reference(&C2_COEFF, x)), "C2 {x}");
            assert_eq!(bits(c3f(x)), bits(c3_reference(x)), "C3 {x}");
            let a1 = (polyval(3, &[1.0, 4.0, 64.0, 0.0], sq(x)) / 256.0 + x) / (1.0 - x);
            assert_eq!(a1m1f(x).to_bits(), a1.to_bits(), "A1 {x}");
            let a2 = (polyval(3, &[-11.0, -28.0, -192.0, 0.0], sq(x)) / 256.0 - x) / (1.0 + x);
            assert_eq!(a2m1f(x).to_bits(), a2.to_bits(), "A2 {x}");
            assert_eq!(a3f(x).to_bits(), polyval(ORDER - 1, &A3X, x).to_bits(), "A3 {x}");
            let c = c1f(x);
            let (s, co) = (x * 20.0).sin_cos();
            assert_eq!(
                sin_series::<ORDER, _>(s, co, &c).to_bits(),
                sin_series_reference(s, co, &c, ORDER).to_bits()
            );
            assert_eq!(
                sin_series::<{ ORDER - 1 }, _>(s, co, &c).to_bits(),
                sin_series_reference(s, co, &c, ORDER - 1).to_bits()
            );
            eps += 1.234_567e-5;
        }
    }

    #[test]
    fn compile_time_tables_match_run_time_evaluation() {
        // Recompute at run time through an opaque value so the optimizer cannot fold it.
        let n = std::hint::black_box(N);
        // A3 at eps = 0 is exactly 1; C3[1] leads with (1 - n)/4 · eps.
        assert_eq!(a3f(0.0), 1.0);
        let lead = (-n + 1.0) / 4.0;
        assert_eq!(C3X[4].to_bits(), lead.to_bits());
        let a3_eps1 = polyval(1, &[1.0, -1.0], n) / 2.0;
        assert_eq!(A3X[4].to_bits(), a3_eps1.to_bits());
    }

    #[test]
    fn wgs84_constants() {
        assert_eq!(F, 1.0 / 298.257_223_563);
        assert!((B - 6_356_752.314_245).abs() < 1e-6);
        assert!((EP2 - 0.006_739_496_742_276_434).abs() < 1e-18);
        // glibc's atanh is within an ulp, and so is Rust's; the stored bits are glibc's.
        let e = std::hint::black_box(E2).sqrt();
        let c2 = (sq(A) + sq(B) * (e.atanh() / e)) / 2.0;
        assert!(C2.to_bits().abs_diff(c2.to_bits()) <= 1, "{c2:e}");
        assert_eq!(4.0 * std::f64::consts::PI * C2, 510_065_621_724_088.44);
    }

    #[test]
    fn sine_series_of_a_single_term() {
        let mut c = [0.0; NC];
        c[1] = 1.0;
        let x: f64 = 0.3;
        let got = sin_series::<ORDER, _>(x.sin(), x.cos(), &c);
        assert!((got - (2.0 * x).sin()).abs() < 1e-15);
    }
}
