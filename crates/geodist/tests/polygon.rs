//! Polygon areas and perimeters against GeographicLib's Planimeter regression cases
//! (`geodtest.c`), and the properties of the area's sign; points along geodesics and line
//! lengths against the direct and inverse solutions they are made of.

// The reference values are quoted verbatim from the published tests.
#![allow(clippy::excessive_precision)]

use geodist::{
    Endpoints, GeodistError, Point, Spacing, batch, direct, geodesic, intermediate, inverse,
    line_length, polygon_area_perimeter,
};

/// The area of the WGS84 ellipsoid in square meters (from `geodtest.c`).
const ELLIPSOID_AREA_M2: f64 = 510_065_621_724_088.509_3;

/// Points from `(lat, lon)` pairs; longitudes outside [-180, 180] are wrapped exactly (IEEE
/// remainder), which the C code does internally too.
fn points(vertices: &[(f64, f64)]) -> Vec<Point> {
    vertices
        .iter()
        .map(|&(lat, lon)| {
            let lon = lon - 360.0 * (lon / 360.0).round();
            Point::new(lat, lon).unwrap()
        })
        .collect()
}

#[track_caller]
fn check(vertices: &[(f64, f64)], perimeter: f64, area: f64, tol: (f64, f64)) {
    let got = polygon_area_perimeter(&points(vertices));
    assert!((got.perimeter_m - perimeter).abs() <= tol.0, "{vertices:?}: {got:?}");
    assert!((got.area_m2 - area).abs() <= tol.1, "{vertices:?}: {got:?}");
}

#[test]
fn planimeter0_polygons_around_the_poles_and_a_diamond() {
    check(
        &[(89.0, 0.0), (89.0, 90.0), (89.0, 180.0), (89.0, 270.0)],
        631819.8745,
        24952305678.0,
        (1e-4, 1.0),
    );
    check(
        &[(-89.0, 0.0), (-89.0, 90.0), (-89.0, 180.0), (-89.0, 270.0)],
        631819.8745,
        -24952305678.0,
        (1e-4, 1.0),
    );
    check(
        &[(0.0, -1.0), (-1.0, 0.0), (0.0, 1.0), (1.0, 0.0)],
        627598.2731,
        24619419146.0,
        (1e-4, 1.0),
    );
    check(&[(90.0, 0.0), (0.0, 0.0), (0.0, 90.0)], 30022685.0, 63758202715511.0, (1.0, 1.0));
    let pd = points(&[(90.0, 0.0), (0.0, 0.0), (0.0, 90.0)]);
    assert!((line_length(&pd) - 20020719.0).abs() <= 1.0);
}

#[test]
fn planimeter5_6_12_13_pole_crossings_and_degenerate_rings() {
    check(&[(89.0, 0.1), (89.0, 90.1), (89.0, -179.9)], 539297.0, 12476152838.5, (1.0, 1.0));
    for ring in [
        [(9.0, -0.00000000000001), (9.0, 180.0), (9.0, 0.0)],
        [(9.0, 0.00000000000001), (9.0, 0.0), (9.0, 180.0)],
        [(9.0, 0.00000000000001), (9.0, 180.0), (9.0, 0.0)],
        [(9.0, -0.00000000000001), (9.0, 0.0), (9.0, 180.0)],
    ] {
        check(&ring, 36026861.0, 0.0, (1.0, 1.0));
    }
    check(
        &[(66.562222222, 0.0), (66.562222222, 180.0), (66.562222222, 360.0)],
        10465729.0,
        0.0,
        (1.0, 1.0),
    );
    check(
        &[(66.562222222, -0.0), (66.562222222, -180.0), (66.562222222, -360.0)],
        10465729.0,
        0.0,
        (1.0, 1.0),
    );
    // Encircling the pole twice.
    check(
        &[
            (89.0, -360.0),
            (89.0, -240.0),
            (89.0, -120.0),
            (89.0, 0.0),
            (89.0, 120.0),
            (89.0, 240.0),
        ],
        1160741.0,
        32415230256.0,
        (1.0, 1.0),
    );
}

#[test]
fn planimeter15_and_21_signs_and_repeated_circuits() {
    let r = 18454562325.45119;
    let triangle = points(&[(2.0, 1.0), (1.0, 2.0), (3.0, 3.0)]);
    assert!((polygon_area_perimeter(&triangle).area_m2 - r).abs() <= 0.5);
    // Reversing the vertices negates the area.
    let reversed: Vec<Point> = triangle.iter().rev().copied().collect();
    assert!((polygon_area_perimeter(&reversed).area_m2 + r).abs() <= 0.5);

    // Circling the pole i times at 45°N: the area is reduced to (-A/2, A/2].
    let circuit = 39433884866571.4277;
    for i in 3..=4 {
        let ring: Vec<(f64, f64)> =
            (0..i).flat_map(|_| [(45.0, 60.0), (45.0, 180.0), (45.0, -60.0)]).collect();
        let got = polygon_area_perimeter(&points(&ring)).area_m2;
        let expected = f64::from(i) * circuit;
        let reduced = expected - ELLIPSOID_AREA_M2 * (expected / ELLIPSOID_AREA_M2).round();
        assert!((got - reduced).abs() <= 0.5, "{i}: {got} vs {reduced}");
    }
}

#[test]
fn planimeter19_and_29_degenerate_and_small_polygons() {
    assert_eq!(polygon_area_perimeter(&[]).area_m2, 0.0);
    let one = points(&[(1.0, 1.0)]);
    let got = polygon_area_perimeter(&one);
    assert_eq!((got.area_m2, got.perimeter_m), (0.0, 0.0));
    assert_eq!(line_length(&one), 0.0);
    // A 1 km square built from the direct problem: 1e6 m² (Planimeter29).
    let mut corners = vec![Point::new(0.0, 0.0).unwrap()];
    for azimuth in [90.0, 0.0, -90.0] {
        corners.push(direct(*corners.last().unwrap(), azimuth, 1000.0).unwrap().destination);
    }
    let square = polygon_area_perimeter(&corners);
    assert!((square.area_m2 - 1e6).abs() <= 0.01, "{square:?}");
}

#[test]
fn batch_polygons_and_lines_validate_their_columns() {
    assert_eq!(
        batch::polygon_area_perimeter(&[0.0, 1.0], &[0.0]),
        Err(GeodistError::LengthMismatch { argument: "lon", expected: 2, found: 1 })
    );
    let err = batch::line_length(&[0.0, 1.0, 2.0], &[0.0, 181.0, f64::NAN]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid longitude lon[1] = 181: expected a finite number in [-180, 180]"
    );
    let mut out = [0.0; 1];
    assert_eq!(
        batch::line_lengths(&[0.0, 1.0, 2.0], &[0.0; 3], &mut out),
        Err(GeodistError::LengthMismatch { argument: "out", expected: 2, found: 1 })
    );
    let (lat, lon) = ([0.0, 0.0, 1.0], [0.0, 1.0, 1.0]);
    let mut out = [0.0; 2];
    batch::line_lengths(&lat, &lon, &mut out).unwrap();
    let track = points(&[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]);
    assert_eq!(out, [geodesic(track[0], track[1]), geodesic(track[1], track[2])]);
    assert_eq!(batch::line_length(&lat, &lon).unwrap(), line_length(&track));
    assert_eq!(batch::polygon_area_perimeter(&lat, &lon).unwrap(), polygon_area_perimeter(&track));
}

#[test]
fn intermediate_points_lie_on_the_geodesic_at_equal_steps() {
    let a = Point::new(40.6, -73.8).unwrap();
    let b = Point::new(49.01666667, 2.55).unwrap();
    let line = inverse(a, b);
    for endpoints in [Endpoints::Exclude, Endpoints::Include] {
        let points = intermediate(a, b, Spacing::Count(9), endpoints).unwrap();
        let first = if endpoints == Endpoints::Exclude { 1.0 } else { 0.0 };
        let step = points.step_m();
        assert!((points.distance_m() - line.distance_m).abs() < 1e-8);
        assert_eq!(points.len(), 9);
        for (i, p) in points.enumerate() {
            let expected = direct(a, line.azimuth1_deg, (i as f64 + first) * step).unwrap();
            assert!(geodesic(p, expected.destination) < 1e-8, "{i}: {p:?}");
        }
    }
    let with_ends: Vec<Point> =
        intermediate(a, b, Spacing::Count(5), Endpoints::Include).unwrap().collect();
    assert!(geodesic(with_ends[0], a) < 1e-9 && geodesic(with_ends[4], b) < 1e-8);
}

#[test]
fn spacing_rounds_the_number_of_gaps_up() {
    let a = Point::new(0.0, 0.0).unwrap();
    let b = Point::new(0.0, 10.0).unwrap();
    let d = geodesic(a, b);
    for (max_m, gaps) in [(d / 4.0, 4), (d / 4.0 * 1.01, 4), (d / 4.0 * 0.99, 5), (2.0 * d, 1)] {
        let exclude = intermediate(a, b, Spacing::MaxMeters(max_m), Endpoints::Exclude).unwrap();
        assert_eq!(exclude.len(), gaps - 1, "{max_m}");
        assert!(exclude.step_m() <= max_m);
        let include = intermediate(a, b, Spacing::MaxMeters(max_m), Endpoints::Include).unwrap();
        assert_eq!(include.len(), gaps + 1, "{max_m}");
    }
    // Coincident ends: nothing between them, the start alone with them.
    assert_eq!(intermediate(a, a, Spacing::MaxMeters(1.0), Endpoints::Exclude).unwrap().len(), 0);
    let alone: Vec<Point> =
        intermediate(a, a, Spacing::MaxMeters(1.0), Endpoints::Include).unwrap().collect();
    assert_eq!(alone, [a]);
    let single: Vec<Point> =
        intermediate(a, b, Spacing::Count(1), Endpoints::Include).unwrap().collect();
    assert_eq!(single, [a]);
    assert_eq!(intermediate(a, b, Spacing::Count(0), Endpoints::Include).unwrap().len(), 0);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            intermediate(a, b, Spacing::MaxMeters(bad), Endpoints::Exclude),
            Err(GeodistError::InvalidSpacing { .. })
        ));
    }
    // A spacing far below the line's length asks for more points than memory holds; the
    // iterator is lazy, so that is only a large length, not a panic.
    let many = intermediate(a, b, Spacing::MaxMeters(1e-300), Endpoints::Include).unwrap();
    assert_eq!(many.len(), usize::MAX);
}
