# SPDX-License-Identifier: Apache-2.0
"""heatbath itself, through its public contract: one heatbath.langevin call runs every step for every
chain in compiled code (DESIGN.md, "Whole runs in compiled code"), so there is nothing to write by hand.
Also the generator-only limit of item A: the same number of float32 normals, and nothing else."""
from __future__ import annotations

import time

import numpy as np

NAME = "heatbath"


class Unavailable(RuntimeError):
    """heatbath is importable but lacks the entry point this row needs (it is being written)."""


def _hb():
    import heatbath  # noqa: PLC0415

    if not hasattr(heatbath, "langevin"):
        raise Unavailable(f"heatbath {heatbath.__version__} has no heatbath.langevin")
    return heatbath


def threads() -> str:
    import heatbath  # noqa: PLC0415

    return str(heatbath.get_num_threads())


def prepare_ula(x0, n_steps, h, beta, seed):
    hb = _hb()
    target = hb.DoubleWell()

    def run():
        res = hb.langevin(target, x0, n_steps, h, method="ula", beta=beta, seed=seed)
        return np.asarray(res.x), None

    return run, None


def prepare_mala(x0, n_steps, h, beta, mix, seed):
    hb = _hb()
    target = hb.GaussianMixture(mix.means, mix.sds, mix.weights)

    def run():
        res = hb.langevin(target, x0, n_steps, h, method="mala", beta=beta, seed=seed)
        return np.asarray(res.x), float(np.mean(res.accept_rate))  # accept_rate is per chain

    return run, None


def normal_rates(chains: int, n_steps: int, repeat: int, block: int = 8) -> dict:
    """Float32 normals per second from heatbath.random.normal, best of `repeat`, three ways, keyed by a
    label that names the calls:

    per step: one [chains, 1] call per step with step=t, as a sampler draws them; every call pays
    the Python entry, and a Philox block of four values yields one.
    blocks: [chains, block] per call; the output stays in cache, the entry cost is spread.
    one call: [chains, n_steps]; no per-call cost, but every value goes out to memory.
    """
    import heatbath as hb  # noqa: PLC0415 (heatbath.random exists before heatbath.langevin does)

    block = max(1, min(block, n_steps))
    per_step = np.empty((chains, 1), dtype=np.float32)
    blocked = np.empty((chains, block), dtype=np.float32)
    whole = np.empty((chains, n_steps), dtype=np.float32)

    def draw_per_step():
        for t in range(n_steps):
            hb.random.normal(per_step, seed=0, step=t)

    def draw_blocks():
        for t in range(0, n_steps - n_steps % block, block):
            hb.random.normal(blocked, seed=0, step=t)
        if n_steps % block:
            hb.random.normal(blocked[:, : n_steps % block], seed=0, step=n_steps - n_steps % block)

    def draw_whole():
        hb.random.normal(whole, seed=0, step=0)

    calls = {
        f"per step [{chains}, 1] x {n_steps}": draw_per_step,
        f"blocks [{chains}, {block}] x {-(-n_steps // block)}": draw_blocks,
        f"one call [{chains}, {n_steps}]": draw_whole,
    }
    rates = {}
    for label, call in calls.items():
        call()  # warm-up: page faults of the output, OpenMP's thread pool
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
        rates[label] = chains * n_steps / best
    return rates
