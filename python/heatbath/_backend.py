# SPDX-License-Identifier: Apache-2.0
"""The compiled backends: ``_core`` (CPU, always built) and ``_cuda`` (optional, imported lazily).

"CUDA available" means the backend was compiled *and* a device is present, so that a CPU-only
machine never loads the CUDA module unless a CUDA tensor arrives.
"""
from __future__ import annotations

import functools
import os

from heatbath import _core


@functools.lru_cache(maxsize=None)
def _import_cuda():
    try:
        from heatbath import _cuda  # noqa: PLC0415 (lazy on purpose)
    except ImportError as exc:
        return None, str(exc)
    return _cuda, ""


def cuda_compiled() -> bool:
    """True when heatbath was built with its CUDA backend."""
    return _import_cuda()[0] is not None


def cuda_available() -> bool:
    """True when the CUDA backend is compiled and at least one CUDA device is present."""
    mod, _ = _import_cuda()
    return mod is not None and mod.device_count() > 0


def cuda_module():
    """The CUDA backend, or a clear error saying why it cannot run."""
    mod, why = _import_cuda()
    if mod is None:
        raise RuntimeError(
            "heatbath was built without its CUDA backend, so it cannot run on CUDA tensors "
            f"({why}). Rebuild with nvcc on PATH, e.g. HEATBATH_CUDA=ON pip install heatbath"
        )
    if mod.device_count() == 0:
        raise RuntimeError("heatbath's CUDA backend is compiled but no CUDA device is visible "
                           f"(cudaGetDeviceCount: {mod.device_status()})")
    return mod


@functools.lru_cache(maxsize=None)
def _cublas_path() -> str:
    """libcublas.so.13 of the nvidia-cublas wheel, if installed ("" lets the loader search)."""
    try:
        import nvidia  # noqa: PLC0415 (a namespace package of NVIDIA's wheels)
    except ImportError:
        return ""
    for root in getattr(nvidia, "__path__", []):
        candidate = os.path.join(root, "cu13", "lib", "libcublas.so.13")
        if os.path.exists(candidate):
            return candidate
    return ""


_cublas_path_told = False


def cuda_module_with_cublas():
    """The CUDA backend, told where cuBLAS is; the library itself is loaded by its first GEMM. Told once:
    small RBMs never load it (their runs need no GEMM), and looking for the file on every call would cost
    a short call a few µs."""
    global _cublas_path_told
    mod = cuda_module()
    if not _cublas_path_told:
        if not mod.cublas_loaded():
            mod.set_cublas_path(_cublas_path())
        _cublas_path_told = True
    return mod


def module_for(device_kind: str):
    """The backend module that runs on a device kind ('cpu' or 'cuda')."""
    return _core if device_kind == "cpu" else cuda_module()


def set_num_threads(n: int) -> None:
    """Sets the number of OpenMP threads of the core's CPU kernels, at most max(256, 4 × the CPUs).
    Results do not depend on it.

    The RBM sampler's products run inside those threads, one tile of chains each. The Numba kernels of
    ``hb.potential`` run on Numba's own pool (``numba.set_num_threads``).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"argument 'n': expected an int number of threads, got {type(n).__name__}")
    # Far more threads than CPUs only cost time, and tens of thousands exhaust the process's stacks.
    limit = max(256, 4 * (os.cpu_count() or 1))
    if not 1 <= n <= limit:
        raise ValueError(f"argument 'n': expected a number of threads in [1, {limit}], got {n}")
    _core.set_num_threads(n)


def get_num_threads() -> int:
    """The number of OpenMP threads the next CPU kernel uses: set_num_threads's, else OpenMP's default
    when heatbath was imported (OMP_NUM_THREADS, else the CPUs). Another library that sets the shared
    OpenMP runtime's count later (Numba's threading layer does, to all the CPUs) does not change it."""
    return _core.get_num_threads()
