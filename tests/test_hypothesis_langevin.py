# SPDX-License-Identifier: Apache-2.0
"""Property-based bad input for the continuous entry points (langevin, energy, grad, random.*).

Whatever arrives, a call either works (results of the documented shapes, the caller's array untouched)
or raises TypeError, ValueError or MemoryError naming the argument at fault. Nothing crashes, nothing
returns a silently wrong answer.
"""
import math

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="the property tests need hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import heatbath as hb  # noqa: E402
from property_calls import ERRORS, call_with_one_bad_argument  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

dtypes = st.sampled_from(["float32", "float64", "float16", "int32", "int64", "bool", "complex64", "uint8"])
special = st.sampled_from([0.0, -1.0, 1e-3, 0.5, math.nan, math.inf, -math.inf, 1e300, -0.0])


@st.composite
def arrays(draw):
    """Arrays of any rank 0-3 and small (possibly zero) sizes; some strided, some read-only, some with
    NaN or infinity."""
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = np.asarray(rng.standard_normal(shape)).astype(draw(dtypes))
    if x.size and np.issubdtype(x.dtype, np.floating) and draw(st.booleans()):
        x.flat[0] = draw(special)
    if x.ndim == 2 and x.shape[1] > 1 and draw(st.booleans()):
        x = np.repeat(x, 2, axis=1)[:, ::2]  # the same values, not contiguous
    if draw(st.booleans()):
        x.flags.writeable = False
    return x


def targets(dtype="float64"):
    return st.sampled_from([hb.DoubleWell(), hb.Gaussian(np.zeros(2, dtype), np.eye(2, dtype=dtype)),
                            hb.GaussianMixture(np.array([[-1, 0], [1, 0]], dtype), np.array([0.5, 0.5], dtype)),
                            hb.Rosenbrock(1.0, 5.0)])


def assert_names_an_argument(exc: BaseException):
    assert "argument '" in str(exc), f"{type(exc).__name__} does not name the argument: {exc}"


# Each call is valid but for at most one argument, so every argument's checks are reached and a valid
# call is known to be one.
GOOD = {
    "n_steps": st.integers(0, 30),
    "step_size": st.floats(1e-4, 0.1),
    "method": st.sampled_from(["ula", "mala", "baoab"]),
    "beta": st.one_of(st.floats(0.1, 10.0), st.just("schedule")),
    "friction": st.floats(0.0, 5.0),
    "seed": st.integers(0, 2**64 - 1),
    "thin": st.integers(0, 5),
    "chain_start": st.integers(0, 1000),
}
BAD = {
    "n_steps": st.sampled_from([-1, 2**70, 1.5, "3", None, True]),
    "step_size": st.sampled_from([0.0, -1.0, math.nan, math.inf, "0.1", None, True]),
    "method": st.sampled_from(["hmc", "ULA", 3]),
    "beta": st.sampled_from([0.0, -1.0, math.nan, math.inf, "1", "short schedule", "bad schedule"]),
    "friction": st.sampled_from([-1.0, math.nan, math.inf, "1", True]),
    "seed": st.sampled_from([-1, 2**64, 1.5, "1"]),
    "thin": st.sampled_from([-1, 2.5, "2"]),
    "chain_start": st.sampled_from([-1, 2**32, 1.5]),
}


def schedule(kind, n_steps):
    if kind == "schedule":
        return np.linspace(0.5, 2.0, n_steps)
    if kind == "short schedule":
        return np.ones(n_steps + 1)
    if kind == "bad schedule":
        return np.r_[np.ones(n_steps), -1.0]
    return kind


@SETTINGS
@given(data=st.data(), corrupt=st.one_of(st.none(), st.sampled_from(["x0", *GOOD])))
def test_langevin_works_or_names_the_bad_argument(data, corrupt):
    args = {name: data.draw(BAD[name] if name == corrupt else strategy, label=name) for name, strategy in GOOD.items()}
    dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
    target = data.draw(targets(dtype), label="target")
    if corrupt == "x0":
        x0 = data.draw(arrays(), label="x0")
    else:
        x0 = np.random.default_rng(0).standard_normal((data.draw(st.integers(0, 5), label="chains"), 2)).astype(dtype)
    n_steps = args.pop("n_steps")
    if corrupt == "n_steps" and args["beta"] == "schedule":
        args["beta"] = 1.0
    args["beta"] = schedule(args["beta"], n_steps)
    if corrupt is None and args["method"] == "baoab" and n_steps == 0:
        args["beta"] = 1.0  # an empty schedule has no temperature for the initial momenta (a tested error)
    h, method = args.pop("step_size"), args.pop("method")
    res = call_with_one_bad_argument(lambda: hb.langevin(target, x0, n_steps, h, method, **args), corrupt, "x0", x0)
    if res is None:
        return
    chains, dim = x0.shape
    assert res.x.shape == (chains, dim) and res.x.dtype == x0.dtype
    assert res.energy.shape == (chains,)
    assert np.isfinite(res.x[~res.diverged]).all()
    if args["thin"]:
        assert res.trace.shape == (n_steps // args["thin"], chains, dim)


@SETTINGS
@given(target=targets(), x=arrays(), which=st.sampled_from(["energy", "grad"]))
def test_energy_and_grad_work_or_name_the_bad_argument(target, x, which):
    try:
        out = getattr(hb, which)(target, x)
    except ERRORS as exc:
        assert_names_an_argument(exc)
        return
    assert out.shape == ((x.shape[0],) if which == "energy" else x.shape) and out.dtype == x.dtype


@SETTINGS
@given(out=st.one_of(arrays(), st.tuples(st.integers(-2, 5), st.integers(-2, 5)), st.just((2**40, 2**40))),
       kind=st.sampled_from(["normal", "uniform", "bits"]),
       seed=st.one_of(st.integers(-2, 2**64 + 2), st.just(1.5)), step=st.one_of(st.integers(-1, 2**56 + 1)),
       chain_start=st.integers(-1, 2**32 + 1),
       purpose=st.sampled_from(["user", "gibbs", "nope", 3, 300, -1]))
def test_random_fills_work_or_name_the_bad_argument(out, kind, seed, step, chain_start, purpose):
    try:
        res = getattr(hb.random, kind)(out, seed=seed, step=step, chain_start=chain_start, purpose=purpose)
    except ERRORS as exc:
        assert_names_an_argument(exc)
        return
    if isinstance(out, np.ndarray):
        assert res is out or res.shape == out.shape
    if kind == "uniform":
        assert ((res > 0) & (res < 1)).all()
    elif kind == "normal":
        assert np.isfinite(res).all()
