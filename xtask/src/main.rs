//! The geodist release machine: `cargo xtask <command>`, the one entry point that the Makefile,
//! CI and maintainers share, so that a local run and a CI run can never drift apart.

mod bench;
mod bump;
mod changelog;
mod exec;
mod flags;
mod github_release;
#[cfg(test)]
mod golden;
mod http;
mod lint;
mod progress;
mod project;
mod python_env;
mod release;
mod test;
mod tools;
mod version;
mod workflows;

use anyhow::Result;
use clap::Parser;
use xshell::Shell;

fn main() -> Result<()> {
    let cli = flags::Cli::parse();
    let sh = Shell::new()?;
    sh.change_dir(project::root());
    match cli.command {
        flags::Command::Lint(cmd) => lint::run(&sh, &cmd),
        flags::Command::Test(cmd) => test::run(&sh, &cmd),
        flags::Command::Version(cmd) => version::run(&sh, &cmd),
        flags::Command::Bump(cmd) => bump::run(&sh, &cmd),
        flags::Command::Changelog(cmd) => changelog::run(&sh, &cmd),
        flags::Command::Release(cmd) => release::run(&sh, &cmd),
        flags::Command::Publish(cmd) => release::publish_only(&sh, &cmd),
        flags::Command::Build(cmd) => release::build_only(&sh, &cmd),
        flags::Command::Verify(cmd) => release::verify_only(&sh, &cmd),
        flags::Command::Bench(cmd) => bench::run(&sh, &cmd),
        flags::Command::Plan(cmd) => release::print_plan(&sh, &cmd),
        flags::Command::GithubRelease(cmd) => github_release::run(&sh, &cmd),
    }
}
