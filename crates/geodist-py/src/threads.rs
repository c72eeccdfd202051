//! How many threads a long batch runs on.
//!
//! At most the number of CPUs this process may use, or the `GEODIST_NUM_THREADS` environment
//! variable when it is set to a positive integer (`1` turns threading off); and no more than
//! leaves each thread `per_thread` elements, since starting a thread costs tens of microseconds.

use std::num::NonZeroUsize;
use std::sync::OnceLock;

/// The environment variable that caps the number of threads.
pub(crate) const ENV_VAR: &str = "GEODIST_NUM_THREADS";

/// The number of threads for a batch of `len` elements, at least 1.
///
/// Reads the environment on every call, so that a change made by Python code (`os.environ`)
/// takes effect on the next call; callers hold the GIL, as Python code does when it changes it.
pub(crate) fn count(len: usize, per_thread: usize) -> usize {
    (len / per_thread.max(1)).clamp(1, max_threads())
}

fn max_threads() -> usize {
    let configured = std::env::var(ENV_VAR).ok().and_then(|value| value.trim().parse().ok());
    match configured {
        Some(threads) if threads > 0 => threads,
        _ => cpus(),
    }
}

/// The CPUs available to this process, asked once: it can mean reading cgroup files.
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}
