# SPDX-License-Identifier: Apache-2.0
"""`heatbath demo`: the story of the post the project grew from, told by the engine in a minute or two.

Noisy gradient descent on an energy landscape is Langevin dynamics: at low temperature it stays in the
well it starts in, at a fixed temperature it samples exp(−βE), and cooled slowly (annealing) it ends in
the global minimum. A lattice of spins orders below a critical temperature; a Boltzmann machine's
partition function is what normalises it. Every figure the demo prints is checked against an exact value.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

import heatbath as hb
from heatbath.cli.errors import UserError, positive_int, require_extra, seed, writable_folder


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="the guided tour: Langevin, annealing and more, with figures",
                       description=__doc__.splitlines()[0])
    p.add_argument("--out", default="heatbath-demo", help="folder for the PNG figures (default heatbath-demo)")
    p.add_argument("--chains", type=positive_int, default=20000, help="chains per run (default 20000)")
    p.add_argument("--steps", type=positive_int, default=20000, help="Langevin steps per run (default 20000)")
    p.add_argument("--ising-size", type=int, default=32, help="Ising lattice side, even (default 32)")
    p.add_argument("--sweeps", type=positive_int, default=2000, help="Ising sweeps (default 2000)")
    p.add_argument("--pt-size", type=int, default=12, help="lattice side for parallel tempering (default 12)")
    p.add_argument("--pt-chains", type=positive_int, default=32, help="chains per temperature (default 32)")
    p.add_argument("--pt-rounds", type=positive_int, default=400, help="burn-in and measured rounds per tempering run (default 400)")
    p.add_argument("--rbm-chains", type=positive_int, default=20000, help="RBM chains (default 20000)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
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


# --- the Ising model through its phase transition -----------------------------------------------------

def ising(args, figures) -> list[Line]:
    from heatbath import exact

    L, per_t, sweeps, burn = args.ising_size, 16, args.sweeps, args.sweeps // 4
    temps = np.linspace(1.5, 3.5, 11)
    betas = np.repeat(1.0 / temps, per_t)  # one β per lattice: the whole scan is one batch
    model = hb.Ising((L, L))
    spins0 = np.ones((betas.size, L, L), np.int8)  # ordered starts: no stripe states below T_c
    start = time.perf_counter()
    res = hb.gibbs(model, spins0, sweeps, beta=betas, seed=args.seed)
    rate = betas.size * L * L * sweeps / (time.perf_counter() - start) / 1e9
    n = L * L
    # Lattices are independent chains: the spread of their time averages is the Monte Carlo error,
    # whatever the autocorrelation time (long near T_c).
    e = res.energy[burn:].mean(0).reshape(temps.size, per_t) / n
    m = np.abs(res.magnetization[burn:]).mean(0).reshape(temps.size, per_t) / n
    e_mean, e_se = e.mean(1), e.std(1, ddof=1) / np.sqrt(per_t)
    m_mean = m.mean(1)
    e_exact = np.array([exact.ising2d_energy_per_site(1.0 / t, L) for t in temps])
    print(f"\n2. The 2-D Ising model through its phase transition (T_c = {1 / exact.CRITICAL_BETA:.4f})")
    print(f"   {betas.size} lattices of {L}x{L}, {per_t} per temperature, {sweeps} heat-bath sweeps in one call "
          f"({rate:.2f} spin updates per ns)")
    print(f"   {'T':>5} {'E/N':>9} {'± se':>7} {'exact E/N (L = ' + str(L) + ')':>20} {'|m|':>7} {'Onsager m (L = ∞)':>18}")
    for t, em, es, ex, mm in zip(temps, e_mean, e_se, e_exact, m_mean):
        print(f"   {t:5.2f} {em:9.4f} {es:7.4f} {ex:20.4f} {mm:7.4f} {exact.onsager_magnetization(1 / t):18.4f}")
    print("   Below T_c the lattices order (|m| near Onsager's curve); above it the order melts. Energies match")
    print("   Kaufman's exact finite-lattice values at every temperature, the critical region included.")
    worst = int(np.argmax(np.abs(e_mean - e_exact) / e_se))
    lines = [Line("Ising", f"E/N at T = {temps[worst]:.2f} (worst of {temps.size})", float(e_mean[worst]),
                  float(e_exact[worst]), float(5 * e_se[worst]))]
    # Far below T_c the finite-size correction to m is exponentially small in L.
    m_se = m[0].std(ddof=1) / np.sqrt(per_t)
    lines.append(Line("Ising", f"|m| at T = {temps[0]:.2f}", float(m_mean[0]), exact.onsager_magnetization(1 / temps[0]),
                      float(5 * m_se + 1e-3)))
    if figures is not None:
        from heatbath import plots

        figures.save(plots.ising_scan(temps, e_mean, e_se, e_exact, m_mean,
                                      [exact.onsager_magnetization(1 / t) for t in temps], L), "ising_transition.png")
        figures.save(plots.lattices(res.spins[[0, 5 * per_t, 10 * per_t]],
                                    [f"T = {temps[0]:.2f}", f"T = {temps[5]:.2f}", f"T = {temps[10]:.2f}"]),
                     "ising_lattices.png")
    return lines


# --- parallel tempering across the transition --------------------------------------------------------

def tempering(args, figures) -> list[Line]:
    from heatbath import exact

    L, t_min, chains, runs = args.pt_size, 1.6, args.pt_chains, 6
    model = hb.Ising((L, L), coupling=1.0 / t_min)  # β = 1 of the ladder is T = 1.6, deep in the ordered phase
    pt = hb.ParallelTempering(model, 16, adapt=127)  # tunes the ladder on its first run, keeps it after
    start = time.perf_counter()
    results = []
    for r in range(runs):
        # All chains start ordered (m = +1). The statistics are those of a second call, after a burn-in
        # of as many rounds, long enough for the chains to have made round trips through the ladder.
        warm = pt.run(np.ones((chains, L, L), np.int8), args.pt_rounds, seed=(args.seed + r) % 2**64)
        results.append(pt.run(warm.state, args.pt_rounds, thin=1))
    elapsed = time.perf_counter() - start
    log_z = np.array([r.log_z for r in results])
    log_z_exact = exact.ising2d_log_z(1.0 / t_min, L)
    # Six independent runs: their spread is the Monte Carlo error of the stepping-stone estimate.
    log_z_se = log_z.std(ddof=1) / np.sqrt(runs)
    # Below T_c the β = 1 chains must visit both signs of m equally often, which single-temperature
    # heat-bath from an ordered start never does (section 2). Chains are independent: their spread
    # gives the error of the mean fraction.
    frac = np.concatenate([(np.asarray(r.trace).reshape(r.trace.shape[0], chains, -1).sum(-1) < 0).mean(0)
                           for r in results])
    frac_se = frac.std(ddof=1) / np.sqrt(frac.size)
    last = results[-1]
    print(f"\n3. Parallel tempering across the Ising transition: {L}x{L}, 16 temperatures from T = ∞ to "
          f"T = {t_min}")
    print(f"   {runs} runs x {chains} chains x 2 x {args.pt_rounds} rounds (burn-in, then measured) in {elapsed:.1f} s; "
          "the ladder was tuned "
          f"for equal swap rejection: β·J = " + " ".join(f"{b / t_min:.2f}" for b in pt.betas[1:]))
    print(f"   barrier Λ = {last.barrier:.2f}, round trips per chain and round {last.round_trip_rate:.4f}, "
          f"swap acceptance {last.swap_rate.min():.2f} to {last.swap_rate.max():.2f}")
    print(f"   share of β = 1 samples with m < 0: {frac.mean():.3f} ± {frac_se:.3f} (exact: 1/2 by symmetry)")
    print(f"   log Z by stepping stone {log_z.mean():.3f} ± {log_z_se:.3f}, exact (Kaufman) {log_z_exact:.3f}")
    if figures is not None:
        from heatbath import plots

        figures.save(plots.tempering(last, title=f"parallel tempering, {L}x{L} Ising down to T = {t_min}"),
                     "ising_tempering.png")
    return [Line("tempering", "share of m < 0 at T = 1.6 (1/2)", float(frac.mean()), 0.5, float(5 * frac_se)),
            Line("tempering", "log Z by stepping stone", float(log_z.mean()), log_z_exact, float(5 * log_z_se))]


# --- a restricted Boltzmann machine ------------------------------------------------------------------

def rbm(args, figures) -> list[Line]:
    V, H, chains = 12, 8, args.rbm_chains
    rng = np.random.default_rng(args.seed)
    model = hb.RBM((0.6 * rng.standard_normal((V, H))).astype(np.float32),
                   (0.3 * rng.standard_normal(V)).astype(np.float32),
                   (0.3 * rng.standard_normal(H)).astype(np.float32))
    print(f"\n4. A restricted Boltzmann machine, V = {V} visible and H = {H} hidden units")
    start = time.perf_counter()
    res = hb.gibbs(model, np.zeros((chains, V), np.float32), 200, seed=args.seed)
    elapsed = time.perf_counter() - start
    # The exact p(v) by enumerating the 2^V visible states: p(v) ∝ exp(−F(v)).
    states = ((np.arange(2**V)[:, None] >> np.arange(V)) & 1).astype(np.float32)
    log_p = -hb.free_energy(model, states).astype(np.float64)
    log_z = hb.exact_log_z(model)
    p = np.exp(log_p - log_z)
    codes = (res.v.astype(np.int64) << np.arange(V)).sum(1)
    empirical = np.bincount(codes, minlength=2**V) / chains
    tv = 0.5 * np.abs(empirical - p).sum()
    # The same distance for an exact sampler with as many draws, to judge the measured one by.
    exact_tvs = [0.5 * np.abs(rng.multinomial(chains, p) / chains - p).sum() for _ in range(200)]
    bound = float(np.quantile(exact_tvs, 0.995))
    ais = hb.ais_log_z(model, n_chains=2000, betas=500, seed=args.seed)
    print(f"   {chains} chains x 200 block-Gibbs steps in {elapsed * 1e3:.0f} ms; p(v) over all {2**V} visible states:")
    print(f"   total variation to the exact p(v) {tv:.4f} (an exact sampler with {chains} draws: "
          f"{np.mean(exact_tvs):.4f} on average, {bound:.4f} at the 99.5th percentile)")
    print(f"   log Z: exact (enumeration) {log_z:.4f}, AIS {ais.log_z:.4f} ± {ais.log_z_se:.4f}")
    print("   The partition function is the price of normalising an energy model; AIS estimates it by")
    print("   annealing from a uniform model, and here the exact value is within its error bar.")
    return [Line("RBM", "TV distance of Gibbs samples (≤ exact-sampler 99.5 %)", tv, 0.0, bound),
            Line("RBM", "log Z by AIS (within 3 se)", ais.log_z, log_z, 3 * ais.log_z_se)]


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
    if args.steps < 100:
        raise UserError("--steps: the demo needs at least 100 steps")
    if args.ising_size < 4 or args.ising_size % 2:
        raise UserError(f"--ising-size: expected an even side of at least 4, got {args.ising_size}")
    if args.pt_size < 4 or args.pt_size % 2:
        raise UserError(f"--pt-size: expected an even side of at least 4, got {args.pt_size}")
    if args.pt_chains < 2:
        raise UserError("--pt-chains: at least 2 chains, for an error bar")
    if args.sweeps < 40:
        raise UserError("--sweeps: the demo needs at least 40 sweeps")
    figures = None
    if not args.no_plots:  # after the checks: a refused run leaves no folder behind
        require_extra("matplotlib", "plots")
        figures = Figures(writable_folder(args.out))
    print(f"heatbath {hb.__version__}: {hb.get_num_threads()} CPU threads, CPU kernels "
          f"{hb._core.cpu_isa()}, CUDA {'available' if hb.cuda_available() else 'not available'}")
    lines = double_well(args, figures) + ising(args, figures) + tempering(args, figures) + rbm(args, figures)

    print("\nSummary (measured against exact values)")
    print(f"   {'section':<12} {'quantity':<36} {'measured':>10} {'exact':>10}  agrees")
    for line in lines:
        print(f"   {line.section:<12} {line.what:<36} {line.measured:10.4f} {line.exact:10.4f}  "
              f"{'yes' if line.agrees else 'NO'}")
    if figures is not None:
        print(f"\nFigures in {figures.folder}/: " + ", ".join(p.name for p in figures.written))
    return 0 if all(line.agrees for line in lines) else 1
