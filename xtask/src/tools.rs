//! Test-only binaries, installed with `cargo install` into the git-ignored `.tools/` and reused
//! when present (docs/design.md §2): a fresh clone needs nothing installed by hand.
//!
//! Installing compiles from source (cargo-http-registry with libgit2: over two minutes of CPU), so
//! it runs on a thread of its own while the workspace compiles ([`Install::start`]), filling the
//! cores that the workspace's serial steps (one big crate, a link) leave idle; and what one
//! checkout built, another on the same machine (a second clone, a worktree) copies instead of
//! compiling it again ([`shared_copy`]). A fresh machine, as in CI, compiles it once.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::progress::format_duration;

/// A binary crate the tests need, pinned to a version.
#[derive(Debug)]
struct Tool {
    krate: &'static str,
    version: &'static str,
    bin: &'static str,
}

/// The local crate registry the end-to-end release tests publish to.
const TOOLS: &[Tool] =
    &[Tool { krate: "cargo-http-registry", version: "0.1.8", bin: "cargo-http-registry" }];

/// The installation of the missing tools, running on a thread of its own. Dropping it waits for
/// the install: a failed stage never leaves a compiler running behind the command.
#[derive(Debug)]
pub struct Install {
    handle: Option<JoinHandle<Result<()>>>,
}

/// Held (an exclusive lock on `.tools/install.lock`) for as long as tools are being installed:
/// a second `cargo xtask test` waits for it instead of installing into the same place, and the
/// end-to-end tests wait for it before they look for the tools (`xtask/tests/e2e/support`).
pub const INSTALL_LOCK: &str = "install.lock";

impl Install {
    /// Starts installing every missing (or differently versioned) tool into `<root>/.tools/bin`;
    /// when every one is there, nothing is started.
    pub fn start(sh: &Shell, root: &Path) -> Result<Install> {
        let tools_root = root.join(".tools");
        std::fs::create_dir_all(&tools_root)
            .with_context(|| format!("create {}", tools_root.display()))?;
        let lock_path = tools_root.join(INSTALL_LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("open {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            eprintln!(
                "    waiting for another process that installs the test tools into {}",
                tools_root.display()
            );
            lock.lock().with_context(|| format!("lock {}", lock_path.display()))?;
        }
        let missing: Vec<&'static Tool> = TOOLS
            .iter()
            .filter(|tool| !installed(sh, &tools_root, tool) && !restore(sh, &tools_root, tool))
            .collect();
        if missing.is_empty() {
            return Ok(Install { handle: None });
        }
        let names: Vec<String> =
            missing.iter().map(|t| format!("{} {}", t.krate, t.version)).collect();
        eprintln!(
            "    installing {} into {} alongside the build",
            names.join(", "),
            tools_root.display()
        );
        let handle = std::thread::spawn(move || {
            let _held = lock;
            let sh = Shell::new()?;
            missing.iter().try_for_each(|tool| install(&sh, &tools_root, tool))
        });
        Ok(Install { handle: Some(handle) })
    }

    /// Waits for the install to end, and fails as it did.
    pub fn wait(mut self) -> Result<()> {
        self.join()
    }

    fn join(&mut self) -> Result<()> {
        let Some(handle) = self.handle.take() else {
            return Ok(());
        };
        handle.join().unwrap_or_else(|_| bail!("the installation of the test tools panicked"))
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        if self.handle.is_some() {
            eprintln!("    waiting for the installation of the test tools to end");
            let _ = self.join();
        }
    }
}

/// Whether the tool's binary is in `.tools/` and says it is the pinned version. Its exit status
/// is not looked at: cargo-http-registry prints its version and then exits 1.
fn installed(sh: &Shell, tools_root: &Path, tool: &Tool) -> bool {
    answers_version(sh, &bin_path(tools_root, tool.bin), tool.version)
}

fn answers_version(sh: &Shell, bin: &Path, version: &str) -> bool {
    bin.exists()
        && cmd!(sh, "{bin} --version")
            .quiet()
            .ignore_stderr()
            .ignore_status()
            .read()
            .is_ok_and(|v| v.split_whitespace().any(|w| w == version))
}

/// Where a built tool is kept for every checkout on this machine:
/// `$XDG_CACHE_HOME/xtask-tools/<crate>-<version>-<arch>-<os>/` (`~/.cache` without it).
fn shared_copy(tool: &Tool) -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    let (arch, os) = (std::env::consts::ARCH, std::env::consts::OS);
    let dir = format!("{}-{}-{arch}-{os}", tool.krate, tool.version);
    Some(bin_path(&cache.join("xtask-tools").join(dir), tool.bin))
}

/// Copies the tool from the machine's shared copy, if there is one of the pinned version.
fn restore(sh: &Shell, tools_root: &Path, tool: &Tool) -> bool {
    let Some(shared) = shared_copy(tool) else {
        return false;
    };
    if !answers_version(sh, &shared, tool.version) {
        return false;
    }
    let bin = bin_path(tools_root, tool.bin);
    let copied = bin.parent().is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
        && std::fs::copy(&shared, &bin).is_ok();
    if copied {
        eprintln!("    {} {} copied from {}", tool.krate, tool.version, shared.display());
    }
    copied && installed(sh, tools_root, tool)
}

/// Keeps a copy of the installed tool for the other checkouts of this machine (best effort: a
/// copy that cannot be kept costs them a build, nothing else). Written aside and renamed, so
/// that a reader never sees half a binary.
fn keep_shared_copy(tools_root: &Path, tool: &Tool) {
    let Some(shared) = shared_copy(tool) else {
        return;
    };
    let aside = shared.with_extension(format!("partial-{}", std::process::id()));
    let kept = shared.parent().is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
        && std::fs::copy(bin_path(tools_root, tool.bin), &aside).is_ok()
        && std::fs::rename(&aside, &shared).is_ok();
    if !kept {
        let _ = std::fs::remove_file(&aside);
        eprintln!("    note: could not keep a copy of {} in {}", tool.krate, shared.display());
    }
}

fn install(sh: &Shell, tools_root: &Path, tool: &Tool) -> Result<()> {
    let started = Instant::now();
    let (krate, version) = (tool.krate, tool.version);
    // A build directory of its own (not a temporary one): an install that was interrupted
    // resumes where it stopped, and a CARGO_TARGET_DIR set for the workspace is not shared
    // with it, so the two builds never wait for each other's lock. Removed once installed.
    let build = tools_root.join("build");
    // --debug: a test server needs no optimizing, and this halves the install on a fresh
    // machine (2m22s instead of 5m08s on a 2-core VM). Neither debug info nor incremental
    // builds: nobody debugs it or edits it, and they cost a sixth of its compiling (133 s of
    // CPU instead of 159 s on a 2-core Xeon). --quiet: it runs beside the workspace's build,
    // whose output is the one to read; cargo's errors still show.
    cmd!(
        sh,
        "cargo install --quiet --locked --debug --root {tools_root} --target-dir {build} --version {version} {krate}"
    )
    .env("CARGO_PROFILE_DEV_DEBUG", "false")
    .env("CARGO_PROFILE_DEV_INCREMENTAL", "false")
    .run_to_stderr()
    .with_context(|| format!("install {krate} {version} into {}", tools_root.display()))?;
    if build.exists() {
        std::fs::remove_dir_all(&build).with_context(|| format!("remove {}", build.display()))?;
    }
    eprintln!("    installed {krate} {version} in {}", format_duration(started.elapsed()));
    keep_shared_copy(tools_root, tool);
    Ok(())
}

fn bin_path(tools_root: &Path, name: &str) -> PathBuf {
    let exe = if cfg!(windows) { format!("{name}.exe") } else { name.to_owned() };
    tools_root.join("bin").join(exe)
}
