# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering throughput (CPU): replica-steps per second of MALA local moves plus DEO swaps,
and the share of a round spent outside the Langevin steps (energy evaluation for the swaps, the swap
pass, per-round calls), against plain hb.langevin on the same rows and steps."""
from __future__ import annotations

import numpy as np

import heatbath as hb
from heatbath.bench.pt_workloads import WORKLOADS, measure

CHAINS = 1000
ROUNDS = 50


class ParallelTempering:
    params = (list(WORKLOADS), [8, 32], [1, 10])
    param_names = ["workload", "replicas", "n_local"]

    def setup(self, workload, replicas, n_local):
        make, dim, h = WORKLOADS[workload]
        self.pt = hb.ParallelTempering(make(), replicas, sampler=hb.LangevinMove(h, "mala", n_local=n_local),
                                       reference=hb.GaussianReference(0.0, 2.0))
        self.x0 = np.zeros((CHAINS, dim), np.float32)
        self.pt.run(self.x0, 2, seed=0)  # warm-up

    def time_run(self, *args):
        self.pt.run(self.x0, ROUNDS, seed=0)

    def track_replica_steps_per_second(self, workload, replicas, n_local):
        return float(f"{measure(workload, replicas, CHAINS, n_local, ROUNDS, repeat=2)['replica_steps_per_s']:.4g}")

    track_replica_steps_per_second.unit = "replica-steps/s"

    def track_round_overhead(self, workload, replicas, n_local):
        return round(measure(workload, replicas, CHAINS, n_local, ROUNDS, repeat=2)["overhead"], 3)

    track_round_overhead.unit = "fraction of a round"
