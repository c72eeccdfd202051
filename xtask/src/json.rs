//! JSON in and out: every format the xtask reads or writes is a type that derives serde, parsed
//! here with the path of the field that is wrong (`artifacts[0].size: invalid type …`) and
//! written with its keys in a stable (sorted) order.

use anyhow::{Context, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses `text` as a `T`; an error names the field, what was expected and what was found.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            anyhow::anyhow!("not valid JSON: {inner}")
        } else if path == "." {
            anyhow::anyhow!("{inner}")
        } else {
            anyhow::anyhow!("{path}: {inner}")
        }
    })?;
    de.end().context("not valid JSON: trailing characters")?;
    Ok(value)
}

/// `value` as pretty JSON with sorted keys, and a final newline.
pub fn pretty<T: Serialize>(value: &T) -> Result<String> {
    let value = serde_json::to_value(value).context("serialise as JSON")?;
    Ok(serde_json::to_string_pretty(&value)? + "\n")
}

/// `#[serde(serialize_with = "display")]`: a value written as its `Display` text (`3.14t`,
/// `abi3.abi3t`, `manylinux_2_17`).
pub fn display<T: std::fmt::Display, S: serde::Serializer>(
    value: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// `#[serde(serialize_with = "display_each")]`: a list written as the `Display` text of each.
pub fn display_each<T: std::fmt::Display, S: serde::Serializer>(
    values: &[T],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(ToString::to_string))
}
