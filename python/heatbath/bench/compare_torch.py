# SPDX-License-Identifier: Apache-2.0
"""heatbath.TorchPotential against the plain torch loop a competent user writes, on the same work.

    python -m heatbath.bench.compare_torch                    # dim 2 and 16, 10,000 chains, 200 steps, 8 repeats
    python -m heatbath.bench.compare_torch --dims 16 --steps 500 --repeat 5

Work: ULA (x ← x − h∇E(x) + sqrt(2h) ξ) in float32 on 10,000 chains with a small MLP energy
E(x) = MLP(x), dim → 64 → 64 → 1 with SiLU, gradients by autograd. heatbath runs
``hb.langevin(hb.TorchPotential(E), x0, steps, h)``: per step torch's forward and backward pass, then the
core's fused update phase (Philox noise + move + divergence check, in place through DLPack). The peer is
the idiomatic torch loop: the same forward and backward pass, ``torch.randn(out=...)`` into a preallocated
buffer and in-place ``add_``. Both run on the CPU with torch's intra-op thread pool and heatbath's OpenMP
threads set to the same count. A rate is chain-steps per second of the best of --repeat runs after one
untimed warm-up run, the two implementations taking turns in alternating order; the ratio is heatbath's rate
over torch's, and `paired` the median (with the range) of the ratios of the two runs of each repeat. Each
row also prints the mean final energy of the two runs (different random streams, so they agree statistically,
not bitwise).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

import heatbath as hb


def make_mlp(dim: int, hidden: int = 64) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                               torch.nn.SiLU(), torch.nn.Linear(hidden, 1))


def energy_fn(net):
    def energy(x):  # a confining term keeps the chains in a bounded region whatever the random weights
        return net(x).squeeze(-1) + 0.5 * (x * x).sum(-1)

    return energy


def heatbath_run(energy, x0, steps, h):
    pot = hb.TorchPotential(energy, name="mlp")

    def run():
        return hb.langevin(pot, x0, steps, h, "ula", seed=0, progress=False).x

    return run


def torch_run(energy, x0, steps, h):
    scale = (2 * h) ** 0.5

    def run():
        gen = torch.Generator().manual_seed(0)
        x = x0.clone()
        noise = torch.empty_like(x)
        for _ in range(steps):
            xg = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(energy(xg).sum(), (xg,))
            torch.randn(x.shape, out=noise, generator=gen)
            x.add_(g, alpha=-h).add_(noise, alpha=scale)
        return x

    return run


def race(runs: dict, repeat: int):
    """Best seconds, the per-repeat ratios (seconds of the second run over the first's) and the last result
    of each run. After one warm-up each, every repeat times both runs back to back, in alternating order
    (a, b, then b, a), so that a machine shared with other work, or whatever one run leaves behind for the
    next, weighs on both alike. The best of the repeats is the least disturbed estimate of each; the ratios
    of the same repeat, paired, show how far the machine's noise moves the comparison."""
    results = {name: run() for name, run in runs.items()}  # warm-up
    names = list(runs)
    best = dict.fromkeys(runs, float("inf"))
    ratios = []
    for i in range(repeat):
        seconds = {}
        for name in (names if i % 2 == 0 else names[::-1]):
            start = time.perf_counter()
            results[name] = runs[name]()
            seconds[name] = time.perf_counter() - start
            best[name] = min(best[name], seconds[name])
        ratios.append(seconds[names[1]] / seconds[names[0]])
    return best, ratios, results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 16])
    parser.add_argument("--chains", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--step-size", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=8)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    hb.set_num_threads(args.threads)
    print(f"# {platform.processor() or platform.machine()}, {args.threads} threads, torch {torch.__version__}, "
          f"heatbath {hb.__version__} ({hb._core.cpu_isa()}); ULA float32, {args.chains} chains x {args.steps} steps, "
          f"MLP dim-64-64-1")
    print(f"{'dim':>4} {'heatbath steps/s':>17} {'torch steps/s':>14} {'ratio':>6} {'paired':>6} {'range':>11} "
          f"{'E heatbath':>11} {'E torch':>9}")
    rows = []
    for dim in args.dims:
        energy = energy_fn(make_mlp(dim))
        x0 = torch.from_numpy(np.random.default_rng(1).standard_normal((args.chains, dim)).astype(np.float32))
        best, ratios, results = race({"heatbath": heatbath_run(energy, x0, args.steps, args.step_size),
                                      "torch": torch_run(energy, x0, args.steps, args.step_size)}, args.repeat)
        (t_hb, x_hb), (t_torch, x_torch) = ((best[k], results[k]) for k in ("heatbath", "torch"))
        with torch.no_grad():
            e_hb, e_torch = float(energy(x_hb).mean()), float(energy(x_torch).mean())
        row = {"dim": dim, "heatbath": args.steps / t_hb, "torch": args.steps / t_torch, "ratio": t_torch / t_hb,
               "paired": statistics.median(ratios), "paired_range": (min(ratios), max(ratios)),
               "energy_heatbath": e_hb, "energy_torch": e_torch}
        rows.append(row)
        low, high = row["paired_range"]
        print(f"{dim:>4} {row['heatbath']:>17.1f} {row['torch']:>14.1f} {row['ratio']:>6.2f} "
              f"{row['paired']:>6.2f} {f'{low:.2f}-{high:.2f}':>11} {e_hb:>11.3f} {e_torch:>9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
