# SPDX-License-Identifier: Apache-2.0
"""heatbath.gibbs: one entry point for the discrete samplers (RBM block Gibbs, lattice heat-bath).

Each model class knows how to run itself; this module only checks that the model is one of them, so
that ``hb.gibbs(model, state0, n_steps, ...)`` reads the same for every Boltzmann machine.
"""
from __future__ import annotations

from typing import Any


class GibbsModel:
    """Base of the models :func:`gibbs` accepts. A subclass implements ``_gibbs``."""

    def _gibbs(self, state0: Any, n_steps: int, *, beta: Any, seed: int, **options: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement Gibbs sampling")


def gibbs(model: GibbsModel, state0: Any, n_steps: int, beta: Any = 1.0, seed: int = 0, **options: Any) -> Any:
    """Run ``n_steps`` Gibbs steps (RBM) or sweeps (lattice) of ``model`` from ``state0``.

    The options and the result type belong to the model: see :class:`heatbath.RBM` and
    :class:`heatbath.Ising`. Whole runs happen in compiled code; the same seed gives the same numbers
    whatever the thread count or the device.
    """
    if not isinstance(model, GibbsModel):
        raise TypeError(f"argument 'model': expected a heatbath Gibbs model (heatbath.RBM or heatbath.Ising), "
                        f"got {type(model).__name__}")
    return model._gibbs(state0, n_steps, beta=beta, seed=seed, **options)
