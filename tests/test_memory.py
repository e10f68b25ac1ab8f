# SPDX-License-Identifier: Apache-2.0
"""Long runs do not grow memory: the state and the requested trace are the only large allocations."""
import os

import numpy as np
import pytest

import heatbath as hb
from helpers import SANITIZED

pytestmark = [
    pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the resident size from /proc"),
    # .ci/sanitize: AddressSanitizer keeps freed blocks in quarantine, so the resident size grows anyway.
    pytest.mark.skipif(SANITIZED, reason="ASan's quarantine holds freed memory"),
]

MIB = 2**20


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
def test_many_calls_do_not_grow_memory(method):
    x0 = np.linspace(-2, 2, 4000, dtype=np.float32).reshape(1000, 4)
    state = hb.langevin(hb.DoubleWell(), x0, 10, 0.01, method, thin=5).state
    for _ in range(20):  # let the allocator reach its steady state
        state = hb.langevin(hb.DoubleWell(), state, 10, 0.01, thin=5).state
    before = resident_bytes()
    for _ in range(500):
        state = hb.langevin(hb.DoubleWell(), state, 10, 0.01, thin=5).state
    # A leak of even one state-sized array (16 kB) a call would show as 8 MB here.
    assert resident_bytes() - before < 4 * MIB


def test_a_long_run_allocates_nothing_beyond_its_outputs():
    x0 = np.zeros((64, 4), np.float64)
    hb.langevin(hb.DoubleWell(), x0, 10, 0.01, "baoab")
    before = resident_bytes()
    # 2M steps in chunks: any per-step or per-chunk allocation that is not freed would add up.
    hb.langevin(hb.DoubleWell(), x0, 2_000_000, 0.01, "baoab", thin=0)
    assert resident_bytes() - before < 4 * MIB


@pytest.mark.parametrize("call", ["langevin", "rbm", "ising", "pt_ising_trace", "pt_ising_index"])
def test_an_output_larger_than_the_memory_left_is_refused_before_allocation(call, monkeypatch):
    """Linux overcommits: numpy's allocation of a trace larger than RAM and swap succeeds, and the kernel
    kills the process when the run writes the pages. The request is compared with what is left first."""
    from heatbath import _arrays

    monkeypatch.setattr(_arrays, "_host_memory_left", lambda: 2**30)  # pretend 1 GiB is left
    runs = {"langevin": lambda: hb.langevin(hb.DoubleWell(), np.zeros((1000, 1), np.float32), 600_000, 0.01, thin=1),
            "rbm": lambda: hb.gibbs(hb.RBM(np.zeros((4, 3), np.float32), np.zeros(4, np.float32),
                                           np.zeros(3, np.float32)), np.zeros((1000, 4), np.float32), 100_000, thin=1),
            "ising": lambda: hb.gibbs(hb.Ising((4, 4)), np.ones((1000, 4, 4), np.int8), 200_000),
            # Gibbs PT gathered its samples in a list and copied them into the trace at the end (twice its
            # size at the peak), and took the index without a check
            "pt_ising_trace": lambda: hb.ParallelTempering(hb.Ising((4, 4)), 4).run(
                np.ones((1000, 4, 4), np.int8), 200_000, thin=1),
            "pt_ising_index": lambda: hb.ParallelTempering(hb.Ising((4, 4)), 4).run(
                np.ones((1000, 4, 4), np.int8), 100_000, record_index=True)}
    arg = {"langevin": "thin", "rbm": "thin", "ising": "record", "pt_ising_trace": "thin",
           "pt_ising_index": "record_index"}[call]
    with pytest.raises(MemoryError, match=f"argument '{arg}': .* GiB.*, more than the 1 GiB of memory left"):
        runs[call]()


@pytest.mark.parametrize("call", ["langevin", "rbm", "ising", "pt"])
def test_a_runs_outputs_are_compared_with_the_memory_left_together(call, monkeypatch):
    """Each of two 0.8 GiB outputs fits in 1 GiB, but not both: unwritten pages do not count as used, so
    checking them one at a time would grant both and let the kernel kill the process mid-run."""
    from heatbath import _arrays

    monkeypatch.setattr(_arrays, "_host_memory_left", lambda: 2**30)
    rbm = hb.RBM(np.zeros((4, 4), np.float32), np.zeros(4, np.float32), np.zeros(4, np.float32))
    runs = {"langevin": lambda: hb.langevin(hb.DoubleWell(), np.zeros((1000, 1), np.float32), 210_000, 0.01, thin=1),
            "rbm": lambda: hb.gibbs(rbm, np.zeros((1000, 4), np.float32), 52_000, thin=1, trace_hidden=True),
            "ising": lambda: hb.gibbs(hb.Ising((4, 4)), np.ones((1000, 4, 4), np.int8), 105_000),
            "pt": lambda: hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.LangevinMove(0.01)).run(
                np.zeros((1000, 1), np.float32), 210_000, thin=1)}
    with pytest.raises(MemoryError, match="the run's outputs .* together, more than the 1 GiB of memory left"):
        runs[call]()


def test_a_cgroup_limit_lowers_the_memory_left(monkeypatch, tmp_path):
    from heatbath import _arrays

    real_open = open

    def fake_open(path, *args, **kwargs):
        files = {"/sys/fs/cgroup/memory.max": "3221225472\n", "/sys/fs/cgroup/memory.current": "1073741824\n",
                 "/proc/meminfo": "MemTotal: 200000000 kB\nMemAvailable: 100000000 kB\nSwapFree: 0 kB\n"}
        if path in files:
            (tmp_path / "f").write_text(files[path])
            return real_open(tmp_path / "f", *args, **kwargs)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    assert _arrays._host_memory_left() == 2 * 2**30  # the cgroup's 3 GiB limit less its 1 GiB in use
