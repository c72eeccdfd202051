//! Verify: the artifacts are exactly the planned ones, well-formed, carry the planned versions,
//! and work — each host-runnable wheel passes the test suite in a fresh environment, and the
//! sdist builds from source and imports.

mod payload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;
use xshell::{Shell, cmd};

use super::build::{is_ours, staging_dir, target_dir};
use super::manifest::{Artifact, SUMS_FILE_NAME};
use super::plan::{Kind, PlannedWheel, wheels};
use super::{Record, Run};
use crate::digest;
use crate::exec::CmdExt;
use crate::files::FileName;
use crate::progress::Progress;
use crate::py::{self, Script};
use crate::python_env::{PythonEnv, venv_python};
use crate::wheel_tags::{Cpython, Family, WheelFile};

/// The release's verify stage: the host's artifacts, checked and tested. The sdist's build from
/// source started when the sdist was packaged (see [`SourceBuild`]); it is waited for here.
pub fn run(run: &Run, record: &mut Record, from_source: SourceBuild) -> Result<()> {
    let expected: Vec<&FileName> = run.plan.host_artifacts().map(|a| &a.file).collect();
    let mut steps = Progress::default();
    let checks = steps
        .stage("expected set", || expected_set(run, &expected))
        .and_then(|()| steps.stage("versions inside", || versions_inside(run, record)))
        .and_then(|()| steps.stage("metadata checks", || metadata_checks(run, record)))
        .and_then(|()| steps.stage("wheel coverage", || coverage(run)))
        .and_then(|()| {
            steps.stage("wheel tests", || {
                let runnable = run.plan.wheels.iter().filter(|w| w.runs_here);
                for wheel in runnable {
                    // The interpreter that built it installs it too.
                    let python = wheels::build_python(&run.host, run.plan.support, wheel.abi)
                        .map(|p| p.path.to_string_lossy().into_owned());
                    test_wheel(run, &WheelTest::new(wheel, python.into_iter().collect()))?;
                }
                Ok(())
            })
        });
    let built = steps.stage("sdist from source", || from_source.wait());
    checks.and(built)
}

/// The sdist built from source and imported, on a thread of its own: it is a CPU-bound cargo
/// build that starts as soon as the sdist exists, so it fills the core that the wheel build's
/// single-threaded link (fat LTO) and the mostly-waiting Python checks leave idle.
///
/// Dropping it waits for the build: a failed stage never leaves a compiler running behind the
/// release.
pub struct SourceBuild {
    name: String,
    handle: Option<std::thread::JoinHandle<Result<()>>>,
}

impl SourceBuild {
    pub fn start(run: &Run) -> SourceBuild {
        let check = SdistCheck::new(run);
        eprintln!("    building {} from source alongside the next stages", check.name);
        let name = check.name.to_string();
        SourceBuild { name, handle: Some(std::thread::spawn(move || check.run())) }
    }

    fn wait(mut self) -> Result<()> {
        self.join()
    }

    fn join(&mut self) -> Result<()> {
        let Some(handle) = self.handle.take() else {
            return Ok(());
        };
        handle.join().unwrap_or_else(|_| bail!("the build of {} from source panicked", self.name))
    }
}

impl Drop for SourceBuild {
    fn drop(&mut self) {
        if self.handle.is_some() {
            eprintln!("    waiting for the build of {} from source to end", self.name);
            let _ = self.join();
        }
    }
}

/// `cargo xtask verify`: every planned artifact — this host's and CI's — is in `--out`, nothing
/// else is, and each is well-formed; their hashes go into the manifest and SHA256SUMS.
pub fn run_complete(run: &Run, record: &mut Record) -> Result<()> {
    let expected: Vec<&FileName> = run.plan.artifacts.iter().map(|a| &a.file).collect();
    let mut steps = Progress::default();
    steps.stage("expected set", || expected_set(run, &expected))?;
    for a in &run.plan.artifacts {
        let (sha256, size) = digest::sha256_file(&run.out.file(&a.file))?;
        let artifact =
            Artifact { file: a.file.clone(), kind: a.kind, sha256, size, target: a.target };
        record.add_artifact(&run.out, artifact)?;
    }
    steps.stage("versions inside", || versions_inside(run, record))?;
    steps.stage("metadata checks", || metadata_checks(run, record))?;
    steps.stage("wheel coverage", || coverage(run))
}

/// A wheel and the interpreters (paths, or versions uv finds) its tests run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelTest {
    pub file: FileName,
    pub pythons: Vec<String>,
    /// Whether the oldest numpy runs too: for the wheel the oldest supported Python installs.
    pub floor: bool,
}

impl WheelTest {
    pub fn new(wheel: &PlannedWheel, pythons: Vec<String>) -> WheelTest {
        WheelTest { file: wheel.file.clone(), pythons, floor: wheel.serves_oldest }
    }
}

/// The interpreters `wheel` is tested on: the planned ones, or those of `given` (`--python`:
/// versions, or paths asked what they are) that install it rather than another of its
/// target's wheels.
pub fn test_pythons(
    run: &Run,
    wheel: &PlannedWheel,
    of_target: &[PlannedWheel],
    given: &[String],
) -> Result<Vec<String>> {
    if given.is_empty() {
        return Ok(wheel.tested_on.iter().map(|p| p.uv_request()).collect());
    }
    let mut pythons = Vec::new();
    for python in given {
        let build = match Cpython::parse(python) {
            Ok(build) => build,
            Err(_) => crate::pythons::probe(run.sh, Path::new(python))?,
        };
        if wheels::installs(build, wheel, of_target) {
            pythons.push(python.clone());
        }
    }
    Ok(pythons)
}

/// `cargo xtask build --target`: the target's wheels, checked, then each tested on its
/// interpreters.
pub fn check_wheels(run: &Run, record: &mut Record, tests: &[WheelTest]) -> Result<()> {
    let mut steps = Progress::default();
    steps.stage("versions inside", || versions_inside(run, record))?;
    steps.stage("metadata checks", || metadata_checks(run, record))?;
    steps.stage("wheel tests", || tests.iter().try_for_each(|t| test_wheel(run, t)))
}

/// `cargo xtask build --source`: the crate and the sdist, checked, and the sdist built from
/// source.
pub fn check_source(run: &Run, record: &mut Record) -> Result<()> {
    let mut steps = Progress::default();
    steps.stage("versions inside", || versions_inside(run, record))?;
    steps.stage("metadata checks", || metadata_checks(run, record))?;
    steps.stage("sdist from source", || SdistCheck::new(run).run())
}

/// Of the release's own files (by name: its crates' and its distribution's), the output
/// directory holds exactly the `expected` artifacts. Other files there are not looked at.
fn expected_set(run: &Run, expected: &[&FileName]) -> Result<()> {
    let out = run.out.path();
    let mut found: Vec<String> = std::fs::read_dir(out)
        .with_context(|| format!("list {}", out.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_ours(&run.plan, n))
        .collect();
    found.sort();
    let missing: Vec<&str> =
        expected.iter().map(|f| f.as_str()).filter(|f| !found.iter().any(|n| n == f)).collect();
    let unexpected: Vec<&String> =
        found.iter().filter(|f| !expected.iter().any(|e| e.as_str() == f.as_str())).collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        bail!(
            "the artifacts in {} are not the planned set:\n  missing: {missing:?}\n  \
             unexpected: {unexpected:?}\n  rebuild them (`cargo xtask release --dry-run`, or \
             the release workflow's build jobs)",
            out.display()
        );
    }
    Ok(())
}

/// What `xtask/py/inspect_artifacts.py` reads inside an artifact.
#[derive(Debug, Deserialize)]
struct Inside {
    name: Option<String>,
    version: Option<String>,
    #[serde(default)]
    requires_python: Option<String>,
    /// A wheel's `Tag:` lines (its WHEEL file).
    #[serde(default)]
    tags: Vec<String>,
    files: Vec<String>,
    /// A wheel's files and the sha256 of each.
    #[serde(default)]
    sha256: payload::Files,
}

/// Each artifact's own metadata names the planned package and version.
fn versions_inside(run: &Run, record: &Record) -> Result<()> {
    let problems = inside(run, record)?;
    if !problems.is_empty() {
        bail!("artifact metadata disagrees with the plan:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

/// What is wrong inside the recorded artifacts, measured against the plan: each must be a file
/// the plan makes, for the target it assigns, naming the planned package and version, with the
/// wheel tags its name promises, the project's `Requires-Python`, and its licence texts; and
/// every wheel must carry the same Python files.
fn inside(run: &Run, record: &Record) -> Result<Vec<String>> {
    let artifacts = &record.manifest().artifacts;
    let paths: Vec<PathBuf> = artifacts.iter().map(|a| run.out.file(&a.file)).collect();
    let json =
        py::run(run.sh, &run.env.python(), Script::InspectArtifacts).args(&paths).quiet().read()?;
    let mut inspected: BTreeMap<String, Inside> =
        crate::json::parse(&json).context("read the artifact inspection")?;
    let mut problems = Vec::new();
    let mut wheels = Vec::new();
    for a in artifacts {
        let key = run.out.file(&a.file).to_string_lossy().into_owned();
        let info = inspected.remove(&key).context("the inspection skipped an artifact")?;
        problems.extend(artifact_problems(run, a, &info)?);
        if a.kind == Kind::Wheel {
            wheels.push((a.file.as_str(), info.sha256));
        }
    }
    let wheels: Vec<(&str, &payload::Files)> = wheels.iter().map(|(f, w)| (*f, w)).collect();
    problems.extend(payload::differences(&wheels));
    problems.extend(payload::missing(&run.ws.python()?.extension_module, &wheels));
    Ok(problems)
}

/// What is wrong inside one artifact (see [`inside`]).
fn artifact_problems(run: &Run, a: &Artifact, info: &Inside) -> Result<Vec<String>> {
    let Some(planned) = run.plan.artifacts.iter().find(|p| p.file == a.file) else {
        return Ok(vec![format!("{}: not an artifact of {}", a.file, run.plan.tag)]);
    };
    let mut problems = Vec::new();
    if planned.kind != a.kind || planned.target != a.target {
        problems.push(format!(
            "{}: recorded as a {} for {:?}, but the plan makes it a {} for {:?}",
            a.file,
            a.kind.as_str(),
            a.target,
            planned.kind.as_str(),
            planned.target
        ));
    }
    let python = run.ws.python()?;
    let (name, version, license) = match a.kind {
        Kind::Crate => {
            let krate = run.plan.crates.iter().find(|c| c.file == a.file);
            let name = krate.map_or("", |c| c.name.as_str());
            let member = run.ws.members.iter().find(|m| m.name == name);
            (name, run.plan.version.to_string(), member.and_then(|m| m.license.as_deref()))
        }
        Kind::Sdist | Kind::Wheel => (
            run.plan.python_name.as_str(),
            run.plan.python_version.clone(),
            python.license.as_deref(),
        ),
    };
    let found = (info.name.as_deref(), info.version.as_deref());
    if found != (Some(name), Some(version.as_str())) {
        problems.push(format!(
            "{}: expected {name} {version} inside, found {} {}",
            a.file,
            found.0.unwrap_or("no name"),
            found.1.unwrap_or("no version")
        ));
    }
    if a.kind != Kind::Crate && info.requires_python != python.requires_python {
        problems.push(format!(
            "{}: Requires-Python is {:?}, expected {:?} as pyproject.toml says",
            a.file, info.requires_python, python.requires_python
        ));
    }
    if let Some(wheel) = run.plan.wheels.iter().find(|w| w.file == a.file) {
        problems.extend(wheels::tag_problems(wheel, &info.tags));
    }
    let files: Vec<&str> = info.files.iter().map(String::as_str).collect();
    problems.extend(missing_licenses(a.file.as_str(), a.kind, license, &files));
    Ok(problems)
}

/// Before any upload: every recorded file's bytes are the recorded ones and those
/// `SHA256SUMS` listed when the run started (`sums`), and what is inside each is what the plan
/// makes. A file swapped for another, with its record rewritten to match, is found here.
pub fn at_the_door(
    run: &Run,
    record: &Record,
    sums: Option<&BTreeMap<FileName, crate::digest::Sha256>>,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for a in &record.manifest().artifacts {
        match digest::sha256_file(&run.out.file(&a.file)) {
            Ok((sha, size)) if sha == a.sha256 && size == a.size => {}
            Ok((sha, size)) => problems.push(format!(
                "{}: sha256 {sha} ({size} bytes), but the manifest records {} ({} bytes)",
                a.file, a.sha256, a.size
            )),
            Err(err) => problems.push(format!("{}: {err:#}", a.file)),
        }
        let listed = sums.map(|s| s.get(&a.file));
        match listed {
            Some(Some(sha)) if *sha != a.sha256 => problems.push(format!(
                "{}: the manifest records sha256 {}, but {SUMS_FILE_NAME} lists {sha}",
                a.file, a.sha256
            )),
            Some(None) => problems.push(format!("{}: {SUMS_FILE_NAME} does not list it", a.file)),
            _ => {}
        }
    }
    if problems.is_empty() {
        problems = inside(run, record)?;
    }
    Ok(problems)
}

/// The licence texts an artifact lacks. Its manifest's `license` (an SPDX expression) names
/// the licences; each must travel with the code as `LICENSE-<ID>` (`LICENSE-MIT`,
/// `LICENSE-APACHE` for Apache-2.0), or as `LICENSE`/`COPYING` when there is one licence: at the
/// top of a crate or sdist, in the `.dist-info` (or its `licenses/`) of a wheel.
fn missing_licenses(file: &str, kind: Kind, license: Option<&str>, files: &[&str]) -> Vec<String> {
    let Some(expression) = license else {
        return vec![format!(
            "{file}: its manifest declares no `license`: expected an SPDX expression (and the \
             licence files next to the code)"
        )];
    };
    let ids: Vec<&str> = expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty() && !matches!(*w, "OR" | "AND" | "WITH"))
        .collect();
    let top_level = |path: &str| match kind {
        Kind::Crate | Kind::Sdist => path.matches('/').count() == 1,
        Kind::Wheel => {
            let parts: Vec<&str> = path.split('/').collect();
            parts[0].ends_with(".dist-info")
                && (parts.len() == 2 || (parts.len() == 3 && parts[1] == "licenses"))
        }
    };
    let names: Vec<String> = files
        .iter()
        .filter(|p| top_level(p))
        .filter_map(|p| p.rsplit('/').next())
        .map(str::to_ascii_uppercase)
        .collect();
    let mut missing = Vec::new();
    for id in &ids {
        let stem = id.split(['-', '.']).next().unwrap_or(id).to_ascii_uppercase();
        let wanted = format!("LICENSE-{stem}");
        let alone = ids.len() == 1
            && names
                .iter()
                .any(|n| n == "LICENSE" || n.starts_with("LICENSE.") || n.starts_with("COPYING"));
        if !alone && !names.iter().any(|n| n == &wanted || n.starts_with(&format!("{wanted}."))) {
            missing.push(format!(
                "{file}: the licence text of {id} is missing: expected {wanted} inside (its \
                 manifest says `license = \"{expression}\"`); put the file next to the manifest \
                 (for a crate, in its directory; it may be a link to the workspace's)"
            ));
        }
    }
    missing
}

/// twine, check-wheel-contents, auditwheel (Linux) and abi3audit.
fn metadata_checks(run: &Run, record: &Record) -> Result<()> {
    let (r, artifacts) = (run, &record.manifest().artifacts);
    let files = |kinds: &[Kind]| -> Vec<PathBuf> {
        artifacts.iter().filter(|a| kinds.contains(&a.kind)).map(|a| r.out.file(&a.file)).collect()
    };
    let python_files = files(&[Kind::Sdist, Kind::Wheel]);
    let wheels = files(&[Kind::Wheel]);
    let twine = r.env.bin("twine");
    cmd!(r.sh, "{twine} check --strict {python_files...}")
        .run_to_stderr()
        .context("twine check --strict")?;
    if wheels.is_empty() {
        return Ok(());
    }
    let cwc = r.env.bin("check-wheel-contents");
    let wheel_args = &wheels;
    cmd!(r.sh, "{cwc} {wheel_args...}").run_to_stderr().context("check-wheel-contents")?;
    abi3_audit(run, record)?;
    let recorded = |w: &&PlannedWheel| artifacts.iter().any(|a| a.file == w.file);
    for wheel in r.plan.wheels.iter().filter(recorded) {
        let Some(policy) = wheel.target.platform.compatibility() else {
            continue;
        };
        let auditwheel = r.env.bin("auditwheel");
        let path = r.out.file(&wheel.file);
        let report = cmd!(r.sh, "{auditwheel} show {path}").read().context("auditwheel show")?;
        let wanted = format!("{policy}_{}", wheel.target.target.arch());
        if !report.replace('\n', " ").contains(&format!("\"{wanted}\"")) {
            bail!(
                "auditwheel does not confirm {}: expected it to be consistent with the platform \
                 tag \"{wanted}\"; found:\n{report}",
                wheel.file
            );
        }
    }
    Ok(())
}

/// abi3audit over the stable-ABI wheels: `--strict` for abi3 ones; for `abi3.abi3t` ones, its
/// report, read knowing what it cannot know yet (see [`wheels::abi3t_audit_problems`]). A
/// version-specific wheel has no stable ABI to audit.
fn abi3_audit(r: &Run, record: &Record) -> Result<()> {
    let recorded = |w: &&PlannedWheel| record.manifest().artifact(&w.file).is_some();
    let of = |family: Family| -> Vec<PathBuf> {
        let planned = r.plan.wheels.iter().filter(recorded).filter(|w| w.abi.family == family);
        planned.map(|w| r.out.file(&w.file)).collect()
    };
    let (abi3, abi3t) = (of(Family::Abi3), of(Family::Abi3t));
    let abi3audit = r.env.bin("abi3audit");
    if !abi3.is_empty() {
        cmd!(r.sh, "{abi3audit} --strict --report {abi3...}")
            .run_to_stderr()
            .context("abi3audit --strict")?;
    }
    if abi3t.is_empty() {
        return Ok(());
    }
    // Its verdict is read from the report, not its exit status (1 for the entry point).
    let out = cmd!(r.sh, "{abi3audit} --report {abi3t...}").ignore_status().output()?;
    let report: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!("abi3audit printed no report: {}", String::from_utf8_lossy(&out.stderr))
    })?;
    let module = &r.ws.python()?.extension_module;
    let problems = wheels::abi3t_audit_problems(&report, module);
    if !problems.is_empty() {
        bail!(
            "abi3audit finds the abi3.abi3t wheels outside the stable ABI:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

/// Every supported CPython is installed by some wheel of every target (as planned: the files
/// carry the planned names, whose tags [`inside`] checks against their WHEEL files).
fn coverage(run: &Run) -> Result<()> {
    let parsed = |w: &PlannedWheel| WheelFile::parse(w.file.as_str()).map(|f| f.tags);
    let problems = wheels::coverage_problems(&run.plan.wheels, run.plan.support, parsed);
    if !problems.is_empty() {
        bail!("the planned wheels leave interpreters uncovered:\n  {}", problems.join("\n  "));
    }
    Ok(())
}

/// Installs a wheel into a fresh environment for each of its Pythons and runs the test suite
/// there. A Python is an interpreter path or a version that uv finds installed (`3.10+gil`).
/// For the wheel the oldest supported Python installs, the first (oldest) Python gets the oldest
/// numpy it has wheels for — the floor the package declares — and the others the newest the
/// lock has; a lone Python gets both, one after the other. Other wheels get the newest.
fn test_wheel(r: &Run, test: &WheelTest) -> Result<()> {
    let file = &test.file;
    for (i, (interpreter, numpy)) in test_runs(&test.pythons, test.floor).into_iter().enumerate() {
        let requirements = test_requirements(r, numpy)?;
        let venv = fresh_venv(r, &format!("wheel-{i}"), interpreter)?;
        let uv = r.env.bin("uv");
        let python = venv_python(&venv);
        let path = r.out.file(file);
        let what = format!("{interpreter} with the {} numpy", numpy.as_str());
        cmd!(
            r.sh,
            "{uv} pip install --quiet --python {python} --requirement {requirements} {path}"
        )
        .run_to_stderr()
        .with_context(|| format!("install {file} into a fresh environment ({what})"))?;
        import_check(r, &python)?;
        let tests = r.ws.root.join("python").join("tests");
        let _dir = r.sh.push_dir(&venv);
        cmd!(r.sh, "{python} -m pytest -q -p no:cacheprovider {tests}")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .run_to_stderr()
            .with_context(|| format!("the test suite failed against {file} on {what}"))?;
    }
    Ok(())
}

/// The locked test environment of a run: the `test` dependency group (the newest numpy) or
/// `test-oldest-numpy` (each Python's oldest numpy with wheels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numpy {
    Newest,
    Oldest,
}

impl Numpy {
    fn as_str(self) -> &'static str {
        match self {
            Numpy::Newest => "newest",
            Numpy::Oldest => "oldest",
        }
    }

    fn group(self) -> &'static str {
        match self {
            Numpy::Newest => "test",
            Numpy::Oldest => "test-oldest-numpy",
        }
    }
}

/// Which Python gets which numpy: with the `floor`, the oldest Python the oldest numpy and the
/// others the newest; without, every one the newest (the oldest numpys' pins predate the newer
/// Pythons' wheels).
fn test_runs(pythons: &[String], floor: bool) -> Vec<(&String, Numpy)> {
    match pythons {
        _ if !floor => pythons.iter().map(|p| (p, Numpy::Newest)).collect(),
        [] => Vec::new(),
        [only] => vec![(only, Numpy::Oldest), (only, Numpy::Newest)],
        [oldest, rest @ ..] => std::iter::once((oldest, Numpy::Oldest))
            .chain(rest.iter().map(|p| (p, Numpy::Newest)))
            .collect(),
    }
}

/// The sdist check as plain data, so that it can run on a thread of its own next to the
/// Python-side checks: it is CPU-bound (a cargo build), they mostly wait on Python.
struct SdistCheck {
    root: PathBuf,
    staging: PathBuf,
    env: PythonEnv,
    sdist: PathBuf,
    name: FileName,
    module: String,
    version: String,
}

impl SdistCheck {
    fn new(r: &Run) -> SdistCheck {
        SdistCheck {
            root: r.ws.root.clone(),
            staging: r.staging.clone(),
            env: r.env.clone(),
            sdist: r.out.file(&r.plan.sdist),
            name: r.plan.sdist.clone(),
            module: r.plan.python_module.clone(),
            version: r.plan.python_version.clone(),
        }
    }

    fn run(&self) -> Result<()> {
        let sh = Shell::new()?;
        sh.change_dir(&self.root);
        self.env.activate(&sh);
        let python = self.env.python().to_string_lossy().into_owned();
        let venv = fresh_venv_in(&sh, &self.env, &self.staging, "sdist", &python)?;
        let (uv, python, sdist) = (self.env.bin("uv"), venv_python(&venv), &self.sdist);
        // A build directory of its own that survives between runs keeps a warm re-run quick.
        let cache = target_dir(&self.root).join("sdist-build");
        // Lowest priority: it is to use the core the wheel build leaves idle, not to slow it.
        let install = if cfg!(unix) && which::which("nice").is_ok() {
            cmd!(sh, "nice -n 19 {uv} pip install --quiet --python {python} {sdist}")
        } else {
            cmd!(sh, "{uv} pip install --quiet --python {python} {sdist}")
        };
        install
            .env("CARGO_TARGET_DIR", &cache)
            .run_to_stderr()
            .with_context(|| format!("build and install {} from source", self.name))?;
        check_import(&sh, &self.root, &python, &self.module, &self.version)
    }
}

/// Installs the just-published wheel from the index (not from disk) into a fresh environment
/// and imports it: what a user's `pip install` will get.
pub fn install_from_index(r: &Run) -> Result<()> {
    let requirements = test_requirements(r, Numpy::Newest)?;
    let venv = fresh_venv(r, "from-index", &r.env.python().to_string_lossy())?;
    let (uv, python, index) = (r.env.bin("uv"), venv_python(&venv), &r.plan.pypi_index);
    let wanted = format!("{}=={}", r.plan.python_name, r.plan.python_version);
    let only_binary = &r.plan.python_name;
    cmd!(r.sh, "{uv} pip install --quiet --python {python} --requirement {requirements}")
        .run_to_stderr()
        .context("install the test requirements into a fresh environment")?;
    cmd!(
        r.sh,
        "{uv} pip install --quiet --python {python} --no-deps --no-cache --only-binary {only_binary} --index-url {index} {wanted}"
    )
    .run_to_stderr()
    .with_context(|| format!("install {wanted} from {index}"))?;
    import_check(r, &python)
}

fn import_check(r: &Run, python: &Path) -> Result<()> {
    check_import(r.sh, &r.ws.root, python, &r.plan.python_module, &r.plan.python_version)
}

/// Imports `module` in the environment of `python` and compares its `__version__`.
fn check_import(
    sh: &Shell,
    root: &Path,
    python: &Path,
    module: &str,
    expected: &str,
) -> Result<()> {
    let _dir = sh.push_dir(target_dir(root));
    let version = py::run(sh, python, Script::ImportVersion)
        .arg(module)
        .read()
        .with_context(|| format!("import {module} from the installed artifact"))?;
    if version.trim() != expected {
        bail!("the installed {module} reports __version__ {}: expected {expected}", version.trim());
    }
    Ok(())
}

/// The locked versions of a test dependency group, as a requirements file.
fn test_requirements(r: &Run, numpy: Numpy) -> Result<PathBuf> {
    let uv = r.env.bin("uv");
    let group = numpy.group();
    let text = cmd!(
        r.sh,
        "{uv} export --frozen --only-group {group} --no-hashes --no-emit-project --quiet"
    )
    .read()
    .with_context(|| format!("export the `{group}` dependency group from uv.lock"))?;
    let path = staging_dir(&r.staging, &format!("requirements-{group}"))?.join("requirements.txt");
    std::fs::write(&path, text)?;
    Ok(path)
}

fn fresh_venv(r: &Run, name: &str, interpreter: &str) -> Result<PathBuf> {
    fresh_venv_in(r.sh, &r.env, &r.staging, name, interpreter)
}

fn fresh_venv_in(
    sh: &Shell,
    env: &PythonEnv,
    staging: &Path,
    name: &str,
    interpreter: &str,
) -> Result<PathBuf> {
    let venv = staging_dir(staging, &format!("venv-{name}"))?;
    let uv = env.bin("uv");
    cmd!(sh, "{uv} venv --quiet --python {interpreter} {venv}")
        .env("UV_PYTHON_DOWNLOADS", "never")
        .run_to_stderr()
        .with_context(|| {
            format!(
                "create a fresh virtual environment with Python {interpreter}: expected that \
                 interpreter installed (in CI, actions/setup-python installs it)"
            )
        })?;
    Ok(venv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_python_gets_the_oldest_numpy() {
        let pythons = |v: &[&str]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let runs = |v: &[String], floor| {
            let runs = test_runs(v, floor).into_iter();
            runs.map(|(p, n)| format!("{p} {}", n.as_str())).collect::<Vec<_>>()
        };
        assert_eq!(runs(&pythons(&["3.10", "3.14"]), true), ["3.10 oldest", "3.14 newest"]);
        assert_eq!(
            runs(&pythons(&["/usr/bin/python3"]), true),
            ["/usr/bin/python3 oldest", "/usr/bin/python3 newest"]
        );
        assert!(runs(&[], true).is_empty());
        // The other wheels' Pythons are newer than the oldest numpy's wheels.
        assert_eq!(runs(&pythons(&["3.15", "3.15t"]), false), ["3.15 newest", "3.15t newest"]);
        assert_eq!(runs(&pythons(&["3.14t"]), false), ["3.14t newest"]);
    }

    #[test]
    fn every_licence_named_travels_with_the_code() {
        let dual = Some("MIT OR Apache-2.0");
        let crate_files =
            ["core-1.0.0/Cargo.toml", "core-1.0.0/LICENSE-MIT", "core-1.0.0/src/lib.rs"];
        let missing = missing_licenses("core-1.0.0.crate", Kind::Crate, dual, &crate_files);
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert!(missing[0].contains("Apache-2.0") && missing[0].contains("LICENSE-APACHE"));
        let wheel = [
            "core/__init__.py",
            "core-1.0.0.dist-info/licenses/LICENSE-MIT",
            "core-1.0.0.dist-info/licenses/LICENSE-APACHE",
        ];
        assert!(missing_licenses("core.whl", Kind::Wheel, dual, &wheel).is_empty());
        // A licence file deep inside the tree is not the package's licence.
        let deep = ["core-1.0.0/tests/LICENSE-MIT", "core-1.0.0/LICENSE-APACHE"];
        assert_eq!(missing_licenses("core.tar.gz", Kind::Sdist, dual, &deep).len(), 1);
        let single = ["core-1.0.0/LICENSE.txt"];
        assert!(missing_licenses("core.tar.gz", Kind::Sdist, Some("MIT"), &single).is_empty());
        assert!(
            missing_licenses("core.tar.gz", Kind::Sdist, None, &single)[0].contains("no `license`")
        );
    }
}
