//! The release machine: `cargo xtask <command>`, the one entry point that the Makefile, CI and
//! maintainers share, so that a local run and a CI run can never drift apart.

#[macro_use]
mod checked;

mod bench;
mod bump;
mod changelog;
mod digest;
mod exec;
mod files;
mod flags;
mod gh;
mod git;
mod github_release;
#[cfg(test)]
mod golden;
mod host;
mod http;
mod json;
mod lint;
mod msrv;
mod pep440;
mod progress;
mod project;
mod py;
mod python_env;
mod pythons;
mod release;
mod release_pr;
mod shell;
mod test;
#[cfg(test)]
mod tidy;
mod tools;
mod verify_release;
mod version;
mod wheel_tags;
mod workflows;
mod workspace;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use xshell::Shell;

use flags::Command;

fn main() -> ExitCode {
    // Before any thread exists: the publishing secrets leave the environment, so that only the
    // tools that upload ever see them.
    release::take_secrets();
    // And relative paths in the environment (`CARGO_TARGET_DIR=tgt`) mean, for every tool the
    // xtask runs at the workspace root, what they meant where the xtask was started.
    project::make_path_variables_absolute();
    let result = run();
    if let Some(signal) = exec::interrupted() {
        // One line, not the chain of every stage the interruption failed.
        let hint = exec::RESUME_HINT.lock().ok().and_then(|h| h.clone());
        let hint = hint.map_or_else(String::new, |h| format!(": {h}"));
        eprintln!("\ninterrupted by {}{hint}", exec::signal_name(signal));
        return ExitCode::from(128 + signal as u8);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", render_error(&err));
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    exec::on_interrupt()?;
    let cwd = std::env::current_dir()?;
    let cli = flags::Cli::parse().absolute_paths(&cwd);
    let sh = Shell::new()?;
    let root = project::root();
    sh.change_dir(&root);
    if cli.command.reads_git() {
        git::Repo::open(&sh, &root)?;
    }
    let ws = workspace::Workspace::load(&root)?;
    match cli.command {
        Command::Lint(cmd) => lint::run(&sh, &ws, &cmd),
        Command::Test(cmd) => test::run(&sh, &ws, &cmd),
        Command::Version(cmd) => version::run(&sh, &ws, &cmd),
        Command::Bump(cmd) => bump::run(&sh, &ws, &cmd),
        Command::Changelog(cmd) => changelog::run(&sh, &ws, &cmd),
        Command::Release(cmd) => release::run(&sh, &ws, &cmd),
        Command::Publish(cmd) => release::publish_only(&sh, &ws, &cmd),
        Command::Build(cmd) => release::build_only(&sh, &ws, &cmd),
        Command::Verify(cmd) => release::verify_only(&sh, &ws, &cmd),
        Command::Bench(cmd) => bench::run(&sh, &ws, &cmd),
        Command::Plan(cmd) => release::print_plan(&sh, &ws, &cmd),
        Command::CheckTag(cmd) => release::check_tag(&sh, &ws, &cmd),
        Command::Notify(cmd) => release::notify(&sh, &ws, &cmd),
        Command::Msrv(cmd) => msrv::run(&sh, &ws, &cmd),
        Command::GithubRelease(cmd) => github_release::run(&sh, &ws, &cmd),
        Command::ReleasePr(cmd) => release_pr::run(&sh, &ws, &cmd),
        Command::VerifyRelease(cmd) => verify_release::run(&sh, &ws, &cmd),
    }
}

/// An error as a person reads it: the message, then each cause on its own line. Never a
/// backtrace: a refusal is an answer, not a crash (`RUST_BACKTRACE=1`, common in CI, would
/// otherwise push the message off the screen). Panics keep theirs.
fn render_error(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    for cause in err.chain().skip(1) {
        out.push_str(&format!("\n  caused by: {}", cause.to_string().replace('\n', "\n  ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_their_chain_without_a_backtrace() {
        let err = anyhow::anyhow!("tag v1.0.0 does not exist:\n  create it")
            .context("live release refused");
        assert_eq!(
            render_error(&err),
            "error: live release refused\n  caused by: tag v1.0.0 does not exist:\n    create it"
        );
    }
}
