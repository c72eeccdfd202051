//! `cargo xtask lint`: every linter, all run even when one fails, reported together.

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

use crate::{flags, progress::Progress, project, python_env::PythonEnv};

/// One linter: how to run it, and the command that fixes what it reports.
struct Check {
    name: &'static str,
    fix: &'static str,
    run: fn(&Shell, &PythonEnv) -> Result<()>,
}

const CHECKS: &[Check] = &[
    Check {
        name: "rustfmt",
        fix: "cargo fmt --all",
        run: |sh, _| Ok(cmd!(sh, "cargo fmt --all --check").run()?),
    },
    Check {
        name: "clippy",
        fix: "fix the warnings above (`cargo clippy --fix` handles some)",
        run: |sh, _| {
            Ok(cmd!(sh, "cargo clippy --workspace --all-targets --locked -- -D warnings").run()?)
        },
    },
    Check {
        name: "ruff check",
        fix: ".venv/bin/ruff check --fix python",
        run: |sh, env| {
            let ruff = env.bin("ruff");
            Ok(cmd!(sh, "{ruff} check python").run()?)
        },
    },
    Check {
        name: "ruff format",
        fix: ".venv/bin/ruff format python",
        run: |sh, env| {
            let ruff = env.bin("ruff");
            Ok(cmd!(sh, "{ruff} format --check python").run()?)
        },
    },
];

pub fn run(sh: &Shell, _cmd: &flags::Lint) -> Result<()> {
    let mut progress = Progress::default();
    let env = progress.stage("python env", || PythonEnv::ensure(sh, &project::root()))?;
    env.activate(sh);
    let mut failed = Vec::new();
    for check in CHECKS {
        if progress.stage(check.name, || (check.run)(sh, &env)).is_err() {
            failed.push(check);
        }
    }
    progress.print_summary("lint summary");
    if !failed.is_empty() {
        let lines: Vec<String> =
            failed.iter().map(|c| format!("  {}: run `{}`", c.name, c.fix)).collect();
        bail!("lint failed: expected every linter to pass; to fix:\n{}", lines.join("\n"));
    }
    Ok(())
}
