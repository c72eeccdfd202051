//! `cargo xtask release`: plan → preflight → gates → package → wheels → verify → manifest →
//! publish → record (docs/design.md §3), and the same stages split into the subcommands CI runs
//! one per job (`build`, `verify`, `publish`, `plan`).
//!
//! A dry run is the live run minus the upload. Each stage is a function of the immutable
//! [`Run`] — workspace, plan, paths, mode, host, tools — passed by `&`, and of the [`Record`] —
//! the manifest being written — passed by `&mut`, as cargo-dist passes `&DistGraph` and
//! `&mut DistManifest`: its signature says what it reads and what it writes, and what one stage
//! hands the next (what the registries have, the sdist's build from source) is a value it
//! returns. The mode is read in two places only: [`Run::enforce`], the one policy point that
//! turns guard problems into a refusal (live) or warnings (dry run), and the one `match` in the
//! publish stage that rehearses or uploads.

mod build;
mod credentials;
pub mod decision;
pub mod manifest;
mod notify;
mod outdir;
pub mod plan;
mod preflight;
mod publish;
mod record;
pub mod registry;
mod summary;
mod tag;
mod verify;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::flags::{self, Destination, Mode};
use crate::git::Repo;
use crate::host::Host;
use crate::progress::{Progress, StageRecord, Status, format_duration};
use crate::python_env::{Group, PythonEnv};
use crate::workspace::{Workspace, config};
use outdir::OutDir;
use plan::{Plan, PlannedWheel};
pub use record::Record;
use registry::crates::CrateRegistry;
use registry::pypi::PythonIndex;

/// What one release run works with, fixed when it starts: every stage reads it, none changes it.
pub struct Run<'a> {
    pub sh: &'a Shell,
    pub ws: &'a Workspace,
    pub repo: Repo<'a>,
    pub mode: Mode,
    pub plan: Plan,
    pub host: Host,
    pub env: PythonEnv,
    /// The dependency groups the environment was synced with (what this command runs).
    pub group: Group,
    /// The output directory, absolute and locked for the run.
    pub out: OutDir,
    /// The run's scratch space under `target/release-staging/`, one per output directory, so
    /// that runs into different `--out`s never share one (it is locked with `--out`).
    pub staging: PathBuf,
    pub allow_private_repository: bool,
    pub require_attestation: bool,
}

/// How a command starts its run.
struct Start<'c> {
    mode: Mode,
    destination: &'c Destination,
    out: Option<PathBuf>,
    group: Group,
    allow_private_repository: bool,
    require_attestation: bool,
    /// The wheel target a `build --target` job builds: its Rust std is added first (with rustup,
    /// on a runner of the same OS), so that the plan sees the host as it will build.
    target: Option<&'c str>,
}

pub use build::target_dir;
pub use credentials::take_secrets;

/// `cargo xtask notify`: the release summary to the webhook in `RELEASE_WEBHOOK_URL`, if set.
pub fn notify(sh: &Shell, ws: &Workspace, cmd: &flags::Notify) -> Result<()> {
    let out = cmd.out.clone().unwrap_or_else(|| ws.root.join("dist"));
    notify::run(sh, ws, &cmd.destination, &out)
}

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Release) -> Result<()> {
    // The whole pipeline: its gates lint and test, so it needs the whole `dev` group.
    let start = Start { group: Group::Dev, ..Start::from_args(cmd) };
    let (run, mut record) = Run::start(sh, ws, start)?;
    let result = run.all_stages(&mut record);
    run.finish(&mut record, &result, cmd.json)?;
    result
}

/// `cargo xtask publish`: the publish half alone, over artifacts already built and verified in
/// `--out` (how CI publishes what its build matrix made, and how a failed upload is finished).
pub fn publish_only(sh: &Shell, ws: &Workspace, cmd: &flags::Release) -> Result<()> {
    let (run, mut record) = Run::start(sh, ws, Start::from_args(cmd))?;
    let result = run
        .stage(&mut record, "artifacts", publish::recorded_artifacts)
        .and_then(|()| run.stage(&mut record, "preflight", preflight::run))
        .and_then(|published| {
            run.stage(&mut record, "publish", |run, record| publish::run(run, record, &published))
        })
        .and_then(|()| run.stage(&mut record, "record", record::step_summary));
    run.finish(&mut record, &result, cmd.json)?;
    result
}

/// `cargo xtask build`: what one CI build job makes — the wheels of one target (`--target`),
/// or the crate and the sdist (`--source`) — checked and tested, into `--out`. Builds are the
/// same in both modes, so this runs in the dry-run context: nothing here is irreversible.
pub fn build_only(sh: &Shell, ws: &Workspace, cmd: &flags::Build) -> Result<()> {
    let start =
        Start { target: cmd.target.as_deref(), ..Start::ci_job(&cmd.destination, &cmd.out) };
    let (run, mut record) = Run::start(sh, ws, start)?;
    let result = match &cmd.target {
        Some(triple) => build_target(&run, &mut record, triple, &cmd.python),
        None => run
            .stage(&mut record, "package", build::package)
            .and_then(|()| run.stage(&mut record, "verify", verify::check_source)),
    }
    .and_then(|()| run.stage(&mut record, "manifest", |_, record| record.write()));
    run.finish(&mut record, &result, false)?;
    result
}

/// The wheels of one target, one ABI family after the other: each this runner builds (under CI,
/// every one: its job installs their interpreters), then all checked, then each tested on the
/// builds that install it.
fn build_target(run: &Run, record: &mut Record, triple: &str, pythons: &[String]) -> Result<()> {
    let of_target = run.plan.wheels_of(triple)?;
    let chosen = build::choose(&of_target, build::Runner::from_env(), &run.host, run.plan.support)?;
    let mut runs = Vec::new();
    for w in &chosen {
        let mut tested_on = verify::test_pythons(run, w, &of_target, pythons)?;
        if !w.runs_here {
            // Assumption: only the host's own target runs here (a musllinux wheel needs a musl
            // libc, which glibc runners lack); such a wheel is still audited, just not tested.
            record.warn(format!(
                "{} is not tested on this host ({}): it cannot run here; auditwheel and abi3audit \
                 still check it",
                w.file, run.host.target
            ));
            tested_on.clear();
        } else if tested_on.is_empty() {
            record.warn(format!("{} is not tested: none of --python installs it", w.file));
        }
        runs.push(verify::WheelTest {
            file: w.file.clone(),
            pythons: tested_on,
            floor: w.serves_oldest,
        });
    }
    run.stage(record, "wheels", |run, record| {
        chosen.iter().try_for_each(|w| build::wheel(run, record, w))
    })?;
    run.stage(record, "verify", |run, record| verify::check_wheels(run, record, &runs))
}

/// `cargo xtask verify`: the complete artifact set (every build job's output gathered in
/// `--out`) checked against the plan, then the manifest and SHA256SUMS written.
pub fn verify_only(sh: &Shell, ws: &Workspace, cmd: &flags::Verify) -> Result<()> {
    let (run, mut record) = Run::start(sh, ws, Start::ci_job(&cmd.destination, &cmd.out))?;
    let result = run
        .stage(&mut record, "verify", verify::run_complete)
        .and_then(|()| run.stage(&mut record, "manifest", |_, record| record.write()));
    run.finish(&mut record, &result, false)?;
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
        flags::Format::Json => print!("{}", crate::json::pretty(&plan)?),
        flags::Format::Github => print!("{}", plan.github_outputs()?),
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
    let mut problems = tag::problems(&Repo::at(sh, &ws.root), &plan.tag, ws.config.signed_tags)?;
    problems.extend(preflight::notes_problem(ws, &plan));
    if !problems.is_empty() {
        bail!("HEAD cannot be released live as {}:\n  - {}", plan.tag, problems.join("\n  - "));
    }
    let signed = if ws.config.signed_tags { ", signed by an allowed signer" } else { "" };
    eprintln!("{} at HEAD is on the default branch{signed}, with its release notes", plan.tag);
    if let Some(repo) = ws.github_repository() {
        match crate::gh::immutable_releases(sh, &repo) {
            Ok(true) => eprintln!("{repo} has immutable releases on"),
            Ok(false) => eprintln!(
                "warning: {repo} has immutable releases off: a published GitHub Release's assets \
                 and tag can still be changed; turn them on (RELEASING.md, \"Immutable releases\")"
            ),
            Err(why) => {
                eprintln!("warning: cannot tell whether {repo} has immutable releases on: {why}")
            }
        }
    }
    Ok(())
}

impl<'c> Start<'c> {
    fn from_args(cmd: &'c flags::Release) -> Start<'c> {
        Start {
            mode: cmd.mode(),
            destination: &cmd.destination,
            out: cmd.out.clone(),
            group: Group::Release,
            allow_private_repository: cmd.allow_private_repository,
            require_attestation: cmd.require_attestation,
            target: None,
        }
    }

    /// A CI job that builds or verifies (`build`, `verify`): nothing it does is irreversible,
    /// so it runs in the dry-run context.
    fn ci_job(destination: &'c Destination, out: &Option<PathBuf>) -> Start<'c> {
        Start {
            mode: Mode::DryRun,
            destination,
            out: out.clone(),
            group: Group::Release,
            allow_private_repository: false,
            require_attestation: false,
            target: None,
        }
    }
}

impl<'a> Run<'a> {
    /// The output directory (checked and locked before anything else, so a bad `--out` is
    /// refused before any work), the project environment, the plan, and the record this run
    /// continues or replaces. Its stages are in the summary even when one fails.
    fn start(sh: &'a Shell, ws: &'a Workspace, start: Start) -> Result<(Run<'a>, Record)> {
        let mut progress = Progress::default();
        let run = Run::prepare(sh, ws, &start, &mut progress);
        let (run, previous) = match run {
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
                run.out.path().display()
            ));
        }
        let record = Record::new(&run, previous, progress.records)?;
        Ok((run, record))
    }

    fn prepare(
        sh: &'a Shell,
        ws: &'a Workspace,
        start: &Start,
        progress: &mut Progress,
    ) -> Result<(Run<'a>, outdir::Previous)> {
        let repo = Repo::at(sh, &ws.root);
        let out = start.out.clone().unwrap_or_else(|| ws.root.join("dist"));
        let key = crate::digest::sha256(out.to_string_lossy().as_bytes());
        let staging = build::target_dir(&ws.root).join("release-staging").join(&key.short()[..12]);
        let out = progress.stage("output", || OutDir::open(&repo, &out, &staging))?;
        let env = progress.stage("python env", || PythonEnv::ensure(sh, &ws.root, start.group))?;
        env.activate(sh);
        let (plan, host, previous) = progress.stage("plan", || {
            let host = host_for(sh, start.target)?.find_pythons(sh, &env, &ws.config)?;
            let plan = Plan::new(ws, &host, start.destination)?;
            let previous = out.previous(&plan)?;
            Ok((plan, host, previous))
        })?;
        eprint!("{}", plan.render_text());
        eprintln!("  mode            {}", start.mode.as_str());
        let run = Run {
            sh,
            ws,
            repo,
            mode: start.mode,
            plan,
            host,
            env,
            group: start.group,
            out,
            staging,
            allow_private_repository: start.allow_private_repository,
            require_attestation: start.require_attestation,
        };
        Ok((run, previous))
    }

    fn all_stages(&self, record: &mut Record) -> Result<()> {
        let published = self.stage(record, "preflight", preflight::run)?;
        self.stage(record, "gates", build::gates)?;
        self.stage(record, "package", build::package)?;
        let from_source = verify::SourceBuild::start(self);
        self.stage(record, "wheels", build::wheels)?;
        self.stage(record, "verify", |run, record| verify::run(run, record, from_source))?;
        self.stage(record, "manifest", |_, record| record.write())?;
        self.stage(record, "publish", |run, record| publish::run(run, record, &published))?;
        self.stage(record, "record", record::step_summary)
    }

    /// Runs one stage: a status line before and after, the manifest rewritten after it, also
    /// when it failed.
    fn stage<T>(
        &self,
        record: &mut Record,
        name: &str,
        f: impl FnOnce(&Run, &mut Record) -> Result<T>,
    ) -> Result<T> {
        eprintln!("==> {name}");
        let start = Instant::now();
        let result = f(self, record);
        let duration = start.elapsed();
        let status = if result.is_ok() { Status::Passed } else { Status::Failed };
        let mark = if result.is_ok() { "ok" } else { "FAILED" };
        eprintln!("{mark} {name} ({})", format_duration(duration));
        record.stage_done(StageRecord { name: name.to_owned(), status, duration });
        record.write()?;
        // No "stage X failed" around the error: the FAILED line and the summary above it say
        // which stage, and the message itself is what a person needs to read.
        result
    }

    /// The one policy point: what would stop a live release stops it here, with every problem
    /// at once; a dry run — the rehearsal that exists to find them — warns and goes on.
    pub fn enforce(&self, record: &mut Record, refusal: &str, problems: Vec<String>) -> Result<()> {
        enforce(self.mode, refusal, problems, |p| record.warn(p))
    }

    /// The cargo registry the crates go to.
    pub fn crate_registry(&self) -> Result<CrateRegistry<'a>> {
        CrateRegistry::open(self.sh, self.env.python(), &self.ws.root, &self.plan.crates_registry)
    }

    /// The Python index the sdist and wheels go to.
    pub fn python_index(&self) -> PythonIndex<'a> {
        let endpoints = (self.plan.pypi_url.as_str(), self.plan.pypi_index.as_str());
        let (python, uv) = (self.env.python(), self.env.bin("uv"));
        PythonIndex::new(self.sh, python, uv, endpoints, &self.plan.python_name)
    }

    /// The summary at the end: stages, artifacts and uploads; JSON on stdout when asked.
    fn finish(&self, record: &mut Record, result: &Result<()>, json: bool) -> Result<()> {
        record.write()?;
        record.print_summary(self, result.is_ok());
        if json {
            print!("{}", record.manifest().to_json()?);
        }
        Ok(())
    }
}

/// The dry-run policy every command with a dry run shares: live refuses with every problem at
/// once (after `refusal`, which says what was refused and that nothing was done), a dry run
/// passes each problem to `warn` as "a live run would refuse: …" and goes on.
pub fn enforce(
    mode: Mode,
    refusal: &str,
    problems: Vec<String>,
    mut warn: impl FnMut(String),
) -> Result<()> {
    match mode {
        Mode::Live if problems.is_empty() => Ok(()),
        Mode::Live => bail!("{refusal}:\n  - {}", problems.join("\n  - ")),
        Mode::DryRun => {
            for p in problems {
                warn(format!("a live run would refuse: {p}"));
            }
            Ok(())
        }
    }
}

/// The host as a build of `target` will see it: on a CI runner of the target's OS that has
/// rustup but only its own std (a musl target on a glibc runner, say), the target's std is
/// added first, so that the plan — made once, never patched — can build it here.
fn host_for(sh: &Shell, target: Option<&str>) -> Result<Host> {
    let host = Host::detect(sh)?;
    let Some(triple) = target.and_then(config::Triple::parse) else {
        return Ok(host);
    };
    let installed = host.installed_targets.iter().any(|t| t == triple.as_str());
    let same_os = config::os_of(&host.target) == triple.os();
    if installed || !same_os || which::which("rustup").is_err() {
        return Ok(host);
    }
    let triple = triple.as_str();
    cmd!(sh, "rustup target add {triple}").run_to_stderr()?;
    Host::detect(sh)
}

impl Plan {
    /// The wheels of `triple`, one per ABI family, or a refusal listing the configured targets.
    fn wheels_of(&self, triple: &str) -> Result<Vec<PlannedWheel>> {
        let of_target: Vec<PlannedWheel> =
            self.wheels.iter().filter(|w| w.target.target.as_str() == triple).cloned().collect();
        if of_target.is_empty() {
            let known: Vec<&str> = self.targets.iter().map(|t| t.target.as_str()).collect();
            bail!(
                "`{triple}` is not a configured wheel target: expected one of {}",
                known.join(", ")
            );
        }
        Ok(of_target)
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
