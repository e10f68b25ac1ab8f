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


def test_ctrl_c_interrupts_a_long_fill_promptly():
    # Outputs whose elements share memory are refused, so a long fill needs real memory: 2 GiB of float32
    # on one thread, 0.8 s at the generator's full speed and several seconds with the first touch of
    # every page (measured: 6 s here); its pieces take a fraction of a second.
    out = np.empty((2**15, 2**14), np.float32)
    delay = 0.3
    previous = hb.get_num_threads()
    hb.set_num_threads(1)
    try:
        elapsed = seconds_until_interrupted(lambda: hb.random.normal(out, seed=0), delay)
    finally:
        hb.set_num_threads(previous)
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
