# SPDX-License-Identifier: Apache-2.0
"""Exact results to check samplers against: the 2-D Ising model on a finite torus (Kaufman 1949) and
in the thermodynamic limit (Onsager 1944, Yang 1952)."""
from __future__ import annotations

import math

import numpy as np

from heatbath._validate import as_int

#: β_c of the square-lattice ferromagnet with J = 1: sinh(2β_c) = 1.
CRITICAL_BETA = 0.5 * math.log(1.0 + math.sqrt(2.0))


def _log_tanh(x: float) -> float:  # x > 0: tanh x = (1 − e^−2x) / (1 + e^−2x)
    return math.log(-math.expm1(-2.0 * x)) - math.log1p(math.exp(-2.0 * x))


def _sides(n, m) -> tuple[int, int]:
    n = as_int(n, "n", 1, 2**31)
    return n, n if m is None else as_int(m, "m", 1, 2**31)


def _finite_beta(beta) -> float:
    k = float(beta)
    if not (k >= 0.0 and math.isfinite(k)):
        raise ValueError(f"argument 'beta': expected a finite β ≥ 0, got {beta}")
    return k


def ising2d_log_z(beta: float, n: int, m: int | None = None) -> float:
    """ln Z of the periodic n × m square-lattice Ising ferromagnet (J = 1, h = 0) at inverse
    temperature β ≥ 0, exactly (Kaufman 1949); n is the length along which the transfer matrix runs.

    Z = ½ (2 sinh 2β)^(nm/2) Σ_{4 products} ± Π_r 2 cosh|sinh(m γ_r / 2)|, evaluated in logarithms with
    the prefactor taken into each factor: the cosh and sinh overflow float64 on lattices of a few hundred
    sites a side or at large β, and the prefactor and the products cancel to many digits at small β."""
    n, m = _sides(n, m)
    k = _finite_beta(beta)
    if not math.isfinite(4.0 * k * n * m):  # ln Z ≈ 2βnm: beyond float64 (2β itself overflows the terms)
        raise ValueError(f"argument 'beta': ln Z of a {n} × {m} lattice at β = {beta} overflows float64")
    if k == 0.0:
        return n * m * math.log(2.0)  # every configuration has weight 1
    log_2sinh_2k = 2.0 * k + math.log(-math.expm1(-4.0 * k))
    # γ_r = arccosh y_r, y_r = cosh 2β coth 2β − cos(π r / n) ≥ 1, and a_r = |γ_r| + ln(2 sinh 2β), the
    # log of a factor of the products per m/2. Small β: y sinh 2β = cosh² 2β − cos θ sinh 2β stays near 1
    # where y and 1/sinh 2β grow; large β: ln y = ln c + log1p(−cos θ / c) keeps c from overflowing.
    cos_theta = np.cos(np.pi * np.arange(2 * n) / n)
    if k <= 1.0:
        log_y_sinh = np.log(math.cosh(2.0 * k) ** 2 - cos_theta * math.sinh(2.0 * k))
        log_y = log_y_sinh - (log_2sinh_2k - math.log(2.0))
    else:
        log_c = 2.0 * k + math.log1p(math.exp(-4.0 * k)) - math.log(2.0) - _log_tanh(2.0 * k)
        log_y = log_c + np.log1p(-cos_theta * math.exp(-log_c))
        log_y_sinh = log_y + (log_2sinh_2k - math.log(2.0))
    # arccosh y = ln y + log1p(√(1 − y⁻²)); y = 1 (r = 0 at β_c, replaced below) may round below 1
    root = np.log1p(np.sqrt(np.maximum(-np.expm1(-2.0 * log_y), 0.0)))
    gamma = log_y + root
    a = math.log(2.0) + log_y_sinh + root
    gamma[0] = 2.0 * k + _log_tanh(k)  # γ_0 carries its sign below T_c
    # |γ_0| + ln(2 sinh 2β): with γ_0 < 0 (above T_c) it is ln(4 cosh² β) − 2β, without the cancellation
    a[0] = gamma[0] + log_2sinh_2k if gamma[0] >= 0 else 2.0 * math.log(2.0 * math.cosh(k)) - 2.0 * k
    r = np.arange(n)
    terms = []
    for rows in (2 * r + 1, 2 * r):
        g, half = np.abs(gamma[rows]), 0.5 * m * a[rows]
        terms.append(((half + np.log1p(np.exp(-m * g))).sum(), 1.0))  # Π 2 cosh(m γ / 2) · prefactor
        with np.errstate(divide="ignore"):  # sinh 0 = 0: that product is 0 (ln −inf), and adds nothing
            terms.append(((half + np.log(-np.expm1(-m * g))).sum(), float(np.prod(np.sign(gamma[rows])))))
    top = max(t for t, _ in terms)
    total = sum(sign * math.exp(t - top) for t, sign in terms if t > -math.inf)
    return math.log(0.5) + top + math.log(total)


def ising2d_energy_per_site(beta: float, n: int, m: int | None = None) -> float:
    """Exact ⟨E⟩ / N of the periodic n × m ferromagnet (J = 1, h = 0) at β ≥ 0: −d ln Z / dβ / N, by a
    central difference of step 1e-5, or below β = 2e-5 a one-sided one of the same order and step
    (three points in [β, β + 2e-5]: a step shrunk with β would divide the rounding of ln Z by it). Good
    to about 1e-10 either way."""
    n, m = _sides(n, m)
    k = _finite_beta(beta)
    d = 1e-5
    if k >= 2 * d:
        slope = (ising2d_log_z(k + d, n, m) - ising2d_log_z(k - d, n, m)) / (2 * d)
    else:
        f0, f1, f2 = (ising2d_log_z(k + j * d, n, m) for j in range(3))
        slope = (-3 * f0 + 4 * f1 - f2) / (2 * d)
    return -slope / (n * m)


def onsager_magnetization(beta: float) -> float:
    """The spontaneous magnetisation per site of the infinite square lattice (Yang 1952):
    (1 − sinh(2β)^−4)^(1/8) below T_c, 0 above."""
    k = float(beta)
    if not k >= 0.0:  # NaN too: it gave 0 (above T_c)
        raise ValueError(f"argument 'beta': expected β ≥ 0, got {beta}")
    s = math.sinh(2 * k) if k < 355.0 else math.inf  # sinh overflows (a raise) where the answer is 1
    return (1.0 - s**-4) ** 0.125 if s > 1 else 0.0
