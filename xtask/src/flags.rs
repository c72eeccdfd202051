//! The command line: every subcommand and flag, whose `///` comments are the `--help` text.

use clap::{Args, Parser, Subcommand};

/// Build, check and release geodist (the Rust crate and the `geodist-rs` Python package).
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every linter: rustfmt, clippy (-D warnings, all targets) and ruff.
    Lint(Lint),
    /// Run every test: cargo test for the workspace, then pytest against the built extension.
    Test(Test),
}

#[derive(Debug, Args)]
pub struct Lint {}

#[derive(Debug, Args)]
pub struct Test {
    /// Skip the Rust tests and run only the Python suite.
    #[arg(long)]
    pub python_only: bool,
    /// Extra arguments for pytest, after `--` (for example `-- -k haversine`).
    #[arg(last = true)]
    pub pytest_args: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
