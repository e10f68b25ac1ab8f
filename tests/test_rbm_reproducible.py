# SPDX-License-Identifier: Apache-2.0
"""RBM Gibbs and AIS results are a function of the seed only: not of threads, batch splits, interruptions
(resuming from a state) or the CPU's instruction set; torch in gives torch out."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from helpers import INTERRUPT_SLACK, needs_torch, seconds_until_interrupted
from rbm_reference import random_rbm, rbm_kinds

RNG = np.random.default_rng(7)


def same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def start(chains, V, dtype="float32"):
    return (RNG.random((chains, V)) < 0.5).astype(dtype)


# Big enough for several tiles of chains per thread.
model = rbm_kinds(37, 21, seed=3)


def test_same_seed_same_bits_other_seed_differs(model):
    v0 = start(300, 37, model.dtype)
    a = hb.gibbs(model, v0, 20, seed=5, thin=5, trace_hidden=True)
    b = hb.gibbs(model, v0, 20, seed=5, thin=5, trace_hidden=True)
    same(a.v, b.v), same(a.h, b.h), same(a.trace, b.trace), same(a.trace_hidden, b.trace_hidden)
    assert not np.array_equal(a.v, hb.gibbs(model, v0, 20, seed=6).v)


def test_thread_count_does_not_change_results(model):
    v0 = start(300, 37, model.dtype)
    beta = np.linspace(0.5, 1.5, 300)
    hb.set_num_threads(1)
    one = hb.gibbs(model, v0, 15, beta=beta, seed=2)
    hb.set_num_threads(2)
    two = hb.gibbs(model, v0, 15, beta=beta, seed=2)
    same(one.v, two.v), same(one.h, two.h)


def test_batch_split_does_not_change_results(model):
    v0 = start(300, 37, model.dtype)
    beta = np.linspace(0.5, 1.5, 300)
    whole = hb.gibbs(model, v0, 15, beta=beta, seed=2)
    head = hb.gibbs(model, v0[:77], 15, beta=beta[:77], seed=2)
    tail = hb.gibbs(model, v0[77:], 15, beta=beta[77:], seed=2, chain_start=77)
    same(np.concatenate([head.v, tail.v]), whole.v)
    same(np.concatenate([head.h, tail.h]), whole.h)


def test_resuming_from_state_is_bitwise_identical(model):
    v0 = start(50, 37, model.dtype)
    whole = hb.gibbs(model, v0, 30, seed=9, thin=3)
    first = hb.gibbs(model, v0, 12, seed=9, thin=3)
    second = hb.gibbs(model, first.state, 18, thin=3)
    same(second.v, whole.v), same(second.h, whole.h)
    same(np.concatenate([first.trace, second.trace]), whole.trace)
    assert second.state.step == 30


def under_every_isa(run):
    """run() under each CPU instruction-set variant, in turn."""
    try:
        results = []
        for isa in _core.cpu_isa_variants():
            _core.limit_cpu_isa(isa)
            results.append(run())
        return results
    finally:
        _core.limit_cpu_isa("avx512")


def test_instruction_set_variants_agree(model):
    v0 = start(130, 37, model.dtype)
    results = under_every_isa(lambda: (hb.gibbs(model, v0, 10, seed=4), hb.free_energy(model, v0),
                                       hb.ais_log_z(model, 64, 20, seed=1).log_weights))
    for r in results[1:]:
        same(r[0].v, results[0][0].v), same(r[1], results[0][1]), same(r[2], results[0][2])


large_model = rbm_kinds(300, 250, seed=5, scale=0.1)  # panel_gemm.h, with partial panels in both products


def test_instruction_set_variants_agree_on_a_large_model(large_model):
    v0 = start(45, 300, large_model.dtype)
    results = under_every_isa(lambda: (hb.gibbs(large_model, v0, 3, seed=4), hb.free_energy(large_model, v0)))
    for r in results[1:]:
        same(r[0].v, results[0][0].v), same(r[0].h, results[0][0].h), same(r[1], results[0][1])


def test_ais_split_over_threads_and_calls_is_identical():
    rbm, _ = random_rbm(12, 8, seed=4)
    hb.set_num_threads(1)
    one = hb.ais_log_z(rbm, 300, 30, seed=3)
    hb.set_num_threads(2)
    two = hb.ais_log_z(rbm, 300, 30, seed=3)
    head = hb.ais_log_z(rbm, 100, 30, seed=3)
    tail = hb.ais_log_z(rbm, 200, 30, seed=3, chain_start=100)
    same(one.log_weights, two.log_weights)
    same(np.concatenate([head.log_weights, tail.log_weights]), one.log_weights)


def test_input_is_not_modified():
    rbm, _ = random_rbm(10, 4, seed=5)
    v0 = start(20, 10)
    keep = v0.copy()
    res = hb.gibbs(rbm, v0, 5)
    same(v0, keep)
    assert res.state.v is res.v and res.state.h is res.h


def test_integer_and_bool_states_are_accepted():
    rbm, _ = random_rbm(10, 4, seed=5)
    v0 = start(20, 10)
    ref = hb.gibbs(rbm, v0, 5, seed=1)
    same(hb.gibbs(rbm, v0.astype(bool), 5, seed=1).v, ref.v)
    same(hb.gibbs(rbm, v0.astype(np.int8), 5, seed=1).v, ref.v)
    assert ref.v.dtype == np.float32


@needs_torch
def test_torch_in_torch_out_and_parameters_are_borrowed():
    import torch

    rbm_np, (w, b, c) = random_rbm(10, 6, seed=6)
    w_t = torch.nn.Parameter(torch.tensor(w, dtype=torch.float32))
    b_t = torch.nn.Parameter(torch.tensor(b, dtype=torch.float32))
    c_t = torch.nn.Parameter(torch.tensor(c, dtype=torch.float32))
    rbm = hb.RBM(w_t, b_t, c_t)
    v0 = start(40, 10)
    res = hb.gibbs(rbm, torch.from_numpy(v0), 7, seed=3, thin=7)
    assert isinstance(res.v, torch.Tensor) and isinstance(res.h, torch.Tensor) and isinstance(res.trace, torch.Tensor)
    same(res.v.numpy(), hb.gibbs(rbm_np, v0, 7, seed=3).v)
    fe = hb.free_energy(rbm, torch.from_numpy(v0))
    assert isinstance(fe, torch.Tensor)
    same(fe.numpy(), hb.free_energy(rbm_np, v0))
    # An in-place training update of the parameters is seen by the next call: no copy was taken.
    with torch.no_grad():
        w_t.mul_(0.0)
        b_t.fill_(0.0)
        c_t.fill_(0.0)
    np.testing.assert_allclose(rbm.hidden_probs(torch.from_numpy(v0)).numpy(), 0.5)


def test_ctrl_c_interrupts_a_long_gibbs_run_and_leaves_the_last_chunk():
    import os

    if os.name != "posix":
        pytest.skip("sends SIGINT to its own process")
    rbm, _ = random_rbm(64, 32, seed=1)
    v0 = start(256, 64)
    elapsed = seconds_until_interrupted(lambda: hb.gibbs(rbm, v0, 10**9, seed=0))  # hours of work
    assert elapsed < 0.3 + 0.5 + INTERRUPT_SLACK  # a chunk is tens of milliseconds

