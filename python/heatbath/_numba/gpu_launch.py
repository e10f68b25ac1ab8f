# SPDX-License-Identifier: Apache-2.0
"""Launches the numba.cuda kernels of gpu_kernels.py on the caller's arrays and stream.

The arrays arrive from heatbath.langevin's allocations in the caller's framework (torch or cupy) and
are borrowed through ``__cuda_array_interface__`` without a copy; the kernels are queued on the
caller's current stream, as the core's CUDA launcher does (csrc/cuda/langevin_cuda.cu), in one launch
for the whole call: the host never waits for the device here.
"""
from __future__ import annotations

import warnings

import numpy as np
from numba import config, cuda, typeof, types
from numba.core.errors import NumbaError

from heatbath._numba.gpu_kernels import BODIES, specialise
from heatbath._numba.kernel_cache import code_fingerprint, heatbath_code_digest
from heatbath._numba.langevin_user import _numba_message, describe
from heatbath._numba.user_calls import cuda_energy_call, cuda_grad_call

__all__ = ["CudaFunctions", "device_array", "energies", "evaluate", "run_langevin", "stream_for"]

_THREADS = 128  # the core's kThreads

_DEVICE_FUNCTIONS: dict = {}  # user function (or @njit dispatcher) -> its numba.cuda device dispatcher
_KERNELS: dict = {}           # (energy, grad, number of parameters, tempered) -> CudaFunctions


def _device_function(fn):
    # numba.cuda compiles from the Python function; its CUDA target already uses error_model='numpy'
    # (a division by zero gives inf or NaN, as on the CPU), so the @njit options need no carrying over.
    jitted = _DEVICE_FUNCTIONS.get(fn)
    if jitted is None:
        jitted = _DEVICE_FUNCTIONS[fn] = cuda.jit(device=True)(getattr(fn, "py_func", fn))
    return jitted


class CudaFunctions:
    """The user's energy and gradient as device functions, and the kernels specialised on their calls
    for n_params parameters (plain, or on the tempered path of parallel tempering, whose kernels take
    (beta_row, ref_mean, ref_inv_var) before the user's parameters: user_calls.py). Each kernel is a
    dispatcher compiled per dtype and parameter types at its first launch, then kept in memory and on
    disk (kernel_cache.py), so that another process loads it instead of compiling."""

    def __init__(self, energy, grad, n_params: int = 0, tempered: bool = False):
        self.user_energy, self.user_grad = energy, grad
        self.energy, self.grad = _device_function(energy), _device_function(grad)
        calls = cuda_energy_call(self.energy, n_params, tempered), cuda_grad_call(self.grad, n_params, tempered)
        # The disk cache's key: the user's code, heatbath's Numba layer, and what shapes the wrappers.
        self.fingerprint = (f"{code_fingerprint(energy, grad)}:{heatbath_code_digest()}:{n_params}:"
                            f"{'tempered' if tempered else ''}")
        self.kernels = {name: specialise(body, *calls, self.fingerprint) for name, body in BODIES.items()}
        self._front = 3 if tempered else 0  # parameters in front of the user's (the tempered path's arrays)
        self._checked: set = set()

    @classmethod
    def for_functions(cls, energy, grad, n_params: int = 0, tempered: bool = False) -> "CudaFunctions":
        key = (energy, grad, n_params, tempered)
        fns = _KERNELS.get(key)
        if fns is None:
            fns = _KERNELS[key] = cls(energy, grad, n_params, tempered)
        return fns

    def check_compiles(self, dtype, params: tuple) -> None:
        """Compiles the user's functions for one state of `dtype` as the kernels call them, raising a
        TypeError that names the function at fault (run after a kernel failed to compile)."""
        if config.ENABLE_CUDASIM:  # the simulator runs the Python functions; nothing is compiled
            return
        params = params[self._front:]
        row = types.Array(typeof(np.dtype(dtype).type(0)), 1, "C")     # x[c]
        column = types.Array(typeof(np.dtype(dtype).type(0)), 1, "A")  # ws[k, :, c]
        param_types = tuple(typeof(p) for p in params)
        key = (np.dtype(dtype), param_types)
        if key in self._checked:
            return
        for role, user, dispatcher, argtypes in (
                ("energy", self.user_energy, self.energy, (row,) + param_types),
                ("energy", self.user_energy, self.energy, (column,) + param_types),
                ("gradient", self.user_grad, self.grad, (row, row) + param_types),
                ("gradient", self.user_grad, self.grad, (row, column) + param_types),
                ("gradient", self.user_grad, self.grad, (column, column) + param_types)):
            try:
                result = dispatcher.compile_device(argtypes)
            except Exception as exc:  # Numba raises TypingError, UnsupportedError, LoweringError, ...
                args = ", ".join(str(t) for t in argtypes)
                raise TypeError(f"heatbath.potential: numba.cuda cannot compile the {role} function {describe(user)} "
                                f"for arguments ({args}): {_numba_message(exc)} (on CUDA the functions must not "
                                f"allocate arrays: no np.empty, np.zeros or array expressions)") from None
            rtype = result.signature.return_type
            if role == "energy" and not isinstance(rtype, (types.Float, types.Integer, types.Boolean)):
                raise TypeError(f"heatbath.potential: the energy function {describe(user)} must return one real "
                                f"number for one state, but returns {rtype}")
        self._checked.add(key)


def stream_for(handle: int):
    """The numba stream for a CUDA stream handle from heatbath._arrays.current_stream (0 and 1: legacy default)."""
    if config.ENABLE_CUDASIM:
        return 0
    if handle in (0, 1):
        return cuda.legacy_default_stream()
    return cuda.external_stream(handle)


def device_array(a, arg: str):
    """A numba device view of a CUDA array (torch, cupy, ...), without a copy; under the simulator a
    numpy array stands for device memory."""
    if config.ENABLE_CUDASIM and isinstance(a, np.ndarray):
        return a
    if not hasattr(a, "__cuda_array_interface__"):
        raise TypeError(f"argument '{arg}': expected a CUDA array exposing __cuda_array_interface__ (torch or cupy), "
                        f"got {type(a).__name__}")
    # sync=False: numba would otherwise wait on the producer's stream; the kernels are queued on that
    # same stream (the caller's current one), which already orders them after the producer's work.
    return cuda.as_cuda_array(a, sync=False)


def _empty(shape, dtype):
    # Zero-size stand-ins for the trace arguments when thin = 0: numba allocates nothing for them.
    return np.empty(shape, dtype) if config.ENABLE_CUDASIM else cuda.device_array(shape, dtype)


_LOW_OCCUPANCY = r".*Grid size \d+ will likely result in GPU under-utilization"


def _launch(kernel, chains: int, stream, args: tuple) -> None:
    # One thread per chain in blocks of the core's 128 (fewer under the simulator, where every
    # thread is a Python thread); a grid-stride loop in the body covers any grid cap.
    threads = max(1, min(_THREADS, chains)) if config.ENABLE_CUDASIM else _THREADS
    blocks = max(1, min((chains + threads - 1) // threads, 1 << 20))
    with warnings.catch_warnings():
        # The grid is heatbath's choice (a thread per chain), not the caller's: numba's warning that a small
        # batch leaves the GPU idle would come with every short run and name nothing the caller can change.
        # numba wraps the text in terminal bold codes, and the filter matches from the message's start.
        warnings.filterwarnings("ignore", message=_LOW_OCCUPANCY)
        kernel[blocks, threads, stream](*args)


def _launch_checked(fns: CudaFunctions, dtype, params: tuple, kernel, chains: int, stream, args: tuple) -> None:
    # A kernel that fails to compile is reported through check_compiles, which names the user's function
    # at fault. Checking only then, not before the first launch, lets a new process load the kernel
    # from the disk cache without compiling the user's functions again.
    try:
        _launch(kernel, chains, stream, args)
    except NumbaError:
        fns.check_compiles(dtype, params)
        raise


def run_langevin(fns: CudaFunctions, params: tuple, *, stream, method, x, p, trace, energy_trace, energy, accepted,
                 diverged_at, noise_scale, beta, workspace, h, c1, thin, seed, chain_start, step0, n_steps) -> None:
    """hb::langevin's CUDA backend for a user potential: device views (see device_array), the conventions of
    LangevinArgs, workspace [3, dim, chains] of x's dtype; queued on `stream` (see stream_for)."""
    chains, dim = x.shape
    if chains == 0 or dim == 0:
        return
    dtype = np.dtype(x.dtype).type
    if trace is None:  # the kernels take arrays; with thin = 0 these are never touched
        trace = _empty((0, chains, dim), x.dtype)
        energy_trace = _empty((0, chains), x.dtype)
    for name, coef in (("noise_scale", noise_scale), ("beta", beta)):
        if coef.shape != (1,) and coef.shape != (n_steps,):
            raise ValueError(f"argument '{name}': expected 1 or n_steps values, got shape {coef.shape}")
    if workspace.shape != (3, dim, chains):
        raise ValueError(f"argument 'workspace': expected shape {(3, dim, chains)}, got {workspace.shape}")
    coef_stride = np.int64(0 if noise_scale.shape[0] == 1 else 1)
    h, c1 = dtype(h), dtype(c1)
    common = (np.int64(thin), np.uint64(seed), np.int64(chain_start), np.int64(step0), np.int64(n_steps),
              np.int64(step0), np.int64(step0 + n_steps), workspace)
    if method == "ula":
        args = (x, trace, energy_trace, energy, diverged_at, noise_scale, coef_stride, h)
    elif method == "mala":
        args = (x, trace, energy_trace, energy, accepted, diverged_at, noise_scale, beta, coef_stride, h)
    elif method == "baoab":
        args = (x, p, trace, energy_trace, energy, diverged_at, noise_scale, coef_stride, h, c1)
    else:
        raise ValueError(f"argument 'method': expected 'ula', 'mala' or 'baoab', got {method!r}")
    _launch_checked(fns, x.dtype, params, fns.kernels[method], chains, stream, (params,) + args + common)


def energies(fns: CudaFunctions, params: tuple, x, energy, *, stream) -> None:
    """E alone of every row of x [chains, dim] into energy [chains], on `stream`."""
    if x.shape[0] == 0:
        return
    _launch_checked(fns, x.dtype, params, fns.kernels["energies"], x.shape[0], stream, (params, x, energy))


def evaluate(fns: CudaFunctions, params: tuple, x, grad, energy, *, stream) -> None:
    """E and ∇E of every row of x [chains, dim] into energy [chains] and grad [chains, dim], on `stream`."""
    chains = x.shape[0]
    if chains == 0:
        return
    _launch_checked(fns, x.dtype, params, fns.kernels["evaluate"], chains, stream, (params, x, grad, energy))
