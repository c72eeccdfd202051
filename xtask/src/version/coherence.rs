//! Version coherence: every place the version shows up, what it says, and what it should say.
//!
//! [`assess`] is pure: it takes the files ([`Workspace`]) and the two facts that are not in files
//! (the Python package as built into `.venv`, and the release tag), and returns one row per place.
//! `cargo xtask version` prints the rows; `--check` and the release preflight fail on any row
//! that disagrees, listing every disagreement at once with its fix.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use semver::Version;

use super::places;
use crate::changelog;
use crate::pep440::pep440;
use crate::workspace::{PythonPackage, Workspace};

/// How one place compares with the workspace version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// The workspace version itself, which every other row is compared with.
    Source,
    Agrees,
    /// Disagrees: `--check` fails.
    Differs,
    /// Nothing to compare (not built, no tag at HEAD): not a problem.
    Absent,
    /// A build output made from an older version: reported, but not a failure, because builds
    /// are outputs rather than sources and every release builds afresh.
    Stale,
}

impl Agreement {
    fn label(self) -> &'static str {
        match self {
            Agreement::Source => "source",
            Agreement::Agrees => "ok",
            Agreement::Differs => "MISMATCH",
            Agreement::Absent => "-",
            Agreement::Stale => "stale",
        }
    }
}

/// One place the version shows up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The file and what in it (`Cargo.lock <crate>`).
    pub place: String,
    pub found: String,
    pub expected: String,
    pub status: Agreement,
    /// For `Differs` and `Stale`: what is wrong and the command or edit that fixes it.
    pub fix: Option<String>,
}

/// Every place the version shows up, compared with the workspace version.
#[derive(Debug, Clone)]
pub struct VersionReport {
    version: Version,
    pub rows: Vec<Row>,
}

/// The Python package as built into the project environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Built {
    /// Not installed (or no `.venv`): nothing to compare.
    NotBuilt,
    /// `module_version` is `__version__`; `dist_version` is the installed distribution's
    /// metadata, which maturin stamped when it built the package.
    Installed { module_version: String, dist_version: String },
}

/// The release tag to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagState {
    /// An explicit `--tag` from the release command.
    Explicit(String),
    /// The release tags pointing at HEAD, and whether `Cargo.toml` or `Cargo.lock` have
    /// uncommitted changes (a bump not yet committed, so HEAD's tag still names the old version).
    AtHead { tags: Vec<String>, version_files_modified: bool },
}

impl VersionReport {
    /// The workspace version.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// The rows that disagree.
    pub fn problems(&self) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.status == Agreement::Differs).collect()
    }

    /// Fails if any place disagrees, with a table of every disagreement and the fix of each.
    pub fn check(&self) -> Result<()> {
        let problems = self.problems();
        if problems.is_empty() {
            return Ok(());
        }
        let mut msg = format!(
            "{} place(s) disagree with the workspace version {} (Cargo.toml [workspace.package] \
             version, the one hand-written version):\n\n",
            problems.len(),
            self.version
        );
        msg.push_str(&table(&problems));
        msg.push_str("\nto fix:\n");
        for row in &problems {
            let _ = writeln!(msg, "  - {}", row.fix.as_deref().unwrap_or(&row.place));
        }
        bail!(msg.trim_end().to_owned())
    }

    /// Every row as an aligned table, followed by the fix of every row that needs one.
    pub fn render_table(&self) -> String {
        let rows: Vec<&Row> = self.rows.iter().collect();
        let mut out = table(&rows);
        let notes: Vec<&Row> = self.rows.iter().filter(|r| r.fix.is_some()).collect();
        if !notes.is_empty() {
            out.push('\n');
            for row in notes {
                let _ =
                    writeln!(out, "{}: {}", row.status.label(), row.fix.as_deref().unwrap_or(""));
            }
        }
        out
    }
}

fn table(rows: &[&Row]) -> String {
    let header = ["place", "found", "expected", "status"];
    let cells: Vec<[&str; 4]> = rows
        .iter()
        .map(|r| [r.place.as_str(), r.found.as_str(), r.expected.as_str(), r.status.label()])
        .collect();
    let width =
        |i: usize| cells.iter().map(|c| c[i].len()).chain([header[i].len()]).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2)];
    let mut out = String::new();
    for line in std::iter::once(header).chain(cells) {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            line[0],
            line[1],
            line[2],
            line[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    }
    out
}

/// Compares every place with the workspace version.
pub fn assess(ws: &Workspace, built: &Built, tag: &TagState) -> Result<VersionReport> {
    let version = ws.version()?;
    let v = version.to_string();
    let crates = ws.versioned_crates();
    let mut rows = vec![Row {
        place: "Cargo.toml [workspace.package] version".into(),
        found: v.clone(),
        expected: v.clone(),
        status: Agreement::Source,
        fix: None,
    }];
    rows.extend(manifest_rows(ws, &version, &crates)?);
    rows.extend(lock_rows(ws.lock.as_deref(), &crates, &v)?);
    let python = pep440(&version);
    rows.push(match &python {
        Ok(p) => agrees("PEP 440 form (wheels, sdist)", p.clone()),
        Err(err) => differs(
            "PEP 440 form (wheels, sdist)",
            "none",
            "X.Y.Z[{a|b|rc}N]",
            format!("Cargo.toml: {err:#}; set a publishable version with `cargo xtask bump X.Y.Z`"),
        ),
    });
    if let Some(py) = &ws.python {
        rows.push(pyproject_row(py));
        rows.push(built_row(py, built, python.as_deref().ok()));
    }
    rows.push(changelog_row(&ws.config.changelog, ws.changelog.as_deref(), &v));
    let path = &ws.config.changelog;
    for problem in
        ws.changelog.as_deref().map(|c| changelog::shape_problems(c, path)).unwrap_or_default()
    {
        rows.push(differs(
            format!("{path} form"),
            "not Keep a Changelog",
            "Keep a Changelog",
            problem,
        ));
    }
    rows.push(tag_row(&ws.config.tag_prefix, tag, &v));
    Ok(VersionReport { version, rows })
}

/// The internal requirements of every manifest, and every member's own version.
fn manifest_rows(ws: &Workspace, version: &Version, crates: &[String]) -> Result<Vec<Row>> {
    let v = version.to_string();
    let mut rows = Vec::new();
    let manifests = std::iter::once(("Cargo.toml", ws.manifest.as_str()))
        .chain(ws.members.iter().map(|m| (m.manifest_path.as_str(), m.manifest.as_str())));
    for (path, text) in manifests {
        for (section, name, found) in places::requirements(text, crates)? {
            let expected = places::expected_requirement(&found, version);
            let place = format!("{path} {section} {name}");
            let fix = format!(
                "{place}: requirement is {found}, expected {expected}; set `version = \
                 \"{expected}\"` there (`cargo xtask bump` keeps it in step)"
            );
            rows.push(compare(place, found, expected, fix));
        }
    }
    for m in &ws.members {
        let place = format!("crate {} ({})", m.name, m.manifest_path);
        if m.inherits_version() {
            let fix = format!("{}: {} is {}, expected {v}", m.manifest_path, m.name, m.version);
            rows.push(compare(place, m.version.to_string(), v.clone(), fix));
        } else if m.publish {
            let fix = format!(
                "{}: version is written by hand ({}); expected `version.workspace = true` so \
                 that {} follows [workspace.package] version; replace its `version` line",
                m.manifest_path, m.version, m.name
            );
            let found = m.version.to_string();
            rows.push(differs(place, &found, "version.workspace = true", fix));
        }
        // An unpublished member with its own version (the xtask) ships nowhere: not compared.
    }
    Ok(rows)
}

fn lock_rows(lock: Option<&str>, crates: &[String], v: &str) -> Result<Vec<Row>> {
    const FIX: &str = "run `cargo update --workspace --offline`";
    let Some(lock) = lock else {
        let fix = format!("Cargo.lock not found; expected it committed at the root; {FIX}");
        return Ok(vec![differs("Cargo.lock", "missing", v, fix)]);
    };
    Ok(places::lock_versions(lock, crates)?
        .into_iter()
        .map(|(name, found)| {
            let place = format!("Cargo.lock {name}");
            match found {
                Some(found) => {
                    let fix = format!("Cargo.lock: {name} is {found}, expected {v}; {FIX}");
                    compare(place, found, v.to_owned(), fix)
                }
                None => {
                    let fix = format!("Cargo.lock has no entry for {name}, expected {v}; {FIX}");
                    differs(place, "missing", v, fix)
                }
            }
        })
        .collect())
}

fn pyproject_row(py: &PythonPackage) -> Row {
    const PLACE: &str = "pyproject.toml [project] version";
    const EXPECTED: &str = "dynamic (from Cargo.toml)";
    match (&py.static_version, py.dynamic_version) {
        (None, true) => agrees(PLACE, EXPECTED.into()),
        (found, _) => differs(
            PLACE,
            found.as_deref().unwrap_or("not dynamic"),
            EXPECTED,
            "pyproject.toml: expected `dynamic = [\"version\"]` and no `version` under \
             [project], so that maturin takes the version from Cargo.toml; remove the \
             `version` line and list \"version\" in `dynamic`"
                .to_owned(),
        ),
    }
}

fn built_row(py: &PythonPackage, built: &Built, expected: Option<&str>) -> Row {
    let place = format!("{}.__version__ (.venv)", py.module);
    let expected = expected.unwrap_or("none").to_owned();
    match built {
        Built::NotBuilt => {
            Row { place, found: "not built".into(), expected, status: Agreement::Absent, fix: None }
        }
        Built::Installed { module_version, dist_version } if module_version != dist_version => {
            let fix = format!(
                "{place}: {}.__version__ is {module_version:?} but the installed {} is \
                 {dist_version}; expected __version__ to come from the package metadata \
                 (`importlib.metadata.version(\"{}\")`); fix `__version__` in the package's \
                 __init__.py",
                py.module, py.dist, py.dist
            );
            differs(place, module_version, &expected, fix)
        }
        Built::Installed { module_version, .. } if *module_version != expected => Row {
            fix: Some(format!(
                "{place}: .venv holds a build of {module_version}, expected {expected}; rebuild \
                 it with `cargo xtask test` (or `.venv/bin/maturin develop --release --locked \
                 --uv`)"
            )),
            place,
            found: module_version.clone(),
            expected,
            status: Agreement::Stale,
        },
        Built::Installed { module_version, .. } => agrees(place, module_version.clone()),
    }
}

fn changelog_row(path: &str, text: Option<&str>, v: &str) -> Row {
    let place = format!("{path} newest release");
    let add = format!(
        "add a `## [{v}] - YYYY-MM-DD` section (`cargo xtask bump` cuts it from \
         `## [Unreleased]`)"
    );
    let Some(text) = text else {
        let fix = format!("{path} not found; expected a Keep a Changelog file there; {add}");
        return differs(place, "missing", v, fix);
    };
    match changelog::newest_release(text) {
        Some((found, date)) => {
            let fix = format!("{path}: newest release is {found}, expected {v}; {add}");
            let mut row = compare(place, found, v.to_owned(), fix);
            if row.status == Agreement::Agrees {
                row.found = format!("{} ({date})", row.found);
            }
            row
        }
        None => {
            let fix = format!("{path} has no release heading, expected one for {v}; {add}");
            differs(place, "none", v, fix)
        }
    }
}

fn tag_row(prefix: &str, tag: &TagState, v: &str) -> Row {
    let expected = format!("{prefix}{v}");
    match tag {
        TagState::Explicit(found) => {
            let fix = format!(
                "--tag {found} does not name version {v}: expected {expected}; pass `--tag \
                 {expected}`, or bump the version to match the tag first"
            );
            compare("tag (--tag)".into(), found.clone(), expected, fix)
        }
        TagState::AtHead { tags, .. } if tags.is_empty() => Row {
            place: "tag at HEAD".into(),
            found: "none".into(),
            expected,
            status: Agreement::Absent,
            fix: None,
        },
        TagState::AtHead { tags, .. } if tags.contains(&expected) => {
            agrees("tag at HEAD", expected)
        }
        TagState::AtHead { tags, version_files_modified: true } => Row {
            place: "tag at HEAD".into(),
            found: tags.join(", "),
            fix: None,
            expected,
            // HEAD is the previous release and the new version is not committed yet.
            status: Agreement::Absent,
        },
        TagState::AtHead { tags, version_files_modified: false } => {
            let wrong = tags.join(" ");
            let fix = format!(
                "HEAD is tagged {}, expected {expected}; delete the wrong tag (`git tag --delete \
                 {wrong}`) and tag HEAD with `git tag --annotate {expected}`",
                tags.join(", ")
            );
            differs("tag at HEAD", &tags.join(", "), &expected, fix)
        }
    }
}

fn compare(place: String, found: String, expected: String, fix: String) -> Row {
    let agree = found == expected;
    Row {
        place,
        status: if agree { Agreement::Agrees } else { Agreement::Differs },
        fix: (!agree).then_some(fix),
        found,
        expected,
    }
}

fn agrees(place: impl Into<String>, found: String) -> Row {
    Row {
        place: place.into(),
        expected: found.clone(),
        found,
        status: Agreement::Agrees,
        fix: None,
    }
}

fn differs(place: impl Into<String>, found: &str, expected: &str, fix: String) -> Row {
    Row {
        place: place.into(),
        found: found.to_owned(),
        expected: expected.to_owned(),
        status: Agreement::Differs,
        fix: Some(fix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden;
    use crate::workspace::{Member, ReleaseConfig, fixture};

    const ROOT: &str = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.2.0"

[workspace.dependencies]
core = { path = "crates/core", version = "=0.2.0" }
"#;
    const MEMBER: &str = "[package]\nname = \"NAME\"\nversion.workspace = true\n";
    const LOCK: &str = r#"version = 4

[[package]]
name = "core"
version = "0.2.0"

[[package]]
name = "core-py"
version = "0.2.0"
dependencies = [
 "core",
]

[[package]]
name = "tool"
version = "0.0.0"
"#;
    const PYPROJECT: &str = "[project]\nname = \"core-rs\"\ndynamic = [\"version\"]\n\
                             [tool.maturin]\nmodule-name = \"core._core\"\n";
    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2024-06-01\n\n- x\n";

    fn member(name: &str, version: &str, manifest: &str, publish: bool) -> Member {
        Member {
            manifest: manifest.replace("NAME", name),
            ..fixture::member(name, version, publish, &[])
        }
    }

    fn fixture() -> Workspace {
        Workspace {
            root: "/ws".into(),
            config: ReleaseConfig {
                tag_prefix: "v".into(),
                changelog: "CHANGELOG.md".into(),
                signed_tags: false,
                families: Vec::new(),
                wheels: Vec::new(),
            },
            manifest: ROOT.into(),
            members: vec![
                member("core", "0.2.0", MEMBER, true),
                member("core-py", "0.2.0", MEMBER, false),
                member("tool", "0.0.0", "[package]\nname = \"tool\"\nversion = \"0.0.0\"\n", false),
            ],
            lock: Some(LOCK.into()),
            python: Some(PythonPackage::parse(PYPROJECT).unwrap()),
            changelog: Some(CHANGELOG.into()),
        }
    }

    fn installed(version: &str) -> Built {
        Built::Installed { module_version: version.into(), dist_version: version.into() }
    }

    fn head(tags: &[&str]) -> TagState {
        TagState::AtHead {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            version_files_modified: false,
        }
    }

    /// Asserts which places disagree (by the start of their fix message).
    #[track_caller]
    fn check(ws: &Workspace, built: &Built, tag: &TagState, expected_problems: &[&str]) {
        let report = assess(ws, built, tag).unwrap();
        let fixes: Vec<&str> =
            report.problems().iter().map(|r| r.fix.as_deref().unwrap()).collect();
        assert_eq!(fixes.len(), expected_problems.len(), "{fixes:#?}");
        for (fix, want) in fixes.iter().zip(expected_problems) {
            assert!(fix.starts_with(want), "`{fix}` should start with `{want}`");
        }
        assert_eq!(report.check().is_ok(), expected_problems.is_empty());
    }

    #[test]
    fn coherent_workspace_passes() {
        check(&fixture(), &Built::NotBuilt, &head(&[]), &[]);
        check(&fixture(), &installed("0.2.0"), &head(&["v0.2.0"]), &[]);
        check(&fixture(), &installed("0.2.0"), &TagState::Explicit("v0.2.0".into()), &[]);
    }

    #[test]
    fn report_table() {
        let report = assess(&fixture(), &installed("0.1.0"), &head(&["v0.2.0"])).unwrap();
        assert_eq!(report.version().to_string(), "0.2.0");
        golden::check("version/table.txt", &report.render_table());
    }

    #[test]
    fn stale_lock() {
        let mut ws = fixture();
        ws.lock = Some(LOCK.replacen("0.2.0", "0.1.9", 1));
        check(
            &ws,
            &Built::NotBuilt,
            &head(&[]),
            &[
                "Cargo.lock: core is 0.1.9, expected 0.2.0; run `cargo update --workspace --offline`",
            ],
        );
        ws.lock = Some(LOCK.replace("name = \"core-py\"", "name = \"other\""));
        check(&ws, &Built::NotBuilt, &head(&[]), &["Cargo.lock has no entry for core-py"]);
        ws.lock = None;
        check(&ws, &Built::NotBuilt, &head(&[]), &["Cargo.lock not found"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut ws = fixture();
        ws.manifest = ROOT.replace("version = \"0.2.0\"", "version = \"0.3.0\"");
        for m in &mut ws.members {
            if m.inherits_version() {
                m.version = Version::parse("0.3.0").unwrap();
            }
        }
        let report = assess(&ws, &installed("0.2.0"), &head(&["v0.2.0"])).unwrap();
        let err = report.check().unwrap_err().to_string();
        for needle in [
            "5 place(s) disagree with the workspace version 0.3.0",
            "Cargo.toml [workspace.dependencies] core: requirement is =0.2.0, expected =0.3.0",
            "Cargo.lock: core is 0.2.0, expected 0.3.0",
            "Cargo.lock: core-py is 0.2.0, expected 0.3.0",
            "CHANGELOG.md: newest release is 0.2.0, expected 0.3.0",
            "HEAD is tagged v0.2.0, expected v0.3.0",
        ] {
            assert!(err.contains(needle), "`{needle}` missing from:\n{err}");
        }
        // A stale build in .venv is reported but does not fail the check.
        assert!(!err.contains("__version__"), "{err}");
        golden::check("version/problems.txt", &err);
    }

    #[test]
    fn uncommitted_bump_on_a_tagged_head() {
        let tag = TagState::AtHead { tags: vec!["v0.1.0".into()], version_files_modified: true };
        check(&fixture(), &Built::NotBuilt, &tag, &[]);
        check(
            &fixture(),
            &Built::NotBuilt,
            &TagState::Explicit("v0.1.0".into()),
            &["--tag v0.1.0 does not name version 0.2.0"],
        );
    }

    #[test]
    fn hand_written_versions() {
        let mut ws = fixture();
        ws.members[0].manifest = "[package]\nname = \"core\"\nversion = \"0.2.0\"\n".into();
        let pyproject = PYPROJECT.replace("dynamic = [\"version\"]", "version = \"0.2.0\"");
        ws.python = Some(PythonPackage::parse(&pyproject).unwrap());
        check(
            &ws,
            &Built::NotBuilt,
            &head(&[]),
            &[
                "crates/core/Cargo.toml: version is written by hand (0.2.0)",
                "pyproject.toml: expected `dynamic = [\"version\"]`",
            ],
        );
    }

    #[test]
    fn python_side() {
        let hard_coded =
            Built::Installed { module_version: "0.1.0".into(), dist_version: "0.2.0".into() };
        check(&fixture(), &hard_coded, &head(&[]), &["core.__version__ (.venv): core.__version__"]);
        let mut ws = fixture();
        ws.manifest = ROOT.replace("version = \"0.2.0\"", "version = \"0.2.0-dev.1\"");
        let report = assess(&ws, &Built::NotBuilt, &head(&[])).unwrap();
        let err = report.check().unwrap_err().to_string();
        assert!(err.contains("pre-release word `dev`"), "{err}");
    }

    #[test]
    fn changelog_form() {
        let mut ws = fixture();
        ws.changelog =
            Some(CHANGELOG.replace("## [Unreleased]\n\n", "").replace("2024-06-01", "June"));
        check(
            &ws,
            &Built::NotBuilt,
            &head(&[]),
            &[
                "CHANGELOG.md has no `## [Unreleased]` heading",
                "CHANGELOG.md line 3: `## [0.2.0] - June`",
            ],
        );
    }

    #[test]
    fn changelog_rows() {
        let mut ws = fixture();
        ws.changelog = Some("# Changelog\n\n## [Unreleased]\n".into());
        check(&ws, &Built::NotBuilt, &head(&[]), &["CHANGELOG.md has no release heading"]);
        ws.changelog = None;
        check(&ws, &Built::NotBuilt, &head(&[]), &["CHANGELOG.md not found"]);
    }
}
