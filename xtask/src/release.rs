//! `cargo xtask release`: plan → preflight → gates → package → wheels → verify → manifest →
//! publish → record (DESIGN §3), and the same stages split into the subcommands CI runs one per
//! job (`build`, `verify`, `publish`, `plan`).
//!
//! A dry run is the live run minus the upload. The mode lives in the run context ([`Release`]),
//! never in the plan: every stage computes the same things in both modes, and the mode is read
//! in exactly two places — [`Release::enforce`], the one policy point that turns guard problems
//! into a refusal (live) or warnings (dry run), and the one `match` in the publish stage that
//! rehearses or uploads.

mod build;
mod credentials;
mod decision;
pub mod manifest;
mod notify;
mod outdir;
pub mod plan;
mod preflight;
mod publish;
mod registry;
mod summary;
mod tag;
mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::flags::{self, Destination, Mode};
use crate::host::Host;
use crate::progress::{Progress, StageRecord, Status, format_duration};
use crate::python_env::{Group, PythonEnv};
use crate::workspace::{Workspace, config};
use manifest::Manifest;
use plan::{Plan, PlannedWheel};

/// What the registries already had when preflight looked (read-only).
#[derive(Debug, Default, Clone)]
pub struct Remote {
    /// Every version of each planned crate on the crates registry.
    pub crates: BTreeMap<String, Vec<registry::IndexEntry>>,
    /// Every file of the Python project on the index, with its sha256.
    pub python: BTreeMap<String, Option<String>>,
}

/// Everything one release run works with; each stage reads and extends it.
pub struct Release<'a> {
    pub sh: &'a Shell,
    pub ws: &'a Workspace,
    /// Absolute (made so at the edge, in `flags`).
    pub out: PathBuf,
    /// The run's scratch space under `target/release-staging/`, one per output directory, so
    /// that runs into different `--out`s never share one (it is locked with `--out`).
    pub staging: PathBuf,
    pub mode: Mode,
    pub plan: Plan,
    pub host: Host,
    pub env: PythonEnv,
    /// The dependency groups the environment was synced with (what this command runs).
    pub group: Group,
    pub manifest: Manifest,
    pub remote: Remote,
    pub allow_private_repository: bool,
    pub warnings: Vec<String>,
    /// The sdist's build from source, running since the package stage.
    pub source_build: Option<verify::SourceBuild>,
    /// Files the manifest of another release in `--out` named, which this run replaces: the
    /// only files there, besides its own plan's, that it may remove.
    pub replaced_files: Vec<String>,
    /// Whether the manifest in `--out` is this run's to write: not while it is another
    /// release's that this run has not replaced yet (by building something).
    pub owns_manifest: bool,
    progress: Progress,
    _locks: outdir::Locks,
}

pub use build::target_dir;
pub use credentials::take_secrets;

/// `cargo xtask notify`: the release summary to the webhook in `RELEASE_WEBHOOK_URL`, if set.
pub fn notify(sh: &Shell, ws: &Workspace, cmd: &flags::Notify) -> Result<()> {
    let out = cmd.out.clone().unwrap_or_else(|| ws.root.join("dist"));
    notify::run(sh, ws, &out)
}

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Release) -> Result<()> {
    // The whole pipeline: its gates lint and test, so it needs the whole `dev` group.
    let mut release =
        Release::start(sh, ws, cmd.mode(), &cmd.destination, cmd.out.clone(), Group::Dev)?;
    release.allow_private_repository = cmd.allow_private_repository;
    let result = release.run_stages();
    release.finish(&result, cmd.json)?;
    result
}

/// `cargo xtask publish`: the publish half alone, over artifacts already built and verified in
/// `--out` (how CI publishes what its build matrix made, and how a failed upload is finished).
pub fn publish_only(sh: &Shell, ws: &Workspace, cmd: &flags::Release) -> Result<()> {
    let mut release =
        Release::start(sh, ws, cmd.mode(), &cmd.destination, cmd.out.clone(), Group::Release)?;
    release.allow_private_repository = cmd.allow_private_repository;
    // The recorded artifacts first: every stage rewrites the manifest they are read from.
    let result = release
        .stage("artifacts", manifest::resume::load_artifacts)
        .and_then(|()| release.stage("preflight", preflight::run))
        .and_then(|()| release.stage("publish", publish::run))
        .and_then(|()| release.stage("record", record));
    release.finish(&result, cmd.json)?;
    result
}

/// `cargo xtask build`: what one CI build job makes — the wheels of one target (`--target`),
/// or the crate and the sdist (`--source`) — checked and tested, into `--out`. Builds are the
/// same in both modes, so this runs in the dry-run context: nothing here is irreversible.
pub fn build_only(sh: &Shell, ws: &Workspace, cmd: &flags::Build) -> Result<()> {
    let mut release =
        Release::start(sh, ws, Mode::DryRun, &cmd.destination, cmd.out.clone(), Group::Release)?;
    let result = match &cmd.target {
        Some(triple) => build_target(&mut release, triple, &cmd.python),
        None => release
            .stage("package", build::package)
            .and_then(|()| release.stage("verify", verify::check_source)),
    }
    .and_then(|()| release.stage("manifest", |r| r.write_manifest()));
    release.finish(&result, false)?;
    result
}

/// The wheels of one target, one ABI family after the other: each this runner builds (under CI,
/// every one: its job installs their interpreters), then all checked, then each tested on the
/// builds that install it.
fn build_target(r: &mut Release, triple: &str, pythons: &[String]) -> Result<()> {
    let Some(target) =
        r.plan.wheels.iter().find(|w| w.target.target == triple).map(|w| w.target.clone())
    else {
        let mut known: Vec<&str> = r.plan.wheels.iter().map(|w| w.target.target.as_str()).collect();
        known.dedup();
        bail!("`{triple}` is not a configured wheel target: expected one of {}", known.join(", "));
    };
    let same_os = config::os_of(&r.host.target) == target.os();
    if !r.host.installed_targets.iter().any(|t| t == triple)
        && same_os
        && which::which("rustup").is_ok()
    {
        // A CI runner has rustup but only its host's std: add the target's (for example musl).
        cmd!(r.sh, "rustup target add {triple}").run_to_stderr()?;
        r.host.installed_targets = Host::detect(r.sh)?.installed_targets;
        let (host, support) = (&r.host, r.plan.support);
        for w in r.plan.wheels.iter_mut().filter(|w| w.target.target == triple) {
            w.builder = plan::wheels::builder(host, support, &w.target, w.abi);
        }
    }
    let of_target: Vec<PlannedWheel> =
        r.plan.wheels.iter().filter(|w| w.target.target == triple).cloned().collect();
    let chosen = build::choose(&of_target, build::Runner::from_env(), &r.host, r.plan.support)?;
    let mut runs = Vec::new();
    for w in &chosen {
        let mut tested_on = verify::test_pythons(r, w, &of_target, pythons)?;
        if w.target.target != r.host.target {
            // Assumption: only the host's own target runs here (a musllinux wheel needs a musl
            // libc, which glibc runners lack); such a wheel is still audited, just not tested.
            r.warn(format!(
                "{} is not tested on this host ({}): it cannot run here; auditwheel and abi3audit \
                 still check it",
                w.file, r.host.target
            ));
            tested_on.clear();
        } else if tested_on.is_empty() {
            r.warn(format!("{} is not tested: none of --python installs it", w.file));
        }
        runs.push(verify::WheelTest {
            file: w.file.clone(),
            pythons: tested_on,
            floor: w.serves_oldest,
        });
    }
    r.stage("wheels", |r| chosen.iter().try_for_each(|w| build::build_and_record(r, w)))?;
    r.stage("verify", |r| verify::check_wheels(r, &runs))
}

/// `cargo xtask verify`: the complete artifact set (every build job's output gathered in
/// `--out`) checked against the plan, then the manifest and SHA256SUMS written.
pub fn verify_only(sh: &Shell, ws: &Workspace, cmd: &flags::Verify) -> Result<()> {
    let mut release =
        Release::start(sh, ws, Mode::DryRun, &cmd.destination, cmd.out.clone(), Group::Release)?;
    let result = release
        .stage("verify", verify::run_complete)
        .and_then(|()| release.stage("manifest", |r| r.write_manifest()));
    release.finish(&result, false)?;
    result
}

/// `cargo xtask plan`: the plan alone, as text, JSON or GitHub Actions outputs. Text and JSON
/// say which wheels this host builds, which takes its interpreters (and the project environment
/// that finds them); the GitHub outputs, for CI's fan-out, name no host.
pub fn print_plan(sh: &Shell, ws: &Workspace, cmd: &flags::PlanCmd) -> Result<()> {
    let host = match cmd.format {
        flags::Format::Github => Host::detect(sh)?,
        flags::Format::Text | flags::Format::Json => {
            let env = PythonEnv::ensure(sh, &ws.root, Group::Release)?;
            Host::detect(sh)?.find_pythons(sh, &env, &ws.config)?
        }
    };
    let plan = Plan::new(ws, &host, &cmd.destination)?;
    match cmd.format {
        flags::Format::Text => print!("{}", plan.render_text()),
        flags::Format::Json => println!("{}", serde_json::to_string_pretty(&plan.to_json())?),
        flags::Format::Github => print!("{}", plan.github_outputs()),
    }
    Ok(())
}

/// `cargo xtask check-tag`: what a live release checks of the source before anything runs —
/// HEAD carries the release tag, the tagged commit is on the default branch, the tag is signed
/// when that is required, the notes are there — so that the release workflow's plan job stops a
/// live run from a branch before the fan-out and the approval.
pub fn check_tag(sh: &Shell, ws: &Workspace, cmd: &flags::CheckTag) -> Result<()> {
    let destination = Destination { tag: cmd.tag.clone(), ..Destination::default() };
    let plan = Plan::new(ws, &Host::detect(sh)?, &destination)?;
    let mut problems = tag::problems(sh, &ws.root, &plan.tag, ws.config.signed_tags)?;
    problems.extend(preflight::notes_problem(ws, &plan));
    if !problems.is_empty() {
        bail!("HEAD cannot be released live as {}:\n  - {}", plan.tag, problems.join("\n  - "));
    }
    let signed = if ws.config.signed_tags { ", signed by an allowed signer" } else { "" };
    eprintln!("{} at HEAD is on the default branch{signed}, with its release notes", plan.tag);
    Ok(())
}

/// The last stage: the manifest's final state (the stage wrapper writes it once this returns)
/// and, in GitHub Actions, the step summary.
fn record(r: &mut Release) -> Result<()> {
    if let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY") {
        let md = summary::markdown(&r.plan, &r.manifest, r.mode);
        let mut previous = std::fs::read_to_string(&path).unwrap_or_default();
        previous.push_str(&md);
        std::fs::write(&path, previous).context("write the GitHub step summary")?;
    }
    Ok(())
}

impl<'a> Release<'a> {
    /// The python environment and the plan: what every run starts from.
    fn start(
        sh: &'a Shell,
        ws: &'a Workspace,
        mode: Mode,
        destination: &Destination,
        out: Option<PathBuf>,
        group: Group,
    ) -> Result<Release<'a>> {
        let out = out.unwrap_or_else(|| ws.root.join("dist"));
        let mut progress = Progress::default();
        let started = Release::prepare(sh, ws, mode, destination, &out, group, &mut progress);
        let (locks, staging, env, plan, host, previous) = match started {
            Ok(started) => started,
            Err(err) => {
                progress.print_summary("stages");
                return Err(err);
            }
        };
        if let Ok(mut hint) = crate::exec::RESUME_HINT.lock() {
            *hint = Some(format!(
                "the manifest in {} records how far the run got; run the same command again to \
                 resume (what is already published is skipped)",
                out.display()
            ));
        }
        let head = cmd!(sh, "git rev-parse HEAD").quiet().read().unwrap_or_default();
        let mut manifest = Manifest::new(&plan, mode, &head);
        if let Some(earlier) = previous.manifest {
            // The same release: what the earlier run built and uploaded survives this one.
            manifest.commit = earlier.commit;
            manifest.artifacts = earlier.artifacts;
            manifest.publish = earlier.publish;
        }
        manifest.stages = progress.records.clone();
        let owns_manifest = previous.replaced_files.is_empty();
        Ok(Release {
            sh,
            ws,
            out,
            staging,
            mode,
            plan,
            host,
            env,
            group,
            manifest,
            remote: Remote::default(),
            allow_private_repository: false,
            warnings: Vec::new(),
            source_build: None,
            replaced_files: previous.replaced_files,
            owns_manifest,
            progress,
            _locks: locks,
        })
    }

    /// The stages before the run context exists: the output directory (checked and locked
    /// before anything else, so a bad `--out` is refused before any work), the project
    /// environment, and the plan with what `--out` already holds.
    fn prepare(
        sh: &Shell,
        ws: &Workspace,
        mode: Mode,
        destination: &Destination,
        out: &Path,
        group: Group,
        progress: &mut Progress,
    ) -> Result<(outdir::Locks, PathBuf, PythonEnv, Plan, Host, outdir::Previous)> {
        let key = crate::digest::sha256_hex(out.to_string_lossy().as_bytes());
        let staging = build::target_dir(&ws.root).join("release-staging").join(&key[..12]);
        let locks = progress.stage("output", || outdir::open(sh, &ws.root, out, &staging))?;
        let env = progress.stage("python env", || PythonEnv::ensure(sh, &ws.root, group))?;
        env.activate(sh);
        let (plan, host, previous) = progress.stage("plan", || {
            let host = Host::detect(sh)?.find_pythons(sh, &env, &ws.config)?;
            let plan = Plan::new(ws, &host, destination)?;
            let previous = outdir::previous(out, &plan)?;
            Ok((plan, host, previous))
        })?;
        eprint!("{}", plan.render_text());
        eprintln!("  mode            {}", mode.as_str());
        Ok((locks, staging, env, plan, host, previous))
    }

    fn run_stages(&mut self) -> Result<()> {
        self.stage("preflight", preflight::run)?;
        self.stage("gates", build::gates)?;
        self.stage("package", build::package)?;
        self.source_build = Some(verify::SourceBuild::start(self));
        self.stage("wheels", build::wheels)?;
        self.stage("verify", verify::run)?;
        self.stage("manifest", |r| r.write_manifest())?;
        self.stage("publish", publish::run)?;
        self.stage("record", record)
    }

    /// Runs one stage: a status line before and after, the manifest rewritten after it, also
    /// when it failed.
    fn stage(&mut self, name: &str, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        eprintln!("==> {name}");
        let start = Instant::now();
        let result = f(self);
        let duration = start.elapsed();
        let status = if result.is_ok() { Status::Passed } else { Status::Failed };
        let mark = if result.is_ok() { "ok" } else { "FAILED" };
        eprintln!("{mark} {name} ({})", format_duration(duration));
        let record = StageRecord { name: name.to_owned(), status, duration };
        self.progress.records.push(record.clone());
        self.manifest.stages.push(record);
        self.write_manifest()?;
        // No "stage X failed" around the error: the FAILED line and the summary above it say
        // which stage, and the message itself is what a person needs to read.
        result
    }

    /// Writes the manifest and `SHA256SUMS`, unless `--out` still holds another release's,
    /// which this run has not replaced (never write over a record with less than it held).
    pub fn write_manifest(&self) -> Result<()> {
        if !self.owns_manifest {
            return Ok(());
        }
        self.manifest.write(&self.out).context("write the release manifest")
    }

    /// The one policy point: what would stop a live release stops it here, with every problem
    /// at once; a dry run — the rehearsal that exists to find them — warns and goes on.
    pub fn enforce(&mut self, refusal: &str, problems: Vec<String>) -> Result<()> {
        match self.mode {
            Mode::Live if problems.is_empty() => Ok(()),
            Mode::Live => bail!("{refusal}:\n  - {}", problems.join("\n  - ")),
            Mode::DryRun => {
                for p in problems {
                    self.warn(format!("a live release would refuse: {p}"));
                }
                Ok(())
            }
        }
    }

    pub fn warn(&mut self, message: String) {
        eprintln!("warning: {message}");
        self.warnings.push(message);
    }

    /// The summary at the end: stages, artifacts and uploads; JSON on stdout when asked.
    fn finish(&mut self, result: &Result<()>, json: bool) -> Result<()> {
        self.write_manifest()?;
        self.progress.print_summary("stages");
        eprint!("{}", summary::text(&self.plan, &self.manifest, &self.out));
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
        eprintln!("\n{}", summary::outcome(&self.plan, &self.manifest, self.mode, result.is_ok()));
        if result.is_err() && crate::exec::interrupted().is_none() {
            eprintln!("the manifest in {} records how far it got", self.out.display());
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&self.manifest.to_json())?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::flags::{Cli, Command};
    use crate::host::Host;

    use super::*;

    /// The mode is not an input of the plan: `--live` and `--dry-run` with the same destination
    /// plan the same release.
    #[test]
    fn the_dry_run_plans_what_the_live_run_plans() {
        let ws = Workspace::load(&crate::project::root()).unwrap();
        let host = Host::fixture("x86_64-unknown-linux-gnu", &["x86_64-unknown-linux-gnu"]);
        let plan_of = |args: &[&str]| {
            let Command::Release(release) = Cli::parse_from(args).command else { unreachable!() };
            (release.mode(), Plan::new(&ws, &host, &release.destination).unwrap())
        };
        let (dry, dry_plan) = plan_of(&["x", "release", "--dry-run", "--crates-registry", "r"]);
        let (live, live_plan) = plan_of(&["x", "release", "--live", "--crates-registry", "r"]);
        assert_eq!((dry, live), (Mode::DryRun, Mode::Live));
        assert_eq!(dry_plan, live_plan);
    }
}
