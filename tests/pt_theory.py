# SPDX-License-Identifier: Apache-2.0
"""Closed forms for the Gaussian tempered path used by the PT tests: target exp(−(x−μ)²/(2σ²)) in 1-D,
reference N(0, 1). π_β is then N(m_β, v_β) with 1/v_β = (1 − β) + β/σ², m_β = v_β β μ/σ²."""
from __future__ import annotations

import math

import numpy as np


def moments(beta, mu, sigma):
    beta = np.asarray(beta, dtype=np.float64)
    var = 1.0 / ((1.0 - beta) + beta / sigma**2)
    return var * beta * mu / sigma**2, var


def ell(x, mu, sigma):
    """ℓ = log π − log π_ref up to a constant (constants cancel in every use here)."""
    return -((x - mu) ** 2) / (2 * sigma**2) + x**2 / 2


def pair_rejection(betas, mu, sigma, n=2_000_000, seed=0):
    """Exact (to Monte Carlo error ~5e-4) stationary rejection 1 − E[min(1, exp(Δβ (ℓ(X) − ℓ(Y))))],
    X ~ π_{β_k}, Y ~ π_{β_{k+1}} independent (the product measure is PT's stationary law)."""
    rng = np.random.default_rng(seed)
    out = []
    for b0, b1 in zip(betas[:-1], betas[1:]):
        m0, v0 = moments(b0, mu, sigma)
        m1, v1 = moments(b1, mu, sigma)
        x = m0 + math.sqrt(v0) * rng.standard_normal(n)
        y = m1 + math.sqrt(v1) * rng.standard_normal(n)
        out.append(1.0 - np.minimum(1.0, np.exp((b1 - b0) * (ell(x, mu, sigma) - ell(y, mu, sigma)))).mean())
    return np.array(out)


def global_barrier(mu, sigma, grid=401, n=200_000, seed=0):
    """Λ = ∫_0^1 λ(β) dβ with λ(β) = ½ E|ℓ(X) − ℓ(X')|, X, X' iid π_β (Syed et al. 2022, Theorem 2);
    the expectation by Monte Carlo with common random numbers, the integral by Simpson's rule."""
    rng = np.random.default_rng(seed)
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    betas = np.linspace(0.0, 1.0, grid)
    lam = []
    for b in betas:
        m, v = moments(b, mu, sigma)
        s = math.sqrt(v)
        lam.append(0.5 * np.abs(ell(m + s * z1, mu, sigma) - ell(m + s * z2, mu, sigma)).mean())
    lam = np.array(lam)
    h = betas[1] - betas[0]
    return h / 3 * (lam[0] + lam[-1] + 4 * lam[1:-1:2].sum() + 2 * lam[2:-1:2].sum())
