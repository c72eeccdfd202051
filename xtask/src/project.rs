//! Facts about the repository this xtask works on: where it is, and what its paths mean.

use std::ffi::OsString;
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

/// Environment variables that name a path. Each tool resolves a relative one against its own
/// working directory, and the xtask runs its tools at the workspace root, not where it was
/// started: `CARGO_TARGET_DIR=tgt` from `crates/core` would be `crates/core/tgt` to the
/// `cargo` that built the xtask, `tgt` at the root to the `cargo package` it runs, and a third
/// place to the xtask's own file reads.
const PATH_VARIABLES: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "UV_CACHE_DIR",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON_INSTALL_DIR",
    "UV_TOOL_DIR",
    "VIRTUAL_ENV",
    "GITHUB_EVENT_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
];

/// The relative paths among `env`'s [`PATH_VARIABLES`], made absolute against `cwd` (where the
/// xtask was started, as the `cargo` that started it read them).
pub fn absolute_path_variables(
    cwd: &Path,
    env: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, PathBuf)> {
    env.into_iter()
        .filter(|(var, value)| {
            var.to_str().is_some_and(|v| PATH_VARIABLES.contains(&v))
                && !value.is_empty()
                && Path::new(value).is_relative()
        })
        .map(|(var, value)| (var, crate::flags::absolute(cwd, Path::new(&value))))
        .collect()
}

/// Makes this process's relative [`PATH_VARIABLES`] absolute, so that every tool and every
/// read of the xtask agree on where they point.
pub fn make_path_variables_absolute() {
    let Ok(cwd) = std::env::current_dir() else { return };
    for (var, path) in absolute_path_variables(&cwd, std::env::vars_os()) {
        // SAFETY: main calls this before it starts any thread, so nothing reads or writes the
        // environment concurrently.
        unsafe { std::env::set_var(var, path) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_path_variables_are_made_absolute_against_the_starting_directory() {
        let env = [
            ("CARGO_TARGET_DIR", "tgt"),
            ("CARGO_HOME", "/opt/cargo"),
            ("UV_CACHE_DIR", "../cache"),
            ("RUSTUP_HOME", ""),
            ("TMPDIR", "tmp"),
        ]
        .map(|(var, value)| (OsString::from(var), OsString::from(value)));
        let changed = absolute_path_variables(Path::new("/work/repo/crates/geodist"), env);
        assert_eq!(
            changed,
            [
                (
                    OsString::from("CARGO_TARGET_DIR"),
                    PathBuf::from("/work/repo/crates/geodist/tgt")
                ),
                (OsString::from("UV_CACHE_DIR"), PathBuf::from("/work/repo/crates/cache")),
            ]
        );
    }
}
