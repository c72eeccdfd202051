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

use crate::digest::Sha256;

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
