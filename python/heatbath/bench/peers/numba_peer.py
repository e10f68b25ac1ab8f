# SPDX-License-Identifier: Apache-2.0
"""A hand-written Numba loop: @njit(parallel=True, fastmath=False), prange over chains, each chain's
steps in registers, noise from np.random.standard_normal (Numba's per-thread generator, float64, cast
to float32). This is what a user who knows Numba writes in ten minutes."""
from __future__ import annotations

import math
import time

import numpy as np

NAME = "numba"
_kernels = {}


def threads() -> str:
    import numba  # noqa: PLC0415

    return str(numba.get_num_threads())


def _build():
    """Compiled on first use, so importing this module (or lacking Numba) costs nothing elsewhere."""
    if _kernels:
        return _kernels
    from numba import njit, prange  # noqa: PLC0415

    @njit(parallel=True, fastmath=False)
    def ula_double_well(x, n_steps, h, noise_scale, seed):
        np.random.seed(seed)
        one, four, eight = np.float32(1), np.float32(4), np.float32(8)
        for c in prange(x.shape[0]):
            for i in range(x.shape[1]):  # the double well is separable: one coordinate at a time
                xi = x[c, i]
                for _ in range(n_steps):
                    grad = four * xi * xi * xi - eight * xi + one
                    xi = xi - h * grad + noise_scale * np.float32(np.random.standard_normal())
                x[c, i] = xi

    @njit(fastmath=False, inline="always")
    def energy_grad(y0, y1, means, log_norm, half_prec):
        """E and grad E at one 2-D point, logsumexp over the components."""
        k_count = means.shape[0]
        a_max = np.float32(-np.inf)
        for k in range(k_count):
            d0, d1 = y0 - means[k, 0], y1 - means[k, 1]
            a = log_norm[k] - (d0 * d0 + d1 * d1) * half_prec[k]
            a_max = max(a_max, a)
        z = np.float32(0)
        g0 = np.float32(0)
        g1 = np.float32(0)
        for k in range(k_count):
            d0, d1 = y0 - means[k, 0], y1 - means[k, 1]
            e = np.exp(log_norm[k] - (d0 * d0 + d1 * d1) * half_prec[k] - a_max)
            w = e * np.float32(2) * half_prec[k]
            z += e
            g0 += w * d0
            g1 += w * d1
        return -(a_max + np.log(z)), g0 / z, g1 / z

    @njit(parallel=True, fastmath=False)
    def mala_mixture(x, n_steps, h, beta, noise_scale, means, log_norm, half_prec, accepted, seed):
        np.random.seed(seed)
        inv4h = beta / (np.float32(4) * h)
        for c in prange(x.shape[0]):
            x0, x1 = x[c, 0], x[c, 1]
            e_x, gx0, gx1 = energy_grad(x0, x1, means, log_norm, half_prec)
            n_acc = 0
            for _ in range(n_steps):
                y0 = x0 - h * gx0 + noise_scale * np.float32(np.random.standard_normal())
                y1 = x1 - h * gx1 + noise_scale * np.float32(np.random.standard_normal())
                e_y, gy0, gy1 = energy_grad(y0, y1, means, log_norm, half_prec)
                f0, f1 = y0 - x0 + h * gx0, y1 - x1 + h * gx1
                b0, b1 = x0 - y0 + h * gy0, x1 - y1 + h * gy1
                log_alpha = -beta * (e_y - e_x) - ((b0 * b0 + b1 * b1) - (f0 * f0 + f1 * f1)) * inv4h
                if np.log(np.float32(1.0 - np.random.random())) < log_alpha:  # log of (0, 1]
                    x0, x1, e_x, gx0, gx1 = y0, y1, e_y, gy0, gy1
                    n_acc += 1
            x[c, 0], x[c, 1] = x0, x1
            accepted[c] = n_acc

    _kernels.update(ula=ula_double_well, mala=mala_mixture)
    return _kernels


def _compile(call):
    """Time the first call on two chains and one step: Numba's compile time, separate from the runs."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def prepare_ula(x0, n_steps, h, beta, seed):
    kernel = _build()["ula"]
    h32, scale = np.float32(h), np.float32(math.sqrt(2 * h / beta))
    compile_s = _compile(lambda: kernel(x0[:2].copy(), 1, h32, scale, seed))

    def run():
        x = x0.copy()
        kernel(x, n_steps, h32, scale, seed)
        return x, None

    return run, compile_s


def prepare_mala(x0, n_steps, h, beta, mix, seed):
    if x0.shape[1] != 2:
        raise ValueError("the Numba MALA peer is written for the 2-D mixture")
    kernel = _build()["mala"]
    h32, b32, scale = np.float32(h), np.float32(beta), np.float32(math.sqrt(2 * h / beta))
    consts = (np.ascontiguousarray(mix.means), mix.log_norm, mix.half_prec)
    compile_s = _compile(lambda: kernel(x0[:2].copy(), 1, h32, b32, scale, *consts,
                                        np.zeros(2, np.int64), seed))

    def run():
        x = x0.copy()
        accepted = np.zeros(len(x), np.int64)
        kernel(x, n_steps, h32, b32, scale, *consts, accepted, seed)
        return x, accepted.sum() / (n_steps * len(x))

    return run, compile_s
