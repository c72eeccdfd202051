//! The release plan: everything a release will do, computed as data before anything runs.
//!
//! Planning is pure — manifests, configuration and host facts in, a [`Plan`] out — so it can be
//! printed (`cargo xtask plan`), fed to GitHub Actions as the build matrix, and unit-tested with
//! golden files. Every later stage works from the plan instead of re-deriving names.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};
use semver::Version;
use serde::{Deserialize, Serialize};

use crate::files::FileName;
use crate::flags::Destination;
use crate::host::Host;
use crate::pep440::pep440;
use crate::wheel_tags::StableAbis;
use crate::workspace::config::Triple;
use crate::workspace::{Member, Workspace};

pub mod wheels;
pub use wheels::{MatrixJob, PickRow, PlannedWheel, Support};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub version: Version,
    pub python_version: String,
    pub tag: String,
    /// Whether the tag was given with `--tag` (rather than derived from the version).
    #[serde(skip)]
    pub tag_given: bool,
    pub prerelease: bool,
    pub crates_registry: String,
    pub pypi_url: String,
    pub pypi_index: String,
    /// The publishable crates, in the order they must be published.
    pub crates: Vec<PlannedCrate>,
    #[serde(rename = "python_package")]
    pub python_name: String,
    /// The top-level module the Python package installs (what `import` names).
    pub python_module: String,
    #[serde(skip)]
    pub sdist: FileName,
    /// What the package supports and its extension builds: the wheels' rules.
    #[serde(skip)]
    pub support: Support,
    pub wheels: Vec<PlannedWheel>,
    /// Every file of the release: crates in publish order, the sdist, then the wheels.
    pub artifacts: Vec<PlannedArtifact>,
    /// The build matrix: one job per wheel target, which builds all its wheels in turn.
    pub targets: Vec<MatrixJob>,
    /// Which wheel an installer picks for every supported CPython, on every target.
    pub picks: Vec<PickRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedCrate {
    pub name: String,
    pub file: FileName,
}

/// Where a wheel gets built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Builder {
    /// This machine can build it (its Rust std is installed and no foreign SDK is needed).
    Host,
    /// Only its native CI runner builds it.
    Ci,
}

/// The kind of a release artifact, as the manifest names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedArtifact {
    pub file: FileName,
    pub kind: Kind,
    /// The Rust target of a wheel; `None` for target-independent artifacts.
    pub target: Option<Triple>,
    #[serde(rename = "built_by")]
    pub builder: Builder,
}

pub const CRATES_IO: &str = "crates-io";
const PYPI: (&str, &str) = ("https://upload.pypi.org/legacy/", "https://pypi.org/simple/");
const TEST_PYPI: (&str, &str) = ("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/");

impl Plan {
    /// The release of the workspace's version to `dest`, for what `host` can build. The same
    /// inputs give the same plan in either mode: the mode is not one of them.
    pub fn new(ws: &Workspace, host: &Host, dest: &Destination) -> Result<Plan> {
        Plan::of_version(ws, host, dest, ws.version()?)
    }

    /// The release of `version` (another than the workspace's, for `verify-release`), as the
    /// workspace's configuration plans it.
    pub fn of_version(
        ws: &Workspace,
        host: &Host,
        dest: &Destination,
        version: Version,
    ) -> Result<Plan> {
        let python_version = pep440(&version)?;
        let python = ws.python()?;
        let extension = ws.extension()?;
        let support = Support {
            requires_python: wheels::requires_python(python.requires_python.as_deref())?,
            stable: stable_abis(extension)?,
        };
        let expected_tag = format!("{}{version}", ws.config.tag_prefix);
        let tag = match &dest.tag {
            None => expected_tag,
            Some(tag) => check_tag(tag, &expected_tag, &ws.config.tag_prefix)?,
        };
        let prerelease = !version.pre.is_empty();
        let (pypi_url, pypi_index) = python_destination(dest, prerelease)?;
        let crates: Vec<PlannedCrate> = publish_order(&ws.members)?
            .into_iter()
            .map(|name| {
                Ok(PlannedCrate { file: file_name(format!("{name}-{version}.crate"))?, name })
            })
            .collect::<Result<_>>()?;
        let dist = python.file_name_prefix();
        let prefix = format!("{dist}-{python_version}");
        let wheels = wheels::plan(&ws.config, support, host, &extension.name, &prefix)?;
        let sdist = file_name(format!("{dist}-{python_version}.tar.gz"))?;
        let artifacts = artifacts(&crates, &sdist, &wheels);
        let (targets, picks) = (wheels::matrix(&wheels), wheels::picks(&wheels, support));
        Ok(Plan {
            sdist,
            python_name: python.dist.clone(),
            python_module: python.module.clone(),
            version,
            python_version,
            tag,
            tag_given: dest.tag.is_some(),
            prerelease,
            crates_registry: dest.crates_registry.clone().unwrap_or_else(|| CRATES_IO.to_owned()),
            pypi_url,
            pypi_index,
            crates,
            support,
            wheels,
            artifacts,
            targets,
            picks,
        })
    }

    /// The artifacts this host builds itself.
    pub fn host_artifacts(&self) -> impl Iterator<Item = &PlannedArtifact> {
        self.artifacts.iter().filter(|a| a.builder == Builder::Host)
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let crates: Vec<String> =
            self.crates.iter().map(|c| format!("{} {}", c.name, self.version)).collect();
        let _ = writeln!(out, "release plan");
        let _ =
            writeln!(out, "  version         {} (Python {})", self.version, self.python_version);
        let _ = writeln!(out, "  tag             {}", self.tag);
        let _ =
            writeln!(out, "  crates          {} -> {}", crates.join(", "), self.crates_registry);
        let _ = writeln!(out, "  python          {} -> {}", self.python_name, self.pypi_url);
        let _ = writeln!(out, "  python index    {}", self.pypi_index);
        let _ = writeln!(out, "artifacts");
        for a in &self.artifacts {
            let built = match a.builder {
                Builder::Host => "this host",
                Builder::Ci => "CI",
            };
            let _ = writeln!(out, "  {:<5}  {:<9}  {}", a.kind.as_str(), built, a.file);
        }
        wheels::render_text(&mut out, &self.wheels, self.support);
        out
    }

    /// `key=value` lines for `$GITHUB_OUTPUT`: the build matrix and the release facts.
    pub fn github_outputs(&self) -> Result<String> {
        let matrix = serde_json::to_value(serde_json::json!({ "include": self.targets }))?;
        let mut out = String::new();
        let mut put = |k: &str, v: &str| {
            let _ = writeln!(out, "{k}={v}");
        };
        put("version", &self.version.to_string());
        put("python_version", &self.python_version);
        put("tag", &self.tag);
        put("prerelease", if self.prerelease { "true" } else { "false" });
        put("matrix", &matrix.to_string());
        Ok(out)
    }
}

fn artifacts(
    crates: &[PlannedCrate],
    sdist: &FileName,
    wheels: &[PlannedWheel],
) -> Vec<PlannedArtifact> {
    let host = |file: &FileName, kind| PlannedArtifact {
        file: file.clone(),
        kind,
        target: None,
        builder: Builder::Host,
    };
    let crates = crates.iter().map(|c| host(&c.file, Kind::Crate));
    let wheels = wheels.iter().map(|w| PlannedArtifact {
        file: w.file.clone(),
        kind: Kind::Wheel,
        target: Some(w.target.target),
        builder: w.builder,
    });
    crates.chain([host(sdist, Kind::Sdist)]).chain(wheels).collect()
}

/// A file name made from the manifests; one that is not plain (a `/` in a version or a
/// distribution name) is refused here, before anything is built under it.
fn file_name(name: String) -> Result<FileName> {
    FileName::try_from(name)
        .map_err(|e| anyhow::anyhow!("an artifact's name from the manifests: {e}"))
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
        let current = expected.strip_prefix(prefix).and_then(|v| Version::parse(v).ok());
        // `bump` only moves forward: suggest it only for a newer version.
        let or_bump = if current.is_some_and(|current| version > current) {
            format!(", or set the version with `cargo xtask bump {version}`")
        } else {
            format!(
                "; {version} is not newer than the workspace version, so it cannot be bumped \
                 to: release it from its own commit (`git checkout {tag}`)"
            )
        };
        bail!(
            "tag `{tag}` does not match the workspace version: expected `{expected}`, found a tag \
             for {version}; pass `--tag {expected}`{or_bump}"
        );
    }
    Ok(tag.to_owned())
}

/// The upload endpoint and its simple index. Each defaults to PyPI's (TestPyPI's for a
/// pre-release); an upload URL given alone takes its index from the known pairs, and is refused
/// otherwise, since the "already published" guards and the read-back would look at the wrong
/// index.
fn python_destination(dest: &Destination, prerelease: bool) -> Result<(String, String)> {
    let default = if prerelease { TEST_PYPI } else { PYPI };
    match (&dest.pypi_url, &dest.pypi_index) {
        (None, None) => Ok((default.0.to_owned(), default.1.to_owned())),
        (Some(url), Some(index)) => Ok((url.clone(), index.clone())),
        (Some(url), None) => match [PYPI, TEST_PYPI].iter().find(|(u, _)| u == url) {
            Some((_, index)) => Ok((url.clone(), (*index).to_owned())),
            None => bail!(
                "--pypi-url {url} was given without --pypi-index: expected both, since the index \
                 is where the release checks what is already published and reads the upload \
                 back; pass `--pypi-index <its simple index URL>` (for pypiserver: \
                 `{}/simple/`)",
                url.trim_end_matches('/')
            ),
        },
        (None, Some(index)) => bail!(
            "--pypi-index {index} was given without --pypi-url: expected both, so that uploads \
             go where the index reads; pass `--pypi-url <its upload URL>`"
        ),
    }
}

/// The stable ABIs the extension's pyo3 features select (`abi3-py310`, `abi3t-py315`).
fn stable_abis(extension: &Member) -> Result<StableAbis> {
    if extension.pyo3_features.is_empty() {
        bail!(
            "{}: the extension crate does not depend on pyo3 (or enables none of its features): \
             expected `pyo3 = {{ features = [\"abi3-py310\", \"abi3t-py315\"] }}`",
            extension.name
        );
    }
    Ok(StableAbis::from_pyo3_features(&extension.pyo3_features))
}

/// The publishable crates ordered so that each comes after the workspace crates it needs.
fn publish_order(crates: &[Member]) -> Result<Vec<String>> {
    let by_name: BTreeMap<&str, &Member> = crates.iter().map(|c| (c.name.as_str(), c)).collect();
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
    let mut pending: Vec<&Member> = crates.iter().filter(|c| c.publish).collect();
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

#[cfg(test)]
mod tests;
