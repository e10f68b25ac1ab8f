# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering for samplers plugged in through heatbath.pt_moves.TemperedModel: whole runs of
rounds in one compiled call where the model has one (pt_compiled_rounds: hb.Ising and hb.RBM on the
CPU; a thinned run makes one call per sample), otherwise a round loop in Python (one local-move call
over all rows, one energy call, one compiled swap pass), so the per-round overhead is a few Python
calls whatever the number of replicas and chains."""
from __future__ import annotations

import time

import numpy as np

from heatbath import _arrays, _backend
from heatbath._validate import as_seed
from heatbath.interrupted import completed_steps, sigint_at_chunk_boundaries
from heatbath.pt import (SWAPS, PTResult, PTState, advance, beta_of_rows, checked_labels, checked_phase,
                         checked_round, checked_seed, initial_labels, rows_by_temperature, stop_at_interrupt, summarize)
from heatbath.progress import offset as offset_progress
from heatbath.progress import report as report_progress
from heatbath.pt_ladder import validate_betas


def _method(model) -> str:
    """The name a state records, so that it continues only a run of the same kind of model."""
    return getattr(model, "pt_name", type(model).__name__)


class ModelRun:
    """The arrays of one pt.run call with a TemperedModel, and the Python round loop over them (the same
    interface as pt._LangevinRun: betas, chains, fresh, _rounds, main)."""

    def __init__(self, pt, x0, seed):
        self.pt, self.model = pt, pt.target
        replicas = pt.betas.size
        if isinstance(x0, PTState):
            if x0.method != _method(self.model) or x0.swap != pt.swap:
                raise ValueError(f"argument 'x0': the state comes from a {x0.method}/{x0.swap} run, not a "
                                 f"{_method(self.model)}/{pt.swap} one")
            state_seed = checked_seed(x0.seed)
            if seed is not None and as_seed(seed) != state_seed:
                raise ValueError("argument 'seed': a continued run keeps the seed of its state; leave seed unset")
            self.fresh = False
            self.betas = validate_betas(x0.betas, "x0.betas")  # any array or a list, as the constructor's
            self.model.pt_check_states(x0.x)
            self.states = _arrays.copy_of(x0.x)
            rows = int(self.states.shape[0])
            if rows % self.betas.size != 0 or rows == 0:
                raise ValueError(f"argument 'x0': the state has {rows} rows, not a multiple of {self.betas.size} "
                                 f"temperatures")
            self.slot_of = checked_labels(x0.slot_of, self.betas.size, rows // self.betas.size)
            self.phase = checked_phase(x0.phase, rows)
            self.round, self.seed = checked_round(x0.round), state_seed
        else:
            self.fresh = True
            x0 = self.model.pt_initial_states(x0, replicas)
            _arrays.device_of(x0, "x0")
            shape = tuple(int(s) for s in x0.shape)
            if len(shape) < 2 or shape[0] != replicas or shape[1] == 0:
                raise ValueError(f"argument 'x0': expected states [{replicas}, chains, ...] (one row of chains per "
                                 f"temperature), got shape {shape}")
            chains, rest = shape[1], shape[2:]
            if chains * replicas >= 2**32:  # before the allocation of the rows, not after
                raise ValueError("argument 'x0': replicas × chains must stay below 2**32")
            self.states = _arrays.allocate((chains * replicas,) + rest, _arrays.dtype_of(x0), x0, "x0",
                                           "the replicas' states")
            columns = self.states.reshape((chains, replicas) + rest)  # a view: row = column · (K + 1) + slot
            for k in range(replicas):
                columns[:, k] = x0[k]
            self.slot_of, phase = initial_labels(replicas, chains)
            self.phase = _arrays.from_host(phase, "int64", self.states)
            self.betas, self.round, self.seed = pt.betas.copy(), 0, as_seed(0 if seed is None else seed)
        self.chains = int(self.states.shape[0]) // self.betas.size
        if self.chains * self.betas.size != int(self.states.shape[0]) or self.slot_of.shape != (self.betas.size,
                                                                                               self.chains):
            raise ValueError(f"argument 'x0': the state's rows do not match {self.betas.size} temperatures")
        device = _arrays.device_of(self.states, "x0")
        self.core = _backend.module_for(device.kind)
        self.on_cpu = device.kind == "cpu"
        self.stream = _arrays.current_stream(self.states, device)
        self.ref_log_norm = float(self.model.pt_reference_log_norm(self.states))
        # Private, for the benchmarks (heatbath.bench.pt_workloads): a dict that the Python round loop
        # fills with the seconds spent in the local moves, the energies, the swap pass and the rest, and
        # a float64 [3] array to which compiled rounds add the thread-seconds in the swap passes, in the
        # energies and in whole rounds; None (the default) times nothing. Timing reads clocks only (and
        # waits for the device): it changes no number.
        self.timings = None
        self.timing = None

    def state(self) -> PTState:
        return PTState(x=self.states, p=None, slot_of=self.slot_of.copy(), phase=self.phase, diverged_at=None,
                       betas=self.betas.copy(), round=self.round, seed=self.seed, method=_method(self.model),
                       swap=self.pt.swap)

    def _rounds(self, n_rounds: int, thin: int = 0, record_index: bool = False) -> dict:
        """Runs n_rounds; returns the swap pass's accumulators (in the states' framework), the index
        process, and the trace of thinned β = 1 states with room for their energies (allocated first, so
        that a run whose outputs cannot fit fails before it starts, naming the argument that asked)."""
        replicas, chains, like = self.betas.size, self.chains, self.states
        samples = n_rounds // thin if thin else 0
        index, trace, energy_trace = _arrays.allocate_all(
            [((n_rounds, replicas, chains), "int64", "record_index", "the index process") if record_index else None,
             ((samples, chains) + tuple(self.states.shape[1:]), _arrays.dtype_of(like), "thin", "the trace")
             if thin else None,
             ((samples * chains,), "float64", "thin", "the energy trace") if thin else None], like)
        rows, pairs = replicas * chains, replicas - 1
        f64 = lambda shape: _arrays.full(shape, 0.0, "float64", like)  # noqa: E731
        i64 = lambda shape: _arrays.full(shape, 0, "int64", like)  # noqa: E731
        slot_of = _arrays.from_host(self.slot_of, "int64", like)
        swap = dict(betas=_arrays.from_host(self.betas, "float64", like), energy=f64((rows,)),
                    beta_row=_arrays.from_host(beta_of_rows(self.betas, self.slot_of), "float64", like),
                    slot_of=slot_of, phase=self.phase, round_trips=i64((rows,)), local_accepted=None,
                    accepted_at=None, ell=f64((replicas, chains)),
                    rejection=f64((pairs, chains)), tried=i64((pairs, chains)), accepted=i64((pairs, chains)),
                    fwd_max=f64((pairs, chains)), fwd_sum=f64((pairs, chains)), rev_max=f64((pairs, chains)),
                    rev_sum=f64((pairs, chains)), trace=None, energy_trace=None)
        swap["index_trace"] = None
        if self.timing is not None:
            swap["timing"] = self.timing
        try:
            if not self._compiled_rounds(swap, n_rounds, thin, index, trace):
                self._loop_rounds(swap, n_rounds, thin, index, trace)
        except KeyboardInterrupt as exc:
            stop_at_interrupt(self, slot_of, n_rounds, exc)
            raise
        advance(self, slot_of, n_rounds)
        swap["index"], swap["samples"], swap["sample_energies"] = index, trace, energy_trace
        return swap

    def _compiled_rounds(self, swap: dict, n_rounds: int, thin: int, index, trace) -> bool:
        """The rounds in compiled calls (one per thinned sample, written into trace), or False when the
        model has none for these states. The core's interrupt count is made relative to this call's first
        round."""
        done, segment = 0, thin or max(n_rounds, 1)
        while done < n_rounds:
            n = min(segment, n_rounds - done)
            swap["index_trace"] = index[done:done + n] if index is not None else None
            try:
                with offset_progress(done):
                    ran = self.model.pt_compiled_rounds(
                        self.states, swap, seed=self.seed, round0=self.round + done, n_rounds=n,
                        scheme=SWAPS[self.pt.swap], ref_log_norm=self.ref_log_norm, stream=self.stream)
            except KeyboardInterrupt as exc:
                if completed_steps(exc) is not None:
                    exc.completed += done
                raise
            if not ran:
                return False
            done += n
            if thin and n == thin:
                trace[done // thin - 1] = self._top_states(swap["slot_of"])
        return True

    def _top_states(self, slot_of):
        """A copy of the β = 1 states [chains, ...] under the current labels, gathered where the states
        live (the row of column c is c · replicas + slot_of[-1, c]): no wait for the device per sample."""
        replicas, chains = (int(n) for n in slot_of.shape)
        column_rows = getattr(self, "_column_rows", None)
        if column_rows is None or int(column_rows.shape[0]) != chains:
            column_rows = self._column_rows = _arrays.from_host(np.arange(chains, dtype=np.int64) * replicas,
                                                                 "int64", self.states)
        return self.states[column_rows + slot_of[-1]]

    def _loop_rounds(self, swap: dict, n_rounds: int, thin: int, index, trace) -> None:
        """The rounds one by one from Python: local moves, energies, one compiled swap pass each."""
        timings, clock = self.timings, (self._clock if self.timings is not None else None)
        local_move, energy_of = self.model.pt_local_move, self.model.pt_energy
        swap_pass = self._swap_pass(swap, n_rounds, index)
        beta_row, energy, seed = swap["beta_row"], swap["energy"], self.seed
        with sigint_at_chunk_boundaries() as guard:
            for done in range(n_rounds):
                rnd = self.round + done
                t0 = clock() if clock else 0.0
                local_move(self.states, beta_row, seed=seed, round=rnd)
                t1 = clock() if clock else 0.0
                energy_of(self.states, energy)
                t2 = clock() if clock else 0.0
                swap_pass(rnd, done)
                t3 = clock() if clock else 0.0
                if thin and (done + 1) % thin == 0:
                    trace[(done + 1) // thin - 1] = self._top_states(swap["slot_of"])
                guard.check(done + 1)
                if clock:
                    t4 = clock()
                    for key, dt in (("local", t1 - t0), ("energy", t2 - t1), ("swap", t3 - t2), ("other", t4 - t3)):
                        timings[key] = timings.get(key, 0.0) + dt
                report_progress(done + 1)

    def _swap_pass(self, swap: dict, n_rounds: int, index):
        """(round, rounds done) -> that round's swap pass: on the CPU a SwapSession's, which imported the
        arrays once (pt_swap imports some twenty a call, about 40 µs); elsewhere pt_swap, with the round's
        row of the index process."""
        scheme = SWAPS[self.pt.swap]
        if self.on_cpu:
            session = self.core.SwapSession({**swap, "index_trace": index}, "float64", self.ref_log_norm, scheme,
                                            self.seed, self.stream, round0=self.round, n_rounds=n_rounds)
            return lambda rnd, done: session.run(rnd)

        def one_pass(rnd: int, done: int) -> None:
            if index is not None:
                swap["index_trace"] = index[done:done + 1]
            self.core.pt_swap(swap, "float64", self.ref_log_norm, scheme, self.seed, rnd, self.stream)
        return one_pass

    def _clock(self) -> float:
        """perf_counter after the work queued so far (the device synchronised: timing runs only)."""
        if _arrays.framework_of(self.states) == "torch" and self.states.is_cuda:
            import torch  # noqa: PLC0415

            torch.cuda.synchronize(self.states.device)
        elif _arrays.framework_of(self.states) == "cupy":
            import cupy  # noqa: PLC0415

            cupy.cuda.get_current_stream().synchronize()
        return time.perf_counter()

    def main(self, n_rounds: int, thin: int, record_index: bool, tuning: list) -> PTResult:
        swap = self._rounds(n_rounds, thin, record_index)
        if n_rounds == 0:  # no round computed the energies of the states returned
            self.model.pt_energy(self.states, swap["energy"])
        host = {k: np.asarray(_arrays.to_host(swap[k])) for k in
                ("rejection", "tried", "accepted", "fwd_max", "fwd_sum", "rev_max", "rev_sum", "round_trips")}
        summary = summarize(self.betas, host, n_rounds, self.chains, n_rounds)
        replicas, chains, like = self.betas.size, self.chains, self.states
        rest = tuple(self.states.shape[1:])
        order = _arrays.from_host(rows_by_temperature(self.slot_of).ravel(), "int64", like)
        by_temperature = self.states[order].reshape((replicas, chains) + rest)
        # E of those states (rows keep their energies through the swap pass, which moves labels only)
        energy = swap["energy"][order].reshape((replicas, chains))
        trace = energy_trace = None
        if thin:
            trace, energy_trace = swap["samples"], swap["sample_energies"]
            samples = int(trace.shape[0])
            if samples:
                self.model.pt_energy(trace.reshape((samples * chains,) + rest), energy_trace)
            energy_trace = energy_trace.reshape((samples, chains))
        return PTResult(x=by_temperature[-1], trace=trace, energy_trace=energy_trace, replicas=by_temperature,
                        energy=energy, index=swap["index"], accept_rate=None, n_diverged=0,
                        tuning=tuning, state=self.state(), **summary)
