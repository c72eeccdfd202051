//! `cargo xtask test`: the Rust test suite, then the Python suite against the built extension.

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::{
    flags,
    progress::Progress,
    python_env::{Group, PythonEnv},
    tools,
    workspace::Workspace,
};

/// Whether `cargo test` also runs the `#[ignore]`d tests: the end-to-end release tests, which
/// run a whole release on a copy of the workspace. The person (or job) running the tests
/// chooses; the tool never sets a variable for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    Include,
    Skip,
}

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Test) -> Result<()> {
    let mut progress = Progress::default();
    let result = run_stages(sh, ws, cmd, &mut progress);
    progress.print_summary("test summary");
    result
}

fn run_stages(
    sh: &Shell,
    ws: &Workspace,
    cmd: &flags::Test,
    progress: &mut Progress,
) -> Result<()> {
    let env = progress.stage("python env", || PythonEnv::ensure(sh, &ws.root, Group::Dev))?;
    env.activate(sh);
    if !cmd.python_only {
        let ignored = if cmd.skip_end_to_end { Ignored::Skip } else { Ignored::Include };
        if ignored == Ignored::Include {
            progress.stage("test tools", || tools::ensure(sh, &ws.root))?;
        }
        progress.stage("cargo test", || cargo_test(sh, ignored))?;
    }
    progress.stage("build extension", || build_extension(sh, &env))?;
    progress.stage("pytest", || {
        let python = env.python();
        let args = &cmd.pytest_args;
        cmd!(sh, "{python} -m pytest {args...}").run_to_stderr().context("pytest failed")
    })
}

/// The Rust test suite of the whole workspace (unit, integration and doc tests).
pub fn cargo_test(sh: &Shell, ignored: Ignored) -> Result<()> {
    let include = (ignored == Ignored::Include).then_some("--include-ignored");
    cmd!(sh, "cargo test --workspace --locked -- {include...}")
        .run_to_stderr()
        .context("cargo test failed")
}

/// Builds the extension in release mode and installs it into `.venv` (editable, so the
/// pure-Python sources under `python/` are the ones tested).
pub fn build_extension(sh: &Shell, env: &PythonEnv) -> Result<()> {
    let maturin = env.bin("maturin");
    cmd!(sh, "{maturin} develop --release --locked --uv")
        .run_to_stderr()
        .context("build the extension with `maturin develop`")
}
