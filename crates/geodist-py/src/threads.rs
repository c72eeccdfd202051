//! How many threads a long batch runs on, and starting them.
//!
//! A batch gets no more threads than the CPUs this process may use, nor more than leave each
//! thread `per_thread` elements, since starting a thread costs tens of microseconds.
//! `GEODIST_NUM_THREADS` lowers that cap (`1` turns threading off) but never raises it: more
//! threads than CPUs only take turns. A value that is not a positive integer is ignored, with a
//! `RuntimeWarning` the first time it is seen in the process.

use std::num::NonZeroUsize;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pyo3::exceptions::PyRuntimeWarning;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// The environment variable that caps the number of threads.
pub(crate) const ENV_VAR: &str = "GEODIST_NUM_THREADS";

/// Threads started by `run_with_helpers` since the module was loaded (a test hook: the pytest suite
/// checks the cap by counting, which does not depend on timing).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// Whether an invalid `GEODIST_NUM_THREADS` has been warned about.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The number of threads for a batch of `len` elements, at least 1.
///
/// Reads the setting on every call, so that a change made by Python code takes effect on the
/// next call. It reads it from `os.environ`, not with the C library's `getenv`: on a
/// free-threaded interpreter another thread may be changing the environment meanwhile, which
/// `os.environ`'s dictionary tolerates and the C library's environment array does not (it can
/// be reallocated under a reader). The warning is an error when Python's warning filters say so.
pub(crate) fn count(py: Python<'_>, len: usize, per_thread: usize) -> PyResult<usize> {
    let cap = match configured(py)? {
        Setting::Unset => cpus(),
        Setting::Threads(threads) => threads.min(cpus()),
        Setting::Invalid(value) => {
            if !WARNED.swap(true, Ordering::Relaxed) {
                let message = format!(
                    "{ENV_VAR}={value:?} is ignored: expected a positive integer (the most \
                     threads a batch runs on); using up to {} threads, the CPUs available",
                    cpus()
                );
                let category = py.get_type::<PyRuntimeWarning>();
                PyErr::warn(py, &category, &std::ffi::CString::new(message)?, 1)?;
            }
            cpus()
        }
    };
    Ok((len / per_thread.max(1)).clamp(1, cap))
}

/// What `GEODIST_NUM_THREADS` says; empty counts as unset, as for most such variables.
enum Setting {
    Unset,
    Threads(usize),
    Invalid(String),
}

fn configured(py: Python<'_>) -> PyResult<Setting> {
    let environ = py.import(intern!(py, "os"))?.getattr(intern!(py, "environ"))?;
    let value = environ.call_method1(intern!(py, "get"), (ENV_VAR,))?;
    if value.is_none() {
        return Ok(Setting::Unset);
    }
    // `os.environ` holds str values; undecodable bytes are lone surrogates, shown replaced.
    let text = value.cast::<PyString>()?.to_string_lossy();
    Ok(match text.trim() {
        "" => Setting::Unset,
        trimmed => match trimmed.parse::<usize>() {
            Ok(threads) if threads > 0 => Setting::Threads(threads),
            _ => Setting::Invalid(text.into_owned()),
        },
    })
}

/// The CPUs available to this process, asked once: it can mean reading cgroup files.
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
}

/// Runs `lead` on the calling thread and `help` on up to `threads - 1` scoped threads at once,
/// and returns `lead`'s result once every thread has returned. The closures are meant to claim
/// their work piece by piece from a queue they share, so that no thread waits for another's
/// share: a thread that cannot be started (the system's thread limit, memory) is left out, and
/// the others claim what it would have done. A panic on a helper thread is raised again here.
pub(crate) fn run_with_helpers<R, L, H>(threads: usize, lead: L, help: H) -> R
where
    L: FnOnce() -> R,
    H: Fn() + Sync,
{
    if threads <= 1 {
        return lead();
    }
    std::thread::scope(|scope| {
        let help = &help;
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, help).ok())
            .inspect(|_| {
                STARTED.fetch_add(1, Ordering::Relaxed);
            })
            .collect();
        let result = lead();
        for helper in helpers {
            if let Err(panic) = helper.join() {
                std::panic::resume_unwind(panic);
            }
        }
        result
    })
}

/// The number of threads `run_with_helpers` has started (see `STARTED`).
pub(crate) fn started() -> usize {
    STARTED.load(Ordering::Relaxed)
}
