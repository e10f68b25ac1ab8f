# SPDX-License-Identifier: Apache-2.0
"""Throughput of RBM block Gibbs (hb.gibbs on an hb.RBM) in chain-steps per second, on the peer
comparison's two models (benchmarks/compare_rbm.py), with fewer steps so `asv run --quick` stays short:

- 784 x 500 (MNIST-sized), 1,000 chains: bound by the two GEMMs of a step;
- 64 x 32, 1,000 chains: bound by per-step overhead and the fused sampling pass.

track_gflops counts 4·V·H flops per chain-step (two GEMMs); compare_rbm.py sets it against sgemm.
RBMPCDStep times whole PCD training updates, heatbath-driven and in torch (compare_pcd.py), and
RBMShortCall one PCD loop's in-place Gibbs call alone.
"""
from __future__ import annotations

import time

import numpy as np

import heatbath as hb

from .common import need_heatbath, need_torch, synchronize

MODELS = {"784x500": (784, 500, 1_000, 10), "64x32": (64, 32, 1_000, 200)}  # V, H, chains, steps


class RBMGibbs:
    params = (list(MODELS), ["cpu", "cuda"], [1, 2])
    param_names = ["model", "device", "threads"]

    def setup(self, model, device, threads):
        self.saved_threads = hb.get_num_threads()
        if device == "cuda" and threads != 1:
            raise NotImplementedError("threads applies to the CPU backend only")
        need_heatbath(device)
        V, H, chains, steps = MODELS[model]
        rng = np.random.default_rng(0)
        w = (0.01 * rng.standard_normal((V, H))).astype(np.float32)
        b, c = np.zeros(V, np.float32), np.zeros(H, np.float32)
        v0 = (rng.random((chains, V)) < 0.5).astype(np.float32)
        if device == "cuda":
            torch = need_torch(device)
            w, b, c, v0 = (torch.as_tensor(x, device="cuda") for x in (w, b, c, v0))
        self.rbm, self.v0, self.steps, self.device = hb.RBM(w, b, c), v0, steps, device
        self.chain_steps = chains * steps
        self.flops = 4.0 * V * H * chains * steps
        hb.set_num_threads(threads)
        self.run()  # warm-up

    def teardown(self, *args):
        hb.set_num_threads(self.saved_threads)

    def run(self):
        hb.gibbs(self.rbm, self.v0, self.steps, seed=0)
        synchronize(self.device)

    def time_run(self, *args):
        self.run()

    def _best(self):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            self.run()
            best = min(best, time.perf_counter() - start)
        return best

    def track_chain_steps_per_second(self, *args):
        return float(f"{self.chain_steps / self._best():.4g}")

    track_chain_steps_per_second.unit = "chain-steps/s"

    def track_gflops(self, *args):
        return float(f"{self.flops / self._best() / 1e9:.4g}")

    track_gflops.unit = "GFLOP/s"


class RBMPCDStep:
    """One PCD training update (k Gibbs steps of 100 persistent chains, the statistics of a minibatch of
    100 and of the chains, the in-place update) on torch parameters: heatbath's sampler against the same
    step written in torch (heatbath/bench/compare_pcd.py, where the work is described)."""

    params = (["digits", "mnist"], ["heatbath", "torch"], [1, 10], ["cpu", "cuda"])
    param_names = ["model", "implementation", "k", "device"]
    UPDATES = {"digits": 50, "mnist": 5}

    def setup(self, model, implementation, k, device):
        need_heatbath(device)
        need_torch(device)
        from heatbath.bench.compare_pcd import MODELS, prepare  # noqa: PLC0415 (needs torch)

        V, H, _ = MODELS[model]
        self.device, self.updates = device, self.UPDATES[model]
        self.step = prepare(implementation, V, H, k, device=device)
        self.run()  # warm-up

    def run(self):
        self.step(self.updates)
        synchronize(self.device)

    def time_updates(self, *args):
        self.run()

    _best = RBMGibbs._best  # best of 3 calls of self.run()

    def track_updates_per_second(self, *args):
        return float(f"{self.updates / self._best():.4g}")

    track_updates_per_second.unit = "updates/s"


class RBMShortCall:
    """One in-place Gibbs call of a PCD loop, ``hb.gibbs(rbm, state, k, inplace=True)``, on a 64 x 64 model
    with 100 chains of torch tensors: mostly the call's fixed costs (the Python layer, the hand-over of
    tensors, on a GPU the launches), which decide PCD at k = 1 (heatbath.bench.call_overhead prints the
    same beside a torch Gibbs step)."""

    params = ([1, 10], ["cpu", "cuda"])
    param_names = ["k", "device"]
    CALLS = 200

    def setup(self, k, device):
        need_heatbath(device)
        torch = need_torch(device)
        gen = torch.Generator().manual_seed(0)
        w = torch.nn.Parameter((0.01 * torch.randn(64, 64, generator=gen)).to(device))
        b, c = (torch.nn.Parameter(torch.zeros(64, device=device)) for _ in range(2))
        self.rbm, self.k, self.device = hb.RBM(w, b, c), k, device
        v = (torch.rand(100, 64, generator=gen) < 0.5).float().to(device)
        self.state = hb.gibbs(self.rbm, v, 1, seed=0, progress=False).state
        self.no_grad = torch.no_grad
        self.run()  # warm-up

    def run(self):
        with self.no_grad():
            for _ in range(self.CALLS):
                self.state = hb.gibbs(self.rbm, self.state, self.k, inplace=True, progress=False).state
        synchronize(self.device)

    def _best(self):
        return RBMGibbs._best(self)

    def track_microseconds_per_call(self, *args):
        return float(f"{self._best() / self.CALLS * 1e6:.4g}")

    track_microseconds_per_call.unit = "µs"
