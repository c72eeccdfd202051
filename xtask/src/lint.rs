//! `cargo xtask lint`: every linter, all run even when one fails, reported together.

use crate::exec::CmdExt;
use anyhow::{Result, bail};
use xshell::{Shell, cmd};

use crate::{
    flags,
    progress::Progress,
    py,
    python_env::{Group, PythonEnv},
    workflows,
    workspace::Workspace,
};

/// One linter: how to run it, and the command that fixes what it reports.
struct Linter {
    name: &'static str,
    /// The tool, as the documents that list the linters name it.
    tool: &'static str,
    fix: &'static str,
    /// Whether the release's gates run it too. Not the stub check: it builds the extension into
    /// `.venv`, which a release never touches (its wheels are tested in fresh environments).
    gate: bool,
    run: fn(&Shell, &Workspace, &PythonEnv) -> Result<()>,
}

/// Which linters run: all of them (`cargo xtask lint`), or the release's gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Gates,
}

/// The Python the project lints: the package and the xtask's own programs.
const PYTHON_DIRS: [&str; 2] = ["python", py::DIR];

const CHECKS: &[Linter] = &[
    Linter {
        name: "rustfmt",
        tool: "rustfmt",
        fix: "cargo fmt --all",
        gate: true,
        run: |sh, _, _| cmd!(sh, "cargo fmt --all --check").run_to_stderr(),
    },
    Linter {
        name: "clippy",
        tool: "clippy",
        fix: "cargo clippy --fix --workspace --all-targets --all-features --allow-dirty (then fix the \
              rest by hand)",
        gate: true,
        run: |sh, _, _| {
            cmd!(
                sh,
                "cargo clippy --workspace --all-targets --all-features --locked -- -D warnings"
            )
            .run_to_stderr()
        },
    },
    Linter {
        name: "ruff check",
        tool: "ruff check",
        fix: ".venv/bin/ruff check --fix python xtask/py",
        gate: true,
        run: |sh, _, env| {
            let ruff = env.bin("ruff");
            cmd!(sh, "{ruff} check {PYTHON_DIRS...}").run_to_stderr()
        },
    },
    Linter {
        name: "ruff format",
        tool: "ruff format",
        fix: ".venv/bin/ruff format python xtask/py",
        gate: true,
        run: |sh, _, env| {
            let ruff = env.bin("ruff");
            cmd!(sh, "{ruff} format --check {PYTHON_DIRS...}").run_to_stderr()
        },
    },
    Linter {
        name: "stubs",
        tool: "stubtest",
        fix: "make the .pyi stubs match the extension where mypy's stubtest points",
        gate: false,
        run: |sh, ws, env| {
            // stubtest compares the stubs with the built module, so build it first (into .venv,
            // as `cargo xtask test` does).
            crate::test::build_extension(sh, env)?;
            let python = env.python();
            let module = &ws.python()?.extension_module;
            cmd!(sh, "{python} -m mypy.stubtest {module}").run_to_stderr()
        },
    },
    Linter {
        name: "zizmor",
        tool: "zizmor",
        fix: "fix what zizmor reports in .github (https://docs.zizmor.sh/audits/)",
        gate: true,
        run: |sh, _, env| workflows::zizmor(sh, &env.bin("zizmor")),
    },
    Linter {
        name: "workflow schema",
        tool: "check-jsonschema",
        fix: "correct the .github files (workflows, dependabot.yml) where check-jsonschema points",
        gate: true,
        run: |sh, _, env| workflows::check_schema(sh, &env.bin("check-jsonschema")),
    },
];

pub fn run(sh: &Shell, ws: &Workspace, _cmd: &flags::Lint) -> Result<()> {
    let mut progress = Progress::default();
    let result = progress
        .stage("python env", || PythonEnv::ensure(sh, &ws.root, Group::Dev))
        .and_then(|env| {
            env.activate(sh);
            run_checks(sh, ws, &env, Scope::All, &mut progress)
        });
    progress.print_summary("lint summary");
    result
}

/// Runs every linter, each as its own stage, and fails at the end naming every fix.
pub fn run_checks(
    sh: &Shell,
    ws: &Workspace,
    env: &PythonEnv,
    scope: Scope,
    progress: &mut Progress,
) -> Result<()> {
    let _dir = sh.push_dir(&ws.root);
    let mut failed = Vec::new();
    for check in CHECKS.iter().filter(|c| scope == Scope::All || c.gate) {
        if progress.stage(check.name, || (check.run)(sh, ws, env)).is_err() {
            failed.push(check);
        }
    }
    if !failed.is_empty() {
        let lines: Vec<String> =
            failed.iter().map(|c| format!("  {}: run `{}`", c.tool, c.fix)).collect();
        bail!("lint failed: expected every linter to pass; to fix:\n{}", lines.join("\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every place that lists the linters lists every one: `lint --help`, the Makefile's help,
    /// README's `make lint` line.
    #[test]
    fn every_list_of_the_linters_is_complete() {
        use clap::CommandFactory;
        let root = crate::project::root();
        let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
        let readme = read("README.md");
        let makefile = read("Makefile");
        let mut cli = crate::flags::Cli::command();
        let help = cli.find_subcommand_mut("lint").unwrap().render_long_help().to_string();
        let lists = [
            ("cargo xtask lint --help", help),
            ("the Makefile", makefile.lines().find(|l| l.starts_with("lint:")).unwrap().to_owned()),
            ("README.md", readme.lines().find(|l| l.starts_with("make lint")).unwrap().to_owned()),
        ];
        for (place, text) in lists {
            let text = text.replace('\n', " ").replace("  ", " ");
            for check in CHECKS {
                assert!(text.contains(check.tool), "{place} does not name {}: {text}", check.tool);
            }
        }
    }
}
