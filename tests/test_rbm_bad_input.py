# SPDX-License-Identifier: Apache-2.0
"""heatbath.RBM, gibbs on an RBM, free_energy, exact_log_z and ais_log_z reject bad input with a
TypeError or ValueError that names the argument."""
import math
import warnings

import numpy as np
import pytest

import heatbath as hb

V, H = 5, 3
W = np.zeros((V, H), np.float32)
B = np.zeros(V, np.float32)
C = np.zeros(H, np.float32)
RBM = hb.RBM(W, B, C)
V0 = np.zeros((4, V), np.float32)


def raises(exc, name, fn, *args, **kw):
    with pytest.raises(exc, match=f"'{name}'"):
        fn(*args, **kw)


@pytest.mark.parametrize("args,kw,exc,name", [
    ((W.tolist(), B, C), {}, TypeError, "weights"),
    ((W, None, C), {}, TypeError, "visible_bias"),
    ((W, B, "c"), {}, TypeError, "hidden_bias"),
    ((W.astype(np.int32), B, C), {}, TypeError, "weights"),
    ((W.astype(np.float16), B, C), {}, TypeError, "weights"),
    ((W, B.astype(np.float64), C), {}, TypeError, "visible_bias"),
    ((W, B, C.astype(np.float64)), {}, TypeError, "hidden_bias"),
    ((W[0], B, C), {}, ValueError, "weights"),
    ((W[:, :0], B, C[:0]), {}, ValueError, "weights"),
    ((W, B[:4], C), {}, ValueError, "visible_bias"),
    ((W, B, np.zeros(4, np.float32)), {}, ValueError, "hidden_bias"),
    ((W, B.reshape(5, 1), C), {}, ValueError, "visible_bias"),
    ((np.full((V, H), np.nan, np.float32), B, C), {}, ValueError, "weights"),
    ((W, np.full(V, np.inf, np.float32), C), {}, ValueError, "visible_bias"),
    ((W, B, np.full(H, -np.inf, np.float32)), {}, ValueError, "hidden_bias"),
    ((W, B, C), {"visible": "binary"}, ValueError, "visible"),
    ((W, B, C), {"visible": "gaussian", "sigma": 0.0}, ValueError, "sigma"),
    ((W, B, C), {"visible": "gaussian", "sigma": -1.0}, ValueError, "sigma"),
    ((W, B, C), {"visible": "gaussian", "sigma": math.nan}, ValueError, "sigma"),
    ((W, B, C), {"visible": "gaussian", "sigma": 1e39}, ValueError, "sigma"),   # infinite in float32
    ((W, B, C), {"visible": "gaussian", "sigma": 1e-46}, ValueError, "sigma"),  # zero in float32
    ((W.astype(">f4"), B, C), {}, TypeError, "weights"),  # not this machine's byte order: DLPack cannot carry it
])
def test_rbm_constructor(args, kw, exc, name):
    raises(exc, name, hb.RBM, *args, **kw)


@pytest.mark.parametrize("changes,exc,name", [
    ({"state0": [[0.0] * V]}, TypeError, "v0"),
    ({"state0": np.zeros((4, V + 1), np.float32)}, ValueError, "v0"),
    ({"state0": np.zeros(V, np.float32)}, ValueError, "v0"),
    ({"state0": np.full((4, V), 0.5, np.float32)}, ValueError, "v0"),
    ({"state0": np.full((4, V), 2, np.int64)}, ValueError, "v0"),
    ({"state0": np.full((4, V), np.nan, np.float32)}, ValueError, "v0"),
    ({"n_steps": -1}, ValueError, "n_steps"),
    ({"n_steps": 1.5}, TypeError, "n_steps"),
    ({"n_steps": True}, TypeError, "n_steps"),
    ({"beta": 0.0}, ValueError, "beta"),
    ({"beta": -1.0}, ValueError, "beta"),
    ({"beta": math.inf}, ValueError, "beta"),
    ({"beta": "1"}, TypeError, "beta"),
    ({"beta": np.ones(3)}, ValueError, "beta"),
    ({"beta": np.ones((4, 1))}, ValueError, "beta"),
    ({"beta": np.array([1.0, 1.0, 0.0, 1.0])}, ValueError, "beta"),
    ({"beta": np.array([1.0, 1.0, np.nan, 1.0])}, ValueError, "beta"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**64}, ValueError, "seed"),
    ({"seed": 1.0}, TypeError, "seed"),
    ({"thin": -1}, ValueError, "thin"),
    ({"thin": 0.5}, TypeError, "thin"),
    ({"trace_hidden": 1}, TypeError, "trace_hidden"),
    ({"chain_start": -1}, ValueError, "chain_start"),
    ({"chain_start": 2**32 - 2}, ValueError, "chain_start"),
])
def test_gibbs_arguments(changes, exc, name):
    kw = {"state0": V0, "n_steps": 3, **changes}
    raises(exc, name, hb.gibbs, RBM, kw.pop("state0"), kw.pop("n_steps"), **kw)


def test_gibbs_needs_a_model_and_known_options():
    raises(TypeError, "model", hb.gibbs, "rbm", V0, 3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        hb.gibbs(RBM, V0, 3, step_size=0.1)


def test_gaussian_states_may_be_any_finite_value():
    rbm = hb.RBM(W, B, C, visible="gaussian")
    assert hb.gibbs(rbm, np.full((4, V), 0.5, np.float32), 2).v.shape == (4, V)
    raises(ValueError, "v0", hb.gibbs, rbm, np.full((4, V), np.inf, np.float32), 2)


def test_continued_run_keeps_seed_and_chain_start():
    state = hb.gibbs(RBM, V0, 2, seed=3).state
    raises(ValueError, "seed", hb.gibbs, RBM, state, 2, seed=4)
    raises(ValueError, "chain_start", hb.gibbs, RBM, state, 2, chain_start=5)


@pytest.mark.parametrize("layer,value", [("v", 0.5), ("v", np.nan), ("h", 0.5), ("h", 2.0)])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_a_continued_state_edited_in_place_is_checked_like_a_fresh_one(framework, layer, value):
    """The result's v and h are its state's: a state edited through them is checked before it continues."""
    v0 = V0 if framework == "numpy" else pytest.importorskip("torch", reason="the torch case needs torch").from_numpy(V0.copy())
    res = hb.gibbs(RBM, v0, 2, seed=3)
    assert hb.gibbs(RBM, res.state, 1).v.shape == (4, V)  # unedited: continues
    getattr(res, layer)[1, 0] = value
    # naming the part edited (bad hidden units were reported as if v0 were wrong)
    with pytest.raises(ValueError, match=f"'v0': the state's {layer}: (Bernoulli units take the values 0 and 1|"
                                         f"contains NaN)"):
        hb.gibbs(RBM, res.state, 1)


def test_gaussian_visible_states_continue_with_any_finite_value():
    rbm = hb.RBM(W, B, C, visible="gaussian")
    res = hb.gibbs(rbm, np.zeros((4, V), np.float32), 1)
    res.v[0, 0] = 0.5
    assert hb.gibbs(rbm, res.state, 1).v.shape == (4, V)
    res.v[0, 0] = np.inf
    raises(ValueError, "v0", hb.gibbs, rbm, res.state, 1)


@pytest.mark.parametrize("name", ["weights", "visible_bias", "hidden_bias"])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_strided_parameters_are_refused_not_copied(framework, name):
    """A copy of a strided view (linear.weight.T) would not follow a training step's in-place updates."""
    params = {"weights": np.zeros((H, V), np.float32).T, "visible_bias": np.zeros(2 * V, np.float32)[::2],
              "hidden_bias": np.zeros((H, 2), np.float32)[:, 0]}
    args = {"weights": W, "visible_bias": B, "hidden_bias": C, name: params[name]}
    if framework == "torch":
        torch = pytest.importorskip("torch", reason="the torch case needs torch")
        args = {k: torch.from_numpy(a) for k, a in args.items()}  # strides kept
        assert not args[name].is_contiguous()
    with pytest.raises(ValueError, match=f"argument '{name}': expected a C-contiguous array"):
        hb.RBM(args["weights"], args["visible_bias"], args["hidden_bias"])


def test_fortran_ordered_weights_are_refused_with_their_strides():
    """An array that owns Fortran-ordered memory can be updated in place too; the message says its layout."""
    weights = np.asfortranarray(np.zeros((V, H), np.float32))
    with pytest.raises(ValueError, match=rf"got strides \(1, {V}\) for shape \({V}, {H}\) .*Fortran order"):
        hb.RBM(weights, B, C)
    assert hb.RBM(np.ascontiguousarray(weights), B, C).n_hidden == H


@pytest.mark.parametrize("fn", ["hidden_probs", "free_energy"])
def test_visible_state_arguments(fn):
    call = (lambda v, **kw: RBM.hidden_probs(v, **kw)) if fn == "hidden_probs" else \
        (lambda v, **kw: hb.free_energy(RBM, v, **kw))
    raises(ValueError, "v", call, np.full((2, V), 0.3, np.float32))
    raises(ValueError, "v", call, np.zeros((2, V + 1), np.float32))
    raises(TypeError, "v", call, "v")
    raises(ValueError, "beta", call, V0, beta=0.0)
    raises(ValueError, "h", RBM.visible_probs, np.full((2, H), 0.3, np.float32))


def test_free_energy_and_log_z_need_an_rbm():
    raises(TypeError, "rbm", hb.free_energy, None, V0)
    raises(TypeError, "rbm", hb.exact_log_z, W)
    raises(TypeError, "rbm", hb.ais_log_z, hb.DoubleWell(), 10, 10)


def test_exact_log_z_refuses_a_layer_too_large():
    big = hb.RBM(np.zeros((40, 30), np.float32), np.zeros(40, np.float32), np.zeros(30, np.float32))
    raises(ValueError, "rbm", hb.exact_log_z, big)
    raises(ValueError, "max_units", hb.exact_log_z, big, max_units=31)
    raises(ValueError, "max_units", hb.exact_log_z, big, max_units=0)
    raises(ValueError, "beta", hb.exact_log_z, RBM, beta=0.0)
    for beta in ("1", True, None):  # a type error, as hb.gibbs and free_energy raise (a ValueError before)
        raises(TypeError, "beta", hb.exact_log_z, RBM, beta=beta)
    gauss = hb.RBM(np.zeros((2, 27), np.float32), np.zeros(2, np.float32), np.zeros(27, np.float32),
                   visible="gaussian")
    raises(ValueError, "rbm", hb.exact_log_z, gauss)  # Gaussian units: the hidden layer is enumerated


@pytest.mark.parametrize("changes,exc,name", [
    ({"n_chains": 0}, ValueError, "n_chains"),
    ({"n_chains": 2.0}, TypeError, "n_chains"),
    ({"betas": 1}, ValueError, "betas"),
    ({"betas": [0.0]}, ValueError, "betas"),
    ({"betas": [0.1, 0.5, 1.0]}, ValueError, "betas"),
    ({"betas": [0.0, 0.5, 0.9]}, ValueError, "betas"),
    ({"betas": [0.0, 0.6, 0.5, 1.0]}, ValueError, "betas"),
    ({"betas": [0.0, 0.5, 0.5, 1.0]}, ValueError, "betas"),
    ({"betas": [0.0, np.nan, 1.0]}, ValueError, "betas"),
    ({"betas": np.zeros((2, 2))}, ValueError, "betas"),
    ({"betas": "linear"}, TypeError, "betas"),
    ({"seed": -1}, ValueError, "seed"),
    ({"base": "rate"}, ValueError, "base"),
    ({"base": "base_rate"}, ValueError, "data"),
    ({"base": "base_rate", "data": np.zeros((3, V + 1))}, ValueError, "data"),
    ({"base": "base_rate", "data": [[0.0] * V]}, TypeError, "data"),
    ({"base": np.zeros(V + 1)}, ValueError, "base"),
    ({"base": np.full(V, np.nan)}, ValueError, "base"),
    ({"base": np.full(V, 1e39)}, ValueError, "base"),  # infinite in the model's float32
    ({"base": np.full(V, 1e6)}, ValueError, "base"),  # a point mass: AIS gave a confident wrong log Z
    ({"base": np.full(V, -88.0)}, ValueError, "base"),
    ({"base": "base_rate", "data": np.full((3, V), 5.0)}, ValueError, "data"),  # Bernoulli data beyond [0, 1]
    ({"base": 3}, TypeError, "base"),
    ({"chain_start": -1}, ValueError, "chain_start"),
])
def test_ais_arguments(changes, exc, name):
    kw = {"n_chains": 10, "betas": 5, **changes}
    raises(exc, name, hb.ais_log_z, RBM, kw.pop("n_chains"), kw.pop("betas"), **kw)


@pytest.mark.gpu
def test_devices_must_agree():
    torch = pytest.importorskip("torch", reason="the device checks use torch tensors")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    raises(ValueError, "visible_bias", hb.RBM, torch.zeros(V, H, device="cuda"), torch.zeros(V), torch.zeros(H))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_weight_edited_to_nan_shows_in_the_free_energy(dtype):
    """The RBM borrows its weights: one set to NaN after construction must give NaN free energies (and
    probabilities), never finite numbers: the softplus read NaN's bits as a number near 710."""
    w = np.random.default_rng(0).standard_normal((4, 3)).astype(dtype)
    rbm = hb.RBM(w, np.zeros(4, dtype), np.zeros(3, dtype))
    v = np.ones((2, 4), dtype)
    assert np.isfinite(hb.free_energy(rbm, v)).all()
    w[0, 0] = np.nan
    assert np.isnan(hb.free_energy(rbm, v)).all()
    assert np.isnan(rbm.hidden_probs(v)[:, 0]).all()


def test_log_z_estimates_that_overflow_are_errors_not_nan():
    rbm = hb.RBM(np.random.default_rng(0).standard_normal((4, 3)), np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="argument 'beta': log Z is not finite at β = 1e"):
        hb.exact_log_z(rbm, beta=1e308)
    with pytest.raises(ValueError, match="argument 'base': Bernoulli base biases must lie within ±708.4"):
        hb.ais_log_z(rbm, 20, np.linspace(0, 1, 10), base=np.full(4, 1e308))  # before its weights overflow
    huge = hb.RBM(np.full((4, 3), 3e38, np.float32), np.zeros(4, np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="overflow the float32 arithmetic"):
        hb.ais_log_z(huge, 20, np.linspace(0, 1, 10))


def test_log_z_names_a_parameter_edited_to_nan_rather_than_an_overflow():
    w = np.random.default_rng(0).standard_normal((4, 3))
    rbm = hb.RBM(w, np.zeros(4), np.zeros(3))
    w[1, 2] = np.nan
    for call in (lambda: hb.exact_log_z(rbm), lambda: hb.ais_log_z(rbm, 10, np.linspace(0, 1, 5))):
        with pytest.raises(ValueError, match="argument 'rbm': its weights contain NaN or infinity"):
            call()


def test_numpy_bools_are_bools():
    """trace_hidden refused numpy's bool ("expected a bool, got bool") where inplace took it."""
    res = hb.gibbs(RBM, V0, 2, thin=1, trace_hidden=np.bool_(True), inplace=np.bool_(False))
    assert res.trace_hidden.shape == (2, 4, H)


def test_a_start_beyond_the_models_dtype_is_named_as_such():
    # 1e300 is finite; it became infinite in the cast to float32 and was reported as "contains NaN or
    # infinity", with numpy's overflow warning beside it
    gauss = hb.RBM(np.ones((3, 2), np.float32), np.zeros(3, np.float32), np.zeros(2, np.float32), visible="gaussian")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="argument 'v0': holds values beyond the range of float32, the RBM's "
                                             "dtype"):
            hb.gibbs(gauss, np.full((1, 3), 1e300), 1)
    with pytest.raises(ValueError, match="argument 'v0': contains NaN or infinity"):
        hb.gibbs(gauss, np.full((1, 3), np.inf), 1)
