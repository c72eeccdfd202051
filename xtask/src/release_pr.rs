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

use anyhow::{Context, Result, bail};
use xshell::Shell;

use crate::flags::{self, Mode};
use crate::git::{self, Auth, Repo};
use crate::workspace::Workspace;
use github::{Github, GithubUnusable};
use plan::{Action, BumpCommit, Facts, Options, Steps};

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
    let repo = Repo::at(sh, &ws.root);
    let problems = problems(&repo, &facts, &github, &plan)?;
    let refusal = "release-pr refused, nothing was done";
    crate::release::enforce(cmd.mode(), refusal, problems, |p| eprintln!("warning: {p}"))?;
    match cmd.mode() {
        Mode::DryRun => {
            print!("{}", plan.render());
            eprintln!("dry run: nothing was run; run without --dry-run to do it");
            Ok(())
        }
        Mode::Live => execute(sh, &repo, &plan, &github),
    }
}

/// What a live run refuses and a dry run warns about, each with its fix: the checkout must be
/// clean and at origin's default branch, gh usable when the plan needs it, and git given an
/// identity to commit and tag with.
fn problems(repo: &Repo, facts: &Facts, github: &Github, plan: &Steps) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let dirty = repo.dirty_files()?;
    if !dirty.is_empty() {
        let files: Vec<&str> = dirty.iter().map(|l| l.get(3..).unwrap_or(l)).collect();
        problems.push(format!(
            "the working tree has uncommitted changes ({}): expected a clean checkout, since the \
             bump is made from its files; commit or stash them (`git stash --include-untracked`)",
            files.join(", ")
        ));
    }
    let main = &facts.default_branch;
    if facts.main_tip.as_deref() != Some(facts.head.as_str()) {
        problems.push(format!(
            "HEAD ({}) is not origin's {main} ({}): expected a checkout of the tip of {main}, \
             which the release branch is built on and the tag goes on; update it (`git checkout \
             {main} && git pull --ff-only origin {main}`)",
            git::short(&facts.head),
            facts.main_tip.as_deref().map_or("absent", git::short)
        ));
    }
    if let Some(GithubUnusable::Fixable(why)) = &github.unreachable
        && plan.actions.iter().any(Action::uses_gh)
    {
        problems.push(why.clone());
    }
    let commits = plan.actions.iter().any(|a| matches!(a, Action::Commit(_) | Action::Tag(_)));
    if commits && let Some(problem) = repo.identity_problem() {
        problems.push(format!("{problem}, as the release-pr workflow sets them"));
    }
    Ok(problems)
}

/// Runs the plan in order. The git actions come first; without GitHub (origin elsewhere), it
/// stops before the first gh action, naming what is left.
fn execute(sh: &Shell, repo: &Repo, plan: &Steps, github: &Github) -> Result<()> {
    let _dir = sh.push_dir(repo.root());
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
            Action::Commit(bump) => commit(repo, bump).with_context(failed)?,
            Action::Push(args) => repo.run_planned(args, Auth::Origin).with_context(failed)?,
            Action::Tag(args) => repo.run_planned(args, Auth::None).with_context(failed)?,
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

/// Makes the bump commit on the release branch, leaving the working tree, the index and the
/// checked-out branch as they are.
fn commit(repo: &Repo, bump: &BumpCommit) -> Result<()> {
    let files: Vec<(&str, &str)> =
        bump.files.iter().map(|f| (f.path.as_str(), f.after.as_str())).collect();
    let made = repo.commit_onto(&bump.parent, &files, &bump.message, &bump.branch)?;
    eprintln!("  {} is now {}", bump.branch, git::short(&made));
    Ok(())
}

/// Runs gh with `stdin`, its output (a pull request's URL) on our stderr.
fn gh(sh: &Shell, args: &[String], stdin: &str) -> Result<()> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let printed = crate::gh::read(sh, &args, stdin)?;
    if !printed.trim().is_empty() {
        eprintln!("  {}", printed.trim());
    }
    Ok(())
}
