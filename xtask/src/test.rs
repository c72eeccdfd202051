//! `cargo xtask test`: the Rust test suite, then the Python suite against the built extension
//! (with the end-to-end tests: against the wheel their dry run builds and verifies).

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

/// More than there are end-to-end scenarios (23 today).
const END_TO_END_THREADS: &str = "32";

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Test) -> Result<()> {
    let mut progress = Progress::default();
    let result = run_stages(sh, ws, cmd, &mut progress);
    progress.print_summary("test summary");
    result
}

/// The stages, ordered so that nothing is built twice and nothing waits that need not.
///
/// With the end-to-end tests, the test tools install on a thread of their own while the tests
/// compile, and the Python suite runs inside them: the dry-run scenario verifies the wheel it
/// built by running the suite against it in fresh environments (with the oldest and the newest
/// numpy), so building the extension a second time to run the suite a third time would only
/// repeat it. Without them (the inner loop), the extension is built into `.venv` and the suite
/// runs against it, as it does with `--python-only` or with pytest arguments.
fn run_stages(
    sh: &Shell,
    ws: &Workspace,
    cmd: &flags::Test,
    progress: &mut Progress,
) -> Result<()> {
    let env = progress.stage("python env", || PythonEnv::ensure(sh, &ws.root, Group::Dev))?;
    env.activate(sh);
    if cmd.python_only {
        return python_suite(sh, &env, &cmd.pytest_args, progress);
    }
    let ignored = if cmd.skip_end_to_end { Ignored::Skip } else { Ignored::Include };
    let tools = (ignored == Ignored::Include).then(|| tools::Install::start(sh, &ws.root));
    progress.stage("build tests", || build_tests(sh))?;
    if let Some(tools) = tools {
        progress.stage("test tools", || tools.wait())?;
    }
    progress.stage("cargo test", || cargo_test(sh, ignored))?;
    if ignored == Ignored::Include && cmd.pytest_args.is_empty() {
        eprintln!(
            "the Python suite ran against the verified wheel, in the end-to-end dry run \
             (`cargo xtask test --python-only` runs it against an editable build in .venv)"
        );
        return Ok(());
    }
    python_suite(sh, &env, &cmd.pytest_args, progress)
}

/// The extension built into `.venv`, and pytest against it.
fn python_suite(
    sh: &Shell,
    env: &PythonEnv,
    pytest_args: &[String],
    progress: &mut Progress,
) -> Result<()> {
    progress.stage("build extension", || build_extension(sh, env))?;
    progress.stage("pytest", || {
        let python = env.python();
        cmd!(sh, "{python} -m pytest {pytest_args...}").run_to_stderr().context("pytest failed")
    })
}

/// Compiles every test target of the workspace without running it.
fn build_tests(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo test --workspace --locked --no-run")
        .run_to_stderr()
        .context("build the tests with `cargo test --no-run`")
}

/// The Rust test suite of the whole workspace (unit, integration and doc tests).
///
/// With the end-to-end tests, every one of them gets a thread: most of their time is spent
/// waiting (for the shared dist to be built, for a server, for the xtask they run), and
/// `cargo test` would otherwise run only as many at once as there are cores.
pub fn cargo_test(sh: &Shell, ignored: Ignored) -> Result<()> {
    let include: &[&str] = match ignored {
        Ignored::Include => &["--include-ignored", "--test-threads", END_TO_END_THREADS],
        Ignored::Skip => &[],
    };
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
