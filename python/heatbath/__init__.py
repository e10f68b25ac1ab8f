# SPDX-License-Identifier: Apache-2.0
"""heatbath: fast, reproducible sampling from Boltzmann distributions p(x) ∝ exp(-β E(x))."""
from heatbath._backend import cuda_available, cuda_compiled, get_num_threads, set_num_threads
from heatbath import random, schedules
from heatbath.gibbs import GibbsModel, gibbs
from heatbath.interrupted import Interrupted
from heatbath.langevin import LangevinResult, LangevinState, energy, grad, langevin
from heatbath.state_io import load_state, save_state
from heatbath.targets import DoubleWell, Gaussian, GaussianMixture, Rosenbrock, Target
from heatbath.torch_potential import TorchPotential
from heatbath.user_potential import NumbaPotential, potential

__version__ = "0.1.0"

__all__ = [
    "DoubleWell",
    "Gaussian",
    "GibbsModel",
    "Interrupted",
    "GaussianMixture",
    "LangevinResult",
    "LangevinState",
    "NumbaPotential",
    "Rosenbrock",
    "Target",
    "TorchPotential",
    "cuda_available",
    "cuda_compiled",
    "energy",
    "get_num_threads",
    "gibbs",
    "grad",
    "langevin",
    "load_state",
    "potential",
    "random",
    "save_state",
    "schedules",
    "set_num_threads",
]
