//! `cargo xtask github-release`: the GitHub Release of a published version, made with the `gh`
//! CLI — notes from the version's changelog section, every artifact plus `SHA256SUMS` and
//! `release-manifest.json` attached, marked as a pre-release for a, b and rc versions.
//!
//! What to run is computed first, as data, from the plan, the changelog and (when the release
//! already exists) what `gh release view` reports; `--dry-run` prints it and contacts nothing.
//! Re-running is safe: an existing release only receives the assets it lacks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use xshell::Shell;

use crate::digest::{self, Sha256};
use crate::files::FileName;
use crate::flags::{self, Mode};
use crate::gh;
use crate::host::Host;
use crate::python_env::{Group, PythonEnv};
use crate::release::decision::Published;
use crate::release::plan::Plan;
use crate::release::registry::{crates::CrateRegistry, pypi::PythonIndex};
use crate::release::{self, manifest::Manifest};
use crate::{changelog, workspace::Workspace};

/// The files every release directory holds next to the artifacts (docs/design.md §3).
use crate::release::manifest::{FILE_NAME as MANIFEST, SUMS_FILE_NAME as SUMS};

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::GithubRelease) -> Result<()> {
    let mode = cmd.mode();
    let out = cmd.out.clone().unwrap_or_else(|| ws.root.join("dist"));
    let plan = Plan::new(ws, &Host::detect(sh)?, &cmd.destination)?;
    let notes = notes(ws.changelog.as_deref(), &ws.config.changelog, &plan.version.to_string())?;
    // What the registries hold first: a release that is not published is refused as such,
    // whatever else its dist lacks.
    let manifest = Manifest::read(&out.join(MANIFEST))?;
    let mut problems = unpublished(sh, ws, &plan, &manifest, &out)?;
    problems.extend(hash_in_path(&out));
    let refusal = format!("the GitHub Release of {} refused, nothing was sent", plan.tag);
    release::enforce(mode, &refusal, problems, |p| eprintln!("warning: {p}"))?;
    let assets = local_assets(&plan, &out)?;
    let notes = match ws.github_repository() {
        Some(repo) => format!("{notes}\n\n{}", how_to_verify(&plan, &repo)),
        None => notes,
    };
    let draft = Draft::new(&plan, notes, assets);
    match mode {
        Mode::DryRun => print!("{}", draft.describe()),
        Mode::Live => {
            preflight(sh)?;
            let existing = view(sh, &draft.tag)?;
            for change in draft.changes(existing.as_ref()) {
                execute(sh, &draft, &change)?;
            }
        }
    }
    Ok(())
}

/// One file to attach: its name on the release, where it is, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
}

/// The release as it should be on GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub tag: String,
    pub title: String,
    pub prerelease: bool,
    pub notes: String,
    pub assets: Vec<Asset>,
}

/// A release as `gh release view --json isDraft,isPrerelease,assets` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub draft: bool,
    pub prerelease: bool,
    /// Asset name to size.
    pub assets: BTreeMap<String, u64>,
}

/// What `gh` has to do to bring GitHub to the draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `gh release create …` with these arguments (the notes go to its stdin).
    Create(Vec<String>),
    /// `gh release upload --clobber …` of the assets the existing release lacks.
    Upload(Vec<String>),
    /// `gh release edit …`: publish a draft that an interrupted create left behind, and set the
    /// pre-release flag the version calls for.
    Edit(Vec<String>),
    UpToDate,
}

impl Draft {
    pub fn new(plan: &Plan, notes: String, assets: Vec<Asset>) -> Draft {
        Draft {
            tag: plan.tag.clone(),
            title: plan.tag.clone(),
            prerelease: plan.prerelease,
            notes,
            assets,
        }
    }

    /// Create the release when there is none. Otherwise upload what is missing or differs in
    /// size (an upload cut short), never touching what is already complete; then publish it if
    /// it is still a draft (`gh release create` makes a draft, uploads, and only then publishes:
    /// a create cut short leaves one behind) and set the pre-release flag if it is wrong.
    pub fn changes(&self, existing: Option<&Existing>) -> Vec<Change> {
        let Some(existing) = existing else {
            return vec![Change::Create(self.create_args())];
        };
        let mut changes = Vec::new();
        let missing: Vec<&Asset> =
            self.assets.iter().filter(|a| existing.assets.get(&a.name) != Some(&a.size)).collect();
        if !missing.is_empty() {
            let mut args = vec!["release".to_owned(), "upload".to_owned(), self.tag.clone()];
            args.push("--clobber".to_owned());
            args.extend(missing.iter().map(|a| path_arg(&a.path)));
            changes.push(Change::Upload(args));
        }
        if existing.draft || existing.prerelease != self.prerelease {
            let mut args = vec!["release".to_owned(), "edit".to_owned(), self.tag.clone()];
            if existing.draft {
                args.push("--draft=false".to_owned());
            }
            args.push(format!("--prerelease={}", self.prerelease));
            changes.push(Change::Edit(args));
        }
        if changes.is_empty() {
            changes.push(Change::UpToDate);
        }
        changes
    }

    /// `gh release create`: `--verify-tag` makes gh refuse rather than create a missing tag.
    fn create_args(&self) -> Vec<String> {
        let mut args: Vec<String> =
            ["release", "create", &self.tag, "--title", &self.title, "--notes-file", "-"]
                .map(str::to_owned)
                .to_vec();
        if self.prerelease {
            args.push("--prerelease".to_owned());
        }
        args.push("--verify-tag".to_owned());
        args.extend(self.assets.iter().map(|a| path_arg(&a.path)));
        args
    }

    /// What a dry run prints: the command for a new release, and the notes it would carry.
    pub fn describe(&self) -> String {
        let create = crate::shell::words(&self.create_args());
        format!(
            "would run (GH_TOKEN from the environment):\n  gh {create}\n\
             or, if {tag} already has a release, upload the assets it lacks:\n  \
             gh release upload {tag} --clobber <missing files>\n\
             release notes ({} assets, {}):\n{}\n",
            self.assets.len(),
            if self.prerelease { "pre-release" } else { "latest release" },
            self.notes,
            tag = self.tag,
        )
    }
}

/// The end of the release notes: the commands a user runs to check that this release is the
/// one the repository's workflow built from the tag.
pub fn how_to_verify(plan: &Plan, repo: &str) -> String {
    let (tag, workflow) = (&plan.tag, format!("{repo}/.github/workflows/release.yml"));
    let wheel = plan.wheels.first().map_or_else(|| plan.sdist.to_string(), |w| w.file.to_string());
    format!(
        "### Verify this release\n\n\
         From a checkout of the repository, every check at once (the crate, the files on PyPI, \
         this release's assets and their attestation):\n\n\
         ```sh\ncargo xtask verify-release {tag} --repo {repo}\n```\n\n\
         Or with the tools alone, on the downloaded files:\n\n\
         ```sh\n\
         gh release download {tag} --repo {repo} --pattern SHA256SUMS\n\
         gh attestation verify SHA256SUMS --repo {repo} --signer-workflow {workflow}\n\
         sha256sum --check --ignore-missing SHA256SUMS\n\
         pypi-attestations verify pypi --repository https://github.com/{repo} pypi:{wheel}\n\
         ```"
    )
}

/// The notes of `version`: its changelog section, which must exist, be dated and say something.
pub fn notes(changelog: Option<&str>, path: &str, version: &str) -> Result<String> {
    let text = changelog.with_context(|| {
        format!(
            "{path} not found: expected the changelog that [workspace.metadata.release] \
             changelog names, with a `## [{version}]` section"
        )
    })?;
    changelog::release_notes(text, path, version)
}

/// Every file the release carries, in the plan's order: the artifacts, then `SHA256SUMS` and the
/// manifest.
pub fn expected_names(plan: &Plan) -> Vec<String> {
    let artifacts = plan.artifacts.iter().map(|a| a.file.to_string());
    artifacts.chain([SUMS.to_owned(), MANIFEST.to_owned()]).collect()
}

/// Problems with `SHA256SUMS`: it must list exactly the planned artifacts.
pub fn check_sums(listed: &[(FileName, Sha256)], artifacts: &[&FileName]) -> Vec<String> {
    let mut problems: Vec<String> = artifacts
        .iter()
        .filter(|a| !listed.iter().any(|(f, _)| f == **a))
        .map(|a| format!("{SUMS} does not list {a}"))
        .collect();
    problems.extend(
        listed
            .iter()
            .filter(|(f, _)| !artifacts.contains(&f))
            .map(|(f, _)| format!("{SUMS} lists {f}, which is not an artifact of this release")),
    );
    problems
}

/// `gh release view --json isDraft,isPrerelease,assets` output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct View {
    is_draft: bool,
    is_prerelease: bool,
    assets: Vec<ViewAsset>,
}

#[derive(Debug, Deserialize)]
struct ViewAsset {
    name: String,
    size: u64,
}

/// Reads `gh release view --json isDraft,isPrerelease,assets` output.
pub fn parse_view(json: &str) -> Result<Existing> {
    let view: View = crate::json::parse(json).context("read `gh release view --json`")?;
    Ok(Existing {
        draft: view.is_draft,
        prerelease: view.is_prerelease,
        assets: view.assets.into_iter().map(|a| (a.name, a.size)).collect(),
    })
}

/// The assets in `out`, each present, and the artifacts matching `SHA256SUMS` (which `cargo
/// xtask verify` wrote): what gets attached is what was verified and attested.
/// The assets to attach, checked against `SHA256SUMS` and the manifest, and the manifest.
fn local_assets(plan: &Plan, out: &Path) -> Result<Vec<Asset>> {
    let artifacts: Vec<&FileName> = plan.artifacts.iter().map(|a| &a.file).collect();
    let sums_path = out.join(SUMS);
    let sums = std::fs::read_to_string(&sums_path).with_context(|| {
        format!(
            "read {}: expected the verified release there; run `cargo xtask verify --out {}`",
            sums_path.display(),
            crate::shell::quote(out)
        )
    })?;
    let entries = digest::parse_sums(&sums)?;
    let listed: BTreeMap<&str, &Sha256> = entries.iter().map(|(f, h)| (f.as_str(), h)).collect();
    let mut problems = Vec::new();
    let mut assets = Vec::new();
    for name in expected_names(plan) {
        let path = out.join(&name);
        let Ok(meta) = std::fs::metadata(&path) else {
            problems.push(format!("{name} is missing"));
            continue;
        };
        if let Some(expected) = listed.get(name.as_str()) {
            let (found, _) = digest::sha256_file(&path)?;
            if found != **expected {
                problems.push(format!("{name}: sha256 is {found}, {SUMS} says {expected}"));
            }
        }
        assets.push(Asset { name, path, size: meta.len() });
    }
    if problems.is_empty() {
        // Only once every file is there: a listing problem is then the whole story.
        problems = check_sums(&entries, &artifacts);
    }
    if problems.is_empty() {
        let manifest = Manifest::read(&out.join(MANIFEST))?;
        problems = check_manifest(&manifest, plan, &listed);
        if problems.is_empty() {
            return Ok(assets);
        }
    }
    bail!(
        "{} does not hold the verified release {}:\n  {}\n  download the release \
         workflow's `release` artifact (every wheel is built in CI) into it, or run \
         `cargo xtask verify --out {}` over a complete set",
        out.display(),
        plan.tag,
        problems.join("\n  "),
        crate::shell::quote(out)
    )
}

/// Problems between the manifest and `SHA256SUMS`: the manifest must be this release's and
/// record every artifact with the sha256 the list gives (the files were checked against the
/// list already), so that what is attached is what verify recorded, not only what a list says.
pub fn check_manifest(
    manifest: &Manifest,
    plan: &Plan,
    listed: &BTreeMap<&str, &Sha256>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if manifest.tag != plan.tag {
        problems
            .push(format!("{MANIFEST} is the manifest of {}, not of {}", manifest.tag, plan.tag));
    }
    for a in &plan.artifacts {
        let recorded = manifest.artifact(&a.file);
        match (recorded, listed.get(a.file.as_str())) {
            (None, _) => problems.push(format!("{MANIFEST} does not record {}", a.file)),
            (Some(r), Some(sum)) if r.sha256 != **sum => problems.push(format!(
                "{}: {MANIFEST} records sha256 {}, {SUMS} lists {sum}",
                a.file, r.sha256
            )),
            _ => {}
        }
    }
    problems
}

/// What the registries lack of the release: a GitHub Release announces files that are on
/// their registries, which are asked (never the manifest's upload records).
fn unpublished(
    sh: &Shell,
    ws: &Workspace,
    plan: &Plan,
    manifest: &Manifest,
    out: &Path,
) -> Result<Vec<String>> {
    let env = PythonEnv::ensure(sh, &ws.root, Group::Release)?;
    let crates = CrateRegistry::open(sh, env.python(), &ws.root, &plan.crates_registry)?;
    let index = PythonIndex::new(
        sh,
        env.python(),
        env.bin("uv"),
        (&plan.pypi_url, &plan.pypi_index),
        &plan.python_name,
    );
    let lacking = Published::read(&crates, &index, plan)?.lacking(plan, manifest);
    if lacking.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "the registries do not hold the release {} ({}): a GitHub Release announces what is \
         published; finish with `cargo xtask publish --live --out {}` (it skips what is out \
         already), then run this again",
        plan.tag,
        lacking.join("; "),
        crate::shell::quote(out)
    )])
}

/// gh reads `file#label` as a labelled asset: a path with a `#` cannot be given to it.
fn hash_in_path(out: &Path) -> Option<String> {
    out.to_string_lossy().contains('#').then(|| {
        format!(
            "{} has a `#` in its path, which gh reads as the start of an asset's label \
             (`file#label`); move the dist to a directory without one",
            out.display()
        )
    })
}

/// `gh` on PATH and a token for it.
fn preflight(sh: &Shell) -> Result<()> {
    match gh::unusable(sh) {
        Some(why) => bail!(
            "cannot create the GitHub Release: {why} (it needs `permissions: contents: write`)"
        ),
        None => Ok(()),
    }
}

/// The assets of the release of `tag`, or `None` when there is no such release.
fn view(sh: &Shell, tag: &str) -> Result<Option<Existing>> {
    let output =
        gh::output(sh, &["release", "view", tag, "--json", "isDraft,isPrerelease,assets"], "")?;
    if output.status.success() {
        return parse_view(&String::from_utf8_lossy(&output.stdout)).map(Some);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("release not found") {
        return Ok(None);
    }
    bail!("`gh release view {tag}` failed: {}", stderr.trim())
}

fn execute(sh: &Shell, draft: &Draft, change: &Change) -> Result<()> {
    match change {
        Change::UpToDate => {
            eprintln!("the release {} is published with every asset", draft.tag);
            Ok(())
        }
        Change::Create(args) | Change::Upload(args) | Change::Edit(args) => {
            eprintln!("$ gh {}", crate::shell::words(args));
            let stdin = if matches!(change, Change::Create(_)) { draft.notes.as_str() } else { "" };
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let printed = gh::read(sh, &args, stdin).with_context(|| {
                format!(
                    "gh failed for the release {}; re-run `cargo xtask github-release`: it \
                         uploads only what is missing and publishes a draft",
                    draft.tag
                )
            })?;
            if !printed.trim().is_empty() {
                eprintln!("{}", printed.trim());
            }
            Ok(())
        }
    }
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flags::Mode;

    const CHANGELOG: &str = "\
# Changelog

## [Unreleased]

## [1.2.0-rc.1] - 2026-11-20

### Fixed

- Antipodal points.

## [1.1.0] - 2026-10-01

## [1.0.0] - 2026-09-01

### Added

- Everything.

[Unreleased]: https://github.com/o/r/compare/v1.2.0-rc.1...HEAD
";

    fn asset(name: &str, size: u64) -> Asset {
        Asset { name: name.into(), path: Path::new("dist").join(name), size }
    }

    fn draft(prerelease: bool) -> Draft {
        Draft {
            tag: "v1.2.0-rc.1".into(),
            title: "v1.2.0-rc.1".into(),
            prerelease,
            notes: "### Fixed\n\n- Antipodal points.".into(),
            assets: vec![asset("geodist-1.2.0-rc.1.crate", 10), asset("SHA256SUMS", 2)],
        }
    }

    #[track_caller]
    fn check_args(change: Change, expected: &str) {
        let args = match change {
            Change::Create(args) | Change::Upload(args) | Change::Edit(args) => args,
            Change::UpToDate => panic!("expected a gh command, found UpToDate"),
        };
        assert_eq!(crate::shell::words(&args), expected);
    }

    #[test]
    fn notes_are_the_changelog_section() {
        let notes = notes(Some(CHANGELOG), "CHANGELOG.md", "1.2.0-rc.1").unwrap();
        assert_eq!(notes, "### Fixed\n\n- Antipodal points.");
    }

    #[test]
    fn missing_or_empty_notes_are_refused_with_the_fix() {
        let err = notes(Some(CHANGELOG), "CHANGELOG.md", "1.3.0").unwrap_err().to_string();
        assert!(err.contains("no `## [1.3.0]` section") && err.contains("cargo xtask bump 1.3.0"));
        let err = notes(Some(CHANGELOG), "CHANGELOG.md", "1.1.0").unwrap_err().to_string();
        assert!(err.contains("section is empty"), "{err}");
        let err = notes(None, "CHANGELOG.md", "1.1.0").unwrap_err().to_string();
        assert!(err.contains("CHANGELOG.md not found"), "{err}");
    }

    #[test]
    fn a_new_prerelease_is_created_with_every_asset() {
        check_args(
            draft(true).changes(None).remove(0),
            "release create v1.2.0-rc.1 --title v1.2.0-rc.1 --notes-file - --prerelease \
             --verify-tag dist/geodist-1.2.0-rc.1.crate dist/SHA256SUMS",
        );
    }

    #[test]
    fn a_final_release_is_not_marked_prerelease() {
        let [Change::Create(args)] = &draft(false).changes(None)[..] else {
            panic!("expected one Create")
        };
        assert!(!args.contains(&"--prerelease".to_owned()));
    }

    fn view(fixture: &str) -> Existing {
        parse_view(&crate::golden::read(&format!("gh/{fixture}.json"))).unwrap()
    }

    /// `gh release create` drafts, uploads, then publishes: cut short, it leaves a draft with
    /// some assets. The re-run uploads the rest and publishes it, with the right flag.
    #[test]
    fn a_draft_left_behind_is_finished() {
        let existing = view("view-draft-partial");
        assert!(existing.draft && existing.prerelease);
        let changes = draft(true).changes(Some(&existing));
        assert_eq!(changes.len(), 2, "{changes:?}");
        check_args(
            changes[0].clone(),
            "release upload v1.2.0-rc.1 --clobber dist/geodist-1.2.0-rc.1.crate dist/SHA256SUMS",
        );
        check_args(changes[1].clone(), "release edit v1.2.0-rc.1 --draft=false --prerelease=true");
    }

    #[test]
    fn a_published_release_gets_only_missing_assets_and_the_right_flag() {
        let existing = view("view-published-wrong-flag");
        let changes = draft(true).changes(Some(&existing));
        check_args(changes.last().unwrap().clone(), "release edit v1.2.0-rc.1 --prerelease=true");
        assert_eq!(changes.len(), 1, "every asset is there already: {changes:?}");
        assert_eq!(draft(true).changes(Some(&view("view-complete"))), [Change::UpToDate]);
        let changes = draft(false).changes(Some(&view("view-complete")));
        check_args(changes[0].clone(), "release edit v1.2.0-rc.1 --prerelease=false");
    }

    #[test]
    fn truncated_assets_are_uploaded_again() {
        let mut existing = view("view-complete");
        existing.assets.insert("SHA256SUMS".into(), 1);
        check_args(
            draft(true).changes(Some(&existing)).remove(0),
            "release upload v1.2.0-rc.1 --clobber dist/SHA256SUMS",
        );
    }

    #[test]
    fn sums_must_list_exactly_the_artifacts() {
        let names = [FileName::try_from("a.crate").unwrap(), FileName::try_from("b.whl").unwrap()];
        let artifacts: Vec<&FileName> = names.iter().collect();
        let sums = format!("{}  a.crate\n{}  c.whl\n", "0".repeat(64), "1".repeat(64));
        assert_eq!(
            check_sums(&digest::parse_sums(&sums).unwrap(), &artifacts),
            [
                "SHA256SUMS does not list b.whl",
                "SHA256SUMS lists c.whl, which is not an artifact of this release"
            ]
        );
        let sums = format!("{}  a.crate\n{}  b.whl\n", "0".repeat(64), "1".repeat(64));
        assert!(check_sums(&digest::parse_sums(&sums).unwrap(), &artifacts).is_empty());
    }

    /// A dist in a path gh would misread is refused; a live run refuses on any problem.
    #[test]
    fn a_path_gh_would_misread_is_refused() {
        assert!(hash_in_path(Path::new("/tmp/dist")).is_none());
        let problem = hash_in_path(Path::new("/tmp/release #2/dist")).unwrap();
        assert!(problem.contains("gh reads"), "{problem}");
        assert!(
            release::enforce(Mode::Live, "refused", vec![problem], |_| ()).is_err(),
            "a live run refuses on any problem"
        );
    }

    /// The notes end with the commands that verify the release, for this repository.
    #[test]
    fn the_notes_say_how_to_verify() {
        let ws = crate::workspace::fixture::workspace(
            "1.2.0",
            serde_json::json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md",
                "wheels": [{"target": "x86_64-apple-darwin", "runner": "r",
                            "platform": "macosx_10_12", "python": ["3.10"]}]}}),
        );
        let host = Host::fixture("x86_64-apple-darwin", &[]);
        let plan = Plan::new(&ws, &host, &flags::Destination::default()).unwrap();
        crate::golden::check("github-release/verify-notes.md", &how_to_verify(&plan, "o/r"));
    }

    #[test]
    fn dry_run_shows_the_command_and_the_notes() {
        let text = draft(true).describe();
        assert!(text.contains("gh release create v1.2.0-rc.1 --title v1.2.0-rc.1"), "{text}");
        assert!(text.contains("(2 assets, pre-release):\n### Fixed"), "{text}");
    }
}
