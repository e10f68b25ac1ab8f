# SPDX-License-Identifier: Apache-2.0
"""Side-by-side RBM block Gibbs sampling: heatbath against scikit-learn, torch and numpy, in one process.

    python -m heatbath.bench.compare_rbm              # both items, best of 3
    python -m heatbath.bench.compare_rbm --quick      # 10x fewer steps: a smoke run
    python -m heatbath.bench.compare_rbm --only B --peers numpy,sklearn

A. RBM 784 x 500 (MNIST-sized), 1,000 chains x 100 Gibbs steps: bound by the two GEMMs of a step. The
   machine's sgemm rate for the same two products (numpy's OpenBLAS, all cores) is measured too, and
   heatbath's share of it is reported, counting 4·V·H flops per chain-step.
B. RBM 64 x 32, 1,000 chains x 2,000 steps: small GEMMs, so per-step overhead and the sampling pass count.

float32, β = 1, weights N(0, 0.01²)·(A) or N(0, 0.1²)·(B), zero biases. Each peer (heatbath/bench/peers/
rbm_peers.py) is what a competent user writes, one Python iteration per step. A rate is chain-steps per
second of the best of --repeat runs after one warm-up run; ratio = heatbath's rate / the peer's. The
mean of the final visible states is printed as a self-check (all peers sample the same distribution).
A row during which other processes took more than 10% of the machine is flagged: the machine is shared.
"""
from __future__ import annotations

import argparse
import sys
import os
import platform
import time

import numpy as np

from heatbath.bench.peers import interference
from heatbath.bench.peers.rbm_peers import PEERS

ITEMS = {"A": (784, 500, 1_000, 100, 0.01), "B": (64, 32, 1_000, 2_000, 0.1)}  # V, H, chains, steps, w scale
BUSY_WARN = 0.10


def best_of(run, repeat):
    result = run()  # warm-up
    best = float("inf")
    with interference.Meter() as meter:
        for _ in range(repeat):
            start = time.perf_counter()
            result = run()
            best = min(best, time.perf_counter() - start)
    return best, result, meter.others


def sgemm_seconds_per_step(v, w, repeat):
    """The two products of one Gibbs step, [chains, V]·[V, H] and [chains, H]·[H, V], in numpy."""
    h = np.ones((v.shape[0], w.shape[1]), np.float32)
    out_h, out_v = np.empty_like(h), np.empty_like(v)

    def run():
        for _ in range(10):
            np.matmul(v, w, out=out_h)
            np.matmul(h, w.T, out=out_v)

    best, _, _ = best_of(run, repeat)
    return best / 10


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x fewer steps")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=sorted(ITEMS))
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for every tool (heatbath, torch, numpy's BLAS via threadpoolctl); 0: all cores")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset (heatbath is always run)")
    args = parser.parse_args(argv)
    unknown = [p for p in args.peers.split(",") if p and p not in PEERS]
    if unknown:
        parser.error(f"--peers: unknown peer {unknown[0]!r}; choose from {', '.join(PEERS)}")
    import heatbath as hb

    if args.threads:
        hb.set_num_threads(args.threads)
        os.environ["HEATBATH_BENCH_THREADS"] = str(args.threads)  # read by the torch peer
        try:
            from threadpoolctl import threadpool_limits  # noqa: PLC0415

            threadpool_limits(args.threads)
        except ImportError:
            print("# threadpoolctl is not installed: numpy's BLAS keeps its own thread count")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, heatbath threads "
          f"{hb.get_num_threads()}, instruction set {hb._core.cpu_isa()}, numpy {np.__version__}")
    for name, (V, H, chains, steps, scale) in ITEMS.items():
        if args.only and name != args.only:
            continue
        steps = max(1, steps // 10) if args.quick else steps
        rng = np.random.default_rng(0)
        rbm = ((scale * rng.standard_normal((V, H))).astype(np.float32), np.zeros(V, np.float32),
               np.zeros(H, np.float32))
        v0 = (rng.random((chains, V)) < 0.5).astype(np.float32)
        print(f"\n## {name}: RBM {V} x {H}, {chains} chains x {steps} steps")
        # Right before heatbath's row, so that both see the same machine (it is shared and noisy).
        step_s = sgemm_seconds_per_step(v0, rbm[0], args.repeat)
        print(f"{'peer':10} {'chain-steps/s':>14} {'ratio':>8} {'mean v':>8}  note")
        rates = {}
        for peer, prepare in PEERS.items():
            if peer != "heatbath" and peer not in args.peers.split(","):
                continue
            try:
                run = prepare(rbm, v0, steps, 1)
                best, v, others = best_of(run, args.repeat)
            except ImportError as exc:
                print(f"{peer:10} {'-':>14} {'-':>8} {'-':>8}  unavailable: {exc}")
                continue
            rates[peer] = chains * steps / best
            note = f"busy machine: others took {others:.0%}" if others is not None and others > BUSY_WARN else ""
            ratio = rates["heatbath"] / rates[peer]
            print(f"{peer:10} {rates[peer]:14.4g} {ratio:8.2f} {float(np.mean(v)):8.4f}  {note}")
        others = [(r, p) for p, r in rates.items() if p != "heatbath"]
        if others:
            fastest = max(others)
            print(f"heatbath / fastest peer ({fastest[1]}): {rates['heatbath'] / fastest[0]:.2f}x")
        sgemm_rate = 4.0 * V * H * chains / step_s
        hb_rate = 4.0 * V * H * rates["heatbath"]
        print(f"sgemm (numpy, same two products): {sgemm_rate / 1e9:.1f} GFLOP/s; heatbath {hb_rate / 1e9:.1f} "
              f"GFLOP/s = {hb_rate / sgemm_rate:.0%} of it (4·V·H flops per chain-step)")

    return 0

if __name__ == "__main__":
    sys.exit(main())
