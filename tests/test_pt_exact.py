# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering against closed forms: the tempered Gaussians at every β, a separated mixture,
swap rejection rates and the barrier Λ, stepping-stone log Z, and the round-trip rate of DEO and SEO.
References are exact (tests/pt_theory.py: quadrature, no Monte Carlo). Tolerances are Monte Carlo
standard errors from the spread of independent chains or of independent runs (one per seed, each
warmed up first so that no start-up bias remains), times the Student t quantile of a 1e-5 two-sided
false-alarm rate per check, plus a stated model error where the theory assumes perfect local mixing."""
import math

import numpy as np

import heatbath as hb
from mcse import assert_mean_within, t_quantile
from pt_theory import global_barrier, moments, pair_rejection

MU, SIGMA = 2.0, 0.5


def warmed_up_runs(pt, chains: int, warm: int, rounds: int, seeds) -> list:
    """One independent run per seed, each continued from a warm-up run: statistics of `rounds` rounds at
    stationarity."""
    return [pt.run(pt.run(np.zeros((chains, 1)), warm, seed=s).state, rounds) for s in seeds]


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
    # Every chain starts in the lighter mode: 1000 rounds of warm-up leave no trace of it (200 left a
    # bias of about 2 standard errors).
    res = pt.run(pt.run(x0, 1000, seed=2).state, 1200, thin=4)
    right = (np.asarray(res.trace)[:, :, 0] > 0).mean(axis=0)  # per chain: chains are independent
    assert_mean_within(right[:, None], 0.7, "weight of the right mode")


def test_rejection_rates_barrier_and_log_z_on_a_gaussian_path():
    betas = np.linspace(0.0, 1.0, 9)
    pt = hb.ParallelTempering(gaussian(), betas, sampler=hb.LangevinMove(0.1, "mala", n_local=5))
    runs = warmed_up_runs(pt, chains=200, warm=100, rounds=400, seeds=range(16))
    exact = pair_rejection(betas, MU, SIGMA)
    assert_mean_within([r.rejection for r in runs], exact, "rejection per pair")
    assert_mean_within([r.barrier for r in runs], exact.sum(), "barrier on 9 temperatures")
    # Λ: the barrier of a fine ladder, Σ r_k, is within O(Δβ²) of ∫ λ (Syed et al. 2022, Theorem 2);
    # the exact sums show how close (0.1 % at 41 temperatures, 2.3 % at 9), the runs estimate the sum.
    fine_betas = np.linspace(0.0, 1.0, 41)
    fine_exact = pair_rejection(fine_betas, MU, SIGMA)
    big = global_barrier(MU, SIGMA)
    assert abs(fine_exact.sum() - big) < 0.002 * big
    fine = hb.ParallelTempering(gaussian(), fine_betas, sampler=hb.LangevinMove(0.1, "mala", n_local=5))
    fine_runs = warmed_up_runs(fine, chains=100, warm=100, rounds=300, seeds=range(100, 116))
    assert_mean_within([r.barrier for r in fine_runs], fine_exact.sum(), "barrier on 41 temperatures")
    # log Z(1) − log Z(0) = log ∫ exp(−(x−μ)²/(2σ²)) dx with a normalised reference.
    truth = math.log(SIGMA * math.sqrt(2 * math.pi))
    assert_mean_within([(r.log_z, r.log_z_forward, r.log_z_reverse) for r in runs], truth, "log Z")
    assert_mean_within([r.log_z for r in fine_runs], truth, "log Z, fine ladder")
    res = runs[0]
    assert res.local_barrier.shape == (8,) and np.allclose(res.local_barrier * np.diff(betas), res.rejection)


def test_log_z_over_seeds_is_unbiased_within_mcse():
    truth = math.log(SIGMA * math.sqrt(2 * math.pi))
    pt = hb.ParallelTempering(gaussian(), 7, sampler=hb.LangevinMove(0.1, "mala", n_local=3))
    runs = warmed_up_runs(pt, chains=100, warm=50, rounds=200, seeds=range(30))
    assert_mean_within([r.log_z for r in runs], truth, "log Z over 30 seeds")


def test_round_trip_rate_matches_theory_and_deo_beats_seo():
    # Local moves that mix fast (20 MALA steps at a well-sized step) make the index process close to
    # the Markov chain of Syed et al.'s Theorem 3; what is left is a few percent of model error.
    # The warm-up run's state carries the round-trip bookkeeping, so the counted run has no start-up
    # deficit (replicas that have not yet reached β_0 cannot complete a trip).
    # Model error: the theory's index process assumes states redrawn independently between rounds; with
    # 10 MALA steps per round it is within 1 % of the measured rates (both schemes), and 3 % is allowed.
    # The sampling error: columns are independent, so their round-trip counts give the SE.
    move = hb.LangevinMove(0.25, "mala", n_local=10)
    rates = {}
    rounds = 2000
    for swap in ("deo", "seo"):
        pt = hb.ParallelTempering(gaussian(1.0, 0.7), 13, sampler=move, swap=swap)
        warm = pt.run(np.zeros((150, 1)), 300, seed=6)
        res = pt.run(warm.state, rounds)
        theory = hb.pt_stats.round_trip_rate_theory(res.rejection, swap)
        trips = np.asarray(res.round_trips, dtype=np.float64)
        se = trips.std(ddof=1) / math.sqrt(trips.size) / rounds
        assert abs(res.round_trip_rate - theory) < t_quantile(trips.size) * se + 0.03 * theory, \
            (swap, res.round_trip_rate, theory, se)
        rates[swap] = res.round_trip_rate
        if swap == "deo":
            # Accepted fraction against the mean α: given the α's, each accept is a fresh Bernoulli(α),
            # so the gap has variance E[α(1 − α)] / proposals ≤ r(1 − r) / proposals (Jensen).
            proposals = trips.size * rounds / 2  # each pair is proposed every other round
            r = res.rejection
            bound = t_quantile(1_000_000) * np.sqrt(r * (1 - r) / proposals)
            assert np.all(np.abs(res.swap_rate - (1 - r)) < bound), (res.swap_rate, 1 - r, bound)
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
