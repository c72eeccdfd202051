//! Upload, skip or refuse: what a live release does with each artifact, decided from what the
//! registries already have (read in preflight). Pure, and the same in both modes: a dry run
//! prints and records exactly the decisions a live run would act on.

use std::fmt::Write as _;

use super::Remote;
use super::manifest::{ArtifactRecord, Decision};
use super::plan::{Kind, Plan};

/// The decision about one artifact, with what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub file: String,
    pub kind: Kind,
    /// The registry name (crates) or upload URL (Python files) it goes to.
    pub registry: String,
    pub decision: Decision,
    /// Ours.
    pub sha256: String,
    /// The registry's, when it has the file (`None` inside when the index gives no hash).
    pub published: Option<Option<String>>,
}

/// Every recorded artifact's decision, crates first (in publish order), then the Python files.
pub fn decide(plan: &Plan, artifacts: &[ArtifactRecord], remote: &Remote) -> Vec<Planned> {
    let version = plan.version.to_string();
    let mut decided: Vec<Planned> = artifacts
        .iter()
        .map(|a| {
            let (registry, published) = match a.kind {
                Kind::Crate => {
                    let name = plan.crates.iter().find(|c| c.file == a.file).map(|c| &c.name);
                    let entries = name.and_then(|n| remote.crates.get(n));
                    let entry = entries.and_then(|e| e.iter().find(|e| e.version == version));
                    (plan.crates_registry.clone(), entry.map(|e| Some(e.cksum.clone())))
                }
                Kind::Sdist | Kind::Wheel => {
                    (plan.pypi_url.clone(), remote.python.get(&a.file).cloned())
                }
            };
            let decision = match &published {
                None => Decision::Upload,
                Some(Some(hash)) if *hash == a.sha256 => Decision::Skip,
                Some(_) => Decision::Refuse,
            };
            Planned {
                file: a.file.clone(),
                kind: a.kind,
                registry,
                decision,
                sha256: a.sha256.clone(),
                published,
            }
        })
        .collect();
    let order = |p: &Planned| {
        let crate_index = plan.crates.iter().position(|c| c.file == p.file);
        (p.kind, crate_index, p.file.clone())
    };
    decided.sort_by_key(order);
    decided
}

/// Each refusal as one line naming both hashes.
pub fn conflicts(decided: &[Planned]) -> Vec<String> {
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
                theirs.as_deref().unwrap_or("(not given by the index)"),
                p.sha256
            )
        })
        .collect()
}

/// The decisions as a table, one line per file.
pub fn table(decided: &[Planned]) -> String {
    let width = decided.iter().map(|p| p.file.len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    for p in decided {
        let why = match (&p.decision, &p.published) {
            (Decision::Upload, _) => "not on the registry".to_owned(),
            (Decision::Skip, _) => format!("already there, same sha256 {}", short(&p.sha256)),
            (Decision::Refuse, Some(theirs)) => format!(
                "already there with sha256 {}, ours is {}",
                theirs.as_deref().map_or("(none given)", short),
                short(&p.sha256)
            ),
            (Decision::Refuse, None) => unreachable!("a refusal rests on a published file"),
        };
        let _ = writeln!(
            out,
            "    {:<width$}  {:<6}  {}  ({why})",
            p.file,
            p.decision.as_str(),
            p.registry
        );
    }
    out
}

fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Destination;
    use crate::host::Host;
    use crate::release::registry::IndexEntry;
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

    fn artifact(file: &str, kind: Kind, sha: char) -> ArtifactRecord {
        ArtifactRecord {
            file: file.into(),
            kind,
            sha256: sha.to_string().repeat(64),
            size: 1,
            target: None,
        }
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
        let mut remote = Remote::default();
        remote.crates.insert(
            "core".into(),
            crate::release::registry::parse_index_file(&index_line).unwrap(),
        );
        remote.python.insert("core_rs-1.0.0.tar.gz".into(), Some("b".repeat(64)));
        remote.python.insert("core_rs-1.0.0-cp310-abi3-win32.whl".into(), Some("d".repeat(64)));
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
            vec![IndexEntry { version: "1.0.0".into(), cksum: "a".repeat(64), yanked: false }],
        );
        let decided = decide(&plan, &artifacts, &remote);
        assert_eq!(decided[0].decision, Decision::Skip);
    }
}
