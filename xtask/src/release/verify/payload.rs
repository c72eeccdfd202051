//! The payload every wheel shares: the package's Python files (`.py`, `.pyi`, `py.typed` —
//! everything but the compiled extension and the `.dist-info`) are the same bytes in every
//! wheel, whichever runner built it. A Windows checkout with CRLF line endings, or a build that
//! leaves out the stubs, shows up here as a file that differs or is missing.

use std::collections::BTreeMap;

/// One wheel's files: the path inside the wheel and the sha256 of its bytes.
pub type Files = BTreeMap<String, String>;

/// Where the wheels' shared files disagree: one line per file that differs or is missing,
/// naming the wheels on each side. Empty when they agree, and for fewer than two wheels.
pub fn differences(wheels: &[(&str, &Files)]) -> Vec<String> {
    let mut by_path: BTreeMap<&str, BTreeMap<Option<&str>, Vec<&str>>> = BTreeMap::new();
    let paths = wheels.iter().flat_map(|(_, files)| files.keys()).filter(|p| is_shared(p));
    for path in paths {
        by_path.entry(path).or_default();
    }
    for (path, versions) in &mut by_path {
        for (wheel, files) in wheels {
            let sha256 = files.get(*path).map(String::as_str);
            versions.entry(sha256).or_default().push(wheel);
        }
    }
    by_path
        .into_iter()
        .filter(|(_, versions)| versions.len() > 1)
        .map(|(path, versions)| {
            // The hashes first, then the wheels that lack the file.
            let (present, missing): (Vec<_>, Vec<_>) =
                versions.iter().partition(|(sha256, _)| sha256.is_some());
            let sides: Vec<String> = (present.into_iter().chain(missing))
                .map(|(sha256, wheels)| match sha256 {
                    Some(sha256) => format!("sha256 {} in {}", short(sha256), wheels.join(", ")),
                    None => format!("missing from {}", wheels.join(", ")),
                })
                .collect();
            format!(
                "{path}: expected the same bytes in every wheel, found {}; a checkout with CRLF \
                 line endings (see .gitattributes) or a build that leaves the file out makes this",
                sides.join("; ")
            )
        })
        .collect()
}

/// The files every wheel must ship beside the extension: its stub (`pkg/_ext.pyi`) and the
/// package's `py.typed`, one line per wheel and file missing.
pub fn missing(extension_module: &str, wheels: &[(&str, &Files)]) -> Vec<String> {
    let package = extension_module.split('.').next().unwrap_or(extension_module);
    let stub = format!("{}.pyi", extension_module.replace('.', "/"));
    let required = [stub, format!("{package}/py.typed")];
    let mut problems = Vec::new();
    for (wheel, files) in wheels {
        for path in required.iter().filter(|p| !files.contains_key(*p)) {
            problems.push(format!(
                "{wheel}: {path} is missing: every wheel ships the extension's stub and py.typed"
            ));
        }
    }
    problems
}

/// Whether a file of a wheel is part of the shared payload: not its `.dist-info` (tags and
/// RECORD differ by design), not a compiled module (built per target).
fn is_shared(path: &str) -> bool {
    let top = path.split('/').next().unwrap_or_default();
    let compiled = [".so", ".pyd", ".dylib", ".dll"].iter().any(|s| path.ends_with(s));
    !top.ends_with(".dist-info") && !compiled && !path.ends_with('/')
}

fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wheel(extension: &str, init: &str, extra: &[(&str, &str)]) -> Files {
        let mut files: Files = [
            ("geodist/__init__.py", init),
            ("geodist/_geodist.pyi", "5a1e0c7d9b2f"),
            ("geodist/py.typed", "e3b0c44298fc"),
            (extension, "0badc0ffee00"),
            ("geodist_rs-0.1.0.dist-info/WHEEL", extension),
            ("geodist_rs-0.1.0.dist-info/RECORD", extension),
        ]
        .into_iter()
        .map(|(p, s)| (p.to_owned(), s.to_owned()))
        .collect();
        files.extend(extra.iter().map(|(p, s)| ((*p).to_owned(), (*s).to_owned())));
        files
    }

    #[test]
    fn the_same_python_files_everywhere_pass() {
        let linux = wheel("geodist/_geodist.abi3.so", "1111aaaa2222", &[]);
        let windows = wheel("geodist/_geodist.pyd", "1111aaaa2222", &[]);
        let macos = wheel("geodist/_geodist.abi3.so", "1111aaaa2222", &[]);
        let wheels = [("linux.whl", &linux), ("win.whl", &windows), ("mac.whl", &macos)];
        assert_eq!(differences(&wheels), Vec::<String>::new());
        assert_eq!(differences(&wheels[..1]), Vec::<String>::new());
        assert_eq!(differences(&[]), Vec::<String>::new());
    }

    #[test]
    fn a_crlf_file_names_the_file_and_both_sides() {
        let linux = wheel("geodist/_geodist.abi3.so", "1111aaaa2222bbbb", &[]);
        let macos = wheel("geodist/_geodist.abi3.so", "1111aaaa2222bbbb", &[]);
        let windows = wheel("geodist/_geodist.pyd", "9999ffff8888eeee", &[]);
        let wheels = [("a-linux.whl", &linux), ("b-win.whl", &windows), ("c-mac.whl", &macos)];
        assert_eq!(
            differences(&wheels),
            ["geodist/__init__.py: expected the same bytes in every wheel, found sha256 \
              1111aaaa2222 in a-linux.whl, c-mac.whl; sha256 9999ffff8888 in b-win.whl; a \
              checkout with CRLF line endings (see .gitattributes) or a build that leaves the \
              file out makes this"]
        );
    }

    #[test]
    fn a_file_only_some_wheels_have_is_reported() {
        let with = wheel("geodist/_geodist.abi3.so", "1111", &[("geodist/extra.py", "abcd")]);
        let without = wheel("geodist/_geodist.pyd", "1111", &[]);
        let found = differences(&[("with.whl", &with), ("without.whl", &without)]);
        let [line] = &found[..] else { panic!("{found:?}") };
        assert!(line.starts_with("geodist/extra.py: "), "{line}");
        assert!(line.contains("sha256 abcd in with.whl; missing from without.whl"), "{line}");
    }

    #[test]
    fn every_wheel_ships_the_stub_and_py_typed() {
        let whole = wheel("geodist/_geodist.abi3.so", "1111", &[]);
        let mut bare = whole.clone();
        bare.remove("geodist/py.typed");
        bare.remove("geodist/_geodist.pyi");
        assert_eq!(missing("geodist._geodist", &[("whole.whl", &whole)]), Vec::<String>::new());
        assert_eq!(
            missing("geodist._geodist", &[("whole.whl", &whole), ("bare.whl", &bare)]),
            [
                "bare.whl: geodist/_geodist.pyi is missing: every wheel ships the extension's \
                 stub and py.typed",
                "bare.whl: geodist/py.typed is missing: every wheel ships the extension's stub \
                 and py.typed",
            ]
        );
    }

    #[test]
    fn only_the_shared_payload_counts() {
        for path in [
            "geodist/_geodist.cpython-314t-x86_64-linux-gnu.so",
            "geodist/_geodist.pyd",
            "geodist/libgeodist.dylib",
            "geodist_rs-0.1.0.dist-info/licenses/LICENSE-MIT",
            "geodist/",
        ] {
            assert!(!is_shared(path), "{path}");
        }
        for path in ["geodist/__init__.py", "geodist/_geodist.pyi", "geodist/py.typed"] {
            assert!(is_shared(path), "{path}");
        }
    }
}
