//! The one gateway to Python. Every Python program the xtask runs is a real file under
//! `xtask/py/` (linted by ruff in `cargo xtask lint`), compiled into the binary and run here with
//! an interpreter the caller chooses — the project environment's, or a fresh one's.
//!
//! `-I` (isolated mode) keeps the working directory, `PYTHONPATH` and the user's site-packages
//! out of `sys.path`, so an import answers for the installed package and nothing else.

use std::path::Path;

use xshell::{Cmd, Shell, cmd};

/// A program in `xtask/py/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// `http_request.py get URL | probe-pypi URL | probe-crates API NAME VERSION | post-json`:
    /// the status line, then the body (credentials and webhook URLs from the environment).
    Http,
    /// `inspect_artifacts.py PATH…`: name, version and files inside each artifact, as JSON.
    InspectArtifacts,
    /// `import_version.py MODULE [DIST]`: `__version__`, then the distribution's version.
    ImportVersion,
    /// `interpreter.py`: the running interpreter's implementation, version and build, as JSON.
    Interpreter,
    /// `yaml_to_json.py PATH…`: YAML files as one JSON object.
    #[cfg_attr(not(test), expect(dead_code, reason = "only the workflow tidy tests read YAML"))]
    YamlToJson,
}

impl Script {
    #[cfg(test)]
    pub const ALL: [Script; 5] = [
        Script::Http,
        Script::InspectArtifacts,
        Script::ImportVersion,
        Script::Interpreter,
        Script::YamlToJson,
    ];

    /// The file name under `xtask/py/`.
    #[cfg(test)]
    pub fn file_name(self) -> &'static str {
        match self {
            Script::Http => "http_request.py",
            Script::InspectArtifacts => "inspect_artifacts.py",
            Script::ImportVersion => "import_version.py",
            Script::Interpreter => "interpreter.py",
            Script::YamlToJson => "yaml_to_json.py",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Script::Http => include_str!("../py/http_request.py"),
            Script::InspectArtifacts => include_str!("../py/inspect_artifacts.py"),
            Script::ImportVersion => include_str!("../py/import_version.py"),
            Script::Interpreter => include_str!("../py/interpreter.py"),
            Script::YamlToJson => include_str!("../py/yaml_to_json.py"),
        }
    }
}

/// `python -I <script> args…`, ready for its arguments (`.arg`, `.args`) and to run.
pub fn run<'a>(sh: &'a Shell, python: &Path, script: Script) -> Cmd<'a> {
    let source = script.source();
    // The source goes in with `-c`: the binary carries its scripts, so a copy of the workspace
    // without xtask/py (or an older one) still runs the programs this xtask was built with.
    cmd!(sh, "{python} -I -c {source}")
}

/// The directory the scripts live in, relative to the workspace root (for the linters).
pub const DIR: &str = "xtask/py";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `xtask/py` is a script the gateway knows, and every script is a file.
    #[test]
    fn every_script_is_a_file_and_every_file_a_script() {
        let dir = crate::project::root().join(DIR);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".py"))
            .collect();
        files.sort();
        let mut known: Vec<String> = Script::ALL.iter().map(|s| s.file_name().to_owned()).collect();
        known.sort();
        assert_eq!(files, known, "xtask/py and py::Script disagree");
    }
}
