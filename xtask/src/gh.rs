//! The one owner of the GitHub CLI: every `gh` command runs here, and whether gh can be used at
//! all (on PATH, with credentials) is decided once.

use std::process::Output;

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

/// Why gh cannot be used here — not on PATH, or without credentials — with the fix; `None`
/// when it can.
pub fn unusable(sh: &Shell) -> Option<String> {
    if cmd!(sh, "gh --version").quiet().ignore_stdout().ignore_stderr().run().is_err() {
        return Some("gh is not on PATH: install the GitHub CLI (https://cli.github.com)".into());
    }
    let token = ["GH_TOKEN", "GITHUB_TOKEN"].iter().any(|v| sh.var(v).is_ok_and(|t| !t.is_empty()));
    let logged_in =
        || cmd!(sh, "gh auth status").quiet().ignore_stdout().ignore_stderr().run().is_ok();
    (!token && !logged_in()).then(|| {
        "gh has no credentials: set GH_TOKEN (in GitHub Actions, `GH_TOKEN: ${{ github.token }}`), \
         or run `gh auth login`"
            .into()
    })
}

/// `gh <args>` with `stdin`, its exit status judged by the caller.
pub fn output(sh: &Shell, args: &[&str], stdin: &str) -> Result<Output> {
    cmd!(sh, "gh {args...}")
        .quiet()
        .ignore_status()
        .stdin(stdin)
        .output()
        .with_context(|| format!("run `gh {}`", args.join(" ")))
}

/// `gh <args>` with `stdin`: what it prints, or an error with gh's own words.
pub fn read(sh: &Shell, args: &[&str], stdin: &str) -> Result<String> {
    let out = output(sh, args, stdin)?;
    if !out.status.success() {
        anyhow::bail!(
            "`gh {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether the repository `repo` (`OWNER/NAME`) has immutable releases on (a release's assets
/// and tag can then never change once it is published): `Err` with why it cannot be told.
pub fn immutable_releases(sh: &Shell, repo: &str) -> Result<bool, String> {
    if let Some(why) = unusable(sh) {
        return Err(why);
    }
    let path = format!("repos/{repo}/immutable-releases");
    let out = output(sh, &["api", &path], "").map_err(|e| format!("{e:#}"))?;
    let said = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        // GitHub answers 404 when they are off.
        return if said.contains("404") { Ok(false) } else { Err(said.trim().to_owned()) };
    }
    #[derive(serde::Deserialize)]
    struct Setting {
        enabled: bool,
    }
    let text = String::from_utf8_lossy(&out.stdout);
    crate::json::parse::<Setting>(&text).map(|s| s.enabled).map_err(|e| format!("{e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in `gh` first on the shell's PATH, answering as GitHub's REST API documents:
    /// 200 with `{"enabled": …}` when immutable releases are on, 404 when they are off.
    #[cfg(unix)]
    #[test]
    fn immutable_releases_are_asked_of_github() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("xtask-gh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let gh = dir.join("gh");
        std::fs::write(
            &gh,
            "#!/bin/sh\ncase \"$*\" in\n  --version) echo 'gh version 2.83.0' ;;\n  \
             'api repos/o/on/immutable-releases') echo '{\"enabled\":true,\"enforced_by_owner\":false}' ;;\n  \
             *) echo 'gh: Not Found (HTTP 404)' >&2; exit 1 ;;\nesac\n",
        )
        .unwrap();
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        let sh = Shell::new().unwrap();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(dir.clone()).chain(std::env::split_paths(&path));
        sh.set_var("PATH", std::env::join_paths(paths).unwrap());
        sh.set_var("GH_TOKEN", "t");
        assert_eq!(immutable_releases(&sh, "o/on"), Ok(true));
        assert_eq!(immutable_releases(&sh, "o/off"), Ok(false));
        sh.set_var("PATH", "/nonexistent");
        assert!(immutable_releases(&sh, "o/on").unwrap_err().contains("not on PATH"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
