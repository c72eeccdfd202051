//! `cargo xtask test`: the Rust test suite, then the Python suite against the built extension
//! (with the end-to-end tests: against the wheel their dry run builds and verifies).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use anyhow::{Context, Result, bail};
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

/// More than there are end-to-end scenarios (33 today): see [`EndToEnd::start`].
const END_TO_END_THREADS: &str = "40";

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Test) -> Result<()> {
    let mut progress = Progress::default();
    let result = run_stages(sh, ws, cmd, &mut progress);
    progress.print_summary("test summary");
    result
}

/// The stages, ordered so that nothing is built twice and nothing waits that need not.
///
/// With the end-to-end tests, the test tools install on a thread of their own, and the
/// end-to-end scenarios, built first, run in the background while the rest of the workspace's
/// tests build and run: the scenarios' shared dist is the longest single piece of work, and it
/// starts building as early as it can. The Python suite runs inside them: the dry-run scenario
/// verifies the wheel it built by running the suite against it in fresh environments (with the
/// oldest and the newest numpy), so building the extension a second time to run the suite a
/// third time would only repeat it. Without them (the inner loop), the extension is built into
/// `.venv` and the suite runs against it, as it does with `--python-only` or with pytest
/// arguments.
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
    if cmd.skip_end_to_end {
        progress.stage("cargo test", || cargo_test(sh, Ignored::Skip))?;
        return python_suite(sh, &env, &cmd.pytest_args, progress);
    }
    let tools = progress.stage("test tools", || tools::Install::start(sh, &ws.root))?;
    progress.stage("build end-to-end", || {
        cmd!(sh, "cargo test --workspace --locked --test {END_TO_END} --no-run")
            .run_to_stderr()
            .context("build the end-to-end tests")
    })?;
    let end_to_end = progress.stage("start end-to-end", || EndToEnd::start(sh, &ws.root))?;
    progress.stage("cargo test", || cargo_test(sh, Ignored::Skip))?;
    progress.stage("test tools (wait)", || tools.wait())?;
    progress.stage("end-to-end (wait)", || end_to_end.wait())?;
    if !cmd.pytest_args.is_empty() {
        return python_suite(sh, &env, &cmd.pytest_args, progress);
    }
    eprintln!(
        "the Python suite ran against the verified wheel, in the end-to-end dry run \
         (`cargo xtask test --python-only` runs it against an editable build in .venv)"
    );
    Ok(())
}

/// The end-to-end test binary (`xtask/tests/e2e`).
const END_TO_END: &str = "e2e";

/// The end-to-end scenarios, run by `cargo test` in a process group of their own beside the
/// rest of the tests. Their output goes to a log, shown as it grows once they are waited for.
/// Dropping it before they end (a failed stage, an interrupt) stops them, servers included.
#[derive(Debug)]
struct EndToEnd {
    child: Child,
    log: PathBuf,
    shown: usize,
}

impl EndToEnd {
    fn start(sh: &Shell, root: &Path) -> Result<EndToEnd> {
        // Beside the logs the scenarios write (xtask/tests/e2e/support).
        let logs = root.join("target").join("e2e-logs");
        std::fs::create_dir_all(&logs).with_context(|| format!("create {}", logs.display()))?;
        let log = logs.join(format!("cargo-test-{}.log", std::process::id()));
        let out = File::create(&log).with_context(|| format!("create {}", log.display()))?;
        // Every scenario gets a thread: most of their time is spent waiting (for the shared
        // dist, for a server, for the xtask they run), and `cargo test` would otherwise run only
        // as many at once as there are cores.
        let line = format!(
            "cargo test --workspace --locked --test {END_TO_END} -- --ignored --test-threads \
             {END_TO_END_THREADS}"
        );
        let mut command = Command::from(cmd!(
            sh,
            "cargo test --workspace --locked --test {END_TO_END} -- --ignored --test-threads {END_TO_END_THREADS}"
        ));
        command.stdout(out.try_clone()?).stderr(out);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().with_context(|| format!("start `{line}`"))?;
        eprintln!("$ {line}\n    in the background; its output: {}", log.display());
        Ok(EndToEnd { child, log, shown: 0 })
    }

    /// Shows the output as it grows until the run ends, and fails as it did.
    fn wait(mut self) -> Result<()> {
        loop {
            let status = self.child.try_wait().context("wait for the end-to-end tests")?;
            self.show_new_output()?;
            match status {
                Some(status) if status.success() => return Ok(()),
                Some(status) => bail!(
                    "the end-to-end tests failed ({status}): their output is above and in {}",
                    self.log.display()
                ),
                None => crate::exec::sleep(Duration::from_millis(200))?,
            }
        }
    }

    fn show_new_output(&mut self) -> Result<()> {
        let text =
            std::fs::read(&self.log).with_context(|| format!("read {}", self.log.display()))?;
        // Whole lines only: the rest is shown once it is written.
        let end = text.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
        if end > self.shown {
            std::io::stderr().write_all(&text[self.shown..end])?;
            self.shown = end;
        }
        Ok(())
    }
}

impl Drop for EndToEnd {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        eprintln!("    stopping the end-to-end tests");
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-s", "INT", "--", &format!("-{}", self.child.id())])
            .status();
        #[cfg(not(unix))]
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
