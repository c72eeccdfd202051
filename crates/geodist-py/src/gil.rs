//! Running long work without the GIL, and the test hook that proves it does.
//!
//! Whether another Python thread gets to run during a call cannot be measured reliably by
//! timing: on a busy machine a thread may not be scheduled at all while the call runs. A gate
//! proves it instead. A test arms the gate; the next call that releases the GIL then waits at
//! the gate, without the GIL, until another Python thread opens it, which that thread can only
//! do while it holds the GIL. So the gate opens if and only if the call has released the GIL; a
//! call that kept it waits out the timeout the test chose, and the gate reports that it timed
//! out. Either way the call then completes as usual. Unarmed, the gate costs one atomic load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// Runs `work` with the GIL released (after passing the gate, when a test has armed it).
pub(crate) fn detach<T, F>(py: Python<'_>, work: F) -> T
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    py.detach(|| {
        pass_gate();
        work()
    })
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
