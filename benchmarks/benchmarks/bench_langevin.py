# SPDX-License-Identifier: Apache-2.0
"""Throughput of heatbath.langevin in chain-steps per second on the issue's two workloads, scaled
down in steps so `asv run --quick` stays short (the rate is per chain-step, so it carries over):

- double well, dim 1, 100,000 chains (float32), ULA / MALA / BAOAB;
- 2-D mixture of four Gaussians, 10,000 chains (float32), MALA / ULA / BAOAB.
"""
from __future__ import annotations

import time

import numpy as np

import heatbath as hb

from .common import need_heatbath, need_torch, synchronize

STEPS = 100
WORKLOADS = {
    "double_well": (lambda: hb.DoubleWell(), 100_000, 1, 0.01),
    "mixture4": (lambda: hb.GaussianMixture(np.array([[2, 2], [2, -2], [-2, 2], [-2, -2]], np.float32),
                                            np.full(4, 0.5, np.float32), np.full(4, 0.25, np.float32)),
                 10_000, 2, 0.05),
}


class Langevin:
    params = (list(WORKLOADS), ["ula", "mala", "baoab"], ["cpu", "cuda"], [1, 2])
    param_names = ["workload", "method", "device", "threads"]

    def setup(self, workload, method, device, threads):
        self.saved_threads = hb.get_num_threads()
        if device == "cuda" and threads != 1:
            raise NotImplementedError("threads applies to the CPU backend only")
        need_heatbath(device)
        make, chains, dim, h = WORKLOADS[workload]
        self.target, self.h, self.method, self.device = make(), h, method, device
        x0 = np.zeros((chains, dim), np.float32)
        if device == "cuda":
            torch = need_torch(device)
            x0 = torch.as_tensor(x0, device="cuda")
            # Array parameters fix the device, so the mixture is rebuilt from CUDA tensors.
            self.target = make() if workload == "double_well" else hb.GaussianMixture(
                torch.tensor([[2, 2], [2, -2], [-2, 2], [-2, -2]], dtype=torch.float32, device="cuda"),
                torch.full((4,), 0.5, device="cuda"), torch.full((4,), 0.25, device="cuda"))
        self.x0 = x0
        self.chain_steps = chains * STEPS
        hb.set_num_threads(threads)
        self.run()  # warm-up

    def teardown(self, *args):
        hb.set_num_threads(self.saved_threads)

    def run(self):
        hb.langevin(self.target, self.x0, STEPS, self.h, self.method, seed=0)
        synchronize(self.device)

    def time_run(self, *args):
        self.run()

    def track_chain_steps_per_second(self, *args):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            self.run()
            best = min(best, time.perf_counter() - start)
        return float(f"{self.chain_steps / best:.4g}")

    track_chain_steps_per_second.unit = "chain-steps/s"
