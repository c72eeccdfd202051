//! The Hausdorff distance between two point sets on a sphere, exact, with the pair of points
//! that realizes it.
//!
//! The directed distance from `a` to `b` is the largest distance from a point of `a` to its
//! nearest point of `b`; the symmetric distance is the larger of the two directions. Both are
//! great-circle distances on a sphere of the given radius.
//!
//! # Method
//!
//! Points become unit vectors, and nearest neighbours are found by squared chord length, which
//! grows monotonically with the arc; so the answer is the exact maximin of the arc, not an
//! approximation. Each target set is put in a k-d tree, and each query point stops searching
//! as soon as it finds a target nearer than the largest nearest-neighbour distance found so
//! far, since it can then no longer be the answer (the early break of Taha and Hanbury, "An
//! efficient algorithm for calculating the exact Hausdorff distance", IEEE TPAMI 37, 2015).
//! Queries run in a spatial order of their own set (the order of its k-d tree), and each
//! search starts in the leaf of the previous query's nearest target and widens from there,
//! so most queries stop within that leaf, and whole sets typically cost little more than
//! building the trees, O((n + m) log(n + m)). Everything runs on the calling thread.
//!
//! # Memory
//!
//! The working memory is the unit vectors of both sets (32 bytes a point, counting only the
//! points in the box for the `_within` functions), and for each set that is searched (`b`, and
//! for the symmetric distance `a` too) a k-d tree: a reordered copy of the vectors, their
//! indices and the nodes, about 46 to 60 bytes a point. Each part is reserved before it is
//! filled, and when one cannot be allocated the functions return
//! [`GeodistError::OutOfMemory`] instead of aborting the process.
//!
//! # Ties and rounding
//!
//! The search returns exactly what a brute-force scan over all pairs with the same
//! floating-point chord computation returns, and breaks ties the same way: among points of
//! the query set whose nearest distance is the maximum, the one with the smallest index;
//! among its nearest points, the one with the smallest index; and for the symmetric distance
//! the direction from `a` to `b` when both directions give the same maximum. The result is
//! therefore deterministic and independent of the order in which the work is done.
//!
//! Chords of unit vectors are accurate to about 1e-16 in absolute terms (about a nanometer on
//! the Earth), so two candidate pairs whose distances differ by less than that may be ranked
//! either way. The reported distance is the [`haversine`](crate::haversine) distance of the
//! witness pair, accurate to a few ulps, so that it equals what a caller computes for that pair.
//!
//! ```
//! use geodist::hausdorff::{self, BoundingBox};
//! use geodist::{MEAN_EARTH_RADIUS_M, Point};
//!
//! let a = [Point::new(0.0, 0.0)?, Point::new(0.0, 1.0)?, Point::new(0.0, 2.0)?];
//! let b = [Point::new(0.0, 0.0)?, Point::new(0.0, 1.0)?];
//!
//! // The point (0, 2) is one degree from b; every point of b is in a.
//! let ab = hausdorff::directed(&a, &b, MEAN_EARTH_RADIUS_M)?;
//! assert_eq!((ab.a_index, ab.b_index), (2, 1));
//! assert!((ab.distance_m - 111_195.08).abs() < 0.01);
//! let ba = hausdorff::directed(&b, &a, MEAN_EARTH_RADIUS_M)?;
//! assert_eq!(ba.distance_m, 0.0);
//! assert_eq!(hausdorff::symmetric(&a, &b, MEAN_EARTH_RADIUS_M)?, ab);
//!
//! // Clipped to longitudes up to 1.5 degrees east, the sets agree.
//! let west = BoundingBox::new(-10.0, -10.0, 10.0, 1.5)?;
//! let clipped = hausdorff::symmetric_within(&a, &b, west, MEAN_EARTH_RADIUS_M)?;
//! assert_eq!(clipped.distance_m, 0.0);
//! # Ok::<(), geodist::GeodistError>(())
//! ```

mod tree;

use crate::haversine::{central_angle, check_radius};
use crate::point::{is_valid_lat, is_valid_lon};
use crate::{GeodistError, Point, Position, trig};
use tree::Tree;

/// A Hausdorff distance and the pair of points that realizes it.
///
/// `a_index` and `b_index` index the slices passed as `a` and `b` (the unclipped slices for
/// the `_within` functions), whichever direction the maximum comes from: the distance from
/// `a[a_index]` to `b[b_index]` is `distance_m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hausdorff {
    /// The Hausdorff distance, in the unit of the radius (meters by convention).
    pub distance_m: f64,
    /// The index of the witness in `a`.
    pub a_index: usize,
    /// The index of the witness in `b`.
    pub b_index: usize,
}

/// A latitude/longitude box on the sphere, possibly across the antimeridian.
///
/// A point lies in the box when `min_lat ≤ lat ≤ max_lat` and its longitude lies on the arc
/// going east from `min_lon` to `max_lon`: `min_lon ≤ lon ≤ max_lon`, or, when
/// `min_lon > max_lon` (a box across the antimeridian), `lon ≥ min_lon` or `lon ≤ max_lon`.
/// Longitudes 180 and -180 are the same meridian, and a pole (latitude ±90) lies on every
/// meridian, so its longitude does not matter.
///
/// # Examples
///
/// ```
/// use geodist::Point;
/// use geodist::hausdorff::BoundingBox;
///
/// // Fiji, across the antimeridian.
/// let fiji = BoundingBox::new(-21.0, 176.0, -12.0, -178.0)?;
/// assert!(fiji.contains(Point::new(-18.1, 178.4)?));
/// assert!(fiji.contains(Point::new(-16.0, -179.9)?));
/// assert!(!fiji.contains(Point::new(-18.1, 0.0)?));
///
/// let arctic = BoundingBox::new(66.5, 0.0, 90.0, 10.0)?;
/// assert!(arctic.contains(Point::new(90.0, -120.0)?)); // the pole
/// # Ok::<(), geodist::GeodistError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    min_lat: f64,
    min_lon: f64,
    max_lat: f64,
    max_lon: f64,
}

impl BoundingBox {
    /// Makes a box from its edges in degrees, in the order `(min_lat, min_lon, max_lat,
    /// max_lon)`; `min_lon > max_lon` makes a box across the antimeridian.
    ///
    /// # Errors
    ///
    /// [`GeodistError::InvalidLatitude`] or [`GeodistError::InvalidLongitude`] for the first
    /// invalid edge, at [`Position`] `bbox[0]` to `bbox[3]` in argument order; then
    /// [`GeodistError::InvalidBoundingBox`] when `min_lat > max_lat`.
    ///
    /// # Examples
    ///
    /// ```
    /// use geodist::hausdorff::BoundingBox;
    /// use geodist::{GeodistError, Position};
    ///
    /// assert!(BoundingBox::new(40.0, -10.0, 60.0, 30.0).is_ok());
    /// assert_eq!(
    ///     BoundingBox::new(40.0, -10.0, 60.0, 190.0),
    ///     Err(GeodistError::InvalidLongitude {
    ///         value: 190.0,
    ///         at: Some(Position { argument: "bbox", index: 3 }),
    ///     })
    /// );
    /// assert_eq!(
    ///     BoundingBox::new(60.0, -10.0, 40.0, 30.0),
    ///     Err(GeodistError::InvalidBoundingBox { min_lat: 60.0, max_lat: 40.0 })
    /// );
    /// ```
    pub fn new(
        min_lat: f64,
        min_lon: f64,
        max_lat: f64,
        max_lon: f64,
    ) -> Result<BoundingBox, GeodistError> {
        let edges = [min_lat, min_lon, max_lat, max_lon];
        for (index, value) in edges.into_iter().enumerate() {
            let at = Some(Position { argument: "bbox", index });
            // Even indices are latitudes, odd ones longitudes.
            if index % 2 == 0 && !is_valid_lat(value) {
                return Err(GeodistError::InvalidLatitude { value, at });
            }
            if index % 2 == 1 && !is_valid_lon(value) {
                return Err(GeodistError::InvalidLongitude { value, at });
            }
        }
        if min_lat > max_lat {
            return Err(GeodistError::InvalidBoundingBox { min_lat, max_lat });
        }
        Ok(BoundingBox { min_lat, min_lon, max_lat, max_lon })
    }

    /// Whether the box contains `point` (edges included).
    ///
    /// # Examples
    ///
    /// ```
    /// use geodist::Point;
    /// use geodist::hausdorff::BoundingBox;
    ///
    /// let pacific = BoundingBox::new(-10.0, 170.0, 10.0, 180.0)?;
    /// assert!(pacific.contains(Point::new(0.0, -180.0)?)); // the same meridian as 180
    /// assert!(!pacific.contains(Point::new(0.0, -179.0)?));
    /// # Ok::<(), geodist::GeodistError>(())
    /// ```
    #[must_use]
    pub fn contains(&self, point: Point) -> bool {
        let (lat, lon) = (point.lat(), point.lon());
        if lat < self.min_lat || lat > self.max_lat {
            return false;
        }
        let on_arc = |lon: f64| {
            if self.min_lon <= self.max_lon {
                self.min_lon <= lon && lon <= self.max_lon
            } else {
                lon >= self.min_lon || lon <= self.max_lon
            }
        };
        lat.abs() == 90.0 || on_arc(lon) || (lon.abs() == 180.0 && on_arc(-lon))
    }
}

/// The directed Hausdorff distance from `a` to `b` on a sphere of radius `radius_m`: the
/// largest distance from a point of `a` to its nearest point of `b`. `a_index` is that
/// farthest point of `a`, `b_index` its nearest point in `b`.
///
/// See the [module documentation](self) for the method and how ties are broken.
///
/// # Errors
///
/// [`GeodistError::InvalidRadius`] when `radius_m` is not a finite number greater than zero,
/// then [`GeodistError::EmptyPointSet`] naming `"a"` or `"b"`, and
/// [`GeodistError::OutOfMemory`] when the working memory (see the [module
/// documentation](self#memory)) cannot be allocated.
///
/// # Examples
///
/// ```
/// use geodist::{hausdorff, haversine, Point, MEAN_EARTH_RADIUS_M};
///
/// let coast = [Point::new(51.0, 1.5)?, Point::new(51.1, 1.7)?, Point::new(51.3, 1.9)?];
/// let track = [Point::new(51.0, 1.6)?, Point::new(51.35, 1.9)?];
/// let h = hausdorff::directed(&coast, &track, MEAN_EARTH_RADIUS_M)?;
/// assert_eq!((h.a_index, h.b_index), (1, 0));
/// assert_eq!(h.distance_m, haversine(coast[1], track[0]));
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn directed(a: &[Point], b: &[Point], radius_m: f64) -> Result<Hausdorff, GeodistError> {
    hausdorff(a, b, None, Mode::Directed, radius_m)
}

/// The symmetric Hausdorff distance between `a` and `b` on a sphere of radius `radius_m`: the
/// larger of the directed distances from `a` to `b` and from `b` to `a`. The witnesses are
/// always an index into `a` and an index into `b`, whichever direction gives the maximum.
///
/// See the [module documentation](self) for the method and how ties are broken.
///
/// # Errors
///
/// [`GeodistError::InvalidRadius`] when `radius_m` is not a finite number greater than zero,
/// then [`GeodistError::EmptyPointSet`] naming `"a"` or `"b"`, and
/// [`GeodistError::OutOfMemory`] when the working memory (see the [module
/// documentation](self#memory)) cannot be allocated.
///
/// # Examples
///
/// ```
/// use geodist::{hausdorff, Point, MEAN_EARTH_RADIUS_M};
///
/// let a = [Point::new(0.0, 0.0)?];
/// let b = [Point::new(0.0, 0.0)?, Point::new(0.0, 90.0)?];
/// // Every point of a is in b, but b's second point is a quarter circle from a.
/// let h = hausdorff::symmetric(&a, &b, 1.0)?;
/// assert_eq!((h.a_index, h.b_index), (0, 1));
/// assert!((h.distance_m - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
/// assert_eq!(hausdorff::symmetric(&b, &a, 1.0)?.distance_m, h.distance_m);
///
/// assert!(hausdorff::symmetric(&a, &[], MEAN_EARTH_RADIUS_M).is_err());
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn symmetric(a: &[Point], b: &[Point], radius_m: f64) -> Result<Hausdorff, GeodistError> {
    hausdorff(a, b, None, Mode::Symmetric, radius_m)
}

/// [`directed`] between the points of `a` and of `b` that lie in `bbox`; the other points are
/// ignored, and the witnesses index the full slices.
///
/// # Errors
///
/// As [`directed`], then [`GeodistError::NoPointInBox`] naming `"a"` or `"b"` when none of
/// its points lies in the box.
///
/// # Examples
///
/// ```
/// use geodist::hausdorff::{self, BoundingBox};
/// use geodist::Point;
///
/// // Two tracks crossing the antimeridian, and a far-away outlier in b.
/// let a = [Point::new(0.0, 179.0)?, Point::new(0.0, -179.0)?];
/// let b = [Point::new(45.0, 0.0)?, Point::new(0.0, 179.5)?, Point::new(0.0, -179.5)?];
/// let pacific = BoundingBox::new(-5.0, 175.0, 5.0, -175.0)?;
/// let h = hausdorff::directed_within(&b, &a, pacific, 1.0)?;
/// assert_eq!(h.a_index, 1); // index into the full b
/// assert!((h.distance_m - 0.5_f64.to_radians()).abs() < 1e-15);
/// # Ok::<(), geodist::GeodistError>(())
/// ```
pub fn directed_within(
    a: &[Point],
    b: &[Point],
    bbox: BoundingBox,
    radius_m: f64,
) -> Result<Hausdorff, GeodistError> {
    hausdorff(a, b, Some(bbox), Mode::Directed, radius_m)
}

/// [`symmetric`] between the points of `a` and of `b` that lie in `bbox`; the other points
/// are ignored, and the witnesses index the full slices.
///
/// # Errors
///
/// As [`symmetric`], then [`GeodistError::NoPointInBox`] naming `"a"` or `"b"` when none of
/// its points lies in the box.
///
/// # Examples
///
/// ```
/// use geodist::hausdorff::{self, BoundingBox};
/// use geodist::{GeodistError, Point};
///
/// let a = [Point::new(10.0, 10.0)?, Point::new(-50.0, 0.0)?];
/// let b = [Point::new(10.0, 11.0)?];
/// let tropics = BoundingBox::new(-23.4, -180.0, 23.4, 180.0)?;
/// let h = hausdorff::symmetric_within(&a, &b, tropics, 1.0)?;
/// assert_eq!((h.a_index, h.b_index), (0, 0));
///
/// let south = BoundingBox::new(-90.0, -180.0, -40.0, 180.0)?;
/// assert_eq!(
///     hausdorff::symmetric_within(&a, &b, south, 1.0),
///     Err(GeodistError::NoPointInBox { argument: "b" })
/// );
/// # Ok::<(), GeodistError>(())
/// ```
pub fn symmetric_within(
    a: &[Point],
    b: &[Point],
    bbox: BoundingBox,
    radius_m: f64,
) -> Result<Hausdorff, GeodistError> {
    hausdorff(a, b, Some(bbox), Mode::Symmetric, radius_m)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Directed,
    Symmetric,
}

/// The farthest query point found so far: its squared chord to its nearest target, its id and
/// that target's id.
#[derive(Debug, Clone, Copy)]
struct Witness {
    chord2: f64,
    query: usize,
    target: usize,
}

fn hausdorff(
    a: &[Point],
    b: &[Point],
    bbox: Option<BoundingBox>,
    mode: Mode,
    radius_m: f64,
) -> Result<Hausdorff, GeodistError> {
    check_radius(radius_m)?;
    for (argument, points) in [("a", a), ("b", b)] {
        if points.is_empty() {
            return Err(GeodistError::EmptyPointSet { argument });
        }
    }
    let a_vectors = unit_vectors(a, bbox, "a")?;
    let b_vectors = unit_vectors(b, bbox, "b")?;
    // Below every squared chord, so the first query is always searched in full.
    let nothing = Witness { chord2: -1.0, query: usize::MAX, target: usize::MAX };
    let (a_index, b_index) = match mode {
        Mode::Directed => {
            let b_tree = Tree::new(b_vectors, "b")?;
            let mut a_vectors = a_vectors;
            tree::sort_spatially(&mut a_vectors);
            let ab = farthest(a_vectors.into_iter(), &b_tree, nothing);
            (ab.query, ab.target)
        }
        Mode::Symmetric => {
            let (a_tree, b_tree) = (Tree::new(a_vectors, "a")?, Tree::new(b_vectors, "b")?);
            let ab = farthest(a_tree.entries(), &b_tree, nothing);
            // Only a point of b strictly farther from a than `ab` can change the answer, so
            // that distance is the second direction's cutoff from the start.
            let floor = Witness { query: usize::MAX, target: usize::MAX, ..ab };
            let ba = farthest(b_tree.entries(), &a_tree, floor);
            if ba.chord2 > ab.chord2 { (ba.target, ba.query) } else { (ab.query, ab.target) }
        }
    };
    let (p, q) = (a[a_index], b[b_index]);
    Ok(Hausdorff {
        distance_m: radius_m * central_angle(p.lat(), p.lon(), q.lat(), q.lon()),
        a_index,
        b_index,
    })
}

/// The query whose nearest target is farthest, starting from `best`: a query replaces it only
/// with a larger nearest distance, or an equal one and a smaller id.
fn farthest(
    queries: impl Iterator<Item = ([f64; 3], usize)>,
    targets: &Tree,
    mut best: Witness,
) -> Witness {
    let mut guess = 0;
    for (query, id) in queries {
        let nearest = targets.nearest_unless_below(query, best.chord2, guess);
        guess = nearest.slot;
        if nearest.chord2 > best.chord2 || (nearest.chord2 == best.chord2 && id < best.query) {
            best = Witness { chord2: nearest.chord2, query: id, target: nearest.id };
        }
    }
    best
}

/// The unit vectors of the points (in the box, if there is one) with their indices; an error
/// when that leaves none.
fn unit_vectors(
    points: &[Point],
    bbox: Option<BoundingBox>,
    argument: &'static str,
) -> Result<Vec<([f64; 3], usize)>, GeodistError> {
    let vectors = match bbox {
        None => {
            let mut vectors = with_capacity(points.len(), argument, "unit vectors")?;
            vectors.extend(points.iter().enumerate().map(|(i, &p)| (unit_vector(p), i)));
            vectors
        }
        Some(bbox) => {
            // Counted first, so that exactly the memory needed is reserved.
            let inside = points.iter().filter(|&&p| bbox.contains(p)).count();
            if inside == 0 {
                return Err(GeodistError::NoPointInBox { argument });
            }
            let mut vectors = with_capacity(inside, argument, "unit vectors")?;
            let points = points.iter().enumerate().filter(|&(_, &p)| bbox.contains(p));
            vectors.extend(points.map(|(i, &p)| (unit_vector(p), i)));
            vectors
        }
    };
    Ok(vectors)
}

/// An empty vector with room for exactly `len` elements, or [`GeodistError::OutOfMemory`] for
/// the `what` of point set `argument` when they cannot be allocated. Every allocation in
/// proportion to a point set goes through here, so that running out of memory is an error for
/// the caller and never aborts the process.
fn with_capacity<T>(
    len: usize,
    argument: &'static str,
    what: &'static str,
) -> Result<Vec<T>, GeodistError> {
    let mut vec = Vec::new();
    match vec.try_reserve_exact(reservation(len, argument, what)) {
        Ok(()) => Ok(vec),
        Err(_) => Err(GeodistError::OutOfMemory {
            argument,
            what,
            bytes: len.saturating_mul(size_of::<T>()),
        }),
    }
}

/// The number of elements to reserve for `len`: `len` itself, except in tests, which can make
/// one allocation impossible to see that its failure is reported.
#[cfg(not(test))]
#[inline(always)]
fn reservation(len: usize, _argument: &str, _what: &str) -> usize {
    len
}

#[cfg(test)]
std::thread_local! {
    /// The `(argument, what)` whose reservation cannot succeed, on this test's thread.
    static IMPOSSIBLE: std::cell::Cell<Option<(&'static str, &'static str)>> =
        const { std::cell::Cell::new(None) };
}

#[cfg(test)]
fn reservation(len: usize, argument: &'static str, what: &'static str) -> usize {
    // Half the address space in elements of 8 bytes or more: more bytes than `isize::MAX`,
    // which no vector can hold.
    if IMPOSSIBLE.get() == Some((argument, what)) { usize::MAX / 2 } else { len }
}

/// The point as a unit vector: x towards (0, 0), y towards (0, 90), z towards the north pole.
#[inline]
fn unit_vector(point: Point) -> [f64; 3] {
    let (sin_lat, cos_lat) = trig::sin_cos_deg(point.lat());
    let (sin_lon, cos_lon) = trig::sin_cos_deg(point.lon());
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force over all pairs with the same chord arithmetic and the documented tie-breaks:
    /// the witness must be identical, not merely as far.
    fn brute_force(a: &[Point], b: &[Point], mode: Mode) -> (usize, usize) {
        let directed = |queries: &[Point], targets: &[Point]| {
            let mut best = (-1.0, usize::MAX, usize::MAX);
            for (i, &p) in queries.iter().enumerate() {
                let mut nearest = (f64::INFINITY, usize::MAX);
                for (j, &q) in targets.iter().enumerate() {
                    let d = tree::chord2(unit_vector(p), unit_vector(q));
                    if d < nearest.0 {
                        nearest = (d, j);
                    }
                }
                if nearest.0 > best.0 {
                    best = (nearest.0, i, nearest.1);
                }
            }
            best
        };
        let ab = directed(a, b);
        match mode {
            Mode::Directed => (ab.1, ab.2),
            Mode::Symmetric => {
                let ba = directed(b, a);
                if ba.0 > ab.0 { (ba.2, ba.1) } else { (ab.1, ab.2) }
            }
        }
    }

    fn random_points(seed: u64, n: usize, spread: f64) -> Vec<Point> {
        let mut rng = crate::test_rng::XorShift::new(seed | 1);
        let mut next = || rng.unit();
        (0..n)
            .map(|_| {
                let lat = ((2.0 * next() - 1.0) * spread).asin().to_degrees();
                Point::new(lat, 360.0 * next() - 180.0).unwrap()
            })
            .collect()
    }

    #[test]
    fn witnesses_equal_the_brute_force_ones() {
        for (seed, n, m, spread) in [
            (1, 1, 1, 1.0),
            (2, 1, 50, 1.0),
            (3, 50, 1, 1.0),
            (4, 300, 200, 1.0),
            (5, 500, 40, 0.1),
        ] {
            let a = random_points(seed, n, spread);
            let b = random_points(seed * 7919, m, 1.0);
            for mode in [Mode::Directed, Mode::Symmetric] {
                let got = hausdorff(&a, &b, None, mode, 1.0).unwrap();
                assert_eq!(
                    (got.a_index, got.b_index),
                    brute_force(&a, &b, mode),
                    "{mode:?} {n} {m}"
                );
            }
        }
    }

    #[test]
    fn ties_are_broken_by_the_smallest_indices() {
        // Four copies of each point, and the farthest points of a in a mirrored pair.
        let p = |lat, lon| Point::new(lat, lon).unwrap();
        let a = [p(5.0, 0.0), p(-5.0, 0.0), p(5.0, 0.0), p(0.0, 0.0), p(-5.0, 0.0)];
        let b = [p(0.0, 0.0), p(0.0, 0.0), p(0.0, 0.0), p(0.0, 0.0)];
        for mode in [Mode::Directed, Mode::Symmetric] {
            let got = hausdorff(&a, &b, None, mode, 1.0).unwrap();
            assert_eq!((got.a_index, got.b_index), (0, 0), "{mode:?}");
        }
        // Identical sets: every distance is zero.
        let got = hausdorff(&b, &b, None, Mode::Symmetric, 1.0).unwrap();
        assert_eq!((got.distance_m, got.a_index, got.b_index), (0.0, 0, 0));
    }

    #[test]
    fn a_reservation_that_cannot_succeed_is_an_error() {
        // More bytes than `isize::MAX`: the size overflows.
        let err = with_capacity::<([f64; 3], usize)>(usize::MAX / 2, "a", "unit vectors");
        assert_eq!(
            err.unwrap_err(),
            GeodistError::OutOfMemory { argument: "a", what: "unit vectors", bytes: usize::MAX }
        );
        // 4 EiB, a valid size that no allocator has: the allocator refuses.
        #[cfg(target_pointer_width = "64")]
        assert_eq!(
            with_capacity::<usize>(1 << 59, "b", "k-d tree indices").unwrap_err(),
            GeodistError::OutOfMemory { argument: "b", what: "k-d tree indices", bytes: 1 << 62 }
        );
    }

    #[test]
    fn every_allocation_that_fails_is_reported_and_nothing_else_is() {
        let (a, b) = (random_points(11, 40, 1.0), random_points(13, 30, 1.0));
        let everywhere = BoundingBox::new(-90.0, -180.0, 90.0, 180.0).unwrap();
        let north = BoundingBox::new(0.0, -180.0, 90.0, 180.0).unwrap();
        let north_of_a = a.iter().filter(|p| north.contains(**p)).count();
        assert!(0 < north_of_a && north_of_a < a.len());
        // The nodes are 7 words each (two corners and the smallest id); the tree of 40 points
        // has 15 of them, that of 30 points 7 (a full heap down to leaves of at most 8 points).
        let cases = [
            (None, Mode::Directed, "a", "unit vectors", 40 * 32),
            (None, Mode::Directed, "b", "unit vectors", 30 * 32),
            (None, Mode::Directed, "b", "k-d tree nodes", 7 * 56),
            (None, Mode::Directed, "b", "k-d tree vectors", 30 * 24),
            (None, Mode::Directed, "b", "k-d tree indices", 30 * 8),
            (Some(everywhere), Mode::Symmetric, "a", "unit vectors", 40 * 32),
            (Some(north), Mode::Symmetric, "a", "unit vectors", north_of_a * 32),
            (None, Mode::Symmetric, "a", "k-d tree nodes", 15 * 56),
            (None, Mode::Symmetric, "a", "k-d tree vectors", 40 * 24),
            (None, Mode::Symmetric, "a", "k-d tree indices", 40 * 8),
            (None, Mode::Symmetric, "b", "k-d tree nodes", 7 * 56),
        ];
        let expected = |bbox, mode| hausdorff(&a, &b, bbox, mode, 1.0).unwrap();
        for (bbox, mode, argument, what, bytes) in cases {
            IMPOSSIBLE.set(Some((argument, what)));
            let got = hausdorff(&a, &b, bbox, mode, 1.0);
            IMPOSSIBLE.set(None);
            assert_eq!(got, Err(GeodistError::OutOfMemory { argument, what, bytes }), "{mode:?}");
        }
        // The directed distance builds no tree of a.
        IMPOSSIBLE.set(Some(("a", "k-d tree nodes")));
        let got = hausdorff(&a, &b, None, Mode::Directed, 1.0);
        IMPOSSIBLE.set(None);
        assert_eq!(got, Ok(expected(None, Mode::Directed)));
    }

    #[test]
    fn unit_vectors_are_exact_at_the_poles_and_the_antimeridian() {
        let p = |lat, lon| unit_vector(Point::new(lat, lon).unwrap());
        assert_eq!(p(90.0, 37.0), [0.0, 0.0, 1.0]);
        assert_eq!(p(-90.0, -120.0), [0.0, 0.0, -1.0]);
        assert_eq!(p(0.0, 0.0), [1.0, 0.0, 0.0]);
        assert_eq!(p(0.0, 90.0), [0.0, 1.0, 0.0]);
        assert_eq!(tree::chord2(p(33.0, 180.0), p(33.0, -180.0)), 0.0);
        for (lat, lon) in [(12.5, -170.0), (-89.0, 179.9), (45.0, 45.0)] {
            let [x, y, z] = p(lat, lon);
            assert!(((x * x + y * y) + z * z - 1.0).abs() <= 4.0 * f64::EPSILON);
        }
    }
}
