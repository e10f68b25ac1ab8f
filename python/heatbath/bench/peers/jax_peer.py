# SPDX-License-Identifier: Apache-2.0
"""JAX on the CPU: the whole run is one jit-compiled lax.scan over steps, arrays over chains, a fresh
key per step for jax.random.normal, gradients by autodiff (XLA fuses them into the closed form).

Compilation is done ahead of time (jit(...).lower(...).compile()) so that its cost is reported apart
from the runs, and every timed run ends in block_until_ready: JAX dispatches asynchronously."""
from __future__ import annotations

import math
import time

import numpy as np

NAME = "jax"


def _jax():
    import jax  # noqa: PLC0415 (lazy: a missing JAX costs only these rows)

    return jax


def threads() -> str:
    return "xla"  # XLA's own CPU thread pool; it has no user-facing thread count


def compile_ahead(fn, *args):
    """fn jitted and compiled for args, and the seconds that took."""
    start = time.perf_counter()
    compiled = _jax().jit(fn).lower(*args).compile()
    return compiled, time.perf_counter() - start


def double_well_energy(x):
    jnp = _jax().numpy
    return jnp.sum(x**4 - 4 * x**2 + x, axis=-1)


def mixture_energy(y, mix):
    """E at one point y [dim]."""
    jax = _jax()
    d = y[None, :] - mix.means
    return -jax.nn.logsumexp(mix.log_norm - jax.numpy.sum(d * d, axis=-1) * mix.half_prec)


def prepare_ula(x0, n_steps, h, beta, seed):
    jax = _jax()
    noise_scale = math.sqrt(2 * h / beta)
    # The energy is a sum over chains of independent terms, so one grad gives every chain's gradient.
    grad = jax.grad(lambda x: double_well_energy(x).sum())

    def sample(x, key):
        def step(x, k):
            xi = jax.random.normal(k, x.shape, x.dtype)
            return x - h * grad(x) + noise_scale * xi, None

        x, _ = jax.lax.scan(step, x, jax.random.split(key, n_steps))
        return x

    x_dev, key = jax.numpy.asarray(x0), jax.random.key(seed)
    compiled, compile_s = compile_ahead(sample, x_dev, key)

    def run():
        x = compiled(x_dev, key).block_until_ready()
        return np.asarray(x), None

    return run, compile_s


def prepare_mala(x0, n_steps, h, beta, mix, seed):
    jax = _jax()
    jnp = jax.numpy
    noise_scale = math.sqrt(2 * h / beta)
    inv4h = beta / (4 * h)
    value_grad = jax.vmap(jax.value_and_grad(lambda y: mixture_energy(y, mix)))

    def sample(x, key):
        e_x, g_x = value_grad(x)

        def step(carry, k):
            x, e_x, g_x, n_acc = carry
            k_noise, k_accept = jax.random.split(k)
            y = x - h * g_x + noise_scale * jax.random.normal(k_noise, x.shape, x.dtype)
            e_y, g_y = value_grad(y)
            fwd = y - x + h * g_x
            bwd = x - y + h * g_y
            log_alpha = -beta * (e_y - e_x) - (jnp.sum(bwd * bwd, 1) - jnp.sum(fwd * fwd, 1)) * inv4h
            acc = jnp.log1p(-jax.random.uniform(k_accept, e_x.shape, x.dtype)) < log_alpha  # log of (0, 1]
            x = jnp.where(acc[:, None], y, x)
            g_x = jnp.where(acc[:, None], g_y, g_x)
            e_x = jnp.where(acc, e_y, e_x)
            return (x, e_x, g_x, n_acc + jnp.sum(acc, dtype=jnp.int32)), None

        (x, _, _, n_acc), _ = jax.lax.scan(step, (x, e_x, g_x, jnp.int32(0)), jax.random.split(key, n_steps))
        return x, n_acc

    x_dev, key = jnp.asarray(x0), jax.random.key(seed)
    compiled, compile_s = compile_ahead(sample, x_dev, key)

    def run():
        x, n_acc = jax.block_until_ready(compiled(x_dev, key))
        return np.asarray(x), int(n_acc) / (n_steps * len(x0))

    return run, compile_s
