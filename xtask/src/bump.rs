//! `cargo xtask bump`: set the next version everywhere it is written, from the one hand-written
//! place (`[workspace.package] version`) to `Cargo.lock` and the changelog, in one reviewable
//! change.
//!
//! The edits are planned first, as pure text transforms of a [`Workspace`] snapshot; `--dry-run`
//! prints them as a unified diff, otherwise they are written (all or none), the coherence check
//! runs again, and only then (when asked) the bump is committed and tagged. A bump that cannot
//! be committed is taken back, leaving the checkout as it was.

pub mod diff;
#[cfg(test)]
mod e2e;
mod edit;
pub mod next;

use anyhow::{Context, Result, bail};
use semver::Version;
use xshell::Shell;

use crate::changelog::{self, commits};
use crate::files::{self, Replacement};
use crate::git::{CommitId, Repo};
use crate::pep440::pep440;
use crate::version;
use crate::workspace::Workspace;
use next::{Step, Target};

/// Whether the bump writes its edits or only shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edits {
    Preview,
    Write,
}

/// What happens after the files are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Leave the edits in the working tree for review.
    Files,
    Commit,
    CommitAndTag,
}

/// One bump, as asked for on the command line.
#[derive(Debug, Clone)]
pub struct BumpRequest {
    pub target: Target,
    pub edits: Edits,
    pub finish: Finish,
    /// The release date for the changelog heading (`YYYY-MM-DD`); today (UTC) if `None`.
    pub date: Option<String>,
}

/// One file's planned edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Relative to the workspace root, with `/` separators.
    pub path: String,
    pub before: String,
    pub after: String,
}

pub fn run(sh: &Shell, ws: &Workspace, cmd: &crate::flags::Bump) -> Result<()> {
    let request = BumpRequest {
        target: cmd.to.parse()?,
        edits: if cmd.dry_run { Edits::Preview } else { Edits::Write },
        finish: match (cmd.commit, cmd.tag) {
            (_, true) => Finish::CommitAndTag,
            (true, false) => Finish::Commit,
            (false, false) => Finish::Files,
        },
        date: cmd.date.clone(),
    };
    if request.edits == Edits::Preview && request.finish != Finish::Files {
        bail!("--dry-run writes nothing, so it cannot --commit or --tag; drop one of them");
    }
    bump(sh, ws, &request).map(drop)
}

/// Bumps the workspace; returns the new version.
pub fn bump(sh: &Shell, ws: &Workspace, request: &BumpRequest) -> Result<Version> {
    let repo = Repo::at(sh, &ws.root);
    let current = ws.version()?;
    if request.edits == Edits::Write {
        require_clean_tree(&repo)?;
    }
    let step = match &request.target {
        Target::Step(step) => step.clone(),
        Target::Auto => auto_step(&repo, ws, &current)?,
    };
    let next = next::next(&current, &step)?;
    let date = match &request.date {
        Some(date) => check_date(date)?,
        None => today_utc(),
    };
    let edits = plan(ws, &next, &date)?;
    if request.finish == Finish::CommitAndTag {
        require_new_tag(&repo, &format!("{}{next}", ws.config.tag_prefix))?;
    }
    if request.edits == Edits::Write
        && request.finish != Finish::Files
        && let Some(problem) = repo.identity_problem()
    {
        bail!(
            "{problem}; nothing was written or committed. Set one and bump again, or bump \
             without --commit and commit the files yourself"
        );
    }
    eprintln!("bump {current} -> {next} (Python: {})", pep440(&next)?);
    let unreleased = ws.changelog.as_deref().and_then(|c| changelog::section(c, "Unreleased"));
    if unreleased.is_some_and(|notes| notes.is_empty()) {
        eprintln!(
            "warning: `## [Unreleased]` in {} is empty, so {next} has no release notes; \
             `cargo xtask changelog --draft` proposes entries from the commits",
            ws.config.changelog
        );
    }
    match request.edits {
        Edits::Preview => {
            for e in &edits {
                print!("{}", diff::unified(&e.path, &e.before, &e.after));
            }
            eprintln!("dry run: nothing written; run without --dry-run to apply");
        }
        Edits::Write => write(&repo, ws, &edits, &next, request.finish)?,
    }
    Ok(next)
}

/// Writes the edits (all or none), checks the versions agree, commits and tags when asked; a
/// bump that cannot be committed is taken back.
fn write(
    repo: &Repo,
    ws: &Workspace,
    edits: &[FileEdit],
    next: &Version,
    finish: Finish,
) -> Result<()> {
    let files: Vec<Replacement> = edits
        .iter()
        .map(|e| Replacement { path: ws.root.join(&e.path), before: &e.before, after: &e.after })
        .collect();
    let head = repo.head()?;
    files::replace_all(&files)?;
    let coherent = Workspace::load(&ws.root)
        .and_then(|reloaded| version::collect(repo.shell(), &reloaded, None))
        .and_then(|report| report.check())
        .context("the bump left the versions incoherent (a bug in the xtask)");
    if let Err(err) = coherent.and_then(|()| commit(repo, edits, next, finish)) {
        return Err(undo(repo, &head, &files, err));
    }
    if finish == Finish::CommitAndTag {
        tag(repo, ws, next)?;
    }
    report_done(ws, edits, next, finish);
    Ok(())
}

/// Every edit that moves the workspace to `next`: the manifests, `Cargo.lock` and the
/// changelog (its `## [Unreleased]` entries become `## [next] - date`).
pub fn plan(ws: &Workspace, next: &Version, date: &str) -> Result<Vec<FileEdit>> {
    let crates = ws.versioned_crates();
    let mut edits = Vec::new();
    let manifests = std::iter::once(("Cargo.toml", &ws.manifest))
        .chain(ws.members.iter().map(|m| (m.manifest_path.as_str(), &m.manifest)));
    for (path, text) in manifests {
        let after = edit::manifest(text, &crates, next).with_context(|| format!("edit {path}"))?;
        edits.push(FileEdit { path: path.to_owned(), before: text.clone(), after });
    }
    let lock = ws.lock.as_deref().context(
        "Cargo.lock not found: expected it committed at the workspace root; create it with \
         `cargo generate-lockfile`",
    )?;
    let after = edit::lock(lock, &crates, next)?;
    edits.push(FileEdit { path: "Cargo.lock".into(), before: lock.to_owned(), after });
    let path = &ws.config.changelog;
    let text = ws.changelog.as_deref().with_context(|| {
        format!("{path} not found: expected the changelog that [workspace.metadata.release] names")
    })?;
    let after = changelog::cut_release(text, &next.to_string(), date, &ws.config.tag_prefix)
        .with_context(|| format!("edit {path}"))?;
    edits.push(FileEdit { path: path.clone(), before: text.to_owned(), after });
    for e in &mut edits {
        e.after = files::keep_line_endings(&e.before, std::mem::take(&mut e.after));
    }
    edits.retain(|e| e.before != e.after);
    Ok(edits)
}

fn auto_step(repo: &Repo, ws: &Workspace, current: &Version) -> Result<Step> {
    if !current.pre.is_empty() {
        bail!(
            "the current version {current} is a pre-release: `auto` steps from a release; use \
             `cargo xtask bump alpha|beta|rc|release` (or name the version)"
        );
    }
    let range = commits::since_last_tag(repo, &ws.config.tag_prefix)?;
    let rec = next::recommend(current, &range.commits);
    eprintln!("bump auto: {}", range.describe());
    for reason in &rec.reasons {
        eprintln!("  {reason}");
    }
    match rec.level {
        Some(level) => {
            eprintln!("  => {} (the highest level called for)", level.as_str());
            Ok(Step::Level(level))
        }
        None => bail!(
            "nothing to release: no feat, fix, perf or breaking commit since {}; to release \
             anyway, name the level (`cargo xtask bump patch`)",
            range.since.as_ref().map_or("the first commit", |(tag, _)| tag.as_str())
        ),
    }
}

/// `--tag` must be able to create the tag: checked before anything is written or committed, so a
/// refusal leaves no half-done bump behind.
fn require_new_tag(repo: &Repo, tag: &str) -> Result<()> {
    if let Some(existing) = repo.resolve(&format!("refs/tags/{tag}"))? {
        bail!(
            "tag {tag} already exists (at {}): expected --tag to create it; nothing was written or \
             committed. If that tag is a mistake, delete it (`git tag --delete {tag}`); otherwise \
             bump to a version that has no tag yet",
            existing.short()
        );
    }
    Ok(())
}

fn require_clean_tree(repo: &Repo) -> Result<()> {
    let dirty = repo.dirty_files()?;
    if !dirty.is_empty() {
        bail!(
            "the working tree has uncommitted changes:\n{}\nexpected a clean tree, so that the \
             bump is one change of its own; commit or stash them (`git stash \
             --include-untracked`), or preview with `cargo xtask bump … --dry-run`",
            dirty.join("\n")
        );
    }
    Ok(())
}

/// The subject of a bump commit, made here and by the release pull request alike.
pub fn commit_message(next: &Version) -> String {
    format!("chore(release): {next}")
}

/// Commits the bump's files when asked to.
fn commit(repo: &Repo, edits: &[FileEdit], next: &Version, finish: Finish) -> Result<()> {
    if finish == Finish::Files {
        return Ok(());
    }
    let paths: Vec<&str> = edits.iter().map(|e| e.path.as_str()).collect();
    repo.commit_paths(&paths, &commit_message(next)).context("commit the bump")
}

/// Takes a failed bump back: the files get their old texts and leave the index, so the
/// checkout is as it was before the bump.
fn undo(
    repo: &Repo,
    head_before: &CommitId,
    files: &[Replacement],
    err: anyhow::Error,
) -> anyhow::Error {
    if repo.head().ok().as_ref() != Some(head_before) {
        // Someone committed meanwhile (a second bump, say): the old texts would now undo
        // their commit in the working tree, so the files stay as they are.
        return err.context(format!(
            "the bump failed, and HEAD moved while it ran (from {}; another bump or commit at \
             the same time?), so the files are left as they are: check `git log -1` and `git \
             status`",
            head_before.short()
        ));
    }
    let root = repo.root();
    let paths: Vec<&str> =
        files.iter().filter_map(|f| f.path.strip_prefix(root).ok()?.to_str()).collect();
    match files::restore(files).and_then(|()| repo.unstage(&paths)) {
        Ok(()) => err.context(
            "the bump was taken back: the files are as they were and nothing was committed; \
             fix the cause below and bump again",
        ),
        Err(also) => err.context(format!(
            "the bump failed, and taking it back failed too ({also:#}); restore the files with \
             `git checkout HEAD -- {}`",
            crate::shell::words(&paths)
        )),
    }
}

/// Tags the bump commit. A failure here keeps the commit, and says how to tag it by hand.
fn tag(repo: &Repo, ws: &Workspace, next: &Version) -> Result<()> {
    let tag = format!("{}{next}", ws.config.tag_prefix);
    let tag_message = format!("Release {next}");
    repo.tag_annotated(&tag, &tag_message).with_context(|| {
        format!(
            "the bump is committed, but tagging it {tag} failed: fix the cause below, then tag \
             it with `git tag --annotate {tag} --message \"{tag_message}\"`"
        )
    })
}

fn report_done(ws: &Workspace, edits: &[FileEdit], next: &Version, finish: Finish) {
    let tag = format!("{}{next}", ws.config.tag_prefix);
    match finish {
        Finish::Files => {
            let paths: Vec<&str> = edits.iter().map(|e| e.path.as_str()).collect();
            eprintln!(
                "wrote {}; review with `git diff`, then commit and tag (or rerun with --commit \
                 --tag next time)",
                paths.join(", ")
            );
        }
        Finish::Commit => eprintln!(
            "committed {}; tag it with `git tag --annotate {tag}` when ready",
            commit_message(next)
        ),
        Finish::CommitAndTag => eprintln!(
            "committed and tagged {tag}; push both with `git push --atomic origin HEAD {tag}`"
        ),
    }
}

fn check_date(date: &str) -> Result<String> {
    if crate::changelog::is_calendar_date(date) {
        Ok(date.to_owned())
    } else {
        bail!(
            "--date {date}: expected a real date as YYYY-MM-DD (the form of Keep a Changelog \
             headings), like {}",
            today_utc()
        )
    }
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// Days since 1970-01-01 → `YYYY-MM-DD` (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A changelog (or any file) with CRLF line endings keeps them: no line of the bump ends
    /// in a bare LF.
    #[test]
    fn edits_keep_each_files_line_endings() {
        let mut ws = crate::workspace::fixture::workspace(
            "1.0.0",
            serde_json::json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                "wheels": [{"target": "x86_64-apple-darwin", "runner": "r",
                            "platform": "macosx_10_12", "python": ["3.10"]}]}}),
        );
        ws.lock = Some("version = 4\n\n[[package]]\nname = \"core\"\nversion = \"1.0.0\"\n".into());
        let changelog = "# Changelog\n\n## [Unreleased]\n\n- Fixed.\n\n## [1.0.0] - 2026-01-01\n\n- First.\n\n\
                         [Unreleased]: https://github.com/o/r/compare/v1.0.0...HEAD\n\
                         [1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n";
        ws.changelog = Some(changelog.replace('\n', "\r\n"));
        let edits = plan(&ws, &Version::new(1, 0, 1), "2026-02-02").unwrap();
        let edit = edits.iter().find(|e| e.path == "CHANGELOG.md").unwrap();
        assert!(edit.after.contains("## [1.0.1] - 2026-02-02\r\n"), "{:?}", edit.after);
        assert_eq!(edit.after.matches('\n').count(), edit.after.matches("\r\n").count());
        let lock = edits.iter().find(|e| e.path == "Cargo.lock").unwrap();
        assert!(!lock.after.contains('\r'), "an LF file stays LF");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_513), "2026-03-01");
        assert_eq!(civil_date(19_722), "2023-12-31");
        assert!(check_date("2030-01-02").is_ok());
        assert!(check_date("2028-02-29").is_ok());
        assert!(check_date("2030-1-2").is_err());
        assert!(check_date("tomorrow").is_err());
        for impossible in ["2026-13-45", "2026-02-29", "2026-04-31", "2026-00-10", "2026-01-00"] {
            let err = check_date(impossible).unwrap_err().to_string();
            assert!(err.contains("expected a real date"), "{impossible}: {err}");
        }
        assert_eq!(today_utc().len(), 10);
    }
}
