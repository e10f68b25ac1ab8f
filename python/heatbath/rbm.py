# SPDX-License-Identifier: Apache-2.0
"""heatbath.RBM: restricted Boltzmann machines with block Gibbs sampling in compiled code.

Energies (csrc/heatbath/rbm.h)::

    Bernoulli visible units:  E(v, h) = −b·v − c·h − v·W h
    Gaussian visible units:   E(v, h) = Σ_i (v_i − b_i)² / (2σ²) − c·h − (v/σ)·W h

with Bernoulli hidden units h ∈ {0, 1}^H. At inverse temperature β a Gibbs step draws
h ~ p(h | v) = sigmoid(β (c + v W / σ)) and then v ~ sigmoid(β (b + W h)) (Bernoulli) or
N(b + σ W h, σ²/β) (Gaussian). Each step's random numbers are a pure function of (seed, step, chain,
unit), so results do not depend on threads, batch splits (``chain_start``) or interruptions.
"""
from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from heatbath import _arrays, _backend, _unchanged, diagnostics
from heatbath._validate import as_int, as_real, as_seed, per_chain_betas, positive_in, state_counters
from heatbath.gibbs import GibbsModel, document_models
from heatbath.interrupted import run_resumable
from heatbath.langevin import _all_finite, _is_c_contiguous
from heatbath.state_io import SavableState

VISIBLE_UNITS = ("bernoulli", "gaussian")
_MAX_STEP = 2**55  # two half-steps per step must fit the 56-bit step counter
_MAX_CHAIN = 2**32


_RBM_TOKENS = itertools.count()  # one per RBM, never reused (unlike id())
_CHECKED = "_heatbath_inplace_checked"  # on an RBMState: what its last in-place checks saw, see _checked_before


def _torch_layout(x) -> tuple:
    """What the checks of a state for an in-place run read off a torch tensor (its memory, shape,
    strides, dtype, device and grad flag), in a few attribute reads."""
    return (x.data_ptr(), x.shape, x.stride(), x.dtype, x.device, x.requires_grad)


@dataclass(frozen=True)
class RBMState(SavableState):
    """Continues a Gibbs run exactly when passed as ``v0`` (with the same ``beta``).

    v [chains, V] and h [chains, H] are arrays in the caller's framework; step is the absolute index of
    the next step.
    """

    v: Any
    h: Any
    step: int
    seed: int
    chain_start: int


@dataclass(frozen=True)
class RBMGibbsResult(diagnostics.ArvizMixin):
    """The outcome of ``hb.gibbs(rbm, ...)``; arrays live in the framework and on the device of v0.

    v [chains, V]: final visible states. h [chains, H]: the hidden states of the last step (those v was
    drawn from), zeros when n_steps is 0 on a fresh start. trace [n_steps // thin, chains, V] and
    trace_hidden [n_steps // thin, chains, H] (when asked): the states after every thin-th step of
    this call. state: resumes the run; ``state.v`` and ``state.h`` are the same arrays as v and h.
    ``to_arviz()``: the visible trace as the posterior and the hidden one (with trace_hidden) in
    sample_stats, since h is the auxiliary layer; ``summary()``: the visible units (arviz.summary reads
    the posterior).
    """

    v: Any
    h: Any
    trace: Any
    trace_hidden: Any
    state: RBMState

    def _arviz_data(self):
        return diagnostics.trace_inference_data(self, {"v": self.trace}, "a trace: run hb.gibbs with thin > 0",
                                                {"h": self.trace_hidden}, dims={"v": ["visible"], "h": ["hidden"]})


def _as_parameter(x, name: str):
    """A DLPack-exportable view of a parameter: torch parameters are detached (same storage)."""
    if _arrays.framework_of(x) == "torch":
        x = x.detach()
    if not _arrays.supports_dlpack(x):
        raise TypeError(f"argument '{name}': expected an array that supports DLPack (numpy, torch, cupy, ...), "
                        f"got {type(x).__name__}")
    return x


def _host_float64(x) -> np.ndarray:
    return np.asarray(_arrays.to_host(x), dtype=np.float64)


def _positive_finite(value, name: str) -> float:
    value = as_real(value, name, "a positive finite number")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"argument '{name}': expected a positive finite number, got {value!r}")
    return value


class RBM(GibbsModel):
    """A restricted Boltzmann machine over borrowed parameter arrays.

    Parameters
    ----------
    weights : [V, H] array (numpy, torch incl. ``nn.Parameter``, cupy; CPU or CUDA), float32 or float64.
    visible_bias : [V], hidden_bias : [H], same dtype and device as weights.
    visible : 'bernoulli' (v ∈ {0, 1}^V) or 'gaussian' (v ∈ R^V with standard deviation sigma).
    sigma : σ > 0 of Gaussian visible units (ignored for Bernoulli units).

    The arrays are borrowed, not copied: updating them in place (a training step) changes the model that
    the next call samples. So they must be C-contiguous: a copy of a strided view (``linear.weight.T``,
    sklearn's ``components_.T``) or of a Fortran-ordered array would not see the updates, and a model
    that silently stopped following its parameters would train on stale samples. Keep the parameter as
    [V, H] (or rebuild the RBM from ``w.T.contiguous()`` after each update). A torch parameter rebound to
    new memory (``param.data = new``) is followed, and checked again like a new one. Finiteness is checked
    here; keep the parameters finite when updating them in place.

    Sampling: ``hb.gibbs(rbm, v0, n_steps, beta=1.0, seed=None, thin=0, trace_hidden=False,
    chain_start=0, inplace=False)`` returns an :class:`RBMGibbsResult`; ``help(heatbath.gibbs)`` describes
    every option. Also ``hidden_probs``, ``visible_probs``, ``heatbath.free_energy``,
    ``heatbath.exact_log_z`` and ``heatbath.ais_log_z``.
    """

    def __init__(self, weights, visible_bias, hidden_bias, visible: str = "bernoulli", sigma: float = 1.0):
        if visible not in VISIBLE_UNITS:
            raise ValueError(f"argument 'visible': expected one of {VISIBLE_UNITS}, got {visible!r}")
        # The tensors as given (torch ones only): ``param.data = new`` rebinds them to other memory, which
        # their detached views below would not follow (_core_params looks).
        self._torch_sources = {name: x for name, x in (("weights", weights), ("visible_bias", visible_bias),
                                                        ("hidden_bias", hidden_bias))
                               if _arrays.framework_of(x) == "torch"}
        params = {"weights": _as_parameter(weights, "weights"),
                  "visible_bias": _as_parameter(visible_bias, "visible_bias"),
                  "hidden_bias": _as_parameter(hidden_bias, "hidden_bias")}
        self.device = _arrays.same_device(params)
        dtype = _arrays.dtype_of(params["weights"])
        if dtype not in ("float32", "float64"):
            raise TypeError(f"argument 'weights': expected dtype float32 or float64, got {dtype}")
        for name in ("visible_bias", "hidden_bias"):
            if _arrays.dtype_of(params[name]) != dtype:
                raise TypeError(f"argument '{name}': dtype {_arrays.dtype_of(params[name])} differs from "
                                f"the weights' {dtype}")
        w_shape = tuple(int(s) for s in params["weights"].shape)
        if len(w_shape) != 2 or min(w_shape) < 1:
            raise ValueError(f"argument 'weights': expected shape [V, H] with V, H >= 1, got {w_shape}")
        V, H = w_shape
        for name, n, what in (("visible_bias", V, "[V]"), ("hidden_bias", H, "[H]")):
            shape = tuple(int(s) for s in params[name].shape)
            if shape != (n,):
                raise ValueError(f"argument '{name}': expected shape {what} = ({n},) to match weights {w_shape}, "
                                 f"got {shape}")
        for name, x in params.items():
            if _arrays.framework_of(x) in ("numpy", "torch", "cupy") and not _is_c_contiguous(x):
                raise ValueError(
                    f"argument '{name}': expected a C-contiguous array, got strides {_strides_of(x)} for shape "
                    f"{tuple(int(s) for s in x.shape)} (a transpose, a slice or Fortran order): the RBM reads its "
                    "parameters in place so that updates to them reach the sampler, and a copy would not see them; "
                    "keep the parameter in C order ([V, H] for the weights), or pass a contiguous copy "
                    "(x.contiguous(), np.ascontiguousarray(x)) and rebuild the RBM whenever the original changes")
            if not _all_finite(x):
                raise ValueError(f"argument '{name}': contains NaN or infinity")
        if visible == "gaussian":
            sigma = _positive_finite(sigma, "sigma")
            positive_in(sigma, dtype, "sigma")  # the sampler uses it in the model's dtype
        # Other DLPack producers (JAX, ...) cannot be updated in place: a copy of a strided one loses nothing.
        self.weights, self.visible_bias, self.hidden_bias = (
            x if _is_c_contiguous(x) else _arrays.copy_of(x) for x in params.values())
        self.visible = visible
        self.sigma = float(sigma) if visible == "gaussian" else 1.0
        self.dtype = dtype
        self.n_visible, self.n_hidden = V, H
        self._beta_cache = (None, None)  # (key, β array) of the last scalar β, which training loops repeat
        self._core_cache = None
        self._core_key = self._storage_key()  # where the parameters lay when they were checked, above
        self._token = next(_RBM_TOKENS)
        self._last_call = None  # see _continue_in_place

    def __repr__(self) -> str:
        sigma = f", sigma={self.sigma}" if self.visible == "gaussian" else ""
        return f"RBM(V={self.n_visible}, H={self.n_hidden}, visible='{self.visible}'{sigma}, {self.dtype}, {self.device})"

    # ---------------------------------------------------------------- shared helpers
    def _core_params(self, device_view=None) -> dict:
        """The core's model arguments; on the CPU numpy views of torch parameters (_arrays.host_view),
        made again only when a tensor's storage or layout changed: an in-place update keeps them, but
        ``param.data = new`` rebinds a Parameter to other memory (then checked again, like a new one).
        On CUDA, device_view (from _arrays.device_view) is applied to the arrays for this one call."""
        key = self._storage_key()
        if self._core_cache is None or key != self._core_key:
            if key != self._core_key:  # rebound since the last check (before the first call, too)
                rebound = {name: source.detach() for name, source in self._torch_sources.items()}
                self._check_rebound(rebound)  # before anything is replaced: a refusal changes nothing
                for name, x in rebound.items():
                    setattr(self, name, x)
            view = _arrays.host_view if self.device.kind == "cpu" else (lambda x: x)
            self._core_cache = dict(visible=self.visible, sigma=self.sigma, weights=view(self.weights),
                                    visible_bias=view(self.visible_bias), hidden_bias=view(self.hidden_bias))
            self._core_key = key
        if device_view is None or self.device.kind == "cpu":
            return self._core_cache
        return dict(self._core_cache, **{name: device_view(self._core_cache[name])
                                         for name in ("weights", "visible_bias", "hidden_bias")})

    def _storage_key(self) -> tuple:
        """Where and how the torch parameters lie now (a few attribute reads); () for other arrays, whose
        memory cannot be rebound under them."""
        return tuple((x.data_ptr(), x.shape, x.stride(), x.dtype, x.device) for x in self._torch_sources.values())

    def _check_rebound(self, params: dict) -> None:
        """The checks of __init__ for the torch parameters (name -> detached tensor) as they lie now."""
        expected = {"weights": (self.n_visible, self.n_hidden), "visible_bias": (self.n_visible,),
                    "hidden_bias": (self.n_hidden,)}
        for name, x in params.items():
            shape, dtype = tuple(int(s) for s in x.shape), _arrays.dtype_of(x)
            if shape != expected[name] or dtype != self.dtype:
                raise ValueError(f"argument '{name}': the tensor was rebound (param.data = ...) to a {dtype} array "
                                 f"of shape {shape}, where this RBM was built for {self.dtype} {expected[name]}; "
                                 f"build a new heatbath.RBM")
            if _arrays.device_of(x, name) != self.device:
                raise ValueError(f"argument '{name}': the tensor was rebound to {_arrays.device_of(x, name)}, where "
                                 f"this RBM was built on {self.device}; build a new heatbath.RBM")
            if not _is_c_contiguous(x):
                raise ValueError(f"argument '{name}': the tensor was rebound to a non-contiguous layout (strides "
                                 f"{_strides_of(x)}); rebind it to a contiguous tensor or build a new heatbath.RBM")
            if not _all_finite(x):
                raise ValueError(f"argument '{name}': the tensor was rebound to values with NaN or infinity")

    def _states(self, x, name: str, n: int, *, binary: bool, copy: bool = True, scan: bool = True,
                part: str | None = None):
        """A C-contiguous copy of x [chains, n] in the model's dtype, in x's framework, validated; with
        copy=False x itself, which must already be such an array, writable. scan=False skips the scan of
        the values (for arrays known to hold heatbath's own output, see _unchanged). part: which part of
        argument `name` x is, for the messages about its values (a state's v or h)."""
        if not _arrays.supports_dlpack(x):
            raise TypeError(f"argument '{name}': expected an array that supports DLPack (numpy, torch, cupy, ...), "
                            f"got {type(x).__name__}")
        device = _arrays.device_of(x, name)
        if device != self.device:
            raise ValueError(f"argument '{name}' is on {device} but the RBM's parameters are on {self.device}")
        shape = tuple(int(s) for s in x.shape)
        if len(shape) != 2 or shape[1] != n:
            raise ValueError(f"argument '{name}': {f'{part}: ' if part else ''}expected shape [chains, {n}], "
                             f"got {shape}")
        if "complex" in str(x.dtype):  # the cast would drop the imaginary part with a mere warning
            raise TypeError(f"argument '{name}': expected real values, got an array of dtype {x.dtype}")
        # Bernoulli values are checked as given: float64 1 + 1e-9 is not a unit's value, though float32 rounds
        # it to 1.
        if scan and binary:
            # A bare DLPack exporter has no array operators: its values are read through a numpy view, as
            # _converted reads them.
            given = x if _arrays.framework_of(x) != "other" else np.from_dlpack(x)
            if not bool(((given == 0) | (given == 1)).all()):
                of = f"{part}: " if part else ""
                raise ValueError(f"argument '{name}': {of}Bernoulli units take the values 0 and 1 only")
        given = x
        with np.errstate(over="ignore"):  # a value past the dtype's range is named below, not warned about
            x = _converted(x, self.dtype) if copy else _writable_in_place(x, name, self.dtype)
        if not scan or binary:
            return x
        if not _all_finite(x):
            of = f"{part}: " if part else ""
            if x is not given and _all_finite(given):  # finite as given: the cast made it infinite
                raise ValueError(f"argument '{name}': {of}holds values beyond the range of {self.dtype}, the RBM's "
                                 f"dtype")
            raise ValueError(f"argument '{name}': {of}contains NaN or infinity")
        return x

    def _betas(self, beta, chains: int, like) -> Any:
        """β as an array [chains] of the model's dtype beside `like`. The array of a scalar β is kept for
        the next call with the same β, chain count and device (it is never handed to the caller)."""
        scalar = _scalar(beta)
        key = (float(beta), chains, _arrays.framework_of(like), str(getattr(like, "device", ""))) if scalar else None
        if key is not None and self._beta_cache[0] == key:  # a NaN β never compares equal: always re-checked
            return self._beta_cache[1]
        betas = _arrays.from_host(per_chain_betas(beta, chains, self.dtype), self.dtype, like)
        if key is not None:
            self._beta_cache = (key, betas)
        return betas

    def _workspace(self, chains: int, like):
        return _arrays.empty((chains, self.n_visible + 2 * self.n_hidden), self.dtype, like) \
            if self.device.kind == "cuda" else None

    def _module(self):
        return _backend.cuda_module_with_cublas() if self.device.kind == "cuda" else _backend._core

    # ---------------------------------------------------------------- conditionals
    def hidden_probs(self, v, beta=1.0):
        """p(h_j = 1 | v) at inverse temperature β: an array [chains, H] in v's framework."""
        return self._conditional(v, beta, to_hidden=True)

    def visible_probs(self, h, beta=1.0):
        """p(v_i = 1 | h) (Bernoulli) or the mean E[v_i | h] (Gaussian): an array [chains, V]."""
        return self._conditional(h, beta, to_hidden=False)

    def _conditional(self, x, beta, *, to_hidden: bool):
        name = "v" if to_hidden else "h"
        n_in, n_out = (self.n_visible, self.n_hidden) if to_hidden else (self.n_hidden, self.n_visible)
        x = self._states(x, name, n_in, binary=not to_hidden or self.visible == "bernoulli")
        chains = int(x.shape[0])
        out = _arrays.empty((chains, n_out), self.dtype, x)
        stream = _arrays.current_stream(x, self.device)
        view = _arrays.device_view(stream, self.device)
        self._module().rbm_conditional(**self._core_params(view), x=view(x), beta=view(self._betas(beta, chains, x)),
                                       out=view(out), to_hidden=to_hidden, workspace=view(self._workspace(chains, x)),
                                       stream=stream)
        return out

    # ---------------------------------------------------------------- Gibbs
    def _gibbs(self, state0, n_steps, *, beta, seed, thin: int = 0, trace_hidden: bool = False,
               chain_start: int | None = None, inplace: bool = False, progress: bool | None = None) -> RBMGibbsResult:
        """``hb.gibbs(rbm, v0, n_steps, beta=1.0, seed=None, thin=0, trace_hidden=False, chain_start=0,
        inplace=False, progress=None)``: n_steps block-Gibbs steps of every chain.

        v0: [chains, V] visible states (0/1 for Bernoulli units; any dtype, converted to the RBM's), on
        the RBM's device, not modified unless inplace=True; or the ``state`` of an earlier result, which
        continues that run bit for bit with the same beta (another beta continues its chains at that
        temperature; seed and chain_start are the state's, and other values are an error). The result's
        v and h are its state's arrays. inplace=True: the run writes into v0 itself
        (or into ``state.v`` and ``state.h``), which must be C-contiguous, writable, of the RBM's dtype
        and not share memory with each other or the parameters, and returns those arrays as ``v`` and
        ``h``: no copies, for training loops (PCD) that continue their chains with
        ``hb.gibbs(rbm, res.state, k, inplace=True)``; the numbers are the same as without it. Earlier
        states of those arrays then no longer describe them. A continued state's values are checked as a
        fresh v0's are (0/1 for Bernoulli units, finite otherwise; h 0/1); a torch state only when torch's
        version counters show that its arrays changed since heatbath wrote them (writes through another
        view of the same memory are not counted). beta: a positive number or one per chain,
        [chains] (replicas at different temperatures in one batch). seed: of a fresh run (None: 0).
        thin: record v (and h with
        trace_hidden) after every thin-th step of this call. chain_start: global index of chain 0, so
        that a batch split over calls or devices draws the same numbers as one call. Each step draws
        h ~ p(h | v), then v ~ p(v | h). progress: a progress bar (None: only at a terminal). Ctrl-C
        raises heatbath.Interrupted, whose ``state`` continues the run bit for bit.
        """
        n_steps = as_int(n_steps, "n_steps", 0, _MAX_STEP)
        thin = as_int(thin, "thin", 0, 2**62)
        if not isinstance(trace_hidden, (bool, np.bool_)):
            raise TypeError(f"argument 'trace_hidden': expected a bool, got {type(trace_hidden).__name__}")
        trace_hidden = bool(trace_hidden)
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"argument 'progress': expected True, False or None, got {progress!r}")
        if not isinstance(inplace, (bool, np.bool_)):
            raise TypeError(f"argument 'inplace': expected a bool, got {type(inplace).__name__}")
        copy = not inplace
        if inplace is True and thin == 0 and seed is None and chain_start is None and isinstance(state0, RBMState):
            result = self._continue_in_place(state0, n_steps, beta, progress)
            if result is not None:
                return result
        if isinstance(state0, RBMState):
            if seed is not None and as_seed(seed) != state0.seed:
                raise ValueError("argument 'seed': a continued run keeps the seed of its state; leave seed unset")
            if chain_start is not None and as_int(chain_start, "chain_start", 0, _MAX_CHAIN) != state0.chain_start:
                raise ValueError("argument 'chain_start': a continued run keeps the chain_start of its state")
            seed, step0, chain_start = state_counters(state0, "v0", "step", _MAX_STEP)
            scan = not _unchanged.unchanged(state0, state0.v, state0.h)
            if inplace and not scan and self._checked_before(state0):
                # What this RBM's last run left, untouched since and laid out as then, beside parameters
                # in the same memory: the checks below, and the overlap check, would pass as they did.
                v, h, checked = state0.v, state0.h, True
            else:
                # The same checks as a fresh start's: a state edited in place (it is the result's v and h)
                # must still be a state of the model (hidden units are Bernoulli whatever the visible ones).
                v = self._states(state0.v, "v0", self.n_visible, binary=self.visible == "bernoulli", copy=copy,
                                 scan=scan, part="the state's v")
                h = self._states(state0.h, "v0", self.n_hidden, binary=True, copy=copy, scan=scan,
                                 part="the state's h")
                checked = False
            if step0 + n_steps > _MAX_STEP:
                raise ValueError("argument 'n_steps': the run would pass the step counter's limit")
        else:
            seed = as_seed(0 if seed is None else seed)
            chain_start = as_int(0 if chain_start is None else chain_start, "chain_start", 0, _MAX_CHAIN)
            step0 = 0
            v = self._states(state0, "v0", self.n_visible, binary=self.visible == "bernoulli", copy=copy)
            h = _arrays.full((int(v.shape[0]), self.n_hidden), 0, self.dtype, v)
            checked = False
        chains = int(v.shape[0])
        if int(h.shape[0]) != chains:
            raise ValueError(f"argument 'v0': the state's h has {int(h.shape[0])} chains, its v {chains}")
        if inplace and not checked:
            self._core_params()  # follows parameters rebound to new memory, for the overlap check
            _arrays.require_disjoint({"v0": v, "the state's h": h, "weights": self.weights,
                                      "visible_bias": self.visible_bias, "hidden_bias": self.hidden_bias})
        if chain_start + chains > _MAX_CHAIN:
            raise ValueError("argument 'chain_start': chain indices must stay below 2**32")
        betas = self._betas(beta, chains, v)
        samples = n_steps // thin if thin else 0
        trace, trace_h = _arrays.allocate_all(
            [((samples, chains, self.n_visible), self.dtype, "thin", "the trace") if thin else None,
             ((samples, chains, self.n_hidden), self.dtype, "thin", "the hidden trace") if thin and trace_hidden
             else None], v)
        stream = _arrays.current_stream(v, self.device)
        view = _arrays.host_view if self.device.kind == "cpu" else _arrays.device_view(stream, self.device)
        fixed = dict(self._core_params(view), beta=view(betas))
        call = dict(fixed, v=view(v), h=view(h), trace=view(trace), trace_hidden=view(trace_h), thin=thin, seed=seed,
                    chain_start=chain_start, step0=step0, n_steps=n_steps, workspace=view(self._workspace(chains, v)),
                    stream=stream)
        result = self._run_gibbs(call, v, h, trace, trace_h, progress)
        if inplace and thin == 0 and _scalar(beta) and getattr(result.state, _CHECKED, None) is not None:
            self._last_call = (self._core_key, stream, (float(beta), chains), view, fixed, None)
        return result

    def _run_gibbs(self, call: dict, v, h, trace, trace_h, progress, checked=None) -> RBMGibbsResult:
        """The core's run with the arguments `call`, on the arrays v and h it names; the result and its state.
        checked: what _remember_checked would record on the state, when the caller knows it."""
        module = self._module()
        return self._finish_gibbs(lambda: module.rbm_gibbs(**call), v, h, trace, trace_h, progress, call["seed"],
                                  call["chain_start"], call["step0"], call["n_steps"], checked)

    def _finish_gibbs(self, run, v, h, trace, trace_h, progress, seed, chain_start, step0, n_steps,
                      checked=None) -> RBMGibbsResult:
        """run() (the core's n_steps on v and h from step0) under Ctrl-C handling; the result and its state."""
        try:
            run_resumable(run, total=n_steps, progress=progress, desc="rbm gibbs",
                          state_after=lambda done: RBMState(v=v, h=h, step=step0 + done, seed=seed,
                                                            chain_start=chain_start))
        finally:
            _arrays.mark_written(v, h)  # with inplace=True, the caller's tensors
        state = RBMState(v=v, h=h, step=step0 + n_steps, seed=seed, chain_start=chain_start)
        _unchanged.remember(state, v, h)
        if checked is None:
            self._remember_checked(state)
        else:
            object.__setattr__(state, _CHECKED, checked)
        return RBMGibbsResult(v=v, h=h, trace=trace, trace_hidden=trace_h, state=state)

    def _continue_in_place(self, state0: RBMState, n_steps: int, beta, progress) -> RBMGibbsResult | None:
        """``hb.gibbs(rbm, res.state, k, inplace=True)`` of a PCD loop when nothing that this RBM's last such
        call prepared has changed: the same parameters (memory and layout), β, chain count and stream, and a
        state that _checked_before and the version counters vouch for. The core's session of that call's
        fixed arrays (made at the first such continuation) then runs with this state's arrays and steps.
        None otherwise, and the full path runs."""
        last = self._last_call
        if last is None or not _scalar(beta):
            return None
        core_key, stream, beta_key, view, fixed, session = last
        v, h = state0.v, state0.h
        if (beta_key != (float(beta), int(v.shape[0])) or core_key != self._core_key
                or not _unchanged.unchanged(state0, v, h) or not self._checked_before(state0)
                or _arrays.current_stream(v, self.device) != stream):
            return None
        step0, seed, chain_start = state0.step, state0.seed, state0.chain_start
        if step0 + n_steps > _MAX_STEP:
            raise ValueError("argument 'n_steps': the run would pass the step counter's limit")
        if session is None:
            # held with the parameters' views for as long as the RBM keeps this call (one workspace on CUDA)
            session = self._module().RbmGibbsSession(
                **fixed, workspace=view(self._workspace(int(v.shape[0]), v)), stream=stream)
            self._last_call = (core_key, stream, beta_key, view, fixed, session)
        # the same arrays in the same layout beside the same parameters: what _remember_checked would record
        return self._finish_gibbs(lambda: session.run(view(v), view(h), seed, chain_start, step0, n_steps), v, h,
                                  None, None, progress, seed, chain_start, step0, n_steps,
                                  checked=getattr(state0, _CHECKED))

    def _remember_checked(self, state: RBMState) -> None:
        """Records on a torch state what an in-place run from it would check (see _checked_before): its
        arrays passed the checks of this call (or are heatbath's own copies, which pass them), and do not
        share memory with the parameters as they lie now."""
        if _arrays.framework_of(state.v) == "torch" and _arrays.framework_of(state.h) == "torch":
            # _core_key: where the parameters lay when this call's _core_params looked
            object.__setattr__(state, _CHECKED, (self._token, self._core_key, _torch_layout(state.v),
                                                 _torch_layout(state.h)))

    def _checked_before(self, state: RBMState) -> bool:
        """True when `state` is what a run of this RBM returned, its tensors laid out as then (the caller
        checked torch's version counters), and the parameters' memory is where it was: then a PCD loop's
        next in-place call skips the layout and overlap checks, a good part of a short call's cost."""
        memo = getattr(state, _CHECKED, None)
        return (memo is not None and memo[0] == self._token and memo[1] == self._storage_key()
                and memo[2] == _torch_layout(state.v) and memo[3] == _torch_layout(state.h))


document_models(RBM)  # help(heatbath.gibbs) shows the options above


def _scalar(beta) -> bool:
    """β given as one number (not a bool), the form whose array _betas keeps for the next call."""
    return isinstance(beta, numbers.Real) and not isinstance(beta, (bool, np.bool_))


def _strides_of(x) -> tuple[int, ...]:
    """x's strides in elements (numpy and cupy count bytes, torch elements), for the layout message."""
    if _arrays.framework_of(x) == "torch":
        return tuple(int(s) for s in x.stride())
    return tuple(int(s) // x.itemsize for s in x.strides)


def _writable_in_place(x, name: str, dtype: str):
    """x itself, for a run that writes into it: it must need no conversion (a copy would not be x)."""
    if _arrays.dtype_of(x) != dtype:
        raise TypeError(f"argument '{name}': inplace=True needs the RBM's dtype {dtype}, got {_arrays.dtype_of(x)}")
    if not _is_c_contiguous(x):
        raise ValueError(f"argument '{name}': inplace=True needs a C-contiguous array")
    fw = _arrays.framework_of(x)
    if fw == "torch" and x.requires_grad:
        raise ValueError(f"argument '{name}': inplace=True cannot write into a tensor that requires grad")
    if fw == "numpy" and not x.flags.writeable:
        raise ValueError(f"argument '{name}': inplace=True needs a writable array")
    if fw == "numpy" and not x.flags.aligned:  # the core reads whole elements, and would name its own 'v'
        raise ValueError(f"argument '{name}': inplace=True needs an aligned array (this one starts inside "
                         f"an element)")
    return x


def _converted(x, dtype: str):
    """A C-contiguous copy of x with the given dtype, in x's framework and on its device."""
    fw = _arrays.framework_of(x)
    if fw == "torch":
        import torch

        return x.detach().to(dtype=getattr(torch, dtype), copy=True).contiguous()
    if fw == "cupy":
        import cupy

        with x.device:
            return cupy.array(x, dtype=dtype, copy=True, order="C")
    host = x if fw == "numpy" else np.from_dlpack(x)
    return np.array(host, dtype=dtype, copy=True, order="C")
