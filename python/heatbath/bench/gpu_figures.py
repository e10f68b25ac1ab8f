# SPDX-License-Identifier: Apache-2.0
"""heatbath's figures on a CUDA GPU, each beside the torch loop a user would write on the same device.

    python -m heatbath.bench.gpu_figures                        # the full sizes, on cuda
    python -m heatbath.bench.gpu_figures --device cpu --quick   # a smoke run of the same code on the CPU

One table for the issues' GPU figures, in one process (benchmarks/gpu_check.sh runs it):
- Langevin: ULA on the double well and MALA on the 2-D mixture of four Gaussians (float32), built-in
  potentials, the same double well as a Numba user potential (numba.cuda kernels), and torch loops;
- Boltzmann machines: a 784 × 500 RBM's block Gibbs steps against a torch loop and against cuBLAS's own
  rate for the same products (4·V·H flops per chain-step, timed through torch.mm), and 2-D Ising heat-bath
  sweeps in spin updates per nanosecond beside NVIDIA's published multi-spin-coded record for the H100;
- torch: hb.TorchPotential with a small MLP energy against the plain torch loop;
- parallel tempering: rounds of the double well at 32 temperatures, in replica-steps per second.
A rate is work per second of the best of --repeat runs after one untimed warm-up, each run ended by a
device synchronisation; 'heatbath / torch' rows give heatbath's rate over the torch loop's on the same work.
"""
from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

import heatbath as hb
from heatbath.bench.peers import problems

# NVIDIA's multi-spin-coded 2-D Ising on one H100 (Romero et al., the cuda-samples/CUDA-Ising lineage,
# as the issue quotes it): spin updates per nanosecond. Printed beside heatbath's figure, not measured.
NVIDIA_ISING_RECORD_H100 = 900.0


def sync(torch, device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def best_of(torch, device: str, run, repeat: int) -> float:
    run()
    sync(torch, device)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        sync(torch, device)
        best = min(best, time.perf_counter() - start)
    return best


# --- the torch loops --------------------------------------------------------------------------------

def torch_ula_double_well(torch, x0, steps, h):
    scale = math.sqrt(2 * h)

    def run():
        x = x0.clone()
        noise, drift = torch.empty_like(x), torch.empty_like(x)
        for _ in range(steps):  # x − h (4x³ − 8x + 1) + sqrt(2h) ξ, in place
            torch.randn(x.shape, out=noise, device=x.device)
            torch.mul(x, x, out=drift)
            drift.mul_(-4 * h).add_(8 * h).mul_(x)
            x.add_(drift).sub_(h).add_(noise, alpha=scale)
        return x
    return run


def torch_mala_mixture(torch, x0, steps, h, mix):
    means, log_norm, half_prec = (torch.as_tensor(a, device=x0.device) for a in (mix.means, mix.log_norm,
                                                                                  mix.half_prec))

    def energy_grad(y):
        d = y.unsqueeze(1) - means
        a = log_norm - (d * d).sum(-1) * half_prec
        r = torch.softmax(a, 1) * (2 * half_prec)
        return -torch.logsumexp(a, 1), torch.einsum("nk,nkd->nd", r, d)

    def run():
        x = x0.clone()
        e_x, g_x = energy_grad(x)
        for _ in range(steps):
            y = x - h * g_x + math.sqrt(2 * h) * torch.randn_like(x)
            e_y, g_y = energy_grad(y)
            fwd, bwd = y - x + h * g_x, x - y + h * g_y
            log_alpha = e_x - e_y - ((bwd * bwd).sum(1) - (fwd * fwd).sum(1)) / (4 * h)
            acc = torch.log(torch.rand_like(e_x)) < log_alpha
            keep = acc[:, None]
            x, g_x, e_x = torch.where(keep, y, x), torch.where(keep, g_y, g_x), torch.where(acc, e_y, e_x)
        return x
    return run


def torch_rbm_gibbs(torch, w, b, c, v0, steps):
    def run():
        v = v0.clone()
        ph = torch.empty(v.shape[0], w.shape[1], device=v.device)
        for _ in range(steps):
            torch.addmm(c, v, w, out=ph).sigmoid_()
            h = torch.bernoulli(ph)
            v = torch.bernoulli(torch.addmm(b, h, w.t()).sigmoid_())
        return v
    return run


def torch_ising(torch, spins0, sweeps, beta):
    n = spins0.shape[-1]
    idx = torch.arange(n, device=spins0.device)
    colours = (idx[:, None] + idx[None, :]) % 2 == 1
    table = torch.tensor([1 / (1 + math.exp(-2 * beta * k)) for k in range(-4, 5)], device=spins0.device)
    one = torch.ones((), dtype=torch.int8, device=spins0.device)

    def run():
        s = spins0.clone()
        for _ in range(sweeps):
            for mask in (~colours, colours):
                nsum = s.roll(1, -2) + s.roll(-1, -2) + s.roll(1, -1) + s.roll(-1, -1)
                new = torch.where(torch.rand(s.shape, device=s.device) < table[(nsum + 4).long()], one, -one)
                s = torch.where(mask, new, s)
        return s
    return run


def torch_mlp_ula(torch, energy, x0, steps, h):
    def run():
        x = x0.clone()
        noise = torch.empty_like(x)
        for _ in range(steps):
            xg = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(energy(xg).sum(), (xg,))
            torch.randn(x.shape, out=noise, device=x.device)
            x.add_(g, alpha=-h).add_(noise, alpha=math.sqrt(2 * h))
        return x
    return run


# --- the table ---------------------------------------------------------------------------------------

class Table:
    def __init__(self, torch, device: str, repeat: int):
        self.torch, self.device, self.repeat = torch, device, repeat
        self.failed = False
        print(f"{'work':<34} {'implementation':<22} {'best s':>9} {'rate':>12} {'unit'}")

    def row(self, work: str, name: str, run, amount: float, unit: str):
        return self._rows(work, {name: run}, amount, unit)[name]

    def pair(self, work: str, unit: str, amount: float, ours: dict, torch_run):
        """heatbath's rows, then the torch loop's, with each heatbath rate over torch's in the last row."""
        rates = self._rows(work, {**ours, "torch loop": torch_run}, amount, unit)
        theirs = rates.pop("torch loop")
        for name, rate in rates.items():
            if rate and theirs:
                print(f"{'':<34} {name + ' / torch':<22} {'':>9} {rate / theirs:12.2f}")

    def _rows(self, work: str, runs: dict, amount: float, unit: str) -> dict:
        """The rate of each run (None where it failed), best of `repeat` timings after a warm-up. The runs
        take turns (one timing of each, then again), so that a slow spell of the host weighs on all of them,
        not on whichever ran through it: a short GPU run's time is mostly the host's."""
        best = {}
        for name, run in runs.items():
            try:
                best_of(self.torch, self.device, run, 0)  # the warm-up alone
                best[name] = float("inf")
            except Exception as exc:  # noqa: BLE001 (one failing row must not lose the table)
                print(f"{work:<34} {name:<22} failed: {type(exc).__name__}: {exc}")
                self.failed |= name.startswith("heatbath")
        for _ in range(self.repeat):
            for name in best:
                start = time.perf_counter()
                runs[name]()
                sync(self.torch, self.device)
                best[name] = min(best[name], time.perf_counter() - start)
        rates = {}
        for name in runs:
            rates[name] = amount / best[name] if name in best else None
            if name in best:
                print(f"{work:<34} {name:<22} {best[name]:9.4f} {rates[name]:12.4g} {unit}", flush=True)
        return rates


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="langevin,numba,mala,rbm,ising,torch,pt",
                        help="comma-separated rows among langevin, numba, mala, rbm, ising, torch, pt")
    args = parser.parse_args(argv)
    import torch  # noqa: PLC0415

    device, quick, only = args.device, args.quick, set(args.only.split(","))
    if device == "cuda" and not (torch.cuda.is_available() and hb.cuda_available()):
        print("no CUDA device for torch and heatbath (hb.cuda_available() is "
              f"{hb.cuda_available()}, torch.cuda.is_available() {torch.cuda.is_available()})", file=sys.stderr)
        return 1
    gpu = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    print(f"heatbath {hb.__version__}, torch {torch.__version__}, device {gpu}" + (", quick sizes" if quick else ""))
    table = Table(torch, device, args.repeat)
    on = lambda a: torch.as_tensor(a, device=device)  # noqa: E731

    if "langevin" in only or "numba" in only:
        chains, steps, h = (10_000, 20, 0.01) if quick else (1_000_000, 1_000, 0.01)
        x0 = on(problems.x0_for(problems.DOUBLE_WELL, chains))
        ours = {}
        if "langevin" in only:
            ours["heatbath"] = lambda: hb.langevin(hb.DoubleWell(), x0, steps, h, "ula", seed=0)
        if "numba" in only:
            from heatbath.bench.peers.heatbath_user_peer import double_well_energy, double_well_grad  # noqa: PLC0415

            from heatbath.bench.peers.heatbath_user_peer import compile_times  # noqa: PLC0415

            try:  # a failed compile probe (a subprocess) loses this row, not the table
                times = compile_times(device)
                print(f"(numba user potential on {device}, a new process's first call: {times['cold cache']:.2f} s "
                      f"with an empty kernel cache, {times['warm cache']:.2f} s with its cache)")
            except Exception as exc:  # noqa: BLE001
                print(f"(numba user potential on {device}: the compile-time probe failed: {type(exc).__name__}: {exc})")
                table.failed = True
            user = hb.potential(double_well_energy, double_well_grad, dim=1, name="user double well")
            ours["heatbath numba"] = lambda: hb.langevin(user, x0, steps, h, "ula", seed=0)
        table.pair(f"ULA double well {chains}x{steps}", "chain-steps/s", chains * steps, ours,
                   torch_ula_double_well(torch, x0, steps, h))

    if "mala" in only:
        chains, steps, h = (2_000, 20, 0.05) if quick else (100_000, 1_000, 0.05)
        mix = problems.four_gaussians()
        x0 = on(problems.x0_for(problems.MIXTURE, chains))
        target = hb.GaussianMixture(on(mix.means), on(mix.sds), on(mix.weights))
        table.pair(f"MALA mixture4 {chains}x{steps}", "chain-steps/s", chains * steps,
                   {"heatbath": lambda: hb.langevin(target, x0, steps, h, "mala", seed=0)},
                   torch_mala_mixture(torch, x0, steps, h, mix))

    if "rbm" in only:
        v_units, h_units, chains, steps = (64, 32, 100, 5) if quick else (784, 500, 1_000, 100)
        gen = torch.Generator().manual_seed(0)
        w = (0.01 * torch.randn(v_units, h_units, generator=gen)).to(device)
        b, c = torch.zeros(v_units, device=device), torch.zeros(h_units, device=device)
        v0 = on((np.random.default_rng(0).random((chains, v_units)) < 0.5).astype(np.float32))
        model = hb.RBM(w, b, c)
        work = f"RBM {v_units}x{h_units} {chains}x{steps}"
        table.pair(work, "chain-steps/s", chains * steps, {"heatbath": lambda: hb.gibbs(model, v0, steps, seed=0)},
                   torch_rbm_gibbs(torch, w, b, c, v0, steps))
        hv = torch.rand(chains, h_units, device=device)

        def products():  # the two products of a step, as many times as the run has steps
            for _ in range(steps):
                torch.mm(v0, w)
                torch.mm(hv, w.t())
        flops = 4.0 * v_units * h_units * chains * steps
        gemm = table.row(work, "sgemm alone (torch.mm)", products, flops, "flop/s")
        ours = table.row(work, "heatbath", lambda: hb.gibbs(model, v0, steps, seed=0), flops, "flop/s")
        if gemm and ours:
            print(f"{'':<34} {'heatbath / sgemm':<22} {'':>9} {ours / gemm:12.2%}")

    if "ising" in only:
        n, lattices, sweeps = (64, 2, 5) if quick else (4096, 4, 100)
        beta = 1 / 2.269
        spins = on(np.ones((lattices, n, n), np.int8))
        model = hb.Ising((n, n))
        work = f"Ising 2-D heat-bath {lattices}x{n}^2 x{sweeps}"
        table.pair(work, "updates/ns", lattices * n * n * sweeps / 1e9,
                   # record=False: the torch loop measures nothing either (as compare_ising's headline row)
                   {"heatbath": lambda: hb.gibbs(model, spins, sweeps, beta=beta, seed=0, record=False)},
                   torch_ising(torch, spins, sweeps, beta))
        if "H100" in gpu:
            print(f"(NVIDIA's published multi-spin-coded record on one H100: about {NVIDIA_ISING_RECORD_H100:g} "
                  "updates/ns)")

    if "torch" in only:
        from heatbath.bench.compare_torch import energy_fn, make_mlp  # noqa: PLC0415

        chains, steps, dim, h = (1_000, 5, 16, 0.01) if quick else (100_000, 200, 16, 0.01)
        energy = energy_fn(make_mlp(dim).to(device))
        x0 = on(np.random.default_rng(0).standard_normal((chains, dim), dtype=np.float32))
        pot = hb.TorchPotential(energy, name="mlp")
        table.pair(f"TorchPotential MLP d{dim} {chains}x{steps}", "chain-steps/s", chains * steps,
                   {"heatbath": lambda: hb.langevin(pot, x0, steps, h, "ula", seed=0, progress=False)},
                   torch_mlp_ula(torch, energy, x0, steps, h))

    if "pt" in only:
        replicas, chains, n_local, rounds = (8, 64, 2, 5) if quick else (32, 10_000, 10, 200)
        pt = hb.ParallelTempering(hb.DoubleWell(), replicas, sampler=hb.LangevinMove(0.01, "mala", n_local=n_local),
                                  reference=hb.GaussianReference(0.0, 2.0))
        x0 = on(np.zeros((chains, 1), np.float32))
        table.row(f"PT double well {replicas}T x{chains} n{n_local} x{rounds}", "heatbath",
                  lambda: pt.run(x0, rounds, seed=0), replicas * chains * n_local * rounds, "replica-steps/s")
    return 1 if table.failed else 0


if __name__ == "__main__":
    sys.exit(main())
