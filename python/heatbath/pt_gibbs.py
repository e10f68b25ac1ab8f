# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering with the Gibbs samplers: hb.Ising and hb.RBM as heatbath.TemperedModel adapters.

``hb.ParallelTempering(ising_or_rbm, betas, sampler=hb.GibbsMove(n_sweeps))`` wraps the model here;
heatbath.pt_model runs the rounds (local moves, energies, one compiled swap pass). Both paths temper
p_β(x) ∝ exp(−β E(x)) from the uniform distribution at β = 0, so log Z at β = 1 is log Σ_x exp(−E(x)).

Ising: states are the spins, int8 [rows, *shape]; log Z_ref = N log 2. A round is n_sweeps
checkerboard heat-bath sweeps of every lattice at its own β, by the core (float32 β per lattice, as
hb.gibbs passes it; at β = 0 the flip threshold is exactly 2^31, a fair coin per spin). Counters:
sweep0 = round · n_sweeps, lattice = row, so the numbers depend on (seed, round, row) only.

RBM (Bernoulli visible units): the joint p_β(v, h) ∝ exp(−β E(v, h)) on {0, 1}^(V+H), E = −b·v − c·h
− v·W h; states [rows, V + H] (v, then h) in the model's dtype; log Z_ref = (V + H) log 2, and log Z at
β = 1 is the RBM's log partition function (hb.exact_log_z). A round is n_sweeps block-Gibbs steps at
each row's β; a step draws h | v, then v | h, and the core leaves that h beside the new v: a Gibbs
sweep of the joint, so the pair is a draw from p_β(v, h) when the previous one was. The step discards
the stored h (it redraws h from v first), so a start given as visible states only gets h = 0, which
no energy ever sees. Counters: step0 = round · n_sweeps, chain = row. Gaussian visible units have no
normalisable β = 0 end (the uniform reference does not exist on R^V) and are refused.

The β of a row is rounded to float32 (Ising; float32 RBMs) for the local move while the swap pass uses
the float64 ladder: a relative difference below 6e-8 in the temperature, far below Monte Carlo error.
"""
from __future__ import annotations

import math

import numpy as np

from heatbath import _arrays, _backend
from heatbath.ising import _MAX_SWEEP, Ising
from heatbath.pt import past_counter_limit
from heatbath.pt_moves import GibbsMove, TemperedModel
from heatbath.rbm import _MAX_STEP, RBM, _converted

_MAX_ROWS = 2**32  # the counter's chain index


def tempered(model, sampler) -> TemperedModel:
    """The TemperedModel adapter of hb.Ising or hb.RBM with the given GibbsMove (None: one sweep)."""
    if sampler is None:
        sampler = GibbsMove()
    if not isinstance(sampler, GibbsMove):
        raise TypeError(f"argument 'sampler': {type(model).__name__} runs Gibbs moves; expected a "
                        f"heatbath.GibbsMove (e.g. hb.GibbsMove(n_sweeps=1)) or None, got {type(sampler).__name__}")
    if isinstance(model, Ising):
        return TemperedIsing(model, sampler)
    if isinstance(model, RBM):
        return TemperedRBM(model, sampler)
    raise TypeError(f"argument 'target': parallel tempering runs hb.Ising and hb.RBM among the Gibbs models, "
                    f"got {type(model).__name__}")


def _start(x0, replicas: int, event_ndim: int, arg_shape: str):
    """(x0 as [N, *event], shape of the per-temperature start [replicas, chains, *event] or None to
    broadcast [chains, *event]) after the shape checks shared by both models."""
    if not _arrays.supports_dlpack(x0):
        raise TypeError(f"argument 'x0': expected an array that supports DLPack (numpy, torch, cupy, ...), "
                        f"got {type(x0).__name__}")
    _arrays.device_of(x0, "x0")
    shape = tuple(int(s) for s in x0.shape)
    if len(shape) == event_ndim + 2:
        if shape[0] != replicas:
            raise ValueError(f"argument 'x0': expected [{replicas}, chains, {arg_shape}] (one row of states per "
                             f"temperature) or [chains, {arg_shape}], got shape {shape}")
        chains = shape[1]
    elif len(shape) == event_ndim + 1:
        chains = shape[0]
    else:
        raise ValueError(f"argument 'x0': expected [{replicas}, chains, {arg_shape}] or [chains, {arg_shape}], "
                         f"got shape {shape}")
    if chains == 0:
        raise ValueError("argument 'x0': needs at least one chain")
    if replicas * chains > _MAX_ROWS:
        raise ValueError("argument 'x0': replicas × chains must stay at or below 2**32")
    return shape, chains, len(shape) == event_ndim + 2


def _stack(flat, replicas: int, chains: int, per_temperature: bool):
    """[replicas, chains, *event] from flat [replicas · chains or chains, *event] (same framework)."""
    event = tuple(int(s) for s in flat.shape[1:])
    if per_temperature:
        return flat.reshape((replicas, chains) + event)
    out = _arrays.empty((replicas, chains) + event, _arrays.dtype_of(flat), flat)
    for k in range(replicas):
        out[k] = flat
    return out


class TemperedIsing(TemperedModel):
    """hb.Ising under parallel tempering (see the module text); built by hb.ParallelTempering."""

    def __init__(self, ising: Ising, move: GibbsMove):
        if any(n % 2 for n in ising.shape):
            raise ValueError(f"argument 'target': checkerboard sweeps need even side lengths, got shape {ising.shape}")
        self.model, self.move = ising, move
        self.pt_name = f"Ising(n_sweeps={move.n_sweeps})"
        self._per_states = None  # (states, its per-round buffers and arguments), reused round after round

    def __repr__(self) -> str:
        return f"TemperedIsing({self.model!r}, {self.move!r})"

    def pt_reference_log_norm(self, states) -> float:
        return self.model.n_sites * math.log(2.0)

    def pt_initial_states(self, x0, replicas: int):
        shape = self.model.shape
        given, chains, per_temperature = _start(x0, replicas, len(shape), ", ".join(map(str, shape)))
        if given[-len(shape):] != shape:
            raise ValueError(f"argument 'x0': expected lattices of shape {shape} on the last axes, got shape {given}")
        flat = x0.reshape((-1,) + shape)
        self.model._check_spins(flat, "x0")
        return _stack(flat, replicas, chains, per_temperature)

    def pt_check_states(self, states) -> None:
        shape = tuple(int(n) for n in states.shape)
        if shape[1:] != self.model.shape:
            raise ValueError(f"argument 'x0': the state holds lattices of shape {shape[1:]}; this model's are "
                             f"{self.model.shape}")
        # Its values too, as hb.gibbs checks a continued state's: a state is an npz file one can edit.
        self.model._check_spins(states, "x0")

    def _prepared(self, states, keep: bool = True) -> dict:
        """What every round over these states needs, made once (PT calls the adapter with the same states
        array round after round): the core module, the couplings, the stream, the float32 β buffer, the
        magnetisation and CUDA scratch buffers. keep=False: made for this call only, and the kept ones
        stay (the energies of a trace, which must not hold the trace or its buffers after the run)."""
        cached = self._per_states
        if cached is not None and cached[0] is states:
            return cached[1]
        device = _arrays.device_of(states, "x0")
        rows = int(states.shape[0])
        coupling, field = self.model._core_arrays(states)
        prepared = dict(core=_backend.module_for(device.kind), coupling=coupling, field=field,
                        stream=_arrays.current_stream(states, device), beta=_arrays.empty((rows,), "float32", states),
                        workspace=_arrays.empty((rows, 14), "int32", states) if device.kind == "cuda" else None,
                        mag=_arrays.empty((rows,), "float64", states), terms=self.model._terms(device, rows, states))
        if keep:
            self._per_states = (states, prepared)
        return prepared

    def pt_local_move(self, states, beta_row, *, seed: int, round: int) -> None:
        n = self.move.n_sweeps
        sweep0 = round * n
        if sweep0 + n > _MAX_SWEEP:
            raise past_counter_limit("sweep", "2**55 sweeps", round)
        p = self._prepared(states)
        beta = p["beta"]
        beta[...] = beta_row  # float64 -> float32, rounded to nearest: the bits _converted gives
        p["core"].ising(spins=states, beta=beta, coupling=p["coupling"], field=p["field"], j=self.model.j,
                        h=self.model.h, energy_trace=None, mag_trace=None, method=self.move.method, seed=seed,
                        chain_start=0, sweep0=sweep0, n_sweeps=n, workspace=p["workspace"], terms=None,
                        stream=p["stream"])

    def pt_compiled_rounds(self, states, swap: dict, *, seed: int, round0: int, n_rounds: int, scheme: int,
                           ref_log_norm: float, stream: int) -> bool:
        """The sweeps, energies and swap passes of n_rounds in one call (the same numbers as pt_local_move,
        pt_energy and pt_swap round by round): on the CPU a compiled loop over rounds, on CUDA every round
        queued on the stream from one call (with the β, table, energy-term and magnetisation scratch of
        pt_local_move and pt_energy)."""
        p = self._prepared(states)
        n = self.move.n_sweeps
        if (round0 + n_rounds) * n > _MAX_SWEEP:
            raise past_counter_limit("sweep", "2**55 sweeps", round0, n_rounds)
        p["core"].pt_ising(spins=states, coupling=p["coupling"], field=p["field"], j=self.model.j, h=self.model.h,
                           method=self.move.method, swap=swap, ref_log_norm=ref_log_norm, scheme=scheme, seed=seed,
                           n_sweeps=n, round0=round0, n_rounds=n_rounds, beta=p["beta"], workspace=p["workspace"],
                           terms=p["terms"], mag=p["mag"], stream=stream)
        return True

    def pt_energy(self, states, out) -> None:
        # The rounds' states are kept prepared by the local moves; anything else (a trace) is not kept.
        p = self._prepared(states, keep=False)
        p["core"].ising_measure(states, p["coupling"], p["field"], self.model.j, self.model.h, out, p["mag"],
                                p["terms"], p["stream"])


class TemperedRBM(TemperedModel):
    """hb.RBM (Bernoulli visible units) under parallel tempering, on the joint (v, h) (see the module text)."""

    def __init__(self, rbm: RBM, move: GibbsMove):
        if rbm.visible != "bernoulli":
            raise ValueError("argument 'target': parallel tempering of an RBM needs Bernoulli visible units; "
                             "Gaussian visible units have no uniform β = 0 reference to temper from")
        self.model, self.move = rbm, move
        # What a state records of its run: a state continues only an RBM with the same layers.
        self.pt_name = f"RBM(n_visible={rbm.n_visible}, n_hidden={rbm.n_hidden}, n_sweeps={move.n_sweeps})"
        self._params: dict = {}

    def __repr__(self) -> str:
        return f"TemperedRBM({self.model!r}, {self.move!r})"

    def pt_reference_log_norm(self, states) -> float:
        return (self.model.n_visible + self.model.n_hidden) * math.log(2.0)

    def pt_initial_states(self, x0, replicas: int):
        """x0: v, or v and h side by side ([..., V] or [..., V + H]), 0/1 values; [K+1, chains, ...] or
        [chains, ...] (every temperature starts there). Converted to the model's dtype; h = 0 when absent."""
        V, H = self.model.n_visible, self.model.n_hidden
        shape, chains, per_temperature = _start(x0, replicas, 1, f"V = {V} or V + H = {V + H}")
        if shape[-1] not in (V, V + H):
            raise ValueError(f"argument 'x0': expected the last axis to hold v (V = {V}) or v and h (V + H = "
                             f"{V + H}), got shape {shape}")
        flat = x0.reshape((-1, shape[-1]))
        v = self.model._states(flat[:, :V], "x0", V, binary=True)
        start = _arrays.full((int(flat.shape[0]), V + H), 0, self.model.dtype, v)
        start[:, :V] = v
        if shape[-1] == V + H:
            start[:, V:] = self.model._states(flat[:, V:], "x0", H, binary=True)
        return _stack(start, replicas, chains, per_temperature)

    def pt_check_states(self, states) -> None:
        V, H = self.model.n_visible, self.model.n_hidden
        shape = tuple(int(n) for n in states.shape)
        if len(shape) != 2 or shape[1] != V + H:
            raise ValueError(f"argument 'x0': the state holds rows of shape {shape[1:]}; this RBM's are (v, h) "
                             f"side by side, ({V + H},) = {V} visible + {H} hidden")
        if _arrays.dtype_of(states) != self.model.dtype:
            raise TypeError(f"argument 'x0': the state is {_arrays.dtype_of(states)}; this RBM is {self.model.dtype}")
        if not bool(((states == 0) | (states == 1)).all()):  # as hb.gibbs checks a continued state's
            raise ValueError("argument 'x0': the state's v and h must hold 0 and 1 only (Bernoulli units)")

    def pt_local_move(self, states, beta_row, *, seed: int, round: int) -> None:
        n, V, rbm = self.move.n_sweeps, self.model.n_visible, self.model
        step0 = round * n
        if step0 + n > _MAX_STEP:
            raise past_counter_limit("step", "2**55 steps", round)
        v, h = _arrays.copy_of(states[:, :V]), _arrays.copy_of(states[:, V:])  # the core takes them contiguous
        rows = int(states.shape[0])
        rbm._module().rbm_gibbs(**rbm._core_params(), v=v, h=h, beta=_converted(beta_row, rbm.dtype), trace=None,
                                trace_hidden=None, thin=0, seed=seed, chain_start=0, step0=step0, n_steps=n,
                                workspace=rbm._workspace(rows, v), stream=_arrays.current_stream(v, rbm.device))
        states[:, :V] = v
        states[:, V:] = h

    def pt_compiled_rounds(self, states, swap: dict, *, seed: int, round0: int, n_rounds: int, scheme: int,
                           ref_log_norm: float, stream: int) -> bool:
        """The Gibbs steps, energies and swap passes of n_rounds in one call (on CUDA every round queued
        on the stream, with a β buffer and the launcher's workspace). The states are those of
        pt_local_move and pt_swap round by round, bit for bit; the energies (from the W h of each row's
        last step, summed in float64) may differ from pt_energy's in the last bits, which could only
        change a swap whose uniform falls within that rounding of its acceptance probability."""
        module = self.model._module()
        n, V, rbm = self.move.n_sweeps, self.model.n_visible, self.model
        if (round0 + n_rounds) * n > _MAX_STEP:
            raise past_counter_limit("step", "2**55 steps", round0, n_rounds)
        v, h = _arrays.copy_of(states[:, :V]), _arrays.copy_of(states[:, V:])  # the core takes them contiguous
        rows = int(states.shape[0])
        cuda = rbm.device.kind == "cuda"
        params = rbm._core_params()  # checks parameters rebound to new memory since the last call
        try:
            module.pt_rbm(sigma=rbm.sigma, weights=params["weights"], visible_bias=params["visible_bias"],
                          hidden_bias=params["hidden_bias"], v=v, h=h, swap=swap, ref_log_norm=ref_log_norm, scheme=scheme,
                          seed=seed, n_sweeps=n, round0=round0, n_rounds=n_rounds,
                          beta=_arrays.empty((rows,), rbm.dtype, v) if cuda else None,
                          workspace=rbm._workspace(rows, v), stream=stream)
        finally:  # after Ctrl-C too: v and h then hold the states after the last finished round
            states[:, :V] = v
            states[:, V:] = h
        return True

    def pt_energy(self, states, out) -> None:
        """E(v, h) = −b·v − c·h − v·W h in the states' framework and dtype, into out (float64)."""
        w, b, c = self._parameters_like(states)
        V = self.model.n_visible
        v, h = states[:, :V], states[:, V:]
        out[...] = -(v @ b) - (h @ c) - ((v @ w) * h).sum(1)

    def _parameters_like(self, states):
        """The RBM's (borrowed) parameters as arrays of the states' framework, sharing memory."""
        fw = _arrays.framework_of(states)
        self.model._core_params()  # checks parameters rebound to new memory since the last call
        key = (fw, self.model._storage_key())  # views of rebound torch parameters are made again
        if key not in self._params:
            self._params.clear()
            params = (self.model.weights, self.model.visible_bias, self.model.hidden_bias)
            if fw == "torch":
                import torch  # noqa: PLC0415

                convert = torch.from_dlpack
            elif fw == "cupy":
                import cupy  # noqa: PLC0415

                convert = cupy.from_dlpack
            else:
                convert = np.from_dlpack
            self._params[key] = tuple(p if _arrays.framework_of(p) == fw else convert(p) for p in params)
        return self._params[key]

