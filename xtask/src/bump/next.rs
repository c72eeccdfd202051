//! The next version: what `major`, `minor`, `patch`, `alpha`, `beta`, `rc`, `release`, an
//! explicit version and `auto` (Conventional Commits) mean for a given current version.
//!
//! The rules are npm's and cargo-release's: a level bump on a pre-release of that same level
//! finishes the pre-release (`1.2.0-rc.1` + `minor` → `1.2.0`), a pre-release bump on a release
//! starts the next patch (`0.1.0` + `alpha` → `0.1.1-alpha.1`), and pre-releases only move
//! forward (alpha → beta → rc → release). The `--help` of `cargo xtask bump` states them.

use std::str::FromStr;

use anyhow::{Result, bail};
use semver::{BuildMetadata, Prerelease, Version};

use crate::changelog::commits::{self, Commit};
use crate::pep440::{PRE_RELEASES, pep440};

/// A SemVer level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Patch,
    Minor,
    Major,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

/// A pre-release stage, in SemVer (and PEP 440) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pre {
    Alpha,
    Beta,
    Rc,
}

impl Pre {
    fn word(self) -> &'static str {
        PRE_RELEASES[self as usize].0
    }

    fn from_word(word: &str) -> Option<Pre> {
        [Pre::Alpha, Pre::Beta, Pre::Rc].into_iter().find(|p| p.word() == word)
    }
}

/// One step from the current version to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Level(Level),
    Pre(Pre),
    Release,
    Exact(Version),
}

/// What `cargo xtask bump` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Step(Step),
    /// Derive the level from the Conventional Commits since the last release tag.
    Auto,
}

impl FromStr for Target {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Target> {
        let step = match s {
            "auto" => return Ok(Target::Auto),
            "major" => Step::Level(Level::Major),
            "minor" => Step::Level(Level::Minor),
            "patch" => Step::Level(Level::Patch),
            "release" => Step::Release,
            _ => match Pre::from_word(s) {
                Some(pre) => Step::Pre(pre),
                None => match Version::parse(s.strip_prefix('v').unwrap_or(s)) {
                    Ok(v) => Step::Exact(v),
                    Err(err) => bail!(
                        "`{s}` is not a bump: expected major, minor, patch, alpha, beta, rc, \
                         release, auto or a version X.Y.Z[-(alpha|beta|rc).N] ({err})"
                    ),
                },
            },
        };
        Ok(Target::Step(step))
    }
}

/// The version after `step`, refused if it is not newer or has no PEP 440 form.
pub fn next(current: &Version, step: &Step) -> Result<Version> {
    let mut v = current.clone();
    v.build = BuildMetadata::EMPTY;
    let is_pre = !current.pre.is_empty();
    match step {
        Step::Level(Level::Major) => {
            if !(is_pre && v.minor == 0 && v.patch == 0) {
                v.major += 1;
            }
            (v.minor, v.patch, v.pre) = (0, 0, Prerelease::EMPTY);
        }
        Step::Level(Level::Minor) => {
            if !(is_pre && v.patch == 0) {
                v.minor += 1;
            }
            (v.patch, v.pre) = (0, Prerelease::EMPTY);
        }
        Step::Level(Level::Patch) => {
            if !is_pre {
                v.patch += 1;
            }
            v.pre = Prerelease::EMPTY;
        }
        Step::Pre(want) => v = next_pre(current, *want)?,
        Step::Release => {
            if !is_pre {
                bail!(
                    "{current} is already a release: `release` finishes a pre-release; use \
                     patch, minor or major"
                );
            }
            v.pre = Prerelease::EMPTY;
        }
        Step::Exact(exact) => v = exact.clone(),
    }
    if v <= *current {
        bail!(
            "{v} is not newer than the current version {current}: expected a higher version; \
             versions only move forward (a published version can never be reused)"
        );
    }
    pep440(&v)?;
    Ok(v)
}

/// The next pre-release of stage `want`: from a release, number 1 of the next patch; from the
/// same stage, the next number; from an earlier stage, number 1 of this one; never backwards.
fn next_pre(current: &Version, want: Pre) -> Result<Version> {
    let mut v = Version::new(current.major, current.minor, current.patch);
    let n = match pre_parts(current)? {
        None => {
            v.patch += 1;
            1
        }
        Some((have, n)) if have == want => n + 1,
        Some((have, _)) if have < want => 1,
        Some((have, _)) => bail!(
            "{current} is already past {}: a pre-release cannot go back from {} to {}; name the \
             version, e.g. `cargo xtask bump {}.{}.{}-{}.1`",
            want.word(),
            have.word(),
            want.word(),
            v.major,
            v.minor,
            v.patch + 1,
            want.word()
        ),
    };
    v.pre = Prerelease::new(&format!("{}.{n}", want.word()))?;
    Ok(v)
}

/// The current pre-release as (stage, number), `None` for a release.
fn pre_parts(v: &Version) -> Result<Option<(Pre, u64)>> {
    if v.pre.is_empty() {
        return Ok(None);
    }
    let parsed = v
        .pre
        .as_str()
        .split_once('.')
        .and_then(|(word, n)| Some((Pre::from_word(word)?, n.parse::<u64>().ok()?)));
    match parsed {
        Some(parts) => Ok(Some(parts)),
        None => bail!(
            "the current version {v} has a pre-release we do not publish (`-{}`): expected \
             -alpha.N, -beta.N or -rc.N; name the next version, e.g. `cargo xtask bump \
             {}.{}.{}-alpha.1`",
            v.pre,
            v.major,
            v.minor,
            v.patch
        ),
    }
}

/// The level the commits call for, with one line of reasoning per commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub level: Option<Level>,
    pub reasons: Vec<String>,
}

/// Conventional Commits → level. From 1.0.0: a breaking change (`!` or a `BREAKING CHANGE:`
/// footer) is major, `feat` minor, `fix` and `perf` patch. Before 1.0.0 Cargo treats `0.y` as
/// the compatibility level, so everything shifts down one: breaking is minor, `feat`, `fix` and
/// `perf` are patch (release-please's `bump-minor-pre-major` + `bump-patch-for-minor-pre-major`).
/// Other types (docs, chore, ci, test, refactor, …) and other commits call for no release.
pub fn recommend(current: &Version, commits: &[Commit]) -> Recommendation {
    let initial = current.major == 0;
    let mut level = None;
    let mut reasons = Vec::new();
    for commit in commits {
        let (found, why) = match commits::parse(commit) {
            None => (None, "not a Conventional Commit".to_owned()),
            Some(c) if c.breaking && initial => {
                (Some(Level::Minor), "breaking (0.x: minor)".into())
            }
            Some(c) if c.breaking => (Some(Level::Major), "breaking: major".into()),
            Some(c) if c.kind == "feat" && initial => {
                (Some(Level::Patch), "feature (0.x: patch)".into())
            }
            Some(c) if c.kind == "feat" => (Some(Level::Minor), "feature: minor".into()),
            Some(c) if c.kind == "fix" || c.kind == "perf" => {
                (Some(Level::Patch), format!("{}: patch", c.kind))
            }
            Some(c) => (None, format!("{}: no release", c.kind)),
        };
        level = level.max(found);
        let short = commit.hash.get(..8).unwrap_or(&commit.hash);
        reasons.push(format!("{short} {}  → {why}", commit.subject));
    }
    Recommendation { level, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changelog::commits::commit;

    #[track_caller]
    fn check(current: &str, target: &str, expected: Result<&str, &str>) {
        let current = Version::parse(current).unwrap();
        let Target::Step(step) = target.parse::<Target>().unwrap() else { panic!("auto") };
        match (next(&current, &step), expected) {
            (Ok(found), Ok(want)) => assert_eq!(found.to_string(), want, "{current} + {target}"),
            (Err(err), Err(needle)) => {
                let msg = format!("{err:#}");
                assert!(msg.contains(needle), "{current} + {target}: `{msg}` lacks `{needle}`");
            }
            (found, want) => panic!("{current} + {target}: expected {want:?}, found {found:?}"),
        }
    }

    #[test]
    fn levels() {
        check("0.1.0", "patch", Ok("0.1.1"));
        check("0.1.0", "minor", Ok("0.2.0"));
        check("0.1.0", "major", Ok("1.0.0"));
        check("1.2.3", "major", Ok("2.0.0"));
        check("1.2.3+build.1", "patch", Ok("1.2.4"));
        // A level bump on a pre-release of that level finishes it.
        check("1.2.4-rc.1", "patch", Ok("1.2.4"));
        check("1.3.0-alpha.2", "minor", Ok("1.3.0"));
        check("1.3.1-alpha.2", "minor", Ok("1.4.0"));
        check("2.0.0-beta.1", "major", Ok("2.0.0"));
        check("2.1.0-beta.1", "major", Ok("3.0.0"));
    }

    #[test]
    fn pre_releases() {
        check("0.1.0", "alpha", Ok("0.1.1-alpha.1"));
        check("0.1.1-alpha.1", "alpha", Ok("0.1.1-alpha.2"));
        check("0.1.1-alpha.9", "alpha", Ok("0.1.1-alpha.10"));
        check("0.1.1-alpha.2", "beta", Ok("0.1.1-beta.1"));
        check("0.1.0", "beta", Ok("0.1.1-beta.1"));
        check("0.1.1-beta.1", "rc", Ok("0.1.1-rc.1"));
        check("0.1.1-rc.1", "rc", Ok("0.1.1-rc.2"));
        check("0.1.1-rc.2", "release", Ok("0.1.1"));
        check("0.1.1-rc.1", "alpha", Err("cannot go back from rc to alpha"));
        check("0.1.1-rc.1", "beta", Err("`cargo xtask bump 0.1.2-beta.1`"));
        check("0.1.0", "release", Err("already a release"));
        check("0.2.0-dev.1", "alpha", Err("pre-release we do not publish"));
    }

    #[test]
    fn exact_versions() {
        check("0.1.0", "0.2.0-alpha.1", Ok("0.2.0-alpha.1"));
        check("0.1.0", "v1.0.0", Ok("1.0.0"));
        check("0.1.0", "0.1.0", Err("not newer"));
        check("0.1.0", "0.0.9", Err("not newer"));
        check("0.1.0", "0.2.0-dev.1", Err("no PEP 440 form"));
        check("0.1.0", "0.2.0+local", Err("build metadata"));
        check("0.1.0", "0.2.0-alpha", Err("no PEP 440 form"));
        let err = "0.2".parse::<Target>().unwrap_err().to_string();
        assert!(err.contains("expected major, minor, patch"), "{err}");
        assert_eq!("auto".parse::<Target>().unwrap(), Target::Auto);
    }

    #[track_caller]
    fn check_auto(current: &str, subjects: &[(&str, &str)], expected: Option<Level>) {
        let commits: Vec<Commit> = subjects.iter().map(|(s, b)| commit(s, b)).collect();
        let rec = recommend(&Version::parse(current).unwrap(), &commits);
        assert_eq!(rec.level, expected, "{current} {subjects:?}\n{}", rec.reasons.join("\n"));
        assert_eq!(rec.reasons.len(), commits.len());
    }

    #[test]
    fn auto_from_commits() {
        use Level::*;
        check_auto("1.2.3", &[("fix: a", ""), ("docs: b", "")], Some(Patch));
        check_auto("1.2.3", &[("perf: a", "")], Some(Patch));
        check_auto("1.2.3", &[("fix: a", ""), ("feat(py): b", "")], Some(Minor));
        check_auto("1.2.3", &[("feat!: a", ""), ("fix: b", "")], Some(Major));
        check_auto("1.2.3", &[("fix: a", "BREAKING CHANGE: gone")], Some(Major));
        check_auto("1.2.3", &[("chore: a", ""), ("update readme", "")], None);
        check_auto("1.2.3", &[], None);
        // 0.x: everything one level down.
        check_auto("0.1.0", &[("feat: a", ""), ("fix: b", "")], Some(Patch));
        check_auto("0.1.0", &[("feat: a", ""), ("refactor!: b", "")], Some(Minor));
        check_auto("0.1.0", &[("ci: a", "")], None);
    }

    #[test]
    fn auto_reasoning() {
        let rec = recommend(&Version::new(0, 1, 0), &[commit("feat(xtask): bump", "")]);
        assert_eq!(rec.reasons, ["00000000 feat(xtask): bump  → feature (0.x: patch)"]);
    }
}
