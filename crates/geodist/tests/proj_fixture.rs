//! Agreement with PROJ (GeographicLib's C code, through pyproj) on 1,000 stored inverse
//! solutions: random, nearly antipodal, short, near-equatorial and near-polar pairs.

mod common;

use common::azimuth_difference;
use geodist::{Point, inverse};

const FIXTURE: &str = include_str!("data/proj_inverse.csv");

#[test]
fn agrees_with_proj() {
    let (mut max_ds, mut max_dazi, mut count) = (0.0_f64, 0.0_f64, 0);
    for line in FIXTURE.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let [lat1, lon1, lat2, lon2, s12, azi1, azi2] = v[..] else { panic!("bad line {line}") };
        let got = inverse(Point::new(lat1, lon1).unwrap(), Point::new(lat2, lon2).unwrap());
        let ds = (got.distance_m - s12).abs();
        let dazi = azimuth_difference(got.azimuth1_deg, azi1)
            .max(azimuth_difference(got.azimuth2_deg, azi2));
        if ds > 1e-9 || dazi > 1e-10 {
            eprintln!("{line}: {got:?} ds={ds:e} dazi={dazi:e}");
        }
        max_ds = max_ds.max(ds);
        max_dazi = max_dazi.max(dazi);
        count += 1;
    }
    eprintln!("{count} pairs: max |ds| = {max_ds:e} m, max |dazi| = {max_dazi:e} deg");
    assert_eq!(count, 1000);
    assert!(max_ds <= 1e-9, "max distance difference {max_ds:e} m");
    assert!(max_dazi <= 1e-10, "max azimuth difference {max_dazi:e} deg");
}
