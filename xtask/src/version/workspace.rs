//! The files that carry the version, read once: the root manifest and its release configuration,
//! every member manifest, `Cargo.lock`, `pyproject.toml` and the changelog.
//!
//! Loading is the only I/O; the coherence check and the bump are pure functions of this snapshot,
//! so both can be tested on string fixtures.

use std::path::Path;

use anyhow::{Context, Result, bail};
use semver::Version;

use super::manifest;

/// `[workspace.metadata.release]` in the root `Cargo.toml`: what no other manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseConfig {
    /// Prefix of release tags: the tag of 1.2.0 is `{tag_prefix}1.2.0`.
    pub tag_prefix: String,
    /// The changelog, relative to the workspace root.
    pub changelog: String,
}

impl ReleaseConfig {
    /// Reads the configuration from cargo's `workspace_metadata` (the `[workspace.metadata]`
    /// table as JSON).
    pub fn from_metadata(metadata: &serde_json::Value) -> Result<ReleaseConfig> {
        let release = &metadata["release"];
        let field = |key: &str, example: &str| -> Result<String> {
            match release[key].as_str() {
                Some(value) => Ok(value.to_owned()),
                None => bail!(
                    "Cargo.toml: [workspace.metadata.release] has no `{key}` string: expected the \
                     release configuration there; add `{key} = {example}`"
                ),
            }
        };
        Ok(ReleaseConfig {
            tag_prefix: field("tag-prefix", "\"v\"")?,
            changelog: field("changelog", "\"CHANGELOG.md\"")?,
        })
    }
}

/// One workspace member.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    /// The manifest path relative to the workspace root, with `/` separators.
    pub manifest_path: String,
    /// The manifest text.
    pub manifest: String,
    /// The version cargo resolves for it.
    pub version: Version,
    /// `false` for `publish = false`.
    pub publish: bool,
}

impl Member {
    /// Whether the member takes the workspace version (`version.workspace = true`).
    pub fn inherits_version(&self) -> bool {
        manifest::inherits_version(&self.manifest)
    }
}

/// The Python package built from the workspace, as `pyproject.toml` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonPackage {
    /// The distribution name (`[project] name`), as on PyPI.
    pub dist: String,
    /// The top-level import name (from `[tool.maturin] module-name`).
    pub module: String,
    /// `[project] version` if one is written by hand.
    pub static_version: Option<String>,
    /// Whether `version` is listed in `[project] dynamic`.
    pub dynamic_version: bool,
}

/// A snapshot of every file that carries the version.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub config: ReleaseConfig,
    /// The root `Cargo.toml`.
    pub manifest: String,
    /// Members in the order cargo lists them.
    pub members: Vec<Member>,
    pub lock: Option<String>,
    pub pyproject: Option<String>,
    pub changelog: Option<String>,
}

impl Workspace {
    /// Reads the workspace at `root`: members from `cargo metadata --no-deps` (no resolution, so
    /// no network and no lock file needed), files from disk.
    pub fn load(root: &Path) -> Result<Workspace> {
        let metadata = cargo_metadata::MetadataCommand::new()
            .manifest_path(root.join("Cargo.toml"))
            .current_dir(root)
            .no_deps()
            .exec()
            .with_context(|| {
                format!("read the workspace at {} with `cargo metadata`", root.display())
            })?;
        let config = ReleaseConfig::from_metadata(&metadata.workspace_metadata)?;
        let mut members = Vec::new();
        for package in metadata.workspace_packages() {
            let manifest_path = package
                .manifest_path
                .strip_prefix(&metadata.workspace_root)
                .unwrap_or(&package.manifest_path)
                .components()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join("/");
            members.push(Member {
                name: package.name.to_string(),
                manifest: read(&package.manifest_path)?,
                manifest_path,
                version: package.version.clone(),
                publish: package.publish.as_ref().is_none_or(|registries| !registries.is_empty()),
            });
        }
        Ok(Workspace {
            manifest: read(root.join("Cargo.toml"))?,
            lock: read_optional(&root.join("Cargo.lock"))?,
            pyproject: read_optional(&root.join("pyproject.toml"))?,
            changelog: read_optional(&root.join(&config.changelog))?,
            config,
            members,
        })
    }

    /// `[workspace.package] version`, the one hand-written version.
    pub fn version(&self) -> Result<Version> {
        let found = manifest::workspace_version(&self.manifest)?.with_context(|| {
            "Cargo.toml has no [workspace.package] version: expected the one hand-written \
             version there (crates inherit it with `version.workspace = true`); add \
             `version = \"0.1.0\"` under [workspace.package]"
        })?;
        Version::parse(&found).with_context(|| {
            format!(
                "Cargo.toml: [workspace.package] version `{found}` is not a SemVer version; \
                 expected X.Y.Z or X.Y.Z-pre.N"
            )
        })
    }

    /// The names of the crates that take the workspace version. Internal dependency requirements
    /// and `Cargo.lock` entries of these crates follow it.
    pub fn versioned_crates(&self) -> Vec<String> {
        self.members.iter().filter(|m| m.inherits_version()).map(|m| m.name.clone()).collect()
    }

    /// The Python package, if there is a `pyproject.toml` with a `[project]` table.
    pub fn python_package(&self) -> Option<PythonPackage> {
        manifest::python_package(self.pyproject.as_deref()?)
    }
}

fn read(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))
}

fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_config() {
        let meta =
            serde_json::json!({ "release": { "tag-prefix": "v", "changelog": "CHANGES.md" } });
        let config = ReleaseConfig::from_metadata(&meta).unwrap();
        assert_eq!(
            config,
            ReleaseConfig { tag_prefix: "v".into(), changelog: "CHANGES.md".into() }
        );
        let err =
            ReleaseConfig::from_metadata(&serde_json::json!({ "release": { "tag-prefix": "v" } }))
                .unwrap_err()
                .to_string();
        assert!(err.contains("no `changelog`") && err.contains("add `changelog = "), "{err}");
    }

    #[test]
    fn reads_this_workspace() {
        let ws = Workspace::load(&crate::project::root()).unwrap();
        let version = ws.version().unwrap();
        assert!(ws.versioned_crates().iter().any(|c| c == "geodist"));
        assert!(!ws.versioned_crates().iter().any(|c| c == "xtask"), "xtask has its own version");
        for m in ws.members.iter().filter(|m| m.inherits_version()) {
            assert_eq!(m.version, version, "{}", m.manifest_path);
        }
        let py = ws.python_package().unwrap();
        assert_eq!((py.dist.as_str(), py.module.as_str()), ("geodist-rs", "geodist"));
    }
}
