//! `cargo xtask verify-release vX.Y.Z`: what a user runs to check a published release from the
//! registries alone — the crate on the cargo registry, the wheels and sdist on the Python index,
//! and the GitHub Release are one release, built from the tagged commit by this repository's
//! release workflow. No checkout of that version is needed: the plan of that version (its file
//! names) comes from this workspace's configuration.
//!
//! Every check is one line with its evidence; what cannot be checked here (no `gh`, an index
//! without PyPI's Integrity API) is reported as not checked, never as passed. Downloads go to a
//! temporary directory, removed at the end; nothing else is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use xshell::Shell;

use crate::digest::{self, Sha256};
use crate::files::FileName;
use crate::flags::{self, Destination, Output};
use crate::gh;
use crate::git::Repo;
use crate::host::Host;
use crate::http::{self, Request};
use crate::py::{self, Script};
use crate::python_env::{Group, PythonEnv};
use crate::release::manifest::{FILE_NAME as MANIFEST, SUMS_FILE_NAME as SUMS};
use crate::release::plan::{Kind, Plan};
use crate::release::registry::crates::CrateRegistry;
use crate::release::registry::pypi::{Link, PythonIndex};
use crate::workspace::Workspace;

/// The workflow that builds, attests and publishes a release.
const WORKFLOW: &str = "release.yml";

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::VerifyRelease) -> Result<()> {
    let prefix = &ws.config.tag_prefix;
    let tag = match &cmd.tag {
        Some(tag) => tag.clone(),
        None => format!("{prefix}{}", ws.version()?),
    };
    let version = tag.strip_prefix(prefix.as_str()).and_then(|v| semver::Version::parse(v).ok());
    let Some(version) = version else {
        bail!("`{tag}` is not a release tag: expected `{prefix}X.Y.Z`");
    };
    let index = cmd.pypi_index.clone();
    let destination = Destination {
        tag: Some(tag.clone()),
        crates_registry: cmd.crates_registry.clone(),
        pypi_url: index.clone(),
        pypi_index: index,
    };
    let plan = Plan::of_version(ws, &Host::elsewhere(), &destination, version)?;
    let env = PythonEnv::ensure(sh, &ws.root, Group::Release)?;
    let scratch = Scratch::new()?;
    let repo = cmd.repo.clone().or_else(|| ws.github_repository());
    let mut v = Verifier { sh, ws, plan: &plan, env: &env, dir: &scratch.0, checks: Vec::new() };
    let mut registry_files = v.crates()?;
    registry_files.extend(v.python(repo.as_deref(), cmd.require_provenance)?);
    v.assets(cmd.assets.as_deref(), repo.as_deref(), &registry_files)?;
    let report = Report::of(&plan.tag, v.checks);
    match cmd.format {
        Output::Json => print!("{}", crate::json::pretty(&report)?),
        Output::Text => print!("{}", report.text()),
    }
    if report.failed > 0 {
        bail!("{} is not verified: {} check(s) failed (see above)", plan.tag, report.failed);
    }
    Ok(())
}

/// How one check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Passed,
    Failed,
    NotChecked,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub verdict: Verdict,
    pub check: String,
    pub evidence: String,
}

#[derive(Debug, Serialize)]
struct Report {
    tag: String,
    passed: usize,
    failed: usize,
    not_checked: usize,
    checks: Vec<Check>,
}

impl Report {
    fn of(tag: &str, checks: Vec<Check>) -> Report {
        let count = |v| checks.iter().filter(|c| c.verdict == v).count();
        let (passed, failed, not_checked) =
            (count(Verdict::Passed), count(Verdict::Failed), count(Verdict::NotChecked));
        Report { tag: tag.to_owned(), passed, failed, not_checked, checks }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = match c.verdict {
                Verdict::Passed => "✓",
                Verdict::Failed => "✗",
                Verdict::NotChecked => "–",
            };
            let not = if c.verdict == Verdict::NotChecked { "not checked: " } else { "" };
            out.push_str(&format!("{mark} {}: {not}{}\n", c.check, c.evidence));
        }
        out.push_str(&format!(
            "\nverify-release {}: {} passed, {} failed, {} not checked\n",
            self.tag, self.passed, self.failed, self.not_checked
        ));
        out
    }
}

/// A temporary directory for the downloads, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("xtask-verify-release-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Verifier<'a> {
    sh: &'a Shell,
    ws: &'a Workspace,
    plan: &'a Plan,
    env: &'a PythonEnv,
    dir: &'a Path,
    checks: Vec<Check>,
}

impl Verifier<'_> {
    fn say(&mut self, verdict: Verdict, check: String, evidence: String) {
        self.checks.push(Check { verdict, check, evidence });
    }

    fn compare(&mut self, holds: bool, check: String, passed: String, failed: String) {
        let (verdict, evidence) =
            if holds { (Verdict::Passed, passed) } else { (Verdict::Failed, failed) };
        self.say(verdict, check, evidence);
    }

    /// Each crate: in the index at this version, its download's sha256 the index's checksum, and
    /// packaged from the commit the tag points at. Returns the downloads' hashes.
    fn crates(&mut self) -> Result<BTreeMap<FileName, Sha256>> {
        let registry = CrateRegistry::open(
            self.sh,
            self.env.python(),
            &self.ws.root,
            &self.plan.crates_registry,
        )?;
        let tagged = self.tagged_commit();
        let version = self.plan.version.to_string();
        let mut hashes = BTreeMap::new();
        for c in &self.plan.crates {
            let check = format!("crate {} {version} on `{}`", c.name, registry.name);
            let entry = registry.versions(&c.name)?.into_iter().find(|e| e.version == version);
            let Some(cksum) = entry.and_then(|e| e.cksum) else {
                self.say(
                    Verdict::Failed,
                    check,
                    "the index does not list it (with a checksum)".into(),
                );
                continue;
            };
            self.say(Verdict::Passed, check.clone(), format!("listed with checksum {cksum}"));
            let url = registry.download_url(&c.name, &version)?;
            let Some((sha, path)) = self.download(&url, &c.file)? else {
                self.say(
                    Verdict::Failed,
                    format!("{} download", c.file),
                    format!("{url} cannot be downloaded"),
                );
                continue;
            };
            self.compare(
                sha == cksum,
                format!("{} download", c.file),
                format!("sha256 {sha} = the index's checksum ({url})"),
                format!("sha256 {sha}, but the index lists {cksum} ({url})"),
            );
            self.vcs_commit(&c.file, &path, tagged.as_deref());
            hashes.insert(c.file.clone(), sha);
        }
        Ok(hashes)
    }

    /// The commit the crate says it was packaged from (`.cargo_vcs_info.json`) is the tag's.
    fn vcs_commit(&mut self, file: &FileName, path: &Path, tagged: Option<&str>) {
        let check = format!("{file} source commit");
        let inside = self.inspect(path).ok().and_then(|i| i.vcs_commit);
        match (inside, tagged) {
            (None, _) => self.say(Verdict::Failed, check, "no .cargo_vcs_info.json: packaged from a dirty tree or outside git".into()),
            (Some(_), None) => self.say(Verdict::NotChecked, check, format!("the commit of {} is not known here (fetch the tags: `git fetch --tags origin`)", self.plan.tag)),
            (Some(commit), Some(tagged)) => self.compare(
                commit == tagged,
                check,
                format!("{commit} = the commit {} points at", self.plan.tag),
                format!("packaged from {commit}, but {} points at {tagged}", self.plan.tag),
            ),
        }
    }

    /// The commit the release tag points at: here, or on origin.
    fn tagged_commit(&self) -> Option<String> {
        let repo = Repo::at(self.sh, &self.ws.root);
        let reference = format!("refs/tags/{}", self.plan.tag);
        if let Ok(Some(commit)) = repo.resolve(&reference) {
            return Some(commit.to_string());
        }
        repo.origin_refs().ok()?.tags.get(&self.plan.tag).cloned()
    }

    /// The Python index lists exactly the plan's files for this version, each download has the
    /// sha256 the index gives, and each has a provenance naming this repository's workflow.
    fn python(
        &mut self,
        repo: Option<&str>,
        require_provenance: bool,
    ) -> Result<BTreeMap<FileName, Sha256>> {
        let endpoints = (self.plan.pypi_url.as_str(), self.plan.pypi_index.as_str());
        let index = PythonIndex::new(
            self.sh,
            self.env.python(),
            self.env.bin("uv"),
            endpoints,
            &self.plan.python_name,
        );
        let links = self.python_files(&index)?;
        let mut hashes = BTreeMap::new();
        for (file, link) in &links {
            let Some((sha, _)) = self.download(&link.url, file)? else {
                self.say(
                    Verdict::Failed,
                    format!("{file} download"),
                    format!("{} cannot be downloaded", link.url),
                );
                continue;
            };
            self.compare(
                link.sha256.as_ref() == Some(&sha),
                format!("{file} download"),
                format!("sha256 {sha} = the index's ({})", link.url),
                format!(
                    "sha256 {sha}, but the index lists {:?} ({})",
                    link.sha256.as_ref().map(Sha256::as_str),
                    link.url
                ),
            );
            self.provenance(&index, (file, &sha), repo, require_provenance)?;
            hashes.insert(file.clone(), sha);
        }
        Ok(hashes)
    }

    /// The index's files of this version, which must be exactly the plan's.
    fn python_files(&mut self, index: &PythonIndex) -> Result<BTreeMap<FileName, Link>> {
        let dist = crate::workspace::pyproject::normalize_dist_name(&self.plan.python_name);
        let version = Some(self.plan.python_version.as_str());
        let links: BTreeMap<FileName, Link> = index
            .links()?
            .into_iter()
            .filter(|(f, _)| crate::pep440::version_in_file_name(f.as_str(), &dist) == version)
            .collect();
        let planned: Vec<&FileName> =
            self.plan.artifacts.iter().filter(|a| a.kind != Kind::Crate).map(|a| &a.file).collect();
        let missing: Vec<String> =
            planned.iter().filter(|f| !links.contains_key(**f)).map(|f| f.to_string()).collect();
        let extra: Vec<String> =
            links.keys().filter(|f| !planned.contains(f)).map(ToString::to_string).collect();
        let (name, index_url) = (&self.plan.python_name, &self.plan.pypi_index);
        self.compare(
            missing.is_empty() && extra.is_empty(),
            format!("{name} {} on {index_url}", self.plan.python_version),
            format!("exactly the {} files the plan names", planned.len()),
            [("missing", &missing), ("not in the plan", &extra)]
                .iter()
                .filter(|(_, files)| !files.is_empty())
                .map(|(what, files)| format!("{what}: {}", files.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
        );
        Ok(links)
    }

    /// PyPI's Integrity API: the file's PEP 740 provenance names this repository's release
    /// workflow as its publisher, and every attestation in it is of this file, with the sha256
    /// of the bytes downloaded. PyPI verified the attestations when they were uploaded;
    /// `pypi-attestations verify pypi` checks their signatures again, offline of PyPI.
    fn provenance(
        &mut self,
        index: &PythonIndex,
        (file, sha): (&FileName, &Sha256),
        repo: Option<&str>,
        required: bool,
    ) -> Result<()> {
        let url = index.provenance_url(&self.plan.python_version, file);
        let check = format!("{file} provenance");
        let absent = if required { Verdict::Failed } else { Verdict::NotChecked };
        let answer = http::send(self.sh, &self.env.python(), Request::Get { url: &url })?;
        let answer = match answer {
            Ok(answer) if answer.status == 200 => answer,
            Ok(answer) => {
                let why = format!(
                    "{url} answered {} (required with --require-provenance)",
                    answer.describe()
                );
                self.say(absent, check, why);
                return Ok(());
            }
            Err(why) => {
                self.say(absent, check, format!("{url} does not answer: {why}"));
                return Ok(());
            }
        };
        let provenance: Provenance =
            crate::json::parse(&answer.body).with_context(|| format!("read {url}"))?;
        let (ours, publishers) = provenance.published_by(repo);
        let expected = repo.map_or("this repository (pass --repo OWNER/NAME)".to_owned(), |r| {
            format!("GitHub {r}/{WORKFLOW}")
        });
        let subjects = provenance.subjects().with_context(|| format!("read {url}"))?;
        let this_file = !subjects.is_empty()
            && subjects
                .iter()
                .all(|(name, digest)| name == file.as_str() && digest == sha.as_str());
        let mut wrong = Vec::new();
        if !ours {
            wrong.push(format!("published by [{}], expected {expected}", publishers.join(", ")));
        }
        if !this_file {
            let attested: Vec<String> = subjects.iter().map(|(n, d)| format!("{n} {d}")).collect();
            wrong.push(format!(
                "attests [{}], expected {file} with sha256 {sha}",
                attested.join(", ")
            ));
        }
        self.compare(
            wrong.is_empty(),
            check,
            format!("published by {}, of sha256 {sha} ({url})", publishers.join(", ")),
            format!("{} ({url})", wrong.join("; ")),
        );
        Ok(())
    }

    /// The GitHub Release (or `--assets DIR`): SHA256SUMS and the manifest are assets, SHA256SUMS
    /// lists every registry file with its sha256, and its build-provenance attestation names
    /// this repository's release workflow.
    fn assets(
        &mut self,
        assets: Option<&Path>,
        repo: Option<&str>,
        registry: &BTreeMap<FileName, Sha256>,
    ) -> Result<()> {
        let dir = match (assets, repo) {
            (Some(dir), _) => dir.to_path_buf(),
            (None, Some(repo)) if gh::unusable(self.sh).is_none() => {
                let (dir, tag) = (self.dir.join("assets"), &self.plan.tag);
                let args = ["release", "download", tag, "--repo", repo, "--dir"];
                let dir_arg = dir.to_string_lossy();
                let got = gh::read(self.sh, &[&args[..], &[&dir_arg]].concat(), "");
                if got.is_err() {
                    self.say(
                        Verdict::Failed,
                        "GitHub Release".into(),
                        format!("`gh release download {tag} --repo {repo}` failed"),
                    );
                    return Ok(());
                }
                dir
            }
            _ => {
                let why = "needs gh and --repo OWNER/NAME (or --assets DIR holding its assets)";
                self.say(Verdict::NotChecked, "GitHub Release".into(), why.into());
                return Ok(());
            }
        };
        for name in [SUMS, MANIFEST] {
            let path = dir.join(name);
            self.compare(
                path.is_file(),
                format!("asset {name}"),
                format!("in {}", dir.display()),
                format!("missing from {}", dir.display()),
            );
        }
        let Ok(text) = std::fs::read_to_string(dir.join(SUMS)) else { return Ok(()) };
        let listed: BTreeMap<FileName, Sha256> = digest::parse_sums(&text)?.into_iter().collect();
        for (file, sha) in registry {
            let check = format!("{file} in {SUMS}");
            match listed.get(file) {
                Some(l) if l == sha => {
                    self.say(Verdict::Passed, check, format!("listed with {sha}"))
                }
                Some(l) => self.say(
                    Verdict::Failed,
                    check,
                    format!("listed with {l}, but the registry's file has {sha}"),
                ),
                None => self.say(Verdict::Failed, check, format!("{SUMS} does not list it")),
            }
        }
        self.attestation(&dir.join(SUMS), repo)
    }

    /// `gh attestation verify` of SHA256SUMS: signed by this repository's release workflow,
    /// run on the release tag.
    fn attestation(&mut self, sums: &Path, repo: Option<&str>) -> Result<()> {
        let check = format!("{SUMS} attestation");
        let Some(repo) = repo else {
            self.say(Verdict::NotChecked, check, "pass --repo OWNER/NAME".into());
            return Ok(());
        };
        if which::which("gh").is_err() {
            self.say(Verdict::NotChecked, check, format!("gh is not installed; where it is: `gh attestation verify {SUMS} --repo {repo} --signer-workflow {repo}/.github/workflows/{WORKFLOW}`"));
            return Ok(());
        }
        let workflow = format!("{repo}/.github/workflows/{WORKFLOW}");
        let source_ref = format!("refs/tags/{}", self.plan.tag);
        let sums = sums.to_string_lossy();
        let args = ["attestation", "verify", &sums, "--repo", repo, "--signer-workflow", &workflow];
        let args = [&args[..], &["--source-ref", &source_ref, "--format", "json"]].concat();
        let run = gh::output(self.sh, &args, "")?;
        let said = String::from_utf8_lossy(&run.stderr)
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("")
            .to_owned();
        self.compare(
            run.status.success(),
            check,
            format!("signed by {workflow} on {source_ref} (gh attestation verify)"),
            format!("gh attestation verify refused it: {said}"),
        );
        Ok(())
    }

    /// Downloads `url` into the scratch directory as `file`; its sha256 and path, or `None` when
    /// there is nothing to download.
    fn download(&self, url: &str, file: &FileName) -> Result<Option<(Sha256, PathBuf)>> {
        let dest = self.dir.join(file);
        let answer =
            http::send(self.sh, &self.env.python(), Request::Download { url, dest: &dest })?;
        if !matches!(answer, Ok(ref a) if a.status == 200) || !dest.is_file() {
            return Ok(None);
        }
        Ok(Some((digest::sha256_file(&dest)?.0, dest)))
    }

    fn inspect(&self, path: &Path) -> Result<Inspected> {
        let json = py::run(self.sh, &self.env.python(), Script::InspectArtifacts)
            .arg(path)
            .quiet()
            .read()?;
        let mut all: BTreeMap<String, Inspected> = crate::json::parse(&json)?;
        all.remove(&path.to_string_lossy().into_owned()).context("the inspection skipped the file")
    }
}

#[derive(Debug, Deserialize)]
struct Inspected {
    vcs_commit: Option<String>,
}

/// PyPI's Integrity API answer (`application/vnd.pypi.integrity.v1+json`).
#[derive(Debug, Deserialize)]
struct Provenance {
    attestation_bundles: Vec<Bundle>,
}

#[derive(Debug, Deserialize)]
struct Bundle {
    publisher: Publisher,
    attestations: Vec<Attestation>,
}

/// A PEP 740 attestation; of it, only what it is about is read here (its signature is
/// `pypi-attestations verify pypi`'s to check).
#[derive(Debug, Deserialize)]
struct Attestation {
    envelope: Envelope,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    /// The in-toto statement, base64-encoded JSON.
    statement: String,
}

/// An in-toto statement: the files it is about, by name and digest.
#[derive(Debug, Deserialize)]
struct Statement {
    subject: Vec<Subject>,
}

#[derive(Debug, Deserialize)]
struct Subject {
    name: String,
    digest: SubjectDigest,
}

#[derive(Debug, Deserialize)]
struct SubjectDigest {
    sha256: String,
}

#[derive(Debug, Deserialize)]
struct Publisher {
    kind: String,
    repository: Option<String>,
    workflow: Option<String>,
}

impl Provenance {
    /// Whether every bundle was published by `repo`'s release workflow on GitHub, and who
    /// published each.
    fn published_by(&self, repo: Option<&str>) -> (bool, Vec<String>) {
        let name = |p: &Publisher| {
            let (r, w) =
                (p.repository.as_deref().unwrap_or("?"), p.workflow.as_deref().unwrap_or("?"));
            format!("{} {r}/{w}", p.kind)
        };
        let ours = |p: &Publisher| {
            p.kind == "GitHub"
                && p.workflow.as_deref() == Some(WORKFLOW)
                && matches!((repo, &p.repository), (Some(r), Some(p)) if p.eq_ignore_ascii_case(r))
        };
        let bundles = &self.attestation_bundles;
        let holds = !bundles.is_empty() && bundles.iter().all(|b| ours(&b.publisher));
        (holds, bundles.iter().map(|b| name(&b.publisher)).collect())
    }

    /// What every attestation is about: each subject's file name and sha256.
    fn subjects(&self) -> Result<Vec<(String, String)>> {
        let mut subjects = Vec::new();
        for attestation in self.attestation_bundles.iter().flat_map(|b| &b.attestations) {
            let json = base64_decode(&attestation.envelope.statement)
                .context("an attestation's statement is not base64")?;
            let statement: Statement = serde_json::from_slice(&json)
                .context("an attestation's statement is not an in-toto statement")?;
            subjects.extend(statement.subject.into_iter().map(|s| (s.name, s.digest.sha256)));
        }
        Ok(subjects)
    }
}

/// Standard base64 (RFC 4648, padded or not); `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let text = text.trim_end_matches('=');
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut held) = (0u32, 0u32);
    for c in text.bytes() {
        let value = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | value;
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    (held < 6).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PyPI's real answer for another project (tests/fixtures/README.md): its publisher is that
    /// project's release workflow, and no other repository's.
    #[test]
    fn provenance_names_the_publishing_workflow() {
        let text = crate::golden::read(
            "../fixtures/integrity/pypi_attestations-0.0.19.tar.gz.provenance.json",
        );
        let provenance: Provenance = crate::json::parse(&text).unwrap();
        let (holds, publishers) = provenance.published_by(Some("trailofbits/pypi-attestations"));
        assert!(holds, "{publishers:?}");
        assert_eq!(publishers, ["GitHub trailofbits/pypi-attestations/release.yml"]);
        assert!(!provenance.published_by(Some("geodist-rs/geodist")).0);
        assert!(!provenance.published_by(None).0, "no repository to compare: not passed");
        let empty: Provenance = crate::json::parse(r#"{"attestation_bundles": []}"#).unwrap();
        assert!(!empty.published_by(Some("trailofbits/pypi-attestations")).0);
        assert_eq!(
            provenance.subjects().unwrap(),
            [(
                "pypi_attestations-0.0.19.tar.gz".to_owned(),
                "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3".to_owned()
            )]
        );
    }

    #[test]
    fn base64_is_read_as_rfc_4648_writes_it() {
        for (text, bytes) in [
            ("", &b""[..]),
            ("Zg==", b"f"),
            ("Zm8=", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg", b"foob"),
            ("Zm9vYmFy", b"foobar"),
            ("+/8=", &[0xfb, 0xff]),
        ] {
            assert_eq!(base64_decode(text).as_deref(), Some(bytes), "{text}");
        }
        assert_eq!(base64_decode("Zm9v!"), None);
        assert_eq!(base64_decode("Z"), None, "six bits make no byte");
    }

    #[test]
    fn every_check_is_a_line_with_its_evidence() {
        let check =
            |verdict, check: &str| Check { verdict, check: check.into(), evidence: "e".into() };
        let report = Report::of(
            "v1.0.0",
            vec![
                check(Verdict::Passed, "a"),
                check(Verdict::Failed, "b"),
                check(Verdict::NotChecked, "c"),
            ],
        );
        assert_eq!(
            report.text(),
            "✓ a: e\n✗ b: e\n– c: not checked: e\n\nverify-release v1.0.0: 1 passed, 1 failed, 1 not checked\n"
        );
        let json: serde_json::Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["checks"][2]["verdict"], "not-checked");
    }
}
