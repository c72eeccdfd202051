//! Strings checked once, where they enter: a manifest, a checksum list, git's output. A type
//! made with [`checked_string!`] holds only what its check accepted — serde parses through the
//! same check — so no later code meets a malformed value.

/// `checked_string!(/// docs Name, check)` defines `pub struct Name(String)` with `as_str`,
/// `Display`, `TryFrom<String>` (through `check: fn(String) -> Result<String, String>`, which
/// may also normalise) and serde as a plain string.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(value: String) -> Result<$name, String> {
                let check: fn(String) -> Result<String, String> = $check;
                check(value).map($name)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(&self.0)
            }
        }
    };
}
