# SPDX-License-Identifier: Apache-2.0
"""Compiles and checks a user's energy and gradient for the kernels of langevin_kernels.py.

The user writes energy(x, *params) -> E and grad(x, out, *params) for ONE state x [dim]. Each is
jitted once per Python function (a module-level cache, so building the same potential twice compiles
nothing new) with ``inline='always'``, so the kernels inline them, and ``error_model='numpy'``: a
division by zero then gives inf or NaN, which the kernels treat as the core does (a diverged chain, a
rejected MALA proposal), instead of raising a Python exception from inside a compiled parallel loop,
which Numba cannot report cleanly there. The kernels for a pair of functions are built once too.
"""
from __future__ import annotations

import re

import numpy as np
from numba import njit, typeof, types
from numba.core.dispatcher import Dispatcher

from heatbath._numba.kernel_cache import code_fingerprint, heatbath_code_digest
from heatbath._numba.langevin_kernels import make_kernels
from heatbath._numba.langevin_launch import UserFunctions
from heatbath._numba.user_calls import energy_call, grad_call

__all__ = ["check_functions", "compile_functions", "describe", "jit_function", "tempered_functions"]

_JITTED: dict = {}  # user function (or dispatcher) -> the dispatcher the kernels call
_CHECKED: dict = {}  # the kernels' dispatcher -> the same Python function jitted with bounds checking
_KERNELS: dict = {}  # (energy dispatcher, gradient dispatcher, number of parameters, dim) -> make_kernels(...)
_OPTIONS = {"error_model": "numpy", "inline": "always"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_GUARD = 16  # values past the end of `out` that a gradient must leave alone


def describe(fn) -> str:
    """The name a message uses for a user function (or the Python function of a dispatcher): its __qualname__."""
    py = getattr(fn, "py_func", fn)
    name = getattr(py, "__qualname__", None) or getattr(py, "__name__", None) or repr(py)
    return f"'{name}'"


def jit_function(fn):
    """A dispatcher for fn jitted here with error_model='numpy' and inline='always', or fn itself if it
    already is one with those options.

    A dispatcher compiled with other options is re-jitted from its Python function with its remaining
    options kept, and without its on-disk cache: two dispatchers of one function with different
    options must not share cache files, whose index does not record options.
    """
    key = fn
    jitted = _JITTED.get(key)
    if jitted is not None:
        return jitted
    if isinstance(fn, Dispatcher):
        options = {k: v for k, v in fn.targetoptions.items() if k != "nopython"}
        if all(options.get(k) == v for k, v in _OPTIONS.items()) and fn._can_compile:
            jitted = fn
        else:
            options.pop("cache", None)
            jitted = njit(**{**options, **_OPTIONS})(fn.py_func)
    else:
        jitted = njit(**_OPTIONS)(fn)
    _JITTED[key] = jitted
    return jitted


def _numba_message(exc: BaseException, limit: int = 600) -> str:
    lines = []
    for line in _ANSI.sub("", str(exc)).splitlines():
        line = line.strip()
        if not line or line == "<source elided>" or line.startswith("During:"):
            continue
        lines.append(line)
        if len(lines) == 6:
            break
    text = " | ".join(lines)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _compile(dispatcher, argtypes: tuple, role: str, user_fn):
    try:
        dispatcher.compile(argtypes)
        signature = dispatcher.overloads[argtypes].signature
    except Exception as exc:  # Numba raises TypingError, UnsupportedError, LoweringError, TypeError, ...
        args = ", ".join(str(t) for t in argtypes)
        raise TypeError(f"heatbath.potential: Numba cannot compile the {role} function {describe(user_fn)} "
                        f"for arguments ({args}): {_numba_message(exc)}") from None
    return signature


def compile_functions(energy, grad, dtype, params: tuple) -> UserFunctions:
    """Compiles energy(x, *params) and grad(x, out, *params) for 1-D C-contiguous x of `dtype`."""
    energy_jit, grad_jit = jit_function(energy), jit_function(grad)
    x_type = types.Array(typeof(np.dtype(dtype).type(0)), 1, "C")
    param_types = tuple(typeof(p) for p in params)
    energy_sig = _compile(energy_jit, (x_type,) + param_types, "energy", energy)
    if not isinstance(energy_sig.return_type, (types.Float, types.Integer, types.Boolean)):
        raise TypeError(f"heatbath.potential: the energy function {describe(energy)} must return one real number "
                        f"for one state, but returns {energy_sig.return_type}")
    _compile(grad_jit, (x_type, x_type) + param_types, "gradient", grad)
    n_params = len(params)

    def kernels_for(dim: int, tempered: bool = False) -> dict:
        key = (energy_jit, grad_jit, n_params, dim, tempered)
        kernels = _KERNELS.get(key)
        if kernels is None:
            fingerprint = (f"{code_fingerprint(energy_jit, grad_jit)}:{heatbath_code_digest()}:{n_params}:{dim}:"
                           f"{'tempered' if tempered else ''}")
            kernels = _KERNELS[key] = make_kernels(energy_call(energy_jit, n_params, tempered),
                                                   grad_call(grad_jit, n_params, tempered), dim, fingerprint)
        return kernels

    return UserFunctions(energy_jit, grad_jit, kernels_for, tuple(params),
                         f"the energy {describe(energy)} or the gradient {describe(grad)}")


def tempered_functions(fns: UserFunctions, beta_row: np.ndarray, ref_mean: np.ndarray,
                       ref_inv_var: np.ndarray) -> UserFunctions:
    """The kernels of fns on the tempered path E_β = β E + (1 − β) E_ref, β = beta_row[chain] (parallel
    tempering: user_calls.py's tempered wrappers), with the arrays in front of the user's parameters.
    The arrays are read live: the swap pass rewrites beta_row between rounds."""
    kernels_for = fns.kernels_for
    params = (beta_row, ref_mean, ref_inv_var) + tuple(fns.params)
    # Calls with other arrays share the scan and the compiled entries of the first (about 0.8 ms a call).
    made = UserFunctions(fns.energy, fns.grad, lambda dim: kernels_for(dim, tempered=True), params, fns.label,
                         shared=fns.tempered_compiled)
    fns.tempered_compiled = made.compiled
    return made


def bounds_checked(jitted: Dispatcher) -> Dispatcher:
    """jitted's Python function compiled with Numba's bounds checking (once per function): the probe of
    check_functions calls it, so that an index past the end of x or out raises IndexError there instead of
    reading or writing past the buffer. The kernels call the unchecked dispatcher at full speed."""
    checked = _CHECKED.get(jitted)
    if checked is None:
        options = {k: v for k, v in jitted.targetoptions.items() if k not in ("nopython", "cache", "inline")}
        checked = _CHECKED[jitted] = njit(**{**options, "boundscheck": True})(jitted.py_func)
    return checked


def check_functions(fns: UserFunctions, energy, grad, x: np.ndarray, arg: str, usable=None,
                    require_finite: bool = True) -> None:
    """Calls the energy and gradient once from Python on one row of x [chains, dim], compiled with bounds
    checking, and checks what they did: inside a kernel a wrong length or a missing entry would go
    unnoticed, or worse, read or write past the end of a buffer and crash the interpreter. The row is the
    first finite one (among the rows flagged in `usable`).
    require_finite: E and every entry of ∇E must be finite there (for starting states; hb.energy and
    hb.grad may be asked about points outside the support, so they only check the length)."""
    rows = np.isfinite(x).all(axis=1)
    if usable is not None:
        rows &= usable
    found = np.flatnonzero(rows)
    if found.size == 0:
        return
    row = int(found[0])
    dim = x.shape[1]
    where = f"at {arg}[{row}]"
    state = np.array(x[row], order="C")  # a copy, compared with x afterwards: the functions must only read x

    def call(fn, role, *args):
        user = energy if role == "energy" else grad
        try:
            return bounds_checked(fn)(state, *args, *fns.params)
        except IndexError as exc:
            arrays = "x and out have" if role == "gradient" else "x has"
            raise ValueError(f"heatbath.potential: the {role} function {describe(user)} indexed an array out of "
                             f"bounds {where} ({exc}); {arrays} the state's length {dim}") from exc
        except Exception as exc:
            raise ValueError(f"heatbath.potential: the {role} function {describe(user)} raised {where}: "
                             f"{type(exc).__name__}: {exc}") from exc

    e = call(fns.energy, "energy")
    if require_finite and not np.isfinite(e):
        raise ValueError(f"heatbath.potential: the energy function {describe(energy)} returned {e} {where}; "
                         f"it must be finite at the starting states")
    if not np.array_equal(state, x[row]):
        raise ValueError(f"heatbath.potential: the energy function {describe(energy)} changed its input x {where}")
    buffer = np.full(dim + _GUARD, np.nan, dtype=x.dtype)
    out = buffer[:dim]
    call(fns.grad, "gradient", out)
    if not np.isnan(buffer[dim:]).all():
        raise ValueError(f"heatbath.potential: the gradient function {describe(grad)} wrote past the end of `out` "
                         f"{where}: out has the state's length {dim}; write exactly out[0] .. out[{dim - 1}]")
    bad = np.flatnonzero(~np.isfinite(out))
    if not require_finite and np.isnan(out).any():
        # NaN may be the gradient's value here; an entry that follows the buffer's prior contents is not
        # (left unset, or added to before written: garbage in the kernels' uninitialised buffers)
        first_fill = out.copy()
        out[:] = np.finfo(x.dtype).max
        call(fns.grad, "gradient", out)
        unset = np.flatnonzero(~((out == first_fill) | (np.isnan(out) & np.isnan(first_fill))))
        if unset.size:
            raise ValueError(f"heatbath.potential: the gradient function {describe(grad)} left out[{int(unset[0])}] "
                             f"unset {where}, or read it before writing it ({unset.size} of {dim} entries follow "
                             f"what out held before the call); grad(x, out, *params) must write all {dim} entries")
    if require_finite and bad.size:
        first = int(bad[0])
        what = "left out[{0}] unset or NaN" if np.isnan(out[first]) else "wrote an infinite out[{0}]"
        raise ValueError(f"heatbath.potential: the gradient function {describe(grad)} {what.format(first)} {where} "
                         f"({bad.size} of {dim} entries not finite); grad(x, out, *params) must fill all {dim} "
                         f"entries of out with finite values")
    if not np.array_equal(state, x[row]):
        raise ValueError(f"heatbath.potential: the gradient function {describe(grad)} changed its input x {where}")
