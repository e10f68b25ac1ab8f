# SPDX-License-Identifier: Apache-2.0
"""heatbath: fast, reproducible sampling from Boltzmann distributions p(x) ∝ exp(-β E(x))."""
from heatbath._backend import cuda_available, cuda_compiled, get_num_threads, set_num_threads
from heatbath import random, schedules
from heatbath.gibbs import GibbsModel, gibbs
from heatbath.interrupted import Interrupted
from heatbath.ising import Ising, IsingResult, IsingState
from heatbath.langevin import LangevinResult, LangevinState, energy, grad, langevin
from heatbath.pt import ParallelTempering, PTResult, PTState
from heatbath.pt_moves import GaussianReference, GibbsMove, LangevinMove, TemperedModel
from heatbath.rbm import RBM, RBMGibbsResult, RBMState
from heatbath.rbm_log_z import AISResult, ais_log_z, exact_log_z, free_energy
from heatbath.state_io import load_state, save_state
from heatbath.targets import DoubleWell, Gaussian, GaussianMixture, Rosenbrock, Target
from heatbath.torch_potential import TorchPotential
from heatbath.user_potential import NumbaPotential, potential

__version__ = "0.1.0"

__all__ = [
    "AISResult",
    "DoubleWell",
    "Gaussian",
    "GaussianMixture",
    "GaussianReference",
    "GibbsModel",
    "GibbsMove",
    "Interrupted",
    "Ising",
    "IsingResult",
    "IsingState",
    "LangevinMove",
    "LangevinResult",
    "LangevinState",
    "NumbaPotential",
    "PTResult",
    "PTState",
    "ParallelTempering",
    "RBM",
    "RBMGibbsResult",
    "RBMState",
    "Rosenbrock",
    "Target",
    "TemperedModel",
    "ais_log_z",
    "TorchPotential",
    "cuda_available",
    "cuda_compiled",
    "energy",
    "exact_log_z",
    "free_energy",
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
