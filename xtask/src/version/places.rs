//! The places the version sits inside `Cargo.toml` and `Cargo.lock`: internal requirements and
//! lock entries.
//!
//! The readers here serve both the coherence check and the bump, so that what is checked and what
//! is edited can never be two different sets of places.

use anyhow::{Context, Result};
use semver::Version;
use toml_edit::{DocumentMut, Item, Value};

/// The dependency tables of a manifest that may name a workspace crate by path.
const DEPENDENCY_KINDS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// Calls `f` with every version requirement on a workspace crate that a path dependency of
/// `doc` writes down: `[workspace.dependencies]`, `[dependencies]`, `[dev-dependencies]`,
/// `[build-dependencies]` and their `[target.'cfg'.…]` forms. `f` gets the table's name (as
/// `[workspace.dependencies]`), the crate's name and the requirement value.
pub fn visit_requirements(
    doc: &mut DocumentMut,
    crates: &[String],
    f: &mut dyn FnMut(&str, &str, &mut Value),
) {
    let root = doc.as_table_mut();
    if let Some(deps) = root.get_mut("workspace").and_then(|w| w.get_mut("dependencies")) {
        visit_table("[workspace.dependencies]", deps, crates, f);
    }
    for kind in DEPENDENCY_KINDS {
        if let Some(deps) = root.get_mut(kind) {
            visit_table(&format!("[{kind}]"), deps, crates, f);
        }
    }
    if let Some(targets) = root.get_mut("target").and_then(Item::as_table_like_mut) {
        for (cfg, target) in targets.iter_mut() {
            let cfg = cfg.get().to_owned();
            for kind in DEPENDENCY_KINDS {
                if let Some(deps) = target.get_mut(kind) {
                    visit_table(&format!("[target.'{cfg}'.{kind}]"), deps, crates, f);
                }
            }
        }
    }
}

fn visit_table(
    section: &str,
    deps: &mut Item,
    crates: &[String],
    f: &mut dyn FnMut(&str, &str, &mut Value),
) {
    let Some(deps) = deps.as_table_like_mut() else {
        return;
    };
    for (key, dep) in deps.iter_mut() {
        let key = key.get().to_owned();
        let Some(dep) = dep.as_table_like_mut() else {
            continue;
        };
        let name = dep.get("package").and_then(Item::as_str).unwrap_or(&key).to_owned();
        // A dependency without `path` comes from a registry: not ours to keep in step.
        if !crates.contains(&name) || dep.get("path").is_none() {
            continue;
        }
        if let Some(version) = dep.get_mut("version").and_then(Item::as_value_mut) {
            f(section, &name, version);
        }
    }
}

/// Every internal requirement of a manifest as (table, crate, requirement).
pub fn requirements(manifest: &str, crates: &[String]) -> Result<Vec<(String, String, String)>> {
    let mut doc = parse(manifest, "Cargo.toml")?;
    let mut found = Vec::new();
    visit_requirements(&mut doc, crates, &mut |section, name, value| {
        let req = value.as_str().unwrap_or("<not a string>").to_owned();
        found.push((section.to_owned(), name.to_owned(), req));
    });
    Ok(found)
}

/// The requirement that pins `version` with the operator `found` uses: `=0.1.0` → `=0.1.1`,
/// `0.1.0` → `0.1.1`, `^0.1` → `^0.1.1`.
pub fn expected_requirement(found: &str, version: &Version) -> String {
    let trimmed = found.trim();
    let op_len = trimmed.len() - trimmed.trim_start_matches(['=', '^', '~', '<', '>']).len();
    format!("{}{version}", &trimmed[..op_len])
}

/// The `Cargo.lock` version of each of `crates` (the entries without a `source`, which are the
/// workspace's own); `None` for a crate the lock file does not list.
pub fn lock_versions(lock: &str, crates: &[String]) -> Result<Vec<(String, Option<String>)>> {
    let doc = parse(lock, "Cargo.lock")?;
    let packages = doc.get("package").and_then(Item::as_array_of_tables);
    Ok(crates
        .iter()
        .map(|name| {
            let version = packages.into_iter().flat_map(|p| p.iter()).find_map(|p| {
                let ours = p.get("name").and_then(Item::as_str) == Some(name.as_str())
                    && p.get("source").is_none();
                ours.then(|| p.get("version").and_then(Item::as_str).unwrap_or("").to_owned())
            });
            (name.clone(), version)
        })
        .collect())
}

pub fn parse(text: &str, what: &str) -> Result<DocumentMut> {
    text.parse().with_context(|| format!("{what} is not valid TOML"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crates() -> Vec<String> {
        vec!["core".to_owned(), "core-py".to_owned()]
    }

    #[test]
    fn finds_every_internal_requirement() {
        let manifest = r#"
[package]
name = "core-py"
version.workspace = true

[dependencies]
core = { path = "../core", version = "=1.0.0" }
renamed = { package = "core-py", path = "../py", version = "1.0.0" }
serde = { version = "1" }
core-registry = { package = "core", version = "0.9" }
inherited = { workspace = true }

[dev-dependencies.core]
path = "../core"
version = "^1.0.0"

[target.'cfg(unix)'.build-dependencies]
core = { path = "../core", version = "~1.0" }
"#;
        let found = requirements(manifest, &crates()).unwrap();
        let found: Vec<_> = found.iter().map(|(s, n, r)| format!("{s} {n} {r}")).collect();
        assert_eq!(
            found,
            [
                "[dependencies] core =1.0.0",
                "[dependencies] core-py 1.0.0",
                "[dev-dependencies] core ^1.0.0",
                "[target.'cfg(unix)'.build-dependencies] core ~1.0",
            ]
        );
    }

    #[test]
    fn requirements_keep_their_operator() {
        let v = Version::parse("1.2.0-rc.1").unwrap();
        assert_eq!(expected_requirement("=1.1.0", &v), "=1.2.0-rc.1");
        assert_eq!(expected_requirement("1.1.0", &v), "1.2.0-rc.1");
        assert_eq!(expected_requirement("^1.1", &v), "^1.2.0-rc.1");
        assert_eq!(expected_requirement(">=1", &v), ">=1.2.0-rc.1");
    }

    #[test]
    fn lock_entries() {
        let lock = r#"
version = 4

[[package]]
name = "core"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "core"
version = "1.1.0"
"#;
        let found = lock_versions(lock, &crates()).unwrap();
        assert_eq!(found, [("core".into(), Some("1.1.0".into())), ("core-py".into(), None)]);
    }
}
