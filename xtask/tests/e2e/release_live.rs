//! End to end: `cargo xtask release --live` and `cargo xtask publish --live` against real
//! registries on 127.0.0.1 (pypiserver with htpasswd, cargo-http-registry with a `file://`
//! index), started and stopped by PID.
//!
//! Each scenario is one test with a workspace and registries of its own. Those refused before
//! anything is built start from a fresh copy of the workspace ([`Live::unbuilt`]); the others
//! from a copy of the verified dist ([`Live::built`], see `support::dist`): a refused run leaves
//! a good dist whole, a crate registry down, a held lock, a dist from another commit, a wrong
//! password (nothing at all published), a publish interrupted by SIGINT and resumed from a
//! subdirectory with a relative `--out`, a second run that rebuilds, skips everything and leaves
//! a user's files alone, an artifact whose bytes changed and the same decisions in a dry run.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::proxy::{Fault, FaultProxy};
use crate::support::{self, CrateRegistry, Live, PypiServer};

#[track_caller]
fn refused(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a refusal");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in the message:\n{stderr}");
    }
    assert!(!stderr.contains("==> gates"), "the refusal came after the build started");
}

// Refused before anything is built.

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn refused_without_the_release_tag() {
    let Some(live) = Live::unbuilt("live-no-tag") else { return };
    let tag = &live.tag;
    support::git(&live.ws, &["tag", "--delete", tag]);
    refused(
        &live.run("release", &live.good(), None),
        &[&format!("tag {tag} does not exist"), "git tag"],
    );
    live.nothing_published();
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn refused_on_a_dirty_tree() {
    let Some(live) = Live::unbuilt("live-dirty") else { return };
    std::fs::write(live.ws.join("scratch.txt"), "uncommitted\n").unwrap();
    refused(&live.run("release", &live.good(), None), &["working tree is dirty", "scratch.txt"]);
    live.nothing_published();
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn refused_without_credentials() {
    let Some(live) = Live::unbuilt("live-no-credentials") else { return };
    refused(
        &live.run("release", &[], None),
        &["CARGO_REGISTRIES_LOCAL_TOKEN", "UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD"],
    );
    live.nothing_published();
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn refused_for_a_private_repository() {
    let Some(live) = Live::unbuilt("live-private") else { return };
    let event = live.scratch.path.join("event.json");
    std::fs::write(&event, r#"{"repository": {"full_name": "acme/geodist", "private": true}}"#)
        .unwrap();
    let mut private = live.good();
    private.push(("GITHUB_ACTIONS", "true".into()));
    private.push(("GITHUB_EVENT_PATH", event.display().to_string()));
    refused(
        &live.run("release", &private, None),
        &["acme/geodist is private", "--allow-private-repository"],
    );
    live.nothing_published();
}

/// PyPI unreachable: refused in preflight, naming the endpoint.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn refused_when_pypi_is_unreachable() {
    let Some(live) = Live::unbuilt("live-pypi-unreachable") else { return };
    let closed = support::closed_port();
    let nowhere =
        (format!("http://127.0.0.1:{closed}/"), format!("http://127.0.0.1:{closed}/simple/"));
    let out = live.run("release", &live.good(), Some(nowhere));
    refused(&out, &[&format!("127.0.0.1:{closed}")]);
    live.nothing_published();
}

// Refused over a verified dist, which each leaves whole.

/// The crate registry is down: the credential check cannot reach it, so the release stops in
/// preflight, before any upload, rather than after the Python files went out. Once it is back
/// (on the same port, over the same index), the same command publishes.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn publish_refused_while_the_crate_registry_is_down() {
    let Some(mut live) = Live::built("live-registry-down") else { return };
    let verified = live.dist_state();
    assert_eq!(verified.0.len(), 3, "{verified:?}");
    let port = live.crates.server.port;
    live.crates.server.stop();
    let out = live.run("publish", &live.good(), None);
    refused(&out, &["cannot reach the cargo registry `local`"]);
    assert_eq!(live.dist_state(), verified, "a refused publish changed the dist");
    live.nothing_published();
    live.crates = CrateRegistry::start_with(&live.tools, &live.crates.dir.clone(), port);
    live.publish_everything();
}

/// A refused run over a good dist leaves it whole: the dirty tree refused in preflight, then
/// one corrupted file refused by `publish`. The manifest and SHA256SUMS keep every artifact;
/// the files are as they were.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn refused_runs_leave_a_verified_dist_whole() {
    let Some(live) = Live::built("live-refused-runs") else { return };
    let (ws, good) = (&live.ws, live.good());
    let verified = live.dist_state();
    std::fs::write(ws.join("scratch.txt"), "uncommitted\n").unwrap();
    refused(&live.run("release", &good, None), &["working tree is dirty"]);
    std::fs::remove_file(ws.join("scratch.txt")).unwrap();
    assert_eq!(live.dist_state(), verified, "a refused release changed the dist");
    let wheel = live.manifest()["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file"].as_str().unwrap().to_owned())
        .find(|f| f.ends_with(".whl"))
        .unwrap();
    let wheel_path = ws.join("dist").join(&wheel);
    let wheel_bytes = std::fs::read(&wheel_path).unwrap();
    std::fs::write(&wheel_path, b"not a wheel").unwrap();
    refused(&live.run("publish", &good, None), &["are not the verified ones", &wheel]);
    std::fs::write(&wheel_path, &wheel_bytes).unwrap();
    assert_eq!(live.dist_state(), verified, "a refused publish changed the manifest");
    live.nothing_published();
}

/// Another run holds the dist: refused at once, naming the holder's PID.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn publish_refused_while_another_run_holds_the_dist() {
    let Some(live) = Live::built("live-held") else { return };
    let verified = live.dist_state();
    let lock_path = live.ws.join("dist/.release.lock");
    let mut lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    lock.try_lock().unwrap();
    lock.set_len(0).unwrap();
    write!(lock, "{}", std::process::id()).unwrap();
    let out = live.run("publish", &live.good(), None);
    refused(&out, &["another release run", &format!("PID {}", std::process::id())]);
    assert_eq!(live.dist_state(), verified);
    drop(lock);
    live.nothing_published();
}

/// The dist is from another commit (the tag moved on): refused before any upload, since cargo
/// publish would package HEAD, whose crate differs.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn publish_refused_for_a_dist_from_another_commit() {
    let Some(live) = Live::built("live-moved-on") else { return };
    let (ws, tag) = (&live.ws, &live.tag);
    let built_at = support::git(ws, &["rev-parse", "HEAD"]).trim().to_owned();
    std::fs::write(ws.join("crates/geodist/NOTICE"), "moved on\n").unwrap();
    support::git(ws, &["add", "--all"]);
    support::git(ws, &["commit", "--quiet", "--message", "a later commit"]);
    support::git(ws, &["tag", "--force", "--annotate", tag, "--message", tag]);
    let out = live.run("publish", &live.good(), None);
    refused(
        &out,
        &[&format!("built at commit {}", &built_at[..10]), "cargo package at HEAD makes"],
    );
    live.nothing_published();
}

/// A wrong password is found before the first upload: nothing at all is published, and the
/// refusal names the status and the registry's reason.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn publish_refused_for_a_wrong_password() {
    let Some(live) = Live::built("live-wrong-password") else { return };
    let verified = live.dist_state();
    let out = live.run("publish", &live.env("wrong-password"), None);
    refused(&out, &["rejects the credentials (HTTP 403): expected UV_PUBLISH_USERNAME"]);
    live.nothing_published();
    assert_eq!(live.dist_state(), verified);
}

// Publishing.

/// SIGINT mid-publish, then the resume; what users then get from the registries.
///
/// The crate is out, the sdist upload hangs (our proxy in front of pypiserver holds it) when
/// SIGINT reaches the xtask's PID: it stops, says how to resume, and exits 130. The resume runs from a subdirectory with a relative `--out` to a copy
/// of the dist in a directory whose name uv would read as a glob: the crate is skipped
/// (published once), the Python files go out — through a recording proxy in front of
/// pypiserver, to see what it receives: the sdist with the PEP 740 attestation made for it
/// beside it, the wheel (which has none) alone. Then what a user sees: the crate in the index
/// exactly once, the wheel and sdist on the index, a pip install of that version, and a crate
/// that depends on geodist building.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn an_interrupted_publish_resumes_and_users_get_the_release() {
    let Some(live) = Live::built("live-interrupted") else { return };
    let (ws, pypi, crates, good) = (&live.ws, &live.pypi, &live.crates, live.good());

    let stall = FaultProxy::start(pypi.server.port);
    stall.fail_uploads(&[Fault::Stall]);
    let args = live.args("publish", Some((stall.url(), pypi.index_url())));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = support::xtask_command(ws, &args, &good)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        stderr_pipe.read_to_end(&mut text).unwrap();
        text
    });
    stall.wait_for_a_stall();
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let out = Output { status, stdout: Vec::new(), stderr: reader.join().unwrap() };
    support::show(&args, &out);
    assert_eq!(out.status.code(), Some(130), "an interrupted run exits 130");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted by SIGINT: the manifest in"), "{stderr}");
    assert!(stderr.contains("run the same command again to resume"), "{stderr}");
    let statuses = live.statuses();
    assert!(
        statuses.iter().any(|(f, s)| f.ends_with(".crate") && s == "published"),
        "{statuses:?}"
    );
    assert!(pypi.files().is_empty(), "{:?}", pypi.files());
    drop(stall);

    let elsewhere = live.scratch.path.join("dist [copy]");
    support::copy_tree(&ws.join("dist"), &elsewhere, &[]);
    let python_version = live.python_version();
    let sdist_name = format!("geodist_rs-{python_version}.tar.gz");
    let attestation = r#"{"version":1,"verification_material":{"certificate":"e2e"},"envelope":{"statement":"e30=","signature":"e2e"}}"#;
    std::fs::write(elsewhere.join(format!("{sdist_name}.publish.attestation")), attestation)
        .unwrap();
    let proxy = FaultProxy::start(pypi.server.port);
    let sub = ws.join("crates/geodist");
    let mut args = live.args("publish", Some((proxy.url(), pypi.index_url())));
    args.extend(["--out".to_owned(), "../../../dist [copy]".to_owned()]);
    let out = live.xtask(&sub, &args, &good);
    assert!(out.status.success(), "the resumed publish failed");
    let copied: Value = serde_json::from_str(
        &std::fs::read_to_string(elsewhere.join("release-manifest.json")).unwrap(),
    )
    .unwrap();
    let statuses: Vec<(String, String)> = copied["publish"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["file"].as_str().unwrap().to_owned(), p["status"].as_str().unwrap().to_owned()))
        .collect();
    assert!(statuses.iter().any(|(f, s)| f.ends_with(".crate") && s == "skipped"), "{statuses:?}");
    assert!(
        statuses.iter().filter(|(f, _)| !f.ends_with(".crate")).all(|(_, s)| s == "published"),
        "{statuses:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        // 1 crate, 1 sdist, 24 wheels (8 targets × 3 ABI families), of which this host builds 1.
        stderr.contains("2 of 26 planned artifacts published by this run, 1 already there"),
        "{stderr}"
    );
    let uploads = proxy.uploads();
    let sdist_upload = uploads.iter().find(|u| u.contains(&format!("\"{sdist_name}\""))).unwrap();
    assert!(
        sdist_upload.contains("name=\"attestations\""),
        "the sdist went without its attestation"
    );
    assert!(sdist_upload.contains(r#""certificate":"e2e""#), "not our attestation");
    let wheel_upload = uploads.iter().find(|u| u.contains(".whl\"")).unwrap();
    assert!(!wheel_upload.contains("name=\"attestations\""), "the wheel has no attestation");
    drop(proxy);

    assert_eq!(crates.index_lines("geodist").len(), 1);
    let files = pypi.files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.contains(&format!("geodist_rs-{python_version}.tar.gz")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("manylinux_2_17_x86_64.whl")), "{files:?}");
    pip_install_from(&live.scratch.path, pypi, &python_version);
    scratch_crate_builds(&live.scratch.path, crates, &live.version);
}

/// A second live run, where the first one built the dist, rebuilds everything and skips every
/// upload: the rebuilt files are byte for byte the published ones, nothing is duplicated, and
/// the user's own files in the output directory are left alone.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_second_live_run_rebuilds_the_same_bytes_and_skips_every_upload() {
    let Some(live) = Live::where_the_dist_was_built("live-second-run") else { return };
    live.publish_everything();
    let files = live.pypi.files();
    let theirs = [("my-backup.tar.gz", "backup"), ("other-project-1.0.crate", "someone else's")];
    for (name, text) in theirs {
        std::fs::write(live.ws.join("dist").join(name), text).unwrap();
    }
    let out = live.run("release", &live.good(), None);
    assert!(out.status.success(), "the second live run failed");
    let statuses = live.statuses();
    assert_eq!(statuses.len(), 3);
    assert!(statuses.iter().all(|(_, s)| s == "skipped"), "{statuses:?}");
    assert_eq!(live.crates.index_lines("geodist").len(), 1);
    assert_eq!(live.pypi.files(), files);
    for (name, text) in theirs {
        let theirs_now = std::fs::read_to_string(live.ws.join("dist").join(name)).unwrap();
        assert_eq!(theirs_now, text, "{name}");
    }
}

/// An artifact with different bytes under a published name is refused, naming both hashes,
/// and nothing is uploaded. The same files in a dry run: the same decisions, shown and
/// recorded, as warnings only.
#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn different_bytes_under_a_published_name_are_refused_and_a_dry_run_says_so() {
    let Some(live) = Live::built("live-different-bytes") else { return };
    live.publish_everything();
    let (ws, pypi, crates) = (&live.ws, &live.pypi, &live.crates);
    let files = pypi.files();
    let sdist = ws.join("dist").join(format!("geodist_rs-{}.tar.gz", live.python_version()));
    let published_sha = support::sha256(&sdist);
    regzip(&sdist);
    let changed_sha = support::sha256(&sdist);
    assert_ne!(published_sha, changed_sha);
    let manifest_path = ws.join("dist/release-manifest.json");
    let text =
        std::fs::read_to_string(&manifest_path).unwrap().replace(&published_sha, &changed_sha);
    let mut manifest: Value = serde_json::from_str(&text).unwrap();
    for a in manifest["artifacts"].as_array_mut().unwrap() {
        if a["sha256"] == changed_sha.as_str() {
            a["size"] = std::fs::metadata(&sdist).unwrap().len().into();
        }
    }
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let out = live.run("publish", &live.good(), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "different bytes were not refused");
    for needle in [published_sha.as_str(), changed_sha.as_str(), "nothing was uploaded"] {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
    assert_eq!(pypi.files(), files);
    assert_eq!(crates.index_lines("geodist").len(), 1);

    let (url, index) = (pypi.upload_url(), pypi.index_url());
    let args = ["publish", "--dry-run", "--crates-registry", "local", "--pypi-url", &url];
    let mut args = args.map(str::to_owned).to_vec();
    args.extend(["--pypi-index".to_owned(), index]);
    let out = live.xtask(ws, &args, &crates.cargo_env());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "a dry run with only live-only problems failed");
    assert!(stderr.contains("a live run would refuse"), "{stderr}");
    for needle in [published_sha.as_str(), changed_sha.as_str()] {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
    let decisions: Vec<(String, String)> = live.manifest()["publish"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["file"].as_str().unwrap().to_owned(), p["decision"].as_str().unwrap().to_owned())
        })
        .collect();
    for (file, decision) in &decisions {
        let expected = if file.ends_with(".tar.gz") { "refuse" } else { "skip" };
        assert_eq!(decision, expected, "{file}: {decisions:?}");
    }
    assert_eq!(pypi.files(), files);
    assert_eq!(crates.index_lines("geodist").len(), 1);
}

/// The same tar, gzipped with another timestamp: same content, different bytes.
fn regzip(path: &Path) {
    let python = support::repo_root().join(".venv/bin/python");
    let script = "import gzip, sys; p = sys.argv[1]; d = gzip.open(p).read(); \
                  open(p, 'wb').write(gzip.compress(d, mtime=123456789))";
    let out = Command::new(python).args(["-c", script]).arg(path).output().unwrap();
    assert!(out.status.success());
}

/// `pip install geodist-rs==V` from the local index into a fresh environment, then import it.
fn pip_install_from(dir: &Path, pypi: &PypiServer, version: &str) {
    let root = support::repo_root();
    let venv = dir.join("user-venv");
    let uv = root.join(".venv/bin/uv");
    let ok = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    };
    ok(Command::new(&uv)
        .arg("venv")
        .arg("--quiet")
        .arg("--python")
        .arg(root.join(".venv/bin/python"))
        .arg(&venv));
    let python = venv.join("bin/python");
    ok(Command::new(&uv)
        .args(["pip", "install", "--quiet", "--python"])
        .arg(&python)
        .args(["--index-url", &pypi.index_url(), "--extra-index-url", "https://pypi.org/simple/"])
        .args(["--index-strategy", "first-index"])
        .arg(format!("geodist-rs=={version}")));
    let out = ok(Command::new(&python)
        .args(["-c", "import geodist; print(geodist.__version__, geodist.haversine(0, 0, 0, 1))"])
        .current_dir(dir));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.starts_with(version), "{printed}");
}

/// A new crate that depends on geodist from the local registry builds and runs.
fn scratch_crate_builds(dir: &Path, crates: &CrateRegistry, version: &str) {
    let app = dir.join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n\
             geodist = {{ version = \"={version}\", registry = \"local\" }}\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("src/main.rs"),
        "fn main() {\n    let a = geodist::Point::new(0.0, 0.0).unwrap();\n    \
         let b = geodist::Point::new(0.0, 1.0).unwrap();\n    println!(\"{}\", geodist::geodesic(a, b));\n}\n",
    )
    .unwrap();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["run", "--quiet"]).current_dir(&app).env("CARGO_TARGET_DIR", app.join("target"));
    for (k, v) in crates.cargo_env() {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "the scratch crate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meters: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!((meters - 111_319.490_793).abs() < 1e-3, "{meters}");
}
