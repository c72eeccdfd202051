//! `release-manifest.json` and `SHA256SUMS`: the record of a release run.
//!
//! The manifest is written after every stage, also when one fails, so that it always tells what
//! a run built, checked and uploaded — it is what a maintainer reads after a failure and what a
//! re-run starts from.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::plan::{Kind, Plan};
use crate::progress::StageRecord;

pub const FILE_NAME: &str = "release-manifest.json";
pub const SUMS_FILE_NAME: &str = "SHA256SUMS";

#[derive(Debug, Clone)]
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
    pub status: PublishStatus,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishStatus {
    /// Dry run: everything but the upload was done.
    Rehearsed,
    Published,
    /// Already on the registry with the same sha256.
    Skipped,
    Failed,
    /// Not attempted yet (an earlier upload failed or the run stopped).
    Pending,
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
}

impl Manifest {
    pub fn new(plan: &Plan, commit: &str) -> Manifest {
        Manifest {
            version: plan.version.to_string(),
            python_version: plan.python_version.clone(),
            tag: plan.tag.clone(),
            commit: commit.to_owned(),
            mode: plan.mode.as_str().to_owned(),
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
                "status": p.status.as_str(),
                "url": p.url,
            })).collect::<Vec<_>>(),
        })
    }

    /// Reads a manifest written by an earlier run (its artifacts and uploads).
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "read {}: expected the manifest of a verified build there; build with \
                 `cargo xtask release --dry-run`",
                path.display()
            )
        })?;
        let v: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?;
        let s = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
        let kind = |k: &str| match k {
            "crate" => Some(Kind::Crate),
            "sdist" => Some(Kind::Sdist),
            "wheel" => Some(Kind::Wheel),
            _ => None,
        };
        let mut artifacts = Vec::new();
        for a in v["artifacts"].as_array().into_iter().flatten() {
            let Some(k) = kind(a["kind"].as_str().unwrap_or_default()) else {
                bail!("{}: artifact {} has an unknown kind", path.display(), a["file"]);
            };
            artifacts.push(ArtifactRecord {
                file: s(a, "file"),
                kind: k,
                sha256: s(a, "sha256"),
                size: a["size"].as_u64().unwrap_or_default(),
                target: a["target"].as_str().map(str::to_owned),
            });
        }
        Ok(Manifest {
            version: s(&v, "version"),
            python_version: s(&v, "python_version"),
            tag: s(&v, "tag"),
            commit: s(&v, "commit"),
            mode: s(&v, "mode"),
            artifacts,
            stages: Vec::new(),
            publish: Vec::new(),
        })
    }

    /// Writes the manifest (atomically, so a crash never leaves half a file) and `SHA256SUMS`.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
        let text = serde_json::to_string_pretty(&self.to_json())? + "\n";
        write_atomic(&out.join(FILE_NAME), &text)?;
        write_atomic(&out.join(SUMS_FILE_NAME), &sha256sums(&self.artifacts))
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

/// `SHA256SUMS` in the format `sha256sum -c` reads: `<hex>  <file>` per line.
pub fn sha256sums(artifacts: &[ArtifactRecord]) -> String {
    artifacts.iter().map(|a| format!("{}  {}\n", a.sha256, a.file)).collect()
}

/// The hex SHA-256 and size of a file.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).with_context(|| format!("read {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, size))
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_the_standard_vectors() {
        let dir = std::env::temp_dir().join(format!("xtask-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("abc");
        std::fs::write(&path, "abc").unwrap();
        let (hex, size) = hash_file(&path).unwrap();
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(size, 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sums_use_the_sha256sum_format() {
        let a = ArtifactRecord {
            file: "geodist-1.0.0.crate".into(),
            kind: Kind::Crate,
            sha256: "ab".repeat(32),
            size: 1,
            target: None,
        };
        assert_eq!(sha256sums(&[a]), format!("{}  geodist-1.0.0.crate\n", "ab".repeat(32)));
    }
}
