# SPDX-License-Identifier: Apache-2.0
"""heatbath.gibbs: one entry point for the discrete samplers (RBM block Gibbs, lattice heat-bath).

Each model class knows how to run itself; this module only checks that the model is one of them, so
that ``hb.gibbs(model, state0, n_steps, ...)`` reads the same for every Boltzmann machine.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any


class GibbsModel:
    """Base of the models :func:`gibbs` accepts. A subclass implements ``_gibbs``."""

    def _gibbs(self, state0: Any, n_steps: int, *, beta: Any, seed: int, **options: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement Gibbs sampling")


def gibbs(model: GibbsModel, state0: Any, n_steps: int, beta: Any = 1.0, seed: int | None = None,
          **options: Any) -> Any:
    """Run ``n_steps`` Gibbs steps (RBM) or sweeps (lattice) of ``model`` from ``state0``.

    The options and the result type belong to the model (below, for each). Whole runs happen in compiled
    code; the same seed gives the same numbers whatever the thread count or the batch split (Ising: on
    the GPU too; RBM: on the GPU too for models of fewer than 2^16 weights, while cuBLAS's products for
    larger ones may differ from the CPU's in the last bit). seed: that of a
    fresh run (None: 0); a continued run (state0 an earlier result's ``state``) keeps its state's, and
    another value is an error.
    """
    if not isinstance(model, GibbsModel):
        raise TypeError(f"argument 'model': expected a heatbath Gibbs model (heatbath.RBM or heatbath.Ising), "
                        f"got {type(model).__name__}")
    known = _options_of(type(model))
    for name in options:
        if known is not None and name not in known:
            cls = type(model)
            label = f"heatbath.{cls.__name__}" if cls.__module__.startswith("heatbath.") else cls.__qualname__
            raise TypeError(f"gibbs() got an unexpected keyword argument {name!r} for {label}; "
                            f"its options are {', '.join(known) or 'none'}")
    return model._gibbs(state0, n_steps, beta=beta, seed=seed, **options)


@functools.cache
def _options_of(cls) -> tuple[str, ...] | None:
    """The options cls._gibbs takes by keyword beyond beta and seed, for gibbs()'s message about a misspelt
    one; None where it takes ``**options`` (a user's model that checks its own). Cached per class: the
    signature costs more than a small Gibbs step."""
    params = list(inspect.signature(cls._gibbs).parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    # The first three positional parameters are self, state0 and n_steps, whatever the model names them.
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    skipped = {p.name for p in positional[:3]}
    return tuple(p.name for p in params
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                 and p.name not in skipped and p.name not in ("beta", "seed"))


def document_models(*classes) -> None:
    """Append each model's own options to gibbs's docstring (its _gibbs docstring), so that
    ``help(heatbath.gibbs)`` shows them all. Under ``python -OO`` there are no docstrings to join."""
    if gibbs.__doc__ is None or any(cls._gibbs.__doc__ is None for cls in classes):
        return
    parts = [gibbs.__doc__.rstrip()]
    for cls in classes:
        parts.append(f"\n    {cls.__name__}\n    {'-' * len(cls.__name__)}\n    " + inspect.cleandoc(cls._gibbs.__doc__)
                     .replace("\n", "\n    "))
    gibbs.__doc__ = "\n".join(parts).replace("\n    \n", "\n\n") + "\n"
