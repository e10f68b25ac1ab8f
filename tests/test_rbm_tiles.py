# SPDX-License-Identifier: Apache-2.0
"""The CPU launcher cuts the batch of a large RBM into equal tiles, one or more per thread, of at most 512
chains (csrc/cpu/rbm_cpu.cpp, tile_rows), and every batch of a small RBM into tiles of one size fixed by the
model: each chain's numbers must not depend on which. Every product is one FMA chain per element in a fixed
order (small_gemm.h, panel_gemm.h), which a known answer pins below."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from rbm_reference import hidden_probs, random_rbm, rbm_kinds, visible_probs

V, H = 512, 512  # a large model: panel_gemm.h


def same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


model = rbm_kinds(V, H, seed=11, scale=0.05)


def test_tile_rows_follow_the_batch_only_for_large_models():
    # the fewest tiles of at most 512 chains that give every thread as many, and equal ones
    assert _core.rbm_tile_rows(100, V, H, 2) == 50
    assert _core.rbm_tile_rows(100, V, H, 1) == 100
    assert _core.rbm_tile_rows(1000, V, H, 2) == 500
    assert _core.rbm_tile_rows(1000, V, H, 4) == 250
    assert _core.rbm_tile_rows(1100, V, H, 2) == 275  # four tiles: three would leave one thread two
    assert _core.rbm_tile_rows(100_000, V, H, 2) == 511  # 196 tiles
    assert _core.rbm_tile_rows(3, V, H, 2) == 2
    assert _core.rbm_tile_rows(100, 784, 500, 2) == 50
    for chains, threads in ((1, 1), (100, 2), (5000, 2)):  # small models: one fixed shape each
        assert _core.rbm_tile_rows(chains, 64, 64, threads) == 64
        assert _core.rbm_tile_rows(chains, 64, 32, threads) == 128
        assert _core.rbm_tile_rows(chains, 16, 16, threads) == 256
        assert _core.rbm_tile_rows(chains, 300, 200, threads) == 64


small_model = rbm_kinds(64, 64, seed=12, scale=0.3)


def test_small_model_results_do_not_depend_on_threads_or_batch_split(small_model):
    # 64-row tiles: 300 chains make five, split between threads and calls in different ways.
    rng = np.random.default_rng(6)
    v0 = (rng.random((300, 64)) < 0.4).astype(small_model.dtype)
    hb.set_num_threads(2)
    whole = hb.gibbs(small_model, v0, 4, seed=9)
    try:
        for threads in (1, 2):
            hb.set_num_threads(threads)
            for lo, hi in ((0, 50), (50, 131), (131, 300)):
                part = hb.gibbs(small_model, v0[lo:hi], 4, seed=9, chain_start=lo)
                same(part.v, whole.v[lo:hi])
                same(part.h, whole.h[lo:hi])
    finally:
        hb.set_num_threads(2)


def test_results_do_not_depend_on_tile_size_threads_or_batch_split(model):
    rng = np.random.default_rng(5)
    v0 = (rng.random((600, V)) < 0.3).astype(model.dtype)
    beta = np.linspace(0.7, 1.3, 600)
    hb.set_num_threads(2)
    whole = hb.gibbs(model, v0, 3, beta=beta, seed=4)  # two tiles of 300
    probs = model.hidden_probs(v0)
    free = hb.free_energy(model, v0)
    for threads in (1, 2):  # tiles of 50 to 423 rows, most not a multiple of the 8-row micro-tiles
        hb.set_num_threads(threads)
        for lo, hi in ((0, 100), (100, 177), (177, 600)):
            part = hb.gibbs(model, v0[lo:hi], 3, beta=beta[lo:hi], seed=4, chain_start=lo)
            same(part.v, whole.v[lo:hi]), same(part.h, whole.h[lo:hi])
            same(model.hidden_probs(v0[lo:hi]), probs[lo:hi])
            same(hb.free_energy(model, v0[lo:hi]), free[lo:hi])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("V,H", [(511, 255), (255, 513), (544, 300), (528, 272), (7000, 10), (10, 7000)])
def test_a_chains_row_in_the_tile_does_not_change_its_numbers(V, H, dtype):
    """Unit counts that leave a remainder of the panels and micro-tiles, and a product longer than one K
    block (7000 terms): 600 copies of one state, wherever they sit in the tiles, get the same
    activations, and any split of the batch the same samples."""
    rbm, params = random_rbm(V, H, seed=13, scale=0.1, dtype=dtype, visible="gaussian", sigma=0.8)
    rng = np.random.default_rng(7)
    v = np.tile(rng.standard_normal(V).astype(dtype), (600, 1))
    h = np.tile((rng.random(H) < 0.5).astype(dtype), (600, 1))
    hb.set_num_threads(2)
    try:
        for probs in (rbm.hidden_probs(v), rbm.visible_probs(h), hb.free_energy(rbm, v)):
            assert (probs == probs[:1]).all()
        np.testing.assert_allclose(rbm.hidden_probs(v[:1]), hidden_probs(params, v[:1].astype(np.float64), sigma=0.8),
                                   rtol=1e-4 if dtype == "float32" else 1e-12)  # sums of up to 7000 terms
        v0 = rng.standard_normal((300, V)).astype(dtype)
        whole = hb.gibbs(rbm, v0, 3, seed=3)  # three steps: W packed into panels once (rbm_cpu.cpp)
        for threads in (1, 2):
            hb.set_num_threads(threads)
            for lo, hi in ((0, 1), (1, 150), (150, 300)):
                part = hb.gibbs(rbm, v0[lo:hi], 3, seed=3, chain_start=lo)
                same(part.v, whole.v[lo:hi]), same(part.h, whole.h[lo:hi])
    finally:
        hb.set_num_threads(2)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_products_with_partial_panels_match_a_direct_product(dtype):
    """511 × 255 leaves partial panels and vectors in both products: both conditionals match numpy's, in
    every unit, to the rounding of a 511-term sum."""
    V, H = 511, 255
    rbm, params = random_rbm(V, H, seed=21, scale=0.1, dtype=dtype)
    rng = np.random.default_rng(8)
    v = (rng.random((70, V)) < 0.5).astype(dtype)
    h = (rng.random((70, H)) < 0.5).astype(dtype)
    tol = 1e-4 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(rbm.hidden_probs(v), hidden_probs(params, v.astype(np.float64)), rtol=tol)
    np.testing.assert_allclose(rbm.visible_probs(h), visible_probs(params, h.astype(np.float64)), rtol=tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("V,H", [(784, 500), (64, 32), (1100, 70)])
def test_a_product_is_one_fma_chain_in_unit_order(V, H, dtype):
    """Known answer: hidden unit 5 sums W[10:14, 5] = (1e20, 1, −1e20, 1) and visible unit 20 sums
    W[20, 20:24] likewise, the other weights zero. In index order from +0 the 1 after 1e20 is lost
    (1e20 + 1 rounds to 1e20 in float32 and float64), so the activation is 1, where sums in pairs give
    0 and exact arithmetic 2; with bias −1 the probability is exactly 1/2. Small (64 × 32), large
    (784 × 500) and two-K-block (1,100 × 70) models, under every instruction set."""
    w = np.zeros((V, H), dtype)
    w[10:14, 5] = (1e20, 1.0, -1e20, 1.0)
    w[20, 20:24] = (1e20, 1.0, -1e20, 1.0)
    b, c = np.zeros(V, dtype), np.zeros(H, dtype)
    b[20], c[5] = -1.0, -1.0
    rbm = hb.RBM(w, b, c)
    v, h = np.ones((40, V), dtype), np.ones((40, H), dtype)
    try:
        for isa in _core.cpu_isa_variants():
            _core.limit_cpu_isa(isa)
            assert (rbm.hidden_probs(v)[:, 5] == 0.5).all(), isa
            assert (rbm.visible_probs(h)[:, 20] == 0.5).all(), isa
    finally:
        _core.limit_cpu_isa("avx512")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_products_from_panels_and_from_w_itself_give_the_same_bits(dtype):
    """A call of a large model that runs each product three times or more packs W into panels once; a
    shorter one packs each block as it goes, and makes h·Wᵀ of a small tile as (W·hᵀ)ᵀ (csrc/cpu/rbm_cpu.cpp,
    PackedRbm, Tile::to_visible_pre). One call of 4 steps and four calls of one step continue the same
    chains through the same numbers; the visible conditional of 600 chains (Wᵀ packed block by block) and
    of 10 (W·hᵀ) agree."""
    rbm, _ = random_rbm(300, 250, seed=17, scale=0.1, dtype=dtype)
    rng = np.random.default_rng(9)
    v0 = (rng.random((60, 300)) < 0.5).astype(dtype)
    whole = hb.gibbs(rbm, v0, 4, seed=2)
    res = hb.gibbs(rbm, v0, 1, seed=2)
    for _ in range(3):
        res = hb.gibbs(rbm, res.state, 1)
    same(res.v, whole.v), same(res.h, whole.h)
    h = (rng.random((600, 250)) < 0.5).astype(dtype)
    same(rbm.visible_probs(h[:10]), rbm.visible_probs(h)[:10])


def test_a_call_from_inside_another_calls_progress_leaves_its_panels_alone():
    """The calling thread lends its kept panel storage to one call at a time (rbm_cpu.cpp): a Gibbs run
    of a larger model started from a progress callback, between the chunks of a run, would otherwise
    reallocate the storage that the outer run's panels live in."""
    outer, _ = random_rbm(700, 700, seed=31, scale=0.05)   # large, and W fits the caches: panels
    inner, _ = random_rbm(800, 800, seed=32, scale=0.05)   # more panel storage than the outer run's
    rng = np.random.default_rng(4)
    v0 = (rng.random((100, 700)) < 0.5).astype(np.float32)  # 8 steps: panels (rbm_cpu.cpp), in pieces
    vi = (rng.random((10, 800)) < 0.5).astype(np.float32)
    expected = hb.gibbs(outer, v0, 8, seed=1)
    inner_runs = []

    def progress(done):
        _core.set_progress(None)  # the inner run reports to nobody
        try:
            inner_runs.append(hb.gibbs(inner, vi, 3, seed=2).v.sum())
        finally:
            _core.set_progress(progress)

    _core.set_progress(progress)
    try:
        got = hb.gibbs(outer, v0, 8, seed=1, progress=False)
    finally:
        _core.set_progress(None)
    assert len(inner_runs) >= 2  # the run came in several chunks
    same(got.v, expected.v), same(got.h, expected.h)
