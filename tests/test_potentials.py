# SPDX-License-Identifier: Apache-2.0
"""heatbath.energy / heatbath.grad against plain float64 numpy references of the documented formulas.

Each reference also returns the magnitude of the terms that make up E and ∇E (the same formula with
every term replaced by its absolute value). Rounding error is bounded by a few ulp of that magnitude,
not of the result, which can cancel to near zero (e.g. the Rosenbrock minimum or the Gaussian mean), so
the tolerances below are relative to it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import heatbath as hb
from helpers import to_numpy

RTOL = {
    # float64: a few ulp of the term magnitudes; 1e-12 leaves room for O(d) accumulations and, for
    # the mixture, for exp/log of arguments in the thousands.
    "float64": 1e-12,
    # float32: parameters are rounded to float32 (relative 6e-8) and each E or ∂E/∂x_i is an O(d) or
    # O(d·K) sum of float32 terms, so the error grows to ~d·6e-8 of the term magnitudes; 1e-5 is that
    # with headroom, and still ~1000x tighter than any formula error would give.
    "float32": 1e-5,
}
LOG_2PI = math.log(2.0 * math.pi)


# ---------------------------------------------------------------- references (float64, [n, d] rows)

def ref_double_well(x):
    e = np.sum(x**4 - 4 * x**2 + x, axis=1)
    g = 4 * x**3 - 8 * x + 1
    ax = np.abs(x)
    return e, g, np.sum(ax**4 + 4 * ax**2 + ax, axis=1), 4 * ax**3 + 8 * ax + 1


def ref_gaussian(mean, precision=None, covariance=None):
    """The covariance form solves Σ g = x − μ rather than inverting Σ, so it shares no step with the library."""
    if precision is None:
        cov = np.diag(covariance) if np.ndim(covariance) == 1 else np.asarray(covariance)
        abs_p = np.abs(np.linalg.inv(cov))  # only to size the tolerance

        def apply(delta):
            return np.linalg.solve(cov, delta.T).T
    else:
        prec = np.diag(precision) if np.ndim(precision) == 1 else np.asarray(precision)
        abs_p = np.abs(prec)

        def apply(delta):
            return delta @ prec.T

    def ref(x):
        delta = x - mean
        g = apply(delta)
        e = 0.5 * np.sum(delta * g, axis=1)
        mag = np.abs(x) + np.abs(mean)
        g_scale = mag @ abs_p.T
        return e, g, 0.5 * np.sum(mag * g_scale, axis=1), g_scale

    return ref


def ref_mixture(means, sds, weights=None):
    means = np.asarray(means, dtype=np.float64)
    k, d = means.shape
    sds = np.asarray(sds, dtype=np.float64)
    sds = np.broadcast_to(sds.reshape(k, 1) if sds.ndim == 1 else sds, (k, d))
    w = np.ones(k) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()

    def ref(x):
        z = (x[:, None, :] - means[None]) / sds[None]                       # [n, K, d]
        log_c = np.log(w) - np.log(sds).sum(axis=1) - 0.5 * d * LOG_2PI    # [K]
        a = log_c - 0.5 * np.sum(z**2, axis=2)                              # [n, K]
        # Log-sum-exp with the maximum taken out: far from every mode all a_c are in the thousands
        # below zero and exp(a_c) itself is 0.
        m = a.max(axis=1, keepdims=True)
        r = np.exp(a - m)
        s = r.sum(axis=1, keepdims=True)
        e = -(m[:, 0] + np.log(s[:, 0]))
        resp = r / s                                                        # [n, K]
        g = np.einsum("nk,nkd->nd", resp, z / sds[None])
        # Error model: a_c is a sum of terms of total magnitude A_c, so carries an error ~ ulp·A_c.
        # E = −(Σ_c resp_c a_c + entropy) moves by Σ resp_c δa_c. The responsibility of c moves by
        # resp_c (δa_c − Σ_c' resp_c' δa_c'), bounded by resp_c B_c with B_c = (1 − resp_c) A_c +
        # Σ_{c'≠c} resp_c' A_c' (≈ 0 when one component dominates, as far from the modes).
        big_a = (np.abs(np.log(w)) + np.abs(np.log(sds)).sum(axis=1) + 0.5 * d * LOG_2PI
                 + 0.5 * np.sum(((np.abs(x)[:, None, :] + np.abs(means)[None]) / sds[None])**2, axis=2))
        weighted = resp * big_a
        others = 1.0 - resp if k == 1 else np.stack([np.delete(resp, c, axis=1).sum(axis=1) for c in range(k)], 1)
        b = others * big_a + (weighted.sum(axis=1, keepdims=True) - weighted)
        e_scale = weighted.sum(axis=1) + np.abs(e) + 1.0
        mag = (np.abs(x)[:, None, :] + np.abs(means)[None]) / sds[None]**2
        g_scale = np.einsum("nk,nkd->nd", resp * (1.0 + b), mag)
        return e, g, e_scale, g_scale

    return ref


def ref_rosenbrock(a, b):
    def ref(x):
        xi, xn = x[:, :-1], x[:, 1:]
        r, q = xn - xi**2, a - xi
        e = np.sum(b * r**2 + q**2, axis=1)
        g = np.zeros_like(x)
        g[:, :-1] += -4 * b * xi * r - 2 * q
        g[:, 1:] += 2 * b * r
        ax = np.abs(x)
        ai, an = ax[:, :-1], ax[:, 1:]
        e_scale = np.sum(b * (an + ai**2)**2 + (abs(a) + ai)**2, axis=1)
        g_scale = np.zeros_like(x)
        g_scale[:, :-1] += 4 * b * ai * (an + ai**2) + 2 * (abs(a) + ai)
        g_scale[:, 1:] += 2 * b * (an + ai**2)
        return e, g, e_scale, g_scale

    return ref


# ---------------------------------------------------------------- cases

@dataclass
class Case:
    target: hb.Target
    ref: Callable
    dim: int
    far: float  # scale of the far-away points, |x| ~ far


def _spd(rng, d, lo=0.5, hi=3.0):
    """A symmetric positive-definite matrix with eigenvalues in [lo, hi]: well conditioned, so the
    library's inverse and the reference's solve agree to ~1e-15."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    m = (q * rng.uniform(lo, hi, d)) @ q.T
    return 0.5 * (m + m.T)  # exactly symmetric


def _cases():
    rng = np.random.default_rng(20240611)
    cases = {}
    for d in (1, 5):
        cases[f"double_well-d{d}"] = Case(hb.DoubleWell(), ref_double_well, d, 20.0)

    d = 5
    mean, p, c = rng.normal(size=d), _spd(rng, d), _spd(rng, d)
    diag = rng.uniform(0.3, 3.0, d)
    # Parameters go in as Python lists so that one target serves float32 and float64 states.
    cases["gaussian-precision"] = Case(hb.Gaussian(mean.tolist(), precision=p.tolist()),
                                       ref_gaussian(mean, precision=p), d, 20.0)
    cases["gaussian-covariance"] = Case(hb.Gaussian(mean.tolist(), covariance=c.tolist()),
                                        ref_gaussian(mean, covariance=c), d, 20.0)
    cases["gaussian-precision-diag"] = Case(hb.Gaussian(mean.tolist(), precision=diag.tolist()),
                                            ref_gaussian(mean, precision=diag), d, 20.0)
    cases["gaussian-covariance-diag"] = Case(hb.Gaussian(mean.tolist(), covariance=diag.tolist()),
                                             ref_gaussian(mean, covariance=diag), d, 20.0)

    k, d = 3, 4
    means = rng.normal(0.0, 3.0, (k, d))
    weights = [1.0, 2.0, 5.0]  # not normalised: the target normalises them
    # Scales up to 1 keep every density at the far points below float64's smallest normal number.
    for name, sds in (("isotropic", [0.3, 0.6, 1.0]), ("diagonal", rng.uniform(0.3, 1.0, (k, d))),
                      ("scalar", 0.7)):
        sds_arg = sds.tolist() if isinstance(sds, np.ndarray) else sds
        cases[f"mixture-{name}"] = Case(hb.GaussianMixture(means.tolist(), sds_arg, weights),
                                        ref_mixture(means, sds, weights), d, 25.0)
    cases["mixture-default-weights"] = Case(hb.GaussianMixture(means.tolist(), 0.5),
                                            ref_mixture(means, 0.5 * np.ones(k)), d, 25.0)
    cases["mixture-one-component-d1"] = Case(hb.GaussianMixture([[1.5]], [0.4]),
                                             ref_mixture([[1.5]], [0.4]), 1, 25.0)

    for d in (2, 3, 7):
        cases[f"rosenbrock-d{d}"] = Case(hb.Rosenbrock(), ref_rosenbrock(1.0, 100.0), d, 5.0)
    cases["rosenbrock-a-b"] = Case(hb.Rosenbrock(a=-0.5, b=3.0), ref_rosenbrock(-0.5, 3.0), 4, 5.0)
    return cases


CASES = _cases()
DTYPES = ["float64", "float32"]


def _points(case: Case, n_near=40, n_far=13, seed=7):
    """53 rows (not a multiple of the CPU tile widths 8 and 16, so the partial tile is exercised):
    points around the modes and points at |x_i| ~ case.far, where a mixture's densities underflow."""
    rng = np.random.default_rng(seed)
    near = rng.normal(0.0, 1.5, (n_near, case.dim))
    far = rng.choice([-1.0, 1.0], (n_far, case.dim)) * rng.uniform(0.75, 1.25, (n_far, case.dim)) * case.far
    return np.concatenate([near, far])


def _assert_close(got, ref, scale, rtol, what):
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, what
    assert np.isfinite(got).all(), f"{what}: non-finite values at rows {np.nonzero(~np.isfinite(got))[0]}"
    err = np.abs(got - ref) / scale
    worst = np.unravel_index(np.argmax(err), err.shape)
    assert err[worst] <= rtol, (f"{what}: error {err[worst]:.3g} of the term magnitude at {worst} "
                                f"(got {got[worst]!r}, want {ref[worst]!r})")


def _on(device, x):
    if device == "cpu":
        return x
    torch = pytest.importorskip("torch", reason="this case uses torch tensors")
    return torch.as_tensor(x, device="cuda")


# ---------------------------------------------------------------- value tests

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case_id", list(CASES))
def test_energy_and_grad_match_reference(case_id, dtype, device):
    case = CASES[case_id]
    x = _points(case).astype(dtype)
    # The reference sees exactly the float32-rounded states, so only heatbath's arithmetic is measured.
    e_ref, g_ref, e_scale, g_scale = case.ref(x.astype(np.float64))
    e = hb.energy(case.target, _on(device, x))
    g = hb.grad(case.target, _on(device, x))
    assert str(e.dtype).replace("torch.", "") == dtype and str(g.dtype).replace("torch.", "") == dtype
    _assert_close(to_numpy(e), e_ref, e_scale, RTOL[dtype], "energy")
    _assert_close(to_numpy(g), g_ref, g_scale, RTOL[dtype], "grad")


def test_far_mixture_points_are_in_the_underflow_regime():
    """The far points must be where exp(a_c) underflows even in float64, or the mixture tests above
    would not show that heatbath's log-sum-exp is stable."""
    for case_id in ("mixture-isotropic", "mixture-diagonal", "mixture-scalar", "mixture-default-weights"):
        case = CASES[case_id]
        x = _points(case)[-13:]
        e_ref, *_ = case.ref(x)
        assert np.all(np.exp(-e_ref) == 0.0), case_id  # naive Σ_c w_c N(x; ...) is exactly 0
        for dtype in DTYPES:
            e = hb.energy(case.target, x.astype(dtype))
            assert np.isfinite(e).all() and (e > 100).all(), (case_id, dtype)


@pytest.mark.parametrize("case_id", list(CASES))
def test_grad_matches_finite_differences_of_reference_energy(case_id):
    case = CASES[case_id]
    x = _points(case, n_near=6, n_far=3, seed=11)
    g = hb.grad(case.target, x)
    _, _, _, g_scale = case.ref(x)
    fd = np.empty_like(x)
    for i in range(case.dim):
        # Central differences: truncation ~h²·E''' and cancellation ~ulp·E/h balance near h ~ 1e-5·|x|.
        h = 1e-5 * (1.0 + np.abs(x[:, i]))
        xp, xm = x.copy(), x.copy()
        xp[:, i] += h
        xm[:, i] -= h
        fd[:, i] = (case.ref(xp)[0] - case.ref(xm)[0]) / (xp[:, i] - xm[:, i])
    _assert_close(g, fd, g_scale + 1.0, 1e-6, "grad vs finite differences")


def test_mixture_weights_are_normalised():
    """Scaling all weights by a constant changes nothing: the target normalises them."""
    means = [[0.0, 1.0], [2.0, -1.0]]
    x = np.random.default_rng(3).normal(size=(9, 2))
    e1 = hb.energy(hb.GaussianMixture(means, [1.0, 0.5], [1.0, 3.0]), x)
    e2 = hb.energy(hb.GaussianMixture(means, [1.0, 0.5], [0.25, 0.75]), x)
    np.testing.assert_allclose(e1, e2, rtol=1e-14, atol=1e-14)


# ---------------------------------------------------------------- layouts and frameworks

LAYOUT_CASES = ["double_well-d5", "gaussian-precision", "mixture-diagonal", "rosenbrock-d7"]


def _layouts(x):
    """Views of x with other strides, each paired with its name."""
    wide = np.repeat(x, 2, axis=1)                 # x == wide[:, ::2]
    rev = np.ascontiguousarray(x[::-1])            # x == rev[::-1]
    fortran = np.asfortranarray(x)                 # column-major: a transposed C array
    return {"every-other-column": wide[:, ::2], "reversed-rows": rev[::-1], "transposed": fortran,
            "transposed-explicit": np.ascontiguousarray(x.T).T}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case_id", LAYOUT_CASES)
def test_non_contiguous_inputs(case_id, dtype):
    case = CASES[case_id]
    x = _points(case).astype(dtype)
    e0, g0 = hb.energy(case.target, x), hb.grad(case.target, x)
    for name, view in _layouts(x).items():
        np.testing.assert_array_equal(view, x)
        before = view.copy()
        e, g = hb.energy(case.target, view), hb.grad(case.target, view)
        # Same rows, same kernel: the results must be bitwise those of the contiguous input.
        np.testing.assert_array_equal(e, e0, err_msg=name)
        np.testing.assert_array_equal(g, g0, err_msg=name)
        assert g.flags.c_contiguous and g.shape == x.shape, name
        np.testing.assert_array_equal(view, before, err_msg=f"{name}: input modified")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case_id", LAYOUT_CASES)
def test_torch_in_torch_out(case_id, dtype):
    torch = pytest.importorskip("torch", reason="this case uses torch tensors")
    case = CASES[case_id]
    x = _points(case).astype(dtype)
    e0, g0 = hb.energy(case.target, x), hb.grad(case.target, x)
    t = torch.from_numpy(x.copy())
    t_transposed = torch.from_numpy(np.ascontiguousarray(x.T)).T  # non-contiguous torch view
    for name, xt in (("contiguous", t), ("transposed", t_transposed)):
        e, g = hb.energy(case.target, xt), hb.grad(case.target, xt)
        assert isinstance(e, torch.Tensor) and isinstance(g, torch.Tensor), name
        assert e.dtype == getattr(torch, dtype) and g.dtype == getattr(torch, dtype), name
        assert e.device.type == "cpu" and g.device.type == "cpu", name
        assert tuple(e.shape) == (x.shape[0],) and tuple(g.shape) == x.shape, name
        np.testing.assert_array_equal(e.numpy(), e0, err_msg=name)
        np.testing.assert_array_equal(g.numpy(), g0, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case_id", LAYOUT_CASES)
@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_zero_chains(case_id, dtype, framework):
    case = CASES[case_id]
    x = np.zeros((0, case.dim), dtype=dtype)
    if framework == "torch":
        torch = pytest.importorskip("torch", reason="this case uses torch tensors")
        x = torch.zeros((0, case.dim), dtype=getattr(torch, dtype))
    e, g = hb.energy(case.target, x), hb.grad(case.target, x)
    assert type(e) is type(x) and type(g) is type(x)
    assert tuple(e.shape) == (0,) and tuple(g.shape) == (0, case.dim)
    assert str(e.dtype).replace("torch.", "") == dtype and str(g.dtype).replace("torch.", "") == dtype
