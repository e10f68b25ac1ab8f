# SPDX-License-Identifier: Apache-2.0
"""Loads OpenBLAS from the scipy-openblas32 wheel before the compiled core is imported.

heatbath._core links libscipy_openblas.so (DT_NEEDED by its soname). The wheel's directory is not on
the loader's search path, and an RPATH relative to _core only works when both packages share one
site-packages, which a venv with --system-site-packages or a user install breaks. Loading the library
by its full path first makes the loader find it already resident, by soname, in every layout.

heatbath calls OpenBLAS from its own OpenMP threads, one GEMM per thread (csrc/cpu/blas.h), so
OpenBLAS's own pool would only compete for the cores. Setting one thread after the load is not enough:
the pool is made at load (and importing scipy_openblas32 loads the library), sized from the
environment, and its threads spin for a while before they sleep (on 2 cores about 7 % of the CPU
samples of a short double-well script, 2026-11-27). So the library is loaded with OPENBLAS_NUM_THREADS=1,
which makes no pool thread at all, and the caller's value is put back at once: the OpenBLAS of numpy,
scipy or torch, loaded later, sees the user's setting. If another package loaded this library first,
set_num_threads below still applies.
"""
from __future__ import annotations

import ctypes
import os

_saved = os.environ.get("OPENBLAS_NUM_THREADS")
os.environ["OPENBLAS_NUM_THREADS"] = "1"
try:
    import scipy_openblas32

    _LIB = ctypes.CDLL(os.path.join(scipy_openblas32.get_lib_dir(), scipy_openblas32.get_library(fullname=True)),
                       mode=ctypes.RTLD_GLOBAL)
finally:
    if _saved is None:
        del os.environ["OPENBLAS_NUM_THREADS"]
    else:
        os.environ["OPENBLAS_NUM_THREADS"] = _saved
_LIB.scipy_openblas_set_num_threads(1)
