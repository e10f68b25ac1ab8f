# SPDX-License-Identifier: Apache-2.0
"""Ctrl-C during a long run: stop on a chunk boundary and hand back a state that resumes exactly.

The compiled loops run in chunks of a few milliseconds and look at signals between them; when a
KeyboardInterrupt arrives, the core attaches ``completed`` (the steps already done in this call) to
it, and the sampler re-raises it as :class:`Interrupted` carrying the state after those steps.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C between two chunks.

    ``state`` is the state after ``steps_done`` of the ``steps_requested`` steps of this call: pass it
    to the sampler again to go on; the numbers are the same as those of an uninterrupted run. It is a
    KeyboardInterrupt, so code that does not know about it stops as it always did.
    """

    def __init__(self, state: Any, steps_done: int, steps_requested: int):
        super().__init__(f"interrupted after {steps_done} of {steps_requested} steps; "
                         f"continue from this exception's .state")
        self.state = state
        self.steps_done = steps_done
        self.steps_requested = steps_requested


def completed_steps(exc: BaseException) -> int | None:
    """How many steps the interrupted call finished, or None when the interrupt did not come from a
    chunk boundary (then no consistent state can be offered)."""
    done = getattr(exc, "completed", None)
    return done if isinstance(done, int) else None


class ChunkGuard:
    """Set by the deferred SIGINT handler; checked by a Python chunk loop after each chunk."""

    def __init__(self) -> None:
        self.pending = False

    def check(self, completed: int) -> None:
        if self.pending:
            exc = KeyboardInterrupt()
            exc.completed = completed
            raise exc


@contextmanager
def sigint_at_chunk_boundaries() -> Iterator[ChunkGuard]:
    """For chunk loops written in Python (the Numba kernels): Ctrl-C sets a flag instead of raising
    at an arbitrary bytecode, which might fall between a finished chunk and the count of finished
    steps. Only the main thread with Python's default handler can defer; elsewhere Ctrl-C raises
    as usual and no resumable state is offered."""
    guard = ChunkGuard()
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield guard
        return

    def defer(signum, frame):
        guard.pending = True

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield guard
    finally:
        signal.signal(signal.SIGINT, previous)
    # A Ctrl-C after the last check (during the work that ends a run, its final energy say) is not lost:
    # it raises here, as a plain KeyboardInterrupt (no state: the run is past its last chunk boundary).
    if guard.pending:
        raise KeyboardInterrupt


def run_resumable(run: Callable[[], None], *, total: int, state_after: Callable[[int], Any], progress,
                  desc: str, unit: str = "step") -> None:
    """Runs ``run()`` (one compiled call that works through ``total`` steps in chunks) under a progress
    bar; on Ctrl-C raises :class:`Interrupted` with ``state_after(steps done)``, the state the arrays
    were left in after the last finished chunk."""
    try:
        if progress is False:  # no bar: not even its context manager, a good part of a short call's Python time
            run()
        else:
            from heatbath.progress import progress_bar  # noqa: PLC0415 (progress imports the core)

            with progress_bar(progress, total, desc, unit):
                run()
    except KeyboardInterrupt as exc:
        done = completed_steps(exc)
        if done is None:
            raise
        raise Interrupted(state_after(done), done, total) from exc
