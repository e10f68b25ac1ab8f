# SPDX-License-Identifier: Apache-2.0
"""Bad arguments to parallel tempering raise clear exceptions naming the argument, never crash."""
import dataclasses
import warnings

import numpy as np
import pytest

import heatbath as hb


def target():
    return hb.Gaussian(np.array([0.0]), covariance=np.array([[1.0]]))


def move():
    return hb.LangevinMove(0.1)


@pytest.mark.parametrize("betas, message", [
    ([0.0, 0.5, 0.4, 1.0], "strictly increasing"),
    ([0.0, 0.5, 0.5, 1.0], "strictly increasing"),
    ([0.0, 0.5, 1.2], r"\[0, 1\]"),
    ([-0.1, 0.5, 1.0], r"\[0, 1\]"),
    ([0.0, 0.5, 0.9], "end at"),
    ([0.1, 0.5, 1.0], "start at"),
    ([1.0], "at least 2"),
    (1, "at least 2"),
    ([[0.0, 1.0]], "1-D"),
    ([0.0, np.nan, 1.0], r"\[0, 1\]"),
    ("ladder", "betas"),
])
def test_bad_ladders(betas, message):
    with pytest.raises((ValueError, TypeError), match=message):
        hb.ParallelTempering(target(), betas, sampler=move())
    with pytest.raises((ValueError, TypeError), match="betas"):
        hb.ParallelTempering(target(), betas, sampler=move())


def test_sampler_must_fit_the_target():
    with pytest.raises(TypeError, match="sampler"):
        hb.ParallelTempering(target(), 4)
    with pytest.raises(TypeError, match="sampler"):
        hb.ParallelTempering(target(), 4, sampler="mala")
    with pytest.raises(TypeError, match="target"):
        hb.ParallelTempering(object(), 4, sampler=move())
    with pytest.raises(TypeError, match="reference"):
        hb.ParallelTempering(target(), 4, sampler=move(), reference=(0.0, 1.0))
    with pytest.raises(TypeError, match="sampler"):
        hb.ParallelTempering(hb.TemperedModel(), 4, sampler=move())  # a Gibbs-style model runs its own moves
    with pytest.raises(ValueError, match="adapt"):
        hb.ParallelTempering(hb.TemperedModel(), 4, adapt=-1)  # adaptation itself works for any model


def test_user_potentials_need_a_langevin_move_and_a_supported_kind():
    class Opaque(hb.Target):  # neither built in nor a potential that pt_user.py can temper
        compiled_by_core = False

    with pytest.raises(TypeError, match="target.*TorchPotential"):
        hb.ParallelTempering(Opaque(), 4, sampler=move())
    numba = pytest.importorskip("numba", reason="user potentials need numba")
    assert numba
    from helpers import bowl_potential

    with pytest.raises(TypeError, match="sampler"):
        hb.ParallelTempering(bowl_potential(), 4, sampler=hb.GibbsMove())
    pt = hb.ParallelTempering(bowl_potential(), 4, sampler=move())
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.array([[np.nan]]), 1)


def test_bad_moves_and_schemes():
    with pytest.raises(ValueError, match="swap"):
        hb.ParallelTempering(target(), 4, sampler=move(), swap="random")
    with pytest.raises(ValueError, match="method"):
        hb.LangevinMove(0.1, "hmc")
    with pytest.raises(ValueError, match="step_size"):
        hb.LangevinMove(-0.1)
    with pytest.raises(ValueError, match="n_local"):
        hb.LangevinMove(0.1, n_local=0)
    with pytest.raises(ValueError, match="adapt"):
        hb.ParallelTempering(target(), 4, sampler=move(), adapt=-3)
    with pytest.raises(ValueError, match="scale"):
        hb.GaussianReference(0.0, -1.0)


def test_bad_states():
    pt = hb.ParallelTempering(target(), 4, sampler=move())
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.zeros((3, 5, 1)), 10)  # 3 replicas for a ladder of 4
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.zeros((4, 5, 2)), 10)  # wrong dimension for the target
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.zeros(5), 10)
    with pytest.raises(TypeError, match="x0"):
        pt.run(np.zeros((5, 1), np.int32), 10)
    with pytest.raises(ValueError, match="x0"):
        pt.run(np.full((5, 1), np.nan), 10)
    with pytest.raises(TypeError, match="x0"):
        pt.run([[0.0]], 10)
    with pytest.raises(ValueError, match="n_rounds"):
        pt.run(np.zeros((5, 1)), -1)
    with pytest.raises(TypeError, match="record_index"):
        pt.run(np.zeros((5, 1)), 1, record_index=1)
    with pytest.raises(ValueError, match="reference"):
        hb.ParallelTempering(hb.DoubleWell(), 4, sampler=move(),
                             reference=hb.GaussianReference([0.0, 0.0, 0.0], 1.0)).run(np.zeros((5, 2)), 1)


@pytest.mark.parametrize("reference, dtype, what", [
    (hb.GaussianReference(0.0, 1e-20), np.float32, "1/scale² overflows float32"),
    (hb.GaussianReference(0.0, 1e-200), np.float64, "1/scale² overflows float64"),
    (hb.GaussianReference(1e39, 1.0), np.float32, "mean overflows float32"),
])
def test_a_reference_must_be_finite_in_the_states_type(reference, dtype, what):
    """The core reads the mean and 1/scale² in the states' type: overflowed there, every row would
    diverge and log Z come out NaN."""
    pt = hb.ParallelTempering(hb.DoubleWell(), 3, sampler=move(), reference=reference)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="argument 'reference': its " + what):
            pt.run(np.zeros((2, 1), dtype), 2)


def test_a_state_must_fit_the_run():
    pt = hb.ParallelTempering(target(), 4, sampler=move())
    state = pt.run(np.zeros((5, 1)), 3).state
    with pytest.raises(ValueError, match="seed"):
        pt.run(state, 3, seed=99)
    with pytest.raises(ValueError, match="x0"):
        hb.ParallelTempering(target(), 4, sampler=hb.LangevinMove(0.1, "ula")).run(state, 3)
    # Steps are numbered round · n_local: another n_local would draw the noise of earlier steps again.
    with pytest.raises(ValueError, match=r"argument 'x0': .*'mala\(n_local=1\)' run .* 'mala\(n_local=3\)'"):
        hb.ParallelTempering(target(), 4, sampler=hb.LangevinMove(0.1, n_local=3)).run(state, 3)
    assert hb.ParallelTempering(target(), 4, sampler=hb.LangevinMove(0.2)).run(state, 3).state.round == 6
    with pytest.raises(ValueError, match="x0"):
        hb.ParallelTempering(target(), 4, sampler=move(), swap="seo").run(state, 3)


def test_moves_are_read_only_once_made():
    """A move's settings are checked by its constructor: edited afterwards, a NaN step size ran with no
    acceptance at all, a negative one failed in a math function, a float n_local in the binding."""
    for made, name, value in ((move(), "step_size", float("nan")), (move(), "n_local", 2.5),
                              (hb.GibbsMove(), "n_sweeps", 0)):
        with pytest.raises(AttributeError, match=f"{type(made).__name__} is read-only once made .* {name}="):
            setattr(made, name, value)
    assert move().step_size == 0.1


def test_arguments_and_states_of_the_wrong_kind_are_named():
    with pytest.raises(ValueError, match=r"argument 'swap': expected 'deo' or 'seo', got \['deo'\]"):
        hb.ParallelTempering(target(), 4, sampler=move(), swap=["deo"])  # was "unhashable type: 'list'"
    pt = hb.ParallelTempering(target(), 4, sampler=move())
    langevin_state = hb.langevin(target(), np.zeros((5, 1)), 2, 0.1).state
    with pytest.raises(TypeError, match="argument 'x0': a LangevinState continues hb.langevin or hb.gibbs, not "
                                        "parallel tempering"):
        pt.run(langevin_state, 2)
    # an edited state's ladder is the state's, not the constructor's argument
    state = pt.run(np.zeros((5, 1)), 2).state
    bad = dataclasses.replace(state, betas=np.array([0.0, 0.6, 0.3, 1.0]))
    with pytest.raises(ValueError, match="argument 'x0.betas': inverse temperatures must be strictly increasing"):
        pt.run(bad, 2)
    ising = hb.ParallelTempering(hb.Ising((4, 4)), 3)
    ising_state = ising.run(np.ones((2, 4, 4), np.int8), 1).state
    with pytest.raises(ValueError, match="argument 'x0.betas': the ladder must end at"):
        ising.run(dataclasses.replace(ising_state, betas=[0.0, 0.5, 0.9]), 1)
