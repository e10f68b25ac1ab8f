# SPDX-License-Identifier: Apache-2.0
"""Noise made ahead of the update (csrc/heatbath/langevin_noise.h): _core.langevin_noise fills a block of
steps with exactly the values the fused kernels and the update phases draw, and a phase handed that
noise moves the chains to the same bits as one that draws it (TorchPotential's CPU loop relies on it)."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _core

DTYPES = [np.float32, np.float64]


def phase_args(chains, dim, dtype, seed=3):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((chains, dim)).astype(dtype), g=rng.standard_normal((chains, dim)).astype(dtype),
                p=rng.standard_normal((chains, dim)).astype(dtype),
                diverged_at=np.full(chains, -1, np.int64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_given_noise_moves_chains_as_drawn_noise(dtype, dim):
    # 1107 chains: more than one fill task of 1024 chains; and the phases' full tiles (64 float32, 32
    # float64), then tiles of one vector (16, 8), then 3 single chains.
    chains, steps, seed, chain_start = 1107, 7, 12, 40
    noise = np.empty((steps, chains, dim), dtype)
    _core.langevin_noise(noise, seed, chain_start, 5)
    for phase in ("ula_move", "baoab_move"):
        drawn, given = phase_args(chains, dim, dtype), phase_args(chains, dim, dtype)
        for s in range(steps):
            common = dict(scale=0.3, h=0.01, c1=0.9, seed=seed, chain_start=chain_start, step=5 + s)
            keep = ("x", "g", "diverged_at") if phase == "ula_move" else ("x", "p", "g")
            _core.langevin_update(phase, **{k: drawn[k] for k in keep}, **common)
            _core.langevin_update(phase, **{k: given[k] for k in keep}, noise=noise[s], **common)
        for k in ("x", "p"):
            np.testing.assert_array_equal(drawn[k], given[k])


@pytest.mark.parametrize("threads", [1, 2])
def test_noise_fill_is_the_numba_kernels_stream_whatever_the_threads(threads):
    pytest.importorskip("numba", reason="the comparison uses the Numba kernels' entry point")
    from heatbath._numba.core_noise import fill_noise

    chains, dim, steps = 5000, 2, 4  # 2**20 values and more: the fill splits over threads
    before = hb.get_num_threads()
    try:
        hb.set_num_threads(threads)
        big = np.empty((steps * 30, chains, dim), np.float32)
        _core.langevin_noise(big, 9, 7, 100)
    finally:
        hb.set_num_threads(before)
    want = np.empty_like(big)
    fill_noise(np.uint64(9), 7, 100, want)
    np.testing.assert_array_equal(big, want)


def test_bad_noise_arguments_are_refused():
    args = phase_args(10, 2, np.float32)
    with pytest.raises(ValueError, match="'noise'.*draws no noise"):
        _core.langevin_update("baoab_kick", x=args["x"], p=args["p"], g=args["g"], diverged_at=args["diverged_at"],
                              noise=np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="noise"):
        _core.langevin_update("ula_move", x=args["x"], g=args["g"], diverged_at=args["diverged_at"],
                              noise=np.zeros((10, 3), np.float32))
    with pytest.raises(ValueError, match="out"):
        _core.langevin_noise(np.zeros((2, 10, 3), np.float32)[:, ::2], 0, 0, 0)
    with pytest.raises(ValueError, match="step"):
        _core.langevin_noise(np.zeros((2, 10, 3), np.float32), 0, 0, 2**56 - 1)
    with pytest.raises(ValueError, match="chain_start"):
        _core.langevin_noise(np.zeros((2, 10, 3), np.float32), 0, 2**32 - 5, 0)
    with pytest.raises(TypeError, match="out"):
        _core.langevin_noise(np.zeros((2, 10, 3), np.int32), 0, 0, 0)
