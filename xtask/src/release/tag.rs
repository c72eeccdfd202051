//! The release tag's guards: HEAD carries it, the tagged commit is on the default branch (no
//! branch publishes), and — with `signed-tags = true` — it is an annotated tag whose SSH
//! signature verifies against the repository's allowed signers. Preflight and
//! `cargo xtask check-tag` (the release workflow's plan job) run the same checks.

use anyhow::Result;

use crate::git::Repo;

/// Where the signers allowed to sign release tags are listed (git's `gpg.ssh.allowedSignersFile`
/// format: `<principal> <key type> <public key>` per line), relative to the workspace root.
pub const ALLOWED_SIGNERS: &str = ".github/allowed_signers";

/// Every problem with `tag` as the release tag of HEAD, each with its fix.
pub fn problems(repo: &Repo, tag: &str, signed: bool) -> Result<Vec<String>> {
    let head = repo.head()?;
    let Some(tagged) = repo.resolve(&format!("refs/tags/{tag}"))? else {
        return Ok(vec![format!(
            "tag {tag} does not exist: expected HEAD ({}) to carry it; create it with \
             `git tag -a {tag} -m {tag}`",
            head.short()
        )]);
    };
    let mut problems = Vec::new();
    if tagged != head {
        problems.push(format!(
            "tag {tag} points at {}, not at HEAD ({}): check out the tagged commit \
             (`git checkout {tag}`) or move the tag",
            tagged.short(),
            head.short()
        ));
    }
    let purpose = format!("that {tag} is on it");
    match repo.default_branch(&purpose)? {
        Err(problem) => problems.push(problem),
        Ok(branch) if repo.is_ancestor(tagged.as_str(), &branch.reference) => {}
        Ok(branch) => problems.push(format!(
            "tag {tag} is on commit {}, which is not on the default branch `{}`: expected a \
             release from the default branch only (no branch publishes); merge it first, then \
             tag the merge on `{}` (`git tag --force -a {tag} -m {tag} <commit on {}>`)",
            tagged.short(),
            branch.name,
            branch.name,
            branch.name
        )),
    }
    if signed {
        problems.extend(signature(repo, tag)?);
    }
    Ok(problems)
}

/// With `signed-tags = true`: an annotated tag, signed, by a key in [`ALLOWED_SIGNERS`].
fn signature(repo: &Repo, tag: &str) -> Result<Option<String>> {
    if !repo.is_annotated(tag)? {
        return Ok(Some(format!(
            "tag {tag} is a lightweight tag: expected an annotated, signed tag, since \
             [workspace.metadata.release] signed-tags = true; replace it with `git tag --force \
             --sign {tag} -m {tag}` (an SSH key in {ALLOWED_SIGNERS}, `git config gpg.format ssh`)"
        )));
    }
    let signers = repo.root().join(ALLOWED_SIGNERS);
    if !signers.is_file() {
        return Ok(Some(format!(
            "{ALLOWED_SIGNERS} not found: expected the allowed signers of release tags there \
             (one `<email> <key type> <public key>` per line), since signed-tags = true; add it \
             in a reviewed commit"
        )));
    }
    Ok(repo.verify_tag(tag, &signers)?.err().map(|why| {
        format!(
            "tag {tag} is not signed by an allowed signer ({why}): expected an SSH signature by \
             a key listed in {ALLOWED_SIGNERS}, since signed-tags = true; sign it with such a \
             key (`git tag --force --sign {tag} -m {tag}`)"
        )
    }))
}
