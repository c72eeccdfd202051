//! The output directory (`--out`): checked before the first stage, locked for the whole run, and
//! never a place where the release deletes what it did not make.
//!
//! - It must be a directory the run can write, and not inside the tracked tree (a release would
//!   make the tree dirty); a git-ignored directory such as the default `dist/` is fine.
//! - One run at a time: an exclusive lock on `<out>/.release.lock`, and one on the shared
//!   staging directory under `target/`, each held until the process ends (the OS releases them
//!   even when it is killed). A second run is refused at once, naming the holder's PID.
//! - What is in it already is the previous run's state: [`OutDir::previous`] reads its manifest,
//!   which this run continues (the same release at the same commit) or replaces (a rehearsal of
//!   another release or commit; a live record is never replaced).
//! - A file is removed only by [`OutDir::remove`], which takes a plain [`FileName`]: it can
//!   only ever remove a file directly inside `--out`.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::manifest::{FILE_NAME, Manifest};
use super::plan::Plan;
use crate::files::FileName;
use crate::git::Repo;

/// The name of the lock file in the output and staging directories.
pub const LOCK_FILE: &str = ".release.lock";

/// The output directory of a run: absolute, checked, and locked (with the run's staging
/// directory) until the run ends — the OS releases the locks even when it is killed.
#[derive(Debug)]
pub struct OutDir {
    path: PathBuf,
    _locks: [File; 2],
}

/// What the previous run left in `--out`, for this run to continue or replace.
#[derive(Debug)]
pub enum Previous {
    Nothing,
    /// The record of this release: this run continues it (its artifacts, when they were built
    /// at another commit, are stale once this run builds at HEAD).
    Same(Manifest),
    /// A rehearsal of another release: replaced (and the files it names removed) once this run
    /// records an artifact.
    Other {
        files: Vec<FileName>,
    },
}

impl OutDir {
    /// Checks `out` and locks it and the staging directory.
    pub fn open(repo: &Repo, out: &Path, staging: &Path) -> Result<OutDir> {
        if out.exists() && !out.is_dir() {
            bail!(
                "--out {} is not a directory: expected a directory for the artifacts and the \
                 manifest; pass another path with --out",
                out.display()
            );
        }
        inside_tracked_tree(repo, out)?;
        std::fs::create_dir_all(out).with_context(|| {
            format!(
                "create the output directory {}: expected a path this user can write; pass \
                 another with --out",
                out.display()
            )
        })?;
        let out_lock = lock(out, "the output directory")?;
        std::fs::create_dir_all(staging)
            .with_context(|| format!("create the staging directory {}", staging.display()))?;
        let staging_lock = lock(staging, "the release staging directory of this --out")?;
        Ok(OutDir { path: out.to_path_buf(), _locks: [out_lock, staging_lock] })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` in the directory: always directly inside it.
    pub fn file(&self, name: &FileName) -> PathBuf {
        self.path.join(name)
    }

    /// Removes the file `name` from the directory, if it is there. A plain name cannot reach
    /// outside the directory; a directory of that name is not touched.
    pub fn remove(&self, name: &FileName) -> Result<()> {
        let path = self.file(name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if !meta.is_dir() => std::fs::remove_file(&path)
                .with_context(|| format!("remove the earlier {name} from {}", self.path.display())),
            _ => Ok(()),
        }
    }

    /// Reads the manifest in the directory. One of this release is continued; a rehearsal of
    /// another is replaced; a live record of another is never thrown away.
    pub fn previous(&self, plan: &Plan) -> Result<Previous> {
        let path = self.path.join(FILE_NAME);
        if !path.exists() {
            return Ok(Previous::Nothing);
        }
        let manifest = Manifest::read(&path).with_context(|| {
            format!(
                "{} is in the way: expected the manifest of an earlier run or nothing; the \
                 release never writes over a file it cannot read; move it away",
                path.display()
            )
        })?;
        if manifest.tag == plan.tag {
            return Ok(Previous::Same(manifest));
        }
        let live = manifest.publish.iter().filter(|p| p.status.is_live()).count();
        if live > 0 {
            bail!(
                "{} holds the record of the live release {} ({live} upload record(s)): \
                 expected an output directory without another release's record, which is kept, \
                 never replaced; move it away (`mv {} {}`) or pass another --out",
                self.path.display(),
                manifest.tag,
                crate::shell::quote(&self.path),
                crate::shell::quote(format!("{}-{}", self.path.display(), manifest.tag))
            );
        }
        Ok(Previous::Other { files: manifest.artifacts.into_iter().map(|a| a.file).collect() })
    }
}

/// `out` may not hold tracked files or be a not-ignored directory of the checkout.
fn inside_tracked_tree(repo: &Repo, out: &Path) -> Result<()> {
    let root = repo.root();
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let out = canonical_prefix(out);
    if root.starts_with(&out) {
        bail!(
            "--out {} contains the checkout {}: expected a directory of its own; the release \
             removes and rewrites artifacts there (default: dist/)",
            out.display(),
            root.display()
        );
    }
    let Ok(relative) = out.strip_prefix(&root) else {
        return Ok(()); // outside the checkout
    };
    // With the trailing slash git matches directory patterns (`/dist/`) even before the
    // directory exists.
    let relative = format!("{}/", relative.to_string_lossy().replace('\\', "/"));
    if !repo.is_ignored(&relative) {
        bail!(
            "--out {} is inside the tracked tree of {}: expected a git-ignored directory (like \
             the default dist/) or one outside the checkout, since a release writes and removes \
             files there; pass --out dist, or add {} to .gitignore",
            out.display(),
            root.display(),
            relative
        );
    }
    Ok(())
}

/// `path` with its longest existing prefix canonicalized (symlinks resolved), the rest as given.
fn canonical_prefix(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(ToOwned::to_owned), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest.iter().rev());
    out
}

/// Takes the exclusive lock on `<dir>/.release.lock` and writes our PID into it.
fn lock(dir: &Path, what: &str) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| {
            format!("open {}: expected {} to be writable", path.display(), dir.display())
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() {
                "another process".to_owned()
            } else {
                format!("PID {holder}")
            };
            bail!(
                "another release run ({holder}) holds {} ({}): expected one run at a time, \
                 since both would write the same files; wait for it to end, or stop it \
                 (`kill {}`)",
                what,
                path.display(),
                holder.trim_start_matches("PID ")
            );
        }
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("lock {}", path.display()));
        }
    }
    let pid = (|| {
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        file.flush()
    })();
    pid.map_err(|e| crate::files::cannot_write(e, &path))?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder() {
        let dir = std::env::temp_dir().join(format!("xtask-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let held = lock(&dir, "the test directory").unwrap();
        let err = lock(&dir, "the test directory").unwrap_err().to_string();
        assert!(err.contains(&format!("PID {}", std::process::id())), "{err}");
        assert!(err.contains("one run at a time"), "{err}");
        drop(held);
        // Free again once dropped. Waited for, not tried: a child that another test's thread
        // forked while `held` was open shares its lock until that child execs.
        let again = OpenOptions::new().write(true).open(dir.join(LOCK_FILE)).unwrap();
        again.lock().unwrap();
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn canonical_prefixes_keep_the_missing_part() {
        let tmp = std::env::temp_dir().canonicalize().unwrap();
        let missing = tmp.join("xtask-none-here/a/b");
        assert_eq!(canonical_prefix(&missing), missing);
    }
}
