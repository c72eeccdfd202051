//! The CPython interpreters on this machine that wheels are built and tested with: the project
//! environment's own, and those uv finds installed — never downloads — for the builds the
//! release configuration tests on. Which wheel each one builds is the plan's business
//! ([`crate::wheel_tags::StableAbis::built_with`]); this module only finds and asks them.

use std::path::{Path, PathBuf};

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
/// finds installed (in `wanted`'s order, each once). One `uv python list` answers for all of them:
/// a search walks the whole `PATH`, which takes seconds where it holds slow shims (pyenv's), and
/// every command that plans makes one.
pub fn find(sh: &Shell, env: &PythonEnv, wanted: &[Cpython]) -> Result<Vec<FoundPython>> {
    let own = FoundPython { build: probe(sh, &env.python())?, path: env.python() };
    let mut missing: Vec<Cpython> = Vec::new();
    for &build in wanted {
        if build != own.build && !missing.contains(&build) {
            missing.push(build);
        }
    }
    let installed = if missing.is_empty() { Vec::new() } else { uv_list(sh, env) };
    let mut found = vec![own];
    for build in missing {
        if let Some(found_here) = installed.iter().find(|python| python.build == build) {
            let path = versioned_name(&found_here.path, build);
            found.push(FoundPython { build, path });
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

/// The CPython interpreters uv finds installed, without downloading, in the order uv lists them.
/// Assumption: any failure of uv here means "none installed"; callers that need an interpreter
/// say how to install it.
fn uv_list(sh: &Shell, env: &PythonEnv) -> Vec<FoundPython> {
    let uv = env.bin("uv");
    let mut list = cmd!(sh, "{uv} python list --only-installed --output-format json")
        .env("UV_PYTHON_DOWNLOADS", "never")
        .quiet()
        .ignore_stderr();
    if let Some(path) = without_pyenv_shims(sh) {
        list = list.env("PATH", path);
    }
    list.read().map(|json| parse_list(&json)).unwrap_or_default()
}

/// The shell's `PATH` with pyenv's shim directory (`$PYENV_ROOT/shims`) replaced by the `bin`
/// directories of the versions pyenv selects here (`pyenv version-name`, as `3.10.13:3.11.7`;
/// its `system` is the rest of the path): the interpreters those shims run, found directly. uv asks every `python*` on the search path what it is, and a shim is a
/// script that starts pyenv, some thirty processes, on every question, each time (uv keeps the
/// answers of real interpreters only): seconds on every command that plans, ten under load.
/// `None` when there is no pyenv, or no shim directory on `PATH`, or pyenv does not answer.
fn without_pyenv_shims(sh: &Shell) -> Option<std::ffi::OsString> {
    let root = PathBuf::from(sh.var_os("PYENV_ROOT")?);
    let shims = root.join("shims");
    let dirs: Vec<PathBuf> = std::env::split_paths(&sh.var_os("PATH")?).collect();
    if !dirs.contains(&shims) {
        return None;
    }
    let selected = cmd!(sh, "pyenv version-name").quiet().ignore_stderr().read().ok()?;
    let versions = selected.trim().split(':').map(|v| root.join("versions").join(v).join("bin"));
    let versions: Vec<PathBuf> = versions.filter(|bin| bin.is_dir()).collect();
    let mut searched = Vec::new();
    for dir in dirs {
        if dir == shims {
            searched.extend(versions.iter().cloned());
        } else {
            searched.push(dir);
        }
    }
    std::env::join_paths(searched).ok()
}

/// The CPython interpreters of `uv python list --output-format json`, GIL and free-threaded
/// builds; other implementations and variants (debug builds, say) are left out.
fn parse_list(json: &str) -> Vec<FoundPython> {
    let Ok(Value::Array(entries)) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let build = |entry: &Value| {
        let minor = entry["version_parts"]["minor"].as_u64()?.try_into().ok()?;
        let free_threaded = match entry["variant"].as_str()? {
            "default" => false,
            "freethreaded" => true,
            _ => return None,
        };
        let cpython = entry["implementation"] == "cpython" && entry["version_parts"]["major"] == 3;
        cpython.then_some(Cpython { minor, free_threaded })
    };
    entries
        .iter()
        .filter_map(|entry| {
            let path = entry["path"].as_str()?;
            Some(FoundPython { build: build(entry)?, path: PathBuf::from(path) })
        })
        .collect()
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

    /// A stand-in pyenv that selects three versions: one installed, one not, and `system`.
    #[cfg(unix)]
    #[test]
    fn pyenv_shims_give_way_to_the_interpreters_they_run() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("xtask-pyenv-{}", std::process::id()));
        let (root, bin) = (dir.join("pyenv root"), dir.join("bin"));
        for made in [root.join("shims"), root.join("versions/3.10.13/bin"), bin.clone()] {
            std::fs::create_dir_all(made).unwrap();
        }
        let pyenv = bin.join("pyenv");
        std::fs::write(&pyenv, "#!/bin/sh\necho 3.10.13:3.99.0:system\n").unwrap();
        std::fs::set_permissions(&pyenv, std::fs::Permissions::from_mode(0o755)).unwrap();
        let sh = Shell::new().unwrap();
        let path = |dirs: &[PathBuf]| std::env::join_paths(dirs).unwrap();
        let usr = PathBuf::from("/usr/bin");
        sh.set_var("PATH", path(&[bin.clone(), root.join("shims"), usr.clone()]));
        assert_eq!(without_pyenv_shims(&sh), None, "no PYENV_ROOT: no pyenv to ask");
        sh.set_var("PYENV_ROOT", &root);
        assert_eq!(
            without_pyenv_shims(&sh),
            Some(path(&[bin.clone(), root.join("versions/3.10.13/bin"), usr.clone()]))
        );
        sh.set_var("PATH", path(&[bin.clone(), usr]));
        assert_eq!(without_pyenv_shims(&sh), None, "no shims on PATH: nothing to replace");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What uv 0.13.9 lists on this project's development machine (its first and last entries),
    /// with a free-threaded build, a debug build and another implementation added.
    #[test]
    fn uv_lists_the_cpython_builds_in_its_order() {
        let entry = |path: &str, minor: u64, variant: &str, implementation: &str| {
            serde_json::json!({
                "key": format!("{implementation}-3.{minor}.0-linux-x86_64-gnu"),
                "version": format!("3.{minor}.0"),
                "version_parts": {"major": 3, "minor": minor, "patch": 0},
                "path": path, "symlink": null, "url": null, "os": "linux",
                "variant": variant, "implementation": implementation,
                "arch": "x86_64", "libc": "gnu",
            })
        };
        let listed = serde_json::json!([
            entry("/root/.pyenv/shims/python3.11", 11, "default", "cpython"),
            entry("/opt/python3.14t", 14, "freethreaded", "cpython"),
            entry("/opt/python3.14d", 14, "debug", "cpython"),
            entry("/opt/pypy3.11", 11, "default", "pypy"),
            entry("/usr/bin/python3", 11, "default", "cpython"),
        ]);
        let found = parse_list(&listed.to_string());
        let at = |path: &str, build| FoundPython { build, path: PathBuf::from(path) };
        assert_eq!(
            found,
            [
                at("/root/.pyenv/shims/python3.11", Cpython::gil(11)),
                at("/opt/python3.14t", Cpython::free_threaded(14)),
                at("/usr/bin/python3", Cpython::gil(11)),
            ]
        );
        assert_eq!(parse_list("error: no such option"), []);
    }

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
