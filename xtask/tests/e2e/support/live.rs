//! A live scenario's world ([`Live`]): a workspace whose version is tagged at HEAD — a fresh
//! copy, a copy of the verified dist, or the workspace the dist was built in — with a pypiserver
//! and a cargo-http-registry of its own, and the xtask run against them with credentials they
//! accept (or not).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use super::dist::Dist;
use super::{CrateRegistry, PYPI_PASSWORD, PYPI_USER, PypiServer, Scratch, Tools};

/// One scenario's world: a workspace whose version is tagged at HEAD, and its own registries.
pub struct Live {
    pub tools: Tools,
    pub scratch: Scratch,
    pub ws: PathBuf,
    pub pypi: PypiServer,
    pub crates: CrateRegistry,
    pub version: String,
    pub tag: String,
    /// Given to every run: where its cargo builds go, for the workspace the dist was built in.
    build_env: Vec<(&'static str, String)>,
}

impl Live {
    /// A fresh copy of the workspace, nothing built: for what is refused before any build.
    pub fn unbuilt(name: &str) -> Option<Live> {
        let tools = super::tools()?;
        let scratch = Scratch::new(name);
        let ws = scratch.path.join("ws");
        super::copy_workspace(&ws);
        Some(Live::start(tools, scratch, ws, Vec::new()))
    }

    /// A copy of the verified dist's workspace: a clean tree with the built artifacts in `dist/`.
    pub fn built(name: &str) -> Option<Live> {
        Live::built_at(name, "ws")
    }

    /// [`Live::built`], with the workspace at `path` in the scratch directory (a path with
    /// spaces and non-ASCII letters, which every tool the release runs must get as one argument).
    pub fn built_at(name: &str, path: &str) -> Option<Live> {
        let dist = super::dist()?;
        let tools = super::tools()?;
        let scratch = Scratch::new(name);
        let ws = dist.workspace_in(&scratch.path.join(path));
        Some(Live::start(tools, scratch, ws, Vec::new()))
    }

    /// The workspace the verified dist was built in, cleaned of the dry run's untracked file:
    /// for a second release where the first one ran.
    pub fn where_the_dist_was_built(name: &str) -> Option<Live> {
        let dist = super::dist()?;
        let tools = super::tools()?;
        let ws = dist.take_built_workspace();
        std::fs::remove_file(ws.join(dist.untracked.0)).unwrap();
        let build_env = vec![Dist::cargo_env()];
        Some(Live::start(tools, Scratch::new(name), ws, build_env))
    }

    fn start(
        tools: Tools,
        scratch: Scratch,
        ws: PathBuf,
        build_env: Vec<(&'static str, String)>,
    ) -> Live {
        let manifest_text = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
        let doc: toml_edit::DocumentMut = manifest_text.parse().unwrap();
        let version = doc["workspace"]["package"]["version"].as_str().unwrap().to_owned();
        let tag = format!("v{version}");
        super::git(&ws, &["tag", "--annotate", &tag, "--message", &tag]);
        let pypi = PypiServer::start(&tools, &scratch.path);
        let crates = CrateRegistry::start(&tools, &scratch.path);
        Live { tools, scratch, ws, pypi, crates, version, tag, build_env }
    }

    /// The credentials the registries accept.
    pub fn good(&self) -> Vec<(&'static str, String)> {
        self.env(PYPI_PASSWORD)
    }

    pub fn env(&self, password: &str) -> Vec<(&'static str, String)> {
        let mut env = self.crates.cargo_env();
        env.push(("UV_PUBLISH_USERNAME", PYPI_USER.to_owned()));
        env.push(("UV_PUBLISH_PASSWORD", password.to_owned()));
        env
    }

    pub fn args(&self, command: &str, pypi: Option<(String, String)>) -> Vec<String> {
        let (url, index) = pypi.unwrap_or((self.pypi.upload_url(), self.pypi.index_url()));
        [
            command,
            "--live",
            "--crates-registry",
            "local",
            "--pypi-url",
            &url,
            "--pypi-index",
            &index,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    pub fn run(
        &self,
        command: &str,
        env: &[(&str, String)],
        pypi: Option<(String, String)>,
    ) -> Output {
        let args = self.args(command, pypi);
        self.xtask(&self.ws, &args, env)
    }

    /// The xtask in `dir` (the workspace or a directory in it) with `args`.
    pub fn xtask(&self, dir: &Path, args: &[String], env: &[(&str, String)]) -> Output {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut env = env.to_vec();
        env.extend(self.build_env.iter().cloned());
        let _turn = (!self.build_env.is_empty()).then(Dist::take_turn);
        super::xtask(dir, &args, &env)
    }

    pub fn manifest(&self) -> Value {
        let text = std::fs::read_to_string(self.ws.join("dist/release-manifest.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// file → publish status, from the manifest.
    pub fn statuses(&self) -> Vec<(String, String)> {
        let mut s: Vec<(String, String)> = self.manifest()["publish"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (p["file"].as_str().unwrap().to_owned(), p["status"].as_str().unwrap().to_owned())
            })
            .collect();
        s.sort();
        s
    }

    /// What a run must leave behind when it is refused: the dist as it was.
    pub fn dist_state(&self) -> (Vec<String>, String, String) {
        let dist = self.ws.join("dist");
        let artifacts = self.manifest()["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("{} {}", a["file"], a["sha256"]))
            .collect();
        let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
        let hashes = super::git(&dist, &["hash-object", "--", "SHA256SUMS"]);
        (artifacts, sums, hashes)
    }

    pub fn nothing_published(&self) {
        assert!(self.pypi.files().is_empty(), "pypiserver received {:?}", self.pypi.files());
        assert!(self.crates.index_lines("geodist").is_empty(), "the crate index lists geodist");
    }

    /// `publish --live` of the whole dist, which must go through: every file published.
    pub fn publish_everything(&self) {
        let out = self.run("publish", &self.good(), None);
        assert!(out.status.success(), "the publish failed");
        let statuses = self.statuses();
        assert_eq!(statuses.len(), 3, "{statuses:?}");
        assert!(statuses.iter().all(|(_, s)| s == "published"), "{statuses:?}");
        assert_eq!(self.crates.index_lines("geodist").len(), 1);
        assert_eq!(self.pypi.files().len(), 2, "{:?}", self.pypi.files());
    }

    pub fn python_version(&self) -> String {
        self.manifest()["python_version"].as_str().unwrap().to_owned()
    }
}
