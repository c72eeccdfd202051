//! The plan's wheels: one per wheel target and ABI family, with its exact file name and tags,
//! whether this host builds it, the CPython builds its tests run on, and which wheel an
//! installer picks for every supported CPython — and the checks verify runs on the files built.
//! Pure, like the rest of the plan; the tag rules themselves live in [`crate::wheel_tags`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{Result, bail};
use serde::Serialize;
use serde_json::Value;

use super::Builder;
use crate::files::FileName;
use crate::host::Host;
use crate::json::{display, display_each};
use crate::pythons::FoundPython;
use crate::wheel_tags::{self, Cpython, StableAbis, Tag, WheelAbi, WheelFile};
use crate::workspace::config::{Platform, ReleaseConfig, Triple, WheelTarget, os_of};

/// One wheel of the release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedWheel {
    #[serde(serialize_with = "triple")]
    pub target: WheelTarget,
    #[serde(serialize_with = "display")]
    pub abi: WheelAbi,
    #[serde(rename = "wheel")]
    pub file: FileName,
    #[serde(skip)]
    pub builder: Builder,
    /// Whether its target is this host's own: its tests can run here.
    #[serde(skip)]
    pub runs_here: bool,
    /// The configured CPython builds that install this wheel on its target: its tests run there.
    #[serde(serialize_with = "display_each")]
    pub tested_on: Vec<Cpython>,
    /// Whether the oldest supported Python installs it, so that its tests also run the oldest
    /// numpy: the floor the package declares.
    #[serde(skip)]
    pub serves_oldest: bool,
}

/// One job of the GitHub Actions build matrix: a target's runner builds all its wheels in turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixJob {
    pub target: Triple,
    pub runner: String,
    #[serde(serialize_with = "display")]
    pub platform: Platform,
    #[serde(serialize_with = "display_each")]
    pub python: Vec<Cpython>,
    pub wheels: Vec<FileName>,
}

/// A run of CPython builds (`3.10 – 3.14`, `3.15t and later`) and the ABI of the wheel an
/// installer picks for them (`None`: no wheel installs there).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PickRow {
    pub first: String,
    pub last: String,
    pub and_later: bool,
    pub abi: Option<String>,
}

fn triple<S: serde::Serializer>(target: &WheelTarget, s: S) -> Result<S::Ok, S::Error> {
    target.target.serialize(s)
}

/// What the package supports and what its extension builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Support {
    /// The oldest CPython (3.X) the package supports, from pyproject's `requires-python`.
    pub requires_python: u32,
    /// The stable ABIs the extension's pyo3 features select.
    pub stable: StableAbis,
}

impl PlannedWheel {
    /// Every tag the wheel carries.
    pub fn tags(&self) -> BTreeSet<Tag> {
        self.abi.tags(&self.target.platform_tag())
    }
}

/// The wheels of every configured target and family, in configuration order (targets, then
/// families), named `{prefix}-{tags}.whl`; every inconsistency of the configuration with the
/// extension's features and with itself is reported at once.
pub fn plan(
    config: &ReleaseConfig,
    support: Support,
    host: &Host,
    extension: &str,
    prefix: &str,
) -> Result<Vec<PlannedWheel>> {
    let mut problems = Vec::new();
    let abis: Vec<WheelAbi> = config
        .families
        .iter()
        .filter_map(|&family| {
            support
                .stable
                .wheel(family)
                .map_err(|e| problems.push(format!("{extension}: {e}")))
                .ok()
        })
        .collect();
    let mut wheels = Vec::new();
    for target in &config.wheels {
        let made = target_wheels(target, &abis, support, host, prefix, &mut problems)?;
        wheels.extend(made);
    }
    if !problems.is_empty() {
        bail!(
            "the wheels in [workspace.metadata.release] cannot be planned:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(wheels)
}

/// The wheels of one target, one per ABI family, with the problems of its python list.
fn target_wheels(
    target: &WheelTarget,
    abis: &[WheelAbi],
    support: Support,
    host: &Host,
    prefix: &str,
    problems: &mut Vec<String>,
) -> Result<Vec<PlannedWheel>> {
    let mut wheels = Vec::new();
    let platform = target.platform_tag();
    let tags: Vec<BTreeSet<Tag>> = abis.iter().map(|abi| abi.tags(&platform)).collect();
    let picks = |python: Cpython| wheel_tags::pick(python, &platforms(&platform), &tags);
    for python in target.python.iter().filter(|&&python| picks(python).is_none()) {
        problems.push(format!(
            "{}: {python} installs none of its wheels: drop it from its python list, or add \
             the family it needs",
            target.target
        ));
    }
    let oldest = picks(Cpython::gil(support.requires_python));
    for (i, &abi) in abis.iter().enumerate() {
        let file = super::file_name(format!("{prefix}-{abi}-{platform}.whl"))?;
        let tested_on: Vec<Cpython> =
            target.python.iter().copied().filter(|&python| picks(python) == Some(i)).collect();
        if tested_on.is_empty() {
            let fix = match installers(support, &platform, &tags, i) {
                None => "no supported CPython installs it at all: drop the family".to_owned(),
                Some(installers) => format!("add one of {installers}"),
            };
            problems.push(format!(
                "{}: no python in its list installs {file}, so nothing would test it: {fix}",
                target.target
            ));
        }
        if !target.python.iter().any(|&python| support.stable.built_with(python) == abi) {
            problems.push(format!(
                "{}: no python in its list builds the {abi} wheel ({}, with pyo3's features): \
                 add one",
                target.target,
                builders(support.stable, abi)
            ));
        }
        wheels.push(PlannedWheel {
            target: target.clone(),
            abi,
            file,
            builder: builder(host, support, target, abi),
            runs_here: target.target.as_str() == host.target,
            tested_on,
            serves_oldest: oldest == Some(i),
        });
    }
    Ok(wheels)
}

/// Whether an installer on `python` picks `wheel` among the wheels of its target.
pub fn installs(python: Cpython, wheel: &PlannedWheel, of_target: &[PlannedWheel]) -> bool {
    let tags: Vec<BTreeSet<Tag>> = of_target.iter().map(PlannedWheel::tags).collect();
    let picked = wheel_tags::pick(python, &platforms(&wheel.target.platform_tag()), &tags);
    picked.is_some_and(|i| of_target[i].file == wheel.file)
}

/// Where a wheel of `abi` for `target` gets built: here when nothing stops it, else in CI.
pub fn builder(host: &Host, support: Support, target: &WheelTarget, abi: WheelAbi) -> Builder {
    match cannot_build(host, support, target, abi) {
        None => Builder::Host,
        Some(_) => Builder::Ci,
    }
}

/// Why this host cannot build a wheel of `abi` for `target` (`None`: it can). It needs the
/// target's Rust std and the same OS (Linux targets cross-build with zig; macOS and Windows need
/// their own SDKs), and an interpreter that builds that ABI.
pub fn cannot_build(
    host: &Host,
    support: Support,
    target: &WheelTarget,
    abi: WheelAbi,
) -> Option<String> {
    let os = target.target.os();
    if os_of(&host.target) != os {
        return Some(format!("a {} host cannot build for {os}", host.target));
    }
    if !host.installed_targets.iter().any(|t| t == target.target.as_str()) {
        return Some(format!(
            "the Rust std of {} is not installed (`rustup target add {}`)",
            target.target, target.target
        ));
    }
    if build_python(host, support, abi).is_none() {
        let wanted: Vec<String> = target
            .python
            .iter()
            .filter(|&&python| support.stable.built_with(python) == abi)
            .map(|python| format!("`uv python find --no-project {}`", python.uv_request()))
            .collect();
        let finds = match wanted.as_slice() {
            [] => "none of its python list does".to_owned(),
            [one] => format!("{one} finds none"),
            _ => format!("{} find none", wanted.join(", ")),
        };
        return Some(format!(
            "no interpreter here builds it: {}, and {finds}",
            builders(support.stable, abi)
        ));
    }
    None
}

/// The interpreter this host builds a wheel of `abi` with: the first it has that makes one (the
/// project environment's own comes first).
pub fn build_python(host: &Host, support: Support, abi: WheelAbi) -> Option<&FoundPython> {
    host.pythons.iter().find(|p| support.stable.built_with(p.build) == abi)
}

/// The oldest CPython (3.X) `requires-python` admits: its `>=3.X` clause.
pub fn requires_python(specifier: Option<&str>) -> Result<u32> {
    let floor = specifier.and_then(|s| {
        s.split(',').find_map(|clause| {
            let version = clause.trim().strip_prefix(">=")?.trim();
            let minor = version.strip_prefix("3.")?;
            let minor = minor.split_once('.').map_or(minor, |(minor, _patch)| minor);
            Cpython::parse(&format!("3.{minor}")).ok().filter(|p| !p.free_threaded)
        })
    });
    match floor {
        Some(python) => Ok(python.minor),
        None => bail!(
            "pyproject.toml: [project] requires-python is {}: expected a `>=3.X` clause, the \
             oldest Python the package supports (the wheels must cover it and every later one); \
             add `requires-python = \">=3.10\"`",
            specifier.map_or_else(|| "missing".to_owned(), |s| format!("`{s}`"))
        ),
    }
}

/// The platform tags a compressed platform tag stands for.
fn platforms(platform: &str) -> BTreeSet<String> {
    platform.split('.').map(str::to_owned).collect()
}

/// The supported builds that install wheel `i`, as the picks table shows them (`None`: none).
fn installers(
    support: Support,
    platform: &str,
    tags: &[BTreeSet<Tag>],
    i: usize,
) -> Option<String> {
    let runs = wheel_tags::pick_runs(support.requires_python, &platforms(platform), tags);
    let names: Vec<String> =
        runs.iter().filter(|r| r.wheel == Some(i)).map(|r| r.versions()).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// Which builds make a wheel of `abi`, among those a configuration could list: `3.14t builds
/// it`, `3.15 and later, 3.15t and later build it`.
fn builders(stable: StableAbis, abi: WheelAbi) -> String {
    let horizon = [stable.abi3, stable.abi3t, Some(abi.python)].into_iter().flatten().max();
    let horizon = horizon.unwrap_or(abi.python).max(wheel_tags::FREE_THREADED_FLOOR) + 1;
    let gil = (2..=horizon).map(Cpython::gil);
    let candidates = gil.chain((13..=horizon).map(Cpython::free_threaded));
    let answers =
        candidates.map(|python| (python, (stable.built_with(python) == abi).then_some(0)));
    let runs = wheel_tags::fold(answers, horizon);
    let runs: Vec<&wheel_tags::PickRun> = runs.iter().filter(|run| run.wheel.is_some()).collect();
    let names: Vec<String> = runs.iter().map(|run| run.versions()).collect();
    match runs.as_slice() {
        [] => "no CPython builds it".to_owned(),
        [one] if one.first == one.last && !one.and_later => format!("{} builds it", names[0]),
        _ => format!("{} build it", names.join(", ")),
    }
}

/// Each target once, with its wheels, in plan order.
fn by_target(wheels: &[PlannedWheel]) -> Vec<(&WheelTarget, Vec<&PlannedWheel>)> {
    let mut targets: Vec<(&WheelTarget, Vec<&PlannedWheel>)> = Vec::new();
    for w in wheels {
        match targets.iter_mut().find(|(t, _)| t.target == w.target.target) {
            Some((_, of_target)) => of_target.push(w),
            None => targets.push((&w.target, vec![w])),
        }
    }
    targets
}

/// The plan's text sections on wheels: each target with the builds it tests on, then which
/// wheel an installer picks for every supported CPython — the same on every target, since each
/// builds the same families and an installer ranks by interpreter and ABI alone.
pub fn render_text(out: &mut String, wheels: &[PlannedWheel], support: Support) {
    let targets = by_target(wheels);
    let _ = writeln!(out, "wheel targets (each python tests the wheel it installs)");
    for (target, _) in &targets {
        let python: Vec<String> = target.python.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "  {:<27} {:<17} {:<15} python {}",
            target.target,
            target.runner,
            target.platform.to_string(),
            python.join(", ")
        );
    }
    let Some((target, of_target)) = targets.first() else {
        return;
    };
    let _ = writeln!(out, "wheels by interpreter (what an installer picks, on every target)");
    let tags: Vec<BTreeSet<Tag>> = of_target.iter().map(|w| w.tags()).collect();
    let platforms = platforms(&target.platform_tag());
    for run in wheel_tags::pick_runs(support.requires_python, &platforms, &tags) {
        let wheel = run
            .wheel
            .map_or_else(|| "none: not covered".to_owned(), |i| of_target[i].abi.to_string());
        let _ = writeln!(out, "  {:<17} {wheel}", run.versions());
    }
}

/// Which wheel an installer picks for every supported CPython (the text table's rows).
pub fn picks(wheels: &[PlannedWheel], support: Support) -> Vec<PickRow> {
    let Some((target, of_target)) = by_target(wheels).into_iter().next() else {
        return Vec::new();
    };
    let tags: Vec<BTreeSet<Tag>> = of_target.iter().map(|w| w.tags()).collect();
    let runs =
        wheel_tags::pick_runs(support.requires_python, &platforms(&target.platform_tag()), &tags);
    runs.iter()
        .map(|run| PickRow {
            first: run.first.to_string(),
            last: run.last.to_string(),
            and_later: run.and_later,
            abi: run.wheel.map(|i| of_target[i].abi.to_string()),
        })
        .collect()
}

/// The GitHub Actions build matrix: one job per target, which builds all its wheels in turn.
pub fn matrix(wheels: &[PlannedWheel]) -> Vec<MatrixJob> {
    by_target(wheels)
        .into_iter()
        .map(|(target, of_target)| MatrixJob {
            target: target.target,
            runner: target.runner.clone(),
            platform: target.platform,
            python: target.python.clone(),
            wheels: of_target.iter().map(|w| w.file.clone()).collect(),
        })
        .collect()
}

/// What is wrong with a built wheel's tags: its file name and the `Tag` lines of its WHEEL file
/// must each carry exactly the planned tags.
pub fn tag_problems(planned: &PlannedWheel, wheel_file_tags: &[String]) -> Vec<String> {
    let expected = planned.tags();
    let compare = |what: &str, found: &BTreeSet<Tag>| {
        let missing: Vec<String> = expected.difference(found).map(Tag::to_string).collect();
        let extra: Vec<String> = found.difference(&expected).map(Tag::to_string).collect();
        (*found != expected).then(|| {
            format!(
                "{}: {what} has the wrong tags: missing {missing:?}, unexpected {extra:?}",
                planned.file
            )
        })
    };
    let mut problems = Vec::new();
    match WheelFile::parse(planned.file.as_str()) {
        Ok(name) => problems.extend(compare("its file name", &name.tags)),
        Err(e) => problems.push(e),
    }
    let mut from_wheel_file = BTreeSet::new();
    for line in wheel_file_tags {
        match Tag::expand(line) {
            Ok(tags) => from_wheel_file.extend(tags),
            Err(e) => problems.push(format!("{}: its WHEEL file: {e}", planned.file)),
        }
    }
    problems.extend(compare("its WHEEL file", &from_wheel_file));
    problems
}

/// What abi3audit's `--report` says is wrong with an `abi3.abi3t` wheel. abi3audit knows abi3
/// only (pypa/abi3audit#215): the one symbol it flags in every abi3t extension is the module's
/// PEP 793 entry point, `PyModExport_<module>` — the abi3t counterpart of `PyInit_<module>`,
/// which it allows. Everything else it reports is a problem, as with `--strict`.
pub fn abi3t_audit_problems(report: &Value, extension_module: &str) -> Vec<String> {
    let module = extension_module.rsplit('.').next().unwrap_or(extension_module);
    let entry_point = format!("PyModExport_{module}");
    let mut problems = Vec::new();
    let specs = report["specs"].as_object().into_iter().flatten();
    for (wheel, spec) in specs {
        let objects = spec["wheel"].as_array().map(Vec::as_slice).unwrap_or_default();
        if objects.is_empty() {
            problems.push(format!("{wheel}: abi3audit audited no extension module in it"));
        }
        for object in objects {
            let (name, result) = (&object["name"], &object["result"]);
            let symbols = result["non_abi3_symbols"].as_array().into_iter().flatten();
            let foreign: Vec<&Value> =
                symbols.filter(|s| s.as_str() != Some(entry_point.as_str())).collect();
            if !foreign.is_empty() {
                problems.push(format!(
                    "{wheel}: {name} uses symbols outside the stable ABI: {foreign:?}"
                ));
            }
            if result["is_abi3_baseline_compatible"] != Value::Bool(true) {
                problems.push(format!(
                    "{wheel}: {name} needs a newer stable ABI ({}) than its tag says ({})",
                    result["computed"], result["baseline"]
                ));
            }
            if result["future_abi3_objects"].as_object().is_some_and(|f| !f.is_empty()) {
                problems.push(format!(
                    "{wheel}: {name} uses stable-ABI objects newer than its tag: {}",
                    result["future_abi3_objects"]
                ));
            }
        }
    }
    if report["specs"].as_object().is_none_or(|specs| specs.is_empty()) {
        problems.push(format!("abi3audit reported nothing: {report}"));
    }
    problems
}

/// The supported CPython builds that no wheel of a target installs, for every target of
/// `wheels`, with each wheel's tags as `tags_of` reads them (from its file, or as planned).
pub fn coverage_problems(
    wheels: &[PlannedWheel],
    support: Support,
    tags_of: impl Fn(&PlannedWheel) -> Result<BTreeSet<Tag>, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (target, of_target) in by_target(wheels) {
        let mut tags = Vec::new();
        for w in &of_target {
            match tags_of(w) {
                Ok(t) => tags.push(t),
                Err(e) => problems.push(e),
            }
        }
        let platforms = platforms(&target.platform_tag());
        let uncovered: Vec<String> =
            wheel_tags::pick_runs(support.requires_python, &platforms, &tags)
                .into_iter()
                .filter(|run| run.wheel.is_none())
                .map(|run| run.versions())
                .collect();
        if !uncovered.is_empty() {
            problems.push(format!(
                "{}: no wheel installs on CPython {}: expected every CPython from 3.{} and every \
                 free-threaded one from 3.{}t covered; add the family that serves them to \
                 [workspace.metadata.release] families",
                target.target,
                uncovered.join(", "),
                support.requires_python,
                wheel_tags::FREE_THREADED_FLOOR
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests;
