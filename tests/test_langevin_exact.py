# SPDX-License-Identifier: Apache-2.0
"""Langevin samplers against exact answers.

Each test runs many independent chains and looks at their final states, so the samples are
independent and the effective sample size is the number of chains. Tolerances are Z = 5 Monte Carlo
standard errors (false alarm below 1e-6 per check). Where the chains start from the exact
stationary distribution (sampled with numpy), the check needs no burn-in and tests that the
sampler preserves that distribution; otherwise the run is long compared with the relaxation time,
which the test states.
"""
import math

import numpy as np
import pytest

import heatbath as hb

Z = 5.0


def var_tolerance(var: float, n: int) -> float:
    return Z * var * math.sqrt(2.0 / n)  # SE of a normal sample variance


def mean_tolerance(samples: np.ndarray) -> float:
    return Z * samples.std() / math.sqrt(samples.size)


@pytest.mark.parametrize("h", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("beta", [1.0, 2.5])
def test_ula_gaussian_has_the_known_biased_variance(h, beta):
    # ULA on E = x²/(2σ²) is AR(1): x' = (1 − h/σ²) x + sqrt(2h/β) ξ, stationary variance
    # (σ²/β) / (1 − h/(2σ²)). With σ² = 1.5 and h ≤ 1 the AR coefficient is ≤ 0.94: 600 steps relax it.
    sigma2, n = 1.5, 200_000
    target = hb.Gaussian(np.zeros(1), np.array([[1.0 / sigma2]]))
    res = hb.langevin(target, np.zeros((n, 1)), 600, h, beta=beta, seed=1)
    expected = (sigma2 / beta) / (1.0 - h / (2.0 * sigma2))
    x = res.x[:, 0]
    assert abs(x.var() - expected) < var_tolerance(expected, n)
    assert abs(x.mean()) < Z * math.sqrt(expected / n)
    unbiased = sigma2 / beta
    assert abs(unbiased - expected) > var_tolerance(expected, n)  # an unbiased sampler would fail it


def test_ula_correlated_gaussian_matrix_variance():
    # d-D analogue: stationary covariance S = (1/β) P⁻¹ (I − hP/2)⁻¹ for precision P.
    precision = np.array([[2.0, 0.6], [0.6, 1.0]])
    h, beta, n = 0.3, 1.5, 200_000
    mean = np.array([1.0, -2.0])
    target = hb.Gaussian(mean, precision)
    res = hb.langevin(target, np.tile(mean, (n, 1)), 400, h, beta=beta, seed=2)
    expected = np.linalg.inv(precision) @ np.linalg.inv(np.eye(2) - h * precision / 2) / beta
    cov = np.cov(res.x.T)
    for i in range(2):
        for j in range(2):
            se = math.sqrt((expected[i, j] ** 2 + expected[i, i] * expected[j, j]) / n)  # SE of a covariance
            assert abs(cov[i, j] - expected[i, j]) < Z * se, (i, j)
    assert np.abs(res.x.mean(axis=0) - mean).max() < Z * math.sqrt(expected.diagonal().max() / n)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("h", [0.2, 0.8, 1.2])
def test_baoab_harmonic_variance_is_exact(dtype, h):
    # BAOAB samples the configurational distribution of a harmonic well exactly at any stable step:
    # Var x = 1/(β ω²). ω = 1.5, so hω ≤ 1.8 < 2 (near the edge, where other splittings are far off);
    # 1000 steps of h ≥ 0.2 with γ = 1 relax it.
    omega2, beta, n = 2.25, 2.0, 200_000
    target = hb.Gaussian(np.zeros(1, dtype=dtype), np.array([[omega2]], dtype=dtype))
    res = hb.langevin(target, np.zeros((n, 1), dtype=dtype), 1000, h, method="baoab", beta=beta, friction=1.0,
                      seed=3)
    expected = 1.0 / (beta * omega2)
    x = res.x[:, 0].astype(np.float64)
    assert abs(x.var() - expected) < var_tolerance(expected, n)


def mixture_samples(rng, means, sds, weights, n):
    comp = rng.choice(len(weights), size=n, p=weights)
    return means[comp] + sds[comp][:, None] * rng.standard_normal((n, means.shape[1]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mala_preserves_a_gaussian_mixture(dtype):
    # Started from exact samples, MALA's chains stay exactly distributed: compare the first and second
    # moments with their closed forms after 300 steps (about 30 % accepted moves per chain at h = 0.4).
    means = np.array([[-1.0, 1.0], [1.5, 0.5], [0.0, -1.5], [2.0, -2.0]])
    sds = np.array([0.8, 0.5, 1.0, 0.7])
    weights = np.array([0.3, 0.2, 0.4, 0.1])
    n = 100_000
    target = hb.GaussianMixture(means.astype(dtype), sds.astype(dtype), weights.astype(dtype))
    x0 = mixture_samples(np.random.default_rng(0), means, sds, weights, n).astype(dtype)
    res = hb.langevin(target, x0, 300, 0.4, method="mala", seed=4)
    assert res.n_diverged == 0
    assert 0.3 < float(res.accept_rate.mean()) < 1.0
    x = res.x.astype(np.float64)
    mean = weights @ means
    second = weights @ (means**2 + sds[:, None] ** 2)
    for i in range(2):
        assert abs(x[:, i].mean() - mean[i]) < mean_tolerance(x[:, i]), i
        assert abs((x[:, i] ** 2).mean() - second[i]) < mean_tolerance(x[:, i] ** 2), i
    moved = np.abs(res.x - x0).max(axis=1) > 0
    assert moved.mean() > 0.99  # the chains did move


def double_well_quadrature(beta):
    grid = np.linspace(-4.0, 4.0, 400_001)
    density = np.exp(-beta * (grid**4 - 4 * grid**2 + grid))
    density /= np.trapezoid(density, grid)
    return grid, density


def test_mala_double_well_marginal_matches_quadrature():
    # p(x) ∝ exp(−β(x⁴ − 4x² + x)) at β = 1: start from exact draws (inverse CDF on a fine grid), run
    # MALA, compare mean, second moment and the left-well mass with quadrature.
    beta, n = 1.0, 200_000
    grid, density = double_well_quadrature(beta)
    cdf = np.cumsum(density)
    cdf /= cdf[-1]
    x0 = np.interp(np.random.default_rng(5).random(n), cdf, grid)[:, None]
    res = hb.langevin(hb.DoubleWell(), x0, 400, 0.05, method="mala", beta=beta, seed=5)
    x = res.x[:, 0]
    exact_mean = np.trapezoid(grid * density, grid)
    exact_second = np.trapezoid(grid**2 * density, grid)
    exact_left = np.trapezoid(np.where(grid < 0, density, 0.0), grid)
    assert abs(x.mean() - exact_mean) < mean_tolerance(x)
    assert abs((x**2).mean() - exact_second) < mean_tolerance(x**2)
    left = (x < 0).mean()
    assert abs(left - exact_left) < Z * math.sqrt(exact_left * (1 - exact_left) / n)


def test_annealing_finds_the_global_minimum_well():
    # From the shallower right well (x ≈ 1.35), a constant cold run (β = 20) cannot cross the barrier
    # (2.6 in E, so a rate ~ exp(−52)), while a slow geometric anneal from β = 0.5 to 20 must leave at
    # least as many chains in the deeper left well (x ≈ −1.47) as equilibrium holds there at β = 1 —
    # i.e. the chains freeze no earlier than β = 1 — within 5 binomial standard errors.
    n, steps, h = 5000, 20_000, 0.01
    x0 = np.full((n, 1), 1.35)
    cold = hb.langevin(hb.DoubleWell(), x0, steps, h, beta=20.0, seed=6)
    annealed = hb.langevin(hb.DoubleWell(), x0, steps, h, beta=hb.schedules.geometric(0.5, 20.0, steps), seed=6)
    assert (cold.x[:, 0] < 0).mean() < 0.01
    grid, density = double_well_quadrature(1.0)
    left_at_beta1 = np.trapezoid(np.where(grid < 0, density, 0.0), grid)
    left = annealed.x[:, 0] < 0
    assert left.mean() > left_at_beta1 - Z * math.sqrt(left_at_beta1 * (1 - left_at_beta1) / n)
    assert abs(np.median(annealed.x[left, 0]) + 1.47) < 0.05  # and they sit at the minimum, cold
