# SPDX-License-Identifier: Apache-2.0
"""`heatbath bench`: heatbath side by side with the tools users would pick instead, as tables of ratios.

    heatbath bench                     # every comparison, 4 to 10 times less work than the issue-sized runs
    heatbath bench langevin ising --full
"""
from __future__ import annotations

import importlib
import sys

from heatbath.cli.errors import UserError, positive_int

# name -> (module of heatbath.bench, what it compares, the options of a quick run)
COMPARISONS = {
    "langevin": ("compare_langevin", "ULA double well and MALA mixture vs numpy, torch, JAX, BlackJAX, Numba",
                 ["--quick"]),
    "ising": ("compare_ising", "2-D Ising heat-bath, L = 256 at T_c, vs numpy and torch", ["--quick"]),
    "rbm": ("compare_rbm", "RBM block Gibbs 784x500 and 64x32 vs numpy, torch, scikit-learn", ["--quick"]),
    "pcd": ("compare_pcd", "one RBM PCD training step (Gibbs, statistics, update), 64x64 and 784x500, vs torch",
            ["--quick"]),
    "torch": ("compare_torch", "TorchPotential Langevin with an MLP energy vs a plain torch loop",
              ["--steps", "50", "--repeat", "2"]),
    "pt": ("compare_pt", "parallel tempering throughput against plain Langevin", ["--quick"]),
    "rng": ("compare_rng", "normal and uniform draws vs numpy and torch", ["--shape", "2000", "400"]),
}


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="heatbath against numpy, torch, JAX, Numba, scikit-learn: tables of ratios",
                       description=__doc__.splitlines()[0],
                       epilog="comparisons: " + "; ".join(f"{k}: {v[1]}" for k, v in COMPARISONS.items()))
    p.add_argument("which", nargs="*", metavar="COMPARISON", help=f"any of {', '.join(COMPARISONS)} (default: all)")
    p.add_argument("--full", action="store_true", help="the issue-sized work (minutes) instead of a quick run")
    p.add_argument("--repeat", type=positive_int, default=None, help="timed runs per row (default: each one's)")
    p.set_defaults(run=run)


def run(args) -> int:
    unknown = [w for w in args.which if w not in COMPARISONS]
    if unknown:
        raise UserError(f"unknown comparison {unknown[0]!r}: choose from {', '.join(COMPARISONS)}")
    status = 0
    for name in args.which or list(COMPARISONS):
        module_name, what, quick = COMPARISONS[name]
        print(f"\n=== {name}: {what}{'' if args.full else ' (quick run; --full for the issue-sized work)'}",
              flush=True)
        argv = [] if args.full else list(quick)
        if args.repeat is not None:
            argv += ["--repeat", str(args.repeat)]
        try:
            module = importlib.import_module(f"heatbath.bench.{module_name}")
            code = module.main(argv)
        except ImportError as exc:  # an optional peer or extra that is not installed (torch, say)
            print(f"unavailable: {exc}")
            code = 0
        sys.stdout.flush()
        status = status or (code or 0)
    return status
