# SPDX-License-Identifier: Apache-2.0
"""heatbath.langevin: batched overdamped (ULA), Metropolis-adjusted (MALA) and underdamped (BAOAB)
Langevin dynamics for p(x) ∝ exp(−β E(x)), whole runs in compiled code.

The random numbers follow csrc/heatbath/langevin.h: a function of (seed, step, chain) only, so a run
gives the same numbers whatever the thread count, and a run continued from ``result.state`` gives
bitwise the same trajectory as one uninterrupted run.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from heatbath import _arrays, _backend, diagnostics
from heatbath._validate import (as_int, as_real, as_seed, check_momenta, checked_diverged_at, positive_in,
                                state_counters)
from heatbath.interrupted import run_resumable
from heatbath.state_io import SavableState
from heatbath.targets import Target

METHODS = ("ula", "mala", "baoab")


@dataclass(frozen=True)
class LangevinState(SavableState):
    """Everything needed to continue a run exactly: pass it as ``x0`` of the next call.

    x [chains, dim] and p (BAOAB momenta, else None) are arrays in the caller's framework; step is the
    absolute index of the next step; diverged_at [chains] int64 is −1 for healthy chains.
    ``state.save(path)`` and :func:`heatbath.load_state` carry it to another process.
    """

    x: Any
    p: Any
    step: int
    seed: int
    method: str
    chain_start: int
    diverged_at: Any


@dataclass(frozen=True)
class LangevinResult(diagnostics.ArvizMixin):
    """The outcome of :func:`langevin`; arrays live in the framework and on the device of x0.

    x [chains, dim]: final states. p: final momenta (BAOAB) or None. x and p are the arrays of ``state``:
    an edit to them in place is where a continued run starts (a NaN written there is a diverged chain). trace [n_steps // thin, chains,
    dim] and energy_trace [n_steps // thin, chains] when thin > 0, else None. energy [chains]: E at the
    final states. accepted [chains] (int64) and accept_rate [chains]: MALA acceptances in this call
    (None for ULA and BAOAB). diverged [chains] (bool) and n_diverged: chains whose state became
    NaN or infinite (they stop being meaningful; keep them out of averages). state: resumes the run.
    ``to_arviz()`` / ``summary()``: the trace through ArviZ (needs thin > 0).
    """

    x: Any
    p: Any
    trace: Any
    energy_trace: Any
    energy: Any
    accepted: Any
    accept_rate: Any
    diverged: Any
    n_diverged: int
    state: LangevinState

    def _arviz_data(self):
        # posterior x (chain, draw, x_dim) and sample_stats potential_energy (chain, draw)
        return diagnostics.trace_inference_data(self, {"x": self.trace}, "a trace: run heatbath.langevin with thin > 0",
                                                {"potential_energy": self.energy_trace}, dims={"x": ["x_dim"]})


def _positive(value, name: str) -> float:
    value = as_real(value, name, "a positive finite number")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"argument '{name}': expected a positive finite number, got {value!r}")
    return value


def _friction(value) -> float:
    value = as_real(value, "friction", "a finite number >= 0")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"argument 'friction': expected a finite number >= 0, got {value!r}")
    return value


def _beta_schedule(beta, n_steps: int) -> np.ndarray:
    if (isinstance(beta, numbers.Real) and not isinstance(beta, bool)) or tuple(getattr(beta, "shape", (0,))) == ():
        return np.array([_positive(beta, "beta")])
    try:
        if isinstance(beta, (bool, str, bytes)):  # True is not β = 1; "1" is not a number
            raise TypeError
        raw = np.asarray(_arrays.to_host(beta) if _arrays.supports_dlpack(beta) else beta)
        if raw.dtype.kind not in "iuf":  # booleans, complex values, strings: the float cast would take them
            raise TypeError
        sched = raw.astype(np.float64)
    except (TypeError, ValueError):
        what = type(beta).__name__ + (f" of {beta.dtype}" if getattr(beta, "ndim", 0) else "")
        raise TypeError(f"argument 'beta': expected a positive number or an array of n_steps values, "
                        f"got {what}") from None
    if sched.ndim != 1 or sched.size != n_steps:
        raise ValueError(f"argument 'beta': a schedule needs one value per step (n_steps = {n_steps}), "
                         f"got shape {sched.shape}")
    if not (np.isfinite(sched).all() and (sched > 0).all()):
        raise ValueError("argument 'beta': every inverse temperature must be positive and finite")
    return sched


def _describe_states(x, arg: str):
    """(device, dtype, chains, dim) of a batch of states [chains, dim], or an error naming arg."""
    device = _arrays.device_of(x, arg)
    dtype = _arrays.dtype_of(x)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"argument '{arg}': expected dtype float32 or float64, got {dtype}")
    if len(x.shape) != 2:
        raise ValueError(f"argument '{arg}': expected 2 dimensions [chains, dim], got shape {tuple(x.shape)}")
    chains, dim = (int(s) for s in x.shape)
    if dim == 0:
        raise ValueError(f"argument '{arg}': states need at least one coordinate, got shape {tuple(x.shape)}")
    return device, dtype, chains, dim


def _all_finite(x) -> bool:
    fw = _arrays.framework_of(x)
    if fw == "torch":
        import torch

        return bool(torch.isfinite(x).all())
    if fw == "cupy":
        import cupy

        return bool(cupy.isfinite(x).all())
    return bool(np.isfinite(_arrays.to_host(x)).all())


def langevin(target: Target, x0, n_steps: int, step_size: float, method: str | None = None, *, beta=1.0,
             friction: float = 1.0, seed: int | None = None, thin: int = 0,
             chain_start: int | None = None, progress: bool | None = None) -> LangevinResult:
    """Run Langevin dynamics for a batch of chains.

    Parameters
    ----------
    target : a heatbath target: built in (DoubleWell, Gaussian, GaussianMixture, Rosenbrock), your own
        compiled by Numba (heatbath.potential) or a torch energy (heatbath.TorchPotential).
    x0 : array [chains, dim] of float32 or float64 (numpy, torch, cupy; CPU or CUDA), finite, of the
        target's dtype; or the ``state`` of an earlier result to continue that run (then ``seed`` and
        ``method`` come from it, and passing others is an error). x0 itself is never modified.
        The continued run is bit for bit the rest of one uninterrupted run with the same target, step
        size, β schedule and friction: nothing checks that these are the same (a new target or step
        size continues the chains under it).
    n_steps : number of steps in this call.
    step_size : h > 0.
    method : 'ula' (the default: x ← x − h∇E + sqrt(2h/β) ξ), 'mala' (the same proposal,
        Metropolis-adjusted) or 'baoab' (underdamped, unit mass, friction γ; momenta start from
        N(0, 1/β_0)). A continued run keeps its state's method.
    beta : inverse temperature > 0 (a number, or a 0-d array), or a 1-d array of n_steps values (an
        annealing schedule over this call's steps; see heatbath.schedules). The same β for all chains:
        chains at different temperatures are parallel tempering's (heatbath.ParallelTempering).
    friction : γ ≥ 0 for BAOAB.
    seed : int in [0, 2**64); default 0 for a new run.
    thin : record x and E every ``thin`` steps (0: no trace).
    chain_start : global index of the first chain (default 0), so that a batch split over calls or
        devices draws the same numbers as one call. A continued run keeps its state's.
    progress : show a progress bar (tqdm): None (default) only when standard error is a terminal,
        True always, False never.

    Raises
    ------
    heatbath.Interrupted (a KeyboardInterrupt) on Ctrl-C: the run stops between two chunks of a few
    milliseconds and the exception's ``state`` continues it with the numbers of an uninterrupted run.
    """
    if not isinstance(target, Target):
        raise TypeError(f"argument 'target': expected a heatbath target (e.g. hb.DoubleWell()), "
                        f"got {type(target).__name__}")
    n_steps = as_int(n_steps, "n_steps", 0, 2**56)
    h = _positive(step_size, "step_size")
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"argument 'progress': expected True, False or None, got {progress!r}")
    thin = as_int(thin, "thin", 0, 2**62)
    friction = _friction(friction)

    if isinstance(x0, LangevinState):
        state = x0
        if not isinstance(state.method, str) or state.method not in METHODS:  # a state built or edited by hand
            raise ValueError(f"argument 'x0.method': expected one of {METHODS}, got {state.method!r}")
        if method is not None and method != state.method:
            raise ValueError(f"argument 'method': the state comes from a '{state.method}' run, got '{method}'")
        method = state.method
        if seed is not None and as_seed(seed) != state.seed:
            raise ValueError("argument 'seed': a continued run keeps the seed of its state; leave seed unset")
        if chain_start is not None and as_int(chain_start, "chain_start", 0, 2**32) != state.chain_start:
            raise ValueError("argument 'chain_start': a continued run keeps the chain_start of its state")
        seed, step0, chain_start = state_counters(state, "x0", "step", 2**56)
        if step0 + n_steps > 2**56:
            raise ValueError("argument 'n_steps': the run would pass the step counter's limit (2**56 steps)")
        x_in, p_in, diverged_in = state.x, state.p, state.diverged_at
        check_momenta(p_in, method)
        if diverged_in is None:  # checked_diverged_at's message; below it needs the chain count
            raise TypeError("argument 'x0.diverged_at': expected an array (numpy, torch, cupy), got NoneType")
    else:
        method = "ula" if method is None else method
        if method not in METHODS:
            raise ValueError(f"argument 'method': expected one of {METHODS}, got {method!r}")
        seed = as_seed(0 if seed is None else seed)
        chain_start = as_int(0 if chain_start is None else chain_start, "chain_start", 0, 2**32)
        step0, x_in, p_in, diverged_in = 0, x0, None, None

    device, dtype, chains, dim = _describe_states(x_in, "x0")
    if diverged_in is not None:
        checked_diverged_at(diverged_in, chains, step0, "x0.diverged_at")
    positive_in(h, dtype, "step_size")
    if chain_start + chains > 2**32:
        raise ValueError("argument 'chain_start': chain indices must stay below 2**32")
    target.check_dim(dim, "x0")
    if not isinstance(x0, LangevinState) and not _all_finite(x_in):
        raise ValueError("argument 'x0': contains NaN or infinity")
    params = target.core_params(x_in, dtype, device, "x0")
    betas = _beta_schedule(beta, n_steps)
    positive_in(betas, dtype, "beta")

    x = _arrays.copy_of(x_in)
    if method == "baoab":
        noise = np.sqrt((1.0 - math.exp(-2.0 * friction * h)) / betas)
        if p_in is None:
            if betas.size == 0:
                raise ValueError("argument 'beta': an empty schedule gives no temperature to draw BAOAB's initial "
                                 "momenta at; pass a number")
            p = _arrays.empty((chains, dim), dtype, x)
            from heatbath import random as hb_random

            hb_random.normal(p, seed=seed, step=0, chain_start=chain_start, purpose="momentum")
            p *= float(1.0 / math.sqrt(betas[0]))
        else:
            p = _arrays.copy_of(p_in)
    else:
        noise = np.sqrt(2.0 * h / betas)
        p = None
    samples = n_steps // thin if thin else 0
    trace, energy_trace = _arrays.allocate_all(
        [((samples, chains, dim), dtype, "thin", "the trace") if thin else None,
         ((samples, chains), dtype, "thin", "the energy trace") if thin else None], x)
    energy = _arrays.empty((chains,), dtype, x)
    accepted = _arrays.full((chains,), 0, "int64", x)
    diverged_at = _arrays.full((chains,), -1, "int64", x) if diverged_in is None else _arrays.copy_of(diverged_in)
    # The core's CUDA kernels keep per-chain scratch here; user potentials bring their own.
    core_scratch = device.kind == "cuda" and target.compiled_by_core
    workspace = _arrays.empty((3, dim, chains), dtype, x) if core_scratch else None
    stream = _arrays.current_stream(x, device)

    schedules_like = None if target.host_schedules else x  # None: numpy arrays
    run = dict(method=method, x=x, p=p, trace=trace, energy_trace=energy_trace, energy=energy, accepted=accepted,
               diverged_at=diverged_at, noise_scale=_arrays.from_host(noise, dtype, schedules_like),
               beta=_arrays.from_host(betas, dtype, schedules_like), h=h,
               c1=math.exp(-friction * h), thin=thin, seed=seed, chain_start=chain_start, step0=step0, n_steps=n_steps)
    def compiled_run():
        if target.compiled_by_core:
            _backend.module_for(device.kind).langevin(potential=target.kind, params=params, workspace=workspace,
                                                       stream=stream, **run)
        else:  # a user potential compiled by Numba: the same update rules and stream, see heatbath._numba
            target.run_langevin(device=device, stream=stream, **run)

    run_resumable(compiled_run, total=n_steps, progress=progress, desc=f"langevin {method}",
                  state_after=lambda done: LangevinState(x=x, p=p, step=step0 + done, seed=seed, method=method,
                                                         chain_start=chain_start, diverged_at=diverged_at))

    diverged = diverged_at >= 0
    accept_rate = None
    if method == "mala":
        # float64 in every framework (torch divides int64 into its default dtype, float32)
        accept_rate = (accepted.double() if _arrays.framework_of(accepted) == "torch" else accepted) / max(n_steps, 1)
    state = LangevinState(x=x, p=p, step=step0 + n_steps, seed=seed, method=method, chain_start=chain_start,
                          diverged_at=diverged_at)
    return LangevinResult(x=x, p=p, trace=trace, energy_trace=energy_trace, energy=energy,
                          accepted=accepted if method == "mala" else None, accept_rate=accept_rate,
                          diverged=diverged, n_diverged=int(diverged.sum()), state=state)


def _evaluate(target: Target, x, want: str):
    if not isinstance(target, Target):
        raise TypeError(f"argument 'target': expected a heatbath target, got {type(target).__name__}")
    x = _arrays.read_only(x)
    device, dtype, chains, dim = _describe_states(x, "x")
    target.check_dim(dim, "x")
    params = target.core_params(x, dtype, device, "x")
    # A copy for the core where it needs one, as hb.langevin copies x0 (an unaligned view was refused)
    xc = x if _is_c_contiguous(x) and _is_aligned(x) else _arrays.copy_of(x)
    grad = _arrays.empty((chains, dim), dtype, x)
    energy = _arrays.empty((chains,), dtype, x)
    stream = _arrays.current_stream(x, device)
    if target.compiled_by_core:
        _backend.module_for(device.kind).evaluate(target.kind, params, xc, grad, energy, stream)
    else:
        target.evaluate(xc, grad, energy, device=device, stream=stream)
    return energy if want == "energy" else grad


def _is_c_contiguous(x) -> bool:
    fw = _arrays.framework_of(x)
    if fw == "torch":
        return x.is_contiguous()
    if fw in ("numpy", "cupy"):
        return bool(x.flags.c_contiguous)
    return False


def _is_aligned(x) -> bool:
    """Whether x's data starts on a multiple of its element size (a numpy view from a byte offset may not)."""
    fw = _arrays.framework_of(x)
    if fw == "torch":
        return x.data_ptr() % x.element_size() == 0
    if fw == "numpy":
        return bool(x.flags.aligned)
    return True  # cupy's and other producers' memory: the core's DLPack import checks it and says so


def energy(target: Target, x):
    """E(x) for each row of x [chains, dim]: an array [chains] in x's framework, dtype and device."""
    return _evaluate(target, x, "energy")


def grad(target: Target, x):
    """∇E(x) for each row of x [chains, dim]: an array [chains, dim] in x's framework, dtype and device."""
    return _evaluate(target, x, "grad")
