//! End to end: `cargo xtask release --dry-run` on a copy of the workspace, with the crate and
//! Python registries pointed at real servers on 127.0.0.1 — which must receive nothing.

use std::process::Command;

use serde_json::Value;

use crate::support;

/// The dry run is the one that builds the verified dist the other scenarios start from
/// (`support::dist`): this checks what it did, from what was recorded while it ran.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn dry_run_builds_verifies_and_rehearses_without_sending_anything() {
    // An untracked file: a dry run warns about the dirty tree, and must leave it as it was.
    let Some(built) = support::dist::attempt() else {
        return;
    };
    let first = &built.run;
    assert!(first.status.success(), "the dry run failed");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("the working tree is dirty"), "no dirty-tree warning");
    assert!(stderr.contains("built in CI"), "CI-only wheels are not listed");
    let (untracked, _) = built.untracked;
    assert!(built.tree_before.0.contains(untracked), "{:?}", built.tree_before);

    let scratch = support::Scratch::new("dry-run");
    let ws = built.workspace_in(&scratch.path.join("ws"));
    let dist = ws.join("dist");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dist.join("release-manifest.json")).unwrap())
            .unwrap();
    let printed: Value = serde_json::from_slice(&first.stdout).expect("--json prints the manifest");
    assert_eq!(printed, manifest, "--json output and release-manifest.json differ");
    let version = manifest["version"].as_str().unwrap().to_owned();
    assert_eq!(manifest["mode"], "dry-run");
    assert_eq!(manifest["tag"], format!("v{version}"));
    assert_eq!(manifest["commit"].as_str().unwrap(), built.commit);
    assert_eq!(support::git(&ws, &["rev-parse", "HEAD"]).trim(), built.commit);

    let stages: Vec<(&str, &str)> = manifest["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    let names: Vec<&str> = stages.iter().map(|s| s.0).collect();
    assert_eq!(
        names,
        [
            "output",
            "python env",
            "plan",
            "preflight",
            "gates",
            "package",
            "wheels",
            "verify",
            "manifest",
            "publish",
            "record"
        ]
    );
    assert!(stages.iter().all(|s| s.1 == "passed"), "{stages:?}");

    let artifacts = manifest["artifacts"].as_array().unwrap();
    let files: Vec<&str> = artifacts.iter().map(|a| a["file"].as_str().unwrap()).collect();
    let python_version = manifest["python_version"].as_str().unwrap();
    assert_eq!(
        files,
        [
            format!("geodist-{version}.crate"),
            format!("geodist_rs-{python_version}.tar.gz"),
            format!(
                "geodist_rs-{python_version}-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
            ),
        ]
    );
    for a in artifacts {
        let bytes = std::fs::read(dist.join(a["file"].as_str().unwrap())).unwrap();
        assert_eq!(a["size"].as_u64().unwrap(), bytes.len() as u64);
        assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
    }
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&dist)
        .output()
        .unwrap();
    assert!(check.status.success(), "sha256sum -c: {}", String::from_utf8_lossy(&check.stdout));

    let publish = manifest["publish"].as_array().unwrap();
    assert_eq!(publish.len(), 3);
    assert!(publish.iter().all(|p| p["status"] == "rehearsed"), "{publish:?}");
    assert!(publish.iter().all(|p| p["decision"] == "upload"), "{publish:?}");
    // Secrets-free, and it says what a live run would refuse for.
    assert!(stderr.contains("a live run would refuse: no credentials for"), "{stderr}");

    // Nothing reached the registries, and the tree is as it was.
    assert!(built.pypi_files.is_empty(), "pypiserver received {:?}", built.pypi_files);
    assert!(built.crate_index_lines.is_empty(), "the crate index lists geodist");
    assert_eq!(built.index_commits.1, built.index_commits.0, "the crate index was written");
    assert_eq!(built.tree_after, built.tree_before, "the dry run changed the working tree");

    // Reproducibility (a rebuild gives the same bytes) is proven by a live scenario: a second
    // run where this one ran rebuilds everything and must find every artifact identical to the
    // published one (release_live::a_second_live_run_rebuilds_the_same_bytes_and_skips_every_upload).
}
