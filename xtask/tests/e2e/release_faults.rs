//! The release against real registries on 127.0.0.1 when what it is given, or what the
//! registries answer, is not what it should be — and `verify-release` over what it published.
//!
//! Each scenario works on a copy of the verified dist's workspace ([`Live::built_at`]) in a path
//! with spaces and non-ASCII letters, with registries of its own. Faults come from a small proxy
//! of our own in front of pypiserver (`support/proxy.rs`); what neither registry implements comes
//! from recorded answers (`tests/fixtures/README.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::support::proxy::{Fault, FaultProxy};
use crate::support::{self, Live, Scratch, copy_tree, sha256};

/// Where a case's workspace is, in its scratch directory.
const SPACED: &str = "dir with spaces/ünï cødé/ws";

/// One scenario: a copy of the verified dist's workspace and fresh registries, PyPI's behind a
/// fault proxy.
struct Case {
    live: Live,
    proxy: FaultProxy,
}

impl std::ops::Deref for Case {
    type Target = Live;
    fn deref(&self) -> &Live {
        &self.live
    }
}

impl Case {
    fn new(name: &str) -> Option<Case> {
        let live = Live::built_at(name, SPACED)?;
        let proxy = FaultProxy::start(live.pypi.server.port);
        Some(Case { live, proxy })
    }

    fn dist(&self) -> PathBuf {
        self.ws.join("dist")
    }

    /// `cargo xtask <command> --live` (or as `args` say) against this case's registries, with
    /// good credentials and `extra` environment.
    fn xtask(&self, args: &[&str], extra: &[(&str, String)]) -> Output {
        let mut env = self.good();
        env.extend(extra.iter().cloned());
        let (url, index) = (self.proxy.url(), self.proxy.index_url());
        let destination =
            ["--crates-registry", "local", "--pypi-url", &url, "--pypi-index", &index];
        support::xtask(&self.ws, &[args, &destination].concat(), &env)
    }

    /// `cargo xtask build ARGS` with the cargo target directory that the builds of these
    /// scenarios share, `target/e2e-builds`, as a maintainer's CARGO_TARGET_DIR would have it:
    /// what one built (the sdist's dependencies) the next does not build again, on this run and
    /// the next. They take turns, for the reason given at
    /// [`Dist::take_turn`](crate::support::dist::Dist::take_turn); the dist's own
    /// directory is left to the scenario that releases again where the dist was built.
    fn build(&self, args: &[&str]) -> Output {
        static TURN: Mutex<()> = Mutex::new(());
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let target = support::repo_root().join("target/e2e-builds");
        let env = [("CARGO_TARGET_DIR", target.display().to_string())];
        self.xtask(&[&["build"], args].concat(), &env)
    }

    fn publish(&self, extra: &[(&str, String)]) -> Output {
        self.xtask(&["publish", "--live"], extra)
    }

    fn write_manifest(&self, manifest: &Value) {
        let text = serde_json::to_string_pretty(manifest).unwrap();
        std::fs::write(self.dist().join("release-manifest.json"), text).unwrap();
    }

    /// file → publish status.
    fn status(&self, suffix: &str) -> String {
        let manifest = self.manifest();
        let record = manifest["publish"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["file"].as_str().unwrap().ends_with(suffix));
        record.map_or_else(|| "no record".into(), |p| p["status"].as_str().unwrap().to_owned())
    }

    fn wheel(&self) -> String {
        let manifest = self.manifest();
        let files = manifest["artifacts"].as_array().unwrap().iter();
        files.map(|a| a["file"].as_str().unwrap().to_owned()).find(|f| f.ends_with(".whl")).unwrap()
    }

    fn sdist(&self) -> String {
        format!("geodist_rs-{}.tar.gz", self.python_version())
    }

    /// The environment of a run whose `gh` is a stand-in (GitHub cannot run here): `gh
    /// attestation verify FILE` succeeds when FILE has the bytes of `attested` and the policy
    /// names this test's repository and release workflow, and fails as gh does otherwise.
    fn stand_in_gh(&self, attested: &Path) -> Vec<(&'static str, String)> {
        let bin = self.scratch.path.join("stand-in bin");
        std::fs::create_dir_all(&bin).unwrap();
        let gh = bin.join("gh");
        let script = "#!/bin/sh\n\
            [ \"$1 $2\" = 'attestation verify' ] || { echo \"stand-in gh: not $*\" >&2; exit 2; }\n\
            file=$3; shift 3\n\
            policy='--repo e2e/geodist --signer-workflow e2e/geodist/.github/workflows/release.yml'\n\
            case \"$*\" in \"$policy\"*) ;; *) echo \"stand-in gh: policy $*\" >&2; exit 2;; esac\n\
            cmp -s \"$file\" \"$ATTESTED\" && exit 0\n\
            echo 'Loaded 1 attestation from GitHub API' >&2\n\
            echo 'Error: verifying with issuer \"sigstore.dev\": no attestations matched the policy' >&2\n\
            exit 1\n";
        std::fs::write(&gh, script).unwrap();
        std::fs::set_permissions(&gh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        vec![
            ("PATH", path),
            ("ATTESTED", attested.display().to_string()),
            ("GITHUB_REPOSITORY", "e2e/geodist".to_owned()),
        ]
    }
}

#[track_caller]
fn refused(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "expected a refusal");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in the message:\n{stderr}");
    }
    stderr
}

#[track_caller]
fn succeeded(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the command failed:\n{stderr}");
    stderr
}

/// A manifest of another release whose artifacts are named `../victims/precious.txt` and an
/// absolute path cannot make a run delete either: it does not parse, and the run stops.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_manifest_naming_files_outside_out_deletes_nothing() {
    if support::tools().is_none() {
        return;
    }
    let scratch = Scratch::new("outside-out");
    let ws = scratch.path.join("ws");
    support::copy_workspace(&ws);
    let victims = scratch.path.join("victims");
    std::fs::create_dir_all(&victims).unwrap();
    let (relative, absolute) = (victims.join("precious.txt"), victims.join("absolute.txt"));
    std::fs::write(&relative, "mine").unwrap();
    std::fs::write(&absolute, "mine too").unwrap();
    let dist = scratch.path.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    for (file, name) in
        [("../victims/precious.txt", "relative"), (absolute.to_str().unwrap(), "absolute")]
    {
        let manifest = serde_json::json!({
            "version": "0.0.9", "python_version": "0.0.9", "tag": "v0.0.9",
            "commit": "a".repeat(40), "mode": "dry-run", "stages": [], "publish": [],
            "artifacts": [{"file": file, "kind": "sdist", "sha256": "b".repeat(64), "size": 1, "target": null}],
        });
        std::fs::write(dist.join("release-manifest.json"), manifest.to_string()).unwrap();
        let dist_arg = dist.to_string_lossy().into_owned();
        let out = support::xtask(&ws, &["build", "--source", "--out", &dist_arg], &[]);
        refused(&out, &["is in the way", "artifacts[0].file", "expected a plain file name"]);
        assert!(relative.exists() && absolute.exists(), "a victim was deleted ({name})");
    }
}

/// `build --source` into a dist that holds this release's verified host wheel and a wheel
/// downloaded from CI (a Windows one) rebuilds the crate and the sdist only: both wheels and their
/// records survive, and are verified again with the rest.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn building_the_source_keeps_every_other_verified_artifact() {
    let Some(case) = Case::new("keeps-wheels") else { return };
    let wheel = case.wheel();
    let ci_wheel = format!("geodist_rs-{}-cp310-abi3-win_amd64.whl", case.python_version());
    std::fs::copy(case.dist().join(&wheel), case.dist().join(&ci_wheel)).unwrap();
    retag_wheel(&case.dist().join(&ci_wheel), &["cp310-abi3-win_amd64".to_owned()]);
    let mut manifest = case.manifest();
    let artifacts = manifest["artifacts"].as_array_mut().unwrap();
    let mut record = artifacts.iter().find(|a| a["file"] == wheel.as_str()).unwrap().clone();
    record["file"] = ci_wheel.clone().into();
    record["sha256"] = sha256(&case.dist().join(&ci_wheel)).into();
    record["size"] = std::fs::metadata(case.dist().join(&ci_wheel)).unwrap().len().into();
    record["target"] = "x86_64-pc-windows-msvc".into();
    artifacts.push(record);
    case.write_manifest(&manifest);
    let before = [&wheel, &ci_wheel].map(|w| sha256(&case.dist().join(w)));
    succeeded(&case.build(&["--source", "--out", "dist"]));
    let after = case.manifest();
    for (kept, sha) in [&wheel, &ci_wheel].into_iter().zip(&before) {
        let record =
            after["artifacts"].as_array().unwrap().iter().find(|a| a["file"] == kept.as_str());
        assert!(record.is_some_and(|r| r["sha256"] == sha.as_str()), "{kept}'s record: {after}");
        assert_eq!(&sha256(&case.dist().join(kept)), sha, "{kept} was rebuilt or replaced");
    }
}

/// The plan decides what a publish must hold: the crate and the sdist alone (`build --source`),
/// or a dist whose host wheel was removed with its records, are refused before any upload,
/// naming the wheel and the command that builds it.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_publish_without_the_host_wheel_is_refused() {
    let Some(case) = Case::new("no-host-wheel") else { return };
    let wheel = case.wheel();
    std::fs::remove_file(case.dist().join(&wheel)).unwrap();
    let mut manifest = case.manifest();
    manifest["artifacts"].as_array_mut().unwrap().retain(|a| a["file"] != wheel.as_str());
    manifest["publish"].as_array_mut().unwrap().retain(|p| p["file"] != wheel.as_str());
    case.write_manifest(&manifest);
    let build = "cargo xtask build --target x86_64-unknown-linux-gnu --out";
    refused(&case.publish(&[]), &[&format!("{wheel} is missing from"), build]);
    case.nothing_published();
    let only_source = case.scratch.path.join("only source");
    let out_arg = only_source.to_string_lossy().into_owned();
    succeeded(&case.build(&["--source", "--out", &out_arg]));
    refused(
        &case.xtask(&["publish", "--live", "--out", &out_arg], &[]),
        &[&format!("{wheel} is missing from"), build],
    );
    case.nothing_published();
}

/// A wheel swapped for another whose records (manifest and SHA256SUMS) were rewritten to match
/// is refused by what is inside it: its WHEEL tags are not the ones its name promises. With the
/// manifest alone rewritten, SHA256SUMS as found gives it away.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_swapped_wheel_is_refused_at_the_door() {
    let Some(case) = Case::new("swapped-wheel") else { return };
    let wheel = case.wheel();
    let path = case.dist().join(&wheel);
    retag_wheel(&path, &["cp310-abi3-manylinux_2_17_aarch64".to_owned()]);
    let (sha, size) = (sha256(&path), std::fs::metadata(&path).unwrap().len());
    let mut manifest = case.manifest();
    for a in manifest["artifacts"].as_array_mut().unwrap() {
        if a["file"] == wheel.as_str() {
            a["sha256"] = sha.clone().into();
            a["size"] = size.into();
        }
    }
    case.write_manifest(&manifest);
    refused(&case.publish(&[]), &["are not the verified ones", "SHA256SUMS lists"]);
    case.nothing_published();
    let sums = std::fs::read_to_string(case.dist().join("SHA256SUMS")).unwrap();
    let sums: String = sums
        .lines()
        .map(|l| if l.ends_with(&wheel) { format!("{sha}  {wheel}\n") } else { format!("{l}\n") })
        .collect();
    std::fs::write(case.dist().join("SHA256SUMS"), sums).unwrap();
    refused(
        &case.publish(&[]),
        &["are not the verified ones", "its WHEEL file has the wrong tags"],
    );
    case.nothing_published();
}

/// PyPI answers 200 to the sdist and never stores it: the read-back does not see it, so it is
/// recorded as failed, not published, and neither the GitHub Release nor the webhook announce
/// the release, naming the file the registry lacks. Hand-set `published` records change nothing,
/// and a dry run's dist, before anything is published, announces nothing either.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_lost_upload_is_not_published_and_not_announced() {
    let Some(case) = Case::new("lost-upload") else { return };
    let sdist = case.sdist();
    let lacks = format!("{sdist} is not on");
    // The dry run's dist, before anything is published: nothing to announce.
    let webhook = [("RELEASE_WEBHOOK_URL", "http://127.0.0.1:9/hook".to_owned())];
    refused(&case.xtask(&["notify", "--out", "dist"], &webhook), &["not announced", &lacks]);
    case.proxy.fail_uploads(&[Fault::Lose]);
    let patience = [("XTASK_READ_BACK_TIMEOUT", "3".to_owned())];
    refused(&case.publish(&patience), &[&sdist, "does not list it within 3s"]);
    assert_eq!(case.status(".crate"), "published");
    assert_eq!(case.status(".tar.gz"), "failed");
    refused(
        &case.xtask(&["github-release", "--out", "dist"], &[]),
        &["do not hold the release", &lacks],
    );
    let mut manifest = case.manifest();
    for p in manifest["publish"].as_array_mut().unwrap() {
        p["status"] = "published".into();
    }
    case.write_manifest(&manifest);
    refused(&case.xtask(&["github-release", "--out", "dist"], &[]), &[&lacks]);
    refused(&case.xtask(&["notify", "--out", "dist"], &webhook), &["not announced", &lacks]);
}

/// `publish --require-attestation` (the release workflow's publish) with a SHA256SUMS that the
/// release workflow did not attest — here, the attested list of another build — is refused
/// before any upload, in gh's words.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn an_unattested_list_is_not_published() {
    let Some(case) = Case::new("unattested") else { return };
    let attested = case.scratch.path.join("attested SHA256SUMS");
    std::fs::write(&attested, "0000  geodist_rs-0.1.0-other-build.whl\n").unwrap();
    let gh = case.stand_in_gh(&attested);
    refused(
        &case.xtask(&["publish", "--live", "--require-attestation"], &gh),
        &[
            "SHA256SUMS in",
            "is not attested by e2e/geodist/.github/workflows/release.yml",
            "no attestations matched the policy",
            "nothing was uploaded",
        ],
    );
    case.nothing_published();
}

/// One 500, then an upload held without an answer: both are asked again (the registry decides
/// first whether the file arrived), and the release completes, each file once. The publish is
/// the release workflow's (`--require-attestation`), with the dist's SHA256SUMS attested.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn answers_that_may_pass_are_retried() {
    let Some(case) = Case::new("retried") else { return };
    case.proxy.fail_uploads(&[Fault::Status(500), Fault::Stall]);
    let mut env = case.stand_in_gh(&case.dist().join("SHA256SUMS"));
    env.push(("XTASK_UPLOAD_TIMEOUT", "3".to_owned()));
    let stderr = succeeded(&case.xtask(&["publish", "--live", "--require-attestation"], &env));
    assert!(stderr.contains("SHA256SUMS is attested by e2e/geodist"), "{stderr}");
    assert!(stderr.contains("HTTP 500") || stderr.contains("status code 500"), "{stderr}");
    assert!(stderr.contains("no answer within 3s; stopping it"), "{stderr}");
    assert_eq!(case.pypi.files().len(), 2, "{:?}", case.pypi.files());
    assert_eq!(case.crates.index_lines("geodist").len(), 1);
    assert_eq!(case.proxy.uploads().len(), 4, "two attempts failed, then each file once");
    verify_release_of(&case);
}

/// Two live publishes of the same release from two output directories at once: the crate is
/// sent once (the second run waits for the first, then finds it there), and both runs succeed.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn two_publishes_at_once_send_each_file_once() {
    let Some(case) = Case::new("twice") else { return };
    let other = case.scratch.path.join("other dist");
    copy_tree(&case.dist(), &other, &[]);
    let other_arg = other.to_string_lossy().into_owned();
    // Straight to pypiserver (the proxy's channel is not to be shared between threads).
    let live = &case.live;
    let spawn = |extra: &[&str]| {
        let args = live.args("publish", None);
        let args: Vec<&str> =
            args.iter().map(String::as_str).chain(extra.iter().copied()).collect();
        support::xtask_command(&live.ws, &args, &live.good()).output()
    };
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn(&[]));
        let b = s.spawn(|| spawn(&["--out", &other_arg]));
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    support::show(&["publish (first)"], &first);
    support::show(&["publish (second)"], &second);
    assert!(first.status.success() && second.status.success(), "a publish failed");
    assert_eq!(case.crates.index_lines("geodist").len(), 1, "the crate went out twice");
    assert_eq!(case.pypi.files().len(), 2);
}

/// A broken project environment (its interpreter gone) is named, with the fix.
#[test]
#[ignore = "end to end: runs the release on a copy of the workspace; `cargo xtask test` runs it"]
fn a_broken_environment_says_to_remove_it() {
    if support::tools().is_none() {
        return;
    }
    let scratch = Scratch::new("broken-venv");
    let ws = scratch.path.join("ws");
    support::copy_workspace(&ws);
    std::fs::remove_file(ws.join(".venv")).unwrap();
    std::fs::create_dir_all(ws.join(".venv/bin")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/python3.11", ws.join(".venv/bin/python")).unwrap();
    let out = support::xtask(&ws, &["release", "--dry-run"], &[]);
    refused(&out, &["the project environment", "is broken", "rm -rf"]);
}

/// `verify-release` over a release published to the case's registries, with the published dist
/// as the GitHub Release's assets: everything that can be checked here passes, the attestation
/// (no gh here) is not checked; then each tampered case fails, naming the file.
fn verify_release_of(case: &Case) {
    let tag = format!("v{}", case.version);
    let wheel = case.wheel();
    let sdist = case.sdist();
    let assets = stand_ins_for_ci_wheels(case);
    for file in std::fs::read_dir(&assets).unwrap().flatten() {
        let provenance = provenance_of(&file.path(), "e2e/geodist");
        let file = file.file_name().to_string_lossy().into_owned();
        let path = format!("/integrity/geodist-rs/{}/{file}/provenance", case.python_version());
        case.proxy.serve(&path, 200, &provenance);
    }
    let assets = assets.to_string_lossy().into_owned();
    let verify = |assets: &str| {
        let index = case.proxy.index_url();
        let args = ["verify-release", &tag, "--crates-registry", "local", "--pypi-index", &index];
        let args =
            [&args[..], &["--repo", "e2e/geodist", "--assets", assets, "--require-provenance"]]
                .concat();
        let mut cmd = support::xtask_command(&case.ws, &args, &case.crates.cargo_env());
        cmd.env("PATH", "/usr/bin:/bin"); // no gh
        let out = cmd.output().unwrap();
        support::show(&args, &out);
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!("--- stdout:\n{report}");
        (out.status.success(), report)
    };
    let (ok, report) = verify(&assets);
    assert!(ok, "verify-release failed on a good release:\n{report}");
    for line in [
        "✓ crate geodist",
        "✓ geodist-rs",
        &format!("✓ {wheel} provenance: published by GitHub e2e/geodist/release.yml"),
        &format!("✓ {sdist} in SHA256SUMS"),
        "– SHA256SUMS attestation: not checked: gh is not installed",
        "0 failed",
    ] {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }
    // A file absent from SHA256SUMS.
    let tampered = case.scratch.path.join("tampered assets");
    copy_tree(Path::new(&assets), &tampered, &[]);
    let sums = std::fs::read_to_string(tampered.join("SHA256SUMS")).unwrap();
    let sums: String =
        sums.lines().filter(|l| !l.ends_with(&sdist)).map(|l| format!("{l}\n")).collect();
    std::fs::write(tampered.join("SHA256SUMS"), sums).unwrap();
    let (ok, report) = verify(&tampered.to_string_lossy());
    assert!(
        !ok && report.contains(&format!("✗ {sdist} in SHA256SUMS: SHA256SUMS does not list it")),
        "{report}"
    );
    // A file replaced on the index.
    let stored = case.pypi.packages.join(&sdist);
    let original = std::fs::read(&stored).unwrap();
    std::fs::write(&stored, b"other bytes").unwrap();
    let (ok, report) = verify(&assets);
    assert!(!ok && report.contains(&format!("✗ {sdist} in SHA256SUMS: listed with")), "{report}");
    let other = format!(
        "✗ {sdist} provenance: attests [{sdist} {}], expected {sdist} with sha256",
        sha256(&Path::new(&assets).join(&sdist))
    );
    assert!(report.contains(&other), "the provenance of the published bytes passed:\n{report}");
    std::fs::write(&stored, &original).unwrap();
    // A file missing on PyPI.
    std::fs::rename(case.pypi.packages.join(&wheel), case.scratch.path.join("away.whl")).unwrap();
    let (ok, report) = verify(&assets);
    assert!(!ok && report.contains(&format!("missing: {wheel}\n")), "{report}");
    std::fs::rename(case.scratch.path.join("away.whl"), case.pypi.packages.join(&wheel)).unwrap();
    // A crate from another commit: the tag moved on.
    std::fs::write(case.ws.join("NOTICE"), "moved on\n").unwrap();
    support::git(&case.ws, &["add", "NOTICE"]);
    support::git(&case.ws, &["commit", "--quiet", "--message", "later"]);
    support::git(&case.ws, &["tag", "--force", "--annotate", &tag, "--message", &tag]);
    let (ok, report) = verify(&assets);
    assert!(!ok && report.contains("✗ geodist-") && report.contains("but v"), "{report}");
    // Another repository's workflow published the files.
    let foreign =
        include_str!("../fixtures/integrity/pypi_attestations-0.0.19.tar.gz.provenance.json");
    let path = format!("/integrity/geodist-rs/{}/{wheel}/provenance", case.python_version());
    case.proxy.serve(&path, 200, foreign);
    let (ok, report) = verify(&assets);
    assert!(
        !ok && report.contains(
            "[GitHub trailofbits/pypi-attestations/release.yml], expected GitHub e2e/geodist"
        ),
        "{report}"
    );
}

/// PyPI's Integrity API answer for `file` as the release workflow of `repo` would have it: the
/// recorded answer (tests/fixtures/README.md) with `repo` as the publisher and each attestation's
/// statement about `file` and its sha256 (its signature is not checked by verify-release).
fn provenance_of(file: &Path, repo: &str) -> String {
    let recorded =
        include_str!("../fixtures/integrity/pypi_attestations-0.0.19.tar.gz.provenance.json");
    let python = support::repo_root().join(".venv/bin/python");
    let script = "import base64, json, sys\n\
        answer, repo, name, digest = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]\n\
        for bundle in answer['attestation_bundles']:\n\
        \x20   bundle['publisher']['repository'] = repo\n\
        \x20   for attestation in bundle['attestations']:\n\
        \x20       statement = json.loads(base64.b64decode(attestation['envelope']['statement']))\n\
        \x20       statement['subject'] = [{'name': name, 'digest': {'sha256': digest}}]\n\
        \x20       attestation['envelope']['statement'] = base64.b64encode(json.dumps(statement).encode()).decode()\n\
        print(json.dumps(answer))\n";
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let out = Command::new(python)
        .args(["-c", script, recorded, repo, &name, &sha256(file)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The wheels CI builds (this machine cannot), published as stand-ins: each is the host wheel's
/// bytes under the CI wheel's name, on the index and in a copy of the dist as the GitHub
/// Release's assets (with its line in SHA256SUMS), so that the release is complete as the plan
/// names it. Returns the assets' directory.
fn stand_ins_for_ci_wheels(case: &Case) -> PathBuf {
    let plan = support::xtask(&case.ws, &["plan", "--format", "json"], &[]);
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let assets = case.scratch.path.join("release assets");
    copy_tree(&case.dist(), &assets, &[]);
    let bytes = std::fs::read(case.dist().join(case.wheel())).unwrap();
    let mut sums = std::fs::read_to_string(assets.join("SHA256SUMS")).unwrap();
    for a in plan["artifacts"].as_array().unwrap().iter().filter(|a| a["built_by"] == "ci") {
        let file = a["file"].as_str().unwrap();
        std::fs::write(case.pypi.packages.join(file), &bytes).unwrap();
        std::fs::write(assets.join(file), &bytes).unwrap();
        sums.push_str(&format!("{}  {file}\n", sha256(&assets.join(file))));
    }
    std::fs::write(assets.join("SHA256SUMS"), sums).unwrap();
    assets
}

/// Rewrites the wheel's WHEEL file to declare `tags` instead of its own (a valid wheel another
/// build could have made, under this wheel's name).
fn retag_wheel(path: &Path, tags: &[String]) {
    let python = support::repo_root().join(".venv/bin/python");
    let script = "import sys, zipfile, shutil\n\
        path, tags = sys.argv[1], sys.argv[2:]\n\
        old = zipfile.ZipFile(path)\n\
        items = [(i, old.read(i.filename)) for i in old.infolist()]\n\
        old.close()\n\
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as new:\n\
        \x20   for info, data in items:\n\
        \x20       if info.filename.endswith('.dist-info/WHEEL'):\n\
        \x20           lines = [l for l in data.decode().splitlines() if not l.startswith('Tag:')]\n\
        \x20           data = ('\\n'.join(lines + ['Tag: ' + t for t in tags]) + '\\n').encode()\n\
        \x20       new.writestr(info, data)\n";
    let out = Command::new(python).args(["-c", script]).arg(path).args(tags).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
