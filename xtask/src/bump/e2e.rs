//! End to end on a temporary copy of this repository: bump, check, break `Cargo.lock`, check
//! again. Calls the library code directly (no `cargo run`, no build), so it takes about a second.

use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use super::*;
use crate::version::collect;

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the repository's files (tracked, and untracked but not ignored, so that work in
/// progress is included) into `dest`, and commits them in a fresh git repository there.
fn copy_repository(sh: &Shell, dest: &Path) {
    let root = crate::project::root();
    let files = {
        let _dir = sh.push_dir(&root);
        cmd!(sh, "git ls-files --cached --others --exclude-standard").read().unwrap()
    };
    for file in files.lines() {
        let from = root.join(file);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dest.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    let _dir = sh.push_dir(dest);
    cmd!(sh, "git init --quiet --initial-branch=main").run().unwrap();
    cmd!(sh, "git add --all").run().unwrap();
    cmd!(sh, "git commit --quiet --message init").run().unwrap();
}

/// A shell whose git ignores the user's configuration and has an identity.
fn isolated_shell() -> Shell {
    let sh = Shell::new().unwrap();
    sh.set_var("GIT_CONFIG_GLOBAL", "/dev/null");
    sh.set_var("GIT_CONFIG_NOSYSTEM", "1");
    for who in ["AUTHOR", "COMMITTER"] {
        sh.set_var(format!("GIT_{who}_NAME"), "xtask test");
        sh.set_var(format!("GIT_{who}_EMAIL"), "xtask@example.invalid");
    }
    sh
}

fn request(target: &str, edits: Edits, finish: Finish) -> BumpRequest {
    BumpRequest { target: target.parse().unwrap(), edits, finish, date: Some("2030-01-02".into()) }
}

#[test]
fn bump_patch_then_check_on_a_copy() {
    let tmp = TempDir::new("bump-e2e");
    let root = tmp.0.as_path();
    let sh = isolated_shell();
    copy_repository(&sh, root);
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let old_lock = read("Cargo.lock");
    let old = Workspace::load(root).unwrap().version().unwrap();
    let expected = next::next(&old, &Step::Level(next::Level::Patch)).unwrap();

    // The dry run writes nothing, and its diff is exactly what the real bump writes.
    let load = || Workspace::load(root).unwrap();
    let dry = bump(&sh, &load(), &request("patch", Edits::Preview, Finish::Files)).unwrap();
    assert_eq!(dry, expected);
    assert_eq!(read("Cargo.lock"), old_lock);
    let ws = Workspace::load(root).unwrap();
    let edits = plan(&ws, &expected, "2030-01-02").unwrap();
    let paths: Vec<&str> = edits.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["Cargo.toml", "Cargo.lock", ws.config.changelog.as_str()]);
    let patch: String = edits.iter().map(|e| diff::unified(&e.path, &e.before, &e.after)).collect();
    std::fs::write(root.join("bump.diff"), &patch).unwrap();
    {
        let _dir = sh.push_dir(root);
        cmd!(sh, "git apply --check bump.diff").run().unwrap();
    }
    std::fs::remove_file(root.join("bump.diff")).unwrap();

    // The real bump, committed and tagged; `version --check` passes, tag at HEAD included.
    let done = bump(&sh, &load(), &request("patch", Edits::Write, Finish::CommitAndTag)).unwrap();
    assert_eq!(done, expected);
    for e in &edits {
        assert_eq!(read(&e.path), e.after, "{}", e.path);
    }
    let report = collect(&sh, &load(), None).unwrap();
    report.check().unwrap();
    let tag = format!("{}{expected}", ws.config.tag_prefix);
    let table = report.render_table();
    let tag_row = table.lines().find(|l| l.starts_with("tag at HEAD")).unwrap();
    assert_eq!(
        tag_row.split_whitespace().collect::<Vec<_>>(),
        ["tag", "at", "HEAD", &tag, &tag, "ok"]
    );
    {
        let _dir = sh.push_dir(root);
        assert_eq!(cmd!(sh, "git status --porcelain --untracked-files=no").read().unwrap(), "");
        let subject = cmd!(sh, "git log -1 --format=%s").read().unwrap();
        assert_eq!(subject, format!("chore(release): {expected}"));
    }

    // The precise Cargo.lock edit is the one cargo itself makes.
    {
        let _dir = sh.push_dir(root);
        cmd!(sh, "cargo update --workspace --offline --quiet").run().unwrap();
    }
    assert_eq!(read("Cargo.lock"), edits[1].after, "cargo update disagrees with the lock edit");

    // Restoring the old Cargo.lock is caught, naming the file and the fix.
    std::fs::write(root.join("Cargo.lock"), &old_lock).unwrap();
    let err = collect(&sh, &load(), None).unwrap().check().unwrap_err().to_string();
    assert!(err.contains(&format!("Cargo.lock: geodist is {old}, expected {expected}")), "{err}");
    assert!(err.contains("cargo update --workspace --offline"), "{err}");

    // A dirty tree is refused before anything is written.
    let err = bump(&sh, &load(), &request("patch", Edits::Write, Finish::Files)).unwrap_err();
    assert!(err.to_string().contains("uncommitted changes"), "{err}");
    assert_eq!(read("Cargo.lock"), old_lock);
}

/// `sh` with git configured by `pairs` (key, value), as `git -c` would, on top of its own.
fn with_git_config(sh: &Shell, pairs: &[(&str, &str)]) {
    sh.set_var("GIT_CONFIG_COUNT", pairs.len().to_string());
    for (i, (key, value)) in pairs.iter().enumerate() {
        sh.set_var(format!("GIT_CONFIG_KEY_{i}"), key);
        sh.set_var(format!("GIT_CONFIG_VALUE_{i}"), value);
    }
}

#[test]
#[cfg(unix)] // the hooks are shell scripts made executable
fn a_bump_that_cannot_commit_leaves_the_checkout_as_it_was() {
    let tmp = TempDir::new("bump-undo");
    let root = tmp.0.as_path();
    let sh = isolated_shell();
    copy_repository(&sh, root);
    let load = || Workspace::load(root).unwrap();
    let head = || {
        let _dir = sh.push_dir(root);
        cmd!(sh, "git rev-parse HEAD").read().unwrap()
    };
    let status = || {
        let _dir = sh.push_dir(root);
        cmd!(sh, "git status --porcelain").read().unwrap()
    };
    let before = head();

    // No identity (and none guessed from the host name): refused before anything is written.
    let anonymous = isolated_shell();
    for who in ["AUTHOR", "COMMITTER"] {
        anonymous.set_var(format!("GIT_{who}_NAME"), "");
        anonymous.set_var(format!("GIT_{who}_EMAIL"), "");
    }
    with_git_config(&anonymous, &[("user.useConfigOnly", "true")]);
    let err = bump(&anonymous, &load(), &request("patch", Edits::Write, Finish::Commit));
    let err = format!("{:#}", err.unwrap_err());
    assert!(err.contains("no identity") && err.contains("nothing was written"), "{err}");
    assert_eq!((head(), status()), (before.clone(), String::new()));

    // A pre-commit hook rejects the commit: the files and the index are taken back.
    let hook = root.join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho 'the hook says no' >&2\nexit 1\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let err = bump(&sh, &load(), &request("patch", Edits::Write, Finish::CommitAndTag));
    let err = format!("{:#}", err.unwrap_err());
    assert!(err.contains("taken back") && err.contains("commit the bump"), "{err}");
    assert_eq!((head(), status()), (before.clone(), String::new()));

    // HEAD moves while the bump runs (here: the hook commits, as a second bump would): the
    // old texts would revert that commit in the tree, so the files stay as they are.
    std::fs::write(
        &hook,
        "#!/bin/sh\nunset GIT_INDEX_FILE\n\
         git update-ref HEAD $(git commit-tree HEAD^{tree} -p HEAD -m meanwhile)\nexit 1\n",
    )
    .unwrap();
    let err = bump(&sh, &load(), &request("patch", Edits::Write, Finish::Commit));
    let err = format!("{:#}", err.unwrap_err());
    assert!(err.contains("HEAD moved while it ran"), "{err}");
    let moved = head();
    assert_ne!(moved, before);
    {
        let _dir = sh.push_dir(root);
        cmd!(sh, "git reset --quiet --hard {before}").run().unwrap();
    }
    std::fs::remove_file(&hook).unwrap();

    // The tag cannot be made (signing fails): the commit stays, and the error says how to tag.
    let signing = isolated_shell();
    with_git_config(&signing, &[("tag.gpgSign", "true"), ("gpg.program", "false")]);
    let err = bump(&signing, &load(), &request("patch", Edits::Write, Finish::CommitAndTag));
    let err = format!("{:#}", err.unwrap_err());
    let next = load().version().unwrap();
    let tag = format!("{}{next}", load().config.tag_prefix);
    assert!(err.contains(&format!("committed, but tagging it {tag} failed")), "{err}");
    assert!(err.contains(&format!("git tag --annotate {tag}")), "{err}");
    assert_ne!(head(), before);
    assert_eq!(status(), "");
}
