//! The verified dist: built once per test process by a real `cargo xtask release --dry-run`, and
//! shared by every scenario that starts from built artifacts.
//!
//! The dry run that builds it is itself the dry-run scenario (`release_dry_run.rs` checks what it
//! did): it runs on a copy of the workspace with an untracked file in it, against a pypiserver
//! and a cargo-http-registry that must receive nothing. What that scenario checks is recorded
//! here while it is true — the tree before and after, what the registries held — because the
//! workspace the dist was built in is handed on afterwards (see [`Dist::take_built_workspace`]).
//!
//! Scenarios never change the dist: each gets its own copy ([`Dist::workspace_in`]), a clean
//! workspace at the same commit with the verified artifacts in `dist/`, exactly what `publish`
//! expects to find after a build job.
//!
//! Where it lives, and why there: `target/e2e-dist/`, the same place on every run, built with
//! the cargo target directory `target/e2e`. The paths of a build are part of what cargo and
//! rustc key on (the wheel is built with `--remap-path-prefix=<workspace>=…`), so a dist built at
//! the same path as last time rebuilds only what changed — a second `make test` costs what a
//! second `make release-dry` costs. One test process at a time holds it: a second one (another
//! `cargo test` in the same checkout) waits for the first, saying so.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use super::{CrateRegistry, PypiServer};

/// The built and verified dist, and what its dry run did.
#[derive(Debug)]
pub struct Dist {
    /// The `release --dry-run --json` that built it.
    pub run: Output,
    /// The whole stderr of that run.
    pub log: PathBuf,
    /// The commit it was built from; every workspace copy of it is at this commit.
    pub commit: String,
    /// The untracked file the dry run found in the workspace (a dirty tree, which it only warns
    /// about), with its content.
    pub untracked: (&'static str, &'static str),
    /// The workspace as git saw it before the dry run and after it (status, index, diff).
    pub tree_before: TreeState,
    pub tree_after: TreeState,
    /// The registries the dry run was pointed at, after it.
    pub pypi_files: Vec<String>,
    pub crate_index_lines: Vec<String>,
    /// The number of commits of the crate index, before and after.
    pub index_commits: (String, String),
    /// A clean copy of the workspace with the verified `dist/`, which scenarios copy.
    template: PathBuf,
    /// The workspace the dist was built in, until one scenario takes it.
    built_in: Mutex<Option<PathBuf>>,
    /// Held as long as the process lives: its scenarios use what is in `target/e2e-dist`.
    _lock: File,
}

/// What git sees of a tree: status (with untracked files), and the index with every modified
/// file and the diff against HEAD.
pub type TreeState = (String, String);

pub fn tree_state(ws: &Path) -> TreeState {
    let status = super::git(ws, &["status", "--porcelain", "--untracked-files=all"]);
    let content = super::git(ws, &["ls-files", "--stage", "--modified"]);
    let diff = super::git(ws, &["diff", "HEAD"]);
    (status, content + &diff)
}

/// The verified dist of this test process, built on first use, or `None` where the tools are
/// missing (see [`super::tools`]). A dry run that failed fails every scenario that needs the
/// dist, each naming the log; the dry-run scenario shows why.
pub fn dist() -> Option<&'static Dist> {
    let dist = attempt()?;
    assert!(
        dist.run.status.success(),
        "the dry run that builds the shared dist failed: see {} (and the dry-run scenario, \
         release_dry_run::dry_run_builds_verifies_and_rehearses_without_sending_anything)",
        dist.log.display()
    );
    Some(dist)
}

/// The dry run of this test process that builds the dist (on first use), whether it passed or
/// not: for the scenario that checks it.
pub fn attempt() -> Option<&'static Dist> {
    static DIST: OnceLock<Option<Dist>> = OnceLock::new();
    DIST.get_or_init(build).as_ref()
}

impl Dist {
    /// A workspace of its own in `dest`: a clean tree at [`Dist::commit`] with the verified
    /// artifacts, manifest and `SHA256SUMS` in `dest/dist`.
    pub fn workspace_in(&self, dest: &Path) -> PathBuf {
        super::copy_tree(&self.template, dest, &[]);
        dest.to_path_buf()
    }

    /// The workspace the dist was built in, for the one scenario that runs a second release
    /// where the first one ran (as a maintainer would): its cargo builds are the dist's own, so
    /// rebuilding what is already built costs what it costs in a real checkout. Build in it with
    /// [`Dist::cargo_env`]. Its untracked file is still there.
    pub fn take_built_workspace(&self) -> PathBuf {
        let taken = self.built_in.lock().unwrap().take();
        taken.expect("only one scenario may take the workspace the dist was built in")
    }

    /// The environment that builds where the dist was built (the cargo target directory).
    /// Whoever builds there takes a turn first ([`Dist::take_turn`]).
    pub fn cargo_env() -> (&'static str, String) {
        ("CARGO_TARGET_DIR", super::repo_root().join("target/e2e").display().to_string())
    }

    /// Builds in the dist's target directory take turns: maturin reads the library cargo built
    /// after cargo has let go of the directory's lock, so a second build there can replace it in
    /// between (maturin then fails: "Failed to open file …/sdist-build/maturin/lib_geodist.so").
    pub fn take_turn() -> MutexGuard<'static, ()> {
        static TURN: Mutex<()> = Mutex::new(());
        TURN.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The arguments of the dry run, pointed at `pypi` and the registry known as `local`.
pub fn dry_run_args(pypi: &PypiServer) -> Vec<String> {
    let (url, index) = (pypi.upload_url(), pypi.index_url());
    ["release", "--dry-run", "--crates-registry", "local", "--pypi-url", &url]
        .into_iter()
        .chain(["--pypi-index", &index, "--json"])
        .map(str::to_owned)
        .collect()
}

/// The directory, in `target/e2e-dist`, of the workspace the dist is built in.
const WORKSPACE: &str = "ünï cødé ws";

fn build() -> Option<Dist> {
    let root = super::repo_root().join("target/e2e-dist");
    std::fs::create_dir_all(&root).unwrap();
    let lock = hold(&root.with_extension("lock"));
    // The workspace's name has spaces and non-ASCII letters: every tool the release runs must
    // get its paths as one argument each.
    for dir in [WORKSPACE, "template", "registries"] {
        let path = root.join(dir);
        if path.exists() {
            std::fs::remove_dir_all(&path).unwrap();
        }
    }
    let (ws, template, registries) =
        (root.join(WORKSPACE), root.join("template"), root.join("registries"));
    std::fs::create_dir_all(&registries).unwrap();
    super::copy_workspace(&ws);
    let untracked = ("notes.txt", "work in progress\n");
    std::fs::write(ws.join(untracked.0), untracked.1).unwrap();
    build_ahead(&ws, &root.join("build-ahead.log"));

    let tools = super::tools()?;
    let pypi = PypiServer::start(&tools, &registries);
    let crates = CrateRegistry::start(&tools, &registries);
    let index_commits = super::git(&crates.dir, &["rev-list", "--count", "HEAD"]);
    let tree_before = tree_state(&ws);
    let mut env = crates.cargo_env();
    env.push(Dist::cargo_env());
    let args = dry_run_args(&pypi);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = super::xtask_command(&ws, &args, &env).output().unwrap();
    let log = super::show(&args, &run);

    let dist = Dist {
        log,
        commit: super::git(&ws, &["rev-parse", "HEAD"]).trim().to_owned(),
        untracked,
        tree_before,
        tree_after: tree_state(&ws),
        pypi_files: pypi.files(),
        crate_index_lines: crates.index_lines("geodist"),
        index_commits: (index_commits, super::git(&crates.dir, &["rev-list", "--count", "HEAD"])),
        template: template.clone(),
        built_in: Mutex::new(Some(ws.clone())),
        run,
        _lock: lock,
    };
    if dist.run.status.success() {
        super::copy_tree(&ws, &template, &[untracked.0, ".venv", ".tools"]);
        super::link_environment(&template);
    }
    Some(dist)
}

/// What the release's gates compile before they run anything — clippy's check of every target
/// and the test build (`xtask/src/lint.rs`, `xtask/src/test.rs`) — compiled first, by the same
/// commands in the environment the xtask gives them, so that it happens before the registries
/// (and so the dry run) can start: `cargo xtask test` may still be installing the test tools.
/// The gates then find it compiled, as in any checkout that was built before; were the commands
/// ever to drift apart, the gates would compile what is missing, nothing else. Whether these
/// pass is the gates' to say: their output goes to `log` only.
fn build_ahead(ws: &Path, log: &Path) {
    let out = File::create(log).unwrap();
    let venv = ws.join(".venv");
    let scripts = venv.join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path =
        std::env::join_paths(std::iter::once(scripts.clone()).chain(std::env::split_paths(&path)))
            .unwrap();
    let builds: [&[&str]; 2] = [
        &["clippy", "--workspace", "--all-targets", "--all-features", "--locked", "--"],
        &["test", "--workspace", "--locked", "--no-run"],
    ];
    for args in builds {
        let mut cargo = Command::new("cargo");
        cargo.args(args);
        if args[0] == "clippy" {
            cargo.args(["-D", "warnings"]);
        }
        let _ = cargo
            .current_dir(ws)
            .env(Dist::cargo_env().0, Dist::cargo_env().1)
            .env("VIRTUAL_ENV", &venv)
            .env("PYO3_PYTHON", scripts.join("python"))
            .env("PATH", &path)
            .stdout(out.try_clone().unwrap())
            .stderr(out.try_clone().unwrap())
            .status();
    }
}

/// An exclusive lock on `path` (created if need be), waited for if another process holds it.
fn hold(path: &Path) -> File {
    let file = File::options().create(true).truncate(false).write(true).open(path).unwrap();
    if file.try_lock().is_err() {
        eprintln!(
            "waiting for another test process, which holds {} (its end-to-end scenarios use the \
             dist built there)",
            path.display()
        );
        file.lock().unwrap();
    }
    file
}
