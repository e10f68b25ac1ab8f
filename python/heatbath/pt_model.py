# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering for samplers plugged in through heatbath.pt_moves.TemperedModel: the round loop
runs in Python (one local-move call over all rows, one energy call, one compiled swap pass), so the
per-round overhead is a few Python calls whatever the number of replicas and chains."""
from __future__ import annotations

import numpy as np

from heatbath import _arrays, _backend
from heatbath._validate import as_seed
from heatbath.interrupted import Interrupted, completed_steps, sigint_at_chunk_boundaries
from heatbath.pt import SWAPS, PTResult, PTState, beta_of_rows, initial_labels, rows_by_temperature, summarize
from heatbath.pt_ladder import validate_betas


def _start(pt, x0, seed):
    replicas = pt.betas.size
    if isinstance(x0, PTState):
        if x0.method != type(pt.target).__name__ or x0.swap != pt.swap:
            raise ValueError(f"argument 'x0': the state comes from a {x0.method}/{x0.swap} run")
        if seed is not None and as_seed(seed) != x0.seed:
            raise ValueError("argument 'seed': a continued run keeps the seed of its state; leave seed unset")
        betas = validate_betas(np.asarray(_arrays.to_host(x0.betas)))
        return (_arrays.copy_of(x0.x), np.array(_arrays.to_host(x0.slot_of), dtype=np.int64),
                _arrays.copy_of(x0.phase), betas, x0.round, x0.seed)
    _arrays.device_of(x0, "x0")
    shape = tuple(int(s) for s in x0.shape)
    if len(shape) < 2 or shape[0] != replicas or shape[1] == 0:
        raise ValueError(f"argument 'x0': expected states [{replicas}, chains, ...] (one row of chains per "
                         f"temperature), got shape {shape}")
    chains, rest = shape[1], shape[2:]
    states = _arrays.empty((chains * replicas,) + rest, _arrays.dtype_of(x0), x0)
    columns = states.reshape((chains, replicas) + rest)  # a view: row = column · (K + 1) + slot
    for k in range(replicas):
        columns[:, k] = x0[k]
    slot_of, phase = initial_labels(replicas, chains)
    return states, slot_of, _arrays.from_host(phase, "int64", states), pt.betas.copy(), 0, \
        as_seed(0 if seed is None else seed)


def run_model(pt, x0, n_rounds: int, seed, thin: int, record_index: bool) -> PTResult:
    model = pt.target
    states, slot_host, phase, betas, round0, seed = _start(pt, x0, seed)
    replicas = betas.size
    rows = int(states.shape[0])
    chains = rows // replicas
    like = states
    device = _arrays.device_of(states, "x0")
    core = _backend.module_for(device.kind)
    stream = _arrays.current_stream(states, device)
    slot_of = _arrays.from_host(slot_host, "int64", like)
    f64 = lambda shape, v=0.0: _arrays.full(shape, v, "float64", like)  # noqa: E731
    i64 = lambda shape: _arrays.full(shape, 0, "int64", like)  # noqa: E731
    pairs = replicas - 1
    swap = dict(betas=_arrays.from_host(betas, "float64", like), energy=f64((rows,)),
                beta_row=_arrays.from_host(beta_of_rows(betas, slot_host), "float64", like), slot_of=slot_of,
                phase=phase, round_trips=i64((rows,)), local_accepted=None, accepted_at=None,
                ell=f64((replicas, chains)), energy_at=f64((replicas, chains)), rejection=f64((pairs, chains)),
                tried=i64((pairs, chains)), accepted=i64((pairs, chains)), fwd_max=f64((pairs, chains)),
                fwd_sum=f64((pairs, chains)), rev_max=f64((pairs, chains)), rev_sum=f64((pairs, chains)),
                trace=None, energy_trace=None)
    index = i64((n_rounds, replicas, chains)) if record_index else None
    samples = []
    ref_log_norm = float(model.pt_reference_log_norm(states))
    done = 0
    try:
        with sigint_at_chunk_boundaries() as guard:
            for done in range(n_rounds):
                rnd = round0 + done
                model.pt_local_move(states, swap["beta_row"], seed=seed, round=rnd)
                model.pt_energy(states, swap["energy"])
                swap["index_trace"] = index[done:done + 1] if record_index else None
                core.pt_swap(swap, "float64", ref_log_norm, SWAPS[pt.swap], seed, rnd, stream)
                if thin and (done + 1) % thin == 0:
                    top = rows_by_temperature(np.asarray(_arrays.to_host(slot_of)))[-1]
                    samples.append(states[_arrays.from_host(top, "int64", like)])
                guard.check(done + 1)
            done = n_rounds
    except KeyboardInterrupt as exc:
        finished = completed_steps(exc)
        if finished is None:
            raise
        state = PTState(x=states, p=None, slot_of=np.array(_arrays.to_host(slot_of)), phase=phase, diverged_at=None,
                        betas=betas.copy(), round=round0 + finished, seed=seed, method=type(model).__name__,
                        swap=pt.swap)
        raise Interrupted(state, finished, n_rounds) from exc
    slot_host = np.array(_arrays.to_host(slot_of), dtype=np.int64)
    host = {k: np.asarray(_arrays.to_host(swap[k])) for k in
            ("rejection", "tried", "accepted", "fwd_max", "fwd_sum", "rev_max", "rev_sum", "round_trips")}
    summary = summarize(betas, host, n_rounds, chains, n_rounds)
    order = _arrays.from_host(rows_by_temperature(slot_host).ravel(), "int64", like)
    by_temperature = states[order].reshape((replicas, chains) + tuple(states.shape[1:]))
    trace = None
    if thin:
        trace = _arrays.empty((len(samples), chains) + tuple(states.shape[1:]), _arrays.dtype_of(states), like)
        for i, s in enumerate(samples):
            trace[i] = s
    state = PTState(x=states, p=None, slot_of=slot_host, phase=phase, diverged_at=None, betas=betas.copy(),
                    round=round0 + n_rounds, seed=seed, method=type(model).__name__, swap=pt.swap)
    return PTResult(x=by_temperature[-1], trace=trace, energy_trace=None, replicas=by_temperature,
                    energy=swap["energy_at"], index=index, accept_rate=None, n_diverged=0, tuning=[], state=state,
                    **summary)
