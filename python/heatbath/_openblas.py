# SPDX-License-Identifier: Apache-2.0
"""Loads OpenBLAS from the scipy-openblas32 wheel before the compiled core is imported.

heatbath._core links libscipy_openblas.so (DT_NEEDED by its soname). The wheel's directory is not on
the loader's search path, and an RPATH relative to _core only works when both packages share one
site-packages, which a venv with --system-site-packages or a user install breaks. Loading the library
by its full path first makes the loader find it already resident, by soname, in every layout.
"""
from __future__ import annotations

import ctypes
import os

import scipy_openblas32

_LIB = ctypes.CDLL(os.path.join(scipy_openblas32.get_lib_dir(), scipy_openblas32.get_library(fullname=True)),
                   mode=ctypes.RTLD_GLOBAL)
# heatbath calls OpenBLAS from its own OpenMP threads, one GEMM per thread (csrc/cpu/blas.h): OpenBLAS's
# own pool would only compete for the cores, so it is pinned to one thread from the start.
_LIB.scipy_openblas_set_num_threads(1)
