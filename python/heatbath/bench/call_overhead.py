# SPDX-License-Identifier: Apache-2.0
"""What a short call costs besides its sampling: the per-call and per-step fixed costs that decide small
batches (a PCD step's Gibbs call on 100 chains, a TorchPotential step on 1,000), each beside the torch
code a user would write, and the TorchPotential step also with heatbath's hand-over of torch tensors
switched off (every tensor then goes through torch's own ``__dlpack__``, with its stream handshake on
CUDA).

    python -m heatbath.bench.call_overhead                  # on cuda (benchmarks/gpu_check.sh runs it)
    python -m heatbath.bench.call_overhead --device cpu     # the same code on the CPU (--quick: a smoke run)
    python -m heatbath.bench.call_overhead --profile        # and where hb.gibbs's short calls spend their time

Times are microseconds per call (or per step), the best of --repeat loops, each ended by a device
synchronisation; the torch rows time the same work written as a torch loop, in loops that take turns
with heatbath's.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import time

import heatbath as hb
from heatbath import _arrays


def per_call_us_in_turns(torch, device: str, runs: dict, calls: int, repeat: int) -> dict:
    """The best of `repeat` loops of `calls` calls (after a warm-up round), in µs per call, of each of `runs`
    (label -> run()), the loops of different runs taking turns within each round: GPU calls this short
    are host time, and a slow spell of a shared host then falls on every run instead of on whichever was
    being timed. Each loop ends with a device synchronisation."""
    best = dict.fromkeys(runs, float("inf"))
    for round_ in range(repeat + 1):  # round 0 warms up and is not counted
        for label, run in runs.items():
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(calls):
                run()
            if device == "cuda":
                torch.cuda.synchronize()
            if round_:
                best[label] = min(best[label], (time.perf_counter() - start) / calls * 1e6)
    return best


def per_call_us(torch, device: str, run, calls: int, repeat: int) -> float:
    """Best of `repeat` loops of `calls` calls of run(), after a warm-up loop, in µs per call."""
    return per_call_us_in_turns(torch, device, {"run": run}, calls, repeat)["run"]


@contextlib.contextmanager
def handshake_for_every_tensor():
    """heatbath's hand-over of torch tensors switched off: the core calls torch's __dlpack__ for each."""
    real = _arrays.device_view
    _arrays.device_view = lambda stream, device: _arrays._same
    try:
        yield
    finally:
        _arrays.device_view = real


def dlpack_rows(torch, device: str, repeat: int, calls: int) -> list:
    x = torch.zeros(100, 64, device=device)
    stream = (torch.cuda.current_stream().cuda_stream or 1) if device == "cuda" else None  # DLPack: default = 1
    wrapped = _arrays.SameStreamTensor(x, x.__dlpack_device__())
    return [("torch __dlpack__ (with the stream)", per_call_us(
                torch, device, lambda: x.__dlpack__(stream=stream, max_version=(1, 0)), 4 * calls, repeat)),
            ("heatbath's hand-over export", per_call_us(
                torch, device, lambda: wrapped.__dlpack__(max_version=(1, 0)), 4 * calls, repeat))]


def gibbs_rows(torch, device: str, repeat: int, calls: int) -> list:
    gen = torch.Generator().manual_seed(0)
    w = torch.nn.Parameter((0.01 * torch.randn(64, 64, generator=gen)).to(device))
    b, c = (torch.nn.Parameter(torch.zeros(64, device=device)) for _ in range(2))
    model = hb.RBM(w, b, c)
    v = (torch.rand(100, 64, generator=gen) < 0.5).float().to(device)
    state = [hb.gibbs(model, v.clone(), 1, seed=0, progress=False).state]

    def heatbath_step():
        state[0] = hb.gibbs(model, state[0], 1, inplace=True, progress=False).state

    def torch_step():
        h = torch.bernoulli(torch.sigmoid(v @ w + c))
        torch.bernoulli(torch.sigmoid(h @ w.t() + b), out=v)

    with torch.no_grad():
        best = per_call_us_in_turns(torch, device, {"hb": heatbath_step, "torch": torch_step}, calls, repeat)
    # (No row with torch's __dlpack__ here: from its second call on, a PCD loop's in-place call runs through
    # the core's session, which holds what the first call handed over.)
    return [("hb.gibbs, RBM 64x64, 100 chains, k = 1", best["hb"]), ("torch Gibbs step, the same model", best["torch"])]


def pcd_part_rows(torch, device: str, repeat: int, calls: int) -> list:
    """A PCD update's parts apart (heatbath.bench.compare_pcd, k = 1): heatbath's Gibbs call, torch's Gibbs step
    into its buffers, and the statistics and update that both share (with the training's learning rate: at
    zero torch skips work), on the digits and MNIST-sized models."""
    from heatbath.bench.compare_pcd import BATCH, LR, _statistics  # noqa: PLC0415

    rows = []
    for n_visible, n_hidden in ((64, 64), (784, 500)):
        for chains in (100, 1000):
            gen = torch.Generator().manual_seed(0)
            params = [torch.nn.Parameter(x.to(device)) for x in (
                0.01 * torch.randn(n_visible, n_hidden, generator=gen), torch.zeros(n_visible), torch.zeros(n_hidden))]
            w, b, c = params
            model = hb.RBM(*params)
            v = (torch.rand(chains, n_visible, generator=gen) < 0.5).float().to(device)
            batch = (torch.rand(BATCH, n_visible, generator=gen) < 0.2).float().to(device)
            state = [hb.gibbs(model, v.clone(), 1, seed=0, progress=False).state]
            ph = torch.empty(chains, n_hidden, device=device)
            h, pv = torch.empty_like(ph), torch.empty_like(v)

            def heatbath_step():
                state[0] = hb.gibbs(model, state[0], 1, inplace=True, progress=False).state

            def torch_step():
                torch.addmm(c, v, w, out=ph).sigmoid_()
                torch.bernoulli(ph, out=h)
                torch.addmm(b, h, w.T, out=pv).sigmoid_()
                torch.bernoulli(pv, out=v)

            label = f"PCD {n_visible}x{n_hidden}, {chains} chains, k = 1:"
            parts = {"hb.gibbs": heatbath_step, "torch step": torch_step,
                     "statistics": lambda: _statistics(params, batch, v, lr=LR)}
            with torch.no_grad():
                best = per_call_us_in_turns(torch, device, parts, calls, repeat)
            rows += [(f"{label} {name}", us) for name, us in best.items()]
    return rows


def profile_gibbs_calls(torch, device: str, calls: int, top: int = 15) -> str:
    """cProfile's table of the Python functions that hb.gibbs's short calls spend their time in."""
    import cProfile  # noqa: PLC0415
    import io  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    gen = torch.Generator().manual_seed(0)
    model = hb.RBM(*(t.to(device) for t in (0.01 * torch.randn(64, 64, generator=gen), torch.zeros(64),
                                            torch.zeros(64))))
    state = hb.gibbs(model, (torch.rand(100, 64, generator=gen) < 0.5).float().to(device), 1, seed=0,
                     progress=False).state
    profiler = cProfile.Profile()
    with torch.no_grad():
        profiler.enable()
        for _ in range(calls):
            state = hb.gibbs(model, state, 1, inplace=True, progress=False).state
        if device == "cuda":
            torch.cuda.synchronize()
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def torch_potential_rows(torch, device: str, repeat: int, calls: int) -> list:
    gen = torch.Generator().manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.Tanh(), torch.nn.Linear(64, 1)).to(device)
    energy = lambda y: mlp(y).squeeze(-1)  # noqa: E731
    pot = hb.TorchPotential(energy, name="mlp")
    x0 = torch.randn(1000, 16, generator=gen).to(device)
    steps, runs = 50, max(1, calls // 50)

    def heatbath_run():
        hb.langevin(pot, x0, steps, 0.01, "ula", seed=0, progress=False)

    def torch_run():
        x = x0.clone()
        for _ in range(steps):
            y = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(energy(y).sum(), y)
            x = x - 0.01 * g + 0.1414 * torch.randn_like(x)

    best = per_call_us_in_turns(torch, device, {"hb": heatbath_run, "torch": torch_run}, runs, repeat)
    rows = [("TorchPotential ULA, MLP d16, 1,000 chains, per step", best["hb"] / steps)]
    with handshake_for_every_tensor():
        rows.append(("  the same, torch's __dlpack__ for each tensor",
                     per_call_us(torch, device, heatbath_run, runs, repeat) / steps))
    rows.append(("torch ULA loop, the same energy, per step", best["torch"] / steps))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer calls per loop: a smoke run")
    parser.add_argument("--profile", action="store_true", help="then cProfile's table of hb.gibbs's short calls")
    parser.add_argument("--pcd", action="store_true", help="and a PCD update's parts apart (k = 1)")
    args = parser.parse_args(argv)
    import torch  # noqa: PLC0415

    if args.device == "cuda" and not (torch.cuda.is_available() and hb.cuda_available()):
        print("no CUDA device for torch and heatbath", file=sys.stderr)
        return 1
    where = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    print(f"heatbath {hb.__version__}, torch {torch.__version__}, device {where}; µs per call (or step), best of "
          f"{args.repeat}")
    calls = 20 if args.quick else 500
    makers = (dlpack_rows, gibbs_rows, torch_potential_rows) + ((pcd_part_rows,) if args.pcd else ())
    rows = [row for make in makers for row in make(torch, args.device, args.repeat, calls)]
    for label, us in rows:
        print(f"{label:<52} {us:9.2f}", flush=True)
    if args.profile:
        print(profile_gibbs_calls(torch, args.device, calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
