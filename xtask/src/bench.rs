//! `cargo xtask bench`: the criterion benches of the workspace's crates, then the Python
//! comparison with numpy, `haversine`, pyproj and scipy, measured side by side in one process.

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::{
    flags,
    progress::Progress,
    python_env::{Group, PythonEnv},
    test,
    workspace::Workspace,
};

pub fn run(sh: &Shell, ws: &Workspace, cmd: &flags::Bench) -> Result<()> {
    let mut progress = Progress::default();
    let result = (|| {
        let env = progress.stage("python env", || PythonEnv::ensure(sh, &ws.root, Group::Dev))?;
        env.activate(sh);
        if !cmd.python_only {
            for member in ws.members.iter().filter(|m| !m.benches.is_empty()) {
                let package = &member.name;
                let benches = member.benches.iter().flat_map(|b| ["--bench", b.as_str()]);
                progress.stage(&format!("criterion ({package})"), || {
                    cmd!(sh, "cargo bench --locked --package {package} {benches...}")
                        .run_to_stderr()
                        .context("cargo bench")
                })?;
            }
        }
        progress.stage("build extension", || test::build_extension(sh, &env))?;
        progress.stage("python comparison", || {
            let python = env.python();
            let check = cmd.check.then_some("--check");
            cmd!(sh, "{python} python/benchmarks/bench.py {check...}")
                .run_to_stderr()
                .context("the Python benchmark failed")
        })
    })();
    progress.print_summary("bench summary");
    result
}
