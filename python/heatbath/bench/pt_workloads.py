# SPDX-License-Identifier: Apache-2.0
"""The parallel-tempering workloads shared by the asv suite (benchmarks/benchmarks/bench_pt.py) and the
throughput script (heatbath.bench.compare_pt), and the one measurement both report."""
from __future__ import annotations

import time

import numpy as np

import heatbath as hb

# name: (target factory, dim, step size); float32, MALA, reference N(0, I) widened to cover the modes.
WORKLOADS = {
    "double_well": (lambda: hb.DoubleWell(), 1, 0.01),
    "mixture4": (lambda: hb.GaussianMixture(np.array([[2, 2], [2, -2], [-2, 2], [-2, -2]], np.float32),
                                            np.full(4, 0.5, np.float32), np.full(4, 0.25, np.float32)), 2, 0.05),
}


def best_time(call, repeat: int = 3) -> float:
    call()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def measure(workload: str, replicas: int, chains: int, n_local: int, rounds: int, repeat: int = 3) -> dict:
    """replica-steps/s of PT, chain-steps/s of plain hb.langevin on the same rows and steps, and the
    share of a PT round not spent in those Langevin steps (E evaluation, swap pass, per-round calls)."""
    make, dim, h = WORKLOADS[workload]
    target = make()
    pt = hb.ParallelTempering(target, replicas, sampler=hb.LangevinMove(h, "mala", n_local=n_local),
                              reference=hb.GaussianReference(0.0, 2.0))
    x0 = np.zeros((chains, dim), np.float32)
    rows = np.zeros((replicas * chains, dim), np.float32)
    steps = rounds * n_local
    t_pt = best_time(lambda: pt.run(x0, rounds, seed=0), repeat)
    t_plain = best_time(lambda: hb.langevin(target, rows, steps, h, "mala", seed=0), repeat)
    return dict(replica_steps_per_s=replicas * chains * steps / t_pt,
                plain_steps_per_s=replicas * chains * steps / t_plain,
                overhead=max(0.0, 1.0 - t_plain / t_pt))


# --- the swap step's share of a round, and round trips per second (DEO against SEO) ------------------

ISING_SHAPE = (32, 32)


def ising_pt(replicas: int, n_sweeps: int, swap: str = "deo", shape=ISING_SHAPE, coupling: float = 1.0):
    """PT over hb.Ising (no field) on an equally spaced ladder from β = 0 to 1."""
    return hb.ParallelTempering(hb.Ising(shape=shape, coupling=coupling), replicas,
                                sampler=hb.GibbsMove(n_sweeps=n_sweeps), swap=swap)


def ising_start(chains: int, shape=ISING_SHAPE, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (2 * rng.integers(0, 2, size=(chains,) + tuple(shape)) - 1).astype(np.int8)


def swap_share_ising(replicas: int, chains: int, n_sweeps: int, rounds: int, shape=ISING_SHAPE,
                     repeat: int = 3) -> dict:
    """Seconds per round of Ising PT (compiled rounds on the CPU) and the swap step's share of a round,
    timed directly inside the compiled rounds (pt_model.ModelRun's private `timing`: each CPU thread adds
    up the time of its swap passes, of the energies for the swap, and of its whole rounds, barrier waits
    included). share: the swap pass; share_with_energy: the swap pass and the energies together.
    Medians over `repeat` runs."""
    from heatbath.pt_model import ModelRun  # noqa: PLC0415

    pt = ising_pt(replicas, n_sweeps, shape=shape)
    warm = pt.run(ising_start(chains, shape), 2, seed=0)
    return _timed_shares(lambda: ModelRun(pt, warm.state, None), rounds, repeat)


def _timed_shares(new_run, rounds: int, repeat: int) -> dict:
    """Median wall seconds per round and shares of a run whose compiled rounds add thread-seconds to its
    private `timing` (swap pass, energies, whole rounds), over `repeat` fresh runs from new_run()."""
    walls, shares, with_energy = [], [], []
    for _ in range(repeat):
        run = new_run()
        run.timing = np.zeros(3)
        start = time.perf_counter()
        run._rounds(rounds)
        walls.append((time.perf_counter() - start) / rounds)
        swap_s, energy_s, rounds_s = run.timing
        shares.append(swap_s / rounds_s)
        with_energy.append((swap_s + energy_s) / rounds_s)
    wall, share, both = (float(np.median(v)) for v in (walls, shares, with_energy))
    return dict(round_s=wall, share=share, share_with_energy=both, swap_s=wall * share, energy_s=wall * (both - share))


def swap_share_langevin(workload: str, replicas: int, chains: int, n_local: int, rounds: int, repeat: int = 3) -> dict:
    """Seconds per round of compiled Langevin PT (MALA, DEO, float32) and the swap step's share of a round,
    timed directly inside the compiled rounds (pt._LangevinRun's private `timing`: each CPU thread adds up
    the time of its swap passes, of the target's E for the swap, and of its whole rounds). share: the swap
    pass; share_with_energy: the swap pass and E together. Medians over `repeat` runs."""
    from heatbath.pt import _LangevinRun  # noqa: PLC0415

    make, dim, h = WORKLOADS[workload]
    pt = hb.ParallelTempering(make(), replicas, sampler=hb.LangevinMove(h, "mala", n_local=n_local),
                              reference=hb.GaussianReference(0.0, 2.0))
    warm = pt.run(np.zeros((chains, dim), np.float32), 20, seed=0)
    return _timed_shares(lambda: _LangevinRun(pt, warm.state, None), rounds, repeat)


def round_trips_per_second(kind: str, replicas: int, swap: str, chains: int, rounds: int, *, n_local: int = 5,
                           n_sweeps: int = 1, shape=(16, 16), coupling: float = 0.45) -> dict:
    """Round trips per chain per second of wall time: a burn-in of rounds // 4, then `rounds` timed rounds
    continued from it; the same ladder (equally spaced), chains and local work for DEO and SEO. Ising:
    coupling J = 0.45, so that β = 1 sits just past the critical point (βJ = 0.4407)."""
    if kind == "ising":
        pt = ising_pt(replicas, n_sweeps, swap, shape, coupling)
        x0 = ising_start(chains, shape)
    else:
        make, dim, h = WORKLOADS[kind]
        pt = hb.ParallelTempering(make(), replicas, sampler=hb.LangevinMove(h, "mala", n_local=n_local), swap=swap,
                                  reference=hb.GaussianReference(0.0, 2.0))
        x0 = np.zeros((chains, dim), np.float32)
    warm = pt.run(x0, max(rounds // 4, 1), seed=0)
    start = time.perf_counter()
    res = pt.run(warm.state, rounds)
    elapsed = time.perf_counter() - start
    trips = float(np.mean(res.round_trips))
    return dict(trips_per_chain=trips, seconds=elapsed, per_second=trips / elapsed,
                per_round=res.round_trip_rate)
