//! Test helpers shared by the unit tests: golden files.

use std::path::PathBuf;

/// Compares `actual` with the golden file `xtask/test_data/golden/<name>`.
/// Run with `UPDATE_GOLDEN=1` to (re)write the file after an intended change.
#[track_caller]
pub fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("golden file {} is missing; run with UPDATE_GOLDEN=1 to create it", path.display())
    });
    if expected != actual {
        panic!(
            "{} is out of date; if the change is intended, run \
             `UPDATE_GOLDEN=1 cargo test -p xtask` and review the diff.\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
