# SPDX-License-Identifier: Apache-2.0
"""User potentials compiled by Numba (heatbath.potential) against the built-in C++ potentials on the
same work, in chain-steps per second, and the compile time of a first call:

- the double well written by a user, dim 1, 100,000 chains (float32), ULA / MALA / BAOAB;
- the 2-D mixture of four Gaussians written by a user, 10,000 chains (float32), MALA.

On "cuda" the states are torch CUDA tensors and the kernels are numba.cuda's.
"""
from __future__ import annotations

import numpy as np

import heatbath as hb

from . import bench_langevin
from .common import need_torch

STEPS = bench_langevin.STEPS


def _user_double_well():
    from heatbath.bench.peers.heatbath_user_peer import double_well_energy, double_well_grad  # noqa: PLC0415

    return hb.potential(double_well_energy, double_well_grad, dim=1), 100_000, 1, 0.01


def _user_mixture():
    from heatbath.bench.peers import problems  # noqa: PLC0415
    from heatbath.bench.peers.heatbath_user_peer import mixture_energy, mixture_grad  # noqa: PLC0415

    mix = problems.four_gaussians()
    return hb.potential(mixture_energy, mixture_grad, params=(mix.means, mix.log_norm, mix.half_prec)), 10_000, 2, 0.05


WORKLOADS = {"double_well": _user_double_well, "mixture4": _user_mixture}


class NumbaPotential(bench_langevin.Langevin):
    """Runs and rates as bench_langevin.Langevin (one thread count: Numba's default)."""

    params = (list(WORKLOADS), ["ula", "mala", "baoab"], ["cpu", "cuda"])
    param_names = ["workload", "method", "device"]

    def setup(self, workload, method, device):
        self.saved_threads = hb.get_num_threads()  # first: asv calls teardown after a skipping setup too
        try:
            import numba  # noqa: F401, PLC0415
        except ImportError:
            raise NotImplementedError("numba is not installed") from None
        if workload == "mixture4" and method != "mala":
            raise NotImplementedError("the mixture is the MALA workload")
        self.target, chains, dim, self.h = WORKLOADS[workload]()
        self.method, self.device = method, device
        x0 = np.zeros((chains, dim), np.float32)
        if device == "cuda":
            x0 = need_torch(device).as_tensor(x0, device="cuda")
        self.x0 = x0
        self.chain_steps = chains * STEPS
        self.run()  # compiles, or loads from Numba's cache


class NumbaCompile:
    """Seconds from a fresh process's first hb.potential to the end of its first ULA call, with an
    empty kernel cache and then with the cache that call filled."""

    params = (["cold cache", "warm cache"],)
    param_names = ["cache"]
    timeout = 600

    def setup_cache(self):
        try:
            from heatbath.bench.peers.heatbath_user_peer import compile_times  # noqa: PLC0415
        except ImportError:
            raise NotImplementedError("numba is not installed") from None
        return compile_times()

    def track_first_call_seconds(self, times, cache):
        return float(f"{times[cache]:.3g}")

    track_first_call_seconds.unit = "s"
