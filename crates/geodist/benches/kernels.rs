//! Criterion benchmarks of the kernels: haversine and the WGS84 geodesic (distance only, and
//! with azimuths), one call at a time and in 100k batches, reported per pair of points; and
//! the exact Hausdorff distance between random point sets of 10k and 100k points each.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geodist::hausdorff::{self, BoundingBox};
use geodist::{MEAN_EARTH_RADIUS_M, Point, batch, geodesic, haversine, inverse};

/// Pairs per scalar measurement: enough to average over Newton iteration counts.
const SCALAR_PAIRS: usize = 1_024;
/// Pairs per batch call.
const BATCH_PAIRS: usize = 100_000;

/// Seeded random coordinates, uniform over the sphere, as four columns.
struct Columns {
    lat1: Vec<f64>,
    lon1: Vec<f64>,
    lat2: Vec<f64>,
    lon2: Vec<f64>,
}

impl Columns {
    fn random(n: usize) -> Self {
        Self::seeded(n, 0x2545_F491_4F6C_DD1D)
    }

    fn seeded(n: usize, seed: u64) -> Self {
        let mut state = seed;
        let mut unit = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut lat = || (2.0 * unit() - 1.0).asin().to_degrees();
        let lat1: Vec<f64> = (0..n).map(|_| lat()).collect();
        let lat2: Vec<f64> = (0..n).map(|_| lat()).collect();
        let mut lon = || 360.0 * unit() - 180.0;
        let lon1: Vec<f64> = (0..n).map(|_| lon()).collect();
        let lon2: Vec<f64> = (0..n).map(|_| lon()).collect();
        Columns { lat1, lon1, lat2, lon2 }
    }

    fn points(&self) -> Vec<(Point, Point)> {
        (0..self.lat1.len())
            .map(|i| {
                (
                    Point::new(self.lat1[i], self.lon1[i]).unwrap(),
                    Point::new(self.lat2[i], self.lon2[i]).unwrap(),
                )
            })
            .collect()
    }
}

fn scalar(c: &mut Criterion) {
    let pairs = Columns::random(SCALAR_PAIRS).points();
    let mut group = c.benchmark_group("scalar");
    group.throughput(Throughput::Elements(SCALAR_PAIRS as u64));
    // black_box on every input and output keeps each call separate, as in a caller's loop
    // over unrelated pairs.
    group.bench_function("haversine", |b| {
        b.iter(|| {
            for &(p, q) in &pairs {
                black_box(haversine(black_box(p), black_box(q)));
            }
        })
    });
    group.bench_function("geodesic", |b| {
        b.iter(|| {
            for &(p, q) in &pairs {
                black_box(geodesic(black_box(p), black_box(q)));
            }
        })
    });
    group.bench_function("inverse", |b| {
        b.iter(|| {
            for &(p, q) in &pairs {
                black_box(inverse(black_box(p), black_box(q)));
            }
        })
    });
    group.finish();
}

fn batches(c: &mut Criterion) {
    let columns = Columns::random(BATCH_PAIRS);
    let Columns { lat1, lon1, lat2, lon2 } = &columns;
    let mut out = vec![0.0; BATCH_PAIRS];
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(BATCH_PAIRS as u64));
    group.bench_function("haversine", |b| {
        b.iter(|| batch::haversine(lat1, lon1, lat2, lon2, MEAN_EARTH_RADIUS_M, &mut out).unwrap())
    });
    group.bench_function("geodesic", |b| {
        b.iter(|| batch::geodesic(lat1, lon1, lat2, lon2, &mut out).unwrap())
    });
    let (mut azi1, mut azi2) = (vec![0.0; BATCH_PAIRS], vec![0.0; BATCH_PAIRS]);
    group.bench_function("inverse", |b| {
        b.iter(|| batch::inverse(lat1, lon1, lat2, lon2, &mut out, &mut azi1, &mut azi2).unwrap())
    });
    group.finish();
}

/// Two independent sets of `n` random points each (the first and second columns).
fn point_sets(n: usize) -> (Vec<Point>, Vec<Point>) {
    let columns = Columns::seeded(n, 0x9E37_79B9_7F4A_7C15);
    columns.points().into_iter().unzip()
}

fn hausdorff_sets(c: &mut Criterion) {
    let mut group = c.benchmark_group("hausdorff");
    for n in [10_000, 100_000] {
        let (a, b) = point_sets(n);
        group.throughput(Throughput::Elements(2 * n as u64));
        group.bench_function(format!("symmetric/{n}+{n}"), |bench| {
            bench.iter(|| hausdorff::symmetric(&a, &b, MEAN_EARTH_RADIUS_M).unwrap())
        });
        group.bench_function(format!("directed/{n}+{n}"), |bench| {
            bench.iter(|| hausdorff::directed(&a, &b, MEAN_EARTH_RADIUS_M).unwrap())
        });
        // About a tenth of each set, across the antimeridian.
        let bbox = BoundingBox::new(-60.0, 150.0, 60.0, -150.0).unwrap();
        group.bench_function(format!("symmetric_within/{n}+{n}"), |bench| {
            bench.iter(|| hausdorff::symmetric_within(&a, &b, bbox, MEAN_EARTH_RADIUS_M).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = scalar, batches, hausdorff_sets
}
criterion_main!(benches);
