//! The one owner of git: every git command the xtask runs is spawned here, on a [`Repo`] (as
//! release-plz's `git_cmd::Repo`). Callers ask questions — HEAD, is the tree clean, which tags,
//! the default branch — and get typed answers; none of them parses git's output or decides
//! what counts as dirty.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::{Cmd, Shell, cmd};

/// A git repository: the checkout the xtask works on, or another one (a registry's index).
#[derive(Debug, Clone, Copy)]
pub struct Repo<'a> {
    sh: &'a Shell,
    root: &'a Path,
}

checked_string!(
    /// A full commit id (SHA-1 or SHA-256, lower-case hex), valid by construction: a failed read
    /// of HEAD is an error, never an empty id recorded in its place.
    CommitId,
    |id| {
        let hex = id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex && (id.len() == 40 || id.len() == 64) {
            Ok(id)
        } else {
            Err(format!("expected a full commit id (40 or 64 hex digits), found {id:?}"))
        }
    }
);

impl CommitId {
    /// The first ten digits, as people quote a commit.
    pub fn short(&self) -> &str {
        short(&self.0)
    }
}

/// The first ten characters of a commit id, for messages.
pub fn short(id: &str) -> &str {
    let id = id.trim();
    id.get(..10).unwrap_or(id)
}

/// One commit of a log: its id, subject line and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub hash: String,
    pub subject: String,
    pub body: String,
}

/// Branches and tags as `git ls-remote --symref` (or `git show-ref --dereference`) lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    /// The branch HEAD names: the default branch (remote listings only).
    pub default_branch: Option<String>,
    /// Branch name → commit.
    pub heads: std::collections::BTreeMap<String, String>,
    /// Tag name → the commit it points at (annotated tags peeled).
    pub tags: std::collections::BTreeMap<String, String>,
}

/// Where a release tag must be reachable from: origin's default branch (fetched when missing),
/// or, without a remote, the checkout's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultBranch {
    pub name: String,
    /// The ref that holds it here (`refs/remotes/origin/main`, `refs/heads/main`).
    pub reference: String,
}

/// The remote every release-pr push and default-branch question goes to.
pub const ORIGIN: &str = "origin";

impl<'a> Repo<'a> {
    /// The checkout at `root`, which must be one: the version check, the bump, the changelog
    /// draft and the release read its tags and commits.
    pub fn open(sh: &'a Shell, root: &'a Path) -> Result<Repo<'a>> {
        if which::which("git").is_err() {
            bail!(
                "git not found on PATH: expected git to read the tags and commits of {}; \
                 install it (Debian/Ubuntu: `apt-get install git`)",
                root.display()
            );
        }
        let repo = Repo { sh, root };
        let inside = repo.git(&["rev-parse", "--is-inside-work-tree"]).ignore_stderr().read();
        if !inside.is_ok_and(|out| out.trim() == "true") {
            bail!(
                "{} is not a git checkout: expected a clone of the repository (this command \
                 reads its tags and commits); work in a clone (`git clone <repository URL>`), \
                 not in an exported copy",
                root.display()
            );
        }
        Ok(repo)
    }

    /// A repository used only for reading (a registry's index), without the checks of
    /// [`Repo::open`].
    pub fn at(sh: &'a Shell, root: &'a Path) -> Repo<'a> {
        Repo { sh, root }
    }

    pub fn root(&self) -> &Path {
        self.root
    }

    /// The shell this repository's commands run in.
    pub fn shell(&self) -> &'a Shell {
        self.sh
    }

    /// `git <args>` in this repository, quiet (the caller decides what to show).
    fn git(&self, args: &[&str]) -> Cmd<'a> {
        let root = self.root;
        cmd!(self.sh, "git -C {root} {args...}").quiet()
    }

    fn read(&self, args: &[&str]) -> Result<String> {
        let out = self.git(args).ignore_status().output()?;
        if !out.status.success() {
            bail!(
                "`git {}` failed in {}: {}",
                args.join(" "),
                self.root.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    }

    /// Whether `git <args>` succeeds (a yes/no question git answers by its exit status).
    fn holds(&self, args: &[&str]) -> bool {
        self.git(args).ignore_stdout().ignore_stderr().run().is_ok()
    }

    pub fn head(&self) -> Result<CommitId> {
        let head = self.read(&["rev-parse", "HEAD"]).context("read HEAD")?;
        CommitId::try_from(head).map_err(anyhow::Error::msg)
    }

    /// The commit `rev` names (a tag is peeled to its commit), or `None` when there is none.
    pub fn resolve(&self, rev: &str) -> Result<Option<CommitId>> {
        let spec = format!("{rev}^{{commit}}");
        let out = self.git(&["rev-parse", "--quiet", "--verify", &spec]).ignore_status().read()?;
        let out = out.trim();
        if out.is_empty() { Ok(None) } else { Ok(Some(CommitId(out.to_owned()))) }
    }

    /// Whether `reference` exists (`refs/tags/v1.0.0`, `refs/heads/main`).
    pub fn has_ref(&self, reference: &str) -> bool {
        self.holds(&["rev-parse", "--quiet", "--verify", reference])
    }

    /// HEAD's commit time, in seconds since 1970 (for `SOURCE_DATE_EPOCH`).
    pub fn commit_time(&self) -> Result<String> {
        self.read(&["log", "-1", "--format=%ct"]).context("read the commit time")
    }

    /// What makes the tree dirty, one `git status` line per file. The one rule: a tracked file
    /// with changes (staged or not) or an untracked file that is not ignored — `cargo package`
    /// packs untracked files, and a commit made next to one is a state no reviewer can see.
    pub fn dirty_files(&self) -> Result<Vec<String>> {
        let status = self
            .read(&["status", "--porcelain", "--untracked-files=normal"])
            .context("check the working tree with `git status`")?;
        Ok(status.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect())
    }

    /// Whether `path` (relative to the root, `/`-separated; a trailing `/` for a directory that
    /// may not exist yet) is ignored by git.
    pub fn is_ignored(&self, path: &str) -> bool {
        self.holds(&["check-ignore", "--quiet", path])
    }

    pub fn is_shallow(&self) -> Result<bool> {
        Ok(self.read(&["rev-parse", "--is-shallow-repository"])? == "true")
    }

    /// Fails, naming the fix, when the checkout is shallow: its history stops early, so "the
    /// commits since the last tag" would silently be the wrong ones.
    pub fn require_full_history(&self) -> Result<()> {
        if self.is_shallow()? {
            bail!(
                "{} is a shallow clone: expected the full history and tags, to find the commits \
                 since the last release tag; fetch them with `git fetch --unshallow --tags`",
                self.root.display()
            );
        }
        Ok(())
    }

    /// What is wrong, with its fix, when git has no identity to commit and tag with.
    pub fn identity_problem(&self) -> Option<String> {
        let known = ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"]
            .into_iter()
            .all(|who| self.git(&["var", who]).ignore_stderr().read().is_ok());
        (!known).then(|| {
            "git has no identity to commit and tag with: expected user.name and user.email \
             (`git config user.name …`), or GIT_AUTHOR_NAME/EMAIL and GIT_COMMITTER_NAME/EMAIL"
                .to_owned()
        })
    }

    /// The tags matching `pattern` that point at HEAD.
    pub fn tags_at_head(&self, pattern: &str) -> Result<Vec<String>> {
        let tags = self
            .read(&["tag", "--points-at", "HEAD", "--list", pattern])
            .context("list the tags at HEAD with `git tag --points-at HEAD`")?;
        Ok(lines(&tags))
    }

    /// The tags matching `pattern` that HEAD's history contains.
    pub fn tags_merged(&self, pattern: &str) -> Result<Vec<String>> {
        let tags = self
            .read(&["tag", "--merged", "HEAD", "--list", pattern])
            .context("list the release tags with `git tag --merged HEAD`")?;
        Ok(lines(&tags))
    }

    /// Whether `tag` is an annotated tag (a tag object), rather than a lightweight one.
    pub fn is_annotated(&self, tag: &str) -> Result<bool> {
        let reference = format!("refs/tags/{tag}");
        Ok(self.read(&["cat-file", "-t", &reference])? == "tag")
    }

    /// Verifies the SSH signature of `tag` against `allowed_signers`; `Err` holds git's words.
    pub fn verify_tag(&self, tag: &str, allowed_signers: &Path) -> Result<Result<(), String>> {
        let signers = format!("gpg.ssh.allowedSignersFile={}", allowed_signers.display());
        let args = ["-c", "gpg.format=ssh", "-c", &signers, "verify-tag", tag];
        let out = self.git(&args).ignore_stdout().ignore_status().output()?;
        if out.status.success() {
            return Ok(Ok(()));
        }
        let why = String::from_utf8_lossy(&out.stderr);
        Ok(Err(why.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")))
    }

    pub fn is_ancestor(&self, commit: &str, of: &str) -> bool {
        self.holds(&["merge-base", "--is-ancestor", commit, of])
    }

    /// The commits of `range` (`A..B`, or a commit and its history), oldest first, merge
    /// commits left out (their branches' commits are in the list already).
    pub fn log(&self, range: &str) -> Result<Vec<Commit>> {
        let format = "--format=%H%x1f%s%x1f%b%x1e";
        let log = self
            .read(&["log", "--no-merges", "--reverse", format, range])
            .with_context(|| format!("read the commits with `git log {range}`"))?;
        Ok(parse_log(&log))
    }

    /// HEAD's first-parent history, newest first.
    pub fn first_parents(&self) -> Result<Vec<String>> {
        Ok(lines(&self.read(&["rev-list", "--first-parent", "HEAD"])?))
    }

    /// The contents of `<commit>:<path>` objects, `None` for those that do not exist, read in
    /// one `git cat-file --batch`.
    pub fn blobs(&self, specs: &[String]) -> Result<Vec<Option<String>>> {
        let input: String = specs.iter().map(|s| format!("{s}\n")).collect();
        let out = self.git(&["cat-file", "--batch"]).stdin(input).output()?;
        parse_batch(&out.stdout)
    }

    /// The text of `<rev>:<path>`, or `None` when that file does not exist there.
    pub fn show(&self, rev: &str, path: &str) -> Result<Option<String>> {
        Ok(self.blobs(&[format!("{rev}:{path}")])?.pop().flatten())
    }

    /// The local tags, peeled (`git show-ref --tags --dereference`).
    pub fn local_tags(&self) -> Result<Refs> {
        let listed = self.git(&["show-ref", "--tags", "--dereference"]).ignore_status().read()?;
        Ok(parse_refs(&listed))
    }

    /// origin's URL, or `None` without such a remote.
    pub fn origin_url(&self) -> Option<String> {
        let url = self.git(&["remote", "get-url", ORIGIN]).ignore_stderr().read().ok()?;
        Some(url.trim().to_owned()).filter(|u| !u.is_empty())
    }

    /// origin's default branch, branches and tags, in one `git ls-remote`.
    pub fn origin_refs(&self) -> Result<Refs> {
        let mut args: Vec<&str> = Vec::new();
        let auth = auth_config();
        args.extend(auth.iter().map(String::as_str));
        args.extend(["ls-remote", "--symref", ORIGIN, "HEAD", "refs/heads/*", "refs/tags/*"]);
        let listing = self.read(&args).context(
            "read origin's branches and tags with `git ls-remote origin`: check the remote's \
             URL and access (`git remote -v`; in GitHub Actions, GH_TOKEN)",
        )?;
        Ok(parse_refs(&listing))
    }

    /// The branch a release tag must be on. With a remote `origin`: its default branch — from
    /// the GitHub event payload when there is one (no network), else from origin itself —
    /// fetched when this checkout lacks it or is shallow. Without a remote: the checkout's own
    /// `init.defaultBranch`, `main` or `master`. `Err(problem)` says what is missing and how to
    /// get it.
    pub fn default_branch(&self, purpose: &str) -> Result<Result<DefaultBranch, String>> {
        if self.origin_url().is_none() {
            return Ok(self.local_default_branch()?.ok_or_else(|| {
                format!(
                    "no default branch to check {purpose}: expected a remote `origin` or \
                     a local branch `main` (or `master`, or `init.defaultBranch`); create it \
                     (`git branch main`)"
                )
            }));
        }
        let Some(name) = event_default_branch().or_else(|| self.origin_refs().ok()?.default_branch)
        else {
            return Ok(Err(format!(
                "cannot tell the default branch of `origin`: expected `git ls-remote --symref \
                 origin HEAD` to name it, to check {purpose}; check the remote's URL and access \
                 (`git remote -v`)"
            )));
        };
        let reference = format!("refs/remotes/{ORIGIN}/{name}");
        let shallow = self.is_shallow()?;
        if shallow || !self.has_ref(&reference) {
            eprintln!("    fetching {name} from origin to check {purpose}");
            let refspec = format!("+refs/heads/{name}:{reference}");
            let mut args = vec!["fetch", "--quiet", "--no-tags"];
            args.extend(shallow.then_some("--unshallow"));
            args.extend([ORIGIN, refspec.as_str()]);
            if !self.holds(&args) {
                return Ok(Err(format!(
                    "cannot fetch the default branch `{name}` from origin to check {purpose}: \
                     expected `git fetch origin {name}` to work; check the network and the \
                     remote's access"
                )));
            }
        }
        Ok(Ok(DefaultBranch { name, reference }))
    }

    fn local_default_branch(&self) -> Result<Option<DefaultBranch>> {
        let configured =
            self.git(&["config", "--get", "init.defaultBranch"]).ignore_status().read()?;
        for name in [configured.trim(), "main", "master"].into_iter().filter(|b| !b.is_empty()) {
            let reference = format!("refs/heads/{name}");
            if self.has_ref(&reference) {
                return Ok(Some(DefaultBranch { name: name.to_owned(), reference }));
            }
        }
        Ok(None)
    }

    /// Stages exactly `paths` and commits them (and only them) with `message`.
    pub fn commit_paths(&self, paths: &[&str], message: &str) -> Result<()> {
        let mut add = vec!["add", "--"];
        add.extend(paths);
        self.read(&add).context("stage the files")?;
        let mut commit = vec!["commit", "--quiet", "--message", message, "--"];
        commit.extend(paths);
        self.read(&commit).map(drop)
    }

    /// Takes `paths` out of the index again (their changes stay in the working tree).
    pub fn unstage(&self, paths: &[&str]) -> Result<()> {
        let mut args = vec!["reset", "--quiet", "--"];
        args.extend(paths);
        self.read(&args).map(drop)
    }

    /// An annotated tag on HEAD.
    pub fn tag_annotated(&self, tag: &str, message: &str) -> Result<()> {
        self.read(&["tag", "--annotate", tag, "--message", message]).map(drop)
    }

    /// Runs a git command that a plan spelled out as data (release-pr's tag and push actions);
    /// `Auth::Origin` hands origin `GH_TOKEN` through a credential helper.
    pub fn run_planned(&self, args: &[String], auth: Auth) -> Result<()> {
        let mut all: Vec<String> = match auth {
            Auth::Origin => auth_config(),
            Auth::None => Vec::new(),
        };
        all.extend(args.iter().cloned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        self.read(&all).map(drop)
    }

    /// Commits `files` (path, text) on top of `parent` as `message` and points `branch` at the
    /// commit, with git's plumbing in an index of its own: the working tree, the index and the
    /// checked-out branch stay as they are. Returns the new commit.
    pub fn commit_onto(
        &self,
        parent: &str,
        files: &[(&str, &str)],
        message: &str,
        branch: &str,
    ) -> Result<String> {
        let index =
            self.read(&["rev-parse", "--path-format=absolute", "--git-path", "xtask.index"])?;
        let index = PathBuf::from(index.trim());
        let _ = std::fs::remove_file(&index);
        let with_index = |args: &[&str]| -> Result<String> {
            let out = self.git(args).env("GIT_INDEX_FILE", &index).ignore_status().output()?;
            if !out.status.success() {
                bail!("`git {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        with_index(&["read-tree", parent])?;
        for (path, text) in files {
            let blob =
                self.git(&["hash-object", "-w", "--stdin", "--path", path]).stdin(*text).read()?;
            let listed = self.read(&["ls-tree", parent, "--", path])?;
            let mode = listed.split_whitespace().next().unwrap_or("100644");
            let entry = format!("{mode},{},{path}", blob.trim());
            with_index(&["update-index", "--add", "--cacheinfo", &entry])?;
        }
        let tree = with_index(&["write-tree"])?;
        let made = self.read(&["commit-tree", &tree, "-p", parent, "-m", message])?;
        self.read(&["update-ref", &format!("refs/heads/{branch}"), &made])?;
        let _ = std::fs::remove_file(&index);
        Ok(made)
    }
}

/// Whether a planned git command talks to origin (and needs its credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    Origin,
}

/// `-c` options that make git answer origin's credential request with `GH_TOKEN`, when it is
/// set (empty otherwise: the user's own credentials apply). In GitHub Actions the checkout keeps
/// no credentials (`persist-credentials: false`), so git gets a credential helper that reads the
/// variable when git calls it: the token never appears on a command line, in the repository's
/// configuration or in the log. The first, empty `credential.helper` drops any helper
/// configured before, so that no other one is asked or told the token.
fn auth_config() -> Vec<String> {
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

/// The repository's default branch as the GitHub event payload names it, if there is one.
fn event_default_branch() -> Option<String> {
    let path = std::env::var("GITHUB_EVENT_PATH").ok()?;
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    event["repository"]["default_branch"].as_str().map(str::to_owned)
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// Parses `git log --format=%H%x1f%s%x1f%b%x1e` output.
pub fn parse_log(log: &str) -> Vec<Commit> {
    log.split('\x1e')
        .filter_map(|record| {
            let mut fields = record.trim_start_matches('\n').splitn(3, '\x1f');
            let hash = fields.next()?.trim();
            if hash.is_empty() {
                return None;
            }
            Some(Commit {
                hash: hash.to_owned(),
                subject: fields.next().unwrap_or("").trim().to_owned(),
                body: fields.next().unwrap_or("").trim().to_owned(),
            })
        })
        .collect()
}

/// Parses `git ls-remote --symref` (or `git show-ref --dereference`) output: `<sha> <ref>` per
/// line, `ref: refs/heads/<branch>\tHEAD` for the symbolic HEAD, `<ref>^{}` for the commit an
/// annotated tag points at.
pub fn parse_refs(text: &str) -> Refs {
    let mut refs = Refs::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("ref: ") {
            let mut parts = rest.split_whitespace();
            if let (Some(target), Some("HEAD")) = (parts.next(), parts.next()) {
                refs.default_branch = target.strip_prefix("refs/heads/").map(str::to_owned);
            }
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(sha), Some(name)) = (parts.next(), parts.next()) else { continue };
        if let Some(branch) = name.strip_prefix("refs/heads/") {
            refs.heads.insert(branch.to_owned(), sha.to_owned());
        } else if let Some(tag) = name.strip_prefix("refs/tags/") {
            // The peeled line comes after the tag object's, and wins.
            if let Some(tag) = tag.strip_suffix("^{}") {
                refs.tags.insert(tag.to_owned(), sha.to_owned());
            } else {
                refs.tags.entry(tag.to_owned()).or_insert_with(|| sha.to_owned());
            }
        }
    }
    refs
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

    #[test]
    fn listing() {
        let text = "ref: refs/heads/main\tHEAD\n\
                    aaa\tHEAD\n\
                    aaa\trefs/heads/main\n\
                    bbb\trefs/heads/release/v0.2.0\n\
                    t01\trefs/tags/v0.1.0\n\
                    c01\trefs/tags/v0.1.0^{}\n\
                    c02\trefs/tags/light\n";
        let refs = parse_refs(text);
        assert_eq!(refs.default_branch.as_deref(), Some("main"));
        assert_eq!(refs.heads["main"], "aaa");
        assert_eq!(refs.heads["release/v0.2.0"], "bbb");
        assert_eq!(refs.tags["v0.1.0"], "c01", "annotated tags are peeled");
        assert_eq!(refs.tags["light"], "c02");
        // `git show-ref --tags --dereference` separates with a space, and has no HEAD.
        let local = parse_refs("t01 refs/tags/v0.1.0\nc01 refs/tags/v0.1.0^{}\n");
        assert_eq!(local.tags["v0.1.0"], "c01");
        assert_eq!(local.default_branch, None);
        assert_eq!(parse_refs(""), Refs::default());
    }

    #[test]
    fn log_records() {
        let log = "aaa\x1ffeat: one\x1f\x1e\nbbb\x1ffix: two\x1fbody\nBREAKING CHANGE: x\n\x1e\n";
        let commits = parse_log(log);
        assert_eq!(commits.len(), 2);
        assert_eq!(
            commits[1],
            Commit {
                hash: "bbb".into(),
                subject: "fix: two".into(),
                body: "body\nBREAKING CHANGE: x".into()
            }
        );
    }

    #[test]
    fn commit_ids_are_full_hex() {
        let id = CommitId::try_from("a".repeat(40)).unwrap();
        assert_eq!(id.short(), "aaaaaaaaaa");
        assert!(CommitId::try_from("b".repeat(64)).is_ok());
        for bad in ["", "abc", &"A".repeat(40), &"g".repeat(40), &" ".repeat(40)] {
            assert!(CommitId::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
    }
}
