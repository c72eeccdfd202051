//! The CPython interpreters on this machine that wheels are built and tested with: the project
//! environment's own, and those uv finds installed — never downloads — for the builds the
//! release configuration tests on. Which wheel each one builds is the plan's business
//! ([`crate::wheel_tags::StableAbis::built_with`]); this module only finds and asks them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

use crate::py::{self, Script};
use crate::python_env::PythonEnv;
use crate::wheel_tags::Cpython;

/// An interpreter found here, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPython {
    pub build: Cpython,
    pub path: PathBuf,
}

/// The project environment's interpreter, then one for each `wanted` build it is not that uv
/// finds (in `wanted`'s order, each once). The searches run at once: each walks the whole
/// `PATH`, which takes seconds where it holds slow shims (pyenv's).
pub fn find(sh: &Shell, env: &PythonEnv, wanted: &[Cpython]) -> Result<Vec<FoundPython>> {
    let own = FoundPython { build: probe(sh, &env.python())?, path: env.python() };
    let mut missing: Vec<Cpython> = Vec::new();
    for &build in wanted {
        if build != own.build && !missing.contains(&build) {
            missing.push(build);
        }
    }
    let searches: Vec<(Cpython, Option<Child>)> =
        missing.into_iter().map(|build| (build, uv_find(sh, env, build))).collect();
    let mut found = vec![own];
    for (build, search) in searches {
        let Some(out) = search.and_then(|child| child.wait_with_output().ok()) else {
            continue;
        };
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if out.status.success() && !path.is_empty() {
            found.push(FoundPython { build, path: versioned_name(Path::new(&path), build) });
        }
    }
    Ok(found)
}

/// What the interpreter at `python` is; an error for anything but CPython 3.
pub fn probe(sh: &Shell, python: &Path) -> Result<Cpython> {
    let shown = python.display();
    let out = py::run(sh, python, Script::Interpreter)
        .quiet()
        .read()
        .with_context(|| format!("ask {shown} what it is"))?;
    let answer: Value = serde_json::from_str(&out)
        .with_context(|| format!("{shown} printed no interpreter description: {out}"))?;
    let (implementation, major) = (&answer["implementation"], &answer["major"]);
    let minor = answer["minor"].as_u64().and_then(|m| u32::try_from(m).ok());
    match (implementation.as_str(), major.as_u64(), minor) {
        (Some("cpython"), Some(3), Some(minor)) => {
            Ok(Cpython { minor, free_threaded: answer["free_threaded"].as_bool().unwrap_or(false) })
        }
        _ => bail!(
            "{shown} is not CPython 3: expected a CPython interpreter, found {implementation} \
             {major}.{}",
            answer["minor"]
        ),
    }
}

/// `uv python find` for exactly `build`, without downloading, started: its stdout is the path.
/// Assumption: any failure of uv here means "not installed" (uv answers that with exit code 2,
/// as it does other errors); callers that need the interpreter say how to install it.
fn uv_find(sh: &Shell, env: &PythonEnv, build: Cpython) -> Option<Child> {
    let (uv, request) = (env.bin("uv"), build.uv_request());
    let search = cmd!(sh, "{uv} python find --no-project --quiet {request}")
        .env("UV_PYTHON_DOWNLOADS", "never");
    let mut command = Command::from(search);
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
    command.spawn().ok()
}

/// The interpreter's versioned name beside it (`python3.14t` next to the `python3` uv found),
/// when there is one: maturin reads the version of a cross-compiled, version-specific wheel from
/// the interpreter's file name (`find_in_sysconfig` in maturin's resolver).
fn versioned_name(path: &Path, build: Cpython) -> PathBuf {
    let name = format!("python{build}{}", std::env::consts::EXE_SUFFIX);
    let sibling = path.with_file_name(name);
    if sibling.is_file() { sibling } else { path.to_path_buf() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_versioned_name_is_preferred_when_it_exists() {
        let dir = std::env::temp_dir().join(format!("xtask-pythons-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("python3");
        std::fs::write(&plain, "").unwrap();
        let build = Cpython::free_threaded(14);
        assert_eq!(versioned_name(&plain, build), plain, "no sibling: the path uv gave");
        let versioned = dir.join(format!("python3.14t{}", std::env::consts::EXE_SUFFIX));
        std::fs::write(&versioned, "").unwrap();
        assert_eq!(versioned_name(&plain, build), versioned);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The interpreter running the tests' project environment answers for itself.
    #[test]
    fn the_project_interpreter_describes_itself() {
        let Some(env) = crate::python_env::existing(&crate::project::root()) else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "no .venv to probe");
            return;
        };
        let sh = Shell::new().unwrap();
        let build = probe(&sh, &env.python()).unwrap();
        assert!(build.minor >= 10, "{build}");
        let found = find(&sh, &env, &[build]).unwrap();
        assert_eq!(found, [FoundPython { build, path: env.python() }], "asked twice");
    }
}
