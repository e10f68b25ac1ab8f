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
