# SPDX-License-Identifier: Apache-2.0
"""The two work items every peer runs, their starting points and the statistics that show a broken peer.

A. ULA on the double well E(x) = sum_i x_i^4 - 4 x_i^2 + x_i.
B. MALA on a 2-D mixture of four Gaussians at (+-2, +-2), sd 0.5, equal weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    chains: int
    steps: int
    step_size: float
    beta: float
    dim: int


DOUBLE_WELL = Item("A", "ULA on the double well x^4 - 4x^2 + x", 100_000, 1_000, 0.01, 1.0, 1)
MIXTURE = Item("B", "MALA on a 2-D mixture of 4 Gaussians", 10_000, 1_000, 0.05, 1.0, 2)


@dataclass(frozen=True)
class Mixture:
    """E(x) = -log sum_k w_k N(x; mu_k, sd_k^2 I), with the per-component constants precomputed so that
    every peer evaluates E = -logsumexp_k(log_norm_k - |x - mu_k|^2 * half_prec_k)."""
    means: np.ndarray       # [K, dim] float32
    sds: np.ndarray         # [K] float32
    weights: np.ndarray     # [K] float32
    log_norm: np.ndarray    # [K] float32: log w_k - dim log sd_k - dim/2 log(2 pi)
    half_prec: np.ndarray   # [K] float32: 1 / (2 sd_k^2)


def four_gaussians() -> Mixture:
    means = np.array([[2, 2], [2, -2], [-2, 2], [-2, -2]], dtype=np.float32)
    sds = np.full(4, 0.5, dtype=np.float32)
    weights = np.full(4, 0.25, dtype=np.float32)
    dim = means.shape[1]
    log_norm = np.log(weights) - dim * np.log(sds) - 0.5 * dim * math.log(2 * math.pi)
    return Mixture(means, sds, weights, log_norm.astype(np.float32), (0.5 / sds**2).astype(np.float32))


def x0_for(item: Item, chains: int) -> np.ndarray:
    """The same starting points for every peer; a peer run on fewer chains takes the first rows, which
    are draws from the same distribution, so its end statistics estimate the same numbers.

    A: N(0, 1), so chains start on both sides of the barrier. B: N(0, 3^2 I), symmetric about the
    origin, so each quadrant (one mode each) ends up with a quarter of the chains."""
    rng = np.random.default_rng(20240601)
    scale = 1.0 if item is DOUBLE_WELL else 3.0
    x0 = rng.standard_normal((max(chains, item.chains), item.dim), dtype=np.float32)
    return np.ascontiguousarray(x0[:chains] * np.float32(scale))


def double_well_stats(x: np.ndarray) -> dict:
    """Final mean of x_0 over chains and its standard error: the cross-check of item A."""
    x = np.asarray(x, dtype=np.float64)[:, 0]
    return {"mean": float(x.mean()), "se": float(x.std() / math.sqrt(len(x))), "n": len(x)}


def mixture_stats(x: np.ndarray, mixture: Mixture) -> dict:
    """Fraction of chains in the (+, +) quadrant (exactly 1/4 by symmetry) and the mean squared distance to
    the nearest mode (dim * sd^2 = 0.5 for a sampler that is right within each mode)."""
    x = np.asarray(x, dtype=np.float64)
    quadrant = float(np.mean((x[:, 0] > 0) & (x[:, 1] > 0)))
    d2 = ((x[:, None, :] - mixture.means[None].astype(np.float64)) ** 2).sum(-1).min(1)
    return {"quadrant": quadrant, "msd": float(d2.mean()), "msd_se": float(d2.std() / math.sqrt(len(x))),
            "n": len(x)}
