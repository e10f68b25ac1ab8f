# SPDX-License-Identifier: Apache-2.0
"""The core's Langevin noise and the logs of MALA's uniforms, called from Numba kernels.

The C entry points (csrc/cpu/noise_cpu.h) write the values ``langevin_tile`` draws for a tile of
chains and a block of steps, made by the core's lane-parallel Philox (SIMD, chosen per CPU). The
kernels declare them as external symbols, which LLVM resolves by name in this process: compiled
code in Numba's on-disk cache holds no address, so it stays valid in every later process, as long as
this module (which registers the addresses) is imported before a kernel runs.
"""
from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import overload

from heatbath import _core
from heatbath._numba.pointers import row_ptr

__all__ = ["langevin_noise", "metropolis_log_uniforms"]

for _name, _address in _core.numba_symbols().items():
    llvm.add_symbol(_name, _address)


def _noise_fn(suffix, dtype):
    # void(seed, chain0, n, dim, t_begin, n_t, out [n_t, n, dim])
    return types.ExternalFunction(f"heatbath_langevin_noise_{suffix}", types.void(
        types.uint64, types.uint64, types.int64, types.int64, types.int64, types.int64, types.CPointer(dtype)))


def _log_uniforms_fn(suffix, dtype):
    # void(seed, chain0, n, t_begin, n_t, out [n_t, n]): log u
    return types.ExternalFunction(f"heatbath_metropolis_log_uniforms_{suffix}", types.void(
        types.uint64, types.uint64, types.int64, types.int64, types.int64, types.CPointer(dtype)))


_noise_f32, _noise_f64 = _noise_fn("f32", types.float32), _noise_fn("f64", types.float64)
_log_uniforms_f32, _log_uniforms_f64 = _log_uniforms_fn("f32", types.float32), _log_uniforms_fn("f64", types.float64)


def langevin_noise(seed, chain0, t_begin, n_t, out):
    """Gaussian increments of chains chain0 .. chain0 + n − 1 at steps t_begin .. t_begin + n_t − 1
    into out [>= n_t, n, dim] (C-contiguous), as hb::langevin_noise."""


@overload(langevin_noise)
def _langevin_noise_impl(seed, chain0, t_begin, n_t, out):
    if not isinstance(out, types.Array) or out.ndim != 3 or out.layout != "C":
        return None
    fn = {types.float32: _noise_f32, types.float64: _noise_f64}.get(out.dtype)
    if fn is None:
        return None

    def impl(seed, chain0, t_begin, n_t, out):
        fn(np.uint64(seed), np.uint64(chain0), np.int64(out.shape[1]), np.int64(out.shape[2]), np.int64(t_begin),
           np.int64(n_t), row_ptr(out, 0))
    return impl


def metropolis_log_uniforms(seed, chain0, t_begin, n_t, out):
    """log u of MALA's accept/reject uniforms u of the same chains and steps into out [>= n_t, n]
    (C-contiguous), as hb::metropolis_log_uniforms: rn's log, the bits of stream_blocks.log_positive."""


@overload(metropolis_log_uniforms)
def _metropolis_log_uniforms_impl(seed, chain0, t_begin, n_t, out):
    if not isinstance(out, types.Array) or out.ndim != 2 or out.layout != "C":
        return None
    fn = {types.float32: _log_uniforms_f32, types.float64: _log_uniforms_f64}.get(out.dtype)
    if fn is None:
        return None

    def impl(seed, chain0, t_begin, n_t, out):
        fn(np.uint64(seed), np.uint64(chain0), np.int64(out.shape[1]), np.int64(t_begin), np.int64(n_t),
           row_ptr(out, 0))
    return impl


@njit(cache=True)
def fill_noise(seed, chain0, t_begin, out):
    """langevin_noise for all of out [n_t, n, dim], callable from Python (tests)."""
    langevin_noise(seed, chain0, t_begin, out.shape[0], out)


@njit(cache=True)
def fill_log_uniforms(seed, chain0, t_begin, out):
    """metropolis_log_uniforms for all of out [n_t, n], callable from Python (tests)."""
    metropolis_log_uniforms(seed, chain0, t_begin, out.shape[0], out)
