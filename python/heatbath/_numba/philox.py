# SPDX-License-Identifier: Apache-2.0
"""Philox4x32-10 and heatbath's counter layout in Numba, bit for bit csrc/heatbath/philox.h and counter.h.

    key     = (seed low 32 bits, seed high 32 bits)
    counter = (block, chain, step low 32 bits, purpose << 24 | step bits 32..55)

Numba widens uint32 arithmetic to 64 bits, and arithmetic that mixes uint64 with int64 (every plain
integer literal) becomes float64. So every word here is held in a uint64 that is masked back to 32
bits after each operation that can carry out, and every constant is a module-level np.uint64.

The functions are plain scalar arithmetic, callable from other ``@njit`` code and meant to compile
unchanged as numba.cuda device functions: no arrays, no numpy functions, only scalar casts.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "PURPOSE_GIBBS",
    "PURPOSE_INIT",
    "PURPOSE_LANGEVIN_NOISE",
    "PURPOSE_METROPOLIS",
    "PURPOSE_MOMENTUM",
    "PURPOSE_SWAP",
    "PURPOSE_USER",
    "philox4x32_10",
    "random_words",
    "stream_key",
]

# What a random number is for: the top byte of the counter. Mirrors hb::Purpose in
# csrc/heatbath/counter.h and heatbath.random.PURPOSES; plain ints so that njit code folds them.
PURPOSE_USER = 0
PURPOSE_LANGEVIN_NOISE = 1
PURPOSE_METROPOLIS = 2
PURPOSE_MOMENTUM = 3
PURPOSE_GIBBS = 4
PURPOSE_SWAP = 5
PURPOSE_INIT = 6
PURPOSE_AIS = 7

_MASK32 = np.uint64(0xFFFFFFFF)
_MASK24 = np.uint64(0x00FFFFFF)
_SHIFT24 = np.uint64(24)
_SHIFT32 = np.uint64(32)
_MUL0 = np.uint64(0xD2511F53)
_MUL1 = np.uint64(0xCD9E8D57)
_WEYL0 = np.uint64(0x9E3779B9)  # golden ratio
_WEYL1 = np.uint64(0xBB67AE85)  # sqrt(3) - 1


@njit(cache=True)
def _philox_round(c0, c1, c2, c3, k0, k1):
    # The 32x32 -> 64 bit products fit a uint64 exactly; hi and lo halves as in philox_round.
    p0 = _MUL0 * c0
    p1 = _MUL1 * c2
    return ((p1 >> _SHIFT32) ^ c1 ^ k0, p1 & _MASK32, (p0 >> _SHIFT32) ^ c3 ^ k1, p0 & _MASK32)


@njit(cache=True)
def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """One Philox4x32-10 block: counter words c0..c3 encrypted under key words k0, k1.

    Takes any integers in [0, 2**32); returns the four output words as np.uint32.
    """
    c0 = np.uint64(c0) & _MASK32
    c1 = np.uint64(c1) & _MASK32
    c2 = np.uint64(c2) & _MASK32
    c3 = np.uint64(c3) & _MASK32
    k0 = np.uint64(k0) & _MASK32
    k1 = np.uint64(k1) & _MASK32
    for _ in range(10):
        c0, c1, c2, c3 = _philox_round(c0, c1, c2, c3, k0, k1)
        k0 = (k0 + _WEYL0) & _MASK32
        k1 = (k1 + _WEYL1) & _MASK32
    return np.uint32(c0), np.uint32(c1), np.uint32(c2), np.uint32(c3)


@njit(cache=True)
def stream_key(seed, purpose, step):
    """The per-call part of the stream: (k0, k1, step_lo, step_hi_purpose) as np.uint32 words.

    seed in [0, 2**64), purpose in [0, 256), step in [0, 2**56); as make_stream_key in counter.h.
    Compute it once per (seed, purpose, step) and pass it to :func:`random_words`.
    """
    seed = np.uint64(seed)
    step = np.uint64(step)
    purpose = np.uint64(purpose) & _MASK32
    step_hi_purpose = ((purpose << _SHIFT24) | ((step >> _SHIFT32) & _MASK24)) & _MASK32
    return (np.uint32(seed & _MASK32), np.uint32(seed >> _SHIFT32), np.uint32(step & _MASK32),
            np.uint32(step_hi_purpose))


@njit(cache=True)
def random_words(key, chain, block):
    """The four np.uint32 words of (key, chain, block); key from :func:`stream_key`.

    chain and block are taken modulo 2**32, as the C++ core's static_cast<uint32_t> does.
    """
    k0, k1, step_lo, step_hi_purpose = key
    return philox4x32_10(np.uint64(block) & _MASK32, np.uint64(chain) & _MASK32, step_lo, step_hi_purpose, k0, k1)
