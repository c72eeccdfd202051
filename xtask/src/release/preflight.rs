//! Preflight: everything that can be known before building — tools, version coherence, the
//! state of the tree and the tag, credentials, the repository's visibility, and what the
//! registries already have. Read-only.
//!
//! Every guard is computed in both modes; [`Run::enforce`] then refuses a live run with all
//! problems at once, before anything is built, and turns them into warnings in a dry run.

use anyhow::{Result, bail};
use serde_json::Value;

use super::decision::{self, Decided, Published};
use super::manifest::SUMS_FILE_NAME;
use super::plan::Builder;
use super::{Record, Run, build, credentials, verify};
use crate::version;
use crate::{changelog, pep440};
use crate::{digest, shell};

pub fn run(run: &Run, record: &mut Record) -> Result<Published> {
    tools(run)?;
    // A bad SOURCE_DATE_EPOCH stops every build, so it is an error in both modes, found here
    // rather than after the gates.
    build::source_date_epoch(&run.repo)?;
    let given = run.plan.tag_given.then_some(run.plan.tag.as_str());
    version::collect(run.sh, run.ws, given)?.check()?;
    let mut problems = tree_and_tag(run)?;
    problems.extend(notes_problem(run.ws, &run.plan));
    problems.extend(credentials::missing(
        !run.plan.crates.is_empty(),
        &run.plan.crates_registry,
        &run.plan.pypi_url,
    ));
    problems.extend(private_repository(run.allow_private_repository));
    // What needs no network first: a refusal for a dirty tree or missing credentials should
    // not wait for (or fail on) a registry.
    run.enforce(record, REFUSED, problems)?;
    let published = registry_state(run)?;
    let mut problems = credentials_accepted(run)?;
    problems.extend(against_published(run, &published));
    run.enforce(record, REFUSED, problems)?;
    Ok(published)
}

/// The guards that need the artifacts, checked after they are built (or, for `cargo xtask
/// publish`, read back) and before the first upload: every artifact this run answers for is
/// there, the bytes are the verified ones and what is inside them is what the plan makes, no
/// file goes under a published name with other bytes, the crates are reproduced at HEAD, and
/// trusted publishing works.
pub fn before_upload(run: &Run, record: &mut Record, decided: &[Decided]) -> Result<()> {
    let mut problems = missing_artifacts(run, record);
    let door = verify::at_the_door(run, record, record.found_sums())?;
    if !door.is_empty() {
        let out = run.out.path().display();
        let arg = shell::quote(run.out.path());
        problems.push(format!(
            "the artifacts in {out} are not the verified ones:\n    {}\n  rebuild them \
             (`cargo xtask release --dry-run --out {arg}`), or download the release workflow's \
             artifacts again",
            door.join("\n    ")
        ));
    }
    problems.extend(decision::conflicts(decided));
    problems.extend(the_verified_bytes(run, record)?);
    let uploads: Vec<_> = decided
        .iter()
        .filter(|d| {
            d.kind != super::plan::Kind::Crate && d.decision == super::manifest::Decision::Upload
        })
        .map(|d| run.out.file(&d.file))
        .collect();
    problems.extend(run.python_index().trusted_publishing_problem(&uploads)?);
    if run.require_attestation {
        problems.extend(attestation_problem(run, record)?);
    }
    run.enforce(record, "refusing to publish (nothing was uploaded)", problems)
}

/// The build-provenance attestation of `SHA256SUMS` as the run found it: made by this
/// repository's release workflow, at this commit. With the door check (every file's sha256 is
/// the one that list gives), a file swapped after the attest job — and its record rewritten to
/// match — is refused.
fn attestation_problem(run: &Run, record: &Record) -> Result<Option<String>> {
    let Some(text) = record.found_sums_text() else {
        return Ok(Some(format!(
            "{} has no {SUMS_FILE_NAME}: expected the attested list of the verified files",
            run.out.path().display()
        )));
    };
    let Some(repo) = run.ws.github_repository() else {
        return Ok(Some(
            "cannot tell the repository whose workflow must have attested \
             SHA256SUMS: expected GITHUB_REPOSITORY or a github.com `repository`"
                .into(),
        ));
    };
    let sums = run.staging.join(SUMS_FILE_NAME);
    std::fs::write(&sums, text).map_err(|e| crate::files::cannot_write(e, &sums))?;
    let (sums, workflow) =
        (sums.to_string_lossy(), format!("{repo}/.github/workflows/release.yml"));
    let commit = run.repo.head()?.to_string();
    let args = ["attestation", "verify", &sums, "--repo", &repo, "--signer-workflow", &workflow];
    let out = crate::gh::output(run.sh, &[&args[..], &["--source-digest", &commit]].concat(), "")?;
    if out.status.success() {
        eprintln!("    {SUMS_FILE_NAME} is attested by {workflow} at {}", &commit[..10]);
        return Ok(None);
    }
    Ok(Some(format!(
        "the {SUMS_FILE_NAME} in {} is not attested by {workflow} at {commit}: {}; expected the \
         attest job's attestation of the verified files; publish the artifacts the verify job \
         made, from the same run",
        run.out.path().display(),
        super::registry::last_words(&String::from_utf8_lossy(&out.stderr), 2)
    )))
}

/// The plan decides what a publish must hold, never the manifest: locally every artifact this
/// host builds, in GitHub Actions (the publish job, over every build job's output) all of them.
/// Each missing one is named with the command that builds it.
fn missing_artifacts(run: &Run, record: &Record) -> Vec<String> {
    let everything = credentials::in_github_actions();
    let out = run.out.path().display();
    let arg = shell::quote(run.out.path());
    run.plan
        .artifacts
        .iter()
        .filter(|a| everything || a.builder == Builder::Host)
        .filter(|a| record.manifest().artifact(&a.file).is_none())
        .map(|a| {
            let build = match a.target {
                Some(target) => format!("cargo xtask build --target {target} --out {arg}"),
                None => format!("cargo xtask build --source --out {arg}"),
            };
            format!(
                "{} is missing from {out}: expected every artifact this run publishes (the plan's \
                 {}); build it (`{build}`), or download the release workflow's artifacts into it",
                a.file,
                if everything { "whole set" } else { "host-built ones" }
            )
        })
        .collect()
}

/// `cargo publish` packages the crate again from the working tree (it cannot upload a file;
/// rust-lang/cargo#12747), so before any upload: the artifacts must have been built from HEAD,
/// and packaging HEAD again must make byte for byte the crates that were verified. Both hold in
/// a release that built its own artifacts and left the tree alone; a dist from another commit
/// (a moved tag, another run's download) or another cargo fails them, before anything is sent.
fn the_verified_bytes(run: &Run, record: &Record) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let (head, built_at) = (run.repo.head()?, &record.manifest().commit);
    let out = run.out.path().display();
    let arg = shell::quote(run.out.path());
    if *built_at != head {
        problems.push(format!(
            "the artifacts in {out} were built at commit {}, but HEAD is {}: expected to publish \
             from the commit they were built from, since cargo publish packages the working \
             tree; check out {} (`git checkout {built_at}`), or rebuild at HEAD (`cargo xtask \
             release --dry-run --out {arg}`)",
            built_at.short(),
            head.short(),
            built_at.short(),
        ));
    }
    let reproduce = run.staging.join("reproduce");
    eprintln!("    packaging HEAD again to compare with the verified crates");
    for path in build::package_crates(run, &reproduce, build::Packaging::PackOnly)? {
        let file = crate::files::FileName::of(&path)?;
        let (ours, _) = digest::sha256_file(&path)?;
        let Some(verified) = record.manifest().artifact(&file) else {
            continue;
        };
        if ours != verified.sha256 {
            problems.push(format!(
                "cargo package at HEAD makes {file} with sha256 {ours}, but the verified one has \
                 sha256 {}: cargo publish would upload other bytes than were verified; publish \
                 from the commit and with the toolchain (rust-toolchain.toml) they were built \
                 with, or rebuild them (`cargo xtask release --dry-run --out {arg}`)",
                verified.sha256,
            ));
        }
    }
    Ok(problems)
}

/// The credentials that are there, shown to the endpoints that will receive the uploads with a
/// request that cannot store anything: a wrong password is found here, before the first upload,
/// not after the crate went out. (Without credentials there is nothing to show: a dry run
/// needs none, and a live run was refused above.)
fn credentials_accepted(run: &Run) -> Result<Vec<String>> {
    let version = run.plan.version.to_string();
    let krate = match run.plan.crates.first() {
        Some(first) => Some((run.crate_registry()?.api_url()?, first.name.clone())),
        None => None,
    };
    let crates = krate.as_ref().map(|(api, name)| {
        (run.plan.crates_registry.as_str(), api.as_str(), name.as_str(), version.as_str())
    });
    credentials::probe(run.sh, &run.env.python(), crates, &run.plan.pypi_url)
}

const REFUSED: &str = "live release refused in preflight, before any upload";

/// Every external tool the release runs, probed once and reported together.
fn tools(run: &Run) -> Result<()> {
    let mut missing = Vec::new();
    for (tool, hint) in [
        ("cargo", "install Rust with rustup (https://rustup.rs)"),
        ("rustc", "install Rust with rustup (https://rustup.rs)"),
        ("git", "install git (Debian/Ubuntu: `apt-get install git`)"),
    ] {
        if which::which(tool).is_err() {
            missing.push(format!("{tool}: not on PATH; {hint}"));
        }
    }
    for tool in run.group.tools(run.host.target.contains("-linux-")) {
        let path = run.env.bin(tool);
        if !path.exists() {
            // The environment was just synced with uv.lock, so syncing again changes nothing:
            // a tool missing now was removed by hand (uv still thinks it installed) or is not in
            // the lock at all.
            missing.push(format!(
                "{tool}: expected {} from the `dev` dependency group of uv.lock, which the \
                 project environment was just synced with; recreate the environment (`rm -rf \
                 {}`, then re-run: the next command builds it again), or, if uv.lock lacks it, \
                 add it (`.venv/bin/uv add --dev {tool}`)",
                path.display(),
                shell::quote(run.env.dir())
            ));
        }
    }
    if !missing.is_empty() {
        bail!("missing tools:\n  {}", missing.join("\n  "));
    }
    Ok(())
}

/// A dirty tree, and the release tag's problems (see [`super::tag`]).
fn tree_and_tag(run: &Run) -> Result<Vec<String>> {
    let dirty = run.repo.dirty_files()?;
    let mut problems = Vec::new();
    if !dirty.is_empty() {
        let files: Vec<&str> = dirty.iter().take(10).map(String::as_str).collect();
        problems.push(format!(
            "the working tree is dirty: expected a clean checkout of the commit to release, \
             found changes in:\n    {}\n  commit or stash them (`git stash --include-untracked`)",
            files.join("\n    ")
        ));
    }
    problems.extend(super::tag::problems(&run.repo, &run.plan.tag, run.ws.config.signed_tags)?);
    Ok(problems)
}

/// The notes become the GitHub Release, made after the uploads: a missing, undated or empty
/// section must stop the release before them, not after.
pub fn notes_problem(ws: &crate::workspace::Workspace, plan: &super::plan::Plan) -> Option<String> {
    let path = &ws.config.changelog;
    let notes =
        ws.changelog().and_then(|c| changelog::release_notes(c, path, &plan.version.to_string()));
    notes.err().map(|e| format!("{e:#}"))
}

/// In GitHub Actions, a private repository must not publish (its code would go public) unless
/// explicitly allowed. The event payload says whether it is private.
fn private_repository(allowed: bool) -> Option<String> {
    if !credentials::in_github_actions() || allowed {
        return None;
    }
    let fix = "publishing from a private repository makes its code public; if that is intended, \
               pass `--allow-private-repository`";
    let Ok(path) = std::env::var("GITHUB_EVENT_PATH") else {
        return Some(format!(
            "cannot tell whether the repository is private: GITHUB_EVENT_PATH is not set; {fix}"
        ));
    };
    let event: Option<Value> =
        std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
    match event.as_ref().and_then(|e| e["repository"]["private"].as_bool()) {
        Some(false) => None,
        Some(true) => {
            let name = event
                .as_ref()
                .and_then(|e| e["repository"]["full_name"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "the repository".to_owned());
            Some(format!(
                "{name} is private (from the event payload {path}): expected a public repository; {fix}"
            ))
        }
        None => Some(format!(
            "cannot tell whether the repository is private: {path} has no repository.private; {fix}"
        )),
    }
}

/// What the registries already have of this release (read-only), for the publish stage.
fn registry_state(run: &Run) -> Result<Published> {
    let published = Published::read(&run.crate_registry()?, &run.python_index(), &run.plan)?;
    let version = run.plan.version.to_string();
    let mut already: Vec<String> = Vec::new();
    for c in &run.plan.crates {
        if published.crates[&c.name].iter().any(|e| e.version == version) {
            already.push(format!("{} {version} on {}", c.name, run.plan.crates_registry));
        }
    }
    for a in &run.plan.artifacts {
        if published.python.contains_key(&a.file) {
            already.push(format!("{} on {}", a.file, run.plan.pypi_index));
        }
    }
    if !already.is_empty() {
        eprintln!(
            "    already published: {}; the publish stage skips identical files and refuses \
             different ones",
            already.join(", ")
        );
    }
    Ok(published)
}

/// The version must be newer than the newest one released (the same version is a re-run, and
/// allowed).
fn against_published(run: &Run, published: &Published) -> Vec<String> {
    let plan = &run.plan;
    let mut problems = Vec::new();
    for (name, entries) in &published.crates {
        let newest = entries.iter().filter_map(|e| semver::Version::parse(&e.version).ok()).max();
        if let Some(newest) = newest.filter(|n| *n > plan.version) {
            problems.push(format!(
                "{name} {newest} is already on {}: expected {} to be newer than every published \
                 version; bump with `cargo xtask bump`",
                plan.crates_registry, plan.version
            ));
        }
    }
    let ours = pep440::sort_key(&plan.python_version);
    let dist = crate::workspace::pyproject::normalize_dist_name(&plan.python_name);
    let newest = published
        .python
        .keys()
        .filter_map(|f| pep440::version_in_file_name(f.as_str(), &dist))
        .filter_map(|v| Some((pep440::sort_key(v)?, v.to_owned())))
        .max();
    if let (Some(ours), Some((key, version))) = (ours, newest)
        && key > ours
    {
        problems.push(format!(
            "{} {version} is already on {}: expected {} to be newer; bump with \
                 `cargo xtask bump`",
            plan.python_name, plan.pypi_index, plan.python_version
        ));
    }
    problems
}
