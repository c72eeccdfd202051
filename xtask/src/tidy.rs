//! The xtask's own invariants as plain tests, over its source text: the CLI imports nothing
//! from the commands, one module calls `cargo metadata`, no project name is written into the
//! code, the top-level modules import each other without a circle, and no two types share a
//! name.

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
/// that are test modules (and their modules' files) are left out, and a file's text ends at its
/// `#[cfg(test)]` module.
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
        .filter(|(path, _)| {
            // A test module's file, and the files of its own modules.
            !test_modules.iter().any(|t| {
                path == t
                    || t.strip_suffix(".rs").is_some_and(|dir| path.starts_with(&format!("{dir}/")))
            })
        })
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

/// One name, one type: no two structs, enums, traits or type aliases outside the tests share a
/// name, so a name in a message, a signature or a review means one thing wherever it is read
/// (associated types such as `type Error` in a trait's impl are the trait's names, not ours).
#[test]
fn every_type_has_a_name_of_its_own() {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, text) in production_sources() {
        for (number, line) in text.lines().enumerate() {
            let Some(name) = type_defined(line) else { continue };
            seen.entry(name).or_default().push(format!("{path}:{}", number + 1));
        }
    }
    let doubles: Vec<String> = seen
        .into_iter()
        .filter(|(_, places)| places.len() > 1)
        .map(|(name, places)| format!("{name}: {}", places.join(", ")))
        .collect();
    assert!(doubles.is_empty(), "names of more than one type:\n  {}", doubles.join("\n  "));
}

/// The name of the type `line` defines, if it defines one.
fn type_defined(line: &str) -> Option<String> {
    let item = line.trim_start();
    let item = match item.strip_prefix("pub") {
        Some(rest) if rest.starts_with('(') => rest.split_once(')')?.1.trim_start(),
        Some(rest) => rest.trim_start(),
        None => item,
    };
    let indented = line.starts_with(char::is_whitespace);
    let rest = ["struct ", "enum ", "trait "]
        .iter()
        .find_map(|k| item.strip_prefix(k))
        .or_else(|| item.strip_prefix("type ").filter(|_| !indented))?;
    let name: String =
        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    name.starts_with(|c: char| c.is_ascii_uppercase()).then_some(name)
}

#[test]
fn type_definitions_are_recognised() {
    assert_eq!(type_defined("pub struct Run<'a> {").as_deref(), Some("Run"));
    assert_eq!(type_defined("    pub(crate) enum Outcome {").as_deref(), Some("Outcome"));
    assert_eq!(type_defined("        struct Config {").as_deref(), Some("Config"));
    assert_eq!(
        type_defined("pub type Result<T> = std::result::Result<T, E>;").as_deref(),
        Some("Result")
    );
    assert_eq!(type_defined("    type Error = anyhow::Error;"), None);
    assert_eq!(type_defined("// a struct Foo in prose"), None);
    assert_eq!(type_defined("let enum_value = 1;"), None);
}

/// Every git command is spawned by `git.rs`, the one owner of the repository: nothing else runs
/// `git` or reads its output format.
#[test]
fn git_is_spawned_from_one_module() {
    let spawns = |text: &str| {
        let code = text.replace(['\n', ' '], "");
        code.contains("cmd!(sh,\"git")
            || code.contains(",\"git") && code.contains("cmd!(")
            || code.contains("Command::new(\"git\")")
    };
    let spawning: Vec<String> = production_sources()
        .into_iter()
        .filter(|(path, text)| path != "git.rs" && spawns(text))
        .map(|(path, _)| path)
        .collect();
    assert!(spawning.is_empty(), "git is run outside git.rs, in: {spawning:?}");
}

/// Every gh command runs through `gh.rs`, the one owner of the GitHub CLI.
#[test]
fn gh_is_spawned_from_one_module() {
    assert_eq!(spawning("gh"), ["gh.rs"], "gh is run outside gh.rs");
}

/// The production files that run `tool`: an xshell `cmd!` whose command line starts with it,
/// or a `Command::new` of it.
fn spawning(tool: &str) -> Vec<String> {
    let runs = |text: &str| {
        text.match_indices("cmd!(").any(|(at, _)| {
            let rest = &text[at..];
            let quote = rest.find('"').map_or("", |q| &rest[q + 1..]);
            quote.starts_with(&format!("{tool} ")) || quote.starts_with(&format!("{tool}\""))
        }) || text.contains(&format!("Command::new(\"{tool}\")"))
    };
    production_sources().into_iter().filter(|(_, text)| runs(text)).map(|(path, _)| path).collect()
}

/// Every HTTP request goes through `http.rs`, the one owner of the helper script's answer.
#[test]
fn http_requests_are_made_from_one_module() {
    let requesting: Vec<String> = production_sources()
        .into_iter()
        .filter(|(path, text)| {
            path != "http.rs" && path != "py.rs" && text.contains("Script::Http")
        })
        .map(|(path, _)| path)
        .collect();
    assert!(requesting.is_empty(), "HTTP requests outside http.rs, in: {requesting:?}");
}

/// Every `docs/design.md §N` in the code names a section the contract has, and no reference
/// points outside the repository.
#[test]
fn references_to_the_contract_resolve() {
    let root = crate::project::root();
    let design = std::fs::read_to_string(root.join("docs/design.md")).unwrap();
    let sections: BTreeSet<String> = design
        .lines()
        .filter_map(|l| l.strip_prefix("## ")?.split('.').next().map(str::to_owned))
        .collect();
    let mut sources = Vec::new();
    for dir in ["xtask/src", "crates", "python", ".github"] {
        collect_all(&root.join(dir), &mut sources);
    }
    for doc in ["README.md", "ARCHITECTURE.md", "RELEASING.md", "Makefile", "CHANGELOG.md"] {
        sources.push(root.join(doc));
    }
    let mut broken = Vec::new();
    for path in sources.into_iter().filter(|p| !p.ends_with("tidy.rs")) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (i, line) in text.lines().enumerate() {
            if line.contains("DESIGN §") || line.contains("DESIGN.md") {
                broken.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
            for (at, _) in line.match_indices("docs/design.md §") {
                let section: String = line[at + "docs/design.md §".len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !sections.contains(&section) {
                    broken.push(format!("{}:{}: §{section}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(broken.is_empty(), "references that do not resolve:\n  {}", broken.join("\n  "));
}

/// Every file below `dir` (but build outputs and caches).
fn collect_all(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir()
            && !matches!(name.to_str(), Some("target" | "__pycache__" | ".pytest_cache"))
        {
            collect_all(&path, files);
        } else if path.is_file() {
            files.push(path);
        }
    }
}

/// No function outside the tests is longer than 60 lines (from its `fn` to its closing brace):
/// a longer one is doing several things, each of which deserves a name.
#[test]
fn no_function_is_longer_than_sixty_lines() {
    let mut long = Vec::new();
    for (path, text) in production_sources() {
        for (name, line, length) in functions(&text) {
            if length > 60 {
                long.push(format!("{path}:{line}: fn {name} is {length} lines"));
            }
        }
    }
    assert!(long.is_empty(), "functions over 60 lines:\n  {}", long.join("\n  "));
}

/// Every `fn` in `text` outside `#[cfg(test)]` items: its name, first line and length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = blank_literals(text);
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(at) = trimmed.find("fn ") else { continue };
        let before = &trimmed[..at];
        if !(before.is_empty() || before.ends_with(' ')) || trimmed.starts_with("//") {
            continue;
        }
        let name: String = trimmed[at + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // From the signature to its body's closing brace (a declaration without a body ends at
        // its `;`).
        let mut depth = 0usize;
        let mut opened = false;
        'scan: for (j, l) in lines.iter().enumerate().skip(i) {
            for c in l.chars() {
                match c {
                    ';' if !opened && depth == 0 => break 'scan,
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => {
                        depth = depth.saturating_sub(1);
                        if opened && depth == 0 {
                            found.push((name.clone(), i + 1, j - i + 1));
                            break 'scan;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// `text` with the contents of string and char literals and comments blanked out, so that the
/// braces counted are the code's.
fn blank_literals(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.extend(std::iter::repeat_n(' ', end));
            i += end;
        } else if let Some(raw) =
            rest.strip_prefix('r').filter(|r| r.starts_with("\"") || r.starts_with('#'))
        {
            let hashes = raw.chars().take_while(|c| *c == '#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body_start = 1 + hashes + 1;
            let end = rest[body_start..]
                .find(&close)
                .map_or(rest.len(), |e| body_start + e + close.len());
            out.extend(rest[..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
            i += end;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            out.extend(rest[..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
            i += end;
        } else if rest.starts_with("'{'") || rest.starts_with("'}'") || rest.starts_with("'\"'") {
            out.push_str("   ");
            i += 3;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn functions_are_measured_by_their_braces() {
    let text = "fn a() {\n    let s = \"{ not a brace\";\n    x('}');\n}\n\npub fn b(x: u8) -> u8 {\n    x\n}\nfn c();\n";
    assert_eq!(functions(text), [("a".into(), 1, 4), ("b".into(), 6, 3)]);
}
