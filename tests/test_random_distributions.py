# SPDX-License-Identifier: Apache-2.0
"""Distribution tests of heatbath.random with tolerances from the sampling error.

All draws are independent by construction, so the effective sample size is the sample size. Each
moment check allows Z = 5 standard errors (a false alarm probability below 1e-6 per check); the KS
checks use the asymptotic Kolmogorov critical value at alpha = 1e-6. Seeds are fixed.
"""
import math

import numpy as np
import pytest
from scipy import stats

import heatbath as hb

Z = 5.0
ALPHA = 1e-6
CHAINS, N = 2000, 1000  # 2e6 draws


def ks_critical(n: int, alpha: float = ALPHA) -> float:
    return math.sqrt(-math.log(alpha / 2) / (2 * n))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_moments(dtype):
    x = hb.random.normal((CHAINS, N), seed=20240601, dtype=dtype).astype(np.float64).ravel()
    n = x.size
    assert abs(x.mean()) < Z / math.sqrt(n)
    assert abs(x.var() - 1.0) < Z * math.sqrt(2.0 / n)
    assert abs(stats.skew(x)) < Z * math.sqrt(6.0 / n)
    assert abs((x**4).mean() - 3.0) < Z * math.sqrt(96.0 / n)  # Var(x^4) = E x^8 - 9 = 96


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_ks(dtype):
    x = hb.random.normal((CHAINS, N), seed=7, dtype=dtype).astype(np.float64).ravel()
    assert stats.kstest(x, "norm").statistic < ks_critical(x.size)


def test_normal_tails():
    # P(|x| > 4) = 6.33e-5: the count is binomial; Box-Muller with 23-bit radii reaches |x| ~ 5.6
    x = hb.random.normal((CHAINS, N), seed=3).astype(np.float64).ravel()
    p = 2 * stats.norm.sf(4.0)
    expected, sd = x.size * p, math.sqrt(x.size * p * (1 - p))
    assert abs((np.abs(x) > 4.0).sum() - expected) < Z * sd


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uniform_moments_and_ks(dtype):
    u = hb.random.uniform((CHAINS, N), seed=11, dtype=dtype).astype(np.float64).ravel()
    n = u.size
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < Z * math.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < Z * math.sqrt(1 / 180 / n)  # Var((u-1/2)^2) = 1/80 - 1/144
    assert stats.kstest(u, "uniform").statistic < ks_critical(n)


def test_streams_are_uncorrelated():
    # Neighbouring steps, chains and purposes must look independent: their correlation is ~N(0, 1/n).
    base = hb.random.normal((CHAINS, N), seed=5).astype(np.float64).ravel()
    others = {
        "next step": hb.random.normal((CHAINS, N), seed=5, step=1),
        "next chain": hb.random.normal((CHAINS, N), seed=5, chain_start=1),
        "other purpose": hb.random.normal((CHAINS, N), seed=5, purpose="langevin_noise"),
        "next seed": hb.random.normal((CHAINS, N), seed=6),
    }
    for name, other in others.items():
        r = np.corrcoef(base, other.astype(np.float64).ravel())[0, 1]
        assert abs(r) < Z / math.sqrt(base.size), name


def test_bits_are_balanced():
    w = hb.random.bits((CHAINS, N), seed=9).ravel()
    n = w.size
    for bit in range(32):
        ones = int(((w >> np.uint32(bit)) & np.uint32(1)).sum())
        assert abs(ones - n / 2) < Z * math.sqrt(n / 4), bit
