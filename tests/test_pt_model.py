# SPDX-License-Identifier: Apache-2.0
"""The plug-in path for samplers with their own local moves (heatbath.TemperedModel, what hb.Ising and
hb.RBM will implement): a six-state toy model with a local Metropolis move and a barrier between two
modes. PT recovers its exact distribution and log Z, and resumes bitwise."""
import math

import numpy as np

import heatbath as hb
from mcse import assert_mean_within

ENERGY = np.array([0.0, 4.0, 8.0, 8.0, 4.0, 0.3])


class Ring(hb.TemperedModel):
    """States 0..5 (stored as float64 [rows, 1]); a move proposes ±1 (clipped) and accepts by Metropolis
    at the row's β. The uniform reference has log Z_ref = log 6."""

    def pt_reference_log_norm(self, states):
        return math.log(ENERGY.size)

    def pt_local_move(self, states, beta_row, *, seed, round):
        rng = np.random.default_rng([seed, round])  # a function of (seed, round, row) only
        for _ in range(3):
            i = states[:, 0].astype(np.int64)
            j = np.clip(i + rng.choice([-1, 1], size=i.size), 0, ENERGY.size - 1)
            accept = np.log(rng.uniform(size=i.size)) < -beta_row * (ENERGY[j] - ENERGY[i])
            states[:, 0] = np.where(accept, j, i)

    def pt_energy(self, states, out):
        out[:] = ENERGY[states[:, 0].astype(np.int64)]


def test_pt_recovers_the_exact_distribution_and_log_z():
    # Independent runs (seeds), each warmed up from its all-zero start: the probability of one site from
    # each run's chains, and log Z, against the exact distribution, within their standard errors.
    betas = np.linspace(0.0, 1.0, 8)
    pt = hb.ParallelTempering(Ring(), betas)
    x0 = np.zeros((betas.size, 40, 1))
    p = np.exp(-ENERGY) / np.exp(-ENERGY).sum()
    # 24 runs, so that the t quantile is 5.6 standard errors (8 would give 11).
    runs = [pt.run(pt.run(x0, 300, seed=seed).state, 600, thin=5) for seed in range(24)]
    assert_mean_within([(np.asarray(r.trace)[:, :, 0] == 5).mean() for r in runs], p[5], "p(site 5)")
    assert_mean_within([r.log_z for r in runs], math.log(np.exp(-ENERGY).sum()), "log Z")
    assert all(r.round_trip_rate > 0 and (r.swap_rate > 0).all() for r in runs)


def test_model_runs_resume_bitwise():
    pt = hb.ParallelTempering(Ring(), 4, swap="seo")
    x0 = np.zeros((4, 10, 1))
    whole = pt.run(x0, 30, seed=1, record_index=True)
    first = pt.run(x0, 12, seed=1, record_index=True)
    second = pt.run(first.state, 18, record_index=True)
    np.testing.assert_array_equal(second.replicas, whole.replicas)
    np.testing.assert_array_equal(np.concatenate([first.index, second.index]), whole.index)
