# SPDX-License-Identifier: Apache-2.0
"""RBM block Gibbs against exact answers: the conditionals against numpy, the sampled units against
their probabilities, and the stationary distribution of a small RBM against enumeration. Tolerances are
multiples of the Monte Carlo standard error of the statistic."""
import numpy as np
import pytest

import heatbath as hb
from goodness_of_fit import assert_counts_match
from rbm_reference import (binary_states, hidden_probs, log_p_visible_unnormalised, random_rbm, visible_index,
                           visible_probs)

RNG = np.random.default_rng(12345)


def binary(n, m, p=0.5, dtype="float32"):
    return (RNG.random((n, m)) < p).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conditionals_match_numpy(dtype):
    rbm, params = random_rbm(7, 5, seed=1, dtype=dtype)
    v, h = binary(40, 7, dtype=dtype), binary(40, 5, dtype=dtype)
    beta = np.linspace(0.2, 2.0, 40)
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(rbm.hidden_probs(v), hidden_probs(params, v), atol=tol)
    np.testing.assert_allclose(rbm.visible_probs(h), visible_probs(params, h), atol=tol)
    np.testing.assert_allclose(rbm.hidden_probs(v, beta), hidden_probs(params, v, beta[:, None]), atol=tol)
    np.testing.assert_allclose(rbm.visible_probs(h, beta), visible_probs(params, h, beta[:, None]), atol=tol)


def test_gaussian_conditional_mean_matches_closed_form():
    sigma = 0.7
    rbm, (w, b, c) = random_rbm(6, 4, seed=2, visible="gaussian", sigma=sigma, dtype="float64")
    h = binary(30, 4, dtype="float64")
    v = RNG.standard_normal((30, 6))
    np.testing.assert_allclose(rbm.visible_probs(h), b + sigma * h @ w.T, atol=1e-12)
    np.testing.assert_allclose(rbm.hidden_probs(v), hidden_probs((w, b, c), v, sigma=sigma), atol=1e-12)


def test_sampled_units_follow_their_probabilities():
    # One step from many copies of one state: h_1 ~ p(h | v_0) exactly, and v_1 − p(v | h_1) has mean 0.
    rbm, params = random_rbm(9, 6, seed=3)
    n = 40_000
    v0 = np.repeat(binary(1, 9), n, axis=0)
    res = hb.gibbs(rbm, v0, 1, seed=11)
    p_h = hidden_probs(params, v0[:1].astype(np.float64))[0]
    se = np.sqrt(p_h * (1 - p_h) / n)
    assert np.all(np.abs(res.h.mean(axis=0) - p_h) < 4.5 * se + 1e-12)
    resid = res.v - visible_probs(params, res.h.astype(np.float64))
    assert np.all(np.abs(resid.mean(axis=0)) < 4.5 * 0.5 / np.sqrt(n))


def test_gaussian_visible_draws_have_the_closed_form_mean_and_variance():
    sigma = 1.3
    rbm, (w, b, c) = random_rbm(5, 4, seed=4, visible="gaussian", sigma=sigma, dtype="float64")
    n = 40_000
    beta = np.where(np.arange(n) % 2 == 0, 0.5, 2.0)
    v0 = np.zeros((n, 5))
    res = hb.gibbs(rbm, v0, 1, beta=beta, seed=5)
    z = (res.v - (b + sigma * res.h @ w.T)) / (sigma / np.sqrt(beta)[:, None])  # N(0, 1) per unit
    for part in (z[0::2], z[1::2]):
        m = part.shape[0]
        assert np.all(np.abs(part.mean(axis=0)) < 4.5 / np.sqrt(m))
        assert np.all(np.abs(part.var(axis=0) - 1) < 4.5 * np.sqrt(2.0 / m))


@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_stationary_distribution_matches_enumeration(beta):
    # Many independent chains, one sample each after a burn-in far beyond this small RBM's mixing time,
    # so the samples are independent draws and the total variation has an exact-binomial error scale.
    rbm, params = random_rbm(4, 3, seed=6, scale=1.5)
    n, burn = 60_000, 100
    res = hb.gibbs(rbm, np.zeros((n, 4), np.float32), burn, beta=beta, seed=21)
    vs = binary_states(4)
    logp = log_p_visible_unnormalised(params, vs, beta)
    p = np.exp(logp - np.logaddexp.reduce(logp))
    counts = np.bincount(visible_index(res.v), minlength=16)
    p_hat = counts / n
    tv = 0.5 * np.abs(p_hat - p).sum()
    expected = 0.5 * np.sqrt(p * (1 - p) / n).sum()  # ≥ E[TV], since E|p̂ − p| ≤ sd(p̂)
    assert tv < 3 * expected, (tv, expected)
    # The TV bound is loose (3 × an upper bound on its mean); Pearson's χ² of the counts of these
    # independent draws (15 df, quantile at 1 − 1e-6: 56.5) is the sharp check. Measured once, with
    # the chains run at a wrong temperature: at 0.9 β, χ² = 1399 (β = 1) and 744 (β = 0.5); at 0.95 β,
    # 331 and 185, where the TV check alone still passes for β = 0.5 (0.0208 < 0.0209). At the right
    # β: 12.2 and 19.7.
    assert_counts_match(counts, p, f"visible states at β = {beta}")


def test_per_chain_beta_samples_each_temperature():
    rbm, params = random_rbm(4, 3, seed=7, scale=1.5)
    n = 60_000
    betas = np.array([0.3, 1.0])
    beta = np.repeat(betas, n // 2)
    res = hb.gibbs(rbm, np.zeros((n, 4), np.float32), 100, beta=beta, seed=8)
    vs = binary_states(4)
    for k, bk in enumerate(betas):
        logp = log_p_visible_unnormalised(params, vs, bk)
        p = np.exp(logp - np.logaddexp.reduce(logp))
        rows = res.v[k * n // 2:(k + 1) * n // 2]
        counts = np.bincount(visible_index(rows), minlength=16)
        p_hat = counts / rows.shape[0]
        assert 0.5 * np.abs(p_hat - p).sum() < 3 * 0.5 * np.sqrt(p * (1 - p) / rows.shape[0]).sum()
        # Final states of independent chains: Pearson's χ² (15 df) below its 1 − 1e-6 quantile, 56.5.
        # Measured once: the β = 1 half run at 0.95 gives χ² = 79 (TV passes), at 0.9, 321; the β = 0.3
        # half run at 0.27 gives only 46 (near β = 0 the law hardly depends on β); swapping the two
        # temperatures gives χ² > 15,000. At the right β: 14.4 and 21.8.
        assert_counts_match(counts, p, f"visible states of the β = {bk} chains")


def test_trace_records_every_thin_steps():
    rbm, _ = random_rbm(5, 3, seed=9)
    v0 = binary(8, 5)
    res = hb.gibbs(rbm, v0, 12, seed=1, thin=4, trace_hidden=True)
    assert res.trace.shape == (3, 8, 5) and res.trace_hidden.shape == (3, 8, 3)
    np.testing.assert_array_equal(res.trace[-1], res.v)
    np.testing.assert_array_equal(res.trace_hidden[-1], res.h)
    first = hb.gibbs(rbm, v0, 4, seed=1)
    np.testing.assert_array_equal(res.trace[0], first.v)
    assert hb.gibbs(rbm, v0, 12, seed=1, thin=4).trace_hidden is None
