# SPDX-License-Identifier: Apache-2.0
"""Inverse-temperature ladders for parallel tempering: validation, and the equal-rejection placement
of Syed, Bouchard-Côté, Deligiannidis & Doucet (JRSS-B 2022, Algorithm 4).

The communication barrier Λ(β) = ∫_0^β λ(b) db grows by about the rejection rate r_k across each
pair (β_k, β_{k+1}). Interpolating the cumulative sums Λ(β_k) = Σ_{j<k} r_j monotonically and placing
the new β_k where Λ(β) = k Λ / K gives every pair the same rejection rate, which maximises the round
trip rate of non-reversible PT for a given number of temperatures.
"""
from __future__ import annotations

import numbers

import numpy as np

from heatbath import _arrays


def validate_betas(betas, arg: str = "betas") -> np.ndarray:
    """A float64 ladder 0 = β_0 < … < β_K = 1 (K ≥ 1) from an int (K + 1 equally spaced values) or an
    array; otherwise an error naming arg ('x0.betas' for a continued state's ladder)."""
    if isinstance(betas, numbers.Integral) and not isinstance(betas, bool):
        if betas < 2:
            raise ValueError(f"argument '{arg}': need at least 2 temperatures, got {betas}")
        if betas >= 2**32:  # replicas × chains must stay below 2**32 (chain indices of the random stream)
            raise ValueError(f"argument '{arg}': at most 2**32 - 1 temperatures, got {betas}")
        _arrays.require_host_memory(8 * int(betas), arg, f"a ladder of {betas} temperatures")
        try:
            return np.linspace(0.0, 1.0, int(betas))
        except MemoryError:
            raise MemoryError(f"argument '{arg}': a ladder of {betas} temperatures does not fit in memory") from None
    expected = "an int or an increasing array of real inverse temperatures"
    try:
        raw = np.asarray(_arrays.to_host(betas) if _arrays.supports_dlpack(betas) else betas)
    except (TypeError, ValueError):
        raise TypeError(f"argument '{arg}': expected {expected}, got {type(betas).__name__}") from None
    # Strings would be parsed and complex values silently lose their imaginary part in the float cast.
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"argument '{arg}': expected {expected}, got an array of dtype {raw.dtype}")
    b = raw.astype(np.float64)
    if b.ndim != 1 or b.size < 2:
        raise ValueError(f"argument '{arg}': expected a 1-D array of at least 2 values, got shape {b.shape}")
    if not np.isfinite(b).all() or (b < 0).any() or (b > 1).any():
        raise ValueError(f"argument '{arg}': every inverse temperature must lie in [0, 1]")
    if not (np.diff(b) > 0).all():
        raise ValueError(f"argument '{arg}': inverse temperatures must be strictly increasing")
    if b[0] != 0.0:
        raise ValueError(f"argument '{arg}': the ladder must start at β_0 = 0 (the reference), got {b[0]}")
    if b[-1] != 1.0:
        raise ValueError(f"argument '{arg}': the ladder must end at β_K = 1 (the target), got {b[-1]}")
    return b.copy()


def monotone_cubic(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Fritsch–Carlson monotone piecewise-cubic Hermite interpolation of non-decreasing data."""
    h = np.diff(x)
    delta = np.diff(y) / h
    m = np.empty_like(y)
    m[0], m[-1] = delta[0], delta[-1]
    if y.size > 2:
        w1 = 2 * h[1:] + h[:-1]
        w2 = h[1:] + 2 * h[:-1]
        same_sign = delta[:-1] * delta[1:] > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            harmonic = (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:])
        m[1:-1] = np.where(same_sign, harmonic, 0.0)
    m = np.minimum(m, 3 * np.concatenate([delta, delta[-1:]]))  # keeps each piece monotone
    m = np.minimum(m, 3 * np.concatenate([delta[:1], delta]))
    i = np.clip(np.searchsorted(x, at, side="right") - 1, 0, x.size - 2)
    t = (at - x[i]) / h[i]
    h00, h10 = (1 + 2 * t) * (1 - t) ** 2, t * (1 - t) ** 2
    h01, h11 = t * t * (3 - 2 * t), t * t * (t - 1)
    return h00 * y[i] + h10 * h[i] * m[i] + h01 * y[i + 1] + h11 * h[i] * m[i + 1]


def equal_rejection_ladder(betas: np.ndarray, rejection: np.ndarray) -> np.ndarray:
    """The ladder of the same size on which the estimated barrier Λ(β) rises equally across each pair."""
    cum = np.concatenate([[0.0], np.cumsum(np.clip(rejection, 0.0, None))])
    if not cum[-1] > 0:
        return betas.copy()  # no rejections at all: nothing to equalise
    grid = np.linspace(0.0, 1.0, 8193)
    profile = np.maximum.accumulate(monotone_cubic(betas, cum, grid))
    levels = np.linspace(0.0, cum[-1], betas.size)
    new = np.interp(levels, profile, grid)
    new[0], new[-1] = 0.0, 1.0
    # Flat stretches of Λ can give repeated values; keep the ladder strictly increasing.
    eps = 1e-9
    for k in range(1, new.size - 1):
        new[k] = min(max(new[k], new[k - 1] + eps), 1.0 - eps * (new.size - 1 - k))
    return new
