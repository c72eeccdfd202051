//! The GitHub side of the release PR, through the `gh` CLI: what is there (the open release
//! pull requests, the release workflow's runs of a tag), which pull request to create, edit or
//! close (pure, tested over recorded `gh … --json` output), and every `gh` argument list.
//!
//! GitHub's rule shapes the last step: what the workflow's GITHUB_TOKEN pushes starts no
//! workflow run, except `workflow_dispatch`. So the release workflow is started on the new tag
//! with `gh workflow run release.yml --ref <tag>`, which keeps it the workflow that PyPI's and
//! crates.io's trusted publishers name (trusted publishing does not work from a reusable
//! workflow that this one could call instead).

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::Shell;

use crate::flags::Dispatch;
use crate::gh;

/// The workflow that releases a tag; its `workflow_dispatch` takes `mode: dry-run | live`.
pub const RELEASE_WORKFLOW: &str = "release.yml";

/// What gh reports, or why it was not asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Github {
    /// Why gh cannot be asked; the plan then assumes no release pull request and no run.
    pub unreachable: Option<GithubUnusable>,
    /// The open pull requests into the default branch.
    pub pulls: Vec<PullRequest>,
    /// The release workflow's runs of the current version's tag (asked only when that tag is
    /// at HEAD on origin, to tell whether its release was started).
    pub runs: Vec<WorkflowRun>,
}

/// Why gh was not asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubUnusable {
    /// origin is not on GitHub: the git part is all this command can do from here.
    NotGithub(String),
    /// origin is on GitHub but gh is missing or has no credentials: fixable, so a live run
    /// refuses before doing anything.
    Fixable(String),
}

impl GithubUnusable {
    pub fn reason(&self) -> &str {
        match self {
            GithubUnusable::NotGithub(why) | GithubUnusable::Fixable(why) => why,
        }
    }
}

/// One pull request, as `gh pr list --json number,title,headRefName,state,url` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub head: String,
    pub url: String,
}

/// One workflow run, as `gh run list --json databaseId,event,headBranch,status,url` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    pub id: u64,
    pub event: String,
    pub head_branch: String,
    pub status: String,
    pub url: String,
}

/// What to do with the pull requests so that exactly one, on `branch`, proposes the release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestUpdate {
    /// The open pull request on `branch` to edit; `None`: create one.
    pub edit: Option<u64>,
    /// Open release pull requests of other versions, superseded by this one.
    pub close: Vec<PullRequest>,
}

/// Asks gh about the repository on `url`: the open pull requests into `base`, and when
/// `runs_of` names a tag, the release workflow's runs of it.
pub fn read(sh: &Shell, url: &str, base: &str, runs_of: Option<&str>) -> Result<Github> {
    if let Some(unreachable) = reachable(sh, url) {
        return Ok(Github { unreachable: Some(unreachable), ..Github::default() });
    }
    let args = list_args(base);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let listed = gh::read(sh, &args, "").context(
        "list the open pull requests with `gh pr list` (GH_TOKEN, or `gh auth login`; in GitHub \
         Actions, `permissions: pull-requests: write`)",
    )?;
    let pulls = parse_pulls(&listed)?;
    let runs = match runs_of {
        Some(tag) => {
            let args = runs_args(tag);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let listed = gh::read(sh, &args, "").with_context(|| {
                format!("list the {RELEASE_WORKFLOW} runs of {tag} with `gh run list`")
            })?;
            parse_runs(&listed)?.into_iter().filter(|r| r.head_branch == tag).collect()
        }
        None => Vec::new(),
    };
    Ok(Github { unreachable: None, pulls, runs })
}

/// Whether gh can act on the repository at `url`; `None` when it can.
fn reachable(sh: &Shell, url: &str) -> Option<GithubUnusable> {
    if !super::remote::is_github(url) {
        return Some(GithubUnusable::NotGithub(format!(
            "origin ({url}) is not a GitHub repository, so gh cannot reach it (expected \
             github.com, or the host in GH_HOST)"
        )));
    }
    gh::unusable(sh).map(GithubUnusable::Fixable)
}

/// The release pull requests among `pulls`: those whose branch is `release/{tag_prefix}X.Y.Z`.
fn is_release(pull: &PullRequest, tag_prefix: &str) -> bool {
    let name = pull.head.strip_prefix("release/").and_then(|t| t.strip_prefix(tag_prefix));
    name.is_some_and(|v| semver::Version::parse(v).is_ok())
}

/// One open release pull request, on `branch`: the one already there is edited (its branch was
/// just rebuilt), or a new one is created; release pull requests of other versions are closed
/// in its favour, their branches deleted. (A pull request's branch cannot change, and GitHub
/// closes a pull request whose branch is renamed, so one for an older version is superseded,
/// not moved.) Other pull requests are not touched.
///
/// Assumption: one open pull request per branch and base, as GitHub allows.
pub fn update(pulls: &[PullRequest], branch: &str, tag_prefix: &str) -> PullRequestUpdate {
    let release = pulls.iter().filter(|p| is_release(p, tag_prefix));
    let (same, other): (Vec<&PullRequest>, Vec<&PullRequest>) =
        release.partition(|p| p.head == branch);
    PullRequestUpdate {
        edit: same.first().map(|p| p.number),
        close: other.into_iter().cloned().collect(),
    }
}

pub fn list_args(base: &str) -> Vec<String> {
    strings(&[
        "pr",
        "list",
        "--base",
        base,
        "--state",
        "open",
        "--limit",
        "100",
        "--json",
        "number,title,headRefName,state,url",
    ])
}

pub fn runs_args(tag: &str) -> Vec<String> {
    strings(&[
        "run",
        "list",
        "--workflow",
        RELEASE_WORKFLOW,
        "--branch",
        tag,
        "--limit",
        "20",
        "--json",
        "databaseId,event,headBranch,status,url",
    ])
}

/// `gh pr create`, the body on stdin.
pub fn create_args(base: &str, branch: &str, title: &str) -> Vec<String> {
    let args = ["pr", "create", "--base", base, "--head", branch, "--title", title];
    strings(&args).into_iter().chain(strings(&["--body-file", "-"])).collect()
}

/// `gh pr edit`, the body on stdin.
pub fn edit_args(number: u64, title: &str) -> Vec<String> {
    let number = number.to_string();
    strings(&["pr", "edit", &number, "--title", title, "--body-file", "-"])
}

pub fn close_args(pull: &PullRequest, successor: &str) -> Vec<String> {
    let number = pull.number.to_string();
    let comment = format!("Superseded by the release pull request `{successor}`.");
    strings(&["pr", "close", &number, "--comment", &comment, "--delete-branch"])
}

/// `gh workflow run release.yml --ref <tag> -f mode=…`, or nothing for `--dispatch off`.
pub fn dispatch_args(tag: &str, dispatch: Dispatch) -> Option<Vec<String>> {
    let mode = match dispatch {
        Dispatch::Live => "mode=live",
        Dispatch::DryRun => "mode=dry-run",
        Dispatch::Off => return None,
    };
    Some(strings(&["workflow", "run", RELEASE_WORKFLOW, "--ref", tag, "-f", mode]))
}

/// Reads `gh pr list --json number,title,headRefName,state,url` output; only open ones count.
pub fn parse_pulls(json: &str) -> Result<Vec<PullRequest>> {
    let list = array(json, "gh pr list")?;
    let mut pulls = Vec::new();
    for item in list {
        let field = |key: &str| {
            item[key].as_str().map(str::to_owned).with_context(|| {
                format!("`gh pr list --json` printed a pull request without {key}: {item}")
            })
        };
        if field("state")? != "OPEN" {
            continue;
        }
        pulls.push(PullRequest {
            number: item["number"].as_u64().context("`gh pr list` printed no number")?,
            title: field("title")?,
            head: field("headRefName")?,
            url: field("url")?,
        });
    }
    Ok(pulls)
}

/// Reads `gh run list --json databaseId,event,headBranch,status,url` output.
pub fn parse_runs(json: &str) -> Result<Vec<WorkflowRun>> {
    let list = array(json, "gh run list")?;
    list.iter()
        .map(|item| {
            let field = |key: &str| {
                item[key].as_str().map(str::to_owned).with_context(|| {
                    format!("`gh run list --json` printed a run without {key}: {item}")
                })
            };
            Ok(WorkflowRun {
                id: item["databaseId"].as_u64().context("`gh run list` printed no databaseId")?,
                event: field("event")?,
                head_branch: field("headBranch")?,
                status: field("status")?,
                url: field("url")?,
            })
        })
        .collect()
}

fn array(json: &str, what: &str) -> Result<Vec<Value>> {
    match serde_json::from_str(json).with_context(|| format!("read `{what} --json` output"))? {
        Value::Array(list) => Ok(list),
        other => bail!("`{what} --json` printed {other}, expected a JSON array"),
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden;

    fn pulls(fixture: &str) -> Vec<PullRequest> {
        parse_pulls(&golden::read(&format!("release-pr/{fixture}.json"))).unwrap()
    }

    #[track_caller]
    fn check(fixture: &str, branch: &str, edit: Option<u64>, close: &[u64]) {
        let update = update(&pulls(fixture), branch, "v");
        let closed: Vec<u64> = update.close.iter().map(|p| p.number).collect();
        assert_eq!((update.edit, closed.as_slice()), (edit, close), "{fixture} for {branch}");
    }

    #[test]
    fn no_release_pull_request_open_creates_one() {
        check("pr-list-none", "release/v0.1.1", None, &[]);
        // Other pull requests, and branches under release/ that are not a version, are not ours.
        check("pr-list-others", "release/v0.1.1", None, &[]);
    }

    #[test]
    fn the_open_one_for_the_same_version_is_edited() {
        check("pr-list-v0.1.1", "release/v0.1.1", Some(12), &[]);
    }

    #[test]
    fn one_for_an_older_version_is_superseded() {
        check("pr-list-v0.1.1", "release/v0.2.0", None, &[12]);
        // Both: the one on the branch is edited, the other closed; the others stay.
        check("pr-list-both", "release/v0.2.0", Some(15), &[12]);
    }

    #[test]
    fn listings_parse_as_gh_prints_them() {
        let found = pulls("pr-list-v0.1.1");
        assert_eq!(
            found,
            [PullRequest {
                number: 12,
                title: "release: v0.1.1".into(),
                head: "release/v0.1.1".into(),
                url: "https://github.com/o/r/pull/12".into(),
            }]
        );
        assert!(parse_pulls("[]\n").unwrap().is_empty());
        assert!(parse_pulls("{\"message\": \"Bad credentials\"}").is_err());
        let runs = parse_runs(&golden::read("release-pr/run-list-dispatched.json")).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(
            (runs[0].event.as_str(), runs[0].head_branch.as_str()),
            ("workflow_dispatch", "v0.1.1")
        );
        assert!(parse_runs("[]\n").unwrap().is_empty());
    }

    #[test]
    fn argument_lists() {
        let words = |args: Vec<String>| crate::shell::words(&args);
        assert_eq!(
            words(create_args("main", "release/v0.2.0", "release: v0.2.0")),
            "pr create --base main --head release/v0.2.0 --title 'release: v0.2.0' --body-file -"
        );
        assert_eq!(
            words(edit_args(15, "release: v0.2.0")),
            "pr edit 15 --title 'release: v0.2.0' --body-file -"
        );
        let old = &pulls("pr-list-v0.1.1")[0];
        assert_eq!(
            words(close_args(old, "release/v0.2.0")),
            "pr close 12 --comment 'Superseded by the release pull request `release/v0.2.0`.' \
             --delete-branch"
        );
        assert_eq!(
            dispatch_args("v0.2.0", Dispatch::Live).map(words).as_deref(),
            Some("workflow run release.yml --ref v0.2.0 -f mode=live")
        );
        assert_eq!(
            dispatch_args("v0.2.0", Dispatch::DryRun).map(words).as_deref(),
            Some("workflow run release.yml --ref v0.2.0 -f mode=dry-run")
        );
        assert_eq!(dispatch_args("v0.2.0", Dispatch::Off), None);
    }
}
