# SPDX-License-Identifier: Apache-2.0
"""The arrays that CUDA calls on torch's own stream receive (heatbath._arrays.SameStreamTensor, made by
_arrays.device_view) are checked here on the CPU core: the same bindings read them (batch sizes taken as
len(array), an argument exported more than once), so a run handed such wrappers for every torch tensor
must give the numbers of a plain run, bit for bit. On a GPU, tests/test_torch_zero_copy.py checks that
the CUDA phases are handed them."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the hand-over wraps torch tensors")

import heatbath as hb  # noqa: E402
from heatbath import _arrays  # noqa: E402
from heatbath._torch import langevin_loop  # noqa: E402

from helpers import same_bits  # noqa: E402


@pytest.fixture
def wrapped_handover(monkeypatch):
    """host_view, the CPU calls' hand-over, replaced by the CUDA one's wrapper (on the CPU device type)."""
    real = _arrays.host_view
    wrapped = []

    def host_view(x):
        if isinstance(x, torch.Tensor) and not x.requires_grad:
            wrapped.append(x)
            return _arrays.SameStreamTensor(x, (1, 0))
        return real(x)

    def switch_on():
        monkeypatch.setattr(_arrays, "host_view", host_view)  # the RBM's calls
        monkeypatch.setattr(langevin_loop, "_host_hand_over", host_view)  # TorchPotential's phases
        return wrapped
    return switch_on


def wrap_torch(x):
    return _arrays.SameStreamTensor(x, (1, 0)) if isinstance(x, torch.Tensor) else x


def rbm_run(dtype):
    gen = torch.Generator().manual_seed(0)
    w = 0.3 * torch.randn(12, 7, generator=gen, dtype=dtype)
    b, c = 0.1 * torch.randn(12, generator=gen, dtype=dtype), 0.1 * torch.randn(7, generator=gen, dtype=dtype)
    model = hb.RBM(w, b, c)
    v0 = (torch.rand(9, 12, generator=gen) < 0.5).to(dtype)
    first = hb.gibbs(model, v0, 5, seed=3, thin=2, trace_hidden=True, progress=False)
    traces = first.trace.clone(), first.trace_hidden.clone()
    res = hb.gibbs(model, first.state, 4, inplace=True, progress=False)  # a continued run, in place
    return (res.v, res.h, *traces, model.hidden_probs(res.v))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rbm_runs_handed_wrappers_give_the_same_numbers(dtype, wrapped_handover):
    plain = rbm_run(dtype)
    wrapped = wrapped_handover()
    for got, want in zip(rbm_run(dtype), plain):
        same_bits(got, want)
    assert len(wrapped) >= 8  # weights, biases, v, h, beta, traces: all went through the wrapper


def double_well(x):
    return (x**4 - 4 * x**2 + x).sum(-1)


@pytest.mark.parametrize("method", ["ula", "mala", "baoab"])
def test_torch_potential_runs_handed_wrappers_give_the_same_numbers(method, wrapped_handover):
    x0 = torch.linspace(-1.5, 1.5, 24, dtype=torch.float64).reshape(12, 2)
    pot = hb.TorchPotential(double_well)
    plain = hb.langevin(pot, x0, 7, 0.05, method, seed=2, thin=3)
    wrapped = wrapped_handover()
    res = hb.langevin(pot, x0, 7, 0.05, method, seed=2, thin=3)
    for name in ("x", "trace", "energy"):
        same_bits(getattr(res, name), getattr(plain, name))
    if method == "mala":
        assert np.array_equal(np.asarray(res.accepted), np.asarray(plain.accepted))
    assert wrapped  # the per-step gradients (and the session's arrays) went through the wrapper


def test_rbm_conditionals_handed_wrappers_give_the_same_numbers(monkeypatch):
    # The conditionals take device_view's hand-over (on CUDA): here it wraps the CPU call's arrays.
    gen = torch.Generator().manual_seed(1)
    model = hb.RBM(0.3 * torch.randn(10, 6, generator=gen), torch.zeros(10), 0.1 * torch.randn(6, generator=gen))
    v = (torch.rand(7, 10, generator=gen) < 0.5).float()
    h = (torch.rand(7, 6, generator=gen) < 0.5).float()
    plain = model.hidden_probs(v, beta=0.7), model.visible_probs(h)
    monkeypatch.setattr(_arrays, "device_view", lambda stream, device: wrap_torch)
    for got, want in zip((model.hidden_probs(v, beta=0.7), model.visible_probs(h)), plain):
        same_bits(got, want)


def test_device_view_leaves_torch_cuda_alone_until_torch_has_set_it_up(monkeypatch):
    # An RBM over cupy arrays in a process that merely imported torch: asking torch for its current stream
    # would set up torch's CUDA (a context, about a second) for a call that holds no torch tensor.
    asked = []
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(torch.cuda, "current_stream", lambda *args: asked.append(args))
    assert _arrays.device_view(1234, _arrays.Device("cuda", 0)) is _arrays._same
    assert asked == []


@pytest.mark.gpu
@pytest.mark.skipif(not (torch.cuda.is_available() and hb.cuda_available()), reason="needs a CUDA device")
def test_device_view_wraps_plain_tensors_only():
    # What torch's __dlpack__ refuses, or a subclass exports its own way, is left to torch's __dlpack__.
    class Owned(torch.Tensor):
        pass

    view = _arrays.device_view(torch.cuda.current_stream().cuda_stream, _arrays.Device("cuda", 0))
    plain = torch.zeros(3, 4, device="cuda")
    assert isinstance(view(plain), _arrays.SameStreamTensor)
    assert isinstance(view(torch.nn.Parameter(plain, requires_grad=False)), _arrays.SameStreamTensor)
    for left in (torch.zeros(3, device="cuda", requires_grad=True), plain.as_subclass(Owned),
                 torch.zeros(3, device="cuda", dtype=torch.complex64).conj(), torch.zeros(3)):
        assert view(left) is left
    with torch.cuda.stream(torch.cuda.Stream()):  # a call on another stream than torch's: nothing is wrapped
        assert _arrays.device_view(0, _arrays.Device("cuda", 0)) is _arrays._same


@pytest.mark.gpu
@pytest.mark.skipif(not (torch.cuda.is_available() and hb.cuda_available()), reason="needs a CUDA device")
def test_the_raw_stream_handle_is_torchs_current_stream():
    torch.zeros(1, device="cuda")  # CUDA set up: the raw handle is read from then on
    assert _arrays.torch_current_stream(torch, 0) == torch.cuda.current_stream(0).cuda_stream
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        assert _arrays.torch_current_stream(torch, 0) == side.cuda_stream != 0
        x = torch.zeros(2, 3, device="cuda")
        assert _arrays.current_stream(x, _arrays.Device("cuda", 0)) == side.cuda_stream
    assert _arrays.torch_current_stream(torch, 0) == torch.cuda.current_stream(0).cuda_stream


def test_the_stream_is_asked_of_torch_until_cuda_is_set_up(monkeypatch):
    # Before torch has set up CUDA the raw handle is not read: torch's public call sets CUDA up first.
    asked = []

    class Stream:
        cuda_stream = 77

    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(torch.cuda, "current_stream", lambda index: asked.append(index) or Stream())
    assert _arrays.torch_current_stream(torch, 3) == 77
    assert asked == [3]
