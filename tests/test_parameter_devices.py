# SPDX-License-Identifier: Apache-2.0
"""Where built-in targets' and Ising models' parameters live, and which states they serve: host arrays are
copied when the model is built (later edits of the caller's array change nothing, on any device) and serve
states anywhere; arrays given on a GPU pin the model to that GPU, and may be mixed with host arrays. GPU
arrays are stood in for here by numpy arrays that report a CUDA device (the checks read only that)."""
import numpy as np
import pytest

import heatbath as hb
from heatbath import _arrays


class OnGpu(np.ndarray):
    """A numpy array that says it lives on cuda:<index> (see the fixture)."""


@pytest.fixture
def on_gpu(monkeypatch):
    real = _arrays.device_of

    def device_of(x, arg):
        return _arrays.Device("cuda", x.gpu) if isinstance(x, OnGpu) else real(x, arg)

    monkeypatch.setattr(_arrays, "device_of", device_of)

    def make(a, index=0):
        out = np.asarray(a, dtype=np.float64).view(OnGpu)
        out.gpu = index
        return out
    return make


def test_host_and_gpu_parameters_mix_and_the_gpu_pins_the_target(on_gpu):
    g = hb.Gaussian(np.zeros(2), precision=on_gpu(np.eye(2)))
    assert g._device == _arrays.Device("cuda", 0)
    with pytest.raises(ValueError, match=r"argument 'x0' is on cpu but Gaussian's parameters are on cuda:0"):
        hb.langevin(g, np.zeros((3, 2)), 1, 0.1)
    # the other order: a GPU array first, then a host one, keeps the GPU
    assert hb.Gaussian(on_gpu(np.zeros(2)), precision=np.eye(2))._device == _arrays.Device("cuda", 0)


def test_parameters_on_two_gpus_are_refused(on_gpu):
    with pytest.raises(ValueError, match=r"argument 'precision' is on cuda:1 but other parameters are on cuda:0"):
        hb.Gaussian(on_gpu(np.zeros(2)), precision=on_gpu(np.eye(2), index=1))
    with pytest.raises(ValueError, match=r"argument 'field' is on cuda:1 but 'coupling' is on cuda:0"):
        hb.Ising((4, 4), coupling=on_gpu(np.ones((2, 4, 4))), field=on_gpu(np.zeros((4, 4)), index=1))


def test_ising_host_coupling_and_gpu_field_pin_the_model_to_the_gpu(on_gpu):
    model = hb.Ising((4, 4), coupling=np.ones((2, 4, 4)), field=on_gpu(np.zeros((4, 4))))
    with pytest.raises(ValueError, match=r"argument 'spins0' is on cpu but the model's arrays are on cuda:0"):
        hb.gibbs(model, np.ones((1, 4, 4), np.int8), 1)


def test_host_models_serve_cpu_states_whatever_their_arrays_framework():
    torch = pytest.importorskip("torch", reason="checks torch tensors as parameters and states")
    g = hb.Gaussian(torch.zeros(2, dtype=torch.float64), precision=np.eye(2))
    x = np.ones((2, 2))
    assert np.allclose(hb.energy(g, x), hb.energy(g, torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_parameters_are_copied_when_the_target_is_built(framework):
    # The values checked when the target was built are those every call reads: a CUDA call reads a copy
    # cached at its first call, so a borrowed host array edited later would make CPU and GPU disagree.
    if framework == "torch":
        torch = pytest.importorskip("torch", reason="checks torch tensors as parameters and states")
        mean, precision = torch.zeros(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64)
    else:
        mean, precision = np.zeros(2), np.eye(2)
    g = hb.Gaussian(mean, precision=precision)
    x = np.ones((1, 2))
    before = hb.energy(g, x)
    mean[:] = float("nan")
    precision[0, 0] = 5.0
    assert np.array_equal(hb.energy(g, x), before)
    spins = np.ones((1, 4, 4), np.int8)
    field = np.full((4, 4), 0.5)
    model = hb.Ising((4, 4), field=field)
    e0 = model.energy(spins)
    field[:] = float("nan")
    assert np.array_equal(model.energy(spins), e0)
