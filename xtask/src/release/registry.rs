//! The registries the release publishes to, one module each — [`crates`] for a cargo registry,
//! [`pypi`] for a Python package index — with the same operations: what is there (with its
//! sha256), upload, and the rehearsal of an upload. An upload ends in one [`Outcome`], decided
//! from the registry's HTTP status as the tool quotes it and, when the tool got no answer, from
//! whether the registry answers at all — never from searching the tool's words for "500".
//!
//! The publish stage drives them ([`super::publish`]); preflight and `cargo xtask
//! verify-release` read them. Nothing but `upload` writes.

pub mod crates;
pub mod pypi;

use anyhow::Result;

use crate::digest::Sha256;
use crate::files::FileName;
use crate::release::manifest::Manifest;
use crate::release::plan::{Kind, Plan};
use crates::CrateRegistry;
use pypi::PythonIndex;

/// What the registry holds under a file's name, compared with ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    Absent,
    /// Listed with our sha256.
    Same,
    /// Listed with other bytes (`None` when the index gives no hash).
    Other(Option<Sha256>),
}

impl Listed {
    pub fn compare(theirs: Option<Option<&Sha256>>, ours: &Sha256) -> Listed {
        match theirs {
            None => Listed::Absent,
            Some(Some(sha)) if sha == ours => Listed::Same,
            Some(other) => Listed::Other(other.cloned()),
        }
    }
}

/// How one upload ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The registry took it (the read-back still has to see it).
    Uploaded,
    /// The registry says it has the file already (the read-back decides whose bytes those are).
    AlreadyThere,
    /// The registry refused our credentials (401, 403).
    RejectedCredentials(String),
    /// Worth another try: no answer, a rate limit, a server error, an upload the registry held
    /// without answering.
    Transient(String),
    /// Refused for another reason, in the registry's (or the tool's) words.
    Rejected(String),
}

impl Outcome {
    /// The outcome of a tool that quoted the registry's HTTP `status` (if it got one) and
    /// failed with `words`; `answers` says whether the registry's index answers now.
    pub fn of_failure(status: Option<u16>, words: String, answers: bool) -> Outcome {
        match status {
            Some(401 | 403) => Outcome::RejectedCredentials(words),
            Some(409) => Outcome::AlreadyThere,
            Some(429 | 500..=599) => Outcome::Transient(words),
            Some(_) => Outcome::Rejected(words),
            // No HTTP answer at all: a network fault if the registry is unreachable now too;
            // otherwise the tool failed on its own, and its words say why.
            None if !answers => Outcome::Transient(words),
            None => Outcome::Rejected(words),
        }
    }
}

/// What the registries lack of the release: every planned file, on its registry, with the
/// sha256 the release recorded for it (any bytes, for a file the record lacks). Each problem
/// names the file and what the registry has instead. Announcements ask this, never the
/// manifest's upload records.
pub fn lacking(
    crates: &CrateRegistry,
    index: &PythonIndex,
    plan: &Plan,
    manifest: &Manifest,
) -> Result<Vec<String>> {
    let python = index.files()?;
    let version = plan.version.to_string();
    let mut problems = Vec::new();
    for a in &plan.artifacts {
        let ours = manifest.artifact(&a.file).map(|r| &r.sha256);
        let (theirs, place) = match a.kind {
            Kind::Crate => {
                let name =
                    plan.crates.iter().find(|c| c.file == a.file).map_or("", |c| c.name.as_str());
                let entries = crates.versions(name)?;
                let entry = entries.into_iter().find(|e| e.version == version);
                (entry.map(|e| e.cksum), format!("the cargo registry `{}`", crates.name))
            }
            Kind::Sdist | Kind::Wheel => (python.get(&a.file).cloned(), index.index.clone()),
        };
        problems.extend(lacks(&a.file, ours, theirs, &place));
    }
    Ok(problems)
}

/// What is wrong with `file` on `place`, which lists `theirs`, when ours is `ours`.
fn lacks(
    file: &FileName,
    ours: Option<&Sha256>,
    theirs: Option<Option<Sha256>>,
    place: &str,
) -> Option<String> {
    match (theirs, ours) {
        (None, _) => Some(format!("{file} is not on {place}")),
        (Some(theirs), Some(ours)) if theirs.as_ref() != Some(ours) => Some(format!(
            "{file} on {place} has sha256 {}, but the release's is {ours}",
            theirs.as_ref().map_or("(none given)", Sha256::as_str)
        )),
        _ => None,
    }
}

/// The last lines of a tool's error output that say something (what a person reads first).
pub fn last_words(stderr: &str, lines: usize) -> String {
    let said: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    said[said.len().saturating_sub(lines)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_the_status() {
        let of = |status, answers| Outcome::of_failure(status, "w".into(), answers);
        assert_eq!(of(Some(403), true), Outcome::RejectedCredentials("w".into()));
        assert_eq!(of(Some(503), true), Outcome::Transient("w".into()));
        assert_eq!(of(Some(429), true), Outcome::Transient("w".into()));
        assert_eq!(of(Some(400), true), Outcome::Rejected("w".into()));
        assert_eq!(of(Some(409), true), Outcome::AlreadyThere);
        assert_eq!(of(None, false), Outcome::Transient("w".into()));
        assert_eq!(of(None, true), Outcome::Rejected("w".into()));
    }

    /// What an announcement refuses: a file absent from its registry, or there with bytes other
    /// than the release's.
    #[test]
    fn what_the_registries_lack_is_named() {
        let file = FileName::try_from("core-1.0.0.crate").unwrap();
        let ours = Sha256::try_from("a".repeat(64)).unwrap();
        let theirs = Sha256::try_from("b".repeat(64)).unwrap();
        let reg = "the cargo registry `local`";
        assert_eq!(
            lacks(&file, Some(&ours), None, reg).unwrap(),
            "core-1.0.0.crate is not on the cargo registry `local`"
        );
        let other = lacks(&file, Some(&ours), Some(Some(theirs.clone())), reg).unwrap();
        assert!(other.contains(theirs.as_str()) && other.contains(ours.as_str()), "{other}");
        assert!(lacks(&file, Some(&ours), Some(None), reg).unwrap().contains("(none given)"));
        assert_eq!(lacks(&file, Some(&ours), Some(Some(ours.clone())), reg), None);
        assert_eq!(lacks(&file, None, Some(Some(theirs)), reg), None, "any bytes, unrecorded");
    }

    #[test]
    fn listings_compare_hashes() {
        let ours = Sha256::try_from("a".repeat(64)).unwrap();
        let theirs = Sha256::try_from("b".repeat(64)).unwrap();
        assert_eq!(Listed::compare(None, &ours), Listed::Absent);
        assert_eq!(Listed::compare(Some(Some(&ours)), &ours), Listed::Same);
        assert_eq!(Listed::compare(Some(Some(&theirs)), &ours), Listed::Other(Some(theirs)));
        assert_eq!(Listed::compare(Some(None), &ours), Listed::Other(None));
    }
}
