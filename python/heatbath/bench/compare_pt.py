# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering throughput on this machine (CPU), no peers: replica-steps/s of PT (MALA local
moves, DEO swaps, float32) beside plain hb.langevin on the same rows and steps, and the share of a round
spent outside the Langevin steps (energy evaluation for the swaps, swap pass, per-round calls).

    python -m heatbath.bench.compare_pt [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys

import heatbath as hb
from heatbath.bench.pt_workloads import measure


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5x fewer rounds")
    args = parser.parse_args(argv)
    rounds = 40 if args.quick else 200
    print(f"heatbath {hb.__version__}, {hb.get_num_threads()} threads, {os.cpu_count()} cores, isa "
          f"{hb._backend._core.cpu_isa()}, {rounds} rounds")
    print(f"{'workload':12} {'replicas x chains':>18} {'n_local':>7} {'PT replica-steps/s':>19} "
          f"{'plain steps/s':>14} {'swap overhead':>13}")
    for workload in ("double_well", "mixture4"):
        for replicas, chains in ((8, 1000), (32, 1000)):
            for n_local in (1, 10):
                m = measure(workload, replicas, chains, n_local, rounds)
                print(f"{workload:12} {f'{replicas} x {chains}':>18} {n_local:>7} {m['replica_steps_per_s']:>19.3g} "
                      f"{m['plain_steps_per_s']:>14.3g} {m['overhead']:>13.1%}")

    return 0

if __name__ == "__main__":
    sys.exit(main())
