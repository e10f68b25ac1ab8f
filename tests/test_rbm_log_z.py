# SPDX-License-Identifier: Apache-2.0
"""Free energies against numpy, exact log Z against brute force over both layers (and quadrature for
Gaussian units), and AIS against the exact value within its own standard error. That standard error is
itself checked: recomputed from the returned log weights, and calibrated against the spread of
independent runs (so that an inflated one, which would make every AIS check unable to fail, fails)."""
import math
import os

import numpy as np
import pytest
from scipy import stats

import heatbath as hb
from helpers import INTERRUPT_SLACK, seconds_until_interrupted
from rbm_reference import binary_states, brute_log_z, log_p_visible_unnormalised, random_rbm

RNG = np.random.default_rng(99)


@pytest.mark.parametrize("dtype,tol", [("float32", 2e-5), ("float64", 1e-12)])
def test_free_energy_matches_numpy(dtype, tol):
    rbm, params = random_rbm(8, 5, seed=1, dtype=dtype)
    v = (RNG.random((50, 8)) < 0.5).astype(dtype)
    beta = np.linspace(0.3, 2.0, 50)
    expected = -log_p_visible_unnormalised(params, v.astype(np.float64), beta[:, None])
    np.testing.assert_allclose(hb.free_energy(rbm, v, beta), expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(hb.free_energy(rbm, v), -log_p_visible_unnormalised(params, v.astype(np.float64)),
                               rtol=tol, atol=tol)


def test_gaussian_free_energy_matches_numpy():
    sigma, beta = 0.6, 1.7
    rbm, (w, b, c) = random_rbm(6, 4, seed=2, visible="gaussian", sigma=sigma, dtype="float64")
    v = RNG.standard_normal((20, 6))
    expected = beta * ((v - b) ** 2).sum(1) / (2 * sigma**2) - np.logaddexp(0, beta * (c + v @ w / sigma)).sum(1)
    np.testing.assert_allclose(hb.free_energy(rbm, v, beta), expected, rtol=1e-12)


@pytest.mark.parametrize("V,H", [(6, 9), (9, 6), (1, 1), (10, 10)])
@pytest.mark.parametrize("beta", [1.0, 0.4])
def test_exact_log_z_matches_brute_force_over_both_layers(V, H, beta):
    rbm, params = random_rbm(V, H, seed=V * 10 + H, dtype="float64", scale=0.8)
    assert hb.exact_log_z(rbm, beta) == pytest.approx(brute_log_z(params, beta), rel=1e-12, abs=1e-12)


def test_exact_log_z_of_float32_model_matches_its_float64_copy():
    rbm, params = random_rbm(7, 5, seed=3)
    assert hb.exact_log_z(rbm) == pytest.approx(brute_log_z(params), rel=1e-12)


def test_gaussian_exact_log_z_matches_quadrature():
    sigma, beta = 0.9, 0.7
    rbm, (w, b, c) = random_rbm(1, 3, seed=4, visible="gaussian", sigma=sigma, dtype="float64")
    x = np.linspace(-30, 30, 200_001)
    hs = binary_states(3)
    # −βE(v, h) on the grid for every h: [grid, 2**H]
    neg_e = -beta * ((x[:, None] - b[0]) ** 2 / (2 * sigma**2) - (hs @ c)[None, :]
                     - (x[:, None] / sigma) * (hs @ w[0])[None, :])
    top = neg_e.max()
    f = np.exp(neg_e - top).sum(1)
    z = (x[1] - x[0]) * (f.sum() - 0.5 * (f[0] + f[-1]))  # trapezoid rule
    assert hb.exact_log_z(rbm, beta) == pytest.approx(top + math.log(z), rel=1e-9)


def checked(res):
    """res after checking its log Z, standard error and ESS against its own log weights: w = exp(lw −
    max lw), log Z = log Z_base + max lw + log mean w, se = sd(w) / (mean(w) √n) (the delta method)."""
    lw = np.asarray(res.log_weights, dtype=np.float64)
    n = lw.size
    w = np.exp(lw - lw.max())
    assert res.log_z == pytest.approx(res.log_z_base + lw.max() + math.log(w.mean()), rel=1e-12, abs=1e-12)
    assert res.log_z_se == pytest.approx(w.std(ddof=1) / (w.mean() * math.sqrt(n)), rel=1e-9)
    assert res.effective_sample_size == pytest.approx(w.sum() ** 2 / (w * w).sum(), rel=1e-9)
    return res


@pytest.mark.parametrize("V,H,base", [(12, 8, "uniform"), (16, 10, "base_rate"), (10, 14, "uniform")])
def test_ais_within_three_standard_errors_of_exact(V, H, base):
    rbm, params = random_rbm(V, H, seed=V + H, scale=0.7)
    data = hb.gibbs(rbm, np.zeros((500, V), np.float32), 50, seed=1).v if base == "base_rate" else None
    exact = hb.exact_log_z(rbm)
    res = checked(hb.ais_log_z(rbm, 2000, 200, seed=5, base=base, data=data))
    assert abs(res.log_z - exact) < 3 * res.log_z_se, (res.log_z, exact, res.log_z_se)
    assert res.log_weights.shape == (2000,) and 1 < res.effective_sample_size <= 2000


def test_ais_gaussian_within_three_standard_errors_of_exact():
    rbm, _ = random_rbm(8, 6, seed=8, visible="gaussian", sigma=0.8, scale=0.3)
    res = checked(hb.ais_log_z(rbm, 2000, 200, seed=2))
    exact = hb.exact_log_z(rbm)
    assert abs(res.log_z - exact) < 3 * res.log_z_se, (res.log_z, exact, res.log_z_se)


def test_ais_standard_error_is_calibrated_across_seeds():
    # 100 independent runs: with 300 chains and 100 distributions the weights are light-tailed (ESS ≈
    # 270 of 300), so (log Ẑ − log Z) / se is close to N(0, 1) (the Jensen bias, ≈ se²/2 ≈ 0.01 se, is
    # negligible) and the sum of the squares is χ²_100. Both tails at 1e-6 (46.5 and 182.1): a standard
    # error inflated about 1.5× or more, or too small by 1.35× or more (e.g. correlated chains), fails.
    # Measured once: the statistic is 86.0 here, so se inflated 1.5× gives 38.2 and fails; over 2,000
    # other seeds, the mean of z² is 0.99 and groups of 100 sum to 75–123.
    rbm, _ = random_rbm(12, 8, seed=20, scale=0.7)
    exact = hb.exact_log_z(rbm)
    runs = [checked(hb.ais_log_z(rbm, 300, 100, seed=s)) for s in range(100)]
    z = np.array([(r.log_z - exact) / r.log_z_se for r in runs])
    lo, hi = stats.chi2.ppf([1e-6, 1 - 1e-6], z.size)
    assert lo < (z**2).sum() < hi, ((z**2).sum(), lo, hi)


def test_ais_error_shrinks_with_more_distributions():
    rbm, _ = random_rbm(14, 10, seed=9, scale=1.0)
    exact = hb.exact_log_z(rbm)
    results = [checked(hb.ais_log_z(rbm, 1000, k, seed=k)) for k in (10, 100, 1000)]
    for r in results:
        assert abs(r.log_z - exact) < 3 * r.log_z_se + 1e-3
    se = [r.log_z_se for r in results]
    assert se[0] > se[1] > se[2]
    # And the actual error, not only the reported one: the RMS error against the exact log Z over S
    # independent runs (100 chains each). For large K the variance of log w falls like 1/K (Neal 2001),
    # so the mean squared error falls ~10× per decade of K (measured: 12.6×). With S runs each mean
    # square is MSE · χ²_S / S (Gaussian errors), so the ratio of two is the true one times an F(S, S)
    # variable: if the true ratio is ≥ 10, the observed one stays above 10 · F⁻¹(1e-6; S, S) = 1.55
    # (S = 30) except with probability 1e-6. So the RMS must shrink by √1.55 = 1.25× per decade.
    # Measured once: RMS 0.163, 0.043, 0.013 (K = 10, 100, 1000); seeds from 2000 share no chains
    # with the runs above.
    S = 30
    rms = [math.sqrt(np.mean([(hb.ais_log_z(rbm, 100, k, seed=2000 + s).log_z - exact) ** 2 for s in range(S)]))
           for k in (10, 100, 1000)]
    shrink = math.sqrt(10 * stats.f.ppf(1e-6, S, S))
    assert rms[0] > shrink * rms[1] and rms[1] > shrink * rms[2], (rms, shrink)


def test_ais_with_given_base_and_schedule():
    rbm, params = random_rbm(8, 5, seed=10)
    b_a = np.full(8, -0.3)
    res = checked(hb.ais_log_z(rbm, 1000, np.linspace(0, 1, 100) ** 2, seed=1, base=b_a))
    assert res.log_z_base == pytest.approx(5 * math.log(2) + 8 * math.log1p(math.exp(-0.3)))
    assert abs(res.log_z - brute_log_z(params)) < 3 * res.log_z_se


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
def test_ctrl_c_stops_a_long_enumeration():
    # 2**24 hidden states × 200 visible units: about half a minute of work on two cores, in pieces.
    rbm = hb.RBM(0.01 * RNG.standard_normal((200, 24)), np.zeros(200), np.zeros(24))
    elapsed = seconds_until_interrupted(lambda: hb.exact_log_z(rbm), 0.3)
    assert elapsed < 0.3 + INTERRUPT_SLACK

