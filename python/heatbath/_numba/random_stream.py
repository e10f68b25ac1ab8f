# SPDX-License-Identifier: Apache-2.0
"""heatbath's uniform and normal transforms and the fill of heatbath.random, in Numba.

Bit for bit the C++ core: csrc/heatbath/rn_math.h (log, sin, cos from correctly rounded + - * / sqrt),
distributions.h (uniform and Box–Muller from the four words of a block) and random_fill.h (value j of
chain row c is element j % W of block j // W of chain chain_start + c; W = 4 for uint32 and float32,
2 for float64). Every operation runs in the same order and the same dtype as there:

* float32 stays float32: Numba promotes float32 with a Python float to float64, so every constant is
  a module-level np.float32 (or np.float64), never a literal.
* no fastmath: it would let LLVM reassociate or contract a*b+c into an FMA and change the last bit.
* no math.log/sin/cos: libm differs from the core's polynomials in the last place. math.sqrt is
  correctly rounded (IEEE), so it is used as the core uses sqrt.

The scalar functions are callable from other ``@njit`` kernels and written to compile as numba.cuda
device functions (scalar arithmetic, scalar casts and an LLVM bitcast). A CUDA kernel must also keep
NVVM from contracting into FMAs, as the core's CUDA build does with __fmul_rn and friends.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from heatbath._validate import as_int
from heatbath._numba.philox import random_words, stream_key
from heatbath._numba.rn_math import (
    _ANGLE_MASK_F32,
    _ANGLE_MASK_F64,
    _MASK32,
    _MINUS_TWO_F32,
    _MINUS_TWO_F64,
    _QUARTER_PI_TWO_M24_F32,
    _QUARTER_PI_TWO_M52_F64,
    _S10,
    _S12,
    _S30,
    _S32,
    _S6,
    _S62,
    _S9,
    _TWO_24,
    _TWO_52,
    _TWO_M24_F32,
    _TWO_M53_F64,
    _U1,
    _U2,
    log_positive_f32,
    log_positive_f64,
    sincos_reduced_f32,
    sincos_reduced_f64,
)


# --- distributions.h ------------------------------------------------------------------------------

@njit(cache=True)
def uniform_open_f32(w):
    """(2k+1) 2^-24 with k the top 23 bits of word w: a float32 in the open (0, 1)."""
    w = np.uint64(w) & _MASK32
    odd = ((w >> _S9) << _U1) | _U1  # < 2^24: exact in float32
    return np.float32(odd) * _TWO_M24_F32


@njit(cache=True)
def uniform_open_f64(lo, hi):
    """(2k+1) 2^-53 with k the top 52 bits of the 64-bit word (hi:lo): a float64 in (0, 1)."""
    w = ((np.uint64(hi) & _MASK32) << _S32) | (np.uint64(lo) & _MASK32)
    odd = ((w >> _S12) << _U1) | _U1  # < 2^53: exact in float64
    return np.float64(odd) * _TWO_M53_F64


@njit(cache=True)
def _rotate_quadrant(q, c, s):
    # (cos θ, sin θ) turned by q quarter turns: selects and sign flips, exact.
    swap = (q & _U1) != 0
    a = s if swap else c
    b = c if swap else s
    cos_phi = -a if (q == _U1 or q == _U2) else a
    sin_phi = -b if q >= _U2 else b
    return cos_phi, sin_phi


@njit(cache=True)
def box_muller_f32(w_radius, w_angle):
    """Two float32 standard normals from a radius word and an angle word, as hb::box_muller_f32."""
    r = math.sqrt(_MINUS_TWO_F32 * log_positive_f32(uniform_open_f32(w_radius)))
    w_angle = np.uint64(w_angle) & _MASK32
    f = (w_angle >> _S6) & _ANGLE_MASK_F32
    d = np.int64((f << _U1) | _U1) - _TWO_24  # odd, |d| < 2^24: exact in float32
    theta = np.float32(d) * _QUARTER_PI_TWO_M24_F32
    s, c = sincos_reduced_f32(theta)
    cos_phi, sin_phi = _rotate_quadrant(w_angle >> _S30, c, s)
    return r * cos_phi, r * sin_phi


@njit(cache=True)
def box_muller_f64(w0, w1, w2, w3):
    """Two float64 standard normals from the four words of one block, as hb::box_muller_f64."""
    r = math.sqrt(_MINUS_TWO_F64 * log_positive_f64(uniform_open_f64(w0, w1)))
    a = ((np.uint64(w3) & _MASK32) << _S32) | (np.uint64(w2) & _MASK32)
    f = (a >> _S10) & _ANGLE_MASK_F64
    d = np.int64((f << _U1) | _U1) - _TWO_52  # odd, |d| < 2^52: exact in float64
    theta = np.float64(d) * _QUARTER_PI_TWO_M52_F64
    s, c = sincos_reduced_f64(theta)
    cos_phi, sin_phi = _rotate_quadrant(a >> _S62, c, s)
    return r * cos_phi, r * sin_phi


@njit(cache=True)
def uniform_block_f32(w0, w1, w2, w3):
    """The 4 float32 uniforms of one block."""
    return uniform_open_f32(w0), uniform_open_f32(w1), uniform_open_f32(w2), uniform_open_f32(w3)


@njit(cache=True)
def uniform_block_f64(w0, w1, w2, w3):
    """The 2 float64 uniforms of one block: words (0, 1) and (2, 3) as (lo, hi)."""
    return uniform_open_f64(w0, w1), uniform_open_f64(w2, w3)


@njit(cache=True)
def normal_block_f32(w0, w1, w2, w3):
    """The 4 float32 normals of one block: (radius, angle) pairs from words (0, 1) and (2, 3)."""
    z0, z1 = box_muller_f32(w0, w1)
    z2, z3 = box_muller_f32(w2, w3)
    return z0, z1, z2, z3


@njit(cache=True)
def normal_block_f64(w0, w1, w2, w3):
    """The 2 float64 normals of one block."""
    return box_muller_f64(w0, w1, w2, w3)


# --- random_fill.h --------------------------------------------------------------------------------
# One kernel per (kind, dtype): Numba cannot cache kernels made by a factory. The last block of a row
# may be partial; its values past n are dropped, as store_block does.

@njit(cache=True)
def _store4(out, row, j, n, v0, v1, v2, v3):
    out[row, j] = v0  # j = 4 * block < n always
    if j + 1 < n:
        out[row, j + 1] = v1
    if j + 2 < n:
        out[row, j + 2] = v2
    if j + 3 < n:
        out[row, j + 3] = v3


@njit(cache=True)
def _store2(out, row, j, n, v0, v1):
    out[row, j] = v0
    if j + 1 < n:
        out[row, j + 1] = v1


@njit(parallel=True, cache=True)
def _fill_bits_kernel(out, seed, purpose, step, chain_start):
    key = stream_key(seed, purpose, step)
    chains, n = out.shape
    for row in prange(chains):
        chain = np.uint64(chain_start) + np.uint64(row)
        for block in range((n + 3) // 4):
            w0, w1, w2, w3 = random_words(key, chain, block)
            _store4(out, row, 4 * block, n, w0, w1, w2, w3)


@njit(parallel=True, cache=True)
def _fill_uniform_f32_kernel(out, seed, purpose, step, chain_start):
    key = stream_key(seed, purpose, step)
    chains, n = out.shape
    for row in prange(chains):
        chain = np.uint64(chain_start) + np.uint64(row)
        for block in range((n + 3) // 4):
            w0, w1, w2, w3 = random_words(key, chain, block)
            u0, u1, u2, u3 = uniform_block_f32(w0, w1, w2, w3)
            _store4(out, row, 4 * block, n, u0, u1, u2, u3)


@njit(parallel=True, cache=True)
def _fill_uniform_f64_kernel(out, seed, purpose, step, chain_start):
    key = stream_key(seed, purpose, step)
    chains, n = out.shape
    for row in prange(chains):
        chain = np.uint64(chain_start) + np.uint64(row)
        for block in range((n + 1) // 2):
            w0, w1, w2, w3 = random_words(key, chain, block)
            u0, u1 = uniform_block_f64(w0, w1, w2, w3)
            _store2(out, row, 2 * block, n, u0, u1)


@njit(parallel=True, cache=True)
def _fill_normal_f32_kernel(out, seed, purpose, step, chain_start):
    key = stream_key(seed, purpose, step)
    chains, n = out.shape
    for row in prange(chains):
        chain = np.uint64(chain_start) + np.uint64(row)
        for block in range((n + 3) // 4):
            w0, w1, w2, w3 = random_words(key, chain, block)
            z0, z1, z2, z3 = normal_block_f32(w0, w1, w2, w3)
            _store4(out, row, 4 * block, n, z0, z1, z2, z3)


@njit(parallel=True, cache=True)
def _fill_normal_f64_kernel(out, seed, purpose, step, chain_start):
    key = stream_key(seed, purpose, step)
    chains, n = out.shape
    for row in prange(chains):
        chain = np.uint64(chain_start) + np.uint64(row)
        for block in range((n + 1) // 2):
            w0, w1, w2, w3 = random_words(key, chain, block)
            z0, z1 = normal_block_f64(w0, w1, w2, w3)
            _store2(out, row, 2 * block, n, z0, z1)


def _launch(kernels, out, seed, purpose, step, chain_start):
    """Checks the arguments as the core's fill_random does, then runs the kernel for out's dtype."""
    if not isinstance(out, np.ndarray) or out.ndim != 2:
        raise ValueError("argument 'out': expected a 2-D numpy array [chains, n]")
    kernel = kernels.get(out.dtype)  # a byte-swapped dtype compares unequal, so it is refused too
    if kernel is None:
        names = " or ".join(str(np.dtype(d)) for d in kernels)
        raise TypeError(f"argument 'out': expected dtype {names} in native byte order, got {out.dtype}")
    if not out.flags.writeable:
        raise ValueError("argument 'out': the array is read-only")
    seed = as_int(seed, "seed", 0, 2**64)
    purpose = as_int(purpose, "purpose", 0, 256)
    step = as_int(step, "step", 0, 2**56)
    chain_start = as_int(chain_start, "chain_start", 0, 2**32)
    if chain_start + out.shape[0] > 2**32:
        raise ValueError("argument 'chain_start': chain indices must stay below 2**32")
    if out.shape[1] > 2**33:
        raise ValueError("argument 'out': at most 2**33 values per chain")
    # One uint64 signature for every call, so that a seed above 2**63 does not compile a second kernel.
    kernel(out, np.uint64(seed), np.uint64(purpose), np.uint64(step), np.uint64(chain_start))
    return out


_BITS_KERNELS = {np.dtype(np.uint32): _fill_bits_kernel}
_UNIFORM_KERNELS = {np.dtype(np.float32): _fill_uniform_f32_kernel, np.dtype(np.float64): _fill_uniform_f64_kernel}
_NORMAL_KERNELS = {np.dtype(np.float32): _fill_normal_f32_kernel, np.dtype(np.float64): _fill_normal_f64_kernel}


def fill_bits(out, seed, purpose, step, chain_start):
    """Fills uint32 out [chains, n] (any strides) with the raw words of heatbath's stream; returns out.

    Equals ``heatbath._core.fill_random(out, "bits", seed, purpose, step, chain_start)``.
    """
    return _launch(_BITS_KERNELS, out, seed, purpose, step, chain_start)


def fill_uniform(out, seed, purpose, step, chain_start):
    """Fills float32 or float64 out [chains, n] with uniforms on (0, 1); returns out."""
    return _launch(_UNIFORM_KERNELS, out, seed, purpose, step, chain_start)


def fill_normal(out, seed, purpose, step, chain_start):
    """Fills float32 or float64 out [chains, n] with standard normals; returns out."""
    return _launch(_NORMAL_KERNELS, out, seed, purpose, step, chain_start)
