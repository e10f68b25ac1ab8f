# SPDX-License-Identifier: Apache-2.0
"""heatbath: fast, reproducible sampling from Boltzmann distributions p(x) ∝ exp(-β E(x))."""
from heatbath._backend import cuda_available, cuda_compiled, get_num_threads, set_num_threads
from heatbath import random

__version__ = "0.1.0"

__all__ = [
    "cuda_available",
    "cuda_compiled",
    "get_num_threads",
    "random",
    "set_num_threads",
]
