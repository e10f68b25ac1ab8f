# SPDX-License-Identifier: Apache-2.0
"""Ising on CUDA: the caller's stream, outputs beside CUDA inputs, device mismatches. Skipped where
the CUDA backend is not compiled or no GPU is present; CPU/CUDA bit equality is checked in
test_ising_reproducible.py through the `device` fixture."""
import numpy as np
import pytest

import heatbath as hb
from helpers import needs_torch

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not hb.cuda_available(), reason="needs the CUDA backend and a CUDA device"),
              needs_torch]


def test_sweeps_are_queued_on_the_current_torch_stream_and_stay_on_the_device():
    import torch

    model = hb.Ising((32, 48), 1.0, 0.1)
    s0 = np.ones((6, 32, 48), np.int8)
    ref = hb.gibbs(model, s0, 20, beta=0.5, seed=3)
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        x = torch.from_numpy(s0).cuda()
        side.wait_stream(torch.cuda.default_stream())
        res = hb.gibbs(model, x, 20, beta=torch.full((6,), 0.5, device="cuda"), seed=3)
    side.synchronize()
    for out in (res.spins, res.energy, res.magnetization):
        assert isinstance(out, torch.Tensor) and out.is_cuda
    np.testing.assert_array_equal(res.spins.cpu().numpy(), ref.spins)
    np.testing.assert_array_equal(res.energy.cpu().numpy(), ref.energy)


def test_large_lattice_agrees_with_the_cpu():
    import torch

    model = hb.Ising.spin_glass((16, 16, 16), "gaussian", seed=2, field=0.1)
    s0 = np.where(np.random.default_rng(0).random((3, 16, 16, 16)) < 0.5, 1, -1).astype(np.int8)
    ref = hb.gibbs(model, s0, 10, beta=[0.5, 1.0, 2.0], seed=5, method="metropolis")
    res = hb.gibbs(model, torch.from_numpy(s0).cuda(), 10, beta=[0.5, 1.0, 2.0], seed=5, method="metropolis")
    np.testing.assert_array_equal(res.spins.cpu().numpy(), ref.spins)
    np.testing.assert_array_equal(res.energy.cpu().numpy(), ref.energy)


def test_model_arrays_on_another_device_are_refused():
    import torch

    model = hb.Ising((4, 4), torch.ones((2, 4, 4), device="cuda"))
    with pytest.raises(ValueError, match="'spins0'"):
        hb.gibbs(model, np.ones((1, 4, 4), np.int8), 1)
    res = hb.gibbs(model, torch.ones((1, 4, 4), dtype=torch.int8, device="cuda"), 1, seed=0)
    assert res.spins.is_cuda
