//! SHA-256, the identity of every release artifact, and `SHA256SUMS`, the list of them in the
//! format `sha256sum --check` reads. The one owner of both: the manifest writes the list, the
//! GitHub Release reads it back, and both hash files here.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use sha2::Digest;

use crate::files::FileName;

/// The file name of the list, next to the artifacts.
pub const SUMS_FILE_NAME: &str = "SHA256SUMS";

checked_string!(
    /// A SHA-256 as 64 lower-case hex digits (upper-case input is accepted and lowered).
    Sha256,
    |hex| {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(hex.to_ascii_lowercase())
        } else {
            Err(format!("expected a sha256 (64 hex digits), found {hex:?}"))
        }
    }
);

impl Sha256 {
    /// The first twelve digits, for tables.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

/// The SHA-256 and the size of a file.
pub fn sha256_file(path: &Path) -> Result<(Sha256, u64)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).with_context(|| format!("read {}", path.display()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((Sha256(hex_of(&hasher.finalize())), size))
}

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Sha256 {
    Sha256(hex_of(&sha2::Sha256::digest(bytes)))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `SHA256SUMS` text: `<hex>  <file>` per line, in the order given.
pub fn render_sums<'a>(entries: impl IntoIterator<Item = (&'a Sha256, &'a FileName)>) -> String {
    entries.into_iter().map(|(sha256, file)| format!("{sha256}  {file}\n")).collect()
}

/// The (file, sha256) pairs of a `SHA256SUMS` text; a line in another form — or naming anything
/// but a plain file name — is an error.
pub fn parse_sums(text: &str) -> Result<Vec<(FileName, Sha256)>> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parsed = line.split_once("  ").and_then(|(sha256, file)| {
            Some((FileName::try_from(file).ok()?, Sha256::try_from(sha256.to_owned()).ok()?))
        });
        let Some(entry) = parsed else {
            bail!(
                "{SUMS_FILE_NAME} line {}: expected `<sha256>  <plain file name>`, found {line:?}",
                i + 1
            );
        };
        entries.push(entry);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_the_standard_vectors() {
        let dir = std::env::temp_dir().join(format!("xtask-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("abc");
        std::fs::write(&path, "abc").unwrap();
        let (hex, size) = sha256_file(&path).unwrap();
        assert_eq!(
            hex.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(size, 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sums_round_trip_in_the_sha256sum_format() {
        let (a, b) = (Sha256("ab".repeat(32)), Sha256("cd".repeat(32)));
        let (x, y) = (
            FileName::try_from("x-1.0.0.crate").unwrap(),
            FileName::try_from("x-1.0.0.tar.gz").unwrap(),
        );
        let text = render_sums([(&a, &x), (&b, &y)]);
        assert_eq!(text, format!("{a}  x-1.0.0.crate\n{b}  x-1.0.0.tar.gz\n"));
        let parsed = parse_sums(&text).unwrap();
        assert_eq!(parsed, [(x, a.clone()), (y, b)]);
        assert!(parse_sums("abc x.crate\n").unwrap_err().to_string().contains("line 1"));
        let escape = format!("{a}  ../x.crate\n");
        assert!(parse_sums(&escape).unwrap_err().to_string().contains("plain file name"));
    }
}
