use serde_json::json;

use super::*;
use crate::files::FileName;
use crate::wheel_tags::Family;
use crate::wheel_tags::tests::recorded;

const LINUX: &str = "x86_64-unknown-linux-gnu";

/// A release configuration of `families` on one Linux target, tested on `python`.
fn config(families: &[&str], python: &[&str]) -> ReleaseConfig {
    ReleaseConfig::from_workspace_metadata(&json!({"release": {
        "tag-prefix": "v", "changelog": "CHANGELOG.md", "families": families,
        "wheels": [{"target": LINUX, "runner": "ubuntu-24.04", "platform": "manylinux_2_17",
                    "python": python}]}}))
    .unwrap()
}

fn support(features: &[&str]) -> Support {
    let features: Vec<String> = features.iter().map(|f| (*f).to_owned()).collect();
    Support { requires_python: 10, stable: StableAbis::from_pyo3_features(&features) }
}

const BOTH: &[&str] = &["abi3-py310", "abi3t-py315"];
const THREE: &[&str] = &["abi3", "cp314t", "abi3.abi3t"];
const TESTED: &[&str] = &["3.10", "3.14", "3.14t", "3.15", "3.15t"];

fn host(pythons: &[&str]) -> Host {
    let mut host = Host::fixture(LINUX, &[LINUX]);
    host.pythons = pythons
        .iter()
        .map(|p| FoundPython { build: Cpython::parse(p).unwrap(), path: format!("/py/{p}").into() })
        .collect();
    host
}

fn planned(families: &[&str], python: &[&str], features: &[&str]) -> Result<Vec<PlannedWheel>> {
    plan(&config(families, python), support(features), &host(&["3.12"]), "core-py", "core_rs-1.0.0")
}

#[track_caller]
fn check_refused(families: &[&str], python: &[&str], features: &[&str], needles: &[&str]) {
    let err = planned(families, python, features).unwrap_err().to_string();
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} missing from:\n{err}");
    }
}

#[test]
fn each_python_tests_the_wheel_it_installs() {
    let wheels = planned(THREE, TESTED, BOTH).unwrap();
    let rows: Vec<(String, Vec<String>, bool)> = wheels
        .iter()
        .map(|w| {
            (
                w.file.to_string(),
                w.tested_on.iter().map(ToString::to_string).collect(),
                w.serves_oldest,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "core_rs-1.0.0-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl".into(),
                vec!["3.10".into(), "3.14".into()],
                true
            ),
            (
                "core_rs-1.0.0-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl".into(),
                vec!["3.14t".into()],
                false
            ),
            (
                "core_rs-1.0.0-cp315-abi3.abi3t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
                    .into(),
                vec!["3.15".into(), "3.15t".into()],
                false
            ),
        ]
    );
}

#[test]
fn an_interpreter_given_on_the_command_line_tests_the_wheel_it_installs() {
    let wheels = planned(THREE, TESTED, BOTH).unwrap();
    let tested = |python: &str| -> Vec<String> {
        let python = Cpython::parse(python).unwrap();
        let installed = wheels.iter().filter(|w| installs(python, w, &wheels));
        installed.map(|w| w.abi.to_string()).collect()
    };
    assert_eq!(tested("3.12"), ["cp310-abi3"]);
    assert_eq!(tested("3.14t"), ["cp314-cp314t"]);
    assert_eq!(tested("3.17t"), ["cp315-abi3.abi3t"]);
    assert!(tested("3.9").is_empty());
}

#[test]
fn every_inconsistency_is_reported_at_once() {
    check_refused(
        &["abi3", "abi3.abi3t"],
        &["3.9", "3.10", "3.15"],
        &["abi3-py310"],
        &[
            "core-py: the `abi3.abi3t` family needs pyo3's `abi3t-py3XY` feature",
            "x86_64-unknown-linux-gnu: 3.9 installs none of its wheels",
        ],
    );
    // Without 3.14t in the list nothing tests (or builds) the cp314t wheel.
    check_refused(
        THREE,
        &["3.10", "3.15"],
        BOTH,
        &[
            "no python in its list installs core_rs-1.0.0-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl, \
         so nothing would test it: add one of 3.14t",
            "no python in its list builds the cp314-cp314t wheel (3.14t builds it, with pyo3's \
         features)",
        ],
    );
    // With abi3t enabled, 3.15t builds the abi3.abi3t wheel: a cp315t family cannot be built.
    check_refused(
        &["abi3", "cp315t"],
        &["3.10", "3.15t"],
        BOTH,
        &[
            "no python in its list builds the cp315-cp315t wheel (no CPython builds it, with pyo3's \
         features)",
        ],
    );
    // A family for a CPython older than requires-python serves no supported one.
    check_refused(
        &["abi3", "cp39"],
        &["3.10"],
        &["abi3-py310"],
        &[
            "no python in its list installs core_rs-1.0.0-cp39-cp39-manylinux2014_x86_64.manylinux_2_17_x86_64.whl, so \
         nothing would test it: no supported CPython installs it at all: drop the family",
        ],
    );
    // 3.15 installs the abi3 wheel when it is the only one, but a build with it makes abi3t.
    check_refused(
        &["abi3"],
        &["3.15"],
        BOTH,
        &["no python in its list builds the cp310-abi3 wheel (3.10 – 3.14 build it, with pyo3's \
         features)"],
    );
}

/// A configuration that leaves builds uncovered plans (the table shows the gap); verify refuses.
#[test]
fn gaps_are_planned_and_shown_but_refused_by_verify() {
    let wheels = planned(&["abi3"], &["3.10", "3.14"], &["abi3-py310"]).unwrap();
    let mut text = String::new();
    render_text(&mut text, &wheels, support(&["abi3-py310"]));
    assert!(
        text.ends_with("  3.10 and later    cp310-abi3\n  3.14t and later   none: not covered\n"),
        "{text}"
    );
    let planned_tags = |w: &PlannedWheel| Ok(w.tags());
    let problems = coverage_problems(&wheels, support(&["abi3-py310"]), planned_tags);
    assert_eq!(
        problems,
        ["x86_64-unknown-linux-gnu: no wheel installs on CPython 3.14t and later: expected every \
         CPython from 3.10 and every free-threaded one from 3.14t covered; add the family that \
         serves them to [workspace.metadata.release] families"]
    );
    let all = planned(THREE, TESTED, BOTH).unwrap();
    assert!(coverage_problems(&all, support(BOTH), planned_tags).is_empty());
    let unreadable = |w: &PlannedWheel| Err(format!("{}: unreadable", w.file));
    assert!(coverage_problems(&all, support(BOTH), unreadable)[0].ends_with(": unreadable"));
}

#[test]
fn the_host_builds_what_its_interpreters_build() {
    let stable = support(BOTH);
    let config = config(THREE, TESTED);
    let abi = |f: &str| stable.stable.wheel(Family::parse(f).unwrap()).unwrap();
    let target = &config.wheels[0];
    let local = host(&["3.11"]);
    assert_eq!(
        build_python(&local, stable, abi("abi3")).map(|p| p.build.to_string()),
        Some("3.11".into())
    );
    let why = cannot_build(&local, stable, target, abi("cp314t")).unwrap();
    assert_eq!(
        why,
        "no interpreter here builds it: 3.14t builds it, and `uv python find --no-project 3.14t` \
         finds none"
    );
    assert!(cannot_build(&host(&["3.11", "3.14t"]), stable, target, abi("cp314t")).is_none());
    // The first interpreter that builds a family builds it: the project environment's.
    let two = host(&["3.15t", "3.15"]);
    assert_eq!(build_python(&two, stable, abi("abi3.abi3t")).unwrap().build.to_string(), "3.15t");
    let mut foreign = local.clone();
    foreign.target = "aarch64-apple-darwin".into();
    assert!(
        cannot_build(&foreign, stable, target, abi("abi3"))
            .unwrap()
            .contains("cannot build for linux")
    );
    let mut no_std = local;
    no_std.installed_targets.clear();
    assert!(
        cannot_build(&no_std, stable, target, abi("abi3")).unwrap().contains("rustup target add")
    );
}

#[test]
fn requires_python_gives_the_oldest_python() {
    assert_eq!(requires_python(Some(">=3.10")).unwrap(), 10);
    assert_eq!(requires_python(Some(" >= 3.11.2 , <4")).unwrap(), 11);
    assert_eq!(requires_python(Some("<4,>=3.9")).unwrap(), 9);
    for bad in [None, Some("~=3.10"), Some(">=2.7"), Some(">=3.14t"), Some("")] {
        let err = requires_python(bad).unwrap_err().to_string();
        assert!(err.contains("add `requires-python = \">=3.10\"`"), "{bad:?}: {err}");
    }
}

/// The WHEEL files of the wheels built here, as the release builds them.
#[test]
fn tags_are_compared_exactly() {
    let wheels = planned(THREE, TESTED, BOTH).unwrap();
    let lines = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    for (w, (_, wheel_file)) in wheels.iter().zip(recorded::GEODIST) {
        assert!(tag_problems(w, &lines(wheel_file)).is_empty(), "{}", w.file);
    }
    // A wheel that declares only abi3 would not install on 3.15t.
    let abi3t = &wheels[2];
    let only_abi3 = lines(&["cp315-abi3-manylinux2014_x86_64", "cp315-abi3-manylinux_2_17_x86_64"]);
    assert_eq!(
        tag_problems(abi3t, &only_abi3),
        [
            "core_rs-1.0.0-cp315-abi3.abi3t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl: its WHEEL \
         file has the wrong tags: missing [\"cp315-abi3t-manylinux2014_x86_64\", \
         \"cp315-abi3t-manylinux_2_17_x86_64\"], unexpected []"
        ]
    );
    let problems = tag_problems(&wheels[1], &lines(&["cp314-cp314-manylinux_2_17_x86_64", "x"]));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`x` is not a wheel tag"));
    assert!(problems[1].contains("unexpected [\"cp314-cp314-manylinux_2_17_x86_64\"]"));
    let mut misnamed = wheels[0].clone();
    misnamed.file = FileName::try_from(
        "core_rs-1.0.0-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    )
    .unwrap();
    let problems = tag_problems(&misnamed, &lines(recorded::GEODIST[0].1));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("its file name has the wrong tags"));
}

/// abi3audit 0.0.26 on the abi3.abi3t wheel built here (`recorded::GEODIST`): this report.
const ABI3T_REPORT: &str = r#"{"specs": {"m-abi3t/geodist_rs-0.1.0-cp315-abi3.abi3t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl": {"kind": "wheel", "wheel": [{"name": "_geodist.abi3t-x86_64-linux-gnu.so", "result": {"is_abi3": false, "is_abi3_baseline_compatible": true, "baseline": "3.15", "computed": "3.15", "non_abi3_symbols": ["PyModExport__geodist"], "future_abi3_objects": {}}}]}}}"#;

#[test]
fn abi3t_wheels_may_export_their_module_entry_point_only() {
    let report: Value = serde_json::from_str(ABI3T_REPORT).unwrap();
    assert!(abi3t_audit_problems(&report, "geodist._geodist").is_empty());
    // Another module's entry point is not this one's.
    let problems = abi3t_audit_problems(&report, "other._other");
    assert!(
        problems[0].contains("symbols outside the stable ABI: [String(\"PyModExport__geodist\")]")
    );
    let mut worse = report.clone();
    let result = &mut worse["specs"]["m-abi3t/geodist_rs-0.1.0-cp315-abi3.abi3t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"]
        ["wheel"][0]["result"];
    result["non_abi3_symbols"] = json!(["PyModExport__geodist", "_Py_Dealloc"]);
    result["is_abi3_baseline_compatible"] = json!(false);
    result["future_abi3_objects"] = json!({"PyFoo": "3.16"});
    let problems = abi3t_audit_problems(&worse, "geodist._geodist");
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("_Py_Dealloc") && !problems[0].contains("PyModExport"));
    let nothing = abi3t_audit_problems(&json!({"specs": {}}), "geodist._geodist");
    assert_eq!(nothing, ["abi3audit reported nothing: {\"specs\":{}}"]);
    let empty = json!({"specs": {"w.whl": {"kind": "wheel", "wheel": []}}});
    assert_eq!(
        abi3t_audit_problems(&empty, "m"),
        ["w.whl: abi3audit audited no extension module in it"]
    );
}

#[test]
fn the_matrix_has_one_job_per_target() {
    let wheels = planned(THREE, TESTED, BOTH).unwrap();
    let matrix = serde_json::to_value(matrix(&wheels)).unwrap();
    let include = matrix.as_array().unwrap();
    assert_eq!(include.len(), 1);
    assert_eq!(include[0]["wheels"].as_array().unwrap().len(), 3);
    assert_eq!(include[0]["python"], json!(TESTED));
    let picks = serde_json::to_value(picks(&wheels, support(BOTH))).unwrap();
    assert_eq!(
        picks[1],
        json!({"first": "3.15", "last": "3.16", "and_later": true, "abi": "cp315-abi3.abi3t"})
    );
}
