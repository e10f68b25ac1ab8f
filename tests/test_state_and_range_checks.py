# SPDX-License-Identifier: Apache-2.0
"""Checks that no input slips past: a continued state (which may be edited, built by hand or loaded)
is checked like a fresh start; numbers that are fine in float64 but not in a float32 run are refused;
states without coordinates are refused; and scratch too large for memory is a MemoryError, not an abort
of the interpreter."""
import dataclasses
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import heatbath as hb
from helpers import SANITIZED
from rbm_reference import random_rbm


@pytest.mark.parametrize("value", [100, 0, -128])
@pytest.mark.parametrize("method", ["heatbath", "metropolis"])
def test_a_state_with_spins_other_than_plus_minus_one_is_refused(value, method):
    # Unchecked, such spins indexed the threshold table out of its bounds.
    state = hb.gibbs(hb.Ising((4, 4)), np.ones((2, 4, 4), np.int8), 2, beta=0.5, seed=1, method=method).state
    bad = dataclasses.replace(state, spins=np.full((2, 4, 4), value, np.int8))
    with pytest.raises(ValueError, match="argument 'spins0': spins must be \\+1 or -1"):
        hb.gibbs(hb.Ising((4, 4)), bad, 3, beta=0.5)


def _states():
    rbm, _ = random_rbm(4, 3, seed=0)
    yield "v0", "step", rbm, hb.gibbs(rbm, np.zeros((2, 4), np.float32), 2, seed=1).state
    ising = hb.Ising((4, 4))
    yield "spins0", "sweep", ising, hb.gibbs(ising, np.ones((2, 4, 4), np.int8), 2, beta=0.5, seed=1).state
    yield "x0", "step", hb.DoubleWell(), hb.langevin(hb.DoubleWell(), np.zeros((2, 1)), 2, 0.1, seed=1).state


@pytest.mark.parametrize("field, value, exc", [("seed", -5, ValueError), ("seed", 2**64, ValueError),
                                               ("seed", 1.5, TypeError), ("chain_start", -1, ValueError),
                                               ("counter", 2.5, TypeError), ("counter", -2, ValueError)])
def test_state_fields_are_checked_by_name(field, value, exc):
    for arg, counter, model, state in _states():
        name = counter if field == "counter" else field
        bad = dataclasses.replace(state, **{name: value})
        with pytest.raises(exc, match=rf"argument '{arg}\.{name}'"):
            if isinstance(model, hb.DoubleWell):
                hb.langevin(model, bad, 1, 0.1)
            else:
                hb.gibbs(model, bad, 1, beta=0.5)


def test_a_continued_langevin_run_stays_below_the_step_limit():
    state = hb.langevin(hb.DoubleWell(), np.zeros((2, 1)), 2, 0.1, seed=1).state
    with pytest.raises(ValueError, match="argument 'n_steps': the run would pass the step counter's limit"):
        hb.langevin(hb.DoubleWell(), dataclasses.replace(state, step=2**56 - 1), 2, 0.1)
    # Ising said "expected an integer in [0, 0)" for a state at the end of its counter
    ising = hb.gibbs(hb.Ising((4, 4)), np.ones((2, 4, 4), np.int8), 1, beta=0.5).state
    for sweep in (2**55, 2**55 - 1):
        with pytest.raises(ValueError, match=r"argument 'n_steps': the run would pass the sweep counter's limit "
                                             r"\(2\*\*55 sweeps\)"):
            hb.gibbs(hb.Ising((4, 4)), dataclasses.replace(ising, sweep=sweep), 2, beta=0.5)


def test_a_states_part_is_named_in_shape_messages():
    rbm, _ = random_rbm(5, 3, seed=0)
    state = hb.gibbs(rbm, np.zeros((4, 5), np.float32), 2).state
    with pytest.raises(ValueError, match=r"argument 'v0': the state's h: expected shape \[chains, 3\], got \(4, 4\)"):
        hb.gibbs(rbm, dataclasses.replace(state, h=np.zeros((4, 4), np.float32)), 1)


@pytest.mark.parametrize("kw", [dict(step_size=1e-46), dict(beta=1e39), dict(beta=np.full(5, 1e-46))])
def test_float32_runs_refuse_numbers_float32_cannot_hold(kw):
    args = dict(step_size=0.01, beta=1.0) | kw
    x0 = np.ones((3, 1), np.float32)
    name = next(iter(kw))
    with pytest.raises(ValueError, match=f"argument '{name}': must be positive and finite in float32"):
        hb.langevin(hb.DoubleWell(), x0, 5, args["step_size"], "mala", beta=args["beta"])
    hb.langevin(hb.DoubleWell(), x0.astype(np.float64), 5, args["step_size"], "mala", beta=args["beta"])


def test_states_without_coordinates_are_refused():
    for call in (lambda: hb.langevin(hb.DoubleWell(), np.zeros((5, 0)), 3, 0.1),
                 lambda: hb.energy(hb.DoubleWell(), np.zeros((5, 0)))):
        with pytest.raises(ValueError, match="states need at least one coordinate"):
            call()


def _memory_error_in_a_child(limit_mib: int, setup: str, call: str) -> None:
    """Runs `setup` and `call` in a child process whose address space is limited to limit_mib: the call must
    raise MemoryError (printed by the child), not abort the interpreter."""
    code = (f"import resource, numpy as np, heatbath as hb\n"
            f"resource.setrlimit(resource.RLIMIT_AS, ({limit_mib} << 20, {limit_mib} << 20))\n"
            f"{setup}\n"
            f"try:\n    {call}\nexcept MemoryError:\n    print('MemoryError')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "MemoryError"


LIMITS_ADDRESS_SPACE = pytest.mark.skipif(os.name != "posix" or SANITIZED, reason="limits the address space of a "
                                          "child process (AddressSanitizer reserves more for its shadow memory)")


@LIMITS_ADDRESS_SPACE
def test_scratch_too_large_for_memory_is_a_memory_error():
    # Each thread's tiles hold 1,280 × one float32 chain: 2**22 coordinates need 5 GiB of them, more than
    # the child may map. It aborted the interpreter when the allocation failed inside the parallel region.
    _memory_error_in_a_child(3 << 10, "", "hb.langevin(hb.DoubleWell(), np.zeros((1, 1 << 22), np.float32), 1, 0.01)")


@LIMITS_ADDRESS_SPACE
def test_an_rbm_tile_too_large_for_memory_is_a_memory_error():
    # 64 chains of 2**22 visible units: 1 GiB of states, its copy, then a 2 GiB tile of the sampler's
    # (v and its pre-activations) made inside the parallel region, which aborted the interpreter.
    _memory_error_in_a_child(3600, "V = 1 << 22\nrbm = hb.RBM(np.zeros((V, 1), np.float32), np.zeros(V, np.float32), "
                             "np.zeros(1, np.float32))", "hb.gibbs(rbm, np.zeros((64, V), np.float32), 1)")


def test_a_langevin_state_has_momenta_exactly_when_its_method_does():
    baoab = hb.langevin(hb.DoubleWell(), np.zeros((2, 1)), 2, 0.1, "baoab", seed=1).state
    ula = hb.langevin(hb.DoubleWell(), np.zeros((2, 1)), 2, 0.1, "ula", seed=1).state
    with pytest.raises(ValueError, match="argument 'x0': a 'baoab' state needs momenta p"):
        hb.langevin(hb.DoubleWell(), dataclasses.replace(baoab, p=None), 2, 0.1)
    with pytest.raises(ValueError, match="argument 'x0': a 'ula' state has no momenta p"):
        hb.langevin(hb.DoubleWell(), dataclasses.replace(ula, p=np.zeros((2, 1))), 2, 0.1)


def test_a_langevin_states_method_and_arrays_are_checked_by_name():
    # A state's p or diverged_at as a list was an AttributeError from inside the copy; an unknown method
    # was told its state "has no momenta p".
    baoab = hb.langevin(hb.DoubleWell(), np.zeros((2, 1)), 2, 0.1, "baoab", seed=1).state
    with pytest.raises(ValueError, match=r"argument 'x0\.method': expected one of \('ula', 'mala', 'baoab'\), "
                                         r"got 'hmc'"):
        hb.langevin(hb.DoubleWell(), dataclasses.replace(baoab, method="hmc"), 2, 0.1)
    for field in ("p", "diverged_at"):
        bad = dataclasses.replace(baoab, **{field: getattr(baoab, field).tolist()})
        with pytest.raises(TypeError, match=rf"argument 'x0\.{field}': expected an array \(numpy, torch, cupy\), "
                                            rf"got list"):
            hb.langevin(hb.DoubleWell(), bad, 2, 0.1)


@pytest.mark.parametrize("method", [None, "wolff", ["heatbath"]])
def test_an_ising_states_method_is_checked_by_name(method):
    # None reached the binding (a pybind11 signature dump), 'wolff' the core's own message
    state = hb.gibbs(hb.Ising((4, 4)), np.ones((2, 4, 4), np.int8), 2, beta=0.5, seed=1).state
    with pytest.raises(ValueError, match=r"argument 'spins0\.method': expected one of \('heatbath', 'metropolis'\), "
                                         rf"got {re.escape(repr(method))}"):
        hb.gibbs(hb.Ising((4, 4)), dataclasses.replace(state, method=method), 1, beta=0.5)


def test_diverged_at_is_checked_against_the_states_steps():
    # A healthy chain marked with a later step was frozen and reported diverged; −7 was taken as healthy.
    state = hb.langevin(hb.DoubleWell(), np.zeros((3, 1)), 5, 0.1, "mala", seed=1).state
    for values in ([-1, 99, -1], [-1, -7, -1], [-1, 5, -1]):
        bad = dataclasses.replace(state, diverged_at=np.array(values, np.int64))
        with pytest.raises(ValueError, match=r"argument 'x0\.diverged_at': entries must be −1 \(a healthy chain\) or "
                                             r"the step a chain diverged at, below the state's 5 steps"):
            hb.langevin(hb.DoubleWell(), bad, 1, 0.1)
    assert hb.langevin(hb.DoubleWell(), dataclasses.replace(state, diverged_at=np.array([-1, 4, -1])), 1,
                       0.1).n_diverged == 1
    for value, error, match in ((None, TypeError, "got NoneType"), (np.zeros(3, np.int32), TypeError, "int64"),
                                (np.zeros(4, np.int64), ValueError, r"expected shape \(3,\)")):
        with pytest.raises(error, match=rf"argument 'x0\.diverged_at': .*{match}"):
            hb.langevin(hb.DoubleWell(), dataclasses.replace(state, diverged_at=value), 1, 0.1)
    pt = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(0.1, n_local=2))
    pt_state = pt.run(np.zeros((2, 1)), 3, seed=1).state  # 6 steps
    with pytest.raises(ValueError, match=r"argument 'x0\.diverged_at': .*below the state's 6 steps"):
        pt.run(dataclasses.replace(pt_state, diverged_at=np.full(6, 6)), 1)
    with pytest.raises(TypeError, match="argument 'x0.diverged_at': .*got NoneType"):
        pt.run(dataclasses.replace(pt_state, diverged_at=None), 1)
    with pytest.raises(ValueError, match="argument 'x0': a 'mala' state has no momenta p"):
        pt.run(dataclasses.replace(pt_state, p=np.zeros((6, 1))), 1)
    baoab = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=hb.LangevinMove(0.1, "baoab"))
    with pytest.raises(ValueError, match="argument 'x0': a 'baoab' state needs momenta p"):
        baoab.run(dataclasses.replace(baoab.run(np.zeros((2, 1)), 1).state, p=None), 1)


def test_a_torch_state_changed_in_place_is_checked_again():
    # A state's torch spins are rescanned only when their version counter moved since heatbath wrote them.
    torch = pytest.importorskip("torch", reason="torch's version counters")
    ising = hb.Ising((4, 4))
    state = hb.gibbs(ising, torch.ones((2, 4, 4), dtype=torch.int8), 2, beta=0.5, seed=1).state
    hb.gibbs(ising, state, 1, beta=0.5)  # unchanged: runs without a scan
    state.spins[0, 0, 0] = 5
    with pytest.raises(ValueError, match="argument 'spins0': spins must be \\+1 or -1"):
        hb.gibbs(ising, state, 1, beta=0.5)


@pytest.mark.parametrize("inplace", [False, True])
def test_gibbs_under_inference_mode_runs_and_rescans_its_state(inplace):
    # Inference tensors have no version counter: their states are scanned on every call, so an edit made
    # under torch.inference_mode() is still caught.
    torch = pytest.importorskip("torch", reason="torch's inference mode")
    ising = hb.Ising((4, 4))
    _, (w, b, c) = random_rbm(5, 3, seed=2)
    rbm = hb.RBM(torch.as_tensor(w), torch.as_tensor(b), torch.as_tensor(c))
    with torch.inference_mode():
        state = hb.gibbs(ising, torch.ones((2, 4, 4), dtype=torch.int8), 2, beta=0.5, seed=1).state
        state = hb.gibbs(ising, state, 1, beta=0.5, inplace=inplace).state
        assert state.spins.is_inference()
        state.spins[0, 0, 0] = 5
        with pytest.raises(ValueError, match="argument 'spins0': spins must be \\+1 or -1"):
            hb.gibbs(ising, state, 1, beta=0.5, inplace=inplace)
        v0 = torch.zeros((4, 5), dtype=torch.float64)
        state = hb.gibbs(rbm, v0, 2, seed=1).state
        state = hb.gibbs(rbm, state, 1, inplace=inplace).state
        state.v[0, 0] = 0.5
        with pytest.raises(ValueError, match="argument 'v0'"):
            hb.gibbs(rbm, state, 1, inplace=inplace)
