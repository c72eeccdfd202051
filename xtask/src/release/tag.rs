//! The release tag's guards: HEAD carries it, the tagged commit is on the default branch (no
//! branch publishes), and — with `signed-tags = true` — it is an annotated tag whose SSH
//! signature verifies against the repository's allowed signers. Preflight and
//! `cargo xtask check-tag` (the release workflow's plan job) run the same checks.

use std::path::Path;

use anyhow::Result;
use xshell::{Shell, cmd};

/// Where the signers allowed to sign release tags are listed (git's `gpg.ssh.allowedSignersFile`
/// format: `<principal> <key type> <public key>` per line), relative to the workspace root.
pub const ALLOWED_SIGNERS: &str = ".github/allowed_signers";

/// Every problem with `tag` as the release tag of HEAD, each with its fix.
pub fn problems(sh: &Shell, root: &Path, tag: &str, signed: bool) -> Result<Vec<String>> {
    let _dir = sh.push_dir(root);
    let head = cmd!(sh, "git rev-parse HEAD").quiet().read()?;
    let head = head.trim();
    let tag_ref = format!("refs/tags/{tag}^{{commit}}");
    let tagged =
        cmd!(sh, "git rev-parse --quiet --verify {tag_ref}").quiet().ignore_status().read()?;
    let tagged = tagged.trim();
    let mut problems = Vec::new();
    if tagged.is_empty() {
        problems.push(format!(
            "tag {tag} does not exist: expected HEAD ({}) to carry it; create it with \
             `git tag -a {tag} -m {tag}`",
            short(head)
        ));
        return Ok(problems);
    }
    if tagged != head {
        problems.push(format!(
            "tag {tag} points at {}, not at HEAD ({}): check out the tagged commit \
             (`git checkout {tag}`) or move the tag",
            short(tagged),
            short(head)
        ));
    }
    problems.extend(on_default_branch(sh, tag, tagged)?);
    if signed {
        problems.extend(signature(sh, root, tag)?);
    }
    Ok(problems)
}

/// The tagged commit must be reachable from the default branch: the remote's (`origin`), as
/// the event payload or the remote itself names it, fetched when the checkout lacks it (a
/// shallow CI checkout); a checkout without a remote uses its own default branch.
fn on_default_branch(sh: &Shell, tag: &str, commit: &str) -> Result<Vec<String>> {
    let has_origin = cmd!(sh, "git remote").quiet().read()?.lines().any(|r| r.trim() == "origin");
    let (branch, reference) = if has_origin {
        let Some(branch) = remote_default_branch(sh) else {
            return Ok(vec![format!(
                "cannot tell the default branch of `origin`: expected `git ls-remote --symref \
                 origin HEAD` to name it, to check that {tag} is on it; check the remote's URL \
                 and access (`git remote -v`)"
            )]);
        };
        let reference = format!("refs/remotes/origin/{branch}");
        let shallow = cmd!(sh, "git rev-parse --is-shallow-repository").quiet().read()?;
        let have = cmd!(sh, "git rev-parse --quiet --verify {reference}")
            .quiet()
            .ignore_status()
            .read()?;
        if shallow.trim() == "true" || have.trim().is_empty() {
            let refspec = format!("+refs/heads/{branch}:{reference}");
            let unshallow = (shallow.trim() == "true").then_some("--unshallow");
            eprintln!("    fetching {branch} from origin to see whether {tag} is on it");
            let fetched = cmd!(sh, "git fetch --quiet --no-tags {unshallow...} origin {refspec}")
                .quiet()
                .ignore_stdout()
                .run();
            if fetched.is_err() {
                return Ok(vec![format!(
                    "cannot fetch the default branch `{branch}` from origin to check that {tag} \
                     is on it: expected `git fetch origin {branch}` to work; check the network \
                     and the remote's access"
                )]);
            }
        }
        (branch, reference)
    } else {
        let Some(branch) = local_default_branch(sh)? else {
            return Ok(vec![format!(
                "no default branch to check {tag} against: expected a remote `origin` or a local \
                 branch `main` (or `master`, or `init.defaultBranch`); create it (`git branch main`)"
            )]);
        };
        let reference = format!("refs/heads/{branch}");
        (branch, reference)
    };
    let on_it =
        cmd!(sh, "git merge-base --is-ancestor {commit} {reference}").quiet().ignore_stderr().run();
    if on_it.is_ok() {
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "tag {tag} is on commit {}, which is not on the default branch `{branch}`: expected a \
         release from the default branch only (no branch publishes); merge it first, then tag \
         the merge on `{branch}` (`git tag --force -a {tag} -m {tag} <commit on {branch}>`)",
        short(commit)
    )])
}

/// The remote's default branch: from the GitHub event payload when there is one (no network),
/// else from `git ls-remote --symref origin HEAD`.
fn remote_default_branch(sh: &Shell) -> Option<String> {
    let from_event = std::env::var("GITHUB_EVENT_PATH")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|event| event["repository"]["default_branch"].as_str().map(str::to_owned));
    if from_event.is_some() {
        return from_event;
    }
    let listed =
        cmd!(sh, "git ls-remote --symref origin HEAD").quiet().ignore_stderr().read().ok()?;
    listed.lines().find_map(|line| {
        let (reference, name) = line.strip_prefix("ref: ")?.split_once('\t')?;
        (name.trim() == "HEAD").then(|| reference.strip_prefix("refs/heads/").map(str::to_owned))?
    })
}

fn local_default_branch(sh: &Shell) -> Result<Option<String>> {
    let configured =
        cmd!(sh, "git config --get init.defaultBranch").quiet().ignore_status().read()?;
    let candidates = [configured.trim(), "main", "master"];
    for branch in candidates.into_iter().filter(|b| !b.is_empty()) {
        let reference = format!("refs/heads/{branch}");
        let exists = cmd!(sh, "git rev-parse --quiet --verify {reference}")
            .quiet()
            .ignore_status()
            .read()?;
        if !exists.trim().is_empty() {
            return Ok(Some(branch.to_owned()));
        }
    }
    Ok(None)
}

/// With `signed-tags = true`: an annotated tag, signed, by a key in [`ALLOWED_SIGNERS`].
fn signature(sh: &Shell, root: &Path, tag: &str) -> Result<Vec<String>> {
    let tag_ref = format!("refs/tags/{tag}");
    let kind = cmd!(sh, "git cat-file -t {tag_ref}").quiet().read()?;
    if kind.trim() != "tag" {
        return Ok(vec![format!(
            "tag {tag} is a lightweight tag: expected an annotated, signed tag, since \
             [workspace.metadata.release] signed-tags = true; replace it with `git tag --force \
             --sign {tag} -m {tag}` (an SSH key in {ALLOWED_SIGNERS}, `git config gpg.format ssh`)"
        )]);
    }
    let signers = root.join(ALLOWED_SIGNERS);
    if !signers.is_file() {
        return Ok(vec![format!(
            "{ALLOWED_SIGNERS} not found: expected the allowed signers of release tags there \
             (one `<email> <key type> <public key>` per line), since signed-tags = true; add it \
             in a reviewed commit"
        )]);
    }
    let signers_config = format!("gpg.ssh.allowedSignersFile={}", signers.display());
    let verified = cmd!(sh, "git -c gpg.format=ssh -c {signers_config} verify-tag {tag}")
        .quiet()
        .ignore_stdout()
        .ignore_status()
        .output()?;
    if verified.status.success() {
        return Ok(Vec::new());
    }
    let why = String::from_utf8_lossy(&verified.stderr);
    let why = why.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
    Ok(vec![format!(
        "tag {tag} is not signed by an allowed signer ({why}): expected an SSH signature by a key \
         listed in {ALLOWED_SIGNERS}, since signed-tags = true; sign it with such a key (`git tag \
         --force --sign {tag} -m {tag}`)"
    )])
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}
