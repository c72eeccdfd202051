//! End to end: `cargo xtask release --live` and `cargo xtask publish --live` against real
//! registries on 127.0.0.1 (pypiserver with htpasswd, cargo-http-registry with a `file://`
//! index), started and stopped by PID. One workspace copy goes through the whole story: every
//! refusal, an unreachable PyPI, a crate registry down mid-release, a rejected password, the
//! re-run that finishes the release, a second run that skips everything, and an artifact whose
//! bytes changed.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::{CrateRegistry, PYPI_PASSWORD, PYPI_USER, PypiServer, Scratch};

struct Story<'a> {
    ws: &'a Path,
    pypi: &'a PypiServer,
    crates: &'a CrateRegistry,
}

impl Story<'_> {
    fn env(&self, password: &str) -> Vec<(&'static str, String)> {
        let mut env = self.crates.cargo_env();
        env.push(("UV_PUBLISH_USERNAME", PYPI_USER.to_owned()));
        env.push(("UV_PUBLISH_PASSWORD", password.to_owned()));
        env
    }

    fn run(&self, command: &str, env: &[(&str, String)], pypi: Option<(String, String)>) -> Output {
        let (url, index) = pypi.unwrap_or((self.pypi.upload_url(), self.pypi.index_url()));
        let args = [command, "--live", "--crates-registry", "local", "--pypi-url", &url];
        let mut args = args.to_vec();
        args.extend(["--pypi-index", &index]);
        support::xtask(self.ws, &args, env)
    }

    fn manifest(&self) -> Value {
        let text = std::fs::read_to_string(self.ws.join("dist/release-manifest.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// file → publish status, from the manifest.
    fn statuses(&self) -> Vec<(String, String)> {
        let mut s: Vec<(String, String)> = self.manifest()["publish"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (p["file"].as_str().unwrap().to_owned(), p["status"].as_str().unwrap().to_owned())
            })
            .collect();
        s.sort();
        s
    }

    fn nothing_published(&self) {
        assert!(self.pypi.files().is_empty(), "pypiserver received {:?}", self.pypi.files());
        assert!(self.crates.index_lines("geodist").is_empty(), "the crate index lists geodist");
    }
}

#[track_caller]
fn refused(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected a refusal");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in the message:\n{stderr}");
    }
    assert!(!stderr.contains("==> gates"), "the refusal came after the build started");
}

#[test]
#[ignore = "end to end: runs a release on a copy of the workspace; `cargo xtask test` runs it"]
fn live_release_story() {
    let Some(tools) = support::tools() else { return };
    let scratch = Scratch::new("live");
    let ws = scratch.path.join("ws");
    support::copy_workspace(&ws);
    let manifest_text = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest_text.parse().unwrap();
    let version = doc["workspace"]["package"]["version"].as_str().unwrap().to_owned();
    let tag = format!("v{version}");
    support::git(&ws, &["tag", "--annotate", &tag, "--message", &tag]);

    let pypi = PypiServer::start(&tools, &scratch.path);
    let mut crates = CrateRegistry::start(&tools, &scratch.path);
    let story = Story { ws: &ws, pypi: &pypi, crates: &crates };
    let good = story.env(PYPI_PASSWORD);

    // 4. Refusals before anything is built.
    support::git(&ws, &["tag", "--delete", &tag]);
    refused(&story.run("release", &good, None), &[&format!("tag {tag} does not exist"), "git tag"]);
    support::git(&ws, &["tag", "--annotate", &tag, "--message", &tag]);

    std::fs::write(ws.join("scratch.txt"), "uncommitted\n").unwrap();
    refused(&story.run("release", &good, None), &["working tree is dirty", "scratch.txt"]);
    std::fs::remove_file(ws.join("scratch.txt")).unwrap();

    refused(
        &story.run("release", &[], None),
        &["CARGO_REGISTRIES_LOCAL_TOKEN", "UV_PUBLISH_TOKEN", "UV_PUBLISH_PASSWORD"],
    );

    let event = scratch.path.join("event.json");
    std::fs::write(&event, r#"{"repository": {"full_name": "acme/geodist", "private": true}}"#)
        .unwrap();
    let mut private = good.clone();
    private.push(("GITHUB_ACTIONS", "true".into()));
    private.push(("GITHUB_EVENT_PATH", event.display().to_string()));
    refused(
        &story.run("release", &private, None),
        &["acme/geodist is private", "--allow-private-repository"],
    );
    story.nothing_published();

    // 5. PyPI unreachable: refused in preflight, naming the endpoint.
    let closed = support::free_port();
    let nowhere =
        (format!("http://127.0.0.1:{closed}/"), format!("http://127.0.0.1:{closed}/simple/"));
    let out = story.run("release", &good, Some(nowhere));
    refused(&out, &[&format!("127.0.0.1:{closed}")]);
    story.nothing_published();

    // 7. The crate registry is down when the release reaches it: the build and verification
    // pass, the crate upload fails, nothing else is attempted; a re-run later finishes.
    let port = crates.server.port;
    crates.server.stop();
    let story = Story { ws: &ws, pypi: &pypi, crates: &crates };
    let out = story.run("release", &good, None);
    assert!(!out.status.success(), "publishing to a stopped registry succeeded");
    let statuses = story.statuses();
    assert!(statuses.iter().any(|(f, s)| f.ends_with(".crate") && s == "failed"), "{statuses:?}");
    assert!(
        statuses.iter().filter(|(f, _)| !f.ends_with(".crate")).all(|(_, s)| s == "pending"),
        "{statuses:?}"
    );
    story.nothing_published();
    crates = CrateRegistry::start_with(&tools, &crates.dir.clone(), port);
    let story = Story { ws: &ws, pypi: &pypi, crates: &crates };

    // 6. PyPI rejects the upload after the crate went out: the manifest says which is which.
    let out = story.run("publish", &story.env("wrong-password"), None);
    assert!(!out.status.success(), "an upload with a wrong password succeeded");
    let statuses = story.statuses();
    assert!(
        statuses.iter().any(|(f, s)| f.ends_with(".crate") && s == "published"),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .filter(|(f, _)| !f.ends_with(".crate"))
            .all(|(_, s)| s == "failed" || s == "pending"),
        "{statuses:?}"
    );
    assert!(pypi.files().is_empty(), "pypiserver accepted {:?}", pypi.files());
    assert_eq!(crates.index_lines("geodist").len(), 1);

    // ... and the re-run with the right password finishes the release.
    let out = story.run("publish", &good, None);
    assert!(out.status.success(), "the re-run did not finish the release");
    let statuses = story.statuses();
    assert!(statuses.iter().any(|(f, s)| f.ends_with(".crate") && s == "skipped"), "{statuses:?}");
    assert!(
        statuses.iter().filter(|(f, _)| !f.ends_with(".crate")).all(|(_, s)| s == "published"),
        "{statuses:?}"
    );

    // 1. What a user sees: the crate in the index exactly once, the wheel and sdist on the
    // index, a pip install of that version, and a crate that depends on geodist building.
    let python_version = story.manifest()["python_version"].as_str().unwrap().to_owned();
    assert_eq!(crates.index_lines("geodist").len(), 1);
    let files = pypi.files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.contains(&format!("geodist_rs-{python_version}.tar.gz")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("manylinux_2_17_x86_64.whl")), "{files:?}");
    pip_install_from(&scratch.path, &pypi, &python_version);
    scratch_crate_builds(&scratch.path, &crates, &version);

    // 2. A second live run rebuilds everything and skips every upload: nothing is duplicated.
    let out = story.run("release", &good, None);
    assert!(out.status.success(), "the second live run failed");
    let statuses = story.statuses();
    assert_eq!(statuses.len(), 3);
    assert!(statuses.iter().all(|(_, s)| s == "skipped"), "{statuses:?}");
    assert_eq!(crates.index_lines("geodist").len(), 1);
    assert_eq!(pypi.files(), files);

    // 3. An artifact with different bytes under a published name is refused, naming both
    // hashes, and nothing is uploaded.
    let sdist = ws.join("dist").join(format!("geodist_rs-{python_version}.tar.gz"));
    let published_sha = sha256(&sdist);
    regzip(&sdist);
    let changed_sha = sha256(&sdist);
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
    let out = story.run("publish", &good, None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "different bytes were not refused");
    for needle in [published_sha.as_str(), changed_sha.as_str(), "nothing was uploaded"] {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
    assert_eq!(pypi.files(), files);
    assert_eq!(crates.index_lines("geodist").len(), 1);

    // 8. The same files in a dry run: the same decisions, shown and recorded, as warnings only.
    let (url, index) = (pypi.upload_url(), pypi.index_url());
    let args = ["publish", "--dry-run", "--crates-registry", "local", "--pypi-url", &url];
    let mut args = args.to_vec();
    args.extend(["--pypi-index", &index]);
    let out = support::xtask(&ws, &args, &crates.cargo_env());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "a dry run with only live-only problems failed");
    assert!(stderr.contains("a live release would refuse"), "{stderr}");
    for needle in [published_sha.as_str(), changed_sha.as_str()] {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
    let decisions: Vec<(String, String)> = story.manifest()["publish"]
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

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned()
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
