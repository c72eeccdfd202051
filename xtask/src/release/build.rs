//! The building stages: gates (lint and Rust tests), package (crates and sdist) and wheels.
//!
//! Builds are reproducible: `SOURCE_DATE_EPOCH` is the commit time, paths are remapped out of
//! the binaries, and maturin's SBOM (random ids) is off in pyproject.toml — so building twice,
//! here or on another machine, gives the same bytes.

use std::path::{Path, PathBuf};

use crate::exec::CmdExt;
use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use super::Release;
use super::manifest::ArtifactRecord;
use super::plan::{Builder, Kind, PlannedWheel};
use crate::digest;
use crate::progress::Progress;
use crate::python_env::PythonEnv;
use crate::{lint, test};

/// Linters and the Rust test suite. The Python suite runs later against the built wheel.
pub fn gates(r: &mut Release) -> Result<()> {
    let mut steps = Progress::default();
    let linted = lint::run_checks(r.sh, r.ws, &r.env, lint::Scope::Gates, &mut steps);
    // The release is itself the end-to-end run: its test gate leaves out the `#[ignore]`d
    // tests that would start another release on a copy of the workspace.
    let tested = steps.stage("cargo test", || test::cargo_test(r.sh, test::Ignored::Skip));
    linted.and(tested)
}

/// The publishable crates through one `cargo package` (so crates that depend on each other
/// verify against each other), then the sdist.
pub fn package(r: &mut Release) -> Result<()> {
    remove_earlier_artifacts(r)?;
    let epoch = source_date_epoch(r.sh)?;
    for built in package_crates(r, &target_dir(&r.ws.root), Verify::Build)? {
        record(r, &built, Kind::Crate, None)?;
    }
    let staging = staging_dir(&r.staging, "sdist")?;
    let maturin = r.env.bin("maturin");
    cmd!(r.sh, "{maturin} sdist --out {staging}")
        .env("SOURCE_DATE_EPOCH", &epoch)
        .run_to_stderr()
        .context("build the sdist with `maturin sdist`")?;
    let built = single_file(&staging, &r.plan.sdist)?;
    record(r, &built, Kind::Sdist, None)
}

/// Whether `cargo package` builds what it packaged (the real packaging) or only packs it (a
/// reproduction, whose bytes are the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    Build,
    PackOnly,
}

/// The publishable crates through one `cargo package` (so crates that depend on each other
/// verify against each other) into `target`; returns the `.crate` files in publish order.
pub fn package_crates(r: &Release, target: &Path, verify: Verify) -> Result<Vec<PathBuf>> {
    if r.plan.crates.is_empty() {
        return Ok(Vec::new());
    }
    let epoch = source_date_epoch(r.sh)?;
    let packages: Vec<String> =
        r.plan.crates.iter().flat_map(|c| ["--package".to_owned(), c.name.clone()]).collect();
    let no_verify = (verify == Verify::PackOnly).then_some("--no-verify");
    // --allow-dirty in both modes, so that packaging is the same code: a dirty tree is the
    // guards' business (a live release refuses it in preflight, a dry run rehearses uncommitted
    // work with a warning), and a tree that changes during a run makes the crate packaged again
    // before the upload differ from the verified one, which is refused then.
    cmd!(r.sh, "cargo package --locked --allow-dirty {no_verify...} {packages...}")
        .env("SOURCE_DATE_EPOCH", &epoch)
        .env("CARGO_TARGET_DIR", target)
        .run_to_stderr()
        .context("package the crates with `cargo package`")?;
    let package_dir = target.join("package");
    let mut files = Vec::new();
    for c in &r.plan.crates {
        let built = package_dir.join(&c.file);
        if !built.exists() {
            bail!(
                "cargo package did not write {}: expected it in {}",
                c.file,
                package_dir.display()
            );
        }
        files.push(built);
    }
    Ok(files)
}

/// Every wheel this host can build; the rest are listed as CI's.
pub fn wheels(r: &mut Release) -> Result<()> {
    for wheel in r.plan.wheels.clone() {
        match wheel.builder {
            Builder::Host => build_and_record(r, &wheel)?,
            Builder::Ci => {
                eprintln!("    {}: built in CI on {}", wheel.target.target, wheel.target.runner)
            }
        }
    }
    Ok(())
}

/// Builds one wheel into the output directory and records it.
pub fn build_and_record(r: &mut Release, wheel: &PlannedWheel) -> Result<()> {
    let built = build_wheel(r.sh, &r.env, &r.ws.root, &r.staging, wheel)?;
    record(r, &built, Kind::Wheel, Some(wheel.target.target.clone()))
}

/// Builds one wheel with the `dist` profile and returns its path; the file name must be the
/// planned one.
pub fn build_wheel(
    sh: &Shell,
    env: &PythonEnv,
    root: &Path,
    staging: &Path,
    wheel: &PlannedWheel,
) -> Result<PathBuf> {
    let target = &wheel.target;
    let staging = staging_dir(staging, &format!("wheel-{}", target.target))?;
    let triple = &target.target;
    let mut args: Vec<String> = Vec::new();
    if let Some(policy) = target.platform.compatibility() {
        // zig links against the policy's glibc/musl whatever the build machine runs.
        args.extend(["--compatibility".into(), policy, "--zig".into()]);
    }
    let maturin = env.bin("maturin");
    let mut build = cmd!(
        sh,
        "{maturin} build --profile dist --locked --target {triple} --out {staging} {args...}"
    )
    .env("SOURCE_DATE_EPOCH", source_date_epoch(sh)?)
    .env("RUSTFLAGS", remap_flags(root));
    if let Some(deployment) = target.platform.macos_deployment_target() {
        build = build.env("MACOSX_DEPLOYMENT_TARGET", deployment);
    }
    build.run_to_stderr().with_context(|| format!("build the wheel for {triple}"))?;
    single_file(&staging, &wheel.file)
}

/// `--remap-path-prefix` flags that keep build paths (the checkout, cargo's home) out of the
/// binaries, so that the bytes do not depend on where the build ran.
fn remap_flags(root: &Path) -> String {
    let mut flags = format!("--remap-path-prefix={}=/workspace", root.display());
    if let Some(home) = crate::host::cargo_home() {
        flags.push_str(&format!(" --remap-path-prefix={}=/cargo", home.display()));
    }
    flags
}

/// The commit time, for `SOURCE_DATE_EPOCH`: every timestamp inside an artifact is this one.
pub fn source_date_epoch(sh: &Shell) -> Result<String> {
    if let Some(epoch) = std::env::var_os("SOURCE_DATE_EPOCH").filter(|e| !e.is_empty()) {
        return checked_epoch(&epoch.to_string_lossy());
    }
    let epoch =
        cmd!(sh, "git log -1 --format=%ct").quiet().read().context("read the commit time")?;
    Ok(epoch.trim().to_owned())
}

/// A `SOURCE_DATE_EPOCH` from the environment, which must be what the tools expect: cargo
/// silently ignores one it cannot parse (and stamps the files' own times instead), so the crate
/// packaged again at publish would not be the crate verified.
fn checked_epoch(epoch: &str) -> Result<String> {
    if !epoch.bytes().all(|b| b.is_ascii_digit()) || epoch.parse::<u64>().is_err() {
        bail!(
            "SOURCE_DATE_EPOCH is `{epoch}`: expected whole seconds since 1970 (like \
             `1767225600`), the time stamped into every artifact; fix it, or unset it to use the \
             commit time (`unset SOURCE_DATE_EPOCH`)"
        );
    }
    Ok(epoch.to_owned())
}

pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// An empty scratch directory `name` in the run's staging directory (see
/// [`super::Release::staging`]).
pub fn staging_dir(staging: &Path, name: &str) -> Result<PathBuf> {
    let dir = staging.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clean {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}

/// The one file a build wrote into `dir`, which must be named `expected`.
fn single_file(dir: &Path, expected: &str) -> Result<PathBuf> {
    let files: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if files != [expected] {
        bail!(
            "unexpected build output in {}: expected exactly `{expected}`, found {files:?}; \
             the plan and the build disagree about the file name (check \
             [workspace.metadata.release] and pyproject.toml)",
            dir.display()
        );
    }
    Ok(dir.join(expected))
}

/// Copies a built artifact into the output directory and records it in the manifest, as built
/// from HEAD.
fn record(r: &mut Release, built: &Path, kind: Kind, target: Option<String>) -> Result<()> {
    let file =
        built.file_name().context("artifact without a file name")?.to_string_lossy().into_owned();
    r.owns_manifest = true;
    r.manifest.commit = cmd!(r.sh, "git rev-parse HEAD").quiet().read().unwrap_or_default();
    std::fs::create_dir_all(&r.out)?;
    let dest = r.out.join(&file);
    std::fs::copy(built, &dest).with_context(|| format!("copy {file} to {}", r.out.display()))?;
    let (sha256, size) = digest::sha256_file(&dest)?;
    eprintln!("    {file}  {size} bytes  sha256 {}", &sha256[..12]);
    r.manifest.add_artifact(ArtifactRecord { file, kind, sha256, size, target });
    Ok(())
}

/// Removes what earlier runs built into the output directory — the files this plan names (every
/// target's, since this run rebuilds the set) and those the replaced manifest of another release
/// named — so that it holds exactly what this run builds. Nothing else there is touched: the
/// directory may hold a user's own files.
fn remove_earlier_artifacts(r: &mut Release) -> Result<()> {
    let planned = r.plan.artifacts().into_iter().map(|a| a.file);
    let names: Vec<String> = planned.chain(r.replaced_files.drain(..)).collect();
    for name in &names {
        let path = r.out.join(name);
        if path.is_file() {
            std::fs::remove_file(&path).with_context(|| format!("remove the earlier {name}"))?;
        }
    }
    r.owns_manifest = true;
    r.manifest.artifacts.retain(|a| !names.contains(&a.file));
    Ok(())
}

/// Whether `name` is a file the release of `plan` makes or might make: a `.crate` of one of its
/// crates, or a wheel or sdist of its Python distribution (of any version or platform). Other
/// files in the output directory are someone else's.
pub fn is_ours(plan: &super::plan::Plan, name: &str) -> bool {
    let dist = crate::workspace::pyproject::normalize_dist_name(&plan.python_name);
    let python = name.strip_prefix(&format!("{dist}-")).is_some()
        && (name.ends_with(".whl") || name.ends_with(".tar.gz"));
    let krate = plan.crates.iter().any(|c| {
        name.strip_prefix(&format!("{}-", c.name))
            .and_then(|rest| rest.strip_suffix(".crate"))
            .is_some_and(|version| semver::Version::parse(version).is_ok())
    });
    python || krate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_date_epoch_the_tools_would_ignore_is_refused() {
        assert_eq!(checked_epoch("1767225600").unwrap(), "1767225600");
        for bad in ["abc", "-1", "+5", "1.5", " 1767225600", "99999999999999999999999"] {
            let err = checked_epoch(bad).unwrap_err().to_string();
            assert!(err.contains("unset SOURCE_DATE_EPOCH"), "{bad:?}: {err}");
        }
    }
}
