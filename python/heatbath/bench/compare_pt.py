# SPDX-License-Identifier: Apache-2.0
"""Parallel tempering throughput on this machine (CPU), no peers, in three tables:

1. replica-steps/s of PT (MALA local moves, DEO swaps, float32) beside plain hb.langevin on the same rows
   and steps, and the share of a round spent outside the Langevin steps;
2. the swap step's share of a round at 32 temperatures, its pieces timed directly inside the compiled
   rounds: the swap pass (and the energies for it: the target's E for Langevin PT, the lattices' E for
   Ising PT);
3. round trips per chain per second, non-reversible DEO against the reversible SEO baseline, on the same
   ladder, chains and local work.

    python -m heatbath.bench.compare_pt [--quick] [--only throughput,share,trips] [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import sys

import heatbath as hb
from heatbath.bench.pt_workloads import measure, round_trips_per_second, swap_share_ising, swap_share_langevin

TABLES = ("throughput", "share", "trips")


def throughput(rounds: int, repeat: int) -> None:
    print(f"{'workload':12} {'replicas x chains':>18} {'n_local':>7} {'PT replica-steps/s':>19} "
          f"{'plain steps/s':>14} {'swap overhead':>13}")
    for workload in ("double_well", "mixture4"):
        for replicas, chains in ((8, 1000), (32, 1000)):
            for n_local in (1, 10):
                m = measure(workload, replicas, chains, n_local, rounds, repeat)
                print(f"{workload:12} {f'{replicas} x {chains}':>18} {n_local:>7} {m['replica_steps_per_s']:>19.3g} "
                      f"{m['plain_steps_per_s']:>14.3g} {m['overhead']:>13.1%}")


def share(rounds: int, repeat: int) -> None:
    print("swap step's share of a round, 32 temperatures (ms per round)")
    print(f"{'workload':23} {'round':>8} {'energy':>8} {'swap pass':>9} {'share':>7}")
    cases = [(f"{w} x1000 n={n}", lambda w=w, n=n: swap_share_langevin(w, 32, 1000, n, rounds, repeat))
             for w in ("double_well", "mixture4") for n in (1, 10, 50)]
    cases += [(f"ising 32x32 x64 n={n}", lambda n=n: swap_share_ising(32, 64, n, max(rounds // 2, 10), repeat=repeat))
              for n in (1, 5)]
    for name, measure_share in cases:
        m = measure_share()
        print(f"{name:23} {1e3 * m['round_s']:>8.3f} {1e3 * m['energy_s']:>8.3f} {1e3 * m['swap_s']:>9.3f} "
              f"{m['share']:>7.1%}  (with E: {m['share_with_energy']:.1%})")


def trips(rounds: int) -> None:
    print("round trips per chain per second, DEO against SEO (same ladder, chains, local work)")
    print(f"{'workload':28} {'K+1':>4} {'DEO trips/s':>12} {'SEO trips/s':>12} {'DEO/SEO':>8} "
          f"{'DEO/round':>10} {'SEO/round':>10}")
    cases = (("double_well", "double well x1000 n=5", dict(chains=1000, rounds=rounds, n_local=5)),
             ("ising", "ising J=.45 16x16 x64 n=1", dict(chains=64, rounds=2 * rounds, n_sweeps=1)))
    for kind, name, kw in cases:
        for replicas in (8, 16, 32):
            deo = round_trips_per_second(kind, replicas, "deo", **kw)
            seo = round_trips_per_second(kind, replicas, "seo", **kw)
            ratio = deo["per_second"] / seo["per_second"] if seo["per_second"] > 0 else float("inf")
            print(f"{name:28} {replicas:>4} {deo['per_second']:>12.3g} {seo['per_second']:>12.3g} {ratio:>8.2f} "
                  f"{deo['per_round']:>10.4f} {seo['per_round']:>10.4f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5x fewer rounds")
    parser.add_argument("--only", default=",".join(TABLES), help=f"comma-separated tables among {', '.join(TABLES)}")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per row of the throughput (the best is "
                        "kept) and share (the median) tables; the round trips are counted over one long run "
                        "(default 3)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    which = [w for w in args.only.split(",") if w]
    unknown = [w for w in which if w not in TABLES]
    if unknown:
        parser.error(f"unknown table {unknown[0]!r}: choose from {', '.join(TABLES)}")
    rounds = 40 if args.quick else 200
    print(f"heatbath {hb.__version__}, {hb.get_num_threads()} threads, {os.cpu_count()} cores, isa "
          f"{hb._backend._core.cpu_isa()}, {rounds} rounds")
    for name, table in (("throughput", throughput), ("share", share), ("trips", lambda r, _repeat: trips(10 * r))):
        if name in which:
            print()
            table(rounds, args.repeat)
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
