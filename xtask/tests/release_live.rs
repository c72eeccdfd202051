//! End to end: `cargo xtask release --live` and `cargo xtask publish --live` against real
//! registries on 127.0.0.1 (pypiserver with htpasswd, cargo-http-registry with a `file://`
//! index), started and stopped by PID. One workspace copy goes through the whole story, built
//! once and reused: every refusal, an unreachable PyPI, a crate registry down, a refused run
//! over a good dist, a held lock, a dist from another commit, a wrong password
//! (nothing at all published), a publish interrupted by SIGINT and resumed from a subdirectory
//! with a relative `--out`, a second run that skips everything and leaves a user's files alone,
//! an artifact whose bytes changed, and the same decisions in a dry run.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;

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

    fn args(&self, command: &str, pypi: Option<(String, String)>) -> Vec<String> {
        let (url, index) = pypi.unwrap_or((self.pypi.upload_url(), self.pypi.index_url()));
        [
            command,
            "--live",
            "--crates-registry",
            "local",
            "--pypi-url",
            &url,
            "--pypi-index",
            &index,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn run(&self, command: &str, env: &[(&str, String)], pypi: Option<(String, String)>) -> Output {
        let args = self.args(command, pypi);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
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

    /// What a run must leave behind when it is refused: the dist as it was.
    fn dist_state(&self) -> (Vec<String>, String, String) {
        let dist = self.ws.join("dist");
        let artifacts = self.manifest()["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("{} {}", a["file"], a["sha256"]))
            .collect();
        let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
        let hashes = support::git(&dist, &["hash-object", "--", "SHA256SUMS"]);
        (artifacts, sums, hashes)
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

    // 1. Refusals before anything is built.
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

    // 2. PyPI unreachable: refused in preflight, naming the endpoint.
    let closed = support::free_port();
    let nowhere =
        (format!("http://127.0.0.1:{closed}/"), format!("http://127.0.0.1:{closed}/simple/"));
    let out = story.run("release", &good, Some(nowhere));
    refused(&out, &[&format!("127.0.0.1:{closed}")]);
    story.nothing_published();

    // 3. The dist the rest of the story reuses, built and verified by a dry run against the
    // same registries (as the release workflow's verify job does before its publish job).
    let (url, index) = (pypi.upload_url(), pypi.index_url());
    let args = ["release", "--dry-run", "--crates-registry", "local", "--pypi-url", &url];
    let mut args = args.to_vec();
    args.extend(["--pypi-index", &index]);
    let out = support::xtask(&ws, &args, &crates.cargo_env());
    assert!(out.status.success(), "the dry run that builds the dist failed");
    let verified = story.dist_state();
    assert_eq!(verified.0.len(), 3, "{verified:?}");
    story.nothing_published();

    // 3b. The crate registry is down: the credential check cannot reach it, so the release
    // stops in preflight, before any upload, rather than after the Python files went out.
    let port = crates.server.port;
    crates.server.stop();
    let story = Story { ws: &ws, pypi: &pypi, crates: &crates };
    let out = story.run("publish", &good, None);
    refused(&out, &["cannot reach the cargo registry `local`"]);
    assert_eq!(story.dist_state(), verified, "a refused publish changed the dist");
    story.nothing_published();
    crates = CrateRegistry::start_with(&tools, &crates.dir.clone(), port);
    let story = Story { ws: &ws, pypi: &pypi, crates: &crates };

    // 4. A refused run over a good dist leaves it whole: the dirty tree refused in preflight,
    // then one corrupted file refused by `publish`. The manifest and SHA256SUMS keep every
    // artifact; the files are as they were.
    std::fs::write(ws.join("scratch.txt"), "uncommitted\n").unwrap();
    refused(&story.run("release", &good, None), &["working tree is dirty"]);
    std::fs::remove_file(ws.join("scratch.txt")).unwrap();
    assert_eq!(story.dist_state(), verified, "a refused release changed the dist");
    let wheel = story.manifest()["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file"].as_str().unwrap().to_owned())
        .find(|f| f.ends_with(".whl"))
        .unwrap();
    let wheel_path = ws.join("dist").join(&wheel);
    let wheel_bytes = std::fs::read(&wheel_path).unwrap();
    std::fs::write(&wheel_path, b"not a wheel").unwrap();
    refused(&story.run("publish", &good, None), &["are not the verified ones", &wheel]);
    std::fs::write(&wheel_path, &wheel_bytes).unwrap();
    assert_eq!(story.dist_state(), verified, "a refused publish changed the manifest");
    story.nothing_published();

    // 5. Another run holds the dist: refused at once, naming the holder's PID.
    {
        let lock_path = ws.join("dist/.release.lock");
        let mut lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .unwrap();
        lock.try_lock().unwrap();
        lock.set_len(0).unwrap();
        write!(lock, "{}", std::process::id()).unwrap();
        let out = story.run("publish", &good, None);
        refused(&out, &["another release run", &format!("PID {}", std::process::id())]);
        assert_eq!(story.dist_state(), verified);
    }
    story.nothing_published();

    // 6. The dist is from another commit (the tag moved on): refused before any upload, since
    // cargo publish would package HEAD, whose crate differs.
    let built_at = support::git(&ws, &["rev-parse", "HEAD"]).trim().to_owned();
    std::fs::write(ws.join("crates/geodist/NOTICE"), "moved on\n").unwrap();
    support::git(&ws, &["add", "--all"]);
    support::git(&ws, &["commit", "--quiet", "--message", "a later commit"]);
    support::git(&ws, &["tag", "--force", "--annotate", &tag, "--message", &tag]);
    let out = story.run("publish", &good, None);
    refused(
        &out,
        &[&format!("built at commit {}", &built_at[..10]), "cargo package at HEAD makes"],
    );
    story.nothing_published();
    support::git(&ws, &["reset", "--quiet", "--hard", &built_at]);
    support::git(&ws, &["tag", "--force", "--annotate", &tag, "--message", &tag]);

    // 7. A wrong password is found before the first upload: nothing at all is published, and
    // the refusal names the status and the registry's reason.
    let out = story.run("publish", &story.env("wrong-password"), None);
    refused(&out, &["rejects the credentials (HTTP 403): expected UV_PUBLISH_USERNAME"]);
    story.nothing_published();
    assert_eq!(story.dist_state(), verified);

    // 8. SIGINT mid-publish: the crate is out, the sdist upload hangs (on a stand-in for PyPI
    // that answers the credential check and then holds the upload) when SIGINT reaches the
    // xtask's PID. It stops, says how to resume, and exits 130.
    let stall = StallingUpload::start();
    let args = story.args("publish", Some((stall.url(), pypi.index_url())));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = support::xtask_command(&ws, &args, &good)
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
    stall.wait_for_an_upload();
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let out = Output { status, stdout: Vec::new(), stderr: reader.join().unwrap() };
    support::show(&args, &out);
    assert_eq!(out.status.code(), Some(130), "an interrupted run exits 130");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted by SIGINT: the manifest in"), "{stderr}");
    assert!(stderr.contains("run the same command again to resume"), "{stderr}");
    let statuses = story.statuses();
    assert!(
        statuses.iter().any(|(f, s)| f.ends_with(".crate") && s == "published"),
        "{statuses:?}"
    );
    assert!(pypi.files().is_empty(), "{:?}", pypi.files());
    drop(stall);

    // 9. The resume, from a subdirectory with a relative --out to a copy of the dist in a
    // directory whose name uv would read as a glob: the crate is skipped (published once), the
    // Python files go out — through a recording proxy in
    // front of pypiserver, to see what it receives: the sdist with the PEP 740 attestation made
    // for it beside it, the wheel (which has none) alone.
    let elsewhere = scratch.path.join("dist [copy]");
    copy_dir(&ws.join("dist"), &elsewhere);
    let python_version = story.manifest()["python_version"].as_str().unwrap().to_owned();
    let sdist_name = format!("geodist_rs-{python_version}.tar.gz");
    let attestation = r#"{"version":1,"verification_material":{"certificate":"e2e"},"envelope":{"statement":"e30=","signature":"e2e"}}"#;
    std::fs::write(elsewhere.join(format!("{sdist_name}.publish.attestation")), attestation)
        .unwrap();
    let proxy = RecordingProxy::start(pypi.server.port);
    let sub = ws.join("crates/geodist");
    let mut args = story.args("publish", Some((proxy.url(), pypi.index_url())));
    args.extend(["--out".to_owned(), "../../../dist [copy]".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = support::xtask(&sub, &args, &good);
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

    // 10. What a user sees: the crate in the index exactly once, the wheel and sdist on the
    // index, a pip install of that version, and a crate that depends on geodist building.
    assert_eq!(crates.index_lines("geodist").len(), 1);
    let files = pypi.files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.contains(&format!("geodist_rs-{python_version}.tar.gz")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("manylinux_2_17_x86_64.whl")), "{files:?}");
    pip_install_from(&scratch.path, &pypi, &python_version);
    scratch_crate_builds(&scratch.path, &crates, &version);

    // 11. A second live run rebuilds everything and skips every upload: nothing is duplicated,
    // and the user's own files in the output directory are left alone.
    let theirs = [("my-backup.tar.gz", "backup"), ("other-project-1.0.crate", "someone else's")];
    for (name, text) in theirs {
        std::fs::write(ws.join("dist").join(name), text).unwrap();
    }
    let out = story.run("release", &good, None);
    assert!(out.status.success(), "the second live run failed");
    let statuses = story.statuses();
    assert_eq!(statuses.len(), 3);
    assert!(statuses.iter().all(|(_, s)| s == "skipped"), "{statuses:?}");
    assert_eq!(crates.index_lines("geodist").len(), 1);
    assert_eq!(pypi.files(), files);
    for (name, text) in theirs {
        assert_eq!(std::fs::read_to_string(ws.join("dist").join(name)).unwrap(), text, "{name}");
    }

    // 12. An artifact with different bytes under a published name is refused, naming both
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

    // 13. The same files in a dry run: the same decisions, shown and recorded, as warnings only.
    let (url, index) = (pypi.upload_url(), pypi.index_url());
    let args = ["publish", "--dry-run", "--crates-registry", "local", "--pypi-url", &url];
    let mut args = args.to_vec();
    args.extend(["--pypi-index", &index]);
    let out = support::xtask(&ws, &args, &crates.cargo_env());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "a dry run with only live-only problems failed");
    assert!(stderr.contains("a live run would refuse"), "{stderr}");
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

/// A stand-in for PyPI's upload endpoint: it answers the credential check as PyPI does for good
/// credentials (400 to an upload form without a file), and holds any real upload open without
/// answering, telling the test that one has begun. No timing: the test waits for the upload,
/// not for a while.
struct StallingUpload {
    port: u16,
    uploads: mpsc::Receiver<()>,
}

impl StallingUpload {
    fn start() -> StallingUpload {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, uploads) = mpsc::channel();
        std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let length = request_length(&stream);
                if length < 10_000 {
                    let _ = stream.write_all(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                } else {
                    let _ = tx.send(());
                    held.push(stream);
                }
            }
        });
        StallingUpload { port, uploads }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn wait_for_an_upload(&self) {
        self.uploads.recv().expect("the xtask never started an upload");
    }
}

/// The Content-Length of the request on `stream` (its head is read; its body is not).
fn request_length(stream: &TcpStream) -> usize {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            return length;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
}

/// A proxy in front of pypiserver that keeps the body of every request it forwards, one
/// request per connection.
struct RecordingProxy {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RecordingProxy {
    fn start(upstream: u16) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { return };
                let (head, body) = read_request(&client);
                record.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                let mut server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                // One request per connection: the answer ends when the server closes.
                let head = head.replace("keep-alive", "close");
                server.write_all(head.as_bytes()).unwrap();
                server.write_all(&body).unwrap();
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer);
                let _ = client.write_all(&answer);
            }
        });
        RecordingProxy { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The bodies of the uploads it forwarded (form posts with a file).
    fn uploads(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|b| b.contains("name=\"content\"")).cloned().collect()
    }
}

/// The head (as text, with its blank line) and the body (by Content-Length) of one request.
fn read_request(stream: &TcpStream) -> (String, Vec<u8>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line.trim().is_empty() {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (head, body)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
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
