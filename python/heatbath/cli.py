# SPDX-License-Identifier: Apache-2.0
"""The `heatbath` command line. For now: `heatbath demo`, a tour of what the engine does today."""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import heatbath as hb


def _rate(fn, values: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return values / best


def demo(args) -> int:
    print(f"heatbath {hb.__version__}: {hb.get_num_threads()} CPU threads, "
          f"CUDA backend {'compiled' if hb.cuda_compiled() else 'not compiled'}, "
          f"CUDA device {'present' if hb.cuda_available() else 'absent'}")
    chains, n = args.chains, args.n
    z = hb.random.normal((chains, n), seed=args.seed)
    print(f"\n{chains} chains x {n} standard normals from Philox4x32-10 (seed {args.seed}):")
    print(f"  mean {z.mean():+.5f}  variance {z.var():.5f}  kurtosis {(z.astype(np.float64) ** 4).mean():.4f} "
          "(exact: 0, 1, 3)")

    # The counter-based stream: the numbers are a function of (seed, purpose, step, chain, block) alone.
    threads = hb.get_num_threads()
    hb.set_num_threads(1)
    single = hb.random.normal((chains, n), seed=args.seed)
    hb.set_num_threads(threads)
    half = chains // 2
    split = np.concatenate([hb.random.normal((half, n), seed=args.seed),
                            hb.random.normal((chains - half, n), seed=args.seed, chain_start=half)])
    print(f"  identical with 1 thread: {np.array_equal(single, z)};  identical when split in two calls: "
          f"{np.array_equal(split, z)}")

    out = np.empty((chains, n), np.float32)
    rate = _rate(lambda: hb.random.normal(out, seed=args.seed), out.size)
    rng = np.random.default_rng(args.seed)
    np_rate = _rate(lambda: rng.standard_normal(out=out, dtype=np.float32), out.size)
    print(f"\nthroughput, float32 normals: heatbath {rate / 1e6:,.0f} M/s, numpy {np_rate / 1e6:,.0f} M/s "
          f"({rate / np_rate:.1f}x)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="heatbath", description="Sampling from Boltzmann distributions.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="a short tour of the engine")
    p.add_argument("--chains", type=int, default=20000, help="number of chains (default 20000)")
    p.add_argument("--n", type=int, default=500, help="values per chain (default 500)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=demo)
    args = parser.parse_args(argv)
    if getattr(args, "chains", 1) <= 0 or getattr(args, "n", 1) <= 0:
        parser.error("--chains and --n must be positive")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
