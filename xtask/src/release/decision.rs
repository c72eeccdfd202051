//! Upload, skip or refuse: what a live release does with each artifact, decided from what the
//! registries already have (read in preflight). Pure, and the same in both modes: a dry run
//! prints and records exactly the decisions a live run would act on.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context, Result};

use super::manifest::{Artifact, Decision, Manifest};
use super::plan::{Kind, Plan};
use super::registry::crates::{CrateRegistry, IndexEntry};
use super::registry::pypi::PythonIndex;
use crate::digest::Sha256;
use crate::files::FileName;

/// What the registries have of a release (read-only): for preflight's guards, the publish
/// stage's decisions, and the announcements' check.
#[derive(Debug, Default, Clone)]
pub struct Published {
    /// Every version of each planned crate on the crates registry.
    pub crates: BTreeMap<String, Vec<IndexEntry>>,
    /// Every file of the Python project on the index, with its sha256.
    pub python: BTreeMap<FileName, Option<Sha256>>,
}

impl Published {
    /// Reads what `crates` and `index` have of the release of `plan`.
    pub fn read(crates: &CrateRegistry, index: &PythonIndex, plan: &Plan) -> Result<Published> {
        let mut published = Published::default();
        for c in &plan.crates {
            let entries = crates.versions(&c.name).with_context(|| {
                format!(
                    "cannot read what the cargo registry `{}` already has (set it with \
                     --crates-registry)",
                    crates.name
                )
            })?;
            published.crates.insert(c.name.clone(), entries);
        }
        published.python = index.files().with_context(|| {
            format!(
                "cannot read what the Python index {} already has (set it with --pypi-index)",
                index.index
            )
        })?;
        Ok(published)
    }

    /// The registry's sha256 of the planned `file` of `kind`: `None` when the registry lacks
    /// it, `Some(None)` when it lists it without a hash.
    pub fn sha256(&self, plan: &Plan, file: &FileName, kind: Kind) -> Option<Option<Sha256>> {
        match kind {
            Kind::Crate => {
                let name = plan.crates.iter().find(|c| c.file == *file).map(|c| &c.name)?;
                let entries = self.crates.get(name)?;
                let version = plan.version.to_string();
                entries.iter().find(|e| e.version == version).map(|e| e.cksum.clone())
            }
            Kind::Sdist | Kind::Wheel => self.python.get(file).cloned(),
        }
    }

    /// What the registries lack of the release: every planned file, with the sha256 the
    /// release recorded for it (any bytes, for a file the record lacks), each problem naming
    /// the file and what the registry has instead. Announcements ask this, never the manifest's
    /// upload records.
    pub fn lacking(&self, plan: &Plan, manifest: &Manifest) -> Vec<String> {
        let mut problems = Vec::new();
        for a in &plan.artifacts {
            let place = match a.kind {
                Kind::Crate => format!("the cargo registry `{}`", plan.crates_registry),
                Kind::Sdist | Kind::Wheel => plan.pypi_index.clone(),
            };
            let ours = manifest.artifact(&a.file).map(|r| &r.sha256);
            let file = &a.file;
            match (self.sha256(plan, file, a.kind), ours) {
                (None, _) => problems.push(format!("{file} is not on {place}")),
                (Some(theirs), Some(ours)) if theirs.as_ref() != Some(ours) => {
                    problems.push(format!(
                        "{file} on {place} has sha256 {}, but the release's is {ours}",
                        theirs.as_ref().map_or("(none given)", Sha256::as_str)
                    ))
                }
                _ => {}
            }
        }
        problems
    }
}

/// The decision about one artifact, with what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub file: FileName,
    pub kind: Kind,
    /// The registry name (crates) or upload URL (Python files) it goes to.
    pub registry: String,
    pub decision: Decision,
    /// Ours.
    pub sha256: Sha256,
    /// The registry's, when it has the file (`None` inside when the index gives no hash).
    pub published: Option<Option<Sha256>>,
}

/// Every recorded artifact's decision, crates first (in publish order), then the Python files.
pub fn decide(plan: &Plan, artifacts: &[Artifact], published: &Published) -> Vec<Decided> {
    let mut decided: Vec<Decided> = artifacts
        .iter()
        .map(|a| {
            let registry = match a.kind {
                Kind::Crate => plan.crates_registry.clone(),
                Kind::Sdist | Kind::Wheel => plan.pypi_url.clone(),
            };
            let theirs = published.sha256(plan, &a.file, a.kind);
            let decision = match &theirs {
                None => Decision::Upload,
                Some(Some(hash)) if *hash == a.sha256 => Decision::Skip,
                Some(_) => Decision::Refuse,
            };
            Decided {
                file: a.file.clone(),
                kind: a.kind,
                registry,
                decision,
                sha256: a.sha256.clone(),
                published: theirs,
            }
        })
        .collect();
    let order = |p: &Decided| {
        let crate_index = plan.crates.iter().position(|c| c.file == p.file);
        (p.kind, crate_index, p.file.clone())
    };
    decided.sort_by_key(order);
    decided
}

/// Each refusal as one line naming both hashes.
pub fn conflicts(decided: &[Decided]) -> Vec<String> {
    decided
        .iter()
        .filter(|p| p.decision == Decision::Refuse)
        .map(|p| {
            let theirs = p.published.clone().flatten();
            format!(
                "{}: already published with sha256 {}, built with sha256 {}; a published file \
                 can never be replaced: release a new version (`cargo xtask bump patch`), or \
                 rebuild exactly the published commit",
                p.file,
                theirs.as_ref().map_or("(not given by the index)", Sha256::as_str),
                p.sha256
            )
        })
        .collect()
}

/// The decisions as a table, one line per file.
pub fn table(decided: &[Decided]) -> String {
    let width = decided.iter().map(|p| p.file.as_str().len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    for p in decided {
        let why = match (&p.decision, &p.published) {
            (Decision::Upload, _) => "not on the registry".to_owned(),
            (Decision::Skip, _) => format!("already there, same sha256 {}", p.sha256.short()),
            (Decision::Refuse, Some(theirs)) => format!(
                "already there with sha256 {}, ours is {}",
                theirs.as_ref().map_or("(none given)", Sha256::short),
                p.sha256.short()
            ),
            (Decision::Refuse, None) => unreachable!("a refusal rests on a published file"),
        };
        let _ = writeln!(
            out,
            "    {:<width$}  {:<6}  {}  ({why})",
            p.file.as_str(),
            p.decision.as_str(),
            p.registry
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Destination;
    use crate::host::Host;
    use crate::release::registry::crates::{IndexEntry, parse_index_file};
    use crate::workspace::fixture;

    fn plan() -> Plan {
        let ws = fixture::workspace(
            "1.0.0",
            serde_json::json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                "wheels": [{"target": "x86_64-unknown-linux-gnu", "runner": "r",
                            "platform": "manylinux_2_17", "python": ["3.10"]}]}}),
        );
        let host = Host::fixture("x86_64-unknown-linux-gnu", &[]);
        Plan::new(&ws, &host, &Destination::default()).unwrap()
    }

    fn sha(c: char) -> Sha256 {
        Sha256::try_from(c.to_string().repeat(64)).unwrap()
    }

    fn artifact(file: &str, kind: Kind, c: char) -> Artifact {
        Artifact { file: file.try_into().unwrap(), kind, sha256: sha(c), size: 1, target: None }
    }

    /// A fixture manifest's artifacts against fixture index listings: absent → upload, same
    /// hash → skip, different → refuse naming both.
    #[test]
    fn absent_uploads_same_skips_different_refuses() {
        let plan = plan();
        let artifacts = [
            artifact("core_rs-1.0.0.tar.gz", Kind::Sdist, 'b'),
            artifact("core-1.0.0.crate", Kind::Crate, 'a'),
            artifact("core_rs-1.0.0-cp310-abi3-win32.whl", Kind::Wheel, 'c'),
        ];
        let index_line = format!(
            r#"{{"name":"core","vers":"0.9.0","deps":[],"cksum":"{}","features":{{}}}}"#,
            "9".repeat(64)
        );
        let mut remote = Published::default();
        remote.crates.insert("core".into(), parse_index_file(&index_line).unwrap());
        remote.python.insert("core_rs-1.0.0.tar.gz".try_into().unwrap(), Some(sha('b')));
        remote
            .python
            .insert("core_rs-1.0.0-cp310-abi3-win32.whl".try_into().unwrap(), Some(sha('d')));
        let decided = decide(&plan, &artifacts, &remote);
        let summary: Vec<(&str, Decision)> =
            decided.iter().map(|p| (p.file.as_str(), p.decision)).collect();
        assert_eq!(
            summary,
            [
                ("core-1.0.0.crate", Decision::Upload),
                ("core_rs-1.0.0.tar.gz", Decision::Skip),
                ("core_rs-1.0.0-cp310-abi3-win32.whl", Decision::Refuse),
            ]
        );
        let conflicts = conflicts(&decided);
        assert_eq!(conflicts.len(), 1);
        assert!(conflicts[0].contains(&"d".repeat(64)) && conflicts[0].contains(&"c".repeat(64)));
        crate::golden::check("publish/decisions.txt", &table(&decided));

        // The same crate version already in the index with our checksum is skipped.
        remote.crates.insert(
            "core".into(),
            vec![IndexEntry { version: "1.0.0".into(), cksum: Some(sha('a')), yanked: false }],
        );
        let decided = decide(&plan, &artifacts, &remote);
        assert_eq!(decided[0].decision, Decision::Skip);
    }

    /// What an announcement refuses: a planned file absent from its registry, or there with
    /// bytes other than the release's; a file the record lacks (a wheel built in CI) may have
    /// any bytes.
    #[test]
    fn what_the_registries_lack_is_named() {
        let plan = plan();
        let mut manifest = Manifest::new(
            &plan,
            crate::flags::Mode::Live,
            crate::git::CommitId::try_from("c".repeat(40)).unwrap(),
        );
        manifest.artifacts = vec![
            artifact("core-1.0.0.crate", Kind::Crate, 'a'),
            artifact("core_rs-1.0.0.tar.gz", Kind::Sdist, 'b'),
        ];
        let mut published = Published::default();
        assert_eq!(published.lacking(&plan, &manifest).len(), plan.artifacts.len());
        published.crates.insert(
            "core".into(),
            vec![IndexEntry { version: "1.0.0".into(), cksum: Some(sha('a')), yanked: false }],
        );
        published.python.insert("core_rs-1.0.0.tar.gz".try_into().unwrap(), Some(sha('d')));
        let wheel = plan.wheels[0].file.clone();
        published.python.insert(wheel, None);
        let lacking = published.lacking(&plan, &manifest);
        assert_eq!(lacking.len(), 1, "{lacking:?}");
        assert!(lacking[0].contains(&"d".repeat(64)) && lacking[0].contains(&"b".repeat(64)));
        published.python.insert("core_rs-1.0.0.tar.gz".try_into().unwrap(), Some(sha('b')));
        assert!(published.lacking(&plan, &manifest).is_empty());
        published.crates.clear();
        assert_eq!(
            published.lacking(&plan, &manifest),
            ["core-1.0.0.crate is not on the cargo registry `crates-io`"]
        );
    }
}
