//! `origin`, the remote the release PR pushes to: whether it is on GitHub (git reads its refs
//! and authenticates to it, in `crate::git`).
//!
//! Assumption: the remote is called `origin`, as a clone and `actions/checkout` name it.

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

#[cfg(test)]
mod tests {
    use super::*;

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
