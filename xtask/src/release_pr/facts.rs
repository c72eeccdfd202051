//! What git says about the release, read once: HEAD, origin's refs, the current version's tag
//! here and on origin, the commit that brought the current version to the default branch, and
//! the commits since the last release (every commit, before the first). All of the release PR's git reading is here; the plan
//! is computed from the result without any.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use semver::Version;
use xshell::{Shell, cmd};

use super::plan::{Facts, Introduced, TagFacts};
use super::remote;
use crate::changelog::commits;
use crate::workspace::{Workspace, workspace_version};

/// How many commits one `git cat-file --batch` reads while walking back for the release commit.
const CHUNK: usize = 64;

pub fn read(sh: &Shell, ws: &Workspace) -> Result<Facts> {
    let root = &ws.root;
    crate::project::require_full_history(sh, root)?;
    let _dir = sh.push_dir(root);
    let origin = remote::read(sh)?;
    let Some(default_branch) = origin.default_branch.clone() else {
        bail!(
            "origin ({}) names no default branch: expected `git ls-remote --symref origin HEAD` \
             to show it; check the remote (`git remote -v`) and that it has a branch",
            origin.url
        );
    };
    let head = cmd!(sh, "git rev-parse HEAD").quiet().read()?.trim().to_owned();
    let listed = cmd!(sh, "git show-ref --tags --dereference").quiet().ignore_status().read()?;
    let local = remote::parse_listing(&listed);
    let prefix = &ws.config.tag_prefix;
    let is_release =
        |t: &str| t.strip_prefix(prefix.as_str()).is_some_and(|v| Version::parse(v).is_ok());
    let missing: Vec<&str> = origin
        .tags
        .keys()
        .map(String::as_str)
        .filter(|t| is_release(t) && !local.tags.contains_key(*t))
        .collect();
    if !missing.is_empty() {
        bail!(
            "origin has release tags this clone lacks ({}): expected every release tag here, to \
             tell what is released; fetch them (`git fetch --tags origin`)",
            missing.join(", ")
        );
    }
    let version = ws.version()?;
    let name = format!("{prefix}{version}");
    let current_tag = match (local.tags.get(&name), origin.tags.get(&name)) {
        (None, None) => None,
        (here, there) => {
            let mut tag =
                TagFacts { name, local: here.cloned(), remote: there.cloned(), on_main: false };
            tag.on_main = is_ancestor(sh, tag.commit(), &head);
            Some(tag)
        }
    };
    let pattern = format!("{prefix}*");
    let merged = cmd!(sh, "git tag --merged HEAD --list {pattern}")
        .quiet()
        .read()
        .context("list the release tags with `git tag --merged HEAD`")?;
    let previous = commits::newest_tag(&merged, prefix);
    let introduced = match &current_tag {
        Some(_) => None,
        None => Some(introduced(sh, ws, &version, &head)?),
    };
    // Since the release: its tag, or the commit that bumped to it; before the first release
    // (the version never changed), every commit.
    let range = match (&current_tag, &introduced) {
        (Some(tag), _) if tag.on_main => Some(format!("{}..HEAD", tag.commit())),
        (None, Some(intro)) if intro.previous.is_some() => Some(format!("{}..HEAD", intro.commit)),
        (None, Some(_)) => Some("HEAD".to_owned()),
        _ => None,
    };
    let commits = match range {
        Some(range) => commits::log(sh, root, &range)?,
        None => Vec::new(),
    };
    let tags: BTreeSet<String> = local.tags.keys().chain(origin.tags.keys()).cloned().collect();
    Ok(Facts {
        remote_url: origin.url,
        main_tip: origin.heads.get(&default_branch).cloned(),
        default_branch,
        head,
        version,
        current_tag,
        introduced,
        previous,
        commits,
        tags,
        branches: origin.heads,
    })
}

/// Walks HEAD's first parents back while they have `version`: the last one that does is the
/// commit that set it, and the version before it is its first parent's.
fn introduced(sh: &Shell, ws: &Workspace, version: &Version, head: &str) -> Result<Introduced> {
    let listed = cmd!(sh, "git rev-list --first-parent HEAD").quiet().read()?;
    let line: Vec<&str> = listed.lines().collect();
    let mut oldest: Option<&str> = None;
    for chunk in line.chunks(CHUNK) {
        let paths: Vec<String> = chunk.iter().map(|c| format!("{c}:./Cargo.toml")).collect();
        for (commit, text) in chunk.iter().zip(blobs(sh, &paths)?) {
            let found = text.and_then(|t| workspace_version(&t).ok().flatten());
            let found = found.and_then(|v| Version::parse(&v).ok());
            if found.as_ref() == Some(version) {
                oldest = Some(commit);
                continue;
            }
            let commit = oldest.with_context(|| {
                format!(
                    "HEAD's Cargo.toml has another version than the working tree's ({version}): \
                     expected a clean checkout; commit or stash the change (`git stash`)"
                )
            })?;
            return Ok(Introduced {
                commit: commit.to_owned(),
                previous: found,
                changelog: changelog_at(sh, ws, commit, head)?,
            });
        }
    }
    let commit = oldest.context("HEAD has no commits")?;
    Ok(Introduced {
        commit: commit.to_owned(),
        previous: None,
        changelog: changelog_at(sh, ws, commit, head)?,
    })
}

fn changelog_at(sh: &Shell, ws: &Workspace, commit: &str, head: &str) -> Result<Option<String>> {
    if commit == head {
        return Ok(ws.changelog.clone());
    }
    let path = format!("{commit}:./{}", ws.config.changelog);
    Ok(blobs(sh, &[path])?.pop().flatten())
}

/// The contents of `<commit>:<path>` objects, `None` for those that do not exist, read in one
/// `git cat-file --batch`.
fn blobs(sh: &Shell, specs: &[String]) -> Result<Vec<Option<String>>> {
    let input: String = specs.iter().map(|s| format!("{s}\n")).collect();
    let out = cmd!(sh, "git cat-file --batch").quiet().stdin(input).output()?;
    parse_batch(&out.stdout)
}

/// Parses `git cat-file --batch` output: `<sha> <type> <size>\n<contents>\n` per object found,
/// `<spec> missing\n` for the others.
fn parse_batch(mut out: &[u8]) -> Result<Vec<Option<String>>> {
    let mut objects = Vec::new();
    while !out.is_empty() {
        let end =
            out.iter().position(|&b| b == b'\n').context("git cat-file: a truncated header")?;
        let header = String::from_utf8_lossy(&out[..end]).into_owned();
        out = &out[end + 1..];
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            objects.push(None);
            continue;
        }
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("git cat-file: unexpected header {header:?}"))?;
        let contents = out.get(..size).context("git cat-file: truncated contents")?;
        objects.push(Some(String::from_utf8_lossy(contents).into_owned()));
        out = out.get(size + 1..).unwrap_or_default();
    }
    Ok(objects)
}

fn is_ancestor(sh: &Shell, commit: &str, of: &str) -> bool {
    cmd!(sh, "git merge-base --is-ancestor {commit} {of}").quiet().ignore_stderr().run().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_output() {
        let out = b"aaa blob 5\nhello\nHEAD~9:./Cargo.toml missing\nbbb blob 3\na\nb\n";
        assert_eq!(
            parse_batch(out).unwrap(),
            [Some("hello".to_owned()), None, Some("a\nb".to_owned())]
        );
        assert!(parse_batch(b"").unwrap().is_empty());
        assert!(parse_batch(b"aaa blob 50\nshort\n").is_err());
    }
}
