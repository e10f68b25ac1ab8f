# SPDX-License-Identifier: Apache-2.0
"""Fixed-arity wrappers that let Numba inline a user's energy and gradient into the kernels.

The kernels pass the user's parameters as one tuple, but Numba's inliner cannot inline a call written
``fn(x, *params)``. The wrapper for n parameters spells the call out, ``fn(x, params[0], ...,
params[n − 1])``; it is itself inlined, and the user's function inside it.
"""
from __future__ import annotations

from numba import njit

__all__ = ["energy_call", "grad_call"]

_WRAPPERS: dict = {}


def _wrapper(kind: str, fn, n_params: int):
    key = (kind, fn, n_params)
    wrapper = _WRAPPERS.get(key)
    if wrapper is None:
        spread = "".join(f", params[{i}]" for i in range(n_params))
        if kind == "energy":
            source = f"def call(x, params):\n    return fn(x{spread})\n"
        else:
            source = f"def call(x, out, params):\n    fn(x, out{spread})\n"
        namespace = {"fn": fn}
        exec(compile(source, f"<heatbath {kind} call with {n_params} parameters>", "exec"), namespace)
        wrapper = _WRAPPERS[key] = njit(inline="always", error_model="numpy")(namespace["call"])
    return wrapper


def energy_call(fn, n_params: int):
    """call(x, params) -> fn(x, *params), inlinable."""
    return _wrapper("energy", fn, n_params)


def grad_call(fn, n_params: int):
    """call(x, out, params) -> fn(x, out, *params), inlinable."""
    return _wrapper("grad", fn, n_params)
