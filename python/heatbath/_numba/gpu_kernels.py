# SPDX-License-Identifier: Apache-2.0
"""numba.cuda ULA, MALA and BAOAB kernels for user potentials: csrc/cuda/langevin_cuda.cu in Numba.

One thread per chain (a grid-stride loop, like the core's launcher), each running the one-lane
``langevin_tile`` body: the update rules, the order of every floating-point operation, the counter
layout of the noise and of MALA's uniforms, the divergence bookkeeping, the thinning and the final
energy are those of langevin_kernels.py (the CPU kernels), which follow the same tile. The random
stream and its block cache are the shared ``@njit``/``@overload`` building blocks of stream_blocks.py,
which numba.cuda compiles for the device.

Why the bodies below are not the CPU kernels' bodies: the CPU kernels are shaped for a CPU core (a
tile of chains advanced step by step in vectorised loops, scratch from ``np.empty``, the noise of a
block of steps from the C++ core's SIMD Philox), and numba.cuda has none of those (no allocation on
the device, no host library calls; one thread is one chain). So here the kernel bodies call the
module-level names ``energy_fn`` and ``grad_fn`` (the user_calls.py wrappers around the user's device
functions, given the chain's index), and :func:`specialise` compiles a copy of a body
whose globals bind those names to the user's device functions; the gradient and proposal scratch
comes from a workspace [3, dim, chains] (the core's layout, so that a warp reads consecutive
addresses). The arithmetic of every update is the CPU kernels', step by step (the thinning in one
device function, `record`); keep the two in step.

Not bit for bit on a real GPU: NVVM contracts a*b+c into FMAs by default, and numba.cuda has no
switch for it (the core uses __fmul_rn in rn_math.h, and --fmad=false for the rest), so the noise and
the updates agree with the CPU to rounding only. Under Numba's CUDA
simulator the bodies run as Python on numpy scalars and agree bit for bit.
"""
from __future__ import annotations

import types as pytypes

from numba import config, cuda

from heatbath._numba.kernel_cache import enable_cuda_fingerprint_cache
from heatbath._numba.philox import PURPOSE_LANGEVIN_NOISE, PURPOSE_METROPOLIS
from heatbath._numba.stream_blocks import ensure_block, finite, log_positive, steps_per_noise_group, typed, width
from heatbath._numba.update_rules import drift_noise_drift, euler_move, mala_log_alpha, momentum_kick, proposal_residual

__all__ = ["BODIES", "specialise"]


def energy_fn(x, chain, *params):
    """Bound by :func:`specialise` to the call of the user's energy (user_calls.py); chain is the global
    index of the chain whose state x is, which only the tempered calls read."""
    raise RuntimeError("heatbath: a CUDA kernel body was called without specialise(); this is a heatbath bug")


def grad_fn(x, out, chain, *params):
    """Bound by :func:`specialise` to the call of the user's gradient (user_calls.py)."""
    raise RuntimeError("heatbath: a CUDA kernel body was called without specialise(); this is a heatbath bug")


@cuda.jit(device=True)
def record(trace, c, xc, local, thin):
    # The CPU kernels' thinning: copies chain c's state into its trace row when step `local` (counted
    # from this call's first step) ends a thinning interval, and returns that row; else -1.
    if thin > 0 and (local + 1) % thin == 0:
        sample = (local + 1) // thin - 1
        for i in range(xc.shape[0]):
            trace[sample, c, i] = xc[i]
        return sample
    return -1


# --- kernel bodies ----------------------------------------------------------------------------------
# Arguments as the CPU kernels' (hb::LangevinArgs), plus ws [3, dim, chains]: plane 0 holds ∇E(x),
# plane 1 MALA's proposal y, plane 2 ∇E(y); ws[k, :, c] is chain c's strided column.

def ula(params, x, trace, energy_trace, energy, diverged_at, noise_scale, coef_stride, h, thin, seed, chain_start,
        step0, n_steps, t_begin, t_end, ws):
    chains, d = x.shape
    if d == 0:
        return
    zero = typed(0, h)
    W = width(h)
    G = steps_per_noise_group(d, W)
    for c in range(cuda.grid(1), chains, cuda.gridsize(1)):
        xc = x[c]
        g = ws[0, :, c]  # [dim] ∇E(x)
        chain = chain_start + c
        dead = diverged_at[c] >= 0
        cached_group, cached_block, noise = -1, -1, (zero, zero, zero, zero)
        for t in range(t_begin, t_end):
            local = t - step0
            scale = noise_scale[local * coef_stride]
            group = t // G
            first_value = (t % G) * d
            bad = False
            grad_fn(xc, g, chain, *params)
            for i in range(d):
                v = first_value + i
                cached_group, cached_block, noise = ensure_block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                                 cached_group, cached_block, noise, False)
                xn = euler_move(xc[i], g[i], h, scale, noise[v % W])
                xc[i] = xn
                if not finite(xn, zero):
                    bad = True
            if bad and not dead:
                dead = True
                diverged_at[c] = t
            sample = record(trace, c, xc, local, thin)
            if sample >= 0:
                energy_trace[sample, c] = typed(energy_fn(xc, chain, *params), h)
        if t_end == step0 + n_steps:
            energy[c] = typed(energy_fn(xc, chain, *params), h)


def mala(params, x, trace, energy_trace, energy, accepted, diverged_at, noise_scale, beta, coef_stride, h, thin, seed,
         chain_start, step0, n_steps, t_begin, t_end, ws):
    chains, d = x.shape
    if d == 0:
        return
    zero = typed(0, h)
    W = width(h)
    G = steps_per_noise_group(d, W)
    for c in range(cuda.grid(1), chains, cuda.gridsize(1)):
        xc = x[c]
        g = ws[0, :, c]   # [dim] ∇E(x), carried between steps
        y = ws[1, :, c]   # [dim] the proposal
        gy = ws[2, :, c]  # [dim] ∇E(y)
        chain = chain_start + c
        dead = diverged_at[c] >= 0
        n_accepted = 0
        cached_group, cached_block, noise = -1, -1, (zero, zero, zero, zero)
        cached_ugroup, cached_ublock, uniforms = -1, -1, (zero, zero, zero, zero)
        e = typed(energy_fn(xc, chain, *params), h)
        grad_fn(xc, g, chain, *params)
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
                y[i] = euler_move(xc[i], g[i], h, scale, noise[v % W])
            ey = typed(energy_fn(y, chain, *params), h)
            grad_fn(y, gy, chain, *params)
            forward = zero
            reverse = zero
            for i in range(d):
                f = proposal_residual(y[i], xc[i], g[i], h)
                r = proposal_residual(xc[i], y[i], gy[i], h)
                forward += f * f
                reverse += r * r
            cached_ugroup, cached_ublock, uniforms = ensure_block(seed, PURPOSE_METROPOLIS, t // W, 0, chain,
                                                                  cached_ugroup, cached_ublock, uniforms, True)
            u = uniforms[t % W]
            log_alpha = mala_log_alpha(b, e, ey, forward, reverse, h)
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
            sample = record(trace, c, xc, local, thin)
            if sample >= 0:
                energy_trace[sample, c] = e
        if t_end == step0 + n_steps:
            energy[c] = e
        accepted[c] += n_accepted


def baoab(params, x, p, trace, energy_trace, energy, diverged_at, noise_scale, coef_stride, h, c1, thin, seed,
          chain_start, step0, n_steps, t_begin, t_end, ws):
    chains, d = x.shape
    if d == 0:
        return
    zero = typed(0, h)
    half = typed(0.5, h) * h
    W = width(h)
    G = steps_per_noise_group(d, W)
    for c in range(cuda.grid(1), chains, cuda.gridsize(1)):
        xc = x[c]
        pc = p[c]
        g = ws[0, :, c]  # [dim] ∇E(x), carried between steps
        chain = chain_start + c
        dead = diverged_at[c] >= 0
        cached_group, cached_block, noise = -1, -1, (zero, zero, zero, zero)
        grad_fn(xc, g, chain, *params)
        for t in range(t_begin, t_end):
            local = t - step0
            scale = noise_scale[local * coef_stride]
            group = t // G
            first_value = (t % G) * d
            for i in range(d):
                v = first_value + i
                cached_group, cached_block, noise = ensure_block(seed, PURPOSE_LANGEVIN_NOISE, group, v // W, chain,
                                                                 cached_group, cached_block, noise, False)
                xc[i], pc[i] = drift_noise_drift(xc[i], momentum_kick(pc[i], g[i], half), c1, scale,
                                                 noise[v % W], half)  # B A O A
            grad_fn(xc, g, chain, *params)
            bad = False
            for i in range(d):
                pk = momentum_kick(pc[i], g[i], half)  # B
                pc[i] = pk
                if not (finite(pk, zero) and finite(xc[i], zero)):
                    bad = True
            if bad and not dead:
                dead = True
                diverged_at[c] = t
            sample = record(trace, c, xc, local, thin)
            if sample >= 0:
                energy_trace[sample, c] = typed(energy_fn(xc, chain, *params), h)
        if t_end == step0 + n_steps:
            energy[c] = typed(energy_fn(xc, chain, *params), h)


def evaluate(params, x, grad, energy):
    # E and ∇E of every row of x [chains, dim] into energy [chains] and grad [chains, dim].
    for c in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        energy[c] = energy_fn(x[c], c, *params)
        grad_fn(x[c], grad[c], c, *params)


def energies(params, x, energy):
    # E alone of every row of x [chains, dim] into energy [chains]: parallel tempering's swap energies.
    for c in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        energy[c] = energy_fn(x[c], c, *params)


BODIES = {"ula": ula, "mala": mala, "baoab": baoab, "evaluate": evaluate, "energies": energies}


def specialise(body, energy_device, grad_device, fingerprint: str | None = None):
    """A numba.cuda kernel (a dispatcher: compiled per argument types at first launch) running `body`
    with energy_fn and grad_fn bound to the user's device functions.

    A copy of the body's function object with its own globals, not a closure: the body stays one
    module-level source, and under the simulator the building blocks are swapped for their Python
    twins (gpu_sim.py) in that copy only. With a fingerprint of the user's code (kernel_cache.py) the
    compiled kernels are cached on disk under it: Numba's own cache=True keys entries by the source
    location and the argument types, not by the globals a copy binds, so two user potentials would
    share (and overwrite) one entry.
    """
    scope = dict(body.__globals__)
    scope["energy_fn"], scope["grad_fn"] = energy_device, grad_device
    if config.ENABLE_CUDASIM:
        from heatbath._numba.gpu_sim import SIMULATOR_TWINS

        scope.update(SIMULATOR_TWINS)
    fn = pytypes.FunctionType(body.__code__, scope, body.__name__, body.__defaults__, body.__closure__)
    fn.__qualname__ = f"{body.__qualname__}[{getattr(energy_device, '__name__', 'energy')}]"
    fn.__module__ = body.__module__
    kernel = cuda.jit(fn)
    if fingerprint is not None and not config.ENABLE_CUDASIM:  # the simulator compiles nothing
        enable_cuda_fingerprint_cache(kernel, f"{fingerprint}:{body.__name__}")
    return kernel
