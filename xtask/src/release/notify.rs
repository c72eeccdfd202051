//! `cargo xtask notify`: when the release is out, its summary — version, where each file was
//! published, the GitHub Release — posted as JSON to the webhook in `RELEASE_WEBHOOK_URL`.
//! The document's `text` is what Slack (and Mattermost, Teams, Discord's Slack-compatible
//! endpoints) show; the other fields are for whatever else listens. Without the variable,
//! nothing happens: the notification is optional.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use xshell::Shell;

use super::credentials;
use super::manifest::{FILE_NAME, Manifest, PublishStatus};
use crate::py::{self, Script};
use crate::python_env::{Group, PythonEnv};
use crate::workspace::Workspace;

pub fn run(sh: &Shell, ws: &Workspace, out: &Path) -> Result<()> {
    let Some(url) = credentials::webhook_url() else {
        eprintln!("RELEASE_WEBHOOK_URL is not set: no release notification to send");
        return Ok(());
    };
    let manifest = Manifest::read(&out.join(FILE_NAME))?;
    let python = ws.python()?;
    let document = payload(&python.dist, &manifest, release_url(ws, &manifest.tag).as_deref());
    let env = PythonEnv::ensure(sh, &ws.root, Group::Release)?;
    let body = serde_json::to_string(&document)?;
    let answer = py::run(sh, &env.python(), Script::Http)
        .arg("post-json")
        .env("WEBHOOK_URL", url)
        .stdin(body)
        .quiet()
        .ignore_status()
        .output()?;
    if !answer.status.success() {
        bail!(
            "cannot reach the webhook (RELEASE_WEBHOOK_URL): {}; check the secret's URL",
            String::from_utf8_lossy(&answer.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&answer.stdout);
    let (status, reply) = text.split_once('\n').unwrap_or((&text, ""));
    let status: u16 = status.trim().parse().context("malformed response status")?;
    if !(200..300).contains(&status) {
        bail!(
            "the webhook (RELEASE_WEBHOOK_URL) answered HTTP {status}: {}; expected 2xx — check \
             the secret's URL (the release itself is done)",
            credentials::reason(reply)
        );
    }
    eprintln!("posted the release summary of {} to the webhook (HTTP {status})", manifest.tag);
    Ok(())
}

/// The GitHub Release's page: from the Actions run's repository, else from the workspace's
/// `repository` (a GitHub URL).
fn release_url(ws: &Workspace, tag: &str) -> Option<String> {
    let from_actions =
        match (std::env::var("GITHUB_SERVER_URL"), std::env::var("GITHUB_REPOSITORY")) {
            (Ok(server), Ok(repository)) => Some(format!("{server}/{repository}")),
            _ => None,
        };
    let repository = from_actions.or_else(|| {
        ws.members
            .iter()
            .find_map(|m| m.repository.clone())
            .filter(|r| r.starts_with("https://github.com/"))
    })?;
    Some(format!("{}/releases/tag/{tag}", repository.trim_end_matches('/')))
}

/// The notification: a one-paragraph `text` and the facts it is made of.
pub fn payload(python_name: &str, manifest: &Manifest, release_url: Option<&str>) -> Value {
    let out: Vec<_> = manifest
        .publish
        .iter()
        .filter(|p| matches!(p.status, PublishStatus::Published | PublishStatus::Skipped))
        .collect();
    let mut places: Vec<String> = Vec::new();
    for p in &out {
        let place = p.url.clone().unwrap_or_else(|| p.registry.clone());
        if !places.contains(&place) {
            places.push(place);
        }
    }
    let mut text = format!(
        "{python_name} {} ({}) is released: {} file(s) on {}",
        manifest.python_version,
        manifest.tag,
        out.len(),
        places.join(", ")
    );
    if let Some(url) = release_url {
        text.push_str(&format!("; GitHub Release: {url}"));
    }
    json!({
        "text": text,
        "version": manifest.version,
        "python_version": manifest.python_version,
        "tag": manifest.tag,
        "commit": manifest.commit,
        "github_release": release_url,
        "published": manifest.publish.iter().map(|p| json!({
            "file": p.file,
            "registry": p.registry,
            "status": p.status.as_str(),
            "url": p.url,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    use super::*;
    use crate::release::manifest::{Decision, PublishRecord};

    fn manifest() -> Manifest {
        let record = |file: &str, registry: &str, url: &str, status| PublishRecord {
            file: file.into(),
            registry: registry.into(),
            decision: Decision::Upload,
            status,
            url: Some(url.into()),
        };
        Manifest {
            version: "1.2.0".into(),
            python_version: "1.2.0".into(),
            tag: "v1.2.0".into(),
            commit: "c".repeat(40),
            mode: "live".into(),
            artifacts: Vec::new(),
            stages: Vec::new(),
            publish: vec![
                record(
                    "core-1.2.0.crate",
                    "crates-io",
                    "https://crates.io/crates/core/1.2.0",
                    PublishStatus::Published,
                ),
                record(
                    "core_rs-1.2.0.tar.gz",
                    "https://upload.pypi.org/legacy/",
                    "https://pypi.org/project/core-rs/1.2.0/",
                    PublishStatus::Skipped,
                ),
                record(
                    "core_rs-1.2.0-cp310-abi3-win32.whl",
                    "https://upload.pypi.org/legacy/",
                    "https://pypi.org/project/core-rs/1.2.0/",
                    PublishStatus::Published,
                ),
            ],
        }
    }

    #[test]
    fn the_summary_names_every_place() {
        let document =
            payload("core-rs", &manifest(), Some("https://github.com/o/r/releases/tag/v1.2.0"));
        crate::golden::check(
            "notify/payload.json",
            &(serde_json::to_string_pretty(&document).unwrap() + "\n"),
        );
    }

    /// The poster against an HTTP server on 127.0.0.1: the document arrives as JSON.
    #[test]
    fn the_summary_is_posted_as_json() {
        let Some(env) = crate::python_env::existing(&crate::project::root()) else {
            // Under CI=true a missing tool is a failure, never a skip (DESIGN §2).
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "no .venv to post with");
            eprintln!("skipped: no .venv; `cargo xtask test` creates it");
            return;
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/hooks/abc", listener.local_addr().unwrap().port());
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut head, mut length) = (String::new(), 0);
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line.trim().is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            (&stream).write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
            (head, body)
        });
        let sh = Shell::new().unwrap();
        let document = payload("core-rs", &manifest(), None);
        let answer = py::run(&sh, &env.python(), Script::Http)
            .arg("post-json")
            .env("WEBHOOK_URL", &url)
            .stdin(serde_json::to_string(&document).unwrap())
            .quiet()
            .read()
            .unwrap();
        let (head, body) = server.join().unwrap();
        assert!(answer.starts_with("200"), "{answer}");
        assert!(head.starts_with("POST /hooks/abc "), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
        let received: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(received, document);
    }
}
