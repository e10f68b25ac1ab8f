# SPDX-License-Identifier: Apache-2.0
"""Throughput of hb.gibbs on Ising lattices in spin updates per second: one 256 × 256 lattice (the
peer-comparison workload, split by rows), 64 lattices of 64 × 64 with one β each (a parallel-tempering
batch, split by lattice), a 32³ lattice, and a 64 × 64 ±J spin glass (the per-site path with an exp per
spin); heat-bath and Metropolis, with and without recording E and M after every sweep.
"""
from __future__ import annotations

import time

import numpy as np

import heatbath as hb

from .common import need_heatbath, need_torch, synchronize

SWEEPS = 50
WORKLOADS = {
    "ferro_256x256": (lambda: hb.Ising((256, 256)), 1),
    "ferro_64x64_x64": (lambda: hb.Ising((64, 64)), 64),
    "ferro_32x32x32": (lambda: hb.Ising((32, 32, 32)), 1),
    "glass_pm_64x64": (lambda: hb.Ising.spin_glass((64, 64), "pm", seed=0), 4),
}


class Ising:
    params = (list(WORKLOADS), ["heatbath", "metropolis"], [True, False], ["cpu", "cuda"], [1, 2])
    param_names = ["workload", "method", "record", "device", "threads"]

    def setup(self, workload, method, record, device, threads):
        self.saved_threads = hb.get_num_threads()
        if device == "cuda" and threads != 1:
            raise NotImplementedError("threads applies to the CPU backend only")
        need_heatbath(device)
        make, lattices = WORKLOADS[workload]
        self.model, self.method, self.record, self.device = make(), method, record, device
        spins = np.ones((lattices, *self.model.shape), np.int8)
        self.beta = np.linspace(0.3, 0.5, lattices)
        if device == "cuda":
            spins = need_torch(device).as_tensor(spins, device="cuda")  # host couplings follow, cached
        self.spins = spins
        self.updates = lattices * self.model.n_sites * SWEEPS
        hb.set_num_threads(threads)
        self.run()  # warm-up

    def teardown(self, *args):
        hb.set_num_threads(self.saved_threads)

    def run(self):
        hb.gibbs(self.model, self.spins, SWEEPS, beta=self.beta, seed=0, method=self.method, record=self.record)
        synchronize(self.device)

    def time_run(self, *args):
        self.run()

    def track_spin_updates_per_second(self, *args):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            self.run()
            best = min(best, time.perf_counter() - start)
        return float(f"{self.updates / best:.4g}")

    track_spin_updates_per_second.unit = "spin updates/s"
