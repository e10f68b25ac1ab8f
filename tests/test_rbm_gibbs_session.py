# SPDX-License-Identifier: Apache-2.0
"""The core's RbmGibbsSession, behind a PCD loop's in-place Gibbs calls: it imports the parameters, β and
workspace once and then takes only the chains' arrays. It must give rbm_gibbs's numbers, refuse chains
that do not fit what it imported (an exception, not a write out of bounds), and keep the memory it
imported alive after the caller drops its own references."""
import gc

import numpy as np
import pytest

import heatbath as hb
from heatbath import _backend
from helpers import needs_torch
from rbm_reference import random_rbm


def core():
    return _backend.module_for("cpu")


def session_and_call(V=20, H=12, chains=16, dtype="float32", visible="bernoulli"):
    rbm, _ = random_rbm(V, H, seed=4, dtype=dtype, visible=visible, sigma=0.8)
    params = dict(visible=visible, sigma=0.8, weights=rbm.weights, visible_bias=rbm.visible_bias,
                  hidden_bias=rbm.hidden_bias, beta=np.full(chains, 0.9, dtype=dtype))
    v = (np.random.default_rng(1).random((chains, V)) < 0.5).astype(dtype)
    h = np.zeros((chains, H), dtype=dtype)
    return params, v, h


@pytest.mark.parametrize("dtype,visible", [("float32", "bernoulli"), ("float64", "gaussian")])
def test_a_session_run_gives_rbm_gibbs_numbers(dtype, visible):
    params, v, h = session_and_call(dtype=dtype, visible=visible)
    session = core().RbmGibbsSession(**params, workspace=None)
    v_call, h_call = v.copy(), h.copy()
    for step0, n in ((0, 3), (3, 1), (4, 5)):  # calls that continue one another
        session.run(v, h, 7, 2, step0, n)
        core().rbm_gibbs(**params, v=v_call, h=h_call, trace=None, trace_hidden=None, thin=0, seed=7,
                         chain_start=2, step0=step0, n_steps=n, workspace=None)
        np.testing.assert_array_equal(v, v_call)
        np.testing.assert_array_equal(h, h_call)
    assert v.any() and h.any()  # the runs did write


def test_a_session_refuses_chains_that_do_not_fit_what_it_imported():
    params, v, h = session_and_call()
    session = core().RbmGibbsSession(**params, workspace=None)
    with pytest.raises(ValueError, match="'v'"):
        session.run(v[:8], h[:8], 0, 0, 0, 1)  # fewer chains than its β
    with pytest.raises(ValueError, match="'h'"):
        session.run(v, np.zeros((16, 13), np.float32), 0, 0, 0, 1)
    with pytest.raises(TypeError, match="'v'"):
        session.run(v.astype(np.float64), h, 0, 0, 0, 1)
    with pytest.raises(ValueError, match="'v'"):
        session.run(np.asfortranarray(v), h, 0, 0, 0, 1)
    with pytest.raises(ValueError, match="n_steps"):
        session.run(v, h, 0, 0, 0, -1)
    with pytest.raises(ValueError, match="'beta'"):
        core().RbmGibbsSession(**dict(params, beta=np.ones((16, 2), np.float32)), workspace=None)


def test_a_session_keeps_the_memory_it_imported():
    params, v, h = session_and_call()
    expected_v, expected_h = v.copy(), h.copy()
    core().rbm_gibbs(**params, v=expected_v, h=expected_h, trace=None, trace_hidden=None, thin=0, seed=5,
                     chain_start=0, step0=0, n_steps=4, workspace=None)
    kept = {k: (x.copy() if isinstance(x, np.ndarray) else x) for k, x in params.items()}
    session = core().RbmGibbsSession(**kept, workspace=None)
    del kept
    gc.collect()
    np.full((1 << 16,), -1e30, np.float32)  # memory freed above would likely be reused and overwritten
    session.run(v, h, 5, 0, 0, 4)
    np.testing.assert_array_equal(v, expected_v)
    np.testing.assert_array_equal(h, expected_h)


@needs_torch
def test_a_pcd_loop_makes_its_session_once_and_a_new_one_after_the_parameters_move():
    import torch

    _, params = random_rbm(20, 12, seed=5)
    rbm = hb.RBM(*(torch.nn.Parameter(torch.tensor(p, dtype=torch.float32)) for p in params))
    with torch.no_grad():
        state = hb.gibbs(rbm, (torch.rand(16, 20) < 0.5).float(), 1, seed=0, inplace=True).state
        assert rbm._last_call[-1] is None  # made at the first continuation, not before
        state = hb.gibbs(rbm, state, 1, inplace=True).state
        first = rbm._last_call[-1]
        state = hb.gibbs(rbm, state, 1, inplace=True).state
        assert rbm._last_call[-1] is first
        rbm._torch_sources["weights"].data = rbm._torch_sources["weights"].data.clone()
        state = hb.gibbs(rbm, state, 1, inplace=True).state  # the full path, which forgets the session
        state = hb.gibbs(rbm, state, 1, inplace=True).state
        assert rbm._last_call[-1] is not None and rbm._last_call[-1] is not first
