//! The version edits of a bump, as pure text transforms: only version values change, and every
//! comment, blank line and formatting choice around them survives (toml_edit keeps the
//! decoration of each value; we carry it over to the new value).

use anyhow::{Result, bail};
use semver::Version;
use toml_edit::{Item, Value};

use crate::version::{expected_requirement, parse_toml, visit_requirements};

/// Sets `[workspace.package] version` (in the root manifest) and every path-dependency
/// requirement on one of `crates` (in any manifest) to `version`, keeping each requirement's
/// operator (`=0.1.0` → `=0.1.1`).
pub fn manifest(text: &str, crates: &[String], version: &Version) -> Result<String> {
    let mut doc = parse_toml(text, "Cargo.toml")?;
    let workspace_version = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("package"))
        .and_then(|p| p.get_mut("version"))
        .and_then(Item::as_value_mut);
    if let Some(value) = workspace_version {
        set_keeping_format(value, &version.to_string());
    }
    visit_requirements(&mut doc, crates, &mut |_, _, value| {
        let old = value.as_str().unwrap_or("").to_owned();
        set_keeping_format(value, &expected_requirement(&old, version));
    });
    Ok(doc.to_string())
}

/// Sets the `Cargo.lock` version of each of `crates` (their entries without `source`) to
/// `version`, and the `"name old-version"` references to them that cargo writes when two
/// versions of one name are in the graph. This is the edit `cargo update --workspace --offline`
/// makes after a version bump, without needing the registry index.
pub fn lock(text: &str, crates: &[String], version: &Version) -> Result<String> {
    let mut doc = parse_toml(text, "Cargo.lock")?;
    let Some(packages) = doc.get_mut("package").and_then(Item::as_array_of_tables_mut) else {
        bail!("Cargo.lock has no [[package]] entries: expected cargo's lock file format");
    };
    let new = version.to_string();
    let mut renamed = Vec::new();
    for package in packages.iter_mut() {
        let name = package.get("name").and_then(Item::as_str).unwrap_or("").to_owned();
        if !crates.contains(&name) || package.get("source").is_some() {
            continue;
        }
        if let Some(value) = package.get_mut("version").and_then(Item::as_value_mut) {
            let old = value.as_str().unwrap_or("").to_owned();
            renamed.push((format!("{name} {old}"), format!("{name} {new}")));
            set_keeping_format(value, &new);
        }
    }
    for package in packages.iter_mut() {
        let deps = package.get_mut("dependencies").and_then(Item::as_array_mut);
        for dep in deps.into_iter().flat_map(|a| a.iter_mut()) {
            let current = dep.as_str().unwrap_or("");
            if let Some((_, to)) = renamed.iter().find(|(from, _)| from == current) {
                let to = to.clone();
                set_keeping_format(dep, &to);
            }
        }
    }
    Ok(doc.to_string())
}

/// Replaces a string value, keeping the whitespace and comments around it.
fn set_keeping_format(value: &mut Value, new: &str) {
    if value.as_str() == Some(new) {
        return;
    }
    let decor = value.decor().clone();
    // A literal string ('…') stays one, so that a file written in that style keeps it.
    let literal = match &*value {
        Value::String(s) => {
            s.as_repr().and_then(|r| r.as_raw().as_str()).is_some_and(|r| r.starts_with('\''))
        }
        _ => false,
    };
    let mut fresh = match format!("'{new}'").parse::<Value>() {
        Ok(parsed) if literal && !new.contains('\'') => parsed,
        _ => Value::from(new),
    };
    *fresh.decor_mut() = decor;
    *value = fresh;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden;

    fn crates() -> Vec<String> {
        vec!["geodist".to_owned(), "geodist-py".to_owned()]
    }

    #[track_caller]
    fn check(
        name: &str,
        ext: &str,
        version: &str,
        edit: fn(&str, &[String], &Version) -> Result<String>,
    ) {
        let before = golden::read(&format!("{name}.before.{ext}"));
        let after = edit(&before, &crates(), &Version::parse(version).unwrap()).unwrap();
        golden::check(&format!("{name}.after.{ext}"), &after);
        // Only version values change: the same number of lines, in the same places.
        assert_eq!(before.lines().count(), after.lines().count(), "{name}");
    }

    #[test]
    fn root_manifest_with_comments_and_odd_formatting() {
        check("manifest/root", "toml", "0.2.0-alpha.1", manifest);
    }

    #[test]
    fn member_manifest() {
        check("manifest/member", "toml", "0.2.0-alpha.1", manifest);
    }

    #[test]
    fn lock_file() {
        check("lock/Cargo", "lock", "0.1.1", lock);
    }

    #[test]
    fn unchanged_when_already_there() {
        let before = golden::read("manifest/root.before.toml");
        let v = Version::parse("0.1.0").unwrap();
        assert_eq!(manifest(&before, &crates(), &v).unwrap(), before);
    }
}
