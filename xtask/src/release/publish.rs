//! Publish: the point of no return. A dry run rehearses every upload (`cargo publish --dry-run`,
//! `uv publish --dry-run`) and records it as `rehearsed`; nothing is sent.

use crate::exec::CmdExt;
use anyhow::{Context, Result, bail};
use xshell::cmd;

use super::manifest::{PublishRecord, PublishStatus};
use super::plan::{CRATES_IO, Kind};
use super::{Mode, Release};

pub fn run(r: &mut Release) -> Result<()> {
    match r.plan.mode {
        Mode::DryRun => rehearse(r),
        Mode::Live => bail!(
            "live publishing is not available in this version of the xtask: expected a dry run; \
             run `cargo xtask release --dry-run`"
        ),
    }
}

/// Live guards that run in preflight, before anything is built.
pub fn live_guards(r: &Release) -> Result<()> {
    match r.plan.mode {
        Mode::DryRun => Ok(()),
        Mode::Live => bail!(
            "live release refused: live publishing is not available in this version of the \
             xtask; rehearse with `cargo xtask release --dry-run`"
        ),
    }
}

/// Everything live would upload, checked by the tools that would upload it, without sending.
fn rehearse(r: &mut Release) -> Result<()> {
    let registry = r.plan.crates_registry.clone();
    for c in r.plan.crates.clone() {
        let name = &c.name;
        cmd!(
            r.sh,
            "cargo publish --dry-run --no-verify --locked --registry {registry} --package {name}"
        )
        .run_to_stderr()
        .with_context(|| format!("rehearse publishing {name} to {registry}"))?;
        r.manifest.set_publish(PublishRecord {
            file: c.file.clone(),
            registry: registry.clone(),
            status: PublishStatus::Rehearsed,
            url: Some(crate_url(&registry, name, &r.plan.version.to_string())),
        });
    }
    let files: Vec<std::path::PathBuf> = r
        .manifest
        .artifacts
        .iter()
        .filter(|a| matches!(a.kind, Kind::Sdist | Kind::Wheel))
        .map(|a| r.out.join(&a.file))
        .collect();
    let (uv, url, index) = (r.env.bin("uv"), r.plan.pypi_url.clone(), r.plan.pypi_index.clone());
    let uploads = &files;
    cmd!(
        r.sh,
        "{uv} publish --dry-run --trusted-publishing never --publish-url {url} --check-url {index} {uploads...}"
    )
    .env_remove("UV_PUBLISH_TOKEN")
    .env_remove("UV_PUBLISH_PASSWORD")
    .run_to_stderr()
    .with_context(|| format!("rehearse uploading to {url}"))?;
    for path in &files {
        let file = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        r.manifest.set_publish(PublishRecord {
            file,
            registry: url.clone(),
            status: PublishStatus::Rehearsed,
            url: Some(format!("{}/{}/", index.trim_end_matches('/'), r.plan.python_name)),
        });
    }
    Ok(())
}

fn crate_url(registry: &str, name: &str, version: &str) -> String {
    if registry == CRATES_IO {
        format!("https://crates.io/crates/{name}/{version}")
    } else {
        format!("{registry}:{name}@{version}")
    }
}
