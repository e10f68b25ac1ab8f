# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering of hb.Ising and hb.RBM against exact enumeration: energies per temperature, the
β = 1 marginal, and log Z by stepping stone; and a bimodal lattice where plain heat-bath stays in the
mode it starts in while PT's β = 1 chains visit both.

PT's columns (chains) are independent Markov chains, so the final states of many columns are
independent draws and their spread gives exact standard errors; log Z errors come from the spread of
independent runs (different seeds)."""
import math

import numpy as np
import pytest

import heatbath as hb
from ising_reference import all_states, energy, exact_moments
from rbm_reference import binary_states, brute_log_z, log_p_visible_unnormalised, random_rbm, visible_index
from goodness_of_fit import assert_counts_match



@pytest.fixture(autouse=True)
def _one_thread():
    # Rounds here are small core calls, which OpenMP slows down on a small shared machine; the bits do
    # not depend on the thread count (test_pt_gibbs_reproducible.py), and conftest restores it.
    hb.set_num_threads(1)


SHAPE = (4, 4)
J = 0.4  # β J = 0.4 at β = 1: close to the critical 0.44, where a 4 × 4 torus is strongly correlated
BETAS = np.linspace(0.0, 1.0, 6)


def ising_log_z(beta=1.0):
    e = energy(all_states(SHAPE), J)
    return float(np.logaddexp.reduce(-beta * e))


def burnt_in(pt, x0, seed, burn=30, rounds=250):
    """A run's statistics after `burn` rounds (a call's statistics cover that call only): the rounds
    from the far-from-typical start would bias log Z by a few standard errors."""
    return pt.run(pt.run(x0, burn, seed=seed).state, rounds)


def test_ising_energy_per_temperature_matches_enumeration():
    chains = 3000
    pt = hb.ParallelTempering(hb.Ising(SHAPE, coupling=J), BETAS)
    res = pt.run(np.ones((chains,) + SHAPE, np.int8), 60, seed=11)
    assert isinstance(res.x, np.ndarray) and res.x.dtype == np.int8 and res.x.shape == (chains,) + SHAPE
    e = np.asarray(res.energy)  # [K+1, chains]: one independent draw per column at each temperature
    np.testing.assert_array_equal(e[-1], pt.target.model.energy(res.x))  # E of the β = 1 states
    np.testing.assert_allclose(e[-1], energy(res.x, J), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(res.replicas)[-1], res.x)
    for k, beta in enumerate(BETAS):
        exact = exact_moments(SHAPE, beta, J)["energy"]
        se = e[k].std(ddof=1) / math.sqrt(chains)
        assert abs(e[k].mean() - exact) < 4.5 * se, (beta, e[k].mean(), exact, se)
    assert (res.swap_rate > 0.3).all() and res.round_trips.sum() > 0


def test_ising_log_z_by_stepping_stone_matches_enumeration():
    pt = hb.ParallelTempering(hb.Ising(SHAPE, coupling=J), BETAS, sampler=hb.GibbsMove(n_sweeps=2))
    estimates = [burnt_in(pt, np.ones((100,) + SHAPE, np.int8), s).log_z for s in range(8)]
    mean, se = np.mean(estimates), np.std(estimates, ddof=1) / math.sqrt(len(estimates))
    exact = ising_log_z()
    assert abs(mean - exact) < 4.5 * se + 1e-3, (mean, exact, se)
    assert se < 0.02  # and the estimate is actually informative


def rbm_case():
    return random_rbm(6, 4, seed=5, scale=1.2)


def test_rbm_log_z_by_stepping_stone_matches_exact_log_z():
    rbm, params = rbm_case()
    exact = float(hb.exact_log_z(rbm))
    assert abs(exact - brute_log_z(params)) < 1e-4  # the joint's Σ_{v,h} exp(−E) is the RBM's Z
    pt = hb.ParallelTempering(rbm, np.linspace(0.0, 1.0, 8))
    estimates = [burnt_in(pt, np.zeros((100, 6), np.float32), s).log_z for s in range(8)]
    mean, se = np.mean(estimates), np.std(estimates, ddof=1) / math.sqrt(len(estimates))
    assert abs(mean - exact) < 4.5 * se + 1e-3, (mean, exact, se)
    assert se < 0.02


def test_rbm_visible_marginal_at_beta_one_matches_enumeration():
    rbm, params = rbm_case()
    chains = 20_000
    pt = hb.ParallelTempering(rbm, np.linspace(0.0, 1.0, 5), sampler=hb.GibbsMove(n_sweeps=2))
    res = pt.run(np.zeros((chains, 6), np.float32), 40, seed=2)
    x = np.asarray(res.x)
    assert x.shape == (chains, 6 + 4) and x.dtype == np.float32
    assert set(np.unique(x)) <= {0.0, 1.0}
    vs = binary_states(6)
    logp = log_p_visible_unnormalised(params, vs)
    p = np.exp(logp - np.logaddexp.reduce(logp))
    counts = np.bincount(visible_index(x[:, :6]), minlength=vs.shape[0])
    p_hat = counts / chains
    tv = 0.5 * np.abs(p_hat - p).sum()
    expected = 0.5 * np.sqrt(p * (1 - p) / chains).sum()  # ≥ E[TV] for independent draws
    assert tv < 3 * expected, (tv, expected)
    # The TV bound is loose; Pearson's χ² of the β = 1 states of the independent columns (64 states,
    # none expected below 16 draws: 63 df, quantile at 1 − 1e-6: 131.4) is the sharp check. Measured
    # once with the RBM's parameters scaled by 0.95 (a sampler at β = 0.95): χ² = 208 while TV =
    # 0.043 passes 0.066; at 0.9: χ² = 621 (TV 0.072). At β = 1: χ² = 64.
    assert_counts_match(counts, p, "visible states at β = 1")
    # the stored pairs are draws from the joint: E(v, h) of the β = 1 states against enumeration
    w, b, c = params
    e = -(x[:, :6] @ b) - (x[:, 6:] @ c) - ((x[:, :6] @ w) * x[:, 6:]).sum(1)
    np.testing.assert_allclose(np.asarray(res.energy)[-1], e, rtol=1e-5, atol=1e-5)
    hs = binary_states(4)
    neg_e = (vs @ b)[:, None] + (hs @ c)[None, :] + vs @ w @ hs.T
    exact_e = float((np.exp(neg_e - neg_e.max()) * -neg_e).sum() / np.exp(neg_e - neg_e.max()).sum())
    assert abs(e.mean() - exact_e) < 4.5 * e.std(ddof=1) / math.sqrt(chains)


def test_pt_crosses_the_barrier_that_stops_plain_heat_bath():
    # A 6 × 6 ferromagnet at β J = 0.8, well below T_c, started all +1: flipping the magnetisation costs
    # two domain walls (ΔE ≈ 4 L J ≈ 19), so heat-bath stays at m > 0; PT's β = 1 chains visit both signs.
    shape, chains, rounds = (6, 6), 32, 400
    ising = hb.Ising(shape, coupling=0.8)
    start = np.ones((chains,) + shape, np.int8)
    pt = hb.ParallelTempering(ising, np.linspace(0.0, 1.0, 12) ** 1.5)
    res = pt.run(start, rounds, seed=7, thin=4)
    m = ising.magnetization(np.asarray(res.trace).reshape((-1,) + shape)).reshape(rounds // 4, chains)
    negative = (m[rounds // 8:] < 0).mean()  # the second half: after the first round trips (~35 rounds)
    assert 0.35 < negative < 0.65, negative
    assert ((m < 0).any(axis=0) & (m > 0).any(axis=0)).mean() > 0.9  # nearly every chain saw both
    plain = hb.gibbs(ising, start, rounds, beta=1.0, seed=7)
    assert (np.asarray(plain.magnetization) > 0).all()


@pytest.mark.parametrize("model", ["ising", "rbm"])
def test_adaptive_ladder_runs_with_gibbs_moves(model):
    if model == "ising":
        target, x0 = hb.Ising(SHAPE, coupling=J), np.ones((40,) + SHAPE, np.int8)
    else:
        target, x0 = rbm_case()[0], np.zeros((40, 6), np.float32)
    fixed = hb.ParallelTempering(target, 6).run(x0, 200, seed=1)
    pt = hb.ParallelTempering(target, 6, adapt=63)
    res = pt.run(x0, 200, seed=1)
    assert len(res.tuning) == 6  # the start and stages of 2, 4, ..., 32 rounds
    assert res.betas[0] == 0.0 and res.betas[-1] == 1.0 and (np.diff(res.betas) > 0).all()
    np.testing.assert_array_equal(pt.betas, res.betas)
    cv = res.rejection.std() / res.rejection.mean()
    assert cv < fixed.rejection.std() / fixed.rejection.mean()
    assert pt.run(res.state, 3).tuning == []
