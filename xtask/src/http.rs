//! Read-only HTTP for registry look-ups, through the project environment's Python
//! (`xtask/py/http_request.py get`).
//!
//! Assumption: every machine that releases has the project's `.venv` (the release needs it for
//! maturin and uv anyway), so Python's `urllib` gives us HTTPS with the system's certificates
//! without compiling a TLS stack into the xtask.

use std::path::Path;

use anyhow::{Context, Result, bail};
use xshell::Shell;

use crate::py::{self, Script};

/// A response: the HTTP status and the body as text.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// GETs `url`, retrying transient failures (connection errors, 429 and 5xx) with back-off.
pub fn get(sh: &Shell, python: &Path, url: &str) -> Result<Response> {
    let mut last_error = String::new();
    for attempt in 0..3u32 {
        if attempt > 0 {
            crate::exec::sleep(std::time::Duration::from_millis(500 << attempt))?;
        }
        let output = py::run(sh, python, Script::Http)
            .args(["get", url])
            .quiet()
            .ignore_status()
            .output()?;
        if !output.status.success() {
            last_error = String::from_utf8_lossy(&output.stderr).trim().to_owned();
            continue;
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let (status, body) = text.split_once('\n').unwrap_or((&text, ""));
        let status: u16 = status.trim().parse().context("malformed response status")?;
        if status == 429 || status >= 500 {
            last_error = format!("HTTP {status}");
            continue;
        }
        return Ok(Response { status, body: body.to_owned() });
    }
    bail!("cannot reach {url}: {last_error} (tried 3 times); check the URL and the network")
}
