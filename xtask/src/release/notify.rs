//! `cargo xtask notify`: when the release is out, its summary — version, where each file was
//! published, the GitHub Release — posted as JSON to the webhook in `RELEASE_WEBHOOK_URL`.
//! The document's `text` is what Slack (and Mattermost, Teams, Discord's Slack-compatible
//! endpoints) show; the other fields are for whatever else listens. Without the variable,
//! nothing happens: the notification is optional.

use std::path::Path;

use anyhow::{Result, bail};
use serde::Serialize;
use xshell::Shell;

use super::credentials;
use super::decision;
use super::manifest::{FILE_NAME, Manifest, PublishRecord, PublishStatus};
use super::plan::Plan;
use super::registry::{crates::CrateRegistry, pypi::PythonIndex};
use crate::flags::Destination;
use crate::host::Host;
use crate::http::{self, Request};
use crate::python_env::{Group, PythonEnv};
use crate::workspace::Workspace;

/// The document posted: the text chat tools show, and the facts it is made of.
#[derive(Debug, Serialize)]
pub struct Notification<'a> {
    text: String,
    version: String,
    python_version: &'a str,
    tag: &'a str,
    commit: &'a str,
    github_release: Option<&'a str>,
    published: Vec<Sent<'a>>,
}

/// Where one file went.
#[derive(Debug, Serialize)]
struct Sent<'a> {
    file: &'a str,
    registry: &'a str,
    status: PublishStatus,
    url: Option<&'a str>,
}

pub fn run(sh: &Shell, ws: &Workspace, destination: &Destination, out: &Path) -> Result<()> {
    let Some(url) = credentials::webhook_url() else {
        eprintln!("RELEASE_WEBHOOK_URL is not set: no release notification to send");
        return Ok(());
    };
    let manifest = Manifest::read(&out.join(FILE_NAME))?;
    let plan = Plan::new(ws, &Host::detect(sh)?, destination)?;
    let env = PythonEnv::ensure(sh, &ws.root, Group::Release)?;
    let crates = CrateRegistry::open(sh, env.python(), &ws.root, &plan.crates_registry)?;
    let endpoints = (plan.pypi_url.as_str(), plan.pypi_index.as_str());
    let index = PythonIndex::new(sh, env.python(), env.bin("uv"), endpoints, &plan.python_name);
    let lacking = decision::Published::read(&crates, &index, &plan)?.lacking(&plan, &manifest);
    if !lacking.is_empty() {
        bail!(
            "the registries do not hold the release {}, so it is not announced:\n  - {}\n  \
             finish it with `cargo xtask publish --live --out {}`, then notify again",
            plan.tag,
            lacking.join("\n  - "),
            crate::shell::quote(out)
        );
    }
    let release_url = release_url(ws, &manifest.tag);
    let body =
        serde_json::to_string(&payload(&plan.python_name, &manifest, release_url.as_deref()))?;
    let answer = match http::send(sh, &env.python(), Request::PostJson { url, body: &body })? {
        Ok(answer) => answer,
        Err(why) => {
            bail!("cannot reach the webhook (RELEASE_WEBHOOK_URL): {why}; check the secret's URL")
        }
    };
    if !(200..300).contains(&answer.status) {
        bail!(
            "the webhook (RELEASE_WEBHOOK_URL) answered HTTP {}: {}; expected 2xx — check \
             the secret's URL (the release itself is done)",
            answer.status,
            answer.reason()
        );
    }
    eprintln!(
        "posted the release summary of {} to the webhook (HTTP {})",
        manifest.tag, answer.status
    );
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
pub fn payload<'a>(
    python_name: &str,
    manifest: &'a Manifest,
    release_url: Option<&'a str>,
) -> Notification<'a> {
    let out: Vec<&PublishRecord> = manifest.publish.iter().filter(|p| p.status.is_out()).collect();
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
    Notification {
        text,
        version: manifest.version.to_string(),
        python_version: &manifest.python_version,
        tag: &manifest.tag,
        commit: manifest.commit.as_str(),
        github_release: release_url,
        published: manifest
            .publish
            .iter()
            .map(|p| Sent {
                file: p.file.as_str(),
                registry: &p.registry,
                status: p.status,
                url: p.url.as_deref(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    use serde_json::Value;

    use super::*;
    use crate::flags::Mode;
    use crate::git::CommitId;
    use crate::release::manifest::Decision;

    fn manifest() -> Manifest {
        let record = |file: &str, registry: &str, url: &str, status| PublishRecord {
            file: file.try_into().unwrap(),
            registry: registry.into(),
            decision: Decision::Upload,
            status,
            url: Some(url.into()),
        };
        Manifest {
            version: semver::Version::new(1, 2, 0),
            python_version: "1.2.0".into(),
            tag: "v1.2.0".into(),
            commit: CommitId::try_from("c".repeat(40)).unwrap(),
            mode: Mode::Live,
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
        let manifest = manifest();
        let document =
            payload("core-rs", &manifest, Some("https://github.com/o/r/releases/tag/v1.2.0"));
        crate::golden::check("notify/payload.json", &crate::json::pretty(&document).unwrap());
    }

    /// The poster against an HTTP server on 127.0.0.1: the document arrives as JSON.
    #[test]
    fn the_summary_is_posted_as_json() {
        let Some(env) = crate::python_env::existing(&crate::project::root()) else {
            // Under CI=true a missing tool is a failure, never a skip (docs/design.md §2).
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
        let manifest = manifest();
        let document = payload("core-rs", &manifest, None);
        let body = serde_json::to_string(&document).unwrap();
        let answer = http::send(&sh, &env.python(), Request::PostJson { url: &url, body: &body })
            .unwrap()
            .unwrap();
        let (head, body) = server.join().unwrap();
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(head.starts_with("POST /hooks/abc "), "{head}");
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
        let received: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(received, serde_json::to_value(&document).unwrap());
    }
}
