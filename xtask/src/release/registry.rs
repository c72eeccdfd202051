//! Read-only views of the registries: which versions of a crate a cargo registry's index lists
//! (with their checksums), and which files a Python simple index lists (with their sha256).
//!
//! Nothing here writes; preflight uses it to know what is already published before anything is
//! built, and the publish stage uses it to skip identical uploads and refuse different ones.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

use crate::http;
use crate::workspace::pyproject::normalize_project;

/// A version of a crate as a registry index lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    pub version: String,
    pub cksum: String,
    pub yanked: bool,
}

/// Where a cargo registry's index lives.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexLocation {
    /// `sparse+http(s)://…`: one file per crate over HTTP.
    Sparse(String),
    /// `file://…`: a git repository on this machine (as cargo-http-registry keeps it).
    Local(std::path::PathBuf),
}

/// Resolves a registry name the way cargo does: `crates-io`, `CARGO_REGISTRIES_<NAME>_INDEX`, or
/// `[registries.<name>] index` in the cargo configuration.
pub fn index_location(root: &Path, registry: &str) -> Result<IndexLocation> {
    let url = if registry == super::plan::CRATES_IO {
        "sparse+https://index.crates.io/".to_owned()
    } else {
        let var = format!("CARGO_REGISTRIES_{}_INDEX", registry.to_uppercase().replace('-', "_"));
        match std::env::var(&var) {
            Ok(url) => url,
            Err(_) => config_index(root, registry).with_context(|| {
                format!(
                    "unknown cargo registry `{registry}`: expected `{var}` or \
                     `[registries.{registry}] index = \"…\"` in .cargo/config.toml"
                )
            })?,
        }
    };
    parse_index_url(&url)
}

fn parse_index_url(url: &str) -> Result<IndexLocation> {
    if let Some(rest) = url.strip_prefix("sparse+") {
        Ok(IndexLocation::Sparse(format!("{}/", rest.trim_end_matches('/'))))
    } else if let Some(path) = url.strip_prefix("file://") {
        Ok(IndexLocation::Local(path.into()))
    } else {
        bail!(
            "registry index `{url}` is not supported: expected a sparse (`sparse+https://…`) or \
             local (`file://…`) index"
        )
    }
}

fn config_index(root: &Path, registry: &str) -> Option<String> {
    let cargo_home = crate::host::cargo_home()?;
    let candidates = [root.join(".cargo/config.toml"), cargo_home.join("config.toml")];
    candidates.iter().find_map(|path| {
        let doc: toml_edit::DocumentMut = std::fs::read_to_string(path).ok()?.parse().ok()?;
        doc.get("registries")?.get(registry)?.get("index")?.as_str().map(str::to_owned)
    })
}

/// The web API of the registry behind an index (`api` in its `config.json`), where uploads go.
pub fn api_url(sh: &Shell, python: &Path, location: &IndexLocation) -> Result<String> {
    let text = match location {
        IndexLocation::Sparse(base) if base == "https://index.crates.io/" => {
            return Ok("https://crates.io".to_owned());
        }
        IndexLocation::Sparse(base) => {
            let url = format!("{base}config.json");
            let response = http::get(sh, python, &url)?;
            if response.status != 200 {
                bail!("{url} answered HTTP {}: expected the index's config.json", response.status);
            }
            response.body
        }
        IndexLocation::Local(repo) => {
            let git = cmd!(sh, "git -C {repo} show HEAD:config.json").quiet().read();
            git.with_context(|| {
                format!("read config.json of the crate index at {}", repo.display())
            })?
        }
    };
    let config: Value =
        serde_json::from_str(&text).context("the index's config.json is not JSON")?;
    config["api"]
        .as_str()
        .map(|api| api.trim_end_matches('/').to_owned())
        .context("the index's config.json names no `api`: the registry takes no uploads")
}

/// The index path of a crate (`se/rd/serde`, `3/s/syn`, …).
pub fn index_path(name: &str) -> String {
    let name = name.to_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// Every version of `name` the registry lists; empty when it has never been published.
pub fn crate_versions(
    sh: &Shell,
    python: &Path,
    location: &IndexLocation,
    name: &str,
) -> Result<Vec<IndexEntry>> {
    let path = index_path(name);
    let text = match location {
        IndexLocation::Sparse(base) => {
            let url = format!("{base}{path}");
            let response = http::get(sh, python, &url)?;
            match response.status {
                200 => response.body,
                404 | 410 | 451 => return Ok(Vec::new()),
                status => bail!("{url} answered HTTP {status}: expected 200 or 404"),
            }
        }
        IndexLocation::Local(repo) => {
            let spec = format!("HEAD:{path}");
            let git = cmd!(sh, "git -C {repo} show {spec}").quiet().ignore_status().output()?;
            if !git.status.success() {
                let err = String::from_utf8_lossy(&git.stderr);
                if err.contains("does not exist") || err.contains("exists on disk, but not in") {
                    return Ok(Vec::new());
                }
                bail!("cannot read the crate index at {}: {}", repo.display(), err.trim());
            }
            String::from_utf8_lossy(&git.stdout).into_owned()
        }
    };
    parse_index_file(&text)
}

pub fn parse_index_file(text: &str) -> Result<Vec<IndexEntry>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).context("malformed crate index line")?;
            Ok(IndexEntry {
                version: v["vers"].as_str().context("index line without `vers`")?.to_owned(),
                cksum: v["cksum"].as_str().unwrap_or_default().to_owned(),
                yanked: v["yanked"].as_bool().unwrap_or(false),
            })
        })
        .collect()
}

/// The files a PEP 503 simple index lists for `project`, with their sha256 when given.
pub fn python_files(
    sh: &Shell,
    python: &Path,
    index: &str,
    project: &str,
) -> Result<BTreeMap<String, Option<String>>> {
    let url = format!("{}/{}/", index.trim_end_matches('/'), normalize_project(project));
    let response = http::get(sh, python, &url)?;
    match response.status {
        200 => Ok(parse_simple_index(&response.body)),
        404 => Ok(BTreeMap::new()),
        status => bail!("{url} answered HTTP {status}: expected 200 or 404"),
    }
}

/// File name → sha256 from the `href`s of a simple index page.
pub fn parse_simple_index(html: &str) -> BTreeMap<String, Option<String>> {
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
        let sha256 = fragment.strip_prefix("sha256=").map(str::to_owned);
        files.insert(percent_decode(file), sha256);
    }
    files
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
    fn index_paths_follow_cargo() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("syn"), "3/s/syn");
        assert_eq!(index_path("Geodist"), "ge/od/geodist");
    }

    #[test]
    fn index_urls_are_classified() {
        assert_eq!(
            parse_index_url("sparse+https://index.crates.io").unwrap(),
            IndexLocation::Sparse("https://index.crates.io/".into())
        );
        assert_eq!(
            parse_index_url("file:///tmp/reg/index").unwrap(),
            IndexLocation::Local("/tmp/reg/index".into())
        );
        assert!(parse_index_url("https://github.com/x/y").is_err());
    }

    #[test]
    fn index_lines_parse() {
        let text = r#"{"name":"geodist","vers":"0.1.0","deps":[],"cksum":"ab","features":{},"yanked":false}
{"name":"geodist","vers":"0.2.0","deps":[],"cksum":"cd","features":{},"yanked":true}
"#;
        let entries = parse_index_file(text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (entries[1].version.as_str(), entries[1].cksum.as_str(), entries[1].yanked),
            ("0.2.0", "cd", true)
        );
    }

    #[test]
    fn simple_index_pages_parse() {
        let html = r#"<html><body>
<a href="/packages/geodist_rs-0.1.0.tar.gz#sha256=aa11">geodist_rs-0.1.0.tar.gz</a>
<a href="../../packages/geodist_rs-0.1.0-cp310-abi3-win_amd64.whl#sha256=bb22" data-requires-python="&gt;=3.10">x</a>
<a href="https://files.example/p/geodist_rs-0.0.9%2Blocal.tar.gz">y</a>
</body></html>"#;
        let files = parse_simple_index(html);
        assert_eq!(files["geodist_rs-0.1.0.tar.gz"].as_deref(), Some("aa11"));
        assert_eq!(files["geodist_rs-0.1.0-cp310-abi3-win_amd64.whl"].as_deref(), Some("bb22"));
        assert_eq!(files["geodist_rs-0.0.9+local.tar.gz"], None);
    }
}
