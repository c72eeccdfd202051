use super::*;
use crate::golden;
use crate::release::config::ReleaseConfig;

fn workspace(version: &str) -> Workspace {
    let metadata: Value = json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md", "wheels": [
        {"target": "x86_64-unknown-linux-gnu", "runner": "ubuntu-24.04", "platform": "manylinux_2_17", "python": ["3.10", "3.14"]},
        {"target": "aarch64-unknown-linux-musl", "runner": "ubuntu-24.04-arm", "platform": "musllinux_1_2", "python": ["3.10", "3.14"]},
        {"target": "aarch64-apple-darwin", "runner": "macos-15", "platform": "macosx_11_0", "python": ["3.10", "3.14"]},
        {"target": "aarch64-pc-windows-msvc", "runner": "windows-11-arm", "platform": "windows", "python": ["3.11", "3.14"]},
    ]}});
    Workspace {
        version: Version::parse(version).unwrap(),
        crates: vec![
            WorkspaceCrate {
                name: "geodist-py".into(),
                publish: false,
                depends_on: vec!["geodist".into()],
            },
            WorkspaceCrate { name: "geodist".into(), publish: true, depends_on: vec![] },
            WorkspaceCrate { name: "xtask".into(), publish: false, depends_on: vec![] },
        ],
        python: PythonPackage { name: "geodist-rs".into(), abi_tag: "cp310-abi3".into() },
        config: ReleaseConfig::from_workspace_metadata(&metadata).unwrap(),
    }
}

fn linux_host() -> Host {
    Host {
        target: "x86_64-unknown-linux-gnu".into(),
        installed_targets: vec!["x86_64-unknown-linux-gnu".into()],
    }
}

#[test]
fn golden_text() {
    let plan = Plan::new(&workspace("1.2.0"), &linux_host(), &Request::default()).unwrap();
    golden::check("plan/plan.txt", &plan.render_text());
}

#[test]
fn golden_json_prerelease() {
    let plan = Plan::new(&workspace("1.2.0-rc.2"), &linux_host(), &Request::default()).unwrap();
    golden::check("plan/plan-rc.json", &serde_json::to_string_pretty(&plan.to_json()).unwrap());
}

#[test]
fn golden_github_outputs() {
    let plan = Plan::new(&workspace("1.2.0"), &linux_host(), &Request::default()).unwrap();
    golden::check("plan/plan-github.txt", &plan.github_outputs());
}

#[test]
fn file_names_follow_the_versions() {
    let plan = Plan::new(&workspace("1.2.0-alpha.1"), &linux_host(), &Request::default()).unwrap();
    assert_eq!(plan.python_version, "1.2.0a1");
    assert_eq!(plan.crates[0].file, "geodist-1.2.0-alpha.1.crate");
    assert_eq!(plan.sdist, "geodist_rs-1.2.0a1.tar.gz");
    assert_eq!(
        plan.wheels[0].file,
        "geodist_rs-1.2.0a1-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    );
}

#[test]
fn prereleases_go_to_test_pypi_unless_overridden() {
    let rc = Plan::new(&workspace("1.2.0-rc.1"), &linux_host(), &Request::default()).unwrap();
    assert_eq!(rc.pypi_url, "https://test.pypi.org/legacy/");
    let last = Plan::new(&workspace("1.2.0"), &linux_host(), &Request::default()).unwrap();
    assert_eq!(last.pypi_index, "https://pypi.org/simple/");
    let req = Request {
        pypi_url: Some("http://127.0.0.1:9/".into()),
        pypi_index: Some("http://127.0.0.1:9/simple/".into()),
        crates_registry: Some("local".into()),
        ..Request::default()
    };
    let local = Plan::new(&workspace("1.2.0-rc.1"), &linux_host(), &req).unwrap();
    assert_eq!(
        (local.pypi_url.as_str(), local.pypi_index.as_str(), local.crates_registry.as_str()),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9/simple/", "local")
    );
}

#[test]
fn only_installed_same_os_targets_build_on_the_host() {
    let mut host = linux_host();
    host.installed_targets.push("aarch64-unknown-linux-musl".into());
    host.installed_targets.push("aarch64-apple-darwin".into());
    let plan = Plan::new(&workspace("1.2.0"), &host, &Request::default()).unwrap();
    let builders: Vec<Builder> = plan.wheels.iter().map(|w| w.builder).collect();
    assert_eq!(builders, [Builder::Host, Builder::Host, Builder::Ci, Builder::Ci]);
}

#[track_caller]
fn check_tag_error(tag: &str, needle: &str) {
    let req = Request { tag: Some(tag.into()), ..Request::default() };
    let err = Plan::new(&workspace("1.2.0"), &linux_host(), &req).unwrap_err().to_string();
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(err.contains("--tag v1.2.0"), "the fix is missing from {err:?}");
}

#[test]
fn tags_are_checked() {
    check_tag_error("1.2.0", "malformed tag `1.2.0`");
    check_tag_error("v1.2", "malformed tag `v1.2`");
    check_tag_error("v1.2.1", "does not match the workspace version");
    let req = Request { tag: Some("v1.2.0".into()), ..Request::default() };
    assert_eq!(Plan::new(&workspace("1.2.0"), &linux_host(), &req).unwrap().tag, "v1.2.0");
}

#[test]
fn publish_order_puts_dependencies_first() {
    let crates = vec![
        WorkspaceCrate {
            name: "a".into(),
            publish: true,
            depends_on: vec!["c".into(), "serde".into()],
        },
        WorkspaceCrate { name: "b".into(), publish: true, depends_on: vec![] },
        WorkspaceCrate { name: "c".into(), publish: true, depends_on: vec!["b".into()] },
    ];
    assert_eq!(publish_order(&crates).unwrap(), ["b", "c", "a"]);
}

#[test]
fn publish_order_refuses_unpublishable_dependencies_and_cycles() {
    let blocked = vec![
        WorkspaceCrate { name: "a".into(), publish: true, depends_on: vec!["b".into()] },
        WorkspaceCrate { name: "b".into(), publish: false, depends_on: vec![] },
    ];
    assert!(publish_order(&blocked).unwrap_err().to_string().contains("`publish = false`"));
    let cycle = vec![
        WorkspaceCrate { name: "a".into(), publish: true, depends_on: vec!["b".into()] },
        WorkspaceCrate { name: "b".into(), publish: true, depends_on: vec!["a".into()] },
    ];
    assert!(publish_order(&cycle).unwrap_err().to_string().contains("cycle"));
}

#[test]
fn dist_names_are_normalized() {
    assert_eq!(normalize_dist_name("geodist-rs"), "geodist_rs");
    assert_eq!(normalize_dist_name("Geo.Dist__RS"), "geo_dist_rs");
}
