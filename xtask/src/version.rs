//! `cargo xtask version`: the one version (`[workspace.package] version` in the root
//! `Cargo.toml`) and every place it shows up, with `--check` failing on any disagreement.
//!
//! The release preflight calls [`collect`] and [`VersionReport::check`]: the same code, so the
//! release refuses exactly what `cargo xtask version --check` reports.

mod coherence;
mod places;

use anyhow::Result;
use xshell::Shell;

pub use coherence::{Built, TagState, VersionReport, assess};
pub use places::{expected_requirement, parse as parse_toml, visit_requirements};

use crate::git::Repo;
use crate::py::{self, Script};
use crate::python_env;
use crate::workspace::{PythonPackage, Workspace};

/// Whether `cargo xtask version` only shows the table or also fails on a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    Show,
    Check,
}

pub fn run(sh: &Shell, ws: &Workspace, cmd: &crate::flags::Version) -> Result<()> {
    let wanted = if cmd.check { Strictness::Check } else { Strictness::Show };
    let report = collect(sh, ws, cmd.tag.as_deref())?;
    match wanted {
        Strictness::Show => {
            println!("version {}\n", report.version());
            print!("{}", report.render_table());
            Ok(())
        }
        Strictness::Check => {
            report.check()?;
            eprintln!("version {}: every place agrees", report.version());
            Ok(())
        }
    }
}

/// Reads every place the version shows up in the workspace and compares it with the workspace
/// version. `tag` is an explicit release tag to check (the release's `--tag`); without it, the
/// release tags pointing at HEAD are checked, if any.
pub fn collect(sh: &Shell, ws: &Workspace, tag: Option<&str>) -> Result<VersionReport> {
    let built = match &ws.python {
        Some(py) => built_python(sh, ws, py),
        None => Built::NotBuilt,
    };
    let tag = match tag {
        Some(tag) => TagState::Explicit(tag.to_owned()),
        None => tags_at_head(sh, ws)?,
    };
    assess(ws, &built, &tag)
}

/// Asks the project environment's interpreter for `__version__` and the installed
/// distribution's version. Anything short of a clean import means "not built": `.venv` is a
/// development convenience, and every release builds and verifies its own wheels.
fn built_python(sh: &Shell, ws: &Workspace, py: &PythonPackage) -> Built {
    let Some(env) = python_env::existing(&ws.root) else {
        return Built::NotBuilt;
    };
    let _dir = sh.push_dir(&ws.root);
    let out = py::run(sh, &env.python(), Script::ImportVersion)
        .args([&py.module, &py.dist])
        .quiet()
        .ignore_stderr()
        .read();
    match out.as_deref().map(|o| o.lines().collect::<Vec<_>>()).as_deref() {
        Ok([module_version, dist_version]) => Built::Installed {
            module_version: module_version.trim().to_owned(),
            dist_version: dist_version.trim().to_owned(),
        },
        _ => Built::NotBuilt,
    }
}

/// The release tags (`{prefix}*`) pointing at HEAD, and whether the version files have
/// uncommitted changes.
fn tags_at_head(sh: &Shell, ws: &Workspace) -> Result<TagState> {
    let repo = Repo::at(sh, &ws.root);
    let tags = repo.tags_at_head(&format!("{}*", ws.config.tag_prefix))?;
    let version_files = ["Cargo.toml", "Cargo.lock"];
    let version_files_modified = repo
        .dirty_files()?
        .iter()
        .any(|line| version_files.contains(&line.get(3..).unwrap_or_default()));
    Ok(TagState::AtHead { tags, version_files_modified })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The repository invariant: every place agrees with the workspace version.
    #[test]
    fn this_workspace_is_coherent() {
        let sh = Shell::new().unwrap();
        let ws = Workspace::load(&crate::project::root()).unwrap();
        let report = collect(&sh, &ws, None).unwrap();
        if let Err(err) = report.check() {
            panic!("{err:#}");
        }
    }
}
