# SPDX-License-Identifier: Apache-2.0
"""heatbath.Ising: periodic 2-D and 3-D Ising models and Edwards–Anderson spin glasses, sampled by
checkerboard heat-bath or Metropolis sweeps in compiled code (csrc/heatbath/ising.h).

    E(s) = −Σ_i Σ_d J_d(i) s_i s_{i+e_d} − Σ_i h_i s_i,   s_i = ±1,

with J_d(i) the bond from site i to its +1 neighbour along lattice axis d (periodic boundaries).
Spins are int8 arrays ``[lattices, *shape]`` in the caller's framework and on the caller's device.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from heatbath import _arrays, _backend, _unchanged, diagnostics
from heatbath._validate import as_int, as_real, as_seed, per_chain_betas, state_counters
from heatbath.gibbs import GibbsModel, document_models
from heatbath.interrupted import run_resumable
from heatbath.langevin import _is_c_contiguous
from heatbath.state_io import SavableState
from heatbath.targets import _finite, _host

METHODS = ("heatbath", "metropolis")
_MAX_SWEEP = 2**55


@dataclass(frozen=True)
class IsingState(SavableState):
    """Everything needed to continue a run exactly: pass it as ``spins0`` of the next call.

    spins [lattices, *shape] int8 in the caller's framework; sweep: absolute index of the next sweep
    (the counter of the random stream); seed, method, chain_start: those of the run. β is not part of
    the state: each call takes its own (a replica-exchange step may have changed it).
    """

    spins: Any
    sweep: int
    seed: int
    method: str
    chain_start: int


@dataclass(frozen=True)
class IsingResult(diagnostics.ArvizMixin):
    """The outcome of ``hb.gibbs(ising, ...)``; arrays live in the framework and on the device of spins0.

    spins [lattices, *shape] int8: the final configurations. energy and magnetization
    [n_steps, lattices] float64: E and Σ_i s_i (totals, not per site) after each sweep, or None
    with ``record=False``. state: resumes the run. ``to_arviz()`` / ``summary()``: the energy and
    magnetisation traces through ArviZ, one chain per lattice.
    """

    spins: Any
    energy: Any
    magnetization: Any
    state: IsingState

    _no_draws_because = "a run of 0 sweeps"  # not a field: summary()'s message

    def _arviz_data(self):
        return diagnostics.trace_inference_data(self, {"energy": self.energy, "magnetization": self.magnetization},
                                                "recorded traces: run hb.gibbs with record=True")


def _shape(shape) -> tuple:
    if isinstance(shape, numbers.Integral) or not hasattr(shape, "__len__"):
        raise TypeError(f"argument 'shape': expected a tuple of 2 or 3 side lengths, got {shape!r}")
    if len(shape) not in (2, 3):
        raise ValueError(f"argument 'shape': expected 2 or 3 side lengths (a 2-D or 3-D lattice), got {tuple(shape)}")
    return tuple(as_int(n, "shape", 1, 2**31) for n in shape)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class Ising(GibbsModel):
    """A periodic Ising model or spin glass on an L1 × L2 (× L3) lattice.

    Parameters
    ----------
    shape : (L1, L2) or (L1, L2, L3)
        Side lengths. Sampling (checkerboard sweeps) needs them even; energies work for any.
    coupling : number, or array [ndim, *shape]
        J: one value for every bond (ferromagnet for J > 0), or one per bond: ``coupling[d][i]``
        couples site i to its +1 neighbour along axis d. Float or integer arrays (numpy, torch, cupy) or lists.
    field : number, or array [*shape]
        h: uniform or per site.

    A uniform coupling and field use precomputed integer thresholds (no exp per spin); per-bond or
    per-site values compute each flip probability in float32. Arrays given on a GPU fix the device that
    spins must be on; host arrays serve spins anywhere (copied to their device once).

    Sampling: ``hb.gibbs(ising, spins0, n_steps, beta=1.0, seed=None, method='heatbath', chain_start=0,
    record=True, inplace=False)`` (n_steps sweeps) returns an :class:`IsingResult`; ``help(heatbath.gibbs)``
    describes every option.
    Measuring: ``ising.energy(spins)``, ``ising.magnetization(spins)``.
    """

    def __init__(self, shape, coupling=1.0, field=0.0):
        self.shape = _shape(shape)
        self.ndim = len(self.shape)
        self.n_sites = math.prod(self.shape)  # Python ints: np.prod wraps past 2**63
        self._device = None
        self._cache: dict = {}
        self.j, self._coupling = self._parameter(coupling, "coupling", (self.ndim, *self.shape))
        self.h, self._field = self._parameter(field, "field", self.shape)

    def _parameter(self, value, name: str, shape: tuple):
        """(uniform value, None) or (0.0, host float32 array of the given shape)."""
        if not _is_number(value) and not isinstance(value, (str, bytes)) and getattr(value, "shape", None) == ():
            value = as_real(value, name, "a real number")  # a number a computation left in a 0-d array
        if _is_number(value):
            v = float(value)
            with np.errstate(over="ignore"):
                fits = np.isfinite(v) and np.isfinite(np.float32(v))
            if not fits:
                raise ValueError(f"argument '{name}': expected a finite float32 number, got {value!r}")
            return float(np.float32(v)), None  # the value the float32 kernels use
        arr, _, device = _host(value, name)
        if arr.shape != shape:
            raise ValueError(f"argument '{name}': expected a number or an array of shape {shape}, got {arr.shape}")
        _finite(arr, name)
        with np.errstate(over="ignore"):
            fits = np.isfinite(arr.astype(np.float32)).all()
        if not fits:
            raise ValueError(f"argument '{name}': values overflow float32")
        if device is not None:  # host arrays go with GPU ones (they are copied there); two GPUs do not
            if self._device is not None and self._device.kind == device.kind == "cuda" and device != self._device:
                raise ValueError(f"argument '{name}' is on {device} but 'coupling' is on {self._device}")
            if self._device is None or device.kind == "cuda":
                self._device = device
        return 0.0, np.ascontiguousarray(arr, dtype=np.float32)

    @property
    def coupling(self):
        """J as used (rounded to float32): a float, or a host float32 array [ndim, *shape]."""
        return self.j if self._coupling is None else self._coupling

    @property
    def field(self):
        """h as used (rounded to float32): a float, or a host float32 array [*shape]."""
        return self.h if self._field is None else self._field

    @classmethod
    def spin_glass(cls, shape, kind: str = "pm", seed: int = 0, field=0.0):
        """An Edwards–Anderson spin glass with couplings drawn from heatbath's own stream (purpose
        'init', one chain per axis), so the same seed gives the same couplings everywhere.

        kind 'pm': J = ±1 with equal probability; 'gaussian': J ~ N(0, 1) (float32).
        """
        from heatbath import random as hb_random

        shape = _shape(shape)
        seed = as_seed(seed)
        n = math.prod(shape)
        if kind == "pm":
            bits = hb_random.bits((len(shape), n), seed=seed, purpose="init")
            j = np.where(bits >> np.uint32(31), 1.0, -1.0).astype(np.float32)
        elif kind == "gaussian":
            j = hb_random.normal((len(shape), n), seed=seed, purpose="init")
        else:
            raise ValueError(f"argument 'kind': expected 'pm' or 'gaussian', got {kind!r}")
        return cls(shape, j.reshape((len(shape), *shape)), field)

    def __repr__(self) -> str:
        j = "per-bond" if self._coupling is not None else self.j
        h = "per-site" if self._field is not None else self.h
        return f"Ising(shape={self.shape}, coupling={j}, field={h})"

    # ------------------------------------------------------------------ arrays for the core

    def _check_spins(self, spins, arg: str, check_values: bool = True):
        """(device, lattices) of a batch of spins, or an error naming arg."""
        device = _arrays.device_of(spins, arg)
        dtype = _arrays.dtype_of(spins)
        if dtype != "int8":
            raise TypeError(f"argument '{arg}': expected int8 spins (+1/-1), got {dtype}; convert explicitly, "
                            f"e.g. spins.astype(np.int8)")
        shape = tuple(int(s) for s in spins.shape)
        if len(shape) != self.ndim + 1 or shape[1:] != self.shape:
            raise ValueError(f"argument '{arg}': expected shape [lattices, {', '.join(map(str, self.shape))}], "
                             f"got {shape}")
        # Host couplings and fields serve lattices anywhere (copied to their device once, _core_arrays); arrays
        # given on a GPU pin the model to that GPU.
        if self._device is not None and self._device.kind == "cuda" and device != self._device:
            raise ValueError(f"argument '{arg}' is on {device} but the model's arrays are on {self._device}")
        if check_values and device.kind == "cpu" and not _all_pm_one(spins):  # on a GPU it would wait for it
            raise ValueError(f"argument '{arg}': spins must be +1 or -1")
        return device, shape[0]

    def _core_arrays(self, like):
        """The per-bond couplings and per-site fields (or None) as float32 arrays beside like."""
        key = (_arrays.framework_of(like), str(_arrays.device_of(like, "spins")))
        if key not in self._cache:
            self._cache[key] = tuple(None if a is None else _arrays.from_host(a, "float32", like)
                                     for a in (self._coupling, self._field))
            _arrays.finish_uploads(like)  # cached: later calls may run on other streams
        return self._cache[key]

    def _terms(self, device, lattices: int, like):
        """The CUDA launcher's per-row energy scratch [lattices, rows, 3] (None on the CPU)."""
        rows = self.n_sites // self.shape[-1]
        return _arrays.empty((lattices, rows, 3), "float64", like) if device.kind == "cuda" else None

    def _measure(self, spins):
        device, lattices = self._check_spins(spins, "spins")
        x = spins if _is_c_contiguous(spins) else _arrays.copy_of(spins)
        coupling, field = self._core_arrays(x)
        energy = _arrays.empty((lattices,), "float64", x)
        mag = _arrays.empty((lattices,), "float64", x)
        _backend.module_for(device.kind).ising_measure(x, coupling, field, self.j, self.h, energy, mag,
                                                       self._terms(device, lattices, x),
                                                       _arrays.current_stream(x, device))
        return energy, mag

    def energy(self, spins):
        """E of each lattice of spins [lattices, *shape] (int8): float64 [lattices] beside spins."""
        return self._measure(spins)[0]

    def magnetization(self, spins):
        """Σ_i s_i of each lattice (divide by ``n_sites`` for m per site): float64 [lattices] beside spins."""
        return self._measure(spins)[1]

    # ------------------------------------------------------------------ sampling

    def _gibbs(self, spins0, n_steps, *, beta, seed, method=None, chain_start=None, record=True, inplace=False,
               progress=None):
        """``hb.gibbs(ising, spins0, n_steps, beta=1.0, seed=None, method='heatbath', chain_start=0,
        record=True, inplace=False, progress=None)``: n_steps checkerboard sweeps of every lattice.

        spins0 : int8 array [lattices, *shape] of ±1 (numpy, torch, cupy; CPU or CUDA), or the ``state``
            of an earlier result to continue that run bit for bit (its seed, method and chain_start
            are kept; passing a different seed, method or chain_start is an error). Unless
            ``inplace=True`` spins0 is not modified: the result's spins are a new array in the same
            framework and on the same device, and the same array as the result's ``state.spins`` (edit
            them in place and the continued run starts from the edit; it is checked again). With
            ``inplace=True`` spins0 itself (which must be C-contiguous and writable) is updated and
            returned as ``result.spins``; a KeyboardInterrupt then leaves it at the end of the last
            completed chunk of sweeps.
        n_steps : sweeps in this call; a sweep updates every site once (both checkerboard colours).
        beta : inverse temperature > 0, or one per lattice (an array [lattices], e.g. replicas of
            parallel tempering).
        seed : int in [0, 2**64) (None: 0, or the state's).
        method : 'heatbath' (default; the new spin is +1 with probability 1/(1+exp(−2β h_loc))) or
            'metropolis' (flip with probability min(1, exp(−β ΔE)); a free flip always happens, so on
            lattices of a few sites a side, and at high temperature (β near 0) on any lattice, its
            checkerboard sweeps cycle: use heat-bath there).
        chain_start : global index of lattice 0 (default 0): a batch split over calls or devices draws
            the same numbers as one call.
        record : record E and Σ s after every sweep (cheap for uniform models: tracked through the flips).
        progress : a progress bar: None (only when standard error is a terminal), True or False.

        Ctrl-C raises heatbath.Interrupted, whose ``state`` continues the run bit for bit.
        """
        if isinstance(spins0, IsingState):
            state = spins0
            if not isinstance(state.method, str) or state.method not in METHODS:  # built or edited by hand
                raise ValueError(f"argument 'spins0.method': expected one of {METHODS}, got {state.method!r}")
            if method is not None and method != state.method:
                raise ValueError(f"argument 'method': the state comes from a '{state.method}' run, got '{method}'")
            if seed is not None and as_seed(seed) != state.seed:
                raise ValueError("argument 'seed': a continued run keeps the seed of its state; leave seed unset")
            if chain_start is not None and as_int(chain_start, "chain_start", 0, 2**32) != state.chain_start:
                raise ValueError("argument 'chain_start': a continued run keeps the chain_start of its state")
            seed, sweep0, chain_start = state_counters(state, "spins0", "sweep", _MAX_SWEEP)
            method, x_in = state.method, state.spins
            arg = "spins0"
        else:
            method = "heatbath" if method is None else method
            if method not in METHODS:
                raise ValueError(f"argument 'method': expected one of {METHODS}, got {method!r}")
            seed = as_seed(0 if seed is None else seed)
            chain_start = as_int(0 if chain_start is None else chain_start, "chain_start", 0, 2**32)
            sweep0, x_in, arg = 0, spins0, "spins0"
        n_sweeps = as_int(n_steps, "n_steps", 0, 2**62)
        if sweep0 + n_sweeps > _MAX_SWEEP:
            raise ValueError("argument 'n_steps': the run would pass the sweep counter's limit (2**55 sweeps)")
        if not isinstance(record, (bool, np.bool_)):
            raise TypeError(f"argument 'record': expected a bool, got {type(record).__name__}")
        if not isinstance(inplace, (bool, np.bool_)):
            raise TypeError(f"argument 'inplace': expected a bool, got {type(inplace).__name__}")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"argument 'progress': expected True, False or None, got {progress!r}")
        if any(n % 2 for n in self.shape):
            raise ValueError(f"argument 'model': checkerboard sweeps need even side lengths, got shape {self.shape}")
        # A state's spins too (it may be edited or loaded), unless torch's version counter shows they still
        # hold this class's output.
        scan = not (isinstance(spins0, IsingState) and _unchanged.unchanged(spins0, x_in))
        device, lattices = self._check_spins(x_in, arg, check_values=scan)
        if chain_start + lattices > 2**32:
            raise ValueError("argument 'chain_start': lattice indices must stay below 2**32")
        betas = per_chain_betas(beta, lattices, "float32", "lattice")

        if inplace:
            if not _is_c_contiguous(x_in):
                raise ValueError(f"argument '{arg}': inplace=True needs a C-contiguous array")
            if isinstance(x_in, np.ndarray) and not x_in.flags.writeable:
                raise ValueError(f"argument '{arg}': inplace=True needs a writable array")
            spins = x_in
        else:
            spins = _arrays.copy_of(x_in)
        coupling, field = self._core_arrays(spins)
        energy, mag = _arrays.allocate_all(
            [((n_sweeps, lattices), "float64", "record", "the energy record") if record else None,
             ((n_sweeps, lattices), "float64", "record", "the magnetisation record") if record else None], spins)
        # the CUDA launcher's threshold tables (int32: not every framework exports uint32 through DLPack)
        workspace = _arrays.empty((lattices, 14), "int32", spins) if device.kind == "cuda" else None
        try:
            run_resumable(
                lambda: _backend.module_for(device.kind).ising(
                    spins=spins, beta=_arrays.from_host(betas, "float32", spins), coupling=coupling, field=field,
                    j=self.j, h=self.h, energy_trace=energy, mag_trace=mag, method=method, seed=seed,
                    chain_start=chain_start, sweep0=sweep0, n_sweeps=n_sweeps, workspace=workspace,
                    terms=self._terms(device, lattices, spins) if record else None,
                    stream=_arrays.current_stream(spins, device)),
                total=n_sweeps, progress=progress, desc=f"ising {method}", unit="sweep",
                state_after=lambda done: IsingState(spins=spins, sweep=sweep0 + done, seed=seed, method=method,
                                                    chain_start=chain_start))
        finally:
            _arrays.mark_written(spins)  # with inplace=True, the caller's tensor
        state = IsingState(spins=spins, sweep=sweep0 + n_sweeps, seed=seed, method=method, chain_start=chain_start)
        _unchanged.remember(state, spins)
        return IsingResult(spins=spins, energy=energy, magnetization=mag, state=state)


document_models(Ising)  # help(heatbath.gibbs) shows the options above


def _all_pm_one(spins) -> bool:
    """Every spin is +1 or -1 (host arrays only: a device check would synchronise the stream): one pass
    in the core for contiguous arrays, numpy's reductions (no temporary) for others."""
    a = np.asarray(_arrays.to_host(spins))
    if a.flags.c_contiguous:
        return bool(_backend.module_for("cpu").all_plus_minus_one(a))
    return a.size == 0 or (int(a.min()) >= -1 and int(a.max()) <= 1 and not (a == 0).any())
