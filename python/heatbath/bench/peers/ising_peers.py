# SPDX-License-Identifier: Apache-2.0
"""Checkerboard heat-bath sweeps of a 2-D Ising ferromagnet (J = 1, h = 0, periodic) written the way a
competent numpy or torch user would, for benchmarks/compare_ising.py: int8 spins, neighbour sums by
rolls, the acceptance probabilities looked up from a table of the five neighbour sums (no exp per
spin), float32 uniforms, one masked update per colour.

    prepare(name, spins0 [L, L] int8, n_sweeps, beta, seed) -> run
    run() -> final spins, numpy int8 [L, L] (starting from spins0 every time)
"""
from __future__ import annotations

import math
import os

import numpy as np

#: Threads for heatbath and torch (numpy's loop is single-threaded); compare_ising.py --threads sets it.
THREADS = os.cpu_count() or 1


def _table(beta):
    # P(s = +1 | neighbour sum S) = 1 / (1 + exp(-2 beta S)), S = -4, -2, 0, 2, 4 at index S + 4
    return np.array([1 / (1 + math.exp(-2 * beta * (k - 4))) for k in range(9)], np.float32)


def _numpy(spins0, n_sweeps, beta, seed):
    n = spins0.shape[0]
    colours = (np.add.outer(np.arange(n), np.arange(n)) % 2).astype(bool)
    masks = (~colours, colours)
    table = _table(beta)

    def run():
        rng = np.random.default_rng(seed)
        s = spins0.copy()
        for _ in range(n_sweeps):
            for mask in masks:
                nsum = np.roll(s, 1, 0) + np.roll(s, -1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 1)
                up = rng.random(s.shape, dtype=np.float32) < table[nsum + 4]
                s = np.where(mask, np.where(up, np.int8(1), np.int8(-1)), s)
        return s

    return run


def _torch(spins0, n_sweeps, beta, seed):
    import torch  # noqa: PLC0415 (lazy: a missing torch costs only its row)

    torch.set_num_threads(THREADS)
    n = spins0.shape[0]
    colours = torch.from_numpy(np.add.outer(np.arange(n), np.arange(n)) % 2 == 1)
    masks = (~colours, colours)
    table = torch.from_numpy(_table(beta))
    start = torch.from_numpy(spins0)
    one = torch.ones((), dtype=torch.int8)

    def run():
        gen = torch.Generator().manual_seed(seed)
        s = start.clone()
        u = torch.empty(s.shape, dtype=torch.float32)
        with torch.no_grad():
            for _ in range(n_sweeps):
                for mask in masks:
                    nsum = s.roll(1, 0) + s.roll(-1, 0) + s.roll(1, 1) + s.roll(-1, 1)
                    torch.rand(s.shape, out=u, generator=gen)
                    new = torch.where(u < table[(nsum + 4).long()], one, -one)
                    s = torch.where(mask, new, s)
        return s.numpy()

    return run


def _heatbath(spins0, n_sweeps, beta, seed, record):
    import heatbath as hb  # noqa: PLC0415

    hb.set_num_threads(THREADS)
    model = hb.Ising(spins0.shape)
    start = spins0[None]

    def run():
        return hb.gibbs(model, start, n_sweeps, beta=beta, seed=seed, record=record).spins[0]

    return run


PEERS = {
    "heatbath": lambda *a: _heatbath(*a, record=False),
    "heatbath+rec": lambda *a: _heatbath(*a, record=True),
    "numpy": _numpy,
    "torch": _torch,
}


def threads(name: str) -> str:
    if name == "numpy":
        return "1"
    if name == "torch":
        import torch  # noqa: PLC0415

        return str(torch.get_num_threads())
    import heatbath as hb  # noqa: PLC0415

    return str(hb.get_num_threads())


def prepare(name, spins0, n_sweeps, beta, seed):
    return PEERS[name](spins0, n_sweeps, beta, seed)
