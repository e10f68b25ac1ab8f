# SPDX-License-Identifier: Apache-2.0
"""Plain numpy references for the RBM tests: conditionals, energies and enumeration over both layers."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import heatbath as hb


def random_rbm(V, H, *, seed, scale=1.0, dtype="float32", visible="bernoulli", sigma=1.0):
    rng = np.random.default_rng(seed)
    w = (scale * rng.standard_normal((V, H))).astype(dtype)
    b = (0.5 * rng.standard_normal(V)).astype(dtype)
    c = (0.5 * rng.standard_normal(H)).astype(dtype)
    return hb.RBM(w, b, c, visible=visible, sigma=sigma), (w.astype(np.float64), b.astype(np.float64),
                                                            c.astype(np.float64))


def rbm_kinds(V, H, *, seed, scale=1.0):
    """A fixture over the two kinds of model the reproducibility suites run: Bernoulli visible units in
    float32 and Gaussian ones (σ = 0.8) in float64."""
    @pytest.fixture(params=[("bernoulli", "float32"), ("gaussian", "float64")], ids=["bernoulli32", "gaussian64"])
    def model(request):
        visible, dtype = request.param
        return random_rbm(V, H, seed=seed, scale=scale, dtype=dtype, visible=visible, sigma=0.8)[0]

    return model


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def hidden_probs(params, v, beta=1.0, sigma=1.0):
    w, b, c = params
    return sigmoid(beta * (c + v @ w / sigma))


def visible_probs(params, h, beta=1.0):
    w, b, c = params
    return sigmoid(beta * (b + h @ w.T))


def binary_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def log_p_visible_unnormalised(params, vs, beta=1.0):
    """log Σ_h exp(−β E(v, h)) for Bernoulli units, by brute force over h."""
    w, b, c = params
    hs = binary_states(len(c))
    # −βE(v, h) for every (v, h): [n_v, n_h]
    neg_e = beta * ((vs @ b)[:, None] + (hs @ c)[None, :] + vs @ w @ hs.T)
    return np.logaddexp.reduce(neg_e, axis=1)


def brute_log_z(params, beta=1.0):
    """log Z over both layers (Bernoulli visible units)."""
    vs = binary_states(len(params[1]))
    return float(np.logaddexp.reduce(log_p_visible_unnormalised(params, vs, beta)))


def visible_index(v):
    """Row i of binary_states(V) for each binary row of v."""
    V = v.shape[1]
    return (v.astype(np.int64) * (1 << np.arange(V - 1, -1, -1))).sum(axis=1)
