//! Facts about this machine that a plan or a command depends on: the Rust host triple, the
//! targets whose std is installed, and where cargo keeps its home.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

/// What the host can build: its own target and the targets whose Rust std is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub target: String,
    pub installed_targets: Vec<String>,
}

impl Host {
    /// A machine that builds nothing: what a command that only reads a plan's names (which
    /// files a release holds, not who builds them) plans with, so that it needs no toolchain.
    pub fn elsewhere() -> Host {
        Host { target: String::new(), installed_targets: Vec::new() }
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
        Ok(Host { target, installed_targets })
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
