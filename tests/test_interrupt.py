# SPDX-License-Identifier: Apache-2.0
"""Ctrl-C reaches Python from a long compiled loop, which runs with the GIL released."""
import os
import threading
import time

import numpy as np
import pytest

import heatbath as hb
from helpers import INTERRUPT_SLACK, seconds_until_interrupted

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")


def endless_output():
    # Every row and column aliases one float: billions of writes in a few bytes of memory.
    return np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape=(2**31, 2**20), strides=(0, 0),
                                           writeable=True)


def test_ctrl_c_interrupts_a_long_fill_promptly():
    out = endless_output()
    delay = 0.3
    elapsed = seconds_until_interrupted(lambda: hb.random.normal(out, seed=0), delay)
    # The whole fill would take hours; a chunk takes milliseconds. One second of slack for a loaded CI box.
    assert elapsed < delay + INTERRUPT_SLACK


def test_gil_is_released_during_a_fill():
    # Another Python thread keeps running while the main thread is inside the compiled loop.
    out = np.empty((4000, 4000), np.float32)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    try:
        n_before = len(ticks)
        start = time.perf_counter()
        for _ in range(5):
            hb.random.normal(out, seed=1)
        end = time.perf_counter()
    finally:
        stop.set()
        t.join()
    during = [x for x in ticks if start <= x <= end]
    assert len(ticks) > n_before and len(during) >= 2
