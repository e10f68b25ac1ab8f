# SPDX-License-Identifier: Apache-2.0
"""Argument checks shared by the public entry points: clear errors naming the argument."""
from __future__ import annotations

import numbers

import numpy as np

SEED_LIMIT = 2**64


def as_seed(seed, arg: str = "seed") -> int:
    """A seed is an integer in [0, 2**64): the Philox key."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"argument '{arg}': expected an integer in [0, 2**64), got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"argument '{arg}': expected an integer in [0, 2**64), got {seed}")
    return seed


def as_int(value, arg: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"argument '{arg}': expected an integer, got {type(value).__name__}")
    value = int(value)
    if not lo <= value < hi:
        raise ValueError(f"argument '{arg}': expected an integer in [{lo}, {hi}), got {value}")
    return value
