//! `origin`, the remote the release PR pushes to: its refs (one `git ls-remote`), whether it is
//! on GitHub, and how git authenticates to it.
//!
//! Assumption: the remote is called `origin`, as a clone and `actions/checkout` name it.
//!
//! In GitHub Actions the checkout keeps no credentials (`persist-credentials: false`, so that no
//! later step can reuse them), so git is given a credential helper that answers with `GH_TOKEN`
//! from the environment: the token never appears on a command line, in the repository's
//! configuration or in the log, and only the git commands that talk to origin get the helper.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

/// What origin holds, as `git ls-remote --symref` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    pub url: String,
    /// The branch origin's HEAD names: the default branch.
    pub default_branch: Option<String>,
    /// Branch name → commit.
    pub heads: BTreeMap<String, String>,
    /// Tag name → the commit it points at (annotated tags peeled).
    pub tags: BTreeMap<String, String>,
}

/// Reads origin's URL, default branch, branches and tags.
pub fn read(sh: &Shell) -> Result<Remote> {
    let url = cmd!(sh, "git remote get-url origin").quiet().ignore_stderr().read().context(
        "no remote `origin`: expected the repository's remote, which the release branch and \
         the tag are pushed to; add it (`git remote add origin <repository URL>`)",
    )?;
    let auth = auth_config();
    let listing = cmd!(sh, "git {auth...} ls-remote --symref origin HEAD refs/heads/* refs/tags/*")
        .quiet()
        .read()
        .with_context(|| {
            format!(
                "read origin's branches and tags with `git ls-remote origin` ({url}): check the \
                 remote's URL and access (`git remote -v`; in GitHub Actions, GH_TOKEN)"
            )
        })?;
    let mut remote = parse_listing(&listing);
    remote.url = url.trim().to_owned();
    Ok(remote)
}

/// Parses `git ls-remote --symref` (or `git show-ref --dereference`) output: `<sha> <ref>` per
/// line, `ref: refs/heads/<branch>\tHEAD` for the symbolic HEAD, `<ref>^{}` for the commit an
/// annotated tag points at.
pub fn parse_listing(text: &str) -> Remote {
    let mut remote = Remote::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ref: ") {
            let mut parts = rest.split_whitespace();
            if let (Some(target), Some("HEAD")) = (parts.next(), parts.next()) {
                remote.default_branch = target.strip_prefix("refs/heads/").map(str::to_owned);
            }
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(sha), Some(name)) = (parts.next(), parts.next()) else { continue };
        if let Some(branch) = name.strip_prefix("refs/heads/") {
            remote.heads.insert(branch.to_owned(), sha.to_owned());
        } else if let Some(tag) = name.strip_prefix("refs/tags/") {
            // The peeled line comes after the tag object's, and wins.
            if let Some(tag) = tag.strip_suffix("^{}") {
                remote.tags.insert(tag.to_owned(), sha.to_owned());
            } else {
                remote.tags.entry(tag.to_owned()).or_insert_with(|| sha.to_owned());
            }
        }
    }
    remote
}

/// Whether `url` names a repository on GitHub (github.com, or the host in `GH_HOST`), where gh
/// can open pull requests and start workflows.
pub fn is_github(url: &str) -> bool {
    let gh_host = std::env::var("GH_HOST").ok().filter(|h| !h.is_empty());
    host(url).is_some_and(|h| h == "github.com" || gh_host.as_deref() == Some(h))
}

/// The host of a git URL: `https://[user@]host/…`, `ssh://[user@]host[:port]/…` or scp-like
/// `user@host:path`. `None` for local paths and `file://`.
fn host(url: &str) -> Option<&str> {
    let authority = match url.split_once("://") {
        Some(("file", _)) => return None,
        Some((_, rest)) => rest.split('/').next()?,
        None => {
            let (before, _) = url.split_once(':')?;
            if before.contains('/') {
                return None; // a path with a colon in it
            }
            before
        }
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

/// `-c` options that make git answer origin's credential request with `GH_TOKEN`, when it is
/// set (empty otherwise: the user's own credentials apply). The helper is a shell function that
/// reads the variable when git calls it; the first, empty `credential.helper` drops any helper
/// configured before, so that no other one is asked or told the token.
pub fn auth_config() -> Vec<String> {
    if std::env::var("GH_TOKEN").is_ok_and(|t| !t.is_empty()) {
        vec!["-c".into(), "credential.helper=".into(), "-c".into(), HELPER.into()]
    } else {
        Vec::new()
    }
}

/// `x-access-token` is the user name GitHub accepts with an installation token (GITHUB_TOKEN or
/// an app's).
const HELPER: &str = "credential.helper=!f() { test \"$1\" = get && echo username=x-access-token \
                      && echo \"password=$GH_TOKEN\"; }; f";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing() {
        let text = "ref: refs/heads/main\tHEAD\n\
                    aaa\tHEAD\n\
                    aaa\trefs/heads/main\n\
                    bbb\trefs/heads/release/v0.2.0\n\
                    t01\trefs/tags/v0.1.0\n\
                    c01\trefs/tags/v0.1.0^{}\n\
                    c02\trefs/tags/light\n";
        let remote = parse_listing(text);
        assert_eq!(remote.default_branch.as_deref(), Some("main"));
        assert_eq!(remote.heads["main"], "aaa");
        assert_eq!(remote.heads["release/v0.2.0"], "bbb");
        assert_eq!(remote.tags["v0.1.0"], "c01", "annotated tags are peeled");
        assert_eq!(remote.tags["light"], "c02");
        // `git show-ref --tags --dereference` separates with a space, and has no HEAD.
        let local = parse_listing("t01 refs/tags/v0.1.0\nc01 refs/tags/v0.1.0^{}\n");
        assert_eq!(local.tags["v0.1.0"], "c01");
        assert_eq!(local.default_branch, None);
        assert_eq!(parse_listing(""), Remote::default());
    }

    #[test]
    fn hosts() {
        for (url, expected) in [
            ("https://github.com/o/r.git", Some("github.com")),
            ("https://x-access-token:t@github.com/o/r", Some("github.com")),
            ("ssh://git@github.com:22/o/r.git", Some("github.com")),
            ("git@github.com:o/r.git", Some("github.com")),
            ("https://gitlab.com/o/r.git", Some("gitlab.com")),
            ("file:///tmp/origin.git", None),
            ("/tmp/origin.git", None),
            ("../origin.git", None),
            ("./a:b/origin.git", None),
        ] {
            assert_eq!(host(url), expected, "{url}");
        }
        assert!(is_github("git@github.com:o/r.git"));
        assert!(!is_github("file:///tmp/origin.git"));
    }
}
