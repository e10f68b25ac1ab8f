# SPDX-License-Identifier: Apache-2.0
"""Free energies and partition functions of RBMs: exact enumeration and annealed importance sampling.

``free_energy(rbm, v, beta)`` is F_β(v) = −log Σ_h exp(−β E(v, h)), so that p_β(v) = exp(−F_β(v)) / Z_β.
``exact_log_z`` enumerates the smaller layer (the hidden one for Gaussian visible units) in float64.
``ais_log_z`` runs annealed importance sampling (Salakhutdinov & Murray 2008, "On the quantitative
analysis of deep belief networks") from a base model with the RBM's couplings switched off:
p*_k(v) = Σ_h exp(−(1 − β_k) E_A(v) − β_k E(v, h)), with E_A(v) = −b_A·v (Bernoulli) or
Σ (v − b_A)² / (2σ²) (Gaussian). Its estimate of Z is unbiased, so log Z is biased low on average
(Jensen) by about half the squared relative error of the weights.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from heatbath import _arrays
from heatbath._validate import as_int, as_seed
from heatbath.langevin import _all_finite
from heatbath.rbm import RBM, _host_float64

MAX_ENUMERATED_UNITS = 30


@dataclass(frozen=True)
class AISResult:
    """The outcome of :func:`ais_log_z`.

    log_z: the estimate log Z_base + log mean w. log_z_se: its standard error by the delta method,
    sd(w) / (mean(w) sqrt(n)). log_weights [n_chains] float64 numpy: log w per chain. log_z_base: log Z of
    the base model. effective_sample_size: (Σ w)² / Σ w². betas: the schedule used.
    """

    log_z: float
    log_z_se: float
    log_weights: np.ndarray
    log_z_base: float
    effective_sample_size: float
    betas: np.ndarray


def _check_rbm(rbm) -> RBM:
    if not isinstance(rbm, RBM):
        raise TypeError(f"argument 'rbm': expected a heatbath.RBM, got {type(rbm).__name__}")
    return rbm


def free_energy(rbm: RBM, v, beta=1.0):
    """F_β(v) for each row of v [chains, V]: an array [chains] in v's framework, dtype of the RBM.

    Bernoulli: −β b·v − Σ_j softplus(β (c_j + (v W)_j)); Gaussian: β Σ (v − b)²/(2σ²) −
    Σ_j softplus(β (c_j + (v W)_j / σ)). Computed with one GEMM and a float64 softplus pass.
    """
    rbm = _check_rbm(rbm)
    v = rbm._states(v, "v", rbm.n_visible, binary=rbm.visible == "bernoulli")
    chains = int(v.shape[0])
    out = _arrays.empty((chains,), rbm.dtype, v)
    rbm._module().rbm_free_energy(**rbm._core_params(), v=v, beta=rbm._betas(beta, chains, v), out=out,
                                  workspace=rbm._workspace(chains, v), stream=_arrays.current_stream(v, rbm.device))
    return out


def _host_params(rbm: RBM):
    rbm._core_params()  # follows (and checks) parameters rebound to new memory since the last call
    return (np.ascontiguousarray(_host_float64(rbm.weights)), np.ascontiguousarray(_host_float64(rbm.visible_bias)),
            np.ascontiguousarray(_host_float64(rbm.hidden_bias)))


def _refuse_non_finite_parameters(rbm: RBM) -> None:
    """Names a parameter changed in place to NaN or infinity since the RBM was built (the constructor checked
    them), rather than blaming an overflow."""
    for name in ("weights", "visible_bias", "hidden_bias"):
        if not _all_finite(getattr(rbm, name)):
            raise ValueError(f"argument 'rbm': its {name} contain NaN or infinity (changed in place since the RBM "
                             f"was built)")


def exact_log_z(rbm: RBM, beta: float = 1.0, *, max_units: int = 25) -> float:
    """log Z_β = log Σ_{v,h} exp(−β E(v, h)) (an integral over v for Gaussian units), exactly.

    Enumerates the 2**n states of the smaller layer (the hidden one for Gaussian visible units) on the
    CPU in float64 (parameters on a GPU are copied to the host). n above ``max_units`` (at most 30) is
    refused: the cost doubles with every unit.
    """
    rbm = _check_rbm(rbm)
    max_units = as_int(max_units, "max_units", 1, MAX_ENUMERATED_UNITS + 1)
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):  # a type error, as gibbs says
        raise TypeError(f"argument 'beta': expected a positive finite number, got {type(beta).__name__}")
    if not math.isfinite(beta) or beta <= 0:
        raise ValueError(f"argument 'beta': expected a positive finite number, got {beta!r}")
    n = rbm.n_hidden if rbm.visible == "gaussian" else min(rbm.n_visible, rbm.n_hidden)
    if n > max_units:
        layer = "hidden" if rbm.visible == "gaussian" or rbm.n_hidden <= rbm.n_visible else "visible"
        raise ValueError(f"argument 'rbm': exact log Z enumerates the {layer} layer's 2**{n} states; "
                         f"{n} units is above max_units = {max_units} (use ais_log_z)")
    w, b, c = _host_params(rbm)
    from heatbath import _core

    log_z = float(_core.rbm_exact_log_z(rbm.visible, rbm.sigma, w, b, c, float(beta)))
    if not math.isfinite(log_z):
        _refuse_non_finite_parameters(rbm)
        # β × the parameters overflowed float64 (inf − inf): no number to give
        raise ValueError(f"argument 'beta': log Z is not finite at β = {beta!r} (β times the RBM's parameters "
                         f"overflows float64); rescale the parameters or β")
    return log_z


def _schedule(betas) -> np.ndarray:
    if isinstance(betas, numbers.Integral) and not isinstance(betas, bool):
        n = as_int(betas, "betas", 2, 2**31)
        return np.linspace(0.0, 1.0, n)
    try:
        sched = _host_float64(betas) if _arrays.supports_dlpack(betas) else np.asarray(betas, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"argument 'betas': expected a number of distributions or an array of inverse "
                        f"temperatures, got {type(betas).__name__}") from None
    if sched.ndim != 1 or sched.size < 2:
        raise ValueError(f"argument 'betas': expected a 1-D schedule of at least 2 values, got shape {sched.shape}")
    if not np.isfinite(sched).all() or sched[0] != 0.0 or sched[-1] != 1.0 or not (np.diff(sched) > 0).all():
        raise ValueError("argument 'betas': expected a strictly increasing schedule from 0 to 1")
    return np.ascontiguousarray(sched)


def _base_biases(rbm: RBM, base, data) -> np.ndarray:
    V = rbm.n_visible
    if isinstance(base, str):
        if base == "uniform":
            # Bernoulli: all 2**V visible states equally likely. Gaussian: N(b, σ²), the model uncoupled.
            return np.zeros(V) if rbm.visible == "bernoulli" else _host_float64(rbm.visible_bias)
        if base == "base_rate":
            if data is None:
                raise ValueError("argument 'data': base='base_rate' needs training data [samples, V]")
            if not _arrays.supports_dlpack(data):
                raise TypeError(f"argument 'data': expected an array that supports DLPack, got {type(data).__name__}")
            x = _host_float64(data)
            if x.ndim != 2 or x.shape[1] != V or x.shape[0] < 1:
                raise ValueError(f"argument 'data': expected shape [samples, {V}], got {x.shape}")
            if not np.isfinite(x).all():
                raise ValueError("argument 'data': contains NaN or infinity")
            mean = x.mean(axis=0)
            if rbm.visible == "gaussian":
                return mean
            if not ((x >= 0.0) & (x <= 1.0)).all():
                raise ValueError("argument 'data': Bernoulli visible units take values in [0, 1] (0/1 data or "
                                 "probabilities); scale the data first, e.g. pixels / 255")
            # The base rates, smoothed as a Beta(1, 1) posterior mean so that no unit is certain.
            p = (x.sum(axis=0) + 1.0) / (x.shape[0] + 2.0)
            return np.log(p) - np.log1p(-p)
        raise ValueError(f"argument 'base': expected 'uniform', 'base_rate' or an array [V], got {base!r}")
    if not _arrays.supports_dlpack(base) and not isinstance(base, (list, tuple)):
        raise TypeError(f"argument 'base': expected 'uniform', 'base_rate' or an array [V], got {type(base).__name__}")
    b = _host_float64(base) if _arrays.supports_dlpack(base) else np.asarray(base, dtype=np.float64)
    if b.shape != (V,):
        raise ValueError(f"argument 'base': expected shape ({V},), got {b.shape}")
    if not np.isfinite(b).all():
        raise ValueError("argument 'base': contains NaN or infinity")
    with np.errstate(over="ignore"):
        representable = np.isfinite(b.astype(rbm.dtype)).all()
    if not representable:
        raise ValueError(f"argument 'base': values must be finite in the model's dtype {rbm.dtype}")
    # A Bernoulli bias b gives the unit's less likely value probability about e^−|b|, which underflows the
    # dtype past −ln(its smallest normal) (87 in float32, 708 in float64): the base is then a point mass,
    # and AIS returned a confident wrong log Z (SE 0, every chain alike; at 1e17, float64 cancellation
    # between log Z_base and the weights)
    limit = -math.log(float(np.finfo(rbm.dtype).tiny))
    if rbm.visible == "bernoulli" and np.abs(b).max(initial=0.0) > limit:
        raise ValueError(f"argument 'base': Bernoulli base biases must lie within ±{limit:.1f} in {rbm.dtype} "
                         f"(beyond, e^−|b| underflows it and the base is a point mass), got {np.abs(b).max():.3g}")
    return b


def _log_z_base(rbm: RBM, base: np.ndarray) -> float:
    # Σ_h contributes 2**H at β = 0 (the hidden units are uncoupled and unbiased there).
    hidden = rbm.n_hidden * math.log(2.0)
    if rbm.visible == "gaussian":
        return hidden + rbm.n_visible * math.log(rbm.sigma * math.sqrt(2.0 * math.pi))
    return hidden + float(np.logaddexp(0.0, base).sum())


def ais_log_z(rbm: RBM, n_chains: int, betas, seed: int = 0, base: Any = "uniform", data=None, *,
              chain_start: int = 0) -> AISResult:
    """Estimate log Z of an RBM by annealed importance sampling, the whole run in compiled code.

    Parameters
    ----------
    n_chains : number of independent annealing runs (importance weights).
    betas : the schedule 0 = β_0 < β_1 < ... < β_K = 1 (array), or an int K + 1 for equal spacing.
    seed : int in [0, 2**64).
    base : 'uniform' (Bernoulli: b_A = 0; Gaussian: b_A = b), 'base_rate' (Bernoulli: the smoothed
        log-odds of data's unit means; Gaussian: data's means), or an array [V] of base visible biases
        (Bernoulli) or means (Gaussian). A base close to the data makes the weights far less variable.
    data : [samples, V] training data, for base='base_rate'.
    chain_start : global index of the first chain, so that runs split over calls draw distinct chains.
    """
    rbm = _check_rbm(rbm)
    n_chains = as_int(n_chains, "n_chains", 1, _MAX_CHAINS)
    sched = _schedule(betas)
    seed = as_seed(seed)
    chain_start = as_int(chain_start, "chain_start", 0, _MAX_CHAINS)
    if chain_start + n_chains > _MAX_CHAINS:
        raise ValueError("argument 'chain_start': chain indices must stay below 2**32")
    if 2 * sched.size >= 2**56:
        raise ValueError("argument 'betas': too many distributions")
    b_a = _base_biases(rbm, base, data)
    like = rbm.weights
    v = _arrays.empty((n_chains, rbm.n_visible), rbm.dtype, like)
    log_w = _arrays.full((n_chains,), 0.0, "float64", like)
    rbm._module().rbm_ais(**rbm._core_params(), base=_arrays.from_host(b_a, rbm.dtype, like), v=v, log_w=log_w,
                          betas=sched.tolist(), seed=seed, chain_start=chain_start,
                          workspace=rbm._workspace(n_chains, like),
                          stream=_arrays.current_stream(like, rbm.device))
    lw = np.array(_arrays.to_host(log_w), dtype=np.float64)
    if not np.isfinite(lw).all():
        _refuse_non_finite_parameters(rbm)
        # the model's activations overflowed its dtype (inf − inf)
        bad = int((~np.isfinite(lw)).sum())
        raise ValueError(f"argument 'rbm': {bad} of {n_chains} AIS log weights are not finite: the parameters (or "
                         f"the base biases) overflow the {rbm.dtype} arithmetic of the sampler; rescale them")
    top = lw.max()
    w = np.exp(lw - top)
    mean = w.mean()
    se = float(w.std(ddof=1) / (mean * math.sqrt(n_chains))) if n_chains > 1 else math.inf
    log_z_base = _log_z_base(rbm, b_a)
    return AISResult(log_z=float(log_z_base + top + math.log(mean)), log_z_se=se, log_weights=lw,
                     log_z_base=log_z_base, effective_sample_size=float(w.sum() ** 2 / (w * w).sum()), betas=sched)


_MAX_CHAINS = 2**32
