//! Credentials for the registries a live release uploads to, found where the tools themselves
//! look: cargo's `CARGO_REGISTRY_TOKEN` / `CARGO_REGISTRIES_<NAME>_TOKEN` or a `cargo login`
//! token, uv's `UV_PUBLISH_TOKEN` or username and password, and in GitHub Actions the job's OIDC
//! token for trusted publishing. Never read from flags, never printed.
//!
//! The secret ones are taken out of the process environment when the xtask starts
//! ([`take_secrets`]) and handed to the one child that needs each: the crate token to
//! `cargo publish`, uv's to `uv publish`, both to the credential probe. Every other tool the
//! release runs (maturin, cargo test, twine, pytest, …) runs without them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::Result;
use xshell::Shell;

use super::plan::CRATES_IO;
use crate::host;
use crate::http::{self, Answer, Request, Unreachable};

/// The secrets found in the environment at start, by variable name.
static SECRETS: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// uv's secrets, and the GitHub Actions variables with which uv mints an OIDC token.
const UV_SECRETS: [&str; 4] = [
    "UV_PUBLISH_TOKEN",
    "UV_PUBLISH_PASSWORD",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_URL",
];

fn is_secret(var: &str) -> bool {
    let crate_token = var == "CARGO_REGISTRY_TOKEN"
        || (var.starts_with("CARGO_REGISTRIES_") && var.ends_with("_TOKEN"));
    crate_token || UV_SECRETS.contains(&var) || var == WEBHOOK
}

/// The webhook the release summary goes to, if any (its URL carries its secret).
const WEBHOOK: &str = "RELEASE_WEBHOOK_URL";

pub fn webhook_url() -> Option<&'static str> {
    secret(WEBHOOK)
}

/// Moves every publishing secret out of the process environment into a store only this module
/// reads. Called first thing in `main`, while the process has no other thread.
pub fn take_secrets() {
    let mut taken = BTreeMap::new();
    for (var, value) in std::env::vars_os() {
        let Some(var) = var.to_str().filter(|v| is_secret(v)).map(str::to_owned) else { continue };
        if let Some(value) = value.to_str().filter(|v| !v.is_empty()) {
            taken.insert(var.clone(), value.to_owned());
        }
        // SAFETY: main calls this before it starts any thread, so nothing reads or writes the
        // environment concurrently.
        unsafe { std::env::remove_var(&var) };
    }
    let _ = SECRETS.set(taken);
}

fn secret(var: &str) -> Option<&'static str> {
    SECRETS.get_or_init(BTreeMap::new).get(var).map(String::as_str)
}

/// The environment `cargo publish` to `registry` needs: its token, if one was set.
pub fn cargo_publish_env(registry: &str) -> Vec<(String, String)> {
    let var = crate_token_var(registry);
    secret(&var).map(|token| vec![(var, token.to_owned())]).unwrap_or_default()
}

/// The environment `uv publish` needs: its token or password, or what trusted publishing uses.
pub fn uv_publish_env() -> Vec<(&'static str, String)> {
    UV_SECRETS.iter().filter_map(|&var| Some((var, secret(var)?.to_owned()))).collect()
}

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
    crate_token(registry).is_some()
}

/// The token cargo will send to `registry`, found where cargo looks for it.
fn crate_token(registry: &str) -> Option<String> {
    if let Some(token) = secret(&crate_token_var(registry)) {
        return Some(token.to_owned());
    }
    let home = host::cargo_home()?;
    ["credentials.toml", "credentials"].iter().find_map(|name| {
        let text = std::fs::read_to_string(home.join(name)).ok()?;
        let doc = text.parse::<toml_edit::DocumentMut>().ok()?;
        let table = if registry == CRATES_IO {
            doc.get("registry")
        } else {
            doc.get("registries").and_then(|r| r.get(registry))
        };
        let token = table?.get("token")?.as_str()?;
        (!token.is_empty()).then(|| token.to_owned())
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
    let username = std::env::var("UV_PUBLISH_USERNAME").is_ok_and(|v| !v.is_empty());
    if secret("UV_PUBLISH_TOKEN").is_some() {
        Some(PythonAuth::Token)
    } else if username && secret("UV_PUBLISH_PASSWORD").is_some() {
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
        && secret("ACTIONS_ID_TOKEN_REQUEST_URL").is_some()
        && secret("ACTIONS_ID_TOKEN_REQUEST_TOKEN").is_some()
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

/// What an upload endpoint said about our credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialVerdict {
    Accepted,
    /// Rejected: the HTTP status and the registry's reason.
    Rejected(u16, String),
    /// Neither: an answer that says nothing about the credentials (read-only mode, a
    /// redirect, a server error, …), with its status and text.
    Inconclusive(u16, String),
}

/// Reads the answer to a probe (`xtask/py/http_request.py probe-…`): both PyPI's upload endpoint and
/// crates.io check the credentials before they fail the deliberately incomplete request, so a
/// 400 (or, from registries that report errors in a 200, a 200) means the credentials were
/// accepted and 401/403 that they were not.
pub fn verdict(status: u16, body: &str) -> CredentialVerdict {
    let reason = http::reason(body);
    match status {
        400 | 200 => CredentialVerdict::Accepted,
        401 | 403
            if reason.contains("Read-only mode") || reason.contains("temporarily disabled") =>
        {
            CredentialVerdict::Inconclusive(status, reason)
        }
        401 | 403 => CredentialVerdict::Rejected(status, reason),
        _ => CredentialVerdict::Inconclusive(status, reason),
    }
}

/// Asks every upload endpoint of a live release whether it accepts the credentials, with a
/// request that cannot store anything (see [`verdict`]); returns the problems, each naming the
/// endpoint, the status, the registry's reason and the fix. Trusted publishing is checked when
/// the files are there, by uv itself ([`super::publish`]).
pub fn probe(
    sh: &Shell,
    python: &Path,
    crates: Option<(&str, &str, &str, &str)>,
    pypi_url: &str,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    if let Some((registry, api, name, version)) = crates
        && let Some(token) = crate_token(registry)
    {
        let request = Request::ProbeCrates { api, name, version, token: &token };
        let answer = http::send(sh, python, request)?;
        let var = crate_token_var(registry);
        problems.extend(judge(answer, &format!("the cargo registry `{registry}` ({api})"), &var));
    }
    let username = std::env::var("UV_PUBLISH_USERNAME").ok().filter(|v| !v.is_empty());
    let token = secret("UV_PUBLISH_TOKEN").map(str::to_owned);
    let password = secret("UV_PUBLISH_PASSWORD").map(str::to_owned);
    let login = match (token, username, password) {
        (Some(token), _, _) => Some(("__token__".to_owned(), token, "UV_PUBLISH_TOKEN")),
        (None, Some(user), Some(password)) => {
            Some((user, password, "UV_PUBLISH_USERNAME and UV_PUBLISH_PASSWORD"))
        }
        _ => None,
    };
    if let Some((username, password, vars)) = login {
        let request =
            Request::ProbePypi { url: pypi_url, username: &username, password: &password };
        problems.extend(judge(http::send(sh, python, request)?, pypi_url, vars));
    }
    Ok(problems)
}

fn judge(answer: Result<Answer, Unreachable>, endpoint: &str, vars: &str) -> Option<String> {
    let answer = match answer {
        Ok(answer) => answer,
        Err(why) => {
            return Some(format!(
                "cannot reach {endpoint} to check the credentials: {why}; check the URL and the \
                 network"
            ));
        }
    };
    match verdict(answer.status, &answer.body) {
        CredentialVerdict::Accepted => None,
        CredentialVerdict::Rejected(status, reason) => Some(format!(
            "{endpoint} rejects the credentials ({}): expected {vars} to be accepted there; set \
             the right ones (a new token if it expired or was revoked)",
            http::describe(status, &reason)
        )),
        CredentialVerdict::Inconclusive(status, reason) => Some(format!(
            "{endpoint} did not confirm the credentials ({}): expected an answer that accepts or \
             rejects them; check the URL (an upload endpoint, such as \
             https://upload.pypi.org/legacy/) and try again later",
            http::describe(status, &reason)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers recorded from pypiserver and read from warehouse's and crates.io's sources.
    #[test]
    fn probe_answers() {
        let html = |pre: &str| {
            format!(
                "<html><head><title>Error: 403 Forbidden</title></head><body><pre>{pre}</pre></body></html>"
            )
        };
        assert_eq!(
            verdict(400, &html("Missing &#039;content&#039; file-field!")),
            CredentialVerdict::Accepted
        );
        assert_eq!(verdict(403, &html("None")), CredentialVerdict::Rejected(403, String::new()));
        assert_eq!(verdict(401, &html("None")), CredentialVerdict::Rejected(401, String::new()));
        let pypi = r#"{"code": "403 Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.", "message": "x"}"#;
        assert!(
            matches!(verdict(403, pypi), CredentialVerdict::Rejected(403, r) if r.contains("Invalid or non-existent"))
        );
        let crates = r#"{"errors":[{"detail":"invalid tarball length"}]}"#;
        assert_eq!(verdict(400, crates), CredentialVerdict::Accepted);
        let crates = r#"{"errors":[{"detail":"authentication failed"}]}"#;
        assert_eq!(
            verdict(403, crates),
            CredentialVerdict::Rejected(403, "authentication failed".into())
        );
        let read_only = r#"{"code": "403 Read-only mode: Uploads are temporarily disabled."}"#;
        assert!(matches!(verdict(403, read_only), CredentialVerdict::Inconclusive(403, _)));
        assert!(matches!(verdict(308, "moved"), CredentialVerdict::Inconclusive(308, _)));
        assert!(matches!(verdict(503, ""), CredentialVerdict::Inconclusive(503, _)));
    }

    #[test]
    fn the_publishing_secrets_are_known() {
        for var in ["CARGO_REGISTRY_TOKEN", "CARGO_REGISTRIES_LOCAL_TOKEN", "UV_PUBLISH_TOKEN"] {
            assert!(is_secret(var), "{var}");
        }
        for var in ["CARGO_REGISTRIES_LOCAL_INDEX", "UV_PUBLISH_USERNAME", "CARGO_HOME", "PATH"] {
            assert!(!is_secret(var), "{var}");
        }
    }

    #[test]
    fn token_variables_follow_cargo() {
        assert_eq!(crate_token_var("crates-io"), "CARGO_REGISTRY_TOKEN");
        assert_eq!(crate_token_var("my-reg"), "CARGO_REGISTRIES_MY_REG_TOKEN");
    }
}
