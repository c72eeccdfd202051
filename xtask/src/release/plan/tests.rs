use serde_json::json;

use super::*;
use crate::golden;
use crate::workspace::fixture;

/// Three families on four targets, as this project ships them.
fn workspace(version: &str) -> Workspace {
    let mut ws = fixture::workspace(
        version,
        json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                           "families": ["abi3", "cp314t", "abi3.abi3t"], "wheels": [
            {"target": "x86_64-unknown-linux-gnu", "runner": "ubuntu-24.04", "platform": "manylinux_2_17", "python": ["3.10", "3.14", "3.14t", "3.15", "3.15t"]},
            {"target": "aarch64-unknown-linux-musl", "runner": "ubuntu-24.04-arm", "platform": "musllinux_1_2", "python": ["3.10", "3.14", "3.14t", "3.15", "3.15t"]},
            {"target": "aarch64-apple-darwin", "runner": "macos-15", "platform": "macosx_11_0", "python": ["3.10", "3.14", "3.14t", "3.15", "3.15t"]},
            {"target": "aarch64-pc-windows-msvc", "runner": "windows-11-arm", "platform": "windows", "python": ["3.11", "3.14", "3.14t", "3.15", "3.15t"]},
        ]}}),
    );
    ws.members[0].pyo3_features = vec!["abi3-py310".into(), "abi3t-py315".into()];
    ws
}

fn to(pairs: &[(&str, &str)]) -> Destination {
    let mut dest = Destination::default();
    for (flag, value) in pairs {
        let value = Some((*value).to_owned());
        match *flag {
            "tag" => dest.tag = value,
            "crates-registry" => dest.crates_registry = value,
            "pypi-url" => dest.pypi_url = value,
            "pypi-index" => dest.pypi_index = value,
            other => panic!("no flag {other}"),
        }
    }
    dest
}

fn linux_host() -> Host {
    Host::fixture("x86_64-unknown-linux-gnu", &["x86_64-unknown-linux-gnu"])
}

#[test]
fn golden_text() {
    let plan = Plan::new(&workspace("1.2.0"), &linux_host(), &to(&[])).unwrap();
    golden::check("plan/plan.txt", &plan.render_text());
}

#[test]
fn golden_json_prerelease() {
    let plan = Plan::new(&workspace("1.2.0-rc.2"), &linux_host(), &to(&[])).unwrap();
    golden::check("plan/plan-rc.json", crate::json::pretty(&plan).unwrap().trim_end());
}

#[test]
fn golden_github_outputs() {
    let plan = Plan::new(&workspace("1.2.0"), &linux_host(), &to(&[])).unwrap();
    golden::check("plan/plan-github.txt", &plan.github_outputs().unwrap());
}

#[test]
fn file_names_follow_the_versions() {
    let plan = Plan::new(&workspace("1.2.0-alpha.1"), &linux_host(), &to(&[])).unwrap();
    assert_eq!(plan.python_version, "1.2.0a1");
    assert_eq!(plan.crates[0].file, "core-1.2.0-alpha.1.crate");
    assert_eq!(plan.sdist, "core_rs-1.2.0a1.tar.gz");
    let files: Vec<&str> = plan.wheels[..3].iter().map(|w| w.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "core_rs-1.2.0a1-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "core_rs-1.2.0a1-cp314-cp314t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "core_rs-1.2.0a1-cp315-abi3.abi3t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        ]
    );
}

#[test]
fn prereleases_go_to_test_pypi_unless_overridden() {
    let rc = Plan::new(&workspace("1.2.0-rc.1"), &linux_host(), &to(&[])).unwrap();
    assert_eq!(rc.pypi_url, "https://test.pypi.org/legacy/");
    let last = Plan::new(&workspace("1.2.0"), &linux_host(), &to(&[])).unwrap();
    assert_eq!(last.pypi_index, "https://pypi.org/simple/");
    let req = to(&[
        ("pypi-url", "http://127.0.0.1:9/"),
        ("pypi-index", "http://127.0.0.1:9/simple/"),
        ("crates-registry", "local"),
    ]);
    let local = Plan::new(&workspace("1.2.0-rc.1"), &linux_host(), &req).unwrap();
    assert_eq!(
        (local.pypi_url.as_str(), local.pypi_index.as_str(), local.crates_registry.as_str()),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9/simple/", "local")
    );
}

#[test]
fn an_upload_url_without_its_index_is_derived_or_refused() {
    let ws = workspace("1.2.0");
    let pypi = Plan::new(&ws, &linux_host(), &to(&[("pypi-url", PYPI.0)])).unwrap();
    assert_eq!(pypi.pypi_index, PYPI.1);
    let test = Plan::new(&ws, &linux_host(), &to(&[("pypi-url", TEST_PYPI.0)])).unwrap();
    assert_eq!(test.pypi_index, TEST_PYPI.1);
    let err = Plan::new(&ws, &linux_host(), &to(&[("pypi-url", "http://127.0.0.1:9/")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("without --pypi-index") && err.contains("http://127.0.0.1:9/simple/"));
    let err = Plan::new(&ws, &linux_host(), &to(&[("pypi-index", "http://127.0.0.1:9/simple/")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("without --pypi-url"), "{err}");
}

#[test]
fn names_come_from_the_manifests() {
    let plan = Plan::new(&workspace("1.2.0"), &linux_host(), &to(&[])).unwrap();
    assert_eq!((plan.python_name.as_str(), plan.python_module.as_str()), ("core-rs", "core"));
    assert_eq!(plan.crates.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["core"]);
    let mut ws = workspace("1.2.0");
    ws.members[0].pyo3_features = vec!["extension-module".into()];
    let err = Plan::new(&ws, &linux_host(), &to(&[])).unwrap_err().to_string();
    assert!(err.contains("core-py: the `abi3` family needs pyo3's `abi3-py3XY`"), "{err}");
    assert!(err.contains("core-py: the `abi3.abi3t` family needs pyo3's `abi3t-py3XY`"), "{err}");
    ws.members[0].pyo3_features.clear();
    let err = Plan::new(&ws, &linux_host(), &to(&[])).unwrap_err().to_string();
    assert!(err.contains("core-py: the extension crate does not depend on pyo3"), "{err}");
}

/// A wheel builds here when its target's std is installed, the OS is the host's, and an
/// interpreter here builds its family.
#[test]
fn only_installed_same_os_targets_with_an_interpreter_build_on_the_host() {
    let mut host = linux_host();
    host.installed_targets.push("aarch64-unknown-linux-musl".into());
    host.installed_targets.push("aarch64-apple-darwin".into());
    let here = |plan: &Plan| -> Vec<String> {
        let wheels = plan.wheels.iter().filter(|w| w.builder == Builder::Host);
        wheels.map(|w| format!("{} {}", w.target.target, w.abi)).collect()
    };
    let plan = Plan::new(&workspace("1.2.0"), &host, &to(&[])).unwrap();
    assert_eq!(
        here(&plan),
        ["x86_64-unknown-linux-gnu cp310-abi3", "aarch64-unknown-linux-musl cp310-abi3"]
    );
    host.pythons.push(crate::pythons::FoundPython {
        build: crate::wheel_tags::Cpython::free_threaded(14),
        path: "/opt/python3.14t".into(),
    });
    let plan = Plan::new(&workspace("1.2.0"), &host, &to(&[])).unwrap();
    assert_eq!(
        here(&plan),
        [
            "x86_64-unknown-linux-gnu cp310-abi3",
            "x86_64-unknown-linux-gnu cp314-cp314t",
            "aarch64-unknown-linux-musl cp310-abi3",
            "aarch64-unknown-linux-musl cp314-cp314t",
        ]
    );
    host.pythons.clear();
    let plan = Plan::new(&workspace("1.2.0"), &host, &to(&[])).unwrap();
    assert!(here(&plan).is_empty(), "no interpreter, no wheel");
}

#[track_caller]
fn check_tag_error(tag: &str, needle: &str) {
    let err = Plan::new(&workspace("1.2.0"), &linux_host(), &to(&[("tag", tag)]))
        .unwrap_err()
        .to_string();
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(err.contains("--tag v1.2.0"), "the fix is missing from {err:?}");
}

#[test]
fn tags_are_checked() {
    check_tag_error("1.2.0", "malformed tag `1.2.0`");
    check_tag_error("v1.2", "malformed tag `v1.2`");
    check_tag_error("v1.2.1", "or set the version with `cargo xtask bump 1.2.1`");
    // An older version cannot be bumped to: the hint says what works instead.
    check_tag_error("v1.2.0-rc.1", "cannot be bumped to: release it from its own commit");
    let req = to(&[("tag", "v1.2.0")]);
    assert_eq!(Plan::new(&workspace("1.2.0"), &linux_host(), &req).unwrap().tag, "v1.2.0");
}

#[test]
fn publish_order_puts_dependencies_first() {
    let crates = vec![
        fixture::member("a", "1.0.0", true, &["c", "serde"]),
        fixture::member("b", "1.0.0", true, &[]),
        fixture::member("c", "1.0.0", true, &["b"]),
    ];
    assert_eq!(publish_order(&crates).unwrap(), ["b", "c", "a"]);
}

#[test]
fn publish_order_refuses_unpublishable_dependencies_and_cycles() {
    let blocked = vec![
        fixture::member("a", "1.0.0", true, &["b"]),
        fixture::member("b", "1.0.0", false, &[]),
    ];
    assert!(publish_order(&blocked).unwrap_err().to_string().contains("`publish = false`"));
    let cycle = vec![
        fixture::member("a", "1.0.0", true, &["b"]),
        fixture::member("b", "1.0.0", true, &["a"]),
    ];
    assert!(publish_order(&cycle).unwrap_err().to_string().contains("cycle"));
}
