//! `release-manifest.json` and `SHA256SUMS`: the record of a release run.
//!
//! The manifest is written after every stage, also when one fails, so that it always tells what
//! a run built, checked and uploaded — it is what a maintainer reads after a failure and what a
//! re-run starts from ([`resume`]).

pub mod resume;

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::plan::{Kind, Plan};
use crate::digest;
use crate::files;
use crate::flags::Mode;
use crate::progress::{StageRecord, Status};

pub const FILE_NAME: &str = "release-manifest.json";
pub use digest::SUMS_FILE_NAME;

#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub version: String,
    pub python_version: String,
    pub tag: String,
    pub commit: String,
    pub mode: String,
    pub artifacts: Vec<ArtifactRecord>,
    pub stages: Vec<StageRecord>,
    pub publish: Vec<PublishRecord>,
}

/// A built artifact: its file name (inside the output directory) and identity.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRecord {
    pub file: String,
    pub kind: Kind,
    pub sha256: String,
    pub size: u64,
    pub target: Option<String>,
}

/// What happened (or would happen) to one upload.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishRecord {
    pub file: String,
    pub registry: String,
    /// What a live run does with the file, computed the same way in both modes.
    pub decision: Decision,
    pub status: PublishStatus,
    pub url: Option<String>,
}

/// What to do with one artifact, decided from what the registry already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Not on the registry: upload it.
    Upload,
    /// On the registry with the same sha256: nothing to do.
    Skip,
    /// On the registry with other bytes: a published file can never be replaced.
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishStatus {
    /// Dry run: everything but the upload was done.
    Rehearsed,
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

    fn parse(s: &str) -> Option<Decision> {
        [Decision::Upload, Decision::Skip, Decision::Refuse].into_iter().find(|d| d.as_str() == s)
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

    fn parse(s: &str) -> Option<PublishStatus> {
        use PublishStatus::*;
        [Rehearsed, Published, Skipped, Failed, Pending].into_iter().find(|p| p.as_str() == s)
    }
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        [Kind::Crate, Kind::Sdist, Kind::Wheel].into_iter().find(|k| k.as_str() == s)
    }
}

impl Manifest {
    pub fn new(plan: &Plan, mode: Mode, commit: &str) -> Manifest {
        Manifest {
            version: plan.version.to_string(),
            python_version: plan.python_version.clone(),
            tag: plan.tag.clone(),
            commit: commit.trim().to_owned(),
            mode: mode.as_str().to_owned(),
            artifacts: Vec::new(),
            stages: Vec::new(),
            publish: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "version": self.version,
            "python_version": self.python_version,
            "tag": self.tag,
            "commit": self.commit,
            "mode": self.mode,
            "artifacts": self.artifacts.iter().map(|a| json!({
                "file": a.file,
                "kind": a.kind.as_str(),
                "sha256": a.sha256,
                "size": a.size,
                "target": a.target,
            })).collect::<Vec<_>>(),
            "stages": self.stages.iter().map(|s| json!({
                "name": s.name,
                "status": s.status.as_str(),
                "seconds": (s.duration.as_secs_f64() * 1000.0).round() / 1000.0,
            })).collect::<Vec<_>>(),
            "publish": self.publish.iter().map(|p| json!({
                "file": p.file,
                "registry": p.registry,
                "decision": p.decision.as_str(),
                "status": p.status.as_str(),
                "url": p.url,
            })).collect::<Vec<_>>(),
        })
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

    /// The manifest in `text` (the JSON [`Manifest::to_json`] writes).
    pub fn parse(text: &str) -> Result<Manifest> {
        let v: Value = serde_json::from_str(text).context("not valid JSON")?;
        let mut artifacts = Vec::new();
        for (i, a) in array(&v, "artifacts")?.iter().enumerate() {
            let at = format!("artifacts[{i}]");
            artifacts.push(ArtifactRecord {
                file: string(a, "file", &at)?,
                kind: Kind::parse(&string(a, "kind", &at)?)
                    .with_context(|| format!("{at}.kind: expected crate, sdist or wheel"))?,
                sha256: string(a, "sha256", &at)?,
                size: a["size"]
                    .as_u64()
                    .with_context(|| format!("{at}.size: expected a number"))?,
                target: optional_string(a, "target", &at)?,
            });
        }
        let mut stages = Vec::new();
        for (i, s) in array(&v, "stages")?.iter().enumerate() {
            let at = format!("stages[{i}]");
            let status = match string(s, "status", &at)?.as_str() {
                "passed" => Status::Passed,
                "failed" => Status::Failed,
                other => bail!("{at}.status: expected passed or failed, found {other:?}"),
            };
            let seconds = s["seconds"]
                .as_f64()
                .with_context(|| format!("{at}.seconds: expected a number"))?;
            stages.push(StageRecord {
                name: string(s, "name", &at)?,
                status,
                duration: std::time::Duration::from_secs_f64(seconds.max(0.0)),
            });
        }
        let mut publish = Vec::new();
        for (i, p) in array(&v, "publish")?.iter().enumerate() {
            let at = format!("publish[{i}]");
            publish.push(PublishRecord {
                file: string(p, "file", &at)?,
                registry: string(p, "registry", &at)?,
                decision: Decision::parse(&string(p, "decision", &at)?)
                    .with_context(|| format!("{at}.decision: expected upload, skip or refuse"))?,
                status: PublishStatus::parse(&string(p, "status", &at)?).with_context(|| {
                    format!(
                        "{at}.status: expected rehearsed, published, skipped, failed or pending"
                    )
                })?,
                url: optional_string(p, "url", &at)?,
            });
        }
        Ok(Manifest {
            version: string(&v, "version", "the manifest")?,
            python_version: string(&v, "python_version", "the manifest")?,
            tag: string(&v, "tag", "the manifest")?,
            commit: string(&v, "commit", "the manifest")?,
            mode: string(&v, "mode", "the manifest")?,
            artifacts,
            stages,
            publish,
        })
    }

    /// Writes the manifest (atomically, so a crash never leaves half a file) and `SHA256SUMS`.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
        let text = serde_json::to_string_pretty(&self.to_json())? + "\n";
        files::write_atomic(&out.join(FILE_NAME), &text)?;
        let sums = digest::render_sums(
            self.artifacts.iter().map(|a| (a.sha256.as_str(), a.file.as_str())),
        );
        files::write_atomic(&out.join(SUMS_FILE_NAME), &sums)
    }

    /// Records (or replaces) an artifact.
    pub fn add_artifact(&mut self, record: ArtifactRecord) {
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

fn array<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    v[key].as_array().with_context(|| format!("`{key}`: expected a list"))
}

fn string(v: &Value, key: &str, at: &str) -> Result<String> {
    v[key].as_str().map(str::to_owned).with_context(|| format!("{at}: `{key}` expected a string"))
}

fn optional_string(v: &Value, key: &str, at: &str) -> Result<Option<String>> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => bail!("{at}: `{key}` expected a string or null, found {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            version: "1.0.0-rc.1".into(),
            python_version: "1.0.0rc1".into(),
            tag: "v1.0.0-rc.1".into(),
            commit: "c".repeat(40),
            mode: "live".into(),
            artifacts: vec![ArtifactRecord {
                file: "core-1.0.0-rc.1.crate".into(),
                kind: Kind::Crate,
                sha256: "ab".repeat(32),
                size: 12,
                target: None,
            }],
            stages: vec![StageRecord {
                name: "plan".into(),
                status: Status::Passed,
                duration: std::time::Duration::from_millis(1500),
            }],
            publish: vec![PublishRecord {
                file: "core-1.0.0-rc.1.crate".into(),
                registry: "crates-io".into(),
                decision: Decision::Upload,
                status: PublishStatus::Published,
                url: Some("https://crates.io/crates/core/1.0.0-rc.1".into()),
            }],
        }
    }

    #[test]
    fn round_trips_through_json() {
        let text = serde_json::to_string_pretty(&sample().to_json()).unwrap();
        assert_eq!(Manifest::parse(&text).unwrap(), sample());
    }

    #[track_caller]
    fn check_broken(edit: impl FnOnce(&mut Value), needle: &str) {
        let mut v = sample().to_json();
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
        check_broken(|v| v["artifacts"] = json!({}), "`artifacts`: expected a list");
        let err = format!("{:#}", Manifest::parse("{").unwrap_err());
        assert!(err.contains("not valid JSON"), "{err}");
    }
}
