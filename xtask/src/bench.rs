//! `cargo xtask bench`: the criterion benches of the Rust kernels, then the Python comparison
//! with numpy, `haversine`, pyproj and scipy, measured side by side in one process.

use anyhow::{Context, Result};
use xshell::{Shell, cmd};

use crate::exec::CmdExt;
use crate::{flags, progress::Progress, project, python_env::PythonEnv, test};

pub fn run(sh: &Shell, cmd: &flags::Bench) -> Result<()> {
    let mut progress = Progress::default();
    let result = (|| {
        let env = progress.stage("python env", || PythonEnv::ensure(sh, &project::root()))?;
        env.activate(sh);
        if !cmd.python_only {
            progress.stage("criterion", || {
                cmd!(sh, "cargo bench --locked --package geodist --bench kernels")
                    .run_to_stderr()
                    .context("cargo bench")
            })?;
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
