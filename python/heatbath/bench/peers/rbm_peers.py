# SPDX-License-Identifier: Apache-2.0
"""RBM block Gibbs as competent users of other tools write it: float32, vectorised over chains, one
Python iteration per step, preallocated buffers. Each `prepare(rbm, v0, n_steps, seed)` returns a
`run()` that samples n_steps from v0 and returns the final visible states as a numpy array.

rbm is (W [V, H], b [V], c [H]) as numpy float32 arrays."""
from __future__ import annotations

import os

import numpy as np


def _sigmoid_(x):
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    np.reciprocal(x, out=x)
    return x


def numpy_prepare(rbm, v0, n_steps, seed):
    w, b, c = rbm

    def run():
        rng = np.random.default_rng(seed)
        v = v0.copy()
        chains = v.shape[0]
        ph = np.empty((chains, w.shape[1]), np.float32)
        pv = np.empty_like(v)
        uh, uv = np.empty_like(ph), np.empty_like(pv)
        h = np.empty_like(ph)
        for _ in range(n_steps):
            np.matmul(v, w, out=ph)
            ph += c
            _sigmoid_(ph)
            rng.random(out=uh, dtype=np.float32)
            np.less(uh, ph, out=h, casting="unsafe")
            np.matmul(h, w.T, out=pv)
            pv += b
            _sigmoid_(pv)
            rng.random(out=uv, dtype=np.float32)
            np.less(uv, pv, out=v, casting="unsafe")
        return v

    return run


def torch_prepare(rbm, v0, n_steps, seed):
    import torch  # noqa: PLC0415 (lazy: a missing torch costs only its rows)

    torch.set_num_threads(int(os.environ.get("HEATBATH_BENCH_THREADS", 0)) or os.cpu_count() or 1)
    w, b, c = (torch.from_numpy(x) for x in rbm)
    start = torch.from_numpy(v0)

    def run():
        gen = torch.Generator().manual_seed(seed)
        v = start.clone()
        ph = torch.empty(v.shape[0], w.shape[1])
        pv = torch.empty_like(v)
        h = torch.empty_like(ph)
        with torch.no_grad():
            for _ in range(n_steps):
                torch.addmm(c, v, w, out=ph).sigmoid_()
                torch.bernoulli(ph, generator=gen, out=h)
                torch.addmm(b, h, w.t(), out=pv).sigmoid_()
                torch.bernoulli(pv, generator=gen, out=v)
        return v.numpy()

    return run


def sklearn_prepare(rbm, v0, n_steps, seed):
    from sklearn.neural_network import BernoulliRBM  # noqa: PLC0415
    from sklearn.utils import check_random_state  # noqa: PLC0415

    w, b, c = rbm
    model = BernoulliRBM(n_components=w.shape[1])
    model.components_ = np.ascontiguousarray(w.T)  # [H, V]
    model.intercept_hidden_ = c
    model.intercept_visible_ = b

    def run():
        model.random_state_ = check_random_state(seed)
        v = v0
        for _ in range(n_steps):
            v = model.gibbs(v)
        return np.asarray(v, dtype=np.float32)

    return run


def heatbath_prepare(rbm, v0, n_steps, seed):
    import heatbath as hb  # noqa: PLC0415

    model = hb.RBM(*rbm)

    def run():
        return hb.gibbs(model, v0, n_steps, seed=seed).v

    return run


PEERS = {"heatbath": heatbath_prepare, "numpy": numpy_prepare, "torch": torch_prepare,
         "sklearn": sklearn_prepare}
