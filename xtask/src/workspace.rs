//! The workspace, read once: `cargo metadata` (the one call of it in the xtask), the root
//! manifest and its `[workspace.metadata.release]`, every member manifest, `Cargo.lock`,
//! `pyproject.toml` and the changelog. Every command starts from a [`Workspace`].
//!
//! Loading is the only I/O. What the files say is parsed here once, strictly (every problem of
//! the release configuration reported together), and every later step — the version check, the
//! bump, the plan, the release — works on this snapshot, so two commands can never read the same
//! file two ways. Names (crates, the Python distribution and its module) come from here and
//! nowhere else.

pub mod config;
pub mod pyproject;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cargo_metadata::{DependencyKind, MetadataCommand, TargetKind};
use semver::Version;

pub use config::ReleaseConfig;
pub use pyproject::PythonPackage;

/// A snapshot of the workspace's manifests and release inputs.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root (absolute).
    pub root: PathBuf,
    pub config: ReleaseConfig,
    /// The root `Cargo.toml`.
    pub manifest: String,
    /// Members in the order cargo lists them.
    pub members: Vec<Member>,
    pub lock: Option<String>,
    /// The Python package, when the workspace has a `pyproject.toml`.
    pub python: Option<PythonPackage>,
    pub changelog: Option<String>,
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq)]
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
    /// The workspace members it needs on the registry first: normal and build dependencies,
    /// and dev-dependencies that carry a version requirement.
    pub depends_on: Vec<String>,
    /// Its criterion-style bench targets.
    pub benches: Vec<String>,
    /// The `license` expression, if any.
    pub license: Option<String>,
    /// The features its pyo3 dependency enables (empty when it does not use pyo3).
    pub pyo3_features: Vec<String>,
    /// `rust-version`, the oldest Rust it declares to build with.
    pub rust_version: Option<String>,
    /// `repository`, its source's URL.
    pub repository: Option<String>,
    /// Whether it has a library target (`lib`, `cdylib`, …).
    pub has_lib: bool,
}

impl Member {
    /// The member `package` (as `cargo metadata` lists it) of the workspace at `root`, whose
    /// members are `names`.
    fn of(
        package: &cargo_metadata::Package,
        root: &cargo_metadata::camino::Utf8Path,
        names: &[&str],
    ) -> Result<Member> {
        let manifest_path = package
            .manifest_path
            .strip_prefix(root)
            .unwrap_or(&package.manifest_path)
            .components()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join("/");
        let depends_on = package
            .dependencies
            .iter()
            .filter(|d| names.contains(&d.name.as_str()))
            .filter(|d| d.kind != DependencyKind::Development || !d.req.comparators.is_empty())
            .map(|d| d.name.clone())
            .collect();
        let has = |t: &cargo_metadata::Target, kinds: &[TargetKind]| {
            t.kind.iter().any(|k| kinds.contains(k))
        };
        let pyo3 = package.dependencies.iter().find(|d| d.name == "pyo3");
        Ok(Member {
            name: package.name.to_string(),
            manifest: read(package.manifest_path.as_std_path())?,
            manifest_path,
            version: package.version.clone(),
            // `publish = false` reads as an empty registry list.
            publish: package.publish.as_ref().is_none_or(|registries| !registries.is_empty()),
            depends_on,
            benches: package
                .targets
                .iter()
                .filter(|t| has(t, &[TargetKind::Bench]))
                .map(|t| t.name.clone())
                .collect(),
            license: package.license.clone(),
            pyo3_features: pyo3.map(|d| d.features.clone()).unwrap_or_default(),
            rust_version: package.rust_version.as_ref().map(ToString::to_string),
            repository: package.repository.clone(),
            has_lib: package
                .targets
                .iter()
                .any(|t| has(t, &[TargetKind::Lib, TargetKind::CDyLib, TargetKind::RLib])),
        })
    }

    /// Whether the member takes the workspace version (`version.workspace = true`).
    pub fn inherits_version(&self) -> bool {
        let Ok(doc) = self.manifest.parse::<toml_edit::DocumentMut>() else {
            return false;
        };
        doc.get("package")
            .and_then(|p| p.get("version"))
            .and_then(|v| v.get("workspace"))
            .and_then(toml_edit::Item::as_bool)
            .unwrap_or(false)
    }
}

impl Workspace {
    /// Reads the workspace at `root`. `cargo metadata --no-deps` reads the manifests without
    /// resolving, so no network and no lock file are needed, and a stale `Cargo.lock` is reported
    /// by the version check (with its fix) instead of by cargo.
    pub fn load(root: &Path) -> Result<Workspace> {
        let metadata = MetadataCommand::new()
            .manifest_path(root.join("Cargo.toml"))
            .current_dir(root)
            .no_deps()
            .exec()
            .with_context(|| {
                format!("read the workspace at {} with `cargo metadata`", root.display())
            })?;
        let config = ReleaseConfig::from_workspace_metadata(&metadata.workspace_metadata)?;
        let packages = metadata.workspace_packages();
        let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
        let members = packages
            .iter()
            .map(|package| Member::of(package, &metadata.workspace_root, &names))
            .collect::<Result<Vec<_>>>()?;
        let python = match read_optional(&root.join("pyproject.toml"))? {
            Some(text) => Some(PythonPackage::parse(&text)?),
            None => None,
        };
        Ok(Workspace {
            root: root.to_path_buf(),
            manifest: read(&root.join("Cargo.toml"))?,
            lock: read_optional(&root.join("Cargo.lock"))?,
            changelog: read_optional(&root.join(&config.changelog))?,
            config,
            members,
            python,
        })
    }

    /// `[workspace.package] version`, the one hand-written version.
    pub fn version(&self) -> Result<Version> {
        let found = workspace_version(&self.manifest)?.context(
            "Cargo.toml has no [workspace.package] version: expected the one hand-written \
             version there (crates inherit it with `version.workspace = true`); add \
             `version = \"0.1.0\"` under [workspace.package]",
        )?;
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

    /// The Python package; an error naming the fix when the workspace has none.
    pub fn python(&self) -> Result<&PythonPackage> {
        self.python.as_ref().context(
            "pyproject.toml not found at the workspace root: expected the Python package \
             (maturin build backend, [project] name, [tool.maturin] manifest-path)",
        )
    }

    /// The member `pyproject.toml` builds the extension from (`[tool.maturin] manifest-path`).
    pub fn extension(&self) -> Result<&Member> {
        let python = self.python()?;
        let Some(path) = python.manifest_path.as_deref() else {
            bail!(
                "pyproject.toml has no [tool.maturin] manifest-path: expected the path of the \
                 extension crate's Cargo.toml there"
            );
        };
        let path = path.trim_start_matches("./");
        self.members.iter().find(|m| m.manifest_path == path).with_context(|| {
            format!(
                "{path} (pyproject.toml [tool.maturin] manifest-path) is not a workspace member"
            )
        })
    }

    /// `OWNER/NAME` of the repository on GitHub: the Actions run's, else the one the members'
    /// `repository` URL names.
    pub fn github_repository(&self) -> Option<String> {
        if let Ok(repo) = std::env::var("GITHUB_REPOSITORY") {
            return Some(repo).filter(|r| !r.is_empty());
        }
        let url = self.members.iter().find_map(|m| m.repository.clone())?;
        let path = url.strip_prefix("https://github.com/")?;
        Some(path.trim_end_matches('/').trim_end_matches(".git").to_owned())
    }

    /// The changelog text; an error naming the fix when it is missing.
    pub fn changelog(&self) -> Result<&str> {
        let path = &self.config.changelog;
        self.changelog.as_deref().with_context(|| {
            format!(
                "{path} not found: expected a Keep a Changelog file at the path that \
                 [workspace.metadata.release] changelog names"
            )
        })
    }
}

/// `[workspace.package] version` of a root manifest, if written.
pub fn workspace_version(manifest: &str) -> Result<Option<String>> {
    let doc: toml_edit::DocumentMut = manifest.parse().context("Cargo.toml is not valid TOML")?;
    Ok(doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(toml_edit::Item::as_str)
        .map(str::to_owned))
}

fn read(path: &Path) -> Result<String> {
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
pub mod fixture {
    //! A workspace made of strings, for the pure parts' tests.

    use super::*;

    /// A member named `name` at `crates/{name}/Cargo.toml` with the workspace version.
    pub fn member(name: &str, version: &str, publish: bool, depends_on: &[&str]) -> Member {
        Member {
            name: name.into(),
            manifest_path: format!("crates/{name}/Cargo.toml"),
            manifest: format!("[package]\nname = \"{name}\"\nversion.workspace = true\n"),
            version: Version::parse(version).unwrap(),
            publish,
            depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
            benches: Vec::new(),
            license: Some("MIT OR Apache-2.0".into()),
            pyo3_features: Vec::new(),
            rust_version: Some("1.85".into()),
            repository: Some("https://github.com/o/r".into()),
            has_lib: true,
        }
    }

    /// A workspace with a core crate `core`, an extension `core-py` (abi3-py310) and a tool,
    /// the Python distribution `core-rs` (module `core`, Python 3.10 and later), and the given
    /// release metadata (`families = ["abi3"]` unless it says otherwise).
    pub fn workspace(version: &str, mut metadata: serde_json::Value) -> Workspace {
        if metadata["release"].get("families").is_none() {
            metadata["release"]["families"] = serde_json::json!(["abi3"]);
        }
        let mut py = member("core-py", version, false, &["core"]);
        py.pyo3_features = vec!["abi3-py310".into()];
        let mut tool = member("tool", "0.0.0", false, &[]);
        tool.manifest = "[package]\nname = \"tool\"\nversion = \"0.0.0\"\n".into();
        Workspace {
            root: PathBuf::from("/ws"),
            config: ReleaseConfig::from_workspace_metadata(&metadata).unwrap(),
            manifest: format!(
                "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nversion = \
                 \"{version}\"\n\n[workspace.dependencies]\ncore = {{ path = \"crates/core\", \
                 version = \"={version}\" }}\n"
            ),
            members: vec![py, member("core", version, true, &[]), tool],
            lock: None,
            python: Some(
                PythonPackage::parse(
                    "[project]\nname = \"core-rs\"\ndynamic = [\"version\"]\n\
                     requires-python = \">=3.10\"\n\n\
                     [tool.maturin]\nmanifest-path = \"crates/core-py/Cargo.toml\"\n\
                     module-name = \"core._core\"\n",
                )
                .unwrap(),
            ),
            changelog: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_workspace() {
        let ws = Workspace::load(&crate::project::root()).unwrap();
        let version = ws.version().unwrap();
        let python = ws.python().unwrap();
        let extension = ws.extension().unwrap();
        assert!(!extension.publish, "the extension ships inside the wheels");
        assert!(extension.pyo3_features.iter().any(|f| f.starts_with("abi3-py")));
        assert!(ws.versioned_crates().contains(&extension.name));
        assert!(!ws.versioned_crates().contains(&"xtask".to_owned()), "xtask has its own version");
        for m in ws.members.iter().filter(|m| m.inherits_version()) {
            assert_eq!(m.version, version, "{}", m.manifest_path);
        }
        assert!(python.module.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        assert!(ws.changelog().is_ok());
    }

    #[test]
    fn members_inherit_the_version_only_when_they_say_so() {
        let mut m = fixture::member("a", "1.0.0", true, &[]);
        assert!(m.inherits_version());
        m.manifest = "[package]\nname = \"a\"\nversion = \"1.0.0\"\n".into();
        assert!(!m.inherits_version());
        m.manifest = "not toml [".into();
        assert!(!m.inherits_version());
    }

    #[test]
    fn the_extension_must_be_a_member() {
        let mut ws = fixture::workspace(
            "1.0.0",
            serde_json::json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                "wheels": [{"target": "x86_64-apple-darwin", "runner": "r",
                            "platform": "macosx_10_12", "python": ["3.10"]}]}}),
        );
        assert_eq!(ws.extension().unwrap().name, "core-py");
        ws.python.as_mut().unwrap().manifest_path = Some("crates/gone/Cargo.toml".into());
        let err = ws.extension().unwrap_err().to_string();
        assert!(err.contains("crates/gone/Cargo.toml") && err.contains("not a workspace member"));
        ws.python = None;
        assert!(ws.extension().unwrap_err().to_string().contains("pyproject.toml not found"));
    }
}
