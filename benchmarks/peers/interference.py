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
