//! Test-only binaries, installed with `cargo install` into the git-ignored `.tools/` and reused
//! when present (docs/design.md §2): a fresh clone needs nothing installed by hand.

use std::path::{Path, PathBuf};

use crate::exec::CmdExt;
use anyhow::{Context, Result};
use xshell::{Shell, cmd};

/// A binary crate the tests need, pinned to a version.
struct Tool {
    krate: &'static str,
    version: &'static str,
    bin: &'static str,
}

/// The local crate registry the end-to-end release tests publish to.
const TOOLS: &[Tool] =
    &[Tool { krate: "cargo-http-registry", version: "0.1.8", bin: "cargo-http-registry" }];

/// Installs every missing (or differently versioned) tool into `<root>/.tools/bin`.
pub fn ensure(sh: &Shell, root: &Path) -> Result<()> {
    let tools_root = root.join(".tools");
    for tool in TOOLS {
        let bin = bin_path(&tools_root, tool.bin);
        let installed = bin.exists()
            && cmd!(sh, "{bin} --version")
                .quiet()
                .ignore_stderr()
                .read()
                .is_ok_and(|v| v.split_whitespace().any(|w| w == tool.version));
        if installed {
            continue;
        }
        let (krate, version) = (tool.krate, tool.version);
        // --debug: a test server needs no optimizing, and this halves the install on a fresh
        // machine (2m22s instead of 5m08s on a 2-core VM), which every clean CI checkout pays.
        cmd!(sh, "cargo install --locked --debug --root {tools_root} --version {version} {krate}")
            .run_to_stderr()
            .with_context(|| format!("install {krate} {version} into {}", tools_root.display()))?;
    }
    Ok(())
}

fn bin_path(tools_root: &Path, name: &str) -> PathBuf {
    let exe = if cfg!(windows) { format!("{name}.exe") } else { name.to_owned() };
    tools_root.join("bin").join(exe)
}
