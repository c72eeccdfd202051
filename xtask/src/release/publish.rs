//! Publish: the point of no return, reached only after every guard has passed.
//!
//! A dry run rehearses every upload (`cargo publish --dry-run`, `uv publish --dry-run`) and
//! records it as `rehearsed`. A live run decides, for every artifact and before sending anything,
//! whether to upload it (absent), skip it (present with the same sha256) or refuse the release
//! (present with different bytes); then publishes crates in dependency order, each visible in
//! the index before the next, then the Python files; then reads everything back. The manifest
//! records each upload as it happens, so a re-run after any failure finishes the job.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::cmd;

use super::manifest::{ArtifactRecord, PublishRecord, PublishStatus};
use super::plan::{Builder, CRATES_IO, Kind};
use super::{Mode, Release, registry, verify};
use crate::exec::CmdExt;

pub fn run(r: &mut Release) -> Result<()> {
    match r.plan.mode {
        Mode::DryRun => rehearse(r),
        Mode::Live => publish(r),
    }
}

/// Guards that need no network: credentials for every registry that will receive an upload,
/// and (in GitHub Actions) a public repository. Returns the problems, each with its fix.
pub fn guards(r: &Release) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(problem) = private_repository(r.allow_private_repository) {
        problems.push(problem);
    }
    if r.plan.mode == Mode::DryRun {
        return problems; // a rehearsal needs no credentials
    }
    if !r.plan.crates.is_empty() && !crate_credentials(&r.plan.crates_registry) {
        let var = crate_token_var(&r.plan.crates_registry);
        let mut problem = format!(
            "no credentials for the cargo registry `{}`: expected `{var}` (or a token from \
             `cargo login --registry {}`)",
            r.plan.crates_registry, r.plan.crates_registry
        );
        if oidc_available() && r.plan.crates_registry == CRATES_IO {
            problem.push_str(
                "; for trusted publishing run rust-lang/crates-io-auth-action before this step \
                 and pass its token as CARGO_REGISTRY_TOKEN (a crate's first publish always \
                 needs an API token: trusted publishers are configured on an existing crate)",
            );
        }
        problems.push(problem);
    }
    if python_auth(&r.plan.pypi_url).is_none() {
        let mut problem = format!(
            "no credentials for {}: expected `UV_PUBLISH_TOKEN`, or `UV_PUBLISH_USERNAME` and \
             `UV_PUBLISH_PASSWORD`",
            r.plan.pypi_url
        );
        if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") && is_pypi(&r.plan.pypi_url) {
            problem.push_str(
                ", or trusted publishing: grant the job `permissions: id-token: write` and \
                 register this workflow as a trusted publisher of the project on PyPI",
            );
        }
        problems.push(problem);
    }
    problems
}

/// Guards against what is already published: the version must be newer than the newest one
/// released (the same version is a re-run, and allowed).
pub fn against_published(r: &Release) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, entries) in &r.remote.crates {
        let newest = entries.iter().filter_map(|e| semver::Version::parse(&e.version).ok()).max();
        if let Some(newest) = newest.filter(|n| *n > r.plan.version) {
            problems.push(format!(
                "{name} {newest} is already on {}: expected {} to be newer than every published \
                 version; bump with `cargo xtask bump`",
                r.plan.crates_registry, r.plan.version
            ));
        }
    }
    let ours = pep440_key(&r.plan.python_version);
    let dist = super::plan::normalize_dist_name(&r.plan.python_name);
    let newest = r
        .remote
        .python
        .keys()
        .filter_map(|f| f.strip_prefix(&format!("{dist}-")))
        .filter_map(|rest| {
            let version = rest.split('-').next()?.trim_end_matches(".tar.gz");
            Some((pep440_key(version)?, version.to_owned()))
        })
        .max();
    if let (Some(ours), Some((key, version))) = (ours, newest) {
        if key > ours {
            problems.push(format!(
                "{} {version} is already on {}: expected {} to be newer; bump with \
                 `cargo xtask bump`",
                r.plan.python_name, r.plan.pypi_index, r.plan.python_version
            ));
        }
    }
    problems
}

/// Everything live would upload, checked by the tools that would upload it, without sending.
fn rehearse(r: &mut Release) -> Result<()> {
    let registry = r.plan.crates_registry.clone();
    for c in r.plan.crates.clone() {
        let name = &c.name;
        cmd!(
            r.sh,
            "cargo publish --dry-run --no-verify --locked --allow-dirty --registry {registry} --package {name}"
        )
        .run_to_stderr()
        .with_context(|| format!("rehearse publishing {name} to {registry}"))?;
        r.manifest.set_publish(PublishRecord {
            file: c.file.clone(),
            registry: registry.clone(),
            status: PublishStatus::Rehearsed,
            url: Some(crate_url(&registry, name, &r.plan.version.to_string())),
        });
    }
    let files = python_files(r);
    let (uv, url, index) = (r.env.bin("uv"), r.plan.pypi_url.clone(), r.plan.pypi_index.clone());
    let uploads: Vec<PathBuf> = files.iter().map(|a| r.out.join(&a.file)).collect();
    let uploads = &uploads;
    cmd!(
        r.sh,
        "{uv} publish --dry-run --trusted-publishing never --publish-url {url} --check-url {index} {uploads...}"
    )
    .env_remove("UV_PUBLISH_TOKEN")
    .env_remove("UV_PUBLISH_PASSWORD")
    .run_to_stderr()
    .with_context(|| format!("rehearse uploading to {url}"))?;
    for a in files {
        r.manifest.set_publish(PublishRecord {
            file: a.file,
            registry: url.clone(),
            status: PublishStatus::Rehearsed,
            url: Some(project_url(&index, &r.plan.python_name)),
        });
    }
    Ok(())
}

/// What to do with one artifact, decided before anything is sent.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Upload,
    Skip,
}

fn publish(r: &mut Release) -> Result<()> {
    let actions = decide(r)?;
    for (a, _) in &actions {
        let registry = registry_of(r, a.kind);
        let status = PublishStatus::Pending;
        r.manifest.set_publish(PublishRecord { file: a.file.clone(), registry, status, url: None });
    }
    r.manifest.write(&r.out)?;
    for (a, action) in actions.iter().filter(|(a, _)| a.kind == Kind::Crate) {
        let name = crate_name(r, a);
        let result = match action {
            Action::Skip => Ok(PublishStatus::Skipped),
            Action::Upload => publish_crate(r, &name, a),
        };
        record(
            r,
            a,
            &result,
            Some(crate_url(&r.plan.crates_registry, &name, &r.plan.version.to_string())),
        )?;
        result?;
    }
    let project = project_url(&r.plan.pypi_index, &r.plan.python_name);
    for (a, action) in actions.iter().filter(|(a, _)| a.kind != Kind::Crate) {
        let result = match action {
            Action::Skip => Ok(PublishStatus::Skipped),
            Action::Upload => upload_python(r, a),
        };
        record(r, a, &result, Some(project.clone()))?;
        result?;
    }
    read_back(r)
}

/// Upload, skip or refuse, for every artifact, from the registry state read in preflight.
fn decide(r: &Release) -> Result<Vec<(ArtifactRecord, Action)>> {
    let version = r.plan.version.to_string();
    let mut actions = Vec::new();
    let mut conflicts = Vec::new();
    for a in &r.manifest.artifacts {
        let published: Option<Option<String>> = match a.kind {
            Kind::Crate => {
                let name = crate_name(r, a);
                r.remote.crates.get(&name).and_then(|entries| {
                    entries.iter().find(|e| e.version == version).map(|e| Some(e.cksum.clone()))
                })
            }
            Kind::Sdist | Kind::Wheel => r.remote.python.get(&a.file).cloned(),
        };
        let action = match published {
            None => Action::Upload,
            Some(Some(hash)) if hash == a.sha256 => Action::Skip,
            Some(hash) => {
                conflicts.push(format!(
                    "{}: published with sha256 {}, built with sha256 {}",
                    a.file,
                    hash.as_deref().unwrap_or("(not given by the index)"),
                    a.sha256
                ));
                continue;
            }
        };
        actions.push((a.clone(), action));
    }
    if !conflicts.is_empty() {
        bail!(
            "refusing to publish: already published with different bytes (nothing was \
             uploaded):\n  {}\n  a published file can never be replaced; release a new version \
             (`cargo xtask bump patch`), or rebuild exactly the published commit",
            conflicts.join("\n  ")
        );
    }
    Ok(actions)
}

/// `cargo publish` for one crate, retried with back-off on rate limits and transient errors,
/// then waited for until the index lists it with our checksum.
fn publish_crate(r: &Release, name: &str, a: &ArtifactRecord) -> Result<PublishStatus> {
    let registry = &r.plan.crates_registry;
    let mut delay = Duration::from_secs(2);
    for attempt in 1..=4 {
        eprintln!("$ cargo publish --no-verify --locked --registry {registry} --package {name}");
        let output =
            cmd!(r.sh, "cargo publish --no-verify --locked --registry {registry} --package {name}")
                .quiet()
                .ignore_status()
                .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        eprint!("{stderr}");
        if output.status.success() {
            wait_for_crate(r, name, &a.sha256)?;
            return Ok(PublishStatus::Published);
        }
        if stderr.contains("already exists") || stderr.contains("already uploaded") {
            // Someone (or an earlier, interrupted run) got there first: same bytes or refuse.
            wait_for_crate(r, name, &a.sha256)?;
            return Ok(PublishStatus::Skipped);
        }
        if attempt < 4 && is_transient(&stderr) {
            eprintln!("    transient failure, retrying in {}s", delay.as_secs());
            std::thread::sleep(delay);
            delay *= 2;
            continue;
        }
        bail!(
            "cargo publish of {name} to {registry} failed: {}; once the cause is fixed, re-run \
             the release: it skips what is already published",
            last_line(&stderr)
        );
    }
    unreachable!("the last attempt returns")
}

fn is_transient(stderr: &str) -> bool {
    let s = stderr.to_lowercase();
    let markers = [
        "429",
        "too many requests",
        "500",
        "502",
        "503",
        "504",
        "timed out",
        "timeout",
        "connection",
        "could not connect",
    ];
    markers.iter().any(|m| s.contains(m))
}

/// Polls the index until it lists `name` at this version; its checksum must be ours.
fn wait_for_crate(r: &Release, name: &str, sha256: &str) -> Result<()> {
    let location = registry::index_location(&r.root, &r.plan.crates_registry)?;
    let version = r.plan.version.to_string();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let entries = registry::crate_versions(r.sh, &r.env.python(), &location, name)?;
        if let Some(entry) = entries.iter().find(|e| e.version == version) {
            if entry.cksum != sha256 {
                bail!(
                    "the index lists {name} {version} with checksum {}, but the crate built here \
                     has sha256 {sha256}: the published crate is not the verified one",
                    entry.cksum
                );
            }
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{name} {version} did not appear in the index of {} within 5 minutes",
                r.plan.crates_registry
            );
        }
        std::thread::sleep(Duration::from_secs(3));
    }
}

/// `uv publish` for one file (one at a time, so the manifest knows exactly what went out).
fn upload_python(r: &Release, a: &ArtifactRecord) -> Result<PublishStatus> {
    let (uv, url, index) = (r.env.bin("uv"), &r.plan.pypi_url, &r.plan.pypi_index);
    let path = r.out.join(&a.file);
    let trusted = match python_auth(url) {
        Some(PythonAuth::TrustedPublishing) => "always",
        _ => "never",
    };
    cmd!(
        r.sh,
        "{uv} publish --trusted-publishing {trusted} --publish-url {url} --check-url {index} {path}"
    )
    .run_to_stderr()
    .with_context(|| {
        format!(
            "upload {} to {url} failed; once the cause is fixed, re-run the release: it skips \
             what is already published",
            a.file
        )
    })?;
    Ok(PublishStatus::Published)
}

/// After publishing: every Python file's sha256 from the index, then the wheel installed from
/// the index into a fresh environment and imported.
fn read_back(r: &Release) -> Result<()> {
    let files = python_files(r);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let listed =
            registry::python_files(r.sh, &r.env.python(), &r.plan.pypi_index, &r.plan.python_name)?;
        let missing: Vec<&str> = files
            .iter()
            .filter(|a| !listed.contains_key(&a.file))
            .map(|a| a.file.as_str())
            .collect();
        if missing.is_empty() {
            for a in &files {
                let found = listed[&a.file].as_deref().unwrap_or("(none)");
                if found != a.sha256 {
                    bail!(
                        "{} lists {} with sha256 {found}, expected {}: the published file is not \
                         the verified one",
                        r.plan.pypi_index,
                        a.file,
                        a.sha256
                    );
                }
            }
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "{} does not list {} within 5 minutes of the upload",
                r.plan.pypi_index,
                missing.join(", ")
            );
        }
        std::thread::sleep(Duration::from_secs(5));
    }
    let runnable = r.plan.wheels.iter().any(|w| {
        w.builder == Builder::Host
            && w.target.target == r.host.target
            && files.iter().any(|a| a.file == w.file)
    });
    if runnable {
        verify::install_from_index(r)?;
    }
    Ok(())
}

fn record(
    r: &mut Release,
    a: &ArtifactRecord,
    result: &Result<PublishStatus>,
    url: Option<String>,
) -> Result<()> {
    let status = match result {
        Ok(status) => *status,
        Err(_) => PublishStatus::Failed,
    };
    eprintln!("    {}: {}", a.file, status.as_str());
    let registry = registry_of(r, a.kind);
    r.manifest.set_publish(PublishRecord { file: a.file.clone(), registry, status, url });
    r.manifest.write(&r.out)
}

fn registry_of(r: &Release, kind: Kind) -> String {
    match kind {
        Kind::Crate => r.plan.crates_registry.clone(),
        Kind::Sdist | Kind::Wheel => r.plan.pypi_url.clone(),
    }
}

fn python_files(r: &Release) -> Vec<ArtifactRecord> {
    r.manifest.artifacts.iter().filter(|a| a.kind != Kind::Crate).cloned().collect()
}

fn crate_name(r: &Release, a: &ArtifactRecord) -> String {
    r.plan
        .crates
        .iter()
        .find(|c| c.file == a.file)
        .map_or_else(|| a.file.trim_end_matches(".crate").to_owned(), |c| c.name.clone())
}

fn crate_url(registry: &str, name: &str, version: &str) -> String {
    if registry == CRATES_IO {
        format!("https://crates.io/crates/{name}/{version}")
    } else {
        format!("{registry}:{name}@{version}")
    }
}

fn project_url(index: &str, project: &str) -> String {
    format!("{}/{}/", index.trim_end_matches('/'), project)
}

fn last_line(text: &str) -> &str {
    text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no output").trim()
}

fn crate_token_var(registry: &str) -> String {
    if registry == CRATES_IO {
        "CARGO_REGISTRY_TOKEN".to_owned()
    } else {
        format!("CARGO_REGISTRIES_{}_TOKEN", registry.to_uppercase().replace('-', "_"))
    }
}

/// A token in the environment, or one `cargo login` stored in `$CARGO_HOME/credentials.toml`.
fn crate_credentials(registry: &str) -> bool {
    if std::env::var(crate_token_var(registry)).is_ok_and(|t| !t.is_empty()) {
        return true;
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(home) = home else { return false };
    ["credentials.toml", "credentials"].iter().any(|name| {
        let Ok(text) = std::fs::read_to_string(home.join(name)) else { return false };
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else { return false };
        let table = if registry == CRATES_IO {
            doc.get("registry")
        } else {
            doc.get("registries").and_then(|r| r.get(registry))
        };
        table.and_then(|t| t.get("token")).and_then(|t| t.as_str()).is_some_and(|t| !t.is_empty())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PythonAuth {
    Token,
    Password,
    TrustedPublishing,
}

fn python_auth(url: &str) -> Option<PythonAuth> {
    let set = |var: &str| std::env::var(var).is_ok_and(|v| !v.is_empty());
    if set("UV_PUBLISH_TOKEN") {
        Some(PythonAuth::Token)
    } else if set("UV_PUBLISH_USERNAME") && set("UV_PUBLISH_PASSWORD") {
        Some(PythonAuth::Password)
    } else if oidc_available() && is_pypi(url) {
        Some(PythonAuth::TrustedPublishing)
    } else {
        None
    }
}

fn is_pypi(url: &str) -> bool {
    url.starts_with("https://upload.pypi.org/") || url.starts_with("https://test.pypi.org/")
}

/// GitHub Actions hands a job an OIDC token only with `permissions: id-token: write`.
fn oidc_available() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
        && std::env::var_os("ACTIONS_ID_TOKEN_REQUEST_URL").is_some()
        && std::env::var_os("ACTIONS_ID_TOKEN_REQUEST_TOKEN").is_some()
}

/// In GitHub Actions, a private repository must not publish (its code would go public) unless
/// explicitly allowed. The event payload says whether it is private.
fn private_repository(allowed: bool) -> Option<String> {
    if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") || allowed {
        return None;
    }
    let fix = "publishing from a private repository makes its code public; if that is intended, \
               pass `--allow-private-repository`";
    let Ok(path) = std::env::var("GITHUB_EVENT_PATH") else {
        return Some(format!(
            "cannot tell whether the repository is private: GITHUB_EVENT_PATH is not set; {fix}"
        ));
    };
    let event: Option<Value> =
        std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok());
    match event.as_ref().and_then(|e| e["repository"]["private"].as_bool()) {
        Some(false) => None,
        Some(true) => {
            let name = event
                .as_ref()
                .and_then(|e| e["repository"]["full_name"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "the repository".to_owned());
            Some(format!(
                "{name} is private (from the event payload {path}): expected a public repository; {fix}"
            ))
        }
        None => Some(format!(
            "cannot tell whether the repository is private: {path} has no repository.private; {fix}"
        )),
    }
}

/// A sortable key for the PEP 440 versions this project produces: `X.Y.Z` with an optional
/// `aN`, `bN` or `rcN`.
fn pep440_key(version: &str) -> Option<(u64, u64, u64, u8, u64)> {
    let split = version.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(version.len());
    let (release, pre) = version.split_at(split);
    let mut parts = release.split('.').map(|p| p.parse::<u64>().ok());
    let (x, y, z) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    let (stage, n) = if pre.is_empty() {
        (3, 0)
    } else {
        let digits = pre.find(|c: char| c.is_ascii_digit())?;
        let stage = match &pre[..digits] {
            "a" => 0,
            "b" => 1,
            "rc" => 2,
            _ => return None,
        };
        (stage, pre[digits..].parse().ok()?)
    };
    Some((x, y, z, stage, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_keys_order_releases() {
        let mut versions =
            ["1.0.0", "1.0.0rc1", "0.9.9", "1.0.0a2", "1.0.0b1", "1.0.0a10", "1.0.1"];
        versions.sort_by_key(|v| pep440_key(v).unwrap());
        assert_eq!(
            versions,
            ["0.9.9", "1.0.0a2", "1.0.0a10", "1.0.0b1", "1.0.0rc1", "1.0.0", "1.0.1"]
        );
        assert_eq!(pep440_key("1.0"), None);
        assert_eq!(pep440_key("1.0.0.post1"), None);
    }

    #[test]
    fn transient_errors_are_recognised() {
        assert!(is_transient("error: failed to publish: status 429 Too Many Requests"));
        assert!(is_transient("Connection refused (os error 111)"));
        assert!(is_transient("[7] Could not connect to server"));
        assert!(!is_transient("error: crate version `0.1.0` is already uploaded"));
    }

    #[test]
    fn token_variables_follow_cargo() {
        assert_eq!(crate_token_var("crates-io"), "CARGO_REGISTRY_TOKEN");
        assert_eq!(crate_token_var("my-reg"), "CARGO_REGISTRIES_MY_REG_TOKEN");
    }
}
