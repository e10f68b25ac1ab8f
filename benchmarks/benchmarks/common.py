# SPDX-License-Identifier: Apache-2.0
"""Sizes, allocation and timing shared by the benchmark modules (no benchmarks live here)."""
from __future__ import annotations

import functools
import time

import numpy as np

import heatbath as hb

# 4,000,000 values: large enough that a call is milliseconds on one core (so per-call overhead is
# noise), small enough that `asv run --quick` over every parameter stays fast.
SHAPE = (10_000, 400)  # [chains, n]
VALUES = SHAPE[0] * SHAPE[1]

# Best of a few calls: the least-disturbed run is the best estimate of what the generator can do.
REPEAT = 5


@functools.lru_cache(maxsize=None)
def torch_or_none():
    """torch, imported only by the benchmarks that use it: asv runs every parameter set in a fresh
    process, and importing torch costs more than a CPU benchmark itself."""
    try:
        import torch  # noqa: PLC0415 (lazy on purpose)
    except ImportError:
        return None
    return torch


def need_torch(device: str = "cpu"):
    """torch, or asv's skip (NotImplementedError) when it or a CUDA device for it is missing."""
    torch = torch_or_none()
    if torch is None:
        raise NotImplementedError("torch is not installed")
    if device == "cuda" and not torch.cuda.is_available():
        raise NotImplementedError("torch sees no CUDA device")
    return torch


def need_heatbath(device: str) -> None:
    if device == "cuda" and not hb.cuda_available():
        raise NotImplementedError("heatbath's CUDA backend is not compiled or no CUDA device is present")


def empty(dtype: str, device: str, framework: str = "numpy"):
    """An uninitialised SHAPE array; CUDA arrays are torch tensors (numpy has no device memory)."""
    if device == "cpu" and framework == "numpy":
        return np.empty(SHAPE, dtype=dtype)
    torch = need_torch(device)
    return torch.empty(SHAPE, dtype=getattr(torch, dtype), device=device)


def synchronize(device: str) -> None:
    # CUDA calls only queue work on the current stream; a timing must wait for it to finish.
    if device == "cuda":
        torch_or_none().cuda.synchronize()


def values_per_second(call, device: str) -> float:
    """VALUES divided by the best of REPEAT timed calls, after one warm-up call, to 4 significant
    figures (the timing is not more precise than that)."""
    call()
    synchronize(device)
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        call()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return float(f"{VALUES / best:.4g}")
