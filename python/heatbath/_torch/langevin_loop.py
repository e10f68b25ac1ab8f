# SPDX-License-Identifier: Apache-2.0
"""ULA, MALA and BAOAB for a TorchPotential: torch computes E and ∇E, the core moves the chains.

One Python iteration per step: a forward and a backward pass of the user's energy on the whole batch,
then one or two phases of the core's ``LangevinUpdateSession`` (csrc/heatbath/langevin_update.h; the
session imports the run's fixed arrays once), which update the caller's tensors in place through DLPack
with the update rules, random stream and divergence bookkeeping of the built-in samplers' fused kernels.
What is recomputed where follows langevin_tile: MALA's E(x), ∇E(x) and BAOAB's force are evaluated afresh
at the start of every call (a resumed run gives the same bits), the trace holds x and E(x) after every
thin-th step, and ``energy`` is E at the end.

Nothing leaves the device: the trace is filled by device copies and no step waits for the GPU. The
one host read per call is the (tiny) per-step coefficient schedule.

On the CPU two things keep the core's part of a step cheap for batches of a few thousand values and
more: the noise of the G steps that share each
Philox block (G = W / gcd(dim, W), W the values of a block: 4 float32, 2 float64) is made in one call
(``_core.langevin_noise``, the fused kernels' lane-parallel Philox, written row by row as the states are
laid out), so that no block is made twice and the phases make one flat, vectorised pass (a phase
drawing its own noise would make each block again for each of its steps, and read and write the
states coordinate by coordinate across chains); G steps and no more, because between steps torch's
forward and backward pass evicts the caches, and noise made further ahead comes back from memory. And
the phases get numpy views of the tensors, whose DLPack export costs a fraction of torch's own.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np
import torch

from heatbath import _arrays, _backend
from heatbath.interrupted import sigint_at_chunk_boundaries
from heatbath.progress import current as current_progress
from heatbath.torch_potential import as_torch

__all__ = ["run_langevin"]

# Below this many state values a phase draws its own noise: the block machinery's two extra calls per
# step (about 9 µs) then cost more than the blocks save. Measured with the MLP energy of
# heatbath.bench.compare_torch at dim 2 (ULA, 2 threads): 100 chains 163 µs a step drawing in the phase
# against 172 with blocks; 1,000 chains level (430 against 427); 4,000 chains 1216 against 1134. The
# numbers are the same either way (the same stream).
_BLOCK_MIN_VALUES = 2048


class _NoiseBlocks:
    """The CPU noise of steps step0 .. step0 + n_steps − 1, made G steps (one noise group) at a time."""

    def __init__(self, x, seed: int, chain_start: int, step0: int, n_steps: int):
        from heatbath import _core  # noqa: PLC0415 (the CPU module; this class is CPU only)

        chains, dim = x.shape
        width = 4 if x.dtype == torch.float32 else 2
        self.fill = _core.langevin_noise
        self.seed, self.chain_start, self.step0, self.n_steps = seed, chain_start, step0, n_steps
        self.steps = width // math.gcd(dim, width)  # hb::steps_per_noise_group
        self.buffer = np.empty((self.steps, chains, dim), dtype=str(x.dtype).replace("torch.", ""))
        self.first = None  # local step of buffer[0]

    def at(self, local: int) -> np.ndarray:
        """ξ of local step `local` [chains, dim]."""
        if self.first is None or not self.first <= local < self.first + self.steps:
            # From the start of local's noise group, so that every fill covers whole groups.
            first = max(0, local - (self.step0 + local) % self.steps)
            count = min(self.steps, self.n_steps - first)
            self.fill(self.buffer[:count], self.seed, self.chain_start, self.step0 + first)
            self.first = first
        return self.buffer[local - self.first]


# What a CPU phase is handed for a detached CPU tensor: its numpy view (numpy's DLPack export costs a
# fraction of torch's). Looked up at each run, so that a test can hand over what CUDA phases get instead.
_host_hand_over = torch.Tensor.numpy


def _host_list(a) -> list:
    # Host arrays (what the tempering rounds pass) need no device sync; a CUDA tensor costs one a call.
    return a.tolist() if isinstance(a, np.ndarray) else as_torch(a).tolist()


def _require_finite_start(pot, e, g) -> None:
    bad = ~torch.isfinite(e)
    if bool(bad.any()):
        row = int(bad.nonzero()[0, 0])
        raise ValueError(f"heatbath.TorchPotential: the energy function '{pot.name}' returned {float(e[row])} at "
                         f"x0[{row}]; it must be finite at the starting states")
    bad = ~torch.isfinite(g).all(dim=-1)
    if bool(bad.any()):
        row = int(bad.nonzero()[0, 0])
        raise ValueError(f"heatbath.TorchPotential: the gradient of the energy function '{pot.name}' is not finite "
                         f"at x0[{row}]; it must be finite at the starting states")


def run_langevin(pot, *, device, stream, method, x, p, trace, energy_trace, energy, accepted, diverged_at,
                 noise_scale, beta, h, c1, thin, seed, chain_start, step0, n_steps) -> None:
    """heatbath.langevin's backend for a TorchPotential, with the core's argument conventions."""
    pot.core_params(x, str(x.dtype).replace("torch.", ""), device, "x0")
    x, p, trace, energy_trace, energy, accepted, diverged_at = (
        as_torch(a) for a in (x, p, trace, energy_trace, energy, accepted, diverged_at))
    scales, betas = _host_list(noise_scale), _host_list(beta)
    coef_stride = 0 if len(scales) == 1 else 1
    new_session = _backend.module_for(device.kind).LangevinUpdateSession
    cpu = device.kind == "cpu"

    # What the phases are handed (see the module docstring): numpy views on the CPU; on CUDA tensors that
    # skip torch's per-tensor stream handshake, when the run's stream is torch's own (_arrays.device_view).
    hand_over = _host_hand_over if cpu else _arrays.device_view(stream, device)

    def view(t):
        return None if t is None else hand_over(t.detach())
    # Autograd cannot take gradients through inference tensors (what a caller inside
    # torch.inference_mode() allocates): then the loop works on a normal copy of x and writes it back.
    with torch.inference_mode(False):
        xw = x.clone() if x.is_inference() else x
        y = torch.empty_like(xw) if method == "mala" else None
    xv, pv, yv, accepted_v, diverged_v = (view(a) for a in (xw, p, y, accepted, diverged_at))
    chains, dim = (int(n) for n in xw.shape)
    blocks = cpu and n_steps and chains * dim >= _BLOCK_MIN_VALUES
    noise = _NoiseBlocks(xw, seed, chain_start, step0, n_steps) if blocks else None

    def record(local, e_now):
        if thin > 0 and (local + 1) % thin == 0:
            sample = (local + 1) // thin - 1
            trace[sample].copy_(xw)
            if e_now is not None:
                energy_trace[sample].copy_(e_now)
            return sample
        return None

    # Autograd needs grad mode: entered once for the run, unless the caller is in inference mode, whose
    # tensors (the trace, say) must not be written outside it; then each evaluation enters it.
    per_step_modes = torch.is_inference_mode_enabled()
    if per_step_modes:
        def evaluate_unchecked(states, _first):
            return pot.energy_grad(states)
    else:
        evaluate_unchecked = pot.energy_grad_in_grad_mode  # (states, check): fn's output checked at the first call
    # A fresh run's E and ∇E must be finite at x0, as hb.potential's are (there a Numba probe checks them).
    # On the CPU only: on a GPU the test would wait for the device once more in every call.
    finite_start = cpu and step0 == 0 and pot.finite_start_required

    def evaluate(states, first):
        nonlocal finite_start
        e, g = evaluate_unchecked(states, first)
        if finite_start:
            finite_start = False
            _require_finite_start(pot, e, g)
        return e, g

    # The step loops are written for a small batch, where each step is mostly fixed costs: a session
    # holds the run's fixed arrays and each phase is handed (phase, g, gy, ey, noise, scale, β, step) by
    # position; the noise, the trace, Ctrl-C and the progress bar cost a test each when unused.
    progress_cb = current_progress()
    grad_mode = contextlib.nullcontext() if per_step_modes else torch.enable_grad()
    try:
        with sigint_at_chunk_boundaries() as guard, grad_mode:
            if method == "ula":
                update = new_session(xv, None, None, None, None, None, diverged_v, h, c1, seed, chain_start,
                                     stream).apply
                pending = None  # a trace sample whose energy is E(x) of the next evaluation
                for local in range(n_steps):
                    e, g = evaluate(xw, local == 0)
                    if pending is not None:
                        energy_trace[pending].copy_(e)
                        pending = None
                    update("ula_move", view(g), None, None, noise.at(local) if noise else None,
                           scales[local * coef_stride], 1.0, step0 + local)
                    if thin:
                        pending = record(local, None)
                    if guard.pending:
                        guard.check(local + 1)
                    if progress_cb is not None:
                        progress_cb(local + 1)
                # The end energy needs no gradient, so no backward pass, once a step has checked fn.
                e = pot.energy_only(xw) if n_steps else evaluate(xw, True)[0]
                if pending is not None:
                    energy_trace[pending].copy_(e)
            elif method == "mala":
                e, g = evaluate(xw, True)
                e, g = e.clone(), g.clone()  # updated in place by the accept phase: our own memory
                update = new_session(xv, None, view(g), yv, view(e), accepted_v, diverged_v, h, c1, seed, chain_start,
                                     stream).apply
                for local in range(n_steps):
                    step = step0 + local
                    update("mala_propose", None, None, None, noise.at(local) if noise else None,
                           scales[local * coef_stride], 1.0, step)
                    ey, gy = evaluate(y, False)
                    update("mala_accept", None, view(gy), view(ey), None, 0.0, betas[local * coef_stride], step)
                    record(local, e)
                    if guard.pending:
                        guard.check(local + 1)
                    if progress_cb is not None:
                        progress_cb(local + 1)
            else:  # baoab
                update = new_session(xv, pv, None, None, None, None, diverged_v, h, c1, seed, chain_start,
                                     stream).apply
                e, g = evaluate(xw, True)
                for local in range(n_steps):
                    step = step0 + local
                    update("baoab_move", view(g), None, None, noise.at(local) if noise else None,
                           scales[local * coef_stride], 1.0, step)
                    e, g = evaluate(xw, False)
                    update("baoab_kick", view(g), None, None, None, 0.0, 1.0, step)
                    record(local, e)
                    if guard.pending:
                        guard.check(local + 1)
                    if progress_cb is not None:
                        progress_cb(local + 1)
            energy.copy_(e)
    finally:
        if xw is not x:
            with torch.inference_mode():
                x.copy_(xw)
