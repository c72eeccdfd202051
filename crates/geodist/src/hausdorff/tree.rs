//! A static k-d tree over 3-D unit vectors with an exact, early-exit nearest-neighbour search.
//!
//! The tree is implicit: node `k` has children `2k + 1` and `2k + 2`, and covers a range of
//! the reordered points that is recomputed on the way down (a node of `len` points gives
//! `len / 2` to its left child), so a node is just its bounding box and the smallest original
//! index below it.
//!
//! Exactness. Distances are squared chords, `(dx² + dy²) + dz²`, always associated the same
//! way. A box's lower bound is the same sum over the per-axis gaps between the query and the
//! box, and each gap is computed (rounded) no larger than the coordinate difference to any
//! point inside the box, because rounding is monotonic. So the bound, as computed, never
//! exceeds the computed distance to a point in the box, and pruning by it never loses a
//! candidate: the search returns exactly what a brute-force scan with the same arithmetic
//! returns, including how ties are broken (smallest original index).

use super::with_capacity;
use crate::GeodistError;

/// Points per leaf. Scanning a leaf is cheaper than bounding its two halves below about 8.
const LEAF_LEN: usize = 8;

/// A point set prepared for nearest-neighbour queries.
#[derive(Debug)]
pub(super) struct Tree {
    /// The unit vectors, reordered so that every node covers a contiguous range.
    points: Vec<[f64; 3]>,
    /// The caller's index of each point in `points`.
    ids: Vec<usize>,
    /// The nodes in heap order (children of `k` at `2k + 1`, `2k + 2`).
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    lo: [f64; 3],
    hi: [f64; 3],
    /// The smallest id in the node: a box no nearer than the best candidate so far can only
    /// matter when it holds an equally near point with a smaller id.
    min_id: usize,
}

/// The nearest point found for a query: squared chord, the point's id and its slot in the tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Nearest {
    pub(super) chord2: f64,
    pub(super) id: usize,
    pub(super) slot: usize,
}

impl Nearest {
    /// Whether a point at `chord2` with `id` is a better answer (nearer, then smaller id).
    #[inline(always)]
    fn improved_by(&self, chord2: f64, id: usize) -> bool {
        chord2 < self.chord2 || (chord2 == self.chord2 && id < self.id)
    }
}

impl Tree {
    /// Builds the tree over `(unit vector, id)` pairs of point set `argument`; `entries` must
    /// not be empty.
    ///
    /// # Errors
    ///
    /// [`GeodistError::OutOfMemory`] when the tree's memory cannot be allocated; it is all
    /// reserved before the work starts.
    pub(super) fn new(
        mut entries: Vec<([f64; 3], usize)>,
        argument: &'static str,
    ) -> Result<Tree, GeodistError> {
        let (len, node_count) = (entries.len(), node_count(entries.len()));
        let mut nodes = with_capacity(node_count, argument, "k-d tree nodes")?;
        let mut points = with_capacity(len, argument, "k-d tree vectors")?;
        let mut ids = with_capacity(len, argument, "k-d tree indices")?;
        sort_spatially(&mut entries);
        nodes.resize(node_count, Node::EMPTY);
        fit(&entries, 0, &mut nodes);
        points.extend(entries.iter().map(|&(p, _)| p));
        ids.extend(entries.iter().map(|&(_, id)| id));
        Ok(Tree { points, ids, nodes })
    }

    /// The points in tree order, with their ids: neighbours in this order are near each other
    /// on the sphere, which makes the previous answer a good first guess for the next query.
    pub(super) fn entries(&self) -> impl Iterator<Item = ([f64; 3], usize)> + '_ {
        self.points.iter().copied().zip(self.ids.iter().copied())
    }

    /// The point nearest to `query` (smallest squared chord, then smallest id), unless some
    /// point is nearer than `cutoff`: then the search stops at the first such point and returns
    /// it. So a result below the cutoff only says that the nearest distance is below it; a
    /// result at or above the cutoff is the exact nearest point.
    ///
    /// `guess` is a slot to try first; any slot gives the same exact answer, a near one gives
    /// it sooner.
    pub(super) fn nearest_unless_below(
        &self,
        query: [f64; 3],
        cutoff: f64,
        guess: usize,
    ) -> Nearest {
        let mut best = Nearest { chord2: f64::INFINITY, id: usize::MAX, slot: usize::MAX };
        let root = Span { node: 0, start: 0, end: self.points.len() };
        let guess = guess.min(self.points.len() - 1);
        Search { tree: self, query, cutoff, best: &mut best }.visit_from(root, guess);
        best
    }
}

/// A node and the range of slots it covers.
#[derive(Debug, Clone, Copy)]
struct Span {
    node: usize,
    start: usize,
    end: usize,
}

impl Span {
    fn is_leaf(self) -> bool {
        self.end - self.start <= LEAF_LEN
    }

    /// The two children of an inner node, and where the slots of the right one start.
    fn children(self) -> (Span, Span, usize) {
        let mid = self.start + (self.end - self.start) / 2;
        let left = Span { node: 2 * self.node + 1, start: self.start, end: mid };
        let right = Span { node: 2 * self.node + 2, start: mid, end: self.end };
        (left, right, mid)
    }
}

/// One query's state during the search.
struct Search<'a> {
    tree: &'a Tree,
    query: [f64; 3],
    cutoff: f64,
    best: &'a mut Nearest,
}

impl Search<'_> {
    /// Searches a subtree, nearer child first; true when a point below the cutoff was found
    /// (and the search is over).
    fn visit(&mut self, span: Span) -> bool {
        let tree = self.tree;
        if span.is_leaf() {
            for slot in span.start..span.end {
                let d = chord2(self.query, tree.points[slot]);
                if self.best.improved_by(d, tree.ids[slot]) {
                    *self.best = Nearest { chord2: d, id: tree.ids[slot], slot };
                }
            }
            return self.best.chord2 < self.cutoff;
        }
        let (left, right, _) = span.children();
        let (left, right) = ((left, self.bound(left)), (right, self.bound(right)));
        let (near, far) = if left.1 <= right.1 { (left, right) } else { (right, left) };
        self.visit_within(near.0, near.1) || self.visit_within(far.0, far.1)
    }

    /// Searches a subtree starting from the leaf holding `slot` and widening from there, one
    /// level up at a time: near a good guess, a point below the cutoff is usually found
    /// without any descent through bounds. Whatever the guess, every subtree is visited or
    /// ruled out by its bound exactly once, so the result is the same.
    fn visit_from(&mut self, span: Span, slot: usize) -> bool {
        if span.is_leaf() {
            return self.visit(span);
        }
        let (left, right, mid) = span.children();
        let (toward, other) = if slot < mid { (left, right) } else { (right, left) };
        self.visit_from(toward, slot) || self.visit_within(other, self.bound(other))
    }

    /// Visits a subtree unless its bound shows that it cannot improve on the best point so far
    /// (re-checked here, after any sibling visited first has improved it).
    #[inline(always)]
    fn visit_within(&mut self, span: Span, bound: f64) -> bool {
        self.best.improved_by(bound, self.tree.nodes[span.node].min_id) && self.visit(span)
    }

    #[inline(always)]
    fn bound(&self, span: Span) -> f64 {
        self.tree.nodes[span.node].bound(self.query)
    }
}

impl Node {
    /// The box of no points, which any point or box extends.
    const EMPTY: Node =
        Node { lo: [f64::INFINITY; 3], hi: [f64::NEG_INFINITY; 3], min_id: usize::MAX };

    fn including(self, p: [f64; 3], id: usize) -> Node {
        Node {
            lo: [0, 1, 2].map(|axis| self.lo[axis].min(p[axis])),
            hi: [0, 1, 2].map(|axis| self.hi[axis].max(p[axis])),
            min_id: self.min_id.min(id),
        }
    }

    fn union(self, other: Node) -> Node {
        Node {
            lo: [0, 1, 2].map(|axis| self.lo[axis].min(other.lo[axis])),
            hi: [0, 1, 2].map(|axis| self.hi[axis].max(other.hi[axis])),
            min_id: self.min_id.min(other.min_id),
        }
    }

    /// A lower bound of the squared chord from `q` to any point in the box, computed so that
    /// it never exceeds [`chord2`] of such a point (see the module comment).
    #[inline(always)]
    fn bound(&self, q: [f64; 3]) -> f64 {
        let gap = |axis: usize| (self.lo[axis] - q[axis]).max(q[axis] - self.hi[axis]).max(0.0);
        let (gx, gy, gz) = (gap(0), gap(1), gap(2));
        (gx * gx + gy * gy) + gz * gz
    }
}

/// The squared chord between two unit vectors, in `[0, 4]`.
#[inline(always)]
pub(super) fn chord2(p: [f64; 3], q: [f64; 3]) -> f64 {
    let (dx, dy, dz) = (p[0] - q[0], p[1] - q[1], p[2] - q[2]);
    (dx * dx + dy * dy) + dz * dz
}

/// The size of the heap array for `len` points: leaves sit at the depth where ranges first
/// hold at most [`LEAF_LEN`] points (ranges at depth `d` hold `⌊len/2ᵈ⌋` or `⌈len/2ᵈ⌉`).
fn node_count(len: usize) -> usize {
    let mut depth = 0;
    while len.div_ceil(1 << depth) > LEAF_LEN {
        depth += 1;
    }
    (2 << depth) - 1
}

/// Reorders `entries` as the tree stores them, in which neighbours are near each other.
pub(super) fn sort_spatially(entries: &mut [([f64; 3], usize)]) {
    let all = entries.iter().fold(Node::EMPTY, |node, &(p, id)| node.including(p, id));
    split(entries, (all.lo, all.hi));
}

/// Partitions `entries` for a node and below: at each node, the median along the widest
/// axis of the node's cell goes first into the right child. The cell starts as the bounding
/// box of all points and is cut at each median, which avoids a pass over the points per level;
/// the tight boxes that the search uses are then computed bottom-up by [`fit`].
fn split(entries: &mut [([f64; 3], usize)], cell: ([f64; 3], [f64; 3])) {
    if entries.len() <= LEAF_LEN {
        return;
    }
    let (lo, hi) = cell;
    let extent = |axis: usize| hi[axis] - lo[axis];
    let axis =
        (0..3).fold(0, |widest, axis| if extent(axis) > extent(widest) { axis } else { widest });
    let mid = entries.len() / 2;
    let (_, median, _) = entries.select_nth_unstable_by(mid, |p, q| {
        p.0[axis].partial_cmp(&q.0[axis]).unwrap_or(std::cmp::Ordering::Equal)
    });
    let cut = median.0[axis];
    let (left, right) = entries.split_at_mut(mid);
    let (mut left_hi, mut right_lo) = (hi, lo);
    left_hi[axis] = cut;
    right_lo[axis] = cut;
    split(left, (lo, left_hi));
    split(right, (right_lo, hi));
}

/// Sets the tight bounding box and smallest id of node `k` (covering `entries`) and of every
/// node below it.
fn fit(entries: &[([f64; 3], usize)], k: usize, nodes: &mut [Node]) -> Node {
    let node = if entries.len() <= LEAF_LEN {
        entries.iter().fold(Node::EMPTY, |node, &(p, id)| node.including(p, id))
    } else {
        let (left, right) = entries.split_at(entries.len() / 2);
        let (left, right) = (fit(left, 2 * k + 1, nodes), fit(right, 2 * k + 2, nodes));
        left.union(right)
    };
    nodes[k] = node;
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(lat: f64, lon: f64) -> [f64; 3] {
        let (lat, lon) = (lat.to_radians(), lon.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    }

    /// A brute-force scan with the same arithmetic and tie-break.
    fn brute_force(points: &[[f64; 3]], query: [f64; 3]) -> (f64, usize) {
        let mut best = (f64::INFINITY, usize::MAX);
        for (id, &p) in points.iter().enumerate() {
            let d = chord2(query, p);
            if d < best.0 || (d == best.0 && id < best.1) {
                best = (d, id);
            }
        }
        best
    }

    fn tree(points: &[[f64; 3]]) -> Tree {
        Tree::new(points.iter().copied().zip(0..).collect(), "a").unwrap()
    }

    #[test]
    fn node_count_covers_the_deepest_leaf() {
        assert_eq!(node_count(1), 1);
        assert_eq!(node_count(8), 1);
        assert_eq!(node_count(9), 3);
        assert_eq!(node_count(16), 3);
        assert_eq!(node_count(17), 7);
        for len in (1..300).chain([1023, 1024, 1025, 4097]) {
            // Building writes every node it reaches; an index out of range would panic.
            let points: Vec<[f64; 3]> = (0..len).map(|i| unit(i as f64 % 90.0, 0.0)).collect();
            let _ = tree(&points);
        }
    }

    #[test]
    fn finds_the_same_nearest_point_as_a_scan() {
        let mut rng = crate::test_rng::XorShift::new(0x9E37_79B9_7F4A_7C15);
        let mut next = |lo: f64, hi: f64| rng.uniform(lo, hi);
        for len in [1, 2, 7, 8, 9, 100, 1000] {
            let points: Vec<[f64; 3]> =
                (0..len).map(|_| unit(next(-90.0, 90.0), next(-180.0, 180.0))).collect();
            let tree = tree(&points);
            for guess in [0, len / 2, len - 1] {
                for _ in 0..50 {
                    let query = unit(next(-90.0, 90.0), next(-180.0, 180.0));
                    let found = tree.nearest_unless_below(query, -1.0, guess);
                    assert_eq!((found.chord2, found.id), brute_force(&points, query));
                    assert_eq!(tree.ids[found.slot], found.id);
                }
            }
        }
    }

    #[test]
    fn ties_go_to_the_smallest_id_even_among_many_duplicates() {
        // 500 copies of one point and 500 of another: every query ties with many points.
        let points: Vec<[f64; 3]> = (0..1000)
            .map(|i| if i % 2 == 0 { unit(10.0, 20.0) } else { unit(-10.0, 20.0) })
            .collect();
        let tree = tree(&points);
        for guess in [0, 1, 999] {
            let found = tree.nearest_unless_below(unit(10.0, 20.0), -1.0, guess);
            assert_eq!((found.chord2, found.id), (0.0, 0));
            // Equidistant from both clusters (the equator, by symmetry of z = ±sin 10°).
            let found = tree.nearest_unless_below(unit(0.0, 20.0), -1.0, guess);
            assert_eq!(found.id, 0);
            let found = tree.nearest_unless_below(unit(-10.0, 20.0), -1.0, guess);
            assert_eq!((found.chord2, found.id), (0.0, 1));
        }
    }

    #[test]
    fn stops_as_soon_as_a_point_is_below_the_cutoff() {
        let points: Vec<[f64; 3]> = (0..100).map(|i| unit(0.0, f64::from(i))).collect();
        let tree = tree(&points);
        let query = unit(0.0, 50.2);
        let nearest = tree.nearest_unless_below(query, -1.0, 0);
        assert_eq!(nearest.id, 50);
        // A generous cutoff: the guess's leaf, around longitude 0, has a point below it.
        let guess = tree.ids.iter().position(|&id| id == 0).unwrap();
        let early = tree.nearest_unless_below(query, 1.0, guess);
        assert!(early.chord2 < 1.0 && early.id < 20, "{early:?}");
        // At exactly the nearest distance nothing is below the cutoff: the answer is exact.
        assert_eq!(tree.nearest_unless_below(query, nearest.chord2, 0), nearest);
    }
}
