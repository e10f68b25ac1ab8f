# SPDX-License-Identifier: Apache-2.0
"""Exact results to check samplers against: the 2-D Ising model on a finite torus (Kaufman 1949) and
in the thermodynamic limit (Onsager 1944, Yang 1952)."""
from __future__ import annotations

import math

import numpy as np

#: β_c of the square-lattice ferromagnet with J = 1: sinh(2β_c) = 1.
CRITICAL_BETA = 0.5 * math.log(1.0 + math.sqrt(2.0))


def ising2d_log_z(beta: float, n: int, m: int | None = None) -> float:
    """ln Z of the periodic n × m square-lattice Ising ferromagnet (J = 1, h = 0) at inverse
    temperature β, exactly (Kaufman 1949); n is the length along which the transfer matrix runs."""
    m = n if m is None else m
    k = float(beta)
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


def ising2d_energy_per_site(beta: float, n: int, m: int | None = None) -> float:
    """Exact ⟨E⟩ / N of the periodic n × m ferromagnet (J = 1, h = 0): −d ln Z / dβ / N."""
    m = n if m is None else m
    d = 1e-5
    return -(ising2d_log_z(beta + d, n, m) - ising2d_log_z(beta - d, n, m)) / (2 * d) / (n * m)


def onsager_magnetization(beta: float) -> float:
    """The spontaneous magnetisation per site of the infinite square lattice (Yang 1952):
    (1 − sinh(2β)^−4)^(1/8) below T_c, 0 above."""
    s = math.sinh(2 * beta)
    return (1.0 - s**-4) ** 0.125 if s > 1 else 0.0
