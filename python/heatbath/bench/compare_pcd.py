# SPDX-License-Identifier: Apache-2.0
"""One RBM training step by persistent contrastive divergence: heatbath-driven against the same step in torch.

    python -m heatbath.bench.compare_pcd              # both models, k = 1 and 10, 100 and 1,000 chains
    python -m heatbath.bench.compare_pcd --quick      # fewer updates: a smoke run
    python -m heatbath.bench.compare_pcd --only digits --k 1 --chains 100 --threads 1

Issue 7: "the RBM PCD step must be faster than the same step written in torch". A step (one update) is

1. k block-Gibbs steps h ~ p(h | v), v ~ p(v | h) of the persistent fantasy chains [chains, V];
2. the statistics: p(h | v) of a minibatch of data and of the chains, ⟨v hᵀ⟩, ⟨v⟩, ⟨h⟩ of each;
3. the update θ += lr (data statistics − model statistics), in place.

heatbath: the parameters are torch tensors borrowed by ``hb.RBM``; step 1 is
``hb.gibbs(rbm, res.state, k, inplace=True)``, which continues the chains in their own arrays (the
first update copies the start, kept for the next run). torch: what a competent user writes,
``torch.addmm(...).sigmoid_()`` and ``torch.bernoulli`` into preallocated buffers under ``no_grad``,
the same k steps of both layers. Steps 2 and 3 are the same torch code for both (addmm + sigmoid_,
in-place addmm_/add_), so the two differ only in the sampling (not ``rbm.hidden_probs`` for step 2,
which would make the comparison about more than the sampler).

Models, float32: digits, 64 × 64 (scikit-learn's 8 × 8 digits, binarised; random pixels if scikit-learn
is missing), and MNIST-sized 784 × 500 (random pixels at density 0.13); minibatch 100; 100 persistent
chains (the usual choice: on the CPU both models run them as two 64-chain tiles, one per thread with two)
and 1,000; W ~ N(0, 0.01²). A rate is updates per second of the best of --repeat runs after a warm-up
run, heatbath's and torch's runs taking turns; ratio = heatbath's rate / torch's. The mean of the
chains' final visible states is printed as a self-check (both sample the same kind of model from the
same start). A row during which other processes took more than 10% of the machine is flagged: the
machine is shared.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

from heatbath.bench.peers import interference
from heatbath.bench.compare_rbm import BUSY_WARN

MODELS = {"digits": (64, 64, 1000), "mnist": (784, 500, 60)}  # V, H, updates per timed run (100 chains, k = 1)
BATCH = 100
LR = 0.01
IMPLEMENTATIONS = ("heatbath", "torch")


def best_in_turns(runs: dict, repeat: int):
    """The best time of each of `runs` (name -> run()) over `repeat` rounds after a warm-up round, the
    runs taking turns within each round: a slow spell of a shared host (a GPU's launches are host time)
    then falls on both sides instead of on whichever ran during it. Also each run's last result and the
    share of the machine that other processes took."""
    results = {name: run() for name, run in runs.items()}  # warm-up
    best = dict.fromkeys(runs, float("inf"))
    with interference.Meter() as meter:
        for _ in range(repeat):
            for name, run in runs.items():
                start = time.perf_counter()
                results[name] = run()
                best[name] = min(best[name], time.perf_counter() - start)
    return best, results, meter.others


def data_for(n_visible: int, seed: int = 0) -> np.ndarray:
    """Binary training images [n, V], float32: the digits for V = 64 (when scikit-learn is present),
    else random pixels at MNIST's density."""
    if n_visible == 64:
        try:
            from sklearn.datasets import load_digits  # noqa: PLC0415
        except ImportError:
            pass
        else:
            return (load_digits().data > 8).astype(np.float32)
    rng = np.random.default_rng(seed)
    return (rng.random((1_000, n_visible)) < 0.13).astype(np.float32)


def _statistics(params, v_data, v_model, lr: float = LR) -> None:
    """Steps 2 and 3, shared by both implementations: p(h | v) of the data and the chains, then
    θ += lr (data statistics − model statistics), in place."""
    import torch  # noqa: PLC0415 (a module-level import would make torch a requirement of the package)

    w, b, c = params
    ph_data, ph_model = torch.addmm(c, v_data, w).sigmoid_(), torch.addmm(c, v_model, w).sigmoid_()
    w.addmm_(v_data.T, ph_data, alpha=lr / v_data.shape[0]).addmm_(v_model.T, ph_model, alpha=-lr / v_model.shape[0])
    b.add_(v_data.mean(0) - v_model.mean(0), alpha=lr)
    c.add_(ph_data.mean(0) - ph_model.mean(0), alpha=lr)


def prepare(implementation: str, n_visible: int, n_hidden: int, k: int, chains: int = 100, *, device: str = "cpu",
            seed: int = 0):
    """A ``run(n_updates)`` that makes n_updates PCD steps from a fixed start and returns the chains'
    final visible states (a torch tensor). Each call starts again from the same parameters and chains;
    ``run.params`` are [W, b, c] as the last call left them."""
    import torch  # noqa: PLC0415

    gen = torch.Generator().manual_seed(seed)
    data = torch.from_numpy(data_for(n_visible, seed)).to(device)
    w0 = (0.01 * torch.randn(n_visible, n_hidden, generator=gen)).to(device)
    b0, c0 = torch.zeros(n_visible, device=device), torch.zeros(n_hidden, device=device)
    v_start = torch.bernoulli(torch.full((chains, n_visible), 0.5), generator=gen).to(device)
    picks = torch.randint(0, data.shape[0], (64, BATCH), generator=gen).to(device)  # minibatches, cycled
    batches = [data[p] for p in picks]
    params = [torch.nn.Parameter(x.clone()) for x in (w0, b0, c0)]

    def reset():
        with torch.no_grad():
            for p, x in zip(params, (w0, b0, c0)):
                p.copy_(x)

    if implementation == "heatbath":
        import heatbath as hb  # noqa: PLC0415

        rbm = hb.RBM(*params)

        def run(n_updates: int):
            reset()
            with torch.no_grad():
                # The first call copies v_start (kept for the next run); later ones continue the chains
                # in place, as the torch loop does in its buffers.
                res = hb.gibbs(rbm, v_start, k, seed=seed, progress=False)
                _statistics(params, batches[0], res.v)
                for i in range(1, n_updates):
                    res = hb.gibbs(rbm, res.state, k, inplace=True, progress=False)
                    _statistics(params, batches[i % len(batches)], res.v)
            return res.v

    elif implementation == "torch":
        w, b, c = params

        def run(n_updates: int):
            reset()
            torch_gen = torch.Generator(device=device).manual_seed(seed)
            v = v_start.clone()
            ph = torch.empty(chains, n_hidden, device=device)
            h, pv = torch.empty_like(ph), torch.empty_like(v)
            with torch.no_grad():
                for i in range(n_updates):
                    for _ in range(k):
                        torch.addmm(c, v, w, out=ph).sigmoid_()
                        torch.bernoulli(ph, generator=torch_gen, out=h)
                        torch.addmm(b, h, w.T, out=pv).sigmoid_()
                        torch.bernoulli(pv, generator=torch_gen, out=v)
                    _statistics(params, batches[i % len(batches)], v)
            return v

    else:
        raise ValueError(f"implementation: expected one of {IMPLEMENTATIONS}, got {implementation!r}")
    run.params = params  # the parameters as the last run left them, for checks
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4x fewer updates per timed run")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs of each implementation (default 3; 7 on a GPU, whose runs are short)")
    parser.add_argument("--only", choices=sorted(MODELS))
    parser.add_argument("--k", default="1,10", help="comma-separated Gibbs steps per update")
    parser.add_argument("--chains", default="100,1000", help="comma-separated numbers of persistent chains")
    parser.add_argument("--device", default="cpu", help="torch device of every tensor (cpu, cuda)")
    parser.add_argument("--threads", type=int, default=0, help="threads for heatbath and torch; 0: all cores")
    parser.add_argument("--updates", type=int, default=0,
                        help="PCD updates per timed run (0: about the same work per row, at least 200 on a GPU)")
    args = parser.parse_args(argv)
    if args.updates < 0:
        parser.error(f"argument --updates: expected a non-negative number of updates, got {args.updates}")
    import torch  # noqa: PLC0415

    import heatbath as hb  # noqa: PLC0415

    threads = args.threads or os.cpu_count() or 1
    hb.set_num_threads(threads)
    torch.set_num_threads(threads)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, threads {threads} "
          f"(heatbath and torch), torch {torch.__version__}, device {args.device}")
    print(f"# minibatch {BATCH}, float32; rate = PCD updates per second")
    print(f"{'model':>14} {'chains':>6} {'k':>3} {'heatbath /s':>12} {'torch /s':>10} {'ratio':>7} "
          f"{'mean v':>13}  note")
    worst = float("inf")
    for name, (V, H, updates) in MODELS.items():
        if args.only and name != args.only:
            continue
        for chains, k in ((int(n), int(k)) for n in args.chains.split(",") for k in args.k.split(",")):
            # About the same work per row: fewer updates for more chains and more steps. On a GPU an update
            # takes a fraction of a millisecond and each timed run starts from fresh chains: its first call
            # checks them (device syncs) and its next ones make the session and its CUDA graph, about 1.5 ms
            # together on an H200, as much as six updates. A training loop continues one run for thousands
            # of updates, so a GPU row makes at least 200 (50 with --quick): the start is then a few percent.
            # At least one update on the CPU even with --quick (a 784 × 500 row of 1,000 chains and k = 10
            # came to 0, and its rates to 0 / 0).
            floor = max(1, (200 if args.device.startswith("cuda") else 2) // (4 if args.quick else 1))
            n = args.updates or max(floor,
                                    int(updates * 100 / chains / (1 + (k - 1) / 2)) // (4 if args.quick else 1))
            runs = {}
            for implementation in IMPLEMENTATIONS:
                run = prepare(implementation, V, H, k, chains, device=args.device)

                def timed(run=run):
                    out = run(n)
                    sync()
                    return out

                runs[implementation] = timed
            repeat = args.repeat or (7 if args.device.startswith("cuda") else 3)
            best, v, others = best_in_turns(runs, repeat)
            rates = {name: n / seconds for name, seconds in best.items()}
            means = [float(v[name].float().mean()) for name in IMPLEMENTATIONS]
            notes = [] if others is None or others <= BUSY_WARN else [f"busy machine: others took {others:.0%}"]
            ratio = rates["heatbath"] / rates["torch"]
            worst = min(worst, ratio)
            print(f"{name + f' {V}x{H}':>14} {chains:6d} {k:3d} {rates['heatbath']:12.4g} {rates['torch']:10.4g} "
                  f"{ratio:7.2f} {means[0]:6.3f}/{means[1]:.3f}  {'; '.join(notes)}", flush=True)
    print(f"heatbath / torch, the slowest row: {worst:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
