# SPDX-License-Identifier: Apache-2.0
"""Fused ULA, MALA and BAOAB kernels for user potentials: csrc/heatbath/langevin.h in Numba.

The update rules, the order of every floating-point operation, the random numbers (the core makes
them: core_noise.py), the divergence bookkeeping, the thinning and the final energy are those of
``langevin_tile``, so a user potential written in the same operation order as a built-in one gives
the built-in's trajectory.

Speed comes from four choices, each worth a factor over one chain at a time with scalar Philox:
- ``make_kernels`` builds the kernels for one user potential with the user's energy and gradient in
  its closure, jitted with ``inline='always'``: Numba inlines them into the loops (no call per
  chain-step), and the state's length is a compile-time constant, so their loops over it unroll.
  Each potential therefore has its own kernels; kernel_cache.py keeps them on disk.
- A tile of chains advances one step at a time, chain after chain: a chain's steps form one long
  chain of dependent arithmetic, and interleaving independent chains is what keeps the CPU busy.
  Rows are reached through raw pointers (pointers.py), not views with atomic reference counts.
- The loop over the chains of a tile is kept free of branches (divergence is counted, and the rare
  step with a non-finite value rechecks its tile; MALA's acceptance is a select), reaches rows at
  constant strides (elem_ptr with dim known), and is compiled with LLVM's first pass at -O3
  (langevin_launch.py): it then vectorises across chains like the core's lane loops.
- The noise of a tile for a block of steps comes from the core's lane-parallel Philox in one call.

The kernels are plain ``nogil`` functions over a range of tiles (of rows, for the energy kernels), and
a prange loop compiled once for all potentials runs them in parts (parallel_parts.py): a prange loop of
their own took two to three times longer to compile.

Conventions as in random_stream.py: float32 stays float32 (constants come from ``typed``), no
fastmath (LLVM must not reassociate or contract into FMAs: the core is built with -ffp-contract=off),
error_model='numpy' (a division by zero gives inf or NaN, which marks a chain as diverged).
"""
from __future__ import annotations

import numpy as np
from numba import carray, njit

from heatbath._numba.core_noise import langevin_noise, metropolis_log_uniforms
from heatbath._numba.kernel_cache import enable_fingerprint_cache
from heatbath._numba.pointers import borrowed, elem_ptr, row_ptr
from heatbath._numba.stream_blocks import finite, typed
from heatbath._numba.update_rules import drift_noise_drift, euler_move, mala_log_alpha, momentum_kick, proposal_residual

__all__ = ["make_kernels"]

# Where a gradient goes: one that is not read back in the same loop is written into a view of its
# array (g[k]), not into a carray over a pointer. Numba knows that a view aliases its array, not that a
# carray does: while these kernels were prange loops it turned the user's array expressions
# (``out[:] = k * x``) into loops of their own and dropped those whose output it saw no later read of.
# Views cost nothing, so the rule stays for any kernel compiled with parallel=True again.
# A tile's noise buffer holds at most this many values (64 KiB of float32, in L2), spread over up to
# TILE chains and STEPS steps; tiles shrink for long states.
_NOISE_VALUES = 16384
TILE = 64
STEPS = 16


@njit(cache=True)
def tile_shape(d):
    """(chains per tile, steps per noise block) for states of length d."""
    chains = max(1, min(TILE, _NOISE_VALUES // d))
    return chains, max(1, min(STEPS, _NOISE_VALUES // (chains * d)))


@njit(cache=True)
def _dead_flags(diverged_at, c0, n):
    """[n] whether each chain of the tile had diverged before this call."""
    dead = np.empty(n, np.bool_)
    for k in range(n):
        dead[k] = diverged_at[c0 + k] >= 0
    return dead


@njit(cache=True)
def _row_finite(a, row, d):
    for i in range(d):
        if a[row, i] - a[row, i] != 0:  # NaN for inf and NaN
            return False
    return True


@njit(cache=True)
def _mark_diverged(x, c0, n, d, dead, diverged_at, t, p=None):
    """Marks the tile's chains whose x (or p) holds a NaN or inf as diverged at step t, unless they
    already were: the rare path of a step in which some value of the tile was not finite."""
    for k in range(n):
        if dead[k]:
            continue
        ok = _row_finite(x, c0 + k, d)
        if p is not None:
            ok = ok and _row_finite(p, c0 + k, d)
        if not ok:
            dead[k] = True
            diverged_at[c0 + k] = t


@njit(cache=True)
def _mark_diverged_energies(e, c0, n, dead, diverged_at, t):
    """MALA's rare path: marks the tile's chains whose E became NaN or inf as diverged at step t."""
    for k in range(n):
        if not dead[k] and e[k] - e[k] != 0:
            dead[k] = True
            diverged_at[c0 + k] = t


@njit(cache=True)
def _store_sample(x, c0, n, d, trace, sample):
    for k in range(n):
        xc = carray(row_ptr(x, c0 + k), d)
        for i in range(d):
            trace[sample, c0 + k, i] = xc[i]


def make_kernels(energy_fn, grad_fn, dim: int, fingerprint: str) -> dict:
    """The ULA, MALA, BAOAB, evaluation and energy kernels for one user potential, as Numba dispatchers.

    energy_fn(x, params, chain) -> E and grad_fn(x, out, params, chain) are the inlinable wrappers of
    user_calls.py around the user's functions (chain: the global index of the chain whose state x is,
    which only the tempered wrappers read); fingerprint identifies the user's code for the on-disk cache. dim, the
    length of a state, is compiled in as a constant: with the user's loops over x.shape[0] of known
    length, LLVM unrolls them, which makes a one-dimensional potential about twice as fast.

    Arguments of the Langevin kernels mirror hb::LangevinArgs: the whole call's step0 and n_steps (for the
    per-step coefficient index, the thinning and the final energy), plus this chunk's absolute steps
    [t_begin, t_end), and last the rows [first_row, end_row) to advance, in tiles from first_row (a tile's
    chains draw their own streams, so where the tiles start changes no number). x [chains, dim]
    (C-contiguous) and p are updated in place; trace [samples, chains, dim], energy_trace [samples, chains],
    energy [chains], accepted [chains] (int64, accumulated), diverged_at [chains] (int64, −1 while finite);
    noise_scale and beta hold one value per step (coef_stride 1) or one in all (coef_stride 0). seed is a
    uint64; chain_start an int64 below 2**32.
    """

    @njit(inline="always", error_model="numpy")
    def energies(params, x, c0, n, d, out, like, chain_start):
        # out[c0 + k] = E(row c0 + k of x), rounded to the run's dtype (out: energy or a row of energy_trace)
        for k in range(n):
            out[c0 + k] = typed(energy_fn(carray(row_ptr(x, c0 + k), d), params, chain_start + c0 + k), like)

    @njit(nogil=True, error_model="numpy")
    def ula(params, x, trace, energy_trace, energy, diverged_at, noise_scale, coef_stride, h, thin, seed,
            chain_start, step0, n_steps, t_begin, t_end, first_row, end_row):
        chains, d = x.shape[0], dim
        if chains == 0 or d == 0:
            return
        params = borrowed(params)
        zero = typed(0, h)
        tile, block = tile_shape(d)
        for c0 in range(first_row, end_row, tile):
            n = min(end_row, c0 + tile) - c0
            noise = np.empty((block, n, d), x.dtype)  # [steps, chains, dim]
            g = np.empty((n, d), x.dtype)             # [chains, dim] ∇E(x)
            dead = _dead_flags(diverged_at, c0, n)
            for tb in range(t_begin, t_end, block):
                nt = min(block, t_end - tb)
                langevin_noise(seed, chain_start + c0, tb, nt, noise)
                for s in range(nt):
                    t = tb + s
                    local = t - step0
                    scale = noise_scale[local * coef_stride]
                    ns = carray(elem_ptr(noise, s * n * d), n * d)  # [chains * dim] this step's noise
                    n_bad = 0
                    for k in range(n):  # vectorises across chains (see the module docstring)
                        xc = carray(elem_ptr(x, (c0 + k) * d), d)
                        gc = carray(elem_ptr(g, k * d), d)
                        grad_fn(xc, gc, params, chain_start + c0 + k)
                        for i in range(d):
                            xn = euler_move(xc[i], gc[i], h, scale, ns[k * d + i])
                            xc[i] = xn
                            n_bad += 0 if finite(xn, zero) else 1
                    if n_bad:
                        _mark_diverged(x, c0, n, d, dead, diverged_at, t)
                    if thin > 0 and (local + 1) % thin == 0:
                        sample = (local + 1) // thin - 1
                        _store_sample(x, c0, n, d, trace, sample)
                        energies(params, x, c0, n, d, energy_trace[sample], h, chain_start)
            if t_end == step0 + n_steps:
                energies(params, x, c0, n, d, energy, h, chain_start)

    @njit(nogil=True, error_model="numpy")
    def mala(params, x, trace, energy_trace, energy, accepted, diverged_at, noise_scale, beta, coef_stride, h, thin,
             seed, chain_start, step0, n_steps, t_begin, t_end, first_row, end_row):
        chains, d = x.shape[0], dim
        if chains == 0 or d == 0:
            return
        params = borrowed(params)
        zero = typed(0, h)
        tile, block = tile_shape(d)
        for c0 in range(first_row, end_row, tile):
            n = min(end_row, c0 + tile) - c0
            noise = np.empty((block, n, d), x.dtype)  # [steps, chains, dim]
            log_uniforms = np.empty((block, n), x.dtype)  # [steps, chains] log u
            g = np.empty((n, d), x.dtype)             # [chains, dim] ∇E(x), carried between steps
            e = np.empty(n, x.dtype)                  # [chains] E(x), carried between steps
            y = np.empty((n, d), x.dtype)             # [chains, dim] the proposals
            gy = np.empty((n, d), x.dtype)            # [chains, dim] ∇E(y)
            dead = _dead_flags(diverged_at, c0, n)
            n_accepted = np.zeros(n, np.int64)
            # Recomputed at every chunk start, which gives the same bits as carrying them over.
            for k in range(n):
                xc = carray(elem_ptr(x, (c0 + k) * d), d)
                e[k] = typed(energy_fn(xc, params, chain_start + c0 + k), h)
                grad_fn(xc, g[k], params, chain_start + c0 + k)  # a view: see 'Where a gradient goes' above
            for tb in range(t_begin, t_end, block):
                nt = min(block, t_end - tb)
                langevin_noise(seed, chain_start + c0, tb, nt, noise)
                metropolis_log_uniforms(seed, chain_start + c0, tb, nt, log_uniforms)
                for s in range(nt):
                    t = tb + s
                    local = t - step0
                    scale = noise_scale[local * coef_stride]
                    b = beta[local * coef_stride]
                    ns = carray(elem_ptr(noise, s * n * d), n * d)  # [chains * dim] this step's noise
                    lus = carray(elem_ptr(log_uniforms, s * n), n)  # [chains]
                    n_bad = 0
                    for k in range(n):  # branch-free, so that it vectorises across chains like ULA's
                        xc = carray(elem_ptr(x, (c0 + k) * d), d)
                        gc = carray(elem_ptr(g, k * d), d)
                        yc = carray(elem_ptr(y, k * d), d)
                        gyc = carray(elem_ptr(gy, k * d), d)
                        for i in range(d):
                            yc[i] = euler_move(xc[i], gc[i], h, scale, ns[k * d + i])
                        ey = typed(energy_fn(yc, params, chain_start + c0 + k), h)
                        grad_fn(yc, gyc, params, chain_start + c0 + k)
                        forward = zero
                        reverse = zero
                        for i in range(d):
                            f = proposal_residual(yc[i], xc[i], gc[i], h)
                            r = proposal_residual(xc[i], yc[i], gyc[i], h)
                            forward += f * f
                            reverse += r * r
                        log_alpha = mala_log_alpha(b, e[k], ey, forward, reverse, h)
                        # NaN or -inf log_alpha (a proposal that left the support) compares false: rejected.
                        accept = (lus[k] < log_alpha) & (not dead[k])
                        n_accepted[k] += 1 if accept else 0
                        e[k] = ey if accept else e[k]
                        for i in range(d):
                            xc[i] = yc[i] if accept else xc[i]
                            gc[i] = gyc[i] if accept else gc[i]
                        n_bad += 0 if finite(e[k], zero) else 1
                    if n_bad:
                        _mark_diverged_energies(e, c0, n, dead, diverged_at, t)
                    if thin > 0 and (local + 1) % thin == 0:
                        sample = (local + 1) // thin - 1
                        _store_sample(x, c0, n, d, trace, sample)
                        for k in range(n):
                            energy_trace[sample, c0 + k] = e[k]
            for k in range(n):
                if t_end == step0 + n_steps:
                    energy[c0 + k] = e[k]
                accepted[c0 + k] += n_accepted[k]

    @njit(nogil=True, error_model="numpy")
    def baoab(params, x, p, trace, energy_trace, energy, diverged_at, noise_scale, coef_stride, h, c1, thin, seed,
              chain_start, step0, n_steps, t_begin, t_end, first_row, end_row):
        chains, d = x.shape[0], dim
        if chains == 0 or d == 0:
            return
        params = borrowed(params)
        zero = typed(0, h)
        half = typed(0.5, h) * h
        tile, block = tile_shape(d)
        for c0 in range(first_row, end_row, tile):
            n = min(end_row, c0 + tile) - c0
            noise = np.empty((block, n, d), x.dtype)  # [steps, chains, dim]
            g = np.empty((n, d), x.dtype)             # [chains, dim] ∇E(x), carried between steps
            dead = _dead_flags(diverged_at, c0, n)
            for k in range(n):  # ∇E recomputed at every chunk start, as the core does
                # g[k], a view: see 'Where a gradient goes' above
                grad_fn(carray(row_ptr(x, c0 + k), d), g[k], params, chain_start + c0 + k)
            for tb in range(t_begin, t_end, block):
                nt = min(block, t_end - tb)
                langevin_noise(seed, chain_start + c0, tb, nt, noise)
                for s in range(nt):
                    t = tb + s
                    local = t - step0
                    scale = noise_scale[local * coef_stride]
                    ns = carray(elem_ptr(noise, s * n * d), n * d)  # [chains * dim] this step's noise
                    n_bad = 0
                    for k in range(n):
                        xc = carray(elem_ptr(x, (c0 + k) * d), d)
                        pc = carray(elem_ptr(p, (c0 + k) * d), d)
                        gc = carray(elem_ptr(g, k * d), d)
                        for i in range(d):
                            xc[i], pc[i] = drift_noise_drift(xc[i], momentum_kick(pc[i], gc[i], half), c1,
                                                             scale, ns[k * d + i], half)  # B A O A
                        grad_fn(xc, gc, params, chain_start + c0 + k)
                        for i in range(d):
                            pk = momentum_kick(pc[i], gc[i], half)  # B
                            pc[i] = pk
                            n_bad += 0 if finite(pk, zero) and finite(xc[i], zero) else 1
                    if n_bad:
                        _mark_diverged(x, c0, n, d, dead, diverged_at, t, p)
                    if thin > 0 and (local + 1) % thin == 0:
                        sample = (local + 1) // thin - 1
                        _store_sample(x, c0, n, d, trace, sample)
                        energies(params, x, c0, n, d, energy_trace[sample], h, chain_start)
            if t_end == step0 + n_steps:
                energies(params, x, c0, n, d, energy, h, chain_start)

    @njit(nogil=True, error_model="numpy")
    def evaluate(params, x, grad, energy, first_row, end_row):
        # E and ∇E of rows [first_row, end_row) of x [chains, dim] (C-contiguous) into energy [chains] and
        # grad [chains, dim].
        d = dim
        params = borrowed(params)
        for c in range(first_row, end_row):
            xc = carray(row_ptr(x, c), d)
            energy[c] = energy_fn(xc, params, c)
            grad_fn(xc, grad[c], params, c)  # a view: see 'Where a gradient goes' above

    @njit(nogil=True, error_model="numpy")
    def energy(params, x, out, first_row, end_row):
        # E alone of rows [first_row, end_row) of x [chains, dim] into out [chains] (the energies of
        # tempering's swaps).
        d = dim
        params = borrowed(params)
        for c in range(first_row, end_row):
            out[c] = energy_fn(carray(row_ptr(x, c), d), params, c)

    kernels = {"ula": ula, "mala": mala, "baoab": baoab, "evaluate": evaluate, "energy": energy}
    for kernel in kernels.values():
        enable_fingerprint_cache(kernel, fingerprint)
    return kernels
