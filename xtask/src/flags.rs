//! The command line: every subcommand and flag, whose `///` comments are the `--help` text.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Build, check and release this workspace: its Rust crates and its Python package.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every linter: rustfmt, clippy (-D warnings, all targets), ruff check and ruff format,
    /// stubtest (the stubs against the built extension), and zizmor and check-jsonschema over the
    /// GitHub workflows.
    Lint(Lint),
    /// Run every test: cargo test for the workspace, and pytest against the built extension (with
    /// the end-to-end tests, against the wheel their dry run verifies).
    Test(Test),
    /// Print every place the version is written (`--check`: fail on any disagreement).
    Version(Version),
    /// Set the next version everywhere it is written: Cargo.toml, Cargo.lock, the changelog
    ///
    /// `[workspace.package] version` in the root Cargo.toml is the only version written by hand.
    /// The bump edits it (formatting and comments survive), the internal dependency requirements
    /// that pin it (`=X.Y.Z`), the workspace crates' Cargo.lock entries (offline, no index
    /// needed), and moves the `## [Unreleased]` entries of the changelog under a new
    /// `## [X.Y.Z] - YYYY-MM-DD`, leaving `## [Unreleased]` empty and updating the compare links.
    /// It refuses to write on a tree with uncommitted changes to tracked files, checks the
    /// result with `cargo xtask version --check`, and commits or tags only when asked.
    ///
    /// TO is one of:
    ///   major | minor | patch   1.2.3 -> 2.0.0 | 1.3.0 | 1.2.4. On a pre-release of that level
    ///                           it finishes the pre-release instead: 1.3.0-rc.1 + minor -> 1.3.0.
    ///   alpha | beta | rc       From a release, a pre-release of the next patch:
    ///                           0.1.0 + alpha -> 0.1.1-alpha.1. From the same stage, the next
    ///                           number: alpha.1 -> alpha.2. From an earlier stage, number 1 of
    ///                           this one: alpha.2 + beta -> beta.1. Never backwards (rc + alpha
    ///                           is refused); for a pre-release of a new minor or major, name
    ///                           it: `bump 0.2.0-alpha.1`.
    ///   release                 Drops the pre-release: 0.1.1-rc.2 -> 0.1.1.
    ///   X.Y.Z[-(alpha|beta|rc).N]
    ///                           Exactly that version; it must be newer than the current one.
    ///   auto                    The level the Conventional Commits since the last release tag
    ///                           call for, with the reasoning printed: from 1.0.0, a breaking
    ///                           change (`type!:` or a `BREAKING CHANGE:` footer) is major,
    ///                           `feat` minor, `fix`/`perf` patch. Before 1.0.0, Cargo's rule
    ///                           that 0.Y is the compatibility level shifts each one down:
    ///                           breaking is minor, `feat`/`fix`/`perf` patch (release-please's
    ///                           bump-minor-pre-major + bump-patch-for-minor-pre-major). Other
    ///                           commits call for no release. Refused on a pre-release.
    ///
    /// Every version must have a PEP 440 form for the Python package: X.Y.Z-alpha.N <-> X.Y.ZaN,
    /// -beta.N <-> bN, -rc.N <-> rcN. Build metadata (+x), other pre-release words and a
    /// pre-release without its number are refused here, not at upload time.
    #[command(verbatim_doc_comment)]
    Bump(Bump),
    /// Print a version's release notes, or draft `## [Unreleased]` entries from the commits.
    Changelog(Changelog),
    /// Release: plan, preflight, gates, package, wheels, verify, manifest, publish, record.
    ///
    /// A dry run (the default) is the live run minus the upload: it needs no credentials and
    /// leaves the working tree untouched; everything it makes goes to --out and target/.
    Release(Release),
    /// Publish artifacts already built and verified in --out: preflight, publish, record.
    ///
    /// This is how CI publishes what its build matrix made, and how a release whose upload
    /// failed is finished: what is already published (same sha256) is skipped.
    Publish(Release),
    /// Build what one CI job makes: a target's wheels (--target) or the crate and sdist (--source).
    ///
    /// A target's wheels are built one ABI family after the other (abi3, cp314t, abi3.abi3t),
    /// each with an interpreter that builds it; locally a family without one is left to CI, in CI
    /// it fails the job. Each artifact is checked (twine, check-wheel-contents, auditwheel,
    /// abi3audit, the exact wheel tags) and tested: each wheel in a fresh environment per planned
    /// CPython that installs it, the sdist built from source.
    Build(Build),
    /// Verify the complete artifact set in --out and write release-manifest.json and SHA256SUMS.
    ///
    /// Every planned file (this host's and every CI runner's) must be there and nothing else.
    Verify(Verify),
    /// Benchmark: criterion for the Rust kernels, then the Python package against numpy, pyproj
    /// and scipy.
    Bench(Bench),
    /// Print the release plan: version, tag, crates in publish order, artifacts, wheel targets,
    /// and which wheel an installer picks for each CPython.
    Plan(PlanCmd),
    /// Check that HEAD can be released live: it carries the release tag, which is on the
    /// default branch (and signed when `signed-tags = true`), and the notes are there.
    ///
    /// The release workflow's plan job runs it for a live run, so that a run from a branch
    /// stops before the build fan-out and the approval. A live release checks the same.
    CheckTag(CheckTag),
    /// Verify a published release from the registries alone: the crate, the wheels and sdist,
    /// and the GitHub Release are one release, built from the tag by this repository's workflow
    ///
    /// Checks, each printed with its evidence: the crate is in the index, its download has the
    /// index's checksum, and it was packaged from the commit the tag points at; the Python index
    /// lists exactly the files the plan names, each download has the index's sha256, and each has
    /// a PEP 740 provenance naming this repository's release workflow (required with
    /// --require-provenance); the GitHub Release (or --assets DIR) has SHA256SUMS and
    /// release-manifest.json, SHA256SUMS lists every registry file with its sha256, and its
    /// attestation verifies for the release workflow (with gh). What cannot be checked is
    /// reported as not checked, never as passed. Writes nothing but a temporary directory; exits
    /// 1 on any mismatch.
    #[command(verbatim_doc_comment)]
    VerifyRelease(VerifyRelease),
    /// Post the release summary (version, where each file was published, the GitHub Release)
    /// as JSON to the webhook in RELEASE_WEBHOOK_URL; without it, do nothing.
    ///
    /// It announces only a release the registries hold: every planned file with its sha256.
    Notify(Notify),
    /// Check that each workspace crate builds with the Rust it declares (`rust-version`).
    ///
    /// Uses the toolchain of that version when rustup has it; in GitHub Actions it installs it
    /// first; elsewhere it says how to install it and checks nothing.
    Msrv(Msrv),
    /// Create the GitHub Release of the version with `gh`: the changelog section as notes, every
    /// artifact, SHA256SUMS and release-manifest.json attached, pre-release for a, b and rc.
    ///
    /// The artifacts must be the verified ones in --out (they are checked against SHA256SUMS),
    /// and the registries must hold every one of them. Re-running is safe: an existing release
    /// only receives the assets it lacks. gh reads its token from GH_TOKEN.
    GithubRelease(GithubRelease),
    /// Propose the next version as a release pull request, or tag a merged one and release it
    ///
    /// Run on an up-to-date, clean checkout of the default branch with its full history (the
    /// release-pr workflow runs it on every push to main). What it does follows from git:
    ///
    ///   Unreleased commits      The next version, by `bump auto`'s rules over the Conventional
    ///                           Commits since the last release, is committed as one bump
    ///                           (`chore(release): X.Y.Z`, the changelog section drafted from
    ///                           the commits when `## [Unreleased]` is empty) on the branch
    ///                           `release/vX.Y.Z`, rebuilt from main every time and
    ///                           force-pushed; the pull request `release: vX.Y.Z` is opened or
    ///                           updated (an open one for an older version is closed in its
    ///                           favour). Nothing to release: it says so and does nothing.
    ///   A merged release        HEAD's version has no tag, and the first-parent history shows
    ///                           the commit that bumped it (the release PR merged by
    ///                           fast-forward, squash or merge commit, or a bump by hand): that
    ///                           commit is tagged `vX.Y.Z` (annotated; signed with
    ///                           `signed-tags = true`), the tag pushed, and the release workflow
    ///                           started on it (`gh workflow run release.yml --ref vX.Y.Z`),
    ///                           after checking its changelog section is dated and not empty.
    ///   The first release       Nothing was ever released (no tag, and the version never
    ///                           changed): the version main has is the one to release. When
    ///                           the changelog has its section, dated, and nothing under
    ///                           `## [Unreleased]`, main's tip is tagged and released as above;
    ///                           otherwise the release pull request `release: vX.Y.Z` writes
    ///                           that section (cut from `## [Unreleased]`, or those notes folded
    ///                           into the section already there).
    ///
    /// Every action (commit, push, tag, gh call) is planned first and printed; `--dry-run` stops
    /// there. It refuses a shallow clone, a version tagged off the default branch, and (live) a
    /// dirty tree or a HEAD behind origin. Pushes go to `origin`, authenticated with GH_TOKEN
    /// when it is set; gh reads GH_TOKEN too.
    #[command(verbatim_doc_comment)]
    ReleasePr(ReleasePr),
}

/// Dry run or live: chosen once, on the command line, and lowered into the run context. No
/// bool travels through the code in its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    DryRun,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry-run",
            Mode::Live => "live",
        }
    }
}

/// Which release, and where it goes.
#[derive(Debug, Clone, Default, Args)]
pub struct Destination {
    /// The tag to release; must be `v{workspace version}` (default: that tag).
    #[arg(long, value_name = "vX.Y.Z")]
    pub tag: Option<String>,
    /// The cargo registry to publish to, by name as cargo knows it (default: crates-io).
    #[arg(long, value_name = "NAME", env = "RELEASE_CRATES_REGISTRY", hide_env_values = true)]
    pub crates_registry: Option<String>,
    /// The Python upload endpoint (default: PyPI, or TestPyPI for a, b and rc versions).
    #[arg(long, value_name = "URL", env = "RELEASE_PYPI_URL", hide_env_values = true)]
    pub pypi_url: Option<String>,
    /// The simple index of that endpoint, to check what is already there.
    #[arg(long, value_name = "URL", env = "RELEASE_PYPI_INDEX", hide_env_values = true)]
    pub pypi_index: Option<String>,
}

#[derive(Debug, Args)]
pub struct Release {
    /// Rehearse the whole release without uploading anything (the default).
    #[arg(long, conflicts_with = "live")]
    pub dry_run: bool,
    /// Publish for real, after every guard has passed.
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub destination: Destination,
    /// Where artifacts, SHA256SUMS and release-manifest.json are written (default: dist/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the release manifest as JSON on stdout at the end.
    #[arg(long)]
    pub json: bool,
    /// Allow a live release from a private GitHub repository (its code becomes public).
    #[arg(long)]
    pub allow_private_repository: bool,
    /// Before any upload, verify the build-provenance attestation of SHA256SUMS (with gh): made
    /// by this repository's release workflow at this commit, as the release workflow's publish
    /// job requires of what its verify job handed over.
    #[arg(long)]
    pub require_attestation: bool,
}

#[derive(Debug, Args)]
pub struct Build {
    /// The Rust target triple of the wheels to build (one of the configured wheel targets).
    #[arg(
        long,
        value_name = "TRIPLE",
        required_unless_present = "source",
        conflicts_with = "source"
    )]
    pub target: Option<String>,
    /// Build the crate and the sdist instead of a wheel.
    #[arg(long)]
    pub source: bool,
    /// Test the wheels with this interpreter instead (path, or version like 3.11 or 3.14t;
    /// repeatable): each tests the wheel it installs. Default: the CPython builds the release
    /// configuration lists for the target.
    #[arg(long, value_name = "PYTHON")]
    pub python: Vec<String>,
    #[command(flatten)]
    pub destination: Destination,
    /// Where the artifacts go (default: dist/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Verify {
    #[command(flatten)]
    pub destination: Destination,
    /// The directory holding every artifact of the release (default: dist/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GithubRelease {
    /// Print the notes and the `gh` command instead of running it (reads the registries, sends
    /// nothing).
    #[arg(long)]
    pub dry_run: bool,
    /// Where the release was published, to check that every file is there.
    #[command(flatten)]
    pub destination: Destination,
    /// The directory holding the verified release: artifacts, SHA256SUMS, release-manifest.json
    /// (default: dist/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReleasePr {
    /// Print the plan (every git and gh action, the pull request's body) and run none of it;
    /// it only reads (git, origin's refs, gh's pull requests and runs).
    #[arg(long)]
    pub dry_run: bool,
    /// How the release workflow is started on a new tag: `gh workflow run … -f mode=live` or
    /// `-f mode=dry-run`, or `off` when the tag push starts it (a token other than the
    /// workflow's GITHUB_TOKEN, whose pushes start no workflow).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = Dispatch::Live, env = "RELEASE_DISPATCH")]
    pub dispatch: Dispatch,
}

/// How `release-pr` starts the release workflow on the tag it pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dispatch {
    Live,
    DryRun,
    Off,
}

#[derive(Debug, Args)]
pub struct Bench {
    /// Skip criterion and run only the Python comparison.
    #[arg(long)]
    pub python_only: bool,
    /// Exit non-zero when the Python package misses a speed target.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct Notify {
    /// Where the release was published, to check that every file is there.
    #[command(flatten)]
    pub destination: Destination,
    /// The directory holding the release's release-manifest.json (default: dist/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Msrv {}

#[derive(Debug, Args)]
pub struct CheckTag {
    /// The tag to check; must be `v{workspace version}` (default: that tag).
    #[arg(long, value_name = "vX.Y.Z")]
    pub tag: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyRelease {
    /// The release tag to verify (default: the tag of the workspace's version).
    #[arg(value_name = "vX.Y.Z")]
    pub tag: Option<String>,
    /// The cargo registry the crate was published to, by name as cargo knows it (default:
    /// crates-io).
    #[arg(long, value_name = "NAME", env = "RELEASE_CRATES_REGISTRY", hide_env_values = true)]
    pub crates_registry: Option<String>,
    /// The simple index the Python files were published to (default: PyPI, TestPyPI for a, b
    /// and rc versions).
    #[arg(long, value_name = "URL", env = "RELEASE_PYPI_INDEX", hide_env_values = true)]
    pub pypi_index: Option<String>,
    /// The GitHub repository whose release workflow must have built and attested the release
    /// (default: the workspace's `repository`).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// A directory holding the GitHub Release's assets, instead of downloading them with gh.
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    /// Fail when a Python file has no PEP 740 provenance (otherwise reported as not checked).
    #[arg(long)]
    pub require_provenance: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub format: Output,
}

/// How `verify-release` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PlanCmd {
    #[command(flatten)]
    pub destination: Destination,
    /// Output format: a table, JSON, or `key=value` lines for $GITHUB_OUTPUT.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

impl Release {
    pub fn mode(&self) -> Mode {
        if self.live { Mode::Live } else { Mode::DryRun }
    }
}

impl GithubRelease {
    pub fn mode(&self) -> Mode {
        if self.dry_run { Mode::DryRun } else { Mode::Live }
    }
}

impl ReleasePr {
    pub fn mode(&self) -> Mode {
        if self.dry_run { Mode::DryRun } else { Mode::Live }
    }
}

impl Command {
    /// Whether the command reads the repository's commits or tags (the others work in an
    /// exported copy too).
    pub fn reads_git(&self) -> bool {
        !matches!(
            self,
            Command::Lint(_)
                | Command::Test(_)
                | Command::Bench(_)
                | Command::Plan(_)
                | Command::Notify(_)
                | Command::Msrv(_)
        )
    }
}

impl Cli {
    /// Makes every path on the command line absolute against `cwd`, the directory the user ran
    /// the command from. This happens once, here at the edge: later code runs tools from the
    /// workspace root, where a relative path would mean something else.
    pub fn absolute_paths(mut self, cwd: &Path) -> Cli {
        let out = match &mut self.command {
            Command::Release(c) | Command::Publish(c) => &mut c.out,
            Command::Build(c) => &mut c.out,
            Command::Verify(c) => &mut c.out,
            Command::GithubRelease(c) => &mut c.out,
            Command::Notify(c) => &mut c.out,
            Command::VerifyRelease(c) => &mut c.assets,
            Command::Lint(_)
            | Command::Test(_)
            | Command::Version(_)
            | Command::Bump(_)
            | Command::Changelog(_)
            | Command::Bench(_)
            | Command::Plan(_)
            | Command::CheckTag(_)
            | Command::Msrv(_)
            | Command::ReleasePr(_) => return self,
        };
        if let Some(dir) = out.as_mut() {
            *dir = absolute(cwd, dir);
        }
        self
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved lexically (the directory may
/// not exist yet, so it cannot be canonicalized).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in cwd.join(path).components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[derive(Debug, Args)]
pub struct Version {
    /// Exit non-zero if any place disagrees, listing every disagreement and its fix.
    #[arg(long)]
    pub check: bool,
    /// Compare this release tag instead of the release tags at HEAD.
    #[arg(long, value_name = "vX.Y.Z")]
    pub tag: Option<String>,
}

#[derive(Debug, Args)]
pub struct Bump {
    /// major | minor | patch | alpha | beta | rc | release | auto | X.Y.Z[-(alpha|beta|rc).N]
    #[arg(value_name = "TO")]
    pub to: String,
    /// Print the edits as a unified diff (stdout) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit the edited files (only those) as `chore(release): X.Y.Z`.
    #[arg(long, conflicts_with = "dry_run")]
    pub commit: bool,
    /// Also tag that commit with the release tag (annotated); needs --commit.
    #[arg(long, requires = "commit")]
    pub tag: bool,
    /// The date of the new changelog heading (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

/// `--version` here names a release, so the command has no version flag of its own.
#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub struct Changelog {
    /// Print the notes of this version (`X.Y.Z` or its tag): the GitHub Release body.
    #[arg(long, value_name = "X.Y.Z", required_unless_present = "draft", conflicts_with = "draft")]
    pub version: Option<String>,
    /// Print proposed `## [Unreleased]` entries (Added, Changed, Fixed) from the Conventional
    /// Commits since the last release tag; writes nothing.
    #[arg(long)]
    pub draft: bool,
}

#[derive(Debug, Args)]
pub struct Lint {}

#[derive(Debug, Args)]
pub struct Test {
    /// Skip the Rust tests and run only the Python suite.
    #[arg(long)]
    pub python_only: bool,
    /// Leave out the end-to-end release tests (`#[ignore]`d: each runs a whole release on a
    /// copy of the workspace), as the release workflow's gate does.
    #[arg(long)]
    pub skip_end_to_end: bool,
    /// Extra arguments for pytest, after `--` (for example `-- -k haversine`).
    #[arg(last = true)]
    pub pytest_args: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn paths_are_made_absolute_against_the_callers_directory() {
        let cwd = Path::new("/work/repo/crates/core");
        assert_eq!(absolute(cwd, Path::new("../../../x")), Path::new("/work/x"));
        assert_eq!(absolute(cwd, Path::new("./dist")), Path::new("/work/repo/crates/core/dist"));
        assert_eq!(absolute(cwd, Path::new("/tmp/out")), Path::new("/tmp/out"));
        let cli = Cli::parse_from(["cargo xtask", "publish", "--out", "../d"]).absolute_paths(cwd);
        let Command::Publish(publish) = cli.command else { panic!("parsed as another command") };
        assert_eq!(publish.out.as_deref(), Some(Path::new("/work/repo/crates/d")));
    }

    /// Every subcommand's `--help` is a snapshot, so the CLI's documentation is reviewed like
    /// code (`UPDATE_GOLDEN=1 cargo test -p xtask` after an intended change).
    #[test]
    fn help_snapshots() {
        let mut cli = Cli::command();
        cli.build();
        crate::golden::check("help/cargo-xtask.txt", &cli.render_long_help().to_string());
        for sub in cli.get_subcommands_mut().filter(|s| s.get_name() != "help") {
            let name = sub.get_name().to_owned();
            crate::golden::check(&format!("help/{name}.txt"), &sub.render_long_help().to_string());
        }
    }
}
