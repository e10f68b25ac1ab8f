# SPDX-License-Identifier: Apache-2.0
"""Property tests: RBM Gibbs results never show the CPU launcher's tiles, padding, chunks or threads."""
import numpy as np
import pytest

import heatbath as hb
from rbm_reference import random_rbm

pytest.importorskip("hypothesis", reason="the property tests need hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def start(chains, V, seed):
    return (np.random.default_rng(seed).random((chains, V)) < 0.5).astype(np.float32)


@settings(max_examples=12, deadline=None)
@given(V=st.integers(1, 40), H=st.integers(1, 40), chains=st.integers(2, 600), cut=st.floats(0.0, 1.0),
       steps=st.integers(0, 4), seed=st.integers(0, 2**64 - 1), threads=st.integers(1, 2))
def test_any_split_and_thread_count_give_the_same_bits(V, H, chains, cut, steps, seed, threads):
    # Tiles, padding and chunking must never show: any model, batch, split point and thread count.
    rbm, _ = random_rbm(V, H, seed=V * 41 + H)
    v0 = start(chains, V, seed % 1000)
    beta = np.linspace(0.4, 1.6, chains)
    k = int(cut * chains)
    whole = hb.gibbs(rbm, v0, steps, beta=beta, seed=seed)
    hb.set_num_threads(threads)
    head = hb.gibbs(rbm, v0[:k], steps, beta=beta[:k], seed=seed)
    tail = hb.gibbs(rbm, v0[k:], steps, beta=beta[k:], seed=seed, chain_start=k)
    np.testing.assert_array_equal(np.concatenate([head.v, tail.v]), whole.v)
    np.testing.assert_array_equal(np.concatenate([head.h, tail.h]), whole.h)
