# SPDX-License-Identifier: Apache-2.0
"""Closed forms for the Gaussian tempered path used by the PT tests: target exp(−(x−μ)²/(2σ²)) in 1-D,
reference N(0, 1). π_β is then N(m_β, v_β) with 1/v_β = (1 − β) + β/σ², m_β = v_β β μ/σ².

ℓ = log π − log π_ref is, up to a constant, the quadratic A x² + B x with A = (1 − 1/σ²)/2 and B = μ/σ²;
for σ < 1 (every path here) it is concave, so {ℓ > c} is an interval whose ends are the roots of
A x² + B x = c. That makes the swap acceptance and the barrier one-dimensional integrals of normal
CDFs, evaluated by adaptive quadrature to ~1e-10 (no Monte Carlo in the references)."""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate
from scipy.special import ndtr

_TOL = dict(epsabs=1e-12, epsrel=1e-10, limit=200)


def moments(beta, mu, sigma):
    beta = np.asarray(beta, dtype=np.float64)
    var = 1.0 / ((1.0 - beta) + beta / sigma**2)
    return var * beta * mu / sigma**2, var


def ell(x, mu, sigma):
    """ℓ = log π − log π_ref up to a constant (constants cancel in every use here)."""
    return -((x - mu) ** 2) / (2 * sigma**2) + x**2 / 2


def _quadratic(mu, sigma):
    a, b = (1.0 - 1.0 / sigma**2) / 2.0, mu / sigma**2
    if a >= 0:
        raise ValueError("these closed forms need σ < 1 (a concave ℓ)")
    return a, b


def _interval(a, b, c):
    """The ends (lo, hi) of {x: a x² + b x > c}, or None when it is empty (c at or above the maximum)."""
    disc = b * b + 4.0 * a * c
    if disc <= 0.0:
        return None
    r = math.sqrt(disc)
    x1, x2 = (-b + r) / (2.0 * a), (-b - r) / (2.0 * a)
    return min(x1, x2), max(x1, x2)


def _mass(lo, hi, m, v):
    s = math.sqrt(v)
    return float(ndtr((hi - m) / s) - ndtr((lo - m) / s))


def _split_integral(f, at):
    """∫ f over the real line, split where f has a kink."""
    return integrate.quad(f, -np.inf, at, **_TOL)[0] + integrate.quad(f, at, np.inf, **_TOL)[0]


def pair_rejection(betas, mu, sigma):
    """Stationary rejection 1 − E[min(1, exp(Δβ (ℓ(X) − ℓ(Y))))], X ~ π_{β_k}, Y ~ π_{β_{k+1}} independent
    (the product measure is PT's stationary law), for each neighbouring pair of `betas`.

    Given ℓ(X) = c, E_Y[min(1, e^{Δβ(c − ℓ(Y))})] = P(ℓ(Y) ≤ c) + e^{Δβ c} E[e^{−Δβ ℓ(Y)}; ℓ(Y) > c], and the
    last expectation is a Gaussian integral over the interval {ℓ > c}: e^{−Δβ ℓ} times Y's density is a
    normal density of variance v' with 1/v' = 1/v_{k+1} + 2 Δβ A (= 1/v_k) and mean Q v', Q = m_{k+1}/v_{k+1} − Δβ B."""
    a, b = _quadratic(mu, sigma)
    top = -b / (2.0 * a)  # where ℓ peaks: g(ℓ(x)) has a kink there
    out = []
    for b0, b1 in zip(betas[:-1], betas[1:]):
        m0, v0 = moments(b0, mu, sigma)
        m1, v1 = moments(b1, mu, sigma)
        d = float(b1 - b0)
        p = 1.0 / v1 + 2.0 * d * a
        q = m1 / v1 - d * b
        vp, mp = 1.0 / p, q / p
        log_scale = 0.5 * math.log(vp / v1) + q * q / (2.0 * p) - m1 * m1 / (2.0 * v1)

        def accept_given(x, m0=m0, v0=v0, m1=m1, v1=v1, d=d, vp=vp, mp=mp, log_scale=log_scale):
            c = a * x * x + b * x
            inside = _interval(a, b, c)
            g = 1.0 if inside is None else \
                1.0 - _mass(*inside, m1, v1) + math.exp(d * c + log_scale) * _mass(*inside, mp, vp)
            return g * math.exp(-((x - m0) ** 2) / (2.0 * v0)) / math.sqrt(2.0 * math.pi * v0)

        out.append(1.0 - _split_integral(accept_given, top))
    return np.array(out)


def local_barrier(beta, mu, sigma):
    """λ(β) = ½ E|ℓ(X) − ℓ(X')|, X, X' iid π_β (Syed et al. 2022, Theorem 2), as ∫ F(1 − F) du over the CDF
    F of U = ℓ(X): F(u) = 1 − P(X in {ℓ > u}) below ℓ's maximum, 1 above it."""
    a, b = _quadratic(mu, sigma)
    m, v = moments(beta, mu, sigma)
    top = -b * b / (4.0 * a)

    def f_one_minus_f(u):
        inside = _interval(a, b, u)
        if inside is None:
            return 0.0
        f = 1.0 - _mass(*inside, m, v)
        return f * (1.0 - f)

    return integrate.quad(f_one_minus_f, -np.inf, top, **_TOL)[0]


def global_barrier(mu, sigma):
    """Λ = ∫_0^1 λ(β) dβ."""
    return integrate.quad(lambda beta: local_barrier(beta, mu, sigma), 0.0, 1.0, epsabs=1e-10, epsrel=1e-9,
                          limit=200)[0]
