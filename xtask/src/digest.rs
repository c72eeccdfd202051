//! SHA-256, the identity of every release artifact, and `SHA256SUMS`, the list of them in the
//! format `sha256sum --check` reads. The one owner of both: the manifest writes the list, the
//! GitHub Release reads it back, and both hash files here.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// The file name of the list, next to the artifacts.
pub const SUMS_FILE_NAME: &str = "SHA256SUMS";

/// The hex SHA-256 and the size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut hasher = Sha256::new();
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
    let hex = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, size))
}

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `SHA256SUMS` text: `<hex>  <file>` per line, in the order given.
pub fn render_sums<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    entries.into_iter().map(|(sha256, file)| format!("{sha256}  {file}\n")).collect()
}

/// The (file, sha256) pairs of a `SHA256SUMS` text; a line in another form is an error.
pub fn parse_sums(text: &str) -> Result<Vec<(String, String)>> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let Some((sha256, file)) = line.split_once("  ") else {
            bail!("{SUMS_FILE_NAME} line {}: expected `<sha256>  <file>`, found {line:?}", i + 1);
        };
        let hex = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || file.is_empty() {
            bail!("{SUMS_FILE_NAME} line {}: expected `<sha256>  <file>`, found {line:?}", i + 1);
        }
        entries.push((file.to_owned(), sha256.to_owned()));
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
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(size, 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sums_round_trip_in_the_sha256sum_format() {
        let (a, b) = ("ab".repeat(32), "cd".repeat(32));
        let text = render_sums([(a.as_str(), "x-1.0.0.crate"), (b.as_str(), "x-1.0.0.tar.gz")]);
        assert_eq!(text, format!("{a}  x-1.0.0.crate\n{b}  x-1.0.0.tar.gz\n"));
        let parsed = parse_sums(&text).unwrap();
        assert_eq!(parsed, [("x-1.0.0.crate".into(), a), ("x-1.0.0.tar.gz".into(), b)]);
        assert!(parse_sums("abc x.crate\n").unwrap_err().to_string().contains("line 1"));
    }
}
