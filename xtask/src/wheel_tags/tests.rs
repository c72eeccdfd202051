use super::*;

/// Real wheel sets. The PyPI ones are the files this repository's `uv.lock` (at d0c854d) pins,
/// so their names are exactly what PyPI serves; the geodist ones were built here with maturin
/// 1.16.0 from this workspace (pyo3 `abi3-py310` + `abi3t-py315`) as the release builds them
/// (`--profile dist --compatibility manylinux_2_17 --zig`), one interpreter per family.
pub(crate) mod recorded {
    /// ast_serialize 0.13.1 (mypy's parser, built with PyO3 and maturin): the three families.
    pub const AST_SERIALIZE_LINUX: [&str; 3] = [
        "ast_serialize-0.13.1-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "ast_serialize-0.13.1-cp314-cp314t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "ast_serialize-0.13.1-cp315-abi3.abi3t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    ];
    pub const AST_SERIALIZE_WINDOWS_ARM: [&str; 3] = [
        "ast_serialize-0.13.1-cp39-abi3-win_arm64.whl",
        "ast_serialize-0.13.1-cp314-cp314t-win_arm64.whl",
        "ast_serialize-0.13.1-cp315-abi3.abi3t-win_arm64.whl",
    ];
    /// numpy 2.5.5: version-specific wheels only, one per build.
    pub const NUMPY_LINUX: [&str; 6] = [
        "numpy-2.5.5-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp313-cp313-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp314-cp314-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp314-cp314t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp315-cp315-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "numpy-2.5.5-cp315-cp315t-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    ];
    /// cryptography 50.0.2: abi3 alone, the legacy manylinux alias first.
    pub const CRYPTOGRAPHY: &str =
        "cryptography-50.0.2-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl";
    /// geodist built here, with the `Tag:` lines of each wheel's WHEEL file.
    pub const GEODIST: [(&str, &[&str]); 3] = [
        (
            "geodist_rs-0.1.0-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            &["cp310-abi3-manylinux2014_x86_64", "cp310-abi3-manylinux_2_17_x86_64"],
        ),
        (
            "geodist_rs-0.1.0-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            &["cp314-cp314t-manylinux2014_x86_64", "cp314-cp314t-manylinux_2_17_x86_64"],
        ),
        (
            "geodist_rs-0.1.0-cp315-abi3.abi3t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            &[
                "cp315-abi3-manylinux2014_x86_64",
                "cp315-abi3-manylinux_2_17_x86_64",
                "cp315-abi3t-manylinux2014_x86_64",
                "cp315-abi3t-manylinux_2_17_x86_64",
            ],
        ),
    ];
}

fn tags_of(files: &[&str]) -> Vec<BTreeSet<Tag>> {
    files.iter().map(|f| WheelFile::parse(f).unwrap().tags).collect()
}

fn platforms(tags: &[&str]) -> BTreeSet<String> {
    tags.iter().map(|t| (*t).to_owned()).collect()
}

fn py(s: &str) -> Cpython {
    Cpython::parse(s).unwrap()
}

fn strings(tags: &BTreeSet<Tag>) -> Vec<String> {
    tags.iter().map(Tag::to_string).collect()
}

/// Which of `files` an installer on each of `pythons` picks (`-` for none).
#[track_caller]
fn check_picks(files: &[&str], platform: &[&str], expected: &[(&str, &str)]) {
    let wheels = tags_of(files);
    for (python, wanted) in expected {
        let picked = pick(py(python), &platforms(platform), &wheels).map_or("-", |i| files[i]);
        assert_eq!(picked, *wanted, "the installer on {python} picks {picked}");
    }
}

#[test]
fn versions_parse_strictly() {
    assert_eq!(py("3.10"), Cpython::gil(10));
    assert_eq!(py("3.14t"), Cpython::free_threaded(14));
    assert_eq!(py("3.14t").to_string(), "3.14t");
    assert_eq!(
        (py("3.14").uv_request(), py("3.14t").uv_request()),
        ("3.14+gil".into(), "3.14t".into())
    );
    for bad in ["3", "3.", "2.7", "3.x", "3.14tt", " 3.14", "3.-1", "3.12t", "py3.14"] {
        assert!(Cpython::parse(bad).is_err(), "{bad:?} was accepted");
    }
    assert!(Cpython::parse("3.12t").unwrap_err().contains("start with 3.13t"));
}

#[test]
fn families_are_named_by_their_abi_tag() {
    for name in ["abi3", "abi3.abi3t", "cp314t", "cp313"] {
        assert_eq!(Family::parse(name).unwrap().to_string(), name);
    }
    assert_eq!(Family::parse("cp314t"), Ok(Family::VersionSpecific(Cpython::free_threaded(14))));
    assert!(Family::parse("abi3t").unwrap_err().contains("`abi3.abi3t`"));
    for bad in ["", "none", "abi4", "cp3", "cp312t", "py3", "abi3.abi3t.abi3"] {
        assert!(Family::parse(bad).unwrap_err().contains("unknown family"), "{bad:?}");
    }
}

#[test]
fn pyo3_features_give_the_floors() {
    let of = |f: &[&str]| {
        StableAbis::from_pyo3_features(&f.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    };
    assert_eq!(of(&["abi3-py310", "abi3t-py315"]), StableAbis { abi3: Some(10), abi3t: Some(15) });
    // The lowest wins; a bare `abi3` names no floor; abi3t starts at 3.15 whatever is asked.
    assert_eq!(of(&["abi3-py311", "abi3-py39", "abi3"]), StableAbis { abi3: Some(9), abi3t: None });
    assert_eq!(
        of(&["abi3t-py314", "extension-module"]),
        StableAbis { abi3: None, abi3t: Some(15) }
    );
    let stable = of(&["abi3-py310", "abi3t-py315"]);
    let wheel = |f: &str| stable.wheel(Family::parse(f).unwrap()).unwrap().to_string();
    assert_eq!(
        [wheel("abi3"), wheel("cp314t"), wheel("abi3.abi3t")],
        ["cp310-abi3", "cp314-cp314t", "cp315-abi3.abi3t"]
    );
    assert!(of(&["abi3-py310"]).wheel(Family::Abi3t).unwrap_err().contains("abi3t-py315"));
    assert!(of(&[]).wheel(Family::Abi3).unwrap_err().contains("abi3-py310"));
}

/// What maturin built here for each interpreter (see `recorded::GEODIST`), and what pyo3's
/// build script would choose for the rest.
#[test]
fn each_interpreter_builds_one_family() {
    let stable = StableAbis { abi3: Some(10), abi3t: Some(15) };
    let built = |p: &str| stable.built_with(py(p)).to_string();
    for (python, wheel) in [
        ("3.9", "cp39-cp39"),
        ("3.10", "cp310-abi3"),
        ("3.14", "cp310-abi3"),
        ("3.13t", "cp313-cp313t"),
        ("3.14t", "cp314-cp314t"),
        ("3.15", "cp315-abi3.abi3t"),
        ("3.15t", "cp315-abi3.abi3t"),
        ("3.16t", "cp315-abi3.abi3t"),
    ] {
        assert_eq!(built(python), wheel, "a build with {python}");
    }
    // Without abi3t, a GIL 3.15 builds abi3 and 3.15t its own ABI.
    let abi3_only = StableAbis { abi3: Some(10), abi3t: None };
    assert_eq!(abi3_only.built_with(py("3.15")).to_string(), "cp310-abi3");
    assert_eq!(abi3_only.built_with(py("3.15t")).to_string(), "cp315-cp315t");
}

#[test]
fn planned_tags_match_the_recorded_builds() {
    let stable = StableAbis { abi3: Some(10), abi3t: Some(15) };
    for ((file, wheel_lines), family) in
        recorded::GEODIST.iter().zip(["abi3", "cp314t", "abi3.abi3t"])
    {
        let planned = stable.wheel(Family::parse(family).unwrap()).unwrap();
        let expected = planned.tags("manylinux2014_x86_64.manylinux_2_17_x86_64");
        assert_eq!(WheelFile::parse(file).unwrap().tags, expected, "{file}");
        let mut from_wheel_file = BTreeSet::new();
        for line in *wheel_lines {
            from_wheel_file.extend(Tag::expand(line).unwrap());
        }
        assert_eq!(from_wheel_file, expected, "the WHEEL file of {file}");
    }
}

#[test]
fn file_names_parse_into_typed_tags() {
    let file = WheelFile::parse(recorded::AST_SERIALIZE_LINUX[2]).unwrap();
    assert_eq!(
        (file.distribution.as_str(), file.version.as_str(), file.build),
        ("ast_serialize", "0.13.1", None)
    );
    assert_eq!(
        strings(&file.tags),
        [
            "cp315-abi3-manylinux2014_x86_64",
            "cp315-abi3-manylinux_2_17_x86_64",
            "cp315-abi3t-manylinux2014_x86_64",
            "cp315-abi3t-manylinux_2_17_x86_64",
        ]
    );
    let tag = file.tags.first().unwrap();
    assert_eq!((&tag.interpreter, &tag.abi), (&Interpreter::Cpython(15), &Abi::Abi3));
    let numpy = WheelFile::parse(recorded::NUMPY_LINUX[3]).unwrap();
    assert!(numpy.tags.iter().all(|t| t.abi == Abi::Cpython(Cpython::free_threaded(14))));
    // A build number, and tags this module has no type for, survive as written.
    let built = WheelFile::parse("pkg-1.0-2-py3-none-any.whl").unwrap();
    assert_eq!(built.build.as_deref(), Some("2"));
    assert_eq!(strings(&built.tags), ["py3-none-any"]);
    assert_eq!(Abi::parse("cp37m"), Abi::Other("cp37m".into()));
    assert_eq!(Abi::parse("cp313"), Abi::Cpython(Cpython::gil(13)));
    assert_eq!(Interpreter::parse("pp311"), Interpreter::Other("pp311".into()));
    for bad in [
        "pkg-1.0-cp310-abi3.whl",
        "pkg-1.0-cp310-abi3-linux_x86_64.tar.gz",
        "pkg-1.0-cp310-abi3..abi3t-linux_x86_64.whl",
        "a-b-c-d-e-f-g.whl",
    ] {
        assert!(WheelFile::parse(bad).is_err(), "{bad:?} was accepted");
    }
}

/// Substrings would match `abi3` inside `abi3t` and `cp314` inside `cp314t`; typed tags do not.
#[test]
fn similar_tags_are_different_tags() {
    let abi3 = Tag::expand("cp315-abi3-x").unwrap();
    let abi3t = Tag::expand("cp315-abi3t-x").unwrap();
    assert_ne!(abi3, abi3t);
    assert_ne!(Tag::expand("cp314-cp314-x").unwrap(), Tag::expand("cp314-cp314t-x").unwrap());
    assert_eq!(Tag::expand("cp315-abi3.abi3t-x").unwrap(), &abi3 | &abi3t);
}

#[test]
fn installers_pick_the_most_specific_wheel() {
    let linux = ["manylinux_2_17_x86_64", "manylinux2014_x86_64"];
    let [abi3, cp314t, abi3t] = recorded::AST_SERIALIZE_LINUX;
    check_picks(
        &recorded::AST_SERIALIZE_LINUX,
        &linux,
        &[
            ("3.8", "-"),
            ("3.9", abi3),
            ("3.14", abi3),
            ("3.15", abi3t),
            ("3.20", abi3t),
            ("3.13t", "-"),
            ("3.14t", cp314t),
            ("3.15t", abi3t),
            ("3.20t", abi3t),
        ],
    );
    // The same set on Windows on Arm, and nothing for another platform.
    let [abi3, cp314t, abi3t] = recorded::AST_SERIALIZE_WINDOWS_ARM;
    check_picks(
        &recorded::AST_SERIALIZE_WINDOWS_ARM,
        &["win_arm64"],
        &[("3.11", abi3), ("3.14t", cp314t), ("3.15", abi3t)],
    );
    check_picks(&recorded::AST_SERIALIZE_WINDOWS_ARM, &["win_amd64"], &[("3.11", "-")]);
    // Version-specific wheels serve exactly their own build.
    let numpy = recorded::NUMPY_LINUX;
    check_picks(
        &numpy,
        &["manylinux_2_28_x86_64"],
        &[
            ("3.11", "-"),
            ("3.14", numpy[2]),
            ("3.14t", numpy[3]),
            ("3.15t", numpy[5]),
            ("3.16", "-"),
        ],
    );
    // abi3 serves every later GIL build, never a free-threaded one.
    let crypto = [recorded::CRYPTOGRAPHY];
    check_picks(
        &crypto,
        &["manylinux_2_17_x86_64"],
        &[("3.10", "-"), ("3.11", crypto[0]), ("3.30", crypto[0]), ("3.14t", "-")],
    );
}

#[test]
fn runs_fold_versions_that_pick_the_same_wheel() {
    let wheels = tags_of(&recorded::AST_SERIALIZE_LINUX);
    let platforms = platforms(&["manylinux_2_17_x86_64"]);
    let runs: Vec<(String, Option<usize>)> =
        pick_runs(10, &platforms, &wheels).iter().map(|r| (r.versions(), r.wheel)).collect();
    assert_eq!(
        runs,
        [
            ("3.10 – 3.14".to_owned(), Some(0)),
            ("3.15 and later".to_owned(), Some(2)),
            ("3.14t".to_owned(), Some(1)),
            ("3.15t and later".to_owned(), Some(2)),
        ]
    );
    // Without the abi3.abi3t wheel, free-threaded 3.15 and later are not covered.
    let runs: Vec<(String, Option<usize>)> =
        pick_runs(10, &platforms, &wheels[..2]).iter().map(|r| (r.versions(), r.wheel)).collect();
    assert_eq!(
        runs,
        [
            ("3.10 and later".to_owned(), Some(0)),
            ("3.14t".to_owned(), Some(1)),
            ("3.15t and later".to_owned(), None),
        ]
    );
}

/// The horizon stands for every later version: brute force up to 3.40 agrees with it.
#[test]
fn the_horizon_stands_for_every_later_version() {
    let sets: [&[&str]; 3] =
        [&recorded::AST_SERIALIZE_LINUX, &recorded::NUMPY_LINUX, &[recorded::CRYPTOGRAPHY]];
    let platforms = platforms(&["manylinux_2_17_x86_64", "manylinux_2_28_x86_64"]);
    for files in sets {
        let wheels = tags_of(files);
        let horizon = horizon(10, &wheels);
        for free_threaded in [false, true] {
            let at = |minor| pick(Cpython { minor, free_threaded }, &platforms, &wheels);
            for later in horizon..=40 {
                assert_eq!(at(later), at(horizon), "{files:?} at 3.{later} (t: {free_threaded})");
            }
        }
    }
}
