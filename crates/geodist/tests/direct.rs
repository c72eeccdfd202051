//! The direct problem against references: Karney's 20 test geodesics, GeographicLib's GeodSolve
//! regression cases for the direct problem, 100,000 seeded random cases against the independent
//! geographiclib-rs (distances up to 20,000 km and beyond half the circumference), round trips
//! inverse → direct, and the rejection of non-finite azimuths and distances.

// The reference values are quoted verbatim from the published tables, digits and all.
#![allow(clippy::excessive_precision)]

mod common;

use common::{KARNEY, SplitMix64, azimuth_difference, point, wrap};
use geodist::{Direct, GeodistError, Point, batch, direct, geodesic, inverse};
use geographiclib_rs::{DirectGeodesic, Geodesic};

/// Tolerances of the issue: the destination within 1e-8 m of the reference (as the distance
/// between the two points) and the azimuth within 5e-8 degrees.
const POINT_TOL_M: f64 = 1e-8;
const AZIMUTH_TOL_DEG: f64 = 5e-8;

/// How far the solution is from the expected point (meters) and azimuth (degrees).
fn errors(got: Direct, lat2: f64, lon2: f64, azi2: f64) -> (f64, f64) {
    let miss = geodesic(got.destination, point(lat2, wrap(lon2)));
    (miss, azimuth_difference(got.azimuth2_deg, azi2))
}

#[test]
fn karneys_twenty_reference_geodesics() {
    // Measured: max miss 3.4e-9 m (the table's coordinates are rounded to 1e-13 degrees or so),
    // max |dazi| 5.7e-14 deg.
    let (mut max_miss, mut max_dazi) = (0.0_f64, 0.0_f64);
    for [lat1, lon1, azi1, lat2, lon2, azi2, s12] in KARNEY {
        let got = direct(point(lat1, wrap(lon1)), azi1, s12).unwrap();
        let (miss, dazi) = errors(got, lat2, lon2, azi2);
        max_miss = max_miss.max(miss);
        max_dazi = max_dazi.max(dazi);
    }
    eprintln!("Karney's 20: max miss = {max_miss:e} m, max |dazi| = {max_dazi:e} deg");
    assert!(max_miss <= POINT_TOL_M, "{max_miss:e}");
    assert!(max_dazi <= AZIMUTH_TOL_DEG, "{max_dazi:e}");
}

/// GeographicLib's GeodSolve regression cases for the direct problem (`geodtest.c`, without
/// unrolled longitudes): lat1, lon1, azi1, s12, then lat2, lon2, azi2 and the tolerance
/// (degrees) on each.
#[rustfmt::skip]
const GEODSOLVE: [(&str, [f64; 7], f64); 6] = [
    // GeodSolve1: the first direct problem of the documentation.
    ("GeodSolve1", [40.63972222, -73.77888889, 53.5, 5850e3, 49.01467, 2.56106, 111.62947], 0.5e-5),
    // GeodSolve5: point 2 at a pole (the longitude there depends on the last bit, see below).
    ("GeodSolve5", [0.01777745589997, 30.0, 0.0, 10e6, 90.0, f64::NAN, f64::NAN], 0.5e-5),
    // GeodSolve17 without GEOD_LONG_UNROLL.
    ("GeodSolve17", [40.0, -75.0, -10.0, 2e7, -39.0, 105.0, -170.0], 1.0),
    // GeodSolve61: a tiny negative azimuth is west-going.
    ("GeodSolve61", [45.0, 0.0, -0.000000000000000003, 1e7, 45.30632, -180.0, f64::NAN], 0.5e-5),
    // GeodSolve71: half of a 1e7 m line.
    ("GeodSolve71", [1.0, 2.0, 45.0, 5e6, 30.92625, 37.54640, 55.43104], 0.5e-5),
    // GeodSolve73: backwards from the pole; the azimuth there must be +0, not -0.
    ("GeodSolve73", [90.0, 10.0, 180.0, -1e6, 81.04623, -170.0, 0.0], 0.5e-5),
];

#[test]
fn geodsolve_direct_regression_cases() {
    for (name, [lat1, lon1, azi1, s12, lat2, lon2, azi2], tol) in GEODSOLVE {
        let got = direct(point(lat1, lon1), azi1, s12).unwrap();
        let (lat, lon, azi) = (got.destination.lat(), got.destination.lon(), got.azimuth2_deg);
        assert!((lat - lat2).abs() <= tol, "{name}: lat2 {lat} vs {lat2}");
        if !lon2.is_nan() {
            assert!(azimuth_difference(lon, lon2) <= tol, "{name}: lon2 {lon} vs {lon2}");
        }
        if !azi2.is_nan() {
            assert!(azimuth_difference(azi, azi2) <= tol, "{name}: azi2 {azi} vs {azi2}");
        }
    }
    // GeodSolve5: either (lon2, azi2) = (30, 0) or (-150, ±180).
    let at_pole = direct(point(0.01777745589997, 30.0), 0.0, 10e6).unwrap();
    let (lon, azi) = (at_pole.destination.lon(), at_pole.azimuth2_deg);
    assert!(
        (lon - 30.0).abs() <= 0.5e-5 && azi.abs() <= 0.5e-5
            || (lon + 150.0).abs() <= 0.5e-5 && (azi.abs() - 180.0).abs() <= 0.5e-5,
        "{lon} {azi}"
    );
    // GeodSolve61: west-going, so the longitude reaches -180 and the azimuth is -180.
    let west = direct(point(45.0, 0.0), -0.000000000000000003, 1e7).unwrap();
    assert_eq!(west.azimuth2_deg, -180.0);
    // GeodSolve73: the sign of a zero azimuth.
    let from_pole = direct(point(90.0, 10.0), 180.0, -1e6).unwrap();
    assert_eq!(from_pole.azimuth2_deg.to_bits(), 0.0_f64.to_bits());
}

#[test]
fn signs_of_zero_and_180_follow_geographiclib() {
    // As GeographicLib's C code (and so PROJ) computes them: the sine of the azimuth keeps the
    // sign of the starting azimuth's, so a line that starts west-going (-0 or -180 included)
    // stays west-going, and a meridian that passes a pole turns from 0 to 180. (The
    // geographiclib-rs port loses the sign of a starting -0; the Python suite checks these
    // against PROJ.)
    for (lat1, lon1, azi1, s12, azi2) in [
        (10.0, 0.0, 0.0, 1e6, 0.0),
        (10.0, 0.0, -0.0, 1e6, -0.0),
        (10.0, 0.0, 180.0, 1e6, 180.0),
        (10.0, 0.0, -180.0, 1e6, -180.0),
        (-30.0, 170.0, -0.0, 2e7, -180.0),
        (-30.0, 170.0, 0.0, 2e7, 180.0),
        (0.0, 0.0, 90.0, 2e6, 90.0),
        (0.0, 0.0, -90.0, 2e6, -90.0),
    ] {
        let got = direct(point(lat1, lon1), azi1, s12).unwrap();
        assert_eq!(
            got.azimuth2_deg.to_bits(),
            f64::to_bits(azi2),
            "({lat1}, {lon1}) {azi1} {s12}: {} vs {azi2}",
            got.azimuth2_deg
        );
    }
}

#[test]
fn agrees_with_geographiclib_rs_on_random_cases() {
    // Measured over the 100,000 cases: max miss 6.3e-9 m (about an ulp of the coordinates),
    // max |dazi| 2.8e-14 deg (geographiclib-rs converts radians to degrees by multiplying, where
    // the C code divides).
    let oracle = Geodesic::wgs84();
    let mut rng = SplitMix64(0xD1EC_7000_0000_0001);
    let (mut max_miss, mut max_dazi) = (0.0_f64, 0.0_f64);
    for i in 0..100_000 {
        let (lat1, lon1) = (rng.latitude(), rng.uniform(-180.0, 180.0));
        let azi1 = rng.uniform(-180.0, 180.0);
        // Mostly up to 20,000 km; a tenth short (1 mm to 10 km) and a tenth longer than the
        // half circumference, which wrap around past the antipode.
        let s12 = match i % 10 {
            0 => 10f64.powf(rng.uniform(-3.0, 4.0)),
            1 => rng.uniform(2e7, 6e7) * if i % 20 == 1 { -1.0 } else { 1.0 },
            _ => rng.uniform(0.0, 2e7),
        };
        let got = direct(point(lat1, lon1), azi1, s12).unwrap();
        let (lat2, lon2, azi2): (f64, f64, f64) = oracle.direct(lat1, lon1, azi1, s12);
        let (miss, dazi) = errors(got, lat2, lon2, azi2);
        assert!(miss <= POINT_TOL_M, "({lat1}, {lon1}) {azi1} {s12}: {got:?} vs {lat2} {lon2}");
        max_miss = max_miss.max(miss);
        max_dazi = max_dazi.max(dazi);
    }
    eprintln!("geographiclib-rs direct: max miss = {max_miss:e} m, max |dazi| = {max_dazi:e} deg");
    assert!(max_dazi <= AZIMUTH_TOL_DEG, "{max_dazi:e}");
}

#[test]
fn round_trips_inverse_then_direct() {
    // Measured: max miss 8.2e-9 m, max |dazi| 1.8e-12 deg over 20,000 random pairs (the errors of
    // both solutions add up; PROJ's round trip misses by as much); nearly antipodal pairs are
    // excluded, where the inverse's azimuth is ill-conditioned.
    let mut rng = SplitMix64(0x0AB5_CAFE_0000_0002);
    let (mut max_miss, mut max_dazi) = (0.0_f64, 0.0_f64);
    for _ in 0..20_000 {
        let a = point(rng.latitude(), rng.uniform(-180.0, 180.0));
        let b = point(rng.latitude(), rng.uniform(-180.0, 180.0));
        let there = inverse(a, b);
        if there.distance_m > 19.9e6 {
            continue;
        }
        let got = direct(a, there.azimuth1_deg, there.distance_m).unwrap();
        let (miss, dazi) = errors(got, b.lat(), b.lon(), there.azimuth2_deg);
        max_miss = max_miss.max(miss);
        max_dazi = max_dazi.max(dazi);
    }
    eprintln!("inverse -> direct: max miss = {max_miss:e} m, max |dazi| = {max_dazi:e} deg");
    assert!(max_miss <= POINT_TOL_M, "{max_miss:e}");
    assert!(max_dazi <= AZIMUTH_TOL_DEG, "{max_dazi:e}");
}

#[test]
fn zero_distance_stays_put_and_poles_are_exact() {
    for (lat, lon, azi) in [(0.0, 0.0, 17.0), (45.5, -120.25, -90.0), (-89.9, 179.5, 180.0)] {
        let got = direct(point(lat, lon), azi, 0.0).unwrap();
        assert!((got.destination.lat() - lat).abs() < 1e-14, "{got:?}");
        assert!((got.destination.lon() - lon).abs() < 1e-12, "{got:?}");
    }
    // Pole to pole along a meridian is the half meridian.
    let south = direct(point(90.0, 0.0), 180.0, 20_003_931.458_625_447).unwrap();
    assert!((south.destination.lat() + 90.0).abs() < 1e-9, "{south:?}");
}

#[test]
fn non_finite_azimuths_and_distances_are_errors() {
    let p = point(1.0, 2.0);
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(
            direct(p, value, 1.0),
            Err(GeodistError::InvalidAzimuth { at: None, .. })
        ));
        assert!(matches!(
            direct(p, 1.0, value),
            Err(GeodistError::InvalidDistance { at: None, .. })
        ));
    }
    // Large finite values are fine: the azimuth is reduced exactly, the distance wraps.
    let far = direct(p, 1e300, 1e12).unwrap();
    assert!(far.destination.lat().is_finite() && far.azimuth2_deg.is_finite());
}

#[test]
fn batches_equal_the_scalar_function_and_name_the_bad_element() {
    let lat1 = [0.0, 10.0, -45.0, 89.0];
    let lon1 = [0.0, -170.0, 120.0, 0.0];
    let azi1 = [90.0, -45.0, 180.0, 30.0];
    let s12 = [1e6, 5e6, 1.5e7, -3e6];
    let (mut lat2, mut lon2, mut azi2) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    batch::direct(&lat1, &lon1, &azi1, &s12, &mut lat2, &mut lon2, &mut azi2).unwrap();
    let mut solutions = [Direct { destination: point(0.0, 0.0), azimuth2_deg: 0.0 }; 4];
    let start: Vec<Point> = (0..4).map(|i| point(lat1[i], lon1[i])).collect();
    batch::direct_points(&start, &azi1, &s12, &mut solutions).unwrap();
    for i in 0..4 {
        let expected = direct(start[i], azi1[i], s12[i]).unwrap();
        assert_eq!(solutions[i], expected);
        assert_eq!(
            (lat2[i], lon2[i], azi2[i]),
            (expected.destination.lat(), expected.destination.lon(), expected.azimuth2_deg)
        );
    }

    let bad_azimuth = [90.0, f64::NAN, 0.0, 0.0];
    let bad_distance = [0.0, 0.0, f64::INFINITY, 0.0];
    let err =
        batch::direct(&lat1, &lon1, &bad_azimuth, &bad_distance, &mut lat2, &mut lon2, &mut azi2)
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid azimuth azimuth1[1] = NaN: expected a finite number of degrees"
    );
    let err = batch::direct(&lat1, &lon1, &azi1, &bad_distance, &mut lat2, &mut lon2, &mut azi2)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid distance distance[2] = inf: expected a finite number of meters"
    );
    let err =
        batch::direct(&lat1, &lon1, &azi1, &s12, &mut lat2, &mut lon2, &mut azi2[..3]).unwrap_err();
    assert_eq!(
        err,
        GeodistError::LengthMismatch { argument: "azimuth2_deg", expected: 4, found: 3 }
    );
}
