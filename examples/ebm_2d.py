# SPDX-License-Identifier: Apache-2.0
"""An energy-based model of a 2-D ring, trained with short-run Langevin samples from heatbath.

    python examples/ebm_2d.py                       # a few minutes on a laptop CPU; writes ebm_2d.png
    python examples/ebm_2d.py --iters 200 --out ring.png

A small MLP E_θ(x) defines p_θ(x) ∝ exp(−E_θ(x)). Each iteration draws a batch of data and a batch of
model samples, and lowers the energy of the data while raising that of the samples (contrastive
divergence: the gradient of E(data) − E(samples) estimates that of the negative log-likelihood). The
samples come from ``hb.langevin`` on ``hb.TorchPotential(E_θ)``: a few ULA steps started from a replay
buffer of earlier samples (5% restarted from uniform noise each time), as in Du & Mordatch (2019). The
sampler never touches the network's parameters; their gradients come from the loss alone.
"""
from __future__ import annotations

import argparse
import math

import numpy as np
import torch

import heatbath as hb

BOX = 3.0  # the plot and the uniform noise cover [−BOX, BOX]²


def ring(n: int, rng: np.random.Generator, radius: float = 2.0, width: float = 0.15) -> np.ndarray:
    """n points near the circle of the given radius, float32 [n, 2]."""
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    r = radius + width * rng.standard_normal(n)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1).astype(np.float32)


def make_energy(hidden: int = 64) -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                               torch.nn.SiLU(), torch.nn.Linear(hidden, 1))


def train(iters: int = 1500, batch: int = 256, steps: int = 30, step_size: float = 0.01, buffer_size: int = 8192,
          reg: float = 0.1, lr: float = 1e-3, seed: int = 0, log_every: int = 0):
    """Trains an MLP energy on the ring; returns (network, data)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    net = make_energy()
    pot = hb.TorchPotential(lambda x: net(x).squeeze(-1), dim=2, name="mlp_energy")
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    data = torch.from_numpy(ring(50_000, rng))
    buffer = torch.from_numpy(rng.uniform(-BOX, BOX, (buffer_size, 2)).astype(np.float32))
    for it in range(iters):
        pick = torch.from_numpy(rng.integers(0, buffer_size, batch))
        start = buffer[pick]
        fresh = torch.from_numpy(rng.random(batch) < 0.05)
        start[fresh] = torch.from_numpy(rng.uniform(-BOX, BOX, (int(fresh.sum()), 2)).astype(np.float32))
        # seed = iteration: each call draws new noise (a run's numbers are a function of the seed).
        samples = hb.langevin(pot, start, steps, step_size, "ula", seed=it, progress=False).x
        samples = samples.clamp(-BOX, BOX)
        buffer[pick] = samples
        pos = data[torch.from_numpy(rng.integers(0, len(data), batch))]
        e_pos, e_neg = net(pos).squeeze(-1), net(samples).squeeze(-1)
        loss = e_pos.mean() - e_neg.mean() + reg * (e_pos**2 + e_neg**2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and it % log_every == 0:
            print(f"iter {it:5d}  E(data) {e_pos.mean().item():+.3f}  E(samples) {e_neg.mean().item():+.3f}")
    return net, data


def energy_gap(net: torch.nn.Module, data: torch.Tensor, n: int = 4096, seed: int = 1) -> tuple[float, float]:
    """(mean E on data, mean E on uniform noise over the box)."""
    rng = np.random.default_rng(seed)
    noise = torch.from_numpy(rng.uniform(-BOX, BOX, (n, 2)).astype(np.float32))
    with torch.no_grad():
        return float(net(data[:n]).mean()), float(net(noise).mean())


def plot(net: torch.nn.Module, data: torch.Tensor, path: str, grid: int = 200) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axis = torch.linspace(-BOX, BOX, grid)
    xx, yy = torch.meshgrid(axis, axis, indexing="xy")
    with torch.no_grad():
        e = net(torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)).reshape(grid, grid)
    density = torch.exp(-(e - e.min())).numpy()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.5))
    axes[0].scatter(*data[:2000].numpy().T, s=2, alpha=0.5)
    axes[0].set_title("data")
    axes[1].imshow(density, origin="lower", extent=(-BOX, BOX, -BOX, BOX), cmap="viridis")
    axes[1].set_title("learned density exp(−E)")
    for ax in axes:
        ax.set_xlim(-BOX, BOX)
        ax.set_ylim(-BOX, BOX)
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iters", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=30, help="Langevin steps per sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="ebm_2d.png")
    args = parser.parse_args(argv)
    net, data = train(args.iters, args.batch, args.steps, seed=args.seed, log_every=max(1, args.iters // 10))
    e_data, e_noise = energy_gap(net, data)
    plot(net, data, args.out)
    print(f"mean energy: data {e_data:+.3f}, uniform noise {e_noise:+.3f}; wrote {args.out}")
    return {"energy_data": e_data, "energy_noise": e_noise, "png": args.out}


if __name__ == "__main__":
    main()
