//! Shared machinery of the end-to-end scenarios: a throw-away copy of the workspace, the xtask
//! run in it, real registries on 127.0.0.1 (pypiserver and cargo-http-registry) started and
//! stopped by PID, the verified dist built once per test process ([`dist`]), a live scenario's
//! world made of these ([`Live`]), and stand-ins for a registry that misbehaves ([`proxy`]). How
//! the pieces fit is in `main.rs`.

pub mod dist;
pub mod live;
pub mod proxy;

pub use dist::dist;
pub use live::Live;

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// The real workspace the tests copy.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The tools these tests need, or `None` (with the reason printed) outside CI. Under `CI=true`
/// a missing tool is a failure, never a skip.
///
/// `cargo xtask test` starts these tests while it is still installing the tools, holding
/// `.tools/install.lock` until it is done (xtask/src/tools.rs): they are looked for once it is
/// released.
pub fn tools() -> Option<Tools> {
    let root = repo_root();
    wait_for_the_tools_install(&root.join(".tools/install.lock"));
    let tools = Tools {
        pypi_server: root.join(".venv/bin/pypi-server"),
        htpasswd_python: root.join(".venv/bin/python"),
        cargo_http_registry: root.join(".tools/bin/cargo-http-registry"),
    };
    let missing: Vec<String> = [&tools.pypi_server, &tools.cargo_http_registry]
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some(tools);
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    let message = format!(
        "end-to-end release tests need {}; `cargo xtask test` installs them",
        missing.join(" and ")
    );
    assert!(!ci, "{message}");
    eprintln!("skipped: {message}");
    None
}

fn wait_for_the_tools_install(lock: &Path) {
    let Ok(file) = std::fs::File::open(lock) else {
        return; // nothing was ever installed here
    };
    if file.try_lock_shared().is_err() {
        eprintln!("waiting for the test tools being installed ({} is held)", lock.display());
        file.lock_shared().unwrap();
    }
}

#[derive(Debug, Clone)]
pub struct Tools {
    pub pypi_server: PathBuf,
    pub htpasswd_python: PathBuf,
    pub cargo_http_registry: PathBuf,
}

/// A scratch directory under the workspace's target/, removed when dropped unless
/// `GEODIST_E2E_KEEP` is set (to look at what a failing test left).
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let path =
            repo_root().join("target/e2e-scratch").join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("GEODIST_E2E_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Copies the tracked (and not ignored, untracked) files of the workspace into `dest`, links the
/// project environment and tools, and commits the copy as its own repository.
///
/// Each file keeps its modification time, as cargo decides by them what to rebuild: a copy made
/// again at the same place (the dist's workspace, see [`dist`]) rebuilds only what changed since,
/// exactly as a build in the workspace itself would.
pub fn copy_workspace(dest: &Path) {
    let root = repo_root();
    let listing = run_ok(
        Command::new("git")
            .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
            .current_dir(&root),
    );
    for file in listing.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = String::from_utf8_lossy(file).into_owned();
        let from = root.join(&rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dest.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        copy_file(&from, &to);
    }
    link_environment(dest);
    git(dest, &["init", "--quiet", "--initial-branch=main"]);
    git(dest, &["add", "--all"]);
    git(dest, &["commit", "--quiet", "--no-verify", "--message", "release candidate"]);
}

/// Copies the directory `from` (a workspace copy, with its `.git`) to `to`, leaving out the
/// top-level entries named in `leave_out`; symbolic links are copied as links.
pub fn copy_tree(from: &Path, to: &Path, leave_out: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if leave_out.iter().any(|l| name == *l) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(&source).unwrap(), &dest).unwrap();
        } else if kind.is_dir() {
            copy_tree(&source, &dest, &[]);
        } else {
            copy_file(&source, &dest);
        }
    }
}

/// The sha256 of a file, as `sha256sum` prints it.
pub fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success(), "sha256sum {}", path.display());
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned()
}

/// Copies one file with its modification time (see [`copy_workspace`]).
fn copy_file(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    let modified = std::fs::metadata(from).unwrap().modified().unwrap();
    std::fs::File::options().write(true).open(to).unwrap().set_modified(modified).unwrap();
}

/// Links the real workspace's project environment and test tools into a copy, as the xtask
/// would otherwise create them there.
pub fn link_environment(dest: &Path) {
    let root = repo_root();
    #[cfg(unix)]
    for dir in [".venv", ".tools"] {
        if root.join(dir).exists() && !dest.join(dir).exists() {
            std::os::unix::fs::symlink(root.join(dir), dest.join(dir)).unwrap();
        }
    }
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = run_ok(
        Command::new("git")
            .args(["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(dir),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The xtask binary of this build, to run in `dir` with `args` and extra environment.
///
/// Its cargo builds go where they would in a checkout of its own, the copy's `target/`, unless
/// `env` names a `CARGO_TARGET_DIR` — never the real workspace's: cargo names a member's
/// artifacts by its place in the workspace, not by where the workspace is, so a copy's build
/// would replace the real tree's, this very binary among them.
pub fn xtask_command(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args)
        .current_dir(dir)
        // As on many CI machines: a refusal must still read as a message, not a backtrace.
        .env("RUST_BACKTRACE", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_REGISTRY_TOKEN")
        .env_remove("UV_PUBLISH_TOKEN")
        .env_remove("UV_PUBLISH_USERNAME")
        .env_remove("UV_PUBLISH_PASSWORD")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the xtask binary of this build in `dir` with `args` and extra environment, and prints
/// the tail of its stderr (the whole of it goes to a log file).
pub fn xtask(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let out = xtask_command(dir, args, env).output().unwrap();
    show(args, &out);
    out
}

/// Writes the whole stderr of an xtask run to a log file and prints its tail, so that the
/// assertion that fails stays in sight in a CI log that keeps only so many lines. Every run is
/// also checked never to print a backtrace (`RUST_BACKTRACE=1` is set for it). Returns the log.
pub fn show(args: &[&str], out: &Output) -> PathBuf {
    let logs = repo_root().join("target/e2e-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let log = logs.join(format!("{}-{}.log", std::process::id(), LOGS.fetch_add(1, SeqCst)));
    std::fs::write(&log, &out.stderr).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let tail = &lines[lines.len().saturating_sub(TAIL_LINES)..];
    eprintln!(
        "$ cargo xtask {}\n--- exit {:?}\n--- stderr: {} lines in {}, the last {}:\n{}",
        args.join(" "),
        out.status.code(),
        lines.len(),
        log.display(),
        tail.len(),
        tail.join("\n")
    );
    assert!(
        !stderr.contains("stack backtrace") && !stderr.contains("Stack backtrace"),
        "the xtask printed a backtrace (see {})",
        log.display()
    );
    log
}

/// How many lines of each xtask's stderr a test prints.
const TAIL_LINES: usize = 30;

static LOGS: AtomicUsize = AtomicUsize::new(0);

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A free port on 127.0.0.1 for a server to bind (the listener is closed before use, so another
/// process may take it first: servers started on one retry on another, see [`on_a_free_port`]).
fn free_port() -> u16 {
    listener().local_addr().unwrap().port()
}

/// A listener on a port of 127.0.0.1 that this test process has never handed out before.
///
/// The OS may give a port that [`free_port`] closed to the next `bind(0)` — a proxy of the
/// scenario running beside, say — before the server it was meant for has bound it; that server
/// then fails, but its readiness check finds a listener on the port and calls it ready, and the
/// scenario talks to another scenario's proxy. Every port the scenarios listen on comes from
/// here, so no two of them can share one.
pub fn listener() -> TcpListener {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    // Held until a new port turns up, so that the OS cannot offer the same one again.
    let mut seen = Vec::new();
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if HANDED_OUT.lock().unwrap().insert(port) {
            return listener;
        }
        seen.push(listener);
    }
}

/// A port on 127.0.0.1 that nothing listens on, for an endpoint that must be unreachable. It
/// lies below the range the OS picks free ports from (`ip_local_port_range` on Linux), so that
/// no server started on a free port — by the scenarios running beside this one, say — can take
/// it while it is in use.
pub fn closed_port() -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range");
    let lowest_free = range
        .ok()
        .and_then(|r| r.split_whitespace().next().and_then(|low| low.parse::<u16>().ok()))
        .unwrap_or(32768);
    (1024..lowest_free)
        .rev()
        .find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a port below the range of free ports that nothing listens on")
}

/// Polls `ready` until it holds, for at most two minutes (a deadline, not a measurement: a busy
/// machine only makes it take longer); `child` dying first is a failure. `until` says what is
/// awaited, in the panic messages.
fn wait_until(child: &mut Child, what: &str, until: &str, mut ready: impl FnMut() -> bool) {
    if let Err(exited) = try_wait_until(child, what, until, &mut ready) {
        panic!("{exited}");
    }
}

/// As [`wait_until`], but a child that exits first is an `Err` (a server that lost its port to
/// another process, say), for the caller to retry.
fn try_wait_until(
    child: &mut Child,
    what: &str,
    until: &str,
    ready: &mut dyn FnMut() -> bool,
) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if ready() {
            return Ok(());
        }
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("{what} exited with {status} before {until}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not get to {until} within 120 s");
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) -> Result<(), String> {
    let until = format!("listening on 127.0.0.1:{port}");
    try_wait_until(child, what, &until, &mut || TcpStream::connect(("127.0.0.1", port)).is_ok())
}

/// Starts a server with `start` on free ports until one keeps its port (up to five tries).
fn on_a_free_port<T>(mut start: impl FnMut(u16) -> Result<T, String>) -> T {
    let mut failures = Vec::new();
    for _ in 0..5 {
        match start(free_port()) {
            Ok(server) => return server,
            Err(failure) => failures.push(failure),
        }
    }
    panic!("no server started on five free ports:\n  {}", failures.join("\n  "));
}

/// cargo-http-registry binds its port first and only then creates (or updates) its git index:
/// an open port does not mean a usable index. Ready is when HEAD has the `index` symlink (the
/// last commit of a new index) and a `config.json` naming this port (the commit a restart on
/// another port makes).
fn wait_for_index(dir: &Path, port: u16, child: &mut Child) {
    let show = |spec: &str| {
        Command::new("git")
            // --git-dir, not -C: until the index exists, -C would find the enclosing checkout.
            .arg("--git-dir")
            .arg(dir.join(".git"))
            .args(["show", spec])
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let addr = format!("127.0.0.1:{port}");
    let until = format!("committing its index in {}", dir.display());
    wait_until(child, "cargo-http-registry", &until, || {
        show("HEAD:config.json").is_some_and(|c| c.contains(&addr)) && show("HEAD:index").is_some()
    });
}

/// A process this test started, killed by its PID when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// pypiserver on 127.0.0.1 only, no fallback to the real PyPI, uploads need `user:secret`.
pub struct PypiServer {
    pub server: Server,
    pub packages: PathBuf,
}

pub const PYPI_USER: &str = "geodist";
pub const PYPI_PASSWORD: &str = "e2e-secret";

impl PypiServer {
    pub fn start(tools: &Tools, dir: &Path) -> PypiServer {
        let packages = dir.join("pypi-packages");
        std::fs::create_dir_all(&packages).unwrap();
        let htpasswd = dir.join("htpasswd");
        let hash = run_ok(Command::new(&tools.htpasswd_python).args([
            "-c",
            "import sys; from passlib.apache import HtpasswdFile as H; \
             h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
            &htpasswd.to_string_lossy(),
            PYPI_USER,
            PYPI_PASSWORD,
        ]));
        drop(hash);
        on_a_free_port(|port| PypiServer::try_start_with(tools, dir, port))
    }

    fn try_start_with(tools: &Tools, dir: &Path, port: u16) -> Result<PypiServer, String> {
        let packages = dir.join("pypi-packages");
        let mut child = Command::new(&tools.pypi_server)
            .args(["run", "-i", "127.0.0.1", "-p", &port.to_string(), "--disable-fallback"])
            .args(["--hash-algo", "sha256", "-a", "update", "-P"])
            .arg(dir.join("htpasswd"))
            .arg(&packages)
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("pypiserver.log")).unwrap()))
            .spawn()
            .unwrap();
        wait_for_port(port, &mut child, "pypiserver")?;
        Ok(PypiServer { server: Server { child, port }, packages })
    }

    pub fn upload_url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.server.port)
    }

    pub fn index_url(&self) -> String {
        format!("http://127.0.0.1:{}/simple/", self.server.port)
    }

    /// The files it holds.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(&self.packages)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        files
    }
}

/// cargo-http-registry serving a registry directory whose git index cargo reads by `file://`.
pub struct CrateRegistry {
    pub server: Server,
    pub dir: PathBuf,
}

impl CrateRegistry {
    pub fn start(tools: &Tools, dir: &Path) -> CrateRegistry {
        let dir = dir.join("crate-registry");
        on_a_free_port(|port| CrateRegistry::try_start_with(tools, &dir, port))
    }

    /// Starts (or restarts) the registry on `port` over the same directory.
    pub fn start_with(tools: &Tools, dir: &Path, port: u16) -> CrateRegistry {
        CrateRegistry::try_start_with(tools, dir, port)
            .unwrap_or_else(|failure| panic!("{failure}"))
    }

    fn try_start_with(tools: &Tools, dir: &Path, port: u16) -> Result<CrateRegistry, String> {
        let mut child = Command::new(&tools.cargo_http_registry)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port, &mut child, "cargo-http-registry")?;
        wait_for_index(dir, port, &mut child);
        Ok(CrateRegistry { server: Server { child, port }, dir: dir.to_path_buf() })
    }

    /// The environment that makes this registry known to cargo as `local`.
    pub fn cargo_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("CARGO_REGISTRIES_LOCAL_INDEX", format!("file://{}", self.dir.display())),
            ("CARGO_REGISTRIES_LOCAL_TOKEN", "e2e-token".to_owned()),
        ]
    }

    /// The lines of the index file of `name` (one per published version).
    pub fn index_lines(&self, name: &str) -> Vec<String> {
        let path = self.dir.join(&name[..2]).join(&name[2..4]).join(name);
        std::fs::read_to_string(path)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

/// Asserts that `actual` equals the golden file `xtask/tests/golden/{name}`, or rewrites it under
/// `UPDATE_GOLDEN=1` (review the diff in git).
#[track_caller]
pub fn check_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "golden file {} is out of date; if the change is intended, run `UPDATE_GOLDEN=1 cargo \
         test -p xtask` and review the diff.\n--- expected\n{expected}\n--- found\n{actual}",
        path.display()
    );
}
