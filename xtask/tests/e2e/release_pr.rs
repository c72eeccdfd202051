//! End to end, on copies of the workspace with a real bare repository as `origin` (real
//! `git push`, no GitHub, nothing built): `cargo xtask release-pr` proposes the next version as
//! one bump commit on `release/vX.Y.Z`, rebuilds it on the next push, and once it is merged
//! (fast-forward, squash or merge commit) tags the merge and pushes the tag; a repository that
//! never released proposes, then tags, its first release.
//!
//! origin is a `file://` repository, so gh cannot reach it: the xtask does the git part, then
//! stops before the first gh action with the ones left. Those are checked as planned data: the
//! `--dry-run` plans, golden files of the exact argument lists (commit hashes and today's date
//! written as placeholders). The choice among open pull requests is unit-tested over recorded
//! `gh` output (`src/release_pr/github.rs`).

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{self, Scratch, git};

#[test]
#[ignore = "end to end: runs release-pr on a copy of the workspace; `cargo xtask test` runs it"]
fn proposes_rebuilds_then_tags_the_merge() {
    let scratch = Scratch::new("release-pr");
    let repo = Repo::released(&scratch, "ws");
    let next = repo.next_patch();
    let branch = format!("release/v{next}");

    // A feature on main: the dry run plans the release branch and pull request, runs nothing.
    repo.commit_and_push("feat: geodesic polygon areas");
    let dry = release_pr(&repo.ws, &["--dry-run"]);
    assert!(dry.status.success(), "the dry run failed");
    support::check_golden("release-pr/e2e-propose.txt", &normalized(&dry.stdout));
    assert_eq!(repo.origin_branch(&branch), None, "a dry run pushed");

    // For real: the branch is pushed; without GitHub it stops before `gh pr create`.
    let live = release_pr(&repo.ws, &[]);
    stopped_before_github(&live, &format!("gh pr create --base main --head {branch}"));
    let first = repo.check_release_branch(&next, BUMPED, &["geodesic polygon areas"]);
    assert_eq!(git(&repo.ws, &["status", "--porcelain"]), "", "the working tree changed");
    assert_eq!(git(&repo.ws, &["branch", "--show-current"]).trim(), "main");

    // A second push to main: the branch is rebuilt on the new main, not stacked.
    repo.commit_and_push("fix: antimeridian crossing");
    stopped_before_github(&release_pr(&repo.ws, &[]), "gh pr create");
    let entries = ["geodesic polygon areas", "antimeridian crossing"];
    let second = repo.check_release_branch(&next, BUMPED, &entries);
    assert_ne!(first, second);

    // Merged by fast-forward: the merge is tagged, the tag pushed, the release planned.
    git(&repo.origin, &["update-ref", "refs/heads/main", &second]);
    git(&repo.ws, &["pull", "--quiet", "--ff-only", "origin", "main"]);
    let dry = release_pr(&repo.ws, &["--dry-run"]);
    assert!(dry.status.success(), "the dry run failed");
    support::check_golden("release-pr/e2e-tag.txt", &normalized(&dry.stdout));
    let tag = format!("v{next}");
    let dispatch = format!("gh workflow run release.yml --ref {tag} -f mode=live");
    stopped_before_github(&release_pr(&repo.ws, &[]), &dispatch);
    let peeled = format!("{tag}^{{commit}}");
    assert_eq!(git(&repo.origin, &["rev-parse", &peeled]).trim(), second, "tag not on the merge");
    assert_eq!(git(&repo.origin, &["cat-file", "-t", &tag]).trim(), "tag", "not annotated");

    // Run again: the tag is there at HEAD, and starting its release is all that is left.
    let again = release_pr(&repo.ws, &["--dry-run"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), format!("1. {dispatch}\n"));
}

#[test]
#[ignore = "end to end: runs release-pr on a copy of the workspace; `cargo xtask test` runs it"]
fn squash_and_merge_commits_are_recognised_and_guards_refuse() {
    let scratch = Scratch::new("release-pr-merges");
    let repo = Repo::released(&scratch, "ws");
    let next = repo.next_patch();
    let branch = format!("release/v{next}");
    let tag = format!("v{next}");
    repo.commit_and_push("fix: NaN longitude");
    stopped_before_github(&release_pr(&repo.ws, &[]), "gh pr create");
    let before = git(&repo.ws, &["rev-parse", "main"]).trim().to_owned();

    // Squashed: one commit on main with the branch's tree, titled as the pull request.
    let tree = format!("origin/{branch}^{{tree}}");
    git(&repo.ws, &["fetch", "--quiet", "origin"]);
    let squash =
        git(&repo.ws, &["commit-tree", &tree, "-p", "main", "-m", &format!("release: {tag} (#1)")]);
    repo.push_main(squash.trim());
    planned_tag(&repo, &tag, squash.trim());

    // Merged with a merge commit, after another commit reached main.
    repo.push_main(&before);
    repo.commit_and_push("docs: spell Karney right");
    let message = format!("Merge pull request #1 from o/{branch}");
    git(
        &repo.ws,
        &["merge", "--quiet", "--no-ff", "--message", &message, &format!("origin/{branch}")],
    );
    let merge = git(&repo.ws, &["rev-parse", "HEAD"]).trim().to_owned();
    git(&repo.ws, &["push", "--quiet", "origin", "main"]);
    planned_tag(&repo, &tag, &merge);

    // Guards: a dirty tree, a HEAD that is not origin's main, the version tagged off main.
    let readme = repo.ws.join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    std::fs::write(&readme, format!("{text}\nlocal edit\n")).unwrap();
    let dry = release_pr(&repo.ws, &["--dry-run"]);
    assert!(dry.status.success(), "a dry run on a dirty tree only warns");
    assert!(stderr(&dry).contains("warning: a live run would refuse: the working tree has"));
    refused(&repo.ws, &["nothing was done", "uncommitted changes (README.md)", "git stash"]);
    git(&repo.ws, &["checkout", "--", "README.md"]);
    git(&repo.ws, &["commit", "--quiet", "--allow-empty", "--message", "feat: not pushed"]);
    refused(&repo.ws, &["is not origin's main", "git pull --ff-only origin main"]);
    git(&repo.ws, &["reset", "--quiet", "--hard", "HEAD~1"]);
    assert_eq!(repo.origin_tag(&tag), None, "a refused run tagged");
    // (The squash commit is off main now that main was merged the other way.)
    git(&repo.ws, &["tag", "--annotate", &tag, "--message", &tag, squash.trim()]);
    refused(&repo.ws, &["is already tagged", "not in main's history"]);
    git(&repo.ws, &["tag", "--delete", &tag]);

    // A shallow clone cannot tell what was released.
    let url = format!("file://{}", repo.origin.display());
    git(&scratch.path, &["clone", "--quiet", "--depth", "1", &url, "shallow"]);
    refused(&scratch.path.join("shallow"), &["shallow clone", "git fetch --unshallow --tags"]);
}

#[test]
#[ignore = "end to end: runs release-pr on a copy of the workspace; `cargo xtask test` runs it"]
fn a_never_released_repository_proposes_then_tags_its_first_release() {
    let scratch = Scratch::new("release-pr-first");
    let repo = Repo::new(&scratch, "ws");
    let version = repo.version.to_string();
    let tag = format!("v{version}");
    let branch = format!("release/{tag}");

    // The changelog has the section of main's version and nothing unreleased: main is ready,
    // and its tip is what the first release tags.
    let head = git(&repo.ws, &["rev-parse", "HEAD"]).trim().to_owned();
    planned_tag(&repo, &tag, &head);

    // Notes written since: the release pull request folds them into that section.
    let changelog = repo.ws.join("CHANGELOG.md");
    let text = std::fs::read_to_string(&changelog).unwrap();
    let notes = "## [Unreleased]\n\n### Added\n\n- Polygon areas\n\n";
    std::fs::write(&changelog, text.replacen("## [Unreleased]\n\n", notes, 1)).unwrap();
    git(&repo.ws, &["commit", "--quiet", "--all", "--message", "docs: first release notes"]);
    git(&repo.ws, &["push", "--quiet", "origin", "main"]);
    let live = release_pr(&repo.ws, &[]);
    stopped_before_github(&live, &format!("gh pr create --base main --head {branch}"));
    assert!(stderr(&live).contains("nothing is released yet"), "{}", stderr(&live));
    let tip = repo.check_release_branch(&version, &["CHANGELOG.md"], &["Polygon areas"]);

    // Merged by fast-forward: main's tip is tagged, the tag pushed, the release started.
    repo.push_main(&tip);
    let dispatch = format!("gh workflow run release.yml --ref {tag} -f mode=live");
    stopped_before_github(&release_pr(&repo.ws, &[]), &dispatch);
    let peeled = format!("{tag}^{{commit}}");
    assert_eq!(git(&repo.origin, &["rev-parse", &peeled]).trim(), tip, "tag not on main's tip");

    // From then on it is a release like any other: starting it is all that is left.
    let again = release_pr(&repo.ws, &["--dry-run"]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), format!("1. {dispatch}\n"));
}

/// What a release pull request of a new version changes.
const BUMPED: &[&str] = &["CHANGELOG.md", "Cargo.lock", "Cargo.toml"];

/// A copy of the workspace and its bare origin.
struct Repo {
    ws: PathBuf,
    origin: PathBuf,
    version: semver::Version,
}

impl Repo {
    /// A copy with origin, never released.
    fn new(scratch: &Scratch, name: &str) -> Repo {
        let ws = scratch.path.join(name);
        support::copy_workspace(&ws);
        // The scenarios draft their notes from their own commits: whatever the real changelog
        // holds under `## [Unreleased]` today is not theirs.
        let changelog = ws.join("CHANGELOG.md");
        let text = std::fs::read_to_string(&changelog).unwrap();
        let start = text.find("## [Unreleased]").expect("the changelog has ## [Unreleased]");
        let body = start + "## [Unreleased]".len();
        let end = text[body..].find("\n## [").map_or(text.len(), |at| body + at + 1);
        let text = format!("{}\n\n{}", &text[..body], &text[end..]);
        std::fs::write(&changelog, text).unwrap();
        git(&ws, &["commit", "--quiet", "--all", "--message", "docs: no unreleased notes"]);
        let origin = scratch.path.join(format!("{name}-origin.git"));
        let bare = origin.file_name().unwrap().to_str().unwrap();
        git(&scratch.path, &["init", "--quiet", "--bare", "--initial-branch=main", bare]);
        git(&ws, &["remote", "add", "origin", &format!("file://{}", origin.display())]);
        git(&ws, &["push", "--quiet", "--set-upstream", "origin", "main"]);
        let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
        let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
        let version = doc["workspace"]["package"]["version"].as_str().unwrap().parse().unwrap();
        Repo { ws, origin, version }
    }

    /// A copy whose version is released: tagged on its one commit, pushed.
    fn released(scratch: &Scratch, name: &str) -> Repo {
        let repo = Repo::new(scratch, name);
        let tag = format!("v{}", repo.version);
        git(&repo.ws, &["tag", "--annotate", &tag, "--message", &tag]);
        git(&repo.ws, &["push", "--quiet", "origin", &tag]);
        repo
    }

    /// The version a feat or fix calls for (below 1.0, the next patch).
    fn next_patch(&self) -> String {
        assert_eq!(self.version.major, 0, "the scenarios expect a 0.x workspace");
        let v = &self.version;
        format!("{}.{}.{}", v.major, v.minor, v.patch + 1)
    }

    fn commit_and_push(&self, subject: &str) {
        git(&self.ws, &["commit", "--quiet", "--allow-empty", "--message", subject]);
        git(&self.ws, &["push", "--quiet", "origin", "main"]);
    }

    /// Moves origin's main to `commit` (as a merge on GitHub would), and the checkout with it.
    fn push_main(&self, commit: &str) {
        let refspec = format!("{commit}:refs/heads/main");
        git(&self.ws, &["push", "--quiet", "--force", "origin", &refspec]);
        git(&self.ws, &["fetch", "--quiet", "origin"]);
        git(&self.ws, &["reset", "--quiet", "--hard", "origin/main"]);
    }

    fn origin_branch(&self, branch: &str) -> Option<String> {
        let listed = git(
            &self.origin,
            &["for-each-ref", "--format=%(objectname)", &format!("refs/heads/{branch}")],
        );
        Some(listed.trim().to_owned()).filter(|s| !s.is_empty())
    }

    fn origin_tag(&self, tag: &str) -> Option<String> {
        let listed = git(
            &self.origin,
            &["for-each-ref", "--format=%(objectname)", &format!("refs/tags/{tag}")],
        );
        Some(listed.trim().to_owned()).filter(|s| !s.is_empty())
    }

    /// The release branch on origin: exactly one commit on top of origin's main, changing
    /// `files`, the bump to `next` everywhere (`cargo xtask version --check` passes in a clone
    /// of it), with the changelog section listing `entries`. Returns its commit.
    fn check_release_branch(&self, next: &str, files: &[&str], entries: &[&str]) -> String {
        let branch = format!("release/v{next}");
        let tip = self.origin_branch(&branch).expect("the release branch was pushed");
        let main = git(&self.origin, &["rev-parse", "main"]).trim().to_owned();
        assert_eq!(git(&self.origin, &["rev-parse", &format!("{tip}^")]).trim(), main);
        assert_eq!(
            git(&self.origin, &["rev-list", "--count", &format!("main..{tip}")]).trim(),
            "1"
        );
        let subject = git(&self.origin, &["log", "-1", "--format=%s", &tip]);
        assert_eq!(subject.trim(), format!("chore(release): {next}"));
        let changed = git(&self.origin, &["diff", "--name-only", &main, &tip]);
        assert_eq!(changed.lines().collect::<Vec<_>>(), files);

        let clone = self.ws.with_file_name(format!("check-{}", &tip[..10]));
        let url = format!("file://{}", self.origin.display());
        let parent = clone.parent().unwrap();
        git(
            parent,
            &[
                "clone",
                "--quiet",
                "--branch",
                &branch,
                &url,
                clone.file_name().unwrap().to_str().unwrap(),
            ],
        );
        let out = support::xtask(&clone, &["version", "--check"], &[]);
        assert!(out.status.success(), "version --check failed on the release branch");
        let changelog = std::fs::read_to_string(clone.join("CHANGELOG.md")).unwrap();
        let heading = format!("## [{next}] - ");
        let at = changelog.find(&heading).expect("the release's changelog section");
        let section = &changelog[at..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
        for entry in entries {
            assert!(section.contains(&format!("- {entry}\n")), "{entry:?} not in:\n{section}");
        }
        assert!(changelog.contains("## [Unreleased]\n\n## ["), "Unreleased is not emptied");
        tip
    }
}

/// Runs `cargo xtask release-pr ARGS` in `dir`, as the release-pr workflow would but with
/// origin on disk: an identity from the environment, no user configuration, no GitHub token.
fn release_pr(dir: &Path, args: &[&str]) -> Output {
    let argv: Vec<&str> = std::iter::once("release-pr").chain(args.iter().copied()).collect();
    let env: Vec<(&str, String)> = [
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_AUTHOR_NAME", "release-pr e2e"),
        ("GIT_AUTHOR_EMAIL", "e2e@example.invalid"),
        ("GIT_COMMITTER_NAME", "release-pr e2e"),
        ("GIT_COMMITTER_EMAIL", "e2e@example.invalid"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    let mut cmd = support::xtask_command(dir, &argv, &env);
    for var in ["GH_TOKEN", "GITHUB_TOKEN", "GH_HOST", "GH_REPO", "RELEASE_DISPATCH"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    support::show(&argv, &out);
    out
}

/// The dry run plans `tag` on `commit`, and the release workflow on it.
#[track_caller]
fn planned_tag(repo: &Repo, tag: &str, commit: &str) {
    let dry = release_pr(&repo.ws, &["--dry-run"]);
    let plan = String::from_utf8_lossy(&dry.stdout);
    let version = tag.trim_start_matches('v');
    let expected = format!(
        "1. git tag --annotate {tag} --message 'Release {version}' {commit}\n\
         2. git push origin refs/tags/{tag}:refs/tags/{tag}\n\
         3. gh workflow run release.yml --ref {tag} -f mode=live\n"
    );
    assert_eq!(plan, expected);
}

#[track_caller]
fn stopped_before_github(out: &Output, left: &str) {
    let stderr = stderr(out);
    assert!(!out.status.success(), "expected a stop before GitHub");
    assert!(
        stderr.contains("release-pr stopped before GitHub: the git actions are done"),
        "{stderr}"
    );
    assert!(stderr.contains("is not a GitHub repository"), "{stderr}");
    assert!(stderr.contains(left), "{left:?} not in:\n{stderr}");
}

#[track_caller]
fn refused(dir: &Path, needles: &[&str]) {
    let out = release_pr(dir, &[]);
    let stderr = stderr(&out);
    assert!(!out.status.success(), "expected a refusal");
    assert!(!stderr.contains("stopped before GitHub"), "it acted before refusing:\n{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in:\n{stderr}");
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The plan with what changes from run to run as placeholders: commit hashes (7 or more hex
/// digits) as `<sha>`, and the changelog date (today) as `YYYY-MM-DD`.
fn normalized(stdout: &[u8]) -> String {
    let text = String::from_utf8_lossy(stdout);
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hex =
            word.len() >= 7 && word.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        out.push_str(if hex { "<sha>" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    let date = |line: &str| {
        line.strip_prefix("## [").and_then(|l| l.split_once("] - ")).map(|(_, d)| d.to_owned())
    };
    match out.lines().find_map(date) {
        Some(today) => out.replace(&format!("] - {today}"), "] - YYYY-MM-DD"),
        None => out,
    }
}
