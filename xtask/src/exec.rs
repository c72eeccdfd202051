//! Running tools so that stdout stays machine-readable: a tool's own stdout is sent to our
//! stderr, next to our progress lines, and stdout carries only what a command is asked to print
//! (`--json`, `--format github`).

use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use xshell::Cmd;

pub trait CmdExt {
    /// Runs the command with its stdout on our stderr, echoing it first like `xshell` does.
    fn run_to_stderr(self) -> Result<()>;
}

impl CmdExt for Cmd<'_> {
    fn run_to_stderr(self) -> Result<()> {
        let line = self.to_string();
        eprintln!("$ {line}");
        let mut command = Command::from(self);
        command.stdout(stderr_stdio()?);
        let status = command.status().with_context(|| format!("could not start `{line}`"))?;
        if !status.success() {
            bail!("command exited with {status}: `{line}`");
        }
        Ok(())
    }
}

#[cfg(unix)]
fn stderr_stdio() -> Result<Stdio> {
    use std::os::fd::AsFd;
    Ok(Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?))
}

#[cfg(windows)]
fn stderr_stdio() -> Result<Stdio> {
    use std::os::windows::io::AsHandle;
    Ok(Stdio::from(std::io::stderr().as_handle().try_clone_to_owned()?))
}
