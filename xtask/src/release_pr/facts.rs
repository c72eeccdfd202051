//! What git says about the release, read once: HEAD, origin's refs, the current version's tag
//! here and on origin, the commit that brought the current version to the default branch, and
//! the commits since the last release (every commit, before the first). All of the release PR's git reading is here; the plan
//! is computed from the result without any.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use semver::Version;
use xshell::Shell;

use super::plan::{Facts, Introduced, TagFacts};
use crate::changelog::commits;
use crate::git::{Refs, Repo};
use crate::workspace::{Workspace, workspace_version};

/// How many commits one `git cat-file --batch` reads while walking back for the release commit.
const CHUNK: usize = 64;

pub fn read(sh: &Shell, ws: &Workspace) -> Result<Facts> {
    let repo = Repo::at(sh, &ws.root);
    repo.require_full_history()?;
    let url = repo.origin_url().context(
        "no remote `origin`: expected the repository's remote, which the release branch and \
         the tag are pushed to; add it (`git remote add origin <repository URL>`)",
    )?;
    let origin = repo.origin_refs()?;
    let Some(default_branch) = origin.default_branch.clone() else {
        bail!(
            "origin ({url}) names no default branch: expected `git ls-remote --symref origin \
             HEAD` to show it; check the remote (`git remote -v`) and that it has a branch"
        );
    };
    let head = repo.head()?.to_string();
    let local = repo.local_tags()?;
    let prefix = &ws.config.tag_prefix;
    require_release_tags(&local, &origin, prefix)?;
    let version = ws.version()?;
    let current_tag = tag_facts(&repo, format!("{prefix}{version}"), &local, &origin, &head);
    let previous = commits::newest_tag(&repo.tags_merged(&format!("{prefix}*"))?, prefix);
    let introduced = match &current_tag {
        Some(_) => None,
        None => Some(introduced(&repo, ws, &version, &head)?),
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
        Some(range) => repo.log(&range)?,
        None => Vec::new(),
    };
    let tags: BTreeSet<String> = local.tags.keys().chain(origin.tags.keys()).cloned().collect();
    Ok(Facts {
        remote_url: url,
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

/// The tag `name`, here and on origin, and whether it is in HEAD's history; `None` when it
/// exists in neither place.
fn tag_facts(
    repo: &Repo,
    name: String,
    local: &Refs,
    origin: &Refs,
    head: &str,
) -> Option<TagFacts> {
    let (here, there) = (local.tags.get(&name).cloned(), origin.tags.get(&name).cloned());
    if here.is_none() && there.is_none() {
        return None;
    }
    let mut tag = TagFacts { name, local: here, remote: there, on_main: false };
    tag.on_main = repo.is_ancestor(tag.commit(), head);
    Some(tag)
}

/// Every release tag origin has must be here: what is released is told from them.
fn require_release_tags(local: &Refs, origin: &Refs, prefix: &str) -> Result<()> {
    let is_release = |t: &str| t.strip_prefix(prefix).is_some_and(|v| Version::parse(v).is_ok());
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
    Ok(())
}

/// Walks HEAD's first parents back while they have `version`: the last one that does is the
/// commit that set it, and the version before it is its first parent's.
fn introduced(repo: &Repo, ws: &Workspace, version: &Version, head: &str) -> Result<Introduced> {
    let line = repo.first_parents()?;
    let mut oldest: Option<&str> = None;
    for chunk in line.chunks(CHUNK) {
        let paths: Vec<String> = chunk.iter().map(|c| format!("{c}:./Cargo.toml")).collect();
        for (commit, text) in chunk.iter().zip(repo.blobs(&paths)?) {
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
                changelog: changelog_at(repo, ws, commit, head)?,
            });
        }
    }
    let commit = oldest.context("HEAD has no commits")?;
    Ok(Introduced {
        commit: commit.to_owned(),
        previous: None,
        changelog: changelog_at(repo, ws, commit, head)?,
    })
}

fn changelog_at(repo: &Repo, ws: &Workspace, commit: &str, head: &str) -> Result<Option<String>> {
    if commit == head {
        return Ok(ws.changelog.clone());
    }
    repo.show(commit, &format!("./{}", ws.config.changelog))
}
