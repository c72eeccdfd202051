//! Preflight: everything that can be known before building — tools, version coherence, the
//! state of the tree and the tag, credentials, the repository's visibility, and what the
//! registries already have. Read-only.
//!
//! Every guard is computed in both modes; [`Release::enforce`] then refuses a live run with all
//! problems at once, before anything is built, and turns them into warnings in a dry run.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::cmd;

use super::{Release, Remote, credentials, registry};
use crate::version;
use crate::{changelog, pep440};

pub fn run(r: &mut Release) -> Result<()> {
    tools(r)?;
    // A bad SOURCE_DATE_EPOCH stops every build, so it is an error in both modes, found here
    // rather than after the gates.
    super::build::source_date_epoch(r.sh)?;
    let given = r.plan.tag_given.then_some(r.plan.tag.as_str());
    version::collect(r.sh, r.ws, given)?.check()?;
    let mut problems = tree_and_tag(r)?;
    problems.extend(notes_problem(r.ws, &r.plan));
    problems.extend(credentials::missing(
        !r.plan.crates.is_empty(),
        &r.plan.crates_registry,
        &r.plan.pypi_url,
    ));
    problems.extend(private_repository(r.allow_private_repository));
    // What needs no network first: a refusal for a dirty tree or missing credentials should
    // not wait for (or fail on) a registry.
    r.enforce(REFUSED, problems)?;
    registry_state(r)?;
    let mut problems = credentials_accepted(r)?;
    problems.extend(against_published(r));
    r.enforce(REFUSED, problems)
}

/// The credentials that are there, shown to the endpoints that will receive the uploads with a
/// request that cannot store anything: a wrong password is found here, before the first upload,
/// not after the crate went out. (Without credentials there is nothing to show: a dry run
/// needs none, and a live run was refused above.)
fn credentials_accepted(r: &Release) -> Result<Vec<String>> {
    let python = r.env.python();
    let version = r.plan.version.to_string();
    let krate = match r.plan.crates.first() {
        Some(first) => {
            let location = registry::index_location(&r.ws.root, &r.plan.crates_registry)?;
            Some((registry::api_url(r.sh, &python, &location)?, first.name.clone()))
        }
        None => None,
    };
    let crates = krate.as_ref().map(|(api, name)| {
        (r.plan.crates_registry.as_str(), api.as_str(), name.as_str(), version.as_str())
    });
    credentials::probe(r.sh, &python, crates, &r.plan.pypi_url)
}

const REFUSED: &str = "live release refused in preflight, before any upload";

/// Every external tool the release runs, probed once and reported together.
fn tools(r: &mut Release) -> Result<()> {
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
    for tool in r.group.tools(r.host.target.contains("-linux-")) {
        let path = r.env.bin(tool);
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
                r.env.dir().display()
            ));
        }
    }
    if !missing.is_empty() {
        bail!("missing tools:\n  {}", missing.join("\n  "));
    }
    Ok(())
}

/// A dirty tree, and the release tag's problems (see [`super::tag`]).
fn tree_and_tag(r: &mut Release) -> Result<Vec<String>> {
    let status = cmd!(r.sh, "git status --porcelain --untracked-files=normal").quiet().read()?;
    let mut problems = Vec::new();
    if !status.trim().is_empty() {
        let files: Vec<&str> = status.lines().take(10).collect();
        problems.push(format!(
            "the working tree is dirty: expected a clean checkout of the commit to release, \
             found changes in:\n    {}\n  commit or stash them (`git stash --include-untracked`)",
            files.join("\n    ")
        ));
    }
    problems.extend(super::tag::problems(r.sh, &r.ws.root, &r.plan.tag, r.ws.config.signed_tags)?);
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

/// What the registries already have of this release (read-only); kept for the publish stage.
fn registry_state(r: &mut Release) -> Result<()> {
    let python = r.env.python();
    let location = registry::index_location(&r.ws.root, &r.plan.crates_registry)?;
    let mut remote = Remote::default();
    for c in &r.plan.crates {
        let entries =
            registry::crate_versions(r.sh, &python, &location, &c.name).with_context(|| {
                format!(
                    "cannot read what the cargo registry `{}` already has (set it with \
                     --crates-registry)",
                    r.plan.crates_registry
                )
            })?;
        remote.crates.insert(c.name.clone(), entries);
    }
    remote.python = registry::python_files(r.sh, &python, &r.plan.pypi_index, &r.plan.python_name)
        .with_context(|| {
            format!(
                "cannot read what the Python index {} already has (set it with --pypi-index)",
                r.plan.pypi_index
            )
        })?;
    let version = r.plan.version.to_string();
    let mut already: Vec<String> = Vec::new();
    for c in &r.plan.crates {
        if remote.crates[&c.name].iter().any(|e| e.version == version) {
            already.push(format!("{} {version} on {}", c.name, r.plan.crates_registry));
        }
    }
    for a in r.plan.artifacts() {
        if remote.python.contains_key(&a.file) {
            already.push(format!("{} on {}", a.file, r.plan.pypi_index));
        }
    }
    r.remote = remote;
    if !already.is_empty() {
        eprintln!(
            "    already published: {}; the publish stage skips identical files and refuses \
             different ones",
            already.join(", ")
        );
    }
    Ok(())
}

/// The version must be newer than the newest one released (the same version is a re-run, and
/// allowed).
fn against_published(r: &Release) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, entries) in &r.remote.crates {
        let newest = entries.iter().filter_map(|e| semver::Version::parse(&e.version).ok()).max();
        if let Some(newest) = newest.filter(|n| *n > r.plan.version) {
            problems.push(format!(
                "{name} {newest} is already on {}: expected {} to be newer than every published \
                 version; bump with `cargo xtask bump`",
                r.plan.crates_registry, r.plan.version
            ));
        }
    }
    let ours = pep440::sort_key(&r.plan.python_version);
    let dist = crate::workspace::pyproject::normalize_dist_name(&r.plan.python_name);
    let newest = r
        .remote
        .python
        .keys()
        .filter_map(|f| pep440::version_in_file_name(f, &dist))
        .filter_map(|v| Some((pep440::sort_key(v)?, v.to_owned())))
        .max();
    if let (Some(ours), Some((key, version))) = (ours, newest)
        && key > ours
    {
        problems.push(format!(
            "{} {version} is already on {}: expected {} to be newer; bump with \
                 `cargo xtask bump`",
            r.plan.python_name, r.plan.pypi_index, r.plan.python_version
        ));
    }
    problems
}
