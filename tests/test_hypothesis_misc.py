# SPDX-License-Identifier: Apache-2.0
"""Property-based bad input for the remaining public entry points: schedules, free energies, state files,
user potentials (Numba and torch). Each call works or raises an exception naming the argument."""
import math

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the property tests need hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import heatbath as hb  # noqa: E402

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
ERRORS = (TypeError, ValueError, MemoryError, OSError)
odd = st.sampled_from([0.0, -1.0, 1e-9, 0.5, 2.0, 1e300, math.nan, math.inf, "1", None, True])


def names_an_argument(exc, *or_names):
    """The message names the argument at fault, or (errors inside a user's function) that function."""
    text = str(exc)
    assert "argument '" in text or any(f"'{n}'" in text for n in or_names), \
        f"{type(exc).__name__} names neither the argument nor {or_names}: {exc}"


@SETTINGS
@given(kind=st.sampled_from(["linear", "geometric", "cosine"]), start=odd, stop=odd,
       n=st.one_of(st.integers(-2, 50), st.just(2.5), st.just("3")))
def test_schedules(kind, start, stop, n):
    try:
        beta = getattr(hb.schedules, kind)(start, stop, n)
    except ERRORS as exc:
        names_an_argument(exc)
        return
    assert beta.shape == (n,) and np.isfinite(beta).all() and (beta > 0).all()


@SETTINGS
@given(chains=st.integers(0, 3), width=st.integers(2, 5), value=st.sampled_from([0.0, 1.0, 0.5, math.nan, 2.0]),
       beta=odd)
def test_free_energy(chains, width, value, beta):
    rbm = hb.RBM(np.full((4, 3), 0.3, np.float32), np.zeros(4, np.float32), np.zeros(3, np.float32))
    v = np.full((chains, width), value, np.float32)
    try:
        f = hb.free_energy(rbm, v, beta=beta)
    except ERRORS as exc:
        names_an_argument(exc)
        return
    assert f.shape == (chains,) and np.isfinite(f).all()


@SETTINGS
@given(content=st.sampled_from(["state", "empty", "garbage", "other npz", "missing"]), like=st.sampled_from([None, "torch"]))
def test_load_state(content, like, tmp_path_factory):
    path = tmp_path_factory.mktemp("state") / "s.npz"
    if content == "state":
        hb.langevin(hb.DoubleWell(), np.zeros((3, 1)), 2, 0.01).state.save(path)
    elif content == "empty":
        path.write_bytes(b"")
    elif content == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif content == "other npz":
        np.savez(path, x=np.zeros(3))
    if like == "torch":
        torch = pytest.importorskip("torch", reason="TorchPotential needs torch")
        like = torch.empty(0)
    try:
        state = hb.load_state(path, like=like)
    except ERRORS as exc:
        names_an_argument(exc)
        return
    assert content == "state" and state.step == 2


def user_energy(x):
    return 0.5 * (x[0] * x[0])


def user_grad(x, out):
    out[0] = x[0]


@SETTINGS
@given(energy=st.sampled_from(["ok", "not callable", None]), grad=st.sampled_from(["ok", "not callable", None]),
       params=st.sampled_from([(), (1.0,), "params", ([1, 2], object())]), dim=st.sampled_from([None, 1, 0, -1, 1.5]),
       name=st.sampled_from([None, "bowl", 3]))
def test_numba_potential(energy, grad, params, dim, name):
    pytest.importorskip("numba", reason="user potentials need numba")
    fns = {"ok": (user_energy, user_grad), "not callable": (3, 3), None: (None, None)}
    try:
        pot = hb.potential(fns[energy][0], fns[grad][1], params=params, dim=dim, name=name)
        res = hb.langevin(pot, np.zeros((2, 1)), 2, 0.01)
    except ERRORS as exc:
        names_an_argument(exc, "user_energy", "user_grad", "bowl")
        return
    assert res.x.shape == (2, 1)


@SETTINGS
@given(returns=st.sampled_from(["ok", "2-d", "int", "no grad", "scalar", "not a tensor"]),
       dim=st.sampled_from([None, 2, 3, 0]), x_dtype=st.sampled_from(["float32", "float64", "int64"]))
def test_torch_potential(returns, dim, x_dtype):
    torch = pytest.importorskip("torch", reason="TorchPotential needs torch")
    fns = {
        "ok": lambda x: (x * x).sum(-1),
        "2-d": lambda x: (x * x),
        "int": lambda x: (x * x).sum(-1).long(),
        "no grad": lambda x: torch.ones(x.shape[0], dtype=x.dtype),
        "scalar": lambda x: (x * x).sum(),
        "not a tensor": lambda x: [1.0] * x.shape[0],
    }
    x0 = torch.zeros(3, 2, dtype=getattr(torch, x_dtype))
    try:
        pot = hb.TorchPotential(fns[returns], dim=dim, name="net")
        res = hb.langevin(pot, x0, 2, 0.01)
    except ERRORS as exc:
        names_an_argument(exc, "net")
        return
    assert returns == "ok" and res.x.shape == (3, 2)
