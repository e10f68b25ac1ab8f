# SPDX-License-Identifier: Apache-2.0
"""Fused ULA, MALA and BAOAB kernels for user potentials: csrc/heatbath/langevin.h per chain, in Numba.

The update rules, the order of every floating-point operation, the counter layout of the noise and of
MALA's uniforms, the divergence bookkeeping, the thinning and the final energy are those of
``langevin_tile`` with one lane (the CUDA launcher's shape), so a user potential written in the same
operation order as a built-in one gives the built-in's trajectory.

The user's energy and gradient arrive as *arguments* typed as first-class functions
(``numba.types.FunctionType``), not as globals or ``Dispatcher`` types: the compiled kernel then
depends only on (dtype, parameter types), never on which function it calls, so one compilation serves
every user potential with the same signature and Numba's on-disk cache (``cache=True``) can keep it
across processes without ever holding a stale copy of a user's code. The price is an indirect call per
energy or gradient evaluation (no inlining of the user's code into the loop).

Conventions as in random_stream.py: float32 stays float32 (constants come from ``typed``), no
fastmath (LLVM must not reassociate or contract into FMAs: the core is built with -ffp-contract=off).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from heatbath._numba.philox import PURPOSE_LANGEVIN_NOISE, PURPOSE_METROPOLIS
from heatbath._numba.stream_blocks import ensure_block, finite, log_positive, steps_per_noise_group, typed, width

__all__ = ["baoab_kernel", "evaluate_kernel", "mala_kernel", "ula_kernel"]

# Chains per scratch allocation: each prange iteration runs this many chains one after the other, so
# the gradient and proposal buffers are allocated once per tile, not once per chain.
TILE = 32


# --- kernels ----------------------------------------------------------------------------------------
# Arguments mirror hb::LangevinArgs: the whole call's step0 and n_steps (for the per-step coefficient
# index, the thinning and the final energy), plus this chunk's absolute steps [t_begin, t_end).
# x [chains, dim] and p are updated in place; trace [samples, chains, dim], energy_trace
# [samples, chains], energy [chains], accepted [chains] (int64, accumulated), diverged_at [chains]
# (int64, -1 while finite); noise_scale and beta hold one value per step (coef_stride 1) or one in all
# (coef_stride 0). seed is a uint64; chain_start an int64 below 2**32.

@njit(parallel=True, cache=True, nogil=True)
def ula_kernel(energy_fn, grad_fn, params, x, trace, energy_trace, energy, diverged_at, noise_scale,
               coef_stride, h, thin, seed, chain_start, step0, n_steps, t_begin, t_end):
    chains, d = x.shape
    if chains == 0 or d == 0:
        return
    zero = typed(0, h)
    W = width(h)
    G = steps_per_noise_group(d, W)
    for tile in prange((chains + TILE - 1) // TILE):
        g = np.empty(d, x.dtype)  # [dim] ∇E(x)
        for c in range(tile * TILE, min(chains, (tile + 1) * TILE)):
            xc = x[c]
            chain = chain_start + c
            dead = diverged_at[c] >= 0
            cached_group, cached_block, noise = -1, -1, (zero, zero, zero, zero)
            for t in range(t_begin, t_end):
                local = t - step0
                scale = noise_scale[local * coef_stride]
                group = t // G
                first_value = (t % G) * d
                bad = False
                grad_fn(xc, g, *params)
                for i in range(d):
                    v = first_value + i
                    cached_group, cached_block, noise = ensure_block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                               cached_group, cached_block, noise, False)
                    xn = xc[i] - h * g[i] + scale * noise[v % W]
                    xc[i] = xn
                    if not finite(xn, zero):
                        bad = True
                if bad and not dead:
                    dead = True
                    diverged_at[c] = t
                if thin > 0 and (local + 1) % thin == 0:
                    sample = (local + 1) // thin - 1
                    for i in range(d):
                        trace[sample, c, i] = xc[i]
                    energy_trace[sample, c] = typed(energy_fn(xc, *params), h)
            if t_end == step0 + n_steps:
                energy[c] = typed(energy_fn(xc, *params), h)


@njit(parallel=True, cache=True, nogil=True)
def mala_kernel(energy_fn, grad_fn, params, x, trace, energy_trace, energy, accepted, diverged_at, noise_scale,
                beta, coef_stride, h, thin, seed, chain_start, step0, n_steps, t_begin, t_end):
    chains, d = x.shape
    if chains == 0 or d == 0:
        return
    zero = typed(0, h)
    four = typed(4, h)
    W = width(h)
    G = steps_per_noise_group(d, W)
    for tile in prange((chains + TILE - 1) // TILE):
        g = np.empty(d, x.dtype)   # [dim] ∇E(x), carried between steps
        y = np.empty(d, x.dtype)   # [dim] the proposal
        gy = np.empty(d, x.dtype)  # [dim] ∇E(y)
        for c in range(tile * TILE, min(chains, (tile + 1) * TILE)):
            xc = x[c]
            chain = chain_start + c
            dead = diverged_at[c] >= 0
            n_accepted = 0
            cached_group, cached_block, noise = -1, -1, (zero, zero, zero, zero)
            cached_ugroup, cached_ublock, uniforms = -1, -1, (zero, zero, zero, zero)
            # Recomputed at every chunk start, which gives the same bits as carrying them over.
            e = typed(energy_fn(xc, *params), h)
            grad_fn(xc, g, *params)
            for t in range(t_begin, t_end):
                local = t - step0
                scale = noise_scale[local * coef_stride]
                b = beta[local * coef_stride]
                group = t // G
                first_value = (t % G) * d
                for i in range(d):
                    v = first_value + i
                    cached_group, cached_block, noise = ensure_block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                               cached_group, cached_block, noise, False)
                    y[i] = xc[i] - h * g[i] + scale * noise[v % W]
                ey = typed(energy_fn(y, *params), h)
                grad_fn(y, gy, *params)
                forward = zero
                reverse = zero
                for i in range(d):
                    f = y[i] - xc[i] + h * g[i]
                    r = xc[i] - y[i] + h * gy[i]
                    forward += f * f
                    reverse += r * r
                cached_ugroup, cached_ublock, uniforms = ensure_block(seed, PURPOSE_METROPOLIS, t // W, 0, chain,
                                                                cached_ugroup, cached_ublock, uniforms, True)
                u = uniforms[t % W]
                log_alpha = -b * (ey - e) - b * (reverse - forward) / (four * h)
                # NaN or -inf log_alpha (a proposal that left the support) compares false: rejected.
                accept = (not dead) and log_positive(u) < log_alpha
                if accept:
                    n_accepted += 1
                    e = ey
                    for i in range(d):
                        xc[i] = y[i]
                        g[i] = gy[i]
                if not finite(e, zero) and not dead:
                    dead = True
                    diverged_at[c] = t
                if thin > 0 and (local + 1) % thin == 0:
                    sample = (local + 1) // thin - 1
                    for i in range(d):
                        trace[sample, c, i] = xc[i]
                    energy_trace[sample, c] = e
            if t_end == step0 + n_steps:
                energy[c] = e
            accepted[c] += n_accepted


@njit(parallel=True, cache=True, nogil=True)
def baoab_kernel(energy_fn, grad_fn, params, x, p, trace, energy_trace, energy, diverged_at, noise_scale,
                 coef_stride, h, c1, thin, seed, chain_start, step0, n_steps, t_begin, t_end):
    chains, d = x.shape
    if chains == 0 or d == 0:
        return
    zero = typed(0, h)
    half = typed(0.5, h) * h
    W = width(h)
    G = steps_per_noise_group(d, W)
    for tile in prange((chains + TILE - 1) // TILE):
        g = np.empty(d, x.dtype)  # [dim] ∇E(x), carried between steps
        for c in range(tile * TILE, min(chains, (tile + 1) * TILE)):
            xc = x[c]
            pc = p[c]
            chain = chain_start + c
            dead = diverged_at[c] >= 0
            cached_group, cached_block, noise = -1, -1, (zero, zero, zero, zero)
            grad_fn(xc, g, *params)  # recomputed at every chunk start, as the core does
            for t in range(t_begin, t_end):
                local = t - step0
                scale = noise_scale[local * coef_stride]
                group = t // G
                first_value = (t % G) * d
                for i in range(d):
                    v = first_value + i
                    cached_group, cached_block, noise = ensure_block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                               cached_group, cached_block, noise, False)
                    pk = pc[i] - half * g[i]         # B
                    xk = xc[i] + half * pk           # A
                    pk = c1 * pk + scale * noise[v % W]  # O
                    xc[i] = xk + half * pk           # A
                    pc[i] = pk
                grad_fn(xc, g, *params)
                bad = False
                for i in range(d):
                    pk = pc[i] - half * g[i]         # B
                    pc[i] = pk
                    if not (finite(pk, zero) and finite(xc[i], zero)):
                        bad = True
                if bad and not dead:
                    dead = True
                    diverged_at[c] = t
                if thin > 0 and (local + 1) % thin == 0:
                    sample = (local + 1) // thin - 1
                    for i in range(d):
                        trace[sample, c, i] = xc[i]
                    energy_trace[sample, c] = typed(energy_fn(xc, *params), h)
            if t_end == step0 + n_steps:
                energy[c] = typed(energy_fn(xc, *params), h)


@njit(parallel=True, cache=True, nogil=True)
def evaluate_kernel(energy_fn, grad_fn, params, x, grad, energy):
    # E and ∇E of every row of x [chains, dim] into energy [chains] and grad [chains, dim].
    for c in prange(x.shape[0]):
        energy[c] = energy_fn(x[c], *params)
        grad_fn(x[c], grad[c], *params)
