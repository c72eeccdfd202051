//! Bad input to `cargo xtask release --dry-run`: each case fails before anything is built, with
//! a message that says what was expected, what was found and how to fix it, and leaves the
//! working tree as it was.

use std::path::{Path, PathBuf};

use crate::support::{self, Scratch};

/// A fresh copy of the workspace, changed by `edit` and committed (so that only the edit, not
/// a dirty tree, is what the release sees).
fn workspace_with(scratch: &Scratch, edit: impl FnOnce(&Path)) -> PathBuf {
    let ws = scratch.path.join("ws");
    support::copy_workspace(&ws);
    edit(&ws);
    support::git(&ws, &["add", "--all"]);
    support::git(&ws, &["commit", "--quiet", "--allow-empty", "--message", "edit"]);
    ws
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn workspace_version(ws: &Path) -> String {
    let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
    doc["workspace"]["package"]["version"].as_str().unwrap().to_owned()
}

/// Runs a dry run that must be refused with every one of `needles` in its message, before the
/// gates, leaving the tree clean and nothing but the manifest in dist/.
#[track_caller]
fn check_refused(ws: &Path, args: &[&str], env: &[(&str, String)], needles: &[&str]) {
    let mut all = vec!["release", "--dry-run"];
    all.extend(args);
    let out = support::xtask(ws, &all, env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a refusal");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in the message:\n{stderr}");
    }
    assert!(!stderr.contains("==> gates"), "the refusal came after the gates started");
    let status = support::git(ws, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, "", "the refused run changed the tree");
    if let Ok(entries) = std::fs::read_dir(ws.join("dist")) {
        let files: Vec<String> =
            entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        assert!(
            files
                .iter()
                .all(|f| f == "release-manifest.json" || f == "SHA256SUMS" || f == ".release.lock"),
            "the refused run built {files:?}"
        );
    }
}

fn skip() -> bool {
    support::tools().is_none()
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn version_mismatches_are_refused_with_a_table() {
    if skip() {
        return;
    }
    // A crate with its own version instead of the workspace's.
    let scratch = Scratch::new("mismatch-crate");
    let ws = workspace_with(&scratch, |ws| {
        replace(
            &ws.join("crates/geodist/Cargo.toml"),
            "version.workspace = true",
            "version = \"9.9.9\"",
        );
    });
    check_refused(&ws, &[], &[], &["crate geodist", "MISMATCH", "9.9.9"]);

    // Cargo.lock left behind by a version change, committed: the version check names it and
    // its fix, and neither the xtask nor the `cargo xtask` alias (which runs with --locked)
    // rewrites it.
    let scratch = Scratch::new("mismatch-lock");
    let ws = workspace_with(&scratch, |ws| {
        let v = workspace_version(ws);
        replace(&ws.join("Cargo.toml"), &format!("version = \"{v}\""), "version = \"7.0.0\"");
        replace(&ws.join("Cargo.toml"), &format!("version = \"={v}\""), "version = \"=7.0.0\"");
        replace(&ws.join("CHANGELOG.md"), &format!("## [{v}]"), "## [7.0.0]");
    });
    check_refused(&ws, &[], &[], &["Cargo.lock", "MISMATCH", "cargo update"]);
    let lock = std::fs::read_to_string(ws.join("Cargo.lock")).unwrap();
    let alias =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["xtask", "version", "--check"])
            .current_dir(&ws)
            .env("CARGO_TARGET_DIR", ws.join("target"))
            .output()
            .unwrap();
    let stderr = String::from_utf8_lossy(&alias.stderr);
    assert!(!alias.status.success(), "`cargo xtask version --check` passed a stale lock");
    assert!(stderr.contains("Cargo.lock") && stderr.contains("--locked"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(ws.join("Cargo.lock")).unwrap(),
        lock,
        "the lock was rewritten"
    );
    assert_eq!(support::git(&ws, &["status", "--porcelain"]), "");

    // A static version in pyproject.toml, which maturin would stamp instead of Cargo's.
    let scratch = Scratch::new("mismatch-pyproject");
    let ws = workspace_with(&scratch, |ws| {
        replace(&ws.join("pyproject.toml"), "dynamic = [\"version\"]", "version = \"0.0.1\"");
        // Relocked, as whoever made the edit would have: only the version is wrong now.
        let uv = support::repo_root().join(".venv/bin/uv");
        let out = std::process::Command::new(uv)
            .args(["lock", "--quiet"])
            .current_dir(ws)
            .output()
            .unwrap();
        assert!(out.status.success(), "uv lock: {}", String::from_utf8_lossy(&out.stderr));
    });
    check_refused(&ws, &[], &[], &["pyproject.toml", "dynamic"]);

    // No CHANGELOG section for the version.
    let scratch = Scratch::new("mismatch-changelog");
    let ws = workspace_with(&scratch, |ws| {
        let v = workspace_version(ws);
        replace(&ws.join("CHANGELOG.md"), &format!("## [{v}]"), "## [0.0.1]");
    });
    check_refused(&ws, &[], &[], &["CHANGELOG.md", "cargo xtask bump"]);

    // A wrong tag at HEAD.
    let scratch = Scratch::new("mismatch-tag");
    let ws = workspace_with(&scratch, |_| {});
    support::git(&ws, &["tag", "v0.0.1"]);
    check_refused(&ws, &[], &[], &["tag at HEAD", "v0.0.1", "git tag"]);
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn bad_output_directories_are_refused_before_the_first_stage() {
    if skip() {
        return;
    }
    let scratch = Scratch::new("bad-out");
    let ws = workspace_with(&scratch, |_| {});
    check_refused(&ws, &["--out", "crates"], &[], &["inside the tracked tree", "--out dist"]);
    let file = scratch.path.join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out =
        support::xtask(&ws, &["release", "--dry-run", "--out", &file.display().to_string()], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for needle in ["FAILED output", "stages", "is not a directory: expected a directory"] {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
    assert!(!stderr.contains("==> python env"), "a bad --out must stop the run before any work");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a directory");
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn bad_tags_are_refused() {
    if skip() {
        return;
    }
    let scratch = Scratch::new("bad-tags");
    let ws = workspace_with(&scratch, |_| {});
    let v = workspace_version(&ws);
    check_refused(&ws, &["--tag", "v99.0.0"], &[], &["does not match", &format!("--tag v{v}")]);
    check_refused(
        &ws,
        &["--tag", "release-1"],
        &[],
        &["malformed tag `release-1`", &format!("--tag v{v}")],
    );
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn an_unknown_wheel_target_is_refused() {
    if skip() {
        return;
    }
    let scratch = Scratch::new("bad-target");
    let ws = workspace_with(&scratch, |ws| {
        replace(
            &ws.join("Cargo.toml"),
            "target = \"x86_64-unknown-linux-musl\"",
            "target = \"x86_64-unknown-linux-muslx\"",
        );
    });
    check_refused(
        &ws,
        &[],
        &[],
        &["unknown target `x86_64-unknown-linux-muslx`", "expected one of"],
    );
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_missing_tool_is_refused_with_its_install_hint() {
    if skip() {
        return;
    }
    let scratch = Scratch::new("missing-tool");
    let ws = workspace_with(&scratch, |_| {});
    // A PATH with cargo, rustc and python3 but no git.
    let bin = scratch.path.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["cargo", "rustc", "python3"] {
        let path = which(tool);
        std::os::unix::fs::symlink(path, bin.join(tool)).unwrap();
    }
    let env = [("PATH", bin.display().to_string())];
    check_refused(&ws, &[], &env, &["git not found on PATH", "apt-get install git"]);
}

fn which(tool: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{tool} not on PATH"))
}
