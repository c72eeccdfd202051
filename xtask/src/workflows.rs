//! The GitHub Actions workflows in `.github/workflows`: where they are, and the two linters that
//! `cargo xtask lint` runs over them — zizmor (a security audit, offline) and check-jsonschema
//! (GitHub's workflow schema). What the workflows may contain is tested in [`tidy`].

#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;

/// The workflow directory, relative to the workspace root.
pub const DIR: &str = ".github/workflows";

/// Every workflow file, sorted.
pub fn files(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("list {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

/// zizmor over every workflow; `--strict-collection` makes a file it cannot read a failure
/// rather than a warning. Run from the workspace root.
pub fn zizmor(sh: &Shell, zizmor: &Path) -> Result<()> {
    let dir = DIR;
    cmd!(sh, "{zizmor} --offline --strict-collection {dir}").run_to_stderr()
}

/// check-jsonschema with the GitHub workflow schema it vendors (no network). Run from the
/// workspace root.
pub fn check_schema(sh: &Shell, check_jsonschema: &Path) -> Result<()> {
    let files = files(&sh.current_dir())?;
    cmd!(sh, "{check_jsonschema} --builtin-schema vendor.github-workflows {files...}")
        .run_to_stderr()
}
