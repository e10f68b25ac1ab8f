# SPDX-License-Identifier: Apache-2.0
"""heatbath.langevin, energy, grad, the targets and the schedules reject bad input with a TypeError or
ValueError that names the argument; divergence inside a run is reported, not raised."""
import math

import numpy as np
import pytest

import heatbath as hb

X0 = np.zeros((4, 2))
GOOD = {"target": hb.DoubleWell(), "x0": X0, "n_steps": 3, "step_size": 0.1}


def _run(**changes):
    kw = {**GOOD, **changes}
    return hb.langevin(kw.pop("target"), kw.pop("x0"), kw.pop("n_steps"), kw.pop("step_size"), **kw)


def test_good_arguments_run():
    # The baseline every case below spoils in one place.
    res = _run()
    assert res.x.shape == X0.shape and res.n_diverged == 0


# ---------------------------------------------------------------- langevin arguments

@pytest.mark.parametrize("changes,exc,name", [
    ({"target": "double_well"}, TypeError, "target"),
    ({"target": None}, TypeError, "target"),
    ({"target": hb.DoubleWell}, TypeError, "target"),           # the class, not an instance
    ({"x0": [[0.0, 0.0], [1.0, 1.0]]}, TypeError, "x0"),        # a list has no __dlpack__
    ({"x0": 0.0}, TypeError, "x0"),
    ({"x0": np.zeros((4, 2), np.int32)}, TypeError, "x0"),
    ({"x0": np.zeros((4, 2), np.float16)}, TypeError, "x0"),
    ({"x0": np.zeros(4)}, ValueError, "x0"),
    ({"x0": np.zeros((4, 2, 1))}, ValueError, "x0"),
    ({"x0": np.array([[0.0, np.nan], [0.0, 0.0]])}, ValueError, "x0"),
    ({"x0": np.array([[0.0, np.inf], [0.0, 0.0]])}, ValueError, "x0"),
    ({"x0": np.array([[0.0, 0.0], [-np.inf, 0.0]], np.float32)}, ValueError, "x0"),
    ({"n_steps": -1}, ValueError, "n_steps"),
    ({"n_steps": 10.0}, TypeError, "n_steps"),
    ({"n_steps": "10"}, TypeError, "n_steps"),
    ({"n_steps": True}, TypeError, "n_steps"),
    ({"step_size": 0.0}, ValueError, "step_size"),
    ({"step_size": 0}, ValueError, "step_size"),
    ({"step_size": -0.1}, ValueError, "step_size"),
    ({"step_size": math.nan}, ValueError, "step_size"),
    ({"step_size": math.inf}, ValueError, "step_size"),
    ({"step_size": "0.1"}, TypeError, "step_size"),
    ({"beta": 0.0}, ValueError, "beta"),
    ({"beta": -1.0}, ValueError, "beta"),
    ({"beta": math.nan}, ValueError, "beta"),
    ({"beta": math.inf}, ValueError, "beta"),
    ({"beta": np.ones(2)}, ValueError, "beta"),                 # n_steps is 3
    ({"beta": np.ones(4)}, ValueError, "beta"),
    ({"beta": np.ones((3, 1))}, ValueError, "beta"),            # 2-D schedule
    ({"beta": np.ones((1, 3))}, ValueError, "beta"),
    ({"beta": np.array([1.0, 0.0, 1.0])}, ValueError, "beta"),
    ({"beta": np.array([1.0, -2.0, 1.0])}, ValueError, "beta"),
    ({"beta": True}, TypeError, "beta"),                          # not β = 1 (it said "a schedule needs ...")
    ({"beta": "1"}, TypeError, "beta"),
    ({"beta": np.array([True, True, True])}, TypeError, "beta"),
    ({"beta": np.ones(3) + 0j}, TypeError, "beta"),
    ({"beta": np.array([1.0, np.nan, 1.0])}, ValueError, "beta"),
    ({"beta": "hot"}, TypeError, "beta"),
    ({"friction": -1.0}, ValueError, "friction"),
    ({"friction": math.nan}, ValueError, "friction"),
    ({"friction": math.inf}, ValueError, "friction"),
    ({"friction": -1.0, "method": "baoab"}, ValueError, "friction"),
    ({"method": "euler"}, ValueError, "method"),
    ({"method": "ULA"}, ValueError, "method"),
    ({"thin": -1}, ValueError, "thin"),
    ({"thin": 1.5}, TypeError, "thin"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**64}, ValueError, "seed"),
    ({"seed": 1.0}, TypeError, "seed"),
    ({"seed": "0"}, TypeError, "seed"),
    ({"chain_start": -1}, ValueError, "chain_start"),
    ({"chain_start": 2**32 - 3}, ValueError, "chain_start"),    # 4 chains: the last index would be 2**32
    ({"chain_start": 2**32}, ValueError, "chain_start"),
    ({"chain_start": 0.0}, TypeError, "chain_start"),
])
def test_bad_langevin_argument(changes, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        _run(**changes)


def test_limits_are_accepted():
    # The edges of the ranges checked above are valid.
    _run(seed=2**64 - 1)
    _run(chain_start=2**32 - 4)  # chains 2**32 − 4 … 2**32 − 1
    _run(n_steps=0)
    _run(friction=0.0, method="baoab")
    _run(beta=hb.schedules.geometric(0.1, 10.0, 3))


@pytest.mark.parametrize("make", ["numpy 0-d", "numpy scalar", "torch 0-d", "longdouble 0-d"])
def test_numbers_left_in_0d_arrays_are_numbers(make):
    """A step size or β computed with numpy or torch arrives as a 0-d array: it is one number."""
    if make == "torch 0-d":
        torch = pytest.importorskip("torch", reason="the torch case needs torch")
        wrap = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    else:
        wrap = {"numpy 0-d": np.array, "numpy scalar": np.float32,
                "longdouble 0-d": lambda v: np.array(v, dtype=np.longdouble)}[make]
    expected = _run(step_size=0.1, beta=2.0, friction=0.5, method="baoab", seed=3)
    got = _run(step_size=wrap(0.1), beta=wrap(2.0), friction=wrap(0.5), method="baoab", seed=3)
    if make == "numpy scalar":  # np.float32(0.1) is not 0.1: compare with the same float
        expected = _run(step_size=float(np.float32(0.1)), beta=2.0, friction=0.5, method="baoab", seed=3)
    np.testing.assert_array_equal(got.x, expected.x)


@pytest.mark.parametrize("name", ["step_size", "friction"])
@pytest.mark.parametrize("value", [True, np.array([0.1]), np.array(True), "0.1"])
def test_a_scalar_argument_refuses_what_is_not_one_number(name, value):
    with pytest.raises(TypeError, match=f"argument '{name}': expected .*(a number or a 0-d array|got a bool)"):
        _run(**{name: value}, method="baoab")


def test_dimension_mismatch_with_gaussian_mean():
    target = hb.Gaussian([0.0, 0.0, 0.0], precision=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="'x0'"):
        hb.langevin(target, np.zeros((4, 2)), 3, 0.1)
    with pytest.raises(ValueError, match="'x'"):
        hb.energy(target, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="'x'"):
        hb.grad(target, np.zeros((4, 4)))


def test_dimension_mismatch_with_mixture_means():
    target = hb.GaussianMixture([[0.0, 0.0], [1.0, 1.0]], 1.0)
    with pytest.raises(ValueError, match="'x0'"):
        hb.langevin(target, np.zeros((4, 3)), 3, 0.1)


@pytest.mark.parametrize("target", [
    hb.Gaussian(np.zeros(2), precision=np.eye(2)),
    hb.Gaussian(np.zeros(2), covariance=np.ones(2)),
    hb.Gaussian([0.0, 0.0], precision=np.eye(2)),               # one array parameter is enough
    hb.GaussianMixture(np.zeros((2, 2)), 1.0),
    hb.GaussianMixture([[0.0, 0.0], [1.0, 1.0]], np.ones(2)),
    hb.GaussianMixture([[0.0, 0.0], [1.0, 1.0]], 1.0, np.ones(2)),
], ids=["gaussian-precision", "gaussian-covariance", "gaussian-mixed", "mixture-means", "mixture-sds",
        "mixture-weights"])
def test_float64_array_parameters_refuse_float32_states(target):
    x32 = np.zeros((4, 2), np.float32)
    with pytest.raises(TypeError, match="'x0'"):
        hb.langevin(target, x32, 3, 0.1)
    with pytest.raises(TypeError, match="'x'"):
        hb.energy(target, x32)
    with pytest.raises(TypeError, match="'x'"):
        hb.grad(target, x32)
    hb.energy(target, x32.astype(np.float64))  # the declared dtype itself works


def test_float32_array_parameters_refuse_float64_states():
    target = hb.Gaussian(np.zeros(2, np.float32), precision=np.eye(2, dtype=np.float32))
    with pytest.raises(TypeError, match="'x0'"):
        hb.langevin(target, np.zeros((4, 2)), 3, 0.1)
    res = hb.langevin(target, np.zeros((4, 2), np.float32), 3, 0.1)
    assert res.x.dtype == np.float32


def test_mixed_dtype_array_parameters_are_refused():
    with pytest.raises(TypeError, match="'precision'"):
        hb.Gaussian(np.zeros(2, np.float32), precision=np.eye(2))
    with pytest.raises(TypeError, match="'sds'"):
        hb.GaussianMixture(np.zeros((2, 2), np.float32), np.ones(2))


@pytest.mark.parametrize("target", [
    hb.Gaussian([0.0, 1.0], precision=[[2.0, 0.5], [0.5, 1.0]]),
    hb.Gaussian([0.0, 1.0], covariance=[1.0, 2.0]),
    hb.GaussianMixture([[0.0, 0.0], [1.0, 1.0]], [1.0, 0.5], [1, 3]),
    hb.GaussianMixture([[0.0, 0.0], [1.0, 1.0]], 1),
    hb.Rosenbrock(1, 100),
], ids=["gaussian-precision", "gaussian-covariance", "mixture", "mixture-scalar", "rosenbrock"])
@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
def test_python_number_parameters_adopt_the_state_dtype(target, method):
    for dtype in (np.float32, np.float64):
        x0 = np.zeros((4, 2), dtype)
        res = hb.langevin(target, x0, 3, 0.01, method, seed=1)
        assert res.x.dtype == dtype and res.energy.dtype == dtype
        assert hb.energy(target, x0).dtype == dtype and hb.grad(target, x0).dtype == dtype
        assert res.n_diverged == 0


# ---------------------------------------------------------------- continuing a run

def test_continued_run_refuses_a_new_seed():
    res = _run(seed=5)
    with pytest.raises(ValueError, match="'seed'"):
        hb.langevin(hb.DoubleWell(), res.state, 3, 0.1, seed=6)
    with pytest.raises(ValueError, match="'seed'"):
        hb.langevin(hb.DoubleWell(), res.state, 3, 0.1, seed=-1)
    # The state's own seed, or none, continues the run.
    hb.langevin(hb.DoubleWell(), res.state, 3, 0.1, seed=5)
    hb.langevin(hb.DoubleWell(), res.state, 3, 0.1)


@pytest.mark.parametrize("first,second", [("baoab", "mala"), ("mala", "baoab"), ("ula", "mala"),
                                          ("ula", "baoab"), ("baoab", "euler")])
def test_continued_run_refuses_another_method(first, second):
    res = _run(method=first)
    with pytest.raises(ValueError, match="'method'"):
        hb.langevin(hb.DoubleWell(), res.state, 3, 0.1, second)


def test_continued_run_checks_the_other_arguments():
    state = _run(method="baoab").state
    with pytest.raises(ValueError, match="'step_size'"):
        hb.langevin(hb.DoubleWell(), state, 3, -0.1)
    with pytest.raises(ValueError, match="'beta'"):
        hb.langevin(hb.DoubleWell(), state, 3, 0.1, beta=np.ones(2))
    with pytest.raises(ValueError, match="'x0'"):  # the state has dimension 2
        hb.langevin(hb.Gaussian([0.0, 0.0, 0.0], precision=[1.0, 1.0, 1.0]), state, 3, 0.1)


# ---------------------------------------------------------------- x0 is never modified

@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_x0_is_not_modified(method, dtype):
    x0 = np.random.default_rng(0).normal(size=(5, 3)).astype(dtype)
    before = x0.copy()
    res = hb.langevin(hb.DoubleWell(), x0, 10, 0.05, method, seed=3, thin=2)
    np.testing.assert_array_equal(x0, before)
    assert not np.shares_memory(res.x, x0)
    assert not np.array_equal(res.x, x0)  # the run did move, so an untouched x0 means something
    # Nor is the state that a continued run starts from.
    state_x = res.state.x.copy()
    hb.langevin(hb.DoubleWell(), res.state, 10, 0.05, method)
    np.testing.assert_array_equal(res.state.x, state_x)


def test_x0_view_and_torch_are_not_modified():
    wide = np.random.default_rng(1).normal(size=(4, 6))
    before = wide.copy()
    hb.langevin(hb.DoubleWell(), wide[:, ::2], 5, 0.05, seed=1)
    np.testing.assert_array_equal(wide, before)
    torch = pytest.importorskip("torch", reason="this case uses torch tensors")
    t = torch.from_numpy(before.copy())
    res = hb.langevin(hb.DoubleWell(), t, 5, 0.05, seed=1)
    assert isinstance(res.x, torch.Tensor)
    np.testing.assert_array_equal(t.numpy(), before)


# ---------------------------------------------------------------- divergence is reported, not raised

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_divergence_is_reported(dtype):
    # x ← x − h(4x³ − 8x + 1) + noise overshoots without bound from x = 50 at h = 0.1 (|x| grows like
    # 0.4|x|³ per step, overflowing within ~5 steps). From 0 the chains stay in the wells, but h = 0.1
    # is near the edge of stability (a few % of chains escape within 20 steps), so the run is short
    # and the seed fixed; the stream is a function of (seed, step, chain), so this is deterministic.
    x0 = np.zeros((8, 2), dtype)
    far = np.arange(8) % 2 == 1
    x0[far] = 50.0
    res = hb.langevin(hb.DoubleWell(), x0, 10, 0.1, "ula", seed=2)
    assert res.n_diverged == int(far.sum())
    np.testing.assert_array_equal(np.asarray(res.diverged), far)
    assert np.asarray(res.diverged).dtype == np.bool_
    healthy = res.x[~far]
    assert np.isfinite(healthy).all() and (np.abs(healthy) < 5).all()
    assert np.isfinite(res.energy[~far]).all()
    diverged_at = np.asarray(res.state.diverged_at)
    assert (diverged_at[far] >= 0).all() and (diverged_at[far] < 10).all() and (diverged_at[~far] == -1).all()
    # A continued run keeps the record instead of refusing the non-finite state.
    more = hb.langevin(hb.DoubleWell(), res.state, 5, 0.1)
    np.testing.assert_array_equal(np.asarray(more.diverged), far)
    np.testing.assert_array_equal(np.asarray(more.state.diverged_at)[far], diverged_at[far])


# ---------------------------------------------------------------- energy and grad

@pytest.mark.parametrize("fn", [hb.energy, hb.grad], ids=["energy", "grad"])
@pytest.mark.parametrize("args,exc,name", [
    (("double_well", np.zeros((2, 2))), TypeError, "target"),
    ((None, np.zeros((2, 2))), TypeError, "target"),
    ((hb.DoubleWell(), [[0.0, 0.0]]), TypeError, "x"),
    ((hb.DoubleWell(), 1.0), TypeError, "x"),
    ((hb.DoubleWell(), np.zeros((2, 2), np.int32)), TypeError, "x"),
    ((hb.DoubleWell(), np.zeros((2, 2), np.float16)), TypeError, "x"),
    ((hb.DoubleWell(), np.zeros(2)), ValueError, "x"),
    ((hb.DoubleWell(), np.zeros((2, 2, 2))), ValueError, "x"),
    ((hb.Rosenbrock(), np.zeros((2, 1))), ValueError, "x"),
    ((hb.Gaussian([0.0, 0.0], precision=[1.0, 1.0]), np.zeros((2, 3))), ValueError, "x"),
])
def test_bad_evaluate_argument(fn, args, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        fn(*args)


# ---------------------------------------------------------------- targets

@pytest.mark.parametrize("kwargs,exc,name", [
    ({"mean": [0.0, 0.0], "precision": np.eye(2), "covariance": np.eye(2)}, TypeError, "precision"),
    ({"mean": [0.0, 0.0]}, TypeError, "precision"),
    ({"mean": [0.0, 0.0], "precision": np.ones((2, 3))}, ValueError, "precision"),
    ({"mean": [0.0, 0.0], "covariance": np.ones((3, 3))}, ValueError, "covariance"),
    ({"mean": [0.0, 0.0], "precision": [1.0, 1.0, 1.0]}, ValueError, "precision"),   # diagonal of length 3
    ({"mean": [0.0, 0.0], "precision": np.ones((2, 2, 2))}, ValueError, "precision"),
    ({"mean": [0.0, 0.0], "precision": [[2.0, 1.0], [0.0, 2.0]]}, ValueError, "precision"),
    ({"mean": [0.0, 0.0], "covariance": [[2.0, 1.0], [0.0, 2.0]]}, ValueError, "covariance"),
    ({"mean": [0.0, 0.0], "precision": [[1.0, 2.0], [2.0, 1.0]]}, ValueError, "precision"),  # indefinite
    ({"mean": [0.0, 0.0], "covariance": [[1.0, 1.0], [1.0, 1.0]]}, ValueError, "covariance"),  # singular
    ({"mean": [0.0, 0.0], "precision": [1.0, 0.0]}, ValueError, "precision"),
    ({"mean": [0.0, 0.0], "covariance": [1.0, -1.0]}, ValueError, "covariance"),
    ({"mean": [0.0, 0.0], "precision": [[1.0, np.nan], [np.nan, 1.0]]}, ValueError, "precision"),
    ({"mean": [0.0, 0.0], "covariance": [np.inf, 1.0]}, ValueError, "covariance"),
    ({"mean": [0.0, 0.0], "precision": "eye"}, TypeError, "precision"),
    ({"mean": [0.0, 0.0], "precision": np.eye(2, dtype=bool)}, TypeError, "precision"),
    ({"mean": [0.0, 0.0], "precision": np.eye(2, dtype=np.float16)}, TypeError, "precision"),
    ({"mean": [np.nan, 0.0], "precision": np.eye(2)}, ValueError, "mean"),
    ({"mean": [np.inf, 0.0], "precision": np.eye(2)}, ValueError, "mean"),
    ({"mean": [[0.0, 0.0]], "precision": np.eye(2)}, ValueError, "mean"),
    ({"mean": 0.0, "precision": np.eye(1)}, ValueError, "mean"),
    ({"mean": [], "precision": np.eye(0)}, ValueError, "mean"),
    ({"mean": "origin", "precision": np.eye(2)}, TypeError, "mean"),
    ({"mean": np.zeros(2, np.complex128), "precision": np.eye(2)}, TypeError, "mean"),
])
def test_bad_gaussian(kwargs, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        hb.Gaussian(**kwargs)


def test_integer_parameters_are_numbers_like_a_list_of_them():
    """Integer arrays declare no precision, as lists do: the states' dtype is used."""
    x = np.array([[0.5, -1.0], [2.0, 0.25]], np.float32)
    for target, same in ((hb.Gaussian(np.array([1, -1]), precision=np.eye(2, dtype=np.int32)),
                          hb.Gaussian([1.0, -1.0], precision=np.eye(2).tolist())),
                         (hb.GaussianMixture(np.array([[2, 2], [-2, -2]]), np.array([1, 2]), np.array([1, 3])),
                          hb.GaussianMixture([[2.0, 2.0], [-2.0, -2.0]], [1.0, 2.0], [1.0, 3.0]))):
        np.testing.assert_array_equal(hb.energy(target, x), hb.energy(same, x))
        np.testing.assert_array_equal(hb.energy(target, x.astype(np.float64)), hb.energy(same, x.astype(np.float64)))


MEANS = [[0.0, 0.0], [1.0, 1.0], [2.0, -1.0]]  # 3 components in 2 dimensions


@pytest.mark.parametrize("args,exc,name", [
    ((MEANS, 1.0, [1.0, 0.0, 1.0]), ValueError, "weights"),
    ((MEANS, 1.0, [1.0, -1.0, 1.0]), ValueError, "weights"),
    ((MEANS, 1.0, [1.0, np.nan, 1.0]), ValueError, "weights"),
    ((MEANS, 1.0, [1.0, 1.0]), ValueError, "weights"),
    ((MEANS, 1.0, [[1.0, 1.0, 1.0]]), ValueError, "weights"),
    ((MEANS, 1.0, 1.0), ValueError, "weights"),
    ((MEANS, 0.0), ValueError, "sds"),
    ((MEANS, -1.0), ValueError, "sds"),
    ((MEANS, [1.0, 0.0, 1.0]), ValueError, "sds"),
    ((MEANS, [[1.0, 1.0], [1.0, -1.0], [1.0, 1.0]]), ValueError, "sds"),
    ((MEANS, [1.0, np.inf, 1.0]), ValueError, "sds"),
    ((MEANS, [1.0, 1.0]), ValueError, "sds"),                  # neither [K] nor [K, d]
    ((MEANS, np.ones((2, 3))), ValueError, "sds"),             # [d, K]
    ((MEANS, np.ones((3, 2, 1))), ValueError, "sds"),
    ((MEANS, "wide"), TypeError, "sds"),
    (([0.0, 1.0], 1.0), ValueError, "means"),                  # 1-D
    ((np.zeros((2, 2, 2)), 1.0), ValueError, "means"),
    ((np.zeros((0, 2)), 1.0), ValueError, "means"),
    ((np.zeros((2, 0)), 1.0), ValueError, "means"),
    (([[0.0, np.nan]], 1.0), ValueError, "means"),
    (([[0.0, 1.0], [2.0]], 1.0), TypeError, "means"),          # ragged
])
def test_bad_mixture(args, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        hb.GaussianMixture(*args)


@pytest.mark.parametrize("kwargs,exc,name", [
    ({"a": math.nan}, TypeError, "a"),
    ({"a": math.inf}, TypeError, "a"),
    ({"a": -math.inf}, TypeError, "a"),
    ({"a": "1"}, TypeError, "a"),
    ({"a": None}, TypeError, "a"),
    ({"b": 0.0}, ValueError, "b"),
    ({"b": -1.0}, ValueError, "b"),
    ({"b": math.nan}, TypeError, "b"),
    ({"b": math.inf}, TypeError, "b"),
    ({"b": True}, TypeError, "b"),
])
def test_bad_rosenbrock(kwargs, exc, name):
    with pytest.raises(exc, match=f"'{name}'"):
        hb.Rosenbrock(**kwargs)


def test_rosenbrock_needs_two_dimensions():
    with pytest.raises(ValueError, match="'x0'"):
        hb.langevin(hb.Rosenbrock(), np.zeros((4, 1)), 3, 0.01)
    hb.langevin(hb.Rosenbrock(), np.zeros((4, 2)), 3, 0.001)


# ---------------------------------------------------------------- schedules

@pytest.mark.parametrize("schedule", [hb.schedules.linear, hb.schedules.geometric, hb.schedules.cosine])
@pytest.mark.parametrize("args,name", [
    ((0.0, 1.0, 10), "start"),
    ((-1.0, 1.0, 10), "start"),
    ((math.nan, 1.0, 10), "start"),
    ((math.inf, 1.0, 10), "start"),
    (("0.1", 1.0, 10), "start"),
    ((0.1, 0.0, 10), "stop"),
    ((0.1, -1.0, 10), "stop"),
    ((0.1, math.inf, 10), "stop"),
    ((0.1, 1.0, 0), "n"),
    ((0.1, 1.0, -5), "n"),
    ((0.1, 1.0, 2.0), "n"),
    ((0.1, 1.0, True), "n"),
])
def test_bad_schedule(schedule, args, name):
    with pytest.raises((TypeError, ValueError), match=f"'{name}'"):
        schedule(*args)


@pytest.mark.parametrize("schedule", [hb.schedules.linear, hb.schedules.geometric, hb.schedules.cosine])
def test_schedule_edges(schedule):
    # n = 1 is valid; a schedule's values are what langevin accepts as beta.
    assert schedule(0.5, 2.0, 1).shape == (1,)
    b = schedule(0.5, 2.0, 7)
    assert b.shape == (7,) and b[0] == pytest.approx(0.5) and b[-1] == pytest.approx(2.0)
    _run(n_steps=7, beta=b)
    with pytest.raises(ValueError, match="'beta'"):
        _run(n_steps=6, beta=b)
    # equal ends give that β at every step exactly (the geometric one came back through exp(log β): 2.9999...)
    # (linear and cosine blended the ends: 0.7 and 0.1 came back off by an ulp at some steps)
    for beta in (3.0, 0.7, 0.1):
        assert np.array_equal(schedule(beta, beta, 7), np.full(7, beta))


def test_continued_run_refuses_a_different_method_or_chain_start():
    state = hb.langevin(hb.DoubleWell(), np.zeros((4, 1)), 3, 0.01, "mala").state
    with pytest.raises(ValueError, match="'method'"):
        hb.langevin(hb.DoubleWell(), state, 3, 0.01, "ula")
    with pytest.raises(ValueError, match="'chain_start'"):
        hb.langevin(hb.DoubleWell(), state, 3, 0.01, chain_start=5)
    assert hb.langevin(hb.DoubleWell(), state, 3, 0.01, "mala", chain_start=0).state.step == 6


def test_numpy_scalars_are_numbers():
    # np.float32(1) is a real number like 1.0: targets and schedules take it.
    assert hb.Rosenbrock(a=np.float32(1), b=np.float64(100)).a == 1.0
    np.testing.assert_array_equal(hb.schedules.linear(np.float32(0.5), np.int64(2), 3), [0.5, 1.25, 2.0])


def test_mixture_weights_near_the_float64_limit_are_normalised():
    means, sds = np.array([[-1.0], [1.0]]), np.array([0.5, 0.5])
    big = hb.GaussianMixture(means, sds, weights=np.array([5e307, 1.5e308]))  # their sum overflows
    plain = hb.GaussianMixture(means, sds, weights=np.array([1.0, 3.0]))
    np.testing.assert_allclose(big.weights, [0.25, 0.75], rtol=1e-15)
    x = np.linspace(-2, 2, 9)[:, None]
    np.testing.assert_allclose(hb.energy(big, x), hb.energy(plain, x), rtol=1e-14)


@pytest.mark.parametrize("make, arg, what", [
    (lambda: hb.GaussianMixture(np.zeros((2, 1), np.float32), np.float32(1e-20)), "sds", "1/sd²"),
    (lambda: hb.Gaussian(np.zeros(2, np.float32), covariance=np.eye(2, dtype=np.float32) * 1e-40), "covariance",
     r"its inverse \(the precision\)"),
    # Rosenbrock's a and b are scalars, which the check skipped (every state came back NaN)
    (lambda: hb.Rosenbrock(a=1.0, b=1e39), "b", "b"),
    (lambda: hb.Rosenbrock(a=1e39, b=1.0), "a", "a"),
])
def test_a_parameter_whose_derived_value_overflows_the_dtype_is_refused(make, arg, what):
    """A scale of 1e-20 is a float32 number, but 1/sd² is not: every energy and gradient would be NaN or inf."""
    target = make()
    for call in (lambda x: hb.energy(target, x), lambda x: hb.langevin(target, x, 2, 0.01)):
        with pytest.raises(ValueError, match=f"argument '{arg}': {what} overflows float32"):
            call(np.zeros((2, target.dim if target.dim else 2), np.float32))
