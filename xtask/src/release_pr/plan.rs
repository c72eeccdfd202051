//! The release PR's plan, pure: from what git and gh report ([`Facts`], [`Github`]) to the
//! actions that take the repository one step on — tag the merged release, propose the next
//! one — each with its exact arguments. `--dry-run` prints the plan; the executor runs it in
//! order, git first and gh last.
//!
//! How a merged release is recognised: the current version (`[workspace.package] version` at
//! HEAD) has no tag, and walking HEAD's first parents back, the last commit that still has it
//! follows one with an older version. That commit made the bump: the release PR merged by
//! fast-forward or rebase (its `chore(release): X.Y.Z` commit), squashed (the subject is then
//! the PR's title), or merged with a merge commit (which is on the first-parent line, the
//! bump behind it) — and `bump --commit` by hand. Subjects are not trusted, versions are. The
//! commit is tagged, even when more commits landed after it before this ran.
//!
//! The first release has no bump to find: nothing is tagged and the version never changed. The
//! version main has is then the one to release, as release-plz proposes a package's first
//! release. When main's changelog has its section, dated, with nothing under `## [Unreleased]`,
//! main is ready and its tip is tagged; otherwise the release pull request writes the section
//! (cut from `## [Unreleased]`, or folded into the section already there) and, once merged,
//! makes main ready.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use semver::Version;

use super::github::{self, Github};
use crate::bump::next::{self, Step};
use crate::bump::{self, FileEdit};
use crate::changelog::{self, commits::Commit};
use crate::flags::Dispatch;
use crate::git::short;
use crate::shell::words as shell_words;
use crate::version::{self, Built, TagState};
use crate::workspace::Workspace;

/// What git says, read once by `facts.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// origin's URL.
    pub remote_url: String,
    /// origin's default branch, and the commit it is at there.
    pub default_branch: String,
    pub main_tip: Option<String>,
    pub head: String,
    /// The workspace version at HEAD.
    pub version: Version,
    /// The current version's tag, when it exists here or on origin.
    pub current_tag: Option<TagFacts>,
    /// When the current version has no tag: the commit that brought it to the default branch.
    pub introduced: Option<Introduced>,
    /// The newest release tag in HEAD's history, with its version.
    pub previous: Option<(String, Version)>,
    /// The commits since the current version's release (its tag, or the commit that bumped to
    /// it; before the first release, every commit), oldest first, merge commits left out.
    pub commits: Vec<Commit>,
    /// Every tag, here or on origin.
    pub tags: BTreeSet<String>,
    /// origin's branches and their commits.
    pub branches: BTreeMap<String, String>,
}

/// Where a tag points, here and on origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFacts {
    pub name: String,
    pub local: Option<String>,
    pub remote: Option<String>,
    /// Whether its commit is HEAD or in HEAD's history.
    pub on_main: bool,
}

impl TagFacts {
    /// The commit it points at (origin's, when both have it).
    pub fn commit(&self) -> &str {
        self.remote.as_deref().or(self.local.as_deref()).unwrap_or_default()
    }
}

/// The commit on the first-parent line that set the current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introduced {
    pub commit: String,
    /// The version of its first parent; `None` when there is none (the version is as old as
    /// the first commit, or older commits have no readable version).
    pub previous: Option<Version>,
    /// The changelog as that commit has it.
    pub changelog: Option<String>,
}

/// The choices of the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub dispatch: Dispatch,
    /// The date of the new changelog heading.
    pub date: String,
}

/// What was decided, for people, and what to do about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps {
    /// What was found and decided: one line each.
    pub story: Vec<String>,
    pub actions: Vec<Action>,
}

/// One step, with the exact arguments of the command that makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The bump as one commit on top of `parent`, which the local `branch` is set to.
    Commit(BumpCommit),
    /// `git push …` of the release branch or the tag.
    Push(Vec<String>),
    /// `git tag …`: the annotated (or signed) release tag.
    Tag(Vec<String>),
    /// `gh pr create …`, the body on stdin.
    CreatePr { args: Vec<String>, body: String },
    /// `gh pr edit …`, the body on stdin.
    EditPr { args: Vec<String>, body: String },
    /// `gh pr close …` of a release pull request that the new one supersedes.
    ClosePr(Vec<String>),
    /// `gh workflow run release.yml --ref <tag> …`.
    Dispatch(Vec<String>),
}

/// The bump commit of a release branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BumpCommit {
    pub branch: String,
    pub parent: String,
    pub message: String,
    pub files: Vec<FileEdit>,
}

impl Action {
    /// Whether it runs gh (and so needs GitHub).
    pub fn uses_gh(&self) -> bool {
        matches!(
            self,
            Action::CreatePr { .. }
                | Action::EditPr { .. }
                | Action::ClosePr(_)
                | Action::Dispatch(_)
        )
    }

    /// The command, as a person would type it (for the commit, what it makes).
    pub fn display(&self) -> String {
        match self {
            Action::Commit(c) => {
                let files: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
                format!(
                    "commit `{}` on top of {} as branch {} (git commit-tree; the working tree is \
                     not touched): {}",
                    c.message,
                    short(&c.parent),
                    c.branch,
                    files.join(", ")
                )
            }
            Action::Push(args) | Action::Tag(args) => format!("git {}", shell_words(args)),
            Action::CreatePr { args, .. }
            | Action::EditPr { args, .. }
            | Action::ClosePr(args)
            | Action::Dispatch(args) => format!("gh {}", shell_words(args)),
        }
    }
}

impl Steps {
    /// The actions, numbered, then the body of the pull request they create or edit.
    pub fn render(&self) -> String {
        if self.actions.is_empty() {
            return "nothing to do\n".to_owned();
        }
        let mut out = String::new();
        for (i, action) in self.actions.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, action.display());
        }
        for (i, action) in self.actions.iter().enumerate() {
            if let Action::CreatePr { body, .. } | Action::EditPr { body, .. } = action {
                let _ = write!(out, "\nthe pull request's body (stdin of {}.):\n{body}", i + 1);
            }
        }
        out
    }
}

/// The plan: the current version's release first (tagged already, or to tag now), then the
/// next version's proposal from the commits since — or, before anything was released, the
/// first release.
pub fn plan(ws: &Workspace, facts: &Facts, github: &Github, options: &Options) -> Result<Steps> {
    let mut plan = Steps::default();
    if let Some(since) = never_released(facts) {
        first_release(ws, facts, github, options, since, &mut plan)?;
        return Ok(plan);
    }
    let since = release(ws, facts, github, options, &mut plan)?;
    propose(ws, facts, github, options, &since, &mut plan)?;
    Ok(plan)
}

/// When nothing was ever released — no tag of the current version, no release tag in HEAD's
/// history, and no commit that changed the version — the oldest commit with it.
fn never_released(facts: &Facts) -> Option<&str> {
    let intro = facts.introduced.as_ref()?;
    let never = facts.current_tag.is_none() && facts.previous.is_none() && intro.previous.is_none();
    never.then_some(intro.commit.as_str())
}

/// The first release, of the version main has: main's tip tagged when its changelog is ready,
/// otherwise the release pull request that makes it so.
fn first_release(
    ws: &Workspace,
    facts: &Facts,
    github: &Github,
    options: &Options,
    since: &str,
    plan: &mut Steps,
) -> Result<()> {
    let (v, main, path) = (&facts.version, &facts.default_branch, &ws.config.changelog);
    let tag = tag_of(ws, v);
    let version = v.to_string();
    let committed = ws.changelog()?;
    let unreleased = changelog::section(committed, "Unreleased").unwrap_or_default();
    let has_section = changelog::section(committed, &version).is_some();
    plan.story.push(format!(
        "nothing is released yet (no {}* tag in {main}'s history, and {main} has been at {v} \
         since {}): the first release is {v}",
        ws.config.tag_prefix,
        short(since)
    ));
    if has_section && unreleased.is_empty() {
        changelog::release_notes(committed, path, &version)
            .with_context(|| format!("{tag} cannot be tagged on {main}'s tip"))?;
        plan.story.push(format!(
            "{path} has the notes of {v} and nothing under `## [Unreleased]`: tagging {main}'s \
             tip {}, pushing the tag{}",
            short(&facts.head),
            starting(options.dispatch)
        ));
        tag_and_push(ws, plan, v, &facts.head, options.dispatch);
        return Ok(());
    }
    let Some((files, how)) = first_release_edits(ws, facts, options, has_section, plan)? else {
        return Ok(());
    };
    plan.story.push(format!("  => {v}, proposed on release/{tag}: {how}"));
    let why = format!(
        "Nothing is released yet: no `{}*` tag is in `{main}`'s history, and no commit on \
         `{main}` changed the version. The first release is the version `{main}` has, {v}, as \
         release-plz proposes a package's first release; {how}.\n",
        ws.config.tag_prefix
    );
    let summary = format!("Why {v}: the first release");
    let proposal = Proposal { next: v.clone(), files, summary, why };
    pull_request(ws, facts, github, options, proposal, plan)
}

/// The first release pull request's edit of the changelog — `## [Unreleased]` folded into
/// the version's section when there is one, cut into a new one otherwise (drafted from the
/// commits when empty) — and how its notes came about. `None`, with the reason in the story,
/// when there are no notes to release yet.
fn first_release_edits(
    ws: &Workspace,
    facts: &Facts,
    options: &Options,
    has_section: bool,
    plan: &mut Steps,
) -> Result<Option<(Vec<FileEdit>, String)>> {
    let (v, main, path) = (&facts.version, &facts.default_branch, &ws.config.changelog);
    let committed = ws.changelog()?;
    if has_section {
        let after = changelog::fold_unreleased(committed, &v.to_string(), &options.date)
            .with_context(|| format!("fold `## [Unreleased]` into `## [{v}]` in {path}"))?;
        let edit = FileEdit { path: path.clone(), before: committed.to_owned(), after };
        let how = format!(
            "`## [Unreleased]`'s notes are folded into the `## [{v}]` section {path} already \
             has, dated the day of the pull request"
        );
        return Ok(Some((vec![edit], how)));
    }
    let written = changelog::section(committed, "Unreleased").is_some_and(|s| !s.is_empty());
    let count = facts.commits.len();
    let how = match (written, drafted(&facts.commits).is_empty()) {
        (true, _) => "the notes are `## [Unreleased]`'s".to_owned(),
        (false, false) => format!("the notes are drafted from the {count} commit(s) on {main}"),
        (false, true) => {
            plan.story.push(format!(
                "nothing to propose yet: {path} has no notes under `## [Unreleased]`, and none of \
                 the {count} commit(s) on {main} is a feat, fix, perf or breaking change to draft \
                 them from; write the first release's notes there (`cargo xtask changelog \
                 --draft` proposes some), and the next push to {main} proposes it"
            ));
            return Ok(None);
        }
    };
    Ok(Some((edits(ws, facts, v, &options.date)?, how)))
}

/// The notes `changelog --draft` makes of `commits`: empty when none of them is notable.
fn drafted(commits: &[Commit]) -> String {
    let draft = changelog::commits::draft(commits);
    draft.split_once('\n').map_or("", |(_, entries)| entries).trim().to_owned()
}

/// The current version's release. Returns what the commits of the next one are counted since.
fn release(
    ws: &Workspace,
    facts: &Facts,
    github: &Github,
    options: &Options,
    plan: &mut Steps,
) -> Result<String> {
    match &facts.current_tag {
        Some(t) => released(ws, facts, t, github, options, plan),
        None => merged_release(ws, facts, options, plan),
    }
}

/// The current version has its tag: it is pushed if only here, its release started if no run
/// of it is found; nothing else.
fn released(
    ws: &Workspace,
    facts: &Facts,
    t: &TagFacts,
    github: &Github,
    options: &Options,
    plan: &mut Steps,
) -> Result<String> {
    let (v, main, tag) = (&facts.version, &facts.default_branch, tag_of(ws, &facts.version));
    if let (Some(here), Some(there)) = (&t.local, &t.remote)
        && here != there
    {
        bail!(
            "{tag} is at {} here but at {} on origin: expected one tag for {v}; if origin's \
             is right, take it (`git tag --delete {tag} && git fetch origin tag {tag}`), \
             otherwise fix origin's by hand",
            short(here),
            short(there)
        );
    }
    let commit = t.commit();
    if !t.on_main {
        bail!(
            "{v}, the version on {main}, is already tagged: {tag} is at {}, which is not in \
             {main}'s history: expected the tag of {main}'s version on {main} (releases are \
             made from {main} only); if the tag is a mistake, delete it (`git push origin \
             --delete {tag}` and `git tag --delete {tag}`), otherwise bump {main} past {v}",
            short(commit)
        );
    }
    if t.remote.is_none() {
        plan.story.push(format!(
            "{tag} is at {} here but not on origin: pushing it{}",
            short(commit),
            starting(options.dispatch)
        ));
        push_tag(plan, &tag, options.dispatch);
    } else if commit != facts.head {
        plan.story.push(format!("{v} is released: {tag} is at {}", short(commit)));
    } else if let Some(run) = github.runs.first() {
        plan.story.push(format!(
            "{v} is released: {tag} is at HEAD, and its {} run is {} ({})",
            github::RELEASE_WORKFLOW,
            run.url,
            run.status
        ));
    } else if let Some(args) = github::dispatch_args(&tag, options.dispatch) {
        plan.story.push(format!(
            "{tag} is at HEAD, but no {} run of it was found: starting it",
            github::RELEASE_WORKFLOW
        ));
        plan.actions.push(Action::Dispatch(args));
    }
    Ok(tag)
}

/// The current version has no tag: the commit that bumped to it (a merged release pull
/// request, or a bump by hand) is tagged, once its notes are there.
fn merged_release(
    ws: &Workspace,
    facts: &Facts,
    options: &Options,
    plan: &mut Steps,
) -> Result<String> {
    let (v, main, tag) = (&facts.version, &facts.default_branch, tag_of(ws, &facts.version));
    let intro = facts.introduced.as_ref().context("no release commit looked for (a bug)")?;
    let at = short(&intro.commit);
    let Some(previous) = &intro.previous else {
        let newest = facts.previous.as_ref().map_or("", |(t, _)| t.as_str());
        bail!(
            "{v} has no tag, and no commit on {main} bumped the version to it (it is {v} as far \
             back as {at}), yet {newest} is in {main}'s history: expected the version to have \
             moved on from the last release; bump {main} past it (`cargo xtask bump …`)"
        );
    };
    if previous > v {
        bail!(
            "{at} moved {main}'s version back from {previous} to {v}: expected versions to only \
             move forward (a published version is never reused); bump {main} past {previous}"
        );
    }
    if let Some((newest, newest_version)) = &facts.previous
        && newest_version >= v
    {
        bail!(
            "{newest} is in {main}'s history, but {main}'s version is {v}: expected {main}'s \
             version to be newer than its newest release tag; bump it past {newest_version} \
             (`cargo xtask bump …`)"
        );
    }
    let path = &ws.config.changelog;
    let text = intro
        .changelog
        .as_deref()
        .with_context(|| format!("{tag} cannot be tagged on {at}: {path} is not in that commit"))?;
    changelog::release_notes(text, path, &v.to_string()).with_context(|| {
        format!("{tag} cannot be tagged on {at}, the commit that bumped to {v}")
    })?;
    plan.story.push(format!(
        "{at} moved {main} from {previous} to {v} (a merged release), and {tag} does not exist: \
         tagging it, pushing the tag{}",
        starting(options.dispatch)
    ));
    tag_and_push(ws, plan, v, &intro.commit, options.dispatch);
    Ok(format!("the release of {v} ({at})"))
}

/// The next version as a release branch and pull request, when the commits call for one.
fn propose(
    ws: &Workspace,
    facts: &Facts,
    github: &Github,
    options: &Options,
    since: &str,
    plan: &mut Steps,
) -> Result<()> {
    let v = &facts.version;
    let main = &facts.default_branch;
    let rec = next::recommend(v, &facts.commits);
    let counted = format!("{} commit(s) since {since}", facts.commits.len());
    if facts.commits.is_empty() && !plan.actions.is_empty() {
        return Ok(()); // just released: nothing since
    }
    let Some(level) = rec.level else {
        plan.story.push(format!(
            "nothing to release: {counted}, none of them a feat, fix, perf or breaking change"
        ));
        plan.story.extend(rec.reasons.iter().map(|r| format!("  {r}")));
        return Ok(());
    };
    if !v.pre.is_empty() {
        plan.story.push(format!(
            "{counted}, but {v} is a pre-release: release pull requests propose from a release; \
             take the next step by hand (`cargo xtask bump rc --commit` or `bump release \
             --commit`, merged on {main}), and this command tags it"
        ));
        return Ok(());
    }
    let next = next::next(v, &Step::Level(level))?;
    let tag = tag_of(ws, &next);
    if facts.tags.contains(&tag) {
        bail!(
            "{tag} already exists, but {main}'s version is {v}: expected no tag for the next \
             version {next} yet; if the tag is a mistake, delete it (`git push origin --delete \
             {tag}` and `git tag --delete {tag}`), otherwise bump {main} to {next} by hand"
        );
    }
    plan.story.push(format!("{counted}:"));
    plan.story.extend(rec.reasons.iter().map(|r| format!("  {r}")));
    let level = level.as_str();
    plan.story.push(format!("  => {level}: {v} -> {next}, proposed on release/{tag}"));
    let files = edits(ws, facts, &next, &options.date)?;
    let reasons: String =
        rec.reasons.iter().map(|r| format!("- `{}`\n", r.replace('`', "'"))).collect();
    let why = format!(
        "{reasons}\nThe highest level they call for is {level}: {v} → {next} (`cargo xtask bump \
         auto`'s rules).\n"
    );
    let summary = format!("Why {next}: the commits since {since}");
    pull_request(ws, facts, github, options, Proposal { next, files, summary, why }, plan)
}

/// What a release pull request proposes: the version, the files of its one commit, and why
/// (the summary and the text of the body's folded reasoning).
struct Proposal {
    next: Version,
    files: Vec<FileEdit>,
    summary: String,
    why: String,
}

/// The proposal as one commit on `release/<tag>` (rebuilt on HEAD and force-pushed) and its
/// pull request, created or updated; older ones are closed in its favour.
fn pull_request(
    ws: &Workspace,
    facts: &Facts,
    github: &Github,
    options: &Options,
    proposal: Proposal,
    plan: &mut Steps,
) -> Result<()> {
    let Proposal { next, files, summary, why } = proposal;
    let next = &next;
    let main = &facts.default_branch;
    let tag = tag_of(ws, next);
    let branch = format!("release/{tag}");
    let path = &ws.config.changelog;
    let cut = files.iter().find(|f| &f.path == path).map(|f| f.after.as_str()).unwrap_or_default();
    let notes = changelog::release_notes(cut, path, &next.to_string())
        .context("the notes of the release pull request (a bug in the xtask)")?;
    let title = format!("release: {tag}");
    let heading = format!("## [{next}] - {}", options.date);
    let body = body(&tag, next, main, &branch, &format!("{heading}\n\n{notes}"), (&summary, &why));
    plan.actions.push(Action::Commit(BumpCommit {
        branch: branch.clone(),
        parent: facts.head.clone(),
        message: crate::bump::commit_message(next),
        files,
    }));
    let reference = format!("refs/heads/{branch}");
    let lease = facts.branches.get(&branch).map_or("", String::as_str);
    plan.actions.push(Action::Push(vec![
        "push".into(),
        format!("--force-with-lease={reference}:{lease}"),
        "origin".into(),
        format!("{reference}:{reference}"),
    ]));
    let update = github::update(&github.pulls, &branch, &ws.config.tag_prefix);
    plan.actions.push(match update.edit {
        Some(number) => {
            plan.story.push(format!("  updating the open pull request #{number}"));
            Action::EditPr { args: github::edit_args(number, &title), body }
        }
        None => Action::CreatePr { args: github::create_args(main, &branch, &title), body },
    });
    for old in &update.close {
        plan.story
            .push(format!("  closing #{} ({}): superseded by {branch}", old.number, old.head));
        plan.actions.push(Action::ClosePr(github::close_args(old, &branch)));
    }
    Ok(())
}

/// The bump to `next`, with the changelog's `## [Unreleased]` filled from the commits when
/// nobody wrote notes there, checked as `cargo xtask version --check` would check it.
fn edits(ws: &Workspace, facts: &Facts, next: &Version, date: &str) -> Result<Vec<FileEdit>> {
    let committed = ws.changelog()?;
    let draft = changelog::commits::draft(&facts.commits);
    let entries = draft.split_once('\n').map_or("", |(_, entries)| entries);
    let mut with_notes = ws.clone();
    with_notes.changelog = Some(changelog::fill_unreleased(committed, entries)?);
    let mut edits = bump::plan(&with_notes, next, date)?;
    for edit in edits.iter_mut().filter(|e| e.path == ws.config.changelog) {
        committed.clone_into(&mut edit.before);
    }
    let after = applied(ws, &edits, next);
    let report = version::assess(
        &after,
        &Built::NotBuilt,
        &TagState::AtHead { tags: Vec::new(), version_files_modified: false },
    )?;
    report.check().context("the bump would leave the versions incoherent (a bug in the xtask)")?;
    Ok(edits)
}

/// The workspace as it is after `edits`.
fn applied(ws: &Workspace, edits: &[FileEdit], next: &Version) -> Workspace {
    let mut after = ws.clone();
    for edit in edits {
        let text = Some(edit.after.clone());
        match edit.path.as_str() {
            "Cargo.toml" => after.manifest = edit.after.clone(),
            "Cargo.lock" => after.lock = text,
            path if path == ws.config.changelog => after.changelog = text,
            path => {
                if let Some(member) = after.members.iter_mut().find(|m| m.manifest_path == path) {
                    member.manifest = edit.after.clone();
                }
            }
        }
    }
    for member in after.members.iter_mut().filter(|m| m.inherits_version()) {
        member.version = next.clone();
    }
    after
}

/// The pull request's body: what merging does, the changelog section, and why this version,
/// folded.
fn body(
    tag: &str,
    next: &Version,
    main: &str,
    branch: &str,
    section: &str,
    why: (&str, &str),
) -> String {
    let (summary, why) = why;
    format!(
        "Merging this pull request releases **{next}**: the release-pr workflow then tags the \
         merge `{tag}` and starts the release workflow on it.\n\
         \n\
         {section}\n\
         \n\
         <details>\n\
         <summary>{summary}</summary>\n\
         \n\
         {why}\
         \n\
         </details>\n\
         \n\
         `{branch}` is rebuilt from `{main}` on every push there, so commits pushed to it are \
         lost: change the notes under `## [Unreleased]` on `{main}` instead.\n"
    )
}

/// `git tag` of `commit` as the release of `version`, then its push (and the release started).
fn tag_and_push(
    ws: &Workspace,
    plan: &mut Steps,
    version: &Version,
    commit: &str,
    dispatch: Dispatch,
) {
    let tag = tag_of(ws, version);
    let sign = if ws.config.signed_tags { "--sign" } else { "--annotate" };
    let message = format!("Release {version}");
    plan.actions.push(Action::Tag(strings(&["tag", sign, &tag, "--message", &message, commit])));
    push_tag(plan, &tag, dispatch);
}

fn push_tag(plan: &mut Steps, tag: &str, dispatch: Dispatch) {
    let reference = format!("refs/tags/{tag}");
    plan.actions.push(Action::Push(strings(&[
        "push",
        "origin",
        &format!("{reference}:{reference}"),
    ])));
    if let Some(args) = github::dispatch_args(tag, dispatch) {
        plan.actions.push(Action::Dispatch(args));
    }
}

fn starting(dispatch: Dispatch) -> &'static str {
    match dispatch {
        Dispatch::Live => " and starting the release workflow on it (live)",
        Dispatch::DryRun => " and starting the release workflow on it (dry run)",
        Dispatch::Off => " (its push starts the release workflow: --dispatch off)",
    }
}

fn tag_of(ws: &Workspace, version: &Version) -> String {
    format!("{}{version}", ws.config.tag_prefix)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changelog::commits::commit;
    use crate::golden;
    use crate::release_pr::github::{GithubUnusable, WorkflowRun, parse_pulls};
    use crate::workspace::fixture;

    const CHANGELOG: &str = "\
# Changelog

## [Unreleased]

## [0.1.0] - 2026-11-21

### Added

- First release.

[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD
[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0
";

    const LOCK: &str = "\
version = 4

[[package]]
name = \"core\"
version = \"0.1.0\"

[[package]]
name = \"core-py\"
version = \"0.1.0\"
dependencies = [
 \"core\",
]
";

    const DATE: &str = "2026-12-01";

    fn options() -> Options {
        Options { dispatch: Dispatch::Live, date: DATE.into() }
    }

    fn sha(c: char) -> String {
        c.to_string().repeat(40)
    }

    /// The fixture workspace at 0.1.0, its changelog and lock file included.
    fn ws() -> Workspace {
        let metadata = serde_json::json!({"release": {"tag-prefix": "v",
            "changelog": "CHANGELOG.md", "wheels": [{"target": "x86_64-unknown-linux-gnu",
            "runner": "ubuntu-24.04", "platform": "manylinux_2_17", "python": ["3.10"]}]}});
        let mut ws = fixture::workspace("0.1.0", metadata);
        ws.changelog = Some(CHANGELOG.to_owned());
        ws.lock = Some(LOCK.to_owned());
        ws
    }

    /// The fixture workspace after the release pull request of 0.1.1 (`feat: area`) merged.
    fn ws_merged() -> Workspace {
        let before = ws();
        let facts = released(&["feat: area"]);
        let edits = edits(&before, &facts, &Version::new(0, 1, 1), DATE).unwrap();
        applied(&before, &edits, &Version::new(0, 1, 1))
    }

    fn github(pulls: &str) -> Github {
        let pulls = parse_pulls(&golden::read(&format!("release-pr/{pulls}.json"))).unwrap();
        Github { unreachable: None, pulls, runs: Vec::new() }
    }

    /// main at HEAD (`hhhh…`), 0.1.0 released as v0.1.0 at `tttt…`, `subjects` since.
    fn released(subjects: &[&str]) -> Facts {
        Facts {
            remote_url: "https://github.com/o/r.git".into(),
            default_branch: "main".into(),
            main_tip: Some(sha('h')),
            head: sha('h'),
            version: Version::new(0, 1, 0),
            current_tag: Some(TagFacts {
                name: "v0.1.0".into(),
                local: Some(sha('t')),
                remote: Some(sha('t')),
                on_main: true,
            }),
            introduced: None,
            previous: Some(("v0.1.0".into(), Version::new(0, 1, 0))),
            commits: subjects.iter().map(|s| commit(s, "")).collect(),
            tags: ["v0.1.0".to_owned()].into(),
            branches: [("main".to_owned(), sha('h'))].into(),
        }
    }

    /// main at HEAD, its version 0.1.1 untagged: `at` bumped it from 0.1.0, `subjects` since.
    fn merged(at: char, subjects: &[&str]) -> Facts {
        Facts {
            version: Version::new(0, 1, 1),
            current_tag: None,
            introduced: Some(Introduced {
                commit: sha(at),
                previous: Some(Version::new(0, 1, 0)),
                changelog: ws_merged().changelog,
            }),
            ..released(subjects)
        }
    }

    /// main at HEAD, never released: 0.1.0 since its first commit `rrrr…`, no tag anywhere.
    fn never_released(subjects: &[&str]) -> Facts {
        Facts {
            current_tag: None,
            introduced: Some(Introduced { commit: sha('r'), previous: None, changelog: None }),
            previous: None,
            tags: BTreeSet::new(),
            ..released(subjects)
        }
    }

    /// The fixture workspace with `changelog`.
    fn ws_with(changelog: &str) -> Workspace {
        let mut ws = ws();
        ws.changelog = Some(changelog.to_owned());
        ws
    }

    #[track_caller]
    fn check(name: &str, ws: &Workspace, facts: &Facts, github: &Github, options: &Options) {
        let plan = plan(ws, facts, github, options).unwrap();
        let text = format!("{}\n\n{}", plan.story.join("\n"), plan.render());
        golden::check(&format!("release-pr/plan-{name}.txt"), &text);
    }

    #[track_caller]
    fn refused(ws: &Workspace, facts: &Facts, needles: &[&str]) {
        let err = plan(ws, facts, &github("pr-list-none"), &options()).unwrap_err();
        let err = format!("{err:#}");
        for needle in needles {
            assert!(err.contains(needle), "{needle:?} not in: {err}");
        }
    }

    #[test]
    fn unreleased_commits_open_a_release_pull_request() {
        let facts = released(&["feat(py): area", "docs: typo", "fix: NaN latitude"]);
        check("propose", &ws(), &facts, &github("pr-list-none"), &options());
    }

    #[test]
    fn the_open_release_pull_request_is_updated() {
        let mut facts = released(&["feat(py): area", "fix: NaN latitude"]);
        facts.branches.insert("release/v0.1.1".into(), sha('b'));
        check("update", &ws(), &facts, &github("pr-list-v0.1.1"), &options());
    }

    #[test]
    fn one_for_an_older_version_is_superseded() {
        let mut facts = released(&["feat(py): area", "feat!: radius is keyword-only"]);
        facts.branches.insert("release/v0.1.1".into(), sha('b'));
        check("supersede", &ws(), &facts, &github("pr-list-v0.1.1"), &options());
    }

    #[test]
    fn nothing_to_release_does_nothing() {
        let facts = released(&["docs: typo", "ci: pin", "chore(release): 0.1.0"]);
        let plan = plan(&ws(), &facts, &github("pr-list-v0.1.1"), &options()).unwrap();
        assert_eq!(plan.actions, []);
        assert!(
            plan.story[1].starts_with("nothing to release: 3 commit(s) since v0.1.0"),
            "{plan:?}"
        );
        assert_eq!(plan.render(), "nothing to do\n");
    }

    #[test]
    fn a_merged_release_is_tagged_and_its_release_started() {
        check("tag", &ws_merged(), &merged('h', &[]), &github("pr-list-none"), &options());
    }

    #[test]
    fn commits_after_the_merge_are_proposed_after_the_tag() {
        let facts = merged('m', &["fix: after the merge"]);
        check("tag-then-propose", &ws_merged(), &facts, &github("pr-list-none"), &options());
    }

    #[test]
    fn without_github_the_plan_is_the_same() {
        let facts = released(&["feat(py): area"]);
        let unreachable = Github {
            unreachable: Some(GithubUnusable::NotGithub("origin is elsewhere".into())),
            ..Github::default()
        };
        let without = plan(&ws(), &facts, &unreachable, &options()).unwrap();
        let with = plan(&ws(), &facts, &github("pr-list-none"), &options()).unwrap();
        assert_eq!(without, with);
    }

    #[test]
    fn a_tag_at_head_whose_release_did_not_start_is_started() {
        let mut facts = released(&[]);
        facts.current_tag.as_mut().unwrap().remote = Some(sha('h'));
        facts.current_tag.as_mut().unwrap().local = Some(sha('h'));
        let plan = plan(&ws(), &facts, &github("pr-list-none"), &options()).unwrap();
        let [Action::Dispatch(args)] = &plan.actions[..] else { panic!("{plan:?}") };
        assert_eq!(shell_words(args), "workflow run release.yml --ref v0.1.0 -f mode=live");
        let mut started = github("pr-list-none");
        started.runs.push(WorkflowRun {
            id: 1,
            event: "workflow_dispatch".into(),
            head_branch: "v0.1.0".into(),
            status: "completed".into(),
            url: "https://github.com/o/r/actions/runs/1".into(),
        });
        let again = super::plan(&ws(), &facts, &started, &options()).unwrap();
        assert_eq!(again.actions, []);
        assert!(again.story[0].contains("its release.yml run is https://"), "{:?}", again.story);
        // A tag made here but not pushed is pushed, then the release started.
        facts.current_tag.as_mut().unwrap().remote = None;
        let pushed = super::plan(&ws(), &facts, &started, &options()).unwrap();
        let kinds: Vec<String> = pushed.actions.iter().map(Action::display).collect();
        assert_eq!(
            kinds,
            [
                "git push origin refs/tags/v0.1.0:refs/tags/v0.1.0",
                "gh workflow run release.yml --ref v0.1.0 -f mode=live"
            ]
        );
    }

    #[test]
    fn dispatch_modes_and_signed_tags() {
        let off = Options { dispatch: Dispatch::Off, ..options() };
        let plan = plan(&ws_merged(), &merged('h', &[]), &github("pr-list-none"), &off).unwrap();
        assert!(!plan.actions.iter().any(Action::uses_gh), "{plan:?}");
        let mut signed = ws_merged();
        signed.config.signed_tags = true;
        let dry = Options { dispatch: Dispatch::DryRun, ..options() };
        let plan = super::plan(&signed, &merged('h', &[]), &github("pr-list-none"), &dry).unwrap();
        let shown: Vec<String> = plan.actions.iter().map(Action::display).collect();
        assert!(shown[0].starts_with("git tag --sign v0.1.1"), "{shown:?}");
        assert!(shown[2].ends_with("-f mode=dry-run"), "{shown:?}");
    }

    #[test]
    fn a_pre_release_is_not_proposed_from() {
        let mut facts = released(&["feat: area"]);
        facts.version = Version::parse("0.2.0-rc.1").unwrap();
        facts.current_tag.as_mut().unwrap().name = "v0.2.0-rc.1".into();
        let plan = plan(&ws(), &facts, &github("pr-list-none"), &options()).unwrap();
        assert_eq!(plan.actions, []);
        assert!(plan.story[1].contains("0.2.0-rc.1 is a pre-release"), "{:?}", plan.story);
    }

    #[test]
    fn a_first_release_whose_changelog_is_ready_tags_mains_tip() {
        let facts = never_released(&["feat: area", "fix: NaN latitude"]);
        check("first-tag", &ws(), &facts, &github("pr-list-none"), &options());
    }

    #[test]
    fn a_first_release_folds_unreleased_notes_into_its_section() {
        let changelog = CHANGELOG
            .replace("## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n\n- NaN latitude.\n");
        let facts = never_released(&["feat: area", "fix: NaN latitude"]);
        check("first-fold", &ws_with(&changelog), &facts, &github("pr-list-none"), &options());
    }

    #[test]
    fn a_first_release_without_its_section_cuts_it_from_the_commits() {
        let changelog =
            "# Changelog\n\n## [Unreleased]\n\n[Unreleased]: https://github.com/o/r/commits/main\n";
        let facts = never_released(&["chore: skeleton", "feat(py): area", "docs: typo"]);
        let ws = ws_with(changelog);
        check("first-cut", &ws, &facts, &github("pr-list-v0.1.1"), &options());
        // Written notes are taken as they are; without any, and nothing notable to draft them
        // from, there is nothing to propose yet.
        let written = changelog.replace("## [Unreleased]\n", "## [Unreleased]\n\n- Everything.\n");
        let plan = plan(&ws_with(&written), &facts, &github("pr-list-none"), &options()).unwrap();
        let Some(Action::CreatePr { body, .. }) = plan.actions.get(2) else { panic!("{plan:?}") };
        assert!(body.contains("## [0.1.0] - 2026-12-01\n\n- Everything.\n"), "{body}");
        assert!(body.contains("the notes are `## [Unreleased]`'s"), "{body}");
        let quiet = never_released(&["chore: skeleton", "docs: typo"]);
        let plan = super::plan(&ws, &quiet, &github("pr-list-none"), &options()).unwrap();
        assert_eq!(plan.actions, []);
        assert!(plan.story[1].starts_with("nothing to propose yet"), "{:?}", plan.story);
        assert!(plan.story[1].contains("changelog --draft"), "{:?}", plan.story);
    }

    #[test]
    fn a_first_release_is_tagged_once_and_then_only_started() {
        // Tagged: the next run sees the tag at HEAD, and the usual path takes over.
        let mut facts = never_released(&[]);
        facts.introduced = None;
        facts.current_tag = Some(TagFacts {
            name: "v0.1.0".into(),
            local: Some(sha('h')),
            remote: Some(sha('h')),
            on_main: true,
        });
        let plan = plan(&ws(), &facts, &github("pr-list-none"), &options()).unwrap();
        let shown: Vec<String> = plan.actions.iter().map(Action::display).collect();
        assert_eq!(shown, ["gh workflow run release.yml --ref v0.1.0 -f mode=live"]);
        // A signed first release, dispatched as a dry run.
        let mut signed = ws();
        signed.config.signed_tags = true;
        let dry = Options { dispatch: Dispatch::DryRun, ..options() };
        let plan =
            super::plan(&signed, &never_released(&[]), &github("pr-list-none"), &dry).unwrap();
        let shown: Vec<String> = plan.actions.iter().map(Action::display).collect();
        assert!(shown[0].starts_with("git tag --sign v0.1.0"), "{shown:?}");
        assert!(shown[0].ends_with(&sha('h')), "{shown:?}");
        assert!(shown[2].ends_with("-f mode=dry-run"), "{shown:?}");
    }

    #[test]
    fn a_first_release_with_an_empty_section_is_refused() {
        let empty = CHANGELOG.replace("### Added\n\n- First release.\n", "");
        let err = plan(&ws_with(&empty), &never_released(&[]), &github("pr-list-none"), &options())
            .unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("v0.1.0 cannot be tagged on main's tip"), "{err}");
        assert!(err.contains("section is empty"), "{err}");
    }

    #[test]
    fn refusals_name_what_was_expected_and_the_fix() {
        let mut off_main = released(&["feat: area"]);
        off_main.current_tag.as_mut().unwrap().on_main = false;
        refused(&ws(), &off_main, &["already tagged", "not in main's history", "git tag --delete"]);
        let mut moved = released(&["feat: area"]);
        moved.current_tag.as_mut().unwrap().local = Some(sha('x'));
        refused(
            &ws(),
            &moved,
            &["here but at tttttttttt on origin", "git fetch origin tag v0.1.0"],
        );
        let mut first = merged('h', &[]);
        first.introduced.as_mut().unwrap().previous = None;
        refused(&ws_merged(), &first, &["no commit on main bumped", "yet v0.1.0 is in main's"]);
        let mut backwards = merged('h', &[]);
        backwards.introduced.as_mut().unwrap().previous = Some(Version::new(0, 2, 0));
        refused(&ws_merged(), &backwards, &["back from 0.2.0 to 0.1.1"]);
        let mut newer = merged('h', &[]);
        newer.previous = Some(("v0.1.1".into(), Version::new(0, 1, 1)));
        refused(&ws_merged(), &newer, &["v0.1.1 is in main's history"]);
        let mut empty = merged('h', &[]);
        let notes = "### Added\n\n- area\n";
        let changelog = ws_merged().changelog.unwrap();
        assert!(changelog.contains(notes));
        empty.introduced.as_mut().unwrap().changelog = Some(changelog.replace(notes, ""));
        refused(&ws_merged(), &empty, &["cannot be tagged on hhhhhhhhhh", "section is empty"]);
        let mut taken = released(&["feat: area"]);
        taken.tags.insert("v0.1.1".into());
        refused(&ws(), &taken, &["v0.1.1 already exists", "main's version is 0.1.0"]);
    }
}
