//! Reads the facts a plan is computed from: the manifests (via `cargo metadata`),
//! `pyproject.toml`, and what the host's Rust toolchain can target.

use std::path::Path;

use anyhow::{Context, Result, bail};
use cargo_metadata::{DependencyKind, MetadataCommand};
use xshell::{Shell, cmd};

use super::config::ReleaseConfig;
use super::plan::{Host, PythonPackage, Workspace, WorkspaceCrate};

pub fn load(root: &Path) -> Result<Workspace> {
    let metadata = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        // `--no-deps` reads the manifests without resolving, so a stale Cargo.lock is reported by
        // the version check (with its fix) rather than by cargo.
        .no_deps()
        .exec()
        .context("read the workspace with `cargo metadata`")?;
    let config = ReleaseConfig::from_workspace_metadata(&metadata.workspace_metadata)?;
    let members: Vec<&cargo_metadata::Package> = metadata.workspace_packages();
    let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
    let crates = members
        .iter()
        .map(|p| WorkspaceCrate {
            name: p.name.to_string(),
            // `publish = false` reads as an empty registry list.
            publish: p.publish.as_ref().is_none_or(|registries| !registries.is_empty()),
            depends_on: p
                .dependencies
                .iter()
                .filter(|d| names.contains(&d.name.as_str()))
                .filter(|d| d.kind != DependencyKind::Development || !d.req.comparators.is_empty())
                .map(|d| d.name.clone())
                .collect(),
        })
        .collect();
    let pyproject = std::fs::read_to_string(root.join("pyproject.toml"))
        .context("read pyproject.toml")?
        .parse::<toml_edit::DocumentMut>()
        .context("parse pyproject.toml")?;
    let python_name = pyproject
        .get("project")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .context("pyproject.toml has no [project].name: expected the Python distribution name")?
        .to_owned();
    let manifest_path = pyproject
        .get("tool")
        .and_then(|t| t.get("maturin"))
        .and_then(|m| m.get("manifest-path"))
        .and_then(|m| m.as_str())
        .context(
            "pyproject.toml has no [tool.maturin].manifest-path: expected the extension crate",
        )?;
    let extension_manifest = root.join(manifest_path);
    let extension =
        members.iter().find(|p| p.manifest_path.as_std_path() == extension_manifest).with_context(
            || format!("{manifest_path} (from pyproject.toml) is not a workspace member"),
        )?;
    let abi_tag = abi_tag(extension)?;
    let version = workspace_version(root)?;
    Ok(Workspace { version, crates, python: PythonPackage { name: python_name, abi_tag }, config })
}

/// The workspace version, `[workspace.package] version` in the root manifest.
fn workspace_version(root: &Path) -> Result<semver::Version> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).context("read Cargo.toml")?;
    let doc: toml_edit::DocumentMut = manifest.parse().context("parse Cargo.toml")?;
    let version = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .context("Cargo.toml has no [workspace.package] version: expected the one version")?;
    semver::Version::parse(version)
        .with_context(|| format!("[workspace.package] version `{version}` is not SemVer"))
}

/// `cp310-abi3` from the extension's `pyo3` feature `abi3-py310`.
fn abi_tag(extension: &cargo_metadata::Package) -> Result<String> {
    let pyo3 = extension
        .dependencies
        .iter()
        .find(|d| d.name == "pyo3")
        .with_context(|| format!("{} does not depend on pyo3", extension.name))?;
    let Some(min) = pyo3.features.iter().find_map(|f| f.strip_prefix("abi3-py")) else {
        bail!(
            "{}: pyo3 is built without an `abi3-pyXY` feature: expected abi3 wheels (one per \
             platform); add `features = [\"abi3-py310\"]` to its pyo3 dependency",
            extension.name
        );
    };
    Ok(format!("cp{min}-abi3"))
}

/// The host triple and every target whose Rust std is installed in the active toolchain.
pub fn host(sh: &Shell) -> Result<Host> {
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
