# SPDX-License-Identifier: Apache-2.0
"""The adaptive ladder (Syed et al. 2022, Algorithm 4): after tuning, every pair has about the same
rejection rate, the barrier estimate agrees with the fixed-ladder one, and the ladder is kept."""
import numpy as np
import pytest

import heatbath as hb
from heatbath.pt_ladder import equal_rejection_ladder, monotone_cubic
from pt_theory import global_barrier


def gaussian():
    return hb.Gaussian(np.array([3.0]), covariance=np.array([[0.2**2]]))


def test_tuned_ladder_equalises_rejection():
    move = hb.LangevinMove(0.05, "mala", n_local=5)
    fixed = hb.ParallelTempering(gaussian(), 8, sampler=move).run(np.zeros((60, 1)), 300, seed=1)
    pt = hb.ParallelTempering(gaussian(), 8, sampler=move, adapt=127)
    res = pt.run(np.zeros((60, 1)), 300, seed=1)
    assert len(res.tuning) == 7  # the start and stages of 2, 4, ..., 64 rounds (126 of the 127)
    assert res.betas[0] == 0.0 and res.betas[-1] == 1.0 and (np.diff(res.betas) > 0).all()
    np.testing.assert_array_equal(pt.betas, res.betas)  # kept for later runs
    cv = res.rejection.std() / res.rejection.mean()
    assert cv < 0.15 < fixed.rejection.std() / fixed.rejection.mean()
    # Σ r_k approaches Λ = ∫ λ from below as the largest rejection shrinks (r ≤ 1 saturates): the
    # tuned ladder, with no very rejecting pair, is within 10 % of the closed form, the uneven one not.
    big = global_barrier(3.0, 0.2)
    assert 0.9 * big < res.barrier < 1.03 * big
    assert fixed.barrier < res.barrier
    # A continued run keeps the tuned ladder and does not tune again.
    more = pt.run(res.state, 5)
    np.testing.assert_array_equal(more.betas, res.betas)
    assert more.tuning == []


def test_a_stage_with_a_pair_never_proposed_keeps_the_ladder():
    # The stages' statistics come from proposals only; SEO's coins may leave a pair without any in a short
    # stage (few chains), and then the ladder stays as it was instead of taking a NaN rate.
    from heatbath.pt import tune_ladder

    class Run:
        betas, chains = np.linspace(0.0, 1.0, 4), 2

        def __init__(self):
            self.stage = 0

        def _rounds(self, n):
            self.stage += 1
            tried = np.full((3, 2), n)
            if self.stage == 1:
                tried[1] = 0  # pair 1 never proposed in the first stage
            rejection = np.array([[0.1], [0.4], [0.7]]) * tried
            return {"tried": tried, "rejection": rejection}

    ladders = tune_ladder(Run(), 6)  # stages of 2 and 4 rounds
    assert len(ladders) == 3
    np.testing.assert_array_equal(ladders[1], ladders[0])
    assert (ladders[2] != ladders[1]).any() and (np.diff(ladders[2]) > 0).all()


def test_equal_rejection_placement_on_a_known_profile():
    # Λ(β) = β² has rejection rates (2k+1)/K² on a uniform ladder; equal steps of Λ put β_k = sqrt(k/K).
    k = 10
    betas = np.linspace(0.0, 1.0, k + 1)
    rejection = np.diff(betas**2)
    new = equal_rejection_ladder(betas, rejection)
    np.testing.assert_allclose(new, np.sqrt(np.arange(k + 1) / k), atol=0.01)
    assert (np.diff(new) > 0).all()
    # no rejections at all: nothing to move
    np.testing.assert_array_equal(equal_rejection_ladder(betas, np.zeros(k)), betas)


@pytest.mark.parametrize("seed", range(5))
def test_monotone_interpolation_never_decreases(seed):
    rng = np.random.default_rng(seed)
    x = np.sort(np.concatenate([[0.0, 1.0], rng.uniform(size=6)]))
    y = np.cumsum(rng.exponential(size=x.size) * (rng.uniform(size=x.size) > 0.3))
    at = np.linspace(0.0, 1.0, 2001)
    v = monotone_cubic(x, y, at)
    assert (np.diff(v) >= -1e-12).all()
    np.testing.assert_allclose(monotone_cubic(x, y, x), y, atol=1e-12)
