//! Golden files for the tests: expected outputs stored under `xtask/tests/golden/`, compared
//! byte for byte. `UPDATE_GOLDEN=1 cargo test -p xtask` rewrites them; review the diff in git.

use std::path::PathBuf;

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden").join(name)
}

/// The content of a golden input file.
#[track_caller]
pub fn read(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

/// Asserts that `actual` equals the golden file `name`, or rewrites it under `UPDATE_GOLDEN=1`.
#[track_caller]
pub fn check(name: &str, actual: &str) {
    let path = path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff = crate::bump::diff::unified(name, &expected, actual);
        panic!(
            "golden file {} is out of date; if the change is intended, run \
             `UPDATE_GOLDEN=1 cargo test -p xtask` and review the diff:\n{diff}",
            path.display()
        );
    }
}
