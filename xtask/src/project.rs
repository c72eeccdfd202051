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
