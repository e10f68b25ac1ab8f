# SPDX-License-Identifier: Apache-2.0
"""BlackJAX's MALA (blackjax.mala) as its documentation runs several chains: the one-chain kernel
vmapped over chains, inside a jit-compiled lax.scan over steps. Item B only: BlackJAX has no plain
unadjusted Langevin sampler to compare with item A."""
from __future__ import annotations

import numpy as np

from heatbath.bench.peers import jax_peer

NAME = "blackjax"


def threads() -> str:
    return jax_peer.threads()


def prepare_ula(x0, n_steps, h, beta, seed):
    raise NotImplementedError("BlackJAX has no unadjusted Langevin (ULA) sampler")


def prepare_mala(x0, n_steps, h, beta, mix, seed):
    import blackjax  # noqa: PLC0415 (lazy: a missing BlackJAX costs only this row)

    jax = jax_peer._jax()
    # BlackJAX samples exp(logdensity) with y = x + s grad(logdensity) + sqrt(2 s) xi; with
    # logdensity = -beta E and s = h / beta that is our proposal x - h grad E + sqrt(2 h / beta) xi.
    mala = blackjax.mala(lambda y: -beta * jax_peer.mixture_energy(y, mix), step_size=h / beta)
    step_all = jax.vmap(mala.step)

    def sample(x, key):
        def step(state, k):
            state, info = step_all(jax.random.split(k, x.shape[0]), state)
            return state, info.is_accepted.sum(dtype=jax.numpy.int32)

        state, n_acc = jax.lax.scan(step, jax.vmap(mala.init)(x), jax.random.split(key, n_steps))
        return state.position, n_acc.sum()

    x_dev, key = jax.numpy.asarray(x0), jax.random.key(seed)
    compiled, compile_s = jax_peer.compile_ahead(sample, x_dev, key)

    def run():
        x, n_acc = jax.block_until_ready(compiled(x_dev, key))
        return np.asarray(x), int(n_acc) / (n_steps * len(x0))

    return run, compile_s
