//! `[workspace.metadata.release]`: what the release needs that no manifest says — the tag
//! prefix, the changelog and the wheel targets.

use anyhow::{Result, bail};
use serde_json::Value;

/// The parsed and validated release configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseConfig {
    pub tag_prefix: String,
    pub changelog: String,
    pub wheels: Vec<WheelTarget>,
}

/// One wheel to build: a Rust target, the GitHub runner that builds it natively, the platform
/// policy it is built for and the Python versions its tests run on.
#[derive(Debug, Clone, PartialEq)]
pub struct WheelTarget {
    pub target: String,
    pub runner: String,
    pub platform: Platform,
    pub python: Vec<String>,
}

/// The platform policy of a wheel, as configured (`manylinux_2_17`, `musllinux_1_2`,
/// `macosx_11_0`, `windows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Manylinux(u32, u32),
    Musllinux(u32, u32),
    Macos(u32, u32),
    Windows,
}

/// The Rust targets a wheel can be configured for, with their wheel architecture names.
const KNOWN_TARGETS: &[(&str, &str)] = &[
    ("x86_64-unknown-linux-gnu", "x86_64"),
    ("aarch64-unknown-linux-gnu", "aarch64"),
    ("x86_64-unknown-linux-musl", "x86_64"),
    ("aarch64-unknown-linux-musl", "aarch64"),
    ("x86_64-apple-darwin", "x86_64"),
    ("aarch64-apple-darwin", "arm64"),
    ("x86_64-pc-windows-msvc", "amd64"),
    ("aarch64-pc-windows-msvc", "arm64"),
    ("i686-pc-windows-msvc", "win32"),
];

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
        let tag_prefix = string_or(release, "tag-prefix", "v", &mut problems);
        let changelog = string_or(release, "changelog", "CHANGELOG.md", &mut problems);
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
        Ok(ReleaseConfig { tag_prefix, changelog, wheels })
    }
}

impl WheelTarget {
    fn parse(i: usize, entry: &Value, problems: &mut Vec<String>) -> Option<WheelTarget> {
        let field = |name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
        let at = format!("wheels[{i}]");
        let (Some(target), Some(runner), Some(platform)) =
            (field("target"), field("runner"), field("platform"))
        else {
            problems.push(format!("{at}: expected the keys target, runner, platform and python"));
            return None;
        };
        if !KNOWN_TARGETS.iter().any(|(t, _)| *t == target) {
            let known: Vec<&str> = KNOWN_TARGETS.iter().map(|(t, _)| *t).collect();
            problems.push(format!(
                "{at}: unknown target `{target}`: expected one of {}",
                known.join(", ")
            ));
            return None;
        }
        let platform = match Platform::parse(&platform) {
            Some(p) if p.fits(&target) => p,
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
        let python: Vec<String> = entry
            .get("python")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let well_formed = |v: &String| {
            v.split_once('.').is_some_and(|(major, minor)| {
                major == "3" && !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())
            })
        };
        if python.is_empty() || !python.iter().all(well_formed) {
            problems.push(format!(
                "{at}: python must list the versions to test, like [\"3.10\", \"3.14\"]; found {:?}",
                entry.get("python")
            ));
            return None;
        }
        Some(WheelTarget { target, runner, platform, python })
    }

    /// The wheel architecture name of the target (`x86_64`, `arm64`, `amd64`, …).
    pub fn arch(&self) -> &'static str {
        KNOWN_TARGETS
            .iter()
            .find(|(t, _)| *t == self.target)
            .map(|(_, arch)| *arch)
            .expect("targets are validated when the configuration is read")
    }

    /// The wheel's platform tag, exactly as maturin writes it in the file name.
    pub fn platform_tag(&self) -> String {
        let arch = self.arch();
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

    /// The Rust target's operating system family: `linux`, `macos` or `windows`.
    pub fn os(&self) -> &'static str {
        os_of(&self.target)
    }
}

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

    fn fits(self, target: &str) -> bool {
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

fn string_or(table: &Value, key: &str, default: &str, problems: &mut Vec<String>) -> String {
    match table.get(key) {
        None => default.to_owned(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => {
            problems.push(format!("{key}: expected a non-empty string, found {other}"));
            default.to_owned()
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

    #[track_caller]
    fn check_tag(target: &str, platform: &str, expected: &str) {
        let config = ReleaseConfig::from_workspace_metadata(
            &json!({"release": {"wheels": [wheel(target, platform)]}}),
        )
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
    fn defaults_apply() {
        let config = ReleaseConfig::from_workspace_metadata(
            &json!({"release": {"wheels": [wheel("x86_64-apple-darwin", "macosx_10_12")]}}),
        )
        .unwrap();
        assert_eq!((config.tag_prefix.as_str(), config.changelog.as_str()), ("v", "CHANGELOG.md"));
    }

    #[test]
    fn every_problem_is_reported_together() {
        let err = ReleaseConfig::from_workspace_metadata(&json!({"release": {"wheels": [
            wheel("x86_64-unknown-linux-gnux", "manylinux_2_17"),
            wheel("x86_64-apple-darwin", "manylinux_2_17"),
            wheel("x86_64-pc-windows-msvc", "win"),
            {"target": "x86_64-unknown-linux-musl", "runner": "r", "platform": "musllinux_1_2", "python": ["3"]},
        ]}}))
        .unwrap_err()
        .to_string();
        for needle in [
            "wheels[0]: unknown target `x86_64-unknown-linux-gnux`",
            "wheels[1]: platform `manylinux_2_17` cannot be built for x86_64-apple-darwin",
            "wheels[2]: unknown platform `win`",
            "wheels[3]: python must list",
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
        let err =
            ReleaseConfig::from_workspace_metadata(&json!({"release": {"wheels": [w.clone(), w]}}))
                .unwrap_err()
                .to_string();
        assert!(err.contains("configured twice"), "{err}");
    }
}
