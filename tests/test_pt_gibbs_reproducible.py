# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering of hb.Ising and hb.RBM: same seed, same bits, whatever the thread count; runs cut
into calls, saved to disk or stopped by Ctrl-C continue bitwise; bad input raises clear errors."""
import os

import numpy as np
import pytest

import heatbath as hb
from helpers import check_pt_ctrl_c_resumes_bitwise, to_numpy
from rbm_reference import random_rbm


def same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def ising_case():
    ising = hb.Ising((4, 6), coupling=0.5, field=0.1)
    rng = np.random.default_rng(0)
    return ising, (2 * rng.integers(0, 2, (5, 4, 6)) - 1).astype(np.int8)


def rbm_case(dtype="float32"):
    rbm, _ = random_rbm(7, 5, seed=3, dtype=dtype)
    return rbm, (np.random.default_rng(1).random((6, 7)) < 0.5).astype(dtype)


CASES = {"ising": ising_case, "rbm": rbm_case, "rbm64": lambda: rbm_case("float64")}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("swap", ["deo", "seo"])
def test_runs_resume_bitwise(case, swap):
    model, x0 = CASES[case]()
    pt = hb.ParallelTempering(model, 4, sampler=hb.GibbsMove(n_sweeps=2), swap=swap)
    whole = pt.run(x0, 30, seed=9, record_index=True, thin=3)
    first = pt.run(x0, 12, seed=9, record_index=True, thin=3)
    second = pt.run(first.state, 18, record_index=True, thin=3)
    same(second.replicas, whole.replicas)
    same(second.x, whole.x)
    same(np.concatenate([first.trace, second.trace]), whole.trace)
    same(np.concatenate([first.index, second.index]), whole.index)
    again = pt.run(x0, 30, seed=9)
    same(again.state.x, whole.state.x)
    assert not np.array_equal(to_numpy(pt.run(x0, 30, seed=10).state.x), to_numpy(whole.state.x))


@pytest.mark.parametrize("case", CASES)
def test_thread_count_does_not_change_the_bits(case):
    model, x0 = CASES[case]()
    pt = hb.ParallelTempering(model, 5)
    hb.set_num_threads(1)
    one = pt.run(x0, 20, seed=4)
    hb.set_num_threads(2)
    two = pt.run(x0, 20, seed=4)
    same(one.state.x, two.state.x)
    same(one.state.slot_of, two.state.slot_of)


@pytest.mark.parametrize("case", CASES)
def test_saved_state_continues_bitwise(case, tmp_path):
    model, x0 = CASES[case]()
    pt = hb.ParallelTempering(model, 4)
    whole = pt.run(x0, 20, seed=2)
    pt.run(x0, 8, seed=2).state.save(tmp_path / "pt.npz")
    same(pt.run(hb.load_state(tmp_path / "pt.npz"), 12).state.x, whole.state.x)


def test_a_row_at_beta_one_is_exactly_a_gibbs_sweep():
    # Before the first swap pass slot K is at β = 1, and a round is hb.gibbs's sweeps of lattice = row.
    ising, x0 = ising_case()
    replicas, n = 3, 2
    res = hb.ParallelTempering(ising, replicas, sampler=hb.GibbsMove(n)).run(x0, 1, seed=3)
    for c in range(x0.shape[0]):
        row = c * replicas + replicas - 1
        ref = hb.gibbs(ising, x0[c:c + 1], n, beta=1.0, seed=3, chain_start=row)
        same(np.asarray(res.state.x)[row:row + 1], ref.spins)


def test_rbm_starts_with_visible_states_or_pairs():
    rbm, v0 = rbm_case()
    pt = hb.ParallelTempering(rbm, 3)
    pairs = np.concatenate([v0, np.ones((v0.shape[0], 5), np.float32)], axis=1)
    # the first step redraws h from v, so the starting h never matters
    same(pt.run(v0, 5, seed=1).state.x, pt.run(pairs, 5, seed=1).state.x)
    per_temperature = np.stack([v0] * 3)
    same(pt.run(per_temperature, 5, seed=1).state.x, pt.run(v0, 5, seed=1).state.x)
    res = pt.run(v0.astype(np.float64), 2, seed=1)  # converted to the model's dtype
    assert np.asarray(res.x).dtype == np.float32


def test_ising_starts_per_temperature_or_broadcast():
    ising, x0 = ising_case()
    pt = hb.ParallelTempering(ising, 3)
    same(pt.run(np.stack([x0] * 3), 5, seed=1).state.x, pt.run(x0, 5, seed=1).state.x)
    per_temperature = np.stack([x0, -x0, x0])
    res = pt.run(per_temperature, 0)
    same(res.replicas, per_temperature)  # no rounds: each temperature holds its own start


def test_torch_states_give_torch_results():
    torch = pytest.importorskip("torch", reason="the torch round trip needs torch")
    ising, x0 = ising_case()
    pt = hb.ParallelTempering(ising, 4)
    res = pt.run(torch.as_tensor(x0), 10, seed=1, thin=2)
    assert isinstance(res.x, torch.Tensor) and isinstance(res.trace, torch.Tensor)
    same(res.x, pt.run(x0, 10, seed=1).x)  # the same core calls: the same bits
    rbm, v0 = rbm_case()
    out = hb.ParallelTempering(rbm, 4).run(torch.as_tensor(v0), 10, seed=1)
    assert isinstance(out.x, torch.Tensor) and out.x.dtype == torch.float32 and out.x.shape == (6, 12)
    assert np.isfinite(out.log_z)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
def test_ctrl_c_hands_back_a_state_that_resumes_bitwise():
    pt = hb.ParallelTempering(hb.Ising((8, 8), coupling=0.4), 6)
    check_pt_ctrl_c_resumes_bitwise(pt, np.ones((50, 8, 8), np.int8))


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to its own process")
def test_ctrl_c_hands_back_the_rbm_states_of_the_last_round():
    # The compiled RBM rounds work on copies of v and h: they must reach the state after Ctrl-C too.
    rbm, v0 = rbm_case()
    check_pt_ctrl_c_resumes_bitwise(hb.ParallelTempering(rbm, 6), v0)


def test_bad_input_raises_clear_errors():
    ising, spins = ising_case()
    rbm, v0 = rbm_case()
    with pytest.raises(ValueError, match="Bernoulli"):
        hb.ParallelTempering(random_rbm(3, 2, seed=0, visible="gaussian")[0], 4)
    with pytest.raises(TypeError, match="sampler.*GibbsMove"):
        hb.ParallelTempering(ising, 4, sampler=hb.LangevinMove(0.1))
    with pytest.raises(TypeError, match="sampler.*LangevinMove"):
        hb.ParallelTempering(hb.DoubleWell(), 4, sampler=hb.GibbsMove())
    with pytest.raises(TypeError, match="reference"):
        hb.ParallelTempering(rbm, 4, reference=hb.GaussianReference())
    with pytest.raises(ValueError, match="method"):
        hb.GibbsMove(method="metropolis")
    with pytest.raises(ValueError, match="n_sweeps"):
        hb.GibbsMove(n_sweeps=0)
    with pytest.raises(ValueError, match="even"):
        hb.ParallelTempering(hb.Ising((4, 5)), 4)
    pt = hb.ParallelTempering(ising, 4)
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.ones((5, 4, 4), np.int8), 2)  # the wrong lattice
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.ones((3, 5, 4, 6), np.int8), 2)  # 3 rows of starts for 4 temperatures
    with pytest.raises(TypeError, match="int8"):
        pt.run(spins.astype(np.float32), 2)
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        pt.run(np.zeros_like(spins), 2)
    with pytest.raises(ValueError, match="state"):  # a state of another model
        pt.run(hb.ParallelTempering(rbm, 4).run(v0, 1).state, 2)
    pt = hb.ParallelTempering(rbm, 4)
    with pytest.raises(ValueError, match="V = 7"):
        pt.run(np.zeros((6, 8), np.float32), 2)
    with pytest.raises(ValueError, match="0 and 1"):
        pt.run(np.full((6, 7), 0.5, np.float32), 2)
    with pytest.raises(ValueError, match="chain"):
        pt.run(np.zeros((0, 7), np.float32), 2)
