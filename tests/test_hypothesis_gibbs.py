# SPDX-License-Identifier: Apache-2.0
"""Property-based bad input for the discrete samplers: hb.Ising and hb.gibbs on it.

As in test_hypothesis_langevin.py, every call is valid but for at most one argument; a valid call must
work (right shapes, spins still ±1, the caller's array untouched) and an invalid one must raise
TypeError or ValueError naming that argument.
"""
import math

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the property tests need hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import heatbath as hb  # noqa: E402

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
ERRORS = (TypeError, ValueError, MemoryError)

GOOD = {
    "n_sweeps": st.integers(0, 6),
    "beta": st.one_of(st.floats(0.05, 2.0), st.just("per lattice")),
    "seed": st.integers(0, 2**64 - 1),
    "method": st.sampled_from(["heatbath", "metropolis"]),
    "chain_start": st.integers(0, 1000),
    "record": st.booleans(),
}
BAD = {
    "n_sweeps": st.sampled_from([-1, 2.5, "3", None, True, 2**60]),
    "beta": st.sampled_from([0.0, -1.0, math.nan, math.inf, 1e40, "1", "wrong length", "negative entry"]),
    "seed": st.sampled_from([-1, 2**64, 1.5, "1"]),
    "method": st.sampled_from(["wolff", "HEATBATH", 3]),
    "chain_start": st.sampled_from([-1, 2**32, 1.5]),
    "record": st.sampled_from(["yes", 1, None]),
}


def betas(kind, lattices):
    if kind == "per lattice":
        return np.linspace(0.2, 1.0, lattices)
    if kind == "wrong length":
        return np.ones(lattices + 1)
    if kind == "negative entry":
        return np.r_[np.ones(lattices - 1), -1.0]
    return kind


@st.composite
def spin_arrays(draw, shape):
    """int8 ±1 spins [lattices, *shape], or something close to it that is not valid."""
    lattices = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    s = np.where(rng.random((lattices, *shape)) < 0.5, -1, 1).astype(np.int8)
    flaw = draw(st.sampled_from(["none", "dtype", "value", "rank", "transposed", "readonly", "strided"]))
    if flaw == "dtype":
        s = s.astype(draw(st.sampled_from(["int16", "float32", "bool", "uint8"])))
    elif flaw == "value":
        s.flat[draw(st.integers(0, s.size - 1))] = draw(st.sampled_from([0, 2, -128, 127]))
    elif flaw == "rank":
        s = s[0] if draw(st.booleans()) else s[..., None]
    elif flaw == "transposed":
        s = np.ascontiguousarray(np.swapaxes(s, 1, 2))
    elif flaw == "readonly":
        s.flags.writeable = False  # fine: spins0 is only read
    elif flaw == "strided":
        s = np.repeat(s, 2, axis=0)[::2]  # fine: the same spins, not contiguous
    return s


@SETTINGS
@given(data=st.data(), shape=st.sampled_from([(4, 6), (2, 4, 4)]),
       corrupt=st.one_of(st.none(), st.sampled_from(["spins0", *GOOD])))
def test_ising_gibbs_works_or_names_the_bad_argument(data, shape, corrupt):
    model = hb.Ising(shape, coupling=data.draw(st.sampled_from([1.0, -0.5])), field=0.1)
    if corrupt == "spins0":
        spins0 = data.draw(spin_arrays(shape), label="spins0")
    else:
        spins0 = np.ones((2, *shape), np.int8)
    args = {name: data.draw(BAD[name] if name == corrupt else strategy, label=name) for name, strategy in GOOD.items()}
    n_sweeps = args.pop("n_sweeps")
    args["beta"] = betas(args["beta"], spins0.shape[0] if spins0.ndim else 1)
    before = spins0.copy()
    try:
        res = hb.gibbs(model, spins0, n_sweeps, **args)
    except ERRORS as exc:
        event("rejected")
        assert corrupt is not None, f"a valid call raised {exc!r}"
        assert f"argument '{corrupt}'" in str(exc), f"expected the error to name '{corrupt}': {exc!r}"
        return
    finally:
        np.testing.assert_array_equal(spins0, before)
    event("ran")
    assert corrupt in (None, "spins0"), f"bad '{corrupt}' was accepted"
    assert res.spins.shape == spins0.shape and res.spins.dtype == np.int8
    assert np.isin(res.spins, (-1, 1)).all()
    if args["record"]:
        assert res.energy.shape == (n_sweeps, spins0.shape[0])
        np.testing.assert_allclose(res.energy[-1:], model.energy(res.spins)[None] if n_sweeps else res.energy[-1:])


@SETTINGS
@given(shape=st.one_of(st.tuples(st.integers(-1, 5), st.integers(-1, 5)), st.just((4,)), st.just((2, 2, 2, 2)),
                       st.just("4x4"), st.just(4)),
       coupling=st.sampled_from([1.0, math.nan, math.inf, 1e40, "1", "array", "bad array"]),
       field=st.sampled_from([0.0, math.nan, "array", "bad array"]))
def test_ising_model_works_or_names_the_bad_argument(shape, coupling, field):
    def param(value, full_shape):
        if value == "array":
            return np.full(full_shape, 0.5)
        if value == "bad array":
            return np.full((3,), 0.5)
        return value

    full = shape if isinstance(shape, tuple) and min(shape) > 0 else (4, 4)
    try:
        model = hb.Ising(shape, coupling=param(coupling, (len(full), *full)), field=param(field, full))
    except ERRORS as exc:
        assert "argument '" in str(exc), f"{type(exc).__name__} does not name the argument: {exc}"
        return
    spins = np.ones((1, *model.shape), np.int8)
    assert np.isfinite(model.energy(spins)).all()
