//! Property tests: metric properties of both distances, agreement between the sphere and the
//! ellipsoid, batch/scalar equivalence, and total (panic-free) handling of arbitrary input.

mod common;

use common::azimuth_difference;
use geodist::{
    GeodistError, Inverse, MEAN_EARTH_RADIUS_M, Point, Position, batch, geodesic, haversine,
    haversine_with_radius, inverse,
};
use proptest::prelude::*;

/// Half the meridian of WGS84 (pole to pole), the longest geodesic, in meters.
const HALF_MERIDIAN_M: f64 = 20_003_931.458_625_447;

fn lat() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -90.0..=90.0,
        1 => prop::sample::select(vec![90.0, -90.0, 0.0, -0.0, 1e-300, -45.0]),
    ]
}

fn lon() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -180.0..=180.0,
        1 => prop::sample::select(vec![180.0, -180.0, 0.0, -0.0, 1e-300, 90.0]),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (lat(), lon()).prop_map(|(lat, lon)| Point::new(lat, lon).unwrap())
}

/// Any double at all, weighted towards the interesting ones near and beyond the limits.
fn any_coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::ANY,
        -200.0..=200.0,
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            90.0,
            -90.0,
            180.0,
            -180.0,
            90.000_000_000_000_01,
            -180.000_000_000_000_03,
        ]),
    ]
}

proptest! {
    // Failures print the minimal input; there is no source file to persist them next to.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn distances_are_symmetric(a in point(), b in point()) {
        prop_assert_eq!(haversine(a, b), haversine(b, a));
        let (ab, ba) = (geodesic(a, b), geodesic(b, a));
        prop_assert!((ab - ba).abs() <= 1e-9, "{} vs {}", ab, ba);
    }

    #[test]
    fn the_reverse_geodesic_swaps_and_turns_the_azimuths(
        a in (-89.9..89.9, lon()),
        b in (-89.9..89.9, lon()),
    ) {
        let (a, b) = (Point::new(a.0, a.1).unwrap(), Point::new(b.0, b.1).unwrap());
        let forward = inverse(a, b);
        // Coincident and nearly antipodal points have no unique geodesic.
        prop_assume!(forward.distance_m > 1e-3 && forward.distance_m < 19.9e6);
        let backward = inverse(b, a);
        prop_assert!(azimuth_difference(backward.azimuth1_deg, forward.azimuth2_deg + 180.0) <= 1e-9);
        prop_assert!(azimuth_difference(backward.azimuth2_deg, forward.azimuth1_deg + 180.0) <= 1e-9);
    }

    #[test]
    fn the_distance_from_a_point_to_itself_is_zero(a in point()) {
        prop_assert_eq!(haversine(a, a), 0.0);
        prop_assert_eq!(geodesic(a, a), 0.0);
        prop_assert_eq!(inverse(a, a).distance_m, 0.0);
    }

    #[test]
    fn distances_are_bounded(a in point(), b in point()) {
        let h = haversine(a, b);
        prop_assert!((0.0..=std::f64::consts::PI * MEAN_EARTH_RADIUS_M).contains(&h), "{}", h);
        let g = geodesic(a, b);
        prop_assert!((0.0..=HALF_MERIDIAN_M + 1e-8).contains(&g), "{}", g);
        let solution = inverse(a, b);
        prop_assert_eq!(solution.distance_m, g);
        for azimuth in [solution.azimuth1_deg, solution.azimuth2_deg] {
            prop_assert!((-180.0..=180.0).contains(&azimuth), "{}", azimuth);
        }
    }

    #[test]
    fn the_triangle_inequality_holds(a in point(), b in point(), c in point()) {
        prop_assert!(haversine(a, c) <= haversine(a, b) + haversine(b, c) + 1e-6);
        prop_assert!(geodesic(a, c) <= geodesic(a, b) + geodesic(b, c) + 1e-6);
    }

    #[test]
    fn the_sphere_is_within_six_tenths_of_a_percent_of_the_ellipsoid(a in point(), b in point()) {
        // The mean radius lies between WGS84's extreme radii of curvature, which differ from
        // it by less than 0.6%.
        let (h, g) = (haversine(a, b), geodesic(a, b));
        prop_assert!((h - g).abs() <= 0.006 * g + 1e-9, "{} vs {}", h, g);
    }

    #[test]
    fn haversine_scales_with_the_radius(a in point(), b in point(), radius in 1e-3..1e9_f64) {
        let unit = haversine_with_radius(a, b, 1.0).unwrap();
        prop_assert_eq!(haversine_with_radius(a, b, radius).unwrap(), radius * unit);
    }

    #[test]
    fn points_accept_exactly_the_valid_coordinates(lat in any_coordinate(), lon in any_coordinate()) {
        let valid_lat = lat.is_finite() && (-90.0..=90.0).contains(&lat);
        let valid_lon = lon.is_finite() && (-180.0..=180.0).contains(&lon);
        match Point::new(lat, lon) {
            Ok(p) => {
                prop_assert!(valid_lat && valid_lon);
                prop_assert_eq!((p.lat().to_bits(), p.lon().to_bits()), (lat.to_bits(), lon.to_bits()));
            }
            Err(GeodistError::InvalidLatitude { value, at: None }) => {
                prop_assert!(!valid_lat);
                prop_assert_eq!(value.to_bits(), lat.to_bits());
            }
            Err(GeodistError::InvalidLongitude { value, at: None }) => {
                prop_assert!(valid_lat && !valid_lon);
                prop_assert_eq!(value.to_bits(), lon.to_bits());
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn radii_are_validated(a in point(), b in point(), radius in any_coordinate()) {
        let valid = radius.is_finite() && radius > 0.0;
        let result = haversine_with_radius(a, b, radius);
        prop_assert_eq!(result.is_ok(), valid);
        if let Ok(d) = result {
            prop_assert!(d >= 0.0 && d.is_finite() || d.is_infinite() && radius > 1e300);
        }
    }

    #[test]
    fn batches_report_the_first_invalid_coordinate(
        columns in prop::collection::vec(
            (any_coordinate(), any_coordinate(), any_coordinate(), any_coordinate()),
            0..12,
        ),
    ) {
        let lat1: Vec<f64> = columns.iter().map(|c| c.0).collect();
        let lon1: Vec<f64> = columns.iter().map(|c| c.1).collect();
        let lat2: Vec<f64> = columns.iter().map(|c| c.2).collect();
        let lon2: Vec<f64> = columns.iter().map(|c| c.3).collect();
        let expected = first_invalid(&columns);
        let n = columns.len();
        let mut out = vec![0.0; n];
        let (mut azi1, mut azi2) = (vec![0.0; n], vec![0.0; n]);
        let results = [
            batch::haversine(&lat1, &lon1, &lat2, &lon2, 1.0, &mut out),
            batch::geodesic(&lat1, &lon1, &lat2, &lon2, &mut out),
            batch::inverse(&lat1, &lon1, &lat2, &lon2, &mut out, &mut azi1, &mut azi2),
        ];
        for result in results {
            prop_assert_eq!(format!("{:?}", result), format!("{:?}", expected));
        }
    }

    #[test]
    fn batches_equal_the_scalar_functions(
        pairs in prop::collection::vec((point(), point()), 0..16),
        radius in 1.0..1e7_f64,
    ) {
        let (a, b): (Vec<Point>, Vec<Point>) = pairs.iter().copied().unzip();
        let lat1: Vec<f64> = a.iter().map(|p| p.lat()).collect();
        let lon1: Vec<f64> = a.iter().map(|p| p.lon()).collect();
        let lat2: Vec<f64> = b.iter().map(|p| p.lat()).collect();
        let lon2: Vec<f64> = b.iter().map(|p| p.lon()).collect();
        let n = pairs.len();

        let mut out = vec![0.0; n];
        batch::haversine(&lat1, &lon1, &lat2, &lon2, radius, &mut out).unwrap();
        let expected: Vec<f64> =
            pairs.iter().map(|&(p, q)| haversine_with_radius(p, q, radius).unwrap()).collect();
        prop_assert_eq!(&out, &expected);
        batch::haversine_points(&a, &b, radius, &mut out).unwrap();
        prop_assert_eq!(&out, &expected);

        batch::geodesic(&lat1, &lon1, &lat2, &lon2, &mut out).unwrap();
        let expected: Vec<f64> = pairs.iter().map(|&(p, q)| geodesic(p, q)).collect();
        prop_assert_eq!(&out, &expected);
        batch::geodesic_points(&a, &b, &mut out).unwrap();
        prop_assert_eq!(&out, &expected);

        let (mut azi1, mut azi2) = (vec![0.0; n], vec![0.0; n]);
        batch::inverse(&lat1, &lon1, &lat2, &lon2, &mut out, &mut azi1, &mut azi2).unwrap();
        let expected: Vec<Inverse> = pairs.iter().map(|&(p, q)| inverse(p, q)).collect();
        let columns: Vec<Inverse> = (0..n)
            .map(|i| Inverse { distance_m: out[i], azimuth1_deg: azi1[i], azimuth2_deg: azi2[i] })
            .collect();
        prop_assert_eq!(&columns, &expected);
        let mut solutions = vec![Inverse { distance_m: 0.0, azimuth1_deg: 0.0, azimuth2_deg: 0.0 }; n];
        batch::inverse_points(&a, &b, &mut solutions).unwrap();
        prop_assert_eq!(&solutions, &expected);
    }
}

/// The documented rule, written independently: lowest index first, then argument order.
fn first_invalid(columns: &[(f64, f64, f64, f64)]) -> Result<(), GeodistError> {
    let at = |argument, index| Some(Position { argument, index });
    for (index, &(lat1, lon1, lat2, lon2)) in columns.iter().enumerate() {
        if Point::new(lat1, 0.0).is_err() {
            return Err(GeodistError::InvalidLatitude { value: lat1, at: at("lat1", index) });
        }
        if Point::new(0.0, lon1).is_err() {
            return Err(GeodistError::InvalidLongitude { value: lon1, at: at("lon1", index) });
        }
        if Point::new(lat2, 0.0).is_err() {
            return Err(GeodistError::InvalidLatitude { value: lat2, at: at("lat2", index) });
        }
        if Point::new(0.0, lon2).is_err() {
            return Err(GeodistError::InvalidLongitude { value: lon2, at: at("lon2", index) });
        }
    }
    Ok(())
}
