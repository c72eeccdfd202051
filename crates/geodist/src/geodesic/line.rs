//! The direct geodesic problem on WGS84 and positions along a geodesic: `geod_lineinit_int`,
//! `geod_lineinit`, `geod_genposition` and `geod_setarc` from GeographicLib's `geodesic.c`,
//! trimmed to what the position and the azimuth need (no reduced length, no geodesic scale, no
//! area, no unrolled longitude).
//!
//! A [`Line`] is the C code's `geod_geodesicline` with the capabilities that `geod_direct` and
//! `geod_position` ask for (`GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_AZIMUTH | GEOD_DISTANCE_IN`):
//! everything that depends only on the starting point and azimuth is computed once, so that
//! each position along the line costs one reverted series, one longitude series and a few
//! trigonometric calls. The operations and their order are the C code's, so the results agree
//! with GeographicLib (and PROJ's `geod_direct` and pyproj's `Geod.fwd`) to the last bit.
//!
//! The code is written over [`Real`], so that a batch can solve two direct problems at once
//! ([`F64x2`](super::real::F64x2)) with bit-identical results; see `real` for why that is faster.

use super::angle::{DEGREE, ang_normalize, ang_round, atan2d, sincosd};
use super::real::Real;
use super::series::{B, EP2, F, F1, NC, ORDER, a1m1f, a3f, c1f, c1pf, c3f, sin_series};

/// `sqrt(DBL_MIN)`, as in the inverse solution.
const TINY: f64 = 1.491_668_146_240_041_3e-154;

/// A geodesic from a starting point with a starting azimuth, ready to give positions along it
/// (in each lane of `T`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<T = f64> {
    lon1: T,
    salp0: T,
    calp0: T,
    ssig1: T,
    csig1: T,
    stau1: T,
    ctau1: T,
    somg1: T,
    comg1: T,
    a1m1: T,
    a3c: T,
    b11: T,
    b31: T,
    c1a: [T; NC],
    c1pa: [T; NC],
    c3a: [T; NC],
}

/// A position on a [`Line`]: latitude, longitude (in `[-180, 180]`) and forward azimuth, in
/// degrees.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position<T = f64> {
    pub(crate) lat2: T,
    pub(crate) lon2: T,
    pub(crate) azi2: T,
}

impl<T: Real> Line<T> {
    /// The geodesic leaving `(lat1, lon1)` with azimuth `azi1` (degrees, any finite value), as
    /// `geod_lineinit`. The caller has validated the point.
    #[inline(always)]
    pub(crate) fn new(lat1: T, lon1: T, azi1: T) -> Line<T> {
        // Guard against underflow in salp0.
        let (salp1, calp1) = azi1.map_pair(|azi1| sincosd(ang_round(ang_normalize(azi1))));
        Line::with_azimuth(lat1, lon1, salp1, calp1)
    }

    /// The geodesic leaving `(lat1, lon1)` with the azimuth given by its sine and cosine, as
    /// `geod_lineinit_int` (which `geod_inverseline` calls with the inverse's own sine and
    /// cosine, not with ones recomputed from the azimuth in degrees).
    #[inline(always)]
    pub(crate) fn with_azimuth(lat1: T, lon1: T, salp1: T, calp1: T) -> Line<T> {
        let (sbet1, cbet1) = lat1.map_pair(|lat1| sincosd(ang_round(lat1)));
        let sbet1 = sbet1 * F1;
        // Ensure cbet1 = +epsilon at poles.
        let (sbet1, cbet1) = norm2(sbet1, cbet1);
        let cbet1 = cbet1.map(|cbet1| cbet1.max(TINY));

        // Evaluate alp0 from sin(alp1) * cos(bet1) = sin(alp0),
        let salp0 = salp1 * cbet1; // alp0 in [0, pi/2 - |bet1|]
        // Alt: calp0 = hypot(sbet1, calp1 * cbet1). The following is slightly better
        // (consider the case salp1 = 0).
        let calp0 = calp1.hypot(salp1 * sbet1);
        // Evaluate sig with tan(bet1) = tan(sig1) * cos(alp1). sig = 0 is nearest northward
        // crossing of equator. With bet1 = 0, alp1 = pi/2, we have sig1 = 0 (equatorial
        // line). With bet1 = pi/2, alp1 = -pi, sig1 = pi/2. With bet1 = -pi/2, alp1 = 0,
        // sig1 = -pi/2. Evaluate omg1 with tan(omg1) = sin(alp0) * tan(sig1). With alp0 in
        // (0, pi/2], quadrants for sig and omg coincide. No atan2(0,0) ambiguity at poles
        // since cbet1 = +epsilon. With alp0 = 0, omg1 = 0 for alp1 = 0, omg1 = pi for
        // alp1 = pi.
        let somg1 = salp0 * sbet1;
        let csig1 = T::from_fn(|i| {
            let (sbet1, calp1) = (sbet1.lane(i), calp1.lane(i));
            if sbet1 != 0.0 || calp1 != 0.0 { cbet1.lane(i) * calp1 } else { 1.0 }
        });
        let comg1 = csig1;
        let (ssig1, csig1) = norm2(sbet1, csig1); // sig1 in (-pi, pi]
        // norm2(somg1, comg1); -- don't need to normalize!

        let k2 = calp0 * calp0 * EP2;
        let eps = k2 / (((k2 + 1.0).sqrt() + 1.0) * 2.0 + k2);

        let a1m1 = a1m1f(eps);
        let c1a = c1f(eps);
        let b11 = sin_series::<ORDER, _>(ssig1, csig1, &c1a);
        let (s, c) = b11.map_pair(|b11| (b11.sin(), b11.cos()));
        // tau1 = sig1 + B11
        let stau1 = ssig1 * c + csig1 * s;
        let ctau1 = csig1 * c - ssig1 * s;
        // Not necessary because C1pa reverts C1a:
        //    B11 = -SinCosSeries(TRUE, stau1, ctau1, C1pa, nC1p)
        let c1pa = c1pf(eps);

        let c3a = c3f(eps);
        let a3c = salp0 * -F * a3f(eps);
        let b31 = sin_series::<{ ORDER - 1 }, _>(ssig1, csig1, &c3a);

        Line {
            lon1,
            salp0,
            calp0,
            ssig1,
            csig1,
            stau1,
            ctau1,
            somg1,
            comg1,
            a1m1,
            a3c,
            b11,
            b31,
            c1a,
            c1pa,
            c3a,
        }
    }

    /// The position `s12` meters along the line (negative: backwards), as `geod_genposition`
    /// without `GEOD_ARCMODE` and without `GEOD_LONG_UNROLL`.
    #[inline(always)]
    pub(crate) fn position(&self, s12: T) -> Position<T> {
        // Interpret s12 as distance.
        let tau12 = s12 / ((self.a1m1 + 1.0) * B);
        let (s, c) = tau12.map_pair(|tau12| (tau12.sin(), tau12.cos()));
        // tau2 = tau1 + tau12
        let b12 = -sin_series::<ORDER, _>(
            self.stau1 * c + self.ctau1 * s,
            self.ctau1 * c - self.stau1 * s,
            &self.c1pa,
        );
        let sig12 = tau12 - (b12 - self.b11);
        let (ssig12, csig12) = sig12.map_pair(|sig12| (sig12.sin(), sig12.cos()));
        // The C code corrects sig12 with a Newton step for |f| > 0.01; WGS84's f is 1/298.

        // sig2 = sig1 + sig12
        let ssig2 = self.ssig1 * csig12 + self.csig1 * ssig12;
        let csig2 = self.csig1 * csig12 - self.ssig1 * ssig12;
        // sin(bet2) = cos(alp0) * sin(sig2)
        let sbet2 = self.calp0 * ssig2;
        // Alt: cbet2 = hypot(csig2, salp0 * ssig2);
        let cbet2 = self.salp0.hypot(self.calp0 * csig2);
        // If cbet2 == 0, i.e., salp0 = 0, csig2 = 0: break the degeneracy in this case.
        let degenerate = |i: usize| cbet2.lane(i) == 0.0;
        let cbet2 = T::from_fn(|i| if degenerate(i) { TINY } else { cbet2.lane(i) });
        let csig2 = T::from_fn(|i| if degenerate(i) { TINY } else { csig2.lane(i) });
        // tan(alp0) = cos(sig2)*tan(alp2)
        let salp2 = self.salp0;
        let calp2 = self.calp0 * csig2; // No need to normalize

        // tan(omg2) = sin(alp0) * tan(sig2)
        let somg2 = self.salp0 * ssig2;
        let comg2 = csig2; // No need to normalize
        // omg12 = omg2 - omg1
        let omg12 = (somg2 * self.comg1 - comg2 * self.somg1)
            .map2(comg2 * self.comg1 + somg2 * self.somg1, f64::atan2);
        let lam12 = omg12
            + self.a3c
                * (sig12 + (sin_series::<{ ORDER - 1 }, _>(ssig2, csig2, &self.c3a) - self.b31));
        let lon12 = lam12 / DEGREE;
        let lon2 = self
            .lon1
            .map2(lon12, |lon1, lon12| ang_normalize(ang_normalize(lon1) + ang_normalize(lon12)));
        let lat2 = sbet2.map2(cbet2 * F1, atan2d);
        let azi2 = salp2.map2(calp2, atan2d);
        Position { lat2, lon2, azi2 }
    }
}

impl Line<f64> {
    /// The distance in meters from the start to the point `a12` degrees of arc along the line
    /// on the auxiliary sphere, as `geod_genposition` with `GEOD_ARCMODE` asked for the
    /// distance only (what `geod_setarc` does for `geod_inverseline`).
    #[inline]
    pub(crate) fn arc_distance(&self, a12: f64) -> f64 {
        // Interpret a12 as spherical arc length.
        let sig12 = a12 * DEGREE;
        let (ssig12, csig12) = sincosd(a12);
        // sig2 = sig1 + sig12
        let ssig2 = self.ssig1 * csig12 + self.csig1 * ssig12;
        let csig2 = self.csig1 * csig12 - self.ssig1 * ssig12;
        let b12 = sin_series::<ORDER, _>(ssig2, csig2, &self.c1a);
        let ab1 = (1.0 + self.a1m1) * (b12 - self.b11);
        B * ((1.0 + self.a1m1) * sig12 + ab1)
    }
}

/// C's `norm2`, lane by lane: `(sin x, cos x)` scaled to unit length.
#[inline(always)]
fn norm2<T: Real>(sinx: T, cosx: T) -> (T, T) {
    let r = sinx.hypot(cosx);
    (sinx / r, cosx / r)
}
