# SPDX-License-Identifier: Apache-2.0
"""Runs a compiled kernel over [0, n) in parts on Numba's thread pool, calling it through its address.

The kernels of langevin_kernels.py take a range [begin, end) of tiles (or rows) as their last two
arguments. A prange loop inside each kernel would be compiled per user potential, and Numba compiles
a prange body into a gufunc, wraps it twice, and links the body into each wrapper and optimises it
again: a potential's MALA kernel took about 8 s to compile, against 3 s for the same loop alone. Here
the prange loop is compiled once per argument types for all potentials (and kept in Numba's on-disk
cache), and it calls the kernel as a first-class function, through its address, so that none of the
kernel's code is linked into it. How [0, n) is cut changes no number: the kernels' tiles are
independent, each drawing its randomness from its own counters.
"""
from __future__ import annotations

from numba import njit, prange, types

__all__ = ["KernelAddresses", "compile_parts_launcher", "run_parts"]


@njit(parallel=True, nogil=True, cache=True)
def run_parts(kernel, parts, n, params, args, done):
    """kernel(params, *args, begin, end) for `parts` contiguous ranges of [0, n), in parallel, setting
    done[i] once part i has returned: a part that raised on a thread other than the caller's leaves it
    0 (Numba loses that exception). A tuple inside a tuple cannot cross into a prange body, so the
    kernels' params tuple comes on its own."""
    for i in prange(parts):
        kernel(params, *args, n * i // parts, n * (i + 1) // parts)
        done[i] = 1


def compile_parts_launcher(kernel_argtypes: tuple):
    """The entry point of run_parts for kernels of these argument types (params first, the range's two
    int64 last): called as entry(kernel_dispatcher, parts, n, params, args, done), done a uint8 [parts]
    of zeros."""
    kernel_type = types.FunctionType(types.void(*kernel_argtypes))
    signature = (kernel_type, types.int64, types.int64, kernel_argtypes[0], types.Tuple(kernel_argtypes[1:-2]),
                 types.Array(types.uint8, 1, "C"))
    run_parts.compile(signature)
    return run_parts.overloads[signature].entry_point


class KernelAddresses:
    """What Numba's unboxing of a first-class function asks of a compiled kernel, looked up once: its
    compile result's fndesc and the addresses of its two entry points (the jitted function, whose
    error status the caller checks, and the C wrapper). Asked of the dispatcher, the lookup hashed the
    whole signature twice a launch, about 0.4 ms, more than a small launch's work. bind() answers the
    dispatcher's get_compile_result with these until the next bind (launches take turns under a lock)."""

    def __init__(self, kernel, argtypes: tuple):
        cres = kernel.overloads[argtypes]
        self.fndesc = cres.fndesc
        names = (cres.fndesc.llvm_func_name, cres.fndesc.llvm_cfunc_wrapper_name)
        self._addresses = {name: cres.library.get_pointer_to_function(name) for name in names}
        self.library = self  # cres.library's one method the unboxing calls

    def get_pointer_to_function(self, name: str) -> int:
        return self._addresses[name]

    def bind(self, kernel) -> None:
        kernel.get_compile_result = self._compile_result

    def _compile_result(self, signature):
        return self
