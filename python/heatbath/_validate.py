# SPDX-License-Identifier: Apache-2.0
"""Argument checks shared by the public entry points: clear errors naming the argument."""
from __future__ import annotations

import numbers

import numpy as np

SEED_LIMIT = 2**64


def as_seed(seed, arg: str = "seed") -> int:
    """A seed is an integer in [0, 2**64): the Philox key."""
    if type(seed) is not int:  # the common case skips the slower ABC check (calls in training loops)
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
            raise TypeError(f"argument '{arg}': expected an integer in [0, 2**64), got {type(seed).__name__}")
        seed = int(seed)
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"argument '{arg}': expected an integer in [0, 2**64), got {seed}")
    return seed


def as_int(value, arg: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi)."""
    if type(value) is not int:  # as in as_seed
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"argument '{arg}': expected an integer, got {type(value).__name__}")
        value = int(value)
    if not lo <= value < hi:
        raise ValueError(f"argument '{arg}': expected an integer in [{lo}, {hi}), got {value}")
    return value


def as_real(value, arg: str, what: str) -> float:
    """A real number given as a Python or numpy scalar or as a 0-d array (numpy, torch, cupy: a value a
    computation left in an array), as a float; TypeError naming arg and `what` for anything else."""
    if type(value) is float or type(value) is int:  # the common case skips the checks below
        return float(value)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"argument '{arg}': expected {what}, got a bool")
    if isinstance(value, numbers.Real):
        return float(value)
    if tuple(getattr(value, "shape", (None,))) == () and hasattr(value, "item") and not isinstance(value, (str, bytes)):
        item = value.item()
        # numbers.Real, not (int, float): a 0-d np.longdouble array's item() stays an np.longdouble.
        if isinstance(item, numbers.Real) and not isinstance(item, (bool, np.bool_)):
            return float(item)
    raise TypeError(f"argument '{arg}': expected {what} (a number or a 0-d array), got {type(value).__name__}")


def per_chain_betas(beta, n: int, dtype: str, unit: str = "chain") -> np.ndarray:
    """β as a number or one value per chain (lattice): a host array [n] of ``dtype``, every value
    positive and finite in that dtype (a β that overflows or underflows float32 is refused)."""
    from heatbath import _arrays  # noqa: PLC0415 (_arrays imports this module's users)

    if isinstance(beta, numbers.Real) and not isinstance(beta, (bool, np.bool_)):
        values = np.full(n, float(beta))
    else:
        try:
            if isinstance(beta, (str, bytes, bool, np.bool_)):  # True is not an inverse temperature of 1
                raise TypeError
            raw = np.asarray(_arrays.to_host(beta) if _arrays.supports_dlpack(beta) else beta)
            if raw.dtype.kind not in "iuf":  # strings would be parsed, booleans and complex values cast
                raise TypeError
            values = raw.astype(np.float64)
        except (TypeError, ValueError):
            what = type(beta).__name__ + (f" of {beta.dtype}" if getattr(beta, "ndim", 0) else "")
            raise TypeError(f"argument 'beta': expected a positive number or one per {unit}, got {what}") from None
        if values.ndim == 0:  # a 0-d array (np.array(0.5), torch.tensor(0.5)) is one number
            values = np.full(n, float(values))
        if values.shape != (n,):
            raise ValueError(f"argument 'beta': expected a number or an array of {n} values (one per {unit}), "
                             f"got shape {values.shape}")
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        cast = values.astype(dtype)
    if not (np.isfinite(values).all() and np.isfinite(cast).all() and (cast > 0).all()):
        raise ValueError(f"argument 'beta': every inverse temperature must be positive and finite in {dtype}, "
                         f"got {beta!r}")
    return cast


def positive_in(values, dtype: str, arg: str) -> None:
    """Refuses (ValueError naming arg) values that are not positive and finite once rounded to dtype: a
    float32 run would otherwise take a step size of 1e-46 as 0 or a β of 1e39 as infinity, silently."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        cast = values.astype(dtype)
    if not (np.isfinite(cast).all() and (cast > 0).all()):
        raise ValueError(f"argument '{arg}': must be positive and finite in {dtype}, got "
                         f"{values.item() if values.size == 1 else 'a value outside that range'}")


def state_counters(state, arg: str, counter: str, limit: int) -> tuple:
    """(seed, step or sweep, chain_start) of a sampler's state passed as argument `arg`, each checked: a
    state may be built or edited by hand, and the compiled entries would report a bad field as a
    pybind11 signature mismatch."""
    seed = as_seed(state.seed, f"{arg}.seed")
    count = as_int(getattr(state, counter), f"{arg}.{counter}", 0, limit + 1)
    chain_start = as_int(state.chain_start, f"{arg}.chain_start", 0, 2**32)
    return seed, count, chain_start


def checked_diverged_at(value, rows: int, steps: int, arg: str):
    """A continued state's diverged_at [rows] (int64: −1 for a healthy chain, else the step it diverged
    at, below the state's step counter `steps`), returned as given. A state may be edited by hand: a
    healthy chain marked with a later step would be frozen and reported diverged. The values are read
    where the array is on the host only: on a GPU the test would wait for the device."""
    from heatbath import _arrays  # noqa: PLC0415 (as above)

    if not _arrays.supports_dlpack(value):
        raise TypeError(f"argument '{arg}': expected an array (numpy, torch, cupy), got {type(value).__name__}")
    dtype = _arrays.dtype_of(value)
    if dtype != "int64":
        raise TypeError(f"argument '{arg}': expected dtype int64, got {dtype}")
    if tuple(value.shape) != (rows,):
        raise ValueError(f"argument '{arg}': expected shape ({rows},), one entry per chain, got {tuple(value.shape)}")
    if _arrays.device_of(value, arg).kind == "cpu":
        host = np.asarray(_arrays.to_host(value))
        if host.size and (host.min() < -1 or host.max() >= steps):
            raise ValueError(f"argument '{arg}': entries must be −1 (a healthy chain) or the step a chain diverged "
                             f"at, below the state's {steps} steps; got values in [{host.min()}, {host.max()}]")
    return value


def check_momenta(p, method: str) -> None:
    """A continued Langevin or PT state's momenta: an array exactly when its method is BAOAB (a state may be
    built or loaded by hand)."""
    from heatbath import _arrays  # noqa: PLC0415 (as above)

    if (p is None) == (method == "baoab"):
        raise ValueError(f"argument 'x0': a '{method}' state {'needs' if method == 'baoab' else 'has no'} momenta p")
    if p is not None and not _arrays.supports_dlpack(p):
        raise TypeError(f"argument 'x0.p': expected an array (numpy, torch, cupy), got {type(p).__name__}")
