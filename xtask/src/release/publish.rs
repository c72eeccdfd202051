//! Publish: the point of no return, reached only after every guard has passed.
//!
//! Both modes decide first, from the same code ([`decision::decide`]), what happens to each
//! artifact — upload it (absent), skip it (present with the same sha256) or refuse the release
//! (present with other bytes) — print the decisions and record them; then the guards that need
//! the artifacts run ([`preflight::before_upload`]). Then the one `match` on the mode: a dry run
//! rehearses every upload; a live run delivers each file — crates first, in dependency order —
//! through its registry's interface ([`super::registry`]) with one driver for both: decided
//! again from the registry before each attempt, uploaded, retried while the registry's answer
//! says it may pass, and recorded `published` only once the registry lists it with our sha256.
//! The manifest records each upload as it happens, so a re-run after any failure finishes the
//! job, and never publishes twice.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::decision::{self, Decided, Published};
use super::manifest::{Decision, FILE_NAME, PublishRecord, PublishStatus};
use super::plan::Kind;
use super::preflight;
use super::registry::crates::CrateRegistry;
use super::registry::pypi::PythonIndex;
use super::registry::{Listed, Outcome};
use super::{Record, Run, verify};
use crate::flags::Mode;

/// How many times one file is offered to its registry.
const ATTEMPTS: u32 = 4;

/// `cargo xtask publish` starts from the record of a verified build in `--out`: this release's
/// (the artifacts' bytes and completeness are checked before the first upload, with the
/// guards).
pub fn recorded_artifacts(run: &Run, record: &mut Record) -> Result<()> {
    let out = run.out.path().display();
    if !run.out.path().join(FILE_NAME).exists() {
        bail!(
            "{out} has no {FILE_NAME}: expected the verified build of {} there; build it with \
             `cargo xtask release --dry-run --out {}` (or download the release workflow's \
             `release` artifact into it)",
            run.plan.tag,
            crate::shell::quote(run.out.path()),
        );
    }
    if record.replaces_another() {
        bail!(
            "{out}/{FILE_NAME} is the record of another release, not of {}: expected the \
             verified build of {} there; rebuild it with `cargo xtask release --dry-run --out \
             <dir>`",
            run.plan.tag,
            run.plan.tag
        );
    }
    Ok(())
}

pub fn run(run: &Run, record: &mut Record, published: &Published) -> Result<()> {
    let decided = decision::decide(&run.plan, &record.manifest().artifacts, published);
    eprintln!("    what a live release does with each file:");
    eprint!("{}", decision::table(&decided));
    let (crates, index) = (run.crate_registry()?, run.python_index());
    let to = |d: &Decided| To::of(run, &crates, &index, d);
    for d in &decided {
        set_status(record, d, &to(d), PublishStatus::Pending);
    }
    record.write()?;
    preflight::before_upload(run, record, &decided)?;
    match run.mode {
        Mode::DryRun => rehearse(run, record, &decided, &crates, &index),
        Mode::Live => {
            for d in &decided {
                let status = match d.decision {
                    Decision::Skip => Ok(PublishStatus::Skipped),
                    Decision::Upload => deliver(&to(d), d),
                    Decision::Refuse => unreachable!("refusals stop the release before any upload"),
                };
                let recorded = *status.as_ref().unwrap_or(&PublishStatus::Failed);
                eprintln!("    {}: {}", d.file, recorded.as_str());
                set_status(record, d, &to(d), recorded);
                record.write()?;
                status?;
            }
            install_from_index(run, record)
        }
    }
}

/// Where one file goes: a crate to the cargo registry, a Python file to the index.
enum To<'r, 'a> {
    Crate { registry: &'r CrateRegistry<'a>, name: String, version: String },
    Python { index: &'r PythonIndex<'a>, path: PathBuf, version: String },
}

impl<'r, 'a> To<'r, 'a> {
    fn of(
        run: &Run,
        crates: &'r CrateRegistry<'a>,
        index: &'r PythonIndex<'a>,
        d: &Decided,
    ) -> Self {
        match d.kind {
            Kind::Crate => {
                let planned = run.plan.crates.iter().find(|c| c.file == d.file);
                let name = planned.map_or_else(|| d.file.to_string(), |c| c.name.clone());
                To::Crate { registry: crates, name, version: run.plan.version.to_string() }
            }
            Kind::Sdist | Kind::Wheel => To::Python {
                index,
                path: run.out.file(&d.file),
                version: run.plan.python_version.clone(),
            },
        }
    }

    fn label(&self) -> String {
        match self {
            To::Crate { registry, .. } => format!("the cargo registry `{}`", registry.name),
            To::Python { index, .. } => index.upload_url.clone(),
        }
    }

    fn listed(&self, d: &Decided) -> Result<Listed> {
        match self {
            To::Crate { registry, name, version } => registry.listed(name, version, &d.sha256),
            To::Python { index, .. } => index.listed(&d.file, &d.sha256),
        }
    }

    fn upload(&self, limit: Duration) -> Result<Outcome> {
        match self {
            To::Crate { registry, name, .. } => registry.upload(name, limit),
            To::Python { index, path, .. } => index.upload(path, limit),
        }
    }

    /// Where a user finds the file once it is published.
    fn page(&self) -> String {
        match self {
            To::Crate { registry, name, version } => registry.page(name, version),
            To::Python { index, version, .. } => index.page(version),
        }
    }
}

/// One file to its registry. Under a lock every release run on this machine shares for this
/// file, the registry is asked before each attempt whether it has the file already — the same
/// bytes are done (`skipped` when no attempt of ours sent them), other bytes burn the version —
/// then the file is uploaded; an answer that may pass (none, 429, 5xx, an upload held without
/// an answer) is retried with back-off, anything else stops the release with the registry's
/// words. Uploaded means `published` only once the registry lists it with our sha256.
fn deliver(to: &To, d: &Decided) -> Result<PublishStatus> {
    let _lock = upload_lock(&to.label(), d)?;
    let patience = Patience::from_env();
    let mut delay = Duration::from_secs(2);
    let mut sent = false;
    for attempt in 1..=ATTEMPTS {
        match to.listed(d)? {
            Listed::Same if sent => return Ok(PublishStatus::Published),
            Listed::Same => return Ok(PublishStatus::Skipped),
            Listed::Other(theirs) => return Err(burnt(to, d, theirs.as_ref())),
            Listed::Absent => {}
        }
        let outcome = to.upload(patience.upload)?;
        sent = true;
        let why = match outcome {
            Outcome::Uploaded => {
                return read_back(to, d, &patience).map(|()| PublishStatus::Published);
            }
            Outcome::AlreadyThere => {
                read_back(to, d, &patience)?;
                return Ok(PublishStatus::Skipped);
            }
            Outcome::Transient(why) => why,
            Outcome::RejectedCredentials(why) => bail!(
                "{} rejected the credentials for {} ({why}): expected them accepted, as the \
                 preflight check found; set valid ones and re-run the release: it skips what \
                 is already published",
                to.label(),
                d.file
            ),
            Outcome::Rejected(why) => match to.listed(d)? {
                // A registry that refuses a second upload (crates.io) says so in its own
                // words; the listing decides.
                Listed::Same => return Ok(PublishStatus::Skipped),
                Listed::Other(theirs) => return Err(burnt(to, d, theirs.as_ref())),
                Listed::Absent => bail!(
                    "{} refused {}: {why}; once the cause is fixed, re-run the release: it skips \
                     what is already published",
                    to.label(),
                    d.file
                ),
            },
        };
        if attempt == ATTEMPTS {
            bail!(
                "{} did not take {} in {ATTEMPTS} attempts (last: {why}); once it answers, \
                 re-run the release: it skips what is already published",
                to.label(),
                d.file
            );
        }
        eprintln!("    {}: {why}; asking again in {}s", d.file, delay.as_secs());
        crate::exec::sleep(delay)?;
        delay *= 2;
    }
    unreachable!("the last attempt returns")
}

/// The registry lists the file with other bytes than ours.
fn burnt(to: &To, d: &Decided, theirs: Option<&crate::digest::Sha256>) -> anyhow::Error {
    anyhow::anyhow!(
        "{} lists {} with sha256 {}, but ours is {}: that version is burnt on it (a published \
         file can never be replaced); release a new version (`cargo xtask bump patch`), or \
         rebuild exactly the published commit",
        to.label(),
        d.file,
        theirs.map_or("(not given by the index)", |s| s.as_str()),
        d.sha256
    )
}

/// Waits until the registry lists the file; it must list our sha256.
fn read_back(to: &To, d: &Decided, patience: &Patience) -> Result<()> {
    let started = Instant::now();
    loop {
        match to.listed(d)? {
            Listed::Same => return Ok(()),
            Listed::Other(theirs) => bail!(
                "{} lists {} with sha256 {} after the upload, expected {}: the published file is \
                 not the verified one",
                to.label(),
                d.file,
                theirs.as_ref().map_or("(none given)", |s| s.as_str()),
                d.sha256
            ),
            Listed::Absent if started.elapsed() >= patience.read_back => bail!(
                "{} took the upload of {} but does not list it within {}s: expected it listed \
                 with sha256 {}; check the registry, then re-run the release: it skips what is \
                 there",
                to.label(),
                d.file,
                patience.read_back.as_secs(),
                d.sha256
            ),
            Listed::Absent => crate::exec::sleep(Duration::from_secs(3))?,
        }
    }
}

/// How long a registry is waited for.
///
/// - An upload without an answer is given up on (and retried) after 120 s: the largest file is
///   a few MiB, which any working link sends in seconds, and PyPI and crates.io answer an
///   upload within seconds of receiving it; a registry that holds the connection longer is
///   not going to answer (a proxy that lost the upstream, a stalled server).
/// - A file the registry took must be listed within 300 s: PyPI lists uploads at once;
///   crates.io's index can lag by a minute or two.
///
/// `XTASK_UPLOAD_TIMEOUT` and `XTASK_READ_BACK_TIMEOUT` (seconds) override them, for a slow
/// registry — and for the tests of a stalling one.
struct Patience {
    upload: Duration,
    read_back: Duration,
}

impl Patience {
    fn from_env() -> Patience {
        let seconds = |var: &str, default: u64| {
            let given = std::env::var(var).ok().and_then(|v| v.parse().ok());
            Duration::from_secs(given.unwrap_or(default))
        };
        Patience {
            upload: seconds("XTASK_UPLOAD_TIMEOUT", 120),
            read_back: seconds("XTASK_READ_BACK_TIMEOUT", 300),
        }
    }
}

/// An exclusive lock, for every release run on this machine, on uploading `d` to `registry`:
/// two runs from different `--out` directories would otherwise both see the file absent and
/// both send it. The second waits, then finds it on the registry.
fn upload_lock(registry: &str, d: &Decided) -> Result<File> {
    let key = crate::digest::sha256(format!("{registry}\n{}", d.file).as_bytes());
    let path = std::env::temp_dir().join(format!("xtask-upload-{}.lock", key.short()));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("open the upload lock {}", path.display()))?;
    if file.try_lock().is_err() {
        eprintln!("    {}: another release run is uploading it; waiting for it", d.file);
        file.lock().with_context(|| format!("lock {}", path.display()))?;
    }
    Ok(file)
}

/// Everything live would upload, checked by the tools that would upload it, without sending.
fn rehearse(
    run: &Run,
    record: &mut Record,
    decided: &[Decided],
    crates: &CrateRegistry,
    index: &PythonIndex,
) -> Result<()> {
    for d in decided.iter().filter(|d| d.kind == Kind::Crate && d.decision == Decision::Upload) {
        let To::Crate { name, .. } = To::of(run, crates, index, d) else { continue };
        crates.rehearse(&name)?;
    }
    let uploads: Vec<PathBuf> = decided
        .iter()
        .filter(|d| d.kind != Kind::Crate && d.decision == Decision::Upload)
        .map(|d| run.out.file(&d.file))
        .collect();
    index.rehearse(&uploads)?;
    for d in decided {
        // What a dry run did with a file: rehearsed its upload, or nothing (a skip, or a
        // refusal that a live run would stop at).
        let status = match d.decision {
            Decision::Upload => PublishStatus::Rehearsed,
            Decision::Skip => PublishStatus::Skipped,
            Decision::Refuse => PublishStatus::Pending,
        };
        set_status(record, d, &To::of(run, crates, index, d), status);
    }
    Ok(())
}

/// After publishing: the wheel this host runs, installed from the index (not from disk) into a
/// fresh environment and imported — what a user's `pip install` will get.
fn install_from_index(run: &Run, record: &Record) -> Result<()> {
    let recorded = |file| record.manifest().artifact(file).is_some();
    if run.plan.wheels.iter().any(|w| w.runs_here && recorded(&w.file)) {
        verify::install_from_index(run)?;
    }
    Ok(())
}

fn set_status(record: &mut Record, d: &Decided, to: &To, status: PublishStatus) {
    record.set_publish(PublishRecord {
        file: d.file.clone(),
        registry: d.registry.clone(),
        decision: d.decision,
        status,
        url: Some(to.page()),
    });
}
