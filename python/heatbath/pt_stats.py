# SPDX-License-Identifier: Apache-2.0
"""Summaries of a parallel-tempering run from the per-column accumulators of the swap pass
(csrc/heatbath/pt_swap.h), and the theory they are checked against.

- rejection r_k: mean of 1 − α_k over the proposals of pair k (all chains);
- communication barrier Λ = Σ_k r_k and local barrier λ ≈ r_k / (β_{k+1} − β_k) at pair midpoints
  (Syed et al. 2022, §4);
- round trip rate: completed β_0 → β_K → β_0 cycles of all replicas of a column, per round;
- log Z(1) − log Z(0) by the stepping stone (Xie et al. 2011) in both directions.
"""
from __future__ import annotations

import numpy as np


def pooled_log_mean_exp(m: np.ndarray, s: np.ndarray, n) -> np.ndarray:
    """log((1/n) Σ exp(v)) per pair, from per-column running log-sum-exps (m, s) of shape [pairs, chains];
    n: the number of values, one for all pairs or one per pair."""
    ok = s > 0
    top = np.where(ok, m, -np.inf).max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    # Columns without values (s = 0) take the shift itself, so that no exp of theirs can overflow.
    total = np.where(ok, s * np.exp(np.where(ok, m, top) - top), 0.0).sum(axis=1)
    with np.errstate(divide="ignore"):
        return top[:, 0] + np.log(total) - np.log(n)


def stepping_stone(fwd_max, fwd_sum, rev_max, rev_sum, n):
    """(forward per pair, reverse per pair) estimates of log Z_{k+1} / Z_k."""
    forward = pooled_log_mean_exp(fwd_max, fwd_sum, n)
    reverse = -pooled_log_mean_exp(rev_max, rev_sum, n)
    return forward, reverse


def round_trip_rate_theory(rejection, scheme: str = "deo") -> float:
    """Round trips per round of the K + 1 replicas of a column when local moves mix perfectly (Syed et al.
    2022, Theorem 3): 1 / (2 + 2 Σ r/(1−r)) for DEO, 1 / (2K + 2 Σ r/(1−r)) for SEO."""
    r = np.asarray(rejection, dtype=np.float64)
    e = float(np.sum(r / (1.0 - r)))
    return 1.0 / ((2.0 if scheme == "deo" else 2.0 * r.size) + 2.0 * e)
