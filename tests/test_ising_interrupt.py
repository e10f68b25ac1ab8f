# SPDX-License-Identifier: Apache-2.0
"""Ctrl-C stops a long Ising run promptly; with inplace=True the spins are left at a sweep boundary of
a consistent state (every spin ±1)."""
import os

import numpy as np
import pytest

import heatbath as hb
from helpers import INTERRUPT_SLACK, seconds_until_interrupted

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")


@pytest.mark.parametrize("lattices", [1, 16])  # split by rows, split by lattice
def test_ctrl_c_interrupts_a_long_run(lattices):
    model = hb.Ising((256, 256))
    spins = np.ones((lattices, 256, 256), np.int8)
    delay = 0.3
    elapsed = seconds_until_interrupted(
        lambda: hb.gibbs(model, spins, 10**7, beta=0.44, inplace=True, record=False), delay)
    # The whole run would take hours; a chunk takes milliseconds. One second of slack for a busy box.
    assert elapsed < delay + INTERRUPT_SLACK
    assert set(np.unique(spins)) <= {-1, 1}
    assert not (spins == 1).all()  # it did run
