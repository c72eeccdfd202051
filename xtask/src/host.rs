//! Facts about this machine that a plan or a command depends on: the Rust host triple, the
//! targets whose std is installed, the CPython interpreters wheels are built with, and where
//! cargo keeps its home.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::python_env::PythonEnv;
use crate::pythons::{self, FoundPython};
use crate::workspace::config::ReleaseConfig;

/// What the host can build: its own target, the targets whose Rust std is installed, and the
/// CPython interpreters it has (which decide the ABI families it builds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub target: String,
    pub installed_targets: Vec<String>,
    /// Empty until [`Host::find_pythons`]: a host without them builds no wheel.
    pub pythons: Vec<FoundPython>,
}

impl Host {
    /// A machine that builds nothing: what a command that only reads a plan's names (which
    /// files a release holds, not who builds them) plans with, so that it needs no toolchain.
    pub fn elsewhere() -> Host {
        Host { target: String::new(), installed_targets: Vec::new(), pythons: Vec::new() }
    }

    /// Finds the interpreters the release configuration tests on, besides the project
    /// environment's own (see [`pythons::find`]).
    pub fn find_pythons(
        mut self,
        sh: &Shell,
        env: &PythonEnv,
        config: &ReleaseConfig,
    ) -> Result<Host> {
        let wanted: Vec<_> = config.wheels.iter().flat_map(|w| w.python.iter().copied()).collect();
        self.pythons = pythons::find(sh, env, &wanted)?;
        Ok(self)
    }

    /// Asks the active toolchain (`rustc -vV`, its sysroot's `lib/rustlib`).
    pub fn detect(sh: &Shell) -> Result<Host> {
        let verbose = cmd!(sh, "rustc -vV").quiet().read().context("run `rustc -vV`")?;
        let target = verbose
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .context("`rustc -vV` printed no host line")?
            .to_owned();
        let sysroot = cmd!(sh, "rustc --print sysroot").quiet().read()?;
        let rustlib = Path::new(sysroot.trim()).join("lib").join("rustlib");
        let mut installed_targets = Vec::new();
        for entry in
            std::fs::read_dir(&rustlib).with_context(|| format!("list {}", rustlib.display()))?
        {
            let entry = entry?;
            let lib = entry.path().join("lib");
            let has_std = std::fs::read_dir(&lib).is_ok_and(|files| {
                files.flatten().any(|f| f.file_name().to_string_lossy().starts_with("libstd-"))
            });
            if has_std {
                installed_targets.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        installed_targets.sort();
        Ok(Host { target, installed_targets, pythons: Vec::new() })
    }
}

/// cargo's home, as cargo finds it: `CARGO_HOME`, else `~/.cargo`.
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|h| h.join(".cargo")))
}

fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    std::env::var_os(var).filter(|h| !h.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
impl Host {
    /// A `target` host with the std of `installed` and a CPython 3.12, which builds the abi3
    /// wheels (not the free-threaded ones), for tests.
    pub fn fixture(target: &str, installed: &[&str]) -> Host {
        let python = FoundPython {
            build: crate::wheel_tags::Cpython::gil(12),
            path: PathBuf::from("/usr/bin/python3.12"),
        };
        Host {
            target: target.to_owned(),
            installed_targets: installed.iter().map(|t| (*t).to_owned()).collect(),
            pythons: vec![python],
        }
    }
}
