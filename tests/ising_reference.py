# SPDX-License-Identifier: Apache-2.0
"""Plain numpy references for the Ising tests: energies, exact enumeration, Kaufman's exact finite
torus, and the Monte Carlo standard error from independent lattices."""
from __future__ import annotations

import math

import numpy as np

from heatbath.exact import ising2d_energy_per_site


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


def kaufman_energy_per_site(beta: float, n: int, m: int | None = None) -> float:
    """Exact ⟨E⟩ / N of the periodic n × m ferromagnet (heatbath.exact, Kaufman 1949)."""
    return ising2d_energy_per_site(beta, n, m)


def mean_and_error(trace) -> tuple[float, float]:
    """Mean over a trace [sweeps, lattices] and its standard error from the spread of the per-lattice
    means: lattices are independent chains, and each one's time average already carries its
    autocorrelation, so no integrated-autocorrelation estimate is needed."""
    per_lattice = np.asarray(trace, dtype=np.float64).mean(0)
    return float(per_lattice.mean()), float(per_lattice.std(ddof=1) / math.sqrt(len(per_lattice)))
