//! `release-manifest.json` and `SHA256SUMS`: the journal of a release run.
//!
//! The manifest is written after every stage, also when one fails, so that it always tells what
//! a run built, checked and uploaded — it is what a maintainer reads after a failure and what a
//! re-run starts from. It is a journal, never an authority: what must exist comes from the plan,
//! what the bytes are from the files, what is published from the registries. Its fields are
//! declared once, here, and parsed by derive into values that are valid by construction (a
//! `file` that is not a plain name, a `kind` or `target` that is not one of ours, a sha256 that
//! is not 64 hex digits: each is a parse error naming the field).

use std::path::Path;

use anyhow::{Context, Result};
use semver::Version;
use serde::{Deserialize, Serialize};

use super::plan::{Kind, Plan};
use crate::digest::{self, Sha256};
use crate::files::{self, FileName};
use crate::flags::Mode;
use crate::git::CommitId;
use crate::json;
use crate::progress::StageRecord;
use crate::workspace::config::Triple;

pub const FILE_NAME: &str = "release-manifest.json";
pub use digest::SUMS_FILE_NAME;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: Version,
    pub python_version: String,
    pub tag: String,
    /// The commit every recorded artifact was built from.
    pub commit: CommitId,
    pub mode: Mode,
    pub artifacts: Vec<Artifact>,
    pub stages: Vec<StageRecord>,
    pub publish: Vec<PublishRecord>,
}

/// A built artifact: its file name (directly inside the output directory) and identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub file: FileName,
    pub kind: Kind,
    pub sha256: Sha256,
    pub size: u64,
    /// The Rust target of a wheel; `None` for target-independent artifacts.
    pub target: Option<Triple>,
}

/// What happened (or would happen) to one upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRecord {
    pub file: FileName,
    /// The registry name (crates) or upload URL (Python files) it goes to.
    pub registry: String,
    /// What a live run does with the file, computed the same way in both modes.
    pub decision: Decision,
    pub status: PublishStatus,
    pub url: Option<String>,
}

/// What to do with one artifact, decided from what the registry already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Not on the registry: upload it.
    Upload,
    /// On the registry with the same sha256: nothing to do.
    Skip,
    /// On the registry with other bytes: a published file can never be replaced.
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishStatus {
    /// Dry run: everything but the upload was done.
    Rehearsed,
    /// Uploaded by this run, and read back from the registry with its sha256.
    Published,
    /// Already on the registry with the same sha256.
    Skipped,
    Failed,
    /// Not attempted yet (an earlier upload failed, the run stopped, or it was refused).
    Pending,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Upload => "upload",
            Decision::Skip => "skip",
            Decision::Refuse => "refuse",
        }
    }
}

impl PublishStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PublishStatus::Rehearsed => "rehearsed",
            PublishStatus::Published => "published",
            PublishStatus::Skipped => "skipped",
            PublishStatus::Failed => "failed",
            PublishStatus::Pending => "pending",
        }
    }

    /// Whether the file is on its registry: uploaded by a run, or found there already.
    pub fn is_out(self) -> bool {
        matches!(self, PublishStatus::Published | PublishStatus::Skipped)
    }

    /// Whether a live run acted on the file (a record no later run may throw away).
    pub fn is_live(self) -> bool {
        matches!(self, PublishStatus::Published | PublishStatus::Skipped | PublishStatus::Failed)
    }
}

impl Manifest {
    pub fn new(plan: &Plan, mode: Mode, commit: CommitId) -> Manifest {
        Manifest {
            version: plan.version.clone(),
            python_version: plan.python_version.clone(),
            tag: plan.tag.clone(),
            commit,
            mode,
            artifacts: Vec::new(),
            stages: Vec::new(),
            publish: Vec::new(),
        }
    }

    /// Reads a manifest written by an earlier run. Every field must be there with its type: a
    /// manifest that is not ours (or was edited by hand and broken) is an error, never a silent
    /// empty value that a re-run would then act on.
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "read {}: expected the manifest of a verified build there; build with \
                 `cargo xtask release --dry-run`",
                path.display()
            )
        })?;
        Manifest::parse(&text).with_context(|| {
            format!(
                "{} is not a release manifest this xtask can resume from; rebuild the release \
                 into an empty directory (`cargo xtask release --dry-run --out <dir>`)",
                path.display()
            )
        })
    }

    pub fn parse(text: &str) -> Result<Manifest> {
        json::parse(text)
    }

    pub fn to_json(&self) -> Result<String> {
        json::pretty(self)
    }

    /// Writes the manifest (atomically, so a crash never leaves half a file), and with `sums`
    /// `SHA256SUMS` too.
    pub fn write(&self, out: &Path, sums: bool) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
        files::write_atomic(&out.join(FILE_NAME), &self.to_json()?)?;
        if !sums {
            return Ok(());
        }
        let sums = digest::render_sums(self.artifacts.iter().map(|a| (&a.sha256, &a.file)));
        files::write_atomic(&out.join(SUMS_FILE_NAME), &sums)
    }

    pub fn artifact(&self, file: &FileName) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.file == *file)
    }

    /// Records (or replaces) an artifact.
    pub fn add_artifact(&mut self, record: Artifact) {
        self.artifacts.retain(|a| a.file != record.file);
        self.artifacts.push(record);
        self.artifacts.sort_by(|a, b| (a.kind, &a.file).cmp(&(b.kind, &b.file)));
    }

    /// Records (or replaces) the state of one upload.
    pub fn set_publish(&mut self, record: PublishRecord) {
        match self.publish.iter_mut().find(|p| p.file == record.file) {
            Some(existing) => *existing = record,
            None => self.publish.push(record),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::progress::Status;

    fn sample() -> Manifest {
        Manifest {
            version: Version::parse("1.0.0-rc.1").unwrap(),
            python_version: "1.0.0rc1".into(),
            tag: "v1.0.0-rc.1".into(),
            commit: CommitId::try_from("c".repeat(40)).unwrap(),
            mode: Mode::Live,
            artifacts: vec![Artifact {
                file: FileName::try_from("core-1.0.0-rc.1.crate").unwrap(),
                kind: Kind::Crate,
                sha256: Sha256::try_from("ab".repeat(32)).unwrap(),
                size: 12,
                target: None,
            }],
            stages: vec![StageRecord {
                name: "plan".into(),
                status: Status::Passed,
                duration: std::time::Duration::from_millis(1500),
            }],
            publish: vec![PublishRecord {
                file: FileName::try_from("core-1.0.0-rc.1.crate").unwrap(),
                registry: "crates-io".into(),
                decision: Decision::Upload,
                status: PublishStatus::Published,
                url: Some("https://crates.io/crates/core/1.0.0-rc.1".into()),
            }],
        }
    }

    #[test]
    fn round_trips_through_json() {
        let text = sample().to_json().unwrap();
        assert_eq!(Manifest::parse(&text).unwrap(), sample());
        // The fields docs/design.md §3 fixes, with their types.
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["mode"], "live");
        assert_eq!(v["stages"][0], json!({"name": "plan", "status": "passed", "seconds": 1.5}));
        assert_eq!(v["artifacts"][0]["target"], Value::Null);
        assert_eq!(v["publish"][0]["decision"], "upload");
    }

    #[track_caller]
    fn check_broken(edit: impl FnOnce(&mut Value), needle: &str) {
        let mut v: Value = serde_json::from_str(&sample().to_json().unwrap()).unwrap();
        edit(&mut v);
        let err = format!("{:#}", Manifest::parse(&v.to_string()).unwrap_err());
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    }

    #[test]
    fn missing_or_mistyped_fields_are_errors_not_defaults() {
        check_broken(|v| drop(v.as_object_mut().unwrap().remove("commit")), "`commit`");
        check_broken(|v| v["artifacts"][0]["size"] = json!("12"), "artifacts[0].size");
        check_broken(
            |v| drop(v["artifacts"][0].as_object_mut().unwrap().remove("sha256")),
            "`sha256`",
        );
        check_broken(|v| v["artifacts"][0]["kind"] = json!("zip"), "artifacts[0].kind");
        check_broken(|v| v["publish"][0]["decision"] = json!("maybe"), "publish[0].decision");
        check_broken(|v| v["publish"][0]["status"] = json!("done"), "publish[0].status");
        check_broken(|v| v["artifacts"] = json!({}), "artifacts: invalid type: map");
        let err = format!("{:#}", Manifest::parse("{").unwrap_err());
        assert!(err.contains("not valid JSON"), "{err}");
    }

    /// Whatever a file says, a parsed manifest holds only values later code can trust: no name
    /// that leaves the output directory, no kind or target that is not ours, no hash that is
    /// not one.
    #[test]
    fn only_well_formed_values_parse() {
        for file in ["../x", "/abs", "a/b", "..", ""] {
            check_broken(|v| v["artifacts"][0]["file"] = json!(file), "artifacts[0].file");
            check_broken(|v| v["publish"][0]["file"] = json!(file), "expected a plain file name");
        }
        check_broken(|v| v["artifacts"][0]["sha256"] = json!("abc"), "artifacts[0].sha256");
        check_broken(|v| v["artifacts"][0]["target"] = json!("x86_64-linux"), "unknown target");
        check_broken(|v| v["commit"] = json!(""), "expected a full commit id");
        check_broken(|v| v["mode"] = json!("maybe"), "mode");
        check_broken(|v| v["version"] = json!("1.0"), "version");
    }
}
