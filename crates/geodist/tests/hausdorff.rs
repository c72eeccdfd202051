//! The Hausdorff distance against a brute-force O(n·m) oracle over haversine distances, on
//! random sets (proptest and seeded), and at the special places: the antimeridian, the poles,
//! duplicate and single points, bounding boxes; plus every error.

mod common;

use common::point;
use geodist::hausdorff::{self, BoundingBox, Hausdorff};
use geodist::{GeodistError, MEAN_EARTH_RADIUS_M, Point, Position, haversine_with_radius};
use proptest::prelude::*;

/// How far two candidate distances may be apart and still be ranked either way, on the unit
/// sphere: chords of unit vectors carry absolute errors of a few 1e-16, and the reported
/// haversine distance a few ulps.
const TIE_RAD: f64 = 2e-15;

/// The brute-force directed distance from `a` to `b`: `(distance, farthest a, its nearest b)`.
fn oracle_directed(a: &[Point], b: &[Point], radius: f64) -> (f64, usize, usize) {
    let mut best = (-1.0, 0, 0);
    for (i, &p) in a.iter().enumerate() {
        let (nearest, j) = b
            .iter()
            .enumerate()
            .map(|(j, &q)| (haversine_with_radius(p, q, radius).unwrap(), j))
            .fold((f64::INFINITY, 0), |best, next| if next.0 < best.0 { next } else { best });
        if nearest > best.0 {
            best = (nearest, i, j);
        }
    }
    best
}

fn oracle_symmetric(a: &[Point], b: &[Point], radius: f64) -> f64 {
    oracle_directed(a, b, radius).0.max(oracle_directed(b, a, radius).0)
}

/// The distance from `p` to its nearest point of `set`.
fn nearest(p: Point, set: &[Point], radius: f64) -> f64 {
    set.iter().map(|&q| haversine_with_radius(p, q, radius).unwrap()).fold(f64::INFINITY, f64::min)
}

/// Checks a directed result: the distance is the oracle's, the witnesses realize it exactly,
/// and `b[b_index]` is a nearest point of `b` to `a[a_index]`.
#[track_caller]
fn check_directed(got: Hausdorff, a: &[Point], b: &[Point], radius: f64) {
    let (expected, ..) = oracle_directed(a, b, radius);
    let tol = TIE_RAD * radius;
    assert!((got.distance_m - expected).abs() <= tol, "{got:?} vs {expected}");
    let (p, q) = (a[got.a_index], b[got.b_index]);
    assert_eq!(got.distance_m, haversine_with_radius(p, q, radius).unwrap());
    assert!(got.distance_m <= nearest(p, b, radius) + tol, "{got:?} is not a nearest pair");
}

/// Checks a symmetric result: the oracle's distance, realized by the witnesses, which are a
/// nearest pair in one direction or the other.
#[track_caller]
fn check_symmetric(got: Hausdorff, a: &[Point], b: &[Point], radius: f64) {
    let expected = oracle_symmetric(a, b, radius);
    let tol = TIE_RAD * radius;
    assert!((got.distance_m - expected).abs() <= tol, "{got:?} vs {expected}");
    let (p, q) = (a[got.a_index], b[got.b_index]);
    assert_eq!(got.distance_m, haversine_with_radius(p, q, radius).unwrap());
    let a_side = got.distance_m <= nearest(p, b, radius) + tol;
    let b_side = got.distance_m <= nearest(q, a, radius) + tol;
    assert!(a_side || b_side, "{got:?} is not a nearest pair in either direction");
}

/// Latitudes and longitudes with weight on the poles, the antimeridian and repeated values.
fn any_point() -> impl Strategy<Value = Point> {
    let lat = prop_oneof![
        6 => -90.0..=90.0,
        1 => prop::sample::select(vec![90.0, -90.0, 0.0, 45.0, 89.999_999]),
    ];
    let lon = prop_oneof![
        6 => -180.0..=180.0,
        1 => prop::sample::select(vec![180.0, -180.0, 0.0, 179.999_9, -179.999_9]),
    ];
    (lat, lon).prop_map(|(lat, lon)| point(lat, lon))
}

/// A set of 1 to 40 points, often with duplicates (drawn from a small pool).
fn point_set() -> impl Strategy<Value = Vec<Point>> {
    prop_oneof![
        prop::collection::vec(any_point(), 1..40),
        prop::collection::vec(any_point(), 1..6)
            .prop_flat_map(|pool| { prop::collection::vec(prop::sample::select(pool), 1..40) }),
    ]
}

/// A set clustered in a small region, so that nearest distances are short.
fn clustered_set() -> impl Strategy<Value = Vec<Point>> {
    (-89.0..89.0, -179.0..179.0, 1e-6..1.0_f64).prop_flat_map(|(lat, lon, spread)| {
        prop::collection::vec(
            (-spread..=spread, -spread..=spread)
                .prop_map(move |(dlat, dlon)| point(lat + dlat, lon + dlon)),
            1..40,
        )
    })
}

fn any_box() -> impl Strategy<Value = BoundingBox> {
    (-90.0..=90.0, -90.0..=90.0, -180.0..=180.0, -180.0..=180.0).prop_map(|(l1, l2, w, e)| {
        let (lo, hi) = if l1 <= l2 { (l1, l2) } else { (l2, l1) };
        BoundingBox::new(lo, w, hi, e).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn equals_the_brute_force_oracle(a in point_set(), b in point_set()) {
        check_directed(hausdorff::directed(&a, &b, 1.0).unwrap(), &a, &b, 1.0);
        check_directed(hausdorff::directed(&b, &a, 1.0).unwrap(), &b, &a, 1.0);
        check_symmetric(hausdorff::symmetric(&a, &b, 1.0).unwrap(), &a, &b, 1.0);
    }

    #[test]
    fn equals_the_oracle_at_short_distances(a in clustered_set(), b in clustered_set()) {
        let r = MEAN_EARTH_RADIUS_M;
        check_directed(hausdorff::directed(&a, &b, r).unwrap(), &a, &b, r);
        check_symmetric(hausdorff::symmetric(&a, &b, r).unwrap(), &a, &b, r);
    }

    #[test]
    fn the_symmetric_distance_is_symmetric(a in point_set(), b in point_set()) {
        let ab = hausdorff::symmetric(&a, &b, 1.0).unwrap();
        let ba = hausdorff::symmetric(&b, &a, 1.0).unwrap();
        prop_assert!((ab.distance_m - ba.distance_m).abs() <= TIE_RAD);
        let directed_max = hausdorff::directed(&a, &b, 1.0).unwrap().distance_m
            .max(hausdorff::directed(&b, &a, 1.0).unwrap().distance_m);
        prop_assert!((ab.distance_m - directed_max).abs() <= TIE_RAD);
    }

    #[test]
    fn the_distance_scales_with_the_radius(a in point_set(), b in point_set(), r in 1e-3..1e9_f64) {
        let unit = hausdorff::symmetric(&a, &b, 1.0).unwrap();
        let scaled = hausdorff::symmetric(&a, &b, r).unwrap();
        prop_assert_eq!((scaled.a_index, scaled.b_index), (unit.a_index, unit.b_index));
        prop_assert!((scaled.distance_m - r * unit.distance_m).abs() <= 1e-15 * r);
    }

    #[test]
    fn clipping_equals_filtering_first(a in point_set(), b in point_set(), bbox in any_box()) {
        let inside = |set: &[Point]| -> Vec<usize> {
            (0..set.len()).filter(|&i| bbox.contains(set[i])).collect()
        };
        let (a_in, b_in) = (inside(&a), inside(&b));
        let a_kept: Vec<Point> = a_in.iter().map(|&i| a[i]).collect();
        let b_kept: Vec<Point> = b_in.iter().map(|&i| b[i]).collect();
        for (clipped, full) in [
            (hausdorff::directed_within(&a, &b, bbox, 1.0), hausdorff::directed(&a_kept, &b_kept, 1.0)),
            (hausdorff::symmetric_within(&a, &b, bbox, 1.0), hausdorff::symmetric(&a_kept, &b_kept, 1.0)),
        ] {
            match (clipped, full) {
                (Ok(clipped), Ok(full)) => {
                    prop_assert_eq!(clipped.distance_m, full.distance_m);
                    prop_assert_eq!(clipped.a_index, a_in[full.a_index]);
                    prop_assert_eq!(clipped.b_index, b_in[full.b_index]);
                }
                (Err(err), Err(_)) => {
                    let argument = if a_in.is_empty() { "a" } else { "b" };
                    prop_assert_eq!(err, GeodistError::NoPointInBox { argument });
                }
                (clipped, full) => prop_assert!(false, "{clipped:?} vs {full:?}"),
            }
        }
    }
}

/// Seeded points uniform over the sphere (xorshift64, so that every run sees the same sets).
fn random_set(seed: u64, n: usize) -> Vec<Point> {
    let mut state = seed;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| point((2.0 * unit() - 1.0).asin().to_degrees(), 360.0 * unit() - 180.0))
        .collect()
}

#[test]
fn seeded_sets_of_a_thousand_points() {
    let r = MEAN_EARTH_RADIUS_M;
    for seed in [1_u64, 2, 3] {
        let a = random_set(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15), 1000);
        let b = random_set(seed.wrapping_mul(0x2545_F491_4F6C_DD1D), 700);
        check_directed(hausdorff::directed(&a, &b, r).unwrap(), &a, &b, r);
        check_directed(hausdorff::directed(&b, &a, r).unwrap(), &b, &a, r);
        check_symmetric(hausdorff::symmetric(&a, &b, r).unwrap(), &a, &b, r);
    }
}

#[test]
fn a_set_inside_another() {
    let a = random_set(7, 500);
    let b: Vec<Point> = a.iter().copied().step_by(2).collect();
    // Every point of b is in a: b to a is zero, a to b is not.
    let ba = hausdorff::directed(&b, &a, 1.0).unwrap();
    assert_eq!(ba.distance_m, 0.0);
    assert_eq!(a[ba.b_index], b[ba.a_index]);
    check_directed(hausdorff::directed(&a, &b, 1.0).unwrap(), &a, &b, 1.0);
    assert_eq!(
        hausdorff::symmetric(&a, &a, 1.0).unwrap(),
        Hausdorff { distance_m: 0.0, a_index: 0, b_index: 0 }
    );
}

#[test]
fn single_points_and_duplicates() {
    let (p, q) = (point(48.8566, 2.3522), point(51.5074, -0.1278));
    let single = hausdorff::symmetric(&[p], &[q], MEAN_EARTH_RADIUS_M).unwrap();
    assert_eq!(single, Hausdorff { distance_m: geodist::haversine(p, q), a_index: 0, b_index: 0 });
    // Repeating points changes nothing but the witnesses, which are the first copies.
    let a = [p, p, p];
    let b = [q, p, q, q];
    let directed = hausdorff::directed(&b, &a, MEAN_EARTH_RADIUS_M).unwrap();
    assert_eq!(directed, Hausdorff { distance_m: single.distance_m, a_index: 0, b_index: 0 });
    let symmetric = hausdorff::symmetric(&a, &b, MEAN_EARTH_RADIUS_M).unwrap();
    assert_eq!(symmetric, Hausdorff { distance_m: single.distance_m, a_index: 0, b_index: 0 });
    // Thousands of copies of one point stay fast (no quadratic blow-up on ties).
    let many = vec![p; 20_000];
    let h = hausdorff::symmetric(&many, &many, MEAN_EARTH_RADIUS_M).unwrap();
    assert_eq!(h, Hausdorff { distance_m: 0.0, a_index: 0, b_index: 0 });
}

#[test]
fn across_the_antimeridian() {
    let a = [point(0.0, 179.9), point(10.0, -179.95)];
    let b = [point(0.0, -179.9), point(10.0, 180.0)];
    let h = hausdorff::symmetric(&a, &b, 1.0).unwrap();
    // 0.2 degrees along the equator, not 359.8.
    assert_eq!((h.a_index, h.b_index), (0, 0));
    assert!((h.distance_m - 0.2_f64.to_radians()).abs() < 1e-15, "{h:?}");
    // 180 and -180 are the same meridian.
    let h = hausdorff::symmetric(&[point(33.0, 180.0)], &[point(33.0, -180.0)], 1.0).unwrap();
    assert_eq!(h.distance_m, 0.0);
}

#[test]
fn at_the_poles() {
    // A pole's longitude does not matter.
    let north = [point(90.0, 0.0), point(90.0, 123.0), point(90.0, -180.0)];
    let h = hausdorff::symmetric(&north, &[point(90.0, 45.0)], 1.0).unwrap();
    assert_eq!(h, Hausdorff { distance_m: 0.0, a_index: 0, b_index: 0 });
    // Pole to pole is half a great circle.
    let h = hausdorff::directed(&north, &[point(-90.0, 0.0)], 1.0).unwrap();
    assert_eq!(h.distance_m, std::f64::consts::PI);
    // A ring of points around the pole, all ten degrees from it (up to rounding).
    let ring: Vec<Point> = (0..36).map(|i| point(80.0, f64::from(i * 10 - 170))).collect();
    let h = hausdorff::directed(&ring, &north, 1.0).unwrap();
    assert!((h.distance_m - 10.0_f64.to_radians()).abs() < 1e-15);
    check_directed(h, &ring, &north, 1.0);
    check_directed(hausdorff::directed(&north, &ring, 1.0).unwrap(), &north, &ring, 1.0);
}

#[test]
fn bounding_boxes() {
    let pacific = BoundingBox::new(-10.0, 170.0, 10.0, -170.0).unwrap();
    for (lat, lon, inside) in [
        (0.0, 175.0, true),
        (0.0, -175.0, true),
        (0.0, 180.0, true),
        (0.0, -180.0, true),
        (0.0, 170.0, true),
        (0.0, -170.0, true),
        (0.0, 0.0, false),
        (0.0, 169.9, false),
        (10.1, 175.0, false),
    ] {
        assert_eq!(pacific.contains(point(lat, lon)), inside, "({lat}, {lon})");
    }
    // An ordinary box that touches the antimeridian holds both of its names.
    let east = BoundingBox::new(0.0, 170.0, 10.0, 180.0).unwrap();
    assert!(east.contains(point(5.0, -180.0)) && east.contains(point(5.0, 180.0)));
    let west = BoundingBox::new(0.0, -180.0, 10.0, -170.0).unwrap();
    assert!(west.contains(point(5.0, 180.0)) && !west.contains(point(5.0, 179.0)));
    // A pole lies in every box that reaches it, whatever its longitude.
    let arctic = BoundingBox::new(80.0, 10.0, 90.0, 20.0).unwrap();
    assert!(arctic.contains(point(90.0, -100.0)));
    assert!(!arctic.contains(point(85.0, -100.0)));
    // The whole globe, and a single meridian.
    let globe = BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap();
    assert!(random_set(11, 200).into_iter().all(|p| globe.contains(p)));
    let greenwich = BoundingBox::new(-90.0, 0.0, 90.0, 0.0).unwrap();
    assert!(greenwich.contains(point(51.5, 0.0)) && !greenwich.contains(point(51.5, 1e-9)));
}

#[test]
fn clipped_witnesses_index_the_full_sets() {
    // The far outliers (indices 0 and 3) are outside the box and ignored.
    let a = [point(-60.0, 0.0), point(0.0, 179.0), point(1.0, -179.0)];
    let b = [point(0.0, 179.5), point(0.5, -179.0), point(0.0, -178.0), point(60.0, 60.0)];
    let pacific = BoundingBox::new(-5.0, 170.0, 5.0, -170.0).unwrap();
    let h = hausdorff::symmetric_within(&a, &b, pacific, 1.0).unwrap();
    assert_eq!((h.a_index, h.b_index), (2, 2));
    let unclipped = hausdorff::symmetric(&a, &b, 1.0).unwrap();
    assert!(unclipped.distance_m > 1.0, "{unclipped:?}");
}

#[test]
fn errors_name_the_argument() {
    let p = [point(0.0, 0.0)];
    for function in [hausdorff::directed, hausdorff::symmetric] {
        assert_eq!(function(&[], &p, 1.0), Err(GeodistError::EmptyPointSet { argument: "a" }));
        assert_eq!(function(&p, &[], 1.0), Err(GeodistError::EmptyPointSet { argument: "b" }));
        assert_eq!(function(&[], &[], 1.0), Err(GeodistError::EmptyPointSet { argument: "a" }));
        for radius in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = function(&[], &p, radius).unwrap_err();
            assert!(matches!(err, GeodistError::InvalidRadius { .. }), "{err:?}");
        }
    }
    let south = BoundingBox::new(-90.0, -180.0, -10.0, 180.0).unwrap();
    let q = [point(-45.0, 0.0)];
    for function in [hausdorff::directed_within, hausdorff::symmetric_within] {
        assert_eq!(function(&p, &q, south, 1.0), Err(GeodistError::NoPointInBox { argument: "a" }));
        assert_eq!(function(&q, &p, south, 1.0), Err(GeodistError::NoPointInBox { argument: "b" }));
        // An empty set is reported as such before clipping.
        assert_eq!(
            function(&p, &[], south, 1.0),
            Err(GeodistError::EmptyPointSet { argument: "b" })
        );
    }
}

#[test]
fn bounding_box_errors_name_the_edge() {
    let at = |index| Some(Position { argument: "bbox", index });
    let cases = [
        ((f64::NAN, 0.0, 0.0, 0.0), GeodistError::InvalidLatitude { value: f64::NAN, at: at(0) }),
        ((0.0, 181.0, 91.0, 0.0), GeodistError::InvalidLongitude { value: 181.0, at: at(1) }),
        ((0.0, 0.0, 91.0, 200.0), GeodistError::InvalidLatitude { value: 91.0, at: at(2) }),
        (
            (0.0, 0.0, 0.0, -f64::INFINITY),
            GeodistError::InvalidLongitude { value: -f64::INFINITY, at: at(3) },
        ),
        (
            (10.0, 0.0, -10.0, 0.0),
            GeodistError::InvalidBoundingBox { min_lat: 10.0, max_lat: -10.0 },
        ),
    ];
    for ((s, w, n, e), expected) in cases {
        // Debug forms compare NaN values as equal.
        let got = BoundingBox::new(s, w, n, e).unwrap_err();
        assert_eq!(format!("{got:?}"), format!("{expected:?}"));
    }
    assert_eq!(
        BoundingBox::new(-1.0, 0.0, 91.0, 0.0).unwrap_err().to_string(),
        "invalid latitude bbox[2] = 91: expected a finite number in [-90, 90]"
    );
}
