//! Facts about the repository this xtask works on: where it is.

use std::path::{Path, PathBuf};

/// The workspace root: the nearest directory at or above the current one that holds both a
/// `Cargo.toml` and `xtask/Cargo.toml` (as cargo finds a workspace from where it is run), else
/// the one this binary was built from. Working from the current directory lets one built xtask
/// release a copy of the workspace, which the end-to-end tests rely on.
pub fn root() -> PathBuf {
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors()
            .find(|dir| dir.join("Cargo.toml").is_file() && dir.join("xtask/Cargo.toml").is_file())
            .map(Path::to_path_buf)
    });
    from_cwd.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives one level below the workspace root")
            .to_path_buf()
    })
}

/// Fails, naming the fix, unless `root` is inside a git checkout: the version check, the bump,
/// the changelog draft and the release read tags and commits.
pub fn require_checkout(sh: &xshell::Shell, root: &Path) -> anyhow::Result<()> {
    if which::which("git").is_err() {
        anyhow::bail!(
            "git not found on PATH: expected git to read the tags and commits of {}; install it \
             (Debian/Ubuntu: `apt-get install git`)",
            root.display()
        );
    }
    let _dir = sh.push_dir(root);
    let inside = xshell::cmd!(sh, "git rev-parse --is-inside-work-tree")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok_and(|out| out.trim() == "true");
    if !inside {
        anyhow::bail!(
            "{} is not a git checkout: expected a clone of the repository (this command reads \
             its tags and commits); work in a clone (`git clone <repository URL>`), not in an \
             exported copy",
            root.display()
        );
    }
    Ok(())
}

/// Fails, naming the fix, when the checkout is shallow: its history stops early, so "the
/// commits since the last tag" would silently be the wrong ones.
pub fn require_full_history(sh: &xshell::Shell, root: &Path) -> anyhow::Result<()> {
    require_checkout(sh, root)?;
    let _dir = sh.push_dir(root);
    let shallow = xshell::cmd!(sh, "git rev-parse --is-shallow-repository").quiet().read()?;
    if shallow.trim() == "true" {
        anyhow::bail!(
            "{} is a shallow clone: expected the full history and tags, to find the commits \
             since the last release tag; fetch them with `git fetch --unshallow --tags`",
            root.display()
        );
    }
    Ok(())
}

/// What is wrong, with its fix, when git has no identity to commit and tag with in `root`.
pub fn git_identity_problem(sh: &xshell::Shell, root: &Path) -> Option<String> {
    let _dir = sh.push_dir(root);
    let known = ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"]
        .into_iter()
        .all(|who| xshell::cmd!(sh, "git var {who}").quiet().ignore_stderr().read().is_ok());
    (!known).then(|| {
        "git has no identity to commit and tag with: expected user.name and user.email \
         (`git config user.name …`), or GIT_AUTHOR_NAME/EMAIL and GIT_COMMITTER_NAME/EMAIL"
            .to_owned()
    })
}
