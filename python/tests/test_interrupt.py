"""Ctrl-C stops a long call: it raises ``KeyboardInterrupt`` within a few chunks, not at the end,
and returns nothing.

Long calls run without the GIL in chunks of 2048 elements, and the calling thread runs Python's
signal handlers every ~16 ms of work or 20 ms of the clock, whichever comes first (see gil.rs).
Nothing here depends on timing: the extension counts the chunks it finishes, and a test hook
makes a chosen chunk act as the moment SIGINT arrives (it does what CPython's own SIGINT handler
does), or the call waits at the GIL gate while another thread raises a real SIGINT; the bounds
asserted are those of the work-based checks. The clock can only add checks, but one that falls
just before the interrupting chunk starts the count again: the next work-based check then comes
at most a whole interval after it, so a call stops within ``CHECK_CHUNKS - 1`` chunks after the
interrupting one (seen on a loaded machine: 18 chunks for ``inverse``, interrupted at the 3rd). The
cases run in child interpreters, so that a signal that is not handled where it should be cannot
interrupt the test session itself.
"""

from __future__ import annotations

# Calls of 2**22 elements, 2048 chunks, seconds of work: an interrupt that were honoured only at
# the end would show as all of them finished.
CALLS = {
    "haversine": "geodist.haversine(lat, 0.0, 1.0, 1.0)",
    "geodesic": "geodist.geodesic(lat, 0.0, 1.0, 1.0)",
    "inverse": "geodist.inverse(lat, 0.0, 1.0, 1.0)",
    "direct": "geodist.direct(lat, 0.0, 45.0, 1000.0)",
    "line_length": "geodist.line_length(lat, lat)",
    "line_lengths": "geodist.line_lengths(lat, lat)",
    "intermediate": "geodist.intermediate(0, 0, 10, 10, len(lat))",
}
TOTAL_CHUNKS = 2**22 // 2048
# Chunks between two signal checks on the calling thread: ~16 ms of each function's work
# (16 x `per_thread` elements for the batch functions, 16,384 elements for the line functions).
CHECK_CHUNKS = {
    "haversine": 256,
    "geodesic": 16,
    "inverse": 16,
    "direct": 32,
    "line_length": 8,
    "line_lengths": 8,
    "intermediate": 8,
}

PREAMBLE = f"""
import os
import signal
import threading
import time

import geodist
import numpy as np

hooks = geodist._geodist
lat = np.linspace(-60.0, 60.0, 2**22)
# Python's own handler, even where the test runner was started with SIGINT ignored (a shell's
# background job), which the child would inherit.
signal.signal(signal.SIGINT, signal.default_int_handler)
CALLS = {{
{"".join(f"    {name!r}: lambda lat: {call},{chr(10)}" for name, call in CALLS.items())}}}


def call(name, lat=lat):
    before = hooks._chunks_finished()
    result = None
    try:
        result = CALLS[name](lat)
    except KeyboardInterrupt:
        print(name, "KeyboardInterrupt", hooks._chunks_finished() - before, result)
    else:
        print(name, "returned", hooks._chunks_finished() - before, type(result).__name__)
"""


def run(run_python, code: str, threads: int = 1) -> dict[str, list[str]]:
    """What the child printed, one line per function: its outcome, chunks finished, result."""
    child = run_python(PREAMBLE + code, env={"GEODIST_NUM_THREADS": str(threads)})
    assert child.returncode == 0, (child.returncode, child.stderr)
    lines = [line.split() for line in child.stdout.splitlines()]
    return {name: rest for name, *rest in lines}


def test_an_interrupt_in_the_middle_stops_the_call_within_a_check(run_python) -> None:
    # SIGINT "arrives" as the 3rd chunk finishes; each call notices at its next check, which
    # comes at most CHECK_CHUNKS after the last one before it (at the 2nd chunk, at the latest).
    outcomes = run(
        run_python,
        """
for name in CALLS:
    hooks._interrupt_after_chunks(3)
    call(name)
""",
    )
    assert list(outcomes) == list(CALLS)
    for name, (outcome, finished, result) in outcomes.items():
        assert (outcome, result) == ("KeyboardInterrupt", "None"), name
        assert 3 <= int(finished) <= 2 + CHECK_CHUNKS[name] < TOTAL_CHUNKS, name


def test_an_interrupt_stops_every_thread(run_python) -> None:
    # With helper threads the caller still checks, and tells the helpers to stop; the call
    # raises, with no result, once they all have.
    outcomes = run(
        run_python,
        """
for name in ["haversine", "geodesic", "inverse", "direct"]:
    hooks._interrupt_after_chunks(3)
    call(name)
""",
        threads=4,
    )
    assert len(outcomes) == 4
    for name, (outcome, _, result) in outcomes.items():
        assert (outcome, result) == ("KeyboardInterrupt", "None"), name


def test_a_real_sigint_from_another_thread_stops_the_call(run_python) -> None:
    outcomes = run(
        run_python,
        """
def interrupt():
    # Once the call waits at the gate (without the GIL, its work under way), a real SIGINT.
    deadline = time.monotonic() + 120
    while not hooks._gil_gate_waiting():
        assert time.monotonic() < deadline, "the call never reached the gate"
        time.sleep(0.001)
    signal.raise_signal(signal.SIGINT)
    hooks._open_gil_gate()


for name in CALLS:
    hooks._arm_gil_gate(120)
    sender = threading.Thread(target=interrupt)
    sender.start()
    call(name)
    sender.join()
    print("gate", hooks._disarm_gil_gate())
""",
    )
    assert outcomes.pop("gate") == ["opened"]
    assert list(outcomes) == list(CALLS)
    for name, (outcome, finished, result) in outcomes.items():
        assert (outcome, result) == ("KeyboardInterrupt", "None"), name
        assert int(finished) <= CHECK_CHUNKS[name] < TOTAL_CHUNKS, name


def test_a_handler_that_does_not_raise_lets_the_call_finish(run_python) -> None:
    # The handlers run (this one counts), and the call goes on to its full, correct result.
    outcomes = run(
        run_python,
        """
calls = []
signal.signal(signal.SIGINT, lambda signum, frame: calls.append(signum))
short = lat[: 2**16]
expected = geodist.geodesic(short, 0.0, 1.0, 1.0)
hooks._interrupt_after_chunks(3)
got = geodist.geodesic(short, 0.0, 1.0, 1.0)
print("handled", len(calls), got.tobytes() == expected.tobytes())
""",
    )
    assert outcomes == {"handled": ["1", "True"]}
