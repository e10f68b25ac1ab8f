# SPDX-License-Identifier: Apache-2.0
"""Progress bars for long runs, fed by the compiled loops between their chunks of a few milliseconds.

``progress=None`` (the default of the samplers) shows a tqdm bar only when standard error is a terminal,
``True`` always, ``False`` never. The bar is told of finished work once per chunk, so it costs nothing
measurable; the compiled loop never waits for it.
"""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from heatbath import _core

_local = threading.local()


def _wants_bar(progress) -> bool:
    if progress is None:
        stream = sys.stderr
        return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
    if isinstance(progress, bool):
        return progress
    raise TypeError(f"argument 'progress': expected True, False or None (only at a terminal), got {progress!r}")


@contextmanager
def progress_bar(progress, total: int, desc: str, unit: str = "step") -> Iterator[Optional[Callable[[int], None]]]:
    """Within the block, this thread's compiled calls (and Python chunk loops calling :func:`report`)
    advance a bar of ``total`` units. Yields the update callable, or None when no bar is shown."""
    if not _wants_bar(progress) or total <= 0:
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError("argument 'progress': progress bars need tqdm (pip install tqdm)") from None
    bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=False, file=sys.stderr)

    def update(completed: int) -> None:
        bar.update(completed - bar.n)

    _local.callback = update
    _core.set_progress(update)
    try:
        yield update
    finally:
        _core.set_progress(None)
        _local.callback = None
        bar.close()


def current() -> Callable[[int], None] | None:
    """The active bar's update function (None without a bar), for loops that call it every step."""
    return getattr(_local, "callback", None)


def report(completed: int) -> None:
    """For chunk loops written in Python (the Numba kernels): the same notice the core gives."""
    callback = getattr(_local, "callback", None)
    if callback is not None:
        callback(completed)


@contextmanager
def offset(done: int) -> Iterator[None]:
    """Within the block, the counts of compiled calls are taken to follow ``done`` units of the same run
    (a run made of several calls, e.g. parallel tempering thinned between calls)."""
    callback = getattr(_local, "callback", None)
    if callback is None or done == 0:
        yield
        return
    _core.set_progress(lambda completed: callback(done + completed))
    try:
        yield
    finally:
        _core.set_progress(callback)


@contextmanager
def silenced() -> Iterator[None]:
    """Within the block, compiled calls and chunk loops report no progress (calls that make up one unit of
    an outer bar, e.g. the steps of a parallel-tempering round)."""
    callback = getattr(_local, "callback", None)
    if callback is None:
        yield
        return
    _local.callback = None
    _core.set_progress(None)
    try:
        yield
    finally:
        _local.callback = callback
        _core.set_progress(callback)
