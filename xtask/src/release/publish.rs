//! Publish: the point of no return, reached only after every guard has passed.
//!
//! Both modes decide first, from the same code ([`decision::decide`]), what happens to each
//! artifact — upload it (absent), skip it (present with the same sha256) or refuse the release
//! (present with other bytes) — print the decisions and record them. Then the one `match` on the
//! mode: a dry run rehearses every upload (`cargo publish --dry-run`, `uv publish --dry-run`); a
//! live run publishes crates in dependency order, each visible in the index before the next,
//! then the Python files, then reads everything back. The manifest records each upload as it
//! happens, so a re-run after any failure finishes the job.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use super::credentials::{self, PythonAuth};
use super::decision::{self, Planned};
use super::manifest::{Decision, PublishRecord, PublishStatus};
use super::plan::{Builder, CRATES_IO, Kind};
use super::{Release, build, registry, verify};
use crate::digest;
use crate::exec::CmdExt;
use crate::flags::Mode;

pub fn run(r: &mut Release) -> Result<()> {
    let decided = decision::decide(&r.plan, &r.manifest.artifacts, &r.remote);
    eprintln!("    what a live release does with each file:");
    eprint!("{}", decision::table(&decided));
    for p in &decided {
        let record = PublishRecord {
            file: p.file.clone(),
            registry: p.registry.clone(),
            decision: p.decision,
            status: PublishStatus::Pending,
            url: Some(url_of(r, p)),
        };
        r.manifest.set_publish(record);
    }
    r.write_manifest()?;
    let mut problems = decision::conflicts(&decided);
    problems.extend(the_verified_bytes(r)?);
    problems.extend(trusted_publishing_works(r, &decided)?);
    r.enforce("refusing to publish (nothing was uploaded)", problems)?;
    match r.mode {
        Mode::DryRun => rehearse(r, &decided),
        Mode::Live => publish(r, &decided),
    }
}

/// `cargo publish` packages the crate again from the working tree (it cannot upload a file;
/// rust-lang/cargo#12747), so before any upload: the artifacts must have been built from HEAD,
/// and packaging HEAD again must make byte for byte the crates that were verified. Both hold in
/// a release that built its own artifacts and left the tree alone; a dist from another commit
/// (a moved tag, another run's download) or another cargo fails them, before anything is sent.
fn the_verified_bytes(r: &Release) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let head = cmd!(r.sh, "git rev-parse HEAD").quiet().read()?;
    let built_at = r.manifest.commit.trim();
    if built_at != head.trim() {
        problems.push(format!(
            "the artifacts in {} were built at commit {}, but HEAD is {}: expected to publish \
             from the commit they were built from, since cargo publish packages the working \
             tree; check out {} (`git checkout {}`), or rebuild at HEAD (`cargo xtask release \
             --dry-run --out {}`)",
            r.out.display(),
            short(built_at),
            short(&head),
            short(built_at),
            built_at,
            r.out.display()
        ));
    }
    let reproduce = r.staging.join("reproduce");
    eprintln!("    packaging HEAD again to compare with the verified crates");
    for path in build::package_crates(r, &reproduce, build::Verify::PackOnly)? {
        let file = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let (ours, _) = digest::sha256_file(&path)?;
        let Some(verified) = r.manifest.artifacts.iter().find(|a| a.file == file) else {
            continue;
        };
        if ours != verified.sha256 {
            problems.push(format!(
                "cargo package at HEAD makes {file} with sha256 {ours}, but the verified one has \
                 sha256 {}: cargo publish would upload other bytes than were verified; publish \
                 from the commit and with the toolchain (rust-toolchain.toml) they were built \
                 with, or rebuild them (`cargo xtask release --dry-run --out {}`)",
                verified.sha256,
                r.out.display()
            ));
        }
    }
    Ok(problems)
}

/// With trusted publishing (GitHub Actions, `id-token: write`), uv exchanges the job's OIDC
/// token for an upload token: `uv publish --dry-run --trusted-publishing always` performs that
/// exchange and uploads nothing, so a publisher PyPI does not know is found before any upload.
fn trusted_publishing_works(r: &Release, decided: &[Planned]) -> Result<Vec<String>> {
    let url = &r.plan.pypi_url;
    if credentials::python_auth(url) != Some(PythonAuth::TrustedPublishing) {
        return Ok(Vec::new());
    }
    let files: Vec<String> = decided
        .iter()
        .filter(|p| p.kind != Kind::Crate && p.decision == Decision::Upload)
        .map(|p| uv_file(&r.out.join(&p.file)))
        .collect();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let uv = r.env.bin("uv");
    let run = cmd!(
        r.sh,
        "{uv} publish --dry-run --trusted-publishing always --publish-url {url} {files...}"
    )
    .envs(credentials::uv_publish_env())
    .run_capturing_stderr()?;
    if run.status.success() {
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "trusted publishing to {url} does not work from this job: {}; expected this workflow \
         (release.yml, environment `release`) registered as a trusted publisher of {} on PyPI, \
         and the job granted `permissions: id-token: write`",
        uv_reason(&run.stderr),
        r.plan.python_name
    )])
}

fn short(sha: &str) -> &str {
    sha.trim().get(..10).unwrap_or(sha.trim())
}

/// Everything live would upload, checked by the tools that would upload it, without sending.
fn rehearse(r: &mut Release, decided: &[Planned]) -> Result<()> {
    let registry = r.plan.crates_registry.clone();
    for p in decided.iter().filter(|p| p.kind == Kind::Crate) {
        if p.decision == Decision::Upload {
            let name = crate_name(r, &p.file);
            cmd!(
                r.sh,
                "cargo publish --dry-run --no-verify --locked --allow-dirty --registry {registry} --package {name}"
            )
            .envs(credentials::cargo_publish_env(&registry))
            .run_to_stderr()
            .with_context(|| format!("rehearse publishing {name} to {registry}"))?;
        }
        set_status(r, p, rehearsal_status(p.decision));
    }
    let python: Vec<&Planned> = decided.iter().filter(|p| p.kind != Kind::Crate).collect();
    let uploads: Vec<String> = python
        .iter()
        .filter(|p| p.decision == Decision::Upload)
        .map(|p| uv_file(&r.out.join(&p.file)))
        .collect();
    if !uploads.is_empty() {
        let (uv, url, index) = (r.env.bin("uv"), &r.plan.pypi_url, &r.plan.pypi_index);
        cmd!(
            r.sh,
            "{uv} publish --dry-run --trusted-publishing never --publish-url {url} --check-url {index} {uploads...}"
        )
        .run_to_stderr()
        .with_context(|| format!("rehearse uploading to {url}"))?;
    }
    for p in python {
        set_status(r, p, rehearsal_status(p.decision));
    }
    Ok(())
}

/// What a dry run did with a file: rehearsed its upload, or nothing (a skip, or a refusal
/// that a live run would stop at).
fn rehearsal_status(decision: Decision) -> PublishStatus {
    match decision {
        Decision::Upload => PublishStatus::Rehearsed,
        Decision::Skip => PublishStatus::Skipped,
        Decision::Refuse => PublishStatus::Pending,
    }
}

fn publish(r: &mut Release, decided: &[Planned]) -> Result<()> {
    for p in decided.iter().filter(|p| p.kind == Kind::Crate) {
        let result = match p.decision {
            Decision::Skip => Ok(PublishStatus::Skipped),
            Decision::Upload => publish_crate(r, &crate_name(r, &p.file), &p.sha256),
            Decision::Refuse => unreachable!("refusals stop the release before any upload"),
        };
        record(r, p, &result)?;
        result?;
    }
    for p in decided.iter().filter(|p| p.kind != Kind::Crate) {
        let result = match p.decision {
            Decision::Skip => Ok(PublishStatus::Skipped),
            Decision::Upload => upload_python(r, &p.file),
            Decision::Refuse => unreachable!("refusals stop the release before any upload"),
        };
        record(r, p, &result)?;
        result?;
    }
    read_back(r)
}

/// `cargo publish` for one crate, retried with back-off on rate limits and transient errors,
/// then waited for until the index lists it with our checksum.
fn publish_crate(r: &Release, name: &str, sha256: &str) -> Result<PublishStatus> {
    let registry = &r.plan.crates_registry;
    let mut delay = Duration::from_secs(2);
    for attempt in 1..=4 {
        let run =
            cmd!(r.sh, "cargo publish --no-verify --locked --registry {registry} --package {name}")
                .envs(credentials::cargo_publish_env(registry))
                .run_capturing_stderr()?;
        if run.status.success() {
            wait_for_crate(r, name, sha256)?;
            return Ok(PublishStatus::Published);
        }
        if run.stderr.contains("already exists") || run.stderr.contains("already uploaded") {
            // Someone (or an earlier, interrupted run) got there first: same bytes or refuse.
            wait_for_crate(r, name, sha256)?;
            return Ok(PublishStatus::Skipped);
        }
        if attempt < 4 && is_transient(&run.stderr) {
            eprintln!("    transient failure, retrying in {}s", delay.as_secs());
            crate::exec::sleep(delay)?;
            delay *= 2;
            continue;
        }
        bail!(
            "cargo publish of {name} to {registry} failed: {}; once the cause is fixed, re-run \
             the release: it skips what is already published",
            cargo_reason(&run.stderr)
        );
    }
    unreachable!("the last attempt returns")
}

/// The line of cargo's error output that says what the registry answered (`the remote server
/// responded with an error (status 403 Forbidden): …`), else its last error line.
fn cargo_reason(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines
        .iter()
        .find(|l| l.contains("responded with an error") || l.contains("status "))
        .or_else(|| {
            lines.iter().rev().find(|l| l.starts_with("error") || l.starts_with("Caused by"))
        })
        .or(lines.last())
        .copied()
        .unwrap_or("no output")
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
    let location = registry::index_location(&r.ws.root, &r.plan.crates_registry)?;
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
        crate::exec::sleep(Duration::from_secs(3))?;
    }
}

/// `uv publish` for one file (one at a time, so the manifest knows exactly what went out, and
/// what uv really did: a file the index already has is skipped, not published).
fn upload_python(r: &Release, file: &str) -> Result<PublishStatus> {
    let (uv, url, index) = (r.env.bin("uv"), &r.plan.pypi_url, &r.plan.pypi_index);
    let path = r.out.join(file);
    let trusted = match credentials::python_auth(url) {
        Some(PythonAuth::TrustedPublishing) => "always",
        _ => "never",
    };
    let attestation = attestation_for(&path, url).map(|a| uv_file(&a));
    let path = uv_file(&path);
    let run = cmd!(
        r.sh,
        "{uv} publish --trusted-publishing {trusted} --publish-url {url} --check-url {index} {path} {attestation...}"
    )
    .envs(credentials::uv_publish_env())
    .run_capturing_stderr()?;
    if run.status.success() {
        let skipped = run.stderr.contains("already exists, skipping");
        return Ok(if skipped { PublishStatus::Skipped } else { PublishStatus::Published });
    }
    bail!(
        "upload of {file} to {url} failed: {}; once the cause is fixed, re-run the release: it \
         skips what is already published",
        uv_reason(&run.stderr)
    )
}

/// `path` as `uv publish` reads its file arguments: as glob patterns, so that a directory
/// named `dist [old]` would match nothing ("No files found to publish") and `[`, `]`, `*` and
/// `?` are escaped to match only themselves.
fn uv_file(path: &Path) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        if matches!(c, '[' | ']' | '*' | '?') {
            escaped.extend(['[', c, ']']);
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// The PEP 740 attestation made for `file` (`<file>.publish.attestation` beside it, which the
/// release workflow's publish job signs), to upload with it: uv sends an attestation only when
/// it is given one of the paths. PyPI accepts attestations only from trusted publishing, so a
/// token upload to PyPI goes without (saying so); other indexes take or ignore them.
fn attestation_for(file: &Path, url: &str) -> Option<PathBuf> {
    let mut name = file.as_os_str().to_owned();
    name.push(".publish.attestation");
    let attestation = PathBuf::from(name);
    if !attestation.is_file() {
        return None;
    }
    let trusted = credentials::python_auth(url) == Some(PythonAuth::TrustedPublishing);
    if credentials::is_pypi(url) && !trusted {
        eprintln!(
            "    {} not sent: PyPI takes attestations only with trusted publishing",
            attestation.file_name().unwrap_or_default().to_string_lossy()
        );
        return None;
    }
    Some(attestation)
}

/// What the registry answered, from uv's error output: `Server returned status code 403
/// Forbidden. Server says: <body>` becomes `HTTP 403 Forbidden: <the body's reason>`, or
/// `HTTP 403 Forbidden` when the body gives none.
fn uv_reason(stderr: &str) -> String {
    const STATUS: &str = "Server returned status code ";
    if let Some(at) = stderr.find(STATUS) {
        let rest = &stderr[at + STATUS.len()..];
        let (status, body) = rest.split_once(". Server says:").unwrap_or((rest, ""));
        return credentials::http_answer(status.trim(), &credentials::reason(body));
    }
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let cause = lines.iter().find(|l| l.starts_with("cause:") || l.starts_with("error:"));
    cause.or(lines.last()).copied().unwrap_or("no output").to_owned()
}

/// After publishing: every Python file's sha256 from the index, then the wheel installed from
/// the index into a fresh environment and imported.
fn read_back(r: &Release) -> Result<()> {
    let files: Vec<_> =
        r.manifest.artifacts.iter().filter(|a| a.kind != Kind::Crate).cloned().collect();
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
        crate::exec::sleep(Duration::from_secs(5))?;
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

fn record(r: &mut Release, p: &Planned, result: &Result<PublishStatus>) -> Result<()> {
    let status = match result {
        Ok(status) => *status,
        Err(_) => PublishStatus::Failed,
    };
    eprintln!("    {}: {}", p.file, status.as_str());
    set_status(r, p, status);
    r.write_manifest()
}

fn set_status(r: &mut Release, p: &Planned, status: PublishStatus) {
    r.manifest.set_publish(PublishRecord {
        file: p.file.clone(),
        registry: p.registry.clone(),
        decision: p.decision,
        status,
        url: Some(url_of(r, p)),
    });
}

/// Where a user finds the file once it is published.
fn url_of(r: &Release, p: &Planned) -> String {
    match p.kind {
        Kind::Crate => crate_url(r, &crate_name(r, &p.file)),
        Kind::Sdist | Kind::Wheel => {
            project_url(&r.plan.pypi_index, &r.plan.python_name, &r.plan.python_version)
        }
    }
}

fn crate_name(r: &Release, file: &str) -> String {
    r.plan
        .crates
        .iter()
        .find(|c| c.file == file)
        .map_or_else(|| file.trim_end_matches(".crate").to_owned(), |c| c.name.clone())
}

fn crate_url(r: &Release, name: &str) -> String {
    let (registry, version) = (&r.plan.crates_registry, &r.plan.version);
    if registry == CRATES_IO {
        format!("https://crates.io/crates/{name}/{version}")
    } else {
        format!("{registry}:{name}@{version}")
    }
}

/// The project's page: on PyPI and TestPyPI the human one for this version, elsewhere its
/// simple-index page.
fn project_url(index: &str, project: &str, version: &str) -> String {
    for host in ["https://pypi.org", "https://test.pypi.org"] {
        if index.trim_end_matches('/') == format!("{host}/simple") {
            return format!("{host}/project/{project}/{version}/");
        }
    }
    format!("{}/{}/", index.trim_end_matches('/'), project)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_arguments_of_uv_match_only_themselves() {
        let path = Path::new("/tmp/dist [old]/x*y?.whl");
        assert_eq!(uv_file(path), "/tmp/dist [[]old[]]/x[*]y[?].whl");
        assert_eq!(
            uv_file(Path::new("dist/geodist_rs-0.2.0.tar.gz")),
            "dist/geodist_rs-0.2.0.tar.gz"
        );
    }

    #[test]
    fn registry_answers_are_named() {
        let uv = "Uploading x.tar.gz (1KiB)\nerror: Failed to publish `x.tar.gz` to `http://127.0.0.1:1/`\n  cause: Server returned status code 403 Forbidden. Server says: <html><title>Error: 403 Forbidden</title><pre>None</pre></html>\n";
        assert_eq!(uv_reason(uv), "HTTP 403 Forbidden");
        assert_eq!(
            uv_reason("error: Failed\n  cause: Missing credentials for: http://x/\n"),
            "error: Failed"
        );
        let cargo = "    Updating `local` index\n   Uploading geodist v0.1.0\nerror: failed to publish geodist v0.1.0 to registry at http://127.0.0.1:1\n\nCaused by:\n  the remote server responded with an error (status 403 Forbidden): authentication failed\n";
        assert_eq!(
            cargo_reason(cargo),
            "the remote server responded with an error (status 403 Forbidden): authentication failed"
        );
    }

    #[test]
    fn transient_errors_are_recognised() {
        assert!(is_transient("error: failed to publish: status 429 Too Many Requests"));
        assert!(is_transient("Connection refused (os error 111)"));
        assert!(is_transient("[7] Could not connect to server"));
        assert!(!is_transient("error: crate version `0.1.0` is already uploaded"));
    }
}
