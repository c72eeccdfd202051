//! A Python package index: its PEP 503 simple index (what is there, with sha256), its upload
//! endpoint, and `uv publish`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use super::{Listed, Outcome, last_words};
use crate::digest::Sha256;
use crate::exec::CmdExt;
use crate::files::FileName;
use crate::http;
use crate::release::credentials::{self, PythonAuth};
use crate::workspace::pyproject::normalize_project;

/// One Python index: where uploads go, where it lists what it has, and the project there.
pub struct PythonIndex<'a> {
    sh: &'a Shell,
    python: PathBuf,
    uv: PathBuf,
    pub upload_url: String,
    pub index: String,
    project: String,
}

impl<'a> PythonIndex<'a> {
    /// `python` runs the HTTP requests, `uv` the uploads.
    pub fn new(
        sh: &'a Shell,
        python: PathBuf,
        uv: PathBuf,
        (upload_url, index): (&str, &str),
        project: &str,
    ) -> Self {
        let (upload_url, index) = (upload_url.to_owned(), index.to_owned());
        PythonIndex { sh, python, uv, upload_url, index, project: project.to_owned() }
    }

    /// The project's page on the simple index.
    fn project_index(&self) -> String {
        format!("{}/{}/", self.index.trim_end_matches('/'), normalize_project(&self.project))
    }

    /// Every file the index lists for the project, with its sha256 when it gives one.
    pub fn files(&self) -> Result<BTreeMap<FileName, Option<Sha256>>> {
        Ok(self.links()?.into_iter().map(|(file, link)| (file, link.sha256)).collect())
    }

    /// Every file the index lists for the project, with where to download it and its sha256.
    pub fn links(&self) -> Result<BTreeMap<FileName, Link>> {
        let url = self.project_index();
        let answer = http::get(self.sh, &self.python, &url)?;
        match answer.status {
            200 => Ok(parse_simple_index(&answer.body, &url)),
            404 => Ok(BTreeMap::new()),
            _ => bail!("{url} answered {}: expected 200 or 404", answer.describe()),
        }
    }

    /// PyPI's Integrity API for the index's host: `<host>/integrity/<project>/<version>/<file>/provenance`.
    pub fn provenance_url(&self, version: &str, file: &FileName) -> String {
        let base = self.index.trim_end_matches('/').trim_end_matches("/simple");
        format!("{base}/integrity/{}/{version}/{file}/provenance", normalize_project(&self.project))
    }

    /// What the index holds under `file`, compared with our sha256.
    pub fn listed(&self, file: &FileName, ours: &Sha256) -> Result<Listed> {
        Ok(Listed::compare(self.files()?.get(file).map(Option::as_ref), ours))
    }

    fn answers(&self) -> bool {
        self.files().is_ok()
    }

    /// `uv publish` of one file (with its PEP 740 attestation when one lies beside it), given
    /// up on after `limit` without an answer.
    pub fn upload(&self, path: &Path, limit: Duration) -> Result<Outcome> {
        let (uv, url, index) = (&self.uv, &self.upload_url, &self.index);
        let trusted = match credentials::python_auth(url) {
            Some(PythonAuth::TrustedPublishing) => "always",
            _ => "never",
        };
        let attestation = attestation_for(path, url).map(|a| uv_file(&a));
        let file = uv_file(path);
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let run = cmd!(
            self.sh,
            "{uv} publish --trusted-publishing {trusted} --publish-url {url} --check-url {index} {file} {attestation...}"
        )
        .envs(credentials::uv_publish_env())
        .run_with_deadline(&format!("the upload of {name}"), limit)?;
        if run.timed_out {
            return Ok(Outcome::Transient(format!("no answer within {}s", limit.as_secs())));
        }
        if run.status.success() {
            let skipped = run.stderr.contains("already exists, skipping");
            return Ok(if skipped { Outcome::AlreadyThere } else { Outcome::Uploaded });
        }
        let (status, words) = uv_failure(&run.stderr);
        Ok(Outcome::of_failure(status, words, self.answers()))
    }

    /// What a live upload checks, without sending: `uv publish --dry-run` of every file.
    pub fn rehearse(&self, paths: &[PathBuf]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        let (uv, url, index) = (&self.uv, &self.upload_url, &self.index);
        let files: Vec<String> = paths.iter().map(|p| uv_file(p)).collect();
        cmd!(
            self.sh,
            "{uv} publish --dry-run --trusted-publishing never --publish-url {url} --check-url {index} {files...}"
        )
        .run_to_stderr()
        .with_context(|| format!("rehearse uploading to {url}"))
    }

    /// With trusted publishing (GitHub Actions, `id-token: write`), uv exchanges the job's
    /// OIDC token for an upload token: `uv publish --dry-run --trusted-publishing always`
    /// performs that exchange and uploads nothing, so a publisher PyPI does not know is found
    /// before any upload. `None` when it works, or when trusted publishing is not how uv will
    /// authenticate.
    pub fn trusted_publishing_problem(&self, paths: &[PathBuf]) -> Result<Option<String>> {
        let url = &self.upload_url;
        if paths.is_empty() || credentials::python_auth(url) != Some(PythonAuth::TrustedPublishing)
        {
            return Ok(None);
        }
        let (uv, files) = (&self.uv, paths.iter().map(|p| uv_file(p)).collect::<Vec<_>>());
        let run = cmd!(
            self.sh,
            "{uv} publish --dry-run --trusted-publishing always --publish-url {url} {files...}"
        )
        .envs(credentials::uv_publish_env())
        .run_capturing_stderr()?;
        if run.status.success() {
            return Ok(None);
        }
        let (_, said) = uv_failure(&run.stderr);
        Ok(Some(format!(
            "trusted publishing to {url} does not work from this job: {said}; expected this \
             workflow (release.yml, environment `release`) registered as a trusted publisher of \
             {} on PyPI, and the job granted `permissions: id-token: write`",
            self.project
        )))
    }

    /// The project's page: on PyPI and TestPyPI the human one for `version`, elsewhere its
    /// simple-index page.
    pub fn page(&self, version: &str) -> String {
        for host in ["https://pypi.org", "https://test.pypi.org"] {
            if self.index.trim_end_matches('/') == format!("{host}/simple") {
                return format!("{host}/project/{}/{version}/", self.project);
            }
        }
        self.project_index()
    }
}

/// The registry's HTTP status as uv quotes it (`Server returned status code 403 Forbidden.
/// Server says: <body>`), if it got an answer, and the reason: the body's, or the tool's last
/// words.
fn uv_failure(stderr: &str) -> (Option<u16>, String) {
    const STATUS: &str = "Server returned status code ";
    if let Some(at) = stderr.find(STATUS) {
        let rest = &stderr[at + STATUS.len()..];
        let (status_line, body) = rest.split_once(". Server says:").unwrap_or((rest, ""));
        let status: Option<u16> = status_line.get(..3).and_then(|s| s.parse().ok());
        let reason = http::reason(body);
        return (status, status.map_or(reason.clone(), |s| http::describe(s, &reason)));
    }
    (None, last_words(stderr, 2))
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

/// A file on a simple index: its absolute URL and its sha256 when the index gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub sha256: Option<Sha256>,
}

/// File name → link from the `href`s of the simple index page at `page`. A name that is not a
/// plain file name is not a file this release can have, and is left out.
pub fn parse_simple_index(html: &str, page: &str) -> BTreeMap<FileName, Link> {
    let mut files = BTreeMap::new();
    for chunk in html.split("href=\"").skip(1) {
        let Some(href) = chunk.split('"').next() else {
            continue;
        };
        let href = href.replace("&amp;", "&");
        let (url, fragment) = href.split_once('#').unwrap_or((&href, ""));
        let url = url.split('?').next().unwrap_or(url);
        let Some(file) = url.rsplit('/').next().filter(|f| !f.is_empty()) else {
            continue;
        };
        let Ok(file) = FileName::try_from(percent_decode(file)) else {
            continue;
        };
        let sha256 =
            fragment.strip_prefix("sha256=").and_then(|h| Sha256::try_from(h.to_owned()).ok());
        files.insert(file, Link { url: absolute_url(page, url), sha256 });
    }
    files
}

/// `href` as an absolute URL, read from the page at `page` (absolute, host-relative or
/// relative with `../`).
fn absolute_url(page: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_owned();
    }
    let (scheme, rest) = page.split_once("://").unwrap_or(("http", page));
    let host = rest.split('/').next().unwrap_or(rest);
    if let Some(path) = href.strip_prefix('/') {
        return format!("{scheme}://{host}/{path}");
    }
    let mut parts: Vec<&str> = rest.split('/').collect();
    parts.pop(); // the page's own name (empty for a directory page)
    for segment in href.split('/') {
        match segment {
            ".." if parts.len() > 1 => drop(parts.pop()),
            "." | ".." => {}
            other => parts.push(other),
        }
    }
    format!("{scheme}://{}", parts.join("/"))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

    /// uv's words, recorded from uv against pypiserver.
    #[test]
    fn registry_answers_are_named() {
        let uv = "Uploading x.tar.gz (1KiB)\nerror: Failed to publish `x.tar.gz` to `http://127.0.0.1:1/`\n  cause: Server returned status code 403 Forbidden. Server says: <html><title>Error: 403 Forbidden</title><pre>None</pre></html>\n";
        assert_eq!(uv_failure(uv), (Some(403), "HTTP 403".to_owned()));
        let (status, words) =
            uv_failure("error: Failed\n  cause: Missing credentials for: http://x/\n");
        assert_eq!(status, None);
        assert!(words.contains("Missing credentials"), "{words}");
    }

    #[test]
    fn simple_index_pages_parse() {
        let (a, b) = ("aa".repeat(32), "bb".repeat(32));
        let html = format!(
            r#"<html><body>
<a href="/packages/geodist_rs-0.1.0.tar.gz#sha256={a}">geodist_rs-0.1.0.tar.gz</a>
<a href="../../packages/geodist_rs-0.1.0-cp310-abi3-win_amd64.whl#sha256={b}" data-requires-python="&gt;=3.10">x</a>
<a href="https://files.example/p/geodist_rs-0.0.9%2Blocal.tar.gz">y</a>
<a href="https://files.example/p/..%2Fescape.tar.gz">z</a>
</body></html>"#
        );
        let files = parse_simple_index(&html, "http://127.0.0.1:8/simple/geodist-rs/");
        let link = |name: &str| files[&FileName::try_from(name).unwrap()].clone();
        let get = |name: &str| link(name).sha256.map(String::from);
        assert_eq!(get("geodist_rs-0.1.0.tar.gz").as_deref(), Some(a.as_str()));
        assert_eq!(get("geodist_rs-0.1.0-cp310-abi3-win_amd64.whl").as_deref(), Some(b.as_str()));
        assert_eq!(get("geodist_rs-0.0.9+local.tar.gz"), None);
        let urls = [
            ("geodist_rs-0.1.0.tar.gz", "http://127.0.0.1:8/packages/geodist_rs-0.1.0.tar.gz"),
            (
                "geodist_rs-0.1.0-cp310-abi3-win_amd64.whl",
                "http://127.0.0.1:8/packages/geodist_rs-0.1.0-cp310-abi3-win_amd64.whl",
            ),
            (
                "geodist_rs-0.0.9+local.tar.gz",
                "https://files.example/p/geodist_rs-0.0.9%2Blocal.tar.gz",
            ),
        ];
        for (name, url) in urls {
            assert_eq!(link(name).url, url);
        }
        assert_eq!(files.len(), 3, "the name with a separator is left out: {files:?}");
    }
}
