//! The PEP 440 form of the crate's SemVer version, exported as `geodist.__version__`.
//!
//! It must match the version maturin writes into the wheel metadata, which the pytest suite
//! checks against `importlib.metadata.version("geodist-rs")`.

/// Maps a Cargo version to PEP 440: `1.2.0-alpha.1` → `1.2.0a1`, `-beta.N` → `bN`, `-rc.N` →
/// `rcN`, `-dev.N` → `.devN`; a final release and build metadata (`+…`, a PEP 440 local version)
/// are kept as they are. Other pre-release labels have no PEP 440 form and are returned unchanged.
pub(crate) fn pep440(version: &str) -> String {
    let (version_core, local) = match version.split_once('+') {
        Some((core, local)) => (core, Some(local)),
        None => (version, None),
    };
    let mut result = match version_core.split_once('-') {
        None => version_core.to_owned(),
        Some((release, pre)) => {
            let (label, number) = pre.split_once('.').unwrap_or((pre, "0"));
            let separator = match label {
                "alpha" | "a" => "a",
                "beta" | "b" => "b",
                "rc" => "rc",
                "dev" => ".dev",
                _ => return version.to_owned(),
            };
            if number.is_empty() || !number.bytes().all(|byte| byte.is_ascii_digit()) {
                return version.to_owned();
            }
            format!("{release}{separator}{number}")
        }
    };
    if let Some(local) = local {
        result.push('+');
        result.push_str(local);
    }
    result
}
