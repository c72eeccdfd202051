//! A cargo registry: its index — sparse over HTTP, or a local git index as cargo-http-registry
//! keeps it (`file://`) — its web API, and `cargo publish`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use xshell::{Shell, cmd};

use super::{Listed, Outcome, last_words};
use crate::digest::Sha256;
use crate::exec::CmdExt;
use crate::git::Repo;
use crate::http;
use crate::release::credentials;
use crate::release::plan::CRATES_IO;

/// A version of a crate as a registry index lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IndexEntry {
    #[serde(rename = "vers")]
    pub version: String,
    /// The `.crate` file's sha256 (an index line without one lists no bytes to compare).
    #[serde(default)]
    pub cksum: Option<Sha256>,
    #[serde(default)]
    pub yanked: bool,
}

/// Where a cargo registry's index lives.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexLocation {
    /// `sparse+http(s)://…`: one file per crate over HTTP.
    Sparse(String),
    /// `file://…`: a git repository on this machine (as cargo-http-registry keeps it).
    Local(PathBuf),
}

/// One cargo registry, by the name cargo knows it by.
pub struct CrateRegistry<'a> {
    sh: &'a Shell,
    python: PathBuf,
    pub name: String,
    location: IndexLocation,
}

/// What the release reads of an index's `config.json` (the registry index format).
#[derive(Deserialize)]
struct IndexConfig {
    /// The web API, where uploads go; an index without one takes none.
    api: Option<String>,
    /// Where a crate is downloaded from, with cargo's markers.
    dl: Option<String>,
}

impl<'a> CrateRegistry<'a> {
    /// Resolves `name` the way cargo does: `crates-io`, `CARGO_REGISTRIES_<NAME>_INDEX`, or
    /// `[registries.<name>] index` in the cargo configuration of the workspace at `root`.
    pub fn open(sh: &'a Shell, python: PathBuf, root: &Path, name: &str) -> Result<Self> {
        let url = if name == CRATES_IO {
            "sparse+https://index.crates.io/".to_owned()
        } else {
            let var = format!("CARGO_REGISTRIES_{}_INDEX", name.to_uppercase().replace('-', "_"));
            match std::env::var(&var) {
                Ok(url) => url,
                Err(_) => config_index(root, name).with_context(|| {
                    format!(
                        "unknown cargo registry `{name}`: expected `{var}` or \
                         `[registries.{name}] index = \"…\"` in .cargo/config.toml"
                    )
                })?,
            }
        };
        Ok(CrateRegistry { sh, python, name: name.to_owned(), location: parse_index_url(&url)? })
    }

    /// Every version of `krate` the index lists; empty when it was never published.
    pub fn versions(&self, krate: &str) -> Result<Vec<IndexEntry>> {
        let path = index_path(krate);
        let text = match &self.location {
            IndexLocation::Sparse(base) => {
                let url = format!("{base}{path}");
                let answer = http::get(self.sh, &self.python, &url)?;
                match answer.status {
                    200 => answer.body,
                    404 | 410 | 451 => return Ok(Vec::new()),
                    _ => bail!("{url} answered {}: expected 200 or 404", answer.describe()),
                }
            }
            IndexLocation::Local(repo) => match Repo::at(self.sh, repo).show("HEAD", &path) {
                Ok(Some(text)) => text,
                Ok(None) => return Ok(Vec::new()),
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("cannot read the crate index at {}", repo.display())
                    });
                }
            },
        };
        parse_index_file(&text)
    }

    /// What the index holds of `krate` at `version`, compared with our `.crate`'s sha256.
    pub fn listed(&self, krate: &str, version: &str, ours: &Sha256) -> Result<Listed> {
        let versions = self.versions(krate)?;
        let entry = versions.iter().find(|e| e.version == version);
        Ok(Listed::compare(entry.map(|e| e.cksum.as_ref()), ours))
    }

    /// The web API behind the index (`api` in its `config.json`), where uploads go.
    pub fn api_url(&self) -> Result<String> {
        if matches!(&self.location, IndexLocation::Sparse(base) if base == "https://index.crates.io/")
        {
            return Ok("https://crates.io".to_owned());
        }
        let api =
            self.config()?.api.context("the index's config.json names no `api`: no uploads")?;
        Ok(api.trim_end_matches('/').to_owned())
    }

    /// Where `krate` at `version` is downloaded from (`dl` in the index's `config.json`, with
    /// cargo's markers; without markers, `/{crate}/{version}/download` is appended).
    pub fn download_url(&self, krate: &str, version: &str) -> Result<String> {
        let dl =
            self.config()?.dl.context("the index's config.json names no `dl`: no downloads")?;
        let path = index_path(krate);
        let prefix = path.rsplit_once('/').map_or("", |(p, _)| p);
        let markers = ["{crate}", "{version}", "{prefix}", "{lowerprefix}", "{sha256-checksum}"];
        if !markers.iter().any(|m| dl.contains(m)) {
            return Ok(format!("{}/{krate}/{version}/download", dl.trim_end_matches('/')));
        }
        Ok(dl
            .replace("{crate}", krate)
            .replace("{version}", version)
            .replace("{prefix}", prefix)
            .replace("{lowerprefix}", &prefix.to_lowercase()))
    }

    /// The index's `config.json`.
    fn config(&self) -> Result<IndexConfig> {
        let text = match &self.location {
            IndexLocation::Sparse(base) => {
                let url = format!("{base}config.json");
                let answer = http::get(self.sh, &self.python, &url)?;
                if answer.status != 200 {
                    bail!("{url} answered {}: expected the index's config.json", answer.describe());
                }
                answer.body
            }
            IndexLocation::Local(repo) => {
                Repo::at(self.sh, repo).show("HEAD", "config.json")?.with_context(|| {
                    format!("the crate index at {} has no config.json", repo.display())
                })?
            }
        };
        crate::json::parse(&text).context("the index's config.json")
    }

    /// Whether the registry answers now (its index's configuration can be read).
    fn answers(&self) -> bool {
        self.api_url().is_ok()
    }

    /// `cargo publish` of `krate` from the working tree (cargo packages it again; it cannot
    /// upload a file, rust-lang/cargo#12747), given up on after `limit` without an answer.
    pub fn upload(&self, krate: &str, limit: Duration) -> Result<Outcome> {
        let registry = &self.name;
        let run = cmd!(
            self.sh,
            "cargo publish --no-verify --locked --registry {registry} --package {krate}"
        )
        .envs(credentials::cargo_publish_env(registry))
        .run_with_deadline(&format!("the upload of {krate}"), limit)?;
        if run.status.success() && !run.timed_out {
            return Ok(Outcome::Uploaded);
        }
        if run.timed_out {
            return Ok(Outcome::Transient(format!("no answer within {}s", limit.as_secs())));
        }
        let (status, words) = cargo_failure(&run.stderr);
        Ok(Outcome::of_failure(status, words, self.answers()))
    }

    /// What a live upload checks, without sending: `cargo publish --dry-run`.
    pub fn rehearse(&self, krate: &str) -> Result<()> {
        let registry = &self.name;
        cmd!(
            self.sh,
            "cargo publish --dry-run --no-verify --locked --allow-dirty --registry {registry} --package {krate}"
        )
        .envs(credentials::cargo_publish_env(registry))
        .run_to_stderr()
        .with_context(|| format!("rehearse publishing {krate} to {registry}"))
    }

    /// Where a user finds `krate` at `version`.
    pub fn page(&self, krate: &str, version: &str) -> String {
        if self.name == CRATES_IO {
            format!("https://crates.io/crates/{krate}/{version}")
        } else {
            format!("{}:{krate}@{version}", self.name)
        }
    }
}

/// The registry's HTTP status as cargo quotes it (`the remote server responded with an error
/// (status 403 Forbidden): …`), if it got an answer, and the words that say what happened.
fn cargo_failure(stderr: &str) -> (Option<u16>, String) {
    let quoted = stderr.lines().map(str::trim).find(|l| l.contains("(status "));
    let status = quoted.and_then(|l| {
        let at = l.find("(status ")? + "(status ".len();
        l.get(at..at + 3)?.parse().ok()
    });
    (status, quoted.map_or_else(|| last_words(stderr, 2), str::to_owned))
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

pub fn parse_index_file(text: &str) -> Result<Vec<IndexEntry>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| crate::json::parse(line).context("malformed crate index line"))
        .collect()
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
        let (ab, cd) = ("ab".repeat(32), "cd".repeat(32));
        let text = format!(
            "{{\"name\":\"geodist\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"{ab}\",\"features\":{{}},\"yanked\":false}}\n\
             {{\"name\":\"geodist\",\"vers\":\"0.2.0\",\"deps\":[],\"cksum\":\"{cd}\",\"features\":{{}},\"yanked\":true}}\n"
        );
        let entries = parse_index_file(&text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            (
                entries[1].version.as_str(),
                entries[1].cksum.as_ref().map(Sha256::as_str),
                entries[1].yanked
            ),
            ("0.2.0", Some(cd.as_str()), true)
        );
        assert!(parse_index_file("{\"vers\": 1}").is_err());
    }

    /// cargo's words, recorded from cargo 1.95 against cargo-http-registry and crates.io.
    #[test]
    fn cargo_failures_are_read() {
        let forbidden = "    Updating `local` index\n   Uploading geodist v0.1.0\nerror: failed to publish geodist v0.1.0 to registry at http://127.0.0.1:1\n\nCaused by:\n  the remote server responded with an error (status 403 Forbidden): authentication failed\n";
        assert_eq!(
            cargo_failure(forbidden),
            (
                Some(403),
                "the remote server responded with an error (status 403 Forbidden): authentication failed".into()
            )
        );
        let refused = "error: failed to publish geodist v0.1.0 to registry at http://127.0.0.1:9\n\nCaused by:\n  [7] Couldn't connect to server (Failed to connect to 127.0.0.1 port 9)\n";
        let (status, words) = cargo_failure(refused);
        assert_eq!(status, None);
        assert!(words.contains("Couldn't connect"), "{words}");
    }
}
