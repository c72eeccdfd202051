//! `cargo xtask release`: plan → preflight → gates → package → wheels → verify → manifest →
//! publish → record (DESIGN §3).
//!
//! A dry run is the live run minus the upload: every reversible step runs for real, and the
//! single branch on [`Mode`] sits at the point of no return, in the publish stage.

mod build;
pub mod config;
pub mod manifest;
pub mod plan;
mod preflight;
mod publish;
mod registry;
mod verify;
mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::progress::{Progress, StageRecord, Status, format_duration};
use crate::{flags, project, python_env::PythonEnv};
use manifest::Manifest;
use plan::{Host, Plan, Request};

/// Dry run or live: chosen once, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    DryRun,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry-run",
            Mode::Live => "live",
        }
    }
}

/// What the registries already had when preflight looked (read-only).
#[derive(Debug, Default)]
pub struct Remote {
    /// Every version of each planned crate on the crates registry.
    pub crates: BTreeMap<String, Vec<registry::IndexEntry>>,
    /// Every file of the Python project on the index, with its sha256.
    pub python: BTreeMap<String, Option<String>>,
}

/// Everything one release run works with; each stage reads and extends it.
pub struct Release<'a> {
    pub sh: &'a Shell,
    pub root: PathBuf,
    pub out: PathBuf,
    pub plan: Plan,
    pub host: Host,
    pub env: PythonEnv,
    pub manifest: Manifest,
    pub remote: Remote,
    pub allow_private_repository: bool,
    pub warnings: Vec<String>,
    /// The sdist's build from source, running since the package stage.
    pub source_build: Option<verify::SourceBuild>,
    progress: Progress,
}

pub fn run(sh: &Shell, cmd: &flags::Release) -> Result<()> {
    let mut release =
        Release::start(sh, cmd.out.clone(), &cmd.request(), cmd.allow_private_repository)?;
    let result = release.run_stages();
    release.finish(&result, cmd.json)?;
    result
}

/// `cargo xtask publish`: the publish half alone, over artifacts already built and verified in
/// `--out` (how CI publishes what its build matrix made, and how a failed upload is finished).
pub fn publish_only(sh: &Shell, cmd: &flags::Release) -> Result<()> {
    let mut release =
        Release::start(sh, cmd.out.clone(), &cmd.request(), cmd.allow_private_repository)?;
    // The recorded artifacts first: every stage rewrites the manifest they are read from.
    let result = release
        .stage("artifacts", load_artifacts)
        .and_then(|()| release.stage("preflight", preflight::run))
        .and_then(|()| release.stage("publish", publish::run))
        .and_then(|()| release.stage("record", |_| Ok(())));
    release.finish(&result, cmd.json)?;
    result
}

/// `cargo xtask build`: what one CI build job makes — one wheel (`--target`), or the crate and
/// the sdist (`--source`) — checked and tested, into `--out`.
pub fn build_only(sh: &Shell, cmd: &flags::Build) -> Result<()> {
    let mut release =
        Release::start(sh, cmd.out.clone(), &cmd.release.request(Mode::DryRun), false)?;
    let result = match &cmd.target {
        Some(triple) => build_one_wheel(&mut release, triple, &cmd.python),
        None => release
            .stage("package", build::package)
            .and_then(|()| release.stage("verify", verify::check_source)),
    }
    .and_then(|()| release.stage("manifest", |r| r.manifest.write(&r.out)));
    release.finish(&result, false)?;
    result
}

fn build_one_wheel(r: &mut Release, triple: &str, pythons: &[String]) -> Result<()> {
    let Some(wheel) = r.plan.wheels.iter().find(|w| w.target.target == triple).cloned() else {
        let known: Vec<&str> = r.plan.wheels.iter().map(|w| w.target.target.as_str()).collect();
        bail!("`{triple}` is not a configured wheel target: expected one of {}", known.join(", "));
    };
    let same_os = config::os_of(&r.host.target) == wheel.target.os();
    if wheel.builder != plan::Builder::Host && same_os && which::which("rustup").is_ok() {
        // A CI runner has rustup but only its host's std: add the target's (for example musl).
        cmd!(r.sh, "rustup target add {triple}").run_to_stderr()?;
        let host = workspace::host(r.sh)?;
        if host.installed_targets.iter().any(|t| t == triple) {
            r.host = host;
            r.plan.wheels.iter_mut().filter(|w| w.target.target == triple).for_each(|w| {
                w.builder = plan::Builder::Host;
            });
        }
    }
    let wheel = r.plan.wheels.iter().find(|w| w.target.target == triple).cloned().unwrap_or(wheel);
    if wheel.builder != plan::Builder::Host {
        bail!(
            "{triple} cannot be built on this host ({}): expected its Rust std installed and the \
             same OS; it builds natively on the `{}` runner",
            r.host.target,
            wheel.target.runner
        );
    }
    let mut pythons =
        if pythons.is_empty() { wheel.target.python.clone() } else { pythons.to_vec() };
    if wheel.target.target != r.host.target {
        // Assumption: only the host's own target runs here (a musllinux wheel needs a musl
        // libc, which glibc runners lack); such a wheel is still audited, just not tested.
        r.warn(format!(
            "{} is not tested on this host ({}): it cannot run here; auditwheel and abi3audit \
             still check it",
            wheel.file, r.host.target
        ));
        pythons.clear();
    }
    r.stage("wheels", |r| build::build_and_record(r, &wheel))?;
    r.stage("verify", |r| verify::check_wheel(r, &wheel.file, &pythons))
}

/// `cargo xtask verify`: the complete artifact set (every build job's output gathered in
/// `--out`) checked against the plan, then the manifest and SHA256SUMS written.
pub fn verify_only(sh: &Shell, cmd: &flags::Verify) -> Result<()> {
    let mut release =
        Release::start(sh, cmd.out.clone(), &cmd.release.request(Mode::DryRun), false)?;
    let result = release
        .stage("verify", verify::run_complete)
        .and_then(|()| release.stage("manifest", |r| r.manifest.write(&r.out)));
    release.finish(&result, false)?;
    result
}

/// The artifacts a previous run recorded in `--out`, each checked against its recorded sha256
/// and against the plan.
fn load_artifacts(r: &mut Release) -> Result<()> {
    let path = r.out.join(manifest::FILE_NAME);
    let recorded = Manifest::read(&path)?;
    let planned: Vec<String> = r.plan.artifacts().into_iter().map(|a| a.file).collect();
    let mut problems = Vec::new();
    for a in &recorded.artifacts {
        if !planned.contains(&a.file) {
            problems.push(format!("{} is not an artifact of {}", a.file, r.plan.tag));
            continue;
        }
        match manifest::hash_file(&r.out.join(&a.file)) {
            Ok((sha256, _)) if sha256 == a.sha256 => {}
            Ok((sha256, _)) => problems.push(format!(
                "{}: sha256 is {sha256}, but the manifest recorded {}",
                a.file, a.sha256
            )),
            Err(e) => problems.push(format!("{}: {e:#}", a.file)),
        }
    }
    let required = r.plan.artifacts().into_iter().filter(|a| a.kind != plan::Kind::Wheel);
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
    r.manifest.artifacts = recorded.artifacts;
    Ok(())
}

/// `cargo xtask plan`: the plan alone, as text, JSON or GitHub Actions outputs.
pub fn print_plan(sh: &Shell, cmd: &flags::PlanCmd) -> Result<()> {
    let (plan, _) = plan_release(sh, &project::root(), &cmd.target.request(Mode::DryRun))?;
    match cmd.format {
        flags::Format::Text => print!("{}", plan.render_text()),
        flags::Format::Json => println!("{}", serde_json::to_string_pretty(&plan.to_json())?),
        flags::Format::Github => print!("{}", plan.github_outputs()),
    }
    Ok(())
}

/// Reads the workspace and host facts and computes the plan.
pub fn plan_release(sh: &Shell, root: &Path, request: &Request) -> Result<(Plan, Host)> {
    let workspace = workspace::load(root)?;
    let host = workspace::host(sh)?;
    let plan = Plan::new(&workspace, &host, request)?;
    Ok((plan, host))
}

impl<'a> Release<'a> {
    /// The python environment and the plan: what every run starts from.
    fn start(
        sh: &'a Shell,
        out: Option<PathBuf>,
        request: &Request,
        allow_private_repository: bool,
    ) -> Result<Release<'a>> {
        let root = project::root();
        let out = out.unwrap_or_else(|| root.join("dist"));
        let mut progress = Progress::default();
        let env = progress.stage("python env", || PythonEnv::ensure(sh, &root))?;
        env.activate(sh);
        let (plan, host) = progress.stage("plan", || plan_release(sh, &root, request))?;
        eprint!("{}", plan.render_text());
        let commit = cmd!(sh, "git rev-parse HEAD").quiet().read().unwrap_or_default();
        let mut manifest = Manifest::new(&plan, &commit);
        manifest.stages = progress.records.clone();
        Ok(Release {
            sh,
            root,
            out,
            plan,
            host,
            env,
            manifest,
            remote: Remote::default(),
            allow_private_repository,
            warnings: Vec::new(),
            source_build: None,
            progress,
        })
    }

    fn run_stages(&mut self) -> Result<()> {
        self.stage("preflight", preflight::run)?;
        self.stage("gates", build::gates)?;
        self.stage("package", build::package)?;
        self.source_build = Some(verify::SourceBuild::start(self));
        self.stage("wheels", build::wheels)?;
        self.stage("verify", verify::run)?;
        self.stage("manifest", |r| r.manifest.write(&r.out))?;
        self.stage("publish", publish::run)?;
        self.stage("record", |_| Ok(()))
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
        self.manifest.write(&self.out).context("write the release manifest")?;
        result.with_context(|| format!("release stage `{name}` failed"))
    }

    pub fn warn(&mut self, message: String) {
        eprintln!("warning: {message}");
        self.warnings.push(message);
    }

    /// The summary at the end: stages, artifacts and uploads; JSON on stdout when asked.
    fn finish(&mut self, result: &Result<()>, json: bool) -> Result<()> {
        self.manifest.write(&self.out)?;
        self.progress.print_summary("stages");
        let summary = self.summary_table();
        eprintln!("\nartifacts ({})\n{summary}", self.out.display());
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
        match result {
            Ok(()) => eprintln!(
                "\n{} {} {}: every stage passed",
                self.plan.mode.as_str(),
                self.plan.tag,
                if self.plan.mode == Mode::DryRun { "rehearsed" } else { "released" }
            ),
            Err(_) => eprintln!(
                "\n{} {} failed; the manifest in {} records how far it got",
                self.plan.mode.as_str(),
                self.plan.tag,
                self.out.display()
            ),
        }
        if let Ok(path) = std::env::var("GITHUB_STEP_SUMMARY") {
            let md = self.markdown_summary();
            let mut previous = std::fs::read_to_string(&path).unwrap_or_default();
            previous.push_str(&md);
            std::fs::write(&path, previous).context("write the GitHub step summary")?;
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&self.manifest.to_json())?);
        }
        Ok(())
    }

    fn rows(&self) -> Vec<[String; 5]> {
        let mut rows = Vec::new();
        for a in &self.manifest.artifacts {
            let status = self
                .manifest
                .publish
                .iter()
                .find(|p| p.file == a.file)
                .map_or("built", |p| p.status.as_str());
            rows.push([
                a.file.clone(),
                a.kind.as_str().to_owned(),
                human_size(a.size),
                a.sha256.get(..12).unwrap_or_default().to_owned(),
                status.to_owned(),
            ]);
        }
        for w in self.plan.wheels.iter().filter(|w| w.builder == plan::Builder::Ci) {
            rows.push([
                w.file.clone(),
                "wheel".into(),
                "-".into(),
                "-".into(),
                "built in CI".into(),
            ]);
        }
        rows
    }

    fn summary_table(&self) -> String {
        let rows = self.rows();
        let width = rows.iter().map(|r| r[0].len()).max().unwrap_or(8);
        rows.iter()
            .map(|r| {
                format!("  {:<width$}  {:<5}  {:>9}  {:<12}  {}\n", r[0], r[1], r[2], r[3], r[4])
            })
            .collect()
    }

    fn markdown_summary(&self) -> String {
        let mut md = format!(
            "### geodist {} ({})\n\n| artifact | kind | size | sha256 | status |\n|---|---|---|---|---|\n",
            self.plan.tag,
            self.plan.mode.as_str()
        );
        for r in self.rows() {
            md.push_str(&format!("| `{}` | {} | {} | `{}` | {} |\n", r[0], r[1], r[2], r[3], r[4]));
        }
        md
    }
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
