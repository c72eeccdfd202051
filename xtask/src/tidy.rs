//! The xtask's own invariants as plain tests, over its source text: the CLI imports nothing
//! from the commands, one module calls `cargo metadata`, no project name is written into the
//! code, and the top-level modules import each other without a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::workspace::Workspace;

#[test]
fn flags_import_nothing_from_the_crate() {
    let sources = production_sources();
    let (_, flags) = sources.iter().find(|(path, _)| path == "flags.rs").unwrap();
    let found: Vec<&str> = flags.lines().filter(|l| l.contains("crate::")).collect();
    assert!(
        found.is_empty(),
        "flags.rs must not import from the crate (every command imports flags, so that would \
         join them all in one circle); found:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn one_module_calls_cargo_metadata() {
    let callers: Vec<String> = production_sources()
        .into_iter()
        .filter(|(_, text)| text.contains("MetadataCommand"))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(callers, ["workspace.rs"], "only the workspace reader may run `cargo metadata`");
}

/// Names come from the manifests: no crate, distribution or module name of this workspace is
/// written into the xtask's code (its tests may use them).
#[test]
fn no_project_name_is_written_into_the_code() {
    let ws = Workspace::load(&crate::project::root()).unwrap();
    let python = ws.python().unwrap();
    let mut names: BTreeSet<String> =
        ws.members.iter().map(|m| m.name.clone()).filter(|n| n != "xtask").collect();
    names.extend([python.dist.clone(), python.module.clone(), python.file_name_prefix()]);
    let mut sources = production_sources();
    let py = crate::project::root().join(crate::py::DIR);
    for entry in std::fs::read_dir(&py).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        sources.push((format!("../py/{}", entry.file_name().to_string_lossy()), text));
    }
    let mut found = Vec::new();
    for (path, text) in &sources {
        for (i, line) in text.lines().enumerate() {
            for name in &names {
                if contains_word(line, name) {
                    found.push(format!(
                        "xtask/src/{path}:{}: `{name}` in {:?}",
                        i + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "names written into the xtask:\n  {}", found.join("\n  "));
}

/// No circle among the top-level modules: each `crate::x` a module's code names is an arrow
/// from it to `x`, and following the arrows never leads back.
#[test]
fn top_level_modules_import_without_a_circle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in production_sources() {
        let module = path.split(['/', '.']).next().unwrap().to_owned();
        let targets = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let target: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !target.is_empty() && target != module {
                targets.insert(target);
            }
        }
        // `use crate::{a, b::c}` names several.
        for (at, _) in text.match_indices("crate::{") {
            let group = &text[at + "crate::{".len()..];
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let target = item.trim().split("::").next().unwrap_or("").trim();
                if !target.is_empty() && target != module {
                    targets.insert(target.to_owned());
                }
            }
        }
    }
    let mut circles = Vec::new();
    for start in graph.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    circles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n  {}", circles.join("\n  "));
}

fn src() -> PathBuf {
    crate::project::root().join("xtask/src")
}

/// Every source file under `xtask/src` (path relative to it, text), without its tests: files
/// that are test modules are left out, and a file's text ends at its `#[cfg(test)]` module.
fn production_sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    collect(&src(), &mut files);
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(src()).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    let test_modules: BTreeSet<String> = texts
        .iter()
        .flat_map(|(path, text)| {
            let dir = path.strip_suffix(".rs").unwrap().trim_end_matches("main").to_owned();
            let dir = if path == "main.rs" { String::new() } else { format!("{dir}/") };
            let lines: Vec<&str> = text.lines().collect();
            lines
                .windows(2)
                .filter(|w| w[0].trim() == "#[cfg(test)]")
                .filter_map(|w| {
                    let item = w[1].trim();
                    let item = item.strip_prefix("pub(crate) ").unwrap_or(item);
                    item.strip_prefix("mod ")?.strip_suffix(';')
                })
                .map(|name| format!("{dir}{name}.rs"))
                .collect::<Vec<_>>()
        })
        .collect();
    texts
        .into_iter()
        .filter(|(path, _)| !test_modules.contains(path))
        .map(|(path, text)| {
            let end = text.find("#[cfg(test)]\nmod tests {").unwrap_or(text.len());
            let end = text[..end].find("#[cfg(test)]\npub mod fixture").unwrap_or(end);
            (path, text[..end].to_owned())
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// `name` in `line` with no identifier character (nor `-`) on either side.
fn contains_word(line: &str, name: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[test]
fn words_are_matched_whole() {
    assert!(contains_word("import geo; x", "geo"));
    assert!(contains_word("`geo-rs`", "geo-rs"));
    assert!(!contains_word("geodesic", "geo"));
    assert!(!contains_word("my-geo", "geo"));
}
