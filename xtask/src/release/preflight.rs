//! Preflight: everything that can be known before building — tools, version coherence, the
//! state of the tree and the tag, credentials, and what the registries already have. Read-only.
//!
//! In a dry run a guard that fails is a warning; in a live run every failed guard is collected
//! and the release is refused before anything is built.

use anyhow::{Context, Result, bail};
use xshell::cmd;

use super::registry;
use super::{Mode, Release, Remote};

pub fn run(r: &mut Release) -> Result<()> {
    tools(r)?;
    let given = r.plan.tag_given.then_some(r.plan.tag.as_str());
    let report = crate::version::collect(r.sh, &r.root, given)?;
    report.check()?;
    let mut problems = tree_and_tag(r)?;
    problems.extend(super::publish::guards(r));
    refuse_or_warn(r, problems)?;
    registry_state(r)?;
    let problems = super::publish::against_published(r);
    refuse_or_warn(r, problems)
}

/// Live: refuse with every problem at once. Dry run: warn, since a rehearsal is exactly the
/// place to find them.
fn refuse_or_warn(r: &mut Release, problems: Vec<String>) -> Result<()> {
    match r.plan.mode {
        Mode::DryRun => {
            for p in problems {
                r.warn(format!("{p} (a live release would refuse)"));
            }
            Ok(())
        }
        Mode::Live if problems.is_empty() => Ok(()),
        Mode::Live => {
            bail!("live release refused before building anything:\n  - {}", problems.join("\n  - "))
        }
    }
}

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
    let mut venv_tools =
        vec!["maturin", "uv", "twine", "check-wheel-contents", "abi3audit", "pytest", "ruff"];
    if r.host.target.contains("-linux-") {
        venv_tools.extend(["auditwheel", "python-zig"]);
    }
    for tool in venv_tools {
        let path = r.env.bin(tool);
        if !path.exists() {
            missing.push(format!(
                "{tool}: expected {} from the `dev` dependency group; run `.venv/bin/uv sync \
                 --locked` (or add it to pyproject.toml and `uv lock`)",
                path.display()
            ));
        }
    }
    if !missing.is_empty() {
        bail!("missing tools:\n  {}", missing.join("\n  "));
    }
    Ok(())
}

/// A dirty tree, and HEAD without the release tag.
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
    let head = cmd!(r.sh, "git rev-parse HEAD").quiet().read()?;
    let tag_ref = format!("refs/tags/{}^{{commit}}", r.plan.tag);
    let tagged =
        cmd!(r.sh, "git rev-parse --quiet --verify {tag_ref}").quiet().ignore_status().read()?;
    let tag = &r.plan.tag;
    if tagged.trim().is_empty() {
        problems.push(format!(
            "tag {tag} does not exist: expected HEAD ({}) to carry it; create it with \
             `git tag -a {tag} -m {tag}`",
            short(&head)
        ));
    } else if tagged.trim() != head.trim() {
        problems.push(format!(
            "tag {tag} points at {}, not at HEAD ({}): check out the tagged commit \
             (`git checkout {tag}`) or move the tag",
            short(&tagged),
            short(&head)
        ));
    }
    Ok(problems)
}

/// What the registries already have of this release (read-only); kept for the publish stage.
fn registry_state(r: &mut Release) -> Result<()> {
    let python = r.env.python();
    let location = registry::index_location(&r.root, &r.plan.crates_registry)?;
    let mut remote = Remote::default();
    for c in &r.plan.crates {
        let entries =
            registry::crate_versions(r.sh, &python, &location, &c.name).with_context(|| {
                format!(
                    "read what the cargo registry `{}` already has (set it with \
                     --crates-registry)",
                    r.plan.crates_registry
                )
            })?;
        remote.crates.insert(c.name.clone(), entries);
    }
    remote.python = registry::python_files(r.sh, &python, &r.plan.pypi_index, &r.plan.python_name)
        .with_context(|| {
            format!(
                "read what the Python index {} already has (set it with --pypi-index)",
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
        let message = format!(
            "already published: {}; a live release skips identical files and refuses \
             different ones",
            already.join(", ")
        );
        match r.plan.mode {
            Mode::DryRun => r.warn(message),
            Mode::Live => eprintln!("    {message}"),
        }
    }
    Ok(())
}

fn short(sha: &str) -> &str {
    sha.trim().get(..10).unwrap_or(sha)
}
