# SPDX-License-Identifier: Apache-2.0
"""Shared test helpers: optional-library gates and array conversion across frameworks."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
needs_cupy = pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="cupy is not installed")


def to_numpy(x) -> np.ndarray:
    """A host numpy copy of a numpy, torch or cupy array."""
    if isinstance(x, np.ndarray):
        return x
    mod = type(x).__module__.split(".")[0]
    if mod == "torch":
        return x.detach().cpu().numpy()
    if mod == "cupy":
        return x.get()
    return np.asarray(x)


def empty_on(device: str, shape, dtype: str):
    """An array on `device`: numpy on cpu, torch (or cupy) on cuda."""
    if device == "cpu":
        return np.empty(shape, dtype=dtype)
    try:
        import torch

        return torch.empty(shape, dtype=getattr(torch, dtype), device="cuda")
    except ImportError:
        import cupy

        return cupy.empty(shape, dtype=dtype)
