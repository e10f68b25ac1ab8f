# SPDX-License-Identifier: Apache-2.0
"""Known answers for the RBM's random stream (rbm.h): the units of Gibbs step t are decided by the
float32 Philox uniforms of purpose "gibbs" at half-step 2t (hidden) and 2t + 1 (visible), unit j of a
chain being value j of that chain's row, as hb.random.uniform lays them out. Whatever lanes, rows or
vector widths the CPU kernel draws them with (several short rows at a time, interleaved Philox vectors),
each unit must meet its own uniform: u < p, bit for bit away from the rounding band of p."""
import numpy as np
import pytest

import heatbath as hb
from rbm_reference import hidden_probs, random_rbm, visible_probs

# (V, H, chains): a small model whose hidden rows are shorter than a vector of Philox blocks; unit
# counts that are not multiples of 4; a model whose rows span several kernel slabs.
SHAPES = [(64, 32, 1000), (70, 13, 37), (300, 530, 5)]


def uniforms(chains, n, step, seed):
    u = np.empty((chains, n), np.float32)
    hb.random.uniform(u, seed=seed, step=step, purpose="gibbs")
    return u.astype(np.float64)


def assert_decided_by(states, u, p):
    # The kernel's p carries float32 rounding (its GEMM and exp); a unit within 1e-5 of it is left out.
    clear = np.abs(u - p) > 1e-5
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(states[clear], (u < p)[clear].astype(states.dtype))


@pytest.mark.parametrize("V,H,chains", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gibbs_units_are_decided_by_their_own_uniforms(V, H, chains, dtype):
    rbm, params = random_rbm(V, H, seed=V + H, scale=0.2, dtype=dtype)
    v0 = (np.random.default_rng(3).random((chains, V)) < 0.5).astype(dtype)
    seed = 2026
    res = hb.gibbs(rbm, v0, 2, seed=seed)
    first = hb.gibbs(rbm, v0, 1, seed=seed)
    # step 0: hidden from v0, visible from that hidden
    assert_decided_by(first.h, uniforms(chains, H, 0, seed), hidden_probs(params, v0))
    assert_decided_by(first.v, uniforms(chains, V, 1, seed), visible_probs(params, first.h))
    # step 1 continues from the first step's visible states
    assert_decided_by(res.h, uniforms(chains, H, 2, seed), hidden_probs(params, first.v))
    assert_decided_by(res.v, uniforms(chains, V, 3, seed), visible_probs(params, res.h))
