# SPDX-License-Identifier: Apache-2.0
"""Fixed-arity wrappers that let Numba inline a user's energy and gradient into the kernels.

The kernels pass the user's parameters as one tuple, but Numba's inliner cannot inline a call written
``fn(x, *params)``. The wrapper for n parameters spells the call out, ``fn(x, params[0], ...,
params[n − 1])``; it is itself inlined, and the user's function inside it. The kernels also pass the
global index of the chain whose state x is, which the plain wrappers ignore.

The tempered wrappers (parallel tempering, heatbath/pt_user.py) evaluate E_β(x) = β E(x) + (1 − β)
E_ref(x) for E_ref(x) = ½ Σ_i (x_i − m_i)² / s_i² with β = beta_row[chain]: their tuple is
(beta_row, m, 1/s², *the user's parameters), and the operations are those of the core's tempered tile
(csrc/heatbath/tempered.h), in the same order and the run's dtype.
"""
from __future__ import annotations

from numba import njit

from heatbath._numba.stream_blocks import typed

__all__ = ["cuda_energy_call", "cuda_grad_call", "energy_call", "grad_call"]

_WRAPPERS: dict = {}

# The tempered bodies, shared by the CPU and CUDA wrappers; {args} is the user's parameters.
_TEMPERED_ENERGY = (
    "    e = typed(fn(x{args}), x[0])\n"
    "    b = beta_row[chain]\n"
    "    acc = typed(0, b)\n"
    "    for i in range(x.shape[0]):\n"
    "        r = x[i] - m[i]\n"
    "        gr = iv[i] * r\n"
    "        acc += gr * r\n"
    "    return b * e + (typed(1, b) - b) * (typed(0.5, b) * acc)\n")
_TEMPERED_GRAD = (
    "    fn(x, out{args})\n"
    "    b = beta_row[chain]\n"
    "    for i in range(x.shape[0]):\n"
    "        r = x[i] - m[i]\n"
    "        gr = iv[i] * r\n"
    "        out[i] = b * out[i] + (typed(1, b) - b) * gr\n")
_UNPACK = "    beta_row, m, iv = params[0], params[1], params[2]\n"

_SOURCES = {
    ("energy", False): "def call(x, params, chain):\n    return fn(x{args})\n",
    ("grad", False): "def call(x, out, params, chain):\n    fn(x, out{args})\n",
    ("energy", True): "def call(x, params, chain):\n" + _UNPACK + _TEMPERED_ENERGY,
    ("grad", True): "def call(x, out, params, chain):\n" + _UNPACK + _TEMPERED_GRAD,
}


def _wrapper(kind: str, fn, n_params: int, tempered: bool):
    key = (kind, fn, n_params, tempered)
    wrapper = _WRAPPERS.get(key)
    if wrapper is None:
        first = 3 if tempered else 0  # the tempered tuple starts with beta_row, m and 1/s²
        args = "".join(f", params[{first + i}]" for i in range(n_params))
        source = _SOURCES[kind, tempered].format(args=args)
        namespace = {"fn": fn, "typed": typed}
        label = f"<heatbath {'tempered ' if tempered else ''}{kind} call with {n_params} parameters>"
        exec(compile(source, label, "exec"), namespace)
        wrapper = _WRAPPERS[key] = njit(inline="always", error_model="numpy")(namespace["call"])
    return wrapper


# numba.cuda: the kernel bodies (gpu_kernels.py) call energy_fn(x, chain, *params) with the tuple
# spread at the call, which numba.cuda accepts only into a fixed-arity device function (it cannot
# compile a device function with *args); these are those, with the parameters named p0, p1, ...
_CUDA_SOURCES = {
    ("energy", False): "def call(x, chain{args}):\n    return fn(x{args})\n",
    ("grad", False): "def call(x, out, chain{args}):\n    fn(x, out{args})\n",
    ("energy", True): "def call(x, chain, beta_row, m, iv{args}):\n" + _TEMPERED_ENERGY,
    ("grad", True): "def call(x, out, chain, beta_row, m, iv{args}):\n" + _TEMPERED_GRAD,
}


def _cuda_wrapper(kind: str, fn, n_params: int, tempered: bool):
    from numba import config, cuda  # noqa: PLC0415

    key = ("cuda", kind, fn, n_params, tempered, config.ENABLE_CUDASIM)
    wrapper = _WRAPPERS.get(key)
    if wrapper is None:
        args = "".join(f", p{i}" for i in range(n_params))
        source = _CUDA_SOURCES[kind, tempered].format(args=args)
        if config.ENABLE_CUDASIM:  # the simulator runs Python: the twin of typed (gpu_sim.py)
            from heatbath._numba.gpu_sim import SIMULATOR_TWINS  # noqa: PLC0415

            namespace = {"fn": fn, "typed": SIMULATOR_TWINS["typed"]}
        else:
            namespace = {"fn": fn, "typed": typed}
        label = f"<heatbath CUDA {'tempered ' if tempered else ''}{kind} call with {n_params} parameters>"
        exec(compile(source, label, "exec"), namespace)
        wrapper = _WRAPPERS[key] = cuda.jit(device=True)(namespace["call"])
    return wrapper


def cuda_energy_call(fn, n_params: int, tempered: bool = False):
    """The device function call(x, chain, *params) -> fn(x, *params) (or E_β), for gpu_kernels.py."""
    return _cuda_wrapper("energy", fn, n_params, tempered)


def cuda_grad_call(fn, n_params: int, tempered: bool = False):
    """The device function call(x, out, chain, *params) -> fn(x, out, *params) (or ∇E_β)."""
    return _cuda_wrapper("grad", fn, n_params, tempered)


def energy_call(fn, n_params: int, tempered: bool = False):
    """call(x, params, chain) -> fn(x, *params) (or E_β, see the module text), inlinable."""
    return _wrapper("energy", fn, n_params, tempered)


def grad_call(fn, n_params: int, tempered: bool = False):
    """call(x, out, params, chain) -> fn(x, out, *params) (or ∇E_β), inlinable."""
    return _wrapper("grad", fn, n_params, tempered)
