//! The end-to-end scenarios of the release machine: each runs the real xtask binary on a copy of
//! the workspace, against real registries on 127.0.0.1 (pypiserver and cargo-http-registry)
//! that it starts and stops by PID.
//!
//! # Running them
//!
//! They are `#[ignore]`d, so that the release's own test gate, which runs `cargo test` inside
//! such a copy, never starts another release; `cargo xtask test` (`make test`) runs them, in the
//! background while the rest of the workspace's tests build and run. By hand, all of them or
//! one:
//!
//! ```text
//! cargo test -p xtask --test e2e -- --ignored
//! cargo test -p xtask --test e2e -- --ignored --exact release_live::publish_refused_for_a_wrong_password
//! ```
//!
//! They need `.venv` (pypiserver) and `.tools/` (cargo-http-registry), which `cargo xtask test`
//! installs (they wait while it does); without them a scenario is skipped with the reason, and
//! under `CI=true` it fails. Every xtask run's whole stderr is in `target/e2e-logs/` (the
//! failing test prints the path and the tail); `GEODIST_E2E_KEEP=1` keeps the scratch
//! directories in `target/e2e-scratch/`.
//!
//! # One verified dist, shared
//!
//! Building and verifying a dist (gates, packages, a fat-LTO wheel, tests in fresh environments,
//! the sdist built from source) is what costs; everything else is seconds. So one test process
//! builds one, with a real `release --dry-run` ([`support::dist`]), the first time a scenario
//! asks for it, and every scenario that starts from built artifacts gets a copy of its own. Run
//! alone, a scenario builds it itself. Scenarios that need no dist never wait for it, and run
//! beside its build. It is built in `target/e2e-dist/` (where it stays until the next run, to
//! look at) with the cargo target directory `target/e2e`, the same on every run: a second run
//! rebuilds only what changed.
//!
//! # Adding a scenario
//!
//! One `#[test]` per scenario, named for what it shows, in the module of the command it is about
//! (or a new module, declared below), with `#[ignore = "end to end: …"]` like its neighbours.
//! Scenarios run in parallel threads of this one process, so each keeps to its own world:
//!
//! - a scratch directory of its own, `support::Scratch::new("unique-name")`, removed at the end;
//! - a workspace: `support::copy_workspace` for a fresh copy, or `support::dist()` and its
//!   `workspace_in(dir)` for a clean copy with the verified `dist/` (never change the shared
//!   one);
//! - registries of its own: `support::PypiServer::start`, `support::CrateRegistry::start`, and
//!   for a registry that misbehaves, the stand-ins in [`support::proxy`] (a proxy that records
//!   what it forwards, an upload endpoint that never answers), or a new one there;
//! - the xtask: `support::xtask(dir, args, env)` runs it and shows the tail of its stderr.
//!
//! [`support::Live`] bundles these for scenarios against the registries: a tagged workspace
//! (fresh, or with the verified dist) and its own registries; `publish_everything` gives one a
//! published release to look at. Nothing may depend on timing: wait for an event (a port open,
//! an upload begun, a process ended, a lock released), never for a while; a deadline only turns
//! a hang into a failure.

mod release_dry_run;
mod release_faults;
mod release_live;
mod release_pr;
mod release_refusals;
mod release_tags;
mod support;
