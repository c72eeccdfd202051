//! Running long work without the GIL: the gate that proves a call releases it, and the checks
//! that let Ctrl-C stop it.
//!
//! Whether another Python thread gets to run during a call cannot be measured reliably by
//! timing: on a busy machine a thread may not be scheduled at all while the call runs. A gate
//! proves it instead. A test arms the gate; the next call that releases the GIL then waits at
//! the gate, without the GIL, until another Python thread opens it, which that thread can only
//! do while it holds the GIL. So the gate opens if and only if the call has released the GIL; a
//! call that kept it waits out the timeout the test chose, and the gate reports that it timed
//! out. Either way the call then completes as usual. Unarmed, the gate costs one atomic load.
//!
//! Python runs its signal handlers (the one for SIGINT raises `KeyboardInterrupt`) on the main
//! thread, between bytecodes, which a call that runs without the GIL never reaches. So long work
//! is done in chunks, and the calling thread, when it is the main thread, attaches to the
//! interpreter for a moment between chunks to run the handlers (`Signals::check`): after every
//! ~16 ms of work, or 20 ms of the clock when a loaded machine makes the work slower. That moment
//! is nearly free when no other thread holds the GIL, and at worst waits for another thread's
//! switch interval (5 ms), which is why it does not come after every chunk. Threads helping the
//! caller never attach (they would only queue for the GIL, and handlers run on the main thread
//! alone); they stop when the caller tells them to. Whatever a handler raises ends the call with
//! that exception, and no result.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;

/// The longest time between two signal checks, however slowly the work goes: with the chunk
/// running at the time and the wait for the GIL, well within the tenth of a second in which
/// Ctrl-C should take effect.
const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// Runs `work` with the GIL released (after passing the gate, when a test has armed it), handing
/// it the `Signals` to check between its chunks, every `check_every` elements of work on the
/// calling thread (about 16 ms of it) or `CHECK_INTERVAL`, whichever comes first. Raises what a
/// signal handler raised instead of returning `work`'s result, also for a signal that came
/// during the last chunks.
pub(crate) fn detach<T, F>(py: Python<'_>, check_every: usize, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&mut Signals) -> T + Send,
{
    let mut signals = Signals::new(py, check_every)?;
    let result = py.detach(|| {
        pass_gate();
        work(&mut signals)
    });
    if let Some(raised) = signals.raised {
        return Err(raised);
    }
    py.check_signals()?;
    Ok(result)
}

/// Where a long call checks for signals; see the module's documentation.
#[derive(Debug)]
pub(crate) struct Signals {
    /// Whether the calling thread is Python's main thread, the only one that runs handlers.
    main_thread: bool,
    check_every: usize,
    /// Elements done on the calling thread since the last check, and when it was.
    unchecked: usize,
    checked_at: Instant,
    raised: Option<PyErr>,
}

/// A signal handler raised an exception: the call stops, and `detach` raises it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Interrupted;

impl Signals {
    fn new(py: Python<'_>, check_every: usize) -> PyResult<Self> {
        let threading = py.import(intern!(py, "threading"))?;
        let main = threading.call_method0(intern!(py, "main_thread"))?;
        let main_thread = main
            .getattr(intern!(py, "ident"))?
            .eq(threading.call_method0(intern!(py, "get_ident"))?)?;
        Ok(Signals {
            main_thread,
            check_every: check_every.max(1),
            unchecked: 0,
            checked_at: Instant::now(),
            raised: None,
        })
    }

    /// Records a chunk of `len` elements done on the calling thread, and runs Python's signal
    /// handlers when `check_every` elements have been done, or `CHECK_INTERVAL` has passed,
    /// since they last ran. `Interrupted` when a handler raised: the caller stops (and tells its
    /// helpers to).
    pub(crate) fn check(&mut self, len: usize) -> Result<(), Interrupted> {
        chunk_finished();
        if self.raised.is_some() {
            return Err(Interrupted);
        }
        if !self.main_thread {
            return Ok(());
        }
        self.unchecked += len;
        if self.unchecked < self.check_every && self.checked_at.elapsed() < CHECK_INTERVAL {
            return Ok(());
        }
        self.unchecked = 0;
        self.checked_at = Instant::now();
        match Python::attach(|py| py.check_signals()) {
            Ok(()) => Ok(()),
            Err(raised) => {
                self.raised = Some(raised);
                Err(Interrupted)
            }
        }
    }
}

/// Chunks finished by long calls since the module was loaded, on any thread (a test hook).
static CHUNKS: AtomicUsize = AtomicUsize::new(0);

/// The value of `CHUNKS` at which to simulate a Ctrl-C, or 0 (a test hook).
static INTERRUPT_AT: AtomicUsize = AtomicUsize::new(0);

/// Counts a finished chunk: every thread of a long call calls this once per chunk (the calling
/// thread through `Signals::check`).
pub(crate) fn chunk_finished() {
    let finished = CHUNKS.fetch_add(1, Ordering::Relaxed) + 1;
    if INTERRUPT_AT.load(Ordering::Relaxed) == finished
        && INTERRUPT_AT.compare_exchange(finished, 0, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        // SAFETY: `PyErr_SetInterrupt` is async-signal-safe and needs no thread state; it does
        // what CPython's own SIGINT handler does.
        unsafe { pyo3::ffi::PyErr_SetInterrupt() };
    }
}

/// The number of chunks long calls have finished (see `CHUNKS`).
pub(crate) fn chunks_finished() -> usize {
    CHUNKS.load(Ordering::Relaxed)
}

/// Makes the `after`-th chunk finished from now on behave as if SIGINT arrived just then, as a
/// Ctrl-C does (a test hook: it lands in the middle of a call, whatever the scheduling).
pub(crate) fn interrupt_after_chunks(after: usize) -> PyResult<()> {
    if after == 0 {
        return Err(PyValueError::new_err("chunks must be an int >= 1"));
    }
    INTERRUPT_AT.store(CHUNKS.load(Ordering::Relaxed) + after, Ordering::Relaxed);
    Ok(())
}

/// Where the gate is, from arming to the end of the one call it holds up.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Gate {
    Idle,
    Armed(Duration),
    /// A call waits at the gate.
    Waiting,
    Opened,
    TimedOut,
}

/// Set while the gate is armed, so that calls need not lock `GATE` otherwise.
static ARMED: AtomicBool = AtomicBool::new(false);
static GATE: Mutex<Gate> = Mutex::new(Gate::Idle);
static GATE_CHANGED: Condvar = Condvar::new();

fn gate() -> MutexGuard<'static, Gate> {
    GATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits at an armed gate until it is opened or its timeout runs out; returns at once otherwise.
fn pass_gate() {
    if !ARMED.swap(false, Ordering::AcqRel) {
        return;
    }
    let mut gate = gate();
    let Gate::Armed(timeout) = *gate else { return };
    *gate = Gate::Waiting;
    let (mut gate, _) = GATE_CHANGED
        .wait_timeout_while(gate, timeout, |gate| *gate == Gate::Waiting)
        .unwrap_or_else(PoisonError::into_inner);
    if *gate == Gate::Waiting {
        *gate = Gate::TimedOut;
    }
}

/// Arms the gate for the next call that releases the GIL, which then waits at most `timeout`
/// seconds for `open_gate`.
pub(crate) fn arm_gate(timeout: f64) -> PyResult<()> {
    let timeout = Duration::try_from_secs_f64(timeout).map_err(|error| {
        PyValueError::new_err(format!("timeout must be a number of seconds >= 0: {error}"))
    })?;
    *gate() = Gate::Armed(timeout);
    ARMED.store(true, Ordering::Release);
    Ok(())
}

/// Opens the gate if a call waits at it, and says whether one did. It is called with the GIL
/// held, and keeps it, which is the point: it can run only while the waiting call has released
/// the GIL.
pub(crate) fn open_gate(_py: Python<'_>) -> bool {
    let mut gate = gate();
    if *gate != Gate::Waiting {
        return false;
    }
    *gate = Gate::Opened;
    GATE_CHANGED.notify_all();
    true
}

/// Whether a call waits at the gate: a test that must act while a call is under way (send it a
/// signal) waits for this, then opens the gate.
pub(crate) fn gate_waiting(_py: Python<'_>) -> bool {
    *gate() == Gate::Waiting
}

/// What became of the gate since it was armed (`"armed"`: no call reached it; `"waiting"`,
/// `"opened"` or `"timed out"`), and disarms it.
pub(crate) fn disarm_gate() -> &'static str {
    ARMED.store(false, Ordering::Release);
    let state = std::mem::replace(&mut *gate(), Gate::Idle);
    match state {
        Gate::Idle => "idle",
        Gate::Armed(_) => "armed",
        Gate::Waiting => "waiting",
        Gate::Opened => "opened",
        Gate::TimedOut => "timed out",
    }
}

/// Waits at the gate while holding the GIL: the control that shows the gate tells a held GIL
/// from a released one.
pub(crate) fn pass_gate_holding_the_gil(_py: Python<'_>) {
    pass_gate();
}
