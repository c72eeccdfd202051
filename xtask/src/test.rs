//! `cargo xtask test`: the Rust test suite, then the Python suite against the built extension.

use crate::exec::CmdExt;
use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::{flags, progress::Progress, project, python_env::PythonEnv, tools};

pub fn run(sh: &Shell, cmd: &flags::Test) -> Result<()> {
    let mut progress = Progress::default();
    let result = run_stages(sh, cmd, &mut progress);
    progress.print_summary("test summary");
    result
}

fn run_stages(sh: &Shell, cmd: &flags::Test, progress: &mut Progress) -> Result<()> {
    let env = progress.stage("python env", || PythonEnv::ensure(sh, &project::root()))?;
    env.activate(sh);
    if !cmd.python_only {
        progress.stage("test tools", || tools::ensure(sh, &project::root()))?;
        progress.stage("cargo test", || cargo_test(sh))?;
    }
    progress.stage("build extension", || build_extension(sh, &env))?;
    progress.stage("pytest", || {
        let python = env.python();
        let args = &cmd.pytest_args;
        cmd!(sh, "{python} -m pytest {args...}").run_to_stderr().context("pytest failed")
    })
}

/// The Rust test suite of the whole workspace (unit, integration and doc tests).
pub fn cargo_test(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo test --workspace --locked").run_to_stderr().context("cargo test failed")
}

/// Builds the extension in release mode and installs it into `.venv` (editable, so the
/// pure-Python sources under `python/` are the ones tested).
pub fn build_extension(sh: &Shell, env: &PythonEnv) -> Result<()> {
    let maturin = env.bin("maturin");
    cmd!(sh, "{maturin} develop --release --locked --uv")
        .run_to_stderr()
        .context("build the extension with `maturin develop`")
}
