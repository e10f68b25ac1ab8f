# SPDX-License-Identifier: Apache-2.0
"""heatbath with user potentials (heatbath.potential): the double well and the mixture written by a user
as plain Python energy/gradient functions of one state, compiled by Numba into heatbath's own ULA/MALA
kernels. Compared with the "heatbath" row (the same work with the built-in C++ potentials), this row
measures what a user-defined energy costs. Compile time is the first call's, with the kernel cache
already warm from earlier runs; `compile_times` measures a cold and a warm cache in fresh processes."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numba
import numpy as np

NAME = "hb-numba"


def threads() -> str:
    import numba  # noqa: PLC0415

    return str(numba.get_num_threads())


# Written as the README advises for float32 runs: constants of the state's type (a bare `4 * v` is
# float64 arithmetic in Numba), which is also the arithmetic of the built-in potential.
def double_well_energy(x):
    four, one = x.dtype.type(4), x.dtype.type(1)
    acc = x.dtype.type(0)
    for i in range(x.shape[0]):
        v2 = x[i] * x[i]
        acc += v2 * v2 - four * v2 + one * x[i]
    return acc


def double_well_grad(x, out):
    four, eight, one = x.dtype.type(4), x.dtype.type(8), x.dtype.type(1)
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = four * v * v * v - eight * v + one


@numba.njit(error_model="numpy", inline="always")  # a helper of the user's functions is jitted by the user
def _mixture_term(x, means, log_norm, half_prec, k):
    d2 = x.dtype.type(0)
    for i in range(x.shape[0]):
        diff = x[i] - means[k, i]
        d2 += diff * diff
    return log_norm[k] - d2 * half_prec[k]


def mixture_energy(x, means, log_norm, half_prec):
    # −logsumexp_k(log_norm_k − |x − μ_k|² / (2σ_k²)), the same energy as every peer's; no allocation.
    # Constants and np.exp in x's dtype: math.exp and a float -inf would promote a float32 run to float64.
    best = x.dtype.type(-np.inf)
    for k in range(means.shape[0]):
        best = max(best, _mixture_term(x, means, log_norm, half_prec, k))
    total = x.dtype.type(0)
    for k in range(means.shape[0]):
        total += np.exp(_mixture_term(x, means, log_norm, half_prec, k) - best)
    return -(best + np.log(total))


def mixture_grad(x, out, means, log_norm, half_prec):
    # ∇E = Σ_k r_k (x − μ_k) / σ_k², with responsibilities r_k = softmax of the terms
    best = x.dtype.type(-np.inf)
    for k in range(means.shape[0]):
        best = max(best, _mixture_term(x, means, log_norm, half_prec, k))
    total = x.dtype.type(0)
    for i in range(x.shape[0]):
        out[i] = 0
    for k in range(means.shape[0]):
        w = np.exp(_mixture_term(x, means, log_norm, half_prec, k) - best)
        total += w
        for i in range(x.shape[0]):
            out[i] += w * 2 * half_prec[k] * (x[i] - means[k, i])
    for i in range(x.shape[0]):
        out[i] /= total


def _timed_first_call(make_target, x0, run):
    import heatbath as hb  # noqa: PLC0415

    start = time.perf_counter()
    target = make_target(hb)
    hb.langevin(target, x0[:2], 1, 0.01, run)  # compiles (or loads) the kernel for this dtype
    return target, time.perf_counter() - start


def prepare_ula(x0, n_steps, h, beta, seed):
    import heatbath as hb  # noqa: PLC0415

    target, compile_s = _timed_first_call(lambda m: m.potential(double_well_energy, double_well_grad, dim=1,
                                                                name="user double well"), x0, "ula")

    def run():
        res = hb.langevin(target, x0, n_steps, h, method="ula", beta=beta, seed=seed)
        return np.asarray(res.x), None

    return run, compile_s


def prepare_mala(x0, n_steps, h, beta, mix, seed):
    import heatbath as hb  # noqa: PLC0415

    params = (mix.means, mix.log_norm, mix.half_prec)
    target, compile_s = _timed_first_call(lambda m: m.potential(mixture_energy, mixture_grad, params=params,
                                                                name="user mixture"), x0, "mala")

    def run():
        res = hb.langevin(target, x0, n_steps, h, method="mala", beta=beta, seed=seed)
        return np.asarray(res.x), float(np.mean(res.accept_rate))

    return run, compile_s


_PROBE = textwrap.dedent("""
    import sys, time
    start = time.perf_counter()
    import numpy as np
    import heatbath as hb
    from heatbath.bench.peers.heatbath_user_peer import double_well_energy, double_well_grad
    device = sys.argv[1]
    if device == "cuda":
        import torch
        x0 = torch.zeros((4, 1), dtype=torch.float32, device="cuda")
    else:
        x0 = np.zeros((4, 1), np.float32)
    imported = time.perf_counter()
    target = hb.potential(double_well_energy, double_well_grad, dim=1)
    res = hb.langevin(target, x0, 1, 0.01, "ula")
    float(res.x[0, 0])  # waits for a CUDA kernel to finish
    print(time.perf_counter() - imported)
""")


def compile_times(device: str = "cpu") -> dict:
    """Seconds from a fresh process's first hb.potential to the end of its first ULA call (the import
    of heatbath and Numba not counted), with an empty kernel cache and then with the cache it filled.
    device "cuda" times the numba.cuda kernels on a torch CUDA state."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold cache", "warm cache"):
            done = subprocess.run([sys.executable, "-c", _PROBE, device], env=env, capture_output=True, text=True,
                                  timeout=600)
            if done.returncode != 0:
                raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "probe failed")
            out[label] = float(done.stdout.strip().splitlines()[-1])
    return out
