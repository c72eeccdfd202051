//! Writing the files a command changes so that a failure never leaves half a file, nor half a
//! change: each text goes to a temporary file beside its target and is renamed over it. And the
//! name of a file directly inside a directory ([`FileName`]), which is all a release artifact's
//! name may be.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

checked_string!(
    /// A plain file name: no directory part, not `.` or `..`, not absolute, no separator of any
    /// platform. Joined to a directory it can only name a file directly inside it, so a manifest
    /// or a checksum list that says `../victim` or `/etc/passwd` does not parse.
    FileName,
    |name| {
        let separator = name.contains(['/', '\\', ':', '\0']);
        if name.is_empty() || name == "." || name == ".." || separator {
            return Err(format!(
                "expected a plain file name (no directory part, not `.` or `..`), found {name:?}"
            ));
        }
        Ok(name)
    }
);

impl FileName {
    /// The name of the file `path` points at, when that is a plain name.
    pub fn of(path: &Path) -> Result<FileName> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        FileName::try_from(name).map_err(anyhow::Error::msg)
    }
}

impl TryFrom<&str> for FileName {
    type Error = String;

    fn try_from(name: &str) -> Result<FileName, String> {
        FileName::try_from(name.to_owned())
    }
}

impl PartialEq<str> for FileName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for FileName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<Path> for FileName {
    fn as_ref(&self) -> &Path {
        Path::new(&self.0)
    }
}

/// Writes `text` to `path` atomically: a crash or a full disk leaves the old file or the new
/// one, never a truncated one. The new file keeps the old one's permissions.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = temporary(path);
    let written = write_then_rename(&tmp, path, text);
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn write_then_rename(tmp: &Path, path: &Path, text: &str) -> Result<()> {
    std::fs::write(tmp, text).map_err(|e| cannot_write(e, path))?;
    if let Ok(old) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp, old.permissions())
            .with_context(|| format!("copy the permissions of {}", path.display()))?;
    }
    std::fs::rename(tmp, path).map_err(|e| cannot_write(e, path))
}

/// A failed write of `path`, with the path, and the fix where the system's answer names the
/// cause: a full disk, a read-only file system, no permission.
pub fn cannot_write(err: std::io::Error, path: &Path) -> anyhow::Error {
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem, StorageFull};
    let dir = path.parent().unwrap_or(path).display();
    let fix = match err.kind() {
        StorageFull => format!(
            ": the disk holding {dir} is full; free space there, or write elsewhere (`--out <dir on another disk>`)"
        ),
        ReadOnlyFilesystem => format!(
            ": {dir} is on a read-only file system; write elsewhere (`--out <writable dir>`)"
        ),
        PermissionDenied => format!(
            ": this user may not write in {dir}; write elsewhere (`--out <writable dir>`), or fix its permissions"
        ),
        _ => String::new(),
    };
    anyhow::Error::new(err).context(format!("cannot write {}{fix}", path.display()))
}

/// `edited` (a text edited as `\n`-lines from `original`) with `original`'s line endings: a file
/// whose lines all end in `\r\n` keeps them, so that an edit never leaves a file with mixed
/// endings.
pub fn keep_line_endings(original: &str, edited: String) -> String {
    let lines = original.matches('\n').count();
    if lines == 0 || original.matches("\r\n").count() != lines {
        return edited;
    }
    edited.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// One file of a change: its path, the text it has now and the text it should have.
pub struct Replacement<'a> {
    pub path: PathBuf,
    pub before: &'a str,
    pub after: &'a str,
}

/// Replaces every file's text with its `after`, or none: when one write fails, the files
/// already written get their `before` back, and the error says so.
pub fn replace_all(files: &[Replacement<'_>]) -> Result<()> {
    for (i, file) in files.iter().enumerate() {
        if let Err(err) = write_atomic(&file.path, file.after) {
            let restored = restore(&files[..i]);
            return Err(match restored {
                Ok(()) => {
                    err.context("nothing was changed: the files already written are restored")
                }
                Err(also) => err.context(format!(
                    "and restoring the files written before failed too: {also:#}"
                )),
            });
        }
    }
    Ok(())
}

/// Gives every file its `before` text again.
pub fn restore(files: &[Replacement<'_>]) -> Result<()> {
    for file in files {
        write_atomic(&file.path, file.before)?;
    }
    Ok(())
}

fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full disk (here: a write that lands on /dev/full) names the file and the fix, not only
    /// "No space left on device".
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_named_with_its_fix() {
        let dir = std::env::temp_dir().join(format!("xtask-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("release-manifest.json");
        std::os::unix::fs::symlink("/dev/full", temporary(&target)).unwrap();
        let err = format!("{:#}", write_atomic(&target, "{}").unwrap_err());
        assert!(err.contains(&format!("cannot write {}", target.display())), "{err}");
        assert!(err.contains("is full; free space there"), "{err}");
        assert!(err.contains("No space left on device"), "the system's own words: {err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn edits_keep_the_line_endings() {
        let crlf = "a\r\nb\r\n";
        assert_eq!(keep_line_endings(crlf, "a\r\nnew\nb\r\n".into()), "a\r\nnew\r\nb\r\n");
        assert_eq!(keep_line_endings("a\nb\n", "a\nnew\n".into()), "a\nnew\n");
        // Mixed endings were someone's choice: left as they are.
        assert_eq!(keep_line_endings("a\r\nb\n", "x\n".into()), "x\n");
    }

    #[test]
    fn only_plain_names_are_file_names() {
        for good in ["geodist-0.1.0.crate", "a b.whl", "ünï.tar.gz", ".hidden"] {
            assert_eq!(FileName::try_from(good).unwrap().as_str(), good);
        }
        for bad in ["../x", "/abs", "a/b", "a\\b", "..", ".", "", "C:x", "nul\0"] {
            let err = FileName::try_from(bad).unwrap_err();
            assert!(err.contains("expected a plain file name"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_failed_write_restores_the_files_written_before_it() {
        let dir = std::env::temp_dir().join(format!("xtask-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("c")).unwrap();
        for name in ["a", "b"] {
            std::fs::write(dir.join(name), format!("old {name}")).unwrap();
        }
        let files = [
            Replacement { path: dir.join("a"), before: "old a", after: "new a" },
            Replacement { path: dir.join("b"), before: "old b", after: "new b" },
            // A directory cannot be renamed over: the third write fails.
            Replacement { path: dir.join("c"), before: "", after: "new c" },
        ];
        let err = format!("{:#}", replace_all(&files).unwrap_err());
        assert!(err.contains("nothing was changed"), "{err}");
        assert!(err.contains(&dir.join("c").display().to_string()), "{err}");
        for name in ["a", "b"] {
            assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), format!("old {name}"));
        }
        let mut left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a", "b", "c"], "a temporary file was left behind");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let executable = std::fs::Permissions::from_mode(0o755);
            std::fs::set_permissions(dir.join("b"), executable).unwrap();
        }
        replace_all(&files[..2]).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("b")).unwrap(), "new b");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("b")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o755, "the new file lost the old one's permissions");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
