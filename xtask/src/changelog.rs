//! `cargo xtask changelog`: release notes out of `CHANGELOG.md` (Keep a Changelog form), and a
//! draft of the `## [Unreleased]` entries from the Conventional Commits since the last tag.
//!
//! The text functions here are pure (`&str` in, `String` out): the release pipeline reads the
//! notes of a version with [`section`], the coherence check reads [`newest_release`], and
//! `cargo xtask bump` cuts a release out of `## [Unreleased]` with [`cut_release`].

pub mod commits;

use anyhow::{Result, bail};
use xshell::Shell;

use crate::git::Repo;
use crate::{flags, workspace::Workspace};

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Changelog) -> Result<()> {
    let path = &ws.config.changelog;
    match (&cmd.version, cmd.draft) {
        (Some(version), _) => {
            let text = ws.changelog()?;
            let version = version.strip_prefix(ws.config.tag_prefix.as_str()).unwrap_or(version);
            let Some(notes) = section(text, version) else {
                let known = release_names(text);
                bail!(
                    "{path} has no `## [{version}]` section: expected the release notes of \
                     {version} there; found sections for: {}. Cut it from `## [Unreleased]` \
                     with `cargo xtask bump {version}`, or write the section by hand",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                );
            };
            println!("{notes}");
        }
        (None, _) => {
            let range = commits::since_last_tag(&Repo::at(sh, &ws.root), &ws.config.tag_prefix)?;
            eprintln!("{}", range.describe());
            let draft = commits::draft(&range.commits);
            if draft.lines().count() == 1 {
                eprintln!("none of them is a feat, fix, perf or breaking change: nothing to add");
            }
            print!("{draft}");
        }
    }
    Ok(())
}

/// The notes of `## [version]`: everything below its heading up to the next `## ` heading (or the
/// link definitions at the bottom), trimmed. `None` if there is no such section.
pub fn section(changelog: &str, version: &str) -> Option<String> {
    let doc = Doc::parse(changelog);
    let i = doc.headings.iter().position(|h| h.name == version)?;
    let body = doc.body(i);
    Some(body.join("").trim().to_owned())
}

/// The version and date of the newest release heading (`## [X.Y.Z] - YYYY-MM-DD`), skipping
/// `## [Unreleased]`.
pub fn newest_release(changelog: &str) -> Option<(String, String)> {
    let doc = Doc::parse(changelog);
    let h = doc.headings.iter().find(|h| !h.is_unreleased())?;
    Some((h.name.clone(), h.date.clone()))
}

/// The release notes of `version`: its section, which must exist, be dated with a real date and
/// say something — checked before anything is uploaded, since they become the GitHub Release.
/// Each refusal names the fix; `path` is the changelog's path, for the messages.
pub fn release_notes(changelog: &str, path: &str, version: &str) -> Result<String> {
    let doc = Doc::parse(changelog);
    let Some(i) = doc.headings.iter().position(|h| h.name == version) else {
        bail!(
            "{path} has no `## [{version}]` section: expected the release notes of {version}; \
             cut it from `## [Unreleased]` with `cargo xtask bump {version}`"
        );
    };
    let heading = &doc.headings[i];
    if !is_calendar_date(&heading.date) {
        bail!(
            "{path}: `## [{version}]` is not dated: expected `## [{version}] - YYYY-MM-DD` with a \
             real date, found {:?}; write the release date there",
            doc.lines[heading.line].trim_end()
        );
    }
    let notes = doc.body(i).join("").trim().to_owned();
    if notes.is_empty() {
        bail!(
            "{path}: the `## [{version}]` section is empty: expected the release notes of \
             {version} (they become the GitHub Release); write them \
             (`cargo xtask changelog --draft` proposes entries from the commits) and commit"
        );
    }
    Ok(notes)
}

/// What is wrong with the changelog's shape (Keep a Changelog): a `## [Unreleased]` heading for
/// the next release's notes, and every release heading dated with a real date. Empty when fine.
pub fn shape_problems(changelog: &str, path: &str) -> Vec<String> {
    let doc = Doc::parse(changelog);
    let mut problems = Vec::new();
    if !doc.headings.iter().any(Heading::is_unreleased) {
        problems.push(format!(
            "{path} has no `## [Unreleased]` heading: expected Keep a Changelog form, with the \
             next release's notes under it; add `## [Unreleased]` above the newest release"
        ));
    }
    for h in doc.headings.iter().filter(|h| !h.is_unreleased()) {
        if !is_calendar_date(&h.date) {
            problems.push(format!(
                "{path} line {}: `{}` has no real date: expected `## [{}] - YYYY-MM-DD`",
                h.line + 1,
                doc.lines[h.line].trim_end(),
                h.name
            ));
        }
    }
    problems
}

/// Whether `s` is `YYYY-MM-DD` naming a day that exists.
pub fn is_calendar_date(s: &str) -> bool {
    let b = s.as_bytes();
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Every release named by a heading, newest first.
pub fn release_names(changelog: &str) -> Vec<String> {
    let doc = Doc::parse(changelog);
    doc.headings.iter().filter(|h| !h.is_unreleased()).map(|h| h.name.clone()).collect()
}

/// Moves the entries under `## [Unreleased]` into a new `## [version] - date` section, leaving an
/// empty `## [Unreleased]` above it, and updates the compare links at the bottom:
/// `[Unreleased]` then compares `{prefix}{version}...HEAD`, and `[version]` compares the previous
/// release with this one (or links to its tag page when it is the first release).
///
/// Assumption: the links follow Keep a Changelog, where `[Unreleased]` points at
/// `<repository>/compare/<tag>...HEAD` (or `<repository>/commits/<branch>` before the first
/// release); a file without such a link keeps its links as they are.
pub fn cut_release(changelog: &str, version: &str, date: &str, tag_prefix: &str) -> Result<String> {
    let doc = Doc::parse(changelog);
    let u = unreleased(&doc)?;
    if doc.headings.iter().any(|h| h.name == version) {
        bail!(
            "the changelog already has a `## [{version}]` section: expected {version} to be a new \
             release; bump to a newer version, or remove the stale section"
        );
    }
    let previous = doc.headings.iter().find(|h| !h.is_unreleased()).map(|h| h.name.as_str());
    let heading = doc.headings[u].line;
    let (first, end) = doc.body_range(u);
    // The entries keep their own trailing spacing; only the blank lines above them are replaced.
    let body = &doc.lines[first..end];
    let entries = &body[body.iter().position(|l| !is_blank(l)).unwrap_or(body.len())..];

    let mut out: Vec<String> = doc.lines[..heading].iter().map(|l| l.to_string()).collect();
    out.push(ensure_newline(doc.lines[heading]));
    out.push("\n".into());
    out.push(format!("## [{version}] - {date}\n"));
    if entries.is_empty() {
        // No notes: keep the spacing that was there, but never glue two headings together.
        out.extend(body.iter().map(|l| ensure_newline(l)));
        if body.is_empty() && end < doc.lines.len() {
            out.push("\n".into());
        }
    } else {
        out.push("\n".into());
        out.extend(entries.iter().map(|l| ensure_newline(l)));
    }
    out.extend(doc.lines[end..].iter().map(|l| ensure_newline(l)));
    update_links(&mut out, version, previous, tag_prefix);
    Ok(out.concat())
}

/// `changelog` with `entries` (Keep a Changelog groups, `### Added` …) as the notes under
/// `## [Unreleased]` when it has none; unchanged when it already has notes, which someone wrote
/// on purpose. `cargo xtask release-pr` fills an empty section with `changelog --draft`'s
/// entries before cutting the release, so that a release always has notes.
pub fn fill_unreleased(changelog: &str, entries: &str) -> Result<String> {
    let doc = Doc::parse(changelog);
    let u = unreleased(&doc)?;
    let (first, end) = doc.body_range(u);
    let entries = entries.trim();
    if entries.is_empty() || !doc.lines[first..end].iter().all(|l| is_blank(l)) {
        return Ok(changelog.to_owned());
    }
    let mut out: Vec<String> = doc.lines[..first].iter().map(|l| ensure_newline(l)).collect();
    out.push(format!("\n{entries}\n"));
    if end < doc.lines.len() {
        out.push("\n".into());
    }
    out.extend(doc.lines[end..].iter().map(|l| ensure_newline(l)));
    Ok(out.concat())
}

/// Folds the entries under `## [Unreleased]` into the `## [version]` section right below it,
/// dated `date`, leaving `## [Unreleased]` empty: a first release whose section was written
/// before the work that followed it then lists all of it. Entries are merged under their
/// `### ` groups (Keep a Changelog's order: Added, Changed, Deprecated, Removed, Fixed,
/// Security, then any other), the section's own entries first; the links stay as they are.
pub fn fold_unreleased(changelog: &str, version: &str, date: &str) -> Result<String> {
    let doc = Doc::parse(changelog);
    let u = unreleased(&doc)?;
    if doc.headings.get(u + 1).is_none_or(|h| h.name != version) {
        bail!(
            "the changelog has no `## [{version}]` section right below `## [Unreleased]`: \
             expected the section of the release to fold the unreleased notes into"
        );
    }
    let mut groups = Groups::default();
    groups.add(doc.body(u + 1));
    groups.add(doc.body(u));
    let (_, end) = doc.body_range(u + 1);
    let mut out: Vec<String> =
        doc.lines[..=doc.headings[u].line].iter().map(|l| ensure_newline(l)).collect();
    out.push(format!("\n## [{version}] - {date}\n\n"));
    out.push(groups.render());
    if doc.lines.get(end).is_some_and(|l| !is_blank(l)) {
        out.push("\n".into());
    }
    out.extend(doc.lines[end..].iter().map(|l| ensure_newline(l)));
    Ok(out.concat())
}

/// The entries of one or more sections, by `### ` group.
#[derive(Default)]
struct Groups {
    /// Lines before the first group heading.
    preamble: Vec<String>,
    /// Each group's heading line and its lines, in order of first appearance.
    groups: Vec<(String, Vec<String>)>,
}

impl Groups {
    fn add(&mut self, body: &[&str]) {
        let mut current: Option<usize> = None;
        let mut lines: Vec<String> = Vec::new();
        let flush = |at: Option<usize>, lines: &mut Vec<String>, g: &mut Groups| {
            let trimmed = trim_blank(lines);
            lines.clear();
            if trimmed.is_empty() {
                return;
            }
            // Paragraphs before the groups keep a blank line between them; a group's entries
            // continue its list.
            if at.is_none() && !g.preamble.is_empty() {
                g.preamble.push("\n".into());
            }
            at.map_or(&mut g.preamble, |i| &mut g.groups[i].1).extend(trimmed);
        };
        for line in body {
            if let Some(name) = line.strip_prefix("### ") {
                flush(current, &mut lines, self);
                let name = name.trim();
                current = Some(match self.groups.iter().position(|(n, _)| n == name) {
                    Some(i) => i,
                    None => {
                        self.groups.push((name.to_owned(), Vec::new()));
                        self.groups.len() - 1
                    }
                });
            } else {
                lines.push(ensure_newline(line));
            }
        }
        flush(current, &mut lines, self);
    }

    fn render(mut self) -> String {
        const ORDER: [&str; 6] = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"];
        let rank = |name: &str| ORDER.iter().position(|o| *o == name).unwrap_or(ORDER.len());
        self.groups.sort_by_key(|(name, _)| rank(name));
        let mut parts: Vec<String> = Vec::new();
        if !self.preamble.is_empty() {
            parts.push(self.preamble.concat());
        }
        for (name, lines) in self.groups.iter().filter(|(_, lines)| !lines.is_empty()) {
            parts.push(format!("### {name}\n\n{}", lines.concat()));
        }
        parts.join("\n")
    }
}

/// `lines` without the blank lines at either end.
fn trim_blank(lines: &[String]) -> Vec<String> {
    let start = lines.iter().position(|l| !is_blank(l)).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !is_blank(l)).map_or(start, |e| e + 1);
    lines[start..end].to_vec()
}

/// The index of the `## [Unreleased]` heading, which every edit of the changelog starts from.
fn unreleased(doc: &Doc<'_>) -> Result<usize> {
    let Some(u) = doc.headings.iter().position(Heading::is_unreleased) else {
        bail!(
            "the changelog has no `## [Unreleased]` heading: expected Keep a Changelog form, with \
             the notes of the next release under `## [Unreleased]`; add that heading above the \
             newest release"
        );
    };
    Ok(u)
}

/// Rewrites `[Unreleased]: <repo>/compare/<tag>...HEAD` and adds the link of the new release.
fn update_links(lines: &mut Vec<String>, version: &str, previous: Option<&str>, prefix: &str) {
    let Some(i) = lines.iter().position(|l| link_label(l).is_some_and(is_unreleased)) else {
        return;
    };
    let url = lines[i].split_once("]:").map_or("", |(_, url)| url.trim());
    let Some((repo, _)) = url.split_once("/compare/").or_else(|| url.split_once("/commits/"))
    else {
        return;
    };
    let label = link_label(&lines[i]).unwrap_or("Unreleased").to_owned();
    let new_link = match previous {
        Some(prev) => format!("[{version}]: {repo}/compare/{prefix}{prev}...{prefix}{version}\n"),
        None => format!("[{version}]: {repo}/releases/tag/{prefix}{version}\n"),
    };
    lines[i] = format!("[{label}]: {repo}/compare/{prefix}{version}...HEAD\n");
    lines.insert(i + 1, new_link);
}

/// A changelog split into lines, with its `## ` headings and where the trailing block of link
/// definitions starts.
struct Doc<'a> {
    lines: Vec<&'a str>,
    headings: Vec<Heading>,
    links_start: usize,
}

struct Heading {
    line: usize,
    name: String,
    date: String,
}

impl Heading {
    fn is_unreleased(&self) -> bool {
        is_unreleased(&self.name)
    }
}

impl<'a> Doc<'a> {
    fn parse(text: &'a str) -> Doc<'a> {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut links_start = lines.len();
        while links_start > 0 {
            let l = lines[links_start - 1];
            if is_blank(l) || link_label(l).is_some() {
                links_start -= 1;
            } else {
                break;
            }
        }
        let headings = lines[..links_start]
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                parse_heading(l).map(|(name, date)| Heading { line: i, name, date })
            })
            .collect();
        Doc { lines, headings, links_start }
    }

    /// The lines below heading `i`, up to the next heading or the link block.
    fn body_range(&self, i: usize) -> (usize, usize) {
        let first = self.headings[i].line + 1;
        let end = self.headings.get(i + 1).map_or(self.links_start, |h| h.line);
        (first, end)
    }

    fn body(&self, i: usize) -> &[&'a str] {
        let (first, end) = self.body_range(i);
        &self.lines[first..end]
    }
}

/// `## [1.2.0] - 2024-05-01` → ("1.2.0", "2024-05-01"); `## [Unreleased]` → ("Unreleased", "").
fn parse_heading(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("## ")?.trim_start();
    let rest = rest.strip_prefix('[')?;
    let (name, after) = rest.split_once(']')?;
    let after = after.trim().trim_start_matches(['-', '–', '—']).trim();
    let date = after.split_whitespace().next().unwrap_or("");
    Some((name.trim().to_owned(), date.to_owned()))
}

/// The label of a link reference definition (`[0.1.0]: https://…` → `0.1.0`).
fn link_label(line: &str) -> Option<&str> {
    let rest = line.trim_end().strip_prefix('[')?;
    let (label, after) = rest.split_once("]:")?;
    (!label.is_empty() && !after.trim().is_empty()).then_some(label)
}

fn is_unreleased(name: &str) -> bool {
    name.eq_ignore_ascii_case("unreleased")
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

fn ensure_newline(line: &str) -> String {
    if line.ends_with('\n') { line.to_owned() } else { format!("{line}\n") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden;

    const CHANGELOG: &str = "\
# Changelog

## [Unreleased]

### Added

- Hausdorff distance.

## [0.2.0] - 2024-06-01

### Fixed

- Antipodal points.

## [0.1.0] - 2024-05-01

### Added

- First release.

[Unreleased]: https://github.com/o/r/compare/v0.2.0...HEAD
[0.2.0]: https://github.com/o/r/compare/v0.1.0...v0.2.0
[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0
";

    #[track_caller]
    fn check_section(version: &str, expected: Option<&str>) {
        assert_eq!(section(CHANGELOG, version).as_deref(), expected);
    }

    #[test]
    fn sections() {
        check_section("0.2.0", Some("### Fixed\n\n- Antipodal points."));
        check_section("0.1.0", Some("### Added\n\n- First release."));
        check_section("Unreleased", Some("### Added\n\n- Hausdorff distance."));
        check_section("0.3.0", None);
        check_section("0.1", None);
    }

    #[test]
    fn release_notes_must_exist_be_dated_and_say_something() {
        assert_eq!(
            release_notes(CHANGELOG, "C.md", "0.2.0").unwrap(),
            "### Fixed\n\n- Antipodal points."
        );
        let err = release_notes(CHANGELOG, "C.md", "0.3.0").unwrap_err().to_string();
        assert!(err.contains("no `## [0.3.0]` section") && err.contains("cargo xtask bump 0.3.0"));
        let undated = CHANGELOG.replace("## [0.2.0] - 2024-06-01", "## [0.2.0]");
        let err = release_notes(&undated, "C.md", "0.2.0").unwrap_err().to_string();
        assert!(err.contains("is not dated"), "{err}");
        let bad_date = CHANGELOG.replace("2024-06-01", "2024-06-31");
        assert!(release_notes(&bad_date, "C.md", "0.2.0").is_err());
        let empty = CHANGELOG.replace("### Fixed\n\n- Antipodal points.\n", "");
        let err = release_notes(&empty, "C.md", "0.2.0").unwrap_err().to_string();
        assert!(err.contains("section is empty") && err.contains("changelog --draft"), "{err}");
    }

    #[test]
    fn shape() {
        assert!(shape_problems(CHANGELOG, "C.md").is_empty());
        let text = CHANGELOG.replace("## [Unreleased]\n", "").replace("2024-05-01", "2024-13-01");
        let problems = shape_problems(&text, "C.md");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("no `## [Unreleased]` heading"));
        assert!(problems[1].contains("`## [0.1.0] - 2024-13-01` has no real date"), "{problems:?}");
    }

    #[test]
    fn calendar_dates() {
        for ok in ["2026-01-31", "2024-02-29", "2000-02-29", "1999-12-31"] {
            assert!(is_calendar_date(ok), "{ok}");
        }
        for bad in [
            "2026-13-45",
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "26-01-01",
            "2026-1-01",
            "2026-01-0x",
            "",
        ] {
            assert!(!is_calendar_date(bad), "{bad}");
        }
    }

    #[test]
    fn newest() {
        assert_eq!(newest_release(CHANGELOG), Some(("0.2.0".into(), "2024-06-01".into())));
        assert_eq!(newest_release("# Changelog\n\n## [Unreleased]\n"), None);
        let yanked = "## [1.0.0] - 2024-01-02 [YANKED]\n";
        assert_eq!(newest_release(yanked), Some(("1.0.0".into(), "2024-01-02".into())));
        assert_eq!(release_names(CHANGELOG), ["0.2.0", "0.1.0"]);
    }

    #[track_caller]
    fn check_cut(name: &str, version: &str) {
        let before = golden::read(&format!("changelog/{name}.before.md"));
        let after = cut_release(&before, version, "2030-01-02", "v").unwrap();
        golden::check(&format!("changelog/{name}.after.md"), &after);
    }

    #[test]
    fn cut_with_links() {
        check_cut("with-links", "0.3.0");
    }

    #[test]
    fn cut_without_links() {
        check_cut("without-links", "0.3.0");
    }

    #[test]
    fn cut_first_release() {
        check_cut("first-release", "0.1.0");
    }

    #[test]
    fn cut_empty_unreleased() {
        check_cut("empty-unreleased", "1.0.1-rc.1");
    }

    #[test]
    fn cut_then_read_back() {
        let after = cut_release(CHANGELOG, "0.3.0", "2030-01-02", "v").unwrap();
        assert_eq!(newest_release(&after), Some(("0.3.0".into(), "2030-01-02".into())));
        assert_eq!(section(&after, "0.3.0").as_deref(), Some("### Added\n\n- Hausdorff distance."));
        assert_eq!(section(&after, "Unreleased").as_deref(), Some(""));
        assert_eq!(section(&after, "0.2.0"), section(CHANGELOG, "0.2.0"));
    }

    #[test]
    fn fill_an_empty_unreleased_section() {
        let empty = CHANGELOG.replace("### Added\n\n- Hausdorff distance.\n\n", "");
        assert_eq!(section(&empty, "Unreleased").as_deref(), Some(""));
        let filled = fill_unreleased(&empty, "### Fixed\n\n- NaN.\n").unwrap();
        assert_eq!(section(&filled, "Unreleased").as_deref(), Some("### Fixed\n\n- NaN."));
        assert_eq!(
            filled,
            CHANGELOG.replace("### Added\n\n- Hausdorff distance.", "### Fixed\n\n- NaN.")
        );
        // Notes someone wrote stay as they are.
        assert_eq!(fill_unreleased(CHANGELOG, "### Fixed\n\n- NaN.").unwrap(), CHANGELOG);
        let last = "# Changelog\n\n## [Unreleased]\n";
        assert_eq!(
            fill_unreleased(last, "- x").unwrap(),
            "# Changelog\n\n## [Unreleased]\n\n- x\n"
        );
        assert!(fill_unreleased("# Changelog\n", "- x").is_err());
    }

    #[test]
    fn fold_into_a_first_release() {
        let before = golden::read("changelog/fold-first-release.before.md");
        let after = fold_unreleased(&before, "0.1.0", "2030-01-02").unwrap();
        golden::check("changelog/fold-first-release.after.md", &after);
        assert_eq!(section(&after, "Unreleased").as_deref(), Some(""));
        assert_eq!(newest_release(&after), Some(("0.1.0".into(), "2030-01-02".into())));
        assert!(release_notes(&after, "C.md", "0.1.0").is_ok());
        // Folding again changes nothing but the date.
        let again = fold_unreleased(&after, "0.1.0", "2030-01-03").unwrap();
        assert_eq!(again, after.replace("2030-01-02", "2030-01-03"));
        let err = fold_unreleased(CHANGELOG, "0.1.0", "2030-01-02").unwrap_err().to_string();
        assert!(err.contains("no `## [0.1.0]` section right below"), "{err}");
    }

    #[test]
    fn cut_refusals() {
        let err = cut_release(CHANGELOG, "0.2.0", "2030-01-02", "v").unwrap_err().to_string();
        assert!(err.contains("already has a `## [0.2.0]`"), "{err}");
        let err = cut_release("# Changelog\n\n## [0.1.0] - 2024-05-01\n", "0.2.0", "d", "v")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `## [Unreleased]`"), "{err}");
    }
}
