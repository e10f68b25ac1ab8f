# SPDX-License-Identifier: Apache-2.0
"""heatbath: fast, reproducible sampling from Boltzmann distributions p(x) ∝ exp(-β E(x))."""
from heatbath._backend import cuda_available, cuda_compiled, get_num_threads, set_num_threads
from heatbath import random, schedules
from heatbath.gibbs import GibbsModel, gibbs
from heatbath.ising import Ising, IsingResult, IsingState
from heatbath.langevin import LangevinResult, LangevinState, energy, grad, langevin
from heatbath.targets import DoubleWell, Gaussian, GaussianMixture, Rosenbrock, Target
from heatbath.user_potential import NumbaPotential, potential

__version__ = "0.1.0"

__all__ = [
    "DoubleWell",
    "Gaussian",
    "GibbsModel",
    "GaussianMixture",
    "Ising",
    "IsingResult",
    "IsingState",
    "LangevinResult",
    "LangevinState",
    "NumbaPotential",
    "Rosenbrock",
    "Target",
    "cuda_available",
    "cuda_compiled",
    "energy",
    "get_num_threads",
    "gibbs",
    "grad",
    "langevin",
    "potential",
    "random",
    "schedules",
    "set_num_threads",
]
