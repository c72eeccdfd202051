//! `cargo xtask lint`: every linter, all run even when one fails, reported together.

use crate::exec::CmdExt;
use anyhow::{Result, bail};
use xshell::{Shell, cmd};

use crate::{
    flags, progress::Progress, py, python_env::PythonEnv, workflows, workspace::Workspace,
};

/// One linter: how to run it, and the command that fixes what it reports.
struct Check {
    name: &'static str,
    fix: &'static str,
    run: fn(&Shell, &PythonEnv) -> Result<()>,
}

/// The Python the project lints: the package and the xtask's own programs.
const PYTHON_DIRS: [&str; 2] = ["python", py::DIR];

const CHECKS: &[Check] = &[
    Check {
        name: "rustfmt",
        fix: "cargo fmt --all",
        run: |sh, _| cmd!(sh, "cargo fmt --all --check").run_to_stderr(),
    },
    Check {
        name: "clippy",
        fix: "cargo clippy --fix --workspace --all-targets --allow-dirty (then fix the rest by hand)",
        run: |sh, _| {
            cmd!(sh, "cargo clippy --workspace --all-targets --locked -- -D warnings")
                .run_to_stderr()
        },
    },
    Check {
        name: "ruff check",
        fix: ".venv/bin/ruff check --fix python xtask/py",
        run: |sh, env| {
            let ruff = env.bin("ruff");
            cmd!(sh, "{ruff} check {PYTHON_DIRS...}").run_to_stderr()
        },
    },
    Check {
        name: "ruff format",
        fix: ".venv/bin/ruff format python xtask/py",
        run: |sh, env| {
            let ruff = env.bin("ruff");
            cmd!(sh, "{ruff} format --check {PYTHON_DIRS...}").run_to_stderr()
        },
    },
    Check {
        name: "zizmor",
        fix: "fix what zizmor reports in .github/workflows (https://docs.zizmor.sh/audits/)",
        run: |sh, env| workflows::zizmor(sh, &env.bin("zizmor")),
    },
    Check {
        name: "workflow schema",
        fix: "correct .github/workflows/*.yml where check-jsonschema points",
        run: |sh, env| workflows::check_schema(sh, &env.bin("check-jsonschema")),
    },
];

pub fn run(sh: &Shell, ws: &Workspace, _cmd: &flags::Lint) -> Result<()> {
    let mut progress = Progress::default();
    let result = progress.stage("python env", || PythonEnv::ensure(sh, &ws.root)).and_then(|env| {
        env.activate(sh);
        run_checks(sh, ws, &env, &mut progress)
    });
    progress.print_summary("lint summary");
    result
}

/// Runs every linter, each as its own stage, and fails at the end naming every fix.
pub fn run_checks(
    sh: &Shell,
    ws: &Workspace,
    env: &PythonEnv,
    progress: &mut Progress,
) -> Result<()> {
    let _dir = sh.push_dir(&ws.root);
    let mut failed = Vec::new();
    for check in CHECKS {
        if progress.stage(check.name, || (check.run)(sh, env)).is_err() {
            failed.push(check);
        }
    }
    if !failed.is_empty() {
        let lines: Vec<String> =
            failed.iter().map(|c| format!("  {}: run `{}`", c.name, c.fix)).collect();
        bail!("lint failed: expected every linter to pass; to fix:\n{}", lines.join("\n"));
    }
    Ok(())
}
