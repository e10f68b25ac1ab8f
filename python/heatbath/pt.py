# SPDX-License-Identifier: Apache-2.0
"""heatbath.ParallelTempering: replica exchange with non-reversible (DEO) or reversible (SEO) swaps,
round trips, communication barrier, stepping-stone log Z and an adaptive ladder.

Replicas live on the path π_β ∝ π_ref^(1−β) π^β between a normalised reference (β = 0) and the target
(β = 1); see heatbath.pt_moves for the local moves and the plug-in interface, pt_swap.h for the swap
pass, pt_ladder.py for the ladder and pt_stats.py for the summaries.

For Langevin moves one call runs whole runs of rounds in compiled code: each round is one batched
Langevin call over all replicas × chains (each row at its own β), one evaluation of E, and one swap
pass; no Python runs between rounds (CPU: Ctrl-C is checked between chunks of rounds).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from heatbath import _arrays, _backend, diagnostics
from heatbath._validate import as_int, as_seed, check_momenta, checked_diverged_at
from heatbath.gibbs import GibbsModel
from heatbath.interrupted import Interrupted, completed_steps
from heatbath.langevin import _all_finite
from heatbath.langevin import energy as energy_of
from heatbath.progress import progress_bar
from heatbath.pt_ladder import equal_rejection_ladder, validate_betas
from heatbath.pt_moves import GaussianReference, LangevinMove, TemperedModel
from heatbath.pt_stats import stepping_stone
from heatbath.state_io import SavableState
from heatbath.targets import Target

SWAPS = {"deo": 0, "seo": 1}
DEFAULT_TUNE_ROUNDS = 1022  # stages of 2, 4, ..., 512 rounds


@dataclass(frozen=True)
class PTState(SavableState):
    """Everything needed to continue a run bitwise: pass it as ``x0`` of ``pt.run``.

    x [chains · replicas, dim] stored states (row = column · (K + 1) + slot; they never move, swaps
    exchange labels); p: BAOAB momenta or None; slot_of [replicas, chains] int64: the slot at each
    temperature; phase [rows]: round-trip bookkeeping; diverged_at [rows]; betas [replicas] (float64,
    the ladder after any adaptation); round: the next round; seed, swap: of the run; method: its local
    moves (e.g. 'mala(n_local=10)', or the Gibbs model with its sweeps per round), which a continued run
    must keep.
    """

    x: Any
    p: Any
    slot_of: Any
    phase: Any
    diverged_at: Any
    betas: Any
    round: int
    seed: int
    method: str
    swap: str


@dataclass(frozen=True)
class PTResult(diagnostics.ArvizMixin):
    """The outcome of :meth:`ParallelTempering.run` (statistics over this call's rounds).

    x [chains, dim]: the final β = 1 states. trace [n_rounds // thin, chains, dim] and energy_trace
    [n_rounds // thin, chains]: β = 1 states and energies every ``thin`` rounds (None unless thin > 0;
    the Gibbs models' energies, like ``energy``, are float64). With no rounds, the rates and estimates
    below are NaN.
    replicas [K+1, chains, dim]: final states by temperature; energy [K+1, chains]: E (the target's
    energy) of those states. Arrays above are in x0's framework and device; the rest are numpy.
    betas [K+1]: the ladder used (after adaptation). swap_rate [K]: accepted / proposed swaps per pair;
    rejection [K]: mean rejection probability 1 − α_k per pair, over its proposals (NaN for a pair never
    proposed: DEO proposes the even pairs at even rounds, the odd ones at odd rounds).
    barrier: Λ = Σ rejection; local_barrier [K]: λ ≈ r_k / (β_{k+1} − β_k) at the pair midpoints
    (midpoints [K]). round_trips [chains]: completed β_0 → β_K → β_0 cycles of each column's replicas;
    round_trip_rate: their mean per round. log_z: log ∫ exp(−E) (the reference's log normaliser
    included), the mean of log_z_forward and log_z_reverse (stepping stone both ways; per pair in
    log_z_pairs [K, 2]). index [n_rounds, K+1, chains] (when record_index; in x0's framework and device,
    like the states): the temperature of each stored state after each round. accept_rate [K+1]: MALA
    acceptance per temperature over the steps from finite states (else None; NaN for none).
    n_diverged: stored states (of all temperatures) whose Langevin chain diverged (state.diverged_at
    holds the step); a diverged state is never swapped, and the swap rates, rejections and log Z
    estimates count only the proposals between two finite states, so the other chains' statistics are
    those of a run without it.
    tuning: the ladders tried while adapting (list of arrays), else []. state: continues the run.
    """

    x: Any
    trace: Any
    energy_trace: Any
    replicas: Any
    energy: Any
    betas: np.ndarray
    swap_rate: np.ndarray
    rejection: np.ndarray
    barrier: float
    local_barrier: np.ndarray
    midpoints: np.ndarray
    round_trips: np.ndarray
    round_trip_rate: float
    log_z: float
    log_z_forward: float
    log_z_reverse: float
    log_z_pairs: np.ndarray
    index: Any
    accept_rate: Any
    n_diverged: int
    tuning: list
    state: PTState

    def _arviz_data(self):
        return diagnostics.trace_inference_data(self, {"x": self.trace}, "a trace: run pt.run with thin > 0",
                                                {"potential_energy": self.energy_trace})


class ParallelTempering:
    """Parallel tempering over K + 1 inverse temperatures 0 = β_0 < … < β_K = 1.

    Parameters
    ----------
    target : a continuous target (built in: hb.DoubleWell, hb.Gaussian, hb.GaussianMixture,
        hb.Rosenbrock; or your own: hb.potential, hb.TorchPotential), tempered from ``reference``
        towards exp(−E); hb.Ising or hb.RBM (Bernoulli
        visible units), tempered from the uniform distribution (heatbath.pt_gibbs: states are spins
        [rows, *shape], or RBM pairs (v, h) [rows, V + H]); or a model implementing
        :class:`heatbath.pt_moves.TemperedModel` (the plug-in path; then sampler is None).
    betas : an increasing array in [0, 1] from 0 to 1, or an int K + 1 (equally spaced; the default 10).
    sampler : :class:`heatbath.LangevinMove` for continuous targets (required for them);
        :class:`heatbath.GibbsMove` for hb.Ising and hb.RBM (optional: one sweep / step per round).
    swap : 'deo' (deterministic even–odd, non-reversible; the default) or 'seo' (even or odd pairs
        chosen by a coin each round, reversible).
    adapt : False, True (1022 tuning rounds) or a budget of tuning rounds. A new run first tunes the
        ladder in stages of 2, 4, 8, … rounds (two, so that DEO proposes every pair in each), as many as
        fit in the budget (2**m − 2 rounds: adapt=100 runs 62), after each placing the β so every pair
        has the same estimated rejection rate (Syed et al. 2022, Algorithm 4, whose stages start at one
        round); a stage in which some pair was never proposed (SEO's coins, with few chains) keeps the
        ladder. The tuned ladder is kept in ``betas`` and used by later runs; a later new
        run tunes again starting from it, so two new runs of one object differ (continue a ``state``, or
        build a new object, for the same numbers).
    reference : :class:`heatbath.GaussianReference` (default N(0, I)), continuous targets only.
    """

    def __init__(self, target, betas=10, sampler=None, swap: str = "deo", adapt=False, *, reference=None):
        if isinstance(target, GibbsModel):  # hb.Ising, hb.RBM: their TemperedModel adapters (pt_gibbs.py)
            from heatbath.pt_gibbs import tempered  # noqa: PLC0415

            target, sampler = tempered(target, sampler), None
        if isinstance(target, TemperedModel):
            if sampler is not None:
                raise TypeError("argument 'sampler': a TemperedModel target runs its own local moves; leave "
                                "sampler unset")
            if reference is not None:
                raise TypeError("argument 'reference': a TemperedModel target defines its own reference")
        elif isinstance(target, Target):
            from heatbath.pt_user import supported  # noqa: PLC0415

            if not target.compiled_by_core and not supported(target):
                raise TypeError(f"argument 'target': parallel tempering runs the built-in targets, "
                                f"heatbath.TorchPotential and heatbath.potential, not {type(target).__name__}")
            if not isinstance(sampler, LangevinMove):
                raise TypeError(f"argument 'sampler': a continuous target needs a heatbath.LangevinMove "
                                f"(e.g. hb.LangevinMove(step_size=0.1)), got {type(sampler).__name__}")
            reference = GaussianReference() if reference is None else reference
            if not isinstance(reference, GaussianReference):
                raise TypeError(f"argument 'reference': expected a heatbath.GaussianReference, "
                                f"got {type(reference).__name__}")
        else:
            raise TypeError(f"argument 'target': expected a heatbath target, hb.Ising, hb.RBM or a TemperedModel, "
                            f"got {type(target).__name__}")
        if not isinstance(swap, str) or swap not in SWAPS:
            raise ValueError(f"argument 'swap': expected 'deo' or 'seo', got {swap!r}")
        if adapt is True:
            n_tune = DEFAULT_TUNE_ROUNDS
        elif adapt is False or adapt is None:
            n_tune = 0
        else:
            n_tune = as_int(adapt, "adapt", 0, 2**40)
        self.target, self.sampler, self.swap, self.reference = target, sampler, swap, reference
        self.betas = betas  # checked by the setter
        self.n_tune = n_tune

    @property
    def betas(self) -> np.ndarray:
        """The ladder a new run starts from (float64, read-only). Assigning a new ladder checks it as the
        constructor's ``betas`` argument is checked; a run started from a ``state`` uses the state's."""
        return self._betas

    @betas.setter
    def betas(self, value) -> None:
        ladder = validate_betas(value)
        ladder.flags.writeable = False  # edited in place it would skip the checks
        self._betas = ladder

    def __repr__(self) -> str:
        return (f"ParallelTempering({self.target!r}, betas=<{self.betas.size}>, sampler={self.sampler!r}, "
                f"swap={self.swap!r}, adapt={self.n_tune})")

    # ---- running ----

    def run(self, x0, n_rounds: int, seed: int | None = None, *, thin: int = 0,
            record_index: bool = False, progress: bool | None = None) -> PTResult:
        """Run ``n_rounds`` rounds (n_local local steps at every replica, then one swap pass).

        x0 : states [K+1, chains, *event] (one per temperature) or [chains, *event] (every temperature
            starts there), numpy / torch / cupy, CPU or CUDA, where a state is: [dim] float32 or float64
            for continuous targets; int8 ±1 spins [*shape] for hb.Ising; for hb.RBM, v [V] (h starts at 0; the
            first block-Gibbs step draws it from v) or v and h side by side [V + H], 0/1 values converted
            to the RBM's dtype. Or the
            ``state`` of an earlier result, to continue it bitwise (seed, ladder and round counter come
            from it).
        seed : int in [0, 2**64); default 0 for a new run.
        thin : record the β = 1 states every ``thin`` rounds (0: no trace).
        record_index : also return the index process [n_rounds, K+1, chains].
        progress : a progress bar over the rounds (after any ladder tuning): None (only when standard
            error is a terminal), True or False.

        Raises heatbath.Interrupted on Ctrl-C (CPU), carrying a state that continues the run; a plain
        KeyboardInterrupt while ``adapt`` is still tuning the ladder (there is nothing to continue yet).
        """
        n_rounds = as_int(n_rounds, "n_rounds", 0, 2**40)
        thin = as_int(thin, "thin", 0, 2**40)
        if not isinstance(record_index, bool):
            raise TypeError(f"argument 'record_index': expected a bool, got {type(record_index).__name__}")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"argument 'progress': expected True, False or None, got {progress!r}")
        if isinstance(x0, SavableState) and not isinstance(x0, PTState):
            raise TypeError(f"argument 'x0': a {type(x0).__name__} continues hb.langevin or hb.gibbs, not parallel "
                            f"tempering; start from states (its x, spins or v) or pass a PTState")
        if not isinstance(x0, PTState):
            x0 = _arrays.indexable(_arrays.read_only(x0), "x0")  # copied into the run's own arrays
        if isinstance(self.target, TemperedModel):
            from heatbath.pt_model import ModelRun  # noqa: PLC0415 (the plug-in path)

            run = ModelRun(self, x0, seed)
        else:
            run = _LangevinRun(self, x0, seed)
        tuning = []
        if run.fresh and self.n_tune > 0:
            try:
                tuning = tune_ladder(run, self.n_tune)
            except KeyboardInterrupt as exc:  # Interrupted from a compiled stage, or plain between stages
                # A state from the middle of the tuning would not continue it (its ladder is half-made and
                # the stages are not in the state): Ctrl-C there stops the call, with the ladder untouched.
                raise KeyboardInterrupt("interrupted while tuning the ladder: nothing to resume; run again") \
                    from exc
            self.betas = run.betas.copy()
        with progress_bar(progress, n_rounds, "tempering", unit="round"):
            return run.main(n_rounds, thin, record_index, tuning)


def tune_ladder(run, n_tune: int) -> list:
    """Stages of 2, 4, 8, … rounds, re-placing the ladder after each (Syed et al., Algorithm 4). ``run``
    (_LangevinRun or pt_model.ModelRun) has ``betas``, ``chains`` and ``_rounds(n)``, which runs n rounds
    on the current ladder and returns the swap accumulators."""
    ladders, length, used = [run.betas.copy()], 2, 0
    while used + length <= n_tune:
        swap = run._rounds(length)
        tried = np.asarray(_arrays.to_host(swap["tried"])).sum(axis=1)
        if tried.min() > 0:  # else a pair has no estimate: keep the ladder for this stage
            rejection = np.asarray(_arrays.to_host(swap["rejection"])).sum(axis=1) / tried
            run.betas = equal_rejection_ladder(run.betas, rejection)
        ladders.append(run.betas.copy())
        used += length
        length *= 2
    return ladders


def initial_labels(replicas: int, chains: int):
    """slot_of (slot k at temperature k) and phase (the β_0 replica has just been at the bottom)."""
    slot_of = np.repeat(np.arange(replicas, dtype=np.int64)[:, None], chains, axis=1)
    phase = np.zeros(replicas * chains, dtype=np.int64)
    phase[::replicas] = 1
    return slot_of, phase


def checked_labels(slot_of, replicas: int, chains: int) -> np.ndarray:
    """A continued state's slot_of on the host, [replicas, chains], each column a permutation of the
    slots (what the swap passes keep it): anything else would run on with states at no temperature."""
    given = np.asarray(_arrays.to_host(slot_of))
    if given.dtype.kind not in "iu":  # a cast would truncate 1.7 to a slot
        raise ValueError(f"argument 'x0': the state's slot_of must hold integers, got dtype {given.dtype}")
    labels = given.astype(np.int64)
    if labels.shape != (replicas, chains):
        raise ValueError(f"argument 'x0': slot_of has shape {labels.shape}, expected {(replicas, chains)}")
    if not (np.sort(labels, axis=0) == np.arange(replicas, dtype=np.int64)[:, None]).all():
        raise ValueError("argument 'x0': the state's slot_of is not a permutation of the slots in every column")
    return labels


def local_moves(sampler: LangevinMove) -> str:
    """What a Langevin run's state records of its sampler (its ``method``): the method and the steps per
    round, which number the steps (the Gibbs models' names carry their sweeps per round likewise)."""
    return f"{sampler.method}(n_local={sampler.n_local})"


def checked_round(value) -> int:
    """A continued state's round counter: a non-negative integer (an edited .npz may hold anything), up to
    the largest step counter (2**56, n_local = 1) that a run can reach, so that every state a run returns
    continues."""
    try:
        return as_int(value, "x0", 0, 2**56 + 1)
    except (TypeError, ValueError):
        raise ValueError(f"argument 'x0': the state's round must be an integer in [0, 2**56], got {value!r}") from None


def past_counter_limit(counter: str, limit: str, round0: int, n_rounds: int | None = None) -> ValueError:
    """The error of a run whose rounds would take the step counter past its limit, naming where it starts:
    a continued state far along its counter is as much the cause as n_rounds. n_rounds None: the one round
    round0 (a caller that goes round by round)."""
    if n_rounds is None:
        what = f"round {round0}"
    else:
        what = f"{n_rounds} rounds" + (f" from round {round0}" if round0 else "")
    return ValueError(f"argument 'n_rounds': {what} would pass the {counter} counter's limit ({limit})")


def checked_seed(value) -> int:
    """A continued state's seed: an integer in [0, 2**64) (an edited .npz may hold anything)."""
    try:
        return as_seed(value, "x0")
    except (TypeError, ValueError):
        raise ValueError(f"argument 'x0': the state's seed must be an integer in [0, 2**64), got {value!r}") from None


def checked_phase(phase, rows: int):
    """A continued state's phase [rows] (0 unknown, 1 last at β_0, 2 last at β_K), copied: any other value
    would count round trips that never happened."""
    host = np.asarray(_arrays.to_host(phase))
    if host.shape != (rows,) or host.dtype.kind not in "iu" or not np.isin(host, (0, 1, 2)).all():
        raise ValueError(f"argument 'x0': the state's phase must be {rows} integers 0, 1 or 2 (one per row)")
    return _arrays.copy_of(phase)


def rows_by_temperature(slot_of: np.ndarray) -> np.ndarray:
    """[replicas, chains] the row of the state at each temperature: the layout of the core,
    row = column · (K + 1) + slot, keeps a column's replicas contiguous (csrc/heatbath/pt_swap.h)."""
    replicas, chains = slot_of.shape
    return np.arange(chains, dtype=np.int64)[None, :] * replicas + slot_of


def beta_of_rows(betas: np.ndarray, slot_of: np.ndarray) -> np.ndarray:
    """β of each stored row [chains · replicas] from the labels."""
    replicas, chains = slot_of.shape
    out = np.empty(replicas * chains)
    out[rows_by_temperature(slot_of).ravel()] = np.repeat(betas, chains)
    return out


def advance(run, slot_of, rounds: int) -> None:
    """After `rounds` completed rounds of a run (_LangevinRun, pt_model.ModelRun): the labels back on
    the host, the round counter moved on."""
    run.slot_of = np.array(_arrays.to_host(slot_of), dtype=np.int64)
    run.round += rounds


def stop_at_interrupt(run, slot_of, n_rounds: int, exc: KeyboardInterrupt) -> None:
    """Raises Interrupted with the run's state when exc came at a chunk boundary (the caller re-raises
    exc otherwise: no consistent state to offer)."""
    done = completed_steps(exc)
    if done is not None:
        advance(run, slot_of, done)
        raise Interrupted(run.state(), done, n_rounds) from exc


def summarize(betas, stats: dict, n_rounds: int, chains: int, scheme_rounds: int):
    """Host-side summaries of one call's accumulators (numpy arrays of shape [pairs, chains]; round_trips
    [chains · replicas])."""
    none = np.nan if n_rounds == 0 else 0.0  # no rounds: NaN rates and estimates, not zeros
    tried = stats["tried"].sum(axis=1)  # the samples of each pair's statistics: its proposals
    unseen = np.where(tried > 0, 0.0, np.nan)  # a pair never proposed: NaN estimates, not zeros
    n = np.maximum(tried, 1)
    rejection = stats["rejection"].sum(axis=1) / n + unseen + none
    swap_rate = stats["accepted"].sum(axis=1) / n + unseen + none
    gaps = np.diff(betas)
    with np.errstate(invalid="ignore"):  # no rounds: NaN estimates, not warnings
        fwd, rev = stepping_stone(stats["fwd_max"], stats["fwd_sum"], stats["rev_max"], stats["rev_sum"], n)
        fwd, rev = fwd + unseen, rev + unseen
    replicas = betas.size
    trips = stats["round_trips"].reshape(chains, replicas).sum(axis=1)
    return dict(betas=betas.copy(), swap_rate=swap_rate, rejection=rejection, barrier=float(rejection.sum()),
                local_barrier=rejection / gaps, midpoints=0.5 * (betas[1:] + betas[:-1]), round_trips=trips,
                round_trip_rate=float(trips.mean() / max(scheme_rounds, 1) + none),
                log_z_forward=float(fwd.sum() + none), log_z_reverse=float(rev.sum() + none),
                log_z=float(0.5 * (fwd.sum() + rev.sum())) if n_rounds else float("nan"),
                log_z_pairs=np.stack([fwd, rev], axis=1) + none)


class _LangevinRun:
    """The arrays of one pt.run call with Langevin moves, and the compiled calls over them."""

    def __init__(self, pt: ParallelTempering, x0, seed):
        self.pt = pt
        sampler: LangevinMove = pt.sampler
        if isinstance(x0, PTState):
            st = x0
            if st.method != local_moves(sampler):
                raise ValueError(f"argument 'x0': the state comes from a '{st.method}' run but the sampler is "
                                 f"'{local_moves(sampler)}' (a run continues with its method and n_local: its "
                                 f"steps are numbered round · n_local, and another n_local would draw the same "
                                 f"noise again)")
            if st.swap != pt.swap:
                raise ValueError(f"argument 'x0': the state comes from a '{st.swap}' run but swap is '{pt.swap}'")
            state_seed = checked_seed(st.seed)
            if seed is not None and as_seed(seed) != state_seed:
                raise ValueError("argument 'seed': a continued run keeps the seed of its state; leave seed unset")
            self.fresh = False
            self.seed, self.round = state_seed, checked_round(st.round)
            self.betas = validate_betas(st.betas, "x0.betas")
            self.device, self.dtype, rows, self.dim = _describe(st.x, "x0.x", 2)
            self.chains = rows // self.betas.size
            if self.chains * self.betas.size != rows or self.chains == 0:
                raise ValueError(f"argument 'x0': the state has {rows} rows, not a multiple of {self.betas.size} "
                                 f"temperatures")
            check_momenta(st.p, sampler.method)
            checked_diverged_at(st.diverged_at, rows, self.round * sampler.n_local, "x0.diverged_at")
            self.x = _arrays.copy_of(st.x)
            self.p = None if st.p is None else _arrays.copy_of(st.p)
            self.slot_of = checked_labels(st.slot_of, self.betas.size, self.chains)
            self.phase = checked_phase(st.phase, rows)
            self.diverged_at = _arrays.copy_of(st.diverged_at)
        else:
            self.fresh = True
            self.seed, self.round = as_seed(0 if seed is None else seed), 0
            self.betas = pt.betas.copy()
            replicas = self.betas.size
            self.device, self.dtype, shape = _describe_start(x0, replicas)
            self.chains, self.dim = shape[-2], shape[-1]
            if not _all_finite(x0):
                raise ValueError("argument 'x0': contains NaN or infinity")
            if replicas * self.chains >= 2**32:  # before the allocation of the rows, not after
                raise ValueError("argument 'x0': replicas × chains must stay below 2**32")
            self.x = _arrays.allocate((replicas * self.chains, self.dim), self.dtype, x0, "x0", "the replicas' states")
            columns = self.x.reshape(self.chains, replicas, self.dim)  # a view: row = column · (K+1) + slot
            for k in range(replicas):
                columns[:, k, :] = x0[k] if len(shape) == 3 else x0
            slot_of, phase = initial_labels(replicas, self.chains)
            self.slot_of = slot_of
            self.phase = _arrays.from_host(phase, "int64", self.x)
            self.diverged_at = _arrays.full((replicas * self.chains,), -1, "int64", self.x)
            self.p = None
            if sampler.method == "baoab":
                from heatbath import random as hb_random  # noqa: PLC0415

                self.p = _arrays.empty((replicas * self.chains, self.dim), self.dtype, self.x)
                hb_random.normal(self.p, seed=self.seed, step=0, chain_start=0, purpose="momentum")
        if self.betas.size * self.chains >= 2**32:
            raise ValueError("argument 'x0': replicas × chains must stay below 2**32")
        pt.target.check_dim(self.dim, "x0")
        self.params = pt.target.core_params(self.x, self.dtype, self.device, "x0")
        mean, inv_var, self.ref_log_norm = pt.reference.for_dim(self.dim, self.dtype)
        self.ref_mean = _arrays.from_host(mean, self.dtype, self.x)
        self.ref_inv_var = _arrays.from_host(inv_var, self.dtype, self.x)
        rows = self.betas.size * self.chains
        noise, self.c1 = sampler.coefficients()
        self.noise = _arrays.from_host(np.array([noise]), self.dtype, self.x)
        self.unit_beta = _arrays.from_host(np.array([1.0]), self.dtype, self.x)
        self.accepted = _arrays.full((rows,), 0, "int64", self.x)
        self.energy_beta = _arrays.empty((rows,), self.dtype, self.x)
        self.workspace = _arrays.empty((3, self.dim, rows), self.dtype, self.x) if self.device.kind == "cuda" else None
        self.stream = _arrays.current_stream(self.x, self.device)
        self.energy = _arrays.empty((rows,), self.dtype, self.x)
        # Private, for the benchmarks (heatbath.bench.pt_workloads): a float64 numpy array [3] to which CPU
        # rounds add the thread-seconds spent in the swap pass, in the target's E for the swap and in whole
        # rounds; None (the default) reads no clocks. Timing changes no number.
        self.timing = None

    def state(self) -> PTState:
        return PTState(x=self.x, p=self.p, slot_of=self.slot_of.copy(), phase=self.phase,
                       diverged_at=self.diverged_at, betas=self.betas.copy(), round=self.round, seed=self.seed,
                       method=local_moves(self.pt.sampler), swap=self.pt.swap)

    def _rounds(self, n_rounds: int, thin: int = 0, record_index: bool = False) -> dict:
        """Runs n_rounds in compiled code; returns the accumulators (host) and the framework outputs."""
        replicas, chains, like = self.betas.size, self.chains, self.x
        pairs = replicas - 1
        samples = n_rounds // thin if thin else 0
        slot_of = _arrays.from_host(self.slot_of, "int64", like)
        index_trace, trace, energy_trace = _arrays.allocate_all(
            [((n_rounds, replicas, chains), "int64", "record_index", "the index process") if record_index else None,
             ((samples, chains, self.dim), self.dtype, "thin", "the trace") if thin else None,
             ((samples, chains), self.dtype, "thin", "the energy trace") if thin else None], like)
        swap = dict(
            betas=_arrays.from_host(self.betas, "float64", like), energy=self.energy,
            beta_row=_arrays.from_host(beta_of_rows(self.betas, self.slot_of), self.dtype, like),
            slot_of=slot_of, phase=self.phase, round_trips=_arrays.full((replicas * chains,), 0, "int64", like),
            local_accepted=None, accepted_at=_arrays.full((replicas, chains), 0, "int64", like),
            ell=_arrays.full((replicas, chains), 0.0, "float64", like),
            rejection=_arrays.full((pairs, chains), 0.0, "float64", like),
            tried=_arrays.full((pairs, chains), 0, "int64", like),
            accepted=_arrays.full((pairs, chains), 0, "int64", like),
            fwd_max=_arrays.full((pairs, chains), 0.0, "float64", like),
            fwd_sum=_arrays.full((pairs, chains), 0.0, "float64", like),
            rev_max=_arrays.full((pairs, chains), 0.0, "float64", like),
            rev_sum=_arrays.full((pairs, chains), 0.0, "float64", like),
            index_trace=index_trace, trace=trace, energy_trace=energy_trace)
        if self.timing is not None:
            swap["timing"] = self.timing
        sampler: LangevinMove = self.pt.sampler
        if (self.round + n_rounds) * sampler.n_local > 2**56:
            raise past_counter_limit("step", "2**56 local steps", self.round, n_rounds)
        try:
            if not self.pt.target.compiled_by_core:  # a user potential (pt_user.py)
                from heatbath.pt_user import user_rounds  # noqa: PLC0415

                user_rounds(self, swap, n_rounds, thin)
                advance(self, slot_of, n_rounds)
                return swap
            _backend.module_for(self.device.kind).pt_langevin(
                method=sampler.method, potential=self.pt.target.kind, params=self.params, x=self.x, p=self.p,
                accepted=self.accepted, diverged_at=self.diverged_at, energy_beta=self.energy_beta,
                noise_scale=self.noise, unit_beta=self.unit_beta, h=sampler.step_size, c1=self.c1,
                ref_mean=self.ref_mean, ref_inv_var=self.ref_inv_var, ref_log_norm=self.ref_log_norm, swap=swap,
                thin=thin, scheme=SWAPS[self.pt.swap], seed=self.seed, n_local=sampler.n_local,
                round0=self.round, n_rounds=n_rounds, workspace=self.workspace, stream=self.stream)
        except KeyboardInterrupt as exc:
            stop_at_interrupt(self, slot_of, n_rounds, exc)
            raise
        advance(self, slot_of, n_rounds)
        return swap

    def main(self, n_rounds: int, thin: int, record_index: bool, tuning: list) -> PTResult:
        swap = self._rounds(n_rounds, thin, record_index)
        host = {k: np.asarray(_arrays.to_host(swap[k])) for k in
                ("rejection", "tried", "accepted", "fwd_max", "fwd_sum", "rev_max", "rev_sum", "round_trips",
                 "accepted_at")}
        summary = summarize(self.betas, host, n_rounds, self.chains, n_rounds)
        replicas, chains = self.betas.size, self.chains
        order = _arrays.from_host(rows_by_temperature(self.slot_of).ravel(), "int64", self.x)
        by_temperature = self.x[order].reshape(replicas, chains, self.dim)
        # E of those states: rows keep their energies through the swap pass, which moves labels only
        per_row = self.energy if n_rounds else energy_of(self.pt.target, self.x)
        energy = per_row[order].reshape(replicas, chains)
        diverged_at = np.asarray(_arrays.to_host(self.diverged_at))
        accept_rate = None
        if self.pt.sampler.method == "mala":
            n_local = self.pt.sampler.n_local
            steps = _healthy_steps_by_temperature(n_rounds, n_local, (self.round - n_rounds) * n_local,
                                                  self.slot_of, diverged_at)
            with np.errstate(invalid="ignore", divide="ignore"):
                accept_rate = np.where(steps > 0, host["accepted_at"].sum(axis=1) / np.maximum(steps, 1), np.nan)
        n_diverged = int((diverged_at >= 0).sum())
        return PTResult(x=by_temperature[-1], trace=swap["trace"], energy_trace=swap["energy_trace"],
                        replicas=by_temperature, energy=energy, index=swap["index_trace"],
                        accept_rate=accept_rate, n_diverged=n_diverged, tuning=tuning, state=self.state(),
                        **summary)


def _healthy_steps_by_temperature(n_rounds, n_local, first_step, slot_of, diverged_at) -> np.ndarray:
    """[K+1] the local steps this call's rounds took at each temperature from finite states, the divisor of
    MALA's acceptance rate: a diverged chain keeps its temperature and accepts nothing from the step it
    diverged at (diverged_at), so counting its later steps would dilute the other chains' rate."""
    total = n_rounds * n_local
    order = rows_by_temperature(slot_of)  # [K+1, chains]
    at_row = diverged_at[order]
    steps = np.where(at_row >= 0, np.clip(at_row - first_step, 0, total), total)
    return steps.sum(axis=1)


def _describe(x, arg: str, ndim: int):
    device = _arrays.device_of(x, arg)
    dtype = _arrays.dtype_of(x)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"argument '{arg}': expected dtype float32 or float64, got {dtype}")
    if len(x.shape) != ndim:
        raise ValueError(f"argument '{arg}': expected {ndim} dimensions, got shape {tuple(x.shape)}")
    return device, dtype, int(x.shape[0]), int(x.shape[1])


def _describe_start(x0, replicas: int):
    """(device, dtype, shape) of a start [K+1, chains, dim] or [chains, dim]."""
    device = _arrays.device_of(x0, "x0")
    dtype = _arrays.dtype_of(x0)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"argument 'x0': expected dtype float32 or float64, got {dtype}")
    shape = tuple(int(s) for s in x0.shape)
    if len(shape) == 3 and shape[0] != replicas:
        raise ValueError(f"argument 'x0': expected [{replicas}, chains, dim] (one row of states per temperature) "
                         f"or [chains, dim], got shape {shape}")
    if len(shape) not in (2, 3) or shape[-2] == 0 or shape[-1] == 0:
        raise ValueError(f"argument 'x0': expected [K+1, chains, dim] or [chains, dim] with chains, dim >= 1, "
                         f"got shape {shape}")
    return device, dtype, shape
