//! The release plan: everything a release will do, computed as data before anything runs.
//!
//! Planning is pure — manifests, configuration and host facts in, a [`Plan`] out — so it can be
//! printed (`cargo xtask plan`), fed to GitHub Actions as the build matrix, and unit-tested with
//! golden files. Every later stage works from the plan instead of re-deriving names.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};
use semver::Version;
use serde_json::{Value, json};

use super::Mode;
use super::config::{ReleaseConfig, WheelTarget};

/// What the manifests say: the facts a plan is computed from.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub version: Version,
    pub crates: Vec<WorkspaceCrate>,
    pub python: PythonPackage,
    pub config: ReleaseConfig,
}

/// A workspace member and the workspace members it depends on (normal, build and dev
/// dependencies that carry a version requirement, since those must be on the registry first).
#[derive(Debug, Clone)]
pub struct WorkspaceCrate {
    pub name: String,
    pub publish: bool,
    pub depends_on: Vec<String>,
}

/// The Python distribution: its `[project].name` and the wheel's Python/ABI tag.
#[derive(Debug, Clone)]
pub struct PythonPackage {
    pub name: String,
    /// `cp310-abi3` for an abi3 build whose oldest Python is 3.10.
    pub abi_tag: String,
}

/// What the host can build: its own target and the targets whose Rust std is installed.
#[derive(Debug, Clone)]
pub struct Host {
    pub target: String,
    pub installed_targets: Vec<String>,
}

/// What was asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub mode: Mode,
    pub tag: Option<String>,
    pub crates_registry: Option<String>,
    pub pypi_url: Option<String>,
    pub pypi_index: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub version: Version,
    pub python_version: String,
    pub tag: String,
    /// Whether the tag was given with `--tag` (rather than derived from the version).
    pub tag_given: bool,
    pub prerelease: bool,
    pub mode: Mode,
    pub crates_registry: String,
    pub pypi_url: String,
    pub pypi_index: String,
    /// The publishable crates, in the order they must be published.
    pub crates: Vec<PlannedCrate>,
    pub python_name: String,
    pub sdist: String,
    pub wheels: Vec<PlannedWheel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCrate {
    pub name: String,
    pub file: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedWheel {
    pub target: WheelTarget,
    pub file: String,
    pub builder: Builder,
}

/// Where a wheel gets built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    /// This machine can build it (its Rust std is installed and no foreign SDK is needed).
    Host,
    /// Only its native CI runner builds it.
    Ci,
}

/// The kind of a release artifact, as the manifest names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Crate,
    Sdist,
    Wheel,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Crate => "crate",
            Kind::Sdist => "sdist",
            Kind::Wheel => "wheel",
        }
    }
}

/// One file the release produces.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedArtifact {
    pub file: String,
    pub kind: Kind,
    /// The Rust target of a wheel; `None` for target-independent artifacts.
    pub target: Option<String>,
    pub builder: Builder,
}

pub const CRATES_IO: &str = "crates-io";
const PYPI: (&str, &str) = ("https://upload.pypi.org/legacy/", "https://pypi.org/simple/");
const TEST_PYPI: (&str, &str) = ("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/");

impl Plan {
    pub fn new(ws: &Workspace, host: &Host, req: &Request) -> Result<Plan> {
        let version = ws.version.clone();
        let python_version = crate::version::pep440(&version)?;
        let expected_tag = format!("{}{version}", ws.config.tag_prefix);
        let tag = match &req.tag {
            None => expected_tag,
            Some(tag) => check_tag(tag, &expected_tag, &ws.config.tag_prefix)?,
        };
        let prerelease = !version.pre.is_empty();
        let (default_url, default_index) = if prerelease { TEST_PYPI } else { PYPI };
        let crates = publish_order(&ws.crates)?
            .into_iter()
            .map(|name| PlannedCrate { file: format!("{name}-{version}.crate"), name })
            .collect();
        let dist = normalize_dist_name(&ws.python.name);
        let wheels = ws
            .config
            .wheels
            .iter()
            .map(|target| PlannedWheel {
                file: format!(
                    "{dist}-{python_version}-{}-{}.whl",
                    ws.python.abi_tag,
                    target.platform_tag()
                ),
                builder: if host_can_build(host, target) { Builder::Host } else { Builder::Ci },
                target: target.clone(),
            })
            .collect();
        Ok(Plan {
            sdist: format!("{dist}-{python_version}.tar.gz"),
            python_name: ws.python.name.clone(),
            version,
            python_version,
            tag,
            tag_given: req.tag.is_some(),
            prerelease,
            mode: req.mode,
            crates_registry: req.crates_registry.clone().unwrap_or_else(|| CRATES_IO.to_owned()),
            pypi_url: req.pypi_url.clone().unwrap_or_else(|| default_url.to_owned()),
            pypi_index: req.pypi_index.clone().unwrap_or_else(|| default_index.to_owned()),
            crates,
            wheels,
        })
    }

    /// Every artifact of the release: crates in publish order, the sdist, then the wheels.
    pub fn artifacts(&self) -> Vec<ExpectedArtifact> {
        let crates = self.crates.iter().map(|c| ExpectedArtifact {
            file: c.file.clone(),
            kind: Kind::Crate,
            target: None,
            builder: Builder::Host,
        });
        let sdist = std::iter::once(ExpectedArtifact {
            file: self.sdist.clone(),
            kind: Kind::Sdist,
            target: None,
            builder: Builder::Host,
        });
        let wheels = self.wheels.iter().map(|w| ExpectedArtifact {
            file: w.file.clone(),
            kind: Kind::Wheel,
            target: Some(w.target.target.clone()),
            builder: w.builder,
        });
        crates.chain(sdist).chain(wheels).collect()
    }

    /// The artifacts this host builds itself.
    pub fn host_artifacts(&self) -> Vec<ExpectedArtifact> {
        self.artifacts().into_iter().filter(|a| a.builder == Builder::Host).collect()
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let crates: Vec<String> =
            self.crates.iter().map(|c| format!("{} {}", c.name, self.version)).collect();
        let _ = writeln!(out, "release plan");
        let _ =
            writeln!(out, "  version         {} (Python {})", self.version, self.python_version);
        let _ = writeln!(out, "  tag             {}", self.tag);
        let _ = writeln!(out, "  mode            {}", self.mode.as_str());
        let _ =
            writeln!(out, "  crates          {} -> {}", crates.join(", "), self.crates_registry);
        let _ = writeln!(out, "  python          {} -> {}", self.python_name, self.pypi_url);
        let _ = writeln!(out, "  python index    {}", self.pypi_index);
        let _ = writeln!(out, "artifacts");
        for a in self.artifacts() {
            let built = match a.builder {
                Builder::Host => "this host",
                Builder::Ci => "CI",
            };
            let _ = writeln!(out, "  {:<5}  {:<9}  {}", a.kind.as_str(), built, a.file);
        }
        let _ = writeln!(out, "wheel targets");
        for w in &self.wheels {
            let _ = writeln!(
                out,
                "  {:<27} {:<17} {:<15} python {}",
                w.target.target,
                w.target.runner,
                w.target.platform.to_string(),
                w.target.python.join(", ")
            );
        }
        out
    }

    pub fn to_json(&self) -> Value {
        json!({
            "version": self.version.to_string(),
            "python_version": self.python_version,
            "tag": self.tag,
            "prerelease": self.prerelease,
            "mode": self.mode.as_str(),
            "crates_registry": self.crates_registry,
            "pypi_url": self.pypi_url,
            "pypi_index": self.pypi_index,
            "crates": self.crates.iter().map(|c| json!({"name": c.name, "file": c.file})).collect::<Vec<_>>(),
            "python_package": self.python_name,
            "artifacts": self.artifacts().iter().map(|a| json!({
                "file": a.file,
                "kind": a.kind.as_str(),
                "target": a.target,
                "built_by": match a.builder { Builder::Host => "host", Builder::Ci => "ci" },
            })).collect::<Vec<_>>(),
            "wheels": self.wheels.iter().map(wheel_json).collect::<Vec<_>>(),
        })
    }

    /// `key=value` lines for `$GITHUB_OUTPUT`: the build matrix and the release facts.
    pub fn github_outputs(&self) -> String {
        let include: Vec<Value> = self.wheels.iter().map(wheel_json).collect();
        let matrix = json!({ "include": include });
        let mut out = String::new();
        let mut put = |k: &str, v: &str| {
            let _ = writeln!(out, "{k}={v}");
        };
        put("version", &self.version.to_string());
        put("python_version", &self.python_version);
        put("tag", &self.tag);
        put("prerelease", if self.prerelease { "true" } else { "false" });
        put("matrix", &matrix.to_string());
        out
    }
}

fn wheel_json(w: &PlannedWheel) -> Value {
    json!({
        "target": w.target.target,
        "runner": w.target.runner,
        "platform": w.target.platform.to_string(),
        "python": w.target.python,
        "wheel": w.file,
    })
}

/// Checks an explicitly given tag: well-formed (prefix + SemVer) and naming this version.
fn check_tag(tag: &str, expected: &str, prefix: &str) -> Result<String> {
    let Some(version) = tag.strip_prefix(prefix).and_then(|v| Version::parse(v).ok()) else {
        bail!(
            "malformed tag `{tag}`: expected `{prefix}` followed by a SemVer version, like \
             `{expected}`; pass `--tag {expected}`"
        );
    };
    if tag != expected {
        bail!(
            "tag `{tag}` does not match the workspace version: expected `{expected}`, found a tag \
             for {version}; pass `--tag {expected}`, or set the version with \
             `cargo xtask bump {version}`"
        );
    }
    Ok(tag.to_owned())
}

/// The publishable crates ordered so that each comes after the workspace crates it needs.
fn publish_order(crates: &[WorkspaceCrate]) -> Result<Vec<String>> {
    let by_name: BTreeMap<&str, &WorkspaceCrate> =
        crates.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut problems = Vec::new();
    for c in crates.iter().filter(|c| c.publish) {
        for dep in &c.depends_on {
            if by_name.get(dep.as_str()).is_some_and(|d| !d.publish) {
                problems.push(format!(
                    "{} depends on {dep}, which has `publish = false`: publish {dep} too or drop \
                     the version requirement",
                    c.name
                ));
            }
        }
    }
    if !problems.is_empty() {
        bail!("the publishable crates cannot be ordered:\n  {}", problems.join("\n  "));
    }
    let mut order: Vec<String> = Vec::new();
    let mut pending: Vec<&WorkspaceCrate> = crates.iter().filter(|c| c.publish).collect();
    pending.sort_by(|a, b| a.name.cmp(&b.name));
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|c| {
            let ready = c
                .depends_on
                .iter()
                .filter(|d| by_name.contains_key(d.as_str()))
                .all(|d| order.contains(d));
            if ready {
                order.push(c.name.clone());
            }
            !ready
        });
        if pending.len() == before {
            let names: Vec<&str> = pending.iter().map(|c| c.name.as_str()).collect();
            bail!("dependency cycle among publishable crates: {}", names.join(", "));
        }
    }
    Ok(order)
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

/// Whether this host builds `wheel` itself: its Rust std must be installed, and a foreign OS
/// is out of reach (Linux targets cross-build with zig; macOS and Windows need their own SDKs).
fn host_can_build(host: &Host, wheel: &WheelTarget) -> bool {
    host.installed_targets.contains(&wheel.target)
        && super::config::os_of(&host.target) == wheel.os()
}

#[cfg(test)]
mod tests;
