# SPDX-License-Identifier: Apache-2.0
"""Whole compiled rounds for Numba potentials on the CPU (heatbath/_numba/pt_rounds.py): the potential's
step and energy kernels and the core's swap pass, called from one compiled loop. They must give the bits
of the round-by-round loop that runs the same kernels and pass from Python (pt_user.COMPILED_NUMBA_ROUNDS
= False, the CUDA path), however the columns are grouped and the rounds chunked, with diverging chains,
and with functions that can raise (which run on the calling thread)."""
import warnings

import numpy as np
import pytest

import heatbath as hb

from heatbath import pt_user

numba = pytest.importorskip("numba", reason="heatbath.potential needs numba")
from heatbath._numba import pt_rounds  # noqa: E402 (imports numba)

OUTPUTS = ("replicas", "energy", "trace", "energy_trace", "index", "swap_rate", "rejection", "log_z_pairs",
           "round_trips", "accept_rate")


def double_well():
    # the potential of test_pt_user_potentials.py, whose kernels that file's runs have compiled already
    from heatbath.bench.peers.heatbath_user_peer import double_well_energy, double_well_grad

    return hb.potential(double_well_energy, double_well_grad, name="double well")


def box_energy(x, limit):
    if x[0] > limit:  # a raise statement: runs with this potential are serial
        raise ValueError("left the box")
    return 0.5 * x[0] * x[0]


def box_grad(x, out, limit):
    out[0] = x[0]


def assert_same_bits(a, b):
    for name in OUTPUTS:
        u, v = getattr(a, name), getattr(b, name)
        if u is None or v is None:
            assert u is None and v is None, name
            continue
        u, v = np.asarray(u), np.asarray(v)
        assert u.shape == v.shape and u.dtype == v.dtype, name
        np.testing.assert_array_equal(u.view(np.uint8), v.view(np.uint8), err_msg=name)
    for name in ("x", "p", "slot_of", "phase", "diverged_at"):
        u, v = getattr(a.state, name), getattr(b.state, name)
        assert (u is None) == (v is None), name
        if u is not None:
            np.testing.assert_array_equal(np.asarray(u).view(np.uint8), np.asarray(v).view(np.uint8), err_msg=name)
    assert a.n_diverged == b.n_diverged and a.log_z == b.log_z


def run_both(monkeypatch, pot, x0, n_rounds, **pt_args):
    pt = hb.ParallelTempering(pot, 5, **pt_args)
    monkeypatch.setattr(pt_user, "COMPILED_NUMBA_ROUNDS", False)
    loop = pt.run(x0, n_rounds, seed=7, thin=2, record_index=True)
    monkeypatch.setattr(pt_user, "COMPILED_NUMBA_ROUNDS", True)
    return pt, loop


# 70 chains × 5 temperatures: groups of 32 columns (one part short), or of 8 with chunks of 3 rounds.
@pytest.mark.parametrize("method, swap, h", [("ula", "deo", 0.05), ("mala", "seo", 0.05), ("baoab", "deo", 0.05),
                                             ("ula", "deo", 0.3)])
def test_compiled_rounds_give_the_bits_of_the_round_by_round_loop(monkeypatch, method, swap, h):
    x0 = np.linspace(-2, 2, 70, dtype=np.float32)[:, None]
    pot = double_well()
    pt, loop = run_both(monkeypatch, pot, x0, 11, sampler=hb.LangevinMove(h, method, n_local=2), swap=swap)
    if h > 0.1:  # ULA's large steps blow up some chains (at β near 1) on the way
        assert loop.n_diverged > 0
    assert_same_bits(pt.run(x0, 11, seed=7, thin=2, record_index=True), loop)
    monkeypatch.setattr(pt_rounds, "_SWAP_LANES", 8)
    monkeypatch.setattr(pt_rounds, "_CHUNK_WORK", 3 * 350 * 2)  # rows · dim · n_local: 3 rounds a launch
    assert_same_bits(pt.run(x0, 11, seed=7, thin=2, record_index=True), loop)


def test_functions_that_can_raise_run_on_the_calling_thread_with_the_same_bits(monkeypatch):
    x0 = np.linspace(-2, 2, 40, dtype=np.float64)[:, None]
    pot = hb.potential(box_energy, box_grad, params=(1e300,), name="box")  # a box it never leaves
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numba.core.errors.NumbaPerformanceWarning)
        pt, loop = run_both(monkeypatch, pot, x0, 6, sampler=hb.LangevinMove(0.05, "mala", n_local=3))
    with pytest.warns(numba.core.errors.NumbaPerformanceWarning, match="can raise"):
        compiled = pt.run(x0, 6, seed=7, thin=2, record_index=True)
    assert_same_bits(compiled, loop)


def test_an_exception_in_the_rounds_is_reported():
    pot = hb.potential(box_energy, box_grad, params=(1.5,), name="box")
    pt = hb.ParallelTempering(pot, 4, sampler=hb.LangevinMove(0.5, "mala", n_local=5))
    with pytest.raises(RuntimeError, match=r"'box_energy' or the gradient 'box_grad' raised .*left the box"), \
            pytest.warns(numba.core.errors.NumbaPerformanceWarning, match="can raise"):
        pt.run(np.zeros((50, 1)), 200, seed=1)


def test_a_swap_session_checks_its_rounds():
    from heatbath import _core

    swap = dict(betas=np.array([0.0, 1.0]), energy=np.zeros(6, np.float32), beta_row=np.zeros(6, np.float32),
                slot_of=np.array([[0, 0, 0], [1, 1, 1]], np.int64), phase=np.zeros(6, np.int64),
                round_trips=np.zeros(6, np.int64), local_accepted=None, accepted_at=None, ell=np.zeros((2, 3)),
                rejection=np.zeros((1, 3)), tried=np.zeros((1, 3), np.int64), accepted=np.zeros((1, 3), np.int64),
                fwd_max=np.zeros((1, 3)), fwd_sum=np.zeros((1, 3)), rev_max=np.zeros((1, 3)), rev_sum=np.zeros((1, 3)),
                index_trace=None, trace=None, energy_trace=None)
    session = _core.SwapSession(swap, "float32", 0.0, 0, 1, round0=4, n_rounds=2)
    assert session.columns == 3 and session.args_address != 0 and session.columns_function != 0
    session.run(4)
    assert swap["tried"].sum() == 3  # round 4 is even: DEO proposes the pair (0, 1) in every column
    with pytest.raises(ValueError, match=r"argument 'round': expected a round of the call"):
        session.run(6)
    with pytest.raises(TypeError, match=r"argument 'energy': expected dtype float32 or float64, got int8"):
        _core.SwapSession(swap, "int8", 0.0, 0, 1)
    with pytest.raises(ValueError, match=r"argument 'slot_of'"):
        _core.SwapSession({**swap, "slot_of": np.zeros((2, 2), np.int64)}, "float32", 0.0, 0, 1)
