//! Resuming from the manifest an earlier run left in `--out`: `cargo xtask publish` starts from
//! the artifacts it recorded (merged into this run's manifest when the run started), each
//! checked against its recorded sha256 and against the plan.

use anyhow::{Result, bail};

use super::FILE_NAME;
use crate::digest;
use crate::release::Release;
use crate::release::plan::Kind;

/// The artifacts a previous run recorded in `--out`, each checked against its recorded sha256
/// and against the plan. A problem leaves the manifest as it was: only the run's own stage
/// records are added to it.
pub fn load_artifacts(r: &mut Release) -> Result<()> {
    let path = r.out.join(FILE_NAME);
    if !path.exists() {
        bail!(
            "{} has no {FILE_NAME}: expected the verified build of {} there; build it with \
             `cargo xtask release --dry-run --out {}` (or download the release workflow's \
             `release` artifact into it)",
            r.out.display(),
            r.plan.tag,
            r.out.display()
        );
    }
    if !r.owns_manifest {
        bail!(
            "{} holds the manifest of another release, not of {}: expected the verified build \
             of {} there; rebuild it with `cargo xtask release --dry-run --out <dir>`",
            path.display(),
            r.plan.tag,
            r.plan.tag
        );
    }
    let recorded = r.manifest.clone();
    let planned: Vec<String> = r.plan.artifacts().into_iter().map(|a| a.file).collect();
    let mut problems = Vec::new();
    for a in &recorded.artifacts {
        if !planned.contains(&a.file) {
            problems.push(format!("{} is not an artifact of {}", a.file, r.plan.tag));
            continue;
        }
        match digest::sha256_file(&r.out.join(&a.file)) {
            Ok((sha256, _)) if sha256 == a.sha256 => {}
            Ok((sha256, _)) => problems.push(format!(
                "{}: sha256 is {sha256}, but the manifest recorded {}",
                a.file, a.sha256
            )),
            Err(e) => problems.push(format!("{}: {e:#}", a.file)),
        }
    }
    let required = r.plan.artifacts().into_iter().filter(|a| a.kind != Kind::Wheel);
    for a in required {
        if !recorded.artifacts.iter().any(|r| r.file == a.file) {
            problems.push(format!("{} is missing", a.file));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the artifacts in {} are not the verified ones:\n  {}\n  rebuild them with \
             `cargo xtask release --dry-run --out {}`",
            r.out.display(),
            problems.join("\n  "),
            r.out.display()
        );
    }
    Ok(())
}
