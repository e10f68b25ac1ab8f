# SPDX-License-Identifier: Apache-2.0
"""heatbath.Ising and hb.gibbs on it reject bad input with a TypeError or ValueError naming the argument."""
import numpy as np
import pytest

import heatbath as hb
from helpers import needs_torch

SHAPE = (4, 6)
MODEL = hb.Ising(SHAPE)
S0 = np.ones((3, *SHAPE), np.int8)


def _run(model=MODEL, spins0=S0, n_steps=2, **kw):
    return hb.gibbs(model, spins0, n_steps, **kw)


def test_good_arguments_run():
    res = _run(beta=0.5)
    assert res.spins.shape == S0.shape and res.energy.shape == (2, 3)


def flipped(value):
    s = S0.copy()
    s[1, 2, 3] = value
    return s


@pytest.mark.parametrize("changes,exc,name", [
    ({"spins0": S0.astype(np.int16)}, TypeError, "spins0"),
    ({"spins0": S0.astype(np.float32)}, TypeError, "spins0"),
    ({"spins0": S0.astype(bool)}, TypeError, "spins0"),
    ({"spins0": S0.tolist()}, TypeError, "spins0"),
    ({"spins0": 1}, TypeError, "spins0"),
    ({"spins0": flipped(0)}, ValueError, "spins0"),
    ({"spins0": flipped(2)}, ValueError, "spins0"),
    ({"spins0": flipped(-128)}, ValueError, "spins0"),
    ({"spins0": np.ones(SHAPE, np.int8)}, ValueError, "spins0"),               # no batch axis
    ({"spins0": np.ones((3, 6, 4), np.int8)}, ValueError, "spins0"),          # transposed lattice
    ({"spins0": np.ones((3, 4, 6, 2), np.int8)}, ValueError, "spins0"),
    ({"model": hb.Ising((4, 5))}, ValueError, "model"),                      # odd side length
    ({"model": hb.Ising((3, 4, 4)), "spins0": np.ones((1, 3, 4, 4), np.int8)}, ValueError, "model"),
    ({"n_steps": -1}, ValueError, "n_steps"),
    ({"n_steps": 2.0}, TypeError, "n_steps"),
    ({"n_steps": True}, TypeError, "n_steps"),
    ({"beta": 0.0}, ValueError, "beta"),
    ({"beta": -1.0}, ValueError, "beta"),
    ({"beta": float("nan")}, ValueError, "beta"),
    ({"beta": float("inf")}, ValueError, "beta"),
    ({"beta": 1e40}, ValueError, "beta"),                                     # overflows float32
    ({"beta": [0.5, 0.5]}, ValueError, "beta"),                               # one per lattice: 3
    ({"beta": np.array([0.5, -0.5, 0.5])}, ValueError, "beta"),
    ({"beta": np.ones((3, 1))}, ValueError, "beta"),
    ({"beta": "hot"}, TypeError, "beta"),
    ({"beta": True}, TypeError, "beta"),                                      # not an inverse temperature of 1
    ({"beta": np.array([True, True, True])}, TypeError, "beta"),
    ({"beta": np.array([0.5, 0.5, 0.5]) + 0j}, TypeError, "beta"),          # the cast would drop the imaginary part
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**64}, ValueError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"method": "wolff"}, ValueError, "method"),
    ({"chain_start": -1}, ValueError, "chain_start"),
    ({"chain_start": 2**32 - 2}, ValueError, "chain_start"),
    ({"record": "yes"}, TypeError, "record"),
    ({"inplace": 1}, TypeError, "inplace"),
    ({"inplace": True, "spins0": np.ones((3, 6, 4), np.int8).transpose(0, 2, 1)}, ValueError, "spins0"),
    ({"thin": 2}, TypeError, "thin"),
])
def test_gibbs_rejects(changes, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        _run(**changes)


def test_gibbs_rejects_a_non_model():
    with pytest.raises(TypeError, match="'model'"):
        hb.gibbs("ising", S0, 2)


def test_state_keeps_its_method_and_chain_start():
    state = _run(method="metropolis", chain_start=5).state
    with pytest.raises(ValueError, match="'method'"):
        _run(spins0=state, method="heatbath")
    with pytest.raises(ValueError, match="'chain_start'"):
        _run(spins0=state, chain_start=0)
    with pytest.raises(ValueError, match="'seed'"):
        _run(spins0=state, seed=7)


@pytest.mark.parametrize("kwargs,exc,name", [
    ({"shape": 4}, TypeError, "shape"),
    ({"shape": (4,)}, ValueError, "shape"),
    ({"shape": (4, 4, 4, 4)}, ValueError, "shape"),
    ({"shape": (4, 0)}, ValueError, "shape"),
    ({"shape": (4, 4.0)}, TypeError, "shape"),
    ({"coupling": float("nan")}, ValueError, "coupling"),
    ({"coupling": 1e39}, ValueError, "coupling"),
    ({"coupling": "ferro"}, TypeError, "coupling"),
    ({"coupling": np.ones((2, 4, 4))}, ValueError, "coupling"),               # shape of another lattice
    ({"coupling": np.ones((4, 6))}, ValueError, "coupling"),                  # missing direction axis
    ({"coupling": np.ones((2, 4, 6), bool)}, TypeError, "coupling"),
    ({"coupling": np.full((2, 4, 6), np.inf)}, ValueError, "coupling"),
    ({"field": np.ones((6, 4))}, ValueError, "field"),
    ({"field": np.ones((4, 6), np.complex64)}, TypeError, "field"),
    ({"field": float("-inf")}, ValueError, "field"),
])
def test_ising_rejects(kwargs, exc, name):
    kw = {"shape": SHAPE, **kwargs}
    with pytest.raises(exc, match=f"'{name}'"):
        hb.Ising(**kw)


def test_integer_couplings_and_fields_are_numbers():
    """±J couplings drawn as integers (rng.choice([-1, 1], ...)) are the same model as their floats."""
    j = np.random.default_rng(0).choice([-1, 1], size=(2, *SHAPE))
    h = np.arange(SHAPE[0] * SHAPE[1]).reshape(SHAPE) % 3 - 1
    spins = np.where(np.random.default_rng(1).random((3, *SHAPE)) < 0.5, 1, -1).astype(np.int8)
    ints, floats = hb.Ising(SHAPE, j, h), hb.Ising(SHAPE, j.astype(np.float32), h.astype(np.float32))
    np.testing.assert_array_equal(ints.energy(spins), floats.energy(spins))
    np.testing.assert_array_equal(hb.gibbs(ints, spins, 3, beta=0.7, seed=2).spins,
                                  hb.gibbs(floats, spins, 3, beta=0.7, seed=2).spins)


@pytest.mark.parametrize("make", ["numpy 0-d", "longdouble 0-d", "torch 0-d"])
def test_a_coupling_or_field_left_in_a_0d_array_is_a_number(make):
    if make == "torch 0-d":
        torch = pytest.importorskip("torch", reason="the torch case needs torch")
        wrap = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    else:
        wrap = (lambda v: np.array(v, dtype=np.longdouble)) if make == "longdouble 0-d" else np.array
    model = hb.Ising(SHAPE, coupling=wrap(0.5), field=wrap(-0.25))
    assert (model.coupling, model.field) == (0.5, -0.25)


@pytest.mark.parametrize("value", [np.array(True), np.array("0.5")])
def test_a_0d_array_that_is_not_a_number_is_refused(value):
    with pytest.raises(TypeError, match="argument 'coupling': expected a real number"):
        hb.Ising(SHAPE, coupling=value)


def test_spin_glass_rejects():
    with pytest.raises(ValueError, match="'kind'"):
        hb.Ising.spin_glass(SHAPE, "binary")
    with pytest.raises(ValueError, match="'seed'"):
        hb.Ising.spin_glass(SHAPE, seed=-3)


@pytest.mark.parametrize("spins,exc", [
    (S0.astype(np.int32), TypeError),
    (np.ones((3, 4, 4), np.int8), ValueError),
    (flipped(0), ValueError),
])
def test_energy_and_magnetization_reject(spins, exc):
    for fn in (MODEL.energy, MODEL.magnetization):
        with pytest.raises(exc, match="'spins'"):
            fn(spins)


@needs_torch
def test_torch_spins_are_checked_too():
    import torch

    with pytest.raises(ValueError, match="'spins0'"):
        _run(spins0=torch.from_numpy(flipped(3)))
    with pytest.raises(TypeError, match="'spins0'"):
        _run(spins0=torch.ones((3, *SHAPE), dtype=torch.float32))


def test_energy_accepts_odd_lattices_and_views():
    model = hb.Ising((3, 5), 1.0, 0.5)
    spins = np.ones((2, 5, 3), np.int8).transpose(0, 2, 1)  # not C-contiguous
    np.testing.assert_array_equal(model.energy(spins), [-30 - 7.5, -30 - 7.5])  # 2 bonds per site


def test_seed_none_means_zero_and_a_zero_dimensional_beta_is_a_number():
    ising, spins = hb.Ising((4, 4)), np.ones((2, 4, 4), np.int8)
    want = hb.gibbs(ising, spins, 3, beta=0.5, seed=0)
    for got in (hb.gibbs(ising, spins, 3, beta=0.5, seed=None), hb.gibbs(ising, spins, 3, beta=np.array(0.5), seed=0)):
        np.testing.assert_array_equal(got.spins, want.spins)


def test_inplace_into_a_read_only_array_names_spins0():
    spins = np.ones((2, 4, 4), np.int8)
    spins.flags.writeable = False
    with pytest.raises(ValueError, match="argument 'spins0': inplace=True needs a writable array"):
        hb.gibbs(hb.Ising((4, 4)), spins, 1, beta=0.5, seed=0, inplace=True)


def test_the_site_count_of_a_huge_lattice_does_not_wrap():
    assert hb.Ising((2**21, 2**21, 2**22)).n_sites == 2**64  # np.prod gave 0
