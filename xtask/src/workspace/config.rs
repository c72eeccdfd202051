//! `[workspace.metadata.release]`: what the release needs that no manifest says — the tag
//! prefix, the changelog, whether tags must be signed, the ABI families of the wheels and the
//! wheel targets.
//!
//! This is the only reader of that table. It is strict in one way for every key: a missing or
//! mistyped key is a problem, reported together with every other problem, never a default
//! (`signed-tags` alone is optional, and false when absent, as docs/design.md §4 fixes it).

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wheel_tags::{Cpython, Family};

/// The parsed and validated release configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseConfig {
    /// Prefix of release tags: the tag of 1.2.0 is `{tag_prefix}1.2.0` (may be empty).
    pub tag_prefix: String,
    /// The changelog, relative to the workspace root.
    pub changelog: String,
    /// Whether a live release needs an annotated tag signed by an allowed signer.
    pub signed_tags: bool,
    /// The ABI families every target's wheels are built in (`abi3`, `cp314t`, `abi3.abi3t`).
    pub families: Vec<Family>,
    pub wheels: Vec<WheelTarget>,
}

/// The keys the table may have.
const KEYS: &[&str] = &["tag-prefix", "changelog", "signed-tags", "families", "wheels"];
const WHEEL_KEYS: &[&str] = &["target", "runner", "platform", "python"];

/// One wheel target: a Rust target, the GitHub runner that builds its wheels natively, the
/// platform policy they are built for and the CPython builds their tests run on (each tests the
/// wheel an installer picks for it).
#[derive(Debug, Clone, PartialEq)]
pub struct WheelTarget {
    pub target: Triple,
    pub runner: String,
    pub platform: Platform,
    pub python: Vec<Cpython>,
}

/// The platform policy of a wheel, as configured (`manylinux_2_17`, `musllinux_1_2`,
/// `macosx_11_0`, `windows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum Platform {
    Manylinux(u32, u32),
    Musllinux(u32, u32),
    Macos(u32, u32),
    Windows,
}

/// A Rust target a wheel can be configured for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Triple {
    X86_64LinuxGnu,
    Aarch64LinuxGnu,
    X86_64LinuxMusl,
    Aarch64LinuxMusl,
    X86_64Darwin,
    Aarch64Darwin,
    X86_64WindowsMsvc,
    Aarch64WindowsMsvc,
    I686WindowsMsvc,
}

/// Each triple's name and its wheels' architecture name.
const TRIPLES: [(Triple, &str, &str); 9] = [
    (Triple::X86_64LinuxGnu, "x86_64-unknown-linux-gnu", "x86_64"),
    (Triple::Aarch64LinuxGnu, "aarch64-unknown-linux-gnu", "aarch64"),
    (Triple::X86_64LinuxMusl, "x86_64-unknown-linux-musl", "x86_64"),
    (Triple::Aarch64LinuxMusl, "aarch64-unknown-linux-musl", "aarch64"),
    (Triple::X86_64Darwin, "x86_64-apple-darwin", "x86_64"),
    (Triple::Aarch64Darwin, "aarch64-apple-darwin", "arm64"),
    (Triple::X86_64WindowsMsvc, "x86_64-pc-windows-msvc", "amd64"),
    (Triple::Aarch64WindowsMsvc, "aarch64-pc-windows-msvc", "arm64"),
    (Triple::I686WindowsMsvc, "i686-pc-windows-msvc", "win32"),
];

impl Triple {
    pub fn parse(name: &str) -> Option<Triple> {
        TRIPLES.iter().find(|(_, n, _)| *n == name).map(|(t, _, _)| *t)
    }

    pub fn as_str(self) -> &'static str {
        TRIPLES.iter().find(|(t, _, _)| *t == self).map_or("", |(_, name, _)| name)
    }

    /// The wheel architecture name (`x86_64`, `arm64`, `amd64`, …).
    pub fn arch(self) -> &'static str {
        TRIPLES.iter().find(|(t, _, _)| *t == self).map_or("", |(_, _, arch)| arch)
    }

    /// The operating system family of the target.
    pub fn os(self) -> &'static str {
        os_of(self.as_str())
    }
}

impl TryFrom<String> for Triple {
    type Error = String;

    fn try_from(name: String) -> Result<Triple, String> {
        Triple::parse(&name).ok_or_else(|| {
            let known: Vec<&str> = TRIPLES.iter().map(|(_, n, _)| *n).collect();
            format!("unknown target `{name}`: expected one of {}", known.join(", "))
        })
    }
}

impl From<Triple> for String {
    fn from(t: Triple) -> String {
        t.as_str().to_owned()
    }
}

impl std::fmt::Display for Triple {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl ReleaseConfig {
    /// Reads the configuration from `[workspace.metadata]` (as cargo metadata gives it),
    /// reporting every problem at once.
    pub fn from_workspace_metadata(metadata: &Value) -> Result<ReleaseConfig> {
        let mut problems = Vec::new();
        let release = metadata.get("release").unwrap_or(&Value::Null);
        if !release.is_object() {
            bail!(
                "Cargo.toml has no [workspace.metadata.release] table: expected the release \
                 configuration there (tag-prefix, changelog, [[…wheels]]); see RELEASING.md"
            );
        }
        for key in release.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !KEYS.contains(&key.as_str()) {
                problems.push(format!("unknown key `{key}`: expected one of {}", KEYS.join(", ")));
            }
        }
        let tag_prefix = string(release, "tag-prefix", "\"v\"", true, &mut problems);
        let changelog = string(release, "changelog", "\"CHANGELOG.md\"", false, &mut problems);
        let signed_tags = match release.get("signed-tags") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                problems.push(format!("signed-tags: expected true or false, found {other}"));
                false
            }
        };
        let families = families(release.get("families"), &mut problems);
        let mut wheels = Vec::new();
        match release.get("wheels").and_then(Value::as_array) {
            Some(entries) if !entries.is_empty() => {
                for (i, entry) in entries.iter().enumerate() {
                    if let Some(wheel) = WheelTarget::parse(i, entry, &mut problems) {
                        wheels.push(wheel);
                    }
                }
            }
            _ => problems.push(
                "no [[workspace.metadata.release.wheels]] entries: expected at least one wheel target"
                    .to_owned(),
            ),
        }
        let mut seen = std::collections::HashSet::new();
        for w in &wheels {
            if !seen.insert(&w.target) {
                problems.push(format!("wheel target {} is configured twice", w.target));
            }
        }
        if !problems.is_empty() {
            bail!(
                "invalid release configuration in Cargo.toml [workspace.metadata.release]:\n  {}",
                problems.join("\n  ")
            );
        }
        Ok(ReleaseConfig { tag_prefix, changelog, signed_tags, families, wheels })
    }
}

impl WheelTarget {
    fn parse(i: usize, entry: &Value, problems: &mut Vec<String>) -> Option<WheelTarget> {
        let field = |name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
        let at = format!("wheels[{i}]");
        for key in entry.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !WHEEL_KEYS.contains(&key.as_str()) {
                problems.push(format!(
                    "{at}: unknown key `{key}`: expected one of {}",
                    WHEEL_KEYS.join(", ")
                ));
            }
        }
        let (Some(target), Some(runner), Some(platform)) =
            (field("target"), field("runner"), field("platform"))
        else {
            problems.push(format!("{at}: expected the keys target, runner, platform and python"));
            return None;
        };
        let target = match Triple::try_from(target) {
            Ok(target) => target,
            Err(problem) => {
                problems.push(format!("{at}: {problem}"));
                return None;
            }
        };
        let platform = match Platform::parse(&platform) {
            Some(p) if p.fits(target) => p,
            Some(_) => {
                problems.push(format!("{at}: platform `{platform}` cannot be built for {target}"));
                return None;
            }
            None => {
                problems.push(format!(
                    "{at}: unknown platform `{platform}`: expected manylinux_X_Y, musllinux_X_Y, \
                     macosx_X_Y or windows"
                ));
                return None;
            }
        };
        let python = match list(entry.get("python"), Cpython::parse) {
            Some(Ok(python)) if !python.is_empty() => python,
            Some(Err(problem)) => {
                problems.push(format!("{at}: python: {problem}"));
                return None;
            }
            _ => {
                problems.push(format!(
                    "{at}: python must list the CPython builds to test on, like [\"3.10\", \
                     \"3.14\", \"3.14t\"]; found {}",
                    entry.get("python").map_or_else(|| "nothing".to_owned(), Value::to_string)
                ));
                return None;
            }
        };
        Some(WheelTarget { target, runner, platform, python })
    }

    /// The wheel's platform tag, exactly as maturin writes it in the file name.
    pub fn platform_tag(&self) -> String {
        let arch = self.target.arch();
        match self.platform {
            // maturin puts the legacy alias, which older pip versions understand, first.
            Platform::Manylinux(2, 17) => format!("manylinux2014_{arch}.manylinux_2_17_{arch}"),
            Platform::Manylinux(2, 12) => format!("manylinux2010_{arch}.manylinux_2_12_{arch}"),
            Platform::Manylinux(2, 5) => format!("manylinux1_{arch}.manylinux_2_5_{arch}"),
            Platform::Manylinux(x, y) => format!("manylinux_{x}_{y}_{arch}"),
            Platform::Musllinux(x, y) => format!("musllinux_{x}_{y}_{arch}"),
            Platform::Macos(x, y) => format!("macosx_{x}_{y}_{arch}"),
            Platform::Windows => format!("win_{arch}").replace("win_win32", "win32"),
        }
    }
}

/// The operating system family of a target: `linux`, `macos`, `windows` or `other`.
pub fn os_of(target: &str) -> &'static str {
    if target.contains("-linux-") {
        "linux"
    } else if target.contains("-apple-darwin") {
        "macos"
    } else if target.contains("-windows-") {
        "windows"
    } else {
        "other"
    }
}

impl Platform {
    fn parse(s: &str) -> Option<Platform> {
        if s == "windows" {
            return Some(Platform::Windows);
        }
        let (kind, rest) = s.split_once('_')?;
        let (x, y) = rest.split_once('_')?;
        let (x, y) = (x.parse().ok()?, y.parse().ok()?);
        match kind {
            "manylinux" => Some(Platform::Manylinux(x, y)),
            "musllinux" => Some(Platform::Musllinux(x, y)),
            "macosx" => Some(Platform::Macos(x, y)),
            _ => None,
        }
    }

    fn fits(self, target: Triple) -> bool {
        let target = target.as_str();
        match self {
            Platform::Manylinux(..) => target.ends_with("-linux-gnu"),
            Platform::Musllinux(..) => target.ends_with("-linux-musl"),
            Platform::Macos(..) => target.ends_with("-apple-darwin"),
            Platform::Windows => target.ends_with("-windows-msvc"),
        }
    }

    /// The policy as configured and as maturin's `--compatibility` takes it (Linux only).
    pub fn compatibility(self) -> Option<String> {
        match self {
            Platform::Manylinux(x, y) => Some(format!("manylinux_{x}_{y}")),
            Platform::Musllinux(x, y) => Some(format!("musllinux_{x}_{y}")),
            Platform::Macos(..) | Platform::Windows => None,
        }
    }

    /// The macOS deployment target, for `MACOSX_DEPLOYMENT_TARGET`.
    pub fn macos_deployment_target(self) -> Option<String> {
        match self {
            Platform::Macos(x, y) => Some(format!("{x}.{y}")),
            _ => None,
        }
    }
}

impl From<Platform> for String {
    fn from(p: Platform) -> String {
        p.to_string()
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Platform::Manylinux(x, y) => write!(f, "manylinux_{x}_{y}"),
            Platform::Musllinux(x, y) => write!(f, "musllinux_{x}_{y}"),
            Platform::Macos(x, y) => write!(f, "macosx_{x}_{y}"),
            Platform::Windows => f.write_str("windows"),
        }
    }
}

/// `families`: required, one or more, each named once.
fn families(value: Option<&Value>, problems: &mut Vec<String>) -> Vec<Family> {
    match list(value, Family::parse) {
        Some(Ok(families)) if !families.is_empty() => families,
        Some(Err(problem)) => {
            problems.push(format!("families: {problem}"));
            Vec::new()
        }
        _ => {
            problems.push(
                "no `families`: expected the ABI families every target's wheels are built in; \
                 add `families = [\"abi3\", \"cp314t\", \"abi3.abi3t\"]`"
                    .to_owned(),
            );
            Vec::new()
        }
    }
}

/// An array of strings, each parsed, none twice. `None` when `value` is not an array; otherwise
/// the values, or every problem of its items (not strings, not parsed, repeated), joined.
fn list<T: PartialEq + std::fmt::Display>(
    value: Option<&Value>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<Result<Vec<T>, String>> {
    let items = value?.as_array()?;
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for item in items {
        match item.as_str().map(&parse) {
            Some(Ok(value)) if parsed.contains(&value) => {
                problems.push(format!("`{value}` is listed twice"));
            }
            Some(Ok(value)) => parsed.push(value),
            Some(Err(problem)) => problems.push(problem),
            None => problems.push(format!("expected strings, found {item}")),
        }
    }
    Some(if problems.is_empty() { Ok(parsed) } else { Err(problems.join("; ")) })
}

/// A required string key; `may_be_empty` for the tag prefix, whose empty value is a choice
/// (tags named `1.2.0`).
fn string(
    table: &Value,
    key: &str,
    example: &str,
    may_be_empty: bool,
    problems: &mut Vec<String>,
) -> String {
    match table.get(key) {
        Some(Value::String(s)) if may_be_empty || !s.is_empty() => s.clone(),
        None => {
            problems.push(format!("no `{key}`: expected a string; add `{key} = {example}`"));
            String::new()
        }
        Some(other) => {
            problems.push(format!("{key}: expected a non-empty string, found {other}"));
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wheel(target: &str, platform: &str) -> Value {
        json!({"target": target, "runner": "r", "platform": platform, "python": ["3.10"]})
    }

    fn release(wheels: Value) -> Value {
        json!({"release": {"tag-prefix": "v", "changelog": "CHANGELOG.md", "families": ["abi3"],
                           "wheels": wheels}})
    }

    #[track_caller]
    fn check_tag(target: &str, platform: &str, expected: &str) {
        let config =
            ReleaseConfig::from_workspace_metadata(&release(json!([wheel(target, platform)])))
                .unwrap();
        assert_eq!(config.wheels[0].platform_tag(), expected);
    }

    #[test]
    fn platform_tags_match_maturin() {
        check_tag(
            "x86_64-unknown-linux-gnu",
            "manylinux_2_17",
            "manylinux2014_x86_64.manylinux_2_17_x86_64",
        );
        check_tag("aarch64-unknown-linux-gnu", "manylinux_2_28", "manylinux_2_28_aarch64");
        check_tag("aarch64-unknown-linux-musl", "musllinux_1_2", "musllinux_1_2_aarch64");
        check_tag("x86_64-apple-darwin", "macosx_10_12", "macosx_10_12_x86_64");
        check_tag("aarch64-apple-darwin", "macosx_11_0", "macosx_11_0_arm64");
        check_tag("x86_64-pc-windows-msvc", "windows", "win_amd64");
        check_tag("aarch64-pc-windows-msvc", "windows", "win_arm64");
        check_tag("i686-pc-windows-msvc", "windows", "win32");
    }

    #[test]
    fn families_and_pythons_are_typed() {
        let mut metadata = release(json!([
            {"target": "x86_64-unknown-linux-gnu", "runner": "r", "platform": "manylinux_2_17",
             "python": ["3.10", "3.14", "3.14t", "3.15", "3.15t"]},
        ]));
        metadata["release"]["families"] = json!(["abi3", "cp314t", "abi3.abi3t"]);
        let config = ReleaseConfig::from_workspace_metadata(&metadata).unwrap();
        let families: Vec<String> = config.families.iter().map(ToString::to_string).collect();
        assert_eq!(families, ["abi3", "cp314t", "abi3.abi3t"]);
        let python: Vec<String> = config.wheels[0].python.iter().map(ToString::to_string).collect();
        assert_eq!(python, ["3.10", "3.14", "3.14t", "3.15", "3.15t"]);
        for families in [json!([]), json!("abi3"), json!(null)] {
            metadata["release"]["families"] = families;
            let err = ReleaseConfig::from_workspace_metadata(&metadata).unwrap_err().to_string();
            assert!(err.contains("no `families`"), "{err}");
        }
    }

    #[test]
    fn every_key_but_signed_tags_is_required() {
        let wheels = json!([wheel("x86_64-apple-darwin", "macosx_10_12")]);
        let config = ReleaseConfig::from_workspace_metadata(&release(wheels.clone())).unwrap();
        assert_eq!((config.tag_prefix.as_str(), config.changelog.as_str()), ("v", "CHANGELOG.md"));
        assert!(!config.signed_tags);
        let err = ReleaseConfig::from_workspace_metadata(&json!({"release": {"wheels": wheels}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `tag-prefix`") && err.contains("add `tag-prefix = \"v\"`"));
        assert!(err.contains("no `changelog`") && err.contains("add `changelog = "), "{err}");
        assert!(err.contains("no `families`") && err.contains("add `families = ["), "{err}");
        // An empty prefix is a choice (tags named `1.2.0`), an empty changelog path is not.
        let empty = json!({"release": {"tag-prefix": "", "changelog": "", "families": ["abi3"],
                                       "wheels": wheels}});
        let err = ReleaseConfig::from_workspace_metadata(&empty).unwrap_err().to_string();
        assert!(err.contains("changelog: expected a non-empty string") && !err.contains("tag-"));
        let signed = json!({"release": {"tag-prefix": "", "changelog": "C.md", "families": ["abi3"],
                                        "signed-tags": true, "wheels": wheels}});
        let config = ReleaseConfig::from_workspace_metadata(&signed).unwrap();
        assert!(config.signed_tags && config.tag_prefix.is_empty());
    }

    #[test]
    fn every_problem_is_reported_together() {
        let mut metadata = release(json!([
            wheel("x86_64-unknown-linux-gnux", "manylinux_2_17"),
            wheel("x86_64-apple-darwin", "manylinux_2_17"),
            wheel("x86_64-pc-windows-msvc", "win"),
            {"target": "x86_64-unknown-linux-musl", "runner": "r", "platform": "musllinux_1_2", "python": ["3"]},
            {"target": "aarch64-apple-darwin", "runner": "r", "platform": "macosx_11_0", "python": ["3.10"], "pyhton": []},
            {"target": "aarch64-unknown-linux-gnu", "runner": "r", "platform": "manylinux_2_17", "python": ["3.14t", "3.12t", "3.14t", 3]},
            {"target": "aarch64-unknown-linux-musl", "runner": "r", "platform": "musllinux_1_2", "python": []},
        ]));
        metadata["release"]["tag_prefix"] = json!("v");
        metadata["release"]["signed-tags"] = json!("yes");
        metadata["release"]["families"] = json!(["abi3", "abi3t", "cp315", "abi3"]);
        let err = ReleaseConfig::from_workspace_metadata(&metadata).unwrap_err().to_string();
        for needle in [
            "unknown key `tag_prefix`: expected one of tag-prefix, changelog, signed-tags, \
             families, wheels",
            "signed-tags: expected true or false, found \"yes\"",
            "families: unknown family `abi3t`: the free-threaded stable ABI is built as \
             `abi3.abi3t` (GIL builds load it too); `abi3` is listed twice",
            "wheels[0]: unknown target `x86_64-unknown-linux-gnux`",
            "wheels[1]: platform `manylinux_2_17` cannot be built for x86_64-apple-darwin",
            "wheels[2]: unknown platform `win`",
            "wheels[3]: python: `3` is not a CPython version: expected `3.X` or `3.Xt`",
            "wheels[4]: unknown key `pyhton`",
            "wheels[5]: python: `3.12t` does not exist: free-threaded builds start with 3.13t; \
             `3.14t` is listed twice; expected strings, found 3",
            "wheels[6]: python must list the CPython builds to test on, like [\"3.10\", \
             \"3.14\", \"3.14t\"]; found []",
        ] {
            assert!(err.contains(needle), "{needle:?} missing from:\n{err}");
        }
    }

    #[test]
    fn missing_table_names_the_fix() {
        let err = ReleaseConfig::from_workspace_metadata(&json!({})).unwrap_err().to_string();
        assert!(err.contains("[workspace.metadata.release]"), "{err}");
    }

    #[test]
    fn duplicates_are_refused() {
        let w = wheel("x86_64-apple-darwin", "macosx_10_12");
        let err = ReleaseConfig::from_workspace_metadata(&release(json!([w.clone(), w])))
            .unwrap_err()
            .to_string();
        assert!(err.contains("configured twice"), "{err}");
    }
}
