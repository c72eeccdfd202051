//! `cargo xtask version`: the one version (`[workspace.package] version` in the root
//! `Cargo.toml`) and every place it shows up, with `--check` failing on any disagreement.
//!
//! The release preflight calls [`collect`] and [`VersionReport::check`]: the same code, so the
//! release refuses exactly what `cargo xtask version --check` reports.

mod coherence;
mod manifest;
mod pep440;
mod workspace;

use std::path::Path;

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

pub use coherence::{Built, TagState, VersionReport, assess};
pub use manifest::{expected_requirement, parse as parse_toml, visit_requirements};
pub use pep440::{PRE_RELEASES, pep440};
pub use workspace::{PythonPackage, Workspace};

/// Whether `cargo xtask version` only shows the table or also fails on a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Show,
    Check,
}

pub fn run(sh: &Shell, cmd: &crate::flags::Version) -> Result<()> {
    let mode = if cmd.check { Mode::Check } else { Mode::Show };
    let report = collect(sh, &crate::project::root(), cmd.tag.as_deref())?;
    match mode {
        Mode::Show => {
            println!("version {}\n", report.version());
            print!("{}", report.render_table());
            Ok(())
        }
        Mode::Check => {
            report.check()?;
            eprintln!("version {}: every place agrees", report.version());
            Ok(())
        }
    }
}

/// Reads every place the version shows up in the workspace at `root` and compares it with the
/// workspace version. `tag` is an explicit release tag to check (the release's `--tag`); without
/// it, the release tags pointing at HEAD are checked, if any.
pub fn collect(sh: &Shell, root: &Path, tag: Option<&str>) -> Result<VersionReport> {
    let ws = Workspace::load(root)?;
    let built = match ws.python_package() {
        Some(py) => built_python(sh, root, &py),
        None => Built::NotBuilt,
    };
    let tag = match tag {
        Some(tag) => TagState::Explicit(tag.to_owned()),
        None => tags_at_head(sh, root, &ws.config.tag_prefix)?,
    };
    assess(&ws, &built, &tag)
}

/// Asks the project environment's interpreter for `__version__` and the installed
/// distribution's version. Anything short of a clean import means "not built": `.venv` is a
/// development convenience, and every release builds and verifies its own wheels.
fn built_python(sh: &Shell, root: &Path, py: &PythonPackage) -> Built {
    let python = if cfg!(windows) {
        root.join(".venv").join("Scripts").join("python.exe")
    } else {
        root.join(".venv").join("bin").join("python")
    };
    if !python.exists() {
        return Built::NotBuilt;
    }
    let (module, dist) = (&py.module, &py.dist);
    let script = format!(
        "import importlib.metadata, {module}\n\
         print(getattr({module}, '__version__', '<missing>'))\n\
         print(importlib.metadata.version('{dist}'))\n"
    );
    let _dir = sh.push_dir(root);
    // `-I` keeps the working directory and PYTHONPATH out of sys.path, so that only the
    // installed package can answer.
    let out = cmd!(sh, "{python} -I -c {script}").quiet().ignore_stderr().read();
    match out.as_deref().map(|o| o.lines().collect::<Vec<_>>()).as_deref() {
        Ok([module_version, dist_version]) => Built::Installed {
            module_version: module_version.trim().to_owned(),
            dist_version: dist_version.trim().to_owned(),
        },
        _ => Built::NotBuilt,
    }
}

/// The release tags (`{prefix}*`) pointing at HEAD.
fn tags_at_head(sh: &Shell, root: &Path, prefix: &str) -> Result<TagState> {
    let _dir = sh.push_dir(root);
    let pattern = format!("{prefix}*");
    let tags = cmd!(sh, "git tag --points-at HEAD --list {pattern}")
        .quiet()
        .read()
        .context("list the tags at HEAD with `git tag --points-at HEAD`")?;
    let modified = cmd!(sh, "git status --porcelain --untracked-files=no -- Cargo.toml Cargo.lock")
        .quiet()
        .read()
        .context("look for uncommitted version changes with `git status`")?;
    Ok(TagState::AtHead {
        tags: tags.lines().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        version_files_modified: !modified.trim().is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository invariant: every place agrees with the workspace version.
    #[test]
    fn this_workspace_is_coherent() {
        let sh = Shell::new().unwrap();
        let report = collect(&sh, &crate::project::root(), None).unwrap();
        if let Err(err) = report.check() {
            panic!("{err:#}");
        }
    }
}
