# SPDX-License-Identifier: Apache-2.0
"""hb.gibbs(rbm, ..., inplace=True): the run writes into the caller's arrays (shared storage, asserted
through data pointers), draws the same numbers as the allocating path, and refuses arrays it cannot
write into safely. Continued states skip the NaN scan only while torch's version counters prove them
untouched."""
import numpy as np
import pytest

import heatbath as hb
from helpers import needs_torch
from rbm_reference import random_rbm, rbm_kinds


def same(a, b):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def start(chains, V, dtype="float32", seed=0):
    return (np.random.default_rng(seed).random((chains, V)) < 0.5).astype(dtype)


model = rbm_kinds(20, 12, seed=2)


def pointer(x):
    return x.data_ptr() if hasattr(x, "data_ptr") else x.__array_interface__["data"][0]


def test_numpy_state_continues_in_place_with_the_allocating_paths_numbers(model):
    v0 = start(30, 20, model.dtype)
    whole = hb.gibbs(model, v0, 12, seed=3, thin=4)
    res = hb.gibbs(model, v0, 4, seed=3)
    v_ptr, h_ptr = pointer(res.v), pointer(res.h)
    for _ in range(2):
        res = hb.gibbs(model, res.state, 4, inplace=True)
        assert pointer(res.v) == v_ptr and pointer(res.h) == h_ptr
        assert res.state.v is res.v and res.state.h is res.h
    same(res.v, whole.v), same(res.h, whole.h)
    assert res.state.step == 12


def test_fresh_start_in_place_writes_into_v0(model):
    v0 = start(30, 20, model.dtype)
    ref = hb.gibbs(model, v0, 5, seed=8)
    mine = v0.copy()
    res = hb.gibbs(model, mine, 5, seed=8, inplace=True)
    assert res.v is mine
    same(mine, ref.v), same(res.h, ref.h)


@needs_torch
def test_torch_pcd_loop_shares_storage_and_matches_one_run():
    import torch

    rbm_np, params = random_rbm(20, 12, seed=4)
    rbm = hb.RBM(*(torch.nn.Parameter(torch.tensor(p, dtype=torch.float32)) for p in params))
    v0 = torch.from_numpy(start(40, 20))
    whole = hb.gibbs(rbm, v0, 6, seed=1)
    res = hb.gibbs(rbm, v0, 1, seed=1)
    v_ptr, h_ptr = res.v.data_ptr(), res.h.data_ptr()
    with torch.no_grad():
        for _ in range(5):
            res = hb.gibbs(rbm, res.state, 1, inplace=True)
            assert res.v.data_ptr() == v_ptr and res.h.data_ptr() == h_ptr
    same(res.v, whole.v), same(res.h, whole.h)
    same(res.v, hb.gibbs(rbm_np, v0.numpy(), 6, seed=1).v)


@needs_torch
def test_a_state_changed_through_torch_is_checked_again():
    import torch

    rbm_np, params = random_rbm(20, 12, seed=4, visible="gaussian")
    rbm = hb.RBM(*(torch.tensor(p) for p in params), visible="gaussian")
    res = hb.gibbs(rbm, torch.from_numpy(start(10, 20)), 2, seed=1)
    res.v[3, 4] = float("nan")  # an in-place write: torch counts it
    for inplace in (False, True):
        with pytest.raises(ValueError, match="argument 'v0': the state's v: contains NaN"):
            hb.gibbs(rbm, res.state, 1, inplace=inplace)


def test_a_state_of_numpy_arrays_is_always_checked():
    rbm, _ = random_rbm(20, 12, seed=4, visible="gaussian")
    res = hb.gibbs(rbm, start(10, 20), 2, seed=1)
    res.h[0, 0] = np.inf  # hidden units are Bernoulli whatever the visible ones
    with pytest.raises(ValueError, match="argument 'v0': the state's h: Bernoulli units take the values 0 and 1"):
        hb.gibbs(rbm, res.state, 1, inplace=True)
    res.h[0, 0] = 1.0
    res.v[0, 0] = np.nan
    with pytest.raises(ValueError, match="argument 'v0': the state's v: contains NaN"):
        hb.gibbs(rbm, res.state, 1, inplace=True)


def test_in_place_refuses_arrays_it_cannot_write_into(model):
    other = "float64" if model.dtype == "float32" else "float32"
    with pytest.raises(TypeError, match=f"argument 'v0': inplace=True needs the RBM's dtype {model.dtype}"):
        hb.gibbs(model, start(10, 20, other), 1, inplace=True)
    with pytest.raises(ValueError, match="argument 'v0': inplace=True needs a C-contiguous array"):
        hb.gibbs(model, start(10, 40, model.dtype)[:, ::2], 1, inplace=True)
    frozen = start(10, 20, model.dtype)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="argument 'v0': inplace=True needs a writable array"):
        hb.gibbs(model, frozen, 1, inplace=True)
    with pytest.raises(TypeError, match="argument 'inplace': expected a bool"):
        hb.gibbs(model, start(10, 20, model.dtype), 1, inplace="yes")


def test_in_place_refuses_overlapping_arrays():
    rbm, _ = random_rbm(12, 12, seed=2)
    res = hb.gibbs(rbm, start(12, 12), 1, seed=0)
    shared = hb.RBMState(v=res.v, h=res.v, step=1, seed=0, chain_start=0)  # v and h are one array
    with pytest.raises(ValueError, match="argument 'the state's h' shares memory with 'v0'"):
        hb.gibbs(rbm, shared, 1, inplace=True)
    same(hb.gibbs(rbm, shared, 1).v.shape, (12, 12))  # the copying path is unaffected
    weights = (np.random.default_rng(0).random((12, 12)) < 0.5).astype("float32")
    on_weights = hb.RBM(weights, np.zeros(12, "float32"), np.zeros(12, "float32"))
    with pytest.raises(ValueError, match="argument 'weights' shares memory with 'v0'"):
        hb.gibbs(on_weights, weights, 1, inplace=True)


@needs_torch
def test_in_place_refuses_a_tensor_that_requires_grad():
    import torch

    rbm, _ = random_rbm(20, 12, seed=4)
    v0 = torch.from_numpy(start(10, 20)).requires_grad_()
    with pytest.raises(ValueError, match="argument 'v0': inplace=True cannot write into a tensor that requires grad"):
        hb.gibbs(rbm, v0, 1, inplace=True)


def test_the_kept_beta_array_follows_the_arguments():
    rbm, _ = random_rbm(20, 12, seed=4)
    v0 = start(10, 20)
    ref = {beta: hb.gibbs(rbm, v0, 3, beta=beta, seed=2).v for beta in (1.0, 0.5)}
    for beta in (1.0, 0.5, 1.0, 0.5):
        same(hb.gibbs(rbm, v0, 3, beta=beta, seed=2).v, ref[beta])
    assert hb.gibbs(rbm, start(7, 20), 1, beta=0.5).v.shape == (7, 20)  # another chain count
    for _ in range(2):
        with pytest.raises(ValueError, match="argument 'beta'"):
            hb.gibbs(rbm, v0, 1, beta=float("nan"))


@needs_torch
def test_a_pcd_loop_skips_the_layout_checks_only_while_nothing_they_read_changed(monkeypatch):
    # The next in-place call from a state this RBM returned, untouched and laid out as then, skips the
    # layout and overlap checks (a good part of a short call); any change they would see brings them back.
    import torch

    _, params = random_rbm(20, 12, seed=4)
    rbm = hb.RBM(*(torch.nn.Parameter(torch.tensor(p, dtype=torch.float32)) for p in params))
    checked = []
    real = hb.RBM._states
    monkeypatch.setattr(hb.RBM, "_states", lambda self, x, *a, **k: checked.append(x) or real(self, x, *a, **k))

    def step(state, **kw):
        checked.clear()
        with torch.no_grad():
            return hb.gibbs(rbm, state, 1, inplace=True, **kw).state

    state = hb.gibbs(rbm, torch.from_numpy(start(10, 20)), 1, seed=1).state
    state = step(state)
    assert checked == []  # heatbath's own copies, untouched: nothing to check again
    state = step(state)
    assert checked == []
    # Another RBM, a rebound parameter, or a state whose tensor was reshaped or made to need grad: checked.
    other = hb.RBM(*(torch.tensor(p, dtype=torch.float32) for p in params))
    with torch.no_grad():
        state = hb.gibbs(other, state, 1, inplace=True).state
    state = step(state)
    assert len(checked) == 2
    with torch.no_grad():
        rbm._torch_sources["weights"].data = rbm._torch_sources["weights"].data.clone()
    state = step(state)
    assert len(checked) == 2
    state.h.data = state.h.data.t().contiguous().t()  # the same values, in Fortran order: not C-contiguous
    with pytest.raises(ValueError, match="argument 'v0': inplace=True needs a C-contiguous array"):
        step(state)
    state = step(hb.gibbs(rbm, state, 1).state)  # a copy in C order, then back to the quick path
    assert checked == []
    state.v.requires_grad_(True)
    with pytest.raises(ValueError, match="argument 'v0': inplace=True cannot write into a tensor that requires grad"):
        step(state)


@needs_torch
def test_a_pcd_loops_prepared_calls_give_the_full_paths_numbers_and_stop_at_any_change(monkeypatch):
    # hb.gibbs(rbm, res.state, k, inplace=True) reuses the arguments its RBM's last such call prepared. The
    # same loop with that path switched off must give the same bits, also across in-place parameter updates
    # (read afresh every call); a new β, a rebound parameter or an edited state must take the full path.
    import torch

    _, params = random_rbm(20, 12, seed=5)

    def pcd(prepared: bool):
        rbm = hb.RBM(*(torch.nn.Parameter(torch.tensor(p, dtype=torch.float32)) for p in params))
        w = rbm._torch_sources["weights"]
        taken = []
        real = hb.RBM._continue_in_place

        def spy(self, *a, **k):
            result = real(self, *a, **k) if prepared else None
            taken.append(result is not None)
            return result

        with monkeypatch.context() as m, torch.no_grad():
            m.setattr(hb.RBM, "_continue_in_place", spy)
            state = hb.gibbs(rbm, torch.from_numpy(start(16, 20)), 2, seed=3).state
            for update in range(4):
                state = hb.gibbs(rbm, state, 3, inplace=True).state
                w.add_(0.01)  # in place: the prepared call reads the new values
            state = hb.gibbs(rbm, state, 2, beta=0.7, inplace=True).state  # a new β
            state = hb.gibbs(rbm, state, 2, beta=0.7, inplace=True).state
            w.data = w.data.clone()  # rebound to new memory
            state = hb.gibbs(rbm, state, 2, beta=0.7, inplace=True).state
            state.v[0, 0] = 1 - state.v[0, 0]  # an edited state (torch's version counter moves)
            state = hb.gibbs(rbm, state, 2, beta=0.7, inplace=True).state
            state = hb.gibbs(rbm, state, 2, beta=0.7, inplace=True).state
        return state, taken

    fast, taken = pcd(prepared=True)
    full, _ = pcd(prepared=False)
    assert taken == [False, True, True, True, False, True, False, False, True]
    assert fast.step == full.step == 2 + 4 * 3 + 5 * 2
    same(fast.v, full.v)
    same(fast.h, full.h)
