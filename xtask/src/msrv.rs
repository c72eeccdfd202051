//! `cargo xtask msrv`: each workspace crate builds with the oldest Rust it declares
//! (`rust-version`) — for the published crate the promise users read on crates.io, for the
//! others the truth about what they need. The check needs that
//! toolchain: a machine that has it checks; GitHub Actions installs it first (ci.yml); any
//! other machine is told how to get it, and checks nothing rather than downloading unasked.

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::{flags, progress::Progress, workspace::Workspace};

pub fn run(sh: &Shell, ws: &Workspace, _cmd: &flags::Msrv) -> Result<()> {
    let mut progress = Progress::default();
    let result = check_all(sh, ws, &mut progress);
    progress.print_summary("msrv summary");
    result
}

fn check_all(sh: &Shell, ws: &Workspace, progress: &mut Progress) -> Result<()> {
    let target = crate::release::target_dir(&ws.root).join("msrv");
    for member in &ws.members {
        let Some(version) = &member.rust_version else {
            eprintln!("    {}: declares no rust-version; nothing to check", member.name);
            continue;
        };
        let (name, version) = (member.name.as_str(), version.as_str());
        if !installed(sh, version) {
            if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
                progress.stage(&format!("install Rust {version}"), || {
                    cmd!(sh, "rustup toolchain install {version} --profile minimal")
                        .run_to_stderr()
                        .with_context(|| format!("install Rust {version} with rustup"))
                })?;
            } else {
                eprintln!(
                    "    {name} declares rust-version {version}, whose toolchain is not \
                     installed here: not checked (ci.yml checks it); to check here, run \
                     `rustup toolchain install {version} --profile minimal`"
                );
                continue;
            }
        }
        progress.stage(&format!("{name} on Rust {version}"), || {
            let toolchain = format!("+{version}");
            // Libraries alone (their tests may use newer Rust), with every feature.
            let lib = member.has_lib.then_some("--lib");
            cmd!(sh, "cargo {toolchain} check --locked --package {name} --all-features {lib...}")
                .env("CARGO_TARGET_DIR", &target)
                .run_to_stderr()
                .with_context(|| {
                    format!(
                        "{name} does not build with Rust {version}, which its rust-version \
                         declares: raise rust-version in its Cargo.toml, or stop using what is \
                         newer"
                    )
                })
        })?;
    }
    Ok(())
}

/// Whether rustup has the toolchain `version` (`rustup run` never installs one).
fn installed(sh: &Shell, version: &str) -> bool {
    cmd!(sh, "rustup run {version} rustc --version")
        .env("RUSTUP_AUTO_INSTALL", "0")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
}
