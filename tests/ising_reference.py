# SPDX-License-Identifier: Apache-2.0
"""Plain numpy references for the Ising tests: energies, exact enumeration, Kaufman's exact finite
torus, and the Monte Carlo standard error from independent lattices."""
from __future__ import annotations

import math

import numpy as np


def energy(spins, coupling=1.0, field=0.0) -> np.ndarray:
    """E of each lattice of spins [batch, *shape]: −Σ_d J_d s s_{+e_d} − Σ h s, periodic."""
    s = np.asarray(spins, dtype=np.float64)
    ndim = s.ndim - 1
    j = np.broadcast_to(np.asarray(coupling, dtype=np.float64), (ndim, *s.shape[1:]))
    e = np.zeros(s.shape[0])
    for d in range(ndim):
        e -= (j[d] * s * np.roll(s, -1, axis=d + 1)).reshape(len(s), -1).sum(1)
    e -= (np.asarray(field, dtype=np.float64) * s).reshape(len(s), -1).sum(1)
    return e


def all_states(shape) -> np.ndarray:
    """Every configuration of a small lattice: int8 [2**n, *shape]."""
    n = int(np.prod(shape))
    codes = np.arange(2**n, dtype=np.int64)[:, None] >> np.arange(n)
    return (2 * (codes & 1) - 1).astype(np.int8).reshape((2**n, *shape))


def exact_moments(shape, beta, coupling=1.0, field=0.0) -> dict:
    """Exact ⟨E⟩, ⟨|m|⟩ and ⟨m²⟩ (m per site) by enumeration."""
    states = all_states(shape)
    e = energy(states, coupling, field)
    m = states.reshape(len(states), -1).mean(1)
    w = np.exp(-beta * (e - e.min()))
    w /= w.sum()
    return {"energy": float(w @ e), "abs_m": float(w @ np.abs(m)), "m2": float(w @ m**2)}


def _log_kaufman(k: float, n: int, m: int) -> float:
    """ln Z of the n × m periodic square lattice at coupling K = βJ (Kaufman 1949)."""
    r = np.arange(n)
    c = math.cosh(2 * k) / math.tanh(2 * k)
    gamma = np.arccosh(c - np.cos(np.pi * np.arange(2 * n) / n))
    gamma[0] = 2 * k + math.log(math.tanh(k))  # γ_0 carries its sign below T_c
    odd, even = gamma[2 * r + 1], gamma[2 * r]

    def log_prod(values, fn):  # ln Π 2 fn(m γ / 2), and its sign
        parts = 2 * fn(m * values / 2)
        return np.log(np.abs(parts)).sum(), np.prod(np.sign(parts))

    terms = [log_prod(odd, np.cosh), log_prod(odd, np.sinh), log_prod(even, np.cosh), log_prod(even, np.sinh)]
    top = max(t[0] for t in terms)
    total = sum(sign * math.exp(t - top) for t, sign in terms)
    return math.log(0.5) + 0.5 * n * m * math.log(2 * math.sinh(2 * k)) + top + math.log(total)


def kaufman_energy_per_site(beta: float, n: int, m: int | None = None) -> float:
    """Exact ⟨E⟩ / N of the periodic n × m Ising ferromagnet (J = 1, h = 0): −d ln Z / dβ / N."""
    m = n if m is None else m
    d = 1e-5
    return -(_log_kaufman(beta + d, n, m) - _log_kaufman(beta - d, n, m)) / (2 * d) / (n * m)


def mean_and_error(trace) -> tuple[float, float]:
    """Mean over a trace [sweeps, lattices] and its standard error from the spread of the per-lattice
    means: lattices are independent chains, and each one's time average already carries its
    autocorrelation, so no integrated-autocorrelation estimate is needed."""
    per_lattice = np.asarray(trace, dtype=np.float64).mean(0)
    return float(per_lattice.mean()), float(per_lattice.std(ddof=1) / math.sqrt(len(per_lattice)))
