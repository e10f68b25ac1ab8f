# SPDX-License-Identifier: Apache-2.0
"""Python twins of the stream_blocks.py and update_rules.py building blocks, for kernels run by Numba's
CUDA simulator.

The simulator (NUMBA_ENABLE_CUDASIM=1) runs a kernel body as plain Python. The ``@overload`` stubs
of stream_blocks.py (typed, width, log_positive) have no Python behaviour, and an ``@njit`` function
called from Python returns its float32 results boxed as Python floats, which the next ``@njit``
call would then type as float64. These twins call the same compiled functions and hand back numpy
scalars of the run's dtype, so a simulated kernel does float32 arithmetic where the device does,
and reproduces the CPU kernels bit for bit (numpy >= 2 keeps float32 with a Python scalar).
"""
from __future__ import annotations

import numpy as np

from heatbath._numba import stream_blocks, update_rules
from heatbath._numba.random_stream import log_positive_f32, log_positive_f64

__all__ = ["SIMULATOR_TWINS"]


def typed(value, like):
    return type(like)(value)


def width(like):
    return 4 if isinstance(like, np.float32) else 2


def log_positive(u):
    if isinstance(u, np.float32):
        return np.float32(log_positive_f32(u))
    return np.float64(log_positive_f64(u))


def ensure_block(seed, purpose, group, block, chain, cached_group, cached_block, values, draw_uniform):
    kind = type(values[0])
    group, block, values = stream_blocks.ensure_block(seed, purpose, group, block, chain, cached_group, cached_block,
                                                      values, draw_uniform)
    return group, block, tuple(kind(v) for v in values)


def _rule_twin(rule):
    # Every rule's last argument is a scalar of the run's dtype (h, half or the noise value).
    def call(*args):
        kind = type(args[-1])
        out = rule(*args)
        return tuple(kind(v) for v in out) if isinstance(out, tuple) else kind(out)

    return call


SIMULATOR_TWINS = {"typed": typed, "width": width, "log_positive": log_positive, "ensure_block": ensure_block}
SIMULATOR_TWINS.update({name: _rule_twin(getattr(update_rules, name)) for name in update_rules.__all__})
