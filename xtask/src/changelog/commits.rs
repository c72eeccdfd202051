//! Conventional Commits since the last release tag: reading them from git, parsing their subject
//! line, and drafting the `## [Unreleased]` entries they suggest (`cargo xtask changelog --draft`).
//! `cargo xtask bump auto` derives the next version from the same commits.

use anyhow::Result;
use semver::Version;

pub use crate::git::Commit;
use crate::git::Repo;

/// The commits since the newest release tag reachable from HEAD, oldest first.
#[derive(Debug)]
pub struct Range {
    /// The tag the range starts after, with its version; `None` before the first release.
    pub since: Option<(String, Version)>,
    pub commits: Vec<Commit>,
}

impl Range {
    /// One line saying which commits were read.
    pub fn describe(&self) -> String {
        let n = self.commits.len();
        match &self.since {
            Some((tag, _)) => format!("{n} commit(s) since {tag}"),
            None => format!("{n} commit(s) since the first commit (no release tag yet)"),
        }
    }
}

/// Reads the commits between the newest `{prefix}X.Y.Z` tag merged into HEAD and HEAD (merge
/// commits left out, since their branches' commits are already in the list).
pub fn since_last_tag(repo: &Repo, tag_prefix: &str) -> Result<Range> {
    repo.require_full_history()?;
    let since = newest_tag(&repo.tags_merged(&format!("{tag_prefix}*"))?, tag_prefix);
    let range = match &since {
        Some((tag, _)) => format!("{tag}..HEAD"),
        None => "HEAD".to_owned(),
    };
    Ok(Range { since, commits: repo.log(&range)? })
}

/// The tag with the highest version among `tags`; other tags that happen to start with the
/// prefix (say `vendor-x`) are not release tags and are skipped.
pub fn newest_tag(tags: &[String], tag_prefix: &str) -> Option<(String, Version)> {
    tags.iter()
        .filter_map(|t| {
            let v = Version::parse(t.strip_prefix(tag_prefix)?).ok()?;
            Some((t.clone(), v))
        })
        .max_by(|a, b| a.1.cmp(&b.1))
}

/// A commit subject in Conventional Commits form: `type(scope)!: description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conventional<'a> {
    pub kind: String,
    pub scope: Option<&'a str>,
    /// A `!` after the type or scope, or a `BREAKING CHANGE:` footer.
    pub breaking: bool,
    pub description: &'a str,
}

/// The Conventional Commit reading of `commit`, or `None` if its subject is not in that form.
pub fn parse(commit: &Commit) -> Option<Conventional<'_>> {
    let (head, description) = commit.subject.split_once(": ")?;
    let description = description.trim();
    let (head, bang) = match head.strip_suffix('!') {
        Some(head) => (head, true),
        None => (head, false),
    };
    let (kind, scope) = match head.split_once('(') {
        Some((kind, rest)) => (kind, Some(rest.strip_suffix(')')?)),
        None => (head, None),
    };
    let valid_kind = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphabetic());
    if !valid_kind || description.is_empty() || scope.is_some_and(|s| s.is_empty()) {
        return None;
    }
    let footer = commit
        .body
        .lines()
        .any(|l| l.starts_with("BREAKING CHANGE:") || l.starts_with("BREAKING-CHANGE:"));
    Some(Conventional {
        kind: kind.to_ascii_lowercase(),
        scope,
        breaking: bang || footer,
        description,
    })
}

/// The Keep a Changelog group a commit belongs in, if it is worth a line at all.
pub fn group(c: &Conventional<'_>) -> Option<&'static str> {
    match c.kind.as_str() {
        _ if c.breaking => Some("Changed"),
        "feat" => Some("Added"),
        "fix" => Some("Fixed"),
        "perf" => Some("Changed"),
        _ => None,
    }
}

const GROUPS: [&str; 3] = ["Added", "Changed", "Fixed"];

/// Proposed `## [Unreleased]` entries: features under Added, breaking changes and performance
/// under Changed, fixes under Fixed. Other commit types (docs, chore, ci, test, refactor, …) and
/// commits not in Conventional Commits form are left out: they are not user-visible changes.
pub fn draft(commits: &[Commit]) -> String {
    let parsed: Vec<Conventional<'_>> = commits.iter().filter_map(parse).collect();
    let mut out = String::from("## [Unreleased]\n");
    for name in GROUPS {
        let entries: Vec<String> = parsed
            .iter()
            .filter(|c| group(c) == Some(name))
            .map(|c| {
                let breaking = if c.breaking { "**Breaking:** " } else { "" };
                match c.scope {
                    Some(scope) => format!("- {breaking}{scope}: {}\n", c.description),
                    None => format!("- {breaking}{}\n", c.description),
                }
            })
            .collect();
        if !entries.is_empty() {
            out.push_str(&format!("\n### {name}\n\n"));
            out.extend(entries);
        }
    }
    out
}

#[cfg(test)]
pub(crate) fn commit(subject: &str, body: &str) -> Commit {
    Commit { hash: "0".repeat(40), subject: subject.to_owned(), body: body.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(subject: &str, body: &str, expected: Option<(&str, Option<&str>, bool, &str)>) {
        let c = commit(subject, body);
        let found = parse(&c).map(|c| (c.kind, c.scope, c.breaking, c.description));
        let expected = expected.map(|(k, s, b, d)| (k.to_owned(), s, b, d));
        assert_eq!(found, expected, "{subject:?}");
    }

    #[test]
    fn parsing() {
        check("feat: add hausdorff", "", Some(("feat", None, false, "add hausdorff")));
        check("fix(py): nan check", "", Some(("fix", Some("py"), false, "nan check")));
        check("feat(api)!: drop f32", "", Some(("feat", Some("api"), true, "drop f32")));
        check("refactor!: rename", "", Some(("refactor", None, true, "rename")));
        check("Feat: shout", "", Some(("feat", None, false, "shout")));
        check("fix: x", "BREAKING CHANGE: y", Some(("fix", None, true, "x")));
        check("fix: x", "text\n\nBREAKING-CHANGE: y", Some(("fix", None, true, "x")));
        check("fix: x", "mentions BREAKING CHANGE: inline", Some(("fix", None, false, "x")));
        check("Merge branch 'main'", "", None);
        check("feat:no space", "", None);
        check("feat(): empty scope", "", None);
        check("feat(x: unclosed", "", None);
        check("fix bug: thing", "", None);
        check("feat: ", "", None);
    }

    #[test]
    fn newest_release_tag() {
        let newest_tag = |tags: &str, prefix| {
            let tags: Vec<String> = tags.lines().map(str::to_owned).collect();
            newest_tag(&tags, prefix)
        };
        let tags = "v0.1.0\nv0.10.0\nv0.9.1\nvendor-x\nv1.0.0-rc.1\n";
        assert_eq!(newest_tag(tags, "v").map(|t| t.0), Some("v1.0.0-rc.1".to_owned()));
        assert_eq!(newest_tag("v0.1.0\nv0.10.0\n", "v").map(|t| t.0), Some("v0.10.0".into()));
        assert_eq!(newest_tag("", "v"), None);
        assert_eq!(newest_tag("geodist-v1.0.0\n", "geodist-v").map(|t| t.1.major), Some(1));
    }

    #[test]
    fn drafting() {
        let commits = [
            commit("feat(xtask): cargo xtask bump", ""),
            commit("fix: NaN latitude is rejected", ""),
            commit("docs: typo", ""),
            commit("perf: SIMD haversine", ""),
            commit("feat!: radius is keyword-only", ""),
            commit("chore(release): 0.1.0", ""),
            commit("random words", ""),
        ];
        let expected = "\
## [Unreleased]

### Added

- xtask: cargo xtask bump

### Changed

- SIMD haversine
- **Breaking:** radius is keyword-only

### Fixed

- NaN latitude is rejected
";
        assert_eq!(draft(&commits), expected);
        assert_eq!(draft(&[commit("docs: x", "")]), "## [Unreleased]\n");
    }
}
