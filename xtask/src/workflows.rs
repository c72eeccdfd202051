//! The GitHub configuration in `.github`: the Actions workflows and Dependabot's configuration,
//! where they are, and the two linters that `cargo xtask lint` runs over them — zizmor (a
//! security audit, offline) and check-jsonschema (GitHub's schemas). What they may contain is
//! tested in [`tidy`].

#[cfg(test)]
mod tidy;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;

/// The directory zizmor audits: the workflows and Dependabot's configuration.
pub const GITHUB_DIR: &str = ".github";

/// The workflow directory, relative to the workspace root.
pub const DIR: &str = ".github/workflows";

/// Dependabot's configuration, relative to the workspace root.
pub const DEPENDABOT: &str = ".github/dependabot.yml";

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

/// zizmor's arguments: offline, over the workflows and Dependabot's configuration (its cooldown
/// and execution audits); `--strict-collection` makes a file it cannot read a failure rather
/// than a warning. Run from the workspace root.
pub const ZIZMOR_ARGS: [&str; 3] = ["--offline", "--strict-collection", GITHUB_DIR];

pub fn zizmor(sh: &Shell, zizmor: &Path) -> Result<()> {
    cmd!(sh, "{zizmor} {ZIZMOR_ARGS...}").run_to_stderr()
}

/// Each file check-jsonschema checks, with the schema it vendors for it (no network): GitHub's
/// workflow schema for the workflows, Dependabot's for its configuration.
pub fn schema_checks(root: &Path) -> Result<Vec<(&'static str, Vec<PathBuf>)>> {
    Ok(vec![
        ("vendor.github-workflows", files(root)?),
        ("vendor.dependabot", vec![root.join(DEPENDABOT)]),
    ])
}

/// check-jsonschema over [`schema_checks`]. Run from the workspace root.
pub fn check_schema(sh: &Shell, check_jsonschema: &Path) -> Result<()> {
    for (schema, files) in schema_checks(&sh.current_dir())? {
        cmd!(sh, "{check_jsonschema} --builtin-schema {schema} {files...}").run_to_stderr()?;
    }
    Ok(())
}
