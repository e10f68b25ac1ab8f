# SPDX-License-Identifier: Apache-2.0
"""Launches the kernels of langevin_kernels.py: picks the compiled specialisation, runs it in chunks.

A kernel is compiled for explicit argument types and called through that specialisation's entry
point, which skips the dispatcher's type resolution on every chunk.
"""
from __future__ import annotations

import contextlib
import threading
import warnings

import numba
import numpy as np
from numba import types
from numba.core.errors import NumbaPerformanceWarning

from heatbath._numba.arg_types import tuple_type_of, types_of
from heatbath._numba.parallel_parts import KernelAddresses, compile_parts_launcher
from heatbath._numba.raise_scan import may_raise
from heatbath.interrupted import sigint_at_chunk_boundaries
from heatbath.progress import report as report_progress

__all__ = ["LAUNCH_LOCK", "UserFunctions", "evaluate", "lost_exception", "run_langevin", "user_exception"]

# About 16M coordinate-steps per kernel call, as the core's CPU backend: between calls Python runs its
# signal handlers, so Ctrl-C stops a long run within a few tens of milliseconds, on a chunk boundary.
_CHUNK_WORK = 1 << 24

# Numba's workqueue threading layer (chosen where neither TBB nor OpenMP is found) aborts the process
# when two threads launch parallel kernels at once. Each launch already uses every core, so calls
# from several Python threads take turns.
LAUNCH_LOCK = threading.Lock()

_RANGE = (types.int64, types.int64)  # the range [begin, end) that ends every kernel's arguments
_NO_PARAMS = (np.int64(0),)


@contextlib.contextmanager
def _inlined_loops_vectorised():
    """Compiles with Numba's first ("cheap") LLVM pass at -O3 with loop vectorisation, what
    NUMBA_OPT='max' does for a whole process, for the kernels only.

    By default that pass runs at -O0 to inline calls; the loops over a tile's chains become simple
    only after it (the user's functions inlined, the per-chain views folded away) and the later full
    pass no longer vectorises them. With the -O3 first pass, a one-dimensional potential's steps
    vectorise across chains: 2-3x faster kernels. Numba exposes no per-function switch, so the CPU
    codegen's two settings are changed under Numba's compiler lock and restored; should a future
    Numba rename them, kernels compile as before (slower, same numbers).
    """
    from numba.core.compiler_lock import global_compiler_lock  # noqa: PLC0415
    from numba.core.registry import cpu_target  # noqa: PLC0415

    codegen = cpu_target.target_context.codegen()
    if not (hasattr(codegen, "_loopvect") and hasattr(codegen, "_opt_level")):
        yield
        return
    with global_compiler_lock:
        saved = codegen._loopvect, codegen._opt_level
        codegen._loopvect, codegen._opt_level = True, 3
        try:
            yield
        finally:
            codegen._loopvect, codegen._opt_level = saved


class UserFunctions:
    """A user's energy and gradient jitted for the kernels, the kernels built around them
    (langevin_kernels.make_kernels), and the parameters they are called with."""

    def __init__(self, energy, grad, kernels_for, params, label: str = "the user's functions", shared=None):
        """shared: the `compiled` of UserFunctions of the same functions and kernels, whose raise scan and
        compiled entries these share (the tempered functions of each parallel-tempering call, whose
        parameters hold that call's arrays)."""
        self.energy, self.grad = energy, grad
        self.kernels_for = kernels_for  # dim -> {"ula": dispatcher, ...}, built once per dim
        self.label = label
        self.params = params
        # An empty tuple cannot cross into run_parts's prange body (Numba's gufunc wrapper rejects it): a
        # potential without parameters passes one that its call wrappers never read (user_calls.py).
        self.kernel_params = params or _NO_PARAMS
        self.kernel_params_type = tuple_type_of(self.kernel_params)
        # (whether the functions can raise: then the kernels run on the calling thread alone; (kernel name,
        # dim, params type, argument types) -> what entry() returns; the same keys -> what kernel() returns)
        self.compiled = shared if shared is not None else (may_raise(energy, grad), {}, {})
        self.may_raise, self._entries, self._kernels = self.compiled
        self.tempered_compiled = None  # `compiled` of the tempered functions made from these (langevin_user.py)

    def kernel(self, name: str, dim: int, argtypes: tuple):
        """The kernel's dispatcher compiled for (params,) + argtypes + the range, those argument types, and
        its KernelAddresses (for callers that take it as a first-class function)."""
        key = (name, dim, self.kernel_params_type, argtypes)
        compiled = self._kernels.get(key)
        if compiled is None:
            kernel = self.kernels_for(dim)[name]
            kernel_argtypes = (self.kernel_params_type,) + tuple(argtypes) + _RANGE
            # Always the bare argument tuple: Numba's disk-cache index is keyed by the signature exactly
            # as given, so mixing in "void(...)" forms would store a second copy.
            with _inlined_loops_vectorised():
                kernel.compile(kernel_argtypes)
            compiled = self._kernels[key] = (kernel, kernel_argtypes, KernelAddresses(kernel, kernel_argtypes))
        return compiled

    def warn_if_serial(self) -> None:
        """Functions that can raise run on the calling thread alone: says so, and why."""
        if self.may_raise:
            warnings.warn(NumbaPerformanceWarning(
                f"heatbath.potential: {self.label} can raise (a raise or assert statement), so the chains "
                f"run on one thread: Numba passes on an exception only from the thread that launched a "
                f"parallel loop. Return NaN instead (MALA rejects it; a NaN state is flagged as "
                f"diverged)."), stacklevel=3)

    def entry(self, name: str, dim: int, argtypes: tuple):
        """The kernel's dispatcher, compiled for (params,) + argtypes + the range, its KernelAddresses, its entry
        point, and the launcher that runs it in parallel (None for functions that can raise: the entry point
        runs it here)."""
        key = (name, dim, self.kernel_params_type, argtypes)
        entry = self._entries.get(key)
        if entry is None:
            kernel, kernel_argtypes, addresses = self.kernel(name, dim, argtypes)
            self.warn_if_serial()
            launch = None if self.may_raise else compile_parts_launcher(kernel_argtypes)
            entry = self._entries[key] = (kernel, addresses, kernel.overloads[kernel_argtypes].entry_point, launch)
        return entry


def _parts(n: int) -> int:
    """Parts of a launch over n rows: one per thread of Numba's pool, as its prange split them."""
    return max(1, min(n, numba.get_num_threads()))


def _call(name: str, fns: UserFunctions, args: tuple):
    params = fns.kernel_params
    n, dim = args[0].shape  # args[0] is x [chains, dim]; every kernel runs over a range of its rows
    kernel, addresses, serial, launch = fns.entry(name, dim, types_of(args))
    try:
        with LAUNCH_LOCK:
            if launch is None:
                serial(params, *args, np.int64(0), np.int64(n))
                return
            parts = _parts(n)
            done = np.zeros(parts, np.uint8)
            addresses.bind(kernel)
            launch(kernel, parts, n, params, args, done)
    except Exception as exc:  # the kernels themselves raise nothing: this came from the user's code
        raise user_exception(fns, exc) from exc
    if not done.all():
        raise lost_exception(fns)


def user_exception(fns: UserFunctions, exc: Exception) -> RuntimeError:
    """The error to raise for an exception that the user's functions raised inside a kernel."""
    # An object-mode callback's exception surfaces as SystemError("... with an exception set").
    cause = (exc.__cause__ or exc.__context__ or exc) if isinstance(exc, SystemError) else exc
    return RuntimeError(f"heatbath.potential: {fns.label} raised an exception inside the compiled kernel "
                        f"({type(cause).__name__}: {cause}); the energy and gradient must not raise (return "
                        f"inf or NaN instead, which marks the chain as diverged)")


def lost_exception(fns: UserFunctions) -> RuntimeError:
    """The error to raise when a part of a parallel launch did not return (an exception lost on a thread)."""
    return RuntimeError(f"heatbath.potential: {fns.label} raised an exception inside the compiled kernel, on "
                        f"one of Numba's threads, which does not pass it on (with numba.set_num_threads(1) it "
                        f"is shown); the energy and gradient must not raise (return inf or NaN instead, which "
                        f"marks the chain as diverged)")


def _contiguous(name: str, a):
    # The kernels reach rows through raw pointers (pointers.py): they need C-contiguous arrays, which
    # heatbath.langevin and heatbath.energy allocate; anything else here is a bug upstream.
    if a is not None and not a.flags.c_contiguous:
        raise ValueError(f"internal error: '{name}' reached the Numba kernels with strides {a.strides}; "
                         f"expected a C-contiguous array")


def run_langevin(fns: UserFunctions, *, method, x, p, trace, energy_trace, energy, accepted, diverged_at, noise_scale,
                 beta, h, c1, thin, seed, chain_start, step0, n_steps) -> None:
    """hb::langevin's CPU backend for a user potential: numpy arrays, the conventions of LangevinArgs."""
    chains, dim = x.shape
    dtype = x.dtype.type
    for name, a in (("x", x), ("p", p), ("trace", trace)):
        _contiguous(name, a)
    if trace is None:  # the kernels take arrays; with thin = 0 these are never touched
        trace = np.empty((0, chains, dim), x.dtype)
        energy_trace = np.empty((0, chains), x.dtype)
    for name, coef in (("noise_scale", noise_scale), ("beta", beta)):
        if coef.shape != (1,) and coef.shape != (n_steps,):
            raise ValueError(f"argument '{name}': expected 1 or n_steps values, got shape {coef.shape}")
    coef_stride = 0 if noise_scale.shape[0] == 1 else 1
    common = (np.int64(thin), np.uint64(seed), np.int64(chain_start), np.int64(step0), np.int64(n_steps))
    h, c1 = dtype(h), dtype(c1)

    def chunk(t_begin, t_end):
        bounds = (np.int64(t_begin), np.int64(t_end))
        if method == "ula":
            args = (x, trace, energy_trace, energy, diverged_at, noise_scale, np.int64(coef_stride), h)
        elif method == "mala":
            args = (x, trace, energy_trace, energy, accepted, diverged_at, noise_scale, beta, np.int64(coef_stride), h)
        else:
            args = (x, p, trace, energy_trace, energy, diverged_at, noise_scale, np.int64(coef_stride), h, c1)
        _call(method, fns, args + common + bounds)

    if n_steps == 0:  # still reports E(x)
        chunk(step0, step0)
        return
    per_chunk = max(1, _CHUNK_WORK // max(1, chains * max(dim, 1)))
    with sigint_at_chunk_boundaries() as guard:
        for begin in range(0, n_steps, per_chunk):
            end = min(n_steps, begin + per_chunk)
            chunk(step0 + begin, step0 + end)
            guard.check(end)
            report_progress(end)


def energies(fns: UserFunctions, x, energy) -> None:
    """E alone of every row of x [chains, dim] into energy [chains]."""
    _contiguous("x", x)
    _call("energy", fns, (x, energy))


def evaluate(fns: UserFunctions, x, grad, energy) -> None:
    """E and ∇E of every row of x [chains, dim] into energy [chains] and grad [chains, dim]."""
    for name, a in (("x", x), ("grad", grad)):
        _contiguous(name, a)
    _call("evaluate", fns, (x, grad, energy))

