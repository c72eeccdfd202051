//! Running tools so that stdout stays machine-readable — a tool's own stdout is sent to our
//! stderr, next to our progress lines, and stdout carries only what a command is asked to print
//! (`--json`, `--format github`) — and so that an interrupted release stops its tools with it.
//!
//! On unix every tool started here runs in a process group of its own, registered while it
//! runs. SIGINT and SIGTERM reach the xtask on a thread ([`on_interrupt`]) instead of killing it
//! mid-stage: the signal is passed on to every running tool's group, the stage then fails like
//! any other (the manifest records how far the run got), and the process exits 130 or 143.
//! Without the own groups, a signal sent to the xtask's PID alone would leave a `cargo publish`
//! or `uv publish` running on behind it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use xshell::Cmd;

pub trait CmdExt {
    /// Runs the command with its stdout on our stderr, echoing it first like `xshell` does.
    fn run_to_stderr(self) -> Result<()>;

    /// Like [`CmdExt::run_to_stderr`], and also returns what the tool wrote to stderr (shown
    /// as it comes), for the caller to read the tool's verdict from. Fails only when the tool
    /// cannot start or was interrupted; a non-zero exit is the caller's to judge.
    fn run_capturing_stderr(self) -> Result<Captured>;

    /// Like [`CmdExt::run_capturing_stderr`], for a tool that waits on a server: a line every
    /// [`PATIENCE_LINE`] says it is still waiting, and after `limit` the tool (its whole
    /// process group) is stopped and `timed_out` set.
    fn run_with_deadline(self, what: &str, limit: Duration) -> Result<Captured>;
}

/// A finished tool: how it exited and what it wrote to stderr.
#[derive(Debug)]
pub struct Captured {
    pub status: ExitStatus,
    pub stderr: String,
    /// Stopped by its deadline rather than ended by itself.
    pub timed_out: bool,
    /// The command line, as it was shown.
    pub line: String,
}

impl Captured {
    /// How the tool failed, in its own last words: what a person reads first.
    pub fn failure(&self, line: &str) -> String {
        let said: Vec<&str> = self.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let last = &said[said.len().saturating_sub(TOOL_LINES)..];
        let words =
            if last.is_empty() { String::new() } else { format!(":\n  {}", last.join("\n  ")) };
        format!("`{line}` exited with {}{words}", self.status)
    }
}

/// How many of a failed tool's last lines an error shows.
const TOOL_LINES: usize = 6;

/// How often a tool that waits on a server is said to be still waiting.
pub const PATIENCE_LINE: Duration = Duration::from_secs(15);

impl CmdExt for Cmd<'_> {
    fn run_to_stderr(self) -> Result<()> {
        let run = self.run_capturing_stderr()?;
        if !run.status.success() {
            bail!("{}", run.failure(&run.line));
        }
        Ok(())
    }

    fn run_capturing_stderr(self) -> Result<Captured> {
        self.run_with_deadline("", Duration::MAX)
    }

    fn run_with_deadline(self, what: &str, limit: Duration) -> Result<Captured> {
        let mut command = Command::from(self);
        let line = command_line(&command);
        eprintln!("$ {line}");
        command.stdout(stderr_stdio()?).stderr(Stdio::piped());
        let mut child = spawn(&mut command, &line)?;
        let pipe = child.stderr.take().context("the child's stderr is piped")?;
        let reader = std::thread::spawn(move || {
            let mut stderr = String::new();
            for chunk in BufReader::new(pipe).split(b'\n') {
                let Ok(mut chunk) = chunk else { break };
                chunk.push(b'\n');
                let _ = std::io::stderr().write_all(&chunk);
                stderr.push_str(&String::from_utf8_lossy(&chunk));
            }
            stderr
        });
        let started = Instant::now();
        let mut said = Duration::ZERO;
        let mut timed_out = false;
        while child.try_wait().context("wait for the tool")?.is_none() {
            let waited = started.elapsed();
            if waited >= limit {
                eprintln!("    {what}: no answer within {}s; stopping it", limit.as_secs());
                signal_group(child.id(), "TERM");
                timed_out = true;
                break;
            }
            if waited >= said + PATIENCE_LINE && !what.is_empty() {
                said += PATIENCE_LINE;
                eprintln!(
                    "    {what}: still waiting ({}s of at most {}s)",
                    said.as_secs(),
                    limit.as_secs()
                );
            }
            if interrupted().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let status = wait(child, &line)?;
        let stderr = reader.join().unwrap_or_default();
        Ok(Captured { status, stderr, timed_out, line })
    }
}

/// The command as a person would type it into a shell: its program and arguments, each quoted
/// only where a shell needs it (xshell's own display writes `\u{fc}` for a `ü`).
fn command_line(command: &Command) -> String {
    let words: Vec<&std::ffi::OsStr> =
        std::iter::once(command.get_program()).chain(command.get_args()).collect();
    crate::shell::words(&words)
}

/// Sends `signal` (`TERM`, `INT`) to the process group `group`; best effort: a group that
/// ended meanwhile has nothing left to stop.
fn signal_group(group: u32, signal: &str) {
    if cfg!(unix) {
        let _ = Command::new("kill")
            .args(["-s", signal, "--"])
            .arg(format!("-{group}"))
            .stderr(Stdio::null())
            .status();
    }
}

/// The signal that interrupted this run (SIGINT 2, SIGTERM 15), if one did.
pub fn interrupted() -> Option<i32> {
    match INTERRUPTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// Fails once the run has been interrupted: long waits and loops call it between steps.
pub fn check_interrupted() -> Result<()> {
    match interrupted() {
        None => Ok(()),
        Some(signal) => bail!("interrupted by {}", signal_name(signal)),
    }
}

/// Sleeps like `std::thread::sleep`, but ends (failing) as soon as the run is interrupted.
pub fn sleep(duration: Duration) -> Result<()> {
    let end = Instant::now() + duration;
    loop {
        check_interrupted()?;
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// Starts the thread that turns SIGINT and SIGTERM into an interrupted run.
#[cfg(unix)]
pub fn on_interrupt() -> Result<()> {
    use signal_hook::consts::signal::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("install the SIGINT and SIGTERM handlers")?;
    std::thread::spawn(move || {
        for signal in signals.forever() {
            INTERRUPTED.store(signal, Ordering::SeqCst);
            let groups = RUNNING.lock().map(|g| g.clone()).unwrap_or_default();
            for group in groups {
                signal_group(group, signal_name(signal).trim_start_matches("SIG"));
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
pub fn on_interrupt() -> Result<()> {
    Ok(())
}

static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

/// What to tell the person who interrupted the run: set by a command that leaves state behind
/// (the release: where its manifest is).
pub static RESUME_HINT: Mutex<Option<String>> = Mutex::new(None);

/// The process groups of the tools running now (unix: each tool leads its own group).
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn spawn(command: &mut Command, line: &str) -> Result<Child> {
    check_interrupted()?;
    // No tool may wait for an answer on the terminal: in a group of its own it could not read
    // it, and a release asks nothing interactively.
    command.stdin(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let child = command.spawn().with_context(|| format!("could not start `{line}`"))?;
    if let Ok(mut running) = RUNNING.lock() {
        running.push(child.id());
    }
    Ok(child)
}

fn wait(mut child: Child, line: &str) -> Result<ExitStatus> {
    let status = child.wait();
    if let Ok(mut running) = RUNNING.lock() {
        running.retain(|&id| id != child.id());
    }
    let status = status.with_context(|| format!("wait for `{line}`"))?;
    check_interrupted()?;
    Ok(status)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The echoed command is one a shell runs as it was run: letters as they are, paths with
    /// spaces in quotes, not Rust's escapes.
    #[test]
    fn a_command_is_shown_as_a_shell_would_run_it() {
        let sh = xshell::Shell::new().unwrap();
        let dir = "/w/dir with spaces/ünï cødé ws";
        let command = Command::from(xshell::cmd!(sh, "uv venv --python {dir}/.venv/bin/python"));
        assert_eq!(
            command_line(&command),
            "uv venv --python '/w/dir with spaces/ünï cødé ws/.venv/bin/python'"
        );
    }
}
