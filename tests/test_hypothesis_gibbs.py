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
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import heatbath as hb  # noqa: E402
from property_calls import ERRORS, call_with_one_bad_argument  # noqa: E402

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

GOOD = {
    "n_steps": st.integers(0, 6),
    "beta": st.one_of(st.floats(0.05, 2.0), st.just("per lattice")),
    "seed": st.integers(0, 2**64 - 1),
    "method": st.sampled_from(["heatbath", "metropolis"]),
    "chain_start": st.integers(0, 1000),
    "record": st.booleans(),
}
BAD = {
    "n_steps": st.sampled_from([-1, 2.5, "3", None, True, 2**60]),
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
    n_sweeps = args.pop("n_steps")
    args["beta"] = betas(args["beta"], spins0.shape[0] if spins0.ndim else 1)
    res = call_with_one_bad_argument(lambda: hb.gibbs(model, spins0, n_sweeps, **args), corrupt, "spins0", spins0)
    if res is None:
        return
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


# --- RBM ------------------------------------------------------------------------------------------

RBM_GOOD = {
    "n_steps": st.integers(0, 5),
    "beta": st.one_of(st.floats(0.05, 2.0), st.just("per chain")),
    "seed": st.integers(0, 2**64 - 1),
    "thin": st.integers(0, 3),
    "trace_hidden": st.booleans(),
    "chain_start": st.integers(0, 1000),
}
RBM_BAD = {
    "n_steps": st.sampled_from([-1, 2.5, "3", None]),
    "beta": st.sampled_from([0.0, -1.0, math.nan, math.inf, "1", "wrong length", "negative entry"]),
    "seed": st.sampled_from([-1, 2**64, 1.5]),
    "thin": st.sampled_from([-1, 1.5, "2"]),
    "trace_hidden": st.sampled_from([1, "yes", None]),
    "chain_start": st.sampled_from([-1, 2**32, 1.5]),
}


@st.composite
def visible_states(draw, V):
    chains = draw(st.integers(1, 4))
    v = (np.random.default_rng(draw(st.integers(0, 2**32 - 1))).random((chains, V)) < 0.5).astype(np.float32)
    flaw = draw(st.sampled_from(["none", "value", "nan", "rank", "width", "dtype", "strided"]))
    if flaw == "value":
        v[0, 0] = 0.5  # Bernoulli units take 0 or 1
    elif flaw == "nan":
        v[0, 0] = np.nan
    elif flaw == "rank":
        v = v[0]
    elif flaw == "width":
        v = v[:, :-1]
    elif flaw == "dtype":
        v = v.astype(np.float64)  # fine: converted to the RBM's dtype
    elif flaw == "strided":
        v = np.repeat(v, 2, axis=0)[::2]  # fine: the same states, not contiguous
    return v


@SETTINGS
@given(data=st.data(), corrupt=st.one_of(st.none(), st.sampled_from(["v0", *RBM_GOOD])))
def test_rbm_gibbs_works_or_names_the_bad_argument(data, corrupt):
    V, H = 5, 3
    rng = np.random.default_rng(0)
    rbm = hb.RBM(rng.standard_normal((V, H)).astype(np.float32), np.zeros(V, np.float32), np.zeros(H, np.float32))
    v0 = data.draw(visible_states(V), label="v0") if corrupt == "v0" else np.zeros((3, V), np.float32)
    args = {k: data.draw(RBM_BAD[k] if k == corrupt else s, label=k) for k, s in RBM_GOOD.items()}
    n_steps = args.pop("n_steps")
    chains = v0.shape[0] if v0.ndim == 2 else 1
    args["beta"] = betas(args["beta"].replace("per chain", "per lattice") if isinstance(args["beta"], str)
                         else args["beta"], chains)
    res = call_with_one_bad_argument(lambda: hb.gibbs(rbm, v0, n_steps, **args), corrupt, "v0", v0)
    if res is None:
        return
    assert res.v.shape == v0.shape and np.isin(res.v, (0, 1)).all() and np.isin(res.h, (0, 1)).all()
    if args["thin"]:
        assert res.trace.shape == (n_steps // args["thin"], chains, V)


@SETTINGS
@given(V=st.integers(-1, 4), H=st.integers(-1, 4), bias_len=st.integers(0, 5),
       dtype=st.sampled_from(["float32", "float64", "int32", "float16"]),
       poison=st.sampled_from([None, math.nan, math.inf]), visible=st.sampled_from(["bernoulli", "gaussian", "poisson"]),
       sigma=st.sampled_from([1.0, 0.0, -1.0, math.nan]))
def test_rbm_model_and_log_z_work_or_name_the_bad_argument(V, H, bias_len, dtype, poison, visible, sigma):
    def arr(*shape):
        return np.full(tuple(max(s, 0) for s in shape), 0.1).astype(dtype)

    weights = arr(V, H)
    if poison is not None and weights.size and np.issubdtype(weights.dtype, np.floating):
        weights.flat[0] = poison
    try:
        rbm = hb.RBM(weights, arr(bias_len), arr(H), visible=visible, sigma=sigma)
        log_z = hb.exact_log_z(rbm)
        ais = hb.ais_log_z(rbm, n_chains=16, betas=20, seed=0)
    except ERRORS as exc:
        assert "argument '" in str(exc), f"{type(exc).__name__} does not name the argument: {exc}"
        return
    assert math.isfinite(log_z) and math.isfinite(ais.log_z)


# --- parallel tempering -----------------------------------------------------------------------------

@SETTINGS
@given(betas=st.one_of(st.integers(-1, 6), st.sampled_from([[0.0, 1.0], [0.0, 0.5, 1.0], [0.5, 1.0], [0.0, 0.9],
                                                             [0.0, 0.6, 0.4, 1.0], [0.0, math.nan, 1.0], "ten"])),
       swap=st.sampled_from(["deo", "seo", "DEO", "random"]), adapt=st.sampled_from([False, True, 3, -1, "yes"]),
       n_rounds=st.sampled_from([0, 3, -1, 1.5]), chains=st.integers(0, 3),
       model=st.sampled_from(["ising", "double well", "rbm"]))
def test_tempering_works_or_names_the_bad_argument(betas, swap, adapt, n_rounds, chains, model):
    try:
        if model == "ising":
            target, x0, sampler = hb.Ising((4, 4)), np.ones((chains, 4, 4), np.int8), None
        elif model == "rbm":
            target = hb.RBM(np.full((4, 3), 0.2, np.float32), np.zeros(4, np.float32), np.zeros(3, np.float32))
            x0, sampler = np.zeros((chains, 4), np.float32), None
        else:
            target, x0, sampler = hb.DoubleWell(), np.zeros((chains, 1)), hb.LangevinMove(0.05)
        pt = hb.ParallelTempering(target, betas, sampler=sampler, swap=swap, adapt=adapt)
        res = pt.run(x0, n_rounds, seed=1)
    except ERRORS as exc:
        assert "argument '" in str(exc), f"{type(exc).__name__} does not name the argument: {exc}"
        return
    assert len(res.betas) >= 2 and res.betas[0] == 0 and res.betas[-1] == 1
    assert np.all(np.diff(res.betas) > 0)
