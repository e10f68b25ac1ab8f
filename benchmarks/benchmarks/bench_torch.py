# SPDX-License-Identifier: Apache-2.0
"""Throughput of heatbath.TorchPotential (torch forward + autograd backward per step, the core's update
phases) against the plain torch loop on the same work: ULA in float32, 10,000 chains, an MLP energy
dim → 64 → 64 → 1, dim 2 and 16. 50 steps per call: the rate is per step, so it carries over to long runs, apart from
heatbath's one extra evaluation per call for res.energy (2% here)."""
from __future__ import annotations

import time

import heatbath as hb

from .common import need_heatbath, need_torch, synchronize

STEPS = 50
CHAINS = 10_000
H = 0.01


class TorchPotentialULA:
    params = ([2, 16], ["heatbath", "torch_loop"], ["cpu", "cuda"], [1, 2])
    param_names = ["dim", "implementation", "device", "threads"]

    def setup(self, dim, implementation, device, threads):
        if device == "cuda" and threads != 1:
            raise NotImplementedError("threads applies to the CPU only")
        need_heatbath(device)
        torch = need_torch(device)
        # torch's intra-op pool and heatbath's OpenMP threads alike; restored in teardown.
        self.saved_threads = (torch.get_num_threads(), hb.get_num_threads())
        torch.set_num_threads(threads)
        hb.set_num_threads(threads)
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(dim, 64), torch.nn.SiLU(), torch.nn.Linear(64, 64),
                                  torch.nn.SiLU(), torch.nn.Linear(64, 1)).to(device)

        def energy(x):
            return net(x).squeeze(-1) + 0.5 * (x * x).sum(-1)

        self.torch, self.device = torch, device
        self.energy = energy
        self.x0 = torch.randn(CHAINS, dim, device=device)
        self.pot = hb.TorchPotential(energy, dim=dim)
        self.run = self.run_heatbath if implementation == "heatbath" else self.run_torch
        self.run()  # warm-up

    def teardown(self, *args):
        if hasattr(self, "saved_threads"):
            self.torch.set_num_threads(self.saved_threads[0])
            hb.set_num_threads(self.saved_threads[1])

    def run_heatbath(self):
        hb.langevin(self.pot, self.x0, STEPS, H, "ula", seed=0, progress=False)
        synchronize(self.device)

    def run_torch(self):
        torch = self.torch
        x = self.x0.clone()
        noise = torch.empty_like(x)
        for _ in range(STEPS):
            xg = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.energy(xg).sum(), (xg,))
            torch.randn(x.shape, out=noise)
            x.add_(g, alpha=-H).add_(noise, alpha=(2 * H) ** 0.5)
        synchronize(self.device)

    def time_run(self, *args):
        self.run()

    def track_steps_per_second(self, *args):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            self.run()
            best = min(best, time.perf_counter() - start)
        return float(f"{STEPS / best:.4g}")

    track_steps_per_second.unit = "steps/s"
