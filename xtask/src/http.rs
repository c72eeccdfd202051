//! The one owner of HTTP: every request the xtask makes — registry reads, the credential
//! probes, the webhook — goes through here, to `xtask/py/http_request.py` run by the project
//! environment's Python, and comes back typed: an [`Answer`] (any HTTP status, with its body)
//! or [`Unreachable`] (no HTTP answer at all, with the reason). Nobody else parses the "status
//! line, then body" the script prints.
//!
//! Assumption: every machine that releases has the project's `.venv` (the release needs it for
//! maturin and uv anyway), so Python's `urllib` gives us HTTPS with the system's certificates
//! without compiling a TLS stack into the xtask.

use std::path::Path;

use anyhow::{Result, bail};
use xshell::Shell;

use crate::py::{self, Script};

/// An HTTP answer: the status and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// No HTTP answer at all (refused, timed out, a DNS or TLS failure): the reason, as Python
/// gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A request. Secrets travel in the environment of the script, never on its command line.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// A read-only GET.
    Get { url: &'a str },
    /// An upload form without a file, with these credentials (see the script).
    ProbePypi { url: &'a str, username: &'a str, password: &'a str },
    /// A crate upload without a tarball, with this token (see the script).
    ProbeCrates { api: &'a str, name: &'a str, version: &'a str, token: &'a str },
    /// `body` as JSON to `url`.
    PostJson { url: &'a str, body: &'a str },
    /// A GET whose body (on 200) goes to the file `dest`.
    Download { url: &'a str, dest: &'a Path },
}

/// Sends one request, once.
pub fn send(sh: &Shell, python: &Path, request: Request) -> Result<Result<Answer, Unreachable>> {
    let script = py::run(sh, python, Script::Http).quiet().ignore_status();
    let cmd = match request {
        Request::Get { url } => script.args(["get", url]),
        Request::ProbePypi { url, username, password } => script
            .args(["probe-pypi", url])
            .env("PROBE_USERNAME", username)
            .env("PROBE_PASSWORD", password),
        Request::ProbeCrates { api, name, version, token } => {
            script.args(["probe-crates", api, name, version]).env("PROBE_TOKEN", token)
        }
        Request::PostJson { url, body } => {
            script.arg("post-json").env("WEBHOOK_URL", url).stdin(body)
        }
        Request::Download { url, dest } => script.arg("download").arg(url).arg(dest),
    };
    let output = cmd.output()?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Ok(Err(Unreachable(if why.is_empty() { "no answer".to_owned() } else { why })));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let (status, body) = text.split_once('\n').unwrap_or((&text, ""));
    let Ok(status) = status.trim().parse() else {
        bail!("the HTTP helper printed no status line: {:?}", status.trim());
    };
    Ok(Ok(Answer { status, body: body.to_owned() }))
}

/// GETs `url`, retrying what may pass (no answer, 429 and 5xx) with back-off; any other answer
/// is returned as it is, for the caller to judge.
pub fn get(sh: &Shell, python: &Path, url: &str) -> Result<Answer> {
    let mut last = String::new();
    for attempt in 0..3u32 {
        if attempt > 0 {
            crate::exec::sleep(std::time::Duration::from_millis(500 << attempt))?;
        }
        match send(sh, python, Request::Get { url })? {
            Ok(answer) if answer.is_transient() => last = answer.describe(),
            Ok(answer) => return Ok(answer),
            Err(unreachable) => last = unreachable.0,
        }
    }
    bail!("cannot reach {url}: {last} (tried 3 times); check the URL and the network")
}

impl Answer {
    /// An answer worth asking again: rate limits and server errors.
    pub fn is_transient(&self) -> bool {
        self.status == 429 || self.status >= 500
    }

    /// `HTTP 403: <the registry's reason>`, or `HTTP 403` when the body gives none.
    pub fn describe(&self) -> String {
        describe(self.status, &reason(&self.body))
    }

    /// The registry's reason in the body (see [`reason`]).
    pub fn reason(&self) -> String {
        reason(&self.body)
    }
}

/// `HTTP 403: <reason>`, or `HTTP 403` when there is no reason.
pub fn describe(status: impl std::fmt::Display, reason: &str) -> String {
    if reason.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {reason}") }
}

/// The reason in an error body: the JSON `code`, `message` or first `errors[].detail`, the
/// `<pre>` of an HTML error page, else the text itself, shortened. Empty when there is none, as
/// in pypiserver's error pages, whose `<pre>` holds the Python `None`.
pub fn reason(body: &str) -> String {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        let found = [&json["code"], &json["message"], &json["errors"][0]["detail"]]
            .into_iter()
            .find_map(|v| v.as_str().map(str::to_owned));
        if let Some(found) = found {
            return found;
        }
    }
    let text = match (body.find("<pre>"), body.find("</pre>")) {
        (Some(start), Some(end)) if start < end => &body[start + 5..end],
        _ => body,
    };
    let text = text.replace("&#039;", "'").replace("&quot;", "\"");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text == "None" {
        String::new()
    } else if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_read_from_what_registries_send() {
        let html =
            "<html><title>Error: 400</title><pre>Missing &#039;content&#039; file-field!</pre>";
        assert_eq!(reason(html), "Missing 'content' file-field!");
        assert_eq!(reason("<html><pre>None</pre></html>"), "");
        let pypi = r#"{"code": "403 Invalid or non-existent authentication information.", "message": "x"}"#;
        assert_eq!(reason(pypi), "403 Invalid or non-existent authentication information.");
        assert_eq!(
            reason(r#"{"errors":[{"detail":"invalid tarball length"}]}"#),
            "invalid tarball length"
        );
        let answer = Answer { status: 403, body: "<pre>None</pre>".into() };
        assert_eq!(answer.describe(), "HTTP 403");
        assert!(Answer { status: 503, body: String::new() }.is_transient());
        assert!(!Answer { status: 404, body: String::new() }.is_transient());
    }
}
