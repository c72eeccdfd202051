//! Credentials for the registries a live release uploads to, found where the tools themselves
//! look: cargo's `CARGO_REGISTRY_TOKEN` / `CARGO_REGISTRIES_<NAME>_TOKEN` or a `cargo login`
//! token, uv's `UV_PUBLISH_TOKEN` or username and password, and in GitHub Actions the job's OIDC
//! token for trusted publishing. Never read from flags, never printed.

use crate::host;

use super::plan::CRATES_IO;

/// The environment variable cargo reads a registry's token from.
pub fn crate_token_var(registry: &str) -> String {
    if registry == CRATES_IO {
        "CARGO_REGISTRY_TOKEN".to_owned()
    } else {
        format!("CARGO_REGISTRIES_{}_TOKEN", registry.to_uppercase().replace('-', "_"))
    }
}

/// A token in the environment, or one `cargo login` stored in `$CARGO_HOME/credentials.toml`.
pub fn crate_credentials(registry: &str) -> bool {
    if std::env::var(crate_token_var(registry)).is_ok_and(|t| !t.is_empty()) {
        return true;
    }
    let Some(home) = host::cargo_home() else { return false };
    ["credentials.toml", "credentials"].iter().any(|name| {
        let Ok(text) = std::fs::read_to_string(home.join(name)) else { return false };
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else { return false };
        let table = if registry == CRATES_IO {
            doc.get("registry")
        } else {
            doc.get("registries").and_then(|r| r.get(registry))
        };
        table.and_then(|t| t.get("token")).and_then(|t| t.as_str()).is_some_and(|t| !t.is_empty())
    })
}

/// How uv will authenticate an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonAuth {
    Token,
    Password,
    TrustedPublishing,
}

/// The credentials uv finds for `url`, in uv's own order.
pub fn python_auth(url: &str) -> Option<PythonAuth> {
    let set = |var: &str| std::env::var(var).is_ok_and(|v| !v.is_empty());
    if set("UV_PUBLISH_TOKEN") {
        Some(PythonAuth::Token)
    } else if set("UV_PUBLISH_USERNAME") && set("UV_PUBLISH_PASSWORD") {
        Some(PythonAuth::Password)
    } else if oidc_available() && is_pypi(url) {
        Some(PythonAuth::TrustedPublishing)
    } else {
        None
    }
}

pub fn is_pypi(url: &str) -> bool {
    url.starts_with("https://upload.pypi.org/") || url.starts_with("https://test.pypi.org/")
}

/// GitHub Actions hands a job an OIDC token only with `permissions: id-token: write`.
pub fn oidc_available() -> bool {
    in_github_actions()
        && std::env::var_os("ACTIONS_ID_TOKEN_REQUEST_URL").is_some()
        && std::env::var_os("ACTIONS_ID_TOKEN_REQUEST_TOKEN").is_some()
}

pub fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
}

/// What is missing for the uploads of a release to `crates_registry` (when it has crates) and
/// `pypi_url`, each with where to set it.
pub fn missing(has_crates: bool, crates_registry: &str, pypi_url: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if has_crates && !crate_credentials(crates_registry) {
        let var = crate_token_var(crates_registry);
        let mut problem = format!(
            "no credentials for the cargo registry `{crates_registry}`: expected `{var}` (or a \
             token from `cargo login --registry {crates_registry}`)"
        );
        if oidc_available() && crates_registry == CRATES_IO {
            problem.push_str(
                "; for trusted publishing run rust-lang/crates-io-auth-action before this step \
                 and pass its token as CARGO_REGISTRY_TOKEN (a crate's first publish always \
                 needs an API token: trusted publishers are configured on an existing crate)",
            );
        }
        problems.push(problem);
    }
    if python_auth(pypi_url).is_none() {
        let mut problem = format!(
            "no credentials for {pypi_url}: expected `UV_PUBLISH_TOKEN`, or \
             `UV_PUBLISH_USERNAME` and `UV_PUBLISH_PASSWORD`"
        );
        if in_github_actions() && is_pypi(pypi_url) {
            problem.push_str(
                ", or trusted publishing: grant the job `permissions: id-token: write` and \
                 register this workflow as a trusted publisher of the project on PyPI",
            );
        }
        problems.push(problem);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_variables_follow_cargo() {
        assert_eq!(crate_token_var("crates-io"), "CARGO_REGISTRY_TOKEN");
        assert_eq!(crate_token_var("my-reg"), "CARGO_REGISTRIES_MY_REG_TOKEN");
    }
}
