# SPDX-License-Identifier: Apache-2.0
"""ULA, MALA and BAOAB for a TorchPotential: torch computes E and ∇E, the core moves the chains.

One Python iteration per step: a forward and a backward pass of the user's energy on the whole batch,
then one or two calls of the core's ``langevin_update`` (csrc/heatbath/langevin_update.h), which update
the caller's tensors in place through DLPack with the update rules, random stream and divergence
bookkeeping of the built-in samplers' fused kernels. What is recomputed where follows langevin_tile:
MALA's E(x), ∇E(x) and BAOAB's force are evaluated afresh at the start of every call (a resumed run gives
the same bits), the trace holds x and E(x) after every thin-th step, and ``energy`` is E at the end.

Nothing leaves the device: the trace is filled by device copies and no step waits for the GPU. The
one host read per call is the (tiny) per-step coefficient schedule.
"""
from __future__ import annotations

import torch

from heatbath import _backend
from heatbath.interrupted import sigint_at_chunk_boundaries
from heatbath.progress import report as report_progress
from heatbath.torch_potential import as_torch

__all__ = ["run_langevin"]


def run_langevin(pot, *, device, stream, method, x, p, trace, energy_trace, energy, accepted, diverged_at,
                 noise_scale, beta, h, c1, thin, seed, chain_start, step0, n_steps) -> None:
    """heatbath.langevin's backend for a TorchPotential, with the core's argument conventions."""
    pot.core_params(x, str(x.dtype).replace("torch.", ""), device, "x0")
    x, p, trace, energy_trace, energy, accepted, diverged_at = (
        as_torch(a) for a in (x, p, trace, energy_trace, energy, accepted, diverged_at))
    scales, betas = as_torch(noise_scale).tolist(), as_torch(beta).tolist()
    coef_stride = 0 if len(scales) == 1 else 1
    update = _backend.module_for(device.kind).langevin_update
    common = dict(h=h, seed=seed, chain_start=chain_start, stream=stream)
    # Autograd cannot take gradients through inference tensors (what a caller inside
    # torch.inference_mode() allocates): then the loop works on a normal copy of x and writes it back.
    with torch.inference_mode(False):
        xw = x.clone() if x.is_inference() else x
        y = torch.empty_like(xw) if method == "mala" else None

    def record(local, e_now):
        if thin > 0 and (local + 1) % thin == 0:
            sample = (local + 1) // thin - 1
            trace[sample].copy_(xw)
            if e_now is not None:
                energy_trace[sample].copy_(e_now)
            return sample
        return None

    try:
        with sigint_at_chunk_boundaries() as guard:
            if method == "ula":
                pending = None  # a trace sample whose energy is E(x) of the next evaluation
                for local in range(n_steps):
                    e, g = pot.energy_grad(xw)
                    if pending is not None:
                        energy_trace[pending].copy_(e)
                    update("ula_move", x=xw, g=g, diverged_at=diverged_at, scale=scales[local * coef_stride],
                           step=step0 + local, **common)
                    pending = record(local, None)
                    guard.check(local + 1)
                    report_progress(local + 1)
                e, _ = pot.energy_grad(xw)
                if pending is not None:
                    energy_trace[pending].copy_(e)
            elif method == "mala":
                e, g = pot.energy_grad(xw)
                e, g = e.clone(), g.clone()  # updated in place by the accept phase: our own memory
                for local in range(n_steps):
                    step = dict(step=step0 + local, **common)
                    update("mala_propose", x=xw, g=g, y=y, scale=scales[local * coef_stride], **step)
                    ey, gy = pot.energy_grad(y)
                    update("mala_accept", x=xw, g=g, y=y, gy=gy, e=e, ey=ey, accepted=accepted,
                           diverged_at=diverged_at, beta=betas[local * coef_stride], **step)
                    record(local, e)
                    guard.check(local + 1)
                    report_progress(local + 1)
            else:  # baoab
                e, g = pot.energy_grad(xw)
                for local in range(n_steps):
                    step = dict(step=step0 + local, **common)
                    update("baoab_move", x=xw, p=p, g=g, scale=scales[local * coef_stride], c1=c1, **step)
                    e, g = pot.energy_grad(xw)
                    update("baoab_kick", x=xw, p=p, g=g, diverged_at=diverged_at, **step)
                    record(local, e)
                    guard.check(local + 1)
                    report_progress(local + 1)
            energy.copy_(e)
    finally:
        if xw is not x:
            with torch.inference_mode():
                x.copy_(xw)
