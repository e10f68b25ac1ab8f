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
