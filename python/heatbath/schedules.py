# SPDX-License-Identifier: Apache-2.0
"""Inverse-temperature schedules for simulated annealing: arrays β_0 … β_{n−1} to pass as ``beta``.

Each returns a float64 numpy array of length n that starts at ``start`` and ends at ``stop``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np


def _check(start, stop, n, positive_ends: bool):
    for name, v in (("start", start), ("stop", stop)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"argument '{name}': expected a positive finite inverse temperature, got {v!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"argument 'n': expected a positive number of steps, got {n!r}")
    return float(start), float(stop), int(n)


def _ramp(n: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, n) if n > 1 else np.ones(1)


def linear(start: float, stop: float, n: int) -> np.ndarray:
    """β changing linearly from start to stop."""
    start, stop, n = _check(start, stop, n, True)
    if start == stop:  # (1 − r)·β + r·β need not give β back
        return np.full(n, start)
    r = _ramp(n)
    return (1.0 - r) * start + r * stop  # a convex combination: exact ends, positive in between


def geometric(start: float, stop: float, n: int) -> np.ndarray:
    """β changing by a constant factor per step (temperature falls exponentially)."""
    start, stop, n = _check(start, stop, n, True)
    if start == stop:  # exp(log β) need not give β back (3 → 2.9999999999999996)
        return np.full(n, start)
    # In logarithms: stop / start can overflow (1e-9 to 1e300) where every β is representable.
    beta = np.exp(math.log(start) + (math.log(stop) - math.log(start)) * _ramp(n))
    beta[-1] = stop
    if n > 1:
        beta[0] = start
    return beta


def cosine(start: float, stop: float, n: int) -> np.ndarray:
    """β following half a cosine: slow at both ends, fastest in the middle."""
    start, stop, n = _check(start, stop, n, True)
    if start == stop:
        return np.full(n, start)
    w = 0.5 * (1.0 + np.cos(np.pi * _ramp(n)))  # 1 at the start, 0 at the end
    return w * start + (1.0 - w) * stop  # a convex combination: no cancellation between far-apart ends
