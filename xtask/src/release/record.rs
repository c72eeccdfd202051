//! The record a run writes: the manifest it builds up — continuing the same release's earlier
//! one, or replacing a rehearsal of another — its warnings, and the summary at the end. Stages
//! get it by `&mut`; nothing else writes the manifest or removes an artifact.

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use super::Run;
use super::manifest::{Artifact, Manifest, PublishRecord, SUMS_FILE_NAME};
use super::outdir::{OutDir, Previous};
use super::summary;
use crate::digest::{self, Sha256};
use crate::files::FileName;
use crate::git::CommitId;
use crate::progress::{self, StageRecord};

#[derive(Debug)]
pub struct Record {
    manifest: Manifest,
    out: std::path::PathBuf,
    /// The files of another run's record that stands in `--out` (another release, or the same
    /// one built at another commit): they are removed, and the record replaced, when this run
    /// records its first artifact. Until then that record is kept as it is — a run that is
    /// refused before building writes nothing over it.
    replaces: Option<Vec<FileName>>,
    /// The commit this run builds at: artifacts of this release built at another one are stale
    /// once this run builds (they are removed then, with their records).
    head: CommitId,
    /// Whether this run changed the artifacts (built one, or took one's record away): only then
    /// is `SHA256SUMS` written again. A run that only publishes leaves the list it was given.
    rebuilt: bool,
    /// `SHA256SUMS` as this run found it in `--out` (the run rewrites it with the manifest):
    /// what the uploads are checked against at the door.
    found_sums: Option<BTreeMap<FileName, Sha256>>,
    /// Its text, whose attestation the publish job verifies.
    found_sums_text: Option<String>,
    warnings: Vec<String>,
}

impl Record {
    pub fn new(run: &Run, previous: Previous, stages: Vec<StageRecord>) -> Result<Record> {
        let head = run.repo.head()?;
        let mut manifest = Manifest::new(&run.plan, run.mode, head.clone());
        let replaces = match previous {
            Previous::Nothing => None,
            Previous::Same(earlier) => {
                // The same release: what the earlier run built (and the commit it built at) and
                // uploaded survives this one.
                manifest.commit = earlier.commit;
                manifest.artifacts = earlier.artifacts;
                manifest.publish = earlier.publish;
                None
            }
            Previous::Other { files } => Some(files),
        };
        manifest.stages = stages;
        let out = run.out.path().to_path_buf();
        let found_sums_text =
            std::fs::read_to_string(out.join(SUMS_FILE_NAME)).ok().filter(|_| replaces.is_none());
        let found_sums = match &found_sums_text {
            Some(text) => Some(digest::parse_sums(text)?.into_iter().collect()),
            None => None,
        };
        let warnings = Vec::new();
        Ok(Record {
            manifest,
            out,
            replaces,
            head,
            rebuilt: false,
            found_sums,
            found_sums_text,
            warnings,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// `SHA256SUMS` as the run found it in `--out` (if there was one), with what this run
    /// built itself.
    pub fn found_sums(&self) -> Option<&BTreeMap<FileName, Sha256>> {
        self.found_sums.as_ref()
    }

    /// The text of `SHA256SUMS` as the run found it in `--out`.
    pub fn found_sums_text(&self) -> Option<&str> {
        self.found_sums_text.as_deref()
    }

    /// Whether `--out` holds another run's record, which this run has not replaced yet.
    pub fn replaces_another(&self) -> bool {
        self.replaces.is_some()
    }

    pub fn warn(&mut self, message: String) {
        eprintln!("warning: {message}");
        self.warnings.push(message);
    }

    pub fn stage_done(&mut self, stage: StageRecord) {
        self.manifest.stages.push(stage);
    }

    /// Writes the manifest and `SHA256SUMS`, unless `--out` still holds another run's record,
    /// which this run has not replaced (never write over a record with less than it held).
    pub fn write(&self) -> Result<()> {
        if self.replaces.is_some() {
            return Ok(());
        }
        let sums = self.rebuilt || self.found_sums_text.is_none();
        self.manifest.write(&self.out, sums).context("write the release manifest")
    }

    /// Before this run builds `file` again: the earlier file and its artifact record go, so
    /// that a failed rebuild never leaves an old file under a record that vouches for it (its
    /// upload record stays: what a registry has does not change with a rebuild). Nothing but
    /// the files a run rebuilds itself is ever removed.
    pub fn rebuild(&mut self, out: &OutDir, file: &FileName) -> Result<()> {
        self.take_over(out)?;
        self.rebuilt = true;
        self.manifest.artifacts.retain(|a| a.file != *file);
        out.remove(file)
    }

    /// Records a built artifact (its file is in `--out` already).
    pub fn add_artifact(&mut self, out: &OutDir, artifact: Artifact) -> Result<()> {
        self.take_over(out)?;
        self.rebuilt = true;
        if let Some(sums) = &mut self.found_sums {
            sums.insert(artifact.file.clone(), artifact.sha256.clone());
        }
        self.manifest.add_artifact(artifact);
        Ok(())
    }

    pub fn set_publish(&mut self, record: PublishRecord) {
        self.manifest.set_publish(record);
    }

    /// Before this run's first artifact: the record of another release in `--out` is replaced
    /// (the files it named removed), and this release's artifacts built at another commit go
    /// (a dist holds the artifacts of one commit).
    fn take_over(&mut self, out: &OutDir) -> Result<()> {
        for file in self.replaces.take().unwrap_or_default() {
            out.remove(&file)?;
        }
        if self.manifest.commit != self.head {
            for stale in std::mem::take(&mut self.manifest.artifacts) {
                out.remove(&stale.file)?;
            }
            self.manifest.commit = self.head.clone();
        }
        Ok(())
    }

    /// Stages, artifacts, warnings and the outcome, on stderr.
    pub fn print_summary(&self, run: &Run, passed: bool) {
        progress::print_summary("stages", &self.manifest.stages);
        eprint!("{}", summary::text(&run.plan, &self.manifest, run.out.path()));
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
        eprintln!("\n{}", summary::outcome(&run.plan, &self.manifest, run.mode, passed));
        if !passed && crate::exec::interrupted().is_none() {
            eprintln!("the manifest in {} records how far it got", run.out.path().display());
        }
    }
}

/// The last stage: the manifest's final state (the stage wrapper writes it once this returns)
/// and, in GitHub Actions, the step summary.
pub fn step_summary(run: &Run, record: &mut Record) -> Result<()> {
    if let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY") {
        let md = summary::markdown(&run.plan, &record.manifest, run.mode);
        let mut previous = std::fs::read_to_string(&path).unwrap_or_default();
        previous.push_str(&md);
        std::fs::write(&path, previous).context("write the GitHub step summary")?;
    }
    Ok(())
}
