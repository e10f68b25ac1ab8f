# SPDX-License-Identifier: Apache-2.0
"""Convergence diagnostics through ArviZ: results become InferenceData, so ESS, R-hat and ArviZ's plots
work on them. heatbath does not re-implement what ArviZ already does."""
from __future__ import annotations

from typing import Any

import numpy as np

from heatbath import _arrays


def _arviz():
    try:
        import arviz
    except ImportError:
        raise ImportError("diagnostics need ArviZ: pip install 'heatbath[arviz]' (or pip install arviz)") from None
    return arviz


def inference_data(draws: dict[str, Any], stats: dict[str, Any] | None = None, dims: dict | None = None):
    """InferenceData from traces laid out [draws, chains, ...] (heatbath's layout); ArviZ wants
    [chains, draws, ...], so the first two axes are swapped (a view, then one host copy)."""
    az = _arviz()

    def chain_major(a):
        host = np.asarray(_arrays.to_host(a))
        return np.swapaxes(host, 0, 1)

    posterior = {name: chain_major(a) for name, a in draws.items()}
    sample_stats = {name: chain_major(a) for name, a in (stats or {}).items()}
    return az.from_dict(posterior=posterior, sample_stats=sample_stats or None, dims=dims)


def summary(data, **kwargs):
    """arviz.summary of an InferenceData (mean, sd, HDI, MCSE, ESS, R-hat) as a pandas DataFrame."""
    return _arviz().summary(data, **kwargs)


def trace_inference_data(result, draws: dict, what: str, stats: dict | None = None, dims: dict | None = None):
    """to_arviz() of a sampler result whose traces may be absent: names what to pass to get them."""
    missing = [name for name, value in draws.items() if value is None]
    if missing:
        raise ValueError(f"the result's diagnostics (to_arviz, summary) need {what}")
    return inference_data(draws, {k: v for k, v in (stats or {}).items() if v is not None}, dims)


class ArvizMixin:
    """to_arviz() and summary() for result dataclasses that define ``_arviz_data()``."""

    def to_arviz(self):
        """The result's traces as ArviZ InferenceData (chain, draw, ...); needs ArviZ."""
        return self._arviz_data()

    def summary(self, **kwargs):
        """arviz.summary of the traces (mean, sd, HDI, MCSE, ESS, R-hat); keyword arguments go to it."""
        data = self.to_arviz()
        # ArviZ would fail deep in its HDI with "too few elements"; say what made the trace empty
        if data.posterior.sizes.get("chain", 0) == 0:
            raise ValueError("summary needs at least one chain: the run had none")
        if data.posterior.sizes.get("draw", 0) == 0:
            raise ValueError(f"summary needs at least one draw in the trace: the run recorded none "
                             f"({self._no_draws_because})")
        return summary(data, **kwargs)

    # What leaves a trace without draws, for summary()'s message; a sampler without thin says its own.
    _no_draws_because = "no steps, or a thin larger than the run's steps or rounds"
