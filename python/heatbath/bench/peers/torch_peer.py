# SPDX-License-Identifier: Apache-2.0
"""torch on the CPU, vectorised over chains, one Python iteration per step; float32, in-place updates,
torch.randn(out=...) into a preallocated buffer, every core in torch's intra-op pool."""
from __future__ import annotations

import math
import os

import numpy as np

NAME = "torch"


def _torch():
    import torch  # noqa: PLC0415 (lazy: a missing torch costs only these rows)

    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def threads() -> str:
    return str(_torch().get_num_threads())


def prepare_ula(x0, n_steps, h, beta, seed):
    torch = _torch()
    noise_scale = math.sqrt(2 * h / beta)
    start = torch.from_numpy(x0)

    def run():
        gen = torch.Generator().manual_seed(seed)
        x = start.clone()
        noise = torch.empty_like(x)
        drift = torch.empty_like(x)
        with torch.no_grad():
            for _ in range(n_steps):
                torch.randn(x.shape, out=noise, generator=gen)
                # x - h (4x^3 - 8x + 1), as x + h x (8 - 4 x^2) - h
                torch.mul(x, x, out=drift)
                drift.mul_(-4 * h).add_(8 * h).mul_(x)
                x.add_(drift).sub_(h).add_(noise, alpha=noise_scale)
        return x.numpy(), None

    return run, None


def _energy_grad(torch, y, means, log_norm, half_prec):
    d = y.unsqueeze(1) - means                              # [N, K, dim]
    a = log_norm - (d * d).sum(-1) * half_prec              # [N, K]
    energy = -torch.logsumexp(a, 1)                         # [N]
    r = torch.softmax(a, 1) * (2 * half_prec)               # responsibilities / sd_k^2
    grad = torch.einsum("nk,nkd->nd", r, d)                 # [N, dim]
    return energy, grad


def prepare_mala(x0, n_steps, h, beta, mix, seed):
    torch = _torch()
    noise_scale = math.sqrt(2 * h / beta)
    inv4h = beta / (4 * h)
    start = torch.from_numpy(x0)
    means, log_norm, half_prec = (torch.from_numpy(np.ascontiguousarray(a))
                                  for a in (mix.means, mix.log_norm, mix.half_prec))

    def run():
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            x = start.clone()
            e_x, g_x = _energy_grad(torch, x, means, log_norm, half_prec)
            noise = torch.empty_like(x)
            u = torch.empty(len(x), dtype=x.dtype)
            accepted = torch.zeros((), dtype=torch.int64)
            for _ in range(n_steps):
                torch.randn(x.shape, out=noise, generator=gen)
                torch.rand(u.shape, out=u, generator=gen)
                y = x - h * g_x + noise_scale * noise
                e_y, g_y = _energy_grad(torch, y, means, log_norm, half_prec)
                fwd = y - x + h * g_x
                bwd = x - y + h * g_y
                log_alpha = -beta * (e_y - e_x) - ((bwd * bwd).sum(1) - (fwd * fwd).sum(1)) * inv4h
                acc = torch.log(1 - u) < log_alpha  # 1 - u is on (0, 1]
                x = torch.where(acc[:, None], y, x)
                g_x = torch.where(acc[:, None], g_y, g_x)
                e_x = torch.where(acc, e_y, e_x)
                accepted += acc.sum()
        return x.numpy(), int(accepted) / (n_steps * len(x))

    return run, None
