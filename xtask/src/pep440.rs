//! SemVer ↔ PEP 440: the version maturin stamps on wheels and the sdist, and how PEP 440
//! versions of the forms we publish sort. The one owner of both.
//!
//! maturin takes the Cargo version and normalises it as PEP 440 prescribes (`1.2.0-alpha.1` is
//! spelt `1.2.0a1` on PyPI). We accept only the SemVer forms whose PEP 440 spelling is a plain
//! public release or pre-release, so that the crate and the Python package carry the same version
//! and sort the same way on both registries; everything else is refused when the version is set
//! (`cargo xtask bump`), not discovered at upload time.

use anyhow::{Result, bail};
use semver::Version;

/// The pre-release words we publish, with their PEP 440 spelling, in ascending order.
pub const PRE_RELEASES: [(&str, &str); 3] = [("alpha", "a"), ("beta", "b"), ("rc", "rc")];

/// The PEP 440 form of `v`: `1.2.0` → `1.2.0`, `1.2.0-alpha.1` → `1.2.0a1`, `-beta.N` → `bN`,
/// `-rc.N` → `rcN`. Build metadata and any other pre-release are refused, saying why.
pub fn pep440(v: &Version) -> Result<String> {
    let release = format!("{}.{}.{}", v.major, v.minor, v.patch);
    if !v.build.is_empty() {
        bail!(
            "version {v} has build metadata (`+{}`): PEP 440 would make it a local version, which \
             PyPI refuses, and Cargo ignores build metadata when comparing versions; expected \
             {ALLOWED}",
            v.build
        );
    }
    if v.pre.is_empty() {
        return Ok(release);
    }
    match v.pre.as_str().split_once('.') {
        Some((word, n)) if is_number(n) => match PRE_RELEASES.iter().find(|(w, _)| *w == word) {
            Some((_, short)) => Ok(format!("{release}{short}{n}")),
            None => bail!(
                "version {v} has the pre-release word `{word}`, which has no PEP 440 form we \
                 publish; expected {ALLOWED}"
            ),
        },
        _ => bail!(
            "version {v} has the pre-release `-{}`, which has no PEP 440 form: expected a word \
             and a number, {ALLOWED}",
            v.pre
        ),
    }
}

/// A sortable key for the PEP 440 versions this project produces: `X.Y.Z` with an optional
/// `aN`, `bN` or `rcN` (what [`pep440`] makes). `None` for any other form.
pub fn sort_key(version: &str) -> Option<(u64, u64, u64, u8, u64)> {
    let split = version.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(version.len());
    let (release, pre) = version.split_at(split);
    let mut parts = release.split('.').map(|p| p.parse::<u64>().ok());
    let (x, y, z) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() {
        return None;
    }
    let (stage, n) = if pre.is_empty() {
        (u8::MAX, 0)
    } else {
        let digits = pre.find(|c: char| c.is_ascii_digit())?;
        let stage = PRE_RELEASES.iter().position(|(_, short)| *short == &pre[..digits])?;
        (stage as u8, pre[digits..].parse().ok()?)
    };
    Some((x, y, z, stage, n))
}

/// The version in a distribution file name (`{dist}-{version}.tar.gz`,
/// `{dist}-{version}-{tags}.whl`), for the file names of `dist` (normalised as in file names).
pub fn version_in_file_name<'a>(file: &'a str, dist: &str) -> Option<&'a str> {
    let rest = file.strip_prefix(dist)?.strip_prefix('-')?;
    let rest = rest.strip_suffix(".tar.gz").or_else(|| rest.strip_suffix(".whl"))?;
    rest.split('-').next()
}

const ALLOWED: &str = "X.Y.Z or X.Y.Z-alpha.N, X.Y.Z-beta.N, X.Y.Z-rc.N \
                       (PEP 440: X.Y.ZaN, X.Y.ZbN, X.Y.ZrcN)";

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(cargo: &str, expected: Result<&str, &str>) {
        let v = Version::parse(cargo).unwrap();
        match (pep440(&v), expected) {
            (Ok(found), Ok(want)) => assert_eq!(found, want, "{cargo}"),
            (Err(err), Err(needle)) => {
                let msg = err.to_string();
                assert!(msg.contains(needle), "{cargo}: `{msg}` should mention `{needle}`");
                assert!(msg.contains("expected"), "{cargo}: `{msg}` should say what is allowed");
            }
            (found, want) => panic!("{cargo}: expected {want:?}, found {found:?}"),
        }
    }

    #[test]
    fn mapping() {
        check("0.1.0", Ok("0.1.0"));
        check("1.2.0", Ok("1.2.0"));
        check("10.20.30", Ok("10.20.30"));
        check("1.2.0-alpha.1", Ok("1.2.0a1"));
        check("1.2.0-alpha.0", Ok("1.2.0a0"));
        check("1.2.0-beta.2", Ok("1.2.0b2"));
        check("1.2.0-rc.1", Ok("1.2.0rc1"));
        check("1.2.0-rc.12", Ok("1.2.0rc12"));
    }

    #[test]
    fn refusals() {
        check("1.2.0+build.5", Err("build metadata"));
        check("1.2.0-alpha.1+sha.abc", Err("build metadata"));
        check("1.2.0-dev.1", Err("`dev`"));
        check("1.2.0-pre.1", Err("`pre`"));
        check("1.2.0-alpha", Err("-alpha"));
        check("1.2.0-alpha.x", Err("-alpha.x"));
        check("1.2.0-alpha.1.2", Err("-alpha.1.2"));
        check("1.2.0-rc1", Err("-rc1"));
    }

    #[test]
    fn sort_keys_order_releases() {
        let mut versions =
            ["1.0.0", "1.0.0rc1", "0.9.9", "1.0.0a2", "1.0.0b1", "1.0.0a10", "1.0.1"];
        versions.sort_by_key(|v| sort_key(v).unwrap());
        assert_eq!(
            versions,
            ["0.9.9", "1.0.0a2", "1.0.0a10", "1.0.0b1", "1.0.0rc1", "1.0.0", "1.0.1"]
        );
        assert_eq!(sort_key("1.0"), None);
        assert_eq!(sort_key("1.0.0.post1"), None);
        assert_eq!(sort_key("1.0.0dev1"), None);
    }

    #[test]
    fn versions_in_file_names() {
        assert_eq!(version_in_file_name("geo_rs-1.0.0rc1.tar.gz", "geo_rs"), Some("1.0.0rc1"));
        assert_eq!(
            version_in_file_name("geo_rs-2.0.0-cp310-abi3-win32.whl", "geo_rs"),
            Some("2.0.0")
        );
        assert_eq!(version_in_file_name("geo_rs_extra-2.0.0.tar.gz", "geo_rs"), None);
        assert_eq!(version_in_file_name("geo_rs-2.0.0.zip", "geo_rs"), None);
    }

    #[test]
    fn order_is_the_same_in_both_worlds() {
        // PEP 440 orders a < b < rc < final; SemVer must agree or the registries would disagree
        // about which release is the newest.
        let cargo = ["1.0.0-alpha.1", "1.0.0-alpha.2", "1.0.0-beta.1", "1.0.0-rc.1", "1.0.0"];
        let parsed: Vec<Version> = cargo.iter().map(|v| Version::parse(v).unwrap()).collect();
        assert!(parsed.windows(2).all(|w| w[0] < w[1]));
        let python: Vec<String> = parsed.iter().map(|v| pep440(v).unwrap()).collect();
        assert_eq!(python, ["1.0.0a1", "1.0.0a2", "1.0.0b1", "1.0.0rc1", "1.0.0"]);
        assert!(python.windows(2).all(|w| sort_key(&w[0]) < sort_key(&w[1])));
    }
}
