# SPDX-License-Identifier: Apache-2.0
"""heatbath's Numba kernels: the same Philox stream and transforms as the C++ core, bit for bit.

The scalar functions (``philox4x32_10``, ``stream_key``, ``random_words``, the uniform and normal
transforms) are ``@njit`` building blocks for fused user-model kernels; ``fill_bits``,
``fill_uniform`` and ``fill_normal`` are the Numba twin of ``heatbath._core.fill_random``.
Importing this package needs numba; the rest of heatbath does not.
"""
from heatbath._numba.philox import (
    PURPOSE_AIS,
    PURPOSE_GIBBS,
    PURPOSE_INIT,
    PURPOSE_LANGEVIN_NOISE,
    PURPOSE_METROPOLIS,
    PURPOSE_MOMENTUM,
    PURPOSE_SWAP,
    PURPOSE_USER,
    philox4x32_10,
    random_words,
    stream_key,
)
from heatbath._numba.random_stream import (
    box_muller_f32,
    box_muller_f64,
    fill_bits,
    fill_normal,
    fill_uniform,
    log_positive_f32,
    log_positive_f64,
    normal_block_f32,
    normal_block_f64,
    sincos_reduced_f32,
    sincos_reduced_f64,
    uniform_block_f32,
    uniform_block_f64,
    uniform_open_f32,
    uniform_open_f64,
)

__all__ = [
    "PURPOSE_AIS",
    "PURPOSE_GIBBS",
    "PURPOSE_INIT",
    "PURPOSE_LANGEVIN_NOISE",
    "PURPOSE_METROPOLIS",
    "PURPOSE_MOMENTUM",
    "PURPOSE_SWAP",
    "PURPOSE_USER",
    "box_muller_f32",
    "box_muller_f64",
    "fill_bits",
    "fill_normal",
    "fill_uniform",
    "log_positive_f32",
    "log_positive_f64",
    "normal_block_f32",
    "normal_block_f64",
    "philox4x32_10",
    "random_words",
    "sincos_reduced_f32",
    "sincos_reduced_f64",
    "stream_key",
    "uniform_block_f32",
    "uniform_block_f64",
    "uniform_open_f32",
    "uniform_open_f64",
]
