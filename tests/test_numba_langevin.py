# SPDX-License-Identifier: Apache-2.0
"""User potentials compiled by Numba (heatbath.potential) run the core's Langevin dynamics exactly.

A user DoubleWell and a user Gaussian written in the core's operation order give the built-in
trajectories (same stream, same update rules); runs resume bitwise and do not depend on thread counts;
ULA's discretisation bias and MALA's exactness match closed forms; bad user functions raise clear errors.

Compilation dominates the run time. The kernels are compiled per (method, dtype, parameter types) and
shared by all potentials, so every potential here takes no parameters or a (1-D, 2-D) pair of arrays.
"""
import fractions
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

numba = pytest.importorskip("numba", reason="user potentials need numba (pip install heatbath[numba])")

import heatbath as hb  # noqa: E402
from heatbath.user_potential import potential  # noqa: E402

from helpers import assert_follows_builtin, assert_resumes_bitwise, needs_torch, to_numpy  # noqa: E402

METHODS = ["ula", "mala", "baoab"]
DTYPES = ["float32", "float64"]


# --- user potentials, in the operation order of csrc/heatbath/potentials.h -----------------------------

def double_well_energy(x):
    four = x.dtype.type(4)
    acc = x.dtype.type(0)
    for i in range(x.shape[0]):
        v = x[i]
        v2 = v * v
        acc += v2 * v2 - four * v2 + v
    return acc


def double_well_grad(x, out):
    four, eight, one = x.dtype.type(4), x.dtype.type(8), x.dtype.type(1)
    for i in range(x.shape[0]):
        v = x[i]
        v2 = v * v
        out[i] = four * v2 * v - eight * v + one


@numba.njit(error_model="numpy")  # called by gaussian_energy, so jitted here; passed as is to heatbath
def gaussian_grad(x, out, mean, precision):
    for i in range(x.shape[0]):
        out[i] = 0
        for j in range(x.shape[0]):
            out[i] += precision[i, j] * (x[j] - mean[j])


def gaussian_energy(x, mean, precision):
    g = np.empty_like(x)
    gaussian_grad(x, g, mean, precision)
    acc = x.dtype.type(0)
    for i in range(x.shape[0]):
        acc += (x[i] - mean[i]) * g[i]
    return x.dtype.type(0.5) * acc


def mixture_energy(x, log_weights, means):
    # -log Σ_c w_c N(x; μ_c, I), up to a constant
    best = -np.inf
    a = np.empty(means.shape[0])
    for c in range(means.shape[0]):
        a[c] = log_weights[c] - 0.5 * np.sum((x - means[c]) ** 2)
        best = max(best, a[c])
    return -(best + np.log(np.sum(np.exp(a - best))))


def mixture_grad(x, out, log_weights, means):
    a = np.empty(means.shape[0])
    for c in range(means.shape[0]):
        a[c] = log_weights[c] - 0.5 * np.sum((x - means[c]) ** 2)
    r = np.exp(a - a.max())
    r /= r.sum()
    for i in range(x.shape[0]):
        out[i] = 0
        for c in range(means.shape[0]):
            out[i] += r[c] * (x[i] - means[c, i])


LIMIT = 2.5  # the next potential is undefined (NaN) from here on


def cliff_energy(x):
    return 0.5 * x[0] * x[0] if x[0] < LIMIT else np.nan


def cliff_grad(x, out):
    out[0] = x[0] if x[0] < LIMIT else np.nan


def ramp_energy(x):
    # E = −x, with an overflow past x = 5 (a finite state of infinite energy); ∇E = −1 pushes x up.
    return -x[0] if x[0] < 5.0 else np.inf


def ramp_grad(x, out):
    out[0] = -1.0


GAUSS_MEAN = np.array([0.5, -1.0, 0.0])
GAUSS_PRECISION = np.array([[2, .3, 0], [.3, 1, .1], [0, .1, .5]])


@pytest.fixture(scope="module")
def double_well():
    return potential(double_well_energy, double_well_grad, name="double_well")


def user_gaussian(dtype, mean=GAUSS_MEAN, precision=GAUSS_PRECISION):
    # From lists, the built-in adopts the states' dtype; its precision is symmetrised in float64, then cast.
    builtin = hb.Gaussian(np.asarray(mean).tolist(), np.asarray(precision).tolist())
    return potential(gaussian_energy, gaussian_grad,
                     params=(builtin.mean.astype(dtype), builtin.precision.astype(dtype))), builtin


def pair(name, dtype):
    if name == "double_well":
        return potential(double_well_energy, double_well_grad), hb.DoubleWell()
    return user_gaussian(dtype)


def start(chains, dim, dtype, seed=0):
    return (0.5 * np.random.default_rng(seed).standard_normal((chains, dim))).astype(dtype)


def same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def close(a, b, dtype):
    # The update rules and the stream are the core's; only how E and ∇E are summed may differ.
    tol = 2e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


# --- the same trajectories as the built-in potentials ------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["double_well", "gaussian"])
def test_user_potential_matches_builtin(name, method, dtype):
    user, builtin = pair(name, dtype)
    # The update rules and the stream are the core's; only how E and ∇E are summed may differ.
    assert_follows_builtin(user, builtin, start(37, 3, dtype), method, 2e-6 if dtype == "float32" else 1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_double_well_in_the_core_order_is_bitwise_the_builtin(double_well, method):
    x0 = start(50, 1, "float32", seed=4)
    got = hb.langevin(double_well, x0, 41, 0.05, method, seed=2**63 + 5, thin=3, chain_start=1000)
    want = hb.langevin(hb.DoubleWell(), x0, 41, 0.05, method, seed=2**63 + 5, thin=3, chain_start=1000)
    for field in ("x", "p", "energy", "trace", "energy_trace", "accepted"):
        if getattr(want, field) is not None:
            same(getattr(got, field), getattr(want, field))


def _spring_energy(x, k):
    return 0.5 * k * (x * x).sum()


def _spring_grad_by_slice(x, out, k):
    out[:] = k * x  # an array expression, as in the README


def _spring_grad_by_loop(x, out, k):
    for i in range(x.shape[0]):
        out[i] = k * x[i]


@pytest.mark.parametrize("method", METHODS)
def test_a_gradient_written_as_an_array_expression_is_kept(method):
    # Numba's parallel kernels used to drop `out[:] = ...` where the kernel read the gradient back only
    # later (the first gradient of each chunk: a garbage force for BAOAB, frozen MALA chains, and hb.grad
    # returned uninitialised memory). Same arithmetic, so the same bits as the loop.
    by_slice = hb.potential(_spring_energy, _spring_grad_by_slice, params=(2.0,))
    by_loop = hb.potential(_spring_energy, _spring_grad_by_loop, params=(2.0,))
    x0 = start(20, 3, "float64", seed=7)
    same(hb.grad(by_slice, x0), 2.0 * x0)
    got = hb.langevin(by_slice, x0, 30, 0.05, method, seed=3)
    want = hb.langevin(by_loop, x0, 30, 0.05, method, seed=3)
    for field in ("x", "p", "energy", "accepted"):
        if getattr(want, field) is not None:
            same(getattr(got, field), getattr(want, field))
    if method == "mala":
        assert got.accept_rate.min() > 0.5  # chains move


def _springs_energy(x, k):
    return 0.5 * (k * x * x).sum()


def _springs_grad(x, out, k):
    for i in range(x.shape[0]):
        out[i] = k[i] * x[i]


def test_array_parameters_are_borrowed_and_strided_ones_copied_once():
    k = np.ones(3)
    strided = np.ones(6)[::2]
    pot = hb.potential(_springs_energy, _springs_grad, params=(k,))
    pot_strided = hb.potential(_springs_energy, _springs_grad, params=(strided,))
    x = np.ones((2, 3))
    k[:] = 5.0
    strided[:] = 5.0
    same(hb.grad(pot, x), 5.0 * x)  # the change made in place shows
    same(hb.grad(pot_strided, x), x)  # the copy made by hb.potential does not change


def test_evaluate_matches_builtin(double_well):
    x = start(9, 4, "float64", seed=1)
    same(hb.energy(double_well, x), hb.energy(hb.DoubleWell(), x))
    same(hb.grad(double_well, x), hb.grad(hb.DoubleWell(), x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_energy_kernel_gives_the_energies_of_evaluate(double_well, dtype):
    # Parallel tempering's rounds take E alone from this kernel (no gradient): the same numbers.
    x = start(37, 4, dtype, seed=2)
    out = np.full(37, np.nan, dtype)
    double_well.energies(x, out)
    same(out, hb.energy(double_well, x))


# --- reproducibility -------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_resume_is_bitwise_identical(double_well, method):
    assert_resumes_bitwise(double_well, start(23, 3, "float32"), method)


@pytest.mark.parametrize("method", METHODS)
def test_chunked_calls_give_the_same_bits(double_well, method, monkeypatch):
    from heatbath._numba import langevin_launch

    x0 = start(23, 2, "float64")
    whole = hb.langevin(double_well, x0, 30, 0.02, method, seed=5, thin=3)
    monkeypatch.setattr(langevin_launch, "_CHUNK_WORK", 23 * 2 * 7)  # 7 steps per kernel call
    chunked = hb.langevin(double_well, x0, 30, 0.02, method, seed=5, thin=3)
    for field in ("x", "p", "energy", "trace", "energy_trace", "accepted"):
        if getattr(whole, field) is not None:
            same(getattr(chunked, field), getattr(whole, field))


@pytest.mark.parametrize("method", METHODS)
def test_thread_counts_do_not_change_results(double_well, method):
    x0 = start(101, 3, "float32")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        hb.set_num_threads(1)
        one = hb.langevin(double_well, x0, 20, 0.02, method, seed=3, thin=4)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        hb.set_num_threads(2)
        two = hb.langevin(double_well, x0, 20, 0.02, method, seed=3, thin=4)
    finally:
        numba.set_num_threads(before)
    for field in ("x", "p", "energy", "trace", "accepted"):
        if getattr(one, field) is not None:
            same(getattr(one, field), getattr(two, field))


@pytest.mark.parametrize("method", METHODS)
def test_uneven_parts_do_not_change_results(double_well, method, monkeypatch):
    from heatbath._numba import langevin_launch

    # 301 chains of 3 coordinates are five tiles of 64: cut into 1, 3 (1 + 2 + 2) and 5 parts; the
    # energy kernels' 301 rows likewise.
    x0 = start(301, 3, "float32")
    runs = []
    for parts in (1, 3, 5):
        monkeypatch.setattr(langevin_launch, "_parts", lambda n, parts=parts: min(n, parts))
        runs.append(hb.langevin(double_well, x0, 20, 0.02, method, seed=3, thin=4))
        runs.append(hb.energy(double_well, runs[-1].x))
    for run in runs[2:]:
        if isinstance(run, np.ndarray):
            same(run, runs[1])
            continue
        for field in ("x", "p", "energy", "trace", "accepted"):
            if getattr(run, field) is not None:
                same(getattr(run, field), getattr(runs[0], field))


def test_the_parallel_launcher_calls_the_kernel_through_its_address(double_well):
    # The kernel's code must not be linked into run_parts's prange loop: Numba would optimise it again
    # in each of the loop's wrappers, which made a kernel compile two to three times slower.
    from heatbath._numba.parallel_parts import run_parts

    hb.langevin(double_well, start(8, 3, "float32"), 2, 0.02, "mala", seed=0)
    signatures = list(run_parts.overloads)
    assert signatures
    # Compiled here, not loaded from the cache; one signature, as every kernel reaches the loop the same way.
    fresh = numba.njit(parallel=True, nogil=True)(run_parts.py_func)
    fresh.compile(signatures[-1])
    ir = fresh.overloads[signatures[-1]].library.get_llvm_str()
    assert "make_kernels" not in ir and "langevin_kernels" not in ir
    assert "parallel_parts" in ir  # the check can see the names of what was compiled in


def test_zero_steps_report_the_energy(double_well):
    x0 = start(5, 2, "float64")
    for method in METHODS:
        res = hb.langevin(double_well, x0, 0, 0.1, method)
        same(res.energy, hb.energy(hb.DoubleWell(), x0))
        same(res.x, x0)


@needs_torch
def test_torch_cpu_tensors(double_well):
    import torch

    x0 = start(11, 2, "float32")
    got = hb.langevin(double_well, torch.from_numpy(x0), 12, 0.02, "baoab", seed=1, thin=3)
    want = hb.langevin(double_well, x0, 12, 0.02, "baoab", seed=1, thin=3)
    assert isinstance(got.x, torch.Tensor) and isinstance(got.trace, torch.Tensor)
    same(got.x, want.x)
    same(got.p, want.p)
    same(got.energy_trace, want.energy_trace)


def test_new_parameter_values_reuse_the_compiled_code():
    pot, _ = user_gaussian("float64")
    x0 = start(8, 3, "float64")
    hb.langevin(pot, x0, 5, 0.05, "mala")
    mala_kernel = pot._functions_for(np.float64).kernels_for(3)["mala"]
    kernels = len(mala_kernel.overloads)
    functions = len(pot._functions_for(np.float64).energy.overloads)
    mean = np.array([2.0, 0.0, -3.0])
    moved = pot.with_params(mean, pot.params[1])
    again, _ = user_gaussian("float64", mean=mean)  # built from the same functions: nothing new either
    got = hb.langevin(moved, x0, 5, 0.05, "mala", seed=1)
    same(got.x, hb.langevin(again, x0, 5, 0.05, "mala", seed=1).x)
    builtin = hb.Gaussian(mean.tolist(), GAUSS_PRECISION.tolist())
    close(got.x, hb.langevin(builtin, x0, 5, 0.05, "mala", seed=1).x, "float64")
    assert len(mala_kernel.overloads) == kernels
    assert again._functions_for(np.float64).kernels_for(3)["mala"] is mala_kernel
    assert len(again._functions_for(np.float64).energy.overloads) == functions
    assert again._functions_for(np.float64).energy is pot._functions_for(np.float64).energy


# --- exact answers ---------------------------------------------------------------------------------

def test_ula_stationary_variance_of_a_gaussian():
    # ULA on N(0, σ²) with step h is the AR(1) chain x ← (1 − h/σ²) x + sqrt(2h) ξ: its stationary
    # variance is σ² / (1 − h / (2σ²)), 5% above σ² here, which the test resolves.
    sigma2, h, chains = 1.0, 0.1, 100_000
    pot = potential(gaussian_energy, gaussian_grad, params=(np.zeros(1), np.array([[1 / sigma2]])))
    res = hb.langevin(pot, np.zeros((chains, 1)), 250, h, "ula", seed=21)
    x = res.x[:, 0]
    want = sigma2 / (1 - h / (2 * sigma2))
    se = want * np.sqrt(2 / chains)  # of a normal sample variance
    assert abs(x.var() - want) < 5 * se
    assert abs(x.mean()) < 5 * np.sqrt(want / chains)


def test_mala_preserves_a_two_dimensional_mixture():
    # Started from exact samples, MALA's chains stay exact samples: first and second moments of
    # Σ_c w_c N(μ_c, I) are Σ w_c μ_c and Σ w_c (μ_c μ_cᵀ + I).
    weights = np.array([0.3, 0.7])
    means = np.array([[-2.0, 0.0], [1.5, 1.0]])
    chains = 20_000
    rng = np.random.default_rng(8)
    x0 = means[rng.choice(2, size=chains, p=weights)] + rng.standard_normal((chains, 2))
    pot = potential(mixture_energy, mixture_grad, params=(np.log(weights), means), dim=2)
    res = hb.langevin(pot, x0, 60, 0.3, "mala", seed=4)
    assert 0.5 < res.accept_rate.mean() < 0.99
    x = res.x
    mean = weights @ means
    second = sum(w * (np.outer(m, m) + np.eye(2)) for w, m in zip(weights, means))
    products = x[:, :, None] * x[:, None, :]
    for got, want, samples in ((x.mean(0), mean, x), (products.mean(0), second, products)):
        se = samples.std(0) / np.sqrt(chains)
        assert (np.abs(got - want) < 5 * se).all(), (got, want, se)


# --- divergence ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cliff():
    return potential(cliff_energy, cliff_grad, dim=1)


@pytest.mark.parametrize("method", ["ula", "baoab"])
def test_nan_energy_mid_run_flags_the_chain(cliff, method):
    # Past the cliff E and ∇E are NaN. ULA's next state is then NaN (flagged at the next step);
    # BAOAB's closing half kick makes p NaN in the same step.
    steps = 80
    res = hb.langevin(cliff, np.zeros((64, 1)), steps, 0.5, method, seed=2, thin=1)
    trace = res.trace[:, :, 0]
    assert 0 < res.n_diverged < 64
    for c in range(64):
        crossed = np.flatnonzero(~(trace[:, c] < LIMIT))  # past the cliff, or NaN
        expected = -1
        if crossed.size:
            expected = crossed[0] + 1 if method == "ula" else crossed[0]
        assert res.state.diverged_at[c] == (expected if expected < steps else -1)
    if method == "ula":
        assert np.isnan(res.x[res.diverged]).all()
    else:
        assert np.isnan(res.p[res.diverged]).all()
    assert np.isfinite(res.x[~res.diverged]).all()


@pytest.mark.parametrize("method", ["ula", "baoab"])
def test_runs_continue_through_an_overflowed_energy_as_one_run_does(method, monkeypatch):
    """Finite E is asked of starting states only: a state of infinite energy reached mid-run is continued
    (from the result's state, or by the next kernel chunk) exactly as the one long run continues it."""
    from heatbath._numba import langevin_launch

    ramp = potential(ramp_energy, ramp_grad, dim=1)
    x0 = np.full((4, 1), 4.0)
    first = hb.langevin(ramp, x0, 20, 0.1, method, seed=1, beta=1e4)
    assert np.isfinite(first.x).all() and np.isinf(first.energy).all() and first.n_diverged == 0
    whole = hb.langevin(ramp, x0, 30, 0.1, method, seed=1, beta=1e4)
    same(hb.langevin(ramp, first.state, 10, 0.1, beta=1e4).x, whole.x)
    monkeypatch.setattr(langevin_launch, "_CHUNK_WORK", 4 * 1 * 7)  # 7 steps per kernel call
    same(hb.langevin(ramp, x0, 30, 0.1, method, seed=1, beta=1e4).x, whole.x)
    with pytest.raises(ValueError, match="returned inf at x0\\[0\\]; it must be finite at the starting states"):
        hb.langevin(ramp, first.x, 10, 0.1, method, seed=1)


def test_nan_energy_rejects_mala_proposals(cliff):
    res = hb.langevin(cliff, np.zeros((64, 1)), 80, 0.5, "mala", seed=2)
    assert res.n_diverged == 0
    assert (res.x < LIMIT).all() and np.isfinite(res.energy).all()
    assert 0.2 < res.accept_rate.mean() < 1


def energy_raising(x):
    if x[0] > 1.0:
        raise ValueError("left the box")
    return 0.5 * x[0] * x[0]


# A function that can raise runs on the calling thread alone, the only one whose exception Numba passes
# on, and says so (NumbaPerformanceWarning).
def test_exception_inside_the_kernel_is_reported():
    pot = potential(energy_raising, cliff_grad)
    with pytest.raises(RuntimeError, match=r"'energy_raising' or the gradient 'cliff_grad' raised .*left the box"), \
            pytest.warns(numba.core.errors.NumbaPerformanceWarning, match="can raise"):
        hb.langevin(pot, np.zeros((5000, 1)), 40, 0.5, "mala")


def singular_energy(x):
    # np.linalg raises inside a library call: no raise statement here for raise_scan to see
    return np.linalg.inv(np.eye(2) * x[0])[0, 0]


def zero_grad(x, out):
    out[0] = 0.0


def test_an_exception_on_another_thread_is_an_error_not_lost_chains():
    # Rows 0 .. 9,999 are fine, 10,000 on raise: their part may run on one of Numba's threads, which drop
    # the exception; those rows were then left unwritten, with no error.
    x = np.ones((20000, 1))
    x[10000:] = 0.0
    with pytest.raises(RuntimeError, match=r"'singular_energy' or the gradient 'zero_grad' raised an exception "
                                           r"inside the compiled kernel"):
        hb.energy(potential(singular_energy, zero_grad), x)


def test_raise_statements_are_found_where_the_functions_reach():
    from heatbath._numba.raise_scan import may_raise

    def plain(x):
        return x[0] * 2.0

    def asserts(x):
        assert x[0] > 0
        return x[0]

    @numba.njit
    def helper(v):
        if v > 3:
            raise ValueError("too big")
        return v

    def calls_helper(x):
        return helper(x[0])

    def in_a_closure():
        def inner(x):
            return helper(x[0])
        return inner

    assert not may_raise(plain, double_well_energy, double_well_grad)
    assert may_raise(energy_raising) and may_raise(plain, asserts)
    assert may_raise(calls_helper) and may_raise(numba.njit(calls_helper)) and may_raise(in_a_closure())


# --- bad input -------------------------------------------------------------------------------------

def test_missing_gradient_is_refused():
    with pytest.raises(TypeError, match="needs the gradient") as info:
        potential(double_well_energy)
    assert "by hand" in str(info.value) and "TorchPotential" in str(info.value)


def uses_json(x):
    return json.dumps(x[0])


def test_uncompilable_function_is_named():
    pot = potential(uses_json, double_well_grad)
    with pytest.raises(TypeError, match=r"Numba cannot compile the energy function 'uses_json'"):
        hb.langevin(pot, np.zeros((2, 1)), 1, 0.1)


def grad_too_long(x, out):
    for i in range(x.shape[0] + 1):
        out[i] = x[0]


def energy_reads_far(x):
    # Ten million values past the end: unchecked, a segmentation fault rather than a wrong number.
    return x[x.shape[0] + 10_000_000]


def grad_writes_far(x, out):
    # Unchecked, this overwrites the heap far past `out` and kills the interpreter.
    for i in range(x.shape[0] + 100_000):
        out[i] = x[0]


def grad_too_short(x, out):
    for i in range(x.shape[0] - 1):
        out[i] = x[i]


def grad_nan(x, out):
    for i in range(x.shape[0]):
        out[i] = np.nan


def energy_nan(x):
    return np.nan


@pytest.mark.parametrize("energy,grad,match", [
    (double_well_energy, grad_too_long, r"gradient function 'grad_too_long' indexed an array out of bounds at "
                                        r"x0\[0\] \(.*\); x and out have the state's length 3"),
    (energy_reads_far, double_well_grad, r"energy function 'energy_reads_far' indexed an array out of bounds at "
                                         r"x0\[0\] .*; x has the state's length 3"),
    (double_well_energy, grad_writes_far, r"gradient function 'grad_writes_far' indexed an array out of bounds"),
    (double_well_energy, grad_too_short, r"gradient function 'grad_too_short' left out\[2\] unset"),
    (double_well_energy, grad_nan, r"gradient function 'grad_nan' left out\[0\] unset or NaN"),
    (energy_nan, double_well_grad, r"energy function 'energy_nan' returned nan at x0\[0\]"),
])
def test_bad_functions_are_caught_before_the_run(energy, grad, match):
    x0 = np.zeros((4, 3))
    with pytest.raises(ValueError, match=match):
        hb.langevin(potential(energy, grad), x0, 3, 0.1, "mala")


def grad_adds_without_zeroing(x, out):
    for i in range(x.shape[0]):
        out[i] += x[i]


@pytest.mark.parametrize("grad", [grad_too_short, grad_adds_without_zeroing])
def test_a_gradient_leaving_out_unset_is_caught_where_nan_is_allowed(grad):
    # hb.grad and parallel tempering allow a NaN gradient (a point outside the support, a replica at small β),
    # and so let an entry left unset through: the kernels then read whatever their buffers held (wrong numbers
    # that changed from run to run). An entry that follows out's prior contents is refused.
    match = rf"gradient function '{grad.__name__}' left out\[\d\] unset at {{}}\[0\], or read it before writing it"
    pot = potential(double_well_energy, grad)
    with pytest.raises(ValueError, match=match.format("x")):
        hb.grad(pot, np.ones((4, 3)))
    pt = hb.ParallelTempering(pot, 3, sampler=hb.LangevinMove(0.1, "ula"))
    with pytest.raises(ValueError, match=match.format("x0")):
        pt.run(np.ones((4, 3)), 2)
    assert np.isnan(hb.grad(potential(double_well_energy, grad_nan), np.ones((2, 3)))).all()  # still allowed


def test_bad_arguments():
    with pytest.raises(TypeError, match="params"):
        potential(double_well_energy, double_well_grad, params=np.ones(3))
    with pytest.raises(TypeError, match=r"params\[1\]"):
        potential(double_well_energy, double_well_grad, params=(1.0, {"a": 1}))
    # Numbers Numba has no machine type for were accepted, and failed later with Numba's own message
    with pytest.raises(TypeError, match=r"params\[0\] is a Fraction; expected a number \(bool, int, float"):
        potential(double_well_energy, double_well_grad, params=(fractions.Fraction(1, 3),))
    with pytest.raises(ValueError, match=r"params\[1\] = 1180591620717411303424 does not fit in int64"):
        potential(double_well_energy, double_well_grad, params=(1.0, 2**70))
    potential(double_well_energy, double_well_grad, params=(True, -2**63, np.float32(1), np.uint64(2**63)))
    with pytest.raises(ValueError, match="dim"):
        potential(double_well_energy, double_well_grad, dim=0)
    with pytest.raises(ValueError, match="dimension 2"):
        hb.langevin(potential(double_well_energy, double_well_grad, dim=2), np.zeros((3, 1)), 1, 0.1)


def test_non_contiguous_parameter_arrays_give_the_same_numbers():
    # The kernels read C-contiguous copies of such arrays (pointers.borrowed); a transposed view, an
    # F-ordered copy and a strided slice must give what the contiguous original gives.
    pot, _ = user_gaussian("float64")
    mean, precision = pot.params
    x0 = start(9, 3, "float64")
    want = hb.langevin(pot, x0, 10, 0.05, "mala", seed=2)
    wide = np.zeros((3, 6))
    wide[:, ::2] = precision
    for variant in (precision.T, np.asfortranarray(precision), wide[:, ::2]):
        assert not variant.flags.c_contiguous
        got = hb.langevin(pot.with_params(mean, variant), x0, 10, 0.05, "mala", seed=2)
        same(got.x, want.x)


def test_a_numba_run_leaves_the_cores_thread_count_alone():
    """Numba's OpenMP threading layer sets the process's OpenMP thread count to all the CPUs when it starts:
    read at each launch, the core's count followed it, past the user's OMP_NUM_THREADS=1."""
    code = textwrap.dedent("""
        import numpy as np, heatbath as hb

        def energy(x):
            return 0.5 * np.sum(x * x)

        def grad(x, out):
            for i in range(x.shape[0]):
                out[i] = x[i]

        before = hb.get_num_threads()
        hb.langevin(hb.potential(energy, grad), np.zeros((64, 1)), 5, 0.01, seed=0)
        print(before, hb.get_num_threads())
    """)
    env = dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="2")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
