//! `cargo xtask release-pr`: versioning from the Conventional Commits on the default branch,
//! as release-plz and release-please do it. On every push to main, the next version is proposed
//! as one bump commit on `release/vX.Y.Z` with its pull request; once that is merged, its commit
//! is tagged and the release workflow started on the tag. The xtask is all of the logic; the
//! release-pr workflow only runs it.
//!
//! The state is read first (`facts.rs` for git and origin, `github.rs` for gh), the plan made
//! from it without side effects (`plan.rs`), and only then run, git actions before gh ones. A
//! dry run prints the plan and runs nothing.

mod facts;
mod github;
mod plan;
mod remote;

use std::path::Path;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::flags::{self, Mode};
use crate::workspace::Workspace;
use github::{Github, Unreachable};
use plan::{Action, BumpCommit, Facts, Options, Plan};

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::ReleasePr) -> Result<()> {
    let facts = facts::read(sh, ws)?;
    let at_head = facts.current_tag.as_ref().filter(|t| t.remote.as_deref() == Some(&facts.head));
    let runs_of = at_head.map(|t| t.name.as_str());
    let github = github::read(sh, &facts.remote_url, &facts.default_branch, runs_of)?;
    let options = Options { dispatch: cmd.dispatch, date: crate::bump::today_utc() };
    let plan = plan::plan(ws, &facts, &github, &options)?;
    for line in &plan.story {
        eprintln!("{line}");
    }
    if let Some(unreachable) = &github.unreachable
        && plan.actions.iter().any(Action::uses_gh)
    {
        eprintln!(
            "GitHub was not asked: {}; the gh actions assume no open release pull request and \
             no release run",
            unreachable.reason()
        );
    }
    let problems = problems(sh, &ws.root, &facts, &github, &plan)?;
    match cmd.mode() {
        Mode::DryRun => {
            for problem in &problems {
                eprintln!("warning: a live run would refuse: {problem}");
            }
            print!("{}", plan.render());
            eprintln!("dry run: nothing was run; run without --dry-run to do it");
            Ok(())
        }
        Mode::Live if !problems.is_empty() => {
            bail!("release-pr refused, nothing was done:\n  - {}", problems.join("\n  - "))
        }
        Mode::Live => execute(sh, &ws.root, &plan, &github),
    }
}

/// What a live run refuses and a dry run warns about, each with its fix: the checkout must be
/// clean and at origin's default branch, gh usable when the plan needs it, and git given an
/// identity to commit and tag with.
fn problems(
    sh: &Shell,
    root: &Path,
    facts: &Facts,
    github: &Github,
    plan: &Plan,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let status = cmd!(sh, "git status --porcelain --untracked-files=no")
        .quiet()
        .read()
        .context("check the working tree with `git status`")?;
    if !status.trim().is_empty() {
        let files: Vec<&str> = status.lines().map(|l| l.get(3..).unwrap_or(l)).collect();
        problems.push(format!(
            "the working tree has uncommitted changes ({}): expected a clean checkout, since the \
             bump is made from its files; commit or stash them (`git stash`)",
            files.join(", ")
        ));
    }
    let main = &facts.default_branch;
    if facts.main_tip.as_deref() != Some(facts.head.as_str()) {
        problems.push(format!(
            "HEAD ({}) is not origin's {main} ({}): expected a checkout of the tip of {main}, \
             which the release branch is built on and the tag goes on; update it (`git checkout \
             {main} && git pull --ff-only origin {main}`)",
            short(&facts.head),
            facts.main_tip.as_deref().map_or("absent", short)
        ));
    }
    if let Some(Unreachable::Fixable(why)) = &github.unreachable
        && plan.actions.iter().any(Action::uses_gh)
    {
        problems.push(why.clone());
    }
    let commits = plan.actions.iter().any(|a| matches!(a, Action::Commit(_) | Action::Tag(_)));
    if commits && let Some(problem) = crate::project::git_identity_problem(sh, root) {
        problems.push(format!("{problem}, as the release-pr workflow sets them"));
    }
    Ok(problems)
}

/// Runs the plan in order. The git actions come first; without GitHub (origin elsewhere), it
/// stops before the first gh action, naming what is left.
fn execute(sh: &Shell, root: &Path, plan: &Plan, github: &Github) -> Result<()> {
    let _dir = sh.push_dir(root);
    let auth = remote::auth_config();
    for (i, action) in plan.actions.iter().enumerate() {
        if let Some(unreachable) = &github.unreachable
            && action.uses_gh()
        {
            let left: Vec<String> =
                plan.actions[i..].iter().map(|a| format!("  {}", a.display())).collect();
            bail!(
                "release-pr stopped before GitHub: the git actions are done, but {}; left to \
                 run where gh can reach the repository (`cargo xtask release-pr` there runs \
                 them):\n{}",
                unreachable.reason(),
                left.join("\n")
            );
        }
        eprintln!("$ {}", action.display());
        let failed = || format!("release-pr: {}", action.display());
        match action {
            Action::Commit(bump) => commit(sh, bump).with_context(failed)?,
            Action::Push(args) => {
                let auth = &auth;
                cmd!(sh, "git {auth...} {args...}").quiet().run().with_context(failed)?;
            }
            Action::Tag(args) => cmd!(sh, "git {args...}").quiet().run().with_context(failed)?,
            Action::CreatePr { args, body } | Action::EditPr { args, body } => {
                gh(sh, args, body).with_context(failed)?;
            }
            Action::ClosePr(args) | Action::Dispatch(args) => {
                gh(sh, args, "").with_context(failed)?;
            }
        }
    }
    if plan.actions.is_empty() {
        eprintln!("nothing to do");
    }
    Ok(())
}

/// Makes the bump commit with git's plumbing, in an index of its own: the working tree, the
/// index and the checked-out branch stay as they are, and the local branch is set to it.
fn commit(sh: &Shell, bump: &BumpCommit) -> Result<()> {
    let index = cmd!(sh, "git rev-parse --path-format=absolute --git-path release-pr.index")
        .quiet()
        .read()?;
    let index = index.trim();
    let _ = std::fs::remove_file(index);
    let parent = &bump.parent;
    git(cmd!(sh, "git read-tree {parent}"), index).run()?;
    for file in &bump.files {
        let path = &file.path;
        let blob = cmd!(sh, "git hash-object -w --stdin --path {path}")
            .quiet()
            .stdin(&file.after)
            .read()?;
        let listed = cmd!(sh, "git ls-tree {parent} -- {path}").quiet().read()?;
        let mode = listed.split_whitespace().next().unwrap_or("100644");
        let entry = format!("{mode},{},{path}", blob.trim());
        git(cmd!(sh, "git update-index --add --cacheinfo {entry}"), index).run()?;
    }
    let tree = git(cmd!(sh, "git write-tree"), index).read()?;
    let tree = tree.trim();
    let message = &bump.message;
    let made = cmd!(sh, "git commit-tree {tree} -p {parent} -m {message}").quiet().read()?;
    let made = made.trim();
    let reference = format!("refs/heads/{}", bump.branch);
    cmd!(sh, "git update-ref {reference} {made}").quiet().run()?;
    let _ = std::fs::remove_file(index);
    eprintln!("  {} is now {}", bump.branch, short(made));
    Ok(())
}

/// `cmd` on the index at `index`, not the repository's.
fn git<'a>(cmd: xshell::Cmd<'a>, index: &str) -> xshell::Cmd<'a> {
    cmd.env("GIT_INDEX_FILE", index).quiet()
}

/// Runs gh with `stdin`, its output (a pull request's URL) on our stderr.
fn gh(sh: &Shell, args: &[String], stdin: &str) -> Result<()> {
    let printed = cmd!(sh, "gh {args...}").quiet().stdin(stdin).read()?;
    if !printed.trim().is_empty() {
        eprintln!("  {}", printed.trim());
    }
    Ok(())
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}
