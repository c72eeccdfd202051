//! The project-local Python environment in `.venv`: created with `python3 -m venv`, given the
//! `uv` pinned in `uv.lock`, then synced with `uv sync --locked` (docs/design.md §2).
//!
//! Every Python tool the project runs (pytest, ruff, maturin, twine, …) comes from here, so a
//! fresh clone needs nothing but cargo and python3, and every machine runs the locked versions.

use std::path::{Path, PathBuf};

use crate::exec::CmdExt;
use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// Which dependency groups of `uv.lock` the environment is synced with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `dev`, the default: everything development runs (tests, benchmarks, linters, the local
    /// registries) and the release tools.
    Dev,
    /// `release` only: what building, verifying and publishing run. A CI job that does only
    /// that syncs a handful of packages instead of the whole `dev` group.
    Release,
}

impl Group {
    /// The tools of the group the release checks for before it uses them.
    pub fn tools(self, linux: bool) -> Vec<&'static str> {
        let mut tools = vec!["maturin", "uv", "twine", "check-wheel-contents", "abi3audit"];
        if linux {
            tools.extend(["auditwheel", "python-zig"]);
        }
        if self == Group::Dev {
            tools.extend(["pytest", "ruff"]);
        }
        tools
    }
}

/// A synced project environment.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    dir: PathBuf,
}

impl PythonEnv {
    /// Creates or updates `.venv` under the workspace root so that it has `group` as `uv.lock`
    /// pins it (inexact: what else is there stays, so the built extension survives).
    pub fn ensure(sh: &Shell, root: &Path, group: Group) -> Result<PythonEnv> {
        let env = PythonEnv { dir: root.join(".venv") };
        let dir = &env.dir;
        if !env.python().exists() && dir.exists() {
            bail!(
                "the project environment {} is broken: its interpreter {} is gone (the Python \
                 it was made with was removed or moved); remove the environment (`rm -rf {}`), \
                 and the next command creates it again",
                dir.display(),
                env.python().display(),
                crate::shell::quote(dir)
            );
        }
        if !env.python().exists() {
            let host = host_python()?;
            cmd!(sh, "{host} -m venv {dir}")
                .run_to_stderr()
                .with_context(|| format!("create the project environment {}", dir.display()))?;
        }
        let lock = sh.read_file(root.join("uv.lock")).context("read uv.lock")?;
        let wanted = locked_version(&lock, "uv").context(
            "uv.lock does not pin `uv`: expected it in the `dev` dependency group; \
             run `.venv/bin/uv add --dev uv` to add it",
        )?;
        if env.uv_version(sh).as_deref() != Some(wanted.as_str()) {
            let python = env.python();
            // --force-reinstall: pip calls uv installed while its metadata is there, even when
            // the binary itself is gone.
            cmd!(
                sh,
                "{python} -m pip install --quiet --disable-pip-version-check --force-reinstall uv=={wanted}"
            )
                .run_to_stderr()
                .with_context(|| format!("install uv {wanted} into {}", env.dir.display()))?;
        }
        let uv = env.bin("uv");
        let only: &[&str] = match group {
            Group::Dev => &[],
            Group::Release => &["--only-group", "release"],
        };
        let sync = cmd!(sh, "{uv} sync --locked --inexact --quiet {only...}")
            .env("UV_PROJECT_ENVIRONMENT", &env.dir)
            .env("UV_PYTHON_DOWNLOADS", "never")
            .run_capturing_stderr()?;
        if !sync.status.success() {
            bail!("{}{}", sync.failure("uv sync --locked"), sync_hint(&sync.stderr));
        }
        Ok(env)
    }

    /// Points every later command of `sh` at this environment: `VIRTUAL_ENV` for maturin and
    /// `PYO3_PYTHON` for PyO3's build script. The same interpreter for every cargo call keeps
    /// PyO3's build-script fingerprint stable, so clippy, tests and wheels share one build cache.
    ///
    /// Its scripts directory also goes first on `PATH`, as activation does: maturin finds zig
    /// there (`python3 -m ziglang`).
    pub fn activate(&self, sh: &Shell) {
        sh.set_var("VIRTUAL_ENV", &self.dir);
        sh.set_var("PYO3_PYTHON", self.python());
        let scripts = self.python().parent().map(Path::to_path_buf).unwrap_or_default();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(scripts).chain(std::env::split_paths(&path));
        if let Ok(joined) = std::env::join_paths(paths) {
            sh.set_var("PATH", joined);
        }
    }

    /// The environment's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The environment's interpreter.
    pub fn python(&self) -> PathBuf {
        venv_python(&self.dir)
    }

    /// A console script installed in the environment, such as `pytest` or `maturin`.
    pub fn bin(&self, name: &str) -> PathBuf {
        venv_bin(&self.dir, name)
    }

    fn uv_version(&self, sh: &Shell) -> Option<String> {
        let uv = self.bin("uv");
        if !uv.exists() {
            return None;
        }
        let out = cmd!(sh, "{uv} --version").quiet().read().ok()?;
        // "uv 0.13.9 (x86_64-unknown-linux-gnu)" -> "0.13.9"
        out.split_whitespace().nth(1).map(str::to_owned)
    }
}

/// What to do about a failed `uv sync`, when uv's words say what the cause is; nothing when
/// they do not (uv's own words are then all there is to go on).
fn sync_hint(stderr: &str) -> &'static str {
    if stderr.contains("needs to be updated") {
        "\n  uv.lock is out of date with pyproject.toml: refresh it with `.venv/bin/uv lock` and \
         commit it"
    } else if stderr.contains("Failed to initialize cache")
        || (stderr.contains("cache")
            && (stderr.contains("os error 30") || stderr.contains("os error 13")))
    {
        "\n  uv cannot write its cache: point UV_CACHE_DIR at a writable directory \
         (`export UV_CACHE_DIR=/tmp/uv-cache`)"
    } else {
        ""
    }
}

/// The project environment of the workspace at `root`, if it has been created (nothing is
/// installed or synced: for commands that only look at what is there).
pub fn existing(root: &Path) -> Option<PythonEnv> {
    let env = PythonEnv { dir: root.join(".venv") };
    env.python().exists().then_some(env)
}

/// The interpreter of the virtual environment in `dir`: `bin/python`, or `Scripts\python.exe`
/// on Windows. The one place that knows the two layouts.
pub fn venv_python(dir: &Path) -> PathBuf {
    venv_bin(dir, "python")
}

/// A console script of the virtual environment in `dir`.
pub fn venv_bin(dir: &Path, name: &str) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join(format!("{name}.exe"))
    } else {
        dir.join("bin").join(name)
    }
}

/// The interpreter that creates the environment: `python3` (or `python` on Windows).
fn host_python() -> Result<PathBuf> {
    let candidates: &[&str] = if cfg!(windows) { &["python", "python3"] } else { &["python3"] };
    for name in candidates {
        if let Ok(path) = which::which(name) {
            return Ok(path);
        }
    }
    bail!(
        "python3 not found on PATH: expected Python >= 3.10 to create the project environment \
         .venv; install it (Debian/Ubuntu: `apt-get install python3 python3-venv`)"
    )
}

/// The version `uv.lock` pins for `package`, if it has exactly one entry for it.
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let doc: toml_edit::DocumentMut = lock.parse().ok()?;
    let mut versions = doc
        .get("package")?
        .as_array_of_tables()?
        .iter()
        .filter(|p| p.get("name").and_then(|n| n.as_str()) == Some(package))
        .filter_map(|p| p.get("version").and_then(|v| v.as_str()).map(str::to_owned));
    let first = versions.next()?;
    versions.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_locked_version() {
        let lock = r#"
version = 1
[[package]]
name = "pytest"
version = "8.4.2"

[[package]]
name = "uv"
version = "0.13.9"
source = { registry = "https://pypi.org/simple" }
"#;
        assert_eq!(locked_version(lock, "uv").as_deref(), Some("0.13.9"));
        assert_eq!(locked_version(lock, "ruff"), None);
    }

    /// The fix a broken environment names is a command that works as pasted, whatever the path.
    #[test]
    fn a_broken_environment_names_a_removal_a_shell_can_run() {
        let root = std::env::temp_dir()
            .join(format!("xtask-venv-{}", std::process::id()))
            .join("dir with spaces/ünï cødé");
        std::fs::create_dir_all(root.join(".venv/bin")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/python3", root.join(".venv/bin/python")).unwrap();
        let sh = Shell::new().unwrap();
        let err = PythonEnv::ensure(&sh, &root, Group::Dev).unwrap_err().to_string();
        let fix = err.split('`').nth(1).expect("a command in backquotes");
        assert!(fix.starts_with("rm -rf "), "{err}");
        let status = std::process::Command::new("sh").args(["-c", fix]).status().unwrap();
        assert!(status.success() && !root.join(".venv").exists(), "{fix} left .venv");
        std::fs::remove_dir_all(root.ancestors().nth(2).unwrap()).unwrap();
    }

    /// uv's words, recorded from uv 0.9 with a read-only `$HOME` and with a stale lock.
    #[test]
    fn a_failed_sync_names_the_cause_only_when_uv_does() {
        let read_only = "error: Could not acquire lock\n  cause: Could not create temporary file\n  cause: Read-only file system (os error 30) at path \"/home/u/.cache/uv/.tmpGdgqeB\"\n";
        assert!(sync_hint(read_only).contains("UV_CACHE_DIR"));
        assert!(!sync_hint(read_only).contains("uv lock"), "not the stale-lock fix");
        let stale = "error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided. To update the lockfile, run `uv lock`.\n";
        assert!(sync_hint(stale).contains("uv lock"));
        assert_eq!(sync_hint("error: Failed to fetch: `https://pypi.org/simple/x/`\n"), "");
    }

    #[test]
    fn ambiguous_pins_are_not_guessed() {
        let lock = "[[package]]\nname = \"uv\"\nversion = \"1\"\n[[package]]\nname = \"uv\"\nversion = \"2\"\n";
        assert_eq!(locked_version(lock, "uv"), None);
    }
}
