//! End to end, on copies of the workspace and without building anything: which tags a live
//! release accepts (`cargo xtask check-tag`, which the release workflow's plan job runs and
//! which preflight runs too). Only the default branch releases, and with `signed-tags = true`
//! only an annotated tag signed by an allowed signer — tried with throw-away SSH keys.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{self, Scratch};

fn version(ws: &Path) -> String {
    let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
    doc["workspace"]["package"]["version"].as_str().unwrap().to_owned()
}

#[track_caller]
fn accepted(ws: &Path) {
    let out = support::xtask(ws, &["check-tag"], &[]);
    assert!(out.status.success(), "the tag was refused");
}

#[track_caller]
fn refused(ws: &Path, needles: &[&str]) {
    let out = support::xtask(ws, &["check-tag"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the tag was accepted");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
}

/// A new ed25519 key pair in `dir`; returns (private key path, public key line).
fn ssh_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen (OpenSSH) runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_owned())
}

fn sign(ws: &Path, key: &Path, tag: &str) {
    let signing = format!("user.signingkey={}", key.display());
    support::git(
        ws,
        &["-c", "gpg.format=ssh", "-c", &signing, "tag", "--force", "--sign", tag, "-m", tag],
    );
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn only_the_default_branch_releases() {
    let scratch = Scratch::new("tags-branch");
    let ws = scratch.path.join("ws");
    support::copy_workspace(&ws);
    let tag = format!("v{}", version(&ws));

    // Without a remote, the local default branch: a tag on main is accepted …
    support::git(&ws, &["tag", "--annotate", &tag, "--message", &tag]);
    accepted(&ws);

    // … one on a branch that was never merged is refused, naming the branch and the fix.
    support::git(&ws, &["checkout", "--quiet", "-b", "feature"]);
    support::git(&ws, &["commit", "--quiet", "--allow-empty", "--message", "work in progress"]);
    support::git(&ws, &["tag", "--force", "--annotate", &tag, "--message", &tag]);
    refused(&ws, &["not on the default branch `main`", "merge it first"]);

    // With a remote: a shallow clone (as CI checks out) fetches what it needs to tell.
    let origin = scratch.path.join("origin.git");
    support::git(
        &scratch.path,
        &["init", "--quiet", "--bare", "--initial-branch=main", "origin.git"],
    );
    support::git(&ws, &["push", "--quiet", origin.to_str().unwrap(), "main"]);
    let url = format!("file://{}", origin.display());
    let clone = scratch.path.join("clone");
    support::git(&scratch.path, &["clone", "--quiet", "--depth", "1", &url, "clone"]);
    for dir in [".venv", ".tools"] {
        std::os::unix::fs::symlink(support::repo_root().join(dir), clone.join(dir)).unwrap();
    }
    support::git(&clone, &["tag", "--annotate", &tag, "--message", &tag]);
    accepted(&clone);
    support::git(&clone, &["commit", "--quiet", "--allow-empty", "--message", "not pushed"]);
    support::git(&clone, &["tag", "--force", "--annotate", &tag, "--message", &tag]);
    refused(&clone, &["not on the default branch `main`"]);
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn signed_tags_when_the_project_asks_for_them() {
    let scratch = Scratch::new("tags-signed");
    let ws = scratch.path.join("ws");
    support::copy_workspace(&ws);
    let tag = format!("v{}", version(&ws));
    let manifest = ws.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replacen("tag-prefix = \"v\"", "tag-prefix = \"v\"\nsigned-tags = true", 1);
    std::fs::write(&manifest, text).unwrap();
    let keys = scratch.path.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (maintainer, public) = ssh_key(&keys, "maintainer");
    let (stranger, _) = ssh_key(&keys, "stranger");
    std::fs::write(ws.join(".github/allowed_signers"), format!("e2e@example.invalid {public}\n"))
        .unwrap();
    support::git(&ws, &["add", "--all"]);
    support::git(&ws, &["commit", "--quiet", "--message", "sign release tags"]);

    support::git(&ws, &["tag", &tag]);
    refused(&ws, &["is a lightweight tag", "--sign"]);
    support::git(&ws, &["tag", "--force", "--annotate", &tag, "--message", &tag]);
    refused(&ws, &["not signed by an allowed signer", ".github/allowed_signers"]);
    sign(&ws, &stranger, &tag);
    refused(&ws, &["not signed by an allowed signer"]);
    sign(&ws, &maintainer, &tag);
    accepted(&ws);
}
