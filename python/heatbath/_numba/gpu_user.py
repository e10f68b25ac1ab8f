# SPDX-License-Identifier: Apache-2.0
"""A NumbaPotential's CUDA backend: borrows langevin's arrays, puts the parameters on the device, and
launches gpu_launch.py's kernels on the caller's device and stream.

Parameters that are numpy arrays are copied to the device once per potential, device and stream and
kept with the potential (they are small, and a copy per call would allocate and free device memory,
which numba frees with a device-wide synchronisation). The copy is queued on the caller's stream,
so the kernels that read it are ordered after it; a call on another stream makes its own copy
rather than racing one queued elsewhere. CUDA arrays among the parameters (torch, cupy) are borrowed
as they are, like the states.
"""
from __future__ import annotations

import numpy as np
from numba import config, cuda

from heatbath import _arrays
from heatbath._numba import gpu_launch

__all__ = ["energies", "evaluate", "is_cuda_array", "run_langevin"]


def is_cuda_array(value) -> bool:
    """True for a parameter that lives on a CUDA device (a torch CUDA tensor, a cupy array)."""
    return hasattr(value, "__cuda_array_interface__")


def _device_params(pot, device, stream_handle: int, stream) -> tuple:
    key = (device.index, stream_handle)
    cached = pot._device_params.get(key)
    if cached is None:
        cached = tuple(gpu_launch.device_array(v, "params") if is_cuda_array(v)
                       else cuda.to_device(v, stream=stream) if isinstance(v, np.ndarray) and not config.ENABLE_CUDASIM
                       else v
                       for v in pot.params)
        pot._device_params[key] = cached
    return cached


def _gpu(device):
    # numba and torch/cupy share the device's primary context; this selects the caller's device.
    return cuda.gpus[0 if config.ENABLE_CUDASIM else device.index]


def run_langevin(pot, *, device, stream, method, x, p, trace, energy_trace, energy, accepted, diverged_at,
                 noise_scale, beta, h, c1, thin, seed, chain_start, step0, n_steps, tempered=None) -> None:
    """heatbath.langevin's backend for a NumbaPotential whose states are on a CUDA device. tempered:
    (beta_row, ref_mean, ref_inv_var) CUDA arrays for the tempered path of parallel tempering (read live)."""
    chains, dim = (int(s) for s in x.shape)
    workspace = _arrays.empty((3, dim, chains), _arrays.dtype_of(x), x)  # [3, dim, chains], as the core's
    fns = gpu_launch.CudaFunctions.for_functions(pot.energy, pot.grad, len(pot.params), tempered is not None)
    with _gpu(device):
        s = gpu_launch.stream_for(stream)
        arrays = dict(x=x, p=p, trace=trace, energy_trace=energy_trace, energy=energy, accepted=accepted,
                      diverged_at=diverged_at, noise_scale=noise_scale, beta=beta, workspace=workspace)
        views = {k: None if a is None else gpu_launch.device_array(a, k) for k, a in arrays.items()}
        params = _device_params(pot, device, stream, s)
        if tempered is not None:
            params = tuple(gpu_launch.device_array(a, name) for a, name in
                           zip(tempered, ("beta_row", "ref_mean", "ref_inv_var"))) + params
        gpu_launch.run_langevin(fns, params, stream=s, method=method, h=h, c1=c1, thin=thin, seed=seed,
                                 chain_start=chain_start, step0=step0, n_steps=n_steps, **views)


def evaluate(pot, x, grad, energy, *, device, stream) -> None:
    """heatbath.energy and heatbath.grad for a NumbaPotential on CUDA states x [chains, dim]."""
    fns = gpu_launch.CudaFunctions.for_functions(pot.energy, pot.grad, len(pot.params))
    with _gpu(device):
        s = gpu_launch.stream_for(stream)
        gpu_launch.evaluate(fns, _device_params(pot, device, stream, s), gpu_launch.device_array(x, "x"),
                             gpu_launch.device_array(grad, "grad"), gpu_launch.device_array(energy, "energy"),
                             stream=s)


def energies(pot, x, energy, *, device, stream) -> None:
    """E alone of every row of the CUDA states x [chains, dim] into energy [chains] (no gradient)."""
    fns = gpu_launch.CudaFunctions.for_functions(pot.energy, pot.grad, len(pot.params))
    with _gpu(device):
        s = gpu_launch.stream_for(stream)
        gpu_launch.energies(fns, _device_params(pot, device, stream, s), gpu_launch.device_array(x, "x"),
                            gpu_launch.device_array(energy, "energy"), stream=s)
