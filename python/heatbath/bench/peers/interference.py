# SPDX-License-Identifier: Apache-2.0
"""How much CPU other processes took while a row was timed, so that a disturbed row is flagged, not trusted.

On a small shared machine one busy neighbour halves a multi-threaded peer's rate, or worse: a thread
pool whose every step waits at a barrier for a descheduled thread can slow down twentyfold. The
machine's busy time comes from /proc/stat (Linux only; elsewhere nothing is measured), this process's
own from os.times()."""
from __future__ import annotations

import os
import time

# /proc/stat and os.times() count in clock ticks (10 ms), so a window much shorter than this gives
# a share of the machine that is mostly rounding; such a window gets no verdict.
MIN_WINDOW_S = 0.5


def _machine_busy_s() -> float | None:
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # guest time is already in user


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


class Meter:
    """Use as `with Meter() as m: ...`; then m.others is the share of all cores, 0 to 1, that other
    processes used meanwhile (None where it cannot be measured, or the window was too short)."""

    def __enter__(self):
        self._busy, self._own, self._wall = _machine_busy_s(), _own_cpu_s(), time.perf_counter()
        self.others = None
        return self

    def __exit__(self, *exc):
        busy = _machine_busy_s()
        wall = time.perf_counter() - self._wall
        if busy is not None and self._busy is not None and wall >= MIN_WINDOW_S:
            others = (busy - self._busy) - (_own_cpu_s() - self._own)
            self.others = max(0.0, others / (wall * (os.cpu_count() or 1)))
        return False


def best_of(run, repeat: int):
    """Seconds of the best of `repeat` runs after one warm-up run, the last run's result, and the share
    of the machine that other processes took during the timed runs (see Meter)."""
    result = run()  # warm-up: thread pools, page faults, first-call dispatch
    best = float("inf")
    with Meter() as meter:
        for _ in range(repeat):
            start = time.perf_counter()
            result = run()  # a peer's run() returns host arrays, so it has finished when it returns
            best = min(best, time.perf_counter() - start)
    return best, result, meter.others


def versions(tools) -> str:
    """'python x, numpy y, tool z, ...' for the header of a comparison table."""
    import importlib  # noqa: PLC0415
    import platform  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for name in tools:
        try:
            parts.append(f"{name} {importlib.import_module(name).__version__}")
        except Exception:  # noqa: BLE001 (a missing peer shows up in its row)
            parts.append(f"{name} missing")
    return ", ".join(parts)


def machine() -> str:
    """'N cores, cpu, heatbath CPU kernels: isa, load average L' for the header of a comparison table."""
    import platform  # noqa: PLC0415

    try:
        from heatbath import _core  # noqa: PLC0415
        isa = _core.cpu_isa()
    except Exception as exc:  # noqa: BLE001
        isa = f"unknown ({exc})"
    return (f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, heatbath CPU kernels: {isa}, "
            f"load average {os.getloadavg()[0]:.2f}")
