//! `pyproject.toml`: the Python distribution built from the workspace — its name on PyPI, the
//! module it installs, how its version is set, and which crate maturin builds it from.

use anyhow::{Context, Result};
use toml_edit::{DocumentMut, Item};

/// The Python package, as `pyproject.toml` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonPackage {
    /// The distribution name (`[project] name`), as on PyPI.
    pub dist: String,
    /// The top-level import name (from `[tool.maturin] module-name`).
    pub module: String,
    /// The compiled extension's full module name (`[tool.maturin] module-name`, `pkg._ext`).
    pub extension_module: String,
    /// `[project] version` if one is written by hand.
    pub static_version: Option<String>,
    /// Whether `version` is listed in `[project] dynamic`.
    pub dynamic_version: bool,
    /// `[tool.maturin] manifest-path`: the extension crate's manifest, relative to the root.
    pub manifest_path: Option<String>,
    /// `[project] license`, as an SPDX expression (PEP 639).
    pub license: Option<String>,
    /// `[project] requires-python`, which every wheel and the sdist must declare.
    pub requires_python: Option<String>,
}

impl PythonPackage {
    /// Parses `pyproject.toml`. A file that is not TOML, or has no `[project] name`, is an
    /// error: a silently missing package would hide every Python row of the version check.
    pub fn parse(text: &str) -> Result<PythonPackage> {
        let doc: DocumentMut = text.parse().context(
            "pyproject.toml is not valid TOML: expected the Python package's metadata there; \
             fix the syntax error above",
        )?;
        let project = doc.get("project");
        let dist = project
            .and_then(|p| p.get("name"))
            .and_then(Item::as_str)
            .context(
                "pyproject.toml has no [project] name: expected the Python distribution name \
                 (as on PyPI); add `name = \"…\"` under [project]",
            )?
            .to_owned();
        let maturin = doc.get("tool").and_then(|t| t.get("maturin"));
        let extension_module = maturin
            .and_then(|m| m.get("module-name"))
            .and_then(Item::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| dist.replace('-', "_"));
        let module = extension_module.split('.').next().unwrap_or(&extension_module).to_owned();
        let dynamic_version = project
            .and_then(|p| p.get("dynamic"))
            .and_then(Item::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("version")));
        let static_version =
            project.and_then(|p| p.get("version")).and_then(Item::as_str).map(str::to_owned);
        let manifest_path =
            maturin.and_then(|m| m.get("manifest-path")).and_then(Item::as_str).map(str::to_owned);
        let text_of = |key: &str| project?.get(key)?.as_str().map(str::to_owned);
        let license = text_of("license");
        let requires_python = text_of("requires-python");
        Ok(PythonPackage {
            dist,
            module,
            extension_module,
            static_version,
            dynamic_version,
            manifest_path,
            license,
            requires_python,
        })
    }

    /// The distribution name as it appears in file names (PEP 427/625): lowercase, runs of
    /// `-_.` become `_`.
    pub fn file_name_prefix(&self) -> String {
        normalize_dist_name(&self.dist)
    }
}

/// A distribution name as it appears in file names (PEP 427/625): lowercase, runs of `-_.`
/// become `_`.
pub fn normalize_dist_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !out.ends_with('_') {
                out.push('_');
            }
        } else {
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// PEP 503 normalisation, for index URLs: lowercase, runs of `-_.` become `-`.
pub fn normalize_project(name: &str) -> String {
    normalize_dist_name(name).replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_package() {
        let py = PythonPackage::parse(
            "[project]\nname = \"geo-rs\"\ndynamic = [\"version\"]\n\
             [tool.maturin]\nmodule-name = \"geo._geo\"\nmanifest-path = \"crates/py/Cargo.toml\"\n",
        )
        .unwrap();
        assert_eq!((py.dist.as_str(), py.module.as_str()), ("geo-rs", "geo"));
        assert_eq!(py.extension_module, "geo._geo");
        assert!(py.dynamic_version && py.static_version.is_none());
        assert_eq!(py.manifest_path.as_deref(), Some("crates/py/Cargo.toml"));
        let py = PythonPackage::parse("[project]\nname = \"geo-rs\"\nversion = \"1.0\"\n").unwrap();
        assert_eq!((py.module.as_str(), py.static_version.as_deref()), ("geo_rs", Some("1.0")));
        assert!(!py.dynamic_version && py.manifest_path.is_none());
    }

    #[test]
    fn unreadable_files_are_errors_not_missing_rows() {
        let err = PythonPackage::parse("[project\nname = 1").unwrap_err();
        assert!(format!("{err:#}").contains("not valid TOML"), "{err:#}");
        let err = PythonPackage::parse("[build-system]\n").unwrap_err().to_string();
        assert!(err.contains("no [project] name"), "{err}");
    }

    #[test]
    fn dist_names_are_normalized() {
        assert_eq!(normalize_dist_name("geo-rs"), "geo_rs");
        assert_eq!(normalize_dist_name("Geo.Dist__RS"), "geo_dist_rs");
        assert_eq!(normalize_project("Geo_Dist.rs"), "geo-dist-rs");
    }
}
