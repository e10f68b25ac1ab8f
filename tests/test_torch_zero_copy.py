# SPDX-License-Identifier: Apache-2.0
"""The zero-copy contract of heatbath.TorchPotential: torch in, torch out, on the same device and dtype;
the core's update phases write in place into the very tensors they receive (through DLPack, no copies);
hb.langevin copies x0 once and never modifies it; every tensor handed to the core lives on x0's device;
all of it under torch.no_grad() and torch.inference_mode() too. CUDA cases skip without a GPU."""
import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="TorchPotential needs torch")

import heatbath as hb  # noqa: E402
from heatbath import _arrays, _backend  # noqa: E402
from helpers import same_bits  # noqa: E402

METHODS = ["ula", "mala", "baoab"]
MODES = {"grad": contextlib.nullcontext, "no_grad": torch.no_grad, "inference_mode": torch.inference_mode}


def double_well(x):
    return (x**4 - 4 * x**2 + x).sum(-1)


def data_ptr(a):
    return a.data_ptr() if isinstance(a, torch.Tensor) else a.__array_interface__["data"][0]


def unwrapped(a):
    """The tensor inside what _arrays.device_view hands a CUDA call on torch's own stream."""
    return a.tensor if isinstance(a, _arrays.SameStreamTensor) else a


class Calls(list):
    same_stream_phases = 0  # phases handed a tensor without torch's stream handshake


class Spy:
    """Stands in for the backend module and records every array handed to the update phases (the arrays
    a LangevinUpdateSession holds, and those each phase is given): torch tensors, or on the CPU numpy views
    of them (cheaper to hand over through DLPack; the same memory)."""

    def __init__(self, module):
        self.module = module
        self.calls = Calls()

    # The session's arrays, and what each phase is handed by position.
    FIXED = ("x", "p", "g", "y", "e", "accepted", "diverged_at")
    PER_PHASE = ("g", "gy", "ey", "noise")

    def LangevinUpdateSession(self, *args):  # noqa: N802 (the binding's name)
        fixed = {k: v for k, v in zip(self.FIXED, map(unwrapped, args)) if isinstance(v, (torch.Tensor, np.ndarray))}
        session = self.module.LangevinUpdateSession(*args)
        calls = self.calls

        class Session:
            def apply(self, phase, *phase_args):
                arrays = dict(fixed)
                arrays.update((k, unwrapped(v)) for k, v in zip(Spy.PER_PHASE, phase_args)
                              if isinstance(unwrapped(v), (torch.Tensor, np.ndarray)))
                if any(isinstance(v, _arrays.SameStreamTensor) for v in phase_args):
                    calls.same_stream_phases += 1
                calls.append((phase, arrays, {k: data_ptr(v) for k, v in arrays.items()}))
                return session.apply(phase, *phase_args)

        return Session()

    def __getattr__(self, name):  # everything else (the momentum draw of BAOAB) goes straight through
        return getattr(self.module, name)


@pytest.fixture
def spy(monkeypatch):
    holder = {}
    real = _backend.module_for

    def module_for(kind):
        holder.setdefault(kind, Spy(real(kind)))
        return holder[kind]

    monkeypatch.setattr(_backend, "module_for", module_for)
    return holder


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_in_torch_out_in_place(device, dtype, method, mode, spy):
    x0 = torch.linspace(-1, 1, 40, dtype=getattr(torch, dtype), device=device).reshape(20, 2)
    keep = x0.clone()
    with MODES[mode]():
        res = hb.langevin(hb.TorchPotential(double_well), x0, 6, 0.05, method, seed=1, thin=2)
    same_bits(x0, keep)  # x0 is never modified
    assert res.x.data_ptr() != x0.data_ptr()
    for name in ("x", "p", "trace", "energy_trace", "energy", "accepted", "diverged"):
        value = getattr(res, name)
        if value is None:
            continue
        assert isinstance(value, torch.Tensor), name
        assert value.device == x0.device, name
        if name in ("x", "p", "trace", "energy_trace", "energy"):
            assert value.dtype == x0.dtype, name
    assert res.state.x is res.x and res.state.diverged_at.device == x0.device

    calls = spy[device].calls
    assert len(calls) == 6 * (1 if method == "ula" else 2)
    for phase, tensors, ptrs in calls:
        for name, t in tensors.items():
            if isinstance(t, np.ndarray):  # a view of a CPU tensor
                assert device == "cpu", (phase, name)
                continue
            assert t.device == x0.device, (phase, name)  # nothing on the host
            assert not t.requires_grad, (phase, name)
        # The core writes into the same storage every step: the run's x, momenta and counters.
        if mode != "inference_mode":  # there autograd needs a normal copy of x, written back at the end
            assert ptrs["x"] == res.x.data_ptr(), phase
        if "p" in ptrs:
            assert ptrs["p"] == res.p.data_ptr()
        if "diverged_at" in ptrs:
            assert ptrs["diverged_at"] == res.state.diverged_at.data_ptr()
        if "accepted" in ptrs:
            assert ptrs["accepted"] == res.accepted.data_ptr()
    xs = {ptrs["x"] for _, _, ptrs in calls}
    assert len(xs) == 1  # one working tensor for the whole run, never reallocated
    if device == "cuda":  # on torch's own stream every phase that takes a tensor skips the handshake
        assert calls.same_stream_phases == len(calls) - (6 if method == "mala" else 0)


def test_update_phase_writes_into_the_tensor_it_receives(device):
    from heatbath._backend import module_for

    core = module_for(device)
    x = torch.zeros(33, 3, device=device)
    g = torch.ones(33, 3, device=device)
    diverged = torch.full((33,), -1, dtype=torch.int64, device=device)
    ptr = x.data_ptr()
    core.langevin_update("ula_move", x=x, g=g, diverged_at=diverged, scale=0.0, h=0.5, step=0)
    assert x.data_ptr() == ptr
    same_bits(x, torch.full((33, 3), -0.5, device=device))  # x − h g with no noise
    same_bits(g, torch.ones(33, 3, device=device))  # read only
    # A strided view cannot be written in place as [chains, dim] rows: refused, never silently copied.
    with pytest.raises(ValueError, match="argument 'x'"):
        core.langevin_update("ula_move", x=torch.zeros(3, 33, device=device).t(), g=g, diverged_at=diverged)


def test_energy_and_grad_are_torch_on_the_states_device(device):
    pot = hb.TorchPotential(double_well)
    x = torch.randn(7, 3, dtype=torch.float64, device=device)
    for mode in MODES.values():
        with mode():
            e, g = hb.energy(pot, x), hb.grad(pot, x)
        assert e.shape == (7,) and g.shape == (7, 3)
        assert e.device == x.device and g.device == x.device
        assert e.dtype == g.dtype == torch.float64
        assert not e.requires_grad and not g.requires_grad


def test_numpy_in_numpy_out():
    x0 = np.zeros((10, 2), np.float32)
    res = hb.langevin(hb.TorchPotential(double_well), x0, 4, 0.05, "baoab", seed=2, thin=2)
    for name in ("x", "p", "trace", "energy_trace", "energy"):
        assert isinstance(getattr(res, name), np.ndarray) and getattr(res, name).dtype == np.float32
    assert (x0 == 0).all()


@pytest.mark.parametrize("call", ["random.normal", "energy", "langevin", "RBM"])
def test_tensors_with_the_negative_bit_are_refused(call):
    """z.conj().imag is a real tensor whose memory holds minus its values: through DLPack the core would
    fill it with the wrong sign, or read states negated."""
    neg = torch.zeros(4, 3, dtype=torch.complex64).conj().imag
    assert neg.is_neg()
    run = {"random.normal": lambda: hb.random.normal(neg, seed=1),
           "energy": lambda: hb.energy(hb.DoubleWell(), neg),
           "langevin": lambda: hb.langevin(hb.DoubleWell(), neg, 2, 0.1),
           "RBM": lambda: hb.RBM(torch.zeros(3, 2), neg[0], torch.zeros(2))}
    with pytest.raises(ValueError, match="negative bit set .*resolve_neg"):
        run[call]()


def test_the_step_loop_reads_its_schedules_from_host_arrays(monkeypatch):
    # One noise scale and one β a step are read in Python: handed over as device tensors they would cost
    # a copy to the GPU and a read back per call, each a sync. Numba's kernels, which read them on the
    # device, still get arrays of the states' framework.
    from heatbath._torch import langevin_loop

    seen = {}
    real = langevin_loop.run_langevin

    def spy(pot, **run):
        seen.update(noise_scale=run["noise_scale"], beta=run["beta"])
        return real(pot, **run)

    monkeypatch.setattr(langevin_loop, "run_langevin", spy)
    x0 = torch.zeros(6, 2)
    schedule = hb.schedules.geometric(0.5, 1.0, 4)
    got = hb.langevin(hb.TorchPotential(double_well), x0, 4, 0.01, "mala", beta=schedule, seed=2)
    want = hb.langevin(hb.DoubleWell(), x0, 4, 0.01, "mala", beta=schedule, seed=2)
    assert all(isinstance(seen[k], np.ndarray) and seen[k].dtype == np.float32 for k in seen)
    np.testing.assert_array_equal(seen["beta"], np.asarray(schedule, np.float32))
    np.testing.assert_allclose(got.x.numpy(), want.x.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@pytest.mark.skipif(not (torch.cuda.is_available() and hb.cuda_available()), reason="needs a CUDA device")
@pytest.mark.parametrize("method", METHODS)
def test_a_cuda_run_syncs_only_to_check_x0_and_count_divergences(method):
    # torch reports every synchronising call in its sync debug mode: a short run in a training loop must
    # not drain the GPU's queue beyond the finiteness check of x0 and the result's n_diverged.
    import warnings

    pot = hb.TorchPotential(double_well)
    x0 = torch.zeros(64, 2, device="cuda")
    hb.langevin(pot, x0, 3, 0.01, method, seed=0)  # first call: kernels load, caches fill
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hb.langevin(pot, x0, 3, 0.01, method, seed=0)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    syncs = [str(w.message) for w in caught if "synchroniz" in str(w.message)]
    assert len(syncs) <= 2, syncs
