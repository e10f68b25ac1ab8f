# SPDX-License-Identifier: Apache-2.0
"""Same seed, same numbers: Langevin runs are bitwise independent of thread count, instruction set,
batch splitting and of being cut into several calls."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _core
from helpers import assert_resumes_bitwise, empty_on, to_numpy

METHODS = ["ula", "mala", "baoab"]


def targets(dtype):
    return {
        "double_well": hb.DoubleWell(),
        "gaussian": hb.Gaussian(np.array([0.5, -1.0, 0.0], dtype), np.array([[2, .3, 0], [.3, 1, .1], [0, .1, .5]],
                                                                           dtype)),
        "mixture": hb.GaussianMixture(np.array([[-1, 0, 1], [1, 1, -1]], dtype), np.array([0.7, 0.9], dtype),
                                      np.array([0.4, 0.6], dtype)),
        "rosenbrock": hb.Rosenbrock(1.0, 5.0),
    }


def start(chains, dim, dtype, seed=0):
    return (0.5 * np.random.default_rng(seed).standard_normal((chains, dim))).astype(dtype)


def same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def run(target, x0, n, method, **kw):
    return hb.langevin(target, x0, n, 0.02, method, seed=11, thin=kw.pop("thin", 5), **kw)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ["double_well", "gaussian", "mixture", "rosenbrock"])
def test_resume_is_bitwise_identical(dtype, method, name):
    x0 = start(37, 1 if name == "double_well" else 3, dtype)
    assert_resumes_bitwise(targets(dtype)[name], x0, method, seed=11)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_resume_at_any_step_for_any_dimension(method, dim):
    # The noise of step t is read from Philox blocks shared by several steps when dim < 4: a cut in
    # the middle of such a group must regenerate the block, not skip or repeat numbers.
    x0 = start(19, dim, "float32")
    whole = hb.langevin(hb.DoubleWell(), x0, 23, 0.01, method, seed=3)
    x = hb.langevin(hb.DoubleWell(), x0, 1, 0.01, method, seed=3).state
    for n in (2, 3, 5, 7, 5):
        x = hb.langevin(hb.DoubleWell(), x, n, 0.01).state
    same(x.x, whole.x)


@pytest.mark.parametrize("method", METHODS)
def test_thread_count_does_not_change_results(method):
    target = targets("float32")["mixture"]
    x0 = start(301, 3, "float32")
    hb.set_num_threads(1)
    one = run(target, x0, 40, method)
    hb.set_num_threads(2)
    two = run(target, x0, 40, method)
    same(one.x, two.x)
    same(one.trace, two.trace)


@pytest.mark.parametrize("method", METHODS)
def test_batch_split_does_not_change_results(method):
    target = targets("float64")["gaussian"]
    x0 = start(100, 3, "float64")
    whole = run(target, x0, 30, method)
    head = run(target, x0[:33], 30, method)
    tail = run(target, x0[33:], 30, method, chain_start=33)
    same(np.concatenate([head.x, tail.x]), whole.x)
    same(np.concatenate([head.energy, tail.energy]), whole.energy)


@pytest.mark.parametrize("method", METHODS)
def test_instruction_set_variants_agree(method):
    target = targets("float32")["rosenbrock"]
    x0 = start(50, 3, "float32")
    results = []
    try:
        for isa in _core.cpu_isa_variants():
            _core.limit_cpu_isa(isa)
            results.append(run(target, x0, 30, method))
    finally:
        _core.limit_cpu_isa("avx512")
    for r in results[1:]:
        same(r.x, results[0].x)
        same(r.trace, results[0].trace)


def test_noise_is_the_documented_stream():
    # ULA with E ≡ 0 is impossible here, but a Gaussian with a tiny precision makes the drift
    # negligible next to float64 noise: x_t ≈ sqrt(2h) Σ ξ. Check the first step exactly instead:
    # from x = mean, ∇E = 0, so x_1 = mean + sqrt(2h/β) ξ_0 with ξ_0 value i of block-group 0.
    d, h = 3, 0.5
    target = hb.Gaussian(np.zeros(d), np.eye(d))
    res = hb.langevin(target, np.zeros((8, d)), 1, h, seed=42)
    # W = 2 doubles per block, dim 3: G = 2 steps per group, so step 0 uses values 0..2 of group 0.
    xi = hb.random.normal((8, 2 * d), seed=42, purpose="langevin_noise", dtype="float64")[:, :d]
    np.testing.assert_array_equal(res.x, np.sqrt(2 * h) * xi)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backends_agree(device, method, dtype):
    # CPU and CUDA share the tile body and neither contracts a*b+c (-ffp-contract=off, --fmad=false), so
    # the runs should agree bit for bit; asserted to rounding, and the random stream bit for bit.
    target = targets(dtype)["mixture"]
    x0 = start(500, 3, dtype)
    ref = run(target, x0, 20, method)
    xd = empty_on(device, x0.shape, dtype)
    xd[...] = xd.new_tensor(x0) if hasattr(xd, "new_tensor") else x0
    res = run(target, xd, 20, method)
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(to_numpy(res.x), ref.x, rtol=tol, atol=tol)
