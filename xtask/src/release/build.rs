//! The building stages: gates (lint and Rust tests), package (crates and sdist) and wheels.
//!
//! Builds are reproducible: `SOURCE_DATE_EPOCH` is the commit time, paths are remapped out of
//! the binaries, and maturin's SBOM (random ids) is off in pyproject.toml — so building twice,
//! here or on another machine, gives the same bytes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use super::manifest::Artifact;
use super::plan::{Builder, Kind, PlannedWheel, Support, wheels};
use super::{Record, Run};
use crate::digest;
use crate::exec::CmdExt;
use crate::files::FileName;
use crate::git::Repo;
use crate::host::Host;
use crate::progress::Progress;
use crate::python_env::PythonEnv;
use crate::{lint, test};

/// Linters and the Rust test suite. The Python suite runs later against the built wheel.
pub fn gates(run: &Run, _: &mut Record) -> Result<()> {
    let mut steps = Progress::default();
    let linted = lint::run_checks(run.sh, run.ws, &run.env, lint::Scope::Gates, &mut steps);
    // The release is itself the end-to-end run: its test gate leaves out the `#[ignore]`d
    // tests that would start another release on a copy of the workspace.
    let tested = steps.stage("cargo test", || test::cargo_test(run.sh, test::Ignored::Skip));
    linted.and(tested)
}

/// The publishable crates through one `cargo package` (so crates that depend on each other
/// verify against each other), then the sdist. Only these files are rebuilt: the wheels in
/// `--out` (this host's from an earlier run, CI's downloaded there) and their records stay.
pub fn package(run: &Run, record: &mut Record) -> Result<()> {
    let rebuilt = run.plan.crates.iter().map(|c| &c.file).chain([&run.plan.sdist]);
    for file in rebuilt {
        record.rebuild(&run.out, file)?;
    }
    for built in package_crates(run, &target_dir(&run.ws.root), Packaging::Build)? {
        keep(run, record, &built, Kind::Crate, None)?;
    }
    let staging = staging_dir(&run.staging, "sdist")?;
    let maturin = run.env.bin("maturin");
    cmd!(run.sh, "{maturin} sdist --out {staging}")
        .env("SOURCE_DATE_EPOCH", source_date_epoch(&run.repo)?)
        .run_to_stderr()
        .context("build the sdist with `maturin sdist`")?;
    let built = single_file(&staging, &run.plan.sdist)?;
    keep(run, record, &built, Kind::Sdist, None)
}

/// Whether `cargo package` builds what it packaged (the real packaging) or only packs it (a
/// reproduction, whose bytes are the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    Build,
    PackOnly,
}

/// The publishable crates through one `cargo package` (so crates that depend on each other
/// verify against each other) into `target`; returns the `.crate` files in publish order.
pub fn package_crates(run: &Run, target: &Path, packaging: Packaging) -> Result<Vec<PathBuf>> {
    if run.plan.crates.is_empty() {
        return Ok(Vec::new());
    }
    let packages: Vec<&str> =
        run.plan.crates.iter().flat_map(|c| ["--package", c.name.as_str()]).collect();
    let no_verify = (packaging == Packaging::PackOnly).then_some("--no-verify");
    // --allow-dirty in both modes, so that packaging is the same code: a dirty tree is the
    // guards' business (a live release refuses it in preflight, a dry run rehearses uncommitted
    // work with a warning), and a tree that changes during a run makes the crate packaged again
    // before the upload differ from the verified one, which is refused then.
    cmd!(run.sh, "cargo package --locked --allow-dirty {no_verify...} {packages...}")
        .env("SOURCE_DATE_EPOCH", source_date_epoch(&run.repo)?)
        .env("CARGO_TARGET_DIR", target)
        .run_to_stderr()
        .context("package the crates with `cargo package`")?;
    let package_dir = target.join("package");
    let mut files = Vec::new();
    for c in &run.plan.crates {
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

/// Every wheel this host can build; the rest are listed as CI's (with the reason, for the
/// host's own target: a missing interpreter).
pub fn wheels(run: &Run, record: &mut Record) -> Result<()> {
    for w in &run.plan.wheels {
        match w.builder {
            Builder::Host => wheel(run, record, w)?,
            Builder::Ci => {
                let why = w
                    .runs_here
                    .then(|| wheels::cannot_build(&run.host, run.plan.support, &w.target, w.abi))
                    .flatten()
                    .map_or_else(String::new, |why| format!(" ({why})"));
                eprintln!("    {}: built in CI on {}{why}", w.file, w.target.runner);
            }
        }
    }
    Ok(())
}

/// Whether this runs as a CI job (`CI` set, and not to `false` or `0`), where a wheel the job is
/// for and cannot build is a failure, never one left to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    Ci,
    Local,
}

impl Runner {
    pub fn from_env() -> Runner {
        match std::env::var("CI") {
            Ok(v) if !v.is_empty() && v != "false" && v != "0" => Runner::Ci,
            _ => Runner::Local,
        }
    }
}

/// The wheels of one target that `cargo xtask build --target` builds: every one this host can
/// build, always; locally the others are listed as CI's, while in CI — whose job for the target
/// installs every interpreter it needs — one it cannot build is a failure.
pub fn choose(
    wheels: &[PlannedWheel],
    runner: Runner,
    host: &Host,
    support: Support,
) -> Result<Vec<PlannedWheel>> {
    let mut chosen = Vec::new();
    let mut problems = Vec::new();
    for w in wheels {
        match wheels::cannot_build(host, support, &w.target, w.abi) {
            None => chosen.push(w.clone()),
            Some(why) if runner == Runner::Ci => problems.push(format!("{}: {why}", w.file)),
            Some(why) => eprintln!("    {}: built in CI on {} ({why})", w.file, w.target.runner),
        }
    }
    if !problems.is_empty() {
        bail!(
            "this CI job cannot build every wheel of its target:\n  {}\n  expected the job to \
             install each interpreter of the target's python list (actions/setup-python, from \
             the plan's matrix); see `cargo xtask plan`",
            problems.join("\n  ")
        );
    }
    if chosen.is_empty() {
        let target = wheels.first().map_or("the target", |w| w.target.target.as_str());
        bail!(
            "none of the wheels of {target} can be built on this host ({}): see the reasons \
             above; they build on their CI runner",
            host.target
        );
    }
    Ok(chosen)
}

/// Builds one wheel, with the interpreter this host builds its ABI with, into the output
/// directory and records it.
pub fn wheel(run: &Run, record: &mut Record, wheel: &PlannedWheel) -> Result<()> {
    let Some(python) = wheels::build_python(&run.host, run.plan.support, wheel.abi) else {
        bail!("{}: no interpreter on this host builds {}", wheel.file, wheel.abi);
    };
    record.rebuild(&run.out, &wheel.file)?;
    let built = build_wheel(run.sh, &run.env, &run.repo, &run.staging, wheel, &python.path)?;
    keep(run, record, &built, Kind::Wheel, Some(wheel.target.target))
}

/// Builds one wheel with the `dist` profile and the interpreter `python` (which decides its ABI
/// family, with the extension's pyo3 features) and returns its path; the file name must be the
/// planned one.
pub fn build_wheel(
    sh: &Shell,
    env: &PythonEnv,
    repo: &Repo,
    staging: &Path,
    wheel: &PlannedWheel,
    python: &Path,
) -> Result<PathBuf> {
    let target = &wheel.target;
    let triple = target.target.as_str();
    let staging = staging_dir(staging, &format!("wheel-{triple}-{}", wheel.abi))?;
    let mut args: Vec<String> = Vec::new();
    if let Some(policy) = target.platform.compatibility() {
        // zig links against the policy's glibc/musl whatever the build machine runs.
        args.extend(["--compatibility".into(), policy, "--zig".into()]);
    }
    let maturin = env.bin("maturin");
    // maturin builds one ABI family per run, chosen by the interpreter; PyO3's build script is
    // pointed at the same one.
    let mut build = cmd!(
        sh,
        "{maturin} build --profile dist --locked --target {triple} --interpreter {python} --out {staging} {args...}"
    )
    .env("PYO3_PYTHON", python)
    .env("SOURCE_DATE_EPOCH", source_date_epoch(repo)?)
    .env("CARGO_ENCODED_RUSTFLAGS", encoded_rustflags(repo.root()))
    .env_remove("RUSTFLAGS");
    if let Some(deployment) = target.platform.macos_deployment_target() {
        build = build.env("MACOSX_DEPLOYMENT_TARGET", deployment);
    }
    build.run_to_stderr().with_context(|| format!("build the {} wheel for {triple}", wheel.abi))?;
    single_file(&staging, &wheel.file)
}

/// The rustc flags of a wheel build, as cargo's `CARGO_ENCODED_RUSTFLAGS` (one flag per
/// 0x1f-separated field, so that a path with a space stays one argument, which `RUSTFLAGS`,
/// split on whitespace, cannot carry): the user's own flags (from either variable), then
/// `--remap-path-prefix` flags that keep build paths (the checkout, cargo's home) out of the
/// binaries, so that the bytes do not depend on where the build ran.
fn encoded_rustflags(root: &Path) -> OsString {
    let own = std::env::var_os("CARGO_ENCODED_RUSTFLAGS").filter(|f| !f.is_empty());
    let mut flags: Vec<OsString> = match own {
        Some(encoded) => split_encoded(&encoded),
        None => std::env::var_os("RUSTFLAGS")
            .map(|f| f.to_string_lossy().split_whitespace().map(OsString::from).collect())
            .unwrap_or_default(),
    };
    let mut remap = |from: &Path, to: &str| {
        let mut flag = OsString::from("--remap-path-prefix=");
        flag.push(from);
        flag.push(format!("={to}"));
        flags.push(flag);
    };
    remap(root, "/workspace");
    if let Some(home) = crate::host::cargo_home() {
        remap(&home, "/cargo");
    }
    let mut encoded = OsString::new();
    for (i, flag) in flags.iter().enumerate() {
        if i > 0 {
            encoded.push("\u{1f}");
        }
        encoded.push(flag);
    }
    encoded
}

fn split_encoded(encoded: &std::ffi::OsStr) -> Vec<OsString> {
    encoded.to_string_lossy().split('\u{1f}').map(OsString::from).collect()
}

/// The commit time, for `SOURCE_DATE_EPOCH`: every timestamp inside an artifact is this one.
pub fn source_date_epoch(repo: &Repo) -> Result<String> {
    if let Some(epoch) = std::env::var_os("SOURCE_DATE_EPOCH").filter(|e| !e.is_empty()) {
        return checked_epoch(&epoch.to_string_lossy());
    }
    repo.commit_time()
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

/// An empty scratch directory `name` in the run's staging directory (see [`Run::staging`]).
pub fn staging_dir(staging: &Path, name: &str) -> Result<PathBuf> {
    let dir = staging.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clean {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    Ok(dir)
}

/// The one file a build wrote into `dir`, which must be named `expected`.
fn single_file(dir: &Path, expected: &FileName) -> Result<PathBuf> {
    let files: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if files != [expected.as_str()] {
        bail!(
            "unexpected build output in {}: expected exactly `{expected}`, found {files:?}; \
             the plan and the build disagree about the file name (check \
             [workspace.metadata.release] and pyproject.toml)",
            dir.display()
        );
    }
    Ok(dir.join(expected))
}

/// Copies a built artifact into the output directory and records it.
fn keep(
    run: &Run,
    record: &mut Record,
    built: &Path,
    kind: Kind,
    target: Option<crate::workspace::config::Triple>,
) -> Result<()> {
    let file = FileName::of(built)?;
    let dest = run.out.file(&file);
    std::fs::copy(built, &dest).map_err(|e| crate::files::cannot_write(e, &dest))?;
    let (sha256, size) = digest::sha256_file(&dest)?;
    eprintln!("    {file}  {size} bytes  sha256 {}", sha256.short());
    record.add_artifact(&run.out, Artifact { file, kind, sha256, size, target })
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
    use crate::flags::Destination;
    use crate::pythons::FoundPython;
    use crate::release::plan::Plan;
    use crate::wheel_tags::Cpython;
    use crate::workspace::fixture;

    /// The three families of one Linux target, planned for a host with these interpreters.
    fn plan(pythons: &[Cpython]) -> (Plan, Host) {
        let mut ws = fixture::workspace(
            "1.0.0",
            serde_json::json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                "families": ["abi3", "cp314t", "abi3.abi3t"],
                "wheels": [{"target": "x86_64-unknown-linux-gnu", "runner": "ubuntu-24.04",
                            "platform": "manylinux_2_17",
                            "python": ["3.10", "3.14", "3.14t", "3.15", "3.15t"]}]}}),
        );
        ws.members[0].pyo3_features = vec!["abi3-py310".into(), "abi3t-py315".into()];
        let mut host = Host::fixture("x86_64-unknown-linux-gnu", &["x86_64-unknown-linux-gnu"]);
        host.pythons = pythons
            .iter()
            .map(|&build| FoundPython { build, path: format!("/py/{build}").into() })
            .collect();
        (Plan::new(&ws, &host, &Destination::default()).unwrap(), host)
    }

    fn chosen(pythons: &[Cpython], runner: Runner) -> Result<Vec<String>> {
        let (plan, host) = plan(pythons);
        let wheels = choose(&plan.wheels, runner, &host, plan.support)?;
        Ok(wheels.into_iter().map(|w| w.abi.to_string()).collect())
    }

    /// Locally the wheels without an interpreter are CI's; in CI they are the job's, so a
    /// missing interpreter fails it. A wheel the runner can build is built in either.
    #[test]
    fn ci_never_skips_a_wheel_and_builds_every_one_it_can() {
        let gil = [Cpython::gil(12)];
        assert_eq!(chosen(&gil, Runner::Local).unwrap(), ["cp310-abi3"]);
        let err = chosen(&gil, Runner::Ci).unwrap_err().to_string();
        assert!(err.contains("this CI job cannot build every wheel of its target"), "{err}");
        assert!(
            err.contains("cp314-cp314t-manylinux2014_x86_64") && err.contains("3.14t builds it")
        );
        assert!(
            err.contains("cp315-abi3.abi3t")
                && err.contains("3.15 and later, 3.15t and later build it")
        );
        assert!(!err.contains("cp310-abi3-"), "the buildable wheel is no problem: {err}");
        let all = [Cpython::gil(13), Cpython::free_threaded(14), Cpython::free_threaded(15)];
        for runner in [Runner::Local, Runner::Ci] {
            assert_eq!(
                chosen(&all, runner).unwrap(),
                ["cp310-abi3", "cp314-cp314t", "cp315-abi3.abi3t"]
            );
        }
        let err = chosen(&[], Runner::Local).unwrap_err().to_string();
        assert!(
            err.contains("none of the wheels of x86_64-unknown-linux-gnu can be built"),
            "{err}"
        );
    }

    /// A checkout path with a space stays one flag, and the user's own flags come first.
    #[test]
    fn remap_flags_survive_spaces() {
        let root = Path::new("/work/dir with spaces/ünï cødé");
        let encoded = encoded_rustflags(root);
        let flags = split_encoded(&encoded);
        assert!(
            flags.contains(&OsString::from(
                "--remap-path-prefix=/work/dir with spaces/ünï cødé=/workspace"
            )),
            "{flags:?}"
        );
    }

    #[test]
    fn a_source_date_epoch_the_tools_would_ignore_is_refused() {
        assert_eq!(checked_epoch("1767225600").unwrap(), "1767225600");
        for bad in ["abc", "-1", "+5", "1.5", " 1767225600", "99999999999999999999999"] {
            let err = checked_epoch(bad).unwrap_err().to_string();
            assert!(err.contains("unset SOURCE_DATE_EPOCH"), "{bad:?}: {err}");
        }
    }
}
