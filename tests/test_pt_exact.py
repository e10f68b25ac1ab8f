# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering against closed forms: the tempered Gaussians at every β, a separated mixture,
swap rejection rates and the barrier Λ, stepping-stone log Z, and the round-trip rate of DEO and SEO.
Tolerances are Monte Carlo standard errors (independent chains, or batch means over them) times a
safety factor, plus the stated model error where the theory assumes perfect local mixing."""
import math

import numpy as np
import pytest

import heatbath as hb
from pt_theory import global_barrier, moments, pair_rejection

MU, SIGMA = 2.0, 0.5


def gaussian(mu=MU, sigma=SIGMA):
    return hb.Gaussian(np.array([mu]), covariance=np.array([[sigma**2]]))


def test_variance_at_every_beta_is_the_product_of_gaussians():
    sigma = 0.4
    pt = hb.ParallelTempering(gaussian(0.0, sigma), 6, sampler=hb.LangevinMove(0.1, "mala", n_local=4))
    chains = 4000
    res = pt.run(np.zeros((chains, 1)), 150, seed=3)
    _, var = moments(res.betas, 0.0, sigma)
    est = np.asarray(res.replicas)[:, :, 0].var(axis=1)
    se = var * math.sqrt(2.0 / chains)  # independent chains, normal fourth moment
    np.testing.assert_array_less(np.abs(est - var), 5 * se)
    assert (res.accept_rate > 0.5).all()


def test_pt_recovers_the_weights_of_separated_modes():
    target = hb.GaussianMixture(np.array([[-4.0], [4.0]]), np.array([0.5, 0.5]), np.array([0.3, 0.7]))
    x0 = np.full((256, 1), -4.0)
    plain = hb.langevin(target, x0, 2000, 0.1, "mala", seed=1)
    assert (np.asarray(plain.x) > 0).mean() == 0.0  # stuck in the starting mode
    pt = hb.ParallelTempering(target, np.linspace(0, 1, 8) ** 2, sampler=hb.LangevinMove(0.15, "mala", n_local=3),
                              reference=hb.GaussianReference(0.0, 4.0))
    res = pt.run(x0, 1200, seed=2, thin=4)
    right = (np.asarray(res.trace)[50:, :, 0] > 0).mean(axis=0)  # per chain, after a burn-in of 200 rounds
    se = right.std(ddof=1) / math.sqrt(right.size)  # chains are independent
    assert abs(right.mean() - 0.7) < 5 * se + 0.01


def test_rejection_rates_barrier_and_log_z_on_a_gaussian_path():
    betas = np.linspace(0.0, 1.0, 9)
    pt = hb.ParallelTempering(gaussian(), betas, sampler=hb.LangevinMove(0.1, "mala", n_local=5))
    res = pt.run(np.zeros((400, 1)), 600, seed=4)
    exact = pair_rejection(betas, MU, SIGMA)
    # The per-round rejection probabilities of one column are correlated over a few rounds: an
    # effective sample of rounds / 10 per column is conservative for n_local = 5 MALA steps.
    ess = 400 * 600 / 10
    se = np.sqrt(exact * (1 - exact) / ess) + 5e-4
    np.testing.assert_array_less(np.abs(res.rejection - exact), 5 * se)
    # Λ: the fine-ladder sum of rejections converges to ∫ λ (error O(Δβ²) per unit barrier).
    big = global_barrier(MU, SIGMA)
    fine = hb.ParallelTempering(gaussian(), 41, sampler=hb.LangevinMove(0.1, "mala", n_local=5))
    fres = fine.run(np.zeros((100, 1)), 400, seed=5)
    assert abs(fres.barrier - big) < 0.03 * big
    assert abs(exact.sum() - res.barrier) < 0.02 * big
    # log Z(1) − log Z(0) = log ∫ exp(−(x−μ)²/(2σ²)) dx with a normalised reference.
    truth = math.log(SIGMA * math.sqrt(2 * math.pi))
    for est in (res.log_z, res.log_z_forward, res.log_z_reverse, fres.log_z):
        assert abs(est - truth) < 0.02
    assert res.local_barrier.shape == (8,) and np.allclose(res.local_barrier * np.diff(betas), res.rejection)


def test_log_z_over_seeds_is_unbiased_within_mcse():
    truth = math.log(SIGMA * math.sqrt(2 * math.pi))
    pt = hb.ParallelTempering(gaussian(), 7, sampler=hb.LangevinMove(0.1, "mala", n_local=3))
    ests = np.array([pt.run(np.zeros((100, 1)), 200, seed=s).log_z for s in range(6)])
    se = ests.std(ddof=1) / math.sqrt(ests.size)
    assert abs(ests.mean() - truth) < 5 * se + 2e-3


def test_round_trip_rate_matches_theory_and_deo_beats_seo():
    # Local moves that mix fast (20 MALA steps at a well-sized step) make the index process close to
    # the Markov chain of Syed et al.'s Theorem 3; what is left is a few percent of model error.
    # The warm-up run's state carries the round-trip bookkeeping, so the counted run has no start-up
    # deficit (replicas that have not yet reached β_0 cannot complete a trip).
    move = hb.LangevinMove(0.25, "mala", n_local=10)
    rates = {}
    for swap in ("deo", "seo"):
        pt = hb.ParallelTempering(gaussian(1.0, 0.7), 13, sampler=move, swap=swap)
        warm = pt.run(np.zeros((150, 1)), 300, seed=6)
        res = pt.run(warm.state, 2000)
        theory = hb.pt_stats.round_trip_rate_theory(res.rejection, swap)
        assert abs(res.round_trip_rate - theory) < 0.12 * theory, (swap, res.round_trip_rate, theory)
        rates[swap] = res.round_trip_rate
        if swap == "deo":
            assert np.all(np.abs(res.swap_rate - (1 - res.rejection)) < 0.03)
    assert rates["deo"] > 3 * rates["seo"]


def test_deo_advantage_grows_with_the_number_of_temperatures():
    # Theory: DEO / SEO = (2K + 2E) / (2 + 2E) with E = Σ r/(1−r), which grows with K at a fixed barrier.
    move = hb.LangevinMove(0.25, "mala", n_local=5)
    ratio = {}
    for n in (5, 21):
        rate = {}
        for swap in ("deo", "seo"):
            pt = hb.ParallelTempering(gaussian(1.0, 0.7), n, sampler=move, swap=swap)
            warm = pt.run(np.zeros((60, 1)), 200, seed=7)
            rate[swap] = pt.run(warm.state, 1000).round_trip_rate
        ratio[n] = rate["deo"] / rate["seo"]
    assert ratio[21] > 2.5 * ratio[5]
