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

Conventions as in random_stream.py: float32 stays float32 (constants come from ``_typed``), no
fastmath (LLVM must not reassociate or contract into FMAs: the core is built with -ffp-contract=off).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from heatbath._numba.philox import PURPOSE_LANGEVIN_NOISE, PURPOSE_METROPOLIS, random_words, stream_key
from heatbath._numba.random_stream import (
    log_positive_f32,
    log_positive_f64,
    normal_block_f32,
    normal_block_f64,
    uniform_block_f32,
    uniform_block_f64,
)

__all__ = ["baoab_kernel", "evaluate_kernel", "mala_kernel", "ula_kernel"]

# Chains per scratch allocation: each prange iteration runs this many chains one after the other, so
# the gradient and proposal buffers are allocated once per tile, not once per chain.
TILE = 32


# --- dtype-generic building blocks ----------------------------------------------------------------
# Plain Python stubs whose njit implementations are picked by the float type of `like` (a scalar of
# the run's dtype), so that one kernel source serves float32 and float64.

def _typed(value, like):
    """value converted to the type of the scalar `like`."""


@overload(_typed)
def _typed_impl(value, like):
    if like == types.float32:
        return lambda value, like: np.float32(value)
    if like == types.float64:
        return lambda value, like: np.float64(value)
    return None


def _width(like):
    """W: values per Philox block, 4 for float32 and 2 for float64 (hb::BlockWidth)."""


@overload(_width)
def _width_impl(like):
    if like == types.float32:
        return lambda like: 4
    if like == types.float64:
        return lambda like: 2
    return None


def _normal4(key, chain, block, like):
    """The normals of one block as a 4-tuple; float64 has 2, repeated (only value % W is ever read)."""


@overload(_normal4)
def _normal4_impl(key, chain, block, like):
    if like == types.float32:
        def impl(key, chain, block, like):
            w0, w1, w2, w3 = random_words(key, chain, block)
            return normal_block_f32(w0, w1, w2, w3)
        return impl
    if like == types.float64:
        def impl(key, chain, block, like):
            w0, w1, w2, w3 = random_words(key, chain, block)
            z0, z1 = normal_block_f64(w0, w1, w2, w3)
            return z0, z1, z0, z1
        return impl
    return None


def _uniform4(key, chain, block, like):
    """The uniforms of one block as a 4-tuple, as _normal4."""


@overload(_uniform4)
def _uniform4_impl(key, chain, block, like):
    if like == types.float32:
        def impl(key, chain, block, like):
            w0, w1, w2, w3 = random_words(key, chain, block)
            return uniform_block_f32(w0, w1, w2, w3)
        return impl
    if like == types.float64:
        def impl(key, chain, block, like):
            w0, w1, w2, w3 = random_words(key, chain, block)
            u0, u1 = uniform_block_f64(w0, w1, w2, w3)
            return u0, u1, u0, u1
        return impl
    return None


def _log_positive(u):
    """rn::log_positive for a float32 or float64 u."""


@overload(_log_positive)
def _log_positive_impl(u):
    if u == types.float32:
        return lambda u: log_positive_f32(u)
    if u == types.float64:
        return lambda u: log_positive_f64(u)
    return None


@njit(cache=True)
def _steps_per_noise_group(dim, width):
    # G = W / gcd(dim, W) for W a power of two, as hb::steps_per_noise_group.
    common = 1
    while common < width and dim % (2 * common) == 0:
        common *= 2
    return width // common


@njit(cache=True)
def _finite(v, zero):
    return v - v == zero


@njit(cache=True)
def _block(seed, purpose, group, block, chain, cached_group, cached_block, values, draw_uniform):
    # BlockCache::ensure for one chain: regenerate the block only when (group, block) moved on.
    if group == cached_group and block == cached_block:
        return cached_group, cached_block, values
    key = stream_key(seed, purpose, group)
    if draw_uniform:
        return group, block, _uniform4(key, chain, block, values[0])
    return group, block, _normal4(key, chain, block, values[0])


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
    zero = _typed(0, h)
    W = _width(h)
    G = _steps_per_noise_group(d, W)
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
                    cached_group, cached_block, noise = _block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                               cached_group, cached_block, noise, False)
                    xn = xc[i] - h * g[i] + scale * noise[v % W]
                    xc[i] = xn
                    if not _finite(xn, zero):
                        bad = True
                if bad and not dead:
                    dead = True
                    diverged_at[c] = t
                if thin > 0 and (local + 1) % thin == 0:
                    sample = (local + 1) // thin - 1
                    for i in range(d):
                        trace[sample, c, i] = xc[i]
                    energy_trace[sample, c] = _typed(energy_fn(xc, *params), h)
            if t_end == step0 + n_steps:
                energy[c] = _typed(energy_fn(xc, *params), h)


@njit(parallel=True, cache=True, nogil=True)
def mala_kernel(energy_fn, grad_fn, params, x, trace, energy_trace, energy, accepted, diverged_at, noise_scale,
                beta, coef_stride, h, thin, seed, chain_start, step0, n_steps, t_begin, t_end):
    chains, d = x.shape
    if chains == 0 or d == 0:
        return
    zero = _typed(0, h)
    four = _typed(4, h)
    W = _width(h)
    G = _steps_per_noise_group(d, W)
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
            e = _typed(energy_fn(xc, *params), h)
            grad_fn(xc, g, *params)
            for t in range(t_begin, t_end):
                local = t - step0
                scale = noise_scale[local * coef_stride]
                b = beta[local * coef_stride]
                group = t // G
                first_value = (t % G) * d
                for i in range(d):
                    v = first_value + i
                    cached_group, cached_block, noise = _block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                               cached_group, cached_block, noise, False)
                    y[i] = xc[i] - h * g[i] + scale * noise[v % W]
                ey = _typed(energy_fn(y, *params), h)
                grad_fn(y, gy, *params)
                forward = zero
                reverse = zero
                for i in range(d):
                    f = y[i] - xc[i] + h * g[i]
                    r = xc[i] - y[i] + h * gy[i]
                    forward += f * f
                    reverse += r * r
                cached_ugroup, cached_ublock, uniforms = _block(seed, PURPOSE_METROPOLIS, t // W, 0, chain,
                                                                cached_ugroup, cached_ublock, uniforms, True)
                u = uniforms[t % W]
                log_alpha = -b * (ey - e) - b * (reverse - forward) / (four * h)
                # NaN or -inf log_alpha (a proposal that left the support) compares false: rejected.
                accept = (not dead) and _log_positive(u) < log_alpha
                if accept:
                    n_accepted += 1
                    e = ey
                    for i in range(d):
                        xc[i] = y[i]
                        g[i] = gy[i]
                if not _finite(e, zero) and not dead:
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
    zero = _typed(0, h)
    half = _typed(0.5, h) * h
    W = _width(h)
    G = _steps_per_noise_group(d, W)
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
                    cached_group, cached_block, noise = _block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
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
                    if not (_finite(pk, zero) and _finite(xc[i], zero)):
                        bad = True
                if bad and not dead:
                    dead = True
                    diverged_at[c] = t
                if thin > 0 and (local + 1) % thin == 0:
                    sample = (local + 1) // thin - 1
                    for i in range(d):
                        trace[sample, c, i] = xc[i]
                    energy_trace[sample, c] = _typed(energy_fn(xc, *params), h)
            if t_end == step0 + n_steps:
                energy[c] = _typed(energy_fn(xc, *params), h)


@njit(parallel=True, cache=True, nogil=True)
def evaluate_kernel(energy_fn, grad_fn, params, x, grad, energy):
    # E and ∇E of every row of x [chains, dim] into energy [chains] and grad [chains, dim].
    for c in prange(x.shape[0]):
        energy[c] = energy_fn(x[c], *params)
        grad_fn(x[c], grad[c], *params)
