# SPDX-License-Identifier: Apache-2.0
"""CUDA-only behaviour: the caller's stream, allocation beside CUDA inputs, device errors.
Skipped with a reason where the CUDA backend is not compiled or no GPU is present; the shared
CPU/CUDA equality tests live beside the CPU ones, parametrised by the `device` fixture."""
import numpy as np
import pytest

import heatbath as hb
from helpers import needs_cupy, needs_torch

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not hb.cuda_available(), reason="needs the CUDA backend and a CUDA device")]


@needs_torch
def test_work_is_queued_on_the_current_torch_stream():
    import torch

    ref = hb.random.normal((1000, 33), seed=17, step=2)
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        x = torch.empty(1000, 33, device="cuda")
        hb.random.normal(x, seed=17, step=2)
    side.synchronize()
    np.testing.assert_array_equal(x.cpu().numpy(), ref)


@needs_torch
def test_outputs_follow_a_cuda_like():
    import torch

    like = torch.zeros(1, device="cuda")
    z = hb.random.uniform((64, 5), seed=1, dtype="float64", like=like)
    assert isinstance(z, torch.Tensor) and z.is_cuda and z.dtype == torch.float64
    np.testing.assert_array_equal(z.cpu().numpy(), hb.random.uniform((64, 5), seed=1, dtype="float64"))


@needs_torch
def test_strided_cuda_output():
    import torch

    t = torch.zeros(40, 30, device="cuda").t()
    hb.random.normal(t, seed=4)
    np.testing.assert_array_equal(t.cpu().numpy(), hb.random.normal((30, 40), seed=4))


@needs_torch
def test_describe_reports_cuda_device():
    import torch
    from heatbath import _cuda

    d = _cuda.describe(torch.zeros(3, 4, device="cuda"))
    assert d["device"] == "cuda:0" and d["shape"] == (3, 4)
    with pytest.raises(ValueError, match="is on cpu but this call runs on cuda"):
        _cuda.describe(np.zeros(3))


@needs_cupy
def test_cupy_in_cupy_out():
    import cupy

    x = cupy.empty((100, 7), dtype=cupy.float32)
    assert hb.random.normal(x, seed=3) is x
    np.testing.assert_array_equal(x.get(), hb.random.normal((100, 7), seed=3))


@needs_torch
@pytest.mark.parametrize("target", ["builtin", "torch", "pt"])
def test_langevin_and_tempering_hand_the_core_the_callers_stream(target, monkeypatch):
    """Every stream handle the Python layer passes to the core is the caller's current one: on a side
    stream nothing is queued on the default stream, where it would race the caller's own work."""
    import torch
    from heatbath import _arrays

    seen = []
    original = _arrays.current_stream

    def spy(x, device):
        handle = original(x, device)
        seen.append(handle)
        return handle

    monkeypatch.setattr(_arrays, "current_stream", spy)
    x_host = np.random.default_rng(0).standard_normal((64, 2))
    pot = (hb.TorchPotential(lambda x: (x**4 - 4 * x**2 + x).sum(-1), name="tdw") if target == "torch"
           else hb.DoubleWell())
    # ULA for torch: torch's CUDA rounding could flip a MALA decision against the CPU reference.
    method = "ula" if target == "torch" else "mala"
    pt = hb.ParallelTempering(pot, 4, sampler=hb.LangevinMove(0.01, method, n_local=2))
    run = ((lambda x: pt.run(x, 5, seed=1).x) if target == "pt"
           else (lambda x: hb.langevin(pot, x, 20, 0.01, method, seed=1).x))
    ref = run(x_host)
    seen.clear()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        out = run(torch.from_numpy(x_host).cuda())
    side.synchronize()
    assert seen and set(seen) == {side.cuda_stream}
    np.testing.assert_allclose(out.cpu().numpy(), ref, rtol=1e-6, atol=1e-9)
