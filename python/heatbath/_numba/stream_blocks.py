# SPDX-License-Identifier: Apache-2.0
"""dtype-generic pieces of the Langevin noise stream for Numba kernels (CPU and numba.cuda).

One Philox block of the stream (key from (seed, purpose, group), counter (chain, block)) as a
4-tuple of normals or uniforms, the noise-group length G of hb::steps_per_noise_group, and a
one-block cache per chain (hb::BlockCache with one lane). Plain Python stubs with ``@overload``
implementations picked by the float type of a scalar `like`, so one kernel source serves float32
and float64.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from heatbath._numba.philox import random_words, stream_key
from heatbath._numba.random_stream import (
    log_positive_f32,
    log_positive_f64,
    normal_block_f32,
    normal_block_f64,
    uniform_block_f32,
    uniform_block_f64,
)

__all__ = ["ensure_block", "finite", "log_positive", "normal4", "steps_per_noise_group", "typed", "uniform4",
           "width"]


def typed(value, like):
    """value converted to the type of the scalar `like`."""


@overload(typed)
def _typed_impl(value, like):
    if like == types.float32:
        return lambda value, like: np.float32(value)
    if like == types.float64:
        return lambda value, like: np.float64(value)
    return None


def width(like):
    """W: values per Philox block, 4 for float32 and 2 for float64 (hb::BlockWidth)."""


@overload(width)
def _width_impl(like):
    if like == types.float32:
        return lambda like: 4
    if like == types.float64:
        return lambda like: 2
    return None


def normal4(key, chain, block, like):
    """The normals of one block as a 4-tuple; float64 has 2, repeated (only value % W is ever read)."""


@overload(normal4)
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


def uniform4(key, chain, block, like):
    """The uniforms of one block as a 4-tuple, as _normal4."""


@overload(uniform4)
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


def log_positive(u):
    """rn::log_positive for a float32 or float64 u."""


@overload(log_positive)
def _log_positive_impl(u):
    if u == types.float32:
        return lambda u: log_positive_f32(u)
    if u == types.float64:
        return lambda u: log_positive_f64(u)
    return None


@njit(cache=True)
def steps_per_noise_group(dim, width):
    # G = W / gcd(dim, W) for W a power of two, as hb::steps_per_noise_group.
    common = 1
    while common < width and dim % (2 * common) == 0:
        common *= 2
    return width // common


@njit(cache=True)
def finite(v, zero):
    return v - v == zero


@njit(cache=True)
def ensure_block(seed, purpose, group, block, chain, cached_group, cached_block, values, draw_uniform):
    # BlockCache::ensure for one chain: regenerate the block only when (group, block) moved on.
    if group == cached_group and block == cached_block:
        return cached_group, cached_block, values
    key = stream_key(seed, purpose, group)
    if draw_uniform:
        return group, block, uniform4(key, chain, block, values[0])
    return group, block, normal4(key, chain, block, values[0])


