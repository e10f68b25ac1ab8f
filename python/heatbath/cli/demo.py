# SPDX-License-Identifier: Apache-2.0
"""`heatbath demo`: the story of the post the project grew from, told by the engine in a minute or two.

Noisy gradient descent on an energy landscape is Langevin dynamics: at low temperature it stays in the
well it starts in, at a fixed temperature it samples exp(−βE), and cooled slowly (annealing) it ends in
the global minimum. Every figure the demo prints is checked against an exact value.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import heatbath as hb
from heatbath.cli.errors import UserError, positive_int, require_extra, writable_folder


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="the guided tour: Langevin, annealing and more, with figures",
                       description=__doc__.splitlines()[0])
    p.add_argument("--out", default="heatbath-demo", help="folder for the PNG figures (default heatbath-demo)")
    p.add_argument("--chains", type=positive_int, default=20000, help="chains per run (default 20000)")
    p.add_argument("--steps", type=positive_int, default=20000, help="Langevin steps per run (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--no-plots", action="store_true", help="print the tables only, write no figures")
    p.set_defaults(run=run)


@dataclass
class Line:
    """One row of the closing summary: what was measured, and the exact value it should match."""
    section: str
    what: str
    measured: float
    exact: float
    tolerance: float

    @property
    def agrees(self) -> bool:
        return abs(self.measured - self.exact) <= self.tolerance


# --- the double well -------------------------------------------------------------------------------

BARRIER_TOP = 0.12545  # the local maximum of x⁴ − 4x² + x, between the wells (root of 4x³ − 8x + 1)
LOCAL_MIN = 1.34692


def global_well_fraction_exact(beta: float) -> float:
    """P(x < barrier top) under exp(−βE)/Z, by quadrature."""
    grid = np.linspace(-4.0, 4.0, 200001)
    e = grid**4 - 4 * grid**2 + grid
    w = np.exp(-beta * (e - e.min()))
    left = grid < BARRIER_TOP
    return float(w[left].sum() / w.sum())


def double_well(args, figures) -> list[Line]:
    target = hb.DoubleWell()
    chains, steps, h = args.chains, args.steps, 0.01
    x0 = np.full((chains, 1), LOCAL_MIN, np.float32)  # every chain starts in the shallower, right-hand well
    runs = [  # label, method, β (or schedule), final β, the exact value to compare with (None: no claim)
        ("gradient descent (no noise)", "ula", 1e9, None, 0.0),
        ("Langevin, cold: β = 6", "ula", 6.0, 6.0, None),
        ("annealed: β 0.5 → 6", "ula", hb.schedules.geometric(0.5, 6.0, steps), 6.0, None),
        ("MALA at β = 1", "mala", 1.0, 1.0, None),
    ]
    print("\n1. Noisy gradient descent on the double well E(x) = x⁴ − 4x² + x")
    print(f"   {chains} chains start in the right-hand (local) well; the global minimum is on the left.")
    print(f"   {'run':<30} {'P(global well)':>15} {'equilibrium':>12} {'mean E':>9} {'M steps/s':>10}")
    lines, results = [], {}
    for label, method, beta, beta_end, _ in runs:
        start = time.perf_counter()
        res = hb.langevin(target, x0, steps, h, method, beta=beta, seed=args.seed, thin=max(1, steps // 200),
                          progress=False)
        rate = chains * steps / (time.perf_counter() - start) / 1e6
        results[label] = res
        measured = float(np.mean(res.x[:, 0] < BARRIER_TOP))
        exact = global_well_fraction_exact(beta_end) if beta_end is not None else None
        shown = f"{exact:12.4f}" if exact is not None else f"{'-':>12}"
        print(f"   {label:<30} {measured:15.4f} {shown} {float(res.energy.mean()):+9.3f} {rate:10.1f}")
        results[label] = (res, measured, exact)
    # Gradient descent has no noise: nothing leaves the starting well.
    lines.append(Line("double well", "P(global well), no noise", results[runs[0][0]][1], 0.0, 0.0))
    # MALA is exact, and 200 time units are many relaxation times of the right-hand well at β = 1; the
    # chains are independent, so the binomial standard error is the Monte Carlo error.
    _, measured, exact = results["MALA at β = 1"]
    se = np.sqrt(exact * (1 - exact) / chains)
    lines.append(Line("double well", "P(global well), MALA at β = 1", measured, exact, 5 * se))
    # Cooled slowly, the chains reach the global well that a cold run never finds in the same time.
    _, cold, _ = results["Langevin, cold: β = 6"]
    _, annealed, exact = results["annealed: β 0.5 → 6"]
    lines.append(Line("double well", "P(global well), annealed (≥ 0.9)", annealed, exact, exact - 0.9))
    lines.append(Line("double well", "P(global well), cold run (stuck)", cold, 0.0, 0.01))
    print("   Without noise, or too cold, the chains stay where they start; at β = 1 they sample exp(−E)/Z;")
    print("   cooled slowly from a high temperature they end in the global minimum.")
    if figures is not None:
        from heatbath import plots

        annealed = results["annealed: β 0.5 → 6"][0]
        figures.save(plots.landscape(target, annealed, chains=3, title="annealed Langevin on the double well"),
                     "double_well_annealing.png")
        figures.save(plots.histogram(results["MALA at β = 1"][0], target, beta=1.0,
                                     title="MALA at β = 1 against exp(−E)/Z"), "double_well_histogram.png")
    return lines


# --- driver ----------------------------------------------------------------------------------------

class Figures:
    """Where the PNGs go; remembers what it wrote for the closing summary."""

    def __init__(self, folder):
        self.folder = folder
        self.written = []

    def save(self, fig, name: str) -> None:
        path = self.folder / name
        fig.savefig(path, dpi=110)
        self.written.append(path)


def run(args) -> int:
    figures = None
    if not args.no_plots:
        require_extra("matplotlib", "plots")
        figures = Figures(writable_folder(args.out))
    if args.steps < 100:
        raise UserError("--steps: the demo needs at least 100 steps")
    print(f"heatbath {hb.__version__}: {hb.get_num_threads()} CPU threads, CPU kernels "
          f"{hb._core.cpu_isa()}, CUDA {'available' if hb.cuda_available() else 'not available'}")
    lines = double_well(args, figures)

    print("\nSummary (measured against exact values)")
    print(f"   {'section':<12} {'quantity':<36} {'measured':>10} {'exact':>10}  agrees")
    for line in lines:
        print(f"   {line.section:<12} {line.what:<36} {line.measured:10.4f} {line.exact:10.4f}  "
              f"{'yes' if line.agrees else 'NO'}")
    if figures is not None:
        print(f"\nFigures in {figures.folder}/: " + ", ".join(p.name for p in figures.written))
    return 0 if all(line.agrees for line in lines) else 1
